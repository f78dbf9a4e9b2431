"""The HTML report renders offline in a real browser (Debian's chromium, headless).

The page is loaded with every host name unresolvable, so the charts can only appear if
the report really carries its own JavaScript. CI installs chromium (see .ci/run); on a
machine without it the test is skipped, except under CI, where it fails.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

import phalanx.cli as cli

ANZUS = Path(__file__).resolve().parents[1] / "data" / "kb" / "anzus"


def chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; .ci/run should have installed it")
        pytest.skip("chromium is not installed")
    return exe


def test_report_renders_offline(tmp_path):
    exe = chromium()
    out = tmp_path / "report.html"
    cli._register()
    res = CliRunner().invoke(
        cli.app, ["report", "--data", str(ANZUS), "--at", "2002-01-01", "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    dom = subprocess.run(
        [
            exe,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--virtual-time-budget=5000",
            "--dump-dom",
            out.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    # Plotly draws each chart into an SVG of class main-svg: the membership timeline and
    # the strain series must both have been drawn by the inlined script
    assert dom.count('class="main-svg"') >= 4
    assert "Australia invokes the treaty" in dom
