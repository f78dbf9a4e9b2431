"""The parameters of the membership-dynamics model, declared once, and their files.

:class:`MembershipParams` holds every number of the model (docs/odd/membership.md,
"Parameters"): the baseline and the seven mechanism weights of the disaffection score, the
offsets of the other moves, the belief dynamics, the request and clash rates, the voters'
positions, the leader's capacity and the outside option. Each has a declared range and a
description with its unit; bad values give the uniform ``ParameterError`` of
:mod:`phalanx.params`. ``MembershipParams().model_dump(mode="json")`` is what a run records.

A calibrated-values file sets any of them::

    parameters:
      alpha: -4.5
      beta_leader_war: 1.8
    source: calibration against the 1999 and 2012 exits (docs/odd/membership.md)
    version: "2026-11"

:func:`load_parameter_file` reads it (YAML or JSON, size- and depth-bounded) and refuses
unknown names and bad values with the file, the line and the field.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from phalanx.errors import ParameterError, UserError
from phalanx.params import Settings

__all__ = [
    "MembershipParams",
    "ParameterFile",
    "load_parameter_file",
    "ARRAY_PARAMETERS",
    "parameter_range",
    "check_param_arrays",
]

_MAX_FILE_BYTES = 256 * 1024


def _w(default: float, what: str) -> Any:
    """A mechanism weight in [0, 20] (log-odds per unit of the term)."""
    return Field(default, ge=0, le=20, description=f"Weight of {what} (log-odds per unit, 0..20).")


def _share(default: float, what: str, *, gt: bool = False) -> Any:
    if gt:
        return Field(default, gt=0, le=1, description=f"{what} (share, >0..1).")
    return Field(default, ge=0, le=1, description=f"{what} (share, 0..1).")


class MembershipParams(Settings):
    """Every parameter of the membership-dynamics model, with its default and range.

    Log-odds are per year; shares lie in [0, 1]; rates are expected events per year per
    unit of intensity. The defaults are prior guesses (docs/odd/membership.md), not a
    calibration: the mechanism weights are the specification's, and ``alpha`` and the
    freeze and suspension offsets are set so that, with neutral drivers, a member's yearly
    chance of leaving over the embedded package's history (about 1.3 %) is near the CSTO's
    own base rate (3 exits in about 193 member-years, 1.6 %) and freezing or suspension is
    rarer than leaving (2 against 3); tests/dynamics/test_base_rate.py checks it. A
    calibrated-values file (:func:`load_parameter_file`) replaces them.
    """

    alpha: float = Field(
        -6.5,
        ge=-30,
        le=5,
        description="Baseline log-odds per year that a member leaves with no push at all (-30..5).",
    )
    beta_dependence: float = _w(2.0, "independence from the leader's arms, 1 - d (mechanism 1)")
    beta_credibility: float = _w(
        2.5, "threat exposure times the guarantee's shortfall, theta (1 - b kappa) (mech. 1, 3)"
    )
    beta_leader_threat: float = _w(3.0, "fear of the leader, phi (mechanism 2)")
    beta_patrons: float = _w(1.5, "the outside option pi offered by patrons (mech. 1, 6)")
    beta_member_conflict: float = _w(1.5, "conflict with fellow members, c (mechanism 4)")
    beta_threat_divergence: float = _w(
        1.0, "divergence from the members' mean threat perception, delta (mechanism 5)"
    )
    beta_leader_war: float = _w(1.0, "the leader's drained capacity, 1 - kappa (mechanism 6)")
    freeze_offset: float = Field(
        -1.0,
        ge=-10,
        le=10,
        description="Log-odds added to z for freezing rather than leaving (-10..10; "
        "positive: freezing is easier, mechanism 7, hedging).",
    )
    suspend_offset: float = Field(
        -1.5,
        ge=-10,
        le=10,
        description="Log-odds added to z for suspension (-10..10); used only where the "
        "organisation provides for suspension.",
    )
    frozen_exit_offset: float = Field(
        1.0,
        ge=-10,
        le=10,
        description="Log-odds added to z for a frozen or suspended member leaving (-10..10).",
    )
    return_offset: float = Field(
        -6.0,
        ge=-30,
        le=10,
        description="A frozen or suspended member returns with probability "
        "sigma(-z + return_offset) per year (log-odds, -30..10).",
    )
    join_offset: float = Field(
        -8.0,
        ge=-30,
        le=10,
        description="An outsider joins, or a former member returns, with probability "
        "sigma(-z + join_offset) per year (log-odds, -30..10).",
    )
    renewal_offset: float = Field(
        0.0,
        ge=-10,
        le=10,
        description="Log-odds added to leaving in a year in which the treaty's term ends and "
        "the parties must act to stay (a provision of kind renewal; -10..10; 0: no effect).",
    )
    belief_start: float = _share(
        0.7, "Belief that the organisation will come to one's aid, before any request"
    )
    learning_requester: float = _share(
        0.6, "How far the requester's belief moves towards the answer it got"
    )
    learning_observer: float = _share(
        0.2, "How far other members' beliefs move towards the answer (<= learning_requester)"
    )
    belief_recovery: float = _share(
        0.05, "Yearly pull of belief back towards belief_start (memory fades)"
    )
    request_rate: float = Field(
        1.0,
        ge=0,
        le=20,
        description="Requests for assistance per year per unit of conflict with outsiders "
        "(rate, 0..20).",
    )
    clash_rate: float = Field(
        1.0,
        ge=0,
        le=20,
        description="Clashes per year per unit of conflict between two members (rate, 0..20).",
    )
    clash_belief_loss: float = _share(0.1, "Share of belief lost per clash at full intensity")
    mechanism_mitigation: float = _share(
        0.5, "How much a dispute-settlement mechanism damps member conflict (mechanism 4)"
    )
    position_base: float = _share(
        0.3, "A voter's willingness to help with no ties either way (position on [0, 1])"
    )
    position_ties: float = Field(
        0.6, ge=0, le=2, description="Position added per unit of tie to the requester (0..2)."
    )
    position_aggressor_ties: float = Field(
        0.6, ge=0, le=2, description="Position removed per unit of tie to the aggressor (0..2)."
    )
    position_shared_enemy: float = Field(
        0.3,
        ge=0,
        le=2,
        description="Position added per unit of the voter's own conflict with the aggressor "
        "(0..2).",
    )
    position_exposure: float = Field(
        0.3,
        ge=0,
        le=2,
        description="Position removed per unit of the voter's own threat exposure (0..2).",
    )
    abstain_below: float = _share(
        0.2, "Under consensus, voters with a lower salience abstain rather than block"
    )
    quota: float = Field(
        2 / 3,
        gt=0.5,
        le=1,
        description="Quota of a qualified majority (share of the votes, >0.5..1).",
    )
    answered_level: float = _share(
        0.5, "An answer at or above this level counts as answered (position scale)", gt=True
    )
    capacity_floor: float = _share(0.05, "The leader's free capacity never falls below this")
    substitution: float = _share(
        0.3, "Yearly share of dependence replaced per unit of outside arms access"
    )
    war_dependence_loss: float = _share(
        0.05, "Yearly share of dependence lost per unit of the leader's drained capacity"
    )
    investment_weight: float = _share(0.5, "Weight of patrons' investment in the outside option")
    cooperation_weight: float = _share(
        0.3, "Weight of intra-regional cooperation in the outside option"
    )
    dependence_missing: float = _share(
        0.5, "Dependence on the leader assumed where the package has no value"
    )
    rule: Literal["consensus", "unanimity", "majority", "qualified_majority"] | None = Field(
        None, description="Decision rule of the organisation; None: its own rule from the data."
    )

    @model_validator(mode="after")
    def _observer_learns_less(self) -> MembershipParams:
        if self.learning_observer > self.learning_requester:
            raise ValueError(
                f"learning_observer ({self.learning_observer:g}) must not exceed "
                f"learning_requester ({self.learning_requester:g}): a member learns at least "
                "as much from its own request as from another's"
            )
        return self


ARRAY_PARAMETERS: tuple[str, ...] = (
    "alpha",
    "beta_dependence",
    "beta_credibility",
    "beta_leader_threat",
    "beta_patrons",
    "beta_member_conflict",
    "beta_threat_divergence",
    "beta_leader_war",
    "freeze_offset",
    "suspend_offset",
    "frozen_exit_offset",
    "return_offset",
    "join_offset",
    "renewal_offset",
)
"""The parameters that may take one value per replicate in the engine (``param_arrays`` of
``run_chunk``): the disaffection score's baseline and weights and the transition offsets,
which is what a calibration varies and what a posterior carries into a simulation."""


def parameter_range(name: str) -> tuple[float, float, bool, bool]:
    """``(low, high, low_open, high_open)``: the declared range of parameter ``name``.

    Read from the field's constraints (``ge``/``gt``, ``le``/``lt``); an unbounded side is
    ``-inf`` or ``inf``. O(1).

    >>> parameter_range("alpha")
    (-30.0, 5.0, False, False)
    """
    info = MembershipParams.model_fields[name]
    low, high, low_open, high_open = -np.inf, np.inf, False, False
    for m in info.metadata:
        for attr, side, is_open in (
            ("ge", 0, False),
            ("gt", 0, True),
            ("le", 1, False),
            ("lt", 1, True),
        ):
            v = getattr(m, attr, None)
            if v is None:
                continue
            if side == 0:
                low, low_open = float(v), is_open
            else:
                high, high_open = float(v), is_open
    return low, high, low_open, high_open


def check_param_arrays(arrays: Any, replicates: int) -> dict[str, np.ndarray]:
    """Validate per-replicate parameter values once: names, shapes and declared ranges.

    ``arrays`` maps names of :data:`ARRAY_PARAMETERS` to sequences of ``replicates``
    finite floats, each within the parameter's range. Returns float64 copies of shape
    ``(replicates,)``. Raises ``ParameterError`` naming the parameter and what is wrong.
    O(R x names).
    """
    out: dict[str, np.ndarray] = {}
    for name, values in dict(arrays).items():
        if name not in ARRAY_PARAMETERS:
            raise ParameterError(
                "The 'param_arrays' parameter of run_chunk must name parameters among "
                f"{', '.join(ARRAY_PARAMETERS)}. Got {name!r} instead.",
                field=str(name),
            )
        a = np.array(values, dtype=float).reshape(-1) if np.ndim(values) else None
        if a is None or a.shape != (replicates,):
            got = np.shape(values)
            raise ParameterError(
                f"The {name!r} parameter of run_chunk's param_arrays must have shape "
                f"({replicates},), one value per replicate. Got shape {got} instead.",
                field=name,
            )
        low, high, lo_open, hi_open = parameter_range(name)
        bad = (
            ~np.isfinite(a)
            | (a <= low if lo_open else a < low)
            | (a >= high if hi_open else a > high)
        )
        if bad.any():
            v = float(a[np.flatnonzero(bad)[0]])
            raise ParameterError(
                f"The {name!r} parameter of MembershipParams must be in [{low:g}, {high:g}]. "
                f"Got {v!r} (replicate {int(np.flatnonzero(bad)[0])}) instead.",
                field=name,
            )
        out[name] = a
    return out


class ParameterFile(BaseModel):
    """The shape of a calibrated-values file: the values, where they come from, a version."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    parameters: dict[str, Any] = Field(..., description="Parameter name -> value.")
    source: str = Field(..., min_length=1, max_length=2000)
    version: str = Field(..., min_length=1, max_length=200)


