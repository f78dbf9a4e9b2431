"""What every command shares: loading the knowledge base, user errors, JSON and tables."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from pydantic import BaseModel, Field, create_model
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from phalanx.errors import ParameterError, UserError
from phalanx.kb.dates import PartialDate
from phalanx.params import Settings, default_of, describe

if TYPE_CHECKING:
    from phalanx.kb import KnowledgeBase

console = Console(width=None if sys.stdout.isatty() else 160, emoji=False, highlight=False)
"""Standard output; wide when piped, so tables stay readable in files and logs."""
err_console = Console(stderr=True, soft_wrap=True, emoji=False, highlight=False)

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
ForceOption = Annotated[
    bool,
    typer.Option("--force", help="Replace the output file even if Phalanx did not write it."),
]


def print_error(message: str) -> None:
    """Print ``error: message`` on standard error; the message is shown literally."""
    err_console.print("[red]error:[/red] " + escape(message))


def print_warnings(warnings: Sequence[str]) -> None:
    """Print each ``warning: text`` on standard error, literally (stdout stays clean for
    ``--json``)."""
    for w in dict.fromkeys(warnings):  # once each, in order
        err_console.print("[yellow]warning:[/yellow] " + escape(w))


@contextlib.contextmanager
def user_errors(*also: type[Exception]) -> Iterator[None]:
    """Turn a :class:`~phalanx.errors.UserError` into a clear message and exit code 2.

    Only user errors are caught: a data package's problems are all printed (with its
    warnings), any other user error in one line. Every other exception is a bug and keeps
    its traceback.

    ``also``: a seam for a command whose library still raises a plain exception class for
    bad input; name it here until that class joins the UserError family, then drop it.
    """
    from phalanx.kb.errors import DataPackageError

    try:
        yield
    except DataPackageError as e:
        print_error(e.summary())
        print_warnings([w.text(with_level=False) for w in getattr(e, "warnings", None) or ()])
        raise typer.Exit(2) from None
    except (UserError, *also) as e:
        print_error(str(e))
        raise typer.Exit(2) from None


def query_date(text: str, option: str = "--at") -> dt.date:
    """The date ``text`` (YYYY, YYYY-MM or YYYY-MM-DD) given to ``option``; a malformed or
    impossible date is a UserError naming the option."""
    from phalanx.kb.dates import parse_query_date

    try:
        return parse_query_date(text)
    except UserError:
        raise
    except ValueError as e:
        raise UserError(str(e), field=option) from None


# --- declared options -------------------------------------------------------------------


def check_value(owner: type[BaseModel], name: str, value: Any) -> Any:
    """``value`` validated as field ``name`` of the declaration ``owner``.

    Raises :class:`~phalanx.errors.ParameterError` in the uniform wording ("The 'x'
    parameter of F must be ... Got ... instead.") for NaN, infinities and values out of
    the declared range. ``None`` (an option left out) is returned unchanged.
    """
    if value is None:
        return None
    try:
        return getattr(owner(**{name: value}), name)
    except ParameterError:
        raise
    except ValueError as e:  # a declaration that is not a Settings (pydantic's own error)
        raise ParameterError(f"The {name!r} parameter of {owner.__name__}: {e}") from None


def _option_callback(owner: type[BaseModel], name: str, flag: str) -> Callable[[Any], Any]:
    def callback(value: Any) -> Any:
        try:
            return check_value(owner, name, value)
        except ParameterError as e:
            print_error(f"{flag}: {e}")
            raise typer.Exit(2) from None

    return callback


def declared_option(
    owner: type[BaseModel], name: str, flag: str, *, help: str | None = None, **kwargs: Any
) -> Any:
    """A Typer option whose help and checks come from the declaration of ``owner.name``.

    Use it with the declared default, so the CLI and the library cannot drift apart::

        time_limit: Annotated[float, declared_option(S, "time_limit", "--time-limit")] = (
            default_of(S, "time_limit"))

    The value is validated through the declaration while the command line is parsed: NaN,
    infinities and out-of-range values stop the command with the ParameterError message
    and exit code 2.
    """
    text = help if help is not None else describe(owner, name)
    return typer.Option(flag, help=text, callback=_option_callback(owner, name, flag), **kwargs)


def ranged_settings(owner: str, **fields: tuple[type, Any]) -> type[Settings]:
    """A :class:`~phalanx.params.Settings` declaring CLI options whose library settings
    are not declared yet: ``name=(type, pydantic.Field(default, ge=..., le=...,
    description=...))``. Named ``owner`` (the command), so errors read "The 'window'
    parameter of strain must be ...". Seam: replace it by the library's declaration once
    that exists.
    """
    return create_model(owner, __base__=Settings, **fields)  # type: ignore[call-overload]


YearOptions = ranged_settings(
    "series",
    first=(int | None, Field(None, ge=1, le=9999, description="First year (1 to 9999).")),
    last=(int | None, Field(None, ge=1, le=9999, description="Last year (1 to 9999).")),
)
"""The first and last year of a yearly series, as every command that takes one declares
them (``--from``/``--to``)."""


def year_window(kb, first: int | None, last: int | None) -> tuple[int, int]:
    """The first and last year of a yearly series: as given, else from the package's
    declared study period (``kb.defaults.period``; the last year defaults to this year when
    there is none). Reversed or impossible windows are a UserError saying what is allowed."""
    period = kb.defaults.period
    if first is None:
        if period is None:
            raise UserError("the package declares no period; give --from YEAR", field="--from")
        first = int(str(period[0])[:4])
    if last is None:
        last = int(str(period[1])[:4]) if period is not None else dt.date.today().year
    for year, option in ((first, "--from"), (last, "--to")):
        if not 1 <= year <= 9999:
            raise UserError(f"a year must lie in 1..9999; got {year}", field=option)
    if first > last:
        raise UserError(
            f"the window is reversed: --from {first} is after --to {last}", field="--from"
        )
    return first, last


__all__ = [
    "DataOption",
    "Field",
    "ForceOption",
    "JsonOption",
    "OnTopOption",
    "UserError",
    "check_value",
    "console",
    "declared_option",
    "default_of",
    "emit_json",
    "err_console",
    "escape",
    "human",
    "load_kb",
    "number",
    "print_error",
    "print_warnings",
    "print_table",
    "query_date",
    "ranged_settings",
    "user_errors",
    "year_window",
    "YearOptions",
]


_KB_CACHE: dict[tuple[str | None, bool], KnowledgeBase] = {}


def load_kb(data: Path | None = None, on_top: bool = False) -> KnowledgeBase:
    """The knowledge base a command works on: embedded, a user's, or both layered.

    DuckDB and the package loader are imported here, not at start-up.
    """
    from phalanx.kb.store import KnowledgeBase

    key = (None if data is None else str(data.resolve()), on_top)
    if key not in _KB_CACHE:
        if data is None:
            if on_top:
                raise UserError("--on-top needs --data PATH", field="--on-top")
            _KB_CACHE[key] = KnowledgeBase.embedded()
        else:
            if not data.is_dir():
                what = "does not exist" if not data.exists() else "is not a folder"
                raise UserError(
                    f"{what}; --data expects a data package folder (with datapackage.json)",
                    file=data,
                )
            _KB_CACHE[key] = KnowledgeBase.from_path(data, on_top=on_top)
            # what loaded with a warning (e.g. an optional table absent, read as empty)
            print_warnings([w.text(with_level=False) for w in _KB_CACHE[key].package.warnings])
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


def number(value: float | int | None, digits: int = 3) -> str:
    """A number as table text: integers as they are, others with ``digits`` decimals
    (three everywhere in the terminal), ``n/a`` for None or NaN.

    >>> number(0.5), number(2), number(None), number(1/3), number(float("nan"))
    ('0.500', '2', 'n/a', '0.333', 'n/a')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    return f"{value:.{digits}f}"


def human(name: str) -> str:
    """A snake_case name as words for a table: ``unanswered_requests`` -> ``unanswered
    requests``."""
    return str(name).replace("_", " ")


def cell(value: Any) -> str:
    """A value as table text: lists joined, None empty, floats with three decimals,
    booleans yes/no (never a raw ``None``/``False``)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(cell(v) for v in value)
    if isinstance(value, float | int):
        return number(value)
    return str(value)


def print_table(
    title: str, columns: Sequence[str], rows: Sequence[dict[str, Any]], caption: str | None = None
) -> None:
    """Render ``rows`` (dicts) as a rich table with the given columns.

    Every title, header and cell is shown literally: text from the data (names, summaries,
    ids with ``[/]`` or ``[bold]``) is never read as rich markup.
    """
    t = Table(
        title=Text(title),
        caption=None if caption is None else Text(caption),
        show_lines=False,
        title_justify="left",
    )
    for c in columns:
        t.add_column(Text(human(c)), overflow="fold")
    for r in rows:
        t.add_row(*(Text(cell(r.get(c))) for c in columns))
    console.print(t)
