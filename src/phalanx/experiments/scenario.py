"""Scenario files: what the world outside the model does, year by year, with its uncertainty.

A scenario is a YAML file that an analyst reads, copies and edits. It states the leading
state's free capacity and its war, what outside patrons offer which states, how conflicts,
threat perceptions and the fear of the leader change, and how far states cooperate among
themselves; every number is a range ``{low: .., high: ..}`` (uncertainty), and the values that
change over time are *paths* of calendar-year points. It cites the passages of the source
document it encodes. The format is documented key by key in ``docs/scenarios.md``.

This module only reads and validates (strictly: unknown keys refused, ranges checked,
``low <= high``, years increasing); :mod:`phalanx.experiments.drivers` resolves the actor
selectors against a simulated state and turns the ranges into driver arrays. Every problem is
a :class:`ScenarioError` (a :class:`~phalanx.errors.UserError`) naming the file, the line and
the field, e.g. ``mine.yaml:14: field 'patrons[0].path[1].high': must be in [0, 1], got 1.5``.

>>> [s["name"] for s in list_scenarios()][:2]
['baseline', 'long-war']
>>> s = load_scenario("long-war")
>>> s.name, len(s.sha256), s.text.startswith("#") or s.text.startswith("name")
('long-war', 64, True)
"""

from __future__ import annotations

import hashlib
import re
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from phalanx.errors import ParameterError, UserError
from phalanx.safe_files import read_user_bytes
from phalanx.yamlio import Locate, load_yaml

__all__ = [
    "SCENARIO_LIMIT",
    "SELECTOR_KEYWORDS",
    "OFFERS",
    "ScenarioError",
    "Range",
    "YearRange",
    "PathPoint",
    "ScalePoint",
    "Citation",
    "War",
    "Leader",
    "PatronRule",
    "ConflictRule",
    "ActorRule",
    "Cooperation",
    "Scenario",
    "scenarios_dir",
    "scenario_path",
    "list_scenarios",
    "load_scenario",
]

#: Largest scenario file read (bytes).
SCENARIO_LIMIT = 256_000

#: Words a selector may use instead of actor ids (resolved by ``compile_scenario``):
#: ``all`` every simulated actor; ``members`` the actors in the organisation on the start
#: date (member, frozen or suspended; the leader included); ``outsiders`` the candidates not
#: in it; ``candidates`` every actor that may change status; ``leader``; ``patrons``.
SELECTOR_KEYWORDS = ("all", "members", "outsiders", "candidates", "leader", "patrons")

#: What a patron can offer: arms (lowers dependence on the leader), investment, guarantees.
OFFERS = ("arms", "investment", "guarantee")

#: Largest multiplier a scale path may reach (a typo guard; the engine clips to [0, 1]).
MAX_SCALE = 100.0

_YEARS = (1000, 3000)

#: An actor id as the package format defines it.
_ACTOR_ID = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


class ScenarioError(UserError):
    """A scenario file cannot be found, parsed or validated; it names file, line and field."""


class _At(ValueError):
    """A model-level problem that belongs to one field: ``loc`` relative to the model."""

    def __init__(self, loc: tuple[Any, ...], message: str) -> None:
        super().__init__(message)
        self.loc = loc


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, strict=True)


def _number_as_range(v: Any) -> Any:
    """``0.6`` is shorthand for ``{low: 0.6, high: 0.6}`` (a known value)."""
    if isinstance(v, int | float) and not isinstance(v, bool):
        return {"low": v, "high": v}
    return v


def _ordered(low: float, high: float) -> None:
    if low > high:
        raise _At(("high",), f"must be at least low ({low}), got {high}")


class Range(_Strict):
    """An uncertain share in [0, 1]: each replicate draws one value uniformly in [low, high]."""

    low: float = Field(ge=0, le=1)
    high: float = Field(ge=0, le=1)

    @model_validator(mode="before")
    @classmethod
    def _number(cls, v: Any) -> Any:
        return _number_as_range(v)

    @model_validator(mode="after")
    def _check(self) -> Range:
        _ordered(self.low, self.high)
        return self


