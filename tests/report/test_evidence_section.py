"""The report's Evidence section: the shipped results, as of the report's date, for the
report's own organisation only."""

import datetime as dt
import re
from pathlib import Path

import pytest

from phalanx.evidence.pipeline import shipped
from phalanx.kb import KnowledgeBase
from phalanx.report.evidence import evidence_data, evidence_html

TESTS = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def kb():
    return KnowledgeBase.embedded()


def text(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def test_the_section_shows_the_shipped_fit_and_scores(kb):
    page = evidence_html(evidence_data(kb, "CSTO", dt.date(2026, 12, 31)))
    fit = shipped("fit")
    war = next(c for c in fit["coefficients"] if c["name"] == "stronger_at_war")
    shown = text(page)
    assert f"stronger_at_war leader_war {war['estimate']:.3f}" in shown
    assert 'id="reliability-5"' in page and 'id="reliability-10"' in page
    assert "frozen 2024-02-22" in shown  # Armenia's case after the 2020 cut-off
    assert "Calibration to the organisation's history" in page


def test_nothing_after_the_reports_date(kb):
    page = evidence_html(evidence_data(kb, "CSTO", dt.date(2018, 6, 1)))
    assert "2024-02-22" not in page and "2022-09-13" not in page
    # the 2005 cut-off's five-year horizon ended in 2010: shown; the 2020 cut-off: not
    rows = re.findall(r"<tr><td>(\d{4})</td><td>(\d+)", page)
    assert ("2005", "5") in rows and not any(c == "2020" for c, _ in rows)
    assert "replays its history to 2026" in page


def test_another_package_gets_no_csto_evidence():
    anzus = KnowledgeBase.from_path(TESTS / "data" / "kb" / "anzus")
    data = evidence_data(anzus, "ANZUS", dt.date(2010, 1, 1))
    page = evidence_html(data)
    assert "CSTO" not in page
    assert data["posterior"] is None
    assert any("no calibrated posterior for ANZUS" in m for m in data["missing"])
    # its own request (the United States, September 2001) is listed, no other alliance's
    shown = text(page)
    assert "The requests made to ANZUS by 2010-01-01" in shown
    assert "2001-09-14 ANZUS USA assistance" in shown
    assert "NATO" not in shown.split("The requests made to ANZUS")[1]
