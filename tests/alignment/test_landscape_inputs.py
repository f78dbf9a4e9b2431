"""Inputs from CSV files and from a snapshot; the uncertainty sampler."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from phalanx.errors import UserError
from phalanx.kb.dates import parse_partial_date
from phalanx.kb.snapshot import Snapshot
from phalanx.models.landscape import LandscapeModel
from phalanx.models.landscape_inputs import (
    AlignmentInputError,
    PropensityWeights,
    inputs_from_snapshot,
    read_inputs,
    read_propensity_csv,
    read_sizes_csv,
    region_actors,
)
from phalanx.models.landscape_sampling import propensity_range, sample_alignment
from phalanx.network.from_snapshot import signed_network
from phalanx.network.pairs import Weighting

DATA = Path(__file__).resolve().parents[1] / "data" / "alignment"

EXPECTED_P = np.array(
    [[0, 2, 1, -1, -2], [2, 0, 1, -2, 0], [1, 1, 0, 0, -1], [-1, -2, 0, 0, 2], [-2, 0, -1, 2, 0]],
    dtype=float,
)

# -- CSV -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["propensity_matrix.csv", "propensity_long.csv"])
def test_both_propensity_forms_read_the_same_matrix(name):
    inputs = read_inputs(DATA / "sizes.csv", DATA / name)
    assert inputs.actors == ("A", "B", "C", "D", "E")
    assert inputs.sizes.tolist() == [1, 2, 1, 3, 1]
    np.testing.assert_array_equal(inputs.propensity, EXPECTED_P)


def test_matrix_follows_the_sizes_order_and_center_shifts():
    with pytest.raises(AlignmentInputError, match="not in the sizes file: B, C, D"):
        read_propensity_csv(DATA / "propensity_matrix.csv", ["E", "A"])
    actors, p = read_propensity_csv(DATA / "propensity_matrix.csv", list("EDCBA"), center=1)
    assert actors == tuple("EDCBA")
    assert p[0, 1] == 2 - 1 and p[4, 3] == 2 - 1 and p[0, 4] == -2 - 1 and p[0, 0] == 0


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("actor,size\nA,1\nB,abc\n", "sizes.csv:3: field 'size': expected a number, got 'abc'"),
        ("actor,size\nA,1\nB,-2\n", "sizes.csv:3: field 'size': a size must be > 0"),
        ("actor,size\nA,1\nA,2\n", "sizes.csv:3: field 'actor': actor 'A' already given on line 2"),
        ("actor,weight\nA,1\n", "sizes.csv:1: the header must have a column 'size'"),
        ("actor,size\nA,1,3\n", "sizes.csv:2: expected 2 fields, got 3"),
        ("actor,size\nA,nan\n", "sizes.csv:2: field 'size': expected a finite number"),
        ("", "sizes.csv: the file is empty"),
    ],
)
def test_sizes_errors_name_file_line_and_field(tmp_path, text, message):
    with pytest.raises(AlignmentInputError) as err:
        read_sizes_csv(write(tmp_path, "sizes.csv", text))
    assert message in str(err.value)
    assert isinstance(err.value, ValueError)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "x,A,B\nA,,1\nB,2,\n",
            "p.csv:3: field 'A': the matrix is not symmetric: A,B is 1 but B,A is 2",
        ),
        ("x,A,B\nA,,\nB,1,\n", "p.csv:2: field 'B': empty propensity"),
        ("x,A,B\nA,,1\nB,one,\n", "p.csv:3: field 'A': expected a number, got 'one'"),
        ("x,A,B\nA,,1\nC,1,\n", "p.csv:3: field 'x': row actor 'C' is not in the header"),
        ("x,A,B\nA,,1\n", "p.csv: no row for actor(s) B"),
        ("actor_a,actor_b,propensity\nA,A,1\n", "p.csv:2: field 'actor_b': a pair needs two"),
        ("actor_a,actor_b,propensity\nA,Z,1\n", "p.csv:2: field 'actor_b': actor 'Z' is not in"),
        ("actor_a,actor_b,propensity\nA,B,1\nB,A,1\n", "p.csv:3: pair B,A already given on line 2"),
        ("actor_a,actor_b,propensity\nA,B,x\n", "p.csv:2: field 'propensity': expected a number"),
    ],
)
def test_propensity_errors_name_file_line_and_field(tmp_path, text, message):
    with pytest.raises(AlignmentInputError) as err:
        read_propensity_csv(write(tmp_path, "p.csv", text), ["A", "B"])
    assert message in str(err.value)


def test_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(UserError, match="nope.csv: CSV file does not exist"):
        read_sizes_csv(tmp_path / "nope.csv")


def test_long_form_omitted_pairs_are_neutral(tmp_path):
    path = write(tmp_path, "p.csv", "actor_a,actor_b,propensity\nB,C,-1.5\n")
    actors, p = read_propensity_csv(path, ["A", "B", "C"])
    assert p.tolist() == [[0, 0, 0], [0, 0, -1.5], [0, -1.5, 0]]


# -- snapshot ------------------------------------------------------------------------------


def snapshot() -> Snapshot:
    rel = [
        ("A", "B", "alliance", False, 1, 0.8),
        ("B", "C", "armed_conflict", False, -1, 0.5),
        ("A", "C", "arms_supply", True, 1, 0.6),
        ("A", "C", "mystery", False, 1, 1.0),
        ("A", "D", "rivalry", False, -1, 1.0),
    ]
    votes = [
        ("v1", "2022-03-02", {"A": "yes", "B": "yes", "C": "no"}),
        ("v2", "2022-04-07", {"A": "yes", "B": "abstain", "C": "no"}),
        ("v3", "2022-10-01", {"A": "no", "B": "no", "C": "absent"}),
        ("old", "2005-01-01", {"A": "yes", "B": "no"}),
    ]
    return Snapshot(
        dt.date(2022, 10, 1),
        actors=tuple({"id": a, "kind": "state"} for a in "ABCD")
        + ({"id": "O", "kind": "organization"},),
        memberships=(
            {"organization": "O", "actor": "A", "status": "member"},
            {"organization": "O", "actor": "B", "status": "member"},
            {"organization": "O", "actor": "C", "status": "frozen"},
            {"organization": "E", "actor": "A", "status": "member"},
            {"organization": "E", "actor": "C", "status": "observer"},
        ),
        organizations=({"id": "O", "kind": "collective_defence"}, {"id": "E", "kind": "economic"}),
        relations=tuple(
            {
                "id": f"r{i}",
                "actor_a": a,
                "actor_b": b,
                "kind": k,
                "directed": d,
                "sign": s,
                "intensity": x,
            }
            for i, (a, b, k, d, s, x) in enumerate(rel)
        ),
        indicators=(
            {"actor": "A", "indicator": "cinc", "value": 0.04},
            {"actor": "B", "indicator": "cinc", "value": 0.002},
            {"actor": "C", "indicator": "cinc", "value": 0.001},
            {"actor": "B", "indicator": "arms_import_share_from_A", "value": 0.8},
            {"actor": "C", "indicator": "arms_import_share_from_A", "value": 40},
        ),
        votes=tuple(
            {"vote": v, "date": d, "body": "UNGA", "actor": a, "choice": c}
            for v, d, cast in votes
            for a, c in cast.items()
        ),
    )


def test_snapshot_propensities_by_hand():
    inputs = inputs_from_snapshot(snapshot())  # the "default" weighting
    assert inputs.actors == ("A", "B", "C")  # D has no cinc value
    assert inputs.sizes.tolist() == [0.04, 0.002, 0.001]
    c = dict(inputs.components)
    # relations: alliance 1.0*0.8; war 2.0*-1*0.5; one-way arms supply 0.5*0.6 (directed
    # factor 1 by default); the kind 'mystery' has no weight
    assert c["relations"][0, 1] == pytest.approx(0.8)
    assert c["relations"][1, 2] == pytest.approx(-1.0)
    assert c["relations"][0, 2] == pytest.approx(0.3)
    # memberships: O (collective defence, 1.0) A-B; C frozen counts 0; E is economic (0)
    assert c["memberships"][0, 1] == pytest.approx(1.0)
    assert c["memberships"][0, 2] == 0 and c["memberships"][1, 2] == 0
    # arms: 0.5 * 0.8 and 0.5 * 40 % (read as a percentage)
    assert c["arms"][0, 1] == pytest.approx(0.4)
    assert c["arms"][0, 2] == pytest.approx(0.2)
    # votes in the last 10 years: A-B agree 1, 0.5, 1 -> A = 5/6 -> 0.5 * (2A - 1) = 1/3;
    # A-C and B-C share only 2 votes (< 3): no vote component
    assert c["votes"][0, 1] == pytest.approx(1 / 3)
    assert c["votes"][0, 2] == 0 and c["votes"][1, 2] == 0
    expected = np.array([[0, 0.8 + 1.0 + 0.4 + 1 / 3, 0.3 + 0.2], [0, 0, -1.0], [0, 0, 0]])
    np.testing.assert_allclose(inputs.propensity, expected + expected.T)
    assert any("mystery" in n for n in inputs.notes)


def test_the_older_alignment_weighting_is_a_named_weighting():
    c = inputs_from_snapshot(snapshot(), weighting="propensity-v1").components
    # war 1.0*0.5; arms supply one-way 0.5*0.6*0.5; O (0.5) A-B; E (default 0.2) A member
    # x C observer (0.25)
    assert c["relations"][1, 2] == pytest.approx(-0.5)
    assert c["relations"][0, 2] == pytest.approx(0.15)
    assert c["memberships"][0, 1] == pytest.approx(0.5)
    assert c["memberships"][0, 2] == pytest.approx(0.2 * 0.25)


@pytest.mark.parametrize("weighting", ["default", "propensity-v1", "unit"])
def test_relation_and_membership_ties_equal_the_signed_network(weighting):
    inputs = inputs_from_snapshot(snapshot(), weighting=weighting)
    ties = inputs.components["relations"] + inputs.components["memberships"]
    G = signed_network(snapshot(), weighting, actors=inputs.actors)
    for i, a in enumerate(inputs.actors):
        for j, b in enumerate(inputs.actors):
            if i < j:
                e = G.edges[a, b] if G.has_edge(a, b) else {"sign": 0, "weight": 0.0}
                assert ties[i, j] == pytest.approx(e["sign"] * e["weight"])


def test_snapshot_weights_are_settings():
    w = PropensityWeights(arms_share=0, un_votes=0, vote_window_days=None)
    only_alliance = Weighting(kind_weights={"alliance": 2.0}, membership_weights={})
    inputs = inputs_from_snapshot(snapshot(), ["A", "B"], w, only_alliance)
    assert inputs.propensity[0, 1] == pytest.approx(2.0 * 0.8)
    w = PropensityWeights(arms_share=0, vote_window_days=None, vote_min_common=1)
    nothing = Weighting(kind_weights={}, membership_weights={})
    # with the 2005 vote (yes vs no) A-B agreement is (1 + 0.5 + 1 + 0) / 4
    inputs = inputs_from_snapshot(snapshot(), ["A", "B"], w, nothing)
    assert inputs.propensity[0, 1] == pytest.approx(0.5 * (2 * 2.5 / 4 - 1))
    with pytest.raises(UserError, match="'arms_share' parameter of PropensityWeights must be"):
        PropensityWeights(arms_share=-1)
    with pytest.raises(UserError, match="unknown weighting 'heavy'"):
        inputs_from_snapshot(snapshot(), weighting="heavy")


def test_partial_vote_dates_stay_inside_the_window():
    # the window of 3653 days up to 2022-10-01 starts on 2012-09-30: a vote of "2012-11"
    # (text or PartialDate) is in it, a vote of "2011" is not (it ended 2011-12-31)
    base = snapshot()
    votes = [
        ("old", "2011", "yes", "no"),
        ("new", parse_partial_date("2012-11"), "yes", "yes"),
        ("year", "2012", "no", "no"),
    ]
    s = Snapshot(
        base.date,
        base.actors,
        base.memberships,
        (),
        base.indicators,
        (),
        tuple(
            {"vote": v, "date": d, "actor": actor, "choice": c}
            for v, d, ca, cb in votes
            for actor, c in (("A", ca), ("B", cb))
        ),
        base.organizations,
    )
    w = PropensityWeights(arms_share=0, vote_min_common=1)
    votes_ab = inputs_from_snapshot(s, ["A", "B"], w).components["votes"][0, 1]
    assert votes_ab == pytest.approx(0.5)  # agreement 1 on "new" and "year"; "old" left out
    w_all = PropensityWeights(arms_share=0, vote_min_common=1, vote_window_days=None)
    assert inputs_from_snapshot(s, ["A", "B"], w_all).components["votes"][0, 1] == (
        pytest.approx(0.5 * (2 * 2 / 3 - 1))
    )
    # an impossible date never reaches the model: the snapshot refuses it, naming the field
    with pytest.raises(UserError, match="field 'date': '2012-13' has month 13"):
        Snapshot(
            base.date,
            base.actors,
            (),
            (),
            base.indicators,
            (),
            ({"vote": "v", "date": "2012-13", "actor": "A", "choice": "yes"},),
        )


def test_snapshot_errors_and_region():
    with pytest.raises(AlignmentInputError, match="no 'cinc' value on 2022-10-01 for D"):
        inputs_from_snapshot(snapshot(), ["A", "D"])
    with pytest.raises(AlignmentInputError, match="unknown actor"):
        inputs_from_snapshot(snapshot(), ["A", "ZZZ"])
    assert region_actors(snapshot(), ["C", "D", "A", "X"]) == ["C", "A"]


def test_snapshot_inputs_feed_the_model():
    inputs = inputs_from_snapshot(snapshot())
    model = LandscapeModel().fit(inputs.sizes, inputs.propensity, labels=inputs.actors)
    # C's tie to the large A (0.04 * 0.001 * 0.5) outweighs its war with the small B
    # (0.002 * 0.001 * -1.0): every split costs energy, so all three stay together
    assert model.global_minimum_.coalitions(model.labels_) == [["A", "B", "C"]]
    by_labels = {a.labels: a.energy for a in model.minima_}
    assert by_labels == {(0, 0, 0): 0.0}
    assert model.energies_[2] == pytest.approx(2 * (0.04 * 0.001 * 0.5 - 0.002 * 0.001 * 1.0))


# -- uncertainty ---------------------------------------------------------------------------


@pytest.fixture(params=[0, 1, 12345])
def seed(request):
    return request.param


def test_same_seed_same_result_whatever_its_form(seed):
    lo, hi = propensity_range(EXPECTED_P, 0.75)
    sizes = [1, 2, 1, 3, 1]
    a = sample_alignment(sizes, lo, hi, 60, seed)
    b = sample_alignment(sizes, lo, hi, 60, np.random.SeedSequence(seed))
    c = sample_alignment(sizes, lo, hi, 60, np.random.default_rng(np.random.SeedSequence(seed)))
    np.testing.assert_array_equal(a["coassignment"], b["coassignment"])
    np.testing.assert_array_equal(a["coassignment"], c["coassignment"])
    assert a["alignments"] == b["alignments"] and a["seed"] == seed
    co = a["coassignment"]
    np.testing.assert_allclose(co, co.T)
    assert np.all(np.diag(co) == 1) and co.min() >= 0 and co.max() <= 1
    assert sum(x["share"] for x in a["alignments"]) == pytest.approx(1.0)
    # the co-assignment is the share-weighted mean of the alignments' same-coalition matrices
    rebuilt = np.zeros_like(co)
    for x in a["alignments"]:
        lab = {actor: g for g, members in enumerate(x["coalitions"]) for actor in members}
        v = np.array([lab[str(i)] for i in range(5)])
        rebuilt += x["share"] * (v[:, None] == v[None, :])
    np.testing.assert_allclose(rebuilt, co)


def test_zero_width_ranges_reproduce_the_global_minimum():
    r = sample_alignment([1, 2, 1, 3, 1], EXPECTED_P, EXPECTED_P, 5, seed=3, labels="ABCDE")
    assert r["alignments"] == [
        {"coalitions": [["A", "B", "C"], ["D", "E"]], "share": 1.0, "mean_energy": -36.0}
    ]
    same = np.array([[1, 1, 1, 0, 0]] * 3 + [[0, 0, 0, 1, 1]] * 2, dtype=float)
    np.testing.assert_array_equal(r["coassignment"], same)


def test_ranges_that_straddle_zero_split_the_samples():
    # one pair whose sign is a coin flip: together when p > 0, apart when p < 0
    r = sample_alignment([1, 1], [[0, -1], [-1, 0]], [[0, 1], [1, 0]], 400, seed=11)
    assert 0.4 < r["coassignment"][0, 1] < 0.6
    with pytest.raises(ValueError, match="range is empty"):
        sample_alignment([1, 1], [[0, 1], [1, 0]], [[0, -1], [-1, 0]], 4, seed=1)
