"""Hypothesis profiles of the robustness suite, and its fixtures.

Two profiles, chosen with the ``HYPOTHESIS_PROFILE`` environment variable:

``property`` (the default, used by ``make test``)
    Few examples per test (``max_examples=40``), so that the whole suite stays well under
    60 seconds. Each example still has a per-example ``deadline`` and a hard timeout.
``nightly``
    Many more examples (``max_examples=1000``) for a nightly job:
    ``HYPOTHESIS_PROFILE=nightly .venv/bin/python -m pytest tests/property``.

The profiles are applied to this folder's tests only (each test is decorated with
``PROFILE``), so loading them does not change the settings of Hypothesis tests elsewhere.
Each example gets a hard timeout of ``HARD_TIMEOUT_S`` seconds (``signal.setitimer``); an
example that takes longer counts as a hang and fails the test.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

_COMMON = dict(
    deadline=20_000,  # ms per example: a generous bound, the hard timeout below is the real guard
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
    derandomize=False,
    print_blob=True,
)
settings.register_profile("property", max_examples=40, **_COMMON)
settings.register_profile("nightly", max_examples=1000, **_COMMON)

PROFILE_NAME = os.environ.get("HYPOTHESIS_PROFILE", "property")
if PROFILE_NAME not in ("property", "nightly"):
    PROFILE_NAME = "property"
PROFILE = settings.get_profile(PROFILE_NAME)

HARD_TIMEOUT_S = 30.0


@pytest.fixture(scope="session")
def work_root() -> Iterator[Path]:
    """A private folder under which every example gets its own fresh working folder."""
    with tempfile.TemporaryDirectory(prefix="phalanx-property-") as d:
        yield Path(d)
