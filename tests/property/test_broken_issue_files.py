"""Broken issue files: ``phalanx decide FILE`` ends with a result or a clean error.

Each example starts from the valid Triple Alliance issue file, sets generated values (wrong
types, impossible dates, NaN, deep structures) at chosen places, and may break the YAML text
itself (duplicate keys, tabs, deep nesting, an alias bomb, Python tags, a BOM, NUL bytes).
"""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import assume, given
from hypothesis import strategies as st

from tests.property.conftest import PROFILE
from tests.property.harness import run_clean
from tests.property.strategies import YAML_TEXT_BREAKS, issue_edit

ISSUE = (
    Path(__file__).resolve().parents[1]
    / "data"
    / "kb"
    / "triple-alliance"
    / "issues"
    / "triple_alliance_1914.yaml"
)
BASE = yaml.safe_load(ISSUE.read_text(encoding="utf-8"))


def _set(doc: Any, path: tuple, value: Any) -> None:
    node = doc
    for key in path[:-1]:
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            return
    try:
        node[path[-1]] = value
    except (IndexError, TypeError):
        return


def _strings(value: Any) -> list[str]:
    """Every string inside ``value`` (keys included), for the exclusions below."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in _strings(k) + _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def break_text(text: str, how: str) -> str:
    """The YAML ``text`` broken in the way named by ``how`` (see YAML_TEXT_BREAKS)."""
    if how == "duplicate_key":
        return text + "\nid: another_id\n"
    if how == "tab_indent":
        return text.replace("\n  ", "\n\t", 3)
    if how == "deep_nesting":
        return "notes: " + "[" * 20_000 + "]" * 20_000 + "\n" + text
    if how == "alias_bomb":
        lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
        for i in range(1, 7):
            refs = ", ".join(f"*a{i - 1}" for _ in range(10))
            lines.append(f"a{i}: &a{i} [{refs}]")
        return "\n".join(lines) + "\n" + text.replace("notes:", "old_notes:") + "notes: *a6\n"
    if how == "python_tag":
        return text + "\nnotes: !!python/object/apply:os.system ['echo pwned']\n"
    if how == "bad_date":
        return text.replace('date: "1914-08-03"', "date: 1914-02-30")
    if how == "truncate":
        return text[: len(text) // 3]
    if how == "not_mapping":
        return "- just\n- a list\n"
    if how == "bom":
        return "\ufeff" + text
    if how == "nul":
        return text[:100] + "\x00" + text[100:]
    return text


@PROFILE
@given(
    edits=st.lists(issue_edit, max_size=3),
    breaks=st.lists(st.sampled_from(YAML_TEXT_BREAKS), max_size=2),
    rounds=st.sampled_from(["0", "3"]),
    rule=st.sampled_from([None, "majority", "unanimity", "qualified_majority"]),
)
def test_broken_issue_file_ends_cleanly(work_root, edits, breaks, rounds, rule):
    doc = copy.deepcopy(BASE)
    for path, value in edits:
        _set(doc, path, value)
    try:
        text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    except yaml.YAMLError:
        assume(False)
    for how in breaks:
        text = break_text(text, how)
    cwd = Path(tempfile.mkdtemp(dir=work_root))
    (cwd / "issue.yaml").write_text(text, encoding="utf-8", errors="surrogatepass")
    args = ["decide", "issue.yaml", "--rounds", rounds, "--json"]
    if rule:
        args += ["--rule", rule]
    run_clean(args, cwd)
    assert not (cwd / "pwned").exists()
