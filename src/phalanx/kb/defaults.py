"""What a data package declares about its own case: the defaults every command reads.

Nothing about any one alliance is written in the code. A package names its main
organisation, that organisation's leading state, the actors of its region, its study
period, the indicator of dependence on the leader, what counts as answering a request for
assistance, and whether the leader's capacity caps what the organisation can do, in a
``phalanx`` object of its ``datapackage.json``::

    "phalanx": {
      "organization": "CSTO",
      "leader": "RUS",
      "region": ["KAZ", "KGZ", "TJK", "RUS"],
      "period": ["1992", "2026"],
      "dependence_indicator": "arms_import_share_from_RUS",
      "assistance": ["deployment"],
      "leader_caps_outcome": true,
      "patrons": ["CHN", "USA"],
      "issues": "issues",
      "posterior": "posterior.json"
    }

Every key is optional. What a package leaves out is derived from its data and marked as
derived (:attr:`Defaults.derived`): the only collective-defence organisation (else the
first by id), its ``leader`` column, every state, the span of the membership spells, and
``arms_import_share_from_<LEADER>`` where such an indicator exists. ``patrons`` (the outside
powers that court the region's states) is left as None when not declared: the membership
model derives them from the data on its own start date. A layer on top of another
overrides only the keys it declares, except that patrons belong to their case: a layer that
names an organisation or a leader without declaring patrons drops the ones below it.
``posterior`` names a calibrated posterior of the membership model's parameters shipped
in the package (``phalanx.evidence.calibration``); like the patrons it belongs to its
case, so a layer naming another organisation or leader without declaring one drops it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from phalanx.kb.dates import parse_partial_date
from phalanx.kb.errors import Problem

__all__ = [
    "DeclaredDefaults",
    "Defaults",
    "read_declared",
    "resolve_defaults",
    "EVENT_KINDS_ANSWER",
]

EVENT_KINDS_ANSWER = ("deployment",)
"""What counts as answering a request when a package does not say (event kinds)."""

_ID = r"^[A-Za-z][A-Za-z0-9_]*$"


class DeclaredDefaults(BaseModel):
    """The ``phalanx`` object of a ``datapackage.json``, as declared (all keys optional)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    organization: str | None = Field(None, pattern=_ID)
    leader: str | None = Field(None, pattern=_ID)
    region: tuple[str, ...] | None = Field(None, max_length=500)
    period: tuple[str, str] | None = None
    dependence_indicator: str | None = Field(None, pattern=r"^[a-z][a-z0-9_]*(_[A-Z]{3})?$")
    assistance: tuple[str, ...] | None = Field(None, min_length=1, max_length=20)
    leader_caps_outcome: bool | None = None
    issues: str | None = Field(None, max_length=200)
    patrons: tuple[str, ...] | None = Field(None, max_length=500)
    posterior: str | None = Field(None, max_length=200)

    @field_validator("region", "patrons")
    @classmethod
    def _ids(cls, v: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if v is not None:
            import re

            bad = [a for a in v if not re.fullmatch(_ID, a)]
            if bad:
                raise ValueError(f"holds {bad[0]!r}, which is not an actor id")
            if len(set(v)) != len(v):
                raise ValueError("names an actor twice")
        return v

    @field_validator("period")
    @classmethod
    def _period(cls, v: tuple[str, str] | None) -> tuple[str, str] | None:
        if v is not None:
            first, last = (parse_partial_date(x) for x in v)
            if last.latest < first.earliest:
                raise ValueError(f"ends ({v[1]}) before it starts ({v[0]})")
        return v

    @field_validator("issues", "posterior")
    @classmethod
    def _relative(cls, v: str | None) -> str | None:
        if v is not None:
            p = Path(v)
            if p.is_absolute() or ".." in p.parts or "\\" in v:
                raise ValueError("must be a folder inside the package (no '..', not absolute)")
        return v


def read_declared(
    extra: dict[str, Any] | None, where: str
) -> tuple[DeclaredDefaults, list[Problem]]:
    """Parse the ``phalanx`` object of a descriptor (``extra`` holds the unknown keys)."""
    raw = (extra or {}).get("phalanx")
    if raw is None:
        return DeclaredDefaults(), []
    if not isinstance(raw, dict):
        return DeclaredDefaults(), [Problem(where, None, "phalanx", "must be a JSON object")]
    try:
        return DeclaredDefaults.model_validate(raw), []
    except ValidationError as e:
        probs = [
            Problem(where, None, "phalanx." + ".".join(str(x) for x in err["loc"]), err["msg"])
            for err in e.errors()
        ]
        return DeclaredDefaults(), probs


@dataclass(frozen=True)
class Defaults:
    """The defaults in force for a (layered) package, declared or derived.

    Attributes
    ----------
    organization : str or None
        The main organisation; None when the package has no organisation.
    leader : str or None
        Its leading state (the organisation's ``leader`` column unless declared).
    region : tuple of str
        The actors of the region, in the declared order (default: every state).
    period : (str, str) or None
        The study period as partial ISO dates (first, last).
    dependence_indicator : str or None
        Indicator of each member's dependence on the leader, a share in [0, 1].
    assistance : tuple of str
        Event kinds that count as the organisation answering a request for assistance.
    leader_caps_outcome : bool
        Whether the leader's free capacity caps what the organisation can do.
    patrons : tuple of str or None
        Outside patrons courting the region's states, as declared; None when the package
        does not declare them (models then derive them from the data).
    posterior_file : Path or None
        The calibrated posterior the package declares (``posterior``), or None.
    issue_folders : tuple of Path
        Folders of issue files shipped by the package's layers.
    derived : frozenset of str
        The names above that the package did not declare.
    """

    organization: str | None
    leader: str | None
    region: tuple[str, ...]
    period: tuple[str, str] | None
    dependence_indicator: str | None
    assistance: tuple[str, ...]
    leader_caps_outcome: bool
    issue_folders: tuple[Path, ...] = ()
    patrons: tuple[str, ...] | None = None
    derived: frozenset[str] = field(default_factory=frozenset)
    posterior_file: Path | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-serialisable form."""
        return {
            "organization": self.organization,
            "leader": self.leader,
            "region": list(self.region),
            "period": None if self.period is None else list(self.period),
            "dependence_indicator": self.dependence_indicator,
            "assistance": list(self.assistance),
            "leader_caps_outcome": self.leader_caps_outcome,
            "issue_folders": [str(p) for p in self.issue_folders],
            "patrons": None if self.patrons is None else list(self.patrons),
            "posterior_file": None if self.posterior_file is None else str(self.posterior_file),
            "derived": sorted(self.derived),
        }


def resolve_defaults(
    layers: list[tuple[DeclaredDefaults, Path, str]], tables: dict[str, list[dict[str, Any]]]
) -> tuple[Defaults, list[Problem]]:
    """Merge the declared defaults of the layers (later wins) and fill the rest from data.

    ``layers`` holds (declared, package folder, descriptor name for messages);
    ``tables`` the merged rows by table name. Returns the defaults and the problems of
    references to ids the package does not hold.
    """
    merged: dict[str, Any] = {}
    where = {}
    layer_of: dict[str, int] = {}
    folders: list[Path] = []
    posterior: Path | None = None
    for k, (declared, folder, name) in enumerate(layers):
        for key, value in declared.model_dump(exclude_none=True).items():
            merged[key] = value
            where[key] = name
            layer_of[key] = k
        if declared.issues is not None:
            folders.append(folder / declared.issues)
        if declared.posterior is not None:
            posterior = folder / declared.posterior
    probs: list[Problem] = []
    orgs = {r["id"]: r for r in tables.get("organizations", [])}
    actors = {r["id"]: r for r in tables.get("actors", [])}
    derived: set[str] = set()

    def bad(key: str, msg: str) -> None:
        probs.append(Problem(where.get(key, "datapackage.json"), None, f"phalanx.{key}", msg))

    org = merged.get("organization")
    if org is None:
        derived.add("organization")
        defence = sorted(o for o, r in orgs.items() if r.get("kind") == "collective_defence")
        org = defence[0] if defence else (min(orgs) if orgs else None)
    elif org not in orgs:
        bad("organization", f"{org!r} is not in organizations.id")
    leader = merged.get("leader")
    org_leader = orgs.get(org, {}).get("leader") if org else None
    if leader is None:
        derived.add("leader")
        leader = org_leader
    elif leader not in actors:
        bad("leader", f"{leader!r} is not in actors.id")
    elif org_leader is not None and org_leader != leader:
        bad(
            "leader",
            f"{leader!r} differs from the leader of {org} in organizations.csv ({org_leader})",
        )
    region = merged.get("region")
    if region is None:
        derived.add("region")
        region = tuple(sorted(a for a, r in actors.items() if r.get("kind") == "state"))
    else:
        for a in region:
            if a not in actors:
                bad("region", f"{a!r} is not in actors.id")
    patrons = merged.get("patrons")
    if patrons is not None and any(
        layer_of.get(key, -1) > layer_of["patrons"] for key in ("organization", "leader")
    ):
        patrons = None  # patrons go with their case: a layer naming another case drops them
    if patrons is None:
        derived.add("patrons")
    else:
        for a in patrons:
            if a not in actors:
                bad("patrons", f"{a!r} is not in actors.id")
        if leader is not None and leader in patrons:
            bad("patrons", f"holds the leader {leader!r}; a patron is an outside power")
    period = merged.get("period")
    if period is None:
        derived.add("period")
        starts = [r["start"] for r in tables.get("memberships", []) if r.get("start")]
        ends = [r["end"] for r in tables.get("memberships", []) if r.get("end")] + starts
        if starts:
            period = (
                str(min(parse_partial_date(s).earliest for s in starts).year),
                str(max(parse_partial_date(s).latest for s in ends).year),
            )
    indicator = merged.get("dependence_indicator")
    names = {r["indicator"] for r in tables.get("indicators", [])}
    if indicator is None:
        derived.add("dependence_indicator")
        guess = f"arms_import_share_from_{leader}" if leader else None
        indicator = guess if guess in names else None
    assistance = merged.get("assistance")
    if assistance is None:
        derived.add("assistance")
        assistance = EVENT_KINDS_ANSWER
    caps = merged.get("leader_caps_outcome")
    if caps is None:
        derived.add("leader_caps_outcome")
        caps = leader is not None
    if "issues" not in merged:
        derived.add("issues")
    if posterior is not None and any(
        layer_of.get(key, -1) > layer_of["posterior"] for key in ("organization", "leader")
    ):
        posterior = None  # a posterior goes with its case, as the patrons do
    if posterior is not None and not posterior.is_file():
        probs.append(
            Problem(
                where.get("posterior", "datapackage.json"),
                None,
                "phalanx.posterior",
                f"file {posterior.name!r} does not exist in the package",
            )
        )
    for f in folders:
        if not f.is_dir():
            probs.append(
                Problem(
                    where.get("issues", "datapackage.json"),
                    None,
                    "phalanx.issues",
                    f"folder {f.name!r} does not exist in the package",
                )
            )
    defaults = Defaults(
        organization=org,
        leader=leader,
        region=tuple(region),
        period=None if period is None else (str(period[0]), str(period[1])),
        dependence_indicator=indicator,
        assistance=tuple(assistance),
        leader_caps_outcome=bool(caps),
        issue_folders=tuple(folders),
        patrons=None if patrons is None else tuple(patrons),
        derived=frozenset(derived),
        posterior_file=posterior,
    )
    return defaults, probs
