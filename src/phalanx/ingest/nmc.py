"""COW National Material Capabilities (NMC, Singer, Bremer and Stuckey 1972; v6.0, v7.0).

One row per state and year: ``ccode``, ``year``, six components (``milex`` military
expenditure in thousands of US dollars, ``milper`` military personnel in thousands,
``irst`` iron and steel production in thousands of tons, ``pec`` primary energy
consumption in thousands of coal-ton equivalents, ``tpop`` and ``upop`` total and urban
population in thousands) and ``cinc``, the Composite Index of National Capability (the
state's mean share of the system's six totals, in [0, 1]).

Two layouts are read, told apart by the header:

- the abridged file as COW publishes it (``NMC-60-abridged.csv``, ``NMC-70-abridged``):
  ``stateabb`` first and ``version`` last, missing values coded -9;
- peacesciencer's ``cow_nmc`` (v7.0): without ``stateabb`` and ``version``, missing
  values empty.

Both come out in one shape: ``ccode, year`` (BIGINT) and the seven measures (DOUBLE, NULL
when missing).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from phalanx.errors import UserError
from phalanx.ingest.common import (
    MAX_BYTES,
    Check,
    Layout,
    Loaded,
    read_header,
    read_table,
    shown_path,
    version_from_column,
)

if TYPE_CHECKING:
    import duckdb

__all__ = ["NMC_MEASURES", "NMC_LAYOUT", "NMC_RAW_LAYOUT", "read_nmc"]

NMC_MEASURES = ("milex", "milper", "irst", "pec", "tpop", "upop", "cinc")

_COMMON = dict(
    missing={m: (-9,) for m in NMC_MEASURES},
    required=("ccode", "year"),
    checks=(Check("cinc", "cinc BETWEEN 0 AND 1", "a CINC score between 0 and 1 (or -9)"),),
)

NMC_LAYOUT = Layout(
    dataset="COW NMC (peacesciencer)",
    version="7.0",
    columns={"ccode": "BIGINT", "year": "BIGINT"} | {m: "DOUBLE" for m in NMC_MEASURES},
    **_COMMON,
)
"""peacesciencer's ``cow_nmc``: no ``stateabb`` or ``version``, missing values empty."""

NMC_RAW_LAYOUT = Layout(
    dataset="COW NMC abridged",
    version="unknown",
    columns={"stateabb": "VARCHAR", "ccode": "BIGINT", "year": "BIGINT"}
    | {m: "DOUBLE" for m in NMC_MEASURES}
    | {"version": "BIGINT"},
    **_COMMON,
)
"""COW's abridged file: ``stateabb`` and ``version`` included, missing values -9."""


def read_nmc(
    con: duckdb.DuckDBPyConnection,
    path: str | Path,
    *,
    table: str = "nmc",
    version: str | None = None,
) -> Loaded:
    """Read a COW NMC file in either layout into the temporary table ``table``.

    The table holds ``ccode, year, milex, milper, irst, pec, tpop, upop, cinc`` (and,
    from the abridged layout, ``stateabb`` and ``version``). ``version`` defaults to
    ``"7.0"`` for peacesciencer's layout and to the file's ``version`` column for the
    abridged one (COW stamps v6.0 with its release year, 2021). O(rows).
    """
    header = read_header(path, what="COW NMC") if Path(path).is_file() else []
    raw = "stateabb" in header or "version" in header
    layout = NMC_RAW_LAYOUT if raw else NMC_LAYOUT
    if header and not raw and any(c not in header for c in NMC_LAYOUT.columns):
        found = ", ".join(header)
        raise UserError(
            "is not in a COW NMC layout: expected the columns "
            f"{', '.join(NMC_LAYOUT.columns)} (peacesciencer) or "
            f"{', '.join(NMC_RAW_LAYOUT.columns)} (COW abridged); found {found}",
            file=shown_path(path),
        )
    loaded = read_table(con, path, layout, table=table, version=version, limit=MAX_BYTES)
    if raw and version is None:
        loaded = version_from_column(con, loaded)
        if loaded.source.version == "unknown":
            loaded = replace(loaded, source=replace(loaded.source, version="abridged"))
    return loaded
