"""``phalanx import``: a dataset file of the field, as a data package."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated

import typer

from phalanx.cli import app
from phalanx.cli.common import (
    JsonOption,
    OnTopOption,
    console,
    emit_json,
    err_console,
    escape,
    print_table,
    user_errors,
)

LARGE_FILE = 32 * 1024**2
"""Files of at least this many bytes get a progress bar (on a terminal)."""


def _input_bytes(path: Path) -> int:
    """The bytes an import reads: the file's size, or for a folder (GDELT's 15-minute
    files) the sizes of the regular files directly in it; 0 when it cannot be read."""
    try:
        if path.is_dir():
            return sum(f.stat().st_size for f in path.iterdir() if f.is_file())
        return path.stat().st_size
    except OSError:
        return 0


@contextlib.contextmanager
def progress_bar(
    path: Path, *, threshold: int = LARGE_FILE
) -> Iterator[Callable[[int], None] | None]:
    """A progress callback drawing a rich bar on standard error for a large file (or
    folder of files) read from a terminal session; None (no bar) for a small one or when
    stderr is no terminal."""
    size = _input_bytes(path)
    if size < threshold or not err_console.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeElapsedColumn

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as bar:
        task = bar.add_task(f"reading {path.name}", total=size)
        yield lambda done: bar.update(task, completed=min(done, size))


def _actor_list(text: str | None) -> list[str] | None:
    if text is None:
        return None
    return [a.strip() for a in text.split(",") if a.strip()]


@app.command("import")
def import_command(
    kind: Annotated[
        str,
        typer.Argument(
            help="Dataset kind: cow-alliance, atop, nmc, mid, ucdp-acd, ucdp-ged, "
            "sipri-register, sipri-tiv, unga, gdelt."
        ),
    ],
    file: Annotated[Path, typer.Argument(help="The dataset file, in its published layout.")],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Folder of the data package to write.")
    ],
    actors: Annotated[
        str | None,
        typer.Option("--actors", help="Keep rows involving these actor ids (comma-separated)."),
    ] = None,
    first: Annotated[
        int | None, typer.Option("--from", help="First year kept (inclusive).")
    ] = None,
    last: Annotated[int | None, typer.Option("--to", help="Last year kept (inclusive).")] = None,
    name: Annotated[
        str | None, typer.Option("--name", help="Package name (default: from the folder).")
    ] = None,
    force: Annotated[
        bool,
        typer.Option("--force", help="Replace the output folder if it holds a data package."),
    ] = False,
    data: Annotated[
        Path | None,
        typer.Option(
            "--data",
            help="The package the import is for (its actors are matched; default: the "
            "embedded one).",
        ),
    ] = None,
    on_top: OnTopOption = False,
    json_out: JsonOption = False,
) -> None:
    """Import a dataset (COW, ATOP, UCDP, SIPRI, UN votes, GDELT) as a data package."""
    from phalanx.ingest.importing import import_to_package

    with user_errors():
        with progress_bar(file) as progress:
            summary = import_to_package(
                kind,
                file,
                output,
                actors=_actor_list(actors),
                start=first,
                end=last,
                name=name,
                force=force,
                progress=progress,
                data=data,
                on_top=on_top,
            )
    if json_out:
        emit_json(summary)
        return
    print_table(
        f"{summary['kind']}: {Path(summary['file']).name} -> {summary['output']}",
        ["table", "rows"],
        [{"table": t, "rows": n} for t, n in summary["rows"].items()],
    )
    for note in summary["notes"]:
        console.print("note: " + escape(note))
    console.print(escape(f"use it with: phalanx members ORG --data {summary['output']} --on-top"))
