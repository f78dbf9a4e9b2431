"""Broken data packages: every command ends with a result or a clean error, never a crash.

Each example copies the small ANZUS package into a fresh working folder, applies one to
three generated mutations (cells, files, ``datapackage.json``), and runs one command on it
through the real CLI (see ``harness.run_clean`` for what is checked).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from tests.property.conftest import PROFILE
from tests.property.harness import run_clean
from tests.property.strategies import apply_mutation, mutations

ANZUS = Path(__file__).resolve().parents[1] / "data" / "kb" / "anzus"

COMMANDS = (
    ("validate", "{pkg}"),
    ("validate", "{pkg}", "--json"),
    ("members", "ANZUS", "--at", "1990-01-01", "--data", "{pkg}", "--json"),
    ("members", "ANZUS", "--at", "1990-01-01", "--data", "{pkg}"),
    ("history", "NZL", "--data", "{pkg}"),
    ("show", "AUS", "--data", "{pkg}"),
    ("events", "--data", "{pkg}"),
    ("actors", "--data", "{pkg}", "--json"),
    ("strain", "ANZUS", "--at", "1990-01-01", "--data", "{pkg}", "--json"),
    ("strain", "ANZUS", "--from", "1990", "--to", "1991", "--data", "{pkg}"),
    ("align", "--at", "1990-01-01", "--actors", "AUS,NZL,USA", "--data", "{pkg}", "--json"),
    ("export", "--at", "1990-01-01", "--format", "csv", "--data", "{pkg}"),
    ("export", "--at", "1990-01-01", "--format", "json", "--data", "{pkg}"),
    ("export", "--at", "1990-01-01", "--format", "graphml", "--data", "{pkg}", "--out", "n.xml"),
)


@PROFILE
@given(muts=mutations, command=st.sampled_from(COMMANDS))
def test_broken_package_ends_cleanly(work_root, muts, command):
    cwd = Path(tempfile.mkdtemp(dir=work_root))
    pkg = cwd / "pkg"
    shutil.copytree(ANZUS, pkg)
    for m in muts:
        apply_mutation(pkg, m)
    run_clean([a.format(pkg=pkg) for a in command], cwd)
