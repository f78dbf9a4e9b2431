"""The dashboard's job manager, without the web layer: jobs run in worker processes, are
bounded, time out, survive a dead worker and a restart, and record their seeds."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import yaml

from phalanx.errors import UserError
from phalanx.experiments.scenario import load_scenario
from phalanx.experiments.sensitivity import largest_base_samples
from phalanx.web.jobs import (
    INTERRUPTED_QUEUED,
    INTERRUPTED_RUNNING,
    JobManager,
    JobRefused,
    UnknownJob,
)
from phalanx.web.settings import WebSettings

ROOT = Path(__file__).resolve().parents[2]

TINY = {"kind": "scenario", "scenario": "long-war", "runs": 4, "years": 2, "seed": 11}
# big enough to run for many seconds on a shared machine (stopped long before it ends)
LONG = {"kind": "scenario", "scenario": "long-war", "runs": 2000, "years": 15, "seed": 1}


def settings(tmp_path: Path, **kw) -> WebSettings:
    return WebSettings(state_dir=tmp_path / "state", **kw)


def db_pid(state: Path, job_id: str) -> int | None:
    con = sqlite3.connect(state / "jobs.sqlite")
    try:
        return con.execute("SELECT pid FROM jobs WHERE id=?", (job_id,)).fetchone()[0]
    finally:
        con.close()


def wait_running(m: JobManager, job_id: str, timeout: float = 30) -> dict:
    """The job once its worker has started (its pid recorded)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        job = m.get(job_id)
        if job["status"] == "running" and db_pid(m.root, job_id):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not start: {m.get(job_id)}")


def gone(pid: int, timeout: float = 10) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        # a zombie child of this process counts as gone once reaped by its parent
        try:
            with open(f"/proc/{pid}/stat") as fh:
                if fh.read().split()[2] == "Z":
                    return True
        except OSError:
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def manager(tmp_path):
    m = JobManager(settings(tmp_path))
    m.start()
    yield m
    m.shutdown()


def test_a_tiny_job_runs_in_a_worker_and_is_archived(manager):
    job = manager.submit(TINY)
    assert job["status"] in ("queued", "running") and job["total"] == 4 and job["seed"] == 11
    done = manager.wait(job["id"], 60)
    assert done["status"] == "complete", done
    assert done["done"] == done["total"] == 4 and done["fraction"] == 1.0
    assert done["started"] and done["finished"] and done["run_id"]
    result = manager.result(job["id"])
    assert result["summary"]["runs"] == 4 and result["metadata"]["seed"] == 11
    folder = manager.root / "runs" / done["run_id"]
    assert (folder / "summary.json").is_file() and (folder / "status").is_dir()
    # it ran in another process: the worker's pid is not this one
    assert db_pid(manager.root, job["id"]) not in (None, os.getpid())
    assert manager.progress(job["id"])["status"] == "complete"
    assert [j["id"] for j in manager.list()] == [job["id"]]


def test_changed_drivers_are_what_the_run_archives(manager):
    spec = {**TINY, "drivers": {"leader.capacity": {"low": 0.2, "high": 0.25}}}
    done = manager.wait(manager.submit(spec)["id"], 60)
    assert done["status"] == "complete", done
    folder = manager.root / "runs" / done["run_id"]
    ran = yaml.safe_load((folder / "scenario.yaml").read_text())
    assert ran["leader"]["capacity"] == {"low": 0.2, "high": 0.25}
    meta = json.loads((folder / "metadata.json").read_text())
    assert meta["scenario"]["sha256"] != load_scenario("long-war").sha256


