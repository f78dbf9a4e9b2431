"""Only user errors become a one-line message; bugs keep their traceback; every --help is
free of type placeholders and literal backticks."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

import phalanx.cli as cli
import phalanx.cli.common as common
from phalanx.errors import UserError

cli._register()
runner = CliRunner()


def _boom_value_error(*args, **kwargs):
    raise ValueError("a bug, not bad input")


def test_a_bug_keeps_its_traceback(monkeypatch):
    # a plain ValueError inside a command is a bug: it must not be turned into a message
    monkeypatch.setattr(common, "load_kb", _boom_value_error)
    monkeypatch.setattr("phalanx.cli.commands_kb.load_kb", _boom_value_error)
    result = runner.invoke(cli.app, ["actors"])
    assert isinstance(result.exception, ValueError)
    assert str(result.exception) == "a bug, not bad input"
    assert result.exit_code == 1


def test_a_user_error_is_one_line_and_exit_code_2(monkeypatch):
    def bad(*args, **kwargs):
        raise UserError("expected a folder", file="pkg", field="--data")

    monkeypatch.setattr("phalanx.cli.commands_kb.load_kb", bad)
    result = runner.invoke(cli.app, ["actors"])
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: pkg: field '--data': expected a folder"


def test_a_missing_data_folder_is_a_user_error(tmp_path):
    result = runner.invoke(cli.app, ["actors", "--data", str(tmp_path / "nope")])
    assert result.exit_code == 2 and "does not exist" in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


def _commands() -> list[str]:
    return list(cli.command_index())


@pytest.mark.parametrize("command", [None, *_commands()])
def test_help_has_no_type_placeholders_or_backticks(command):
    args = ["--help"] if command is None else [command, "--help"]
    result = runner.invoke(cli.app, args, terminal_width=100)
    assert result.exit_code == 0, result.output
    assert "`" not in result.output
    assert not re.search(r"<(bool|str|int|float|path|text|integer)>", result.output, re.I)
    assert not re.search(r"\b(int|float) range\b", result.output)
    assert "Usage:" in result.output
