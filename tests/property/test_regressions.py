"""One minimal reproducer per class of failure the generative suite found in src/.

Each is marked ``xfail(strict=True)``: it fails today, and once the fix lands (being written
in parallel) it passes, the strict mark turns it into a failure, and the mark must be removed
together with the matching exclusion in the generative test named in the test's docstring.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from tests.property.harness import run_clean

DATA = Path(__file__).resolve().parents[1] / "data" / "kb"
ISSUE = DATA / "triple-alliance" / "issues" / "triple_alliance_1914.yaml"


def _anzus(tmp_path: Path) -> Path:
    pkg = tmp_path / "pkg"
    shutil.copytree(DATA / "anzus", pkg)
    return pkg


def test_markup_in_a_broken_package_cell(tmp_path):
    """Excluded in test_broken_packages.known_failure: '[' in a cell of a broken package."""
    pkg = _anzus(tmp_path)
    text = (pkg / "actors.csv").read_text(encoding="utf-8")
    (pkg / "actors.csv").write_text(text.replace("\nAUS,", "\n[/],", 1), encoding="utf-8")
    result = run_clean(["members", "ANZUS", "--data", str(pkg), "--json"], tmp_path)
    assert result.exit_code == 2
    assert "[/]" in result.output  # the bad value is shown as text


def test_markup_in_a_valid_package_table(tmp_path):
    """Excluded in test_broken_packages.known_failure: '[' in a cell, here of a valid package.

    A valid actor name with markup must print as text in the members table.
    """
    pkg = _anzus(tmp_path)
    text = (pkg / "actors.csv").read_text(encoding="utf-8")
    (pkg / "actors.csv").write_text(
        text.replace(",Australia,", ",[/]Australia,", 1), encoding="utf-8"
    )
    result = run_clean(["members", "ANZUS", "--at", "1990-01-01", "--data", str(pkg)], tmp_path)
    assert result.exit_code == 0
    assert "[/]Australia" in result.output


def test_markup_in_an_issue_file_error(tmp_path):
    """Excluded in test_broken_issue_files: '[' in an edited value."""
    doc = yaml.safe_load(ISSUE.read_text(encoding="utf-8"))
    doc["leader"] = "[/]"
    (tmp_path / "issue.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    result = run_clean(["decide", "issue.yaml"], tmp_path)
    assert result.exit_code == 2
    assert "[/]" in result.output


def test_markup_in_balance_node_names(tmp_path):
    """Excluded in test_broken_edge_lists: '[' anywhere in the edge list."""
    (tmp_path / "e.csv").write_text("source,target,sign\n[/],B,1\nB,C,-1\n", encoding="utf-8")
    result = run_clean(["balance", "e.csv"], tmp_path)
    assert result.exit_code == 0
    assert "[/]" in result.output


def test_impossible_quoted_date_in_an_issue_file(tmp_path):
    """Not excluded anywhere: the generative test checks a clean end, and this ends with 0.

    ``date: "1914-02-30"`` matches the issue schema's pattern, so decide prints a result
    dated 30 February; it must be refused with an error naming the field.
    """
    text = ISSUE.read_text(encoding="utf-8").replace('date: "1914-08-03"', 'date: "1914-02-30"')
    (tmp_path / "issue.yaml").write_text(text, encoding="utf-8")
    result = run_clean(["decide", "issue.yaml"], tmp_path)
    assert result.exit_code == 2
    assert "date" in result.output


def test_impossible_unquoted_date_in_an_issue_file(tmp_path):
    """Unquoted, YAML itself rejects the day; today the message is only 'day is out of range
    for month', without the file or the field."""
    text = ISSUE.read_text(encoding="utf-8").replace('date: "1914-08-03"', "date: 1914-02-30")
    (tmp_path / "issue.yaml").write_text(text, encoding="utf-8")
    result = run_clean(["decide", "issue.yaml"], tmp_path)
    assert result.exit_code == 2
    assert "issue.yaml" in result.output and "date" in result.output


def test_deeply_nested_datapackage_json(tmp_path):
    """Excluded in test_broken_packages.known_failure: the 'deep_nesting' descriptor."""
    pkg = _anzus(tmp_path)
    (pkg / "datapackage.json").write_text("[" * 50_000 + "]" * 50_000, encoding="utf-8")
    result = run_clean(["validate", str(pkg)], tmp_path)
    assert result.exit_code == 1


def test_deeply_nested_issue_file(tmp_path):
    """Excluded in test_broken_issue_files: the 'deep_nesting' text break."""
    text = ISSUE.read_text(encoding="utf-8")
    (tmp_path / "issue.yaml").write_text(
        "notes: " + "[" * 20_000 + "]" * 20_000 + "\n" + text, encoding="utf-8"
    )
    result = run_clean(["decide", "issue.yaml"], tmp_path)
    assert result.exit_code == 2


def test_catastrophic_pattern_in_a_package(tmp_path):
    """Excluded in test_broken_packages.known_failure: the 'redos_pattern' descriptor.

    ``^(a+)+$`` on 40 a's and a '!' takes about 2**40 steps in a backtracking engine; a
    validator must bound it (reject such patterns, or time-limit the match) and report a
    clean problem. The hard timeout here is 3 s; today the run is interrupted as a hang.
    """
    pkg = _anzus(tmp_path)
    d = json.loads((pkg / "datapackage.json").read_text(encoding="utf-8"))
    actors = next(r for r in d["resources"] if r["name"] == "actors")
    actors["schema"]["fields"][0]["constraints"]["pattern"] = "^(a+)+$"
    (pkg / "datapackage.json").write_text(json.dumps(d), encoding="utf-8")
    text = (pkg / "actors.csv").read_text(encoding="utf-8")
    (pkg / "actors.csv").write_text(
        text.replace("\nAUS,", "\n" + "a" * 40 + "!,", 1), encoding="utf-8"
    )
    result = run_clean(["validate", str(pkg)], tmp_path, timeout=3.0)
    assert result.exit_code == 1


def test_huge_weights_are_refused_and_large_ones_keep_balance_scale_free(tmp_path):
    """Weights near the float maximum (1e308) overflow any sum: they are refused with the
    cap named. Below the cap the summary does not depend on the unit of the weights: one
    positive tie of three in an unbalanced triangle is frustrated, so normalised balance is
    1 - 1 / (3 / 2) = 1/3 whatever the common weight."""
    rows = "source,target,sign,weight\nA,B,1,{w}\nB,C,-1,{w}\nA,C,1,{w}\n"
    (tmp_path / "e.csv").write_text(rows.format(w="1e308"), encoding="utf-8")
    result = run_clean(["balance", "e.csv", "--json"], tmp_path)
    assert result.exit_code == 2 and "at most 1e+12" in result.output
    (tmp_path / "e.csv").write_text(rows.format(w="1e12"), encoding="utf-8")
    result = run_clean(["balance", "e.csv", "--json"], tmp_path)
    summary = json.loads(result.stdout[result.stdout.index("{") :])
    assert summary["normalised_balance"] == pytest.approx(1 / 3)
