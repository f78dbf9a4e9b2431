"""What every command shares: loading the knowledge base, user errors, JSON and tables."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from phalanx.errors import UserError
from phalanx.kb import DataPackageError, KnowledgeBase, UnknownIdError
from phalanx.kb.dates import PartialDate

console = Console(width=None if sys.stdout.isatty() else 160, emoji=False)
"""Standard output; wide when piped, so tables stay readable in files and logs."""
err_console = Console(stderr=True, soft_wrap=True, emoji=False)

DataOption = Annotated[
    Path | None,
    typer.Option("--data", help="A data package folder to use instead of the embedded one."),
]
OnTopOption = Annotated[
    bool, typer.Option("--on-top", help="Layer the --data package on top of the embedded one.")
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print JSON for scripts instead of a table.")
]


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Turn the errors a user can cause into a clear message and exit code 2.

    Data package problems print every problem (exit code 1 for ``validate`` is set by
    that command itself); other user errors print one line. No traceback is shown.
    """
    try:
        yield
    except DataPackageError as e:
        err_console.print(f"[red]error:[/red] {e.summary()}", highlight=False, markup=True)
        raise typer.Exit(2) from None
    except (UserError, UnknownIdError, ValueError, FileNotFoundError, IsADirectoryError) as e:
        msg = e.args[0] if isinstance(e, UnknownIdError) and e.args else str(e)
        err_console.print(f"[red]error:[/red] {msg}", highlight=False)
        raise typer.Exit(2) from None


_KB_CACHE: dict[tuple[str | None, bool], KnowledgeBase] = {}


def load_kb(data: Path | None = None, on_top: bool = False) -> KnowledgeBase:
    """The knowledge base a command works on: embedded, a user's, or both layered."""
    key = (None if data is None else str(data.resolve()), on_top)
    if key not in _KB_CACHE:
        if data is None:
            if on_top:
                raise UserError("--on-top needs --data PATH")
            _KB_CACHE[key] = KnowledgeBase.embedded()
        else:
            _KB_CACHE[key] = KnowledgeBase.from_path(data, on_top=on_top)
    return _KB_CACHE[key]


def _default(o: Any) -> Any:
    if isinstance(o, PartialDate):
        return str(o)
    if isinstance(o, dt.date):
        return o.isoformat()
    if hasattr(o, "tolist"):
        return o.tolist()
    if isinstance(o, set | tuple):
        return list(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def emit_json(obj: Any) -> None:
    """Print ``obj`` as JSON on standard output (dates as ISO text)."""
    sys.stdout.write(json.dumps(obj, default=_default, indent=2, ensure_ascii=False) + "\n")


def cell(value: Any) -> str:
    """A value as table text: lists joined, None empty, floats short."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def print_table(
    title: str, columns: Sequence[str], rows: Sequence[dict[str, Any]], caption: str | None = None
) -> None:
    """Render ``rows`` (dicts) as a rich table with the given columns."""
    t = Table(title=title, caption=caption, show_lines=False, title_justify="left")
    for c in columns:
        t.add_column(c.replace("_", " "), overflow="fold")
    for r in rows:
        t.add_row(*(cell(r.get(c)) for c in columns))
    console.print(t)
