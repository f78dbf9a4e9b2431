"""The defence-pact dyad-year table: every pair of states linked by an ATOP defence pledge,
by year, with the end of each unbroken spell told apart from the death of a state.

This is the sample of the discrete-time hazard model of pact termination (issue 10):
one row per undirected dyad-year, the outcome ``ends``, and the covariates of
:mod:`phalanx.evidence.covariates`. It is built in DuckDB from the files the ``ingest``
readers load, and returned as a pandas DataFrame (pandas is imported here, lazily).

How the rows are made
---------------------
1. **Undirect.** A dyad-year is in the table when ATOP's directed file has
   ``atop_defense == 1`` in either direction (a one-way guarantee, such as the United
   States' to Japan from 1951, links the pair as much as a mutual pledge); the pair is
   written ``a < b``. Duplicated rows and the two directions collapse to one row.
2. **Spells** (gaps and islands): the consecutive years of a dyad form a spell; a gap of
   one year or more starts a new one. ``spell`` numbers them 0..S-1 in (a, b, start)
   order, ``age`` is ``year - start``.
3. **Endings.** In a spell's last year, when that year is before the ATOP file's final
   year: ``ends = 1`` if both states are in the COW state system in ``year + 1`` (the
   pledge lapsed between two living states: a termination), else ``state_death = 1`` (a
   partner ceased to exist or was occupied: not a termination). In the final year itself
   the spell is ``censored``. Exactly one of the three is 1 in a spell's last year, none
   in the others. State-system spells running when the states file was made are read as
   ongoing (``states2016`` closes them on 31 December 2016, before ATOP's 2018).

Note on counts: PROVENANCE.md's figures for the full ATOP 5.1 file (69,063 dyad-years,
3,004 spells, 1,297 ending before 2018) count one direction of the directed file (the
rows with ``ccode1 < ccode2``); with pledges in either direction the table has 69,127
dyad-years in 3,011 spells, 1,304 of them ending before 2018.

Cost: O(ATOP rows) to read and undirect, O(dyad-years log) for the windows: about 0.4 s
wall and 150 MB of peak memory over the imports on the full ATOP 5.1 file with all
covariate files, on two cores (``benchmarks/bench_evidence.py`` measures it).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from phalanx.errors import UserError
from phalanx.evidence import covariates as cov
from phalanx.ingest.atop import read_atop
from phalanx.ingest.common import shown_path, year_spells_sql
from phalanx.ingest.majors import read_majors
from phalanx.ingest.mid import read_mid
from phalanx.ingest.nmc import read_nmc
from phalanx.ingest.rivalries import read_rivalries
from phalanx.ingest.states import read_states

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["COLUMNS", "COVARIATES", "build_dyad_years"]

COLUMNS = {
    "a": "int64",
    "b": "int64",
    "year": "int64",
    "spell": "int64",
    "start": "int64",
    "age": "int64",
    "last": "bool",
    "ends": "int8",
    "state_death": "int8",
    "censored": "int8",
    "cinc_a": "float64",
    "cinc_b": "float64",
    "cap_ratio": "float64",
    "power_shift": "float64",
    "dispute": "int8",
    "common_rival": "int8",
    "stronger_at_war": "int8",
    "weaker_new_major_pact": "int8",
    "stronger": "int64",
}
"""The table's columns and their pandas dtypes, in order (contracts.md section 1)."""

COVARIATES = {
    "age": (),
    "cap_ratio": ("nmc",),
    "power_shift": ("nmc",),
    "dispute": ("mid",),
    "common_rival": ("rivalries",),
    "stronger_at_war": ("nmc", "mid"),
    "weaker_new_major_pact": ("nmc", "majors"),
}
"""Each covariate and the files (besides ATOP and states) it is computed from."""

_READERS = {
    "nmc": read_nmc,
    "mid": read_mid,
    "rivalries": read_rivalries,
    "majors": read_majors,
}

_SPELLS = """
CREATE OR REPLACE TEMP TABLE _pact AS
SELECT least(ccode1, ccode2) AS a, greatest(ccode1, ccode2) AS b, year
FROM atop WHERE atop_defense = 1 AND ccode1 <> ccode2 GROUP BY ALL;
CREATE OR REPLACE TEMP TABLE _spell AS
WITH g AS (
    SELECT a, b, year, year - row_number() OVER (PARTITION BY a, b ORDER BY year) AS grp
    FROM _pact
), s AS (
    SELECT a, b, year, min(year) OVER w AS start, max(year) OVER w AS stop
    FROM g WINDOW w AS (PARTITION BY a, b, grp)
)
SELECT dense_rank() OVER (ORDER BY a, b, start) - 1 AS spell, a, b, year, start,
       year - start AS age, year = stop AS last
FROM s;
"""

_ENDINGS = """
CREATE OR REPLACE TEMP TABLE _sys AS {spells};
CREATE OR REPLACE TEMP TABLE _end AS
SELECT spell, year,
       EXISTS (SELECT 1 FROM _sys x WHERE x.ccode = s.a AND s.year + 1 BETWEEN x.first AND x.last)
       AND EXISTS (SELECT 1 FROM _sys x WHERE x.ccode = s.b
                   AND s.year + 1 BETWEEN x.first AND x.last) AS alive
FROM _spell s WHERE last;
"""

