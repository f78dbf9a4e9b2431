"""The COW Formal Alliances v4.1 importer on hand-made files in the published layouts
(tests/data/ingest/README.md lists their quirks), and on the real directed file."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from phalanx.errors import UserError
from phalanx.ingest.cow_alliance import import_cow_alliance
from phalanx.ingest.package_writer import write_package
from phalanx.ingest.rows import actor_codes
from phalanx.kb import KnowledgeBase

DATA = Path(__file__).resolve().parents[1] / "data" / "ingest"
DIRECTED = DATA / "cow_alliance_directed_mini.csv"
YEARLY = DATA / "cow_alliance_directed_yearly_mini.csv"
MEMBER = DATA / "cow_alliance_member_mini.csv"


def run(path, **kw):
    return import_cow_alliance(path, actors=kw.get("actors"), start=kw.get("start"),
                               end=kw.get("end"), progress=kw.get("progress"))  # fmt: skip


def spells(rows):
    return {
        (r["id"], r["actor_a"], r["actor_b"], r["kind"], r["intensity"], r["start"], r["end"])
        for r in rows.tables["relations"]
    }


def test_directed_file_gives_one_undirected_relation_per_spell():
    rows = run(DIRECTED)
    assert spells(rows) == {
        # Warsaw-Pact-like: COW ends on the last day in force; the package's end is the day after
        ("cow-alliance-250-290-365-1955-05-14", "POL", "RUS", "alliance", 1.0, "1955-05-14", "1991-07-02"),
        ("cow-alliance-330-365-371-1992-05-15", "RUS", "ARM", "alliance", 1.0, "1992-05-15", None),
        ("cow-alliance-331-365-705-1992-05-15", "RUS", "KAZ", "alliance", 1.0, "1992-05-15", None),
        ("cow-alliance-332-365-712-1993-06", "RUS", "COW712", "partnership", 0.3, "1993-06", "2011-01-01"),
        ("cow-alliance-335-2-732-1953-10-01", "USA", "COW732", "alliance", 1.0, "1953-10-01", None),
        ("cow-alliance-336-365-700-1926-08-31", "RUS", "AFG", "alliance", 0.5, "1926-08-31", "1979-12-25"),
        ("cow-alliance-337-200-620-1953-07-29", "GBR", "COW620", "alliance", 1.0, "1953-07-29", "1969-09-02"),
    }  # fmt: skip
    # 336 is written one way only, which says nothing of direction: undirected; 337 both
    # ways, with defence from the United Kingdom only: directed from it
    directed = {r["id"][13:16] for r in rows.tables["relations"] if r["directed"]}
    assert directed == {"337"}
    assert all(r["sign"] == 1 for r in rows.tables["relations"])
    assert {a["id"]: a["name"] for a in rows.tables["actors"]} == {
        "COW712": "Mongolia",
        "COW732": "Korea, Republic of",
        "COW620": "Libya",
    }
    assert {a["cow_code"] for a in rows.tables["actors"]} == {712, 732, 620}
    assert sorted(rows.notes) == [
        "1 dyad spells were skipped: it ends before it starts.",
        "1 dyad spells were skipped: no type.",
    ]
    (src,) = rows.sources
    assert src["citation"].endswith("version 4.1") and src["reliability"] == "scholarly"
    assert "16 rows read" in src["note"] and DIRECTED.name in src["note"]
    assert all(r["sources"] == [src["id"]] for r in rows.tables["relations"])


def test_yearly_file_drops_year_zero_and_repeated_dyad_years():
    rows = run(YEARLY)
    assert {r[0] for r in spells(rows)} == {
        "cow-alliance-330-365-371-1992-05-15",
        "cow-alliance-350-2-666-1981-11-30",
    }  # 651-666 has only a year-0 row: it is not there
    assert rows.notes == ["2 rows with year 0 were dropped (a known error of the file)."]
    assert [a["id"] for a in rows.tables["actors"]] == ["COW666"]


def test_member_file_gives_organisations_and_spells_that_query(tmp_path):
    rows = run(MEMBER)
    out = write_package(rows, tmp_path / "pkg", name="cow-members")
    kb = KnowledgeBase.from_path(out, on_top=True)

    def members(org, day):
        return sorted(m["actor"] for m in kb.members(org, day))

    assert members("COW_ALLIANCE_330", "1992-05-14") == []
    assert members("COW_ALLIANCE_330", "2000-01-01") == ["ARM", "KAZ", "RUS"]  # UZB out 1999
    assert members("COW_ALLIANCE_330", "2008-01-01") == ["ARM", "KAZ", "RUS", "UZB"]
    assert members("COW_ALLIANCE_330", "2012-06-27") == ["ARM", "KAZ", "RUS", "UZB"]
    assert members("COW_ALLIANCE_330", "2012-06-28") == ["ARM", "KAZ", "RUS"]
    assert members("COW_ALLIANCE_341", "1930-01-01") == ["COW712", "RUS"]
    assert members("COW_ALLIANCE_341", "1940-11-27") == []
    kaz = [m for m in rows.tables["memberships"] if m["actor"] == "KAZ"]
    assert len(kaz) == 1  # the overlapping 1994 spell is merged into the 1992 one
    orgs = {o["id"]: o for o in rows.tables["organizations"]}
    assert orgs["COW_ALLIANCE_330"]["kind"] == "collective_defence"
    assert orgs["COW_ALLIANCE_341"]["kind"] == "security_cooperation"
    assert orgs["COW_ALLIANCE_341"]["founded"] == "1921"  # day and month 0: year precision
    assert orgs["COW_ALLIANCE_341"]["dissolved"] == "1940-11-27"
    assert orgs["COW_ALLIANCE_330"]["dissolved"] is None


def test_filters_keep_rows_involving_the_actors_and_spells_overlapping_the_years():
    assert {r[0] for r in spells(run(DIRECTED, actors=["ARM"]))} == {
        "cow-alliance-330-365-371-1992-05-15"
    }
    by_year = {r[0].split("-")[2] for r in spells(run(DIRECTED, start=1995, end=2000))}
    assert by_year == {"330", "331", "332", "335"}  # 250 ends 1991, 336 ends 1979
    assert run(DIRECTED, actors=["COW732"]).tables["actors"][0]["id"] == "COW732"
    only = run(MEMBER, actors=["ARM"])
    assert [o["id"] for o in only.tables["organizations"]] == ["COW_ALLIANCE_330"]
    assert len(only.tables["memberships"]) == 5  # the whole alliance, not ARM alone


def test_a_file_in_another_layout_lists_the_expected_and_found_columns():
    with pytest.raises(UserError) as e:
        run(DATA / "atop_mini.csv")
    text = str(e.value)
    assert "expected the columns version4id, ccode1, state_name1" in text
    assert "found ccode1, ccode2, year, atop_defense" in text


def test_a_dyadic_file_missing_a_column_names_it(tmp_path):
    lines = DIRECTED.read_text().splitlines()
    cut = [",".join(line.split(",")[:16] + line.split(",")[17:]) for line in lines[:3]]
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(cut) + "\n")
    with pytest.raises(UserError, match=r"\(missing: entente\)"):
        run(bad)


def _day(y, m, d):
    return dt.date(int(y), int(m), int(d))


def test_real_directed_file_round_trip(validation_dir, tmp_path):
    """Import the real COW directed file, validate it on the embedded data and check the
    defence pacts in force on a date against the file read with the csv module."""
    path = validation_dir / "datasets" / "cow_alliance_v4_1_by_directed_SUBSET_dyadr.csv"
    if not path.exists():
        pytest.skip(f"{path.name} is not present")
    out = write_package(run(path), tmp_path / "cow", name="cow")
    kb = KnowledgeBase.from_path(out, on_top=True)
    day = dt.date(1960, 6, 1)
    codes = actor_codes()
    expected = set()
    with open(path, newline="") as fh:
        for r in csv.DictReader(fh):
            begin = _day(r["dyad_st_year"], r["dyad_st_month"], r["dyad_st_day"])
            last = _day(r["dyad_end_year"], r["dyad_end_month"], r["dyad_end_day"])
            if r["defense"] == "1" and begin <= day <= last:
                a, b = (codes.get(int(c), f"COW{int(c)}") for c in (r["ccode1"], r["ccode2"]))
                expected.add(frozenset((a, b)))
    got = {
        frozenset((r["actor_a"], r["actor_b"]))
        for r in kb.relations(day.isoformat(), kind="alliance")
        if r["id"].startswith("cow-alliance-") and r["intensity"] == 1.0
    }
    assert got == expected and len(expected) == 87
    assert frozenset(("POL", "RUS")) in got  # the Warsaw Pact
    (libya,) = [
        r
        for r in kb.relations(day.isoformat(), kind="alliance")
        if r["id"].startswith("cow-alliance-235-")
    ]
    # written both ways, with defence one way only: directed from the United Kingdom
    assert (libya["actor_a"], libya["actor_b"], libya["directed"]) == ("GBR", "COW620", True)


def test_a_quoted_newline_stays_in_its_field(tmp_path):
    header = MEMBER.read_text().splitlines()[0]
    path = tmp_path / "m.csv"
    path.write_text(
        header + "\n"
        "777,365,Russia,1,1,1990,,,,0,1,1,0,0,0,4.1\n"
        '777,999,"Outer\nLand, the",1,1,1990,,,,0,1,1,0,0,0,4.1\n'
    )
    rows = run(path)
    assert rows.sources[0]["note"].endswith("2 rows read).")
    kb = KnowledgeBase.from_path(write_package(rows, tmp_path / "p", name="p"), on_top=True)
    names = {a["id"]: a["name"] for a in kb.actors()}
    assert names["COW999"] == "Outer\nLand, the"
    assert sorted(m["actor"] for m in kb.members("COW_ALLIANCE_777", "2000")) == ["COW999", "RUS"]


def test_a_state_paired_with_itself_is_skipped_and_said(tmp_path):
    """A broken row whose two codes are equal (found by the property test: a ccode of
    "1.5" is read as 2, beside a 2) is no tie: skipped, and the notes say so."""
    lines = (DATA / "cow_alliance_directed_mini.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    row = lines[1].split(",")
    row[header.index("ccode2")] = row[header.index("ccode1")]
    broken = tmp_path / "self.csv"
    broken.write_text("\n".join([lines[0], ",".join(row)]) + "\n", encoding="utf-8")
    rows = import_cow_alliance(broken, actors=None, start=None, end=None, progress=None)
    assert all(r["actor_a"] != r["actor_b"] for r in rows.tables.get("relations", []))
    assert any("paired with itself" in n for n in rows.notes)
