"""Thin private wrapper around highspy: build a MILP/LP from arrays, solve it quietly.

HiGHS prints a banner on the C-level stdout the first time a solver object is made in
a process; that would corrupt ``--json`` output, so the first construction runs with
file descriptor 1 pointed at ``/dev/null``.
"""

from __future__ import annotations

import ctypes
import math
import os
import sys
from dataclasses import dataclass

import highspy
import numpy as np
import scipy.sparse as sp

_BANNER_DONE = False


def _flush_c_stdio() -> None:
    try:
        ctypes.CDLL(None).fflush(None)
    except (OSError, AttributeError):  # pragma: no cover - non-POSIX
        pass


def new_highs() -> highspy.Highs:
    """Return a silent ``highspy.Highs`` (suppressing the one-time banner)."""
    global _BANNER_DONE
    if _BANNER_DONE:
        h = highspy.Highs()
    else:
        try:
            sys.stdout.flush()
            saved = os.dup(1)
        except (OSError, ValueError, AttributeError):  # no usable fd 1
            saved = None
        if saved is None:
            h = highspy.Highs()
        else:
            devnull = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(devnull, 1)
                h = highspy.Highs()
                _flush_c_stdio()
            finally:
                os.dup2(saved, 1)
                os.close(saved)
                os.close(devnull)
        _BANNER_DONE = True
    h.setOptionValue("output_flag", False)
    return h


@dataclass
class Solved:
    """Outcome of one solve: primal values, objective, dual bound, status flags."""

    x: np.ndarray | None
    objective: float
    dual_bound: float
    optimal: bool
    status: str
    #: Which limit stopped the solve before optimality: None, "time" (wall clock, depends
    #: on the machine) or "work" (node or iteration count, deterministic).
    limit: str | None = None


def solve(
    c: np.ndarray,
    A: sp.csr_matrix,
    row_lo: np.ndarray,
    row_hi: np.ndarray,
    col_lo: np.ndarray,
    col_hi: np.ndarray,
    integer: np.ndarray | None = None,
    *,
    time_limit: float | None = None,
    start: np.ndarray | None = None,
    abs_gap: float = 1e-6,
    seed: int | None = None,
    node_limit: int | None = None,
) -> Solved:
    """Minimise ``c @ x`` subject to ``row_lo <= A x <= row_hi`` and column bounds.

    ``time_limit`` (s, wall clock) and ``node_limit`` (branch-and-bound nodes of a MIP,
    HiGHS ``mip_max_nodes``; a deterministic work limit) stop the solve early; the result
    says which one did in ``limit``. ``seed`` is HiGHS's ``random_seed`` (MIP callers draw
    it from their own generator; None keeps HiGHS's fixed default, fine for an LP).
    """
    A = sp.csr_matrix(A)
    n_col, n_row = int(c.size), int(A.shape[0])
    lp = highspy.HighsLp()
    lp.num_col_ = n_col
    lp.num_row_ = n_row
    lp.col_cost_ = np.asarray(c, dtype=np.float64)
    lp.col_lower_ = np.asarray(col_lo, dtype=np.float64)
    lp.col_upper_ = np.asarray(col_hi, dtype=np.float64)
    lp.row_lower_ = np.asarray(row_lo, dtype=np.float64)
    lp.row_upper_ = np.asarray(row_hi, dtype=np.float64)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_ = n_col
    lp.a_matrix_.num_row_ = n_row
    lp.a_matrix_.start_ = A.indptr.astype(np.int32)
    lp.a_matrix_.index_ = A.indices.astype(np.int32)
    lp.a_matrix_.value_ = A.data.astype(np.float64)
    is_mip = integer is not None and bool(np.any(integer))
    if is_mip:
        lp.integrality_ = [
            highspy.HighsVarType.kInteger if f else highspy.HighsVarType.kContinuous
            for f in integer
        ]
    h = new_highs()
    if seed is not None:
        h.setOptionValue("random_seed", int(seed) % 2147483647)
    h.setOptionValue("threads", 1)
    if time_limit is not None:
        h.setOptionValue("time_limit", float(max(time_limit, 1e-3)))
    if node_limit is not None and is_mip:
        h.setOptionValue("mip_max_nodes", int(max(node_limit, 0)))
    if is_mip:
        h.setOptionValue("mip_rel_gap", 0.0)
        h.setOptionValue("mip_abs_gap", float(abs_gap))
    h.passModel(lp)
    if start is not None and is_mip:
        sol = highspy.HighsSolution()
        sol.col_value = np.asarray(start, dtype=np.float64).tolist()
        sol.value_valid = True
        h.setSolution(sol)
    h.run()
    status = h.getModelStatus()
    name = h.modelStatusToString(status)
    info = h.getInfo()
    optimal = status == highspy.HighsModelStatus.kOptimal
    has_sol = info.primal_solution_status == 2  # kSolutionStatusFeasible
    x = np.asarray(h.getSolution().col_value, dtype=np.float64) if has_sol else None
    obj = float(info.objective_function_value) if has_sol else math.inf
    if is_mip:
        dual = float(info.mip_dual_bound)
        if not math.isfinite(dual):
            dual = -math.inf
    else:
        dual = obj if optimal else -math.inf
    limit = None
    if status == highspy.HighsModelStatus.kTimeLimit:
        limit = "time"
    elif status in (
        highspy.HighsModelStatus.kSolutionLimit,
        highspy.HighsModelStatus.kIterationLimit,
    ):
        limit = "work"
    return Solved(x, obj, dual, optimal, name, limit)


