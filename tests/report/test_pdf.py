"""phalanx report --pdf: the report printed by headless Chromium, offline.

Skipped without chromium, except under CI (which installs it: .ci/run), where it fails."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import phalanx.cli as cli
from phalanx.errors import UserError
from phalanx.report.pdf import find_chromium, print_pdf

ANZUS = Path(__file__).resolve().parents[1] / "data" / "kb" / "anzus"


def need_chromium() -> None:
    if not (shutil.which("chromium") or shutil.which("chromium-browser")):
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; .ci/run should have installed it")
        pytest.skip("chromium is not installed")


def test_report_prints_to_pdf(tmp_path):
    need_chromium()
    html, pdf = tmp_path / "anzus.html", tmp_path / "anzus.pdf"
    cli._register()
    res = CliRunner().invoke(
        cli.app,
        ["report", "--data", str(ANZUS), "--at", "2002-01-01", "--scenarios", "none",
         "--output", str(html), "--pdf", str(pdf)],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", data))
    assert pages >= 2  # the report does not fit on one A4 page
    assert html.is_file() and "PDF written to" in res.output


def test_a_missing_browser_is_a_clear_error(tmp_path):
    with pytest.raises(UserError, match="no browser at"):
        find_chromium(tmp_path / "no-such-browser")
    page = tmp_path / "p.html"
    page.write_text("<p>x</p>")
    with pytest.raises(UserError, match="no browser at"):
        print_pdf(page, tmp_path / "p.pdf", executable=tmp_path / "none")
    assert not (tmp_path / "p.pdf").exists()


def test_the_pdf_folder_must_exist(tmp_path):
    need_chromium()
    page = tmp_path / "p.html"
    page.write_text("<p>x</p>")
    with pytest.raises(UserError, match="does not exist"):
        print_pdf(page, tmp_path / "missing" / "p.pdf")


def test_a_pdf_into_a_missing_folder_is_refused_before_the_report(tmp_path):
    cli._register()
    html = tmp_path / "r.html"
    res = CliRunner().invoke(
        cli.app,
        ["report", "--data", str(ANZUS), "--scenarios", "none", "--output", str(html),
         "--pdf", str(tmp_path / "missing" / "r.pdf")],
    )  # fmt: skip
    assert res.exit_code == 2 and "does not exist" in res.output
    assert not html.exists()
