"""The report's decisions section: the model's answers beside what happened."""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

import pytest

from phalanx.kb import KnowledgeBase
from phalanx.models.issue import load_issue
from phalanx.report.decisions import decisions_section

DATA = Path(__file__).resolve().parents[1] / "data" / "kb"


@pytest.fixture(scope="module")
def embedded():
    return KnowledgeBase.embedded()


def test_embedded_section_lists_every_issue_with_what_happened(embedded):
    page = decisions_section(embedded, "CSTO", dt.date(2026, 1, 1))
    assert page.startswith('<section id="decisions">') and 'id="decisions-levels"' in page
    assert "Model outputs, not forecasts" in page
    for name in ("csto_armenia_2022", "csto_kazakhstan_2022", "recognise_annexations"):
        issue = load_issue(name)
        assert f"{name}.yaml (shipped)" in page
        # what happened, with its source linked
        assert html.escape(issue.outcome.url) in page
        assert html.escape(issue.scale.label(issue.outcome.value)) in page
    # an issue file without an outcome says so instead of a gap
    assert load_issue("taliban_policy").outcome is None
    assert "records no outcome" in page and "n/a" in page
    # every position's source is linked (the issue file's own citations)
    arm = load_issue("csto_armenia_2022")
    assert html.escape(arm.actors[0].position.url) in page
    assert "no seed" in page and embedded.version in page


def test_only_issues_up_to_the_date(embedded):
    page = decisions_section(embedded, "CSTO", dt.date(2022, 6, 1))
    assert "csto_kazakhstan_2022" in page and "csto_armenia_2022" not in page


def test_the_triple_alliance_gets_its_own_issue():
    kb = KnowledgeBase.from_path(DATA / "triple-alliance")
    page = decisions_section(kb, "TRI", dt.date(1914, 9, 1))
    assert "triple_alliance_1914.yaml (package)" in page
    # predicted 0 (Italy and Romania block), as happened: a gap of zero
    assert "casus foederis denied" in page and "+0.00" in page
    assert "csto_" not in page


def test_a_package_without_issues_says_so():
    kb = KnowledgeBase.from_path(DATA / "anzus")
    page = decisions_section(kb, "ANZUS", dt.date(2000, 1, 1))
    assert "No issue file is about ANZUS" in page and "decisions-levels" not in page
