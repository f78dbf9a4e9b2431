"""What-if adjustments of alignment inputs: shifts of propensities and size factors."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

import phalanx.cli as cli
from phalanx.models.landscape import LandscapeModel
from phalanx.models.landscape_inputs import AlignmentInputError, AlignmentInputs


def three() -> AlignmentInputs:
    # A and B like each other a little; C dislikes A and likes B more than A does.
    p = np.array([[0.0, 0.2, -1.0], [0.2, 0.0, 0.5], [-1.0, 0.5, 0.0]])
    return AlignmentInputs(("A", "B", "C"), np.array([1.0, 1.0, 1.0]), p)


def test_shift_is_symmetric_and_recorded():
    new = three().adjusted({("A", "C"): 0.5})
    assert new.propensity[0, 2] == new.propensity[2, 0] == pytest.approx(-0.5)
    assert np.allclose(new.components["what_if"], new.propensity - three().propensity)
    assert "A:C+0.5" in new.notes[-1]


def test_size_factor_moves_the_alignment():
    # Equal sizes: B joins C (0.5 > 0.2). Make A three times larger and B goes with A:
    # by hand, B's gain with A is 3*0.2 = 0.6 against 0.5 with C.
    base = LandscapeModel().fit(three().sizes, three().propensity, labels=["A", "B", "C"])
    big = three().adjusted(size_factors={"A": 3.0})
    moved = LandscapeModel().fit(big.sizes, big.propensity, labels=["A", "B", "C"])

    def together(model, x, y):
        return any({x, y} <= set(c) for c in model.to_dict()["minima"][0]["coalitions"])

    assert together(base, "B", "C") and not together(base, "A", "B")
    assert together(moved, "A", "B") and not together(moved, "B", "C")


def test_bad_adjustments_are_refused():
    with pytest.raises(AlignmentInputError, match="unknown actor"):
        three().adjusted({("A", "Z"): 1.0})
    with pytest.raises(AlignmentInputError, match="two different actors"):
        three().adjusted({("A", "A"): 1.0})
    with pytest.raises(AlignmentInputError, match="must be > 0"):
        three().adjusted(size_factors={"A": 0.0})


def test_cli_what_if_options():
    cli._register()
    run = CliRunner()
    out = run.invoke(
        cli.app,
        [
            "align",
            "--at",
            "2024-06-01",
            "--size-factor",
            "RUS=0.5",
            "--shift",
            "TUR:KAZ=+1",
            "--json",
        ],
    )
    assert out.exit_code == 0, out.output
    rec = json.loads(out.stdout)
    assert any("RUSx0.5" in n for n in rec["inputs"]["notes"])
    bad = run.invoke(cli.app, ["align", "--at", "2024-06-01", "--shift", "TURKAZ=1"])
    assert bad.exit_code == 2 and "expected ACTOR:ACTOR=NUMBER" in bad.stderr
