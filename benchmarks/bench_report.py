"""The report's Scenarios section: where its time goes, and how it grows with the runs.

Run: ``.venv/bin/python benchmarks/bench_report.py`` (add ``--quick`` for a short run).
On the embedded package, from the last day of its period, every shipped scenario over
ten years, prints for 50, 200 (the report's default) and 1000 runs per scenario:
1. the Monte Carlo runs (serial backend, all five scenarios), seconds;
2. the figures and the section's HTML, seconds (independent of the runs: the summaries
   have the same size whatever their number);
3. ``build_report`` with and without the section (the page alone draws the membership
   timeline; the CLI adds the strain series), at the default runs.
A first untimed pass warms the imports and Plotly's trace classes.
"""

from __future__ import annotations

import sys
import time


def main(quick: bool = False) -> None:
    from phalanx.kb import KnowledgeBase
    from phalanx.models.dynamics.state import default_start
    from phalanx.report.html import build_report
    from phalanx.report.scenarios import DEFAULT_RUNS, page_context, run_scenarios, scenarios_html

    kb = KnowledgeBase.embedded()
    org = kb.defaults.organization
    at = default_start(kb, org)
    scenarios_html(run_scenarios(kb, org, at, runs=10, years=2))  # warm-up
    print(f"scenarios section on {org} from {at}, 10 years, serial backend")
    print(f"{'runs':>6} {'runs s':>8} {'html s':>8} {'runs/s':>9}")
    for runs in (50, DEFAULT_RUNS) if quick else (50, DEFAULT_RUNS, 1000):
        t0 = time.perf_counter()
        ran = run_scenarios(kb, org, at, runs=runs)
        t1 = time.perf_counter()
        scenarios_html(ran, *page_context(kb, ran))
        t2 = time.perf_counter()
        total = runs * len(ran.runs)
        print(f"{runs:>6} {t1 - t0:>8.2f} {t2 - t1:>8.2f} {total / (t1 - t0):>9.0f}")
    t0 = time.perf_counter()
    build_report(kb, org, at, scenarios=[])
    t1 = time.perf_counter()
    build_report(kb, org, at)
    t2 = time.perf_counter()
    section = (t2 - t1) - (t1 - t0)
    print(
        f"build_report without scenarios {t1 - t0:.2f} s, with them {t2 - t1:.2f} s: "
        f"the section is {section / (t2 - t1):.0%} of the page at {DEFAULT_RUNS} runs"
    )


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
