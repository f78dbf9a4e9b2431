"""Shared fixtures: paths to the project's own test data and to ../shared/validation."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
VALIDATION = ROOT.parent / "shared" / "validation"


@pytest.fixture
def anzus(tmp_path: Path) -> Path:
    """A writable copy of the small ANZUS package, to break in a test."""
    dest = tmp_path / "anzus"
    shutil.copytree(DATA / "kb" / "anzus", dest)
    return dest


@pytest.fixture
def validation_dir() -> Path:
    """The shared validation data; the test is skipped when it is absent."""
    if not VALIDATION.is_dir():
        pytest.skip("../shared/validation is not present")
    return VALIDATION
