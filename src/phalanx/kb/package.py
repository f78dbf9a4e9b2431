"""Load a data package, or several layered on one another, and validate all of it.

Validation is all-or-nothing: every problem in every file is collected (types,
enumerations, ranges, patterns, keys, foreign keys, date order, overlapping membership
spells, a source on every row) and reported together in a :class:`DataPackageError`;
a package with any problem is not loaded at all.

Layers let a user put their own package on top of the embedded one: rows of a later
layer replace rows of an earlier one with the same primary key, and new rows are added.
Tables are read against the core schema (:mod:`phalanx.kb.schema`); fields a layer adds
are added to the merged table, and rows of the other layers get no value (None) for them.

Validation equals loading: the required tables (sources, actors, organizations,
memberships) must be present in some layer; an absent optional table (provisions,
relations, events, indicators, votes) is an empty table with the core schema and a
warning (:attr:`Package.warnings`), so every query works on every valid package.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources as importlib_resources
from pathlib import Path
from typing import Any

from phalanx.kb.dates import parse_partial_date
from phalanx.kb.defaults import DeclaredDefaults, Defaults, read_declared, resolve_defaults
from phalanx.kb.descriptor import Descriptor, FieldSpec, read_descriptor
from phalanx.kb.errors import DataPackageError, Problem, display_path
from phalanx.kb.schema import OPTIONAL_TABLES, REQUIRED_TABLES, core_resource, resolve_schemas
from phalanx.kb.tables import Table, read_table

__all__ = [
    "Package",
    "load_package",
    "package_layers",
    "validate_package",
    "embedded_path",
    "DATE_PAIRS",
]

DATE_PAIRS = (("start", "end"), ("date", "end_date"), ("founded", "dissolved"))
"""Pairs of date fields whose order is checked: the second may not precede the first."""


def embedded_path() -> Path:
    """Folder of the embedded data package (the Eurasian case, 1992-2026)."""
    return Path(str(importlib_resources.files("phalanx") / "data" / "eurasia"))


@dataclass
class Package:
    """A validated data package: its descriptors and tables (rows of plain values).

    ``tables`` holds every core table (an absent optional one is empty) and the
    package's own tables; ``warnings`` lists what was accepted with a warning.
    """

    descriptors: list[Descriptor]
    tables: dict[str, Table]
    folders: list[Path] = field(default_factory=list)
    defaults: Defaults | None = None
    warnings: list[Problem] = field(default_factory=list)

    @property
    def version(self) -> str:
        """Version string of the layers, e.g. ``phalanx-eurasia@2026.11.0``."""
        return "+".join(f"{d.name}@{d.version}" for d in self.descriptors)

    def rows(self, resource: str) -> list[dict[str, Any]]:
        """The rows of ``resource`` (empty if the package has no such table)."""
        t = self.tables.get(resource)
        return [] if t is None else t.rows


def package_layers(path: Path | str, on_top: bool = False) -> list[Path]:
    """The folders to load for a user's package: alone, or on top of the embedded one."""
    return [embedded_path(), Path(path)] if on_top else [Path(path)]


def load_package(paths: Path | str | Sequence[Path | str] | None = None) -> Package:
    """Load and validate one package folder, or several layered in order.

    ``None`` loads the embedded package. Raises :class:`DataPackageError` with every
    problem found; nothing is loaded then.
    """
    if paths is None:
        folders = [embedded_path()]
    elif isinstance(paths, str | Path):
        folders = [Path(paths)]
    else:
        folders = [Path(p) for p in paths]
    if not folders:
        raise ValueError("load_package needs at least one folder")
    pkg, problems = validate_package(folders)
    if problems or pkg is None:
        raise DataPackageError(problems)
    return pkg


