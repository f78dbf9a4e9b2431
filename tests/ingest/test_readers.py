"""The ingest readers on small files in the published layouts, with their quirks: -9
missing codes, empty fields, duplicated rows, quoted fields, empty trailing lines."""

from __future__ import annotations

import csv
import hashlib
import math
from pathlib import Path

import pytest

duckdb = pytest.importorskip("duckdb")

from phalanx.ingest.atop import read_atop  # noqa: E402
from phalanx.ingest.majors import read_majors  # noqa: E402
from phalanx.ingest.mid import read_mid  # noqa: E402
from phalanx.ingest.nmc import read_nmc  # noqa: E402
from phalanx.ingest.rivalries import read_rivalries  # noqa: E402
from phalanx.ingest.states import read_states  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / "data" / "ingest"


@pytest.fixture
def con():
    c = duckdb.connect()
    yield c
    c.close()


def csv_rows(path: Path) -> list[dict[str, str]]:
    """The file's data rows by Python's csv module (blank lines skipped): the reference."""
    with open(path, newline="") as fh:
        return [r for r in csv.DictReader(fh) if any(v.strip() for v in r.values())]


def test_atop_reads_every_row_keeps_duplicates_and_unquotes(con):
    path = DATA / "atop_mini.csv"
    loaded = read_atop(con, path)
    ref = csv_rows(path)
    assert loaded.source.rows == len(ref) == 65  # two empty trailing lines are not rows
    got = loaded.relation.order("ccode1, ccode2, year, atop_defense").fetchall()
    want = sorted(
        tuple(int(r[c]) for c in loaded.relation.columns) for r in ref
    )  # csv unquotes "2" etc.
    assert got == want
    assert con.execute(
        "SELECT count(*) FROM atop WHERE ccode1 = 2 AND ccode2 = 20 AND year = 1901"
    ).fetchone() == (2,)
    assert loaded.relation.columns == [
        "ccode1", "ccode2", "year", "atop_defense", "atop_offense", "atop_neutral",
        "atop_nonagg", "atop_consul",
    ]  # fmt: skip


def test_provenance_names_the_dataset_version_file_hash_and_rows(con):
    path = DATA / "atop_mini.csv"
    src = read_atop(con, path).source.as_dict()
    assert src == {
        "dataset": "ATOP directed dyad-year",
        "version": "5.1",
        "file": "atop_mini.csv",
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "rows": 65,
    }
    assert read_atop(con, path, table="other", version="5.0").source.version == "5.0"


def test_nmc_both_layouts_give_the_same_table_with_missing_as_null(con):
    ps = read_nmc(con, DATA / "nmc_mini.csv", table="ps")
    raw = read_nmc(con, DATA / "nmc_mini_raw.csv", table="raw")
    cols = "ccode, year, milex, milper, irst, pec, tpop, upop, cinc"
    a = con.execute(f"SELECT DISTINCT {cols} FROM ps ORDER BY ALL").fetchall()
    b = con.execute(f"SELECT DISTINCT {cols} FROM raw ORDER BY ALL").fetchall()
    assert a == b
    # the raw file's one -9 CINC (Canada 1902) and one -9 milex (Austria-Hungary 1900)
    assert con.execute("SELECT ccode, year FROM raw WHERE cinc IS NULL").fetchall() == [(20, 1902)]
    assert con.execute("SELECT ccode, year FROM raw WHERE milex IS NULL").fetchall() == [
        (300, 1900)
    ]
    assert raw.source.rows == 37 and ps.source.rows == 36  # the raw file repeats a row
    assert ps.source.version == "7.0" and raw.source.version == "2021"
    assert ps.source.dataset != raw.source.dataset
    assert con.execute("SELECT cinc FROM ps WHERE ccode = 255 AND year = 1902").fetchone() == (0.0,)
    assert con.execute("SELECT stateabb FROM raw WHERE ccode = 300 LIMIT 1").fetchone() == ("AUH",)


def test_mid_turns_minus_nine_into_null_in_every_numeric_column(con):
    loaded = read_mid(con, DATA / "mid_mini.csv")
    assert loaded.source.rows == 5
    row = con.execute(
        "SELECT fatality1, fatality2, fatalpre1, fatality, hostlev1, hostlev2, hostlev "
        "FROM mid WHERE dispnum = 13 AND year = 1902"
    ).fetchone()
    assert row == (None, None, None, None, 5, 4, 5)
    assert con.execute("SELECT count(*) FROM mid WHERE fatalpre1 IS NULL").fetchone() == (3,)
    assert "cowmidonset" in loaded.relation.columns and "stmon" in loaded.relation.columns


