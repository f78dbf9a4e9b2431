"""Thompson and Dreyer's (2012) strategic rivalries, 1494-2010, as peacesciencer publishes them.

One row per rivalry: ``rivalryno``, ``rivalryname``, the two states ``ccode1, ccode2``
(COW codes, in no particular order), ``styear`` and ``endyear``, ``region`` and up to
three types (``type1..type3``: spatial, positional, ideological, interventionary).
Rivalries still running at the end of the data are right-bound at 2010 in the file; what
to make of that is the user's decision (the dyad-year table carries them on, see
:mod:`phalanx.evidence.covariates`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from phalanx.ingest.common import Check, Layout, Loaded, read_table

if TYPE_CHECKING:
    import duckdb

__all__ = ["RIVALRIES_LAYOUT", "read_rivalries"]

RIVALRIES_LAYOUT = Layout(
    dataset="Thompson-Dreyer strategic rivalries",
    version="2012",
    columns={
        "rivalryno": "BIGINT",
        "ccode1": "BIGINT",
        "ccode2": "BIGINT",
        "styear": "BIGINT",
        "endyear": "BIGINT",
    },
    optional={
        "rivalryname": "VARCHAR",
        "region": "VARCHAR",
        "type1": "VARCHAR",
        "type2": "VARCHAR",
        "type3": "VARCHAR",
    },
    required=("ccode1", "ccode2", "styear", "endyear"),
    checks=(Check("endyear", "endyear >= styear", "an end year no earlier than the start year"),),
)


def read_rivalries(
    con: duckdb.DuckDBPyConnection,
    path: str | Path,
    *,
    table: str = "rivalries",
    version: str | None = None,
) -> Loaded:
    """Read a Thompson-Dreyer rivalry file (peacesciencer ``td_rivalries`` layout) into
    ``table``: the numeric columns as BIGINT, name, region and types as text (NULL when
    the file lacks them). ``version`` defaults to ``"2012"`` (the handbook). O(rows)."""
    return read_table(con, path, RIVALRIES_LAYOUT, table=table, version=version)
