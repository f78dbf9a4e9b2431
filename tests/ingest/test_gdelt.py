"""The GDELT reader on hand-made rows in the published layouts (2.0: 61 tab-separated
columns, 1.0: 57, or 58 with SOURCEURL), with GDELT's quirks: empty actor codes, regional
codes, unreadable days, an event repeated in a later file; and the importer's package,
layered on the embedded data and queried. Every expected number is counted by hand from
the rows written here."""

from __future__ import annotations

import gzip
import json
import zipfile
from pathlib import Path

import pytest

duckdb = pytest.importorskip("duckdb")

from phalanx.errors import UserError  # noqa: E402
from phalanx.ingest.gdelt import (  # noqa: E402
    GDELT1_COLUMNS,
    GDELT2_COLUMNS,
    code_table,
    read_gdelt,
)

TESTS = Path(__file__).resolve().parents[1]
CSTO_IDS = ["RUS", "ARM", "AZE", "KAZ", "USA"]


@pytest.fixture
def con():
    c = duckdb.connect()
    yield c
    c.close()


def event(
    gid: int | str,
    day: str,
    a1: str,
    a2: str,
    quad: int | str,
    goldstein: float | str,
    mentions: int | str = 1,
    *,
    columns: tuple[str, ...] = GDELT2_COLUMNS,
) -> str:
    """One tab-separated event row in ``columns`` (a published layout), with plausible
    values in the columns the reader does not use."""
    row = dict.fromkeys(columns, "")
    year = day[:4] if day[:4].isdigit() else "2022"
    row.update(
        GlobalEventID=str(gid),
        Day=day,
        MonthYear=day[:6],
        Year=year,
        FractionDate=f"{year}.6986",
        Actor1Code=a1 + "GOV" if a1 else "",
        Actor1Name=f"{a1} GOVERNMENT" if a1 else "",
        Actor1CountryCode=a1,
        Actor1Type1Code="GOV" if a1 else "",
        Actor2Code=a2 + "MIL" if a2 else "",
        Actor2Name=f"{a2} MILITARY" if a2 else "",
        Actor2CountryCode=a2,
        Actor2Type1Code="MIL" if a2 else "",
        IsRootEvent="1",
        EventCode="190",
        EventBaseCode="190",
        EventRootCode="19",
        QuadClass=str(quad),
        GoldsteinScale=str(goldstein),
        NumMentions=str(mentions),
        NumSources="1",
        NumArticles=str(mentions),
        AvgTone="-5.25",
        ActionGeo_Type="4",
        ActionGeo_Fullname="Jermuk, Vayots' Dzor, Armenia",
        ActionGeo_CountryCode="AM",
        ActionGeo_Lat="39.8417",
        ActionGeo_Long="45.6722",
        ActionGeo_FeatureID="-3362011",
        DATEADDED=day + "153000" if len(day) == 8 else "20220913153000",
    )
    if "SOURCEURL" in row:
        row["SOURCEURL"] = f'https://news.example.org/{gid}?a=1&b="quoted"'
    return "\t".join(row[c] for c in columns)