@pytest.mark.parametrize("package", ["anzus", "triple-alliance"])
def test_other_alliances_run_too(tmp_path, package):
    from phalanx.kb import KnowledgeBase

    folder = ROOT / "tests" / "data" / "kb" / package
    org = KnowledgeBase.from_path(folder).defaults.organization
    with JobManager(settings(tmp_path, data=str(folder))) as m:
        done = m.wait(m.submit({**TINY, "scenario": "baseline"})["id"], 60)
        assert done["status"] == "complete", done
        assert m.result(done["id"])["metadata"]["organization"] == org


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"runs": 2001}, "runs"),
        ({"years": 16}, "years"),
        ({"runs": 0}, "runs"),
        ({"seed": -1}, "seed"),
        ({"scenario": "no-such"}, "scenario"),
        ({"scenario": "../../etc/passwd"}, "scenario"),
        ({"drivers": {"leader.nothing": {"low": 0, "high": 1}}}, "drivers.leader.nothing"),
        ({"drivers": {"leader.capacity": {"low": 0.5, "high": 0.4}}}, "drivers.leader.capacity"),
        ({"drivers": {"leader.war.years": {"low": 1.5, "high": 3}}}, "drivers.leader.war.years"),
        ({"start": "not a date"}, "start"),
        ({"extra": 1}, "extra"),
    ],
)
def test_bad_scenario_specs_name_their_field(manager, change, field):
    with pytest.raises(UserError) as e:
        manager.submit({**TINY, **change})
    assert e.value.field == field
    assert manager.list() == []  # nothing was queued


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"points": 201}, "points"),
        ({"outcome": "__import__('os').system('x')"}, "outcome"),
        ({"outcome": "exits by 2031"}, "outcome"),  # a number, not yes/no
        ({"outcome": "exits >= 1 by 2090"}, "outcome"),  # beyond max_years
        ({"runs_per_point": 2001}, "runs_per_point"),
    ],
)
def test_bad_discovery_specs_name_their_field(manager, change, field):
    spec = {"kind": "discovery", "scenario": "long-war", "outcome": "exits >= 1 by 2030"}
    with pytest.raises(UserError) as e:
        manager.submit({**spec, **change})
    assert e.value.field == field


def test_jobs_beyond_the_bounds_are_refused_with_the_reason(tmp_path):
    with JobManager(settings(tmp_path, max_jobs=1, max_queued=1)) as m:
        first = m.submit(LONG)
        m.submit(LONG)
        with pytest.raises(JobRefused) as e:
            m.submit(TINY)
        assert "1 running and 1 waiting" in str(e.value) or "0 running and 2 waiting" in str(
            e.value
        )
        assert "at most 1 at once" in str(e.value) and e.value.field == "job"
        wait_running(m, first["id"])
        assert [j["status"] for j in m.list()].count("queued") == 1
    # shut down: the running one and the waiting one are interrupted, with their reasons
    with JobManager(settings(tmp_path)) as m:
        reasons = sorted(j["reason"] for j in m.list())
        assert reasons == sorted([INTERRUPTED_RUNNING, INTERRUPTED_QUEUED])
        assert {j["status"] for j in m.list()} == {"interrupted"}


def test_a_job_over_the_timeout_is_stopped(tmp_path):
    with JobManager(settings(tmp_path, job_timeout=1.5)) as m:
        job = m.submit(LONG)
        pid = db_pid(m.root, wait_running(m, job["id"])["id"])
        done = m.wait(job["id"], 30)
        assert done["status"] == "failed"
        assert done["reason"] == "timed out after 1.5 s"
        assert gone(pid)


def test_a_killed_worker_fails_its_job_and_the_next_one_runs(tmp_path):
    with JobManager(settings(tmp_path, max_jobs=1)) as m:
        job = m.submit(LONG)
        after = m.submit(TINY)
        wait_running(m, job["id"])
        os.kill(db_pid(m.root, job["id"]), signal.SIGKILL)
        done = m.wait(job["id"], 30)
        assert done["status"] == "failed"
        assert done["reason"] == "the worker process stopped unexpectedly (signal 9)"
        assert m.wait(after["id"], 60)["status"] == "complete"


def test_a_restarted_manager_lists_finished_jobs_with_their_results(tmp_path):
    with JobManager(settings(tmp_path)) as m:
        job = m.wait(m.submit(TINY)["id"], 60)
    with JobManager(settings(tmp_path)) as again:
        found = again.get(job["id"])
        assert found["status"] == "complete" and found["run_id"] == job["run_id"]
        assert again.result(job["id"])["summary"]["runs"] == 4
        assert found["mine"] is False


def test_a_live_manager_keeps_its_jobs_when_another_starts(tmp_path):
    with JobManager(settings(tmp_path)) as a:
        job = a.submit(LONG)
        wait_running(a, job["id"])
        with JobManager(settings(tmp_path)) as b:
            assert b.get(job["id"])["status"] == "running"
        # b's shutdown leaves a's job alone
        assert a.get(job["id"])["status"] == "running"


