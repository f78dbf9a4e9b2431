"""Issue files: one collective-decision question as sourced, validated data (YAML).

An issue file states the question, the organisation and its decision rule, the issue scale
with labelled anchor points, the leading state and its capacity, the actors (capability,
position and salience, each with a citation, a URL and a note, and marked ``inferred`` where no
source states the value), and, for a historical question, what actually happened.

Files are read with ``yaml.safe_load`` and validated with pydantic; every error names the file
and the field, e.g. ``csto_armenia_2022.yaml: actors[KAZ].salience.value: ...``.

>>> names = [i["id"] for i in list_issues()]
>>> "csto_armenia_2022" in names
True
>>> load_issue("csto_kazakhstan_2022").organisation
'CSTO'
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from phalanx.models.actors import ActorTable

__all__ = [
    "Issue",
    "IssueActor",
    "IssueError",
    "Scale",
    "SourcedValue",
    "issue_path",
    "list_issues",
    "load_issue",
]

RULES = ("consensus", "unanimity", "majority", "qualified_majority")


class IssueError(ValueError):
    """An issue file cannot be found, parsed or validated; the message names file and field."""


def _check_url(v: str) -> str:
    if not v.startswith(("http://", "https://")):
        raise ValueError(f"must be an http(s) URL, got {v!r}")
    return v


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourcedValue(_Strict):
    """A number with its evidence: citation, URL, note, and whether it is inferred."""

    value: float
    source: str = Field(min_length=3)
    url: str
    note: str = ""
    inferred: bool = False

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        return _check_url(v)


class Anchor(_Strict):
    """A labelled point of the issue scale."""

    value: float
    label: str = Field(min_length=1)


class Scale(_Strict):
    """The issue scale: ``min < max`` and at least two labelled anchors inside it."""

    min: float
    max: float
    anchors: list[Anchor] = Field(min_length=2)

    @model_validator(mode="after")
    def _check(self) -> Scale:
        if not self.min < self.max:
            raise ValueError(f"min ({self.min}) must be below max ({self.max})")
        values = [a.value for a in self.anchors]
        if values != sorted(set(values)):
            raise ValueError("anchors must be in increasing order of value, without repeats")
        bad = [v for v in values if not self.min <= v <= self.max]
        if bad:
            raise ValueError(f"anchor {bad[0]} lies outside [{self.min}, {self.max}]")
        return self

    def label(self, value: float) -> str:
        """The label of the highest anchor at or below ``value`` (the level reached)."""
        reached = [a for a in self.anchors if a.value <= value + 1e-9]
        return (reached[-1] if reached else self.anchors[0]).label


class IssueActor(_Strict):
    """One actor of an issue. ``member`` actors vote under the organisation's rule."""

    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    member: bool = True
    capability: SourcedValue
    position: SourcedValue
    salience: SourcedValue

    @model_validator(mode="after")
    def _check(self) -> IssueActor:
        if self.capability.value < 0:
            raise ValueError(f"capability.value must be >= 0, got {self.capability.value}")
        if not 0 <= self.salience.value <= 1:
            raise ValueError(f"salience.value must be in [0, 1], got {self.salience.value}")
        return self


class Outcome(_Strict):
    """What actually happened, as a point on the scale, with its source."""

    value: float
    description: str = Field(min_length=3)
    source: str = Field(min_length=3)
    url: str
    note: str = ""

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        return _check_url(v)


