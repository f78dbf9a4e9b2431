"""From the fitted termination hazard to priors on the simulation's parameters.

The simulation's yearly exit hazard is ``sigma(alpha + sum of seven non-negative terms)``
(docs/odd/membership.md, 7.6-7.7); the dyad-year hazard of :mod:`phalanx.evidence.hazard`
is ``sigma(b0 + b . x + duration)``. Reading each covariate as one of the simulation's
terms, for the weaker partner of a bilateral defence pact and the stronger one in the
leader's place, turns a coefficient into a parameter:

======================  =====================  ==========================================
simulation term          dyad-year covariate    mapping
======================  =====================  ==========================================
``dependence`` (1 - d)   ``cap_ratio``          d = 1 - cap_ratio: a partner as strong as
                                                its ally depends on it least, so
                                                ``beta_dependence = b_cap_ratio``
``leader_threat`` (phi)  ``dispute``            phi = dispute: a militarised dispute with
                                                the stronger ally is the data's nearest
                                                sign of fear of the leader
``member_conflict`` (c)  ``dispute``            c = dispute (m = 1: a bilateral pact has
                                                no dispute mechanism in these data)
``patrons`` (pi)         ``weaker_new_major_..  pi = the indicator (a new pact with another
                                                major power is an outside option at full
                                                intensity)
``leader_war`` (1 - k)   ``stronger_at_war``    1 - kappa = the indicator (the leader at war
                                                taken as fully drained: an upper reading;
                                                in the simulation 1 - kappa grows over the
                                                years of a war)
``threat_divergence``    ``common_rival``       delta = 1 - common_rival (no shared rival:
                                                full divergence), so
                                                ``beta_threat_divergence = -b_common_rival``
``credibility``          none                   the data hold no belief in the guarantee
======================  =====================  ==========================================

``alpha`` is the dyad model's log-odds where every simulation term is 0: ``cap_ratio = 0``,
no dispute, war or outside pact, a common rival (``delta = 0``), no power shift, CINC
known, and the duration term at its mean over the fitted dyad-years (the simulation has no
age term, ODD 7.12 item 7). ``power_shift`` and the age term inform no parameter (the
model reads no capability, item 6); their verdicts are still reported. The ``dispute``
coefficient informs both ``beta_leader_threat`` and ``beta_member_conflict``: the data
cannot tell them apart, and a simulated member in a territorial dispute with its leader
gets both terms, so the two priors together overstate that case.

Each prior is ``Normal(mean, sd)`` truncated to the parameter's range in
:class:`~phalanx.models.dynamics.params.MembershipParams`: ``mean`` the mapped estimate,
``sd = sqrt(se^2 + transfer_sd^2)``, ``se`` the bootstrap standard error of the mapped
combination, ``transfer_sd`` (1.0 log-odds by default, recorded in the file) the
uncertainty of carrying a dyad-year estimate over to a member of a multilateral
organisation, which no data measure. A coefficient of the wrong sign gives a prior piled at
the range's bound 0: the honest answer when the data contradict a mechanism.
"""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from phalanx.errors import UserError
from phalanx.evidence.abc import Prior
from phalanx.models.dynamics.params import MembershipParams
from phalanx.models.dynamics.params import parameter_range as _declared_range
from phalanx.safe_files import MARKER, read_user_text, write_output

__all__ = [
    "FORMAT",
    "MAPPINGS",
    "SHIPPED",
    "Prior",
    "fit_summary",
    "load_priors",
    "parameter_range",
    "simulation_log_odds",
    "simulation_terms",
    "write_fit",
]

FORMAT = "phalanx-hazard-fit/1"
SHIPPED = Path(__file__).resolve().parents[1] / "data" / "evidence" / "hazard-atop.json"
"""The fitted hazard and priors shipped with the package (generated from ATOP 5.1)."""

_MAX_BYTES = 1 << 20