class YearRange(_Strict):
    """An uncertain whole number of years: uniform over low..high inclusive."""

    low: int = Field(ge=0, le=1000)
    high: int = Field(ge=0, le=1000)

    @model_validator(mode="before")
    @classmethod
    def _number(cls, v: Any) -> Any:
        return {"low": v, "high": v} if isinstance(v, int) and not isinstance(v, bool) else v

    @model_validator(mode="after")
    def _check(self) -> YearRange:
        _ordered(self.low, self.high)
        return self


def _point_shorthand(v: Any) -> Any:
    """``{year: 2030, value: 0.2}`` is shorthand for ``low = high = 0.2``."""
    if isinstance(v, dict) and "value" in v:
        if "low" in v or "high" in v:
            raise ValueError("give either value, or low and high, not both")
        v = {k: x for k, x in v.items() if k != "value"} | {"low": v["value"], "high": v["value"]}
    return v


class PathPoint(_Strict):
    """A point of a path of shares in [0, 1] (offers, cooperation) in a calendar year."""

    year: int = Field(ge=_YEARS[0], le=_YEARS[1])
    low: float = Field(ge=0, le=1)
    high: float = Field(ge=0, le=1)

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, v: Any) -> Any:
        return _point_shorthand(v)

    @model_validator(mode="after")
    def _check(self) -> PathPoint:
        _ordered(self.low, self.high)
        return self


class ScalePoint(_Strict):
    """A point of a path of multipliers (>= 0; 1 leaves the package's value unchanged)."""

    year: int = Field(ge=_YEARS[0], le=_YEARS[1])
    low: float = Field(ge=0, le=MAX_SCALE)
    high: float = Field(ge=0, le=MAX_SCALE)

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, v: Any) -> Any:
        return _point_shorthand(v)

    @model_validator(mode="after")
    def _check(self) -> ScalePoint:
        _ordered(self.low, self.high)
        return self


def _check_path(path: list[Any]) -> None:
    for k in range(1, len(path)):
        if path[k].year <= path[k - 1].year:
            raise _At(
                ("path", k, "year"),
                f"must be later than the previous point's year ({path[k - 1].year}), "
                f"got {path[k].year}",
            )


Selector = str | list[str]


def _check_selector(v: Any, name: str) -> None:
    items = [v] if isinstance(v, str) else v
    if not items:
        raise _At((name,), "must name at least one actor id or selector word")
    for k, s in enumerate(items):
        at = (name,) if isinstance(v, str) else (name, k)
        if not s.strip():
            raise _At(at, "must not be empty")
        if s not in SELECTOR_KEYWORDS and not _ACTOR_ID.fullmatch(s):
            hint = f"; write a list: [{', '.join(re.split(r'[,; ]+', s.strip()))}]"
            raise _At(
                at,
                f"{s!r} is neither an actor id (letters, digits, underscores) nor a selector "
                f"word ({', '.join(SELECTOR_KEYWORDS)})"
                + (hint if re.search(r"[,; ]", s.strip()) else ""),
            )
        if s in items[:k]:
            raise _At(at, f"names {s!r} twice")


class Citation(_Strict):
    """A passage of a source the scenario encodes: section heading, paragraph, paraphrase."""

    source: str = Field(min_length=3)  # a source id of the package, or a full citation
    section: str = Field(min_length=3)
    paragraph: int = Field(ge=1)
    says: str = Field(min_length=10)  # our paraphrase, never a quotation
    url: str | None = None

    @field_validator("url")
    @classmethod
    def _url(cls, v: str | None) -> str | None:
        if v is not None and not v.startswith(("http://", "https://")):
            raise ValueError(f"must be an http(s) URL, got {v!r}")
        return v


class War(_Strict):
    """The leader's war: how many more years it lasts and what it costs per year."""

    years: YearRange  # the war goes on in step t while t <= years (0: it is over)
    drain: Range  # capacity lost per year of war (absolute, on the [0, 1] scale)


