"""The ``datapackage.json`` descriptor: a Frictionless-style tabular data package.

Parsed with pydantic so that a malformed descriptor yields precise problems (which
key, what was expected) instead of a traceback. Phalanx adds two field formats to the
Frictionless ``string`` type: ``partial-date`` (``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD``)
and ``list`` (semicolon-separated values, each checked against a foreign key).
"""

from __future__ import annotations

import json
import re
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from phalanx.kb.errors import Problem, display_path

__all__ = [
    "Constraints",
    "FieldSpec",
    "ForeignKey",
    "TableSchema",
    "Resource",
    "Descriptor",
    "read_descriptor",
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class Constraints(_Model):
    required: bool = False
    unique: bool = False
    enum: list[Any] | None = None
    minimum: float | None = None
    maximum: float | None = None
    pattern: str | None = None

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, v: str | None) -> str | None:
        if v is not None:
            try:
                re.compile(v)
            except re.error as e:
                raise ValueError(f"is not a valid regular expression ({e})") from None
        return v


class FieldSpec(_Model):
    name: str = Field(min_length=1)
    type: Literal["string", "integer", "number", "boolean"] = "string"
    format: Literal["default", "partial-date", "list"] | None = None
    description: str = ""
    constraints: Constraints = Constraints()


class Reference(_Model):
    resource: str
    fields: list[str] = Field(min_length=1)


class ForeignKey(_Model):
    fields: list[str] = Field(min_length=1)
    reference: Reference


class TableSchema(_Model):
    fields: list[FieldSpec] = Field(min_length=1)
    primaryKey: list[str] = []
    foreignKeys: list[ForeignKey] = []
    missingValues: list[str] = [""]

    def field(self, name: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.name == name), None)

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.fields]


class Resource(_Model):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    path: str
    description: str = ""
    table_schema: TableSchema = Field(alias="schema")

    @field_validator("path")
    @classmethod
    def _safe_path(cls, v: str) -> str:
        p = PurePosixPath(v)
        if p.is_absolute() or ".." in p.parts or "\\" in v or not v.endswith(".csv"):
            raise ValueError("must be a relative path to a .csv file inside the package folder")
        return v


class Descriptor(_Model):
    name: str = "unnamed"
    title: str = ""
    version: str = "unversioned"
    licenses: list[dict[str, Any]] = []
    sources: list[dict[str, Any]] = []
    resources: list[Resource] = Field(min_length=1)

    def resource(self, name: str) -> Resource | None:
        return next((r for r in self.resources if r.name == name), None)


def read_descriptor(folder: Path) -> tuple[Descriptor | None, list[Problem]]:
    """Read and check ``folder/datapackage.json``; return it or the problems found."""
    path = folder / "datapackage.json"
    name = display_path(path)
    if not path.is_file():
        return None, [
            Problem(
                name, None, None, "not found; a data package is a folder with a datapackage.json"
            )
        ]
    try:
        raw = json.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError as e:
        return None, [
            Problem(name, None, None, f"is not UTF-8 text ({e.reason} at byte {e.start})")
        ]
    except json.JSONDecodeError as e:
        return None, [
            Problem(name, e.lineno, None, f"is not valid JSON: {e.msg} (column {e.colno})")
        ]
    if not isinstance(raw, dict):
        return None, [Problem(name, None, None, "must hold a JSON object")]
    try:
        desc = Descriptor.model_validate(raw)
    except ValidationError as e:
        probs = []
        for err in e.errors():
            loc = ".".join(str(x) for x in err["loc"])
            probs.append(Problem(name, None, loc, err["msg"]))
        return None, probs
    probs = _check_consistency(desc, name)
    return (None, probs) if probs else (desc, [])


def _check_consistency(desc: Descriptor, name: str) -> list[Problem]:
    probs: list[Problem] = []
    seen: set[str] = set()
    for r in desc.resources:
        where = f"resources.{r.name}"
        if r.name in seen:
            probs.append(Problem(name, None, where, "resource name is used twice"))
        seen.add(r.name)
        names = r.table_schema.names
        if len(set(names)) != len(names):
            probs.append(Problem(name, None, where, "schema names a field twice"))
        for k in r.table_schema.primaryKey:
            if k not in names:
                probs.append(
                    Problem(name, None, f"{where}.primaryKey", f"names '{k}', which is not a field")
                )
        for fk in r.table_schema.foreignKeys:
            for k in fk.fields:
                if k not in names:
                    probs.append(
                        Problem(
                            name, None, f"{where}.foreignKeys", f"names '{k}', which is not a field"
                        )
                    )
            if len(fk.fields) != len(fk.reference.fields):
                probs.append(
                    Problem(
                        name,
                        None,
                        f"{where}.foreignKeys",
                        "fields and reference fields differ in number",
                    )
                )
    return probs
