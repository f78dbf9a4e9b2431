"""One aggregation of a snapshot's relations and shared memberships into pairs of actors.

Every model that reads "who is tied to whom, how strongly" from the knowledge base reads it
here: the signed network (:func:`phalanx.network.from_snapshot.signed_network`, hence
``export``, ``balance`` and the strain index) and the alignment inputs
(:func:`phalanx.models.landscape_inputs.inputs_from_snapshot`). So one snapshot gives the
same relation and membership ties in both.

The rules, applied to a snapshot under a :class:`Weighting`:

* **Relations.** A row contributes ``sign x kind_weights[kind] x intensity`` to its pair,
  times ``directed_factor`` when the row is one-way (``directed``). Rows of one kind and
  sign for a pair (successive spells, spells that meet in a snapshot's window, or the two
  directions of a one-way tie) count **once, at the strongest**; different kinds add up.
  A kind absent from ``kind_weights`` counts 0 and is reported in
  :attr:`PairAggregation.unweighted` (a weight of 0 leaves a kind out silently).
* **Memberships.** Two actors in the same organisation get
  ``membership_weights[organisation kind] x status_factors[status_a] x
  status_factors[status_b]`` (an organisation kind absent from the table uses its
  ``"default"`` entry, else 0; a status absent from ``status_factors`` counts 0).

Every contribution keeps the relation ids or the organisation behind it, so a tie can be
traced to its source rows. Weightings have names (:data:`WEIGHTINGS`), which the CLI
takes as ``--weighting NAME``; :func:`resolve_weighting` turns a name into its settings.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import combinations
from types import MappingProxyType
from typing import Annotated, Any

from pydantic import Field

from phalanx.errors import ParameterError
from phalanx.params import Settings

__all__ = [
    "Weighting",
    "WEIGHTINGS",
    "DEFAULT_KIND_WEIGHTS",
    "DEFAULT_MEMBERSHIP_WEIGHTS",
    "DEFAULT_STATUS_FACTORS",
    "Contribution",
    "PairTie",
    "PairAggregation",
    "aggregate_pairs",
    "resolve_weighting",
]

DEFAULT_KIND_WEIGHTS: Mapping[str, float] = MappingProxyType(
    {
        "alliance": 1.0,
        "partnership": 0.5,
        "basing": 0.5,
        "arms_supply": 0.5,
        "economic": 0.25,
        "rivalry": 0.5,
        "territorial_dispute": 0.75,
        "territorial_threat": 0.75,
        "armed_conflict": 2.0,
        "threat_perception": 0.5,
        "peacekeeping": 0.5,
    }
)
"""Weight of each relation kind in the default weighting (tie strength per unit intensity)."""

DEFAULT_MEMBERSHIP_WEIGHTS: Mapping[str, float] = MappingProxyType(
    {
        "collective_defence": 1.0,
        "security_cooperation": 0.25,
        "economic": 0.0,
        "political": 0.0,
        "partnership": 0.0,
    }
)
"""Positive tie between two full members of an organisation, by the organisation's kind."""

DEFAULT_STATUS_FACTORS: Mapping[str, float] = MappingProxyType({"member": 1.0})
"""Share of a membership tie that a status carries (default: full members only)."""

Weight = Annotated[float, Field(ge=0.0, le=100.0)]


class Weighting(Settings):
    """How a snapshot's relations and memberships become per-pair contributions.

    Every weight is >= 0 (the sign of a relation comes from the data) and at most 100;
    NaN and infinities are refused. See ``docs/balance.md`` for the defaults' rationale.
    """

    kind_weights: dict[str, Weight] = Field(
        default_factory=lambda: dict(DEFAULT_KIND_WEIGHTS),
        description="Weight of each relation kind, per unit intensity (>= 0; a kind left "
        "out or at 0 does not count).",
    )
    membership_weights: dict[str, Weight] = Field(
        default_factory=lambda: dict(DEFAULT_MEMBERSHIP_WEIGHTS),
        description="Tie between two members of one organisation, by organisation kind "
        "(>= 0; key 'default' for kinds not listed, else 0).",
    )
    status_factors: dict[str, Annotated[float, Field(ge=0.0, le=1.0)]] = Field(
        default_factory=lambda: dict(DEFAULT_STATUS_FACTORS),
        description="Share of a membership tie carried by each membership status (0..1; a "
        "status not listed counts 0).",
    )
    directed_factor: float = Field(
        1.0, ge=0.0, le=1.0, description="Multiplier of a one-way (directed) relation (0..1)."
    )
    use_intensity: bool = Field(
        True, description="Whether a relation counts with its intensity (else with 1)."
    )
    kinds_of_actor: tuple[str, ...] = Field(
        ("state", "armed_group", "territory"),
        description="Actor kinds that become nodes when no actor list is given.",
    )

    def relation_weight(self, kind: str) -> float:
        """The weight of relation ``kind`` (0 when the kind is not listed)."""
        return float(self.kind_weights.get(kind, 0.0))

    def membership_weight(self, organization_kind: str | None) -> float:
        """The membership weight of an organisation kind (``default`` entry, else 0)."""
        table = self.membership_weights
        return float(table.get(organization_kind or "", table.get("default", 0.0)))


