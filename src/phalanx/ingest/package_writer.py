"""Write :class:`~phalanx.ingest.rows.PackageRows` as a data package, all or nothing.

The package is built in a temporary folder beside the target: the descriptor and empty
tables come from :func:`phalanx.kb.scaffold.new_package` (the core schema in full), the
rows are written into the CSV files, and the whole is loaded on top of the embedded
package with the ordinary validation (:func:`phalanx.kb.package.load_package`). Only a
package that validates is moved into place, by one rename; on any failure the temporary
folder is removed and the target is left as it was.

A row that fails validation is a bug of the importer that made it, not of the user's
file (the importer checks the file): :class:`PackageValidationError` names the table, the
row and the problem.
"""

from __future__ import annotations

import csv
import math
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from phalanx.errors import UnsafePathError
from phalanx.ingest.rows import PackageRows
from phalanx.kb.scaffold import new_package
from phalanx.kb.schema import CORE_TABLES, core_schema
from phalanx.safe_files import os_error

__all__ = ["PackageValidationError", "cell", "write_package"]


class PackageValidationError(RuntimeError):
    """The rows an importer made do not validate: a bug of that importer."""


def cell(value: Any) -> str:
    """One value as the text of a CSV cell in the package format: empty for None,
    ``true``/``false``, ``;``-joined lists, integers as digits, numbers in the shortest
    form that reads back to the same float.

    >>> [cell(v) for v in (None, True, ["RUS", "BLR"], 3, 0.25)]
    ['', 'true', 'RUS;BLR', '3', '0.25']
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ";".join(str(v) for v in value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value!r} is not a finite number")
        return repr(value)
    return str(value)


def _write_table(path: Path, name: str, rows: list[dict[str, Any]]) -> None:
    fields = core_schema(name).names
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(fields)
        for i, row in enumerate(rows, start=1):
            unknown = sorted(set(row) - set(fields))
            if unknown:
                raise PackageValidationError(
                    f"{name} row {i} has fields the schema lacks: {', '.join(unknown)}"
                )
            w.writerow(cell(row.get(f)) for f in fields)


def _is_package(folder: Path) -> bool:
    return (folder / "datapackage.json").is_file()


def _check_target(folder: Path, force: bool) -> None:
    if folder.is_symlink():
        raise UnsafePathError("is a symbolic link; name a real folder", file=str(folder))
    if not folder.exists():
        return
    if not folder.is_dir():
        raise UnsafePathError("exists and is not a folder; choose a new folder", file=str(folder))
    if not any(folder.iterdir()):
        return
    if not force:
        raise UnsafePathError(
            "already exists; not overwriting it: choose a new folder or pass --force",
            file=str(folder),
            field="--output",
        )
    if not _is_package(folder):
        raise UnsafePathError(
            "is not a data package (no datapackage.json); --force replaces only a package",
            file=str(folder),
            field="--output",
        )


def write_package(
    rows: PackageRows,
    folder: str | Path,
    *,
    name: str,
    title: str = "",
    version: str = "0.1.0",
    force: bool = False,
) -> Path:
    """Write ``rows`` as the data package ``folder`` and return its path.

    ``name`` is the package name (lower-case letters, digits, ``.``, ``_``, ``-``).
    The package holds the sources and the rows given; it is meant to be layered on the
    embedded package (``--on-top``), whose actors and organisations its rows may cite.

    Raises :class:`~phalanx.errors.UnsafePathError` when ``folder`` exists and is not
    empty (unless ``force``; even then only a folder holding a ``datapackage.json`` is
    replaced), and :class:`PackageValidationError` when the rows do not validate.
    Nothing is written in either case.
    """
    from phalanx.kb.errors import DataPackageError
    from phalanx.kb.package import embedded_path, load_package

    folder = Path(folder)
    _check_target(folder, force)
    unknown = sorted(set(rows.tables) - set(CORE_TABLES) - {"sources"})
    if unknown:
        raise PackageValidationError(f"rows for tables outside the core: {', '.join(unknown)}")
    parent = folder.resolve().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".tmp", dir=parent))
    except OSError as e:
        raise os_error(e.filename or parent, e, doing="written") from None
    try:
        new_package(tmp, name, title=title, version=version)
        for table in CORE_TABLES:
            data = rows.sources if table == "sources" else rows.tables.get(table, [])
            _write_table(tmp / f"{table}.csv", table, data)
        try:
            load_package([embedded_path(), tmp])
        except DataPackageError as e:
            text = "; ".join(
                f"{Path(p.file).name} line {p.line} field {p.field}: {p.message}"
                for p in e.problems[:5]
            )
            raise PackageValidationError(f"the imported rows do not validate: {text}") from None
        if folder.exists() and any(folder.iterdir()):
            old = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".old", dir=parent))
            os.rename(folder, old / "package")
            try:
                os.rename(tmp, folder)
            except OSError:
                os.rename(old / "package", folder)
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            if folder.exists():
                folder.rmdir()
            os.rename(tmp, folder)
    except OSError as e:
        shutil.rmtree(tmp, ignore_errors=True)
        raise os_error(e.filename or folder, e, doing="written") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder
