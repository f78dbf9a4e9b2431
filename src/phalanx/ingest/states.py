"""COW state system membership (``states2016``): spells during which a state is a member.

One row per spell: ``ccode``, the start (``styear, stmonth, stday``) and the end
(``endyear, endmonth, endday``); a state may have several spells (the Netherlands leaves
in May 1940 and returns in 1945). Spells still running when the file was made end on its
last day (31 December 2016 for ``states2016``); the dyad-year table
(:func:`phalanx.ingest.common.year_spells_sql`) reads such a spell as ongoing, since the file cannot tell an end on that day from the end of its coverage.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from phalanx.ingest.common import Check, Layout, Loaded, read_table, version_from_column

if TYPE_CHECKING:
    import duckdb

__all__ = ["STATES_LAYOUT", "read_states"]

_DATES = ("styear", "stmonth", "stday", "endyear", "endmonth", "endday")

STATES_LAYOUT = Layout(
    dataset="COW state system",
    version="2016",
    columns={"ccode": "BIGINT"} | {d: "BIGINT" for d in _DATES},
    optional={"stateabb": "VARCHAR", "statenme": "VARCHAR", "version": "BIGINT"},
    required=("ccode", "styear", "endyear"),
    checks=(Check("endyear", "endyear >= styear", "an end year no earlier than the start year"),),
)


def read_states(
    con: duckdb.DuckDBPyConnection,
    path: str | Path,
    *,
    table: str = "states",
    version: str | None = None,
) -> Loaded:
    """Read a COW state-system file (``states2016.csv`` layout) into ``table``.

    Columns: ``ccode`` and the six date parts (BIGINT), plus ``stateabb``, ``statenme``
    and ``version`` when the file has them. ``version`` defaults to the file's
    ``version`` column, else ``"2016"``. O(rows).
    """
    loaded = read_table(con, path, STATES_LAYOUT, table=table, version=version)
    if version is None:
        loaded = version_from_column(con, loaded)
    return loaded
