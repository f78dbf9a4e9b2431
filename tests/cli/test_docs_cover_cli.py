"""Docs that cannot drift: every CLI command is in the README's tour, every setting of the
strain index is in docs/strain.md."""

from __future__ import annotations

from pathlib import Path

import phalanx.cli as cli
from phalanx.measures.strain import DEFAULT_COMPONENT_WEIGHTS, StrainSettings

ROOT = Path(__file__).resolve().parents[2]


def command_names() -> list[str]:
    cli._register()
    return [c.name or c.callback.__name__.replace("_", "-") for c in cli.app.registered_commands]


def test_every_command_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [n for n in command_names() if f"phalanx {n}" not in readme]
    assert not missing, f"README's CLI tour lacks: {missing}"


def test_every_strain_setting_and_component_is_documented():
    doc = (ROOT / "docs" / "strain.md").read_text(encoding="utf-8")
    names = list(StrainSettings.model_fields) + list(DEFAULT_COMPONENT_WEIGHTS)
    missing = [n for n in names if n not in doc]
    assert not missing, f"docs/strain.md does not mention: {missing}"
