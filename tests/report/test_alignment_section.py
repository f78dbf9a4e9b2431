"""The report's alignment section: figure, tables, caption and sources, on two packages."""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path

import pytest

from phalanx.kb import KnowledgeBase
from phalanx.models.alignment_inputs import alignment_inputs
from phalanx.models.landscape import LandscapeModel
from phalanx.report.alignment import alignment_section
from phalanx.report.footnotes import cited

DATA = Path(__file__).resolve().parents[1] / "data" / "kb"
AT = dt.date(2026, 1, 1)


@pytest.fixture(scope="module")
def embedded():
    return KnowledgeBase.embedded()


@pytest.fixture(scope="module")
def page(embedded):
    return alignment_section(embedded, "CSTO", AT)


def global_coalitions(kb, at):
    """The global minimum fitted here, straight from the inputs and the model."""
    inputs = alignment_inputs(kb, at)
    fit = LandscapeModel(seed=0).fit(inputs.sizes, inputs.propensity, labels=inputs.actors)
    return fit.global_minimum_.coalitions(inputs.actors), inputs


def test_section_has_its_figure_tables_and_plain_words(page):
    assert page.startswith('<section id="alignment">') and page.endswith("</section>")
    assert 'id="alignment-whatifs"' in page and "<table>" in page
    assert "Model outputs, not forecasts" in page
    assert "<script src=" not in page  # the page's one Plotly bundle draws it


def test_the_global_minimum_shown_is_the_models(embedded, page):
    coalitions, _ = global_coalitions(embedded, AT)
    names = {a["id"]: a["name"] for a in embedded.actors()}
    for c in coalitions:
        assert html.escape(", ".join(names[a] for a in c)) in page


def test_caption_names_inputs_settings_and_sources(embedded, page):
    _, inputs = global_coalitions(embedded, AT)
    assert embedded.version in page and "seed 0" in page and "k = 2" in page
    assert "weighting default" in page
    assert f"{len(inputs.rows['relations'])} relation rows" in page
    # every source of the inputs is a footnote to the report's sources table, and only those
    assert cited(page) == set(inputs.sources)
    for rid in inputs.rows["relations"][:5]:
        assert html.escape(rid) in page


def test_every_moving_whatif_has_a_table_row(embedded, page):
    from phalanx.models.whatifs import alignment_view

    view = alignment_view(embedded, AT)
    moving = [w for w in view["whatifs"] if w["n_moved"]]
    assert moving
    rows = re.findall(r"<tr><td>(\d+)</td><td>", page)
    assert [int(r) for r in rows] == [w["rank"] for w in moving]


def test_a_second_package_gets_its_own_section():
    kb = KnowledgeBase.from_path(DATA / "triple-alliance")
    page = alignment_section(kb, "TRI", dt.date(1914, 9, 1))
    assert "Austria-Hungary" in page and "triple-alliance" in page
    assert "belong to TRI" in page and "CSTO" not in page
    assert 'id="alignment-whatifs"' in page


def test_a_package_without_sizes_says_why():
    kb = KnowledgeBase.from_path(DATA / "anzus")
    page = alignment_section(kb, "ANZUS", dt.date(1990, 1, 1))
    assert "No alignment on this date" in page and "cinc" in page
    assert "alignment-whatifs" not in page


def test_the_report_carries_both_sections_and_their_sources(embedded):
    from phalanx.report.html import build_report

    page = build_report(embedded, at=dt.date(2022, 10, 1), scenarios=[], evidence=False)
    assert page.count('<section id="alignment">') == 1
    assert page.count('<section id="decisions">') == 1
    sources = page[page.index('<section id="sources">') :]
    for sid in cited(page):
        assert f"<td>{html.escape(sid)}</td>" in sources, sid
