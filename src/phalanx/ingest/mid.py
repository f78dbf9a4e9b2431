"""COW Militarized Interstate Disputes 5, non-directed dispute dyad-years (peacesciencer's
``cow_mid_ddydisps``).

One row per dispute, pair of states on opposite sides, and year: ``dispnum``, ``ccode1,
ccode2`` (COW codes), ``year``, onset and ongoing flags, ``sidea1/2`` (side A), each
state's fatality, highest action and hostility level (``hostlev1/2``: 1 no militarised
action, 2 threat, 3 display, 4 use of force, 5 war), the dyad's ``fatality`` and
``hostlev``, durations and start month. Pairs are "naive": two states on opposite sides
of a multilateral dispute count as a dyad even when they never fought each other. Unknown
fatality levels are coded -9 in the file; the reader turns -9 into NULL in every numeric
column.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from phalanx.ingest.common import Check, Layout, Loaded, read_table

if TYPE_CHECKING:
    import duckdb

__all__ = ["MID_LAYOUT", "read_mid"]

_OPTIONAL = (
    "cowmidongoing",
    "cowmidonset",
    "sidea1",
    "sidea2",
    "fatality1",
    "fatality2",
    "fatalpre1",
    "fatalpre2",
    "hiact1",
    "hiact2",
    "orig1",
    "orig2",
    "fatality",
    "mindur",
    "maxdur",
    "recip",
    "stmon",
)
_REQUIRED = ("dispnum", "ccode1", "ccode2", "year", "hostlev1", "hostlev2", "hostlev")
_HOSTILITY = "BETWEEN 1 AND 5"

MID_LAYOUT = Layout(
    dataset="COW MID dyad-year",
    version="5",
    columns={c: "BIGINT" for c in _REQUIRED},
    optional={c: "BIGINT" for c in _OPTIONAL},
    missing={c: (-9,) for c in _REQUIRED[4:] + _OPTIONAL},
    required=("ccode1", "ccode2", "year"),
    checks=tuple(
        Check(c, f"{c} {_HOSTILITY}", "a hostility level from 1 to 5 (or -9 or empty)")
        for c in ("hostlev1", "hostlev2", "hostlev")
    ),
)


def read_mid(
    con: duckdb.DuckDBPyConnection,
    path: str | Path,
    *,
    table: str = "mid",
    version: str | None = None,
) -> Loaded:
    """Read a MID dispute dyad-year file (peacesciencer ``cow_mid_ddydisps`` layout) into
    ``table``: every column BIGINT, -9 as NULL; the columns beyond ``dispnum, ccode1,
    ccode2, year, hostlev1, hostlev2, hostlev`` are NULL when the file lacks them.
    ``version`` defaults to ``"5"``. O(rows)."""
    return read_table(con, path, MID_LAYOUT, table=table, version=version)
