"""Hypothesis strategies for broken input: data packages, edge lists and issue files.

Each package mutation is plain data (a tuple naming the operation and its arguments), so
Hypothesis can shrink it and print a readable reproducer; :func:`apply_mutation` applies it
to a copy of a valid package.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

TABLES = (
    "sources.csv",
    "actors.csv",
    "organizations.csv",
    "provisions.csv",
    "memberships.csv",
    "relations.csv",
    "events.csv",
)

# Values that have broken parsers, renderers or validators somewhere before.
NASTY = (
    "",
    " ",
    "nan",
    "NaN",
    "inf",
    "-inf",
    "1e308",
    "1e999",
    "-1",
    "-0",
    "99999999999999999999999999",
    "0x10",
    "1_000",
    "٢٠٢٠",  # Arabic-Indic digits
    "１０",  # full-width digits
    "２０２０-０１-０１",
    "1952-02-30",
    "2022-13-01",
    "0000",
    "9999-12-31",
    "1952-04-29/1951",
    '"',
    '""',
    "'",
    'a"b',
    "[/]",
    "[bold]x",
    "[red]",
    "[link=javascript:alert(1)]x[/link]",
    "<script>alert(1)</script>",
    "</td></tr></table><img src=x onerror=alert(1)>",
    "javascript:alert(1)",
    "\ufeff",
    "\x00",
    "\u202e",
    "\r",
    "\n",
    ";",
    "ANZUS;ANZUS",
    "AUS;;NZL",
    "true",
    "yes",
    "é",
    "{}",
    "${HOME}",
    "../../../etc/passwd",
    "x" * 5000,
)

nasty_value = st.one_of(st.sampled_from(NASTY), st.text(max_size=20))

cell_op = st.tuples(
    st.just("cell"),
    st.sampled_from(TABLES),
    st.integers(0, 10),
    st.integers(0, 12),
    nasty_value,
)
raw_op = st.tuples(st.just("append"), st.sampled_from(TABLES), nasty_value)
file_op = st.tuples(
    st.sampled_from(
        [
            "drop",
            "empty",
            "bom",
            "nul",
            "long_line",
            "dup_row",
            "header_only",
            "dup_column",
            "crlf",
            "latin1",
        ]
    ),
    st.sampled_from(TABLES),
)
DP_OPS = (
    "truncate",
    "not_object",
    "sign_max_5",
    "intensity_no_max",
    "field_quote",
    "dotdot_path",
    "absolute_path",
    "redos_pattern",
    "bad_pattern",
    "deep_nesting",
    "resources_not_list",
    "huge_number",
    "nan_literal",
    "duplicate_resource",
    "duplicate_keys",
    "defaults_wrong_types",
    "defaults_unknown_org",
    "missing_field",
    "bom",
)
dp_op = st.tuples(st.just("datapackage"), st.sampled_from(DP_OPS))

mutation = st.one_of(cell_op, raw_op, file_op, dp_op)
mutations = st.lists(mutation, min_size=1, max_size=3)


def _read_rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


def _write_rows(path: Path, rows: list[list[str]]) -> None:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8", newline="")


def _mutate_descriptor(d: Any, op: str, text: str) -> str:
    """The new text of datapackage.json after ``op`` (``text`` is the current text)."""
    if op == "truncate":
        return text[: len(text) // 2]
    if op == "not_object":
        return "[]"
    if op == "deep_nesting":
        return '{"phalanx": ' + "[" * 50_000 + "]" * 50_000 + "}"
    if op == "nan_literal":
        return text.replace('"maximum": 1', '"maximum": NaN', 1)
    if op == "duplicate_keys":
        return text.replace('"name":', '"name": "dup", "name":', 1)
    if op == "bom":
        return "\ufeff" + text
    res = d["resources"]
    rel = next(r for r in res if r["name"] == "relations")
    actors = next(r for r in res if r["name"] == "actors")
    if op == "sign_max_5":
        f = next(f for f in rel["schema"]["fields"] if f["name"] == "sign")
        f.setdefault("constraints", {}).pop("enum", None)
        f["constraints"]["maximum"] = 5
    elif op == "intensity_no_max":
        f = next(f for f in rel["schema"]["fields"] if f["name"] == "intensity")
        f.get("constraints", {}).pop("maximum", None)
    elif op == "field_quote":
        actors["schema"]["fields"][1]["name"] = 'na"me'
    elif op == "dotdot_path":
        actors["path"] = "../outside.csv"
    elif op == "absolute_path":
        actors["path"] = "/etc/passwd"
    elif op == "redos_pattern":
        f = actors["schema"]["fields"][0]
        f.setdefault("constraints", {})["pattern"] = "^(a+)+$"
    elif op == "bad_pattern":
        actors["schema"]["fields"][0].setdefault("constraints", {})["pattern"] = "(["
    elif op == "resources_not_list":
        d["resources"] = {"a": 1}
    elif op == "huge_number":
        f = next(f for f in rel["schema"]["fields"] if f["name"] == "intensity")
        f.setdefault("constraints", {})["maximum"] = 10**400
    elif op == "duplicate_resource":
        d["resources"].append(dict(actors))
    elif op == "defaults_wrong_types":
        d["phalanx"] = {"organization": 5, "region": "AUS", "period": [1, 2, 3], "issues": {}}
    elif op == "defaults_unknown_org":
        d["phalanx"] = {"organization": "NOPE", "leader": "NOPE", "region": ["NOPE"]}
    elif op == "missing_field":
        rel["schema"]["fields"] = [f for f in rel["schema"]["fields"] if f["name"] != "sign"]
    return json.dumps(d, indent=1)


def apply_mutation(folder: Path, m: tuple) -> None:
    """Apply one mutation (an element of :data:`mutation`) to the package in ``folder``."""
    kind = m[0]
    if kind == "datapackage":
        path = folder / "datapackage.json"
        text = path.read_text(encoding="utf-8", errors="surrogateescape")
        try:
            d = json.loads(text)
        except (ValueError, RecursionError):  # an earlier mutation broke it
            d = None
        if not isinstance(d, dict) or not isinstance(d.get("resources"), list):
            # already broken: break it further
            path.write_text(text[:-1], encoding="utf-8", errors="surrogateescape")
            return
        try:
            new = _mutate_descriptor(d, m[1], text)
        except (StopIteration, KeyError, IndexError, TypeError, AttributeError):
            new = text[:-1]  # an earlier mutation removed what this one edits: break it further
        path.write_text(new, encoding="utf-8", errors="surrogateescape")
        if m[1] == "redos_pattern" and (folder / "actors.csv").is_file():
            # a value on which ^(a+)+$ backtracks exponentially
            actors = folder / "actors.csv"
            # an earlier mutation may have left bytes that are not UTF-8: keep them as they are
            lines = actors.read_text(encoding="utf-8", errors="surrogateescape").split("\n")
            if len(lines) > 1:
                lines[1] = "a" * 40 + "!," + lines[1].partition(",")[2]
                actors.write_text("\n".join(lines), encoding="utf-8", errors="surrogateescape")
        return
    path = folder / m[1]
    if not path.is_file():
        return
    if kind == "cell":
        _, _, row, col, value = m
        try:
            rows = _read_rows(path)
        except (ValueError, csv.Error):
            return
        if not rows:
            return
        r = rows[row % len(rows)]
        if r:
            r[col % len(r)] = value
        _write_rows(path, rows)
    elif kind == "append":
        with path.open("a", encoding="utf-8", errors="surrogatepass", newline="") as f:
            f.write(m[2] + "\n")
    elif kind == "drop":
        path.unlink()
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "bom":
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    elif kind == "nul":
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2] + b"\x00" + data[len(data) // 2 :])
    elif kind == "long_line":
        with path.open("ab") as f:
            f.write(b"A" * 2_000_000 + b"\n")
    elif kind == "dup_row":
        lines = path.read_bytes().splitlines(keepends=True)
        if len(lines) > 1:
            path.write_bytes(
                b"".join(lines + [lines[-1] if lines[-1].endswith(b"\n") else b"\n" + lines[-1]])
            )
    elif kind == "header_only":
        lines = path.read_bytes().splitlines(keepends=True)
        path.write_bytes(lines[0] if lines else b"")
    elif kind == "dup_column":
        lines = path.read_text(encoding="utf-8").splitlines()
        if lines:
            first = lines[0].split(",")[0]
            lines[0] = lines[0] + "," + first
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    elif kind == "crlf":
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    elif kind == "latin1":
        path.write_bytes(path.read_bytes() + "Zürich,ß\n".encode("latin-1"))


# --- edge lists for `phalanx balance` ----------------------------------------------------

_node = st.one_of(
    st.sampled_from(["A", "B", "C", "D", "E", "a b", '"q"', "[x]", "", "A"]), st.text(max_size=6)
)
_sign = st.one_of(
    st.sampled_from(["1", "-1", "+1", "0", "2", "nan", "inf", "１", "-", "", "1.0", "true", "[/]"]),
    st.text(max_size=4),
)
_weight = st.one_of(
    st.sampled_from(["1", "0.5", "0", "-1", "nan", "inf", "-inf", "1e308", "1e999", "", "٢", "x"]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)
_row = st.tuples(_node, _node, _sign, _weight)
_header = st.sampled_from(
    [
        "source,target,sign,weight",
        "source,target,sign",
        "a,b,c",
        "source,source,sign",
        "",
        "\ufeffsource,target,sign,weight",
        "source,target,sign,weight,extra",
    ]
)


@st.composite
def edge_list(draw) -> bytes:
    """The bytes of a (often broken) signed edge-list CSV."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=200))
    header = draw(_header)
    rows = draw(st.lists(_row, max_size=12))
    lines = [header] + [",".join(r) for r in rows]
    if draw(st.booleans()):
        lines.append(
            draw(
                st.sampled_from(
                    ['"unterminated', "A,B", "A,B,1,1,1,1", "\x00", "A" * 10_000 + ",B,1"]
                )
            )
        )
    return "\n".join(lines).encode("utf-8", errors="surrogatepass")


