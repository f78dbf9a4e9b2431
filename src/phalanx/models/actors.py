"""Actor tables for the decision models: plain data in, validated arrays out.

The expected-utility model and the organisation rules both take actors described by
four fields: a name, a capability (non-negative, any unit: only ratios matter), a
position on the issue scale, and a salience in ``[0, 1]`` (how much the actor cares).
This module turns a list of dicts or a CSV file (``actor,capability,position,salience``)
into an :class:`ActorTable` and reports bad input precisely (file, line, field).

>>> t = ActorTable.from_records([
...     {"actor": "A", "capability": 2, "position": 0.25, "salience": 0.5},
...     {"actor": "B", "capability": 1, "position": 1.0, "salience": 1.0},
... ])
>>> t.names, t.position.tolist()
(('A', 'B'), [0.25, 1.0])
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from phalanx.errors import UserError
from phalanx.safe_files import read_user_text

__all__ = ["ActorDataError", "ActorTable", "as_actor_table"]

FIELDS = ("actor", "capability", "position", "salience")
#: Largest actor table read (bytes).
ACTORS_LIMIT = 10_000_000


class ActorDataError(UserError):
    """Bad actor data; the message names the source, the line or record and the field."""


@dataclass(frozen=True)
class ActorTable:
    """Validated actors as parallel arrays (one entry per actor, in input order).

    Attributes
    ----------
    names : tuple of str
        Unique actor names.
    capability : ndarray of float, shape (n,)
        Non-negative capabilities (only ratios matter).
    position : ndarray of float, shape (n,)
        Positions on the issue scale (finite).
    salience : ndarray of float, shape (n,)
        Salience in ``[0, 1]``.
    """

    names: tuple[str, ...]
    capability: np.ndarray
    position: np.ndarray
    salience: np.ndarray

    def __len__(self) -> int:
        return len(self.names)

    def to_records(self) -> list[dict[str, Any]]:
        """Return the table as a list of plain dicts (the input format)."""
        return [
            {"actor": n, "capability": float(c), "position": float(x), "salience": float(s)}
            for n, c, x, s in zip(
                self.names, self.capability, self.position, self.salience, strict=True
            )
        ]

    @classmethod
    def from_records(
        cls,
        records: Iterable[Mapping[str, Any]],
        *,
        salience_max: float = 1.0,
        origin: str = "record",
    ) -> ActorTable:
        """Build a table from dicts with keys ``actor, capability, position, salience``.

        ``salience_max`` rescales salience given on another scale (e.g. 100 for the
        0-100 scale of Bueno de Mesquita's data) to ``[0, 1]``. ``origin`` prefixes error
        messages (a file name when called by :meth:`from_csv`).
        """
        names: list[str] = []
        cap: list[float] = []
        pos: list[float] = []
        sal: list[float] = []
        seen: dict[str, str] = {}
        for k, rec in enumerate(records, start=1):
            where = f"{origin} {k}" if origin == "record" else origin.format(k)
            if not isinstance(rec, Mapping):
                raise ActorDataError(f"{where}: expected a mapping, got {type(rec).__name__}")
            missing = [f for f in FIELDS if f not in rec or rec[f] in (None, "")]
            if missing:
                raise ActorDataError(f"{where}: missing field '{missing[0]}'")
            name = str(rec["actor"]).strip()
            if not name:
                raise ActorDataError(f"{where}: field 'actor' is empty")
            if name in seen:
                raise ActorDataError(
                    f"{where}: field 'actor': duplicate name {name!r} (first at {seen[name]})"
                )
            seen[name] = where
            c = _number(rec["capability"], where, "capability")
            x = _number(rec["position"], where, "position")
            s = _number(rec["salience"], where, "salience")
            if c < 0:
                raise ActorDataError(f"{where}: field 'capability' must be >= 0, got {c}")
            if not 0 <= s <= salience_max:
                raise ActorDataError(
                    f"{where}: field 'salience' must be in [0, {salience_max:g}], got {s}"
                )
            names.append(name)
            cap.append(c)
            pos.append(x)
            sal.append(s / salience_max)
        if not names:
            raise ActorDataError(f"{origin.format(0) if '{' in origin else origin}: no actors")
        return cls(tuple(names), np.array(cap), np.array(pos), np.array(sal))

    @classmethod
    def from_csv(cls, path: str | Path, *, salience_max: float = 1.0) -> ActorTable:
        """Read ``actor,capability,position,salience`` from a CSV file with a header row.

        Lines starting with ``#`` are comments. Errors name the file, line and field.
        """
        path = Path(path)
        try:
            text = read_user_text(path, limit=ACTORS_LIMIT, what="actor table")
        except UserError as exc:  # missing, not a regular file, too large, not UTF-8
            raise ActorDataError(str(exc)) from None
        lines = [(i, ln) for i, ln in enumerate(text.splitlines(), 1) if not ln.startswith("#")]
        lines = [(i, ln) for i, ln in lines if ln.strip()]
        if not lines:
            raise ActorDataError(f"{path}: empty file")
        reader = csv.reader([ln for _, ln in lines])
        header = [h.strip() for h in next(reader)]
        absent = [f for f in FIELDS if f not in header]
        if absent:
            raise ActorDataError(
                f"{path}:{lines[0][0]}: header lacks column '{absent[0]}' (needs {', '.join(FIELDS)})"
            )
        records = []
        for (lineno, _), row in zip(lines[1:], reader, strict=True):
            if len(row) != len(header):
                raise ActorDataError(
                    f"{path}:{lineno}: expected {len(header)} fields, got {len(row)}"
                )
            rec = dict(zip(header, (v.strip() for v in row), strict=True))
            records.append(
                cls.from_records([rec], salience_max=salience_max, origin=f"{path}:{lineno}")
            )
        if not records:
            raise ActorDataError(f"{path}: no actors")
        names = [r.names[0] for r in records]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            n = sorted(dup)[0]
            lines_dup = [str(ln) for (ln, _), m in zip(lines[1:], names, strict=False) if m == n]
            raise ActorDataError(
                f"{path}:{lines_dup[1]}: field 'actor': duplicate name {n!r} "
                f"(first at line {lines_dup[0]})"
            )
        return cls(
            tuple(names),
            np.concatenate([r.capability for r in records]),
            np.concatenate([r.position for r in records]),
            np.concatenate([r.salience for r in records]),
        )


def _number(value: Any, where: str, field: str) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise ActorDataError(f"{where}: field '{field}' is not a number: {value!r}") from None
    if not math.isfinite(out):
        raise ActorDataError(f"{where}: field '{field}' must be finite, got {value!r}")
    return out


def as_actor_table(actors: Any, *, salience_max: float = 1.0) -> ActorTable:
    """Coerce an :class:`ActorTable`, a CSV path or a list of dicts to an ActorTable."""
    if isinstance(actors, ActorTable):
        return actors
    if isinstance(actors, (str, Path)):
        return ActorTable.from_csv(actors, salience_max=salience_max)
    if isinstance(actors, Iterable) and not isinstance(actors, Mapping):
        return ActorTable.from_records(list(actors), salience_max=salience_max)
    raise ActorDataError(
        f"actors must be a list of dicts, a CSV path or an ActorTable, got {type(actors).__name__}"
    )
