"""The ``datapackage.json`` descriptor: a Frictionless-style tabular data package.

Parsed with pydantic so that a malformed descriptor yields precise problems (which
key, what was expected) instead of a traceback. Phalanx adds two field formats to the
Frictionless ``string`` type: ``partial-date`` (``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD``)
and ``list`` (semicolon-separated values, each checked against a foreign key).

This module only parses. What a package may declare for the core tables is decided by
:mod:`phalanx.kb.schema`. Names of tables and fields are identifiers; a ``pattern`` is
run by RE2 (linear time, so no pattern can hang validation) and is at most
:data:`MAX_PATTERN_CHARS` long; the descriptor is read with a size cap and must stay
inside its folder.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path, PurePosixPath
from typing import Any, Literal

import re2
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from phalanx.errors import UserError
from phalanx.kb.errors import Problem, display_path
from phalanx.safe_files import is_absent, read_user_text

__all__ = [
    "Constraints",
    "FieldSpec",
    "ForeignKey",
    "TableSchema",
    "Resource",
    "Descriptor",
    "read_descriptor",
    "check_consistency",
    "is_identifier",
    "compile_pattern",
    "MAX_DESCRIPTOR_BYTES",
    "MAX_PATTERN_CHARS",
]

MAX_DESCRIPTOR_BYTES = 4 * 1024 * 1024
"""Largest ``datapackage.json`` read (bytes)."""

MAX_PATTERN_CHARS = 1000
"""Longest ``pattern`` constraint accepted (characters)."""

_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False


@functools.lru_cache(maxsize=512)
def compile_pattern(pattern: str) -> Any:
    """``pattern`` compiled by RE2, which matches in time linear in the text, so that a
    pattern from a package (``^(a+)+$``) cannot hang validation. Raises ``ValueError``
    for a pattern that is too long or that RE2 cannot compile (e.g. a back-reference).

    In RE2, ``\\d``, ``\\w`` and ``\\s`` are ASCII only.

    >>> compile_pattern(r"^(a+)+$").fullmatch("a" * 40 + "b") is None
    True
    """
    if len(pattern) > MAX_PATTERN_CHARS:
        raise ValueError(
            f"is {len(pattern)} characters long; at most {MAX_PATTERN_CHARS} are allowed"
        )
    try:
        return re2.compile(pattern, options=_RE2_OPTIONS)
    except re2.error as e:
        reason = (
            e.args[0].decode("utf-8", "replace")
            if e.args and isinstance(e.args[0], bytes)
            else str(e)
        )
        raise ValueError(
            f"is not a regular expression Phalanx can run in linear time ({reason}); "
            "back-references and look-arounds are not supported"
        ) from None


def _as_list(v: Any) -> Any:
    """Frictionless allows a single field name where a list of names is expected."""
    return [v] if isinstance(v, str) else v


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
            compile_pattern(v)
        return v

    def matches(self, text: str) -> bool:
        """Whether ``text`` matches the whole ``pattern`` (True when there is none)."""
        return self.pattern is None or compile_pattern(self.pattern).fullmatch(text) is not None


_IDENTIFIER = re.compile(r"[a-z][a-z0-9_]{0,62}", re.ASCII)


def is_identifier(name: object) -> bool:
    """Whether ``name`` is a table or field name Phalanx accepts: ``^[a-z][a-z0-9_]*$``,
    ASCII only, at most 63 characters (so it can be quoted safely in SQL).

    >>> is_identifier("end"), is_identifier('x"; --'), is_identifier("Ä")
    (True, False, False)
    """
    return isinstance(name, str) and _IDENTIFIER.fullmatch(name) is not None


def _identifier(v: str) -> str:
    if not is_identifier(v):
        raise ValueError(
            f"{v!r} is not an identifier: use lower-case ASCII letters, digits and '_', "
            "starting with a letter, at most 63 characters"
        )
    return v


class FieldSpec(_Model):
    name: str
    type: Literal["string", "integer", "number", "boolean"] = "string"
    format: Literal["default", "partial-date", "list"] | None = None
    description: str = ""
    constraints: Constraints = Constraints()

    @field_validator("name")
    @classmethod
    def _check_name(cls, v: str) -> str:
        return _identifier(v)


class Reference(_Model):
    resource: str
    fields: list[str] = Field(min_length=1)

    @field_validator("fields", mode="before")
    @classmethod
    def _one_name(cls, v: Any) -> Any:
        return _as_list(v)


class ForeignKey(_Model):
    fields: list[str] = Field(min_length=1)
    reference: Reference

    @field_validator("fields", mode="before")
    @classmethod
    def _one_name(cls, v: Any) -> Any:
        return _as_list(v)


class TableSchema(_Model):
    fields: list[FieldSpec] = Field(min_length=1, max_length=200)
    primaryKey: list[str] = []
    foreignKeys: list[ForeignKey] = []
    missingValues: list[str] = [""]

    @field_validator("primaryKey", mode="before")
    @classmethod
    def _one_name(cls, v: Any) -> Any:
        return _as_list(v)

    def field(self, name: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.name == name), None)

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.fields]


class Resource(_Model):
    name: str
    path: str
    description: str = ""
    table_schema: TableSchema | None = Field(default=None, alias="schema")
    """None when a core table's schema is omitted; :mod:`phalanx.kb.schema` fills it in."""

    @field_validator("name")
    @classmethod
    def _check_name(cls, v: str) -> str:
        return _identifier(v)

    @field_validator("path")
    @classmethod
    def _safe_path(cls, v: str) -> str:
        p = PurePosixPath(v)
        if (
            p.is_absolute()
            or ".." in p.parts
            or "\\" in v
            or "\x00" in v
            or len(v) > 255
            or not v.endswith(".csv")
        ):
            raise ValueError(
                "must be a relative path to a .csv file inside the package folder (at most 255 characters)"
            )
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
    if is_absent(path):
        return None, [
            Problem(
                name, None, None, "not found; a data package is a folder with a datapackage.json"
            )
        ]
    try:
        text = read_user_text(
            path, limit=MAX_DESCRIPTOR_BYTES, inside=folder, what="datapackage.json"
        )
    except UserError as e:
        return None, [Problem(e.file or name, e.line, e.field, e.message)]
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as e:
        return None, [
            Problem(name, e.lineno, None, f"is not valid JSON: {e.msg} (column {e.colno})")
        ]
    except RecursionError:
        return None, [Problem(name, None, None, "is nested too deeply to be a data package")]
    if not isinstance(raw, dict):
        return None, [Problem(name, None, None, "must hold a JSON object")]
    try:
        desc = Descriptor.model_validate(raw)
    except ValidationError as e:
        probs = []
        for err in e.errors():
            loc = ".".join(str(x) for x in err["loc"])
            msg = err["msg"].removeprefix("Value error, ")
            probs.append(Problem(name, None, loc, msg))
        return None, probs
    seen: set[str] = set()
    probs = []
    for r in desc.resources:
        if r.name in seen:
            probs.append(Problem(name, None, f"resources.{r.name}", "resource name is used twice"))
        seen.add(r.name)
    return (None, probs) if probs else (desc, [])


def check_consistency(desc: Descriptor, name: str) -> list[Problem]:
    """Keys that name missing fields, and fields named twice, in ``desc``'s schemas
    (which must all be filled in)."""
    probs: list[Problem] = []
    seen: set[str] = set()
    for r in desc.resources:
        where = f"resources.{r.name}"
        if r.name in seen:
            probs.append(Problem(name, None, where, "resource name is used twice"))
        seen.add(r.name)
        assert r.table_schema is not None
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
