"""Sobol indices: the Ishigami function's published values, an additive model's analytic
ones, and on the membership model, indices worked out from what the factors can do."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from phalanx.errors import ParameterError, UserError
from phalanx.experiments.sensitivity import SobolAnalysis, run_sensitivity, saltelli_design
from phalanx.kb import KnowledgeBase
from phalanx.models.dynamics.params import MembershipParams

ROOT = Path(__file__).resolve().parents[2]
ANZUS = ROOT / "tests" / "data" / "kb" / "anzus"


def ishigami(x, a=7.0, b=0.1):
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def test_ishigami_indices_match_the_published_values():
    # Ishigami and Homma (1990), a = 7, b = 0.1, inputs uniform on [-pi, pi]:
    # S1 = 0.3139, 0.4424, 0; ST = 0.5576, 0.4424, 0.2437; S13 = 0.2437, S12 = S23 = 0
    u = saltelli_design(3, 4096, seed=1, second_order=True)
    assert u.shape == (4096 * 8, 3) and u.min() >= 0 and u.max() <= 1
    y = ishigami(-np.pi + 2 * np.pi * u)
    fit = SobolAnalysis(second_order=True, seed=2).fit(y, ["x1", "x2", "x3"])
    s1 = [r["S1"] for r in fit.indices_]
    st = [r["ST"] for r in fit.indices_]
    assert s1 == pytest.approx([0.3139, 0.4424, 0.0], abs=0.03)
    assert st == pytest.approx([0.5576, 0.4424, 0.2437], abs=0.03)
    s2 = {(r["a"], r["b"]): r["S2"] for r in fit.second_order_}
    assert s2[("x1", "x3")] == pytest.approx(0.2437, abs=0.06)
    assert s2[("x1", "x2")] == pytest.approx(0.0, abs=0.06)
    for r in fit.indices_:  # the intervals are finite half-widths that cover the truth
        assert 0 < r["S1_conf"] < 0.1 and 0 < r["ST_conf"] < 0.1


def test_an_additive_model_has_its_analytic_indices():
    # y = sum a_i x_i with x_i ~ U(0, 1): S1_i = ST_i = a_i^2 / sum a_j^2
    a = np.array([3.0, 2.0, 1.0, 0.0])
    u = saltelli_design(4, 1024, seed=3)
    fit = SobolAnalysis().fit(u @ a, list("abcd"))
    want = a**2 / (a**2).sum()
    assert [r["S1"] for r in fit.indices_] == pytest.approx(want, abs=0.03)
    assert [r["ST"] for r in fit.indices_] == pytest.approx(want, abs=0.03)
    assert fit.indices_[3]["ST"] == 0.0  # a factor that does nothing: exactly zero


def test_the_design_is_deterministic_per_seed_and_checks_its_input():
    assert np.array_equal(saltelli_design(2, 64, 5), saltelli_design(2, 64, 5))
    assert not np.array_equal(saltelli_design(2, 64, 5), saltelli_design(2, 64, 6))
    with pytest.raises(ValueError, match="N x 4"):
        SobolAnalysis().fit(np.zeros(10), ["a", "b"])
    with pytest.raises(ParameterError, match="'conf_level' parameter of SobolAnalysis"):
        SobolAnalysis(conf_level=1.5).fit(np.zeros(8), ["a", "b"])


def test_capacity_indices_on_anzus_worked_out_by_hand():
    # long-war on ANZUS (start 2010-12-31), horizon 4 years: the war lasts 6 to 15 more
    # years, so in 2014 the leader has been at war every year: capacity = c0 - 4 drain
    # (the floor 0.05 is never reached: 0.45 - 4 x 0.06 = 0.21), whatever the other
    # factors. c0 ~ U(0.45, 0.65), drain ~ U(0.02, 0.06):
    # Var(c0) = 0.2^2/12, Var(4 drain) = 16 x 0.04^2/12, so S1 = ST = 0.04/0.0656 = 0.6098
    # for c0, 0.0256/0.0656 = 0.3902 for drain, and 0 for everything else.
    kb = KnowledgeBase.from_path(ANZUS)
    r = run_sensitivity(
        kb, "long-war", "capacity at 2014", samples=256, runs_per_point=2, seed=4,
        backend="serial",
    )  # fmt: skip
    idx = {i["factor"]: i for i in r["indices"]}
    assert idx["leader.capacity"]["S1"] == pytest.approx(0.6098, abs=0.03)
    assert idx["leader.war.drain"]["S1"] == pytest.approx(0.3902, abs=0.03)
    assert idx["leader.capacity"]["ST"] == pytest.approx(0.6098, abs=0.03)
    assert idx["leader.war.drain"]["ST"] == pytest.approx(0.3902, abs=0.03)
    for name in ("leader.war.years", "leader.recovery", "threats[0].path[2035]"):
        assert idx[name]["ST"] == 0.0 and idx[name]["S1"] == 0.0
    # the mean of c0 - 4 drain is 0.55 - 0.16
    assert r["output"]["mean"] == pytest.approx(0.39, abs=0.002)
    assert r["statistic"] == "mean" and r["output"]["points"] == 256 * 7
    meta = r["metadata"]
    assert meta["organization"] == "ANZUS" and meta["seed"] == 4 and meta["design"] == "saltelli"


@pytest.fixture(scope="module")
def embedded():
    return KnowledgeBase.embedded()


def test_exit_indices_on_the_embedded_data(embedded):
    r = run_sensitivity(
        embedded, "long-war", "exits >= 2 by 2031", samples=64, runs_per_point=4, seed=5,
        backend="serial", params=MembershipParams(),
    )  # fmt: skip
    idx = {i["factor"]: i for i in r["indices"]}
    # within 5 years the war (6 to 15 more years) never ends: its length and the recovery
    # after it cannot matter, exactly
    assert idx["leader.war.years"]["ST"] == 0.0 and idx["leader.recovery"]["ST"] == 0.0
    # the leader's capacity does (it enters the credibility and leader-war terms)
    assert idx["leader.capacity"]["ST"] > 0.05
    assert r["statistic"] == "probability" and 0 < r["output"]["mean"] < 1
    again = run_sensitivity(
        embedded, "long-war", "exits >= 2 by 2031", samples=64, runs_per_point=4, seed=5,
        backend="serial", params=MembershipParams(),
    )  # fmt: skip
    assert again["indices"] == r["indices"]


def test_a_constant_outcome_and_an_empty_space(embedded, tmp_path):
    r = run_sensitivity(
        embedded, "long-war", "members >= 0 at 2028", samples=8, runs_per_point=1, seed=1,
        backend="serial",
    )  # fmt: skip
    assert r["indices"] == [] and "same value" in r["note"]
    known = tmp_path / "known.yaml"
    known.write_text(
        "name: known\ntitle: Known values\nsummary: every number is a known value here.\n"
        "leader: {capacity: 0.6}\n",
        encoding="utf-8",
    )
    with pytest.raises(UserError, match="no uncertain factor"):
        run_sensitivity(
            KnowledgeBase.from_path(ANZUS), known, "exits by 2012", samples=8, seed=1,
            backend="serial",
        )  # fmt: skip