WEIGHTINGS: Mapping[str, Weighting] = MappingProxyType(
    {
        "default": Weighting(),
        # the weights the alignment inputs used before one aggregation served both
        "propensity-v1": Weighting(
            kind_weights={
                "alliance": 1.0,
                "partnership": 0.5,
                "basing": 0.75,
                "arms_supply": 0.5,
                "economic": 0.25,
                "rivalry": 0.75,
                "territorial_dispute": 0.75,
                "territorial_threat": 0.75,
                "armed_conflict": 1.0,
                "threat_perception": 0.5,
                "peacekeeping": 0.5,
            },
            membership_weights={"collective_defence": 0.5, "default": 0.2},
            status_factors={
                "member": 1.0,
                "observer": 0.25,
                "partner": 0.25,
                "suspended": 0.0,
                "frozen": 0.0,
            },
            directed_factor=0.5,
        ),
        # every tie counts the same: signs only, for checking that a result is not an
        # artefact of the weights
        "unit": Weighting(
            kind_weights={k: 1.0 for k in DEFAULT_KIND_WEIGHTS},
            membership_weights={"collective_defence": 1.0, "security_cooperation": 1.0},
            use_intensity=False,
        ),
    }
)
"""The named weightings a user can choose (``--weighting NAME``)."""


def resolve_weighting(weighting: str | Weighting | None) -> Weighting:
    """The :class:`Weighting` for a name in :data:`WEIGHTINGS` (a copy), an object, or None
    (``"default"``). An unknown name is a ``ParameterError`` listing the known ones.

    >>> resolve_weighting("default").kind_weights["armed_conflict"]
    2.0
    >>> resolve_weighting("nope")
    Traceback (most recent call last):
    ...
    phalanx.errors.ParameterError: field 'weighting': unknown weighting 'nope'; known: default, propensity-v1, unit
    """
    if weighting is None:
        weighting = "default"
    if isinstance(weighting, Weighting):
        return weighting
    if isinstance(weighting, str) and weighting in WEIGHTINGS:
        # a copy: the tables are dicts, and the registry must not change under a caller
        return WEIGHTINGS[weighting].model_copy(deep=True)
    raise ParameterError(
        f"unknown weighting {weighting!r}; known: {', '.join(WEIGHTINGS)}", field="weighting"
    )


@dataclass(frozen=True)
class Contribution:
    """One part of a pair's tie: a relation kind (strongest row) or a shared organisation.

    ``a < b``; ``value`` is signed; ``label`` reads ``armed_conflict-`` or ``member:CSTO+``;
    ``relations`` are the ids of the rows behind it (all rows of that kind and sign, the
    strongest one counted); ``organization`` the shared organisation.
    """

    a: str
    b: str
    source: str  # "relation" or "membership"
    label: str
    value: float
    relations: tuple[str, ...] = ()
    organization: str | None = None


@dataclass(frozen=True)
class PairTie:
    """The contributions of one pair and their sum (``total``; its sign is the tie's)."""

    a: str
    b: str
    contributions: tuple[Contribution, ...]

    @property
    def total(self) -> float:
        """Sum of the contributions, rounded to 12 decimals so exact cancellations give 0."""
        return round(sum(c.value for c in self.contributions), 12)

    def part(self, source: str) -> float:
        """Sum of the contributions of one source (``"relation"`` or ``"membership"``)."""
        return sum(c.value for c in self.contributions if c.source == source)


