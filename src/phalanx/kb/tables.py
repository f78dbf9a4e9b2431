"""Read one CSV table of a data package against its schema, safely.

The reader never evaluates anything it reads: bytes are decoded as UTF-8, split by the
``csv`` module and each value is converted by the field's declared type. Every problem
is collected with its file, line and field; the caller decides what to do with them.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from phalanx.kb.dates import parse_partial_date
from phalanx.kb.descriptor import FieldSpec, Resource
from phalanx.kb.errors import Problem, display_path

__all__ = ["Table", "read_table", "convert_value", "MAX_FILE_BYTES"]

MAX_FILE_BYTES = 64 * 1024 * 1024
"""Largest CSV file read (bytes); a larger one is refused rather than exhausting memory."""

_INT = re.compile(r"^[+-]?\d+$")
_TRUE = {"true", "yes", "1"}
_FALSE = {"false", "no", "0"}


@dataclass
class Table:
    """The rows of one resource, values converted, with each row's file and line."""

    resource: Resource
    rows: list[dict[str, Any]] = field(default_factory=list)
    origins: list[tuple[str, int]] = field(default_factory=list)


def convert_value(spec: FieldSpec, text: str) -> Any:
    """Convert one cell by its field spec; raise ``ValueError`` with what was expected.

    ``list`` values become a list of stripped, non-empty strings; ``partial-date``
    values stay text (checked to be a real partial ISO date).

    >>> from phalanx.kb.descriptor import FieldSpec
    >>> convert_value(FieldSpec(name="n", type="integer"), "-1")
    -1
    >>> convert_value(FieldSpec(name="s", format="list"), "a; b;")
    ['a', 'b']
    """
    if spec.type == "integer":
        if not _INT.match(text):
            raise ValueError(f"expected an integer, got {text!r}")
        return int(text)
    if spec.type == "number":
        try:
            value = float(text)
        except ValueError:
            raise ValueError(f"expected a number, got {text!r}") from None
        if value != value or value in (float("inf"), float("-inf")):
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
        if c.pattern is not None and isinstance(v, str) and not re.fullmatch(c.pattern, v):
            return f"{v!r} does not match the pattern {c.pattern}"
    return None


def _decode(path: Path, name: str) -> tuple[str | None, list[Problem]]:
    if not path.is_file():
        return None, [Problem(name, None, None, "file not found")]
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        return None, [
            Problem(
                name, None, None, f"is {size} bytes; files over {MAX_FILE_BYTES} bytes are refused"
            )
        ]
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        return None, [Problem(name, line, None, f"is not UTF-8 text (byte 0x{data[e.start]:02x})")]
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        return None, [
            Problem(name, line, None, "contains a NUL character; expected plain CSV text")
        ]
    return text, []


def read_table(folder: Path, resource: Resource) -> tuple[Table, list[Problem]]:
    """Read ``resource`` from ``folder`` and check every cell against its schema.

    Returns the table (rows that passed the per-cell checks) and every problem found.
    Cost: O(rows x fields).
    """
    path = folder / resource.path
    name = display_path(path)
    table = Table(resource)
    text, probs = _decode(path, name)
    if text is None:
        return table, probs
    schema = resource.table_schema
    missing = set(schema.missingValues)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None or not any(h.strip() for h in header):
            expected = ", ".join(schema.names)
            return table, [Problem(name, 1, None, f"has no header row; expected: {expected}")]
        header = [h.strip() for h in header]
        probs += _check_header(name, header, schema.names)
        if probs:
            return table, probs
        specs = [schema.field(h) for h in header]
        prev_end = reader.line_num
        for row in reader:
            line, prev_end = prev_end + 1, reader.line_num
            if not row or (len(row) == 1 and not row[0].strip()):
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
    except csv.Error as e:
        probs.append(Problem(name, reader.line_num or 1, None, f"is not well-formed CSV: {e}"))
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
