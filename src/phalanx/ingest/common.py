"""Reading one dataset file into DuckDB: the shared machinery of the ``ingest`` readers.

Every reader in this package does the same five things, here once:

1. checks the path (a regular file, not empty, at most :data:`MAX_BYTES`);
2. reads the header line itself and compares it with the dataset's published layout: a
   missing column is a :class:`~phalanx.errors.UserError` naming the file, the expected
   columns and the columns found;
3. streams the file through DuckDB's ``read_csv`` with every column's type given (no type
   sniffing, no pandas round-trip), turning the dataset's missing-value codes (COW's -9)
   into NULL, into a temporary table on the caller's connection;
4. turns DuckDB's parse errors into a ``UserError`` with the file, the line and the
   column (a non-numeric value in a numeric column, a row with too many fields), and
   checks that the key columns hold values and the coded columns only allowed codes;
5. records the provenance: dataset, version, file name, sha256 and rows read.

The result is a :class:`Loaded`: the DuckDB relation of that table, its name, and the
:class:`Source`. Columns in the file beyond the layout are read as text and dropped;
optional columns of a layout that the file lacks come out as NULL.

Cost: one pass of DuckDB over the file (parallel, O(rows) time, memory of the table) and
one pass of Python over its bytes for the sha256 (about 1 s per GB).
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from phalanx.errors import UserError
from phalanx.safe_files import is_absent

if TYPE_CHECKING:  # duckdb is imported where it is used
    import duckdb

__all__ = [
    "MAX_BYTES",
    "Check",
    "Layout",
    "Source",
    "Loaded",
    "read_header",
    "checked_header",
    "shown_path",
    "read_table",
    "version_from_column",
    "year_spells_sql",
]

MAX_BYTES = 2 * 1024**3
"""Largest file a reader accepts (2 GiB); the full ATOP 5.1 dyad-year file is 6 MB."""

_HEADER_BYTES = 64 * 1024
_TYPES = {"BIGINT": "a whole number", "DOUBLE": "a number", "VARCHAR": "text"}
_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")


@dataclass(frozen=True)
class Check:
    """A rule every row must keep: ``sql`` (a condition on the row; NULL passes) and what
    ``column`` is expected to hold, in words (``"0 or 1"``)."""

    column: str
    sql: str
    expected: str


@dataclass(frozen=True)
class Layout:
    """A dataset's published CSV layout.

    ``columns`` (name -> DuckDB type: BIGINT, DOUBLE or VARCHAR) must all be in the
    header; ``optional`` ones are read when present and NULL otherwise. ``missing`` lists
    the codes that mean "no value" in a numeric column (COW's -9), ``required`` the
    columns that must hold a value in every row, ``checks`` further rules.
    """

    dataset: str
    version: str
    columns: dict[str, str]
    optional: dict[str, str] = field(default_factory=dict)
    missing: dict[str, tuple[float, ...]] = field(default_factory=dict)
    required: tuple[str, ...] = ()
    checks: tuple[Check, ...] = ()

    def __post_init__(self) -> None:
        for name, kind in {**self.columns, **self.optional}.items():
            if not _IDENT.match(name) or kind not in _TYPES:  # a bug in a layout, not user input
                raise ValueError(f"bad layout column {name!r}: {kind!r}")


@dataclass(frozen=True)
class Source:
    """Where a table came from: the provenance each stochastic or fitted output records."""

    dataset: str
    version: str
    file: str
    sha256: str
    rows: int

    def as_dict(self) -> dict[str, object]:
        """``{dataset, version, file, sha256, rows}`` (``file`` is the file's name only)."""
        return {
            "dataset": self.dataset,
            "version": self.version,
            "file": self.file,
            "sha256": self.sha256,
            "rows": self.rows,
        }


@dataclass(frozen=True)
class Loaded:
    """A dataset file read into the temporary table ``table`` of a DuckDB connection."""

    relation: duckdb.DuckDBPyRelation
    table: str
    source: Source


def shown_path(path: str | Path) -> str:
    """``path`` as a message shows it: relative to the working folder when inside it."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)


def _check_path(path: Path, what: str, limit: int) -> int:
    """The size of the regular file ``path``, or a UserError saying why it cannot be read."""
    shown = shown_path(path)
    if is_absent(path):
        raise UserError(f"{what} file does not exist", file=shown)
    try:
        st = os.stat(path)
    except OSError as e:
        raise UserError(f"{what} file cannot be read ({e.strerror or e})", file=shown) from None
    if not stat.S_ISREG(st.st_mode):
        raise UserError(f"{what} file is not a regular file; expected a CSV file", file=shown)
    if st.st_size > limit:
        raise UserError(
            f"{what} file is {st.st_size:,} bytes; files over {limit:,} bytes are refused",
            file=shown,
        )
    return st.st_size


def read_header(path: str | Path, *, what: str = "CSV") -> list[str]:
    """The column names on the first line of the CSV file ``path`` (a BOM is dropped).

    Raises a UserError for an empty file, a first line that is blank or longer than
    64 KiB, or a header that is not UTF-8 text.
    """
    p = Path(path)
    try:
        with open(p, "rb") as fh:
            head = fh.read(_HEADER_BYTES)
    except OSError as e:
        raise UserError(
            f"{what} file cannot be read ({e.strerror or e})", file=shown_path(p)
        ) from None
    if not head.strip():
        raise UserError(
            f"{what} file is empty; expected a header line naming the columns",
            file=shown_path(p),
        )
    end = head.find(b"\n")
    if end < 0 and len(head) == _HEADER_BYTES:
        raise UserError(
            f"{what} file's first line is over {_HEADER_BYTES:,} bytes; expected a CSV header",
            file=shown_path(p),
            line=1,
        )
    first = head if end < 0 else head[:end]
    try:
        text = first.decode("utf-8-sig").rstrip("\r")
    except UnicodeDecodeError:
        raise UserError(
            f"{what} file's header is not UTF-8 text; save the file as UTF-8 CSV",
            file=shown_path(p),
            line=1,
        ) from None
    if not text.strip():
        raise UserError(
            f"{what} file's first line is blank; expected a header naming the columns",
            file=shown_path(p),
            line=1,
        )
    return [name.strip() for name in next(csv.reader([text]))]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _expected_list(layout: Layout) -> str:
    return ", ".join(layout.columns)


def _layout_error(layout: Layout, header: list[str], shown: str) -> UserError:
    missing = [c for c in layout.columns if c not in header]
    found = ", ".join(header) if header else "(none)"
    return UserError(
        f"is not in the {layout.dataset} layout: expected the columns {_expected_list(layout)}; "
        f"found {found} (missing: {', '.join(missing)})",
        file=shown,
    )


_LINE = re.compile(r"CSV Error on Line: (\d+)")
_CONVERT = re.compile(r'converting column "([^"]+)"\. Could not convert string "(.*?)" to')
_NCOLS = re.compile(r"Expected Number of Columns: (\d+) Found: (\d+)")


def _duckdb_error(error: Exception, layout: Layout, types: dict[str, str], shown: str):
    """A DuckDB read error as a UserError naming the file, the line and the column."""
    text = str(error)
    line = int(m.group(1)) if (m := _LINE.search(text)) else None
    if m := _CONVERT.search(text):
        column, value = m.group(1), m.group(2)
        kind = _TYPES.get(types.get(column, "VARCHAR"), "a value")
        return UserError(
            f"{value!r} is not {kind}; the {layout.dataset} column {column!r} holds {kind} "
            "in every row (or is empty for no value)",
            file=shown,
            line=line,
            field=column,
        )
    if m := _NCOLS.search(text):
        return UserError(
            f"has {m.group(2)} fields; expected {m.group(1)}, one per column of the header",
            file=shown,
            line=line,
        )
    first = text.strip().splitlines()[0] if text.strip() else type(error).__name__
    return UserError(f"cannot be read as a {layout.dataset} CSV file: {first}", file=shown)


def _value(name: str, kind: str, codes: tuple[float, ...]) -> str:
    col = f'"{name}"'
    if not codes:
        return col
    listed = ", ".join(repr(float(c)) if kind == "DOUBLE" else str(int(c)) for c in codes)
    return f"CASE WHEN {col} IN ({listed}) THEN NULL ELSE {col} END"


def _first_bad_row(con, table: str, condition: str) -> int | None:
    row = con.execute(
        f"SELECT r FROM (SELECT row_number() OVER () AS r, * FROM {table}) "
        f"WHERE NOT coalesce({condition}, TRUE) ORDER BY r LIMIT 1"
    ).fetchone()
    return None if row is None else int(row[0])


def checked_header(path: Path, layout: Layout, limit: int = MAX_BYTES) -> list[str]:
    """The header of ``path`` once the path (a regular file of at most ``limit`` bytes)
    and the header are checked against ``layout``: a column named twice, or a column of
    the layout missing, is a :class:`~phalanx.errors.UserError` naming the file (and,
    for a missing one, the expected and the found columns)."""
    shown = shown_path(path)
    _check_path(path, layout.dataset, limit)
    header = read_header(path, what=layout.dataset)
    dupes = sorted({c for c in header if header.count(c) > 1})
    if dupes:
        raise UserError(
            f"names the column {dupes[0]!r} more than once in its header; expected each "
            "column once",
            file=shown,
            line=1,
        )
    if any(c not in header for c in layout.columns):
        raise _layout_error(layout, header, shown)
    return header


def read_table(
    con: duckdb.DuckDBPyConnection,
    path: str | Path,
    layout: Layout,
    *,
    table: str,
    version: str | None = None,
    limit: int = MAX_BYTES,
) -> Loaded:
    """Read the CSV file ``path`` in ``layout`` into the temporary table ``table`` of ``con``.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        The connection that holds the table (replaced if it exists).
    path : str or Path
        The CSV file: a header line, comma-separated, fields optionally in double quotes.
    layout : Layout
        The columns expected, their types and missing-value codes.
    table : str
        Name of the temporary table (a lower-case identifier).
    version : str, optional
        The dataset's version for the provenance record (default: the layout's).

    Returns
    -------
    Loaded
        The table's relation (the layout's columns, in its order), its name and its
        :class:`Source`. Rows keep the file's order; duplicated rows are kept.

    Raises
    ------
    UserError
        A missing, empty or unreadable file; a header without the expected columns; a
        value of the wrong type (with its line and column); a row with the wrong number
        of fields; a key column without a value; a value outside its codes.
    """
    if not _IDENT.match(table):
        raise ValueError(f"bad table name {table!r}")
    import duckdb

    p = Path(path)
    shown = shown_path(p)
    header = checked_header(p, layout, limit)
    wanted = {**layout.columns, **layout.optional}
    types = {c: wanted.get(c, "VARCHAR") for c in header}
    struct = "{" + ", ".join(f"{_literal(c)}: {_literal(t)}" for c, t in types.items()) + "}"
    select = []
    for name, kind in wanted.items():
        if name in header:
            select.append(f'{_value(name, kind, layout.missing.get(name, ()))} AS "{name}"')
        else:
            select.append(f'CAST(NULL AS {kind}) AS "{name}"')
    sql = (
        f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT {', '.join(select)} "
        f"FROM read_csv(?, header = true, delim = ',', quote = '\"', escape = '\"', "
        f"columns = {struct}, nullstr = ['', 'NA'], auto_detect = false)"
    )
    try:
        con.execute(sql, [str(p)])
    except duckdb.Error as e:
        raise _duckdb_error(e, layout, types, shown) from None
    rows = int(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    if rows == 0:
        raise UserError(
            f"has a header but no data rows; expected {layout.dataset} rows", file=shown
        )
    for name in layout.required:
        bad = _first_bad_row(con, table, f'"{name}" IS NOT NULL')
        if bad is not None:
            raise UserError(
                f"data row {bad} has no value; every {layout.dataset} row needs one",
                file=shown,
                field=name,
            )
    for check in layout.checks:
        bad = _first_bad_row(con, table, check.sql)
        if bad is not None:
            value = con.execute(
                f'SELECT "{check.column}" FROM (SELECT row_number() OVER () AS r, * '
                f"FROM {table}) WHERE r = ?",
                [bad],
            ).fetchone()[0]
            raise UserError(
                f"data row {bad} holds {value!r}; expected {check.expected}",
                file=shown,
                field=check.column,
            )
    source = Source(layout.dataset, version or layout.version, p.name, _sha256(p), rows)
    return Loaded(con.table(table), table, source)


def version_from_column(con: duckdb.DuckDBPyConnection, loaded: Loaded) -> Loaded:
    """``loaded`` with its provenance version taken from the file's ``version`` column
    (its distinct values joined by ``/``), unchanged when the column is empty or absent."""
    from dataclasses import replace

    values = [
        str(v)
        for (v,) in con.execute(
            f"SELECT DISTINCT version FROM {loaded.table} WHERE version IS NOT NULL ORDER BY 1"
        ).fetchall()
    ]
    if not values:
        return loaded
    return replace(loaded, source=replace(loaded.source, version="/".join(values)))


def year_spells_sql(table: str, *, open_end: int = 9999) -> str:
    """SQL selecting the spells of ``table`` (the COW states or majors layout) in whole
    years: ``ccode, first, last``, a state counting in every year in which it holds the
    status on at least one day. A spell that ends in the file's last year is read as
    ongoing and carried to ``open_end``: the file cannot tell an end on its last day from
    the end of its coverage (``states2016`` and ``majors2016`` close every running spell on
    31 December 2016)."""
    if not _IDENT.match(table):
        raise ValueError(f"bad table name {table!r}")
    return (
        f"SELECT ccode, styear AS first, CASE WHEN endyear = "
        f"(SELECT max(endyear) FROM {table}) THEN {int(open_end)} ELSE endyear END AS last "
        f"FROM {table}"
    )