def validate_package(folders: Sequence[Path]) -> tuple[Package | None, list[Problem]]:
    """Read and check the layered packages in ``folders``; return (package, problems).

    ``problems`` holds the errors only (the package is None when there is any); the
    warnings of a valid package are in :attr:`Package.warnings`.
    """
    problems: list[Problem] = []
    descriptors: list[Descriptor] = []
    declared: list[tuple[DeclaredDefaults, Path, str]] = []
    merged: dict[str, Table] = {}
    where = ""
    for folder in folders:
        folder = Path(folder)
        if folder.name == "datapackage.json" and _is_file(folder):
            folder = folder.parent
        where = display_path(folder / "datapackage.json")
        desc, probs = read_descriptor(folder)
        if desc is not None:
            desc, probs = resolve_schemas(desc, where)
        problems += probs
        if desc is None:
            continue
        descriptors.append(desc)
        dd, probs = read_declared(desc.model_extra, where)
        problems += probs
        declared.append((dd, folder, where))
        for res in desc.resources:
            table, probs = read_table(folder, res)
            problems += probs
            problems += _unique_within(table)
            problems += _merge(merged, table, where)
    if problems:
        return None, problems
    warnings: list[Problem] = []
    for name in REQUIRED_TABLES:
        if name not in merged:
            problems.append(
                Problem(
                    where,
                    None,
                    f"resources.{name}",
                    f"the package has no {name} table; every package needs "
                    f"{', '.join(REQUIRED_TABLES)}",
                )
            )
    for name in OPTIONAL_TABLES:
        if name not in merged:
            merged[name] = Table(core_resource(name))
            warnings.append(
                Problem(
                    where,
                    None,
                    f"resources.{name}",
                    f"the package has no {name} table; it is read as empty",
                    "warning",
                )
            )
    if problems:
        return None, problems
    problems += _check_foreign_keys(merged)
    problems += _check_unique(merged)
    problems += _check_dates(merged)
    problems += _check_spells(merged)
    problems += _check_relations(merged)
    defaults, probs = resolve_defaults(declared, {k: t.rows for k, t in merged.items()})
    problems += probs
    if problems:
        return None, problems
    return Package(descriptors, merged, [Path(f) for f in folders], defaults, warnings), []


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:
        return False


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _key(table: Table, row: dict[str, Any]) -> tuple[Any, ...] | None:
    pk = table.resource.table_schema.primaryKey
    return tuple(_hashable(row[k]) for k in pk) if pk else None


def _unique_within(table: Table) -> list[Problem]:
    pk = table.resource.table_schema.primaryKey
    if not pk:
        return []
    seen: dict[tuple[Any, ...], int] = {}
    probs = []
    for row, (name, line) in zip(table.rows, table.origins, strict=True):
        key = _key(table, row)
        if key in seen:
            shown = ", ".join(str(v) for v in key)
            probs.append(
                Problem(
                    name,
                    line,
                    ",".join(pk),
                    f"duplicate primary key ({shown}); first at line {seen[key]}",
                )
            )
        else:
            seen[key] = line
    return probs


def _empty(spec: FieldSpec) -> Any:
    return [] if spec.format == "list" else None


def _merge(merged: dict[str, Table], table: Table, where: str) -> list[Problem]:
    """Put ``table`` (of the layer described by ``where``) on top of the merged one.

    The merged schema is the lower layer's plus the fields the upper layer adds; a field
    both declare must have the same type and format, and the primary keys must agree.
    """
    name = table.resource.name
    if name not in merged:
        merged[name] = table
        return []
    base = merged[name]
    bs, ts = base.resource.table_schema, table.resource.table_schema
    probs = []
    if bs.primaryKey != ts.primaryKey:
        probs.append(
            Problem(
                where,
                None,
                f"resources.{name}.schema.primaryKey",
                f"is {ts.primaryKey}; the layer below has {bs.primaryKey}",
            )
        )
    added = []
    for f in ts.fields:
        b = bs.field(f.name)
        if b is None:
            added.append(f)
        elif (b.type, b.format or "default") != (f.type, f.format or "default"):
            probs.append(
                Problem(
                    where,
                    None,
                    f"resources.{name}.schema.fields.{f.name}",
                    f"is {f.type} (format {f.format or 'default'}); the layer below has "
                    f"{b.type} (format {b.format or 'default'})",
                )
            )
    if probs:
        return probs
    if added or any(fk not in bs.foreignKeys for fk in ts.foreignKeys):
        fks = [*bs.foreignKeys, *(fk for fk in ts.foreignKeys if fk not in bs.foreignKeys)]
        schema = bs.model_copy(update={"fields": [*bs.fields, *added], "foreignKeys": fks})
        base.resource = base.resource.model_copy(update={"table_schema": schema})
        for row in base.rows:
            for f in added:
                row[f.name] = _empty(f)
    lacking = [f for f in base.resource.table_schema.fields if ts.field(f.name) is None]
    index = {_key(base, r): i for i, r in enumerate(base.rows)}
    for row, origin in zip(table.rows, table.origins, strict=True):
        for f in lacking:
            row[f.name] = _empty(f)
        key = _key(table, row)
        if key is not None and key in index:
            base.rows[index[key]] = row
            base.origins[index[key]] = origin
        else:
            index[key] = len(base.rows)
            base.rows.append(row)
            base.origins.append(origin)
    return []


