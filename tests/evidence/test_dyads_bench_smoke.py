"""benchmarks/bench_evidence.py keeps working: --quick prints every figure (no timing is
asserted), and without the validation data it says so and exits 0."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

pytest.importorskip("pandas")

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_evidence.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_evidence", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_without_the_data_it_says_so_and_exits_zero(bench, tmp_path, capsys):
    assert bench.main(["--quick", "--data", str(tmp_path)]) == 0
    assert "the validation data is not present" in capsys.readouterr().out


def test_quick_prints_every_figure(bench, validation_dir, capsys):
    assert bench.main(["--quick", "--data", str(validation_dir / "datasets")]) == 0
    out = capsys.readouterr().out
    for what in (
        "reader atop",
        "reader nmc v6 raw",
        "reader states",
        "all covariate files",
        "peak memory",
        "69,127 dyad-years, 3,011 spells",
        "weaker_new_major_pact",
    ):
        assert what in out, what
