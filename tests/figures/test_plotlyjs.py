"""The report embeds Plotly's official basic bundle once, at the plotly.js major version
that the installed Plotly.py writes figures for, and no other copy of plotly.js."""

import datetime as dt

import plotly.offline

from phalanx.figures.plotlyjs import bundle_version, plotly_script
from phalanx.kb import KnowledgeBase
from phalanx.report.html import build_report

HEADER = "plotly.js (basic - minified) v"


def test_the_bundle_matches_plotly_py():
    ours, theirs = bundle_version().split("."), plotly.offline.get_plotlyjs_version().split(".")
    assert ours[0] == theirs[0], (
        f"plotly.js {'.'.join(theirs)} (Plotly.py) against the bundled basic "
        f"{'.'.join(ours)}: update src/phalanx/figures/plotly-basic.min.js"
    )


def test_the_report_embeds_the_basic_bundle_once():
    page = build_report(KnowledgeBase.embedded(), at=dt.date(2022, 10, 1), scenarios=[])
    assert page.count(HEADER) == 1
    # the full bundle Plotly.py would inline starts with its own header, never present
    full = plotly.offline.get_plotlyjs()[:200]
    assert full not in page
    # the page is the basic bundle plus the report: well under Plotly's 4.8 MB full bundle
    assert len(page.encode()) < len(plotly_script().encode()) + 1_500_000
    assert page.index(HEADER) < page.index('id="membership-timeline"')


def test_the_strain_chart_uses_it_too(tmp_path):
    from typer.testing import CliRunner

    import phalanx.cli as cli

    cli._register()
    out = tmp_path / "strain.html"
    res = CliRunner().invoke(
        cli.app, ["strain", "--from", "2020", "--to", "2022", "--plot", str(out)]
    )
    assert res.exit_code == 0, res.output
    html = out.read_text(encoding="utf-8")
    assert html.count(HEADER) == 1 and plotly.offline.get_plotlyjs()[:200] not in html