# --- issue files for `phalanx decide` ----------------------------------------------------

_scalar = st.one_of(
    st.sampled_from(
        [
            None,
            True,
            "",
            "x",
            "2022-02-30",
            "1914-13-01",
            "٢٠٢٠",
            "nan",
            ".inf",
            "[/]",
            "<script>",
            -1,
            0,
            2,
            10**30,
            1e308,
            float("nan"),
            float("inf"),
        ]
    ),
    st.integers(),
    st.floats(),
    st.text(max_size=10),
)
_value = st.recursive(
    _scalar,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)

ISSUE_PATHS = (
    ("id",),
    ("title",),
    ("date",),
    ("organisation",),
    ("decision_rule",),
    ("quota",),
    ("abstain_below",),
    ("scale",),
    ("scale", "min"),
    ("scale", "max"),
    ("scale", "anchors"),
    ("leader",),
    ("leader_capacity",),
    ("leader_capacity", "value"),
    ("requester",),
    ("actors",),
    ("actors", 0),
    ("actors", 0, "id"),
    ("actors", 0, "capability", "value"),
    ("actors", 1, "position", "value"),
    ("actors", 2, "salience", "value"),
    ("actors", 3, "member"),
    ("actors", 0, "position", "url"),
    ("outcome",),
    ("outcome", "value"),
    ("notes",),
)
issue_edit = st.tuples(st.sampled_from(ISSUE_PATHS), _value)

YAML_TEXT_BREAKS = (
    "duplicate_key",
    "tab_indent",
    "deep_nesting",
    "alias_bomb",
    "python_tag",
    "bad_date",
    "truncate",
    "not_mapping",
    "bom",
    "nul",
)
