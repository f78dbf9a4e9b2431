"""Bad input to the readers is a UserError that says where and what was expected."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

duckdb = pytest.importorskip("duckdb")

from phalanx.errors import UserError  # noqa: E402
from phalanx.ingest.atop import read_atop  # noqa: E402
from phalanx.ingest.mid import read_mid  # noqa: E402
from phalanx.ingest.nmc import read_nmc  # noqa: E402
from phalanx.ingest.rivalries import read_rivalries  # noqa: E402
from phalanx.ingest.states import read_states  # noqa: E402

ATOP_HEADER = "ccode1,ccode2,year,atop_defense,atop_offense,atop_neutral,atop_nonagg,atop_consul\n"


@pytest.fixture
def con():
    c = duckdb.connect()
    yield c
    c.close()


def write(tmp_path: Path, text: str, name: str = "f.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_a_missing_file(con, tmp_path):
    with pytest.raises(UserError, match="ATOP directed dyad-year file does not exist") as e:
        read_atop(con, tmp_path / "nope.csv")
    assert e.value.file.endswith("nope.csv")


def test_a_folder_is_not_a_file(con, tmp_path):
    with pytest.raises(UserError, match="not a regular file"):
        read_states(con, tmp_path)


def test_an_empty_file_and_a_header_without_rows(con, tmp_path):
    with pytest.raises(UserError, match="is empty; expected a header line"):
        read_atop(con, write(tmp_path, ""))
    with pytest.raises(UserError, match="is empty"):
        read_atop(con, write(tmp_path, "\n\n  \n"))
    with pytest.raises(UserError, match="has a header but no data rows"):
        read_atop(con, write(tmp_path, ATOP_HEADER + "\n"))


def test_a_wrong_layout_names_the_expected_and_the_found_columns(con, tmp_path):
    path = write(tmp_path, "ccode,year,atop_defense\n2,1990,1\n", "atop.csv")
    with pytest.raises(UserError) as e:
        read_atop(con, path)
    msg = str(e.value)
    assert "atop.csv: is not in the ATOP directed dyad-year layout: expected" in msg
    assert (
        "expected the columns ccode1, ccode2, year, atop_defense, atop_offense, "
        "atop_neutral, atop_nonagg, atop_consul" in msg
    )
    assert "found ccode, year, atop_defense" in msg
    assert "missing: ccode1, ccode2, atop_offense" in msg


def test_the_wrong_dataset_for_a_reader(con, tmp_path):
    """A MID file given where the rivalries belong: the message lists both sets."""
    mid = write(
        tmp_path, "dispnum,ccode1,ccode2,year,hostlev1,hostlev2,hostlev\n1,2,20,1990,4,1,4\n"
    )
    with pytest.raises(
        UserError, match="is not in the Thompson-Dreyer strategic rivalries layout"
    ) as e:
        read_rivalries(con, mid)
    assert "found dispnum, ccode1, ccode2, year, hostlev1, hostlev2, hostlev" in str(e.value)
    assert "missing: rivalryno, styear, endyear" in str(e.value)


def test_nmc_in_neither_layout_lists_both(con, tmp_path):
    path = write(tmp_path, "ccode,year,cinc\n2,1990,0.1\n")
    with pytest.raises(UserError) as e:
        read_nmc(con, path)
    msg = str(e.value)
    assert "(peacesciencer) or stateabb, ccode, year" in msg and "found ccode, year, cinc" in msg


def test_a_non_numeric_value_names_the_line_and_the_column(con, tmp_path):
    path = write(tmp_path, ATOP_HEADER + "2,20,1990,1,0,0,0,0\n2,20,199O,1,0,0,0,0\n", "a.csv")
    with pytest.raises(UserError) as e:
        read_atop(con, path)
    assert (e.value.line, e.value.field) == (3, "year")
    assert "'199O' is not a whole number" in str(e.value)
    assert "a.csv:3: field 'year': " in str(e.value)


def test_a_text_cinc_names_its_column(con, tmp_path):
    path = write(
        tmp_path, "ccode,year,milex,milper,irst,pec,tpop,upop,cinc\n2,1816,1,1,1,1,1,1,high\n"
    )
    with pytest.raises(UserError, match="'high' is not a number") as e:
        read_nmc(con, path)
    assert (e.value.field, e.value.line) == ("cinc", 2)


def test_a_row_with_too_many_fields(con, tmp_path):
    path = write(tmp_path, ATOP_HEADER + "2,20,1990,1,0,0,0,0\n2,20,1991,1,0,0,0,0,7\n")
    with pytest.raises(UserError, match="has 9 fields; expected 8") as e:
        read_atop(con, path)
    assert e.value.line == 3


def test_a_flag_outside_its_codes_and_a_key_without_value(con, tmp_path):
    path = write(tmp_path, ATOP_HEADER + "2,20,1990,1,0,0,0,0\n2,20,1991,2,0,0,0,0\n")
    with pytest.raises(UserError, match="data row 2 holds 2; expected 0 or 1") as e:
        read_atop(con, path)
    assert e.value.field == "atop_defense"
    path = write(tmp_path, ATOP_HEADER + "2,20,1990,1,0,0,0,0\n2,,1991,1,0,0,0,0\n")
    with pytest.raises(UserError, match="data row 2 has no value") as e:
        read_atop(con, path)
    assert e.value.field == "ccode2"


def test_a_hostility_level_out_of_range(con, tmp_path):
    path = write(
        tmp_path, "dispnum,ccode1,ccode2,year,hostlev1,hostlev2,hostlev\n1,2,20,1990,4,7,4\n"
    )
    with pytest.raises(UserError, match="holds 7; expected a hostility level from 1 to 5"):
        read_mid(con, path)


def test_a_cinc_above_one_and_a_spell_ending_before_it_starts(con, tmp_path):
    path = write(
        tmp_path, "ccode,year,milex,milper,irst,pec,tpop,upop,cinc\n2,1816,1,1,1,1,1,1,1.5\n"
    )
    with pytest.raises(UserError, match="expected a CINC score between 0 and 1"):
        read_nmc(con, path)
    states = write(
        tmp_path,
        "ccode,styear,stmonth,stday,endyear,endmonth,endday\n2,1816,1,1,1815,1,1\n",
    )
    with pytest.raises(UserError, match="expected an end year no earlier than the start year"):
        read_states(con, states)


def test_a_header_naming_a_column_twice(con, tmp_path):
    path = write(tmp_path, ATOP_HEADER.strip() + ",year\n2,20,1990,1,0,0,0,0,1990\n")
    with pytest.raises(UserError, match="names the column 'year' more than once"):
        read_atop(con, path)


def test_a_header_that_is_not_utf8(con, tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes(b"ccode,ann\xe9e\n2,1990\n")
    with pytest.raises(UserError, match="not UTF-8"):
        read_states(con, path)


def test_an_odd_column_name_in_the_header_is_harmless(con, tmp_path):
    """Extra columns are read as text and dropped, whatever their names (quotes included)."""
    path = write(tmp_path, ATOP_HEADER.strip() + ',"we\'ird ""name"""\n2,20,1990,1,0,0,0,0,x\n')
    loaded = read_atop(con, path)
    assert loaded.source.rows == 1 and "we'ird" not in " ".join(loaded.relation.columns)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_file(con, tmp_path):
    path = write(tmp_path, ATOP_HEADER + "2,20,1990,1,0,0,0,0\n")
    path.chmod(0)
    try:
        with pytest.raises(UserError, match="cannot be read"):
            read_atop(con, path)
    finally:
        path.chmod(0o644)


def test_a_file_over_the_limit(con, tmp_path):
    from phalanx.ingest.atop import ATOP_LAYOUT
    from phalanx.ingest.common import read_table

    path = write(tmp_path, ATOP_HEADER + "2,20,1990,1,0,0,0,0\n")
    with pytest.raises(UserError, match="files over 10 bytes are refused"):
        read_table(con, path, ATOP_LAYOUT, table="t", limit=10)
