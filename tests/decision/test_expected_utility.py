"""Expected-utility model: published EU example, reference equivalence, properties."""

from __future__ import annotations

import csv
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from phalanx.models.actors import ActorDataError, ActorTable
from phalanx.models.expected_utility import ExpectedUtilityModel, eu_round
from phalanx.models.expected_utility_reference import reference_round

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "decision"
BDM = ROOT / ".." / "shared" / "validation" / "bdm"
EU_CSV = DATA / "eu_example.csv"


def _read(name: str) -> dict[str, np.ndarray]:
    with open(BDM / name, newline="") as fh:
        rows = list(csv.DictReader(fh))
    return {k: np.array([float(r[k]) for r in rows]) for k in rows[0]}


def _random_actors(seed: int, n: int, distinct: int | None = None) -> list[dict]:
    rng = np.random.default_rng(seed)
    if distinct:
        x = rng.choice(rng.uniform(0, 10, distinct), size=n)
    else:
        x = rng.uniform(0, 10, n)
    return [
        {"actor": f"a{i}", "capability": float(c), "position": float(p), "salience": float(s)}
        for i, (c, p, s) in enumerate(
            zip(rng.uniform(0.01, 1, n), x, rng.uniform(0.05, 1, n), strict=True)
        )
    ]


# --- the published example -------------------------------------------------------------


def test_eu_example_initial_statistics_by_hand():
    m = ExpectedUtilityModel(rounds=0).fit(EU_CSV, salience_max=100)
    assert m.mean_position_[0] == pytest.approx(500.3 / 67.7, abs=1e-12)
    assert m.median_position_[0] == 7.0
    assert m.positions_.shape == (1, 10)


@pytest.mark.skipif(not BDM.is_dir(), reason="../shared/validation/bdm not available")
def test_eu_example_reproduces_published_mean_path():
    """Mean position, rounds 0-10, against the digitised published figure.

    The digitised values are read to the figure's 0.1 gridlines, so each carries up to one
    gridline of uncertainty; the shape (rises and falls between rounds) must match exactly.
    """
    dig = _read("eu_example_mean_position_original_digitized.csv")
    m = ExpectedUtilityModel(rounds=10, variant="scholz_code").fit(EU_CSV, salience_max=100)
    ours = m.mean_position_
    assert ours.shape == dig["round"].shape
    assert np.max(np.abs(ours - dig["mean_position_original_approx"])) <= 0.1
    published_steps = np.sign(np.round(np.diff(dig["mean_position_original_approx"]), 6))
    our_steps = np.sign(np.diff(ours))
    changed = published_steps != 0
    assert np.array_equal(published_steps[changed], our_steps[changed])
    # Peaks at rounds 3 and 8, falls at rounds 4 and 9, as in the published figure.
    assert ours[3] > ours[4] and ours[8] > ours[9] and ours[3] > ours[2] and ours[8] > ours[7]


@pytest.mark.skipif(not BDM.is_dir(), reason="../shared/validation/bdm not available")
def test_eu_example_matches_replication_output_per_actor():
    ref = _read("eu_example_rounds_jmckib_code_output.csv")
    m = ExpectedUtilityModel(rounds=10).fit(EU_CSV, salience_max=100)
    expected = np.column_stack([ref[name] for name in m.names_])
    assert np.max(np.abs(m.positions_ - expected)) < 1e-5  # reference printed to 6 d.p.
    assert np.max(np.abs(m.mean_position_ - ref["weighted_mean_position"])) < 1e-5


def test_eu_example_offers_round_one():
    # Hand-checkable consequences of the first round's offers in the published example:
    # Luxembourg (4) moves to Belgium's 7, Ireland (7) to Luxembourg's 4, Belgium compromises.
    m = ExpectedUtilityModel(rounds=1).fit(EU_CSV, salience_max=100)
    moves = {o["actor"]: o for o in m.offers_[0]}
    assert set(moves) == {"Belgium", "Luxembourg", "Ireland"}
    assert moves["Luxembourg"]["kind"] == "confrontation" and moves["Luxembourg"]["to"] == 7
    assert moves["Ireland"]["to"] == 4
    assert moves["Belgium"]["kind"] == "compromise" and 7 < moves["Belgium"]["to"] < 10
    assert np.all((m.risk_ >= 0.5) & (m.risk_ <= 2))


def test_printed_variant_differs_and_stays_on_scale():
    a = ExpectedUtilityModel(rounds=10, variant="printed").fit(EU_CSV, salience_max=100)
    b = ExpectedUtilityModel(rounds=10, variant="scholz_code").fit(EU_CSV, salience_max=100)
    assert not np.allclose(a.mean_position_, b.mean_position_)
    assert a.positions_.min() >= 4 and a.positions_.max() <= 10


# --- vectorised == reference, and faster ----------------------------------------------------


@pytest.mark.parametrize("variant", ["scholz_code", "printed"])
@pytest.mark.parametrize(
    "risk,q", [("endogenous", 1.0), (1.0, 1.0), ("endogenous", 0.4), (1.5, 0.7)]
)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_vectorised_round_equals_reference(variant, risk, q, seed):
    t = ActorTable.from_records(_random_actors(seed, 9, distinct=5))
    fast = eu_round(
        t.position, t.capability, t.salience, prange=10.0, variant=variant, risk=risk, q=q, t=0.3
    )
    slow, r = reference_round(
        t.position.tolist(),
        t.capability.tolist(),
        t.salience.tolist(),
        prange=10.0,
        variant=variant,
        risk=risk,
        q=q,
        t=0.3,
    )
    np.testing.assert_allclose(fast["position"], slow, atol=1e-10)
    np.testing.assert_allclose(fast["risk"], r, atol=1e-12)


