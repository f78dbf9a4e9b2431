"""The registry of importers: one per KIND of ``phalanx import KIND FILE``.

An importer maps one dataset file to :class:`~phalanx.ingest.rows.PackageRows`::

    fn(path: Path, *, actors: list[str] | None, start: int | None, end: int | None,
       progress: Callable[[int], None] | None) -> PackageRows

``start`` and ``end`` are years, inclusive (None: no bound); ``actors`` keeps only the rows
involving at least one of those actor ids (None: all); ``progress(done)``, when given, is
called from time to time with ``done`` = the bytes of the file processed so far (0 to the
file's size), for a progress bar. Bad input is a :class:`~phalanx.errors.UserError`.

Each dataset's module registers its kinds with the :func:`importer` decorator. The modules
are imported only when a kind is used: :data:`MODULES` is the static list of kinds and the
module of each, so ``phalanx import --help`` and the error for an unknown kind need no
import of any reader.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from phalanx.errors import UserError
from phalanx.ingest.rows import PackageRows

__all__ = ["MODULES", "IMPORTERS", "Importer", "Registered", "importer", "get_importer", "kinds"]


class Importer(Protocol):
    """The signature every importer has (see the module's docstring)."""

    def __call__(
        self,
        path: Path,
        *,
        actors: list[str] | None,
        start: int | None,
        end: int | None,
        progress: Callable[[int], None] | None,
    ) -> PackageRows: ...


@dataclass(frozen=True)
class Registered:
    """An importer with its kind and a one-line help text."""

    kind: str
    help: str
    fn: Importer

    def __call__(self, path: Path, **kwargs) -> PackageRows:
        return self.fn(path, **kwargs)


MODULES: dict[str, str] = {
    "cow-alliance": "phalanx.ingest.cow_alliance",
    "atop": "phalanx.ingest.atop_import",
    "nmc": "phalanx.ingest.nmc_import",
    "mid": "phalanx.ingest.mid_import",
    "ucdp-acd": "phalanx.ingest.ucdp",
    "ucdp-ged": "phalanx.ingest.ucdp",
    "sipri-register": "phalanx.ingest.sipri",
    "sipri-tiv": "phalanx.ingest.sipri",
    "unga": "phalanx.ingest.unga",
    "gdelt": "phalanx.ingest.gdelt",
}
"""Every KIND and the module that registers it, in the order ``phalanx import`` lists them."""

IMPORTERS: dict[str, Registered] = {}
"""The importers registered so far (filled as their modules are imported)."""


def importer(kind: str, *, help: str) -> Callable[[Importer], Importer]:
    """Register the decorated function as the importer of ``kind`` (one of :data:`MODULES`)."""
    if kind not in MODULES:  # a bug: every kind is listed, so --help can name it
        raise ValueError(f"importer kind {kind!r} is not in importers.MODULES")

    def register(fn: Importer) -> Importer:
        IMPORTERS[kind] = Registered(kind, help, fn)
        return fn

    return register


def kinds() -> list[str]:
    """The KINDs ``phalanx import`` accepts, in their listed order."""
    return list(MODULES)


def get_importer(kind: str) -> Registered:
    """The importer of ``kind``, importing its module on first use.

    Raises a :class:`~phalanx.errors.UserError` naming the kinds for an unknown one.
    """
    if kind not in MODULES:
        raise UserError(
            f"unknown kind {kind!r}; expected one of: {', '.join(MODULES)}", field="KIND"
        )
    if kind not in IMPORTERS:
        importlib.import_module(MODULES[kind])
    if kind not in IMPORTERS:  # the module exists but forgot to register: a bug
        raise RuntimeError(f"{MODULES[kind]} does not register the importer {kind!r}")
    return IMPORTERS[kind]
