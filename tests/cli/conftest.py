"""A CLI runner with every command module registered."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

import phalanx.cli as cli


@pytest.fixture(scope="session")
def run():
    """Invoke ``phalanx ARGS``; returns the click Result (exit_code, stdout, stderr)."""
    cli._register()
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(cli.app, list(args), catch_exceptions=False)

    return invoke


def as_json(result) -> object:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)