_TABLE = """
SELECT s.a, s.b, s.year, s.spell, s.start, s.age, s.last,
       (s.last AND s.year < {final} AND e.alive)::TINYINT AS ends,
       (s.last AND s.year < {final} AND NOT e.alive)::TINYINT AS state_death,
       (s.last AND s.year = {final})::TINYINT AS censored,
       c.cinc_a, c.cinc_b, c.cap_ratio, c.power_shift,
       (d.a IS NOT NULL)::TINYINT AS dispute,
       (r.a IS NOT NULL)::TINYINT AS common_rival,
       (w.spell IS NOT NULL)::TINYINT AS stronger_at_war,
       (n.spell IS NOT NULL)::TINYINT AS weaker_new_major_pact,
       c.stronger
FROM _spell s
JOIN _cap c ON c.spell = s.spell AND c.year = s.year
LEFT JOIN _end e ON e.spell = s.spell AND e.year = s.year
LEFT JOIN _dispute d ON d.a = s.a AND d.b = s.b AND d.year = s.year
LEFT JOIN _rival r ON r.a = s.a AND r.b = s.b AND r.year = s.year
LEFT JOIN _atwar w ON w.spell = s.spell AND w.year = s.year
LEFT JOIN _newmajor n ON n.spell = s.spell AND n.year = s.year
ORDER BY s.a, s.b, s.year
"""


def _years(con, table: str) -> list[int] | None:
    lo, hi = con.execute(f"SELECT min(year), max(year) FROM {table}").fetchone()
    return None if lo is None else [int(lo), int(hi)]


def _span(con, table: str) -> list[int]:
    """The first and last year a loaded file covers (its spells' for the spell layouts)."""
    if table in ("states", "rivalries", "majors"):
        lo, hi = con.execute(f"SELECT min(styear), max(endyear) FROM {table}").fetchone()
        return [int(lo), int(hi)]
    return _years(con, table)


def _check_states_cover(con, states_file: str, atop_file: str) -> None:
    missing = [
        int(c)
        for (c,) in con.execute(
            "SELECT DISTINCT c FROM (SELECT a AS c FROM _pact UNION SELECT b FROM _pact) "
            "WHERE c NOT IN (SELECT ccode FROM states) ORDER BY c LIMIT 6"
        ).fetchall()
    ]
    if missing:
        shown = ", ".join(map(str, missing[:5])) + (", ..." if len(missing) > 5 else "")
        raise UserError(
            f"has no state-system spell for the state(s) {shown} that {atop_file} links by a "
            "defence pledge; expected the COW state system file covering every ATOP state",
            file=states_file,
        )


def build_dyad_years(
    atop: str | Path,
    states: str | Path,
    *,
    nmc: str | Path | None = None,
    mid: str | Path | None = None,
    rivalries: str | Path | None = None,
    majors: str | Path | None = None,
) -> pd.DataFrame:
    """The defence-pact dyad-year table, one row per undirected pair and year.

    Parameters
    ----------
    atop : path
        ATOP 5.x directed dyad-years (:func:`phalanx.ingest.atop.read_atop`).
    states : path
        COW state system (:func:`phalanx.ingest.states.read_states`): tells a pact that
        ends from a state that dies.
    nmc, mid, rivalries, majors : path, optional
        COW NMC (either layout), COW MID 5 dyad-years, Thompson-Dreyer rivalries and COW
        major powers. A covariate whose file is not given is NaN (capability) or 0 (the
        flags) and is left out of ``attrs["covariates_available"]``.

    Returns
    -------
    pandas.DataFrame
        The columns of :data:`COLUMNS` with those dtypes, sorted by (a, b, year).
        ``attrs``: ``final_year`` (the ATOP file's last year), ``first_year`` (its first:
        spells starting then are left-censored), ``sources`` (one dict per file read:
        dataset, version, file, sha256, rows), ``covariates_available`` (the names of
        :data:`COVARIATES` whose files were given) and ``coverage`` (the first and last
        year of each file, by argument name: a flag is 0 outside its file's years).

    Raises
    ------
    UserError
        Any reader's error (missing file, wrong layout, bad value: with file, line and
        column); an ATOP file with no defence pledge; a states file that lacks a state the
        ATOP file links; an NMC file with two CINCs for one state-year.

    Cost: O(n log n) in the ATOP rows, in DuckDB (one in-memory connection, closed on
    return); about 0.4 s on the full ATOP 5.1 file.
    """
    import duckdb

    con = duckdb.connect()
    try:
        loaded = {"atop": read_atop(con, atop), "states": read_states(con, states)}
        given = {"nmc": nmc, "mid": mid, "rivalries": rivalries, "majors": majors}
        for name, path in given.items():
            if path is None:
                con.execute(f"CREATE OR REPLACE TEMP TABLE {name} ({cov.EMPTY_TABLES[name]})")
            else:
                loaded[name] = _READERS[name](con, path, table=name)
        first_year, final_year = _years(con, "atop")
        con.execute(_SPELLS)
        if con.execute("SELECT count(*) FROM _pact").fetchone()[0] == 0:
            raise UserError(
                "has no dyad-year with atop_defense = 1; expected an ATOP file with defence "
                "pledges",
                file=shown_path(atop),
            )
        _check_states_cover(con, shown_path(states), loaded["atop"].source.file)
        con.execute(_ENDINGS.format(spells=year_spells_sql("states")))
        cov.capability(con, None if nmc is None else shown_path(nmc))
        cov.dispute(con)
        cov.common_rival(con, final_year)
        cov.stronger_at_war(con)
        cov.weaker_new_major_pact(con, first_year)
        df = con.execute(_TABLE.format(final=int(final_year))).df()
        coverage = {name: _span(con, name) for name in loaded}
    finally:
        con.close()
    df = df.astype(COLUMNS)[list(COLUMNS)]
    df.attrs["final_year"] = int(final_year)
    df.attrs["first_year"] = int(first_year)
    df.attrs["sources"] = [loaded[k].source.as_dict() for k in loaded]
    df.attrs["covariates_available"] = [
        name for name, needs in COVARIATES.items() if all(n in loaded for n in needs)
    ]
    df.attrs["coverage"] = coverage
    return df
