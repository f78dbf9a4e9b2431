"""The rolling-origin backtest: outcomes by hand, no look-ahead, and the methods' ranking."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from phalanx.errors import ParameterError, UserError
from phalanx.evidence import backtest as bt
from phalanx.evidence.backtest import (
    METHODS,
    direct_cases,
    forecasts,
    outcomes,
    rolling_backtest,
)
from tests.conftest import DATA
from tests.evidence.test_hazard_synthetic import TRUTH, synthetic_table

MINI = DATA / "evidence-hazard" / "mini-dyad-years.csv"

# spells whose pact ends with what they are today (cap_ratio, common_rival): the covariates
# that do not change from year to year carry the signal, so a hazard model that holds them
# over the horizon should beat the base rate clearly
PERSISTENT = {
    **TRUTH,
    "cap_ratio": 2.5,
    "common_rival": -2.0,
    "dispute": 0.0,
    "stronger_at_war": 0.0,
    "weaker_new_major_pact": 0.0,
    "power_shift": 0.0,
    "intercept": -4.2,
}
KEYS = {
    "dataset",
    "cutoff",
    "horizon",
    "method",
    "brier",
    "brier_low",
    "brier_high",
    "log_score",
    "log_low",
    "log_high",
    "n",
    "events",
}


@pytest.fixture(scope="module")
def mini() -> pd.DataFrame:
    return pd.read_csv(MINI)


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return synthetic_table(n_spells=2500, seed=31, truth=PERSISTENT)


@pytest.fixture(scope="module")
def result(table):
    return rolling_backtest(table, bootstrap=20, seed=1, dataset="synthetic")


def test_outcomes_by_hand(mini):
    # see tests/data/evidence-hazard/README.md
    five = outcomes(mini, 2000, 5).set_index("spell")["y"].to_dict()
    ten = outcomes(mini, 2000, 10).set_index("spell")["y"].to_dict()
    assert five == {0: 0, 1: 1, 3: 0, 6: 1}
    assert ten == {0: 0, 1: 1, 3: 1, 6: 1}


def test_direct_training_cases_by_hand(mini):
    rows, y = direct_cases(mini, 2005, 3)
    assert rows["year"].max() <= 2002
    got = dict(zip(zip(rows["spell"], rows["year"], strict=True), y.tolist(), strict=True))
    # spell 1 ends after 2002: windows [t, t + 2] from 2000 on contain it
    assert [got[(1, t)] for t in range(1998, 2003)] == [0, 0, 1, 1, 1]
    # spell 2's partner dies after 2003: the windows holding 2003 are dropped
    assert [got.get((2, t)) for t in range(1999, 2003)] == [0, 0, None, None]
    # spell 6 ends after 2000
    assert [got[(6, t)] for t in range(1996, 2001)] == [0, 0, 1, 1, 1]


def test_records_have_the_contract_shape(result, table):
    records, reliability = result
    assert all(set(r) == KEYS for r in records)
    assert {r["method"] for r in records} == set(METHODS)
    assert {(r["cutoff"], r["horizon"]) for r in records} == {
        (c, h) for c in bt.CUTOFFS for h in bt.HORIZONS
    }
    for r in records:
        assert r["brier_low"] <= r["brier"] <= r["brier_high"]
        assert r["log_low"] <= r["log_score"] <= r["log_high"]
        assert 0 < r["events"] < r["n"]
    for entry in reliability:
        mine = [
            r
            for r in records
            if r["method"] == entry["method"] and r["horizon"] == entry["horizon"]
        ]
        assert entry["n"] == sum(r["n"] for r in mine) == sum(b["n"] for b in entry["bins"])


def test_persistence_scores_are_the_event_share(result):
    records, _ = result
    for r in records:
        if r["method"] != "persistence":
            continue
        share = r["events"] / r["n"]
        assert r["brier"] == pytest.approx(share, rel=1e-12)
        eps = 1e-6
        assert r["log_score"] == pytest.approx(
            -(share * math.log(eps) + (1 - share) * math.log1p(-eps)), rel=1e-9
        )


def test_the_hazard_beats_the_base_rate_and_persistence(result):
    frame = pd.DataFrame(result[0])
    mean = frame.groupby("method")[["brier", "log_score"]].mean()
    for score in ("brier", "log_score"):
        assert mean.loc["hazard", score] < mean.loc["base-rate", score]
        assert mean.loc["hazard", score] < mean.loc["persistence", score]
    # and at most cut-offs and horizons on its own, on the log score
    wide = frame.pivot_table(index=["cutoff", "horizon"], columns="method", values="log_score")
    assert (wide["hazard"] < wide["base-rate"]).mean() >= 0.75


def _scrambled_future(table: pd.DataFrame, cutoff: int) -> pd.DataFrame:
    """The same past, another future: covariates after the cut-off redrawn, outcomes from
    the cut-off year on flipped (but for the partners' deaths)."""
    rng = np.random.default_rng(0)
    t = table.copy()
    later = t["year"].to_numpy() > cutoff
    for c in ("dispute", "common_rival", "stronger_at_war", "weaker_new_major_pact"):
        t.loc[later, c] = rng.integers(0, 2, later.sum()).astype(np.int8)
    t.loc[later, "cap_ratio"] = rng.random(later.sum())
    from_cutoff = (t["year"].to_numpy() >= cutoff) & (t["state_death"] == 0).to_numpy()
    t.loc[from_cutoff, "ends"] = (1 - t.loc[from_cutoff, "ends"]).astype(np.int8)
    return t


def _same_forecasts(a: dict, b: dict) -> bool:
    return all(np.allclose(a[h][list(METHODS)], b[h][list(METHODS)], rtol=0, atol=0) for h in a)


def test_no_row_after_the_cut_off_is_used_to_forecast(table, monkeypatch):
    cutoff = 1970
    other = _scrambled_future(table, cutoff)
    honest = forecasts(table, cutoff), forecasts(other, cutoff)
    assert _same_forecasts(*honest)
    # plant a leak (three years of the future in the training rows): the check catches it
    real = bt.training_rows
    monkeypatch.setattr(bt, "training_rows", lambda t, c: real(t, c + 3))
    leaky = forecasts(table, cutoff), forecasts(other, cutoff)
    assert not _same_forecasts(*leaky)


def test_the_direct_classifier_sees_no_future_either(table, monkeypatch):
    cutoff = 1990
    other = _scrambled_future(table, cutoff)
    a, b = forecasts(table, cutoff)[10], forecasts(other, cutoff)[10]
    assert np.array_equal(a["logistic"], b["logistic"])
    real = bt.direct_cases
    monkeypatch.setattr(bt, "direct_cases", lambda t, c, h: real(t, c + 4, h))
    a, b = forecasts(table, cutoff)[10], forecasts(other, cutoff)[10]
    assert not np.array_equal(a["logistic"], b["logistic"])


def test_the_same_seed_gives_the_same_intervals(table):
    small = table[table["spell"] < 800]
    a = rolling_backtest(small, cutoffs=(1990,), horizons=(5,), bootstrap=15, seed=3)[0]
    b = rolling_backtest(small, cutoffs=(1990,), horizons=(5,), bootstrap=15, seed=3)[0]
    assert a == b


def test_bad_settings_are_clear_errors(table):
    with pytest.raises(ParameterError, match="'horizons' parameter"):
        rolling_backtest(table, horizons=(0,))
    with pytest.raises(ParameterError, match="'bootstrap' parameter"):
        rolling_backtest(table, bootstrap=5)
    with pytest.raises(UserError, match="cut-off 1700"):
        rolling_backtest(table, cutoffs=(1700,), bootstrap=10)
