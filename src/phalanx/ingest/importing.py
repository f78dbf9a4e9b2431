"""``phalanx import`` as a library call: a dataset file in, a validated data package out.

:func:`import_to_package` checks the options (the kind, the years, the actor ids), runs
the kind's importer (:mod:`phalanx.ingest.importers`) and writes its rows with
:func:`~phalanx.ingest.package_writer.write_package`; it returns a plain summary that
the CLI prints as a table or as JSON.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from phalanx.errors import UserError
from phalanx.ingest.importers import get_importer
from phalanx.ingest.rows import actor_codes, matching

__all__ = ["import_to_package", "package_name", "check_actors"]


def package_name(folder: str | Path) -> str:
    """A package name made from a folder's name: lower case, other characters as ``-``.

    >>> package_name("My COW Alliances!")
    'my-cow-alliances'
    """
    text = re.sub(r"[^a-z0-9._-]+", "-", Path(folder).name.lower()).strip("-._")
    return text or "imported"


def check_actors(actors: list[str] | None, known: set[str] | None = None) -> list[str] | None:
    """``actors`` when every id is in ``known`` (default: the embedded package's actors)
    or is ``COW<code>`` (1-999); otherwise a UserError naming the unknown ids."""
    if actors is None:
        return None
    if known is None:
        from phalanx.kb.package import load_package

        known = {r["id"] for r in load_package().rows("actors")}
    bad = [
        a
        for a in actors
        if a not in known and not (re.fullmatch(r"COW\d{1,3}", a) and 1 <= int(a[3:]) <= 999)
    ]
    if not actors or bad:
        raise UserError(
            f"unknown actor id(s): {', '.join(bad) or '(none given)'}; expected ids of the "
            "knowledge base (e.g. RUS) or COW<code> for a state it lacks",
            field="--actors",
        )
    return list(dict.fromkeys(actors))


def _check_year(value: int | None, option: str) -> None:
    if value is not None and not 1 <= value <= 9999:
        raise UserError(f"{value} is not a year from 1 to 9999", field=option)


def import_to_package(
    kind: str,
    file: str | Path,
    output: str | Path,
    *,
    actors: list[str] | None = None,
    start: int | None = None,
    end: int | None = None,
    name: str | None = None,
    force: bool = False,
    progress: Callable[[int], None] | None = None,
    data: str | Path | None = None,
    on_top: bool = False,
) -> dict[str, Any]:
    """Import ``file`` as a dataset of ``kind`` into the data package ``output``.

    Returns ``{kind, file, output, package, rows, notes, sources}``: ``rows`` counts the
    rows written per table, ``sources`` the ids of the sources rows, ``notes`` what was
    skipped or assumed. ``data`` (with ``on_top``: layered on the embedded package) names
    the package the import is for: states are matched to its actors and the result is
    validated on top of it (default: the embedded package). Raises a UserError for an unknown kind, a bad year range, an
    unknown actor id, a file in the wrong layout, or an output folder that exists
    (without ``force``).
    """
    from phalanx.ingest.package_writer import _check_target, write_package

    imp = get_importer(kind)
    _check_year(start, "--from")
    _check_year(end, "--to")
    if start is not None and end is not None and start > end:
        raise UserError(f"--from {start} is after --to {end}; expected from <= to", field="--from")
    base = None
    if data is None:
        if on_top:
            raise UserError("--on-top needs --data PATH", field="--on-top")
        actors = check_actors(actors)
        codes = actor_codes()
    else:
        from phalanx.kb.package import load_package, package_layers

        base = package_layers(data, on_top)
        below = load_package(base)
        actors = check_actors(actors, {r["id"] for r in below.rows("actors")})
        codes = {}
        for r in sorted(below.rows("actors"), key=lambda r: r["id"]):
            if r.get("cow_code") is not None:
                codes.setdefault(int(r["cow_code"]), r["id"])
    _check_target(Path(output), force)  # before the work, not only after it
    with matching(codes):
        rows = imp(Path(file), actors=actors, start=start, end=end, progress=progress)
    pkg = name or package_name(output)
    folder = write_package(
        rows,
        output,
        name=pkg,
        title=f"Imported from {Path(file).name} ({kind})",
        force=force,
        base=base,
    )
    return {
        "kind": kind,
        "file": str(file),
        "output": str(folder),
        "package": pkg,
        "rows": rows.count(),
        "notes": list(rows.notes),
        "sources": [s["id"] for s in rows.sources],
    }
