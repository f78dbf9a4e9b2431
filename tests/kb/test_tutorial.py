"""The tutorial in docs/data.md, run step by step: every command and table it shows."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

import phalanx.cli as cli

DOC = Path(__file__).resolve().parents[2] / "docs" / "data.md"
HEADING = "## Writing a data package for another alliance"


def tutorial() -> str:
    text = DOC.read_text(encoding="utf-8")
    assert HEADING in text, "the tutorial heading is missing from docs/data.md"
    return text.split(HEADING, 1)[1]


def test_tutorial_runs(tmp_path, monkeypatch):
    text = tutorial()
    monkeypatch.chdir(tmp_path)
    cli._register()
    runner = CliRunner()
    blocks = re.findall(r"```(\S+)(?: (\S+))?\n(.*?)```", text, flags=re.S)
    commands = [(kind, meta, body) for kind, meta, body in blocks]
    assert any(k == "sh" and m == "tutorial" for k, m, _ in commands)
    last_output = None
    created = False
    for kind, meta, body in commands:
        if kind == "sh" and meta == "tutorial":
            for line in body.strip().splitlines():
                args = shlex.split(line)
                assert args[0] == "phalanx"
                result = runner.invoke(cli.app, args[1:], catch_exceptions=False)
                assert result.exit_code == 0, f"{line}\n{result.output}"
                last_output = result.stdout
                created = created or args[1] == "new-package"
        elif kind == "csv":
            assert created, "a table is written before the package is created"
            name = meta.removeprefix("file=")
            (tmp_path / "anzus" / name).write_text(body, encoding="utf-8")
        elif kind == "json" and meta == "expected":
            expected = json.loads(body)
            got = json.loads(last_output)
            assert [{k: g[k] for k in e} for g, e in zip(got, expected, strict=True)] == expected


def test_tutorial_tables_match_the_schema():
    header = {}
    desc = json.loads(
        (
            Path(__file__).resolve().parents[2] / "src/phalanx/data/eurasia/datapackage.json"
        ).read_text()
    )
    for r in desc["resources"]:
        header[r["path"]] = ",".join(f["name"] for f in r["schema"]["fields"])
    tables = re.findall(r"```csv file=(\S+)\n(.*?)\n", tutorial())
    assert tables
    for name, first in tables:
        assert first == header[name], name


@pytest.mark.parametrize("cmd", ["new-package", "validate", "members", "strain", "export"])
def test_tutorial_uses_each_step(cmd):
    assert f"phalanx {cmd}" in tutorial()