# parameter -> (weights on the hazard's coefficients, the covariate(s) it comes from)
MAPPINGS: dict[str, tuple[dict[str, float], str]] = {
    "beta_dependence": ({"cap_ratio": 1.0}, "cap_ratio (independence 1 - d = cap_ratio)"),
    "beta_leader_threat": (
        {"dispute": 1.0},
        "dispute (phi = dispute; shared with member_conflict)",
    ),
    "beta_member_conflict": ({"dispute": 1.0}, "dispute (c = dispute, no mitigation)"),
    "beta_patrons": ({"weaker_new_major_pact": 1.0}, "weaker_new_major_pact (pi = indicator)"),
    "beta_leader_war": ({"stronger_at_war": 1.0}, "stronger_at_war (1 - kappa = indicator)"),
    "beta_threat_divergence": (
        {"common_rival": -1.0},
        "minus common_rival (delta = 1 - common_rival)",
    ),
}
"""How each mechanism weight is read from the hazard's coefficients (alpha is separate)."""

# covariate -> (mechanisms, expected sign, published finding, paraphrased)
EXPECTED: dict[str, tuple[str, int, str]] = {
    "cap_ratio": (
        "dependence",
        +1,
        "Mechanism 1: a partner nearly as strong as its ally depends on it less and should "
        "leave more readily. No published estimate of this covariate was checked.",
    ),
    "power_shift": (
        "capability change (no simulation term)",
        +1,
        "Leeds and Savun (2007), bilateral alliances 1816-1989, competing risks: a change in "
        "a member's relative power makes opportunistic abrogation more likely.",
    ),
    "dispute": (
        "leader_threat, member_conflict",
        +1,
        "Mechanisms 2 and 4: allies in a militarised dispute with each other should part. "
        "No published termination estimate was checked (Long, Nordstrom and Baek 2007 study "
        "disputes between allies, not the end of pacts).",
    ),
    "common_rival": (
        "threat_divergence (and the protective motive of mechanism 1)",
        -1,
        "Mechanisms 1 and 5: a shared external threat should hold a pact together (Walt 1987); "
        "the simulation has no protective term (ODD 7.12, item 3).",
    ),
    "stronger_at_war": (
        "leader_war",
        +1,
        "Mechanism 6: the stronger partner's war drains what it can give. Katagiri (2016) "
        "finds opportunistic violation more likely under high external threat (a related, "
        "not the same, covariate).",
    ),
    "weaker_new_major_pact": (
        "patrons",
        +1,
        "Leeds and Savun (2007): a member's new outside alliance makes abrogation more likely.",
    ),
    "log_age": (
        "age (no simulation term)",
        +1,
        "Bennett (1997), 207 alliances 1816-1984: alliances appear more likely to dissolve the "
        "longer they last, against the institutionalisation model.",
    ),
}


def parameter_range(name: str) -> tuple[float, float]:
    """The declared range [low, high] of a :class:`MembershipParams` field.

    >>> parameter_range("alpha"), parameter_range("beta_leader_war")
    ((-30.0, 5.0), (0.0, 20.0))
    """
    if name not in MembershipParams.model_fields:
        raise KeyError(name)
    low, high, _, _ = _declared_range(name)
    return float(low), float(high)


# --- the simulation's own hazard on dyad-years ----------------------------------------------


def simulation_terms(rows: Any, params: MembershipParams | None = None) -> dict[str, np.ndarray]:
    """The simulation's seven terms (before their weights) for dyad-year ``rows``.

    Mapped as in the module's table; ``credibility`` is 0 (no data on belief) and a missing
    ``cap_ratio`` takes the simulation's own ``1 - dependence_missing``. O(n).
    """
    p = MembershipParams() if params is None else params
    cap = rows["cap_ratio"].to_numpy(dtype=float)
    dispute = rows["dispute"].to_numpy(dtype=float)
    zero = np.zeros(len(rows))
    return {
        "dependence": np.where(np.isfinite(cap), cap, 1.0 - p.dependence_missing),
        "credibility": zero,
        "leader_threat": dispute,
        "patrons": rows["weaker_new_major_pact"].to_numpy(dtype=float),
        "member_conflict": dispute,
        "threat_divergence": 1.0 - rows["common_rival"].to_numpy(dtype=float),
        "leader_war": rows["stronger_at_war"].to_numpy(dtype=float),
    }


