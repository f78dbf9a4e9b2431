"""A real browser (Playwright driving Debian's Chromium, W1's fixtures) runs a small
scenario from the Scenarios page to its fan chart, and a discovery job to its result."""

from __future__ import annotations

import json
import re
import urllib.request

import pytest

pytest.importorskip("fastapi")


@pytest.fixture(scope="module")
def jobs_server(live_server_factory, tmp_path_factory) -> str:
    """A live dashboard with a state folder of its own (no jobs of other tests)."""
    return live_server_factory(state_dir=tmp_path_factory.mktemp("browser-jobs-state"))


def _jobs(base: str) -> list[dict]:
    with urllib.request.urlopen(base + "api/jobs", timeout=10) as r:
        return json.load(r)["jobs"]


def test_a_small_scenario_runs_from_the_page_to_its_fan_chart(page, jobs_server):
    page.goto(jobs_server + "scenarios?scenario=long-war")
    page.fill("#runs", "8")
    page.fill("#years", "2")
    page.fill("#seed", "")
    row = page.locator('tr[data-driver="leader.capacity"]')
    row.locator(".driver-low").fill("0.3")
    row.locator(".driver-high").fill("0.35")
    page.click("#run-job")
    page.wait_for_url(re.compile(r".*/runs/long-war-[0-9-]+-[0-9a-f]{6}$"), timeout=90_000)
    page.wait_for_selector("#figure-status .main-svg", timeout=30_000)
    page.wait_for_selector("#figure-strain .main-svg", timeout=30_000)
    run_id = page.url.rsplit("/", 1)[1]
    (job,) = [j for j in _jobs(jobs_server) if j["run_id"] == run_id]
    assert job["spec"]["runs"] == 8 and job["spec"]["years"] == 2
    assert job["spec"]["drivers"] == {"leader.capacity": {"low": 0.3, "high": 0.35}}
    # the fresh seed is recorded with the job and shown on the run's page
    assert page.text_content("#run-seed").strip() == str(job["seed"])
    assert "leader.capacity 0.3 to 0.35" in page.text_content("#run-drivers")
    assert page.console_errors == [] and page.external_requests == []


def test_a_refused_job_shows_the_field(page, jobs_server):
    page.goto(jobs_server + "scenarios?scenario=long-war")
    page.fill("#runs", "3000")  # over the server's bound (2000)
    page.evaluate("document.getElementById('runs').removeAttribute('max')")
    page.click("#run-job")
    page.wait_for_selector("#job-text.error", timeout=30_000)
    text = page.text_content("#job-text")
    assert "runs" in text and "2000" in text
    assert page.external_requests == []


def test_a_discovery_job_runs_from_its_page(page, jobs_server):
    page.goto(jobs_server + "discovery")
    page.fill("#points", "20")
    page.fill("#runs_per_point", "2")
    page.fill("#seed", "9")
    page.uncheck("#sensitivity")
    page.click("#run-job")
    page.wait_for_url(re.compile(r".*/discovery\?job=[0-9a-f]{12}$"), timeout=120_000)
    page.wait_for_selector("#discovery-job", timeout=30_000)
    assert "seed 9" in page.text_content("main")
    assert page.console_errors == [] and page.external_requests == []
