"""The HTML report: as of its date, deterministic, any alliance, safe links and writes.

Facts used: Armenia froze its CSTO participation on 2024-02-22; the ANZUS test package
(tests/data/kb/anzus) declares ANZUS as its organisation and the period 1951-2010, and
grades the treaty text ``official`` (accessed 2026-11-29).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import phalanx.cli as cli
from phalanx.kb import KnowledgeBase
from phalanx.kb.dates import parse_partial_date
from phalanx.report.html import build_report, link, summary
from phalanx.safe_files import MARKER

ANZUS = Path(__file__).resolve().parents[1] / "data" / "kb" / "anzus"
MADE = re.compile(r"made \d{4}-\d\d-\d\d \d\d:\d\d UTC")


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.embedded()


@pytest.fixture(scope="module")
def run():
    cli._register()
    runner = CliRunner()
    return lambda *args: runner.invoke(cli.app, list(args), catch_exceptions=False)


def section(page: str, name: str) -> str:
    m = re.search(rf'<section id="{name}".*?</section>', page, re.S)
    assert m, name
    return m.group(0)


def cells(table_html: str) -> list[list[str]]:
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table_html, re.S)
    return [re.findall(r"<td>(.*?)</td>", r, re.S) for r in rows if "<td>" in r]


def test_report_as_of_1995_shows_nothing_later(kb):
    page = build_report(kb, at=dt.date(1995, 6, 30))
    events = cells(section(page, "events"))
    assert events
    assert all(
        parse_partial_date(row[0][:10].split(" ")[0]).earliest.year <= 1995 for row in events
    )
    spells = cells(section(page, "timeline").split("</script>")[-1])
    assert spells
    for _actor, _status, start, end, *_ in spells:
        assert parse_partial_date(start).earliest <= dt.date(1995, 6, 30)
        assert end in ("ongoing", "") or parse_partial_date(end).earliest <= dt.date(1995, 6, 30)
    # the 1999 non-renewals are not shown as exits
    assert "1999-04" not in section(page, "timeline")


def test_armenias_2024_freeze_is_absent_as_of_2023(kb):
    page = build_report(kb, at=dt.date(2023, 6, 1))
    assert "2024-02-22" not in page
    shown = re.sub(r"<[^>]+>", " ", section(page, "timeline").split("</script>")[-1])
    assert "frozen" not in shown  # visible text; a source's URL may hold the word
    later = build_report(kb, at=dt.date(2024, 6, 1))
    assert "2024-02-22" in later


def test_summary_uses_the_package_default_organisation(kb):
    s = summary(kb, at=dt.date(2010, 1, 1))
    assert s["organization"]["id"] == kb.defaults.organization
    assert s["warnings"] == []


def test_report_bytes_are_the_same_across_runs(tmp_path):
    """Two processes with different hash seeds (set order differs) give the same page."""
    code = (
        "import datetime as dt, sys; from phalanx.kb import KnowledgeBase; "
        "from phalanx.report.html import build_report; "
        "sys.stdout.write(build_report(KnowledgeBase.embedded(), at=dt.date(2022, 10, 1)))"
    )
    pages = []
    for seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
        ).stdout
        pages.append(MADE.sub("made <time>", out))
    assert len(MADE.findall(pages[0])) == 0 and "made <time>" in pages[0]
    assert pages[0] == pages[1]


def test_anzus_report_names_anzus_and_not_the_csto(run, tmp_path):
    out = tmp_path / "anzus.html"
    res = run("report", "--data", str(ANZUS), "--at", "2002-01-01", "--out", str(out))
    assert res.exit_code == 0, res.output
    page = out.read_text(encoding="utf-8")
    assert (
        "<h1>Security Treaty between Australia, New Zealand and the United States (ANZUS)" in page
    )
    assert "CSTO" not in page and "Collective Security Treaty Organization" not in page
    # the strain series starts in 1952 (founded), not in the embedded package's 1992
    assert "Strain of ANZUS, 1952-2002" in page
    sources = cells(section(page, "sources"))
    treaty = next(r for r in sources if r[1] == "anzus-treaty")
    assert treaty[3:5] == ["official", "2026-11-29"]
    assert "CSTO" not in res.output


def test_report_carries_the_generator_marker_early(run, tmp_path):
    out = tmp_path / "r.html"
    assert run("report", "--data", str(ANZUS), "--at", "2002", "--out", str(out)).exit_code == 0
    assert MARKER in out.read_bytes()[:4096]


def test_report_refuses_to_replace_a_foreign_file_without_force(run, tmp_path):
    out = tmp_path / "notes.html"
    out.write_text("my own notes\n")
    res = run("report", "--data", str(ANZUS), "--at", "2002", "--out", str(out))
    assert res.exit_code == 2 and "--force" in res.output
    assert out.read_text() == "my own notes\n"
    res = run("report", "--data", str(ANZUS), "--at", "2002", "--out", str(out), "--force")
    assert res.exit_code == 0 and MARKER in out.read_bytes()
    # a report Phalanx wrote is replaced without --force
    res = run("report", "--data", str(ANZUS), "--at", "2003", "--out", str(out))
    assert res.exit_code == 0 and "as of 2003-01-01" in out.read_text()


def test_report_does_not_write_through_a_symlink(run, tmp_path):
    target = tmp_path / "target.txt"
    target.write_text("keep me\n")
    out = tmp_path / "link.html"
    out.symlink_to(target)
    res = run("report", "--data", str(ANZUS), "--at", "2002", "--out", str(out))
    assert res.exit_code == 2
    assert target.read_text() == "keep me\n"


def test_report_prints_and_shows_coverage_warnings(run, tmp_path):
    out = tmp_path / "late.html"
    res = run("report", "--data", str(ANZUS), "--at", "2020", "--out", str(out))
    assert res.exit_code == 0, res.output
    assert "after the period the data cover (1951 to 2010)" in res.output
    warn = section(out.read_text(encoding="utf-8"), "warnings")
    assert "after the period the data cover (1951 to 2010)" in warn


@pytest.mark.parametrize(
    ("url", "is_link"),
    [
        ("https://example.org/a?b=1&c=2", True),
        ("http://example.org", True),
        ("javascript:alert(1)", False),
        ("file:///etc/passwd", False),
        ("example.org/relative", False),
        ("https:", False),
        (None, False),
    ],
)
def test_links_only_for_http_urls(url, is_link):
    out = link(url, "text <b>", "id")
    assert ("<a " in out) is is_link
    assert "&lt;b&gt;" in out and "<b>" not in out
    if is_link:
        assert 'href="https://example.org/a?b=1&amp;c=2"' in out or "http://example.org" in out