def load_parameter_file(path: str | Path) -> MembershipParams:
    """Read a calibrated-values file (YAML or JSON) into :class:`MembershipParams`.

    The file holds ``parameters`` (a mapping of parameter names to values), ``source`` and
    ``version`` (text), nothing else. An unknown name, a value out of range or of the wrong
    type, a missing key or a file that cannot be parsed is a :class:`~phalanx.errors.UserError`
    with the file, the line (where it can be located) and the field. Cost: O(file size);
    the file is bounded to 256 KiB.
    """
    from phalanx.yamlio import load_yaml

    data, locate = load_yaml(path, limit=_MAX_FILE_BYTES, what="parameter file")
    name = str(path)
    if not isinstance(data, dict):
        raise UserError(
            "must hold a mapping with 'parameters', 'source' and 'version'", file=name, line=1
        )
    try:
        ParameterFile.model_validate(data)
    except ValidationError as e:
        first = e.errors()[0]
        loc = tuple(first["loc"])
        what = (
            "is required"
            if first["type"] == "missing"
            else "is not a key of a parameter file (expected parameters, source, version)"
            if first["type"] == "extra_forbidden"
            else first["msg"]
        )
        raise UserError(what, file=name, line=locate(loc), field=".".join(map(str, loc))) from None
    values = data["parameters"]
    known = set(MembershipParams.model_fields)
    for key in values:
        if key not in known:
            raise UserError(
                f"{key!r} is not a parameter of the membership model; known: "
                f"{', '.join(sorted(known))}",
                file=name,
                line=locate(("parameters", key)),
                field=f"parameters.{key}",
            )
    try:
        return MembershipParams(**values)
    except ParameterError as e:
        key = e.field if e.field in known else None
        raise ParameterError(
            e.message,
            file=name,
            line=locate(("parameters", key)) if key else locate(("parameters",)),
            field=f"parameters.{key}" if key else "parameters",
        ) from None
