"""The checks of the robustness harness can fail: an escape and a hang are caught."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.property.harness import Hang, hard_timeout, run_clean

ANZUS = Path(__file__).resolve().parents[1] / "data" / "kb" / "anzus"


def test_a_file_written_outside_the_working_folder_is_caught(tmp_path):
    cwd = tmp_path / "work"
    cwd.mkdir()
    args = [
        "export",
        "--at",
        "1990-01-01",
        "--format",
        "csv",
        "--data",
        str(ANZUS),
        "--out",
        "../escaped.csv",
    ]
    with pytest.raises(AssertionError, match="appeared next to the working folder"):
        run_clean(args, cwd)
    assert (tmp_path / "escaped.csv").is_file()


def test_a_result_inside_the_working_folder_passes(tmp_path):
    args = [
        "export",
        "--at",
        "1990-01-01",
        "--format",
        "csv",
        "--data",
        str(ANZUS),
        "--out",
        "edges.csv",
    ]
    assert run_clean(args, tmp_path).exit_code == 0
    assert (tmp_path / "edges.csv").read_text().startswith("source,target,sign")


def test_a_hang_is_interrupted():
    with pytest.raises(Hang), hard_timeout(0.2):
        while True:
            time.sleep(0.01)
