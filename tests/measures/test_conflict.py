"""Conflict intensity between members, on cases worked out by hand from the packages'
rows, and fed by an imported UCDP package (the strain index reads the same rows)."""

from __future__ import annotations

from pathlib import Path

import pytest

from phalanx.errors import ParameterError
from phalanx.kb.store import KnowledgeBase
from phalanx.measures.conflict import conflict_intensity
from phalanx.measures.strain import StrainSettings, strain_at

ROOT = Path(__file__).resolve().parents[1] / "data"
UCDP = ROOT / "ingest"


@pytest.fixture(scope="module")
def embedded():
    return KnowledgeBase.embedded()


@pytest.fixture(scope="module")
def layered(tmp_path_factory):
    pytest.importorskip("duckdb")
    from phalanx.ingest.package_writer import write_package
    from phalanx.ingest.rows import merge_rows
    from phalanx.ingest.ucdp import import_acd, import_ged

    rows = merge_rows(
        [import_acd(UCDP / "ucdp_acd_mini.csv"), import_ged(UCDP / "ucdp_ged_mini.csv")]
    )
    out = write_package(rows, tmp_path_factory.mktemp("ucdp") / "pkg", name="ucdp-mini")
    return KnowledgeBase.from_path(out, on_top=True)


def test_csto_kyrgyz_tajik_fighting(embedded):
    got = {r["year"]: r for r in conflict_intensity(embedded, "CSTO", [2019, 2020, 2021, 2022])}
    # six members (ARM, BLR, KAZ, KGZ, RUS, TJK): 15 pairs; KGZ-TJK at intensity 0.6
    assert [got[y]["pairs"] for y in got] == [15, 15, 15, 15]
    assert got[2019]["intensity"] == 0 and got[2019]["fatalities"] == 0
    assert got[2021]["intensity"] == pytest.approx(0.6 / 15)
    assert got[2021]["conflicts"] == [
        {"pair": ["KGZ", "TJK"], "relation": "war-KGZ-TJK-2021", "intensity": 0.6}
    ]
    assert (got[2021]["fatalities"], got[2021]["events"]) == (50, ["ev-2021-04-28-kgz-tjk-clash"])
    assert got[2022]["intensity"] == pytest.approx(0.6 / 15)
    assert got[2022]["fatalities"] == 100
    # the 2020 war: Azerbaijan was no member, so neither the tie nor the clash counts
    assert got[2020]["intensity"] == 0 and got[2020]["events"] == []


def test_csto_1993_counts_the_war_from_azerbaijans_accession(embedded):
    (r,) = conflict_intensity(embedded, "CSTO", [1993])
    # members at some time in 1993: the six signatories of 1992 (ARM, KAZ, KGZ, RUS, TJK,
    # UZB) and AZE (24 September), GEO (9 December), BLR (31 December): 9, so 36 pairs;
    # the Karabakh war (1.0) runs while both Armenia and Azerbaijan are members
    assert len(r["members"]) == 9 and r["pairs"] == 36
    assert r["intensity"] == pytest.approx(1 / 36)
    assert [c["relation"] for c in r["conflicts"]] == ["war-ARM-AZE-1992"]


def test_triple_alliance_wars_began_after_the_members_left():
    kb = KnowledgeBase.from_path(ROOT / "kb" / "triple-alliance")
    got = {r["year"]: r for r in conflict_intensity(kb, "TRI", [1914, 1915, 1916, 1917])}
    # Italy left on 3 May 1915 and fought Austria-Hungary from 23 May; Romania's spell
    # ends on 27 August 1916, the day of its attack: no war between members
    assert [got[y]["pairs"] for y in got] == [6, 6, 3, 1]
    assert all(got[y]["intensity"] == 0 and got[y]["fatalities"] == 0 for y in got)


def test_anzus_and_bad_years(embedded):
    kb = KnowledgeBase.from_path(ROOT / "kb" / "anzus")
    (r,) = conflict_intensity(kb, "ANZUS", [1990])
    assert r["pairs"] == len(r["members"]) * (len(r["members"]) - 1) // 2
    assert r["intensity"] == 0
    with pytest.raises(ParameterError, match="calendar year"):
        conflict_intensity(embedded, "CSTO", [0])


def test_imported_ucdp_rows_feed_the_measure(layered):
    got = {r["year"]: r for r in conflict_intensity(layered, "CSTO", [2021, 2022])}
    # embedded 50 + GED events 1002 (10) and 1004 (3, a year-precision date) in 2021;
    # embedded 100 + 1001 (24) and 1003 (5, a month) in 2022
    assert got[2021]["fatalities"] == 63
    assert got[2022]["fatalities"] == 129
    assert set(got[2022]["events"]) == {
        "ev-2022-09-14-kgz-tjk-war", "ucdp-ged-1001", "ucdp-ged-1003"
    }  # fmt: skip
    assert got[2022]["intensity"] == pytest.approx(0.6 / 15)  # the strongest tie, once


def test_imported_ucdp_rows_feed_the_strain_index(embedded, layered):
    # the fixture's invented Kazakh-Kyrgyz conflict-year 2023 (10-11 May, intensity level
    # 1): on 11 May the embedded package has only the Kyrgyz-Tajik border dispute (0.6)
    settings = StrainSettings(window_days=0)

    def member_conflicts(kb):
        comps = strain_at(kb, "CSTO", "2023-05-11", settings)["components"]
        return next(c for c in comps if c["component"] == "member_conflicts")

    base = member_conflicts(embedded)
    assert base["value"] == pytest.approx(0.6 / 15)
    c = member_conflicts(layered)
    assert c["value"] == pytest.approx(1.2 / 15)
    assert [r["relation"] for r in c["rows"]] == [
        "ucdp-acd-999-2023-705-703", "dispute-KGZ-TJK-border"
    ]  # fmt: skip
    (year,) = conflict_intensity(layered, "CSTO", [2023])
    assert year["intensity"] == pytest.approx(0.6 / 15)
    assert conflict_intensity(embedded, "CSTO", [2023])[0]["intensity"] == 0


def test_imported_ucdp_rows_reach_the_simulations_initial_state(embedded, layered):
    from phalanx.models.dynamics.state import initial_state

    def kaz_kgz(kb):
        s = initial_state(kb, "CSTO", "2023-05-11", window_days=0)
        return s.conflict[s.actors.index("KAZ"), s.actors.index("KGZ")]

    assert kaz_kgz(embedded) == 0
    assert kaz_kgz(layered) == pytest.approx(0.6)  # the imported tie's intensity
