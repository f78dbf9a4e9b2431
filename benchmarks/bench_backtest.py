"""Estimation and backtest: the cost of the hazard fit, its bootstrap and the rolling backtest.

Run: ``python benchmarks/bench_backtest.py [--quick] [--data FOLDER] [--write-fit FILE]``.
Builds the dyad-year table from the real files of ``../shared/validation/datasets`` (or
``--data``); when they are absent it says so and exits 0. Prints:

1. the time of one maximum-likelihood fit of the hazard (``HazardModel(bootstrap=0)``) on
   the full table, best of ``--repeat``, wall clock and CPU of this process;
2. the time of the cluster bootstrap (``B`` replicates: 200, ``--quick`` 20) over spells and
   over cohorts of spells, and its cost per replicate;
3. the time of the rolling backtest (four cut-offs, two horizons, five methods) with
   ``B`` score resamples per record;
4. the fitted coefficients with their intervals (both clusterings) and the backtest table,
   the figures that docs/evidence/estimation.md reports.

``--write-fit FILE`` also writes the fit summary (contract 4) of the spell-clustered fit.
BLAS is held to one thread so that other work on a shared machine moves the figures little.
No test asserts any of these figures.
"""

from __future__ import annotations

import argparse
import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "validation" / "datasets"
FILES = {
    "atop": "atop_v5_1_ddyr_full_peacesciencer.csv",
    "states": "cow_states2016_peacesciencer.csv",
    "nmc": "cow_nmc_v7_0_peacesciencer.csv",
    "mid": "cow_mid_v5_ddydisps_peacesciencer.csv",
    "rivalries": "td_rivalries_peacesciencer.csv",
    "majors": "cow_majors2016_peacesciencer.csv",
}


def real_table(folder: Path) -> Any | None:
    """The dyad-year table of the real files in ``folder``, or None when any is absent."""
    paths = {k: folder / v for k, v in FILES.items()}
    if not all(p.is_file() for p in paths.values()):
        return None
    from phalanx.evidence.dyads import build_dyad_years

    return build_dyad_years(**{k: str(p) for k, p in paths.items()})


def _timed(fn: Any) -> tuple[Any, float, float]:
    w0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w0, time.process_time() - c0


def bench_fit(table: Any, repeat: int) -> dict[str, float]:
    """Best wall and CPU seconds of one fit without bootstrap."""
    from phalanx.evidence.hazard import HazardModel

    best_w = best_c = float("inf")
    for _ in range(repeat):
        _, w, c = _timed(lambda: HazardModel(bootstrap=0).fit(table))
        best_w, best_c = min(best_w, w), min(best_c, c)
    return {"rows": len(table), "seconds": best_w, "cpu": best_c}


def bench_bootstrap(table: Any, reps: int, cluster: str) -> dict[str, Any]:
    """Wall and CPU seconds of a fit with ``reps`` cluster replicates; the fitted model."""
    from phalanx.evidence.hazard import HazardModel

    model, w, c = _timed(lambda: HazardModel(bootstrap=reps, seed=0, cluster=cluster).fit(table))
    return {"model": model, "seconds": w, "cpu": c, "per_replicate": w / max(reps, 1)}


def bench_backtest(table: Any, reps: int, **kwargs: Any) -> dict[str, Any]:
    """Wall and CPU seconds of the rolling backtest; its records."""
    from phalanx.evidence.backtest import rolling_backtest

    (records, reliability), w, c = _timed(
        lambda: rolling_backtest(table, bootstrap=reps, seed=0, **kwargs)
    )
    return {"records": records, "reliability": reliability, "seconds": w, "cpu": c}


def coefficient_lines(spell: Any, cohort: Any) -> list[str]:
    """The coefficient table, Markdown, with both kinds of interval."""
    lines = [
        "| coefficient | estimate | Wald se | 95% interval, spells | 95% interval, cohorts |",
        "|---|---|---|---|---|",
    ]
    for n in spell.names_:
        lo, hi = spell.intervals_[n]
        clo, chi = cohort.intervals_[n]
        lines.append(
            f"| {n} | {spell.coef_[n]:.3f} | {spell.se_[n]:.3f} | [{lo:.3f}, {hi:.3f}] "
            f"| [{clo:.3f}, {chi:.3f}] |"
        )
    return lines


def record_lines(records: list[dict[str, Any]]) -> list[str]:
    """The backtest table, Markdown."""
    lines = [
        "| cut-off | h | method | Brier [95%] | log score [95%] | n | events |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in records:
        lines.append(
            f"| {r['cutoff']} | {r['horizon']} | {r['method']} | {r['brier']:.4f} "
            f"[{r['brier_low']:.4f}, {r['brier_high']:.4f}] | {r['log_score']:.3f} "
            f"[{r['log_low']:.3f}, {r['log_high']:.3f}] | {r['n']} | {r['events']} |"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="20 replicates, one repeat")
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder of the real files")
    ap.add_argument("--repeat", type=int, default=3, help="repeats of the single fit")
    ap.add_argument("--write-fit", type=Path, default=None, help="write the fit summary here")
    args = ap.parse_args(argv)
    reps = 20 if args.quick else 200
    repeat = 1 if args.quick else args.repeat

    table = real_table(args.data)
    if table is None:
        print(f"the real files are not in {args.data}: nothing to measure")
        return 0
    print(f"dyad-year table: {len(table)} rows, {int(table['ends'].sum())} terminations")
    fit = bench_fit(table, repeat)
    print(f"1. one fit: {fit['seconds']:.2f} s wall, {fit['cpu']:.2f} s CPU ({fit['rows']} rows)")
    spell = bench_bootstrap(table, reps, "spell")
    cohort = bench_bootstrap(table, reps, "cohort")
    for name, b in (("spells", spell), ("cohorts", cohort)):
        print(
            f"2. bootstrap over {name}, {reps} replicates: {b['seconds']:.1f} s wall, "
            f"{b['cpu']:.1f} s CPU, {b['per_replicate'] * 1000:.0f} ms per replicate "
            f"({b['model'].n_clusters_} clusters)"
        )
    bt = bench_backtest(table, reps)
    print(
        f"3. rolling backtest, {len(bt['records'])} records, {reps} resamples each: "
        f"{bt['seconds']:.1f} s wall, {bt['cpu']:.1f} s CPU"
    )
    print("4. coefficients (log-odds per unit)")
    print("\n".join(coefficient_lines(spell["model"], cohort["model"])))
    print("   notes:", spell["model"].notes_, cohort["model"].notes_)
    print("\n".join(record_lines(bt["records"])))
    if args.write_fit is not None:
        from phalanx.evidence.priors import fit_summary, write_fit

        write_fit(args.write_fit, fit_summary(spell["model"], table), force=True)
        print(f"wrote {args.write_fit}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
