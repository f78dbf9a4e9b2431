"""The defence-pact dyad-year table on a hand-built mini data set, every row worked out by
hand (see tests/data/ingest/README.md for the story of each dyad)."""

from __future__ import annotations

import hashlib
import math
import subprocess
import sys
from pathlib import Path

import pytest

pd = pytest.importorskip("pandas")

from phalanx.errors import UserError  # noqa: E402
from phalanx.evidence.dyads import COLUMNS, build_dyad_years  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / "data" / "ingest"
FILES = {
    "nmc": DATA / "nmc_mini.csv",
    "mid": DATA / "mid_mini.csv",
    "rivalries": DATA / "rivalries_mini.csv",
    "majors": DATA / "majors_mini.csv",
}

# Worked out by hand from the fixture files. Columns: a b year spell start last | ends
# state_death censored | cinc_a cinc_b cap_ratio power_shift | dispute common_rival
# stronger_at_war weaker_new_major_pact | stronger.  "-" is NaN; "lnX" is log(X).
EXPECTED = """
2   20  1900 0  1900 0 | 0 0 0 | .4 .1 .25 0      | 0 0 0 0 | 2
2   20  1901 0  1900 0 | 0 0 0 | .4 .2 .5  ln2    | 1 0 1 0 | 2
2   20  1902 0  1900 0 | 0 0 0 | .4 -  -   -      | 0 1 0 0 | 2
2   20  1903 0  1900 1 | 1 0 0 | .5 .1 .2  ln1.25 | 0 1 1 0 | 2
2   200 1902 1  1902 0 | 0 0 0 | .4 .3 .75 0      | 0 0 1 0 | 2
2   200 1903 1  1902 1 | 1 0 0 | .5 .3 .6  ln1.25 | 0 0 1 0 | 2
2   300 1900 2  1900 0 | 0 0 0 | .4 .2 .5  0      | 0 0 0 0 | 2
2   300 1901 2  1900 0 | 0 0 0 | .4 .2 .5  0      | 1 0 0 0 | 2
2   300 1902 2  1900 1 | 1 0 0 | .4 .2 .5  0      | 0 0 1 0 | 2
2   300 1904 3  1904 0 | 0 0 0 | .4 .2 .5  0      | 0 0 0 0 | 2
2   300 1905 3  1904 0 | 0 0 0 | .4 .2 .5  0      | 0 0 0 1 | 2
2   300 1906 3  1904 0 | 0 0 0 | .4 .2 .5  0      | 0 1 0 1 | 2
2   300 1907 3  1904 0 | 0 0 0 | .4 .2 .5  0      | 0 1 0 1 | 2
2   300 1908 3  1904 0 | 0 0 0 | .4 .2 .5  0      | 0 1 0 0 | 2
2   300 1909 3  1904 0 | 0 0 0 | .4 .2 .5  0      | 0 1 0 0 | 2
2   300 1910 3  1904 1 | 0 0 1 | .4 .2 .5  0      | 0 1 0 0 | 2
20  200 1902 4  1902 0 | 0 0 0 | -  .3 -   -      | 0 0 0 0 | 20
20  200 1903 4  1902 1 | 1 0 0 | .1 .3 1/3 0      | 0 0 0 0 | 200
20  365 1901 5  1901 1 | 1 0 0 | .2 -  -   -      | 0 0 0 0 | 20
200 255 1902 6  1902 0 | 0 0 0 | .3 0  0   -      | 0 0 0 0 | 200
200 255 1903 6  1902 0 | 0 0 0 | .3 .1 1/3 0      | 0 0 0 1 | 200
200 255 1904 6  1902 0 | 0 0 0 | .3 .3 1   ln3    | 0 0 0 0 | 200
200 255 1905 6  1902 1 | 0 1 0 | .5 .4 .8  ln2.4  | 0 0 0 1 | 200
200 300 1900 7  1900 0 | 0 0 0 | .3 .2 2/3 0      | 0 0 1 0 | 200
200 300 1901 7  1900 1 | 1 0 0 | .3 .2 2/3 0      | 0 0 0 0 | 200
255 365 1903 8  1903 0 | 0 0 0 | .1 -  -   -      | 0 1 0 0 | 255
255 365 1904 8  1903 1 | 1 0 0 | .3 -  -   -      | 0 0 0 0 | 255
265 365 1906 9  1906 0 | 0 0 0 | -  -  -   -      | 0 0 0 0 | 265
265 365 1907 9  1906 0 | 0 0 0 | -  -  -   -      | 0 0 0 0 | 265
265 365 1908 9  1906 1 | 1 0 0 | -  -  -   -      | 0 0 0 0 | 265
300 365 1905 10 1905 1 | 1 0 0 | .2 -  -   -      | 0 0 0 0 | 300
"""

