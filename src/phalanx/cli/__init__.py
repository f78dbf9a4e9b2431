"""Command-line interface: a thin Typer shell over the library functions.

Each command group lives in its own module in this package, so that the CLI stays a thin
layer: commands parse arguments, call a library function, and render its plain-data result
as a rich table or as JSON (``--json``).

Start-up is kept fast: a command module is imported only when its command runs (or its
``--help`` is asked for). ``phalanx --help`` lists the commands from the modules' source
text (names and docstrings read with :mod:`ast`), so listing them imports none of the
heavy libraries (DuckDB, SciPy, HiGHS, plotly, networkx) that the commands use.
"""

from __future__ import annotations

import ast
import functools
import importlib
import importlib.util
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup

from phalanx import __version__

COMMAND_MODULES = (
    "commands_kb",
    "commands_balance",
    "commands_strain",
    "commands_align",
    "commands_decide",
    "commands_simulate",
    "commands_evidence",
    "commands_import",
    "commands_calibrate",
    "commands_discover",
    "commands_report",
    "commands_serve",
    "commands_extract",
)
"""The modules whose commands make up the CLI, in the order of ``phalanx --help``."""


def _command_name(func: ast.FunctionDef, call: ast.Call) -> str:
    """The name Typer gives the command ``@app.command(...)`` registers for ``func``."""
    if call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str):
        return call.args[0].value
    for kw in call.keywords:
        if kw.arg == "name" and isinstance(kw.value, ast.Constant):
            return str(kw.value.value)
    return func.name.lower().replace("_", "-")


@functools.cache
def command_index() -> dict[str, tuple[str, str]]:
    """Every command: name -> (module, first paragraph of its docstring).

    Read from the command modules' source text without importing them, so that the
    command list costs milliseconds. Order: :data:`COMMAND_MODULES`, then source order.
    """
    index: dict[str, tuple[str, str]] = {}
    for module in COMMAND_MODULES:
        spec = importlib.util.find_spec(f"{__name__}.{module}")
        if spec is None or spec.origin is None:
            continue
        tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
        for node in tree.body:
            if not isinstance(node, ast.FunctionDef):
                continue
            for dec in node.decorator_list:
                if (
                    isinstance(dec, ast.Call)
                    and isinstance(dec.func, ast.Attribute)
                    and dec.func.attr == "command"
                    and isinstance(dec.func.value, ast.Name)
                    and dec.func.value.id == "app"
                ):
                    doc = (ast.get_docstring(node) or "").strip().split("\n\n")[0]
                    index[_command_name(node, dec)] = (module, " ".join(doc.split()))
    return index


_TYPE_WORDS = {"str": "TEXT", "int": "INTEGER", "float": "NUMBER", "Path": "PATH", "path": "PATH"}


def tidy_help(cmd: Any, ctx: Any) -> Any:
    """Give ``cmd``'s parameters readable placeholders (TEXT, INTEGER, NUMBER, PATH, a|b)
    instead of Typer's ``<str>``/``<int>``/``<bool>``; flags get none. Returns ``cmd``.

    Only Typer versions that show ``<type>`` placeholders (0.2x) need it; on others the
    parameters already read TEXT, INTEGER, ... and are left alone.
    """
    if cmd is None:
        return None
    for p in cmd.get_params(ctx):
        if p.metavar is not None or not hasattr(p, "display_type"):
            continue
        if getattr(p, "is_flag", False):
            p.metavar = ""
            continue
        label = p.display_type(ctx).strip("<>").removesuffix(" range")  # "int range" too
        word = _TYPE_WORDS.get(label.removeprefix("list[").removesuffix("]"), label)
        if isinstance(p, TyperArgument):
            p.metavar = (p.name or word).upper()
            p.display_type_rich = lambda ctx, w=word: w
        else:
            p.metavar = word
    return cmd


class LazyGroup(TyperGroup):
    """The ``phalanx`` group: imports a command's module only when the command is used."""

    _listing = False

    def list_commands(self, ctx: Any) -> list[str]:
        """All command names, loaded or not, in help order."""
        names = list(command_index())
        return names + [n for n in self.commands if n not in names]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        """The command ``cmd_name``; its module is imported on first use.

        While the group's own help is being written, a command that is not loaded yet is
        represented by a stand-in carrying its name and one-line help (nothing imported).
        """
        cmd = self.commands.get(cmd_name)
        if cmd is not None:
            return tidy_help(cmd, ctx)
        entry = command_index().get(cmd_name)
        if entry is None:
            return None
        if self._listing:
            return TyperCommand(cmd_name, help=entry[1])
        importlib.import_module(f"{__name__}.{entry[0]}")
        self.commands.update(typer.main.get_group(app).commands)
        return tidy_help(self.commands.get(cmd_name), ctx)

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        """Resolve the command; a typo gets "Did you mean ...?" among all commands."""
        if args and args[0] not in command_index() and args[0] not in self.commands:
            import difflib

            matches = difflib.get_close_matches(args[0], self.list_commands(ctx))
            if matches and not args[0].startswith("-"):
                ctx.fail(f"No such command {args[0]!r}. Did you mean {matches[0]!r}?")
        return super().resolve_command(ctx, args)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        """The group's help, listing commands without importing their modules."""
        self._listing = True
        tidy_help(self, ctx)
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False


app = typer.Typer(
    cls=LazyGroup,
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="markdown",
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"phalanx {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Phalanx: model a collective security system from sourced data."""


def _register() -> None:
    """Import every command module, so that ``app`` holds every command (tests, docs)."""
    for name in COMMAND_MODULES:
        importlib.import_module(f"{__name__}.{name}")


def main(args: Any = None) -> None:
    """Entry point of the ``phalanx`` console script."""
    app(args=args, prog_name="phalanx")
