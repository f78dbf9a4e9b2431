"""A bounded load test of the dashboard, on loopback only.

Run: ``.venv/bin/python benchmarks/bench_web.py`` (``--quick`` for a short run;
``--clients N``, ``--requests N`` per kind, ``--jobs N`` to change the load).
Starts ``phalanx serve`` on a free 127.0.0.1 port with a temporary state folder (and
``--max-queued`` large enough that no submission is refused), then ``clients`` threads,
each with its own HTTP connection, share a fixed list of requests of three kinds:

- ``page``: the HTML pages (those the server has: a page that answers 404 at the warm-up
  is left out and named);
- ``api``: the JSON twins and the job API (``/api/jobs``, one job, ``/scenarios.json``);
- ``submit``: ``POST /api/jobs`` of a small scenario ensemble (20 runs, 3 years, a fresh
  seed each).

Prints the latency percentiles (p50, p90, p99, max, in milliseconds) per kind, the errors
(any answer other than the one expected, or a failed connection: must be 0), and the jobs
submitted against those found finished afterwards (none may be lost). Exits with 1 when
there are errors or lost jobs. The numbers depend on the machine and on what else runs;
they are for comparing versions on one machine, not a promise.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HOST = "127.0.0.1"  # loopback only: this script never talks to another machine
ROOT = Path(__file__).resolve().parents[1]
PAGES = [
    "/",
    "/timeline",
    "/network",
    "/alignment",
    "/scenarios",
    "/discovery",
    "/data",
    "/compare",
]
APIS = ["/api/jobs", "/scenarios.json", "/index.json", "/discovery.json"]
JOB = {"kind": "scenario", "scenario": "long-war", "runs": 20, "years": 3}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _start(state: Path, max_queued: int) -> tuple[subprocess.Popen, str]:
    import httpx

    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    cmd = [sys.executable, "-m", "phalanx", "serve", "--host", HOST, "--port", str(port)]
    cmd += ["--state-dir", str(state), "--max-queued", str(max_queued)]
    log = open(state.parent / "server.log", "w")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://{HOST}:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited: {(state.parent / 'server.log').read_text()}")
        try:
            if httpx.get(url + "/api/jobs", timeout=2).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the server did not answer within 90 s")


def _percentiles(ms: list[float]) -> str:
    import numpy as np

    if not ms:
        return "no requests"
    q = np.percentile(ms, [50, 90, 99])
    return f"{q[0]:8.1f} {q[1]:8.1f} {q[2]:8.1f} {max(ms):8.1f}"


def main(clients: int, requests: int, jobs: int) -> int:
    import httpx

    with tempfile.TemporaryDirectory(prefix="phalanx-bench-web-") as tmp:
        state = Path(tmp) / "state"
        proc, url = _start(state, max_queued=jobs + 2)
        try:
            with httpx.Client(base_url=url, timeout=60) as c:  # warm-up: every view once
                pages = [p for p in PAGES if c.get(p).status_code == 200]
                skipped = sorted(set(PAGES) - set(pages))
                first = c.post("/api/jobs", json={**JOB, "seed": 0}).json()["id"]
                apis = [*(a for a in APIS if c.get(a).status_code == 200), f"/api/jobs/{first}"]
            plan: list[tuple[str, str]] = []
            for k in range(requests):
                plan.append(("page", pages[k % len(pages)]))
                plan.append(("api", apis[k % len(apis)]))
            plan += [("submit", "/api/jobs")] * jobs
            random.Random(0).shuffle(plan)  # the kinds interleaved, the same way every time
            local = threading.local()
            lock = threading.Lock()
            times: dict[str, list[float]] = {"page": [], "api": [], "submit": []}
            errors: list[str] = []
            submitted: list[str] = [first]

            def one(item: tuple[str, str]) -> None:
                kind, path = item
                if not hasattr(local, "client"):
                    local.client = httpx.Client(base_url=url, timeout=60)
                t0 = time.perf_counter()
                try:
                    if kind == "submit":
                        r = local.client.post(path, json=JOB)
                        ok = r.status_code == 202
                    else:
                        r = local.client.get(path)
                        ok = r.status_code == 200
                except httpx.HTTPError as e:
                    with lock:
                        errors.append(f"{kind} {path}: {type(e).__name__}")
                    return
                ms = 1000 * (time.perf_counter() - t0)
                with lock:
                    times[kind].append(ms)
                    if not ok:
                        errors.append(f"{kind} {path}: HTTP {r.status_code}")
                    elif kind == "submit":
                        submitted.append(r.json()["id"])

            t0 = time.perf_counter()
            with ThreadPoolExecutor(clients) as pool:
                list(pool.map(one, plan))
            wall = time.perf_counter() - t0

            deadline = time.monotonic() + 120 + 10 * jobs
            with httpx.Client(base_url=url, timeout=60) as c:
                while True:
                    listed = {j["id"]: j for j in c.get("/api/jobs?limit=1000").json()["jobs"]}
                    pending = [i for i in submitted if listed.get(i, {}).get("status") in (
                        "queued", "running")]  # fmt: skip
                    if not pending or time.monotonic() > deadline:
                        break
                    time.sleep(0.5)
            finished = [i for i in submitted if listed.get(i, {}).get("status") == "complete"]
            lost = [i for i in submitted if i not in listed]
            failed = [i for i in submitted if i in listed and i not in finished]
        finally:
            proc.terminate()
            proc.wait(timeout=30)

    total = sum(len(v) for v in times.values())
    print(
        f"dashboard on {url}: {clients} clients, {total} requests in {wall:.1f} s "
        f"({total / wall:.0f} per second)"
    )
    if skipped:
        print(f"pages this server does not have (left out): {', '.join(skipped)}")
    print(f"{'kind':>7} {'n':>5} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for kind, ms in times.items():
        print(f"{kind:>7} {len(ms):>5} {_percentiles(ms)}")
    print(f"errors: {len(errors)}" + (f" (first: {errors[:3]})" if errors else ""))
    print(
        f"jobs: {len(submitted)} submitted, {len(finished)} found finished, "
        f"{len(failed)} not finished, {len(lost)} lost"
    )
    return 1 if errors or lost or failed else 0


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=8, help="concurrent clients (threads)")
    ap.add_argument("--requests", type=int, default=200, help="requests per kind (page, api)")
    ap.add_argument("--jobs", type=int, default=6, help="jobs submitted during the load")
    ap.add_argument("--quick", action="store_true", help="4 clients, 40 requests, 2 jobs")
    a = ap.parse_args()
    if a.quick:
        a.clients, a.requests, a.jobs = 4, 40, 2
    sys.exit(main(a.clients, a.requests, a.jobs))
