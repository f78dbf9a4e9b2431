"""The rolling-origin backtest of pact-termination forecasts on the dyad-year table.

For each cut-off year ``c`` and horizon ``h``, every method is fitted on what was known at
the end of year ``c`` and forecasts, for every dyad whose pact is in force in ``c``, the
probability that the pact terminates within ``h`` years: after year ``c``, ``c + 1``, ...
or ``c + h - 1`` (a row's ``ends`` says the pact terminates after that year). The forecasts
are scored with the Brier and log scores of :mod:`phalanx.evidence.scores`, with percentile
bootstrap intervals that resample the dyads (each dyad is one case per cut-off and
horizon; the same resamples for every method, so the intervals are paired).

What is known at the cut-off: the rows up to year ``c``, but the *outcome* of a row of year
``t`` (``ends``) only from year ``t + 1``. So

- the hazard models fit on the rows of the years before ``c`` (``year < c``:
  :func:`training_rows`);
- the direct classifier fits on the rows of years ``t <= c - h``, whose ``h``-year outcome
  is complete by the cut-off (:func:`direct_cases`);
- the forecast uses the row of year ``c`` (its covariates are known at the year's end).

Outcomes (:func:`outcomes`): 1 when the spell in force in ``c`` terminates within the
horizon; 0 when it is still in force in year ``c + h``; a dyad whose spell stops within
the horizon without a termination (a partner leaves the state system, or the data end) is
**dropped**: neither an event nor a non-event, as contract 1 says.

Methods:

- ``base-rate``: the training rows' share of terminations ``r``, compounded: ``1 - (1 -
  r)^h``, the same for every dyad.
- ``persistence``: 0 (nothing ends). Its Brier score is the share of events.
- ``logistic``: scikit-learn's ``LogisticRegression`` with its default settings (L2, C = 1;
  ``max_iter`` raised so that it converges, columns standardised on the training rows)
  fitted directly on the outcome "terminates within h years", with the hazard's columns:
  a classifier, not a hazard.
- ``hazard``: :class:`~phalanx.evidence.hazard.HazardModel` (no bootstrap), compounded
  over the horizon with the pact ageing (:meth:`~HazardModel.horizon_probability`).
- ``simulation``: the simulation's own yearly hazard ``sigma(alpha + sum beta x term)`` at
  :class:`~phalanx.models.dynamics.params.MembershipParams` defaults (or ``params``), the
  terms read from the covariates as in :mod:`phalanx.evidence.priors`, held over the
  horizon: how good the uncalibrated defaults are.

Cost: per cut-off one hazard fit and per horizon one classifier fit (O(n k) per pass), and
``bootstrap`` resamples of the scores per record (O(bootstrap m) for m dyads).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import Field, field_validator

from phalanx.errors import UserError
from phalanx.evidence.hazard import COVARIATES, HazardModel, design_columns, design_matrix
from phalanx.evidence.priors import simulation_log_odds
from phalanx.evidence.scores import bootstrap_ci, brier, log_score, reliability_bins
from phalanx.models.dynamics.params import MembershipParams
from phalanx.params import Settings

__all__ = [
    "DirectLogistic",
    "CUTOFFS",
    "DATASET",
    "HORIZONS",
    "METHODS",
    "BacktestSettings",
    "direct_cases",
    "forecasts",
    "outcomes",
    "rolling_backtest",
    "training_rows",
]

CUTOFFS = (1945, 1970, 1990, 2005)
HORIZONS = (5, 10)
METHODS = ("base-rate", "persistence", "logistic", "hazard", "simulation")
DATASET = "ATOP 5.1 defence pacts"


class BacktestSettings(Settings):
    """The settings of :func:`rolling_backtest`."""

    cutoffs: tuple[int, ...] = Field(CUTOFFS, description="Cut-off years (the forecast origins).")
    horizons: tuple[int, ...] = Field(HORIZONS, description="Horizons in years (each >= 1).")
    bootstrap: int = Field(1000, ge=10, le=100_000, description="Resamples of the dyads per score.")
    seed: int = Field(0, ge=0, description="Seed of the score bootstrap.")
    bins: int = Field(10, ge=1, le=100, description="Bins of the reliability diagrams.")

    @field_validator("cutoffs", "horizons")
    @classmethod
    def _not_empty(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if not value:
            raise ValueError("must name at least one year")
        return value

    @field_validator("horizons")
    @classmethod
    def _positive(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if min(value) < 1:
            raise ValueError("must be positive numbers of years")
        return value


def training_rows(table: Any, cutoff: int) -> Any:
    """The dyad-years whose outcome is known at the end of year ``cutoff``: ``year < cutoff``."""
    return table[table["year"].to_numpy() < cutoff]


def _known(table: Any, cutoff: int) -> Any:
    """Everything recorded up to the end of year ``cutoff`` (outcomes of ``cutoff`` aside)."""
    return table[table["year"].to_numpy() <= cutoff]


def _within(rows: Any, spells: Any, h: int) -> np.ndarray:
    """1 / 0 / -1 (dropped) for rows, each the start of an ``h``-year window of its spell.

    ``spells``: per spell, the last year seen and how it stopped (from what is known).
    """
    last = spells["year"].reindex(rows["spell"]).to_numpy()
    ended = spells["ends"].reindex(rows["spell"]).to_numpy() == 1
    end_of_window = rows["year"].to_numpy() + h - 1
    y = np.full(len(rows), -1, dtype=np.int64)
    y[last > end_of_window] = 0
    y[(last <= end_of_window) & ended] = 1
    return y


def _last_rows(table: Any) -> Any:
    return table.loc[table.groupby("spell")["year"].idxmax(), ["spell", "year", "ends"]].set_index(
        "spell"
    )


def outcomes(table: Any, cutoff: int, h: int) -> Any:
    """The dyads in force in ``cutoff`` with their outcome ``y`` over ``h`` years.

    A DataFrame of the cut-off rows (``a``, ``b``, ``spell``, ``y``); the dyads that stop
    within the horizon without a termination are left out. Reads the whole table (the
    future), so only the scoring uses it. O(n).
    """
    rows = table[table["year"].to_numpy() == cutoff]
    y = _within(rows, _last_rows(table), h)
    out = rows[["a", "b", "spell"]].assign(y=y)
    return out[y >= 0]


def direct_cases(table: Any, cutoff: int, h: int) -> tuple[Any, np.ndarray]:
    """Training rows of the direct classifier: years ``<= cutoff - h`` with their outcome.

    The outcome "terminates within h years" of a row of year ``t <= cutoff - h`` is known at
    the end of ``cutoff``; rows whose window holds a stop without a termination are left
    out. Only the rows up to the cut-off are read. O(n).
    """
    known = _known(table, cutoff)
    rows = known[known["year"].to_numpy() <= cutoff - h]
    y = _within(rows, _last_rows(known), h)
    return rows[y >= 0], y[y >= 0]


def _direct_classifier(train: Any, y: np.ndarray, columns: list[str], rows: Any) -> Any:
    if len(y) == 0 or y.min() == y.max():
        share = float(y.mean()) if len(y) else 0.0
        return np.full(len(rows), share)
    from sklearn.linear_model import LogisticRegression

    x = design_matrix(train, columns)
    mu, sd = x.mean(axis=0), x.std(axis=0)
    sd = np.where(sd > 0, sd, 1.0)
    clf = LogisticRegression(max_iter=2000).fit((x - mu) / sd, y)
    return clf.predict_proba((design_matrix(rows, columns) - mu) / sd)[:, 1]


class DirectLogistic:
    """The ``logistic`` baseline as a forecaster of other cases (an organisation's members).

    scikit-learn's default logistic regression fitted directly on the outcome "the pact ends
    within ``h`` years", on the dyad-years of ``table`` whose outcome is known at the end of
    ``cutoff`` (:func:`direct_cases`), with the hazard model's columns. Gives
    ``horizon_probability(rows, h)`` like :class:`~phalanx.evidence.hazard.HazardModel`, so
    the organisation backtest's large-N wrapper takes either. One fit per call.
    """

    def __init__(
        self,
        table: Any,
        cutoff: int,
        covariates: tuple[str, ...] = COVARIATES,
        duration: str = "log",
    ) -> None:
        self.table = table
        self.cutoff = int(cutoff)
        self.columns = design_columns(tuple(covariates), duration)

    def horizon_probability(self, rows: Any, h: int) -> np.ndarray:
        """P(the pact of each row ends within ``h`` years), from the direct fit for ``h``."""
        train, y = direct_cases(self.table, self.cutoff, int(h))
        return np.asarray(_direct_classifier(train, y, self.columns, rows), dtype=float)


def forecasts(
    table: Any,
    cutoff: int,
    horizons: tuple[int, ...] = HORIZONS,
    *,
    covariates: tuple[str, ...] = COVARIATES,
    duration: str = "log",
    params: MembershipParams | None = None,
) -> dict[int, Any]:
    """Every method's forecast for the dyads in force in ``cutoff``, by horizon.

    Returns ``{h: DataFrame(a, b, spell, <one column per method>)}`` built from the rows up
    to the cut-off only (see the module). O(n k) per fit.
    """
    import pandas as pd

    train = training_rows(table, cutoff)
    if "censored" in train.columns:
        train = train[train["censored"].to_numpy() != 1]
    rows = table[table["year"].to_numpy() == cutoff]
    if len(train) == 0 or len(rows) == 0:
        raise UserError(
            f"cut-off {cutoff}: the table has {len(train)} dyad-years before it and "
            f"{len(rows)} in it; expected both (a cut-off inside the table's years)",
            field="cutoffs",
        )
    rate = float(train["ends"].mean())
    model = HazardModel(covariates=covariates, duration=duration, bootstrap=0).fit(train)
    yearly_sim = 1.0 / (1.0 + np.exp(-simulation_log_odds(rows, params)))
    out = {}
    for h in horizons:
        d_train, d_y = direct_cases(table, cutoff, h)
        frame = pd.DataFrame(
            {
                "a": rows["a"].to_numpy(),
                "b": rows["b"].to_numpy(),
                "spell": rows["spell"].to_numpy(),
                "base-rate": np.full(len(rows), 1.0 - (1.0 - rate) ** h),
                "persistence": np.zeros(len(rows)),
                "logistic": _direct_classifier(d_train, d_y, model.columns_, rows),
                "hazard": model.horizon_probability(rows, h),
                "simulation": 1.0 - (1.0 - yearly_sim) ** h,
            }
        )
        out[h] = frame
    return out


def rolling_backtest(
    table: Any,
    cutoffs: tuple[int, ...] = CUTOFFS,
    horizons: tuple[int, ...] = HORIZONS,
    *,
    bootstrap: int = 1000,
    seed: int = 0,
    bins: int = 10,
    dataset: str = DATASET,
    covariates: tuple[str, ...] = COVARIATES,
    duration: str = "log",
    params: MembershipParams | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Score every method at every cut-off and horizon (see the module).

    Returns ``(records, reliability)``: ``records`` as in contract 3 (``dataset, cutoff,
    horizon, method, brier, brier_low, brier_high, log_score, log_low, log_high, n,
    events``), one per cut-off, horizon and method with at least one scored dyad;
    ``reliability`` one entry per method and horizon, pooled over the cut-offs: ``{dataset,
    method, horizon, cutoffs, n, bins: reliability_bins(...)}``.
    """
    s = BacktestSettings(
        cutoffs=tuple(cutoffs), horizons=tuple(horizons), bootstrap=bootstrap, seed=seed, bins=bins
    )
    records: list[dict[str, Any]] = []
    pooled: dict[tuple[str, int], tuple[list[np.ndarray], list[np.ndarray], list[int]]] = {}
    for cutoff in s.cutoffs:
        per_h = forecasts(
            table, cutoff, s.horizons, covariates=covariates, duration=duration, params=params
        )
        for h in s.horizons:
            truth = outcomes(table, cutoff, h)
            cases = per_h[h].merge(truth[["spell", "y"]], on="spell", how="inner")
            if len(cases) == 0:
                continue
            y = cases["y"].to_numpy()
            for method in METHODS:
                p = np.clip(cases[method].to_numpy(), 0.0, 1.0)
                blo, bhi = bootstrap_ci(p, y, brier, reps=s.bootstrap, seed=s.seed)
                llo, lhi = bootstrap_ci(p, y, log_score, reps=s.bootstrap, seed=s.seed)
                records.append(
                    {
                        "dataset": dataset,
                        "cutoff": int(cutoff),
                        "horizon": int(h),
                        "method": method,
                        "brier": brier(p, y),
                        "brier_low": blo,
                        "brier_high": bhi,
                        "log_score": log_score(p, y),
                        "log_low": llo,
                        "log_high": lhi,
                        "n": len(y),
                        "events": int(y.sum()),
                    }
                )
                ps, ys, cs = pooled.setdefault((method, h), ([], [], []))
                ps.append(p)
                ys.append(y)
                cs.append(int(cutoff))
    reliability = []
    for (method, h), (ps, ys, cs) in pooled.items():
        p, y = np.concatenate(ps), np.concatenate(ys)
        reliability.append(
            {
                "dataset": dataset,
                "method": method,
                "horizon": h,
                "cutoffs": cs,
                "n": len(y),
                "bins": reliability_bins(p, y, bins=s.bins),
            }
        )
    return records, reliability
