"""Start a new data package: the Phalanx schema with empty tables, ready to fill in."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

from phalanx.errors import UnsafePathError, UserError
from phalanx.kb.schema import core_descriptor_resources
from phalanx.safe_files import os_error

__all__ = ["new_package"]


def new_package(folder: str | Path, name: str, title: str = "", version: str = "0.1.0") -> Path:
    """Write ``datapackage.json`` and one CSV per core table (header only) into ``folder``.

    The schema is the core schema of :mod:`phalanx.kb.schema`, written out in full, so
    that a package for any alliance is read, validated and queried exactly like the
    embedded one. ``name`` must be lower-case letters, digits, ``-``, ``_`` or ``.``.

    Refuses (:class:`~phalanx.errors.UnsafePathError`, nothing written) when ``folder``
    already holds any of the files it would write, so no file of the user's is ever
    replaced or truncated; each file is created exclusively. If writing fails (a full
    disk, a read-only folder), the files written so far are removed and the error names
    the path.

    >>> import tempfile, pathlib
    >>> p = new_package(pathlib.Path(tempfile.mkdtemp()) / "rio", "rio-treaty")
    >>> sorted(f.name for f in p.iterdir())[:3]
    ['actors.csv', 'datapackage.json', 'events.csv']
    """
    folder = Path(folder)
    if not re.fullmatch(r"[a-z0-9][a-z0-9._-]*", name, re.ASCII):
        raise UserError(
            f"package name {name!r} must be lower-case letters, digits, '.', '_' or '-'",
            field="name",
        )
    resources = core_descriptor_resources()
    desc = {
        "profile": "tabular-data-package",
        "name": name,
        "title": title or name,
        "description": "",
        "version": version,
        "licenses": [],
        "sources": [],
        "contributors": [],
        "phalanx": {},  # the package's defaults (main organisation, leader, ...): docs/data.md
        "resources": resources,
    }
    files: dict[str, str] = {"datapackage.json": json.dumps(desc, indent=1) + "\n"}
    for res in resources:
        text = io.StringIO()
        csv.writer(text, lineterminator="\n").writerow(f["name"] for f in res["schema"]["fields"])
        files[res["path"]] = text.getvalue()
    present = [f for f in files if (folder / f).exists() or (folder / f).is_symlink()]
    if present:
        raise UnsafePathError(
            f"already holds {', '.join(present)}; not overwriting: choose a new folder",
            file=str(folder),
        )
    created: list[Path] = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for fname, content in files.items():
            with open(folder / fname, "x", encoding="utf-8", newline="") as fh:
                created.append(folder / fname)
                fh.write(content)
    except OSError as e:
        for path in created:  # leave no half-made package behind
            path.unlink(missing_ok=True)
        if isinstance(e, FileExistsError):  # created by someone else meanwhile
            raise UnsafePathError(
                "appeared while writing; not overwriting it", file=e.filename
            ) from None
        raise os_error(e.filename or folder, e, doing="written") from None
    return folder
