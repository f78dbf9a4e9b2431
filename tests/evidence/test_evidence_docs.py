"""docs/evidence.md cannot drift from the shipped results: its tables and figures are
regenerated here from the shipped files and must be the ones in the docs."""

import json
from pathlib import Path

from phalanx.evidence.pipeline import shipped
from phalanx.report.static_figures import backtest_markdown, fit_markdown, reliability_svg

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "evidence.md").read_text(encoding="utf-8")
POSTERIOR = ROOT / "src" / "phalanx" / "data" / "eurasia" / "posterior.json"


def test_the_tables_are_the_shipped_results():
    bt = shipped("backtest")
    assert fit_markdown(shipped("fit")) in DOC
    assert backtest_markdown(bt["records"], "ATOP 5.1 defence pacts") in DOC
    assert backtest_markdown(bt["records"], "CSTO") in DOC
    org = (ROOT / "docs" / "evidence" / "organization.md").read_text(encoding="utf-8")
    assert backtest_markdown(bt["records"], "CSTO") in org


def test_the_reliability_diagrams_are_the_shipped_results():
    bt = shipped("backtest")
    for h in (5, 10):
        path = ROOT / "docs" / "evidence" / "figures" / f"reliability-atop-{h}.svg"
        title = f"ATOP defence pacts: ending within {h} years"
        assert path.read_text(encoding="utf-8") == reliability_svg(bt["reliability"], h, title)
        assert f"evidence/figures/reliability-atop-{h}.svg" in DOC


def test_the_posterior_table_is_the_shipped_posterior():
    post = json.loads(POSTERIOR.read_text(encoding="utf-8"))
    for n in post["parameters"]:
        s = post["summary"][n]
        assert f"| {n} | " in DOC and f"{s['mean']:.3f} | {s['q05']:.3f} to {s['q95']:.3f}" in DOC
    missed = [p["pattern"] for p in post["patterns"] if not p["reproduced"]]
    assert missed and all(f"- {m}: observed" in DOC for m in missed)


def test_the_svg_marks_every_bin():
    entries = [
        {
            "method": "hazard",
            "horizon": 5,
            "bins": [{"mean_forecast": 0.1, "observed": 0.2, "n": 4}],
        },
        {
            "method": "hazard",
            "horizon": 10,
            "bins": [{"mean_forecast": 0.5, "observed": 0.5, "n": 1}],
        },
    ]
    svg = reliability_svg(entries, 5, "t")
    assert svg.count("<circle") == 2  # the bin and the legend's marker
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
