"""The ATOP, NMC and MID importers on the hand-made files of tests/data/ingest (whose
README gives the cases), checked against values worked out by hand or against the file
read with the csv module; and an imported MID package feeding the strain index."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from phalanx.ingest.atop_import import import_atop
from phalanx.ingest.mid_import import import_mid
from phalanx.ingest.nmc_import import import_nmc
from phalanx.ingest.package_writer import write_package
from phalanx.kb import KnowledgeBase
from phalanx.measures.strain import strain_at

DATA = Path(__file__).resolve().parents[1] / "data" / "ingest"


def run(fn, path, **kw):
    opts = {"actors": None, "start": None, "end": None, "progress": None} | kw
    return fn(DATA / path, **opts)


def by_id(rows, table="relations"):
    return {r["id"]: r for r in rows.tables[table]}


def test_atop_spells_by_hand():
    rel = by_id(run(import_atop, "atop_mini.csv"))
    got = {
        k: (r["actor_a"], r["actor_b"], r["directed"], r["kind"], r["intensity"], r["start"], r["end"])
        for k, r in rel.items()
    }  # fmt: skip
    # 2-300: defence 1900-1902, non-aggression only in 1903, defence 1904-1910 (the file's
    # last year: in force)
    assert got["atop-2-300-1900"] == ("USA", "COW300", False, "alliance", 1.0, "1900", "1903")
    assert got["atop-2-300-1903"] == ("USA", "COW300", False, "alliance", 0.5, "1903", "1904")
    assert got["atop-2-300-1904"] == ("USA", "COW300", False, "alliance", 1.0, "1904", None)
    # 365's guarantee to 265, then 265's to 365: one undirected spell 1906-1908
    assert got["atop-265-365-1906"] == ("COW265", "RUS", False, "alliance", 1.0, "1906", "1909")
    # 20 -> 265 only, neutrality and non-aggression, 1905: directed, 0.5
    assert got["atop-20-265-1905"] == ("CAN", "COW265", True, "alliance", 0.5, "1905", "1906")
    assert got["atop-2-20-1900"][5:] == ("1900", "1904")


def test_atop_covers_every_pledged_dyad_year_exactly_once():
    rows = run(import_atop, "atop_mini.csv")
    code = {a["id"]: a["cow_code"] for a in rows.tables["actors"]} | {
        "USA": 2, "CAN": 20, "GBR": 200, "DEU": 255, "RUS": 365,
    }  # fmt: skip
    with open(DATA / "atop_mini.csv", newline="") as fh:
        pledged = {
            (min(int(r["ccode1"]), int(r["ccode2"])), max(int(r["ccode1"]), int(r["ccode2"])), int(r["year"]))
            for r in csv.DictReader(fh)
            if r["ccode1"] and any(r[c] == "1" for c in r if c.startswith("atop_"))
        }  # fmt: skip
    covered = []
    for r in rows.tables["relations"]:
        pair = tuple(sorted((code[r["actor_a"]], code[r["actor_b"]])))
        last = 1910 if r["end"] is None else int(r["end"]) - 1
        covered += [(*pair, y) for y in range(int(r["start"]), last + 1)]
    assert sorted(covered) == sorted(pledged)  # every pledged year once, nothing else


def test_atop_filters():
    rows = run(import_atop, "atop_mini.csv", actors=["RUS"], start=1906, end=1907)
    assert set(by_id(rows)) == {"atop-265-365-1906"}
    assert by_id(rows)["atop-265-365-1906"]["end"] == "1908"  # the window cuts the spell


def test_nmc_cinc_rows_match_the_file():
    rows = run(import_nmc, "nmc_mini_raw.csv")
    with open(DATA / "nmc_mini_raw.csv", newline="") as fh:
        ref = {(int(r["ccode"]), int(r["year"])): float(r["cinc"]) for r in csv.DictReader(fh)
               if r["cinc"] != "-9"}  # fmt: skip
    ind = rows.tables["indicators"]
    assert len(ind) == len(ref)  # the repeated row once, the -9 row not at all
    usa = {r["period"]: r["value"] for r in ind if r["actor"] == "USA"}
    assert usa["1903"] == ref[(2, 1903)] == 0.5
    assert {r["indicator"] for r in ind} == {"cinc"} and {r["unit"] for r in ind} == {"share"}
    assert rows.notes == ["1 state-years without a CINC score (-9 or empty) were skipped."]
    assert run(import_nmc, "nmc_mini.csv").tables["indicators"]  # the other layout too


def test_nmc_layered_replaces_the_embedded_value(tmp_path):
    out = write_package(run(import_nmc, "nmc_mini.csv"), tmp_path / "nmc", name="nmc")
    kb = KnowledgeBase.from_path(out, on_top=True)
    (usa,) = [r for r in kb.indicators("USA", "cinc") if r["period"] == "1903"]
    assert usa["value"] == 0.5


def test_mid_disputes_become_events_and_conflicts():
    rows = run(import_mid, "mid_csto_mini.csv")
    rel, ev = by_id(rows), by_id(rows, "events")
    war = rel["mid-9001-702-703"]  # written both ways: one pair
    assert (war["actor_a"], war["actor_b"], war["kind"], war["sign"]) == (
        "TJK",
        "KGZ",
        "armed_conflict",
        -1,
    )
    assert (war["start"], war["end"], war["intensity"]) == ("2013", "2015", 1.0)
    assert set(rel) == {"mid-9001-702-703"}  # a threat is no armed conflict
    assert (ev["mid-9001-702-703"]["kind"], ev["mid-9001-702-703"]["end_date"]) == ("clash", "2014")
    assert ev["mid-9002-371-373"]["kind"] == "other"
    assert "threat to use force" in ev["mid-9002-371-373"]["summary"]
    assert rows.tables["actors"] == []  # every state is in the embedded package
    mini = by_id(run(import_mid, "mid_mini.csv"))
    assert mini["mid-12-2-300"]["intensity"] == 1.0 and "mid-11-2-20" not in mini
    clipped = by_id(run(import_mid, "mid_csto_mini.csv", start=2014))
    assert clipped["mid-9001-702-703"]["start"] == "2014"


def test_an_imported_conflict_feeds_the_strain_index(tmp_path):
    """A war between Kyrgyzstan and Tajikistan in 2014 (an invented dispute) replaces
    their border dispute (0.6) as the pair's strongest conflict tie: the component rises
    by (1.0 - 0.6) over the 15 member pairs."""
    out = write_package(run(import_mid, "mid_csto_mini.csv"), tmp_path / "mid", name="mid")

    def conflicts(kb):
        comps = strain_at(kb, "CSTO", "2014-06-01")["components"]
        return next(c for c in comps if c["component"] == "member_conflicts")

    before = conflicts(KnowledgeBase.embedded())
    after = conflicts(KnowledgeBase.from_path(out, on_top=True))
    assert after["raw"]["pairs"] == before["raw"]["pairs"] == 15
    assert after["value"] - before["value"] == pytest.approx((1.0 - 0.6) / 15)
    assert [r["relation"] for r in after["rows"]] == ["mid-9001-702-703"]


def test_atop_member_file_gives_organisations_that_query(tmp_path):
    rows = run(import_atop, "atop_member_mini.csv")
    out = write_package(rows, tmp_path / "atop-m", name="atop-m")
    kb = KnowledgeBase.from_path(out, on_top=True)

    def members(org, day):
        return sorted(m["actor"] for m in kb.members(org, day))

    assert members("ATOP_4550", "2000-01-01") == ["ARM", "RUS"]  # UZB left on 1999-04-02
    assert members("ATOP_4550", "2008-01-01") == ["ARM", "RUS", "UZB"]
    assert members("ATOP_4550", "2020-01-01") == ["ARM", "RUS"]  # yrexit 0: still members
    assert members("ATOP_4551", "1942-01-01") == ["CAN", "USA"]
    orgs = {o["id"]: o for o in rows.tables["organizations"]}
    assert (orgs["ATOP_4550"]["kind"], orgs["ATOP_4551"]["kind"]) == (
        "collective_defence",
        "partnership",
    )
    assert (orgs["ATOP_4551"]["founded"], orgs["ATOP_4551"]["dissolved"]) == ("1940-08", "1945")
    # Russia's second phase (2010) overlaps its first: one spell; the quoted and the plain
    # copy of Uzbekistan's 2006 row: one spell
    spells = [
        (m["actor"], m["start"])
        for m in rows.tables["memberships"]
        if m["organization"] == "ATOP_4550"
    ]
    assert sorted(spells) == [
        ("ARM", "1992-05-15"),
        ("RUS", "1992-05-15"),
        ("UZB", "1992-05-15"),
        ("UZB", "2006-06-23"),
    ]
    assert "atopid" not in str(rows.notes)
    only = run(import_atop, "atop_member_mini.csv", actors=["CAN"])
    assert [o["id"] for o in only.tables["organizations"]] == ["ATOP_4551"]


def test_atop_file_in_neither_layout_lists_both(tmp_path):
    from phalanx.errors import UserError

    with pytest.raises(UserError) as e:
        run(import_atop, "nmc_mini.csv")
    assert "(directed dyad-years)" in str(e.value) and "atopid, member, yrent" in str(e.value)
    assert "found ccode, year, milex" in str(e.value)
