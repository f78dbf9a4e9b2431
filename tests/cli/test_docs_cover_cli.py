"""Docs that cannot drift: every CLI command is in the README's tour and every line of the
tour runs (on the example files it names), every strain setting is in docs/strain.md, and
the example edge list is what ``export`` writes today."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

import phalanx.cli as cli
from phalanx.measures.strain import DEFAULT_COMPONENT_WEIGHTS, StrainSettings

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def command_names() -> list[str]:
    cli._register()
    return [c.name or c.callback.__name__.replace("_", "-") for c in cli.app.registered_commands]


def tour_lines() -> list[str]:
    """The ``phalanx ...`` lines of the README's tour, comments dropped."""
    block = README.split("## A tour of the CLI", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    lines = []
    for raw in block.splitlines():
        line = raw.split("  #", 1)[0].strip()
        if line.startswith("phalanx "):
            lines.append(line)
    return lines


def test_every_command_is_in_the_readme():
    missing = [n for n in command_names() if f"phalanx {n}" not in README]
    assert not missing, f"README's CLI tour lacks: {missing}"


def test_the_tour_runs(run, tmp_path, monkeypatch):
    """Every tour line exits 0; files it writes go into a temporary folder (the tour's
    relative names resolve there, the example files are given from the repository)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "docs").symlink_to(ROOT / "docs")
    lines = tour_lines()
    assert len(lines) >= 15
    for line in lines:
        args = shlex.split(line)[1:]
        result = run(*args)
        assert result.exit_code == 0, f"{line}\n{result.output}"
    assert (tmp_path / "csto-2022.nodes.csv").exists() and (tmp_path / "strain.html").exists()


def test_the_example_edge_list_is_what_export_writes(run, tmp_path):
    out = tmp_path / "net.csv"
    assert run("export", "--at", "2022-10-01", "--format", "csv", "--out", str(out)).exit_code == 0
    examples = ROOT / "docs" / "examples"
    again = (
        "the embedded data changed: regenerate the example with `phalanx export --at "
        "2022-10-01 --format csv --out docs/examples/csto-2022-10-01.csv --force`"
    )
    assert out.read_bytes() == (examples / "csto-2022-10-01.csv").read_bytes(), again
    nodes = (tmp_path / "net.nodes.csv").read_bytes()
    assert nodes == (examples / "csto-2022-10-01.nodes.csv").read_bytes(), again


def test_every_strain_setting_and_component_is_documented():
    doc = (ROOT / "docs" / "strain.md").read_text(encoding="utf-8")
    names = list(StrainSettings.model_fields) + list(DEFAULT_COMPONENT_WEIGHTS)
    missing = [n for n in names if n not in doc]
    assert not missing, f"docs/strain.md does not mention: {missing}"


@pytest.mark.parametrize("example", ["anzus"])
def test_the_example_package_is_valid(run, example):
    assert run("validate", str(ROOT / "docs" / "examples" / example)).exit_code == 0
