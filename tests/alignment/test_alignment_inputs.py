"""The library's choice of alignment inputs (models/alignment_inputs.py), for every shell."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from phalanx.errors import UserError
from phalanx.models.alignment_inputs import alignment_inputs
from phalanx.models.landscape_inputs import PropensityWeights, inputs_from_snapshot, read_inputs

from .test_landscape_inputs import snapshot

DATA = Path(__file__).resolve().parents[1] / "data" / "alignment"


class FakeKB:
    """A knowledge base of one hand-built snapshot whose package declares a region."""

    def __init__(self, region):
        self.defaults = SimpleNamespace(region=tuple(region))
        self.calls = []

    def snapshot(self, at, window_days=0):
        self.calls.append((at, window_days))
        return snapshot()


def test_the_default_actors_are_the_packages_region_with_a_size():
    kb = FakeKB(["D", "C", "B", "A"])  # D has no cinc value
    inputs = alignment_inputs(kb, "2022-10-01")
    assert inputs.actors == ("C", "B", "A")
    assert kb.calls == [(dt.date(2022, 10, 1), 365)]
    # the same numbers as the snapshot function, reordered
    direct = inputs_from_snapshot(snapshot(), ["C", "B", "A"])
    np.testing.assert_array_equal(inputs.propensity, direct.propensity)
    # a partial date is its first day; the window is a setting
    kb = FakeKB(["A", "B"])
    alignment_inputs(kb, "2022-10", weights=PropensityWeights(window_days=30))
    assert kb.calls == [(dt.date(2022, 10, 1), 30)]


def test_named_actors_weighting_and_what_ifs():
    kb = FakeKB(["A", "B", "C"])
    inputs = alignment_inputs(
        kb,
        "2022-10-01",
        actors=["B", "A"],
        weighting="propensity-v1",
        shifts={("A", "B"): -0.25},
        size_factors={"A": 0.5},
    )
    direct = inputs_from_snapshot(snapshot(), ["B", "A"], weighting="propensity-v1")
    assert inputs.actors == ("B", "A")
    assert inputs.propensity[0, 1] == pytest.approx(direct.propensity[0, 1] - 0.25)
    assert inputs.sizes.tolist() == [0.002, 0.02]
    assert "weighting propensity-v1" in inputs.source


def test_csv_inputs_and_their_subset():
    inputs = alignment_inputs(
        sizes=DATA / "sizes.csv", propensity=DATA / "propensity_matrix.csv", actors=["E", "A"]
    )
    full = read_inputs(DATA / "sizes.csv", DATA / "propensity_matrix.csv")
    assert inputs.actors == ("E", "A") and inputs.propensity[0, 1] == full.propensity[4, 0]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"sizes": DATA / "sizes.csv"}, "sizes and propensity files go together"),
        ({}, "give a date (knowledge base) or a sizes file"),
        (
            {
                "kb": FakeKB(["A", "B"]),
                "at": "2022-10-01",
                "sizes": DATA / "sizes.csv",
                "propensity": DATA / "propensity_matrix.csv",
            },
            "not both",
        ),
        ({"kb": FakeKB(["A", "B"]), "at": "2022-13"}, "field 'at':"),
        (
            {
                "sizes": DATA / "sizes.csv",
                "propensity": DATA / "propensity_matrix.csv",
                "weighting": "unit",
            },
            "apply to knowledge-base inputs only",
        ),
        (
            {"kb": FakeKB(["A", "D"]), "at": "2022-10-01"},
            "fewer than two of the package's 2 region actors have a 'cinc' value on 2022-10-01",
        ),
        (
            {"kb": FakeKB(["A", "B"]), "at": "2022-10-01", "weighting": "heavy"},
            "unknown weighting 'heavy'",
        ),
        (
            {"kb": FakeKB(["A", "B"]), "at": "2022-10-01", "actors": ["A", "D"]},
            "no 'cinc' value on 2022-10-01 for D",
        ),
    ],
)
def test_every_problem_is_a_user_error_saying_what_to_give(kwargs, message):
    with pytest.raises(UserError) as err:
        alignment_inputs(**kwargs)
    assert message in str(err.value)
