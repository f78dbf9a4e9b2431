"""Every numeric option of the kb, strain, balance, align, decide and report commands
refuses NaN and infinities, and negative numbers where they mean nothing (counts, seconds,
days, years, seeds, shares), with exit code 2, a message naming the option, and no
traceback. The CLI's declared defaults and ranges are the library's.

The parameters are read from the Typer app itself, so a new numeric option is covered
as soon as it is added.
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

import phalanx.cli as cli
from phalanx.cli.commands_balance import BalanceOptions
from phalanx.cli.commands_strain import StrainOptions
from phalanx.params import default_of

MODULES = (
    "commands_kb",
    "commands_strain",
    "commands_balance",
    "commands_align",
    "commands_decide",
    "commands_report",
)
NEGATIVE_MEANINGFUL = {("align", "--neutral")}
"""Options whose negative values mean something (a scale's neutral point may be below 0);
they still refuse NaN and infinities."""
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
    for found in [("align", "--neutral"), ("align", "--spread"), ("align", "--samples")]:
        assert found in OPTIONS
    assert ("decide", "--rounds") in OPTIONS and ("decide", "--quota") in OPTIONS


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
    if value == "-1" and (command, option) in NEGATIVE_MEANINGFUL:
        result = runner.invoke(cli.app, [command, f"{option}={value}", "--help"])
        assert result.exit_code == 0, result.output  # accepted by the option's check
        return
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
        (["align", "--neutral", "inf"], "The 'neutral' parameter of align must be a finite"),
        (["align", "--spread", "11"], "The 'spread' parameter of align must be less than or"),
        (["align", "--k", "1"], "The 'k' parameter of align must be greater than or equal to 2"),
        (["align", "--samples", "100001"], "The 'samples' parameter of align must be less"),
        (["decide", "x", "--rounds", "1001"], "'bargaining_rounds' parameter of Collective"),
        (["decide", "x", "--quota", "0.5"], "'quota' parameter of CollectiveDecisionParams"),
        (["decide", "x", "--tolerance", "-inf"], "must be a finite number. Got -inf instead."),
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


def _app_defaults(command: str) -> dict[str, object]:
    """The default of every option of ``command`` as the Typer app holds it."""
    import typer.main

    cmd = typer.main.get_group(cli.app).commands[command]
    return {p.name: p.default for p in cmd.params}


def _constraints(field) -> list[str]:
    """A field's range constraints (ge, gt, le, lt) as comparable text."""
    return sorted(repr(m) for m in field.metadata)


def test_align_declares_the_library_ranges_and_defaults():
    from phalanx.cli.commands_align import MAX_SAMPLES, WEIGHTING_NAMES, AlignOptions
    from phalanx.models import landscape_sampling
    from phalanx.models.landscape import LandscapeParams
    from phalanx.models.landscape_sampling import SamplingParams
    from phalanx.network.pairs import WEIGHTINGS

    cli_fields, lib = AlignOptions.model_fields, LandscapeParams.model_fields
    for name in ("k", "method", "time_limit", "work_limit", "seed"):
        assert cli_fields[name].default == lib[name].default, name
        assert cli_fields[name].annotation == lib[name].annotation, name
        assert _constraints(cli_fields[name]) == _constraints(lib[name]), name
    spread = SamplingParams.model_fields["spread"]
    assert cli_fields["spread"].default == spread.default
    assert _constraints(cli_fields["spread"]) == _constraints(spread)
    assert MAX_SAMPLES == landscape_sampling.MAX_SAMPLES
    assert default_of(AlignOptions, "samples") == 0  # no sampling unless asked
    assert WEIGHTING_NAMES == tuple(WEIGHTINGS)
    app = _app_defaults("align")
    for name in ("k", "method", "time_limit", "work_limit", "seed", "spread", "neutral"):
        assert app[name] == default_of(AlignOptions, name), name
    assert app["weighting"] in WEIGHTINGS


def test_decide_defaults_are_the_library_defaults():
    from phalanx.models.collective import CollectiveDecisionParams

    lib = CollectiveDecisionParams()
    app = _app_defaults("decide")
    assert app["rounds"] == lib.bargaining_rounds
    for name in ("rule", "quota", "variant", "tolerance"):
        assert app[name] == getattr(lib, name), name


LIGHT_PROBE = """
import json, sys
for name in ("commands_align", "commands_decide", "commands_report"):
    __import__("phalanx.cli." + name)
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules} & set(%r))))
"""


def test_the_align_decide_report_modules_import_no_heavy_library():
    import json
    import subprocess
    import sys

    heavy = ("scipy", "highspy", "plotly", "duckdb", "networkx")
    out = subprocess.run(
        [sys.executable, "-c", LIGHT_PROBE % (heavy,)], capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
