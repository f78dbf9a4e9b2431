"""The report's discovery section renders the plain results: the box, the trade-off
chart, the feature scores and the Sobol indices, on any package."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from phalanx.experiments.discovery import run_discovery
from phalanx.experiments.sensitivity import run_sensitivity
from phalanx.kb import KnowledgeBase
from phalanx.models.dynamics.params import MembershipParams
from phalanx.report.discovery import (
    discovery_html,
    discovery_section,
    sobol_figure,
    tradeoff_figure,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def results():
    kb = KnowledgeBase.embedded()
    common = dict(runs_per_point=10, seed=7, backend="serial", params=MembershipParams())
    disc = run_discovery(kb, "long-war", "exits >= 2 by 2031", points=40, **common)
    sens = run_sensitivity(kb, "long-war", "exits >= 2 by 2031", samples=16, **common)
    return disc, sens


def test_the_section_renders_tables_and_charts(results):
    disc, sens = results
    page = discovery_html(disc, sens)
    assert page.startswith('<section id="discovery">') and page.endswith("</section>")
    assert 'id="discovery-tradeoff"' in page and 'id="discovery-sobol"' in page
    assert "<script src=" not in page  # the page brings its own Plotly
    for lim in disc["prim"]["box"]["limits"]:
        assert f"<code>{lim['factor']}</code>" in page
    for f in sens["indices"]:
        assert f"<code>{f['factor']}</code>" in page
    assert f"seed {disc['metadata']['seed']}" in page
    assert disc["metadata"]["data_version"] in page


def test_the_figures_show_the_data(results):
    disc, sens = results
    fig = tradeoff_figure(disc)
    traj = disc["prim"]["trajectory"]
    assert list(fig.data[0].x) == [t["coverage"] for t in traj]
    chosen = traj[disc["prim"]["chosen"]]
    assert (fig.data[1].x[0], fig.data[1].y[0]) == (chosen["coverage"], chosen["density"])
    bars = sobol_figure(sens)
    st = {r["factor"]: r["ST"] for r in sens["indices"]}
    assert dict(zip(bars.data[1].x, bars.data[1].y, strict=True)) == st
    assert list(bars.data[1].y) == sorted(st.values(), reverse=True)


def test_no_box_and_no_variance_are_said_plainly(results):
    disc, sens = results
    empty = {**disc, "prim": None, "feature_scores": [],
             "cases": {**disc["cases"], "note": "every case is of interest: nothing"}}  # fmt: skip
    flat = {**sens, "indices": [], "note": "takes the same value at every design point"}
    page = discovery_html(empty, flat)
    assert "No box: every case is of interest" in page and "same value" in page
    assert "discovery-tradeoff" not in page and "discovery-sobol" not in page
    assert discovery_html(None, None).count("<h3>") == 0


def test_text_from_the_data_is_escaped(results):
    disc, _ = results
    meta = {**disc["metadata"], "scenario": {**disc["metadata"]["scenario"], "name": "<b>x"}}
    page = discovery_html({**disc, "metadata": meta}, None)
    assert "<b>x" not in page and "&lt;b&gt;x" in page


@pytest.mark.parametrize("package", ["anzus", "triple-alliance"])
def test_discovery_section_on_another_package(package):
    kb = KnowledgeBase.from_path(ROOT / "tests" / "data" / "kb" / package)
    page = discovery_section(kb, points=30, runs_per_point=3, samples=8, seed=2)
    assert '<section id="discovery">' in page
    assert re.search(r"exits &gt;= [12] by \d{4}", page)
    assert "KAZ" not in page  # the Central Asian rule is skipped there, not shown


def test_discovery_section_from_a_date():
    kb = KnowledgeBase.embedded()
    page = discovery_section(
        kb, at=dt.date(2024, 1, 1), years=3, points=30, runs_per_point=3, samples=8, seed=2
    )
    assert "exits &gt;= 1 by 2027" in page and "from 2024-01-01" in page
    assert "(runs with the outcome)" in page  # every run a case: the default outcome is rare