def write(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


# Two 15-minute files. Counted by hand:
# AZE -> ARM in 2022-09: ids 1 (quad 4, -10, 10 mentions), 2 (quad 4, -9.5, 4),
#   3 (quad 3, -4, 2), 4 (quad 1, 3.4, 1): 4 events, mean Goldstein -5.025, 17 mentions;
#   id 1 again in file b (quad 1) is a repeat: the first file's row (quad 4) is kept.
# ARM -> AZE in 2022-09: id 5 (quad 2, 7, 3) and id 20 in file b (quad 4, -10, 6).
# ARM -> RUS in 2022-10: id 21 (quad 1, 1, 1).
# Dropped: id 6 empty Actor2 code, id 7 empty Actor1 code, id 8 regional EUR,
#   id 9 day 20221345, id 10 day "2022-09-13", id 11 RUS -> RUS, id 12 QuadClass 5,
#   id "x13" not a number; id 20 also appears twice in b (one repeat).
FILE_A = [
    event(1, "20220913", "AZE", "ARM", 4, -10, 10),
    event(2, "20220913", "AZE", "ARM", 4, -9.5, 4),
    event(3, "20220914", "AZE", "ARM", 3, -4, 2),
    event(4, "20220930", "AZE", "ARM", 1, 3.4, 1),
    event(5, "20220920", "ARM", "AZE", 2, 7, 3),
    event(6, "20220913", "AZE", "", 4, -10),
    event(7, "20220913", "", "ARM", 4, -10),
    event(8, "20220913", "EUR", "ARM", 3, -2),
    event(9, "20221345", "AZE", "ARM", 4, -10),
    event(10, "2022-09-13", "AZE", "ARM", 4, -10),
    event(11, "20220913", "RUS", "RUS", 1, 1),
    event(12, "20220913", "AZE", "ARM", 5, -10),
    event("x13", "20220913", "AZE", "ARM", 4, -10),
]
FILE_B = [
    event(1, "20220913", "AZE", "ARM", 1, 5, 100),
    event(20, "20220915", "ARM", "AZE", 4, -10, 6),
    event(20, "20220915", "ARM", "AZE", 4, -10, 6),
    event(21, "20221002", "ARM", "RUS", 1, 1, 1),
]


@pytest.fixture
def files(tmp_path):
    a = write(tmp_path / "20220913150000.export.CSV", FILE_A)
    b = write(tmp_path / "20220913151500.export.CSV", FILE_B)
    return a, b


def by_dyad(result) -> dict[tuple[str, str, str], dict]:
    return {(r["actor1"], r["actor2"], r["month"]): r for r in result.rows}


def test_aggregates_directed_dyad_months_by_hand(con, files):
    result = read_gdelt(con, list(files), actor_ids=CSTO_IDS)
    rows = by_dyad(result)
    assert set(rows) == {
        ("AZE", "ARM", "2022-09"),
        ("ARM", "AZE", "2022-09"),
        ("ARM", "RUS", "2022-10"),
    }
    aze = rows["AZE", "ARM", "2022-09"]
    assert (aze["events"], aze["verbal_coop"], aze["material_coop"]) == (4, 1, 0)
    assert (aze["verbal_conflict"], aze["material_conflict"]) == (1, 2)
    assert aze["goldstein_mean"] == pytest.approx((-10 - 9.5 - 4 + 3.4) / 4)
    assert aze["mentions"] == 17
    arm = rows["ARM", "AZE", "2022-09"]
    assert (arm["events"], arm["material_coop"], arm["material_conflict"]) == (2, 1, 1)
    assert arm["goldstein_mean"] == pytest.approx(-1.5)
    assert arm["mentions"] == 9
    assert rows["ARM", "RUS", "2022-10"]["verbal_coop"] == 1
    assert result.rows_read == len(FILE_A) + len(FILE_B) == 17
    assert result.duplicates == 2  # id 1 in file b, the second id 20 in file b
    assert result.dropped == {
        "bad_id": 1,
        "bad_date": 2,
        "empty_actor": 2,
        "unknown_code": 1,
        "same_actor": 1,
        "bad_quadclass": 1,
        "outside_years": 0,
        "not_selected": 0,
    }
    assert result.unknown_codes == {"EUR": 1}
    # every row read is accounted for: aggregated, a repeat, or dropped for one reason
    assert result.events + result.duplicates + sum(result.dropped.values()) == 17
    assert [s.rows for s in result.sources] == [13, 4]
    assert [s.file for s in result.sources][0].endswith("20220913150000.export.CSV")


def test_first_file_in_the_list_wins_a_repeated_event(con, files):
    a, b = files
    rows = by_dyad(read_gdelt(con, [b, a], actor_ids=CSTO_IDS))
    # now file b's version of id 1 (quad 1, Goldstein 5, 100 mentions) is kept
    aze = rows["AZE", "ARM", "2022-09"]
    assert (aze["verbal_coop"], aze["material_conflict"], aze["mentions"]) == (2, 1, 107)


def test_folder_years_and_actors_filters(con, files, tmp_path):
    whole = read_gdelt(con, tmp_path, actor_ids=CSTO_IDS)
    assert whole.rows == read_gdelt(con, list(files), actor_ids=CSTO_IDS).rows
    later = read_gdelt(con, tmp_path, actor_ids=CSTO_IDS, start=2023)
    assert later.rows == [] and later.dropped["outside_years"] == 7
    rus = read_gdelt(con, tmp_path, actor_ids=CSTO_IDS, actors=["RUS"])
    assert [(r["actor1"], r["actor2"]) for r in rus.rows] == [("ARM", "RUS")]
    assert rus.dropped["not_selected"] == 6
    with pytest.raises(UserError, match="not a size such as 512MB"):
        read_gdelt(con, tmp_path, actor_ids=CSTO_IDS, memory_limit="lots")
    with pytest.raises(UserError, match="after the last year"):
        read_gdelt(con, tmp_path, actor_ids=CSTO_IDS, start=2023, end=2022)


def test_gdelt_1_layouts_read_alike_and_mix_with_2(con, tmp_path):
    def rows(columns):
        return [
            event(1, "20130402", "AZE", "ARM", 4, -10, 2, columns=columns),
            event(2, "20130405", "AZE", "ARM", 2, 6, 1, columns=columns),
        ]

    v1 = write(tmp_path / "20130402.export.CSV", rows(GDELT1_COLUMNS))
    v1url = write(tmp_path / "20130403.export.CSV", rows(GDELT1_COLUMNS + ("SOURCEURL",)))
    v2 = write(tmp_path / "x.export.CSV", [event(3, "20130406", "AZE", "ARM", 1, 1)])
    assert len(GDELT1_COLUMNS) == 57 and len(GDELT2_COLUMNS) == 61
    one = read_gdelt(con, v1, actor_ids=CSTO_IDS)
    assert one.rows == read_gdelt(con, v1url, actor_ids=CSTO_IDS).rows
    assert one.rows[0]["events"] == 2 and one.rows[0]["goldstein_mean"] == -2.0
    assert one.sources[0].dataset == "GDELT 1.0"
    mixed = read_gdelt(con, [v1, v2], actor_ids=CSTO_IDS)
    assert mixed.rows[0]["events"] == 3
    assert [s.version for s in mixed.sources] == ["1.0", "2.0"]


def test_zip_and_gzip_read_like_the_plain_file(con, files, tmp_path):
    a, _ = files
    plain = read_gdelt(con, a, actor_ids=CSTO_IDS).rows
    zipped = tmp_path / "z" / "20220913150000.export.CSV.zip"
    zipped.parent.mkdir()
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(a, a.name)
    gz = tmp_path / "z" / "20220913150000.export.CSV.gz"
    gz.write_bytes(gzip.compress(a.read_bytes()))
    assert read_gdelt(con, zipped, actor_ids=CSTO_IDS).rows == plain
    result = read_gdelt(con, gz, actor_ids=CSTO_IDS)
    assert result.rows == plain and result.sources[0].rows == len(FILE_A)


def test_wrong_layout_lists_expected_and_found_columns(con, tmp_path):
    wrong = write(tmp_path / "ged.csv", ["id,relid,year,active_year", "1,A,1989,1"])
    with pytest.raises(UserError) as e:
        read_gdelt(con, wrong, actor_ids=CSTO_IDS)
    text = str(e.value)
    assert "expected 61 tab-separated columns" in text
    assert "GlobalEventID" in text and "SOURCEURL" in text and "ActionGeo_ADM2Code" in text
    assert "found 1 on the first line: id,relid,year,active_year" in text
    short = write(tmp_path / "short.tsv", ["\t".join(GDELT2_COLUMNS[:60])])
    with pytest.raises(UserError, match="found 60 on the first line: GlobalEventID, Day"):
        read_gdelt(con, short, actor_ids=CSTO_IDS)


def test_a_row_of_another_width_is_an_error_with_its_line(con, tmp_path):
    good = event(1, "20220913", "AZE", "ARM", 4, -10)
    bad = write(tmp_path / "bad.CSV", [good, good.rsplit("\t", 3)[0]])
    with pytest.raises(UserError, match="another number of fields") as e:
        read_gdelt(con, bad, actor_ids=CSTO_IDS)
    assert e.value.line == 2
    ok = write(tmp_path / "ok.CSV", [good])
    with pytest.raises(UserError, match="another number of fields") as e:
        read_gdelt(con, [ok, bad], actor_ids=CSTO_IDS)
    assert e.value.file.endswith("bad.CSV") and e.value.line == 2


def test_missing_and_empty_files(con, tmp_path):
    with pytest.raises(UserError, match="does not exist"):
        read_gdelt(con, tmp_path / "nope.CSV", actor_ids=CSTO_IDS)
    with pytest.raises(UserError, match="is empty"):
        read_gdelt(con, write(tmp_path / "empty.CSV", [""]), actor_ids=CSTO_IDS)
    (tmp_path / "sub").mkdir()
    with pytest.raises(UserError, match="holds no GDELT event files"):
        read_gdelt(con, tmp_path / "sub", actor_ids=CSTO_IDS)


def test_connection_settings_restored_and_progress_reaches_the_total(con, files):
    before = con.execute(
        "SELECT current_setting('temp_directory'), current_setting('preserve_insertion_order')"
    ).fetchone()
    seen: list[int] = []
    read_gdelt(con, list(files), actor_ids=CSTO_IDS, memory_limit="64MB", progress=seen.append)
    after = con.execute(
        "SELECT current_setting('temp_directory'), current_setting('preserve_insertion_order')"
    ).fetchone()
    assert before == after
    total = sum(f.stat().st_size for f in files)
    assert seen and seen[-1] == total and seen == sorted(seen)


def test_code_table_on_a_second_alliance_and_code_map(con, tmp_path):
    from phalanx.kb.package import load_package

    anzus = [a["id"] for a in load_package(TESTS / "data" / "kb" / "anzus").rows("actors")]
    table = code_table(anzus)
    assert table == {"AUS": "AUS", "NZL": "NZL", "USA": "USA"}  # ANZUS (organisation) is not
    path = write(
        tmp_path / "anzus.CSV",
        [
            event(1, "19850204", "USA", "NZL", 3, -2, 5),
            event(2, "19850205", "NZL", "USA", 3, -4, 1),
            event(3, "19850206", "AUL", "NZL", 1, 2, 1),  # a made-up code, mapped below
        ],
    )
    result = read_gdelt(con, path, actor_ids=anzus, code_map={"AUL": "AUS"})
    assert [(r["actor1"], r["actor2"], r["month"]) for r in result.rows] == [
        ("AUS", "NZL", "1985-02"),
        ("NZL", "USA", "1985-02"),
        ("USA", "NZL", "1985-02"),
    ]
    with pytest.raises(UserError, match="code map entry"):
        code_table(anzus, {"AUL": "ANZUS"})
    assert code_table()["RUS"] == "RUS"  # the embedded package's states


def test_importer_writes_a_package_that_layers_and_queries(files, tmp_path):
    from phalanx.ingest.importers import get_importer
    from phalanx.ingest.package_writer import write_package
    from phalanx.kb import KnowledgeBase

    folder = files[0].parent
    rows = get_importer("gdelt")(folder, actors=None, start=2022, end=2022, progress=None)
    indicators = rows.tables["indicators"]
    # 3 dyad-months x 7 aggregates, every one with a Goldstein score
    assert len(indicators) == 21
    assert {r["sources"][0] for r in indicators} == {"gdelt-2.0-events"}
    assert "2 files" in rows.sources[0]["note"]
    assert any("repeated GlobalEventIDs" in n for n in rows.notes)
    assert any("EUR (1)" in n for n in rows.notes)
    out = write_package(rows, tmp_path / "pkg", name="gdelt-test")
    kb = KnowledgeBase.from_path(out, on_top=True)
    got = kb.indicators(actor="AZE", indicator="gdelt_material_conflict_ARM")
    assert [(r["period"], r["value"], r["unit"]) for r in got] == [("2022-09", 2, "events")]
    got = kb.indicators(actor="ARM", indicator="gdelt_goldstein_AZE")
    assert got[0]["value"] == pytest.approx(-1.5)
    assert kb.members("CSTO", "2022-09-30")  # the embedded data are still there underneath


def test_private_connection_and_a_caller_connection_that_already_spilled(con, files, tmp_path):
    own = read_gdelt(None, list(files), actor_ids=CSTO_IDS)
    assert own.rows == read_gdelt(con, list(files), actor_ids=CSTO_IDS).rows
    spilled = tmp_path / "spill"
    con.execute(f"SET temp_directory = '{spilled}'")
    con.execute("SET memory_limit = '20MB'")
    con.execute("SET threads = 1")
    con.execute(
        "CREATE TEMP TABLE big AS SELECT range AS x FROM range(3000000) ORDER BY hash(range)"
    )
    # DuckDB now refuses to move this connection's spill folder; the reader keeps it
    with pytest.raises(duckdb.Error):
        con.execute("SET temp_directory = '/nonexistent'")
    limit = "SELECT current_setting('memory_limit'), current_setting('temp_directory')"
    before = con.execute(limit).fetchone()
    assert read_gdelt(con, list(files), actor_ids=CSTO_IDS, memory_limit="1GB").rows == own.rows
    assert con.execute(limit).fetchone() == before


def test_real_gdelt_files_when_present(validation_dir, tmp_path):
    """A real GDELT export (any ``*gdelt*`` or ``*.export.CSV*`` file in the shared
    datasets) imports, validates on top of the embedded data and accounts for every row."""
    from phalanx.ingest.importers import get_importer
    from phalanx.ingest.package_writer import write_package
    from phalanx.kb import KnowledgeBase

    folder = validation_dir / "datasets"
    found = sorted(
        p for p in folder.glob("*") if "gdelt" in p.name.lower() or ".export." in p.name.lower()
    )
    if not found:
        pytest.skip("no GDELT export file in the shared datasets")
    result = read_gdelt(None, found[0])
    assert result.events + result.duplicates + sum(result.dropped.values()) == result.rows_read
    assert result.rows_read == result.sources[0].rows
    rows = get_importer("gdelt")(found[0], actors=None, start=None, end=None, progress=None)
    out = write_package(rows, tmp_path / "real", name="gdelt-real")
    kb = KnowledgeBase.from_path(out, on_top=True)
    assert len(kb.indicators()) >= len(rows.tables["indicators"])


def test_cli_imports_a_folder_and_refuses_a_wrong_layout_in_one_line(files, tmp_path):
    from typer.testing import CliRunner

    import phalanx.cli as cli

    cli._register()
    runner = CliRunner()
    out = tmp_path / "pkg"
    args = ["import", "gdelt", str(files[0].parent), "--output", str(out), "--actors", "RUS"]
    done = runner.invoke(cli.app, [*args, "--json"], catch_exceptions=False)
    assert done.exit_code == 0, done.output
    summary = json.loads(done.stdout)
    assert summary["rows"] == {"sources": 1, "indicators": 7}  # ARM -> RUS, 2022-10
    assert "GDELT: 6 events dropped not involving the actors asked for." in summary["notes"]
    text = (out / "indicators.csv").read_text()
    assert "ARM,gdelt_verbal_coop_RUS,2022-10,1,events" in text
    wrong = write(tmp_path / "wrong.csv", ["a,b,c"])
    bad = runner.invoke(
        cli.app,
        ["import", "gdelt", str(wrong), "--output", str(tmp_path / "pkg2")],
        catch_exceptions=False,
    )
    assert bad.exit_code == 2
    lines = [line for line in bad.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "expected 61 tab-separated columns" in lines[0]


def test_import_for_another_package_maps_to_its_states(tmp_path):
    from phalanx.ingest.importing import import_to_package

    path = write(
        tmp_path / "anzus.CSV",
        [
            event(1, "19850204", "USA", "NZL", 3, -2, 5),
            event(2, "19850205", "NZL", "USA", 3, -4, 1),
            event(3, "19850206", "RUS", "USA", 3, -4, 1),  # RUS is no actor of ANZUS's package
        ],
    )
    anzus = TESTS / "data" / "kb" / "anzus"
    summary = import_to_package("gdelt", path, tmp_path / "pkg", data=anzus)
    assert summary["rows"]["indicators"] == 14  # two directed dyad-months x 7
    assert "GDELT: the most frequent unmapped country codes: RUS (1)." in summary["notes"]
