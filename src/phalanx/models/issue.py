"""Issue files: one collective-decision question as sourced, validated data (YAML).

An issue file states the question, the organisation and its decision rule, the issue scale
with labelled anchor points, the leading state and its capacity, the actors (capability,
position and salience, each with a citation, a URL and a note, and marked ``inferred`` where no
source states the value), and, for a historical question, what actually happened.

Files are read with :func:`phalanx.yamlio.load_yaml` (strict: no repeated keys, bounded size
and depth, dates kept as text) and validated with pydantic; every error is an
:class:`IssueError` (a :class:`~phalanx.errors.UserError`) naming the file, the line and the
field, e.g. ``csto_armenia_2022.yaml:41: field 'actors[KAZ].salience.value': ...``.

Issues come from the files shipped with Phalanx and from the issue folders a data package
declares (``"issues"`` in the ``phalanx`` object of its ``datapackage.json``;
``kb.defaults.issue_folders``). An issue's id is its file name without ``.yaml``; ids must
be unique across all folders.

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

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from phalanx.errors import UserError
from phalanx.kb.dates import parse_partial_date
from phalanx.models.actors import ActorTable
from phalanx.yamlio import load_yaml

__all__ = [
    "Issue",
    "IssueActor",
    "IssueError",
    "Scale",
    "SourcedValue",
    "issue_path",
    "issue_folders",
    "list_issues",
    "load_issue",
]

#: Largest issue file read (bytes).
ISSUE_LIMIT = 1_000_000

RULES = ("consensus", "unanimity", "majority", "qualified_majority")


class IssueError(UserError):
    """An issue file cannot be found, parsed or validated; it names file, line and field."""


class _At(ValueError):
    """A model-level problem that belongs to one field: ``loc`` as pydantic would give it."""

    def __init__(self, loc: tuple[Any, ...], message: str) -> None:
        super().__init__(message)
        self.loc = loc


def _check_url(v: str) -> str:
    if not v.startswith(("http://", "https://")):
        raise ValueError(f"must be an http(s) URL, got {v!r}")
    return v


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class SourcedValue(_Strict):
    """A number with its evidence: citation, URL, note, and whether it is inferred."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

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
            raise _At(("capability", "value"), f"must be >= 0, got {self.capability.value}")
        if not 0 <= self.salience.value <= 1:
            raise _At(("salience", "value"), f"must be in [0, 1], got {self.salience.value}")
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
    leader: str | None = None
    leader_capacity: SourcedValue | None = None
    requester: str | None = None
    actors: list[IssueActor] = Field(min_length=1)
    outcome: Outcome | None = None
    notes: str = ""

    @field_validator("date", mode="before")
    @classmethod
    def _date(cls, v: Any) -> Any:
        # A loader that makes dates of unquoted 2022-09-13 gives a date; keep the ISO text.
        return v.isoformat() if hasattr(v, "isoformat") else v

    @field_validator("date")
    @classmethod
    def _real_date(cls, v: str) -> str:
        parse_partial_date(v)  # '2022-02-30' is not a real calendar date
        return v

    @model_validator(mode="after")
    def _check(self) -> Issue:
        ids = [a.id for a in self.actors]
        for k, i in enumerate(ids):
            if i in ids[:k]:
                raise _At(("actors", k, "id"), f"duplicate actor id {i!r}")
        if self.leader is not None and self.leader not in ids:
            raise _At(("leader",), f"unknown actor {self.leader!r} (actors: {', '.join(ids)})")
        if self.leader_capacity is not None and self.leader is None:
            raise _At(("leader",), "required when leader_capacity is given")
        if self.requester is not None and self.requester not in ids:
            raise _At(
                ("requester",), f"unknown actor {self.requester!r} (actors: {', '.join(ids)})"
            )
        if self.leader_capacity is not None and not 0 <= self.leader_capacity.value <= 1:
            raise _At(
                ("leader_capacity", "value"),
                f"must be in [0, 1], got {self.leader_capacity.value}",
            )
        lo, hi = self.scale.min, self.scale.max
        for k, a in enumerate(self.actors):
            if not lo <= a.position.value <= hi:
                raise _At(
                    ("actors", k, "position", "value"),
                    f"{a.position.value} lies outside the scale [{lo}, {hi}]",
                )
        if self.outcome is not None and not lo <= self.outcome.value <= hi:
            raise _At(("outcome", "value"), f"{self.outcome.value} lies outside [{lo}, {hi}]")
        if self.decision_rule == "qualified_majority" and self.quota is None:
            raise _At(("quota",), "required when decision_rule is qualified_majority")
        if not any(a.member for a in self.actors):
            raise _At(("actors",), "at least one actor must be a member")
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


