"""benchmarks/bench_discovery.py keeps working (it once broke when the posterior made its
outcome rare): --quick runs to the end and prints every figure; no timing is asserted."""

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_discovery.py"


def test_quick_runs_to_the_end():
    res = subprocess.run(
        [sys.executable, str(BENCH), "--quick"], capture_output=True, text=True, timeout=300
    )
    assert res.returncode == 0, res.stderr
    for what in ("points/s", "same outcomes on both backends: True", "PRIM on", "Sobol analysis"):
        assert what in res.stdout
