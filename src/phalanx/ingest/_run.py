"""What every importer of this package does around its mapping: a DuckDB connection of
its own, the year and actor filters as SQL, and the progress calls."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from phalanx.errors import UserError

__all__ = ["connection", "years_sql", "codes_sql", "check_years"]


@contextmanager
def connection(path: Path, progress: Callable[[int], None] | None) -> Iterator[Any]:
    """A fresh DuckDB connection (closed afterwards); ``progress`` hears 0 at the start
    and the file's size at the end (the files these importers read take one pass)."""
    import duckdb

    if progress:
        progress(0)
    con = duckdb.connect()
    try:
        yield con
    finally:
        con.close()
    if progress:
        progress(Path(path).stat().st_size)


def check_years(start: int | None, end: int | None) -> None:
    """A UserError when ``start`` is after ``end``."""
    if start is not None and end is not None and start > end:
        raise UserError(f"--from {start} is after --to {end}; expected from <= to", field="--from")


def years_sql(column: str, start: int | None, end: int | None) -> str:
    """A SQL condition keeping ``column`` (a year) within ``start``..``end``, inclusive."""
    parts = ["TRUE"]
    if start is not None:
        parts.append(f"{column} >= {int(start)}")
    if end is not None:
        parts.append(f"{column} <= {int(end)}")
    return " AND ".join(parts)


def codes_sql(columns: tuple[str, ...], codes: list[int] | None) -> str:
    """A SQL condition keeping rows where one of ``columns`` holds one of ``codes``
    (every row when ``codes`` is None; none when it is empty)."""
    if codes is None:
        return "TRUE"
    if not codes:
        return "FALSE"
    listed = ", ".join(str(int(c)) for c in codes)
    return "(" + " OR ".join(f"{c} IN ({listed})" for c in columns) + ")"
