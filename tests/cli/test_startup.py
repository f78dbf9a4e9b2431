"""Start-up stays light: the command list and --version import no heavy library, and the
list shown without importing the command modules is the one they register."""

from __future__ import annotations

import json
import subprocess
import sys

import phalanx
import phalanx.cli as cli

HEAVY = ("scipy", "highspy", "plotly", "duckdb", "networkx")

PROBE = """
import json, sys
import phalanx.cli as cli
for name in ("commands_kb", "commands_strain", "commands_balance"):
    __import__("phalanx.cli." + name)
try:
    cli.main(["--help"])
except SystemExit:
    pass
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in %r)))
"""


def test_help_and_the_kb_strain_balance_modules_import_no_heavy_library():
    out = subprocess.run(
        [sys.executable, "-c", PROBE % (HEAVY,)], capture_output=True, text=True, check=True
    )
    loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert loaded == [], f"imported at start-up: {loaded}"
    assert "Commands" in out.stdout and "balance" in out.stdout


def test_version(run):
    result = run("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"phalanx {phalanx.__version__}"


def test_the_lazy_command_list_matches_the_registered_commands():
    cli._register()
    real = {}
    for info in cli.app.registered_commands:
        name = info.name or info.callback.__name__.lower().replace("_", "-")
        doc = (info.help or info.callback.__doc__ or "").strip()
        import inspect

        real[name] = " ".join(inspect.cleandoc(doc).split("\n\n")[0].split())
    index = {name: help_ for name, (_, help_) in cli.command_index().items()}
    assert index == real


def test_a_mistyped_command_gets_a_suggestion(run):
    result = run("membrs")
    assert result.exit_code == 2 and "Did you mean 'members'?" in result.output
