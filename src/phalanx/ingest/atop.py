"""ATOP directed dyad-years (Leeds et al. 2002; version 5.x), as peacesciencer publishes them.

One row per ordered pair of states and year in which some ATOP alliance links them:
``ccode1, ccode2, year`` (COW country codes) and five pledge flags, each 1 when an
alliance with that pledge links the pair that year: ``atop_defense``, ``atop_offense``,
``atop_neutral``, ``atop_nonagg``, ``atop_consul``. The file is directed: a pledge of
``ccode1`` to ``ccode2`` (a guarantee may run one way only, as the United States' to Japan
from 1951). It says which pledges link a pair, not which alliance.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from phalanx.ingest.common import Check, Layout, Loaded, read_table

if TYPE_CHECKING:
    import duckdb

__all__ = ["ATOP_LAYOUT", "PLEDGES", "read_atop"]

PLEDGES = ("atop_defense", "atop_offense", "atop_neutral", "atop_nonagg", "atop_consul")

ATOP_LAYOUT = Layout(
    dataset="ATOP directed dyad-year",
    version="5.1",
    columns={"ccode1": "BIGINT", "ccode2": "BIGINT", "year": "BIGINT"}
    | {p: "BIGINT" for p in PLEDGES},
    required=("ccode1", "ccode2", "year", "atop_defense"),
    checks=tuple(Check(p, f"{p} IN (0, 1)", "0 or 1") for p in PLEDGES),
)


def read_atop(
    con: duckdb.DuckDBPyConnection,
    path: str | Path,
    *,
    table: str = "atop",
    version: str | None = None,
) -> Loaded:
    """Read an ATOP 5.x directed dyad-year file into the temporary table ``table``.

    Columns: ``ccode1, ccode2, year`` and the five pledge flags (BIGINT, 0 or 1; a
    missing flag is NULL). ``version`` defaults to ``"5.1"``. Errors as in
    :func:`phalanx.ingest.common.read_table`. O(rows).
    """
    return read_table(con, path, ATOP_LAYOUT, table=table, version=version)
