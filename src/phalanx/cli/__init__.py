"""Command-line interface: a thin Typer shell over the library functions.

Each command group lives in its own module in this package and is registered here, so
that the CLI stays a thin layer: commands parse arguments, call a library function,
and render its plain-data result as a rich table or as JSON (``--json``).
"""

from __future__ import annotations

import typer

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="Phalanx: model a collective security system from sourced data.",
)


def _register() -> None:
    """Import the command modules; each adds its commands to ``app``."""
    import importlib

    for name in COMMAND_MODULES:
        importlib.import_module(f"phalanx.cli.{name}")


COMMAND_MODULES = ("commands_kb", "commands_balance", "commands_strain", "commands_align", "commands_decide", "commands_report")
"""The modules whose commands make up the CLI, in the order of ``phalanx --help``."""


def main() -> None:
    """Entry point of the ``phalanx`` console script."""
    _register()
    app()
