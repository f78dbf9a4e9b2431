"""The report's network at key dates, the strain chart's missing-data note, captions under
every figure, and footnotes that all land in the page's own sources table."""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path

import pytest

from phalanx.errors import UserError
from phalanx.kb import KnowledgeBase
from phalanx.network.view import key_dates, network_view
from phalanx.report.footnotes import cite, cited, number
from phalanx.report.html import build_report
from phalanx.report.network import network_section
from phalanx.report.scenarios import run_scenarios
from phalanx.report.sections import strain_section

DATA = Path(__file__).resolve().parents[1] / "data" / "kb"
ANZUS, TRIPLE = DATA / "anzus", DATA / "triple-alliance"
AT = dt.date(2024, 6, 1)


@pytest.fixture(scope="module")
def embedded() -> KnowledgeBase:
    return KnowledgeBase.embedded()


@pytest.fixture(scope="module")
def full_page(embedded) -> str:
    """The embedded report with every section: strain, network, one small scenario run,
    discovery and evidence."""
    org = embedded.defaults.organization
    ran = run_scenarios(embedded, org, AT, scenarios=["long-war"], runs=10, years=2)
    return build_report(
        embedded, at=AT, sections=[strain_section(embedded, org, AT)], scenarios=ran
    )


@pytest.fixture(scope="module")
def anzus_page() -> str:
    kb = KnowledgeBase.from_path(ANZUS)
    at = dt.date(2002, 1, 1)
    return build_report(kb, at=at, sections=[strain_section(kb, "ANZUS", at)], scenarios=[])


def section(page: str, name: str) -> str:
    m = re.search(rf'<section id="{name}".*?</section>', page, re.S)
    assert m, name
    return m.group(0)


def source_rows(page: str) -> list[tuple[str, list[str]]]:
    rows = re.findall(r'<tr id="src-([^"]+)">(.*?)</tr>', section(page, "sources"), re.S)
    return [(html.unescape(i), re.findall(r"<td>(.*?)</td>", r, re.S)) for i, r in rows]


@pytest.mark.parametrize("which", ["full_page", "anzus_page"])
def test_every_footnote_lands_on_its_numbered_row(which, request):
    page = request.getfixturevalue(which)
    rows = source_rows(page)
    ids = [i for i, _ in rows]
    assert len(ids) == len(set(ids)) and ids
    targets = set(re.findall(r'id="(src-[^"]+)"', page))
    links = re.findall(r'href="#(src-[^"]+)"', page)
    assert links and {f"src-{i}" for i in cited(page)} <= targets
    assert all(t in targets for t in links)
    # a footnote reads the number of its row
    row_no = {i: n for n, i in enumerate(ids, 1)}
    for i, n in re.findall(r'<a class="fn" href="#src-([^"]+)" title="[^"]*">\[(\d+)\]</a>', page):
        assert int(n) == row_no[html.unescape(i)]
    assert "[" not in "".join(re.findall(r'class="fn"[^>]*>\[([a-z][^\]]*)\]<', page))
    # the row numbers run 1..n, and every row is cited somewhere on the page
    assert [c[0] for _, c in rows] == [f"[{n}]" for n in range(1, len(rows) + 1)]
    assert set(ids) <= cited(page)


def test_source_rows_show_grade_access_date_and_link(embedded, full_page):
    rows = dict(source_rows(full_page))
    known = {r["id"]: r for r in embedded.sources(rows)}
    assert set(known) == set(rows)  # nothing cited that the package does not hold
    for i, cells in rows.items():
        r = known[i]
        assert cells[1] == html.escape(i)
        assert cells[3] == html.escape(str(r["reliability"] or ""))
        assert cells[4] == html.escape(str(r["accessed"] or ""))
        assert f'href="{html.escape(r["url"])}"' in cells[5]


def test_row_sources_are_footnotes_not_external_links(full_page):
    for name in ("members", "timeline", "events", "network", "strain"):
        body = section(full_page, name)
        spans = re.findall(r'<span class="src">(.*?)</span>', body, re.S)
        assert spans, name
        for s in spans:
            assert "http" not in s and 'href="#src-' in s


