"""UCDP readers and importers on hand-written files in the published layouts (UCDP's ACD
CSV and peacesciencer's copy; GED with and without gwnoa/gwnob), with their quirks:
comma-separated code lists, numbers written 2012.0, quoted newlines and doubled quotes,
coarse date precisions, duplicated rows. Then the real files of ../shared/validation."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import pytest

duckdb = pytest.importorskip("duckdb")

from phalanx.errors import UserError  # noqa: E402
from phalanx.ingest.importers import get_importer  # noqa: E402
from phalanx.ingest.package_writer import write_package  # noqa: E402
from phalanx.ingest.rows import merge_rows  # noqa: E402
from phalanx.ingest.ucdp import (  # noqa: E402
    bounded_connection,
    codes_of_actors,
    import_acd,
    import_ged,
    read_ucdp_acd,
    read_ucdp_ged,
)
from phalanx.kb.store import KnowledgeBase  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / "data" / "ingest"
ACD = DATA / "ucdp_acd_mini.csv"
ACD_PS = DATA / "ucdp_acd_mini_ps.csv"
GED = DATA / "ucdp_ged_mini.csv"
GED_OLD = DATA / "ucdp_ged_mini_old.csv"


@pytest.fixture
def con():
    with bounded_connection("256MB", threads=1) as c:
        yield c


def by_id(rows):
    return {r["id"]: r for r in rows}


# -- ACD ---------------------------------------------------------------------------------


def test_acd_reader_splits_code_lists_and_normalises_codes(con):
    loaded = read_ucdp_acd(con, ACD)
    assert loaded.source.rows == 9  # the duplicated 2022 row is a row of the file
    assert loaded.source.version == "25.1"  # the file's version column
    rows = con.execute(
        "SELECT conflict_id, year, codes_a, codes_b, codes_a_2nd, type_of_conflict, "
        "incompatibility FROM ucdp_acd WHERE conflict_id IN (900, 395) ORDER BY 1"
    ).fetchall()
    assert rows == [
        (395, 1992, [702], [], [365], 4, "government"),
        (900, 2003, [900, 200, 2], [645], [], 2, "government"),
    ]


def test_acd_interstate_conflict_years_become_relations(con):
    rows = import_acd(ACD)
    rel = by_id(rows.tables["relations"])
    # worked out by hand from the fixture: 13324 (2021, 2022 twice), 900 (three states
    # against Iraq), 901 (month precision), 999 (invented), 13243 (the file's last year, still running);
    # 395 (internationalised intrastate) and 902 (intrastate) are no ties between states
    assert sorted(rel) == [
        "ucdp-acd-13243-2024-365-369",
        "ucdp-acd-13324-2021-703-702",
        "ucdp-acd-13324-2022-703-702",
        "ucdp-acd-900-2003-2-645",
        "ucdp-acd-900-2003-200-645",
        "ucdp-acd-900-2003-900-645",
        "ucdp-acd-901-2016-373-371",
        "ucdp-acd-999-2023-705-703",
    ]
    kgz = rel["ucdp-acd-13324-2021-703-702"]
    assert (kgz["actor_a"], kgz["actor_b"], kgz["intensity"]) == ("KGZ", "TJK", 0.6)
    assert (kgz["start"], kgz["end"]) == ("2021-04-28", "2022-01-01")
    assert (kgz["kind"], kgz["sign"], kgz["directed"]) == ("armed_conflict", -1, False)
    assert rel["ucdp-acd-13324-2022-703-702"]["start"] == "2022-01-01"
    assert rel["ucdp-acd-13324-2022-703-702"]["end"] == "2022-09-19"  # day after ep_end_date
    iraq = rel["ucdp-acd-900-2003-2-645"]
    assert (iraq["actor_a"], iraq["actor_b"], iraq["intensity"]) == ("USA", "COW645", 1.0)
    assert (iraq["start"], iraq["end"]) == ("2003-03-20", "2003-05-01")
    assert rel["ucdp-acd-900-2003-200-645"]["actor_a"] == "GBR"
    karabakh = rel["ucdp-acd-901-2016-373-371"]
    assert (karabakh["start"], karabakh["end"]) == ("2016-04", "2016-04-06")  # start_prec2 3
    assert "side A 640" in karabakh["note"]  # Turkey's support named, not made a party
    assert rel["ucdp-acd-13243-2024-365-369"]["end"] is None
    assert "side A 731" in rel["ucdp-acd-13243-2024-365-369"]["note"]
    actors = by_id(rows.tables["actors"])
    assert sorted(actors) == ["COW645", "COW900"]
    assert actors["COW645"]["name"] == "Iraq"  # UCDP's side name, one state on the side
    assert actors["COW900"]["cow_code"] == 900
    assert [s["id"] for s in rows.sources] == [
        "ucdp-acd-25.1-" + hashlib.sha256(ACD.read_bytes()).hexdigest()[:8]
    ]
    assert all(r["sources"] == [rows.sources[0]["id"]] for r in rel.values())
    assert any("2 conflict-year row(s) of other types" in n for n in rows.notes)


def test_acd_both_layouts_give_the_same_relations():
    fields = ("actor_a", "actor_b", "intensity", "start", "end", "kind", "sign")
    ucdp = by_id(import_acd(ACD).tables["relations"])
    ps = by_id(import_acd(ACD_PS).tables["relations"])
    assert sorted(ucdp) == sorted(ps)
    for rid in ucdp:
        assert [ucdp[rid][f] for f in fields] == [ps[rid][f] for f in fields], rid


def test_acd_filters_by_actor_and_year():
    rows = import_acd(ACD, actors=["TJK"], start=2022, end=2024)
    assert [r["id"] for r in rows.tables["relations"]] == ["ucdp-acd-13324-2022-703-702"]
    rows = import_acd(ACD, actors=["COW645"])
    assert len(rows.tables["relations"]) == 3
    with pytest.raises(UserError, match="NATO") as e:
        codes_of_actors(["NATO"])
    assert e.value.field == "--actors"


def test_acd_package_validates_and_layers(tmp_path):
    out = write_package(import_acd(ACD), tmp_path / "acd", name="ucdp-acd-mini")
    kb = KnowledgeBase.from_path(out, on_top=True)
    got = {r["id"] for r in kb.relations("2022-03-01", kind="armed_conflict", actor="KGZ")}
    assert got == {"ucdp-acd-13324-2022-703-702"}  # the embedded 2022 war starts in September


@pytest.mark.parametrize(
    ("edit", "field", "expected"),
    [
        ((",2021,1,2,2014", ",2021,3,2,2014"), "intensity_level", "1 or 2"),
        (("2021,1,2,2014", "2021,1,9,2014"), "type_of_conflict", "interstate"),
        (("703,,702,,", "703,,70x,,"), "gwno_b", "state codes"),
        (("2022-09-18,1,703", "18/09/2022,1,703"), "ep_end_date", "YYYY-MM-DD"),
    ],
)
def test_acd_bad_values_name_the_column(tmp_path, con, edit, field, expected):
    bad = tmp_path / "acd.csv"
    assert edit[0] in ACD.read_text()
    bad.write_text(ACD.read_text().replace(*edit, 1))
    with pytest.raises(UserError, match=expected) as e:
        read_ucdp_acd(con, bad)
    assert e.value.field == field


def test_wrong_layout_lists_expected_and_found_columns(con):
    with pytest.raises(UserError) as e:
        read_ucdp_ged(con, ACD)
    text = str(e.value)
    assert "expected the columns id, year, type_of_violence" in text
    assert "found conflict_id, location, side_a" in text
    with pytest.raises(UserError, match="expected the columns conflict_id, year, gwno_a"):
        read_ucdp_acd(con, GED)


# -- GED ---------------------------------------------------------------------------------


def test_ged_reader_streams_every_row_with_quoted_newlines(con):
    with open(GED, newline="") as fh:
        ref = list(csv.DictReader(fh))
    assert len(ref) == 9 and "\n" in ref[0]["source_article"]
    loaded = read_ucdp_ged(con, GED)
    assert loaded.source.rows == len(ref)
    assert loaded.source.sha256 == hashlib.sha256(GED.read_bytes()).hexdigest()
    got = con.execute("SELECT id, codes_a, codes_b FROM ucdp_ged ORDER BY id").fetchall()
    want = sorted(
        (
            int(float(r["id"])),
            [int(float(c)) for c in r["gwnoa"].split(",") if c.strip()],
            [int(float(c)) for c in r["gwnob"].split(",") if c.strip()],
        )
        for r in ref
    )
    assert got == want  # 1007.0 read as 1007, "900, 200, 2" split, the repeated 1002 kept


def test_ged_filters_inside_the_scan(con):
    read_ucdp_ged(con, GED, years=(2022, 2022), codes=[702], violence=(1,))
    assert con.execute("SELECT id FROM ucdp_ged ORDER BY id").fetchall() == [(1001,), (1003,)]
    read_ucdp_ged(con, GED, violence=(2, 3), table="other")
    assert con.execute("SELECT id FROM other ORDER BY id").fetchall() == [(1005,), (1006,)]


def test_ged_events_keep_deaths_places_and_date_precision():
    rows = import_ged(GED)
    ev = by_id(rows.tables["events"])
    # state-based only (1005 non-state and 1006 one-sided left out); 1002 repeated once
    assert sorted(ev) == [f"ucdp-ged-{i}" for i in (1001, 1002, 1003, 1004, 1007, 1008)]
    e = ev["ucdp-ged-1001"]
    assert (e["kind"], e["actors"], e["magnitude"], e["magnitude_unit"]) == (
        "clash",
        ["KGZ", "TJK"],
        24.0,
        "deaths",
    )
    assert (e["date"], e["end_date"]) == ("2022-09-14", "2022-09-16")  # date_prec 2
    assert "Kok-Tash, near the Golovnoi water point" in e["summary"]
    assert "39.9, 70" in e["note"] and "low 20, high 30" in e["note"]
    assert (ev["ucdp-ged-1003"]["date"], ev["ucdp-ged-1003"]["end_date"]) == ("2022-09", None)
    assert (ev["ucdp-ged-1004"]["date"], ev["ucdp-ged-1004"]["end_date"]) == ("2021", None)
    assert ev["ucdp-ged-1007"]["actors"] == ["RUS"]
    assert "at Makhachkala, Russia" in ev["ucdp-ged-1007"]["summary"]  # stray comma dropped
    assert ev["ucdp-ged-1008"]["actors"] == ["COW900", "GBR", "USA", "COW645"]
    assert any("1 repeated row" in n for n in rows.notes)


def test_ged_without_gwno_columns_uses_the_country():
    rows = import_ged(GED_OLD)
    ev = by_id(rows.tables["events"])
    assert sorted(ev) == ["ucdp-ged-1001", "ucdp-ged-1007"]
    assert ev["ucdp-ged-1001"]["actors"] == ["KGZ"]
    assert "no gwnoa/gwnob" in ev["ucdp-ged-1001"]["note"]
    assert any("no gwnoa/gwnob" in n for n in rows.notes)


def test_ged_progress_reaches_the_file_size():
    seen: list[int] = []
    get_importer("ucdp-ged")(GED, actors=["KGZ"], start=None, end=None, progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == GED.stat().st_size


@pytest.mark.parametrize(
    ("edit", "field", "expected"),
    [
        ((",24,30,20,703,702", ",lots,30,20,703,702"), "best", "is not a number"),
        (("Clear,1,13324,13324,Kyrgyzstan - Tajikistan,1,1,G", "Clear,7,13324,13324,"
          "Kyrgyzstan - Tajikistan,1,1,G"), "type_of_violence", "event id 1001"),
        ((",2,2022-09-14,", ",9,2022-09-14,"), "date_prec", "1-5"),
    ],
)  # fmt: skip
def test_ged_bad_values_name_the_column(tmp_path, con, edit, field, expected):
    bad = tmp_path / "ged.csv"
    text = GED.read_text()
    assert edit[0] in text
    bad.write_text(text.replace(*edit, 1))
    with pytest.raises(UserError, match=expected) as e:
        read_ucdp_ged(con, bad)
    assert e.value.field == field


def test_bounded_connection_refuses_a_bad_limit():
    with pytest.raises(UserError, match="memory limit") as e, bounded_connection("lots"):
        pass
    assert e.value.field == "memory_limit"


# -- the real files ----------------------------------------------------------------------


def test_real_acd_interstate_pairs_match_a_brute_force_count(validation_dir):
    path = validation_dir / "datasets" / "ucdp_acd_v25_1_peacesciencer.csv"
    with open(path, newline="") as fh:
        ref = {
            (int(float(r["conflict_id"])), int(float(r["year"])), a, b)
            for r in csv.DictReader(fh)
            if r["type_of_conflict"] == "interstate"
            for a in [int(float(x)) for x in r["gwno_a"].split(",") if x.strip()]
            for b in [int(float(x)) for x in r["gwno_b"].split(",") if x.strip()]
            if a != b
        }
    rows = import_acd(path)
    got = {tuple(int(x) for x in r["id"].split("-")[2:]) for r in rows.tables["relations"]}
    assert got == ref
    rel = by_id(rows.tables["relations"])
    # FACTS.md and the embedded rows: the Kyrgyz-Tajik episode ends on 2022-09-18, the
    # invasion of Ukraine (conflict 13243) starts on 2022-02-24 at war intensity
    assert rel["ucdp-acd-13324-2022-703-702"]["end"] == "2022-09-19"
    ukraine = rel["ucdp-acd-13243-2022-365-369"]
    assert (ukraine["start"], ukraine["intensity"]) == ("2022-02-24", 1.0)


def test_real_ged_sample_round_trip(validation_dir, tmp_path):
    ged = validation_dir / "datasets" / "ucdp_ged_v23_1_sample1000_uncertainUCDP.csv"
    acd = validation_dir / "datasets" / "ucdp_acd_v25_1_peacesciencer.csv"
    with open(ged, newline="") as fh:
        ref = [r for r in csv.DictReader(fh)]
    assert len(ref) == 1000  # 1,210 lines: quoted newlines
    state_based = {
        f"ucdp-ged-{int(float(r['id']))}"
        for r in ref
        if float(r["type_of_violence"]) == 1 and (r["gwnoa"] or r["gwnob"])
    }
    rows = merge_rows([import_acd(acd), import_ged(ged)])
    assert {e["id"] for e in rows.tables["events"]} == state_based
    assert rows.sources[1]["citation"].endswith("version 23.1")  # from the file's name
    out = write_package(rows, tmp_path / "ucdp", name="ucdp-real")
    kb = KnowledgeBase.from_path(out, on_top=True)
    clashes = kb.events("2022-01-01", "2022-12-31", kind="clash", actor="UKR")
    assert {e["id"] for e in clashes} >= {"ucdp-ged-453579", "ucdp-ged-451336"}
    assert kb.relations("2021-06-01", kind="armed_conflict", actor="TJK")[0]["id"] == (
        "ucdp-acd-13324-2021-703-702"
    )
