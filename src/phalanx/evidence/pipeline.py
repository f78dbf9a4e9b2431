"""From the field's dataset files to the evidence: the hazard fit and both backtests.

The shells (``phalanx estimate``, ``phalanx backtest``, the report) call these functions
and only render what they return:

- :func:`estimate`: the defence-pact dyad-year table (:func:`~phalanx.evidence.dyads.
  build_dyad_years`) and the termination hazard fitted on it, as the JSON of the shipped
  fit file (:func:`~phalanx.evidence.priors.fit_summary`): coefficients with bootstrap
  intervals, the verdict on each mechanism and the priors of the simulation;
- :func:`backtest`: the large-N rolling-origin backtest
  (:func:`~phalanx.evidence.backtest.rolling_backtest`) and the organisation's own
  (:func:`~phalanx.evidence.org_backtest.organization_backtest`) with the large-N models
  fitted up to each cut-off, as one plain dict of records, reliability bins and cases;
- :func:`shipped`: the results of both, computed by the developers on the published files
  and shipped in ``phalanx/data/evidence/`` (the files themselves are not redistributed),
  for users who do not have the datasets.

Every result carries its provenance: the files read (dataset, version, sha256, rows), the
settings and seeds.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from phalanx.errors import UserError

if TYPE_CHECKING:
    from phalanx.kb import KnowledgeBase

__all__ = [
    "SHIPPED_FILES",
    "DatasetFiles",
    "backtest",
    "estimate",
    "prior_mean_params",
    "shipped",
]

SHIPPED_FILES = {"fit": "hazard-atop.json", "backtest": "backtest.json"}
"""The shipped evidence files in ``phalanx/data/evidence/``, by the name :func:`shipped` takes."""

BACKTEST_FORMAT = "phalanx-backtest/1"


@dataclass(frozen=True)
class DatasetFiles:
    """The user's copies of the datasets (paths). ATOP and the COW states are required; the
    others add covariates (NMC: capabilities; MID: disputes and wars; Thompson-Dreyer:
    rivalries; COW majors: major powers). A covariate whose file is missing is 0 or NaN
    and the fit leaves it out (``attrs["covariates_available"]``)."""

    atop: Path
    states: Path
    nmc: Path | None = None
    mid: Path | None = None
    rivalries: Path | None = None
    majors: Path | None = None

    def table(self) -> Any:
        """The dyad-year table built from these files (a pandas DataFrame)."""
        from phalanx.evidence.dyads import build_dyad_years

        return build_dyad_years(
            self.atop,
            self.states,
            nmc=self.nmc,
            mid=self.mid,
            rivalries=self.rivalries,
            majors=self.majors,
        )


def _covariates(table: Any) -> tuple[str, ...]:
    """The model's covariates that the given files could compute, in the model's order."""
    from phalanx.evidence.hazard import COVARIATES

    available = set(table.attrs.get("covariates_available", COVARIATES))
    return tuple(c for c in COVARIATES if c in available)


def estimate(
    files: DatasetFiles,
    *,
    bootstrap: int = 200,
    seed: int = 0,
    duration: str = "log",
    cluster: str = "cohort",
    table: Any = None,
) -> dict[str, Any]:
    """Fit the termination hazard on the files and return the fit file's JSON (contract 4).

    ``bootstrap`` cluster-bootstrap replicates (0..10000) with root ``seed``, resampling
    ``cluster`` units: ``cohort`` (default: the spells that start and end in the same
    years, a stand-in for the dyads of one multilateral pact, which are not independent;
    ATOP's dyad-year file has no alliance id) or ``spell`` (each dyad's spell: intervals 2
    to 10 times narrower, which overstates what the data know);
    ``duration`` the age term (``log``, ``bins`` or ``none``). ``table`` reuses a table
    already built from ``files``. Cost: the table (under a second on ATOP 5.1) plus
    ``bootstrap + 1`` logistic fits on about 69,000 rows.
    """
    from phalanx.evidence.hazard import HazardModel
    from phalanx.evidence.priors import fit_summary

    table = files.table() if table is None else table
    model = HazardModel(
        covariates=_covariates(table),
        duration=duration,
        bootstrap=bootstrap,
        seed=seed,
        cluster=cluster,
    ).fit(table)
    return fit_summary(model, table, created=dt.date.today().isoformat())


def prior_mean_params(
    table: Any, covariates: tuple[str, ...] | None = None, *, model: Any = None
) -> Any:
    """The simulation's parameters at the prior means that a hazard fit on ``table`` gives.

    Each parameter the fit informs (:func:`~phalanx.evidence.priors.fit_summary`'s
    ``priors``) is set to its prior mean clipped to the parameter's range (a weight whose
    coefficient has the wrong sign is 0, the constrained estimate); the rest keep their
    defaults. Used by the organisation backtest, with ``table`` the dyad-years known at a
    cut-off, so that the simulation's forecast uses nothing after it. One logistic fit, or
    none when ``model`` is the hazard already fitted on ``table``.
    """
    from phalanx.evidence.hazard import HazardModel
    from phalanx.evidence.priors import fit_summary
    from phalanx.models.dynamics.params import MembershipParams

    covariates = _covariates(table) if covariates is None else covariates
    if model is None:
        model = HazardModel(covariates=covariates, bootstrap=0).fit(table)
    priors = fit_summary(model, table)["priors"]
    return MembershipParams(
        **{k: min(max(v["mean"], v["low"]), v["high"]) for k, v in priors.items()}
    )


def backtest(
    files: DatasetFiles,
    kb: KnowledgeBase | None = None,
    org: str | None = None,
    *,
    cutoffs: tuple[int, ...] = (1945, 1970, 1990, 2005),
    org_cutoffs: tuple[int, ...] = (2005, 2012, 2020),
    horizons: tuple[int, ...] = (5, 10),
    bootstrap: int = 1000,
    seed: int = 0,
    runs: int = 1000,
    table: Any = None,
) -> dict[str, Any]:
    """Both backtests on the files: large-N (ATOP dyads) and the organisation's members.

    The large-N one fits every method on the dyad-years up to each of ``cutoffs`` and scores
    the termination within each horizon of every pact alive at the cut-off. The
    organisation's (``kb``'s, default the package's own organisation; skipped when ``kb``
    is None) scores each member's leaving full membership after each of ``org_cutoffs``
    with the organisation's own base rate, persistence, the simulation (``runs`` runs with
    neutral drivers, at the parameters of :func:`prior_mean_params` fitted on the
    dyad-years known at the cut-off) and the large-N logistic regression and hazard model
    fitted on the same years, applied to each member's pact with the leader.
    Returns ``{format, created, seed, settings, sources, records, reliability, cases}``;
    ``records`` are contract 3's. Cost: dominated by the fits (a few per cut-off) and the
    simulation runs.
    """
    from phalanx.evidence.backtest import rolling_backtest
    from phalanx.evidence.hazard import HazardModel

    table = files.table() if table is None else table
    covariates = _covariates(table)
    records, reliability = rolling_backtest(
        table,
        cutoffs,
        horizons,
        bootstrap=bootstrap,
        seed=seed,
        covariates=covariates,
    )
    cases: list[dict[str, Any]] = []
    org_id = None
    if kb is not None:
        from phalanx.evidence.backtest import DirectLogistic, training_rows
        from phalanx.evidence.org_backtest import (
            LargeNForecaster,
            SimulationForecaster,
            base_rate_forecaster,
            organization_backtest,
            persistence_forecaster,
        )

        org_id = kb.resolve_organization(org or kb.defaults.organization)
        fits: dict[int, Any] = {}

        def hazard_at(cutoff: int) -> Any:
            """The hazard fitted on the dyad-years known at ``cutoff`` (fitted once)."""
            if cutoff not in fits:
                train = training_rows(table, cutoff)
                fits[cutoff] = HazardModel(covariates=covariates, bootstrap=0).fit(train)
            return fits[cutoff]

        forecasters = {
            "base-rate": base_rate_forecaster,
            "persistence": persistence_forecaster,
            "simulation": SimulationForecaster(
                params=lambda c: prior_mean_params(
                    training_rows(table, c), covariates, model=hazard_at(c)
                ),
                runs=runs,
                seed=seed,
            ),
            "logistic": LargeNForecaster(
                lambda c: DirectLogistic(table, c, covariates), table, name="logistic"
            ),
            "hazard": LargeNForecaster(hazard_at, table, name="hazard"),
        }
        org_records, cases = organization_backtest(
            kb, org_id, org_cutoffs, horizons, forecasters, seed, bootstrap=bootstrap, runs=runs
        )
        records = records + org_records
    return {
        "format": BACKTEST_FORMAT,
        "created": dt.date.today().isoformat(),
        "seed": seed,
        "settings": {
            "cutoffs": list(cutoffs),
            "organization": org_id,
            "organization_cutoffs": list(org_cutoffs) if kb is not None else [],
            "horizons": list(horizons),
            "bootstrap": bootstrap,
            "runs": runs,
            "covariates": list(covariates),
            "data_version": kb.version if kb is not None else None,
        },
        "sources": table.attrs.get("sources", []),
        "records": records,
        "reliability": reliability,
        "cases": cases,
    }


def shipped(name: str) -> dict[str, Any]:
    """A shipped evidence file (``fit`` or ``backtest``: :data:`SHIPPED_FILES`) as a dict.

    These were computed on the published datasets by ``phalanx estimate`` and ``phalanx
    backtest --output`` (their provenance is inside); a missing or damaged file is a
    ``UserError`` that says how to make it.
    """
    if name not in SHIPPED_FILES:
        raise UserError(
            f"no shipped evidence named {name!r}: expected one of {sorted(SHIPPED_FILES)}"
        )
    ref = resources.files("phalanx") / "data" / "evidence" / SHIPPED_FILES[name]
    try:
        text = ref.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(
            f"the shipped evidence file {SHIPPED_FILES[name]} is missing from this installation; "
            "make it with `phalanx estimate` / `phalanx backtest --output` and the datasets"
        ) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserError(
            f"{SHIPPED_FILES[name]}: not valid JSON (line {exc.lineno}): {exc.msg}"
        ) from None
