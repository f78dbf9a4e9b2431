"""The decision model on requests: probabilities by hand, against collective_decision, and
a leave-one-out that really leaves the case out."""

from __future__ import annotations

import copy
import math
from pathlib import Path

import numpy as np
import pytest

from phalanx.evidence.requests import (
    RequestBacktest,
    answer_probability,
    backtest_requests,
    case_positions,
    load_requests,
)
from phalanx.models.collective import collective_decision

ROOT = Path(__file__).resolve().parents[2]
SMALL = ROOT / "tests" / "data" / "evidence" / "requests-small.csv"

# Standard normal table values: Phi(-1) = 0.158655, Phi(5/3) = 0.952210, Phi(1) = 0.841345.
PHI_M1, PHI_53, PHI_1 = 0.158655, 0.952210, 0.841345
ONE_POINT = {"base_grid": (0.3,), "sigma_grid": (0.15,), "consult_grid": (0.9,)}


def _small():
    return {c["id"]: c for c in load_requests(SMALL)}


def test_probabilities_by_hand():
    c = _small()
    kw = {"base": 0.3, "sigma": 0.15, "consult": 0.9}
    # a: consensus of the requester (1) and the leader (0.3 + 0.6 * 0.5 = 0.6), capacity 1;
    # each must clear 0.75: Phi(5/3) * Phi(-1) * Phi(5/3) for the cap
    assert answer_probability(c["case-a"], **kw) == pytest.approx(PHI_53**2 * PHI_M1, abs=2e-6)
    # b: two thirds of three votes: the requester (Phi(5/3)) and two others at 0.6 (Phi(-1))
    p, r = PHI_M1, PHI_53
    two_of_three = r * (1 - (1 - p) ** 2) + (1 - r) * p**2
    assert answer_probability(c["case-b"], **kw) == pytest.approx(two_of_three, abs=2e-6)
    # c: a consultation request (0.9: Phi(1)), the leader at 0.75 and capacity 0.75 (Phi(0))
    assert answer_probability(c["case-c"], **kw) == pytest.approx(PHI_1 * 0.25, abs=2e-6)


def test_abstainers_count_under_unanimity_only():
    case = dict(_small()["case-a"], voters=6, member_tie=0.1)  # four others, salience 0.1
    lone = answer_probability(case, base=0.3, sigma=0.15)
    assert lone == pytest.approx(answer_probability(_small()["case-a"], base=0.3, sigma=0.15))
    # under unanimity the four (at 0.3 + 0.06 = 0.36, z = -2.6) must also clear the level
    strict = answer_probability(dict(case, rule="unanimity"), base=0.3, sigma=0.15)
    assert strict == pytest.approx(lone * 0.0046612**4, rel=1e-3)


def _decide(kw):
    return collective_decision(
        kw["positions"],
        rule=kw["rule"],
        salience=kw["salience"],
        leader=kw["leader"],
        leader_capacity=kw["leader_capacity"],
        quota=kw["quota"],
        abstain_below=kw["abstain_below"],
    )["outcome"]


@pytest.mark.parametrize("base", [0.2, 0.55, 0.9])
def test_small_error_limit_is_collective_decision(base):
    # with a tiny error the probability is 1 exactly when collective_decision, applied to
    # the derived positions, adopts at least the answered level
    for case in load_requests():
        kw = case_positions(case, base=base, consult=0.4)
        levels = list(kw["positions"].values()) + [kw["leader_capacity"]]
        if any(abs(x - 0.75) < 1e-3 for x in levels):
            continue
        expected = float(_decide(kw) >= 0.75)
        got = answer_probability(case, base=base, sigma=1e-4, consult=0.4)
        assert got == pytest.approx(expected, abs=1e-6), case["id"]


@pytest.mark.parametrize("case_id", ["csto-2022-09-arm", "las-1990-08-kwt", "nato-2014-03-pol"])
def test_probability_matches_collective_decision_under_sampled_positions(case_id):
    case = next(c for c in load_requests() if c["id"] == case_id)
    base, sigma, consult = 0.7, 0.2, 0.6
    kw = case_positions(case, base=base, consult=consult)
    rng = np.random.default_rng(12345)
    draws, hits = 4000, 0
    for _ in range(draws):
        noisy = {k: v + rng.normal(0, sigma) for k, v in kw["positions"].items()}
        noisy = {k: min(1.0, max(0.0, v)) for k, v in noisy.items()}
        cap = min(1.0, max(0.0, kw["leader_capacity"] + rng.normal(0, sigma)))
        hits += _decide(dict(kw, positions=noisy, leader_capacity=cap)) >= 0.75
    p = answer_probability(case, base=base, sigma=sigma, consult=consult)
    se = math.sqrt(max(p * (1 - p), 1e-4) / draws)
    assert hits / draws == pytest.approx(p, abs=4 * se + 1e-3)


