"""Start-up time of the CLI: median wall time of ``phalanx --help``, ``phalanx --version``
and ``python -c pass`` (the interpreter alone) over N fresh subprocesses.

Run: ``.venv/bin/python benchmarks/bench_startup.py [N] [--src PATH]``. ``--src`` points at
another checkout's ``src`` folder (e.g. an export of the main branch) to measure it the
same way, for a before/after comparison. The target is under 0.3 s for ``--help``.

Figures on the development machine (median of 15 runs), main at 7ca680c (every command
module imported at start-up, DuckDB, SciPy, HiGHS and networkx with them) against branch
cli (command modules imported when their command runs):

    command               before    after
    python -c pass        0.009 s   0.009 s
    phalanx --help        0.951 s   0.129 s
    phalanx --version     (none)    0.054 s
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time


def median_seconds(argv: list[str], runs: int, env: dict[str, str]) -> float:
    """Median wall time, in seconds, of running ``argv`` ``runs`` times (after one warm-up)."""
    subprocess.run(argv, env=env, capture_output=True, check=False)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        done = subprocess.run(argv, env=env, capture_output=True, check=False)
        times.append(time.perf_counter() - t0)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} failed:\n{done.stderr.decode(errors='replace')}")
    return statistics.median(times)


def main() -> None:
    args = sys.argv[1:]
    env = dict(os.environ)
    if "--src" in args:
        i = args.index("--src")
        env["PYTHONPATH"] = os.path.abspath(args[i + 1])
        del args[i : i + 2]
    runs = int(args[0]) if args else 15
    py = sys.executable
    cases = [
        ("python -c pass", [py, "-c", "pass"]),
        ("phalanx --help", [py, "-m", "phalanx", "--help"]),
        ("phalanx --version", [py, "-m", "phalanx", "--version"]),
    ]
    print(f"median wall time over {runs} runs ({env.get('PYTHONPATH', 'installed package')})")
    for label, argv in cases:
        try:
            print(f"  {label:<20} {median_seconds(argv, runs, env):.3f} s")
        except SystemExit as e:  # e.g. --version on a checkout that lacks it
            print(f"  {label:<20} failed ({str(e).splitlines()[-1][:60]})")


if __name__ == "__main__":
    main()
