"""Broken edge lists: ``phalanx balance`` ends with a result or a clean error."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from tests.property.conftest import PROFILE
from tests.property.harness import run_clean
from tests.property.strategies import edge_list


@PROFILE
@given(data=edge_list(), k=st.sampled_from(["1", "2", "3"]), as_json=st.booleans())
def test_broken_edge_list_ends_cleanly(work_root, data, k, as_json):
    cwd = Path(tempfile.mkdtemp(dir=work_root))
    (cwd / "edges.csv").write_bytes(data)
    args = ["balance", "edges.csv", "--k", k, "--time-limit", "5"] + (["--json"] if as_json else [])
    run_clean(args, cwd)