class CoveringLP:
    """Incremental covering LP ``min w.f`` s.t. ``sum_{e in S} f_e >= 1`` per row, f >= 0.

    Rows (sets of column indices) are added in batches with :meth:`add`; each
    :meth:`solve` re-optimises from the previous basis (dual simplex). The value
    returned by :meth:`solve` is certified from the row duals: ``y = max(dual, 0)``
    scaled down until ``A^T y <= w``, so it is a valid lower bound whatever the solver
    tolerances (weak duality).
    """

    def __init__(self, w: np.ndarray) -> None:
        self.w = np.asarray(w, dtype=np.float64)
        m = self.w.size
        self.h = new_highs()
        self.h.setOptionValue("threads", 1)
        self.h.setOptionValue("presolve", "off")
        self.h.addCols(
            m,
            self.w,
            np.zeros(m),
            np.full(m, highspy.kHighsInf),
            0,
            np.zeros(0, dtype=np.int32),
            np.zeros(0, dtype=np.int32),
            np.zeros(0),
        )
        self._idx: list[np.ndarray] = []
        self._lens: list[np.ndarray] = []
        self.n_rows = 0

    def add(self, sets: list) -> None:
        """Add rows; each set lists distinct column indices."""
        if not sets:
            return
        lens = np.fromiter((len(r) for r in sets), dtype=np.int64, count=len(sets))
        idx = np.fromiter((e for r in sets for e in r), dtype=np.int32, count=int(lens.sum()))
        starts = np.zeros(len(sets), dtype=np.int32)
        np.cumsum(lens[:-1], out=starts[1:])
        self.h.addRows(
            len(sets),
            np.ones(len(sets)),
            np.full(len(sets), highspy.kHighsInf),
            int(idx.size),
            starts,
            idx,
            np.ones(idx.size),
        )
        self._idx.append(idx)
        self._lens.append(lens)
        self.n_rows += len(sets)

    def solve(self, time_limit: float | None = None) -> tuple[float, np.ndarray | None]:
        """Certified lower bound and the primal solution (None if not solved)."""
        if not self.n_rows:
            return 0.0, np.zeros(self.w.size)
        if time_limit is not None:
            self.h.setOptionValue("time_limit", float(max(time_limit, 1e-3)))
        self.h.run()
        if self.h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return 0.0, None
        sol = self.h.getSolution()
        f = np.asarray(sol.col_value, dtype=np.float64)
        y = np.maximum(np.asarray(sol.row_dual, dtype=np.float64), 0.0)
        if len(self._idx) > 1:
            self._idx, self._lens = [np.concatenate(self._idx)], [np.concatenate(self._lens)]
        aty = np.bincount(self._idx[0], weights=np.repeat(y, self._lens[0]), minlength=self.w.size)
        pos = self.w > 0
        scale = max(1.0, float(np.max(aty[pos] / self.w[pos], initial=0.0)))
        if np.any(aty[~pos] > 0):
            return 0.0, f
        return float(y.sum() / scale), f