NAMES = (
    "a b year spell start last ends state_death censored cinc_a cinc_b cap_ratio power_shift "
    "dispute common_rival stronger_at_war weaker_new_major_pact stronger"
).split()
FLOATS = {"cinc_a", "cinc_b", "cap_ratio", "power_shift"}


def _number(text: str) -> float:
    if text == "-":
        return math.nan
    if text.startswith("ln"):
        return math.log(float(text[2:]))
    if "/" in text:
        num, den = text.split("/")
        return float(num) / float(den)
    return float(text)


def expected_rows() -> list[dict]:
    rows = []
    for line in EXPECTED.strip().splitlines():
        values = line.replace("|", " ").split()
        row = {}
        for name, text in zip(NAMES, values, strict=True):
            row[name] = _number(text) if name in FLOATS else int(text)
        row["last"] = bool(row["last"])
        row["age"] = row["year"] - row["start"]
        rows.append(row)
    return rows


@pytest.fixture(scope="module")
def table():
    return build_dyad_years(DATA / "atop_mini.csv", DATA / "states_mini.csv", **FILES)


def same(x, y) -> bool:
    if isinstance(x, float) and math.isnan(x):
        return isinstance(y, float) and math.isnan(y)
    return math.isclose(x, y, abs_tol=1e-12) if isinstance(x, float) else x == y


def test_columns_and_dtypes_follow_the_contract(table):
    assert list(table.columns) == list(COLUMNS)
    assert {c: str(t) for c, t in table.dtypes.items()} == COLUMNS
    assert (
        list(table.columns)
        == (
            "a b year spell start age last ends state_death censored cinc_a cinc_b cap_ratio "
            "power_shift dispute common_rival stronger_at_war weaker_new_major_pact stronger"
        ).split()
    )


def test_every_row_as_worked_out_by_hand(table):
    want = expected_rows()
    assert len(table) == len(want) == 31
    for got, exp in zip(table.to_dict("records"), want, strict=True):
        for name, value in exp.items():
            assert same(float(got[name]) if name in FLOATS else got[name], value), (
                f"{exp['a']}-{exp['b']} {exp['year']} {name}: got {got[name]}, expected {value}"
            )


def test_the_stories_of_the_fixture(table):
    """The cases the brief names, one assertion each (the rows above hold them too)."""
    spells = table.groupby("spell").agg(
        a=("a", "first"), b=("b", "first"), start=("start", "first")
    )
    t = table.set_index(["a", "b", "year"])
    # a pact that ends: US-Canada lapses after 1903, both states living on
    assert t.loc[(2, 20, 1903), "ends"] == 1
    # a state that dies: Germany leaves the system in 1905, its pact with Britain is no termination
    assert t.loc[(200, 255, 1905), ["ends", "state_death"]].tolist() == [0, 1]
    # a pact that resumes after a gap (1903 holds only a non-aggression pledge): two spells
    assert spells[(spells.a == 2) & (spells.b == 300)].start.tolist() == [1900, 1904]
    assert t.loc[(2, 300, 1902), "ends"] == 1 and (2, 300, 1903) not in t.index
    # censored at the final year
    assert t.loc[(2, 300, 1910), "censored"] == 1 and table.attrs["final_year"] == 1910
    # both directions collapse to one row; a one-way pledge (365 to 265, then 265 to 365)
    assert not table.duplicated(["a", "b", "year"]).any()
    assert (table.a < table.b).all()
    assert t.loc[(265, 365)].index.tolist() == [1906, 1907, 1908]
    # the states file ends in 1908, as states2016 ends before ATOP's 2018: spells running
    # in its last year are ongoing, so the 1908 end of 265-365 is a termination
    assert t.loc[(265, 365, 1908), "ends"] == 1
    # neutrality or non-aggression alone is no defence pact
    assert not ((table.a == 20) & (table.b == 265)).any()


def test_each_spell_last_year_is_exactly_one_of_end_death_censored(table):
    outcome = table.ends + table.state_death + table.censored
    assert (outcome[table["last"]] == 1).all() and (outcome[~table["last"]] == 0).all()
    assert table.groupby("spell")["last"].sum().eq(1).all()
    assert (table.ends.sum(), table.state_death.sum(), table.censored.sum()) == (9, 1, 1)