class Leader(_Strict):
    """The leading state's capacity available to the organisation, and its war."""

    capacity: Range = Range(low=1.0, high=1.0)  # free capacity at the start
    recovery: Range = Range(low=0.0, high=0.0)  # share of the gap to 1 recovered per peace year
    war: War | None = None


class PatronRule(_Strict):
    """Patrons offer states arms, investment or guarantees, following a path over time."""

    patron: Selector
    to: Selector
    offer: Literal["arms", "investment", "guarantee"]
    path: list[PathPoint] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> PatronRule:
        _check_selector(self.patron, "patron")
        _check_selector(self.to, "to")
        _check_path(self.path)
        return self


class ConflictRule(_Strict):
    """A multiplier of conflict intensities, for one pair or a class of pairs."""

    pair: list[str] | None = None
    between: Literal["members", "external", "all"] | None = None
    path: list[ScalePoint] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> ConflictRule:
        if (self.pair is None) == (self.between is None):
            raise _At(
                ("pair",),
                "give exactly one of pair (two actor ids) or between (members, external or all)",
            )
        if self.pair is not None:
            for k, a in enumerate(self.pair):
                if not _ACTOR_ID.fullmatch(a):
                    raise _At(("pair", k), f"{a!r} is not an actor id (letters, digits, _)")
            if len(self.pair) != 2:
                raise _At(("pair",), f"must name exactly two actor ids, got {len(self.pair)}")
            if self.pair[0] == self.pair[1]:
                raise _At(("pair", 1), f"must differ from the first actor ({self.pair[0]!r})")
        _check_path(self.path)
        return self


class ActorRule(_Strict):
    """A multiplier of an actor-level input (threat perceptions, fear of the leader)."""

    actors: Selector
    path: list[ScalePoint] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> ActorRule:
        _check_selector(self.actors, "actors")
        _check_path(self.path)
        return self


class Cooperation(_Strict):
    """How far a group of states cooperates on security among themselves (0 to 1)."""

    group: Selector
    path: list[PathPoint] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> Cooperation:
        _check_selector(self.group, "group")
        _check_path(self.path)
        return self


class Scenario(_Strict):
    """A validated scenario file (see the module docstring and ``docs/scenarios.md``).

    Besides the file's keys: :attr:`text` (the file's text, archived with a run),
    :attr:`sha256` (of the file's bytes), :attr:`path`, and :meth:`line` (the line of a
    field, for messages).
    """

    name: str = Field(max_length=64)
    title: str = Field(min_length=3)
    summary: str = Field(min_length=10)
    cites: list[Citation] = Field(default_factory=list)
    seed: int | None = Field(default=None, ge=0, le=2**63 - 1)
    leader: Leader = Leader()
    patrons: list[PatronRule] = Field(default_factory=list)
    conflicts: list[ConflictRule] = Field(default_factory=list)
    threats: list[ActorRule] = Field(default_factory=list)
    leader_threat: list[ActorRule] = Field(default_factory=list)
    cooperation: Cooperation | None = None
    parameters: dict[str, bool | int | float | str | None] = Field(default_factory=dict)

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", v):
            raise ValueError(
                "must be lower-case letters, digits, hyphens or underscores, starting with a "
                f"letter or digit (e.g. long-war), got {v!r}"
            )
        return v

    _text: str = PrivateAttr("")
    _sha256: str = PrivateAttr("")
    _path: Path | None = PrivateAttr(None)
    _locate: Any = PrivateAttr(None)

    @property
    def text(self) -> str:
        """The file's text as read (UTF-8), to archive with a run."""
        return self._text

    @property
    def sha256(self) -> str:
        """Hex SHA-256 of the file's bytes: which version of the scenario a run used."""
        return self._sha256

    @property
    def path(self) -> Path | None:
        """The file the scenario was read from (None if built in code)."""
        return self._path

    @property
    def file(self) -> str:
        """The file name shown in messages."""
        return self._path.name if self._path is not None else f"{self.name}.yaml"

    def line(self, loc: tuple[Any, ...]) -> int | None:
        """The 1-based line of the field at ``loc`` (e.g. ``("patrons", 0, "to")``)."""
        return None if self._locate is None else self._locate(loc)

    def __getstate__(self) -> dict[Any, Any]:
        # the line locator is a closure over the YAML tree: rebuilt from the text on demand
        state = super().__getstate__()
        private = dict(state.get("__pydantic_private__") or {})
        private["_locate"] = None
        return {**state, "__pydantic_private__": private}

    def __setstate__(self, state: dict[Any, Any]) -> None:
        super().__setstate__(state)
        if self._text:
            self._locate = _text_locator(self._text)


