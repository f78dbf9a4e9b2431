"""The summary of a membership-dynamics ensemble, accumulated chunk by chunk.

:class:`SummaryAccumulator` takes the engine's :class:`~phalanx.models.dynamics.types.
ChunkResult` blocks one after another (in replicate order) and keeps only counts, sums and
fixed-bin histograms, so an ensemble of any size is summarised in memory of O(Y N) plus
O(Y B) for the ``B``-bin histograms, never O(runs). :meth:`SummaryAccumulator.result` gives
plain, JSON-serialisable data (the shape documented in ``docs/simulate.md``):

- ``status_probabilities``: per simulated actor (candidates and the leader), year (the start
  included) and status (out, member, frozen, suspended), the share of runs, with a Wilson 95%
  interval (``count`` is the number of runs);
- ``first_exit``: the probability that at least one candidate has left by each year
  (``any``), the same per candidate (``by_actor``), and ``median_year``, the first year by
  which that probability reaches one half (None if it never does within the horizon);
- ``responses``: requests for assistance, their outcomes as categories (none, weak, strong),
  a 10-bin histogram on [0, 1] and what bound the answer;
- ``mechanisms``: the share of exits whose largest term was each mechanism;
- ``strain`` and ``capacity``: per year the mean and the 5, 25, 50, 75 and 95% quantiles;
- ``exits_by_actor``: the probability that each candidate has left at least once by the last
  year.

An exit is a move to OUT from MEMBER, FROZEN or SUSPENDED; it is read from the status paths,
so the first-exit figures need no request or exit table.

Quantiles come from a histogram of :data:`QUANTILE_BINS` equal bins on [0, 1]: each order
statistic is replaced by the middle of its bin and NumPy's default (linear) rule is applied
to those, so a quantile is within half a bin width (1 / (2 * QUANTILE_BINS) = 0.00025) of
``numpy.quantile`` of the same values. Means are summed in replicate order, one replicate
after another, so the summary does not depend on how the replicates were cut into chunks.

:func:`compare_runs` sets two summaries side by side: status probabilities as differences
with Newcombe's hybrid score interval, and the first-exit and strain medians.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from phalanx.experiments.intervals import newcombe_interval, wilson_interval
from phalanx.models.dynamics.types import BINDINGS, MECHANISMS, RESPONSE_CATEGORIES, ChunkResult

__all__ = [
    "STATUS_NAMES",
    "QUANTILES",
    "QUANTILE_BINS",
    "RESPONSE_BINS",
    "WEAK_BELOW",
    "SummaryAccumulator",
    "histogram_quantiles",
    "compare_runs",
]

STATUS_NAMES: tuple[str, ...] = ("out", "member", "frozen", "suspended")
"""Status names by code (the codes of ``kb/arrays.py``: OUT=0 ... SUSPENDED=3)."""

QUANTILES: tuple[float, ...] = (0.05, 0.25, 0.5, 0.75, 0.95)
"""The quantiles of the strain and capacity fans."""

QUANTILE_BINS = 2000
"""Bins of the streaming histograms on [0, 1]; quantiles are exact to half a bin width."""

RESPONSE_BINS = 10
"""Bins of the histogram of request outcomes on [0, 1]."""

WEAK_BELOW = 0.1
"""An outcome below this is the category "none"; up to ``answered_level`` it is "weak"."""

_DIGITS = 6


def _r(x: float) -> float | None:
    """A float for the summary: rounded to 6 decimals, None for NaN."""
    x = float(x)
    return None if np.isnan(x) else round(x, _DIGITS)


def _proportions(counts: np.ndarray, n: int | np.ndarray) -> tuple[np.ndarray, ...]:
    low, high = wilson_interval(counts, n)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.asarray(counts, dtype=float) / np.asarray(n, dtype=float)
    return p, low, high


def histogram_quantiles(
    counts: np.ndarray, quantiles: Sequence[float] = QUANTILES
) -> list[float | None]:
    """Quantiles of the values behind a histogram of equal bins on [0, 1].

    NumPy's linear rule on the order statistics, each taken as the middle of its bin; the
    error against ``numpy.quantile`` of the raw values is at most half a bin width. None
    for every quantile of an empty histogram. Cost O(bins + len(quantiles) log bins).
    """
    counts = np.asarray(counts, dtype=np.int64)
    n = int(counts.sum())
    if n == 0:
        return [None] * len(quantiles)
    bins = counts.size
    cum = np.cumsum(counts)
    mids = (np.arange(bins) + 0.5) / bins
    out: list[float | None] = []
    for q in quantiles:
        h = (n - 1) * float(q)
        lo = int(np.floor(h))
        hi = min(lo + 1, n - 1)
        # the bin holding order statistic k (0-based) is the first with cum > k
        b_lo = int(np.searchsorted(cum, lo, side="right"))
        b_hi = int(np.searchsorted(cum, hi, side="right"))
        v = mids[b_lo] + (h - lo) * (mids[b_hi] - mids[b_lo])
        out.append(_r(v))
    return out


class _Fan:
    """Per-year count, sum (in replicate order) and histogram of a quantity in [0, 1]."""

    def __init__(self, years: int, bins: int) -> None:
        self.bins = bins
        self.hist = np.zeros((years, bins), dtype=np.int64)
        self.n = np.zeros(years, dtype=np.int64)
        self.total = np.zeros(years, dtype=float)

    def add(self, values: np.ndarray, what: str) -> None:
        v = np.asarray(values, dtype=float)  # (R, years)
        ok = ~np.isnan(v)
        if np.any(v[ok] < 0.0) or np.any(v[ok] > 1.0):
            raise ValueError(f"{what} must lie in [0, 1]")
        years = v.shape[1]
        self.n += ok.sum(axis=0)
        # sequential sum (cumsum), one replicate after another: independent of chunking
        stacked = np.concatenate([self.total[None, :], np.where(ok, v, 0.0)], axis=0)
        self.total = np.cumsum(stacked, axis=0)[-1]
        idx = np.minimum((v[ok] * self.bins).astype(np.int64), self.bins - 1)
        year = np.broadcast_to(np.arange(years), v.shape)[ok]
        self.hist += np.bincount(year * self.bins + idx, minlength=years * self.bins).reshape(
            years, self.bins
        )

    def records(self, labels: Sequence[int], with_n: bool) -> list[dict[str, Any]]:
        rows = []
        for t, year in enumerate(labels):
            n = int(self.n[t])
            qs = histogram_quantiles(self.hist[t])
            row: dict[str, Any] = {"year": int(year), "mean": _r(self.total[t] / n) if n else None}
            row.update({f"q{round(q * 100):02d}": v for q, v in zip(QUANTILES, qs, strict=True)})
            if with_n:
                row["n"] = n
            rows.append(row)
        return rows


class SummaryAccumulator:
    """Streams chunk results into the summary of one ensemble.

    Parameters
    ----------
    actors : sequence of str
        The simulated actors, in the engine's order (``InitialState.actors``).
    leader : int
        Index of the leader in ``actors``.
    candidates : array of bool, shape (N,)
        The actors that may change status.
    start_year : int
        Calendar year of the start date (year index 0).
    years : int
        Simulated steps ``Y``; the summary covers ``Y + 1`` years.
    answered_level : float
        A request outcome at or above this is "strong" (the model's ``answered_level``).
    header : mapping
        Plain fields put first in the summary (run_id, scenario, seed, organization, start,
        data_version, parameters, ...).
    bins : int
        Bins of the strain and capacity histograms (default :data:`QUANTILE_BINS`).

    Feed :meth:`add` the chunks in replicate order; cost O(R (Y + 1) N) per chunk.
    """

    def __init__(
        self,
        *,
        actors: Sequence[str],
        leader: int,
        candidates: np.ndarray,
        start_year: int,
        years: int,
        answered_level: float,
        header: Mapping[str, Any] | None = None,
        bins: int = QUANTILE_BINS,
    ) -> None:
        self.actors = tuple(actors)
        n = len(self.actors)
        self.leader = int(leader)
        self.candidates = np.asarray(candidates, dtype=bool)
        if self.candidates.shape != (n,):
            raise ValueError("candidates must have one flag per actor")
        self.shown = np.flatnonzero(self.candidates | (np.arange(n) == self.leader))
        self.labels = [int(start_year) + t for t in range(years + 1)]
        self.answered_level = float(answered_level)
        self.header = dict(header or {})
        self.runs = 0
        self.status_counts = np.zeros((years + 1, n, len(STATUS_NAMES)), dtype=np.int64)
        self.left_by_actor = np.zeros((years + 1, n), dtype=np.int64)
        self.left_any = np.zeros(years + 1, dtype=np.int64)
        self.mechanisms = np.zeros(len(MECHANISMS), dtype=np.int64)
        self.categories = np.zeros(len(RESPONSE_CATEGORIES), dtype=np.int64)
        self.outcome_hist = np.zeros(RESPONSE_BINS, dtype=np.int64)
        self.bindings = np.zeros(len(BINDINGS), dtype=np.int64)
        self.strain = _Fan(years + 1, bins)
        self.capacity = _Fan(years + 1, bins)
        self._next: int | None = None

    def add(self, chunk: ChunkResult) -> None:
        """Count one chunk (its replicates must follow the previous chunk's)."""
        status = np.asarray(chunk.status)
        r, t1, n = status.shape
        if (t1, n) != self.status_counts.shape[:2]:
            raise ValueError(
                f"chunk of shape {status.shape} does not fit {t1 - 1} years and {n} actors"
            )
        ids = np.asarray(chunk.replicate, dtype=np.int64)
        if r and self._next is not None and int(ids[0]) != self._next:
            raise ValueError(f"chunks out of order: replicate {self._next} expected, got {ids[0]}")
        if r:
            self._next = int(ids[-1]) + 1
        self.runs += r
        for code in range(len(STATUS_NAMES)):
            self.status_counts[:, :, code] += (status == code).sum(axis=0)
        moved_out = (status[:, 1:, :] == 0) & (status[:, :-1, :] != 0)  # (R, Y, N)
        moved_out &= self.candidates[None, None, :]
        ever = np.logical_or.accumulate(moved_out, axis=1)
        self.left_by_actor[1:] += ever.sum(axis=0)
        self.left_any[1:] += ever.any(axis=2).sum(axis=0)
        exits = chunk.exits or {}
        if "mechanism" in exits and len(exits["mechanism"]):
            self.mechanisms += np.bincount(
                np.asarray(exits["mechanism"], dtype=np.int64), minlength=len(MECHANISMS)
            )[: len(MECHANISMS)]
        requests = chunk.requests or {}
        if "outcome" in requests and len(requests["outcome"]):
            o = np.asarray(requests["outcome"], dtype=float)
            cat = np.where(o < WEAK_BELOW, 0, np.where(o < self.answered_level, 1, 2))
            self.categories += np.bincount(cat, minlength=3)
            # bin k holds [k/10, (k+1)/10); o * 10 keeps 0.3 in bin 3, where np.histogram's
            # computed edges would put it in bin 2; 1.0 goes in the last bin
            b = np.clip(np.floor(o * RESPONSE_BINS).astype(np.int64), 0, RESPONSE_BINS - 1)
            self.outcome_hist += np.bincount(b, minlength=RESPONSE_BINS)
            self.bindings += np.bincount(
                np.asarray(requests["binding"], dtype=np.int64), minlength=len(BINDINGS)
            )[: len(BINDINGS)]
        self.strain.add(chunk.strain, "strain")
        self.capacity.add(chunk.capacity, "capacity")

    # --- the result ------------------------------------------------------------------

    def result(self) -> dict[str, Any]:
        """The summary as plain data (JSON-serialisable). Cost O(Y N + Y bins)."""
        runs = self.runs
        out: dict[str, Any] = dict(self.header)
        out["years"] = list(self.labels)
        out["actors"] = [self.actors[i] for i in self.shown]
        out["runs"] = runs
        out["status_probabilities"] = self._status_records()
        out["first_exit"] = self._first_exit()
        out["responses"] = self._responses()
        out["mechanisms"] = self._mechanisms()
        out["strain"] = self.strain.records(self.labels, with_n=True)
        out["capacity"] = self.capacity.records(self.labels, with_n=False)
        last = len(self.labels) - 1
        out["exits_by_actor"] = [
            {k: v for k, v in row.items() if k != "year"}
            for row in out["first_exit"]["by_actor"]
            if row["year"] == self.labels[last]
        ]
        return out

    def _status_records(self) -> list[dict[str, Any]]:
        p, low, high = _proportions(self.status_counts, self.runs)
        rows = []
        for i in self.shown:
            for t, year in enumerate(self.labels):
                for code, name in enumerate(STATUS_NAMES):
                    rows.append(
                        {
                            "actor": self.actors[i],
                            "year": year,
                            "status": name,
                            "probability": _r(p[t, i, code]),
                            "low": _r(low[t, i, code]),
                            "high": _r(high[t, i, code]),
                            "count": int(self.status_counts[t, i, code]),
                        }
                    )
        return rows

    def _first_exit(self) -> dict[str, Any]:
        p, low, high = _proportions(self.left_any, self.runs)
        anyrows = [
            {
                "year": year,
                "probability": _r(p[t]),
                "low": _r(low[t]),
                "high": _r(high[t]),
                "count": int(self.left_any[t]),
            }
            for t, year in enumerate(self.labels)
        ]
        median = next(
            (
                year
                for t, year in enumerate(self.labels)
                if self.runs and 2 * self.left_any[t] >= self.runs
            ),
            None,
        )
        pa, la, ha = _proportions(self.left_by_actor, self.runs)
        by_actor = [
            {
                "actor": self.actors[i],
                "year": year,
                "probability": _r(pa[t, i]),
                "low": _r(la[t, i]),
                "high": _r(ha[t, i]),
                "count": int(self.left_by_actor[t, i]),
            }
            for i in np.flatnonzero(self.candidates)
            for t, year in enumerate(self.labels)
        ]
        return {"any": anyrows, "by_actor": by_actor, "median_year": median}

    def _responses(self) -> dict[str, Any]:
        total = int(self.categories.sum())
        p, low, high = _proportions(self.categories, total)
        categories = [
            {
                "category": name,
                "count": int(self.categories[c]),
                "share": _r(p[c]),
                "low": _r(low[c]),
                "high": _r(high[c]),
            }
            for c, name in enumerate(RESPONSE_CATEGORIES)
        ]
        edges = [round(k / RESPONSE_BINS, 10) for k in range(RESPONSE_BINS + 1)]
        binding = [
            {
                "binding": name,
                "count": int(self.bindings[b]),
                "share": _r(self.bindings[b] / total) if total else None,
            }
            for b, name in enumerate(BINDINGS)
        ]
        return {
            "requests": total,
            "per_run_mean": _r(total / self.runs) if self.runs else None,
            "categories": categories,
            "histogram": {"edges": edges, "counts": [int(c) for c in self.outcome_hist]},
            "binding": binding,
        }

    def _mechanisms(self) -> list[dict[str, Any]]:
        total = int(self.mechanisms.sum())
        p, low, high = _proportions(self.mechanisms, total)
        return [
            {
                "mechanism": name,
                "exits": int(self.mechanisms[m]),
                "share": _r(p[m]),
                "low": _r(low[m]),
                "high": _r(high[m]),
            }
            for m, name in enumerate(MECHANISMS)
        ]


# --- two runs side by side ---------------------------------------------------------------


def _median(rows: Sequence[Mapping[str, Any]], year: int) -> float | None:
    for row in rows:
        if row["year"] == year:
            return row.get("q50")
    return None


def compare_runs(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    """Two run summaries side by side, with the Monte Carlo uncertainty of the differences.

    ``status``: for every (actor, year, status) present in both, the probabilities in ``a``
    and ``b`` and ``difference = a - b`` with Newcombe's hybrid score 95% interval, which
    treats the runs as independent ensembles: two runs with the same seed share their
    engine draws (common random numbers), are positively correlated, and then get an
    interval wider than it need be (conservative). ``first_exit``: the probability that some candidate has left
    by each common year, likewise, and both median years. ``strain``: the median strain of
    each per common year. Years are matched by calendar year, so runs with different start
    dates compare on the years they share. Cost O(records).
    """
    na, nb = int(a["runs"]), int(b["runs"])

    def keyed(rows: Sequence[Mapping[str, Any]], *keys: str) -> dict[tuple, Mapping[str, Any]]:
        return {tuple(r[k] for k in keys): r for r in rows}

    def differences(ra: Sequence[Mapping[str, Any]], rb: Sequence[Mapping[str, Any]], *keys: str):
        """Rows keyed by ``keys`` present in both, with a - b and its interval."""
        ka, kb = keyed(ra, *keys), keyed(rb, *keys)
        common = [k for k in ka if k in kb]
        xa = np.array([ka[k]["count"] for k in common], dtype=float)
        xb = np.array([kb[k]["count"] for k in common], dtype=float)
        d, lo, hi = newcombe_interval(xa, na, xb, nb)
        return [
            {
                **dict(zip(keys, k, strict=True)),
                "a": ka[k]["probability"],
                "b": kb[k]["probability"],
                "difference": _r(d[j]),
                "low": _r(lo[j]),
                "high": _r(hi[j]),
            }
            for j, k in enumerate(common)
        ]

    status = differences(
        a["status_probabilities"], b["status_probabilities"], "actor", "year", "status"
    )
    first = differences(a["first_exit"]["any"], b["first_exit"]["any"], "year")
    strain_years = [
        r["year"] for r in a["strain"] if any(s["year"] == r["year"] for s in b["strain"])
    ]
    return {
        "a": {k: a.get(k) for k in ("run_id", "scenario", "seed", "runs", "start")},
        "b": {k: b.get(k) for k in ("run_id", "scenario", "seed", "runs", "start")},
        "status": status,
        "first_exit": {
            "any": first,
            "median_year": {
                "a": a["first_exit"]["median_year"],
                "b": b["first_exit"]["median_year"],
            },
        },
        "strain": [
            {"year": y, "a_q50": _median(a["strain"], y), "b_q50": _median(b["strain"], y)}
            for y in strain_years
        ],
    }