def test_every_figure_has_a_caption_right_under_it(full_page):
    ids = re.findall(r'<div id="([^"]+)" class="plotly-graph-div"', full_page)
    assert {"membership-timeline", "strain-series", "discovery-sobol"} <= set(ids)
    assert any(i.startswith("network-") for i in ids) and any(
        i.startswith("scenarios-") for i in ids
    )
    assert any(i.startswith("reliability-") for i in ids)
    for i in ids:
        after = full_page.split(f'<div id="{i}"', 1)[1].split("</script>", 1)[1]
        after = re.sub(r"^\s*</div>\s*", "", after)
        assert re.match(r"""<(div|p) class=["']meta["']>""", after), (i, after[:80])
        caption = re.match(r"<(div|p)[^>]*>(.*?)</\1>", after, re.S).group(2)
        # it names its data version or its run's seed
        assert "data " in caption or "seed" in caption, i


def test_one_network_figure_per_key_date_with_its_frustration(embedded, full_page):
    org = embedded.defaults.organization
    body = section(full_page, "network")
    dates = key_dates(embedded, org, AT)
    figures = re.findall(r'<div id="network-(\d{4}-\d\d-\d\d)"', body)
    assert figures == [d["date"] for d in dates]
    for d in dates:
        v = network_view(embedded, d["date"], org)
        assert f"<b>{d['date']}</b>" in body
        assert (
            f"<b>{d['date']}</b> ({html.escape(d['label'])}): frustration index {v['frustration']['index']:.3f}"
            in body
        )
        table = body.split(f"Frustrated ties on {d['date']}</h4>", 1)[1].split("</table>", 1)[0]
        frustrated = [e for e in v["edges"] if e["frustrated"]]
        assert table.count("<tr>") - 1 == len(frustrated)  # the header row, then one per tie


def test_the_network_section_runs_on_other_alliances():
    kb = KnowledgeBase.from_path(TRIPLE)
    body = network_section(kb, "TRI", dt.date(1915, 12, 31))
    assert re.findall(r'<div id="network-([\d-]+)"', body) == [
        "1883-10-30",
        "1914-08-01",
        "1915-12-31",
    ]
    assert "CSTO" not in body
    anzus = network_section(KnowledgeBase.from_path(ANZUS), "ANZUS", dt.date(2002, 1, 1))
    assert "No tie is frustrated" in anzus and "CSTO" not in anzus


def test_dates_can_be_given(embedded):
    org = embedded.defaults.organization
    body = network_section(embedded, org, AT, dates=["2022-10-01", dt.date(2023, 1, 1)])
    assert re.findall(r'<div id="network-([\d-]+)"', body) == ["2022-10-01", "2023-01-01"]
    with pytest.raises(UserError):
        network_section(embedded, org, AT, dates=[])
    with pytest.raises(UserError):
        network_section(embedded, org, AT, dates=[3])


def test_the_strain_note_lists_the_missing_stretches(anzus_page):
    """ANZUS has no votes and no threat-perception relations: those components have no
    data on any of the 51 dates, 1952-07-01 to 2002-01-01; its first request for assistance
    is of 2001-09-14, so unanswered requests has none up to 2001-07-01."""
    note = re.search(r'<div class="note" id="strain-missing">.*?</div>', anzus_page, re.S).group(0)
    assert "no data for vote divergence from 1952-07-01 to 2002-01-01 (51 dates)" in note
    assert "no data for threat divergence from 1952-07-01 to 2002-01-01 (51 dates)" in note
    assert "no data for unanswered requests from 1952-07-01 to 2001-07-01 (50 dates)" in note
    assert "frustration" not in note and "member conflicts" not in note


def test_the_strain_caption_cites_the_rows_behind_the_last_date(anzus_page):
    body = section(anzus_page, "strain")
    caption = re.search(r'<div class="meta">Strain of ANZUS.*?</div>', body, re.S).group(0)
    assert "data " in caption and "seed 0" in caption
    # the request behind unanswered requests, cited in events.csv by wiki-anzus; no tie is
    # frustrated and no member pair is in conflict, so no relation row is named
    assert "events anzus-invoked-2001" in caption and "relation rows" not in caption
    assert re.findall(r'href="#src-([^"]+)"', caption) == ["wiki-anzus"]


def test_footnote_helpers():
    page = "<p>" + cite(["b-1", "a"]) + cite(["a"]) + "</p>"
    assert cited(page) == {"a", "b-1"}
    numbered = number(page, ["a", "b-1"])
    assert re.findall(r">\[(\d+)\]</a>", numbered) == ["2", "1", "1"]
    # an id the order does not know keeps its text
    assert ">[zz]</a>" in number(cite(["zz"]), ["a"])