def scenarios_dir() -> Path:
    """The folder of the scenarios shipped with Phalanx."""
    return Path(str(resources.files("phalanx") / "data" / "scenarios"))


def _shipped() -> dict[str, Path]:
    return {p.stem: p for p in sorted(scenarios_dir().glob("*.yaml"))}


def scenario_path(name_or_path: str | Path) -> Path:
    """A path to a ``.yaml`` file as is; a shipped scenario's name to its file."""
    p = Path(name_or_path)
    if p.suffix in (".yaml", ".yml") or p.exists():
        if not p.is_file():
            raise ScenarioError("no such scenario file", file=str(p))
        return p
    shipped = _shipped()
    if str(name_or_path) in shipped:
        return shipped[str(name_or_path)]
    raise ScenarioError(
        f"unknown scenario {str(name_or_path)!r}: not a .yaml file, nor one of the shipped "
        f"scenarios: {', '.join(shipped)}",
        field="scenario",
    )


def list_scenarios() -> list[dict[str, str]]:
    """The shipped scenarios: ``[{"name", "title", "summary", "path"}]``, by name. O(files)."""
    out = []
    for name, path in _shipped().items():
        s = load_scenario(path)
        if s.name != name:
            raise ScenarioError(
                f"declares name {s.name!r}, but the file is named {name}.yaml; they must agree",
                file=path.name,
                line=s.line(("name",)),
                field="name",
            )
        out.append({"name": s.name, "title": s.title, "summary": s.summary, "path": str(path)})
    return out


def _field(data: Any, loc: tuple[Any, ...]) -> str:
    """A location as ``patrons[0].path[1].high``."""
    parts: list[str] = []
    for key in loc:
        if isinstance(key, int) and parts:
            parts[-1] += f"[{key}]"
        else:
            parts.append(str(key))
    return ".".join(parts)