class Issue(_Strict):
    """A collective-decision question (see the module docstring)."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    title: str = Field(min_length=3)
    date: str = Field(pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$")
    organisation: str = Field(min_length=1)
    question: str = Field(min_length=3)
    decision_rule: Literal["consensus", "unanimity", "majority", "qualified_majority"]
    decision_rule_source: str = ""
    quota: float | None = Field(default=None, gt=0.5, le=1)
    abstain_below: float = Field(default=0.2, ge=0, le=1)
    scale: Scale
    leader: str
    leader_capacity: SourcedValue
    requester: str | None = None
    actors: list[IssueActor] = Field(min_length=1)
    outcome: Outcome | None = None
    notes: str = ""

    @field_validator("date", mode="before")
    @classmethod
    def _date(cls, v: Any) -> Any:
        # YAML reads an unquoted 2022-09-13 as a date; keep the ISO text (partial dates too).
        return v.isoformat() if hasattr(v, "isoformat") else v

    @model_validator(mode="after")
    def _check(self) -> Issue:
        ids = [a.id for a in self.actors]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"actors: duplicate actor id {dup[0]!r}")
        if self.leader not in ids:
            raise ValueError(f"leader: unknown actor {self.leader!r} (actors: {', '.join(ids)})")
        if self.requester is not None and self.requester not in ids:
            raise ValueError(
                f"requester: unknown actor {self.requester!r} (actors: {', '.join(ids)})"
            )
        if not 0 <= self.leader_capacity.value <= 1:
            raise ValueError(
                f"leader_capacity.value must be in [0, 1], got {self.leader_capacity.value}"
            )
        lo, hi = self.scale.min, self.scale.max
        for a in self.actors:
            if not lo <= a.position.value <= hi:
                raise ValueError(
                    f"actors[{a.id}].position.value {a.position.value} lies outside the scale "
                    f"[{lo}, {hi}]"
                )
        if self.outcome is not None and not lo <= self.outcome.value <= hi:
            raise ValueError(f"outcome.value {self.outcome.value} lies outside [{lo}, {hi}]")
        if self.decision_rule == "qualified_majority" and self.quota is None:
            raise ValueError("quota: required when decision_rule is qualified_majority")
        if not any(a.member for a in self.actors):
            raise ValueError("actors: at least one actor must be a member")
        return self

    def actor_table(self) -> ActorTable:
        """The actors as an :class:`ActorTable` (ids as names), for the decision models."""
        return ActorTable.from_records(
            [
                {
                    "actor": a.id,
                    "capability": a.capability.value,
                    "position": a.position.value,
                    "salience": a.salience.value,
                }
                for a in self.actors
            ],
            origin=f"issue {self.id}: actor {{}}",
        )

    @property
    def members(self) -> list[str]:
        """Ids of the actors that vote under the organisation's rule."""
        return [a.id for a in self.actors if a.member]


def _issues_dir() -> Path:
    return Path(str(resources.files("phalanx") / "data" / "issues"))


def list_issues() -> list[dict[str, str]]:
    """The shipped issue files: ``[{"id", "title", "date", "organisation"}]``, sorted by id."""
    out = []
    for path in sorted(_issues_dir().glob("*.yaml")):
        issue = load_issue(path)
        out.append(
            {
                "id": issue.id,
                "title": issue.title,
                "date": issue.date,
                "organisation": issue.organisation,
            }
        )
    return out


def issue_path(name_or_path: str | Path) -> Path:
    """Resolve a file path, or the id of a shipped issue, to a path."""
    p = Path(name_or_path)
    if p.suffix in (".yaml", ".yml") or p.exists():
        if not p.is_file():
            raise IssueError(f"{p}: no such issue file")
        return p
    shipped = _issues_dir() / f"{name_or_path}.yaml"
    if shipped.is_file():
        return shipped
    names = ", ".join(sorted(q.stem for q in _issues_dir().glob("*.yaml")))
    raise IssueError(f"unknown issue {str(name_or_path)!r}: not a file, nor one of: {names}")


def _loc(data: Any, loc: tuple[Any, ...]) -> str:
    """Render a pydantic error location, naming actors by id rather than list index."""
    parts: list[str] = []
    node = data
    for key in loc:
        if isinstance(key, int) and parts:
            label = str(key)
            if isinstance(node, list) and key < len(node) and isinstance(node[key], dict):
                label = str(node[key].get("id", key))
            parts[-1] += f"[{label}]"
        else:
            parts.append(str(key))
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            node = None
    return ".".join(parts)


def load_issue(name_or_path: str | Path) -> Issue:
    """Load and validate an issue file (a path, or the id of a shipped issue).

    Raises :class:`IssueError` naming the file and the first bad field.
    """
    path = issue_path(name_or_path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        raise IssueError(f"{path.name}{where}: not valid YAML ({exc.__class__.__name__})") from None
    except OSError as exc:
        raise IssueError(f"{path}: cannot read ({exc.strerror})") from None
    if not isinstance(data, dict):
        raise IssueError(f"{path.name}: expected a mapping at the top level")
    try:
        return Issue.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = _loc(data, tuple(err["loc"]))
        msg = err["msg"].removeprefix("Value error, ")
        field = f"{loc}: " if loc else ""
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise IssueError(f"{path.name}: {field}{msg}{more}") from None
