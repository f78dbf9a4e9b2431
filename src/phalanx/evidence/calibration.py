"""Calibrate the membership model to an organisation's history; the posterior file.

:func:`calibrate` replays the organisation's history (:mod:`phalanx.evidence.replay`)
under candidate parameter values and keeps, by ABC-SMC (:mod:`phalanx.evidence.abc`), the
values whose replays reproduce the pattern counts of the package's own memberships. It
returns the posterior in the format of contract 5 (``phalanx-posterior/1``), which
:func:`write_posterior` saves and :func:`load_posterior` reads back; a data package
declares it with ``"posterior": "posterior.json"`` in the ``phalanx`` object of its
``datapackage.json``, and :func:`package_posterior` finds it, for ``phalanx simulate`` to
use by default (replicate ``r`` takes draw ``r % D``).

**What is calibrated.** The parameters that the pattern counts can inform
(:data:`CALIBRATED`): the baseline ``alpha`` (the exits that did not happen: none in the
27 years after 1999), ``renewal_offset`` (three exits at the one renewal),
``freeze_offset`` and ``suspend_offset`` (one freeze, one suspension), ``return_offset``
(no frozen or suspended state came back), ``join_offset`` (one former member came back,
no one else joined) and ``beta_credibility`` (whether the states that moved were those
with the weakest guarantee). The other weights have no pattern of their own in a
history of nine states; they stay at their prior means (the hazard fit's where the
priors file has one, else the defaults), recorded in the posterior as ``fixed``.

**Priors.** Those of the priors file of contract 4 (``phalanx-hazard-fit/1``, the shipped
``phalanx/data/evidence/hazard-atop.json`` by default) where it has the parameter; else
:data:`FALLBACK_SD`: a normal centred on the default with a wide standard deviation (3
log-odds for ``alpha`` and the offsets, 2 for ``beta_credibility``), truncated to the
parameter's declared range.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import Field

from phalanx.errors import UserError
from phalanx.evidence.abc import Prior
from phalanx.params import Settings

__all__ = [
    "CALIBRATED",
    "CalibrationSettings",
    "FALLBACK_SD",
    "POSTERIOR_FORMAT",
    "PRIORS_FORMAT",
    "Posterior",
    "calibration_priors",
    "read_prior_file",
    "calibrate",
    "write_posterior",
    "load_posterior",
    "package_posterior",
]

POSTERIOR_FORMAT = "phalanx-posterior/1"
PRIORS_FORMAT = "phalanx-hazard-fit/1"
SHIPPED_PRIORS = Path(__file__).resolve().parents[1] / "data" / "evidence" / "hazard-atop.json"

CALIBRATED: tuple[str, ...] = (
    "alpha",
    "renewal_offset",
    "freeze_offset",
    "suspend_offset",
    "return_offset",
    "join_offset",
    "beta_credibility",
)
"""The parameters the calibration varies (module text says why these)."""

FALLBACK_SD: dict[str, float] = {
    "alpha": 3.0,
    "renewal_offset": 3.0,
    "freeze_offset": 3.0,
    "suspend_offset": 3.0,
    "return_offset": 3.0,
    "join_offset": 3.0,
    "frozen_exit_offset": 3.0,
}
"""Standard deviation of the fallback prior (centred on the default) per parameter; 2.0
for the mechanism weights."""

_MAX_BYTES = 4 << 20


def read_prior_file(path: str | Path) -> tuple[dict[str, Prior], dict[str, Any]]:
    """The priors of a hazard-fit file (contract 4) and what identifies it.

    Returns (name -> :class:`~phalanx.evidence.abc.Prior`, ``{"file", "version",
    "created"}``); the file is read and checked by
    :func:`phalanx.evidence.priors.load_priors` (errors name the file and field).
    """
    from phalanx.evidence.priors import load_priors

    out = load_priors(path)
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    info = {"file": Path(path).name, "version": data.get("version"), "created": data.get("created")}
    return out, info


def _fallback(name: str) -> Prior:
    from phalanx.models.dynamics.params import MembershipParams, parameter_range

    lo, hi, _, _ = parameter_range(name)
    default = float(MembershipParams.model_fields[name].default)
    return Prior(
        name=name,
        mean=default,
        sd=FALLBACK_SD.get(name, 2.0),
        low=lo,
        high=hi,
        source="fallback: centred on the default, wide (docs/evidence/calibration.md)",
    )


def calibration_priors(
    priors: str | Path | Mapping[str, Any] | None = None,
) -> tuple[dict[str, Prior], dict[str, Any]]:
    """The priors of the calibration: the file's (``None``: the shipped file, if any) for
    every parameter it has, the fallback for the others of :data:`CALIBRATED`.

    ``priors`` may also be a mapping of name -> Prior (or anything with ``mean``, ``sd``,
    ``low``, ``high``). Returns (name -> Prior for the file's parameters and
    :data:`CALIBRATED`, info: file, version, and which came from the fallback).
    """
    info: dict[str, Any] = {"file": None, "version": None}
    if priors is None:
        found, info = read_prior_file(SHIPPED_PRIORS) if SHIPPED_PRIORS.is_file() else ({}, info)
    elif isinstance(priors, str | Path):
        found, info = read_prior_file(priors)
    else:
        found = {
            k: v
            if isinstance(v, Prior)
            else Prior(
                name=k,
                mean=float(v.mean),
                sd=float(v.sd),
                low=float(v.low),
                high=float(v.high),
                source=str(getattr(v, "source", "")),
            )
            for k, v in priors.items()
        }
        info = {"file": None, "version": "given"}
    out = dict(found)
    fallback = [n for n in CALIBRATED if n not in out]
    for n in fallback:
        out[n] = _fallback(n)
    info = {**info, "fallback": fallback}
    return out, info


# --- the posterior file ---------------------------------------------------------------------


@dataclass(frozen=True)
class Posterior:
    """A posterior read from its file: equally weighted draws of ``parameters``."""

    path: Path
    organization: str
    data_version: str
    version: str
    parameters: tuple[str, ...]
    draws: np.ndarray  # (D, len(parameters))
    fixed: Mapping[str, float] = field(default_factory=dict)  # the others, held in the fit

    @property
    def size(self) -> int:
        return int(self.draws.shape[0])

    def arrays_for(self, replicate_ids: np.ndarray) -> dict[str, np.ndarray]:
        """Per-replicate values: replicate ``r`` takes draw ``r % D``. O(R)."""
        rows = np.asarray(replicate_ids, dtype=np.int64) % self.size
        return {n: self.draws[rows, k].copy() for k, n in enumerate(self.parameters)}

    def means(self) -> dict[str, float]:
        return {n: float(self.draws[:, k].mean()) for k, n in enumerate(self.parameters)}


def load_posterior(path: str | Path) -> Posterior:
    """Read and check a posterior file (format ``phalanx-posterior/1``).

    The parameters must be among the engine's per-replicate parameters and every draw
    within the parameter's range; otherwise a ``UserError`` names the file and field.
    O(file size); at most 16 MiB.
    """
    from phalanx.models.dynamics.params import ARRAY_PARAMETERS, check_param_arrays
    from phalanx.safe_files import read_user_text

    shown = str(path)
    text = read_user_text(path, limit=16 << 20, what="posterior file")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise UserError(f"is not valid JSON ({e.msg})", file=shown, line=e.lineno) from None
    if not isinstance(data, dict) or data.get("format") != POSTERIOR_FORMAT:
        got = data.get("format") if isinstance(data, dict) else type(data).__name__
        raise UserError(
            f"expected a posterior of format {POSTERIOR_FORMAT!r}; got {got!r}",
            file=shown,
            field="format",
        )
    names = data.get("parameters")
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise UserError("expected a non-empty list of names", file=shown, field="parameters")
    bad = [n for n in names if n not in ARRAY_PARAMETERS]
    if bad or len(set(names)) != len(names):
        raise UserError(
            f"{(bad or names)[0]!r} cannot vary per replicate (or is repeated); expected "
            f"names among {', '.join(ARRAY_PARAMETERS)}",
            file=shown,
            field="parameters",
        )
    try:
        draws = np.array(data.get("draws"), dtype=float)
    except (TypeError, ValueError):
        draws = np.zeros((0,))
    if draws.ndim != 2 or draws.shape[1] != len(names) or draws.shape[0] < 1:
        raise UserError(
            f"expected a list of rows of {len(names)} numbers", file=shown, field="draws"
        )
    try:
        check_param_arrays({n: draws[:, k] for k, n in enumerate(names)}, draws.shape[0])
    except UserError as e:
        raise UserError(e.message, file=shown, field="draws") from None
    for key in ("organization", "data_version"):
        if not isinstance(data.get(key), str):
            raise UserError("expected a text", file=shown, field=key)
    fixed = data.get("fixed") or {}
    if not isinstance(fixed, dict):
        raise UserError("expected an object of parameter values", file=shown, field="fixed")
    from phalanx.models.dynamics.params import MembershipParams

    try:
        MembershipParams(**fixed)
    except (UserError, ValueError, TypeError) as e:
        raise UserError(f"not valid parameter values: {e}", file=shown, field="fixed") from None
    return Posterior(
        path=Path(path),
        organization=data["organization"],
        data_version=data["data_version"],
        version=str(data.get("created") or ""),
        parameters=tuple(names),
        draws=draws,
        fixed={str(k): float(v) for k, v in fixed.items()},
    )


def package_posterior(kb: Any, organization: str | None = None) -> Posterior | None:
    """The posterior the package declares for ``organization`` (default its own), or
    None when it declares none or one for another organisation."""
    path = getattr(kb.defaults, "posterior_file", None)
    if path is None:
        return None
    post = load_posterior(path)
    org = kb.resolve_organization(organization or kb.defaults.organization)
    return post if post.organization == org else None


def write_posterior(path: str | Path, posterior: Mapping[str, Any], *, force: bool = False) -> Path:
    """Write a posterior dict (from :func:`calibrate`) as JSON; refuses to replace a file
    Phalanx did not write unless ``force``."""
    from phalanx.safe_files import MARKER, write_output

    body = {"generator": MARKER.decode(), **posterior}
    draws = body.pop("draws", None)
    text = json.dumps({**body, "draws": "@DRAWS@"}, indent=1)
    if draws is not None:  # one draw per line: readable and a third of the size
        rows = ",\n  ".join(json.dumps(list(r)) for r in draws)
        text = text.replace('"@DRAWS@"', "[\n  " + rows + "\n ]")
    return write_output(path, text + "\n", force=force)


# --- the calibration ------------------------------------------------------------------------


class CalibrationSettings(Settings):
    """The settings of :func:`calibrate` (declared once; the CLI reads them)."""

    particles: int = Field(1000, ge=10, le=100_000, description="ABC particles per generation.")
    generations: int = Field(
        20, ge=1, le=100, description="ABC generations at most (1: the prior only)."
    )
    seed: int = Field(0, ge=0, le=2**63 - 1, description="Root seed of the calibration.")
    replicates_per_particle: int = Field(
        4, ge=1, le=1000, description="Replays of the history per particle (their mean counts)."
    )
    predictive: int = Field(
        2000, ge=1, le=1_000_000, description="Replays for the posterior predictive check."
    )


def _summary(x: np.ndarray) -> dict[str, float]:
    q = np.quantile(x, [0.05, 0.5, 0.95])
    return {
        "mean": round(float(x.mean()), 4),
        "sd": round(float(x.std()), 4),
        "q05": round(float(q[0]), 4),
        "median": round(float(q[1]), 4),
        "q95": round(float(q[2]), 4),
    }


def calibrate(
    kb: Any,
    org: str | None = None,
    *,
    priors: str | Path | Mapping[str, Any] | None = None,
    particles: int = 1000,
    generations: int = 20,
    seed: int = 0,
    replicates_per_particle: int = 4,
    start: str | dt.date | None = None,
    end: int | None = None,
    predictive: int = 2000,
    progress: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """ABC-SMC calibration of :data:`CALIBRATED` to ``org``'s history; the posterior dict.

    Each candidate is replayed ``replicates_per_particle`` times from ``start`` (default
    :func:`~phalanx.evidence.replay.default_replay_start`) to ``end``; its distance is the
    L1 distance between the mean pattern counts of its replays and the observed counts
    (the fitted counts of :func:`~phalanx.evidence.replay.pattern_spec`, weight 1 each:
    they are all numbers of states). The posterior's ``particles`` draws are the last
    generation resampled by weight and shuffled; ``predictive`` replays (draw ``r % D``)
    give each pattern's posterior predictive mean, mode, the share that hit the observed
    value exactly and a central 90% interval; a pattern is ``reproduced`` when the
    observed value lies in that interval (a posterior predictive check at the 10% level:
    the history is not in the tails of what the posterior predicts). Deterministic for a
    given ``seed``.

    Cost: about ``particles x replicates_per_particle / acceptance`` replays per
    generation; a replay of 33 years of the CSTO runs about 3,000 replicate-histories a
    second on one core (measured by ``phalanx calibrate``: the ``cost`` entry).
    """
    from phalanx.evidence.abc import ABCSMC, resample
    from phalanx.evidence.replay import build_history, count_patterns, pattern_spec, replay
    from phalanx.models.dynamics.params import MembershipParams

    t0 = time.perf_counter()
    cfg = CalibrationSettings(
        particles=particles,
        generations=generations,
        seed=seed,
        replicates_per_particle=replicates_per_particle,
        predictive=predictive,
    )
    particles, generations, seed = cfg.particles, cfg.generations, cfg.seed
    predictive = cfg.predictive
    history = build_history(kb, org, start=start, end=end)
    spec = pattern_spec(history)
    observed = count_patterns(history.observed, spec)[0]
    fit_mask = spec.in_distance
    pri, prior_info = calibration_priors(priors)
    names = list(CALIBRATED)
    fixed = {
        n: float(np.clip(p.mean, p.low, p.high))
        for n, p in pri.items()
        if n not in names and n in MembershipParams.model_fields
    }
    base = MembershipParams(**fixed)
    k = cfg.replicates_per_particle

    def simulate(theta: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        pa = {n: np.repeat(theta[:, j], k) for j, n in enumerate(names)}
        paths = replay(history, base, theta.shape[0] * k, rng, param_arrays=pa)
        st = count_patterns(paths, spec)[:, fit_mask]
        return st.reshape(theta.shape[0], k, -1).mean(axis=1)

    abc = ABCSMC(
        [pri[n] for n in names], particles=particles, generations=generations, seed=seed
    ).fit(simulate, observed[fit_mask], progress=progress)
    rng = np.random.default_rng([seed, 1])
    draws = resample(abc.posterior_, abc.weights_, particles, rng)
    # the posterior predictive: replicate r takes draw r % D
    rows = np.arange(predictive) % len(draws)
    pa = {n: draws[rows, j] for j, n in enumerate(names)}
    pp = count_patterns(replay(history, base, predictive, rng, param_arrays=pa), spec)
    patterns = []
    for j, name in enumerate(spec.names):
        col = pp[:, j]
        values, counts = np.unique(col, return_counts=True)
        mode = float(values[np.argmax(counts)])
        lo, hi = np.quantile(col, [0.05, 0.95], method="inverted_cdf")
        patterns.append(
            {
                "pattern": name,
                "observed": float(observed[j]),
                "posterior_predictive_mean": round(float(col.mean()), 4),
                "posterior_predictive_mode": mode,
                "p_exact": round(float((col == observed[j]).mean()), 4),
                "interval90": [float(lo), float(hi)],
                "reproduced": bool(lo <= observed[j] <= hi),
                "fitted": bool(fit_mask[j]),
            }
        )
    elapsed = time.perf_counter() - t0
    prior_used = {
        n: {
            "mean": pri[n].mean,
            "sd": pri[n].sd,
            "low": pri[n].low,
            "high": pri[n].high,
            "from": pri[n].source,
        }
        for n in names
    }
    return {
        "format": POSTERIOR_FORMAT,
        "organization": history.organization,
        "data_version": history.data_version,
        "created": dt.date.today().isoformat(),
        "method": (
            "ABC-SMC (population Monte Carlo, Toni et al. 2009 / Beaumont et al. 2009): "
            f"adaptive tolerance at the {abc.get_params()['quantile']:g} quantile, Gaussian "
            "kernel with twice the weighted covariance, truncated-normal priors; distance L1 "
            f"on the mean pattern counts of {k} replays per particle (phalanx.evidence)"
        ),
        "seed": int(seed),
        "settings": {
            "particles": int(particles),
            "generations": int(generations),
            "replicates_per_particle": k,
            "predictive_replicates": int(predictive),
        },
        "replay": {
            "start": history.settings["start"],
            "end_year": history.settings["end_year"],
            "years": len(history.years),
            "actors": list(history.actors),
            "leader_capacity": {
                "drain": history.settings["drain"],
                "recovery": history.settings["recovery"],
                "war_years": [
                    int(y) for y, w in zip(history.years, history.at_war, strict=True) if w
                ],
            },
            "renewal_years": list(history.renewal_years),
            "periods": [list(p) for p in spec.periods],
        },
        "prior": {**prior_info, "priors": prior_used},
        "fixed": fixed,
        "generations": [
            {
                "epsilon": None if math.isinf(h["epsilon"]) else round(h["epsilon"], 6),
                "accepted": h["accepted"],
                "simulations": h["simulations"],
                "ess": round(h["ess"], 1),
            }
            for h in abc.history_
        ],
        "stop_reason": abc.stop_reason_,
        "parameters": names,
        "summary": {n: _summary(draws[:, j]) for j, n in enumerate(names)},
        "draws": [[round(float(v), 5) for v in row] for row in draws],
        "patterns": patterns,
        "cost": {
            "seconds": round(elapsed, 1),
            "simulations": int(abc.simulations_),
            "replays": int(abc.simulations_ * k + predictive),
        },
    }
