"""Arms dependence on the leading supplier, on values read off the indicators by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from phalanx.errors import UserError
from phalanx.kb import KnowledgeBase
from phalanx.measures.dependence import arms_dependence
from phalanx.measures.strain import strain_at


def test_csto_members_in_2014_use_the_2012_16_shares():
    kb = KnowledgeBase.embedded()
    (row,) = arms_dependence(kb, "CSTO", [2014])
    assert row["supplier"] == "RUS" and row["indicator"] == "arms_import_share_from_RUS"
    shares = {m["actor"]: (m["share"], m["period"]) for m in row["members"]}
    # indicators.csv, 2012/2016: ARM 1.0, BLR 0.972, KAZ 0.785, KGZ 1.0, TJK 0.727
    assert shares == {
        "ARM": (1.0, "2012/2016"),
        "BLR": (0.972, "2012/2016"),
        "KAZ": (0.785, "2012/2016"),
        "KGZ": (1.0, "2012/2016"),
        "TJK": (0.727, "2012/2016"),
    }
    assert row["mean"] == pytest.approx(4.484 / 5)
    assert row["missing"] == []


def test_uzbekistan_counts_while_a_member():
    kb = KnowledgeBase.embedded()
    (row,) = arms_dependence(kb, "CSTO", [2007])  # UZB rejoined in 2006; 1992/2021 share
    assert {m["actor"]: m["share"] for m in row["members"]}["UZB"] == 0.397


def test_mean_is_one_minus_the_strain_component():
    kb = KnowledgeBase.embedded()
    for year in (2014, 2020):
        (row,) = arms_dependence(kb, "CSTO", [year])
        comp = next(
            c
            for c in strain_at(kb, "CSTO", f"{year}-12-31")["components"]
            if c["component"] == "arms_independence"
        )
        assert comp["value"] == pytest.approx(1 - row["mean"])


def test_another_supplier_without_data_is_missing_everywhere():
    kb = KnowledgeBase.embedded()
    (row,) = arms_dependence(kb, "CSTO", [2014], supplier="CHN")
    assert row["indicator"] == "arms_import_share_from_CHN"
    # Russia is a member like the others when China is the supplier
    assert row["mean"] is None
    assert sorted(row["missing"]) == ["ARM", "BLR", "KAZ", "KGZ", "RUS", "TJK"]


def test_an_organisation_without_a_leader_needs_a_supplier():
    kb = KnowledgeBase.embedded()
    org = next(o["id"] for o in kb.organizations() if not o.get("leader"))
    if kb.defaults.organization == org:  # pragma: no cover - the CSTO has a leader
        pytest.skip("the package's main organisation has a default leader")
    with pytest.raises(UserError, match="supplier"):
        arms_dependence(kb, org, [2014])


def test_on_a_second_alliance(anzus: Path):
    with open(anzus / "indicators.csv", "a", encoding="utf-8") as fh:
        fh.write("AUS,arms_import_share_from_USA,1980/1984,0.8,share,inferred,,wiki-anzus\n")
        fh.write("NZL,arms_import_share_from_USA,1980/1984,0.5,share,inferred,,wiki-anzus\n")
        fh.write("NZL,arms_import_share_from_USA,1985/1989,0.2,share,inferred,,wiki-anzus\n")
    kb = KnowledgeBase.from_path(anzus)
    rows = arms_dependence(kb, "ANZUS")  # years from the indicator's periods
    assert [r["year"] for r in rows] == list(range(1980, 1990))
    by_year = {r["year"]: r for r in rows}
    assert by_year[1982]["mean"] == pytest.approx(0.65)  # USA is not its own member
    assert by_year[1986]["mean"] == pytest.approx(0.5)  # AUS's 1980/84 value, NZL's 1985/89
    assert by_year[1986]["supplier"] == "USA"