@dataclass(frozen=True)
class PairAggregation:
    """Result of :func:`aggregate_pairs`: ties by ordered pair key ``(a, b)``, ``a < b``.

    ``unweighted`` counts the relation rows whose kind has no entry in the weighting.
    """

    actors: tuple[str, ...]
    ties: Mapping[tuple[str, str], PairTie]
    weighting: Weighting
    unweighted: Mapping[str, int] = field(default_factory=dict)

    def contributions(self) -> list[Contribution]:
        """Every contribution, pair by pair in key order."""
        return [c for key in sorted(self.ties) for c in self.ties[key].contributions]


def _is_directed(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


def aggregate_pairs(
    snapshot: Any,
    weighting: str | Weighting | None = None,
    actors: Iterable[str] | None = None,
) -> PairAggregation:
    """Per-pair contributions of ``snapshot``'s relations and shared memberships.

    ``actors`` restricts the pairs (default: the actors whose kind is in
    ``weighting.kinds_of_actor``). Contributions of value 0 are dropped. Deterministic:
    same snapshot, same result. Cost ``O(R + sum over organisations of members**2)``.

    >>> import datetime as dt
    >>> from phalanx.kb.snapshot import Snapshot
    >>> s = Snapshot(dt.date(2022, 10, 1),
    ...     actors=({"id": "A", "kind": "state"}, {"id": "B", "kind": "state"}),
    ...     relations=({"id": "w1", "actor_a": "A", "actor_b": "B", "kind": "armed_conflict",
    ...                 "sign": -1, "intensity": 0.5},
    ...                {"id": "w2", "actor_a": "B", "actor_b": "A", "kind": "armed_conflict",
    ...                 "sign": -1, "intensity": 1.0}))
    >>> tie = aggregate_pairs(s).ties["A", "B"]
    >>> tie.total, tie.contributions[0].relations
    (-2.0, ('w1', 'w2'))
    """
    w = resolve_weighting(weighting)
    kinds = {a["id"]: a.get("kind", "state") for a in snapshot.actors}
    wanted = (
        set(actors)
        if actors is not None
        else {a for a, k in kinds.items() if k in w.kinds_of_actor}
    )
    parts: dict[tuple[str, str], list[Contribution]] = {}
    unweighted: Counter[str] = Counter()

    strongest: dict[tuple[str, str, str, int], tuple[float, list[str]]] = {}
    for r in snapshot.relations:
        a, b = r["actor_a"], r["actor_b"]
        if a == b or a not in wanted or b not in wanted:
            continue
        if r["kind"] not in w.kind_weights:
            unweighted[r["kind"]] += 1
        value = w.relation_weight(r["kind"])
        if w.use_intensity:
            value *= float(r.get("intensity", 1.0))
        if _is_directed(r.get("directed")):
            value *= w.directed_factor
        sign = 1 if int(r["sign"]) > 0 else -1
        key = (min(a, b), max(a, b), r["kind"], sign)
        best, ids = strongest.get(key, (0.0, []))
        strongest[key] = (max(best, value), [*ids, str(r.get("id") or "")])
    for (a, b, kind, sign), (value, ids) in sorted(strongest.items()):
        if value > 0:
            parts.setdefault((a, b), []).append(
                Contribution(
                    a,
                    b,
                    "relation",
                    f"{kind}{'+' if sign > 0 else '-'}",
                    sign * value,
                    tuple(sorted({i for i in ids if i})),
                )
            )

    org_kind = {o["id"]: o.get("kind") for o in snapshot.organizations}
    by_org: dict[str, dict[str, float]] = {}
    for m in snapshot.memberships:
        f = float(w.status_factors.get(str(m.get("status")), 0.0))
        if m["actor"] in wanted and f > 0:
            members = by_org.setdefault(m["organization"], {})
            members[m["actor"]] = max(members.get(m["actor"], 0.0), f)
    for org, members in sorted(by_org.items()):
        kind_w = w.membership_weight(org_kind.get(org))
        if kind_w <= 0:
            continue
        for a, b in combinations(sorted(members), 2):
            parts.setdefault((a, b), []).append(
                Contribution(
                    a,
                    b,
                    "membership",
                    f"member:{org}+",
                    kind_w * members[a] * members[b],
                    organization=org,
                )
            )
    ties = {key: PairTie(key[0], key[1], tuple(cs)) for key, cs in sorted(parts.items())}
    return PairAggregation(tuple(sorted(wanted)), ties, w, dict(sorted(unweighted.items())))