def issue_folders(kb: Any = None) -> list[Path]:
    """The folders searched for issues: the shipped one, then the package's (in layer order)."""
    folders = [_issues_dir()]
    if kb is not None:
        folders += [Path(f) for f in kb.defaults.issue_folders]
    return folders


def _catalogue(kb: Any = None) -> dict[str, Path]:
    """Issue id -> file over every folder; an id found twice is an :class:`IssueError`."""
    found: dict[str, Path] = {}
    for folder in issue_folders(kb):
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.yaml")):
            if path.stem in found:
                raise IssueError(
                    f"issue id {path.stem!r} is defined twice: in {found[path.stem]} and in "
                    f"{path}; rename one of the files",
                    file=path.name,
                )
            found[path.stem] = path
    return found


def list_issues(kb: Any = None) -> list[dict[str, str]]:
    """The shipped issues and those of ``kb``'s package: ``[{"id", "title", "date",
    "organisation", "origin"}]`` (origin "shipped" or "package"), sorted by id."""
    shipped = _issues_dir()
    out = []
    for name, path in sorted(_catalogue(kb).items()):
        issue = load_issue(path)
        if issue.id != name:
            raise IssueError(
                f"declares id {issue.id!r}, but the file is named {name}.yaml; they must agree",
                file=path.name,
                field="id",
            )
        out.append(
            {
                "id": issue.id,
                "title": issue.title,
                "date": issue.date,
                "organisation": issue.organisation,
                "origin": "shipped" if path.parent == shipped else "package",
            }
        )
    return out


def issue_path(name_or_path: str | Path, kb: Any = None) -> Path:
    """Resolve a file path, or the id of a shipped or package issue, to a path."""
    p = Path(name_or_path)
    if p.suffix in (".yaml", ".yml") or p.exists():
        if not p.is_file():
            raise IssueError("no such issue file", file=str(p))
        return p
    cat = _catalogue(kb)
    if str(name_or_path) in cat:
        return cat[str(name_or_path)]
    names = ", ".join(sorted(cat))
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


def load_issue(name_or_path: str | Path, kb: Any = None) -> Issue:
    """Load and validate an issue file (a path, or the id of a shipped or package issue).

    Raises :class:`IssueError` naming the file, the line and the first bad field.
    """
    path = issue_path(name_or_path, kb)
    inside = path.parent if kb is not None and path.parent in issue_folders(kb) else None
    try:
        data, locate = load_yaml(path, limit=ISSUE_LIMIT, inside=inside, what="issue file")
    except IssueError:
        raise
    except UserError as exc:
        raise IssueError(exc.message, file=exc.file, line=exc.line, field=exc.field) from None
    if not isinstance(data, dict):
        raise IssueError(
            "expected a mapping (key: value lines) at the top level", file=path.name, line=1
        )
    try:
        return Issue.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        msg = err["msg"].removeprefix("Value error, ")
        cause = (err.get("ctx") or {}).get("error")
        if isinstance(cause, _At):
            loc, msg = loc + cause.loc, str(cause)
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise IssueError(
            f"{msg}{more}", file=path.name, line=locate(loc), field=_loc(data, loc) or None
        ) from None