def test_leave_one_out_leaves_the_case_out():
    # four identical cases; the fit chooses base 0.5 or 0.9. The planted case's own label
    # flips the in-sample fit (labels 1, 0, 0 plus a planted 0 favour 0.5, a planted 1
    # favours 0.9), so a leak would change its prediction; leave-one-out must not.
    a = _small()["case-a"]
    cases = []
    for i, y in enumerate([1, 0, 0, 0]):
        c = copy.deepcopy(a)
        c.update(
            id=f"k{i}", leader_tie_requester=0.0, answered=y, outcome=("measures" if y else "none")
        )
        cases.append(c)
    grid = {"base_grid": (0.5, 0.9), "sigma_grid": (0.2,), "consult_grid": (0.5,)}
    flipped = copy.deepcopy(cases)
    flipped[3].update(answered=1, outcome="measures")

    def in_sample(cs):
        return RequestBacktest(**grid, bootstrap_reps=10).fit(cs).summary_["fit_all"]["base"]

    assert in_sample(cases) == 0.5 and in_sample(flipped) == 0.9  # the label matters
    loo = RequestBacktest(**grid, bootstrap_reps=10).fit(cases).cases_[3]
    loo_flipped = RequestBacktest(**grid, bootstrap_reps=10).fit(flipped).cases_[3]
    assert loo["p"] == loo_flipped["p"]
    assert loo["fit"] == loo_flipped["fit"] == {"base": 0.9, "sigma": 0.2, "consult": 0.5}
    # and it is the prediction of a fit on the three other cases
    others = RequestBacktest(**grid, bootstrap_reps=10).fit(cases[:3]).summary_["fit_all"]
    assert loo["p"] == pytest.approx(
        answer_probability(cases[3], base=others["base"], sigma=others["sigma"])
    )
    # the base rate is left out too: the other three have one answer in three
    assert loo["base_rate"] == loo_flipped["base_rate"] == pytest.approx(1 / 3)


def test_scores_on_a_hand_computed_table():
    p_a, p_b, p_c = PHI_53**2 * PHI_M1, 0.279380, PHI_1 * 0.25  # 0.143853, 0.279380, 0.210336
    model = RequestBacktest(**ONE_POINT, bootstrap_reps=20).fit(load_requests(SMALL))
    got = [c["p"] for c in model.cases_]
    assert got == pytest.approx([p_a, p_b, p_c], abs=2e-6)
    s = model.summary_
    # labels 0, 1, 0
    assert s["model"]["brier"] == pytest.approx((p_a**2 + (1 - p_b) ** 2 + p_c**2) / 3, abs=2e-6)
    log = -(math.log(1 - p_a) + math.log(p_b) + math.log(1 - p_c)) / 3
    assert s["model"]["log_score"] == pytest.approx(log, abs=2e-5)
    assert (
        s["model"]["hits"] == 2
    )  # a and c (below 0.5, not answered) are hits; b (0.28, answered) a miss
    # leave-one-out base rates: 1/2, 0/2, 1/2
    assert [c["base_rate"] for c in model.cases_] == [0.5, 0.0, 0.5]
    assert s["base_rate"]["brier"] == pytest.approx((0.25 + 1 + 0.25) / 3)
    assert s["base_rate"]["log_score"] == pytest.approx((2 * math.log(2) - math.log(1e-6)) / 3)
    assert s["model"]["brier_low"] <= s["model"]["brier"] <= s["model"]["brier_high"]


def test_shipped_backtest_is_plain_data_and_consistent():
    cases, summary = backtest_requests(bootstrap_reps=50)
    assert summary["n"] == len(cases) == len(load_requests())
    assert summary["answered"] == sum(c["answered"] for c in cases)
    assert summary["model"]["hits"] == sum(c["hit"] for c in cases)
    assert all(0 <= c["p"] <= 1 and 0 <= c["base_rate"] <= 1 for c in cases)
    assert summary["data_version"].startswith("sha256:")
    rates = {(r["source"], r["period"]): r["rate"] for r in summary["published"]}
    assert rates[("leeds-long-mitchell-2000", "1816-1944")] == 0.745
    assert rates[("berkemeier-fuhrmann-2018", "1945-2003")] == 0.22
    by_kind = summary["by_kind"]
    assert by_kind["assistance"]["n"] + by_kind["consultation"]["n"] == summary["n"]
