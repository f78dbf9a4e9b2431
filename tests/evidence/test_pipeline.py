"""The pipeline from dataset files to results, and the shipped results, end to end."""

import json
from pathlib import Path

import pytest

from phalanx.errors import UserError
from phalanx.evidence.pipeline import DatasetFiles, estimate, prior_mean_params, shipped
from phalanx.evidence.scores import brier

MINI = Path(__file__).resolve().parents[1] / "data" / "ingest"


def mini_files() -> DatasetFiles:
    return DatasetFiles(
        atop=MINI / "atop_mini.csv",
        states=MINI / "states_mini.csv",
        nmc=MINI / "nmc_mini.csv",
        mid=MINI / "mid_mini.csv",
        rivalries=MINI / "rivalries_mini.csv",
        majors=MINI / "majors_mini.csv",
    )


def test_estimate_on_the_mini_files_follows_the_contract():
    fit = estimate(mini_files(), bootstrap=10, seed=3)
    assert fit["format"] == "phalanx-hazard-fit/1"
    names = [c["name"] for c in fit["coefficients"]]
    assert names[0] == "intercept" and "dispute" in names
    # the sample counts are those of the hand-built table (tests/data/ingest/README.md):
    # nine spells end (2-20, 2-200 and 20-200 in 1903; 2-300's first in 1902; 200-300 and
    # 20-365 in 1901; 255-365 in 1904; 300-365 in 1905; 265-365 in 1908), 200-255 ends in
    # a state's death and 2-300's second spell is censored
    assert fit["sample"]["terminations"] == 9
    assert [s["dataset"] for s in fit["sources"]][:2] == [
        "ATOP directed dyad-year",
        "COW state system",
    ]
    for p in fit["priors"].values():
        assert p["low"] < p["high"] and p["sd"] > 0
    assert fit == estimate(mini_files(), bootstrap=10, seed=3) | {"created": fit["created"]}


def test_prior_mean_params_clip_to_the_ranges():
    table = mini_files().table()
    params = prior_mean_params(table)
    for name in ("beta_dependence", "beta_patrons", "beta_leader_war", "beta_threat_divergence"):
        assert getattr(params, name) >= 0.0


def test_the_shipped_fit_and_backtest():
    fit = shipped("fit")
    bt = shipped("backtest")
    assert fit["sample"]["dyad_years"] == 69127  # docs/evidence.md; slice A's count
    keys = {"dataset", "cutoff", "horizon", "method", "brier", "brier_low", "brier_high"}
    assert all(keys | {"log_score", "n"} <= set(r) for r in bt["records"])
    datasets = {r["dataset"] for r in bt["records"]}
    assert datasets == {"ATOP 5.1 defence pacts", "CSTO"}
    # persistence forecasts 0: its Brier score is the share of events (a value worked out
    # from the record's own counts, independent of the scoring code)
    for r in bt["records"]:
        if r["method"] == "persistence":
            assert r["brier"] == pytest.approx(r["events"] / r["n"])
    # the CSTO's cases hold Armenia's freeze after the 2020 cut-off
    arm = [c for c in bt["cases"] if c["actor"] == "ARM" and c["cutoff"] == 2020]
    assert arm and all(c["outcome"] == 1 and c["became"] == "frozen" for c in arm)
    ys = [c["outcome"] for c in bt["cases"] if c["method"] == "base-rate" and c["horizon"] == 5]
    ps = [c["forecast"] for c in bt["cases"] if c["method"] == "base-rate" and c["horizon"] == 5]
    rec = [r for r in bt["records"] if r["dataset"] == "CSTO" and r["method"] == "base-rate"]
    pooled = {(r["cutoff"]): r["brier"] for r in rec if r["horizon"] == 5}
    assert len(pooled) == 3 and brier(ps, ys) == pytest.approx(sum(pooled.values()) / 3)


def test_shipped_refuses_an_unknown_name():
    with pytest.raises(UserError, match="expected one of"):
        shipped("posterior")


def test_the_shipped_results_are_json_with_provenance():
    bt = shipped("backtest")
    json.dumps(bt)
    assert all(s.get("sha256") for s in bt["sources"])
    assert bt["settings"]["organization"] == "CSTO"


def test_direct_logistic_is_the_backtests_logistic():
    """The organisation backtest's logistic forecaster gives, on the large-N rows, exactly
    the large-N backtest's logistic forecasts (one method, two uses)."""
    import numpy as np

    from phalanx.evidence.backtest import DirectLogistic, forecasts
    from phalanx.evidence.hazard import COVARIATES

    table = mini_files().table()
    covariates = tuple(c for c in COVARIATES if c in table.attrs["covariates_available"])
    per_h = forecasts(table, 1906, (2,), covariates=covariates)
    rows = table[table["year"].to_numpy() == 1906]
    direct = DirectLogistic(table, 1906, covariates).horizon_probability(rows, 2)
    np.testing.assert_allclose(direct, per_h[2]["logistic"].to_numpy())