def _check_foreign_keys(tables: dict[str, Table]) -> list[Problem]:
    probs = []
    for table in tables.values():
        schema = table.resource.table_schema
        for fk in schema.foreignKeys:
            target = tables.get(fk.reference.resource)
            if target is None:
                probs.append(
                    _key_problem(
                        table,
                        fk.fields,
                        f"refers to table '{fk.reference.resource}', which the package lacks",
                    )
                )
                continue
            absent = [
                k for k in fk.reference.fields if target.resource.table_schema.field(k) is None
            ]
            if absent:
                probs.append(
                    _key_problem(
                        table,
                        fk.fields,
                        f"refers to {fk.reference.resource}.{','.join(absent)}, which is not a field",
                    )
                )
                continue
            keys = {tuple(_hashable(r[k]) for k in fk.reference.fields) for r in target.rows}
            for row, (name, line) in zip(table.rows, table.origins, strict=True):
                probs += _missing_refs(
                    row, fk.fields, keys, fk.reference.resource, fk.reference.fields, name, line
                )
    return probs


def _key_problem(table: Table, fields: Sequence[str], message: str) -> Problem:
    """A problem with a foreign key of ``table`` itself (its target table or field is
    missing), not with a row: it names the table's first file (or its path, when the
    table has no rows) and the key's ``fields``, with no line."""
    name = table.origins[0][0] if table.origins else table.resource.path
    return Problem(name, None, ",".join(fields), message)


def _missing_refs(row, fields, keys, resource, ref_fields, name, line) -> list[Problem]:
    values = [row[f] for f in fields]
    if any(v is None for v in values):
        return []
    if len(fields) == 1 and isinstance(values[0], list):
        candidates = [(v,) for v in values[0]]
    else:
        candidates = [tuple(_hashable(v) for v in values)]
    where = ",".join(ref_fields)
    return [
        Problem(
            name,
            line,
            ",".join(fields),
            f"{', '.join(map(str, c))!r} is not found in {resource}.{where}",
        )
        for c in candidates
        if c not in keys
    ]


def _check_unique(tables: dict[str, Table]) -> list[Problem]:
    probs = []
    for table in tables.values():
        for spec in table.resource.table_schema.fields:
            if not spec.constraints.unique:
                continue
            seen: dict[Any, int] = {}
            for row, (name, line) in zip(table.rows, table.origins, strict=True):
                v = _hashable(row[spec.name])
                if v is None:
                    continue
                if v in seen:
                    probs.append(
                        Problem(
                            name, line, spec.name, f"{v!r} is not unique (also at line {seen[v]})"
                        )
                    )
                else:
                    seen[v] = line
    return probs


def _check_dates(tables: dict[str, Table]) -> list[Problem]:
    probs = []
    for table in tables.values():
        schema = table.resource.table_schema
        dates = {f.name for f in schema.fields if f.format == "partial-date"}
        for first, second in DATE_PAIRS:
            if first not in dates or second not in dates:
                continue
            for row, (name, line) in zip(table.rows, table.origins, strict=True):
                a, b = row[first], row[second]
                if a is None or b is None:
                    continue
                pa, pb = parse_partial_date(a), parse_partial_date(b)
                if pb.latest < pa.earliest:
                    probs.append(Problem(name, line, second, f"{b} is before {first} {a}"))
                elif (
                    first == "start"
                    and pb.precision == pa.precision == "day"
                    and pb.earliest == pa.earliest
                ):
                    probs.append(
                        Problem(
                            name,
                            line,
                            second,
                            f"{b} equals {first}; a spell must last at least a day",
                        )
                    )
    return probs


def _check_spells(tables: dict[str, Table]) -> list[Problem]:
    """Spells of one actor in one organisation may not overlap (end is exclusive)."""
    table = tables.get("memberships")
    if table is None or not {"organization", "actor", "start", "end"} <= set(
        table.resource.table_schema.names
    ):
        return []
    groups: dict[tuple[str, str], list[int]] = {}
    for i, row in enumerate(table.rows):
        groups.setdefault((row["organization"], row["actor"]), []).append(i)
    probs = []
    for (org, actor), idx in groups.items():
        idx.sort(key=lambda i: parse_partial_date(table.rows[i]["start"]).earliest)
        for prev, cur in zip(idx, idx[1:], strict=False):
            end = table.rows[prev]["end"]
            start = parse_partial_date(table.rows[cur]["start"])
            if end is None or parse_partial_date(end).earliest > start.earliest:
                name, line = table.origins[cur]
                other = table.origins[prev][1]
                until = "open-ended" if end is None else f"ending {end}"
                probs.append(
                    Problem(
                        name,
                        line,
                        "start",
                        f"{actor} in {org} from {table.rows[cur]['start']} overlaps the spell at line {other} ({until})",
                    )
                )
    return probs


def _check_relations(tables: dict[str, Table]) -> list[Problem]:
    table = tables.get("relations")
    if table is None or not {"actor_a", "actor_b"} <= set(table.resource.table_schema.names):
        return []
    return [
        Problem(
            name, line, "actor_b", f"equals actor_a ({row['actor_a']}); a relation needs two actors"
        )
        for row, (name, line) in zip(table.rows, table.origins, strict=True)
        if row["actor_a"] == row["actor_b"]
    ]
