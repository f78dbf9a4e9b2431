"""Run the real CLI in-process on generated input and check that it ends cleanly.

``run_clean(args, cwd)`` invokes ``phalanx ARGS`` through typer's ``CliRunner`` inside the
working folder ``cwd`` and asserts what every command owes a user, whatever the input:

* it ends, within the hard timeout (``signal.setitimer``; a hang fails the example);
* its exit code is 0 (a result), 1 (``validate``: problems listed) or 2 (a clean error);
* no exception escapes other than ``SystemExit`` and nothing prints a ``Traceback``;
* no file outside ``cwd`` changed: the package data shipped in ``src/phalanx/data`` and the
  test data in ``tests/data`` hash the same before and after, and no new file appears next
  to ``cwd``.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
from collections.abc import Iterator
from pathlib import Path

from typer.testing import CliRunner

import phalanx.cli as cli
from phalanx.cli import common
from tests.property.conftest import HARD_TIMEOUT_S

ROOT = Path(__file__).resolve().parents[2]
GUARDED = (ROOT / "src" / "phalanx" / "data", ROOT / "tests" / "data")
OK_CODES = {0, 1, 2}


class Hang(Exception):
    """A command ran past the hard timeout."""


def tree_hash(folders: tuple[Path, ...] = GUARDED) -> str:
    """SHA-256 over the relative paths and bytes of every file under ``folders``."""
    h = hashlib.sha256()
    for folder in folders:
        for p in sorted(folder.rglob("*")):
            if p.is_file() and "__pycache__" not in p.parts:
                h.update(str(p.relative_to(ROOT)).encode())
                h.update(p.read_bytes())
    return h.hexdigest()


_BASELINE: dict[str, str] = {}


def baseline() -> str:
    """The hash of the guarded folders, taken once per session before any example runs."""
    if "hash" not in _BASELINE:
        _BASELINE["hash"] = tree_hash()
    return _BASELINE["hash"]


@contextlib.contextmanager
def hard_timeout(seconds: float = HARD_TIMEOUT_S) -> Iterator[None]:
    """Raise :class:`Hang` in the main thread if the block runs longer than ``seconds``."""

    def _alarm(signum, frame):  # pragma: no cover - only on a hang
        raise Hang(f"still running after {seconds} s")

    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


@contextlib.contextmanager
def inside(folder: Path) -> Iterator[None]:
    """Run the block with ``folder`` as the current directory."""
    old = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(old)


def run_clean(args: list[str], cwd: Path, timeout: float = HARD_TIMEOUT_S):
    """Run ``phalanx ARGS`` in ``cwd``; assert a clean end (see the module docstring).

    ``timeout`` is the hard limit in seconds; past it the run counts as a hang.
    """
    before = baseline()
    siblings = {p.name for p in cwd.parent.iterdir()}
    cli._register()
    common._KB_CACHE.clear()  # every example is a new package, even at a reused path
    runner = CliRunner()
    with inside(cwd), hard_timeout(timeout):
        result = runner.invoke(cli.app, args, catch_exceptions=True)
    output = result.output
    exc = result.exception
    assert exc is None or isinstance(exc, SystemExit), (
        f"phalanx {args!r} raised {type(exc).__name__}: {exc}"
    )
    assert result.exit_code in OK_CODES, f"exit code {result.exit_code}: {output[-2000:]}"
    assert "Traceback" not in output, output[-2000:]
    assert tree_hash() == before, "a file outside the working folder changed"
    assert {p.name for p in cwd.parent.iterdir()} == siblings | {cwd.name}, (
        "a file appeared next to the working folder"
    )
    return result
