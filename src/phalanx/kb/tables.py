"""Read one CSV table of a data package against its schema, safely and strictly.

The reader never evaluates anything it reads. The file is read with a size cap and must
stay inside the package folder (:func:`phalanx.safe_files.read_user_text`); the text is
split by a strict RFC 4180 reader (a quote inside an unquoted value, text after a closing
quote, an unclosed quote, an over-long value or too many columns is a problem with its
line and field); each value is converted by the field's declared type, with ASCII digits
only (``٢٠٢٠`` and ``１０`` are refused, though Python's ``int()`` would take them). Every
problem is collected with its file, line and field; the caller decides what to do.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from phalanx.errors import UserError
from phalanx.kb.dates import parse_partial_date
from phalanx.kb.descriptor import FieldSpec, Resource
from phalanx.kb.errors import Problem, display_path
from phalanx.safe_files import is_absent, read_user_text

__all__ = [
    "Table",
    "read_table",
    "convert_value",
    "split_csv",
    "CsvError",
    "MAX_FILE_BYTES",
    "MAX_CELL_CHARS",
    "MAX_COLUMNS",
]

MAX_FILE_BYTES = 64 * 1024 * 1024
"""Largest CSV file read (bytes); a larger one is refused rather than exhausting memory."""

MAX_CELL_CHARS = 100_000
"""Longest value of one cell (characters)."""

MAX_COLUMNS = 200
"""Most columns a row may have."""

_INT = re.compile(r"[+-]?[0-9]{1,19}", re.ASCII)
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII)
_INT64 = (-(2**63), 2**63 - 1)
_TRUE = {"true", "yes", "1"}
_FALSE = {"false", "no", "0"}

_QUOTED = re.compile(r'"([^"]*(?:""[^"]*)*)"')
_PLAIN = re.compile(r'[^,"\r\n]*')


class CsvError(ValueError):
    """Malformed CSV at ``line`` (1-based), in column ``column`` (0-based) when known."""

    def __init__(self, message: str, line: int, column: int | None = None):
        super().__init__(message)
        self.line = line
        self.column = column


def split_csv(text: str) -> Iterator[tuple[int, list[str]]]:
    """The records of CSV ``text`` as (line where the record starts, values).

    Strict RFC 4180: values are separated by ``,``, records by ``\\n``, ``\\r\\n`` or
    ``\\r``; a value holding a comma, quote or line break is wrapped in ``"`` with inner
    quotes doubled. Raises :class:`CsvError` for a quote inside an unquoted value, text
    after a closing quote, an unclosed quote, a value over :data:`MAX_CELL_CHARS`
    characters or a record over :data:`MAX_COLUMNS` values. Cost: O(len(text)).

    >>> list(split_csv('a,"b ""c"", d"\\n1,2\\n'))
    [(1, ['a', 'b "c", d']), (2, ['1', '2'])]
    >>> list(split_csv('a,b"c\\n'))
    Traceback (most recent call last):
    ...
    phalanx.kb.tables.CsvError: a quote inside an unquoted value; wrap the whole value in quotes and double the quote
    """
    pos, line, n = 0, 1, len(text)
    while pos < n:
        # fast path: a record on one line without quotes is a plain split
        end = text.find("\n", pos)
        end = n if end == -1 else end
        body = text[pos : end - 1] if end > pos and text[end - 1] == "\r" else text[pos:end]
        if '"' not in body and "\r" not in body:
            values = body.split(",")
            if len(values) > MAX_COLUMNS:
                raise CsvError(f"has more than {MAX_COLUMNS} values", line)
            if len(body) > MAX_CELL_CHARS:
                for col, value in enumerate(values):
                    if len(value) > MAX_CELL_CHARS:
                        raise CsvError(
                            f"value is {len(value):,} characters; at most {MAX_CELL_CHARS:,} are allowed",
                            line,
                            col,
                        )
            yield line, values
            pos, line = end + 1, line + 1
            continue
        start_line, values = line, []
        while True:
            col = len(values)
            if col >= MAX_COLUMNS:
                raise CsvError(f"has more than {MAX_COLUMNS} values", start_line)
            if pos < n and text[pos] == '"':
                m = _QUOTED.match(text, pos)
                if m is None:
                    raise CsvError("a quoted value is never closed", line, col)
                raw = m.group(1)
                value = raw.replace('""', '"')
                line += raw.count("\n") + raw.count("\r") - raw.count("\r\n")
                pos = m.end()
                if pos < n and text[pos] not in ",\r\n":
                    raise CsvError(
                        "text after a closing quote; wrap the whole value in quotes and double inner quotes",
                        line,
                        col,
                    )
            else:
                m = _PLAIN.match(text, pos)
                assert m is not None  # the pattern matches the empty string
                value = m.group(0)
                pos = m.end()
                if pos < n and text[pos] == '"':
                    raise CsvError(
                        "a quote inside an unquoted value; wrap the whole value in quotes and double the quote",
                        line,
                        col,
                    )
            if len(value) > MAX_CELL_CHARS:
                raise CsvError(
                    f"value is {len(value):,} characters; at most {MAX_CELL_CHARS:,} are allowed",
                    start_line,
                    col,
                )
            values.append(value)
            if pos >= n:
                break
            ch = text[pos]
            pos += 1
            if ch == ",":
                continue
            if ch == "\r" and pos < n and text[pos] == "\n":
                pos += 1
            line += 1
            break
        yield start_line, values


@dataclass
class Table:
    """The rows of one resource, values converted, with each row's file and line."""

    resource: Resource
    rows: list[dict[str, Any]] = field(default_factory=list)
    origins: list[tuple[str, int]] = field(default_factory=list)


