"""Dates outside the data's coverage are computed on, but the user is warned, on stderr."""

from __future__ import annotations

import json


def test_strain_after_the_data_warns_and_names_the_period(run):
    res = run("strain", "CSTO", "--at", "2030", "--json")
    assert res.exit_code == 0
    assert "after the period the data cover (1992 to 2026)" in res.stderr
    json.loads(res.stdout)  # the warning does not spoil the JSON


def test_strain_series_before_the_organisation_warns(run):
    res = run("strain", "CSTO", "--from", "1985", "--to", "1993", "--json")
    assert res.exit_code == 0
    assert "CSTO was founded on 1992-05-15" in res.stderr
    assert len(json.loads(res.stdout)) == 9


def test_no_warning_inside_the_coverage(run):
    assert run("strain", "CSTO", "--at", "2012-06-01", "--json").stderr == ""


def test_a_package_without_an_optional_table_loads_with_a_warning(run, tmp_path):
    import shutil
    from pathlib import Path

    pkg = tmp_path / "novotes"
    shutil.copytree(Path(__file__).resolve().parents[1] / "data" / "kb" / "anzus", pkg)
    (pkg / "votes.csv").unlink()
    d = json.loads((pkg / "datapackage.json").read_text())
    d["resources"] = [r for r in d["resources"] if r["name"] != "votes"]
    (pkg / "datapackage.json").write_text(json.dumps(d))
    res = run("members", "ANZUS", "--at", "1990", "--data", str(pkg), "--json")
    assert res.exit_code == 0 and len(json.loads(res.stdout)) == 3
    assert "warning:" in res.stderr and "no votes table; it is read as empty" in res.stderr
    assert res.stderr.count("warning:") == 1