def test_mid_with_only_the_required_columns_reads_the_others_as_null(con, tmp_path):
    path = tmp_path / "mid.csv"
    path.write_text("dispnum,ccode1,ccode2,year,hostlev1,hostlev2,hostlev\n1,2,20,1990,4,1,4\n")
    loaded = read_mid(con, path)
    assert con.execute("SELECT hostlev1, fatality, sidea1 FROM mid").fetchall() == [(4, None, None)]
    assert len(loaded.relation.columns) == 24


def test_rivalries_keep_quoted_names_with_commas(con):
    loaded = read_rivalries(con, DATA / "rivalries_mini.csv")
    assert loaded.source.rows == 4 and loaded.source.version == "2012"
    assert con.execute(
        "SELECT rivalryname, type2, type3 FROM rivalries WHERE rivalryno = 2"
    ).fetchone() == (
        "Canada, Dominion-Russia",
        "ideological",
        None,
    )


def test_states_and_majors_several_spells_per_state_and_version_from_the_file(con):
    states = read_states(con, DATA / "states_mini.csv")
    majors = read_majors(con, DATA / "majors_mini.csv")
    assert con.execute(
        "SELECT styear, endyear FROM states WHERE ccode = 255 ORDER BY 1"
    ).fetchall() == [
        (1816, 1905),
        (1908, 1908),
    ]
    assert con.execute("SELECT statenme FROM states WHERE ccode = 300").fetchone() == (
        "Austria-Hungary, Dual Monarchy",
    )
    assert states.source.version == majors.source.version == "1908"
    assert con.execute("SELECT count(*) FROM majors WHERE ccode = 365").fetchone() == (2,)


def test_reading_again_replaces_the_table(con):
    read_states(con, DATA / "states_mini.csv")
    read_states(con, DATA / "states_mini.csv")
    assert con.execute("SELECT count(*) FROM states").fetchone() == (8,)


def test_crlf_line_ends_and_a_byte_order_mark(con, tmp_path):
    path = tmp_path / "majors.csv"
    path.write_bytes(
        b"\xef\xbb\xbfccode,styear,stmonth,stday,endyear,endmonth,endday\r\n"
        b"2,1898,8,13,2016,12,31\r\n"
    )
    read_majors(con, path)
    assert con.execute("SELECT ccode, styear, version FROM majors").fetchall() == [(2, 1898, None)]


@pytest.mark.parametrize(
    "reader, name, rows",
    [
        (read_atop, "atop_v5_1_ddyr_full_peacesciencer.csv", 273_296),
        (read_nmc, "cow_nmc_v7_0_peacesciencer.csv", 17_121),
        (read_nmc, "cow_nmc_v6_0_abridged_raw.csv", 15_951),
        (read_mid, "cow_mid_v5_ddydisps_peacesciencer.csv", 10_234),
        (read_rivalries, "td_rivalries_peacesciencer.csv", 197),
        (read_majors, "cow_majors2016_peacesciencer.csv", 14),
        (read_states, "cow_states2016_peacesciencer.csv", 243),
    ],
)
def test_real_files_read_whole(con, validation_dir, reader, name, rows):
    """Row counts from PROVENANCE.md, checked against Python's csv module (the NMC v6 file
    has 15,951 data rows; PROVENANCE.md says 15,950: its line count without the header,
    the last line having no newline)."""
    path = validation_dir / "datasets" / name
    loaded = reader(con, path, table="t")
    with open(path, "rb") as fh:  # no field of these files holds a line break
        lines = sum(1 for line in fh if line.strip()) - 1
    assert loaded.source.rows == rows == lines


def test_real_nmc_layouts_agree_and_minus_nine_is_null(con, validation_dir):
    folder = validation_dir / "datasets"
    read_nmc(con, folder / "cow_nmc_v6_0_abridged_raw.csv", table="v6")
    read_nmc(con, folder / "cow_nmc_v7_0_peacesciencer.csv", table="v7")
    # USA 1816, first row of both files: cinc 0.039697491, milex 3823
    for t in ("v6", "v7"):
        cinc, milex = con.execute(
            f"SELECT cinc, milex FROM {t} WHERE ccode = 2 AND year = 1816"
        ).fetchone()
        assert math.isclose(cinc, 0.039697491) and milex == 3823
    minus_nine = sum(r["milex"] == "-9" for r in csv_rows(folder / "cow_nmc_v6_0_abridged_raw.csv"))
    assert con.execute("SELECT count(*) FROM v6 WHERE milex IS NULL").fetchone() == (minus_nine,)
    assert minus_nine > 0
    assert con.execute("SELECT min(milex) FROM v6").fetchone()[0] >= 0
