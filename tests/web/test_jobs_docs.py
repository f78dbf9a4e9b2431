"""The jobs part of docs/web.md states the bounds' defaults WebSettings declares."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from phalanx.web.settings import WebSettings

DOC = (Path(__file__).resolve().parents[2] / "docs" / "web.md").read_text(encoding="utf-8")
JOBS = DOC.split("## Background jobs", 1)[1].split("\n## ", 1)[0]


@pytest.mark.parametrize(
    "name", ["max_runs", "max_years", "max_design_points", "max_jobs", "max_queued", "job_timeout"]
)
def test_each_bound_and_its_default(name):
    row = re.search(rf"^\| `{name}` \| ([0-9.]+)( s)? \|", JOBS, flags=re.M)
    assert row, f"docs/web.md's jobs part has no row for {name}"
    assert float(row.group(1)) == getattr(WebSettings(), name)


def test_the_job_states_and_reasons_are_the_code_s():
    from phalanx.web.jobs import INTERRUPTED_QUEUED, INTERRUPTED_RUNNING, STATUSES

    for text in (INTERRUPTED_RUNNING, INTERRUPTED_QUEUED, *STATUSES):
        assert text in " ".join(JOBS.split()), text