def convert_value(spec: FieldSpec, text: str) -> Any:
    """Convert one cell by its field spec; raise ``ValueError`` with what was expected.

    Integers are ASCII digits within the signed 64-bit range; numbers are ASCII decimal
    or scientific notation and finite; booleans are true/false, yes/no or 1/0. ``list``
    values become a list of stripped, non-empty strings; ``partial-date`` values stay
    text (checked to be a real partial ISO date).

    >>> from phalanx.kb.descriptor import FieldSpec
    >>> convert_value(FieldSpec(name="n", type="integer"), "-1")
    -1
    >>> convert_value(FieldSpec(name="s", format="list"), "a; b;")
    ['a', 'b']
    >>> convert_value(FieldSpec(name="n", type="integer"), "\\u0662\\u0660")
    Traceback (most recent call last):
    ...
    ValueError: expected an integer, got '٢٠'
    """
    if spec.type == "integer":
        if not _INT.fullmatch(text) or not _INT64[0] <= int(text) <= _INT64[1]:
            raise ValueError(f"expected an integer, got {text!r}")
        return int(text)
    if spec.type == "number":
        if not _NUMBER.fullmatch(text):
            raise ValueError(f"expected a number, got {text!r}")
        value = float(text)
        if value in (float("inf"), float("-inf")):
            raise ValueError(f"expected a finite number, got {text!r}")
        return value
    if spec.type == "boolean":
        low = text.strip().lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        raise ValueError(f"expected true or false, got {text!r}")
    if spec.format == "partial-date":
        if text != text.strip():
            raise ValueError(f"{text!r} has spaces around the date")
        parse_partial_date(text)
        return text
    if spec.format == "list":
        return [part.strip() for part in text.split(";") if part.strip()]
    return text


