"""Start a new data package: the Phalanx schema with empty tables, ready to fill in."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

from phalanx.kb.package import embedded_path

__all__ = ["new_package"]


def new_package(folder: str | Path, name: str, title: str = "", version: str = "0.1.0") -> Path:
    """Write ``datapackage.json`` and one CSV per table (header only) into ``folder``.

    The schema is the embedded package's, so that a package for any alliance is read,
    validated and queried exactly like the embedded one. ``name`` must be lower-case
    letters, digits, ``-``, ``_`` or ``.``. Refuses to overwrite an existing package.

    >>> import tempfile, pathlib
    >>> p = new_package(pathlib.Path(tempfile.mkdtemp()) / "rio", "rio-treaty")
    >>> sorted(f.name for f in p.iterdir())[:3]
    ['actors.csv', 'datapackage.json', 'events.csv']
    """
    folder = Path(folder)
    if not re.fullmatch(r"[a-z0-9][a-z0-9._-]*", name):
        raise ValueError(
            f"package name {name!r} must be lower-case letters, digits, '.', '_' or '-'"
        )
    if (folder / "datapackage.json").exists():
        raise FileExistsError(f"{folder / 'datapackage.json'} exists already; not overwriting it")
    folder.mkdir(parents=True, exist_ok=True)
    desc = json.loads((embedded_path() / "datapackage.json").read_text(encoding="utf-8"))
    desc.update(name=name, title=title or name, version=version, description="")
    desc["contributors"] = []
    desc["phalanx"] = {}  # the package's defaults (main organisation, leader, region...): docs/data.md
    (folder / "datapackage.json").write_text(json.dumps(desc, indent=1) + "\n", encoding="utf-8")
    for res in desc["resources"]:
        with open(folder / res["path"], "w", encoding="utf-8", newline="") as f:
            csv.writer(f, lineterminator="\n").writerow(
                fld["name"] for fld in res["schema"]["fields"]
            )
    return folder