KILLED_SERVER = """
import sys, time
from phalanx.web.jobs import JobManager
from phalanx.web.settings import WebSettings

if __name__ == "__main__":
    m = JobManager(WebSettings(state_dir=sys.argv[1]))
    m.start()
    job = m.submit({spec})
    while m.get(job["id"])["status"] != "running":
        time.sleep(0.05)
    print(job["id"], flush=True)
    time.sleep(600)
"""


def test_jobs_of_a_killed_manager_are_interrupted_never_lost(tmp_path):
    state = tmp_path / "state"
    script = tmp_path / "server.py"
    script.write_text(textwrap.dedent(KILLED_SERVER.replace("{spec}", repr(LONG))))
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen(
        [sys.executable, str(script), str(state)], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        job_id = proc.stdout.readline().strip()
        assert len(job_id) == 12, job_id
        deadline = time.monotonic() + 30
        while not db_pid(state, job_id) and time.monotonic() < deadline:
            time.sleep(0.05)
        worker = db_pid(state, job_id)
    finally:
        proc.kill()
        proc.wait()
    with JobManager(WebSettings(state_dir=state)) as m:
        job = m.get(job_id)
        assert job["status"] == "interrupted" and job["reason"] == INTERRUPTED_RUNNING
    assert gone(worker), "the orphaned worker stops by itself"
    with JobManager(WebSettings(state_dir=state)) as m:  # and stays interrupted
        assert m.get(job_id)["status"] == "interrupted"


def test_unknown_jobs(manager):
    for bad in ("0123456789ab", "../../x", ""):
        with pytest.raises(UnknownJob):
            manager.get(bad)


def test_seeds_are_fresh_recorded_and_repeat_the_same_bytes(manager):
    fresh = [manager.submit({**TINY, "seed": None}) for _ in range(2)]
    seeds = [j["seed"] for j in fresh]
    assert all(isinstance(s, int) and 0 <= s < 2**53 for s in seeds) and seeds[0] != seeds[1]
    for j in fresh:
        assert j["spec"]["seed"] == j["seed"]
        assert manager.wait(j["id"], 60)["status"] == "complete"
        assert manager.result(j["id"])["metadata"]["seed"] == j["seed"]
    again = [manager.wait(manager.submit(TINY)["id"], 60) for _ in range(2)]
    a, b = (manager.root / "runs" / j["run_id"] for j in again)
    assert a != b
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    for rel in files:
        if rel.name != "metadata.json":
            assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel
    ma, mb = (json.loads((f / "metadata.json").read_text()) for f in (a, b))
    for key in ("run_id", "created", "elapsed_seconds"):
        ma.pop(key), mb.pop(key)
    assert ma == mb


def test_a_discovery_job_gives_boxes_and_indices(manager):
    spec = {
        "kind": "discovery",
        "scenario": "long-war",
        "outcome": "exits >= 1 by 2030",
        "points": 100,
        "runs_per_point": 2,
        "seed": 3,
    }
    job = manager.submit(spec)
    done = manager.wait(job["id"], 120)
    assert done["status"] == "complete", done
    result = manager.result(job["id"])
    d = len(result["discovery"]["factors"])
    n = largest_base_samples(100, d)
    assert done["total"] == 100 + (0 if n is None else n * (d + 2)) == done["done"]
    assert result["discovery"]["metadata"]["seed"] == 3
    assert result["discovery"]["cases"]["n"] == 100
    if n is None:
        assert "Sobol indices need" in result["sensitivity_note"]
    else:
        assert {r["factor"] for r in result["sensitivity"]["indices"]} <= {
            f["name"] for f in result["discovery"]["factors"]
        }


def test_sobol_samples_by_hand():
    # N (d + 2) <= points, N a power of two >= 8
    assert largest_base_samples(79, 8) is None and largest_base_samples(80, 8) == 8
    assert largest_base_samples(159, 8) == 8 and largest_base_samples(160, 8) == 16
    assert largest_base_samples(100, 0) is None


def test_a_state_folder_that_cannot_be_used_is_a_user_error(tmp_path):
    blocker = tmp_path / "state"
    blocker.write_text("a file, not a folder")
    with pytest.raises(UserError) as e:
        JobManager(WebSettings(state_dir=blocker)).start()
    assert e.value.field == "state_dir"
