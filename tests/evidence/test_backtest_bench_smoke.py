"""benchmarks/bench_backtest.py keeps working: its pieces on a small synthetic table, and a
clean exit without the real files (no timing is asserted)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from tests.evidence.test_hazard_synthetic import synthetic_table

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_backtest.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_backtest", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_pieces_run_on_a_small_table(bench):
    table = synthetic_table(n_spells=300, seed=9)
    assert bench.bench_fit(table, 1)["rows"] == len(table)
    spell = bench.bench_bootstrap(table, 10, "spell")
    cohort = bench.bench_bootstrap(table, 10, "cohort")
    assert cohort["model"].n_clusters_ < spell["model"].n_clusters_
    lines = bench.coefficient_lines(spell["model"], cohort["model"])
    assert len(lines) == 2 + len(spell["model"].names_)
    bt = bench.bench_backtest(table, 10, cutoffs=(1990,), horizons=(5,))
    assert len(bench.record_lines(bt["records"])) == 2 + 5


def test_without_the_real_files_it_says_so(bench, tmp_path, capsys):
    assert bench.main(["--quick", "--data", str(tmp_path)]) == 0
    assert "not in" in capsys.readouterr().out
