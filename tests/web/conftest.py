"""Fixtures for the dashboard's tests: in-process clients, a live server, a real browser.

- ``client`` / ``anzus_client``: FastAPI TestClients of the application on the embedded
  data and on the ANZUS test package (lifespan run, so the knowledge base is loaded as in
  production; a temporary ``state_dir``; server errors answered, not raised).
- ``live_server``: ``phalanx serve`` started in a subprocess on a free loopback port with a
  temporary state folder; waits until it answers and yields its base URL; stopped at the
  end. ``live_server_factory(*args)`` starts one with more options (W2's tests use it).
- ``page``: a Playwright page in Debian's Chromium (``/usr/bin/chromium``, never a
  downloaded browser), with every request to another host refused and recorded
  (``page.external_requests``), console errors and page errors collected
  (``page.console_errors``), and a screenshot saved under ``tests/artifacts/`` at the end.
  Skipped when Chromium or Playwright is missing, except under CI, where it fails.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

pytest.importorskip("fastapi")

ROOT = Path(__file__).resolve().parents[2]
ANZUS = ROOT / "tests" / "data" / "kb" / "anzus"
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _client(settings):
    from fastapi.testclient import TestClient

    from phalanx.web.app import create_app

    return TestClient(create_app(settings), raise_server_exceptions=False)


@pytest.fixture(scope="session")
def client(tmp_path_factory) -> Iterator:
    """The application on the embedded data."""
    from phalanx.web.settings import WebSettings

    settings = WebSettings(state_dir=tmp_path_factory.mktemp("state-embedded"))
    with _client(settings) as c:
        yield c


@pytest.fixture(scope="session")
def anzus_client(tmp_path_factory) -> Iterator:
    """The application on the ANZUS test package (``WebSettings(data=...)``)."""
    from phalanx.web.settings import WebSettings

    settings = WebSettings(data=str(ANZUS), state_dir=tmp_path_factory.mktemp("state-anzus"))
    with _client(settings) as c:
        yield c


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_up(url: str, proc: subprocess.Popen, log: Path, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            out = log.read_text(encoding="utf-8", errors="replace")
            raise RuntimeError(f"the server exited with {proc.returncode}: {out}")
        try:
            with urllib.request.urlopen(url + "static/app.css", timeout=2) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise RuntimeError(f"the server at {url} did not answer within {timeout} s")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


@pytest.fixture(scope="session")
def live_server_factory(tmp_path_factory) -> Iterator[Callable[..., str]]:
    """``start(*args, state_dir=None) -> base URL``: ``phalanx serve ARGS`` on a free
    loopback port (its own temporary state folder unless given); every server started
    is stopped at the end of the session."""
    started: list[subprocess.Popen] = []

    def start(*args: str, state_dir: Path | None = None) -> str:
        port = free_port()
        state = state_dir or tmp_path_factory.mktemp("live-state")
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            [str(ROOT / "src"), *filter(None, [env.get("PYTHONPATH")])]
        )
        cmd = [sys.executable, "-m", "phalanx", "serve", "--host", "127.0.0.1"]
        cmd += ["--port", str(port), "--state-dir", str(state), *args]
        log = tmp_path_factory.mktemp("live-log") / "server.log"
        with log.open("w", encoding="utf-8") as out:  # a file: a full pipe would block it
            proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
        started.append(proc)
        url = f"http://127.0.0.1:{port}/"
        _wait_until_up(url, proc, log)
        return url

    yield start
    for proc in started:
        _stop(proc)


@pytest.fixture(scope="session")
def live_server(live_server_factory) -> str:
    """Base URL (ending in ``/``) of a live dashboard on the embedded data."""
    return live_server_factory()


@pytest.fixture(scope="session")
def browser() -> Iterator:
    """Debian's Chromium driven by Playwright (skipped if either is missing, unless CI)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("playwright is not installed")
        pytest.skip("playwright is not installed")
    if not (Path(CHROMIUM).exists() or shutil.which("chromium")):
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; .ci/run should have installed it")
        pytest.skip("chromium is not installed")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, request) -> Iterator:
    """A fresh browser page that may talk to 127.0.0.1 only; see the module docstring."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    pg = context.new_page()
    pg.console_errors = []
    pg.external_requests = []

    def on_console(msg) -> None:
        if msg.type == "error":
            pg.console_errors.append(msg.text)

    def on_route(route) -> None:
        url = route.request.url
        if url.startswith(("http://127.0.0.1:", "data:", "blob:", "about:")):
            route.continue_()
        else:
            pg.external_requests.append(url)
            route.abort()

    pg.on("console", on_console)
    pg.on("pageerror", lambda exc: pg.console_errors.append(f"page error: {exc}"))
    context.route("**/*", on_route)
    yield pg
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")
    try:
        pg.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    except Exception:  # a page that crashed still lets the test report its own failure
        pass
    context.close()
