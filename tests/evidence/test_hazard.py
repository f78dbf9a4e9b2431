"""The termination hazard: recovery of known coefficients, exact small cases, errors."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from phalanx.errors import ParameterError, UserError
from phalanx.evidence.hazard import COVARIATES, HazardModel
from tests.evidence.test_hazard_synthetic import TRUTH, synthetic_table


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return synthetic_table(n_spells=1500, seed=2)


@pytest.fixture(scope="module")
def fitted(table) -> HazardModel:
    return HazardModel(bootstrap=60, seed=4).fit(table)


def test_recovers_the_coefficients_it_was_generated_from(fitted):
    assert set(fitted.names_) == set(TRUTH)
    inside = 0
    for name, true in TRUTH.items():
        est, se = fitted.coef_[name], fitted.se_[name]
        assert abs(est - true) < 4 * se, (name, est, true, se)
        low, high = fitted.intervals_[name]
        assert low < est < high
        inside += low <= true <= high
    assert inside >= len(TRUTH) - 2  # a 95 % interval may miss one or two of nine


def test_bootstrap_and_wald_errors_agree_in_size(fitted):
    # spells are independent given their covariates, so clustering changes little here:
    # the two standard errors agree within sampling noise of 60 replicates
    for name in fitted.names_:
        ratio = fitted.boot_se_[name] / fitted.se_[name]
        assert 0.6 < ratio < 1.6, (name, ratio)


def test_the_bootstrap_interval_covers_the_truth_in_most_seeds():
    covered = total = 0
    for seed in (11, 12, 13, 14):
        m = HazardModel(bootstrap=40, seed=seed).fit(synthetic_table(n_spells=700, seed=seed))
        for name, true in TRUTH.items():
            low, high = m.intervals_[name]
            covered += low <= true <= high
            total += 1
    assert covered / total >= 0.8  # nominal 0.95; 40 replicates give ragged tails


def test_the_same_seed_gives_the_same_intervals(table):
    small = table[table["spell"] < 400]
    a = HazardModel(bootstrap=15, seed=3).fit(small)
    b = HazardModel(bootstrap=15, seed=3).fit(small)
    c = HazardModel(bootstrap=15, seed=4).fit(small)
    assert a.intervals_ == b.intervals_
    assert a.intervals_ != c.intervals_
    assert a.coef_ == c.coef_  # the point estimate does not depend on the seed


def _rows(**cols) -> pd.DataFrame:
    return pd.DataFrame(cols)


def test_intercept_only_fit_is_the_event_share_with_its_textbook_error():
    # 10 spells of 10 years; 7 terminations in 100 dyad-years
    n = 100
    ends = np.zeros(n, dtype=np.int8)
    ends[[9, 19, 29, 39, 49, 59, 69]] = 1
    t = _rows(
        spell=np.repeat(np.arange(10), 10),
        age=np.tile(np.arange(10), 10),
        ends=ends,
        censored=np.zeros(n, dtype=np.int8),
    )
    m = HazardModel(covariates=(), duration="none", bootstrap=0).fit(t)
    p = 7 / 100
    assert m.coef_["intercept"] == pytest.approx(math.log(p / (1 - p)), abs=1e-6)
    assert m.se_["intercept"] == pytest.approx(1 / math.sqrt(n * p * (1 - p)), rel=1e-4)
    assert m.yearly_hazard(t.iloc[:1])[0] == pytest.approx(p, abs=1e-7)


def test_age_bins_reproduce_the_share_of_terminations_in_each_bin():
    # with only the bin indicators, the maximum-likelihood hazard of a bin is its share
    rng = np.random.default_rng(0)
    ages = np.tile(np.arange(30), 40)
    spell = np.repeat(np.arange(40), 30)
    ends = rng.random(ages.size) < np.where(ages < 5, 0.02, np.where(ages < 20, 0.08, 0.15))
    t = _rows(spell=spell, age=ages, ends=ends.astype(np.int8))
    m = HazardModel(covariates=(), duration="bins", bootstrap=0).fit(t)
    for lo, hi in ((0, 5), (5, 10), (10, 20), (20, 30)):
        in_bin = (ages >= lo) & (ages < hi)
        row = t.iloc[[int(np.flatnonzero(in_bin)[0])]]
        assert m.yearly_hazard(row)[0] == pytest.approx(ends[in_bin].mean(), abs=1e-6)


def test_horizon_probability_by_hand():
    t = synthetic_table(n_spells=300, seed=8)
    m = HazardModel(bootstrap=0).fit(t)
    b = m.coef_
    rows = _rows(
        spell=[0, 1],
        age=[0, 12],
        cap_ratio=[0.5, np.nan],
        power_shift=[0.1, np.nan],
        dispute=[1, 0],
        common_rival=[0, 1],
        stronger_at_war=[0, 0],
        weaker_new_major_pact=[1, 0],
    )

    def hazard(row: int, age: int) -> float:
        if row == 0:
            z = (
                b["intercept"]
                + 0.5 * b["cap_ratio"]
                + 0.1 * b["power_shift"]
                + b["dispute"]
                + b["weaker_new_major_pact"]
            )
        else:  # CINC missing: cap_ratio and power_shift count 0, the indicator 1
            z = b["intercept"] + b["common_rival"] + b["cinc_missing"]
        z += b["log_age"] * math.log(1 + age)
        return 1 / (1 + math.exp(-z))

    start = (0, 12)
    expected = [1 - math.prod(1 - hazard(r, start[r] + k) for k in range(3)) for r in (0, 1)]
    assert m.horizon_probability(rows, 3) == pytest.approx(expected, rel=1e-12)
    assert m.horizon_probability(rows, 1) == pytest.approx(m.yearly_hazard(rows))
    with pytest.raises(ValueError):
        m.horizon_probability(rows, 0)


def test_the_final_years_of_censored_spells_are_left_out(table):
    m = HazardModel(bootstrap=0).fit(table)
    changed = table.copy()
    cens = changed["censored"] == 1
    changed.loc[cens, "dispute"] = 1 - changed.loc[cens, "dispute"]
    changed.loc[cens, "cap_ratio"] = 0.99
    m2 = HazardModel(bootstrap=0).fit(changed)
    assert m.n_censored_ == int(cens.sum()) > 0
    assert m.n_rows_ == len(table) - m.n_censored_
    assert m2.coef_ == pytest.approx(m.coef_, rel=1e-9)


def test_covariates_not_computed_or_constant_are_dropped_and_said(table):
    t = table.copy()
    t.attrs = dict(table.attrs)
    t.attrs["covariates_available"] = [c for c in COVARIATES if c != "dispute"]
    t["dispute"] = 0
    t["stronger_at_war"] = 0
    m = HazardModel(bootstrap=0).fit(t)
    assert "dispute" not in m.coef_ and "stronger_at_war" not in m.coef_
    assert "source file" in m.dropped_["dispute"]
    assert "constant" in m.dropped_["stronger_at_war"]


def test_bad_input_is_a_clear_error(table):
    with pytest.raises(ParameterError, match="'covariates' parameter of HazardModel"):
        HazardModel(covariates=("distance",)).fit(table)
    with pytest.raises(ParameterError, match="'bootstrap' parameter of HazardModel"):
        HazardModel(bootstrap=-1).fit(table)
    with pytest.raises(UserError, match="lacks the column.*common_rival"):
        HazardModel().fit(table.drop(columns=["common_rival"]))
    bad = table.copy()
    bad.loc[0, "dispute"] = np.nan
    with pytest.raises(UserError, match="'dispute'"):
        HazardModel(bootstrap=0).fit(bad)
    both = table.copy()
    i = both.index[both["state_death"] == 1][0]
    both.loc[i, "ends"] = 1
    with pytest.raises(UserError, match="both 'ends' and 'state_death'"):
        HazardModel(bootstrap=0).fit(both)
    with pytest.raises(UserError, match="no variation in 'ends'"):
        HazardModel(bootstrap=0).fit(table.assign(ends=0))
    with pytest.raises(RuntimeError, match="not fitted"):
        HazardModel().yearly_hazard(table)


def test_importing_the_module_loads_no_heavy_library():
    import subprocess
    import sys

    code = (
        "import sys, phalanx.evidence.hazard, phalanx.evidence.priors, "
        "phalanx.evidence.backtest;"
        "print([m for m in ('sklearn', 'pandas', 'duckdb', 'scipy') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