def _check_constraints(spec: FieldSpec, value: Any) -> str | None:
    c = spec.constraints
    items = value if isinstance(value, list) else [value]
    if c.required and isinstance(value, list) and not value:
        return "is required (at least one value)"
    for v in items:
        if c.enum is not None and v not in c.enum:
            allowed = ", ".join(str(e) for e in c.enum)
            return f"{v!r} is not one of: {allowed}"
        if c.minimum is not None and isinstance(v, int | float) and v < c.minimum:
            return f"{v} is below the minimum {c.minimum:g}"
        if c.maximum is not None and isinstance(v, int | float) and v > c.maximum:
            return f"{v} is above the maximum {c.maximum:g}"
        if c.pattern is not None and isinstance(v, str) and not c.matches(v):
            return f"{v!r} does not match the pattern {c.pattern}"
    return None


def read_table(folder: Path, resource: Resource) -> tuple[Table, list[Problem]]:
    """Read ``resource`` from ``folder`` and check every cell against its schema.

    The file must be a regular file inside ``folder`` of at most :data:`MAX_FILE_BYTES`.
    Returns the table (rows that passed the per-cell checks) and every problem found.
    Cost: O(rows x fields).
    """
    path = folder / resource.path
    name = display_path(path)
    table = Table(resource)
    schema = resource.table_schema
    assert schema is not None, "resolve the schema (phalanx.kb.schema) before reading"
    if is_absent(path):
        return table, [Problem(name, None, None, "file not found")]
    try:
        text = read_user_text(path, limit=MAX_FILE_BYTES, inside=folder, what="table")
    except UserError as e:
        return table, [Problem(e.file or name, e.line, e.field, e.message)]
    missing = set(schema.missingValues)
    records = split_csv(text)
    probs: list[Problem] = []
    header: list[str] = []
    try:
        first = next(records, None)
        if first is None or not any(h.strip() for h in first[1]):
            expected = ", ".join(schema.names)
            return table, [Problem(name, 1, None, f"has no header row; expected: {expected}")]
        header = [h.strip() for h in first[1]]
        probs += _check_header(name, header, schema.names)
        if probs:
            return table, probs
        specs = [schema.field(h) for h in header]
        for line, row in records:
            if len(row) == 1 and not row[0].strip():
                continue
            if len(row) != len(header):
                probs.append(
                    Problem(
                        name, line, None, f"has {len(row)} values; the header has {len(header)}"
                    )
                )
                continue
            record, ok = _convert_row(name, line, specs, row, missing, probs)
            if ok:
                table.rows.append(record)
                table.origins.append((name, line))
    except CsvError as e:
        col = None if e.column is None or e.column >= len(header) else header[e.column]
        probs.append(Problem(name, e.line, col, f"is not well-formed CSV: {e}"))
    return table, probs


def _check_header(name: str, header: list[str], expected: list[str]) -> list[Problem]:
    probs = []
    dupes = sorted({h for h in header if header.count(h) > 1})
    for h in dupes:
        probs.append(Problem(name, 1, h, "column appears more than once in the header"))
    for h in expected:
        if h not in header:
            probs.append(Problem(name, 1, h, "column is missing from the header"))
    for h in header:
        if h not in expected:
            probs.append(
                Problem(
                    name, 1, h, f"column is not in the schema (expected: {', '.join(expected)})"
                )
            )
    return probs


def _convert_row(
    name: str,
    line: int,
    specs: list[FieldSpec | None],
    row: list[str],
    missing: set[str],
    probs: list[Problem],
) -> tuple[dict[str, Any], bool]:
    record: dict[str, Any] = {}
    ok = True
    for spec, cell in zip(specs, row, strict=True):
        assert spec is not None  # the header check guarantees it
        if cell in missing:
            if spec.constraints.required:
                probs.append(Problem(name, line, spec.name, "is required but empty"))
                ok = False
            record[spec.name] = [] if spec.format == "list" else None
            continue
        try:
            value = convert_value(spec, cell)
        except ValueError as e:
            probs.append(Problem(name, line, spec.name, str(e)))
            ok = False
            continue
        msg = _check_constraints(spec, value)
        if msg:
            probs.append(Problem(name, line, spec.name, msg))
            ok = False
        record[spec.name] = value
    return record, ok