def test_vectorised_is_clearly_faster_than_reference():
    t = ActorTable.from_records(_random_actors(7, 40))
    args = (t.position, t.capability, t.salience)
    t0 = time.perf_counter()
    for _ in range(3):
        eu_round(*args, prange=10.0)
    fast = (time.perf_counter() - t0) / 3
    t0 = time.perf_counter()
    reference_round(*(a.tolist() for a in args), prange=10.0)
    slow = time.perf_counter() - t0
    assert slow > 5 * fast


# --- properties ---------------------------------------------------------------------------


@given(
    x=st.floats(-100, 100), c=st.floats(0.01, 10), s=st.floats(0.01, 1), rounds=st.integers(0, 5)
)
def test_single_actor_gets_its_position(x, c, s, rounds):
    m = ExpectedUtilityModel(rounds=rounds).fit(
        [{"actor": "A", "capability": c, "position": x, "salience": s}]
    )
    assert m.outcome_ == x
    assert np.all(m.positions_ == x)


@given(n=st.integers(2, 6), x=st.floats(0, 1), c=st.floats(0.01, 5), s=st.floats(0.01, 1))
def test_identical_actors_stay_put(n, x, c, s):
    actors = [{"actor": f"a{i}", "capability": c, "position": x, "salience": s} for i in range(n)]
    m = ExpectedUtilityModel(rounds=4, scale=(0, 1)).fit(actors)
    assert np.all(m.positions_ == x)
    assert m.outcome_ == x


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(2, 12),
    variant=st.sampled_from(["scholz_code", "printed"]),
    distinct=st.sampled_from([None, 3]),
)
def test_outcome_and_positions_stay_in_initial_range(seed, n, variant, distinct):
    actors = _random_actors(seed, n, distinct)
    m = ExpectedUtilityModel(rounds=6, variant=variant).fit(actors)
    x0 = m.positions_[0]
    assert np.all(m.positions_ >= x0.min() - 1e-12) and np.all(m.positions_ <= x0.max() + 1e-12)
    for stat in (m.mean_position_, m.median_position_):
        assert np.all(stat >= x0.min() - 1e-12) and np.all(stat <= x0.max() + 1e-12)
    again = ExpectedUtilityModel(rounds=6, variant=variant).fit(actors)
    assert np.array_equal(m.positions_, again.positions_)  # deterministic


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(2, 10),
    variant=st.sampled_from(["scholz_code", "printed"]),
)
def test_relabelling_permutes_output(seed, n, variant):
    actors = _random_actors(seed, n)
    perm = np.random.default_rng(seed + 1).permutation(n)
    a = ExpectedUtilityModel(rounds=5, variant=variant).fit(actors)
    b = ExpectedUtilityModel(rounds=5, variant=variant).fit([actors[i] for i in perm])
    np.testing.assert_allclose(b.positions_, a.positions_[:, perm], atol=1e-9)
    np.testing.assert_allclose(b.mean_position_, a.mean_position_, atol=1e-9)
    assert b.outcome_ == pytest.approx(a.outcome_, abs=1e-9)


# --- settings and input errors ---------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs,name",
    [
        ({"rounds": -1}, "rounds"),
        ({"rounds": 2.5}, "rounds"),
        ({"variant": "x"}, "variant"),
        ({"risk": 3.0}, "risk"),
        ({"risk": "high"}, "risk"),
        ({"q": 1.5}, "q"),
        ({"t": -0.1}, "t"),
        ({"scale": (1, 0)}, "scale"),
        ({"outcome": "mode"}, "outcome"),
    ],
)
def test_parameter_validation_messages(kwargs, name):
    m = ExpectedUtilityModel(**kwargs)
    with pytest.raises(
        ValueError,
        match=rf"^The '{name}' parameter of ExpectedUtilityModel must be .* Got .* instead\.$",
    ):
        m.fit(EU_CSV, salience_max=100)


def test_init_stores_settings_only():
    m = ExpectedUtilityModel(rounds=-5, variant="nonsense")  # no error until fit
    assert m.get_params()["rounds"] == -5
    assert not hasattr(m, "positions_")


@pytest.mark.parametrize(
    "name,pattern",
    [
        (
            "bad_actors_not_number.csv",
            r"bad_actors_not_number\.csv:3: field 'salience' is not a number",
        ),
        (
            "bad_actors_missing_column.csv",
            r"bad_actors_missing_column\.csv:1: header lacks column 'salience'",
        ),
        (
            "bad_actors_duplicate.csv",
            r"bad_actors_duplicate\.csv:3: field 'actor': duplicate name 'A'",
        ),
    ],
)
def test_csv_errors_name_file_line_field(name, pattern):
    with pytest.raises(ActorDataError, match=pattern):
        ExpectedUtilityModel().fit(DATA / name)


def test_record_errors():
    with pytest.raises(ActorDataError, match=r"record 2: missing field 'position'"):
        ActorTable.from_records(
            [
                {"actor": "A", "capability": 1, "position": 0, "salience": 1},
                {"actor": "B", "capability": 1, "salience": 1},
            ]
        )
    with pytest.raises(ActorDataError, match=r"record 1: field 'salience' must be in \[0, 1\]"):
        ActorTable.from_records([{"actor": "A", "capability": 1, "position": 0, "salience": 2}])
    with pytest.raises(ValueError, match="outside the scale"):
        ExpectedUtilityModel(scale=(0, 1)).fit(
            [{"actor": "A", "capability": 1, "position": 2, "salience": 1}]
        )
