"""Property-based fuzz of the CSV reader: whatever a table file holds, loading either
succeeds or raises DataPackageError naming the file; never another exception, never a
partial load."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from phalanx.kb import DataPackageError, KnowledgeBase, load_package
from phalanx.kb.descriptor import FieldSpec
from phalanx.kb.tables import CsvError, convert_value, split_csv

FIXTURE = Path(__file__).resolve().parents[1] / "data" / "kb" / "anzus"
TABLES = ["actors.csv", "memberships.csv", "relations.csv", "events.csv"]

_pieces = list('abcAUSNZL0123456789-;,"\n\r\t \x00é/.:') + ["ANZUS", "member", "1952-04-29", "true"]
csv_text = st.lists(st.sampled_from(_pieces), max_size=120).map("".join)


def _load(folder: Path):
    try:
        return KnowledgeBase(load_package(folder))
    except DataPackageError as e:
        assert e.problems, "a DataPackageError must carry problems"
        assert all(p.file for p in e.problems)
        return None


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(table=st.sampled_from(TABLES), text=csv_text)
def test_random_text_never_crashes(tmp_path_factory, table, text):
    folder = tmp_path_factory.mktemp("pkg")
    shutil.copytree(FIXTURE, folder, dirs_exist_ok=True)
    (folder / table).write_text(text, encoding="utf-8", newline="")
    _load(folder)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(table=st.sampled_from(TABLES), data=st.binary(max_size=300))
def test_random_bytes_never_crash(tmp_path_factory, table, data):
    folder = tmp_path_factory.mktemp("pkg")
    shutil.copytree(FIXTURE, folder, dirs_exist_ok=True)
    (folder / table).write_bytes(data)
    _load(folder)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(line=st.integers(min_value=1, max_value=4), junk=csv_text)
def test_corrupting_one_row_refuses_the_whole_package(tmp_path_factory, line, junk):
    folder = tmp_path_factory.mktemp("pkg")
    shutil.copytree(FIXTURE, folder, dirs_exist_ok=True)
    path = folder / "memberships.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    original = lines[line - 1] if line <= len(lines) else ""
    lines[min(line, len(lines)) - 1] = junk + "\n"
    path.write_text("".join(lines), encoding="utf-8")
    kb = _load(folder)
    if kb is not None:
        # accepted only if the junk happens to be a valid row (or a blank line): then every
        # loaded membership must still be a real, typed row
        for m in kb.query("SELECT * FROM memberships"):
            assert m["organization"] == "ANZUS" and m["start_lo"] is not None
    else:
        assert original != junk + "\n"


@given(text=st.text(max_size=30))
def test_convert_value_raises_only_value_error(text):
    for spec in (
        FieldSpec(name="i", type="integer"),
        FieldSpec(name="n", type="number"),
        FieldSpec(name="b", type="boolean"),
        FieldSpec(name="d", format="partial-date"),
        FieldSpec(name="l", format="list"),
    ):
        try:
            convert_value(spec, text)
        except ValueError:
            pass


_cell = st.lists(
    st.sampled_from(["a", "b", " ", ",", '"', "\n", "\r", "\r\n", ";", "é"]), max_size=8
).map("".join)


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(st.lists(_cell, min_size=1, max_size=5), min_size=1, max_size=6))
def test_split_csv_reads_back_what_the_csv_module_writes(rows):
    # any table written by Python's csv module (RFC 4180 quoting) reads back exactly,
    # each record starting on the line a plain count of line breaks gives
    rows = [r for r in rows if r != [""]]  # a lone empty value is written as a blank line
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    text = buf.getvalue()
    got = list(split_csv(text))
    assert [values for _, values in got] == rows
    starts, line = [], 1
    for r in rows:
        starts.append(line)
        line += 1 + sum(c.count("\n") + c.count("\r") - c.count("\r\n") for c in r)
    assert [start for start, _ in got] == starts


@pytest.mark.parametrize(
    "text",
    ['a"b', '"a"b', '"a', 'x,"a""', '"a"\t'],
)
def test_split_csv_refuses_stray_quotes(text):
    with pytest.raises(CsvError):
        list(split_csv(text))


@given(text=st.text(max_size=12))
def test_numbers_are_ascii_only(text):
    # an independent oracle: accepted exactly when every character is ASCII and float()
    # reads it as a finite number without underscores or spaces
    spec = FieldSpec(name="n", type="number")
    try:
        value = convert_value(spec, text)
    except ValueError:
        value = None
    oracle = None
    if text.isascii() and text == text.strip() and "_" not in text:
        try:
            f = float(text)
        except ValueError:
            f = None
        low = text.lower()
        if (
            f is not None
            and f == f
            and abs(f) != float("inf")
            and "n" not in low
            and "i" not in low
        ):
            oracle = f
    assert value == oracle


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=6) | st.floats(allow_nan=False),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)


def _paths(value, prefix=()):
    """Every (path of keys/indexes) into a JSON value."""
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, (*prefix, i))


_DESCRIPTOR = json.loads((FIXTURE / "datapackage.json").read_text(encoding="utf-8"))
_DESCRIPTOR_PATHS = [p for p in _paths(_DESCRIPTOR) if p]


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(where=st.sampled_from(_DESCRIPTOR_PATHS), value=_json)
def test_a_mangled_descriptor_never_crashes(tmp_path_factory, where, value):
    # any one value of datapackage.json replaced by any JSON value: loading either works
    # or raises DataPackageError naming a file, never another exception
    folder = tmp_path_factory.mktemp("pkg")
    shutil.copytree(FIXTURE, folder, dirs_exist_ok=True)
    d = json.loads(json.dumps(_DESCRIPTOR))
    target = d
    for key in where[:-1]:
        target = target[key]
    target[where[-1]] = value
    (folder / "datapackage.json").write_text(json.dumps(d), encoding="utf-8")
    _load(folder)