def simulation_log_odds(rows: Any, params: MembershipParams | None = None) -> np.ndarray:
    """``alpha + sum_m beta_m term_m`` for each dyad-year: the simulation's yearly log-odds."""
    p = MembershipParams() if params is None else params
    terms = simulation_terms(rows, p)
    z = np.full(len(rows), p.alpha)
    for name, value in terms.items():
        z = z + getattr(p, f"beta_{name}") * value
    return z


# --- the summary file -------------------------------------------------------------------------


def _verdict(low: float, high: float, sign: int) -> str:
    if low > 0 or high < 0:
        return "supported" if (low > 0) == (sign > 0) else "contradicted"
    return "cannot tell"


def _version(sources: list[dict[str, Any]]) -> str:
    short = {
        "ATOP": "atop",
        "COW NMC": "nmc",
        "COW MID": "mid",
        "Thompson-Dreyer": "td",
        "COW state": "states",
        "COW major": "majors",
    }
    parts = []
    for src in sources:
        name = str(src.get("dataset", "data"))
        tag = next((v for k, v in short.items() if name.startswith(k)), name.lower())
        parts.append(f"{tag}-{src.get('version', 'unknown')}")
    return "+".join(parts) or "unknown"


def fit_summary(
    model: Any,
    table: Any,
    *,
    transfer_sd: float = 1.0,
    created: str | None = None,
    version: str | None = None,
) -> dict[str, Any]:
    """The JSON of contract 4 for a fitted :class:`~phalanx.evidence.hazard.HazardModel`.

    ``coefficients``: every coefficient with its interval, Wald and bootstrap errors, the
    mechanism, the expected sign, the published finding and a verdict (``supported`` when
    the interval excludes 0 on the expected side, ``contradicted`` on the other side,
    ``cannot tell`` when it holds 0). ``priors``: the parameters the data inform (module
    docstring). ``version`` defaults to the sources' datasets and versions. O(B k).
    """
    if not hasattr(model, "coef_"):
        raise RuntimeError("fit the HazardModel before summarising it")
    if not (isinstance(transfer_sd, int | float) and 0 <= transfer_sd < math.inf):
        raise ValueError(f"transfer_sd must be a finite number >= 0; got {transfer_sd!r}")
    sources = list(table.attrs.get("sources", []))
    reps = model.bootstrap_coef_.shape[0]
    coefficients = []
    for name in model.names_:
        low, high = model.intervals_[name]
        entry: dict[str, Any] = {
            "name": name,
            "estimate": model.coef_[name],
            "low": low,
            "high": high,
            "se": model.boot_se_.get(name, model.se_[name]),
            "wald_se": model.se_[name],
            "scale": "log-odds per unit",
        }
        if name in EXPECTED:
            mech, sign, published = EXPECTED[name]
            entry.update(
                mechanism=mech,
                expected="+" if sign > 0 else "-",
                verdict=_verdict(low, high, sign),
                published=published,
            )
        elif name == "intercept":
            entry.update(mechanism="baseline (all covariates 0, age 0)")
        elif name == "cinc_missing":
            entry.update(mechanism="missing capability data (indicator)")
        else:
            entry.update(mechanism="age (no simulation term)", scale="log-odds vs ages 0-4")
        coefficients.append(entry)
    for name, why in model.dropped_.items():
        coefficients.append({"name": name, "estimate": None, "verdict": "cannot tell", "why": why})

    priors: dict[str, dict[str, Any]] = {}
    reference = {"intercept": 1.0, "common_rival": 1.0}
    for col, mean in model.column_means_.items():
        if col == "log_age" or col.startswith("age_"):
            reference[col] = mean
    alpha = model.combination(reference)
    described = " + ".join(
        f"{w:.3g} x {n}" if n != "intercept" else n
        for n, w in reference.items()
        if n in model.coef_
    )
    priors["alpha"] = _prior("alpha", alpha, transfer_sd, f"{described} (age term at its mean)")
    for param, (weights, source) in MAPPINGS.items():
        if not all(n in model.coef_ for n in weights):
            continue  # the covariate is not in the model: the data do not inform it
        priors[param] = _prior(param, model.combination(weights), transfer_sd, source)

    years = table["year"].to_numpy()
    return {
        "format": FORMAT,
        "generator": MARKER.decode(),
        "version": version or _version(sources),
        "created": created or date.today().isoformat(),
        "method": (
            "discrete-time logistic hazard of defence-pact termination on undirected "
            "dyad-years (maximum likelihood, scikit-learn LogisticRegression, no penalty); "
            f"duration {model.duration}; intervals: {model.interval_method_}"
        ),
        "sources": sources,
        "sample": {
            "dyad_years": int(len(table)),
            "fitted": int(model.n_rows_),
            "censored_left_out": int(model.n_censored_),
            "terminations": int(model.n_events_),
            "spells": int(model.n_spells_),
            "years": [int(years.min()), int(years.max())],
        },
        "bootstrap": {"replicates": int(reps), "seed": int(model.seed), "cluster": model.cluster},
        "transfer_sd": float(transfer_sd),
        "coefficients": coefficients,
        "priors": priors,
        "notes": list(model.notes_),
    }


