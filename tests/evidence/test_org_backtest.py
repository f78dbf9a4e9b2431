"""The organisation backtest: outcomes, the base rate and the scores, checked by hand.

Every expected value below is read off the packages' memberships.csv files (the dates are
copied here as literals) or worked out on paper, never produced by the code under test.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import pytest

from phalanx.errors import ParameterError, UserError
from phalanx.evidence.org_backtest import (
    Forecast,
    base_rate,
    base_rate_forecaster,
    member_outcomes,
    observation_end,
    organization_backtest,
    persistence_forecaster,
)
from phalanx.kb import KnowledgeBase

DATA = Path(__file__).resolve().parents[1] / "data" / "kb"


@pytest.fixture(scope="module")
def csto() -> KnowledgeBase:
    return KnowledgeBase.embedded()


@pytest.fixture(scope="module")
def triple() -> KnowledgeBase:
    return KnowledgeBase.from_path(DATA / "triple-alliance")


@pytest.fixture(scope="module")
def anzus_kb() -> KnowledgeBase:
    return KnowledgeBase.from_path(DATA / "anzus")


def _by_actor(rows):
    return {r["actor"]: r for r in rows}


def _years(*spans: tuple[str, str]) -> float:
    return (
        sum((dt.date.fromisoformat(b) - dt.date.fromisoformat(a)).days for a, b in spans) / 365.25
    )


# --- outcomes -------------------------------------------------------------------------------------


def test_csto_2005_the_five_stay_and_the_leader_is_not_forecast(csto):
    for h in (5, 10):
        rows = member_outcomes(csto, None, 2005, h)
        assert [r["actor"] for r in rows] == ["ARM", "BLR", "KAZ", "KGZ", "TJK"]  # RUS: leader
        assert all(r["outcome"] == 0 and r["became"] is None for r in rows)
        assert all(r["observed_years"] == h and not r["truncated"] for r in rows)
        assert rows[0]["observed_to"] == f"{2005 + h}-12-31"
    assert _by_actor(member_outcomes(csto, "CSTO", 2005, 5))["ARM"]["cow_code"] == 371


def test_csto_uzbekistan_member_in_2011_suspended_in_2012(csto):
    # UZB, member 2006-06-23 .. 2012-12-19, then suspended: a member at the end of 2011,
    # no longer a full member at the end of 2012
    y2011 = _by_actor(member_outcomes(csto, None, 2011, 5))
    assert y2011["UZB"]["outcome"] == 1
    assert y2011["UZB"]["became"] == "suspended"
    assert y2011["UZB"]["event_date"] == "2012-12-19"
    assert sum(r["outcome"] for r in y2011.values()) == 1
    assert "UZB" not in _by_actor(member_outcomes(csto, None, 2012, 5))
    assert "UZB" not in _by_actor(member_outcomes(csto, None, 2005, 5))  # returned in 2006


def test_csto_1998_three_leave_at_the_renewal(csto):
    rows = _by_actor(member_outcomes(csto, None, 1998, 5))
    gone = {a for a, r in rows.items() if r["outcome"]}
    assert gone == {"AZE", "GEO", "UZB"}
    assert {rows[a]["became"] for a in gone} == {"out"}
    assert {rows[a]["event_date"] for a in gone} == {"1999-04-21"}


def test_csto_2020_armenia_freezes_and_the_ten_year_horizon_is_truncated(csto):
    five = _by_actor(member_outcomes(csto, None, 2020, 5))
    assert five["ARM"]["outcome"] == 1 and five["ARM"]["became"] == "frozen"
    assert five["ARM"]["event_date"] == "2024-02-22"
    assert sum(r["outcome"] for r in five.values()) == 1
    ten = member_outcomes(csto, None, 2020, 10)
    # the package's period ends in 2026: six whole years observed, never ten
    assert {(r["observed_years"], r["observed_to"], r["truncated"]) for r in ten} == {
        (6, "2026-12-31", True)
    }
    assert [r["actor"] for r in ten if r["outcome"]] == ["ARM"]


def test_triple_alliance_italy_1915_romania_1916(triple):
    assert observation_end(triple, "TRI") == dt.date(1918, 10, 31)  # dissolved 1918-11
    five = _by_actor(member_outcomes(triple, None, 1910, 5))
    assert set(five) == {"AUH", "ITA", "ROM"}  # GER leads
    assert (five["ITA"]["outcome"], five["ITA"]["became"], five["ITA"]["event_date"]) == (
        1,
        "out",
        "1915-05-03",
    )
    assert five["ROM"]["outcome"] == 0  # left in August 1916, after 1915-12-31
    assert five["AUH"]["outcome"] == 0
    ten = _by_actor(member_outcomes(triple, None, 1910, 10))
    # whole years observed before the dissolution: 1911..1917
    assert {r["observed_years"] for r in ten.values()} == {7}
    assert ten["ROM"]["outcome"] == 1 and ten["ROM"]["event_date"] == "1916-08-27"
    # the spells that end with the alliance in 1918 are not exits
    assert ten["AUH"]["outcome"] == 0
    assert set(_by_actor(member_outcomes(triple, None, 1882, 5))) == {"AUH", "ITA"}


def test_anzus_nobody_leaves_and_the_horizon_stops_at_2010(anzus_kb):
    rows = member_outcomes(anzus_kb, None, 2000, 10)
    assert [r["actor"] for r in rows] == ["AUS", "NZL"]
    assert {(r["outcome"], r["observed_years"], r["truncated"]) for r in rows} == {(0, 10, False)}
    rows = member_outcomes(anzus_kb, None, 2005, 10)
    assert {(r["observed_years"], r["observed_to"], r["truncated"]) for r in rows} == {
        (5, "2010-12-31", True)
    }


def test_a_cut_off_with_nothing_observed_after_it_is_refused(csto, anzus_kb):
    with pytest.raises(UserError, match="no later than 2025"):
        member_outcomes(csto, None, 2026, 5)
    with pytest.raises(UserError, match="no later than 2009"):
        member_outcomes(anzus_kb, None, 2010, 5)
    with pytest.raises(UserError, match="at least 1 year"):
        member_outcomes(csto, None, 2005, 0)


def test_a_derived_period_ends_at_the_last_dated_spell(anzus):
    meta = json.loads((anzus / "datapackage.json").read_text())
    del meta["phalanx"]["period"]
    (anzus / "datapackage.json").write_text(json.dumps(meta))
    kb = KnowledgeBase.from_path(anzus)
    # every ANZUS spell starts 1952-04-29 and none ends: nothing is dated after 1952
    assert observation_end(kb, "ANZUS") == dt.date(1952, 12, 31)
    with pytest.raises(UserError, match="derived from the membership dates") as e:
        member_outcomes(kb, None, 2000, 5)
    assert e.value.field == "cutoffs"


# --- the base rate ----------------------------------------------------------------------------------


def test_csto_base_rate_by_hand(csto):
    # full-member spans of the non-leader states up to 2005-12-31 (memberships.csv)
    years = _years(
        *[("1992-05-15", "2005-12-31")] * 4,  # KAZ KGZ TJK ARM
        ("1993-12-31", "2005-12-31"),  # BLR
        ("1992-05-15", "1999-04-21"),  # UZB
        ("1993-09-24", "1999-04-21"),  # AZE
        ("1993-12-09", "1999-04-21"),  # GEO
    )
    br = base_rate(csto, None, 2005)
    assert br["events"] == 3
    assert br["member_years"] == pytest.approx(years)
    assert br["share"] == pytest.approx(3 / years)
    assert br["rate"] == pytest.approx(3.5 / (years + 1))
    # by 2012: Uzbekistan's second span (2006-06-23 .. 2012-12-19) adds an event
    years12 = years + _years(*[("2005-12-31", "2012-12-31")] * 5, ("2006-06-23", "2012-12-19"))
    br12 = base_rate(csto, None, 2012)
    assert br12["events"] == 4
    assert br12["member_years"] == pytest.approx(years12)
    # compounded over the horizon, the same for every member
    members = member_outcomes(csto, None, 2005, 5)
    fc = base_rate_forecaster(csto, "CSTO", 2005, 5, members)
    assert fc.probabilities == pytest.approx([1 - (1 - 3.5 / (years + 1)) ** 5] * 5)


def test_base_rate_with_no_event_yet_is_half_an_event(triple, anzus_kb):
    years = _years(*[("1952-04-29", "2000-12-31")] * 2)  # AUS, NZL
    br = base_rate(anzus_kb, None, 2000)
    assert (br["events"], br["share"]) == (0, 0.0)
    assert br["rate"] == pytest.approx(0.5 / (years + 1))
    # the Triple Alliance at the end of 1916: Italy and Romania gone
    years = _years(
        ("1882-05-20", "1916-12-31"), ("1882-05-20", "1915-05-03"), ("1883-10-30", "1916-08-27")
    )
    br = base_rate(triple, None, 1916)
    assert br["events"] == 2
    assert br["member_years"] == pytest.approx(years)


# --- the scores -------------------------------------------------------------------------------------


def _constant(p):
    def forecaster(kb, org, cutoff, horizon, members):
        return Forecast(tuple(p for _ in members), {"constant": p})

    return forecaster


def test_scores_on_a_hand_computed_case(csto):
    records, cases = organization_backtest(
        csto,
        cutoffs=(2020,),
        horizons=(5,),
        forecasters={"persistence": persistence_forecaster, "constant": _constant(0.2)},
        bootstrap=200,
    )
    by = {r["method"]: r for r in records}
    # five members, Armenia the one event
    assert by["persistence"]["n"] == 5 and by["persistence"]["events"] == 1
    assert by["persistence"]["brier"] == pytest.approx(1 / 5)
    assert by["persistence"]["log_score"] == pytest.approx(-math.log(1e-6) / 5)
    c = by["constant"]
    assert c["brier"] == pytest.approx((0.8**2 + 4 * 0.2**2) / 5)  # 0.16
    assert c["log_score"] == pytest.approx(-(math.log(0.2) + 4 * math.log(0.8)) / 5)
    assert 0 <= c["brier_low"] <= c["brier"] <= c["brier_high"] <= 1
    assert c["log_low"] <= c["log_score"] <= c["log_high"]
    assert {r["dataset"] for r in records} == {"CSTO"}
    assert {(r["cutoff"], r["horizon"], r["not_covered"]) for r in records} == {(2020, 5, 0)}
    # one case per member and method, the miss included
    assert len(cases) == 10
    arm = [k for k in cases if k["actor"] == "ARM" and k["method"] == "persistence"]
    assert arm[0]["forecast"] == 0.0 and arm[0]["outcome"] == 1
    assert cases[0]["notes"] == {} and cases[-1]["notes"] == {"constant": 0.2}


def test_persistence_is_perfect_when_nothing_happens(csto):
    records, _ = organization_backtest(
        csto,
        cutoffs=(2005, 2012),
        horizons=(5, 10),
        forecasters={"persistence": persistence_forecaster},
        bootstrap=50,
    )
    assert len(records) == 4
    assert all(r["brier"] == 0 and r["events"] == 0 and r["n"] == 5 for r in records)


def test_the_forecasters_are_asked_for_the_observed_years(csto):
    asked = []

    def spy(kb, org, cutoff, horizon, members):
        asked.append((org, cutoff, horizon, len(members)))
        return [0.1] * len(members)  # a plain sequence is accepted too

    records, _ = organization_backtest(
        csto, cutoffs=(2012, 2020), horizons=(5, 10), forecasters={"spy": spy}, bootstrap=20
    )
    assert asked == [
        ("CSTO", 2012, 5, 5),
        ("CSTO", 2012, 10, 5),
        ("CSTO", 2020, 5, 5),
        ("CSTO", 2020, 6, 5),
    ]
    last = records[-1]
    assert (last["horizon"], last["observed_years"], last["truncated"]) == (10, 6, True)


def test_bad_forecasts_and_settings_are_refused(csto):
    with pytest.raises(ValueError, match="gave 2 probabilities for 5"):
        organization_backtest(
            csto, cutoffs=(2005,), horizons=(5,), forecasters={"x": lambda *a: [0.1, 0.2]}
        )
    with pytest.raises(ValueError, match="not a probability"):
        organization_backtest(
            csto, cutoffs=(2005,), horizons=(5,), forecasters={"x": lambda *a: [1.5] * 5}
        )
    with pytest.raises(ParameterError, match="'bootstrap' parameter"):
        organization_backtest(csto, bootstrap=5, forecasters={})
    with pytest.raises(ParameterError, match="horizons"):
        organization_backtest(csto, horizons=(0,), forecasters={})
    with pytest.raises(UserError, match="no full member"):
        organization_backtest(
            csto, cutoffs=(1991,), horizons=(5,), forecasters={"p": persistence_forecaster}
        )
