"""A discrete-time hazard model of defence-pact termination, fitted on dyad-years.

One row of the dyad-year table (:func:`phalanx.evidence.dyads.build_dyad_years`) is a pair
of states linked by a defence pledge in one year; its outcome ``ends`` is 1 when the pact
terminates after that year. The yearly hazard is logistic (a discrete-time proportional-odds
model, Beck, Katz and Tucker 1998)::

    h(row) = sigma(b0 + sum_j b_j x_j + duration(age) + b_m cinc_missing)

- **Covariates** (contract 1 of the issue): ``cap_ratio`` (min / max CINC, in [0, 1]),
  ``power_shift`` (absolute change of the log capability ratio since the spell's first
  year), ``dispute``, ``common_rival``, ``stronger_at_war``, ``weaker_new_major_pact``
  (0/1). Each maps to a mechanism of MODEL.md (see :mod:`phalanx.evidence.priors`).
- **Duration** (``duration=``): ``"log"`` (the default) adds ``b_age log(1 + age)``, one
  coefficient, so that the hazard may rise or fall with the pact's age (Bennett 1997 found
  alliances *more* likely to dissolve the longer they last); ``"bins"`` adds indicators of
  the ages 5-9, 10-19 and 20 or more (reference 0-4), a step function with no shape
  imposed; ``"none"`` a constant baseline, as in the simulation (ODD 7.12, item 7).
- **Missing capabilities**: a CINC-derived covariate that is NaN (missing or non-finite)
  is set to 0 and the indicator ``cinc_missing`` (1 when any included CINC-derived
  covariate is missing in the row) enters the model, so no row is dropped and the
  coefficients of the others are estimated on the rows that have them.
- **Rows that end without termination**: the last year of a spell whose partner leaves the
  state system (``state_death``) is a year at risk in which the pact did not terminate (the
  spell stopped for another reason), so it enters as a non-event and the spell contributes
  nothing after it: the cause-specific hazard of termination, the partner's death a
  competing exit. The last year of a spell that reaches the data's final year
  (``censored``) is *left out* of the fit: whether the pact ended after it would be seen
  only in the year after the data end, so its outcome is unknown, and counting it as a
  non-event would bias the hazard down (in ATOP 5.1 about 1,700 spells are still in force
  in 2018). The spell's earlier years enter as usual (right-censoring).

Fit: maximum likelihood (scikit-learn's ``LogisticRegression`` with ``C=inf``, i.e. no
penalty; ``penalty=None`` is deprecated from scikit-learn 1.8), on standardised columns for
conditioning, transformed back. Uncertainty: Wald standard errors from the observed
information ``X' W X``, and a cluster bootstrap over spells (the spells resampled with
replacement, ``bootstrap`` replicates, each refitted from the full-sample estimate) whose
percentile intervals are the reported ones (``intervals_``). Cost: one fit is a few
L-BFGS passes over ``n`` rows and ``k`` columns, O(n k) each; the bootstrap repeats it.

scikit-learn and pandas are imported inside the functions that use them.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import Field, field_validator

from phalanx.errors import UserError
from phalanx.params import Estimator, Settings
from phalanx.seeds import as_generator

__all__ = [
    "AGE_BINS",
    "CINC_COVARIATES",
    "COVARIATES",
    "HazardModel",
    "HazardSettings",
    "design_columns",
    "design_matrix",
]

COVARIATES = (
    "cap_ratio",
    "power_shift",
    "dispute",
    "common_rival",
    "stronger_at_war",
    "weaker_new_major_pact",
)
"""The covariates of the dyad-year table the model may use (contract 1), in report order."""

CINC_COVARIATES = frozenset({"cap_ratio", "power_shift"})
"""Covariates computed from CINC, NaN when a capability is missing."""

MISSING = "cinc_missing"
AGE_BINS = ((5, 10, "age_5_9"), (10, 20, "age_10_19"), (20, None, "age_20_plus"))
"""Age bins of ``duration="bins"``: (lower, upper exclusive or None, name); reference 0-4."""

_SEPARATION = 12.0  # |coefficient| on the standardised scale that suggests separation


class HazardSettings(Settings):
    """The settings of :class:`HazardModel`."""

    covariates: tuple[str, ...] = Field(
        COVARIATES, description="Covariates of the dyad-year table to include (a subset)."
    )
    duration: Literal["log", "bins", "none"] = Field(
        "log", description="Form of the age term: log(1 + age), age bins, or none."
    )
    bootstrap: int = Field(
        200, ge=0, le=10000, description="Cluster-bootstrap replicates over spells (0: none)."
    )
    seed: int = Field(0, ge=0, description="Root seed of the bootstrap resampling.")
    cluster: Literal["spell", "cohort"] = Field(
        "spell",
        description="Bootstrap unit: the dyad's spell, or the cohort of spells with the same "
        "first and last year (a proxy for the dyads of one multilateral alliance).",
    )
    level: float = Field(0.95, gt=0, lt=1, description="Coverage of the intervals (0..1).")

    @field_validator("covariates")
    @classmethod
    def _known(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [c for c in value if c not in COVARIATES]
        if unknown:
            raise ValueError(f"must name covariates among {', '.join(COVARIATES)}")
        if len(set(value)) != len(value):
            raise ValueError("must not name a covariate twice")
        return value


def _duration_columns(duration: str) -> list[str]:
    if duration == "log":
        return ["log_age"]
    if duration == "bins":
        return [name for _, _, name in AGE_BINS]
    return []


def design_columns(covariates: tuple[str, ...], duration: str) -> list[str]:
    """All the columns the model could have, before constant ones are dropped."""
    cols = list(covariates) + _duration_columns(duration)
    if CINC_COVARIATES & set(covariates):
        cols.append(MISSING)
    return cols


def _require(table: Any, names: list[str], what: str) -> None:
    missing = [n for n in names if n not in table.columns]
    if missing:
        raise UserError(
            f"the {what} lacks the column(s) {', '.join(missing)}; expected the columns of "
            "the dyad-year table (phalanx.evidence.dyads.build_dyad_years)",
            field=missing[0],
        )


def design_matrix(rows: Any, columns: list[str], *, age_shift: int = 0) -> np.ndarray:
    """The model's columns for ``rows`` (a DataFrame of dyad-years), as a float array.

    ``age_shift`` adds years to each row's age (the horizon forecast ages the pact).
    CINC-derived covariates that are NaN or infinite become 0 and set ``cinc_missing``.
    O(n k).
    """
    base = [c for c in columns if c in COVARIATES]
    need = base + (["age"] if any(c not in COVARIATES and c != MISSING for c in columns) else [])
    _require(rows, need, "dyad-year table")
    n = len(rows)
    out = np.empty((n, len(columns)), dtype=float)
    cinc = [c for c in columns if c in CINC_COVARIATES]
    miss = np.zeros(n, dtype=bool)
    for c in cinc:
        miss |= ~np.isfinite(rows[c].to_numpy(dtype=float))
    age = rows["age"].to_numpy(dtype=float) + age_shift if "age" in need else None
    for j, c in enumerate(columns):
        if c in CINC_COVARIATES:
            v = rows[c].to_numpy(dtype=float)
            out[:, j] = np.where(np.isfinite(v), v, 0.0)
        elif c in COVARIATES:
            v = rows[c].to_numpy(dtype=float)
            if np.isnan(v).any():
                raise UserError(
                    f"column {c!r} has missing values; expected 0 or 1 in every row", field=c
                )
            out[:, j] = v
        elif c == MISSING:
            out[:, j] = miss
        elif c == "log_age":
            out[:, j] = np.log1p(age)
        else:
            lower, upper = next((lo, up) for lo, up, name in AGE_BINS if name == c)
            out[:, j] = (age >= lower) & (True if upper is None else age < upper)
    return out


def _sigma(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # the logistic function, without overflow


class HazardModel(Estimator):
    """Discrete-time logistic hazard of pact termination (see the module's docstring).

    Parameters: ``covariates`` (a subset of :data:`COVARIATES`), ``duration`` (``"log"``,
    ``"bins"`` or ``"none"``), ``bootstrap`` (cluster replicates, 0 for Wald intervals
    only), ``seed``, ``cluster`` (``"spell"``: resample dyad-spells; ``"cohort"``: resample
    the groups of spells with the same first and last year, which holds together the dyads
    of one multilateral pact that begin and end together, since the table does not say
    which alliance links a pair), ``level`` (interval coverage).

    After :meth:`fit`: ``coef_`` (name -> log-odds per unit, ``"intercept"`` included),
    ``se_`` (Wald), ``intervals_`` (name -> (low, high): bootstrap percentiles, or Wald
    when ``bootstrap == 0``), ``boot_se_`` (standard deviation of the replicates),
    ``bootstrap_coef_`` (replicates x coefficients, NaN where a column did not vary in a
    replicate), ``cov_`` (Wald covariance), ``names_`` (coefficient order),
    ``columns_`` (design columns), ``dropped_`` (covariate -> why it is not in the model),
    ``notes_``, ``n_rows_`` (the rows fitted), ``n_events_``, ``n_spells_``,
    ``n_censored_`` (final-year rows left out), ``n_clusters_``, ``column_means_`` (design
    column -> mean over the fitted rows), ``interval_method_``.
    """

    Params = HazardSettings

    def __init__(
        self,
        covariates: tuple[str, ...] = COVARIATES,
        duration: str = "log",
        bootstrap: int = 200,
        seed: int = 0,
        cluster: str = "spell",
        level: float = 0.95,
    ) -> None:
        self.covariates = covariates
        self.duration = duration
        self.bootstrap = bootstrap
        self.seed = seed
        self.cluster = cluster
        self.level = level

    # --- fitting -------------------------------------------------------------------------

    def fit(self, table: Any) -> HazardModel:
        """Fit on the dyad-year table (a DataFrame with the columns of contract 1).

        Covariates the table says were not computed (``attrs["covariates_available"]``)
        and columns that do not vary in ``table`` are left out and listed in ``dropped_``.
        O(n k) per likelihood pass; the bootstrap multiplies the cost by ``bootstrap``.
        """
        s = self._validate_params()
        covs = tuple(s.covariates)
        _require(table, ["ends", "age", "spell", *covs], "dyad-year table")
        if len(table) == 0:
            raise UserError("the dyad-year table has no rows to fit")
        y = table["ends"].to_numpy(dtype=float)
        if np.isnan(y).any() or not np.isin(y, (0.0, 1.0)).all():
            raise UserError("column 'ends' must be 0 or 1 in every row", field="ends")
        for flag in ("state_death", "censored"):
            if flag in table.columns:
                both = (table[flag].to_numpy() == 1) & (y == 1)
                if both.any():
                    raise UserError(
                        f"{int(both.sum())} row(s) have both 'ends' and {flag!r} set to 1; a "
                        "spell's last year is a termination or not, never both",
                        field=flag,
                    )
        available = table.attrs.get("covariates_available")
        if "censored" in table.columns:
            observed = table["censored"].to_numpy() != 1
            self.n_censored_ = int((~observed).sum())
            if self.n_censored_:
                table = table[observed]
                y = y[observed]
        else:
            self.n_censored_ = 0
        dropped: dict[str, str] = {}
        if available is not None:
            for c in covs:
                if c not in available:
                    dropped[c] = "not computed: its source file was not given"
        candidates = design_columns(tuple(c for c in covs if c not in dropped), s.duration)
        x_all = design_matrix(table, candidates)
        keep = []
        for j, c in enumerate(candidates):
            if np.ptp(x_all[:, j]) == 0:
                dropped[c] = "constant in the sample: not estimable"
            else:
                keep.append(j)
        if y.sum() == 0 or y.sum() == len(y):
            raise UserError(
                "the dyad-year table has no variation in 'ends' (no termination, or only "
                "terminations): the hazard cannot be estimated",
                field="ends",
            )
        self.columns_ = [candidates[j] for j in keep]
        x = x_all[:, keep]
        self.names_ = ["intercept", *self.columns_]
        self._level = s.level
        self.dropped_ = dropped
        self.notes_: list[str] = []
        self.n_rows_ = len(y)
        self.n_events_ = int(y.sum())
        spell_codes, spell_index = np.unique(table["spell"].to_numpy(), return_inverse=True)
        self.n_spells_ = len(spell_codes)
        if s.cluster == "cohort":
            _require(table, ["start", "year"], "dyad-year table")
            last = table.groupby("spell")["year"].transform("max").to_numpy()
            pairs = np.column_stack([table["start"].to_numpy(), last])
            _, cluster_index = np.unique(pairs, axis=0, return_inverse=True)
            cluster_index = cluster_index.ravel()
        else:
            cluster_index = spell_index
        self.n_clusters_ = int(cluster_index.max()) + 1

        self._mu = x.mean(axis=0) if x.shape[1] else np.zeros(0)
        self._sd = x.std(axis=0) if x.shape[1] else np.zeros(0)
        self.column_means_ = dict(zip(self.columns_, self._mu.tolist(), strict=True))
        xs = (x - self._mu) / self._sd if x.shape[1] else x
        clf = self._classifier()
        clf.fit(xs if xs.shape[1] else np.zeros((len(y), 1)), y)
        self._note_full_fit(clf)
        beta = self._unscale(clf)
        self.coef_ = dict(zip(self.names_, beta.tolist(), strict=True))
        self.cov_ = self._wald_cov(x, y, beta)
        se = np.sqrt(np.clip(np.diag(self.cov_), 0, None))
        self.se_ = dict(zip(self.names_, se.tolist(), strict=True))

        reps = self._bootstrap(clf, xs, y, cluster_index, s.bootstrap, s.seed)
        self.bootstrap_coef_ = reps
        tail = (1 - s.level) / 2
        if s.bootstrap > 0:
            lows, highs = np.nanquantile(reps, [tail, 1 - tail], axis=0)
            self.boot_se_ = dict(zip(self.names_, np.nanstd(reps, axis=0).tolist(), strict=True))
            unit = (
                "spells" if s.cluster == "spell" else "cohorts of spells (same first and last year)"
            )
            self.interval_method_ = (
                f"cluster bootstrap over {unit}, {s.bootstrap} replicates, percentile intervals"
            )
        else:
            from statistics import NormalDist

            zq = NormalDist().inv_cdf(1 - tail)
            lows, highs = beta - zq * se, beta + zq * se
            self.boot_se_ = {}
            self.interval_method_ = "Wald (normal approximation)"
        self.intervals_ = {
            n: (float(lo), float(hi)) for n, lo, hi in zip(self.names_, lows, highs, strict=True)
        }
        return self

    @staticmethod
    def _classifier() -> Any:
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(C=np.inf, solver="lbfgs", max_iter=2000, tol=1e-10)

    @staticmethod
    def _converged(clf: Any) -> bool:
        return int(np.max(clf.n_iter_)) < clf.max_iter

    def _note_full_fit(self, clf: Any) -> None:
        if not self._converged(clf):
            self.notes_.append("the full-sample fit reached the iteration limit")
        big = [
            n
            for n, w in zip(self.columns_, clf.coef_.ravel(), strict=False)
            if abs(w) > _SEPARATION
        ]
        if big:
            self.notes_.append(
                f"very large coefficient(s) for {', '.join(big)}: possible separation "
                "(a covariate value with no termination or only terminations)"
            )

    def _unscale(self, clf: Any) -> np.ndarray:
        if not self.columns_:
            return np.array([float(clf.intercept_[0])])
        w = clf.coef_.ravel() / self._sd
        b0 = float(clf.intercept_[0]) - float(np.dot(w, self._mu))
        return np.concatenate([[b0], w])

    def _wald_cov(self, x: np.ndarray, y: np.ndarray, beta: np.ndarray) -> np.ndarray:
        x1 = np.column_stack([np.ones(len(y)), x])
        p = _sigma(x1 @ beta)
        info = (x1 * (p * (1 - p))[:, None]).T @ x1
        try:
            return np.linalg.inv(info)
        except np.linalg.LinAlgError:
            self.notes_.append("the information matrix is singular: no Wald standard errors")
            return np.full(info.shape, np.nan)

    def _bootstrap(
        self,
        clf: Any,
        xs: np.ndarray,
        y: np.ndarray,
        cluster_index: np.ndarray,
        reps: int,
        seed: int,
    ) -> np.ndarray:
        """Refit on clusters resampled with replacement (as row weights): reps x k."""
        out = np.full((reps, len(self.names_)), np.nan)
        if reps == 0:
            return out
        rng = as_generator(seed)
        n_clusters = self.n_clusters_
        start_coef, start_int = clf.coef_.copy(), clf.intercept_.copy()
        boot = self._classifier()
        boot.set_params(warm_start=True)
        failed = 0
        for r in range(reps):
            counts = np.bincount(rng.integers(0, n_clusters, n_clusters), minlength=n_clusters)
            w = counts[cluster_index].astype(float)
            used = w > 0
            xr, yr, wr = xs[used], y[used], w[used]
            if yr.min() == yr.max():
                failed += 1
                continue
            boot.coef_, boot.intercept_ = start_coef.copy(), start_int.copy()
            boot.fit(xr if xr.shape[1] else np.zeros((len(yr), 1)), yr, sample_weight=wr)
            if not self._converged(boot):
                failed += 1
            beta = self._unscale(boot)
            if xr.shape[1]:
                flat = np.ptp(xr, axis=0) == 0  # a column that did not vary: unidentified
                beta[1:][flat] = np.nan
            out[r] = beta
        if failed:
            self.notes_.append(
                f"{failed} of {reps} bootstrap replicate(s) did not converge or had no "
                "variation in 'ends'"
            )
        return out

    # --- predicting -----------------------------------------------------------------------

    def _fitted(self) -> None:
        if not hasattr(self, "coef_"):
            raise RuntimeError("HazardModel is not fitted: call fit(table) first")

    def linear_predictor(self, rows: Any, *, age_shift: int = 0) -> np.ndarray:
        """The log-odds ``z`` of termination of each row, ``age_shift`` years older. O(n k)."""
        self._fitted()
        beta = np.array([self.coef_[n] for n in self.names_])
        x = design_matrix(rows, self.columns_, age_shift=age_shift)
        return beta[0] + x @ beta[1:]

    def yearly_hazard(self, rows: Any) -> np.ndarray:
        """The probability that each row's pact terminates after that year, in [0, 1]."""
        return _sigma(self.linear_predictor(rows))

    def horizon_probability(self, rows: Any, h: int) -> np.ndarray:
        """Probability that each row's pact terminates within ``h`` years (h >= 1).

        ``1 - prod_{k=0}^{h-1} (1 - hazard(row, age + k))``: the row's year and the
        ``h - 1`` after it, the pact ageing one year each year and every other covariate
        held at its value in the row. O(h n k).
        """
        if isinstance(h, bool) or not isinstance(h, int) or h < 1:
            raise ValueError(f"h must be a positive integer; got {h!r}")
        survive = np.ones(len(rows))
        for k in range(h):
            survive *= 1.0 - _sigma(self.linear_predictor(rows, age_shift=k))
        return 1.0 - survive

    def combination(self, weights: dict[str, float]) -> dict[str, float]:
        """Estimate, standard error and interval of ``sum_n weights[n] * coef_[n]``.

        Names absent from the model count as 0 (a dropped covariate has no effect). The
        standard error is the bootstrap replicates' when there are any, else Wald; the
        interval is the same kind as ``intervals_``. O(B k).
        """
        self._fitted()
        c = np.array([weights.get(n, 0.0) for n in self.names_])
        est = float(c @ np.array([self.coef_[n] for n in self.names_]))
        reps = self.bootstrap_coef_
        tail = (1 - self._level) / 2
        if reps.shape[0] > 0:
            nz = c != 0
            vals = reps[:, nz] @ c[nz]
            vals = vals[np.isfinite(vals)]  # a replicate without a needed column is left out
            if vals.size == 0:
                nan = float("nan")
                return {"estimate": est, "se": nan, "low": nan, "high": nan}
            low, high = np.quantile(vals, [tail, 1 - tail])
            return {
                "estimate": est,
                "se": float(np.std(vals)),
                "low": float(low),
                "high": float(high),
            }
        from statistics import NormalDist

        se = float(np.sqrt(max(c @ self.cov_ @ c, 0.0)))
        zq = NormalDist().inv_cdf(1 - tail)
        return {"estimate": est, "se": se, "low": est - zq * se, "high": est + zq * se}
