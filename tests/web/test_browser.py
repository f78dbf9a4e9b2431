"""The dashboard in a real browser: Debian's Chromium driven by Playwright against a live
``phalanx serve`` started by the test (fixtures in conftest.py). Each page loads with no
console error and nothing fetched from another host, its charts drawn by the bundled
Plotly; the date slider changes the network; a shared URL restores the same view; the
downloads parse. Screenshots go to tests/artifacts/."""

from __future__ import annotations

import csv
import io
import json
import urllib.request

import pytest

pytest.importorskip("fastapi")

PAGES = [
    ("", 1),  # the overview: its strain chart
    ("timeline", 1),
    ("network?at=2022-10-01", 1),
    ("alignment?at=2024-06-01", 0),
    ("decisions/csto_armenia_2022", 0),
    ("actor/KAZ", 0),
    ("data", 0),
    ("data/events?where=kind:invocation", 0),
    ("docs", 0),
]


def _json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=60) as r:
        return json.loads(r.read())


@pytest.mark.parametrize(("path", "charts"), PAGES)
def test_each_page_loads_with_no_console_errors(live_server, page, path, charts):
    response = page.goto(live_server + path, wait_until="networkidle")
    assert response is not None and response.status == 200
    assert page.console_errors == []
    assert page.external_requests == []
    assert page.locator("nav a").count() >= 7
    if charts:
        # Plotly drew the chart into the page (an SVG per chart)
        page.wait_for_selector("div.figure .main-svg")
        assert page.locator("div.figure").count() == charts


def test_the_slider_changes_the_network(live_server, page):
    page.goto(live_server + "network?at=2022-10-01", wait_until="networkidle")
    before = page.evaluate("document.getElementById('figure-network').data.length")
    ties_before = page.locator("#ties tbody tr").all_inner_texts()
    steps = page.get_attribute("#date-slider", "data-dates").split(",")
    assert page.input_value("#date-slider") == str(steps.index("2022-10-01"))
    target = steps.index("1995-01-01")
    with page.expect_navigation(wait_until="networkidle"):
        page.evaluate(
            """(i) => { const s = document.getElementById('date-slider'); s.value = i;
                        s.dispatchEvent(new Event('input')); s.dispatchEvent(new Event('change')); }""",
            target,
        )
    assert "at=1995-01-01" in page.url
    assert page.input_value("#at") == "1995-01-01"
    assert page.locator("#date-shown").inner_text() == "1995-01-01"
    ties_after = page.locator("#ties tbody tr").all_inner_texts()
    assert ties_after != ties_before
    assert page.evaluate("document.getElementById('figure-network').data.length") >= 1 <= before
    # the page shows what its JSON twin says for that date
    twin = _json(live_server + "network.json?at=1995-01-01")
    assert len(ties_after) == len(twin["edges"])
    assert page.console_errors == []


def test_clicking_an_actor_opens_its_history(live_server, page):
    page.goto(live_server + "network?at=2022-10-01", wait_until="networkidle")
    ids = page.evaluate(
        "[].concat(...document.getElementById('figure-network').data.map(t => t.ids || []))"
    )
    assert "ARM" in ids
    with page.expect_navigation():
        page.evaluate(
            "document.getElementById('figure-network').emit('plotly_click',"
            " {points: [{id: 'ARM'}]})"
        )
    assert page.url.endswith("/actor/ARM")
    assert "Armenia" in page.locator("#actor-name").inner_text()


def test_a_shared_url_restores_the_same_view(live_server, page):
    page.goto(
        live_server + "timeline?actor=ARM&kind=invocation&from=2021", wait_until="networkidle"
    )
    assert page.input_value("#actor") == "ARM"
    assert page.input_value("#kind") == "invocation"
    assert page.input_value("#from") == "2021-01-01"
    rows = page.locator("#events tbody tr").count()
    twin = _json(live_server + "timeline.json?actor=ARM&kind=invocation&from=2021")
    assert rows == len(twin["events"]) > 0
    # submitting the form gives a URL for the same view, every input explicit (the
    # default end of the period too, so the link shows the same view later)
    with page.expect_navigation(wait_until="networkidle"):
        page.click("form.controls button[type=submit]")
    assert "kind=invocation" in page.url and "actor=ARM" in page.url
    assert f"to={twin['filters']['to']}" in page.url
    assert page.locator("#events tbody tr").count() == rows

    url = "alignment?at=2024-06-01&k=3&shift=TUR:KAZ:%2B0.5&size=RUS:0.5"
    page.goto(live_server + url, wait_until="networkidle")
    assert page.input_value("#k") == "3"
    assert page.input_value("#at") == "2024-06-01"
    assert page.locator("input.shift").first.input_value() == "TUR:KAZ:+0.5"
    assert page.locator("input.size").first.input_value() == "RUS:0.5"
    assert "your what-if" in page.locator("#whatifs tr.user-whatif").inner_text()

    page.goto(live_server + "network?at=2022-10-01&weighting=unit", wait_until="networkidle")
    assert page.input_value("#weighting") == "unit" and page.input_value("#at") == "2022-10-01"
    assert page.console_errors == []


def test_an_issue_position_changed_in_the_page_reruns_the_model(live_server, page):
    page.goto(live_server + "decisions/csto_armenia_2022", wait_until="networkidle")
    page.fill("input.position[data-actor=ARM]", "0.25")
    with page.expect_navigation(wait_until="networkidle"):
        page.click("#positions-form button[type=submit]")
    assert "pos=ARM%3A0.25" in page.url
    assert page.input_value("input.position[data-actor=ARM]") == "0.25"
    assert page.console_errors == []


def test_the_downloads_parse(live_server, page, tmp_path):
    import networkx as nx
    import pyarrow.parquet as pq

    page.goto(live_server + "timeline?kind=invocation", wait_until="networkidle")
    with page.expect_download() as info:
        page.click("a.download[data-format=csv]")
    rows = list(csv.DictReader(io.StringIO(open(info.value.path(), encoding="utf-8").read())))
    assert rows and all(r["kind"] == "invocation" for r in rows)
    with page.expect_download() as info:
        page.click("a.download[data-format=parquet]")
    assert pq.read_table(info.value.path()).num_rows == len(rows)

    page.goto(live_server + "network?at=2022-10-01", wait_until="networkidle")
    shown = page.locator("#ties tbody tr").count()
    for fmt, reader in (("graphml", nx.read_graphml), ("gexf", nx.read_gexf)):
        with page.expect_download() as info:
            page.click(f"a.download[data-format={fmt}]")
        assert info.value.suggested_filename.endswith("." + fmt)
        assert reader(info.value.path()).number_of_edges() == shown
    assert page.console_errors == []