def _clean_loc(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    # pydantic adds the union member's type ('str', 'list[str]') and validator tags to loc
    noise = {"str", "list[str]", "function-after[_check(), PathPoint]"}
    return tuple(p for p in loc if not (isinstance(p, str) and (p in noise or "[" in p)))


def _membership_params() -> type | None:
    """The engine's parameter declaration when it is installed (it may land later)."""
    try:
        from phalanx.models.dynamics.params import MembershipParams
    except ImportError:  # pragma: no cover - before the engine slice lands
        return None
    return MembershipParams


def _check_parameters(scenario: Scenario, shown: str) -> None:
    params = _membership_params()
    if params is None or not scenario.parameters:  # pragma: no cover - depends on the engine
        return
    known = params.model_fields
    for name in scenario.parameters:
        if name not in known:
            raise ScenarioError(
                f"{name!r} is not a model parameter; expected one of {', '.join(known)}",
                file=shown,
                line=scenario.line(("parameters", name)),
                field=f"parameters.{name}",
            )
    try:
        params(**scenario.parameters)
    except ParameterError as exc:
        name = str(exc.field or "")
        loc = ("parameters", name) if name in scenario.parameters else ("parameters",)
        raise ScenarioError(
            exc.message, file=shown, line=scenario.line(loc), field=".".join(loc)
        ) from None


def load_scenario(name_or_path: str | Path) -> Scenario:
    """Load and validate a scenario: a shipped name (``"long-war"``) or a ``.yaml`` path.

    Raises :class:`ScenarioError` naming the file, the line and the first bad field; an
    unknown name lists the shipped scenarios. Cost: O(file size).
    """
    path = scenario_path(name_or_path)
    shown = path.name
    try:
        raw = read_user_bytes(path, limit=SCENARIO_LIMIT, what="scenario file")
        data, locate = load_yaml(path, limit=SCENARIO_LIMIT, what="scenario file")
    except ScenarioError:
        raise
    except UserError as exc:
        raise ScenarioError(exc.message, file=exc.file, line=exc.line, field=exc.field) from None
    if not isinstance(data, dict):
        raise ScenarioError(
            "expected a mapping (key: value lines) at the top level, with at least "
            "name, title and summary",
            file=shown,
            line=locate(()) or 1,
        )
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        text = raw.decode("utf-8-sig")
        raise _scenario_error(exc, data, locate, text, shown) from None
    scenario._text = raw.decode("utf-8-sig")
    scenario._sha256 = hashlib.sha256(raw).hexdigest()
    scenario._path = path
    scenario._locate = locate
    _check_parameters(scenario, shown)
    return scenario


def _scenario_error(
    exc: ValidationError, data: Any, locate: Locate, text: str, shown: str
) -> ScenarioError:
    # a misspelt key also makes the right key "missing": report the misspelling first
    errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
    # a Selector is 'str | list[str]': pydantic reports both union members; keep the first
    err = errors[0]
    loc = _clean_loc(tuple(err["loc"]))
    msg = err["msg"].removeprefix("Value error, ")
    cause = (err.get("ctx") or {}).get("error")
    if isinstance(cause, _At):
        loc, msg = loc + cause.loc, str(cause)
    msg = re.sub(r"^(Input|String|List|Dictionary) should ", "must ", msg)
    line = locate(loc)
    if err["type"] == "extra_forbidden":
        msg = f"is not a key here; expected one of: {_allowed(loc[:-1])}"
        line = _key_line(text, loc) or line
    elif err["type"] == "missing":
        msg = "is required"
    elif "input" in err and err["type"] not in ("value_error",) and not isinstance(cause, _At):
        msg = f"{msg}; got {err['input']!r}"
    distinct = {_clean_loc(tuple(e["loc"])) for e in errors}
    more = f" (and {len(distinct) - 1} more)" if len(distinct) > 1 else ""
    return ScenarioError(f"{msg}{more}", file=shown, line=line, field=_field(data, loc) or None)


def _text_locator(text: str) -> Locate:
    """A line locator for ``text`` (already validated once, so plain composing is safe)."""

    def locate(loc: Any) -> int | None:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        line = None if node is None else node.start_mark.line + 1
        for part in loc:
            if isinstance(node, yaml.MappingNode):
                hit = [v for k, v in node.value if getattr(k, "value", None) == str(part)]
                node = hit[0] if hit else None
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
                node = node.value[part] if 0 <= part < len(node.value) else None
            else:
                node = None
            if node is None:
                break
            line = node.start_mark.line + 1
        return line

    return locate


def _key_line(text: str, loc: tuple[Any, ...]) -> int | None:
    """The line of the *key* at ``loc`` (the value of a block mapping starts below it)."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:  # pragma: no cover - the text was parsed once already
        return None
    line = None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            hit = [(k, v) for k, v in node.value if getattr(k, "value", None) == str(part)]
            if not hit:
                return None
            line, node = hit[0][0].start_mark.line + 1, hit[0][1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if not 0 <= part < len(node.value):
                return None
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return None
    return line


def _allowed(loc: tuple[Any, ...]) -> str:
    """The keys allowed at ``loc`` (for an unknown-key message)."""
    model: Any = Scenario
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        if field is None:
            break
        ann = field.annotation
        sub = _model_in(ann)
        if sub is None:
            break
        model = sub
    return ", ".join(model.model_fields)


def _model_in(ann: Any) -> type[BaseModel] | None:
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return ann
    for arg in getattr(ann, "__args__", ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None
