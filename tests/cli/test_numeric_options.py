"""Every numeric option of the kb, strain and balance commands refuses NaN, infinities and
negative numbers (none of them has a meaningful negative value: counts, seconds, days,
years, seeds), with exit code 2, a message naming the option, and no traceback.

The parameters are read from the Typer app itself, so a new numeric option is covered
as soon as it is added. (The align, decide and report commands are being converted to
declared settings on other branches; add their modules to MODULES after the merge.)
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

import phalanx.cli as cli
from phalanx.cli.commands_balance import BalanceOptions
from phalanx.cli.commands_strain import StrainOptions
from phalanx.params import default_of

MODULES = ("commands_kb", "commands_strain", "commands_balance")
cli._register()
runner = CliRunner()


def _numeric_options() -> list[tuple[str, str]]:
    import typer.main

    group = typer.main.get_group(cli.app)
    out = []
    for name, (module, _) in cli.command_index().items():
        if module not in MODULES:
            continue
        cmd = group.commands[name]
        for p in cmd.params:
            annotation = str(getattr(p, "type_descriptor", None) and p.type_descriptor.annotation)
            if any(t in annotation for t in ("int", "float")) and p.opts[0].startswith("--"):
                out.append((name, p.opts[0]))
    return out


OPTIONS = _numeric_options()


def test_the_options_are_found():
    assert ("balance", "--k") in OPTIONS and ("strain", "--window") in OPTIONS
    assert ("export", "--from") in OPTIONS and ("strain", "--time-limit") in OPTIONS


def _args(command: str, tmp_path) -> list[str]:
    if command == "balance":
        f = tmp_path / "net.csv"
        f.write_text("source,target,sign\nA,B,1\n", encoding="utf-8")
        return [str(f)]
    if command == "export":
        return ["--format", "gexf"]
    return []


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "-1"])
@pytest.mark.parametrize(("command", "option"), OPTIONS)
def test_refuses_nan_inf_and_negatives(command, option, value, tmp_path):
    result = runner.invoke(cli.app, [command, *_args(command, tmp_path), f"{option}={value}"])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    text = result.stderr
    assert option in text or option.lstrip("-") in text or "Invalid value" in text, text


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["strain", "--window", "800000"], "The 'window' parameter of strain must be less"),
        (["strain", "--time-limit", "1e308"], "The 'time_limit' parameter of strain"),
        (["balance", "x.csv", "--k", "20000"], "The 'k' parameter of balance must be less"),
        (["balance", "x.csv", "--time-limit", "nan"], "must be a finite number. Got nan"),
    ],
)
def test_out_of_range_values_get_the_uniform_message(args, needle):
    result = runner.invoke(cli.app, args)
    assert result.exit_code == 2 and needle in result.stderr, result.stderr


def test_cli_defaults_are_the_library_defaults():
    from phalanx.measures.strain import StrainSettings

    lib = StrainSettings()
    assert default_of(StrainOptions, "time_limit") == lib.time_limit
    assert default_of(StrainOptions, "window") == lib.window_days
    assert default_of(BalanceOptions, "seed") is None  # drawn and printed: no seed=0
