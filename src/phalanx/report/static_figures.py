"""Figures and tables of the evidence for static documents (Markdown and plain SVG).

The HTML report draws its charts with Plotly; a document such as ``docs/evidence.md``
needs files a Markdown viewer shows as they are. :func:`reliability_svg` draws a
reliability diagram as a small, dependency-free SVG; :func:`backtest_markdown` and
:func:`fit_markdown` render the shipped results as Markdown tables. A test regenerates them
from the shipped results and compares them with the committed docs, so the docs cannot
drift from the results. Deterministic: the same input gives the same bytes.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from phalanx.report.markup import number

__all__ = ["backtest_markdown", "fit_markdown", "reliability_svg"]

METHODS = ("base-rate", "logistic", "hazard", "simulation")
COLOURS = {
    "base-rate": "#7f7f7f",
    "logistic": "#1f77b4",
    "hazard": "#d62728",
    "simulation": "#2ca02c",
}


def reliability_svg(entries: Sequence[Mapping[str, Any]], horizon: int, title: str) -> str:
    """A reliability diagram (forecast probability against observed frequency) as SVG text.

    ``entries`` are the backtest's reliability entries (``{method, horizon, bins}``); those
    of ``horizon`` and of the methods in :data:`METHODS` are drawn (persistence forecasts
    only 0 and has a single point). Point areas grow with the bin's cases. O(bins).
    """
    w, h, m = 420, 360, 50
    side = min(w - 2 * m, h - 2 * m)

    def x(v: float) -> float:
        return m + v * side

    def y(v: float) -> float:
        return h - m - v * side

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
        'font-family="sans-serif" font-size="11">',
        f'<text x="{w / 2:.0f}" y="18" text-anchor="middle" font-size="13">{html.escape(title)}</text>',
        f'<rect x="{m}" y="{h - m - side}" width="{side}" height="{side}" fill="none" stroke="#333"/>',
        f'<line x1="{x(0):.1f}" y1="{y(0):.1f}" x2="{x(1):.1f}" y2="{y(1):.1f}" stroke="#999" '
        'stroke-dasharray="4 3"/>',
    ]
    for t in (0, 0.25, 0.5, 0.75, 1):
        out.append(
            f'<text x="{x(t):.1f}" y="{h - m + 14}" text-anchor="middle">{t:g}</text>'
            f'<text x="{m - 6}" y="{y(t) + 4:.1f}" text-anchor="end">{t:g}</text>'
        )
    out.append(
        f'<text x="{m + side / 2:.0f}" y="{h - 12}" text-anchor="middle">forecast probability</text>'
        f'<text x="14" y="{h / 2:.0f}" text-anchor="middle" transform="rotate(-90 14 {h / 2:.0f})">'
        "observed frequency</text>"
    )
    legend_y = h - m - side + 12
    for k, method in enumerate(METHODS):
        entry = next(
            (e for e in entries if e["method"] == method and e["horizon"] == horizon), None
        )
        if entry is None:
            continue
        colour = COLOURS[method]
        pts = [(x(b["mean_forecast"]), y(b["observed"]), b["n"]) for b in entry["bins"]]
        if len(pts) > 1:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py, _ in pts)
            out.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="1.5"/>'
            )
        for px, py, n in pts:
            r = 2.5 + min(7.0, n**0.5 / 3)
            out.append(
                f'<circle cx="{px:.1f}" cy="{py:.1f}" r="{r:.1f}" fill="{colour}" fill-opacity="0.7"/>'
            )
        ly = legend_y + 14 * k
        out.append(
            f'<circle cx="{m + 10}" cy="{ly}" r="4" fill="{colour}"/>'
            f'<text x="{m + 18}" y="{ly + 4}">{method}</text>'
        )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def backtest_markdown(records: Sequence[Mapping[str, Any]], dataset: str) -> str:
    """The backtest records of ``dataset`` as a Markdown table, best log score in bold."""
    rows = [r for r in records if r["dataset"] == dataset]
    best: dict[tuple[int, int], float] = {}
    for r in rows:
        k = (r["cutoff"], r["horizon"])
        best[k] = min(best.get(k, float("inf")), r["log_score"])
    lines = [
        "| cut-off | horizon | method | cases | events | Brier (95% interval) | log score (95% interval) |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        log = f"{number(r['log_score'])} ({number(r.get('log_low'))}-{number(r.get('log_high'))})"
        if r["log_score"] == best[(r["cutoff"], r["horizon"])]:
            log = f"**{log}**"
        horizon = str(r["horizon"])
        if r.get("observed_years") not in (None, r["horizon"]):
            horizon += f" (observed {r['observed_years']})"
        lines.append(
            f"| {r['cutoff']} | {horizon} | {r['method']} | {r['n']} | {r.get('events', '')} | "
            f"{number(r['brier'])} ({number(r['brier_low'])}-{number(r['brier_high'])}) | {log} |"
        )
    return "\n".join(lines) + "\n"


def fit_markdown(fit: Mapping[str, Any]) -> str:
    """The hazard fit's coefficients as a Markdown table."""
    lines = [
        "| covariate | mechanism | estimate | 95% interval | verdict |",
        "|---|---|---|---|---|",
    ]
    for c in fit.get("coefficients", []):
        lines.append(
            f"| {c['name']} | {c.get('mechanism') or ''} | {number(c.get('estimate'))} | "
            f"{number(c.get('low'))} to {number(c.get('high'))} | {c.get('verdict', '')} |"
        )
    return "\n".join(lines) + "\n"
