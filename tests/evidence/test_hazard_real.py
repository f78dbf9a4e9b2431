"""The hazard and the backtest on the real files (skipped when ../shared/validation is
absent), checked against plain counts of the table."""

from __future__ import annotations

import math

import pytest

from phalanx.evidence.backtest import rolling_backtest
from phalanx.evidence.hazard import HazardModel
from tests.conftest import ROOT

FOLDER = ROOT.parent / "shared" / "validation" / "datasets"
FILES = {
    "atop": "atop_v5_1_ddyr_full_peacesciencer.csv",
    "states": "cow_states2016_peacesciencer.csv",
    "nmc": "cow_nmc_v7_0_peacesciencer.csv",
    "mid": "cow_mid_v5_ddydisps_peacesciencer.csv",
    "rivalries": "td_rivalries_peacesciencer.csv",
    "majors": "cow_majors2016_peacesciencer.csv",
}


@pytest.fixture(scope="module")
def table():
    if not all((FOLDER / f).is_file() for f in FILES.values()):
        pytest.skip("../shared/validation is not present")
    from phalanx.evidence.dyads import build_dyad_years

    return build_dyad_years(**{k: str(FOLDER / f) for k, f in FILES.items()})


def test_the_baseline_is_the_share_of_terminations_in_the_observed_years(table):
    observed = table[table["censored"] == 0]
    share = observed["ends"].sum() / len(observed)
    m = HazardModel(covariates=(), duration="none", bootstrap=0).fit(table)
    assert 1 / (1 + math.exp(-m.coef_["intercept"])) == pytest.approx(share, rel=1e-6)
    full = HazardModel(bootstrap=0).fit(table)
    assert full.notes_ == [] and full.dropped_ == {}
    assert full.n_events_ == int(table["ends"].sum())


def test_the_backtest_counts_the_events_a_plain_count_finds(table):
    records, _ = rolling_backtest(table, cutoffs=(1990, 2005), bootstrap=10)
    last = table.groupby("spell").agg(
        year=("year", "max"), ends=("ends", "max"), stop=("state_death", "max")
    )
    last["censored"] = table.groupby("spell")["censored"].max()
    for r in records:
        c, h = r["cutoff"], r["horizon"]
        alive = last.loc[table.loc[table["year"] == c, "spell"].unique()]
        ended = (alive["ends"] == 1) & (alive["year"] <= c + h - 1)
        survived = alive["year"] >= c + h
        assert r["events"] == int(ended.sum())
        assert r["n"] == int(ended.sum() + survived.sum())