def test_attrs_give_years_sources_and_the_covariates(table):
    a = table.attrs
    assert (a["final_year"], a["first_year"]) == (1910, 1900)
    assert a["covariates_available"] == [
        "age", "cap_ratio", "power_shift", "dispute", "common_rival", "stronger_at_war",
        "weaker_new_major_pact",
    ]  # fmt: skip
    files = ["atop_mini.csv", "states_mini.csv"] + [p.name for p in FILES.values()]
    assert [s["file"] for s in a["sources"]] == files
    for s in a["sources"]:
        assert s["sha256"] == hashlib.sha256((DATA / s["file"]).read_bytes()).hexdigest()
        assert set(s) == {"dataset", "version", "file", "sha256", "rows"}
    assert [s["rows"] for s in a["sources"]] == [65, 8, 36, 5, 4, 3]
    assert a["coverage"] == {
        "atop": [1900, 1910], "states": [1816, 1908], "nmc": [1900, 1910],
        "mid": [1900, 1903], "rivalries": [1890, 1908], "majors": [1816, 1908],
    }  # fmt: skip


def test_without_covariate_files_the_outcomes_stay_and_the_covariates_are_off(table):
    bare = build_dyad_years(DATA / "atop_mini.csv", DATA / "states_mini.csv")
    keep = ["a", "b", "year", "spell", "start", "age", "last", "ends", "state_death", "censored"]
    pd.testing.assert_frame_equal(bare[keep], table[keep])
    assert bare[["cinc_a", "cinc_b", "cap_ratio", "power_shift"]].isna().all().all()
    flags = ["dispute", "common_rival", "stronger_at_war", "weaker_new_major_pact"]
    assert (bare[flags] == 0).all().all() and (bare.stronger == bare.a).all()
    assert bare.attrs["covariates_available"] == ["age"]
    assert [s["file"] for s in bare.attrs["sources"]] == ["atop_mini.csv", "states_mini.csv"]
    assert {c: str(t) for c, t in bare.dtypes.items()} == COLUMNS


def test_a_covariate_needs_all_its_files():
    only_mid = build_dyad_years(DATA / "atop_mini.csv", DATA / "states_mini.csv", mid=FILES["mid"])
    assert only_mid.attrs["covariates_available"] == ["age", "dispute"]
    assert only_mid.dispute.sum() == 2 and only_mid.stronger_at_war.sum() == 0


def test_the_raw_nmc_layout_gives_the_same_table(table):
    raw = build_dyad_years(
        DATA / "atop_mini.csv",
        DATA / "states_mini.csv",
        **{**FILES, "nmc": DATA / "nmc_mini_raw.csv"},
    )
    pd.testing.assert_frame_equal(raw, table)
    assert raw.attrs["sources"][2]["dataset"] == "COW NMC abridged"


def test_a_states_file_without_an_atop_state(tmp_path):
    states = tmp_path / "states.csv"
    lines = (DATA / "states_mini.csv").read_text().splitlines()
    states.write_text("\n".join(line for line in lines if ",365," not in line) + "\n")
    with pytest.raises(UserError, match=r"no state-system spell for the state\(s\) 365"):
        build_dyad_years(DATA / "atop_mini.csv", states)


def test_two_cincs_for_one_state_year(tmp_path):
    nmc = tmp_path / "nmc.csv"
    nmc.write_text((DATA / "nmc_mini.csv").read_text() + "2,1900,1,1,1,1,1,1,0.9\n")
    with pytest.raises(UserError, match="two different CINC scores for state 2 in 1900"):
        build_dyad_years(DATA / "atop_mini.csv", DATA / "states_mini.csv", nmc=nmc)


def test_an_atop_file_without_defence_pledges(tmp_path):
    atop = tmp_path / "atop.csv"
    atop.write_text(
        "ccode1,ccode2,year,atop_defense,atop_offense,atop_neutral,atop_nonagg,atop_consul\n"
        "2,20,1900,0,0,0,1,0\n"
    )
    with pytest.raises(UserError, match="no dyad-year with atop_defense = 1"):
        build_dyad_years(atop, DATA / "states_mini.csv")


def test_a_reader_error_reaches_the_caller_naming_the_file():
    with pytest.raises(UserError, match="mid_mini.csv: is not in the Thompson-Dreyer"):
        build_dyad_years(DATA / "atop_mini.csv", DATA / "states_mini.csv", rivalries=FILES["mid"])


def test_importing_the_modules_imports_neither_duckdb_nor_pandas():
    probe = (
        "import sys, phalanx.evidence, phalanx.evidence.dyads, phalanx.ingest.atop, "
        "phalanx.ingest.nmc, phalanx.ingest.mid, phalanx.ingest.rivalries, "
        "phalanx.ingest.majors, phalanx.ingest.states\n"
        "print(sorted(m for m in ('duckdb', 'pandas', 'pyarrow') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