def _prior(name: str, combo: dict[str, float], transfer_sd: float, source: str) -> dict[str, Any]:
    low, high = parameter_range(name)
    return {
        "mean": combo["estimate"],
        "sd": math.sqrt(combo["se"] ** 2 + transfer_sd**2),
        "low": low,
        "high": high,
        "estimate_low": combo["low"],
        "estimate_high": combo["high"],
        "from": source,
    }


def _finite(value: Any) -> Any:
    """``value`` with every NaN or infinite float replaced by None (JSON has neither)."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_fit(path: str | Path, summary: dict[str, Any], *, force: bool = False) -> Path:
    """Write a :func:`fit_summary` as indented JSON (atomic; see ``write_output``)."""
    text = json.dumps(_finite(summary), indent=2, allow_nan=False) + "\n"
    return write_output(path, text, force=force)


def load_priors(path: str | Path | None = None) -> dict[str, Prior]:
    """The priors of a hazard-fit file (``None``: the shipped :data:`SHIPPED`).

    Returns parameter name -> :class:`Prior`. ``{}`` when ``path`` is None and the package
    ships no fit yet (the caller falls back to its own priors). A file that is not a fit
    of :data:`FORMAT`, or a prior with a bad field, is a :class:`UserError` naming the
    file and the field.
    """
    if path is None:
        if not SHIPPED.is_file():
            return {}
        path = SHIPPED
    shown = str(path)
    text = read_user_text(path, limit=_MAX_BYTES, what="hazard-fit file")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise UserError(f"is not valid JSON ({e.msg})", file=shown, line=e.lineno) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        got = data.get("format") if isinstance(data, dict) else type(data).__name__
        raise UserError(
            f"expected a hazard fit of format {FORMAT!r}, got {got!r}", file=shown, field="format"
        )
    raw = data.get("priors")
    if not isinstance(raw, dict):
        raise UserError(
            "expected an object of priors by parameter name", file=shown, field="priors"
        )
    out: dict[str, Prior] = {}
    for name, entry in raw.items():
        where = f"priors.{name}"
        if name not in MembershipParams.model_fields:
            raise UserError(
                "is not a parameter of the membership model (MembershipParams)",
                file=shown,
                field=where,
            )
        if not isinstance(entry, dict):
            raise UserError("expected an object with mean, sd, low, high", file=shown, field=where)
        values = {}
        for key in ("mean", "sd", "low", "high"):
            v = entry.get(key)
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                raise UserError(
                    f"expected a finite number, got {v!r}", file=shown, field=f"{where}.{key}"
                )
            values[key] = float(v)
        if values["sd"] <= 0:
            raise UserError(
                f"expected a positive number, got {values['sd']!r}", file=shown, field=f"{where}.sd"
            )
        lo, hi = parameter_range(name)
        if not (lo <= values["low"] < values["high"] <= hi):
            raise UserError(
                f"expected low < high within the parameter's range [{lo:g}, {hi:g}], got "
                f"[{values['low']:g}, {values['high']:g}]",
                file=shown,
                field=f"{where}.low",
            )
        out[name] = Prior(name=name, source=str(entry.get("from", ""))[:500], **values)
    return out
