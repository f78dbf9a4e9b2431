"""A real server (``phalanx serve`` in a subprocess) restarted on the same state folder: a
finished job and its result are still there, and a job that was running when the server
was killed, or stopped with Ctrl+C, is listed as interrupted with its reason."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

httpx = pytest.importorskip("httpx")
pytest.importorskip("fastapi")

from phalanx.web.jobs import INTERRUPTED_RUNNING, JobManager  # noqa: E402
from phalanx.web.settings import WebSettings  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
TINY = {"kind": "scenario", "scenario": "long-war", "runs": 4, "years": 2, "seed": 8}
LONG = {"kind": "scenario", "scenario": "long-war", "runs": 2000, "years": 15, "seed": 2}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``phalanx serve`` on a free loopback port with ``state`` as its state folder."""

    def __init__(self, state: Path, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
        cmd = [sys.executable, "-m", "phalanx", "serve", "--host", "127.0.0.1"]
        cmd += ["--port", str(self.port), "--state-dir", str(state)]
        self.log = log
        with log.open("a", encoding="utf-8") as out:
            self.proc = subprocess.Popen(
                cmd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited: {log.read_text()}")
            try:
                if httpx.get(self.url + "/api/jobs", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"the server did not answer: {log.read_text()}")

    def get(self, path: str) -> httpx.Response:
        return httpx.get(self.url + path, timeout=30)

    def post(self, path: str, body: dict) -> httpx.Response:
        return httpx.post(self.url + path, json=body, timeout=30)

    def wait(self, job_id: str, states: tuple[str, ...], timeout: float = 90) -> dict:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            job = self.get(f"/api/jobs/{job_id}").json()
            if job["status"] in states:
                return job
            time.sleep(0.1)
        raise AssertionError(f"job {job_id} never reached {states}: {job}")

    def stop(self) -> None:
        """Stop as Ctrl+C in a terminal does: SIGINT to the server and its workers."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def kill(self) -> None:
        """Kill the server outright: no shutdown code runs."""
        self.proc.kill()
        self.proc.wait()


def test_jobs_and_results_survive_a_restart_and_a_kill(tmp_path):
    state, log = tmp_path / "state", tmp_path / "server.log"
    first = Server(state, log)
    try:
        r = first.post("/api/jobs", TINY)
        assert r.status_code == 202, r.text
        done = first.wait(r.json()["id"], ("complete", "failed", "interrupted"))
        assert done["status"] == "complete", done
        summary = first.get(f"/runs/{done['run_id']}.json").json()["summary"]
    finally:
        first.stop()

    second = Server(state, log)
    try:
        again = second.get(f"/api/jobs/{done['id']}").json()
        assert again["status"] == "complete" and again["run_id"] == done["run_id"]
        assert second.get(f"/runs/{done['run_id']}.json").json()["summary"] == summary
        assert done["id"] in [j["id"] for j in second.get("/api/jobs").json()["jobs"]]
        page = second.get("/scenarios")
        assert page.status_code == 200 and done["run_id"] in page.text
        r = second.post("/api/jobs", LONG)
        assert r.status_code == 202, r.text
        running = second.wait(r.json()["id"], ("running",))
        time.sleep(0.5)  # the worker is under way
    finally:
        second.kill()

    third = Server(state, log)
    try:
        lost = third.get(f"/api/jobs/{running['id']}").json()
        assert lost["status"] == "interrupted", lost
        assert lost["reason"] == INTERRUPTED_RUNNING
        assert third.get(f"/api/jobs/{done['id']}").json()["status"] == "complete"
        assert third.get(f"/runs/{done['run_id']}").status_code == 200
        r = third.post("/api/jobs", LONG)
        stopped = third.wait(r.json()["id"], ("running",))
        time.sleep(0.5)
    finally:
        third.stop()
    # Ctrl+C while a job runs: the server itself marks it interrupted (not failed)
    with JobManager(WebSettings(state_dir=state)) as m:
        job = m.get(stopped["id"])
        assert (job["status"], job["reason"]) == ("interrupted", INTERRUPTED_RUNNING), job
