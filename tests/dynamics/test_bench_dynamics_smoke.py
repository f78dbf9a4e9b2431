"""benchmarks/bench_dynamics.py keeps working: its pieces at tiny sizes (no timing asserted)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

pytest.importorskip("mesa")

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_dynamics.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_dynamics", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_pieces_run_at_tiny_sizes(bench, tmp_path: Path) -> None:
    state = bench.embedded_state("2022-01-01")
    eng = bench.bench_engine(state, 20, 3, reps=1)
    ref = bench.bench_reference(state, 2, 3)
    assert eng["actor_years"] == 20 * 3 * state.n and eng["rate"] > 0
    assert ref["actor_years"] == 2 * 3 * state.n and ref["rate"] > 0
    e2e = bench.bench_end_to_end(30, 3, state.n)
    assert e2e["rate"] > 0
    mem = bench.memory_child(30, 2, tmp_path, workers=1)
    assert mem["archive_mb"] > 0 and "status" in mem["files"]


def test_quick_main_prints_every_figure(bench, capsys) -> None:
    bench.main(["--quick", "--skip", "scaling", "memory"])
    out = capsys.readouterr().out
    for what in ("engine run_chunk", "Mesa reference", "runner, serial", "target"):
        assert what in out
