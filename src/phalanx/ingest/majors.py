"""COW major powers (``majors2016``): the spells during which a state is a major power.

One row per spell: ``ccode``, start (``styear, stmonth, stday``) and end (``endyear,
endmonth, endday``); Germany, Japan and others have two. Spells still running when the
file was made end on 31 December 2016; the dyad-year table reads them as ongoing (see
:func:`phalanx.ingest.common.year_spells_sql`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from phalanx.ingest.common import Check, Layout, Loaded, read_table, version_from_column

if TYPE_CHECKING:
    import duckdb

__all__ = ["MAJORS_LAYOUT", "read_majors"]

_DATES = ("styear", "stmonth", "stday", "endyear", "endmonth", "endday")

MAJORS_LAYOUT = Layout(
    dataset="COW major powers",
    version="2016",
    columns={"ccode": "BIGINT"} | {d: "BIGINT" for d in _DATES},
    optional={"version": "BIGINT"},
    required=("ccode", "styear", "endyear"),
    checks=(Check("endyear", "endyear >= styear", "an end year no earlier than the start year"),),
)


def read_majors(
    con: duckdb.DuckDBPyConnection,
    path: str | Path,
    *,
    table: str = "majors",
    version: str | None = None,
) -> Loaded:
    """Read a COW major-powers file (``majors2016.csv`` layout) into ``table``.

    Columns: ``ccode``, the six date parts and ``version`` (BIGINT; NULL when the file
    has no version column). ``version`` defaults to the file's column, else ``"2016"``.
    O(rows).
    """
    loaded = read_table(con, path, MAJORS_LAYOUT, table=table, version=version)
    return loaded if version is not None else version_from_column(con, loaded)
