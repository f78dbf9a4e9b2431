"""The report's "Discovery and sensitivity" section: which conditions drive the outcomes.

:func:`discovery_html` renders the plain results of
:func:`phalanx.experiments.discovery.run_discovery` and
:func:`phalanx.experiments.sensitivity.run_sensitivity`: the chosen PRIM box as a table of
conditions (limits in the factors' units, quasi-p-values), the peeling trajectory as a
Plotly chart of coverage against density (the trade-off, the chosen box marked), the
feature scores, and the Sobol indices as a table and a bar chart with their bootstrap
intervals. :func:`tradeoff_figure` and :func:`sobol_figure` (from :mod:`phalanx.figures.discovery`)
build the two figures from the same plain data, so the dashboard draws them too.
:func:`discovery_section` runs both experiments on a package and renders them.

Every table and figure names its experiment (scenario, outcome, seed, points, runs per
point, data version). Plotly is imported inside the builders. Cost: O(boxes + factors)
to render; the experiments dominate :func:`discovery_section`.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from phalanx.figures.discovery import experiment_label, sobol_figure, tradeoff_figure
from phalanx.report.markup import table

if TYPE_CHECKING:  # pragma: no cover
    import plotly.graph_objects as go

    from phalanx.kb import KnowledgeBase

__all__ = [
    "experiment_label",
    "tradeoff_figure",
    "sobol_figure",
    "discovery_html",
    "discovery_section",
]

Result = Mapping[str, Any]
_esc = html.escape


def _figure(fig: go.Figure, div_id: str) -> str:
    return fig.to_html(
        full_html=False,
        include_plotlyjs=False,
        config={"displaylogo": False, "responsive": True},
        div_id=div_id,
    )


def _num(v: Any) -> str:
    if v is None:
        return "n/a"
    if isinstance(v, int):
        return str(v)
    return f"{v:.3f}"


def _qp(v: float | None) -> str:
    return "" if v is None else f"{v:.2g}"


def _meta(result: Result) -> str:
    from phalanx.experiments.provenance import parameters_text

    m = result["metadata"]
    params = parameters_text(m) if m.get("parameters_source") else "not recorded"
    return (
        f"<p class='meta'>{_esc(experiment_label(result))}; {_esc(m['organization'])} from "
        f"{_esc(m['start'])}, {m['years']} years; {_esc(str(params))}; design "
        f"{_esc(m['design'])}, common random numbers across points.</p>"
    )


def _discovery_part(result: Result) -> str:
    cases = result["cases"]
    factors = {f["name"]: f for f in result["factors"]}
    parts = [
        f"<h3>Under which conditions: {_esc(result['outcome'])}</h3>",
        f"<p>{cases['n']} cases ({_esc(cases['definition'])}): {cases['of_interest']} of "
        f"interest. The outcome came up in {100 * cases['outcome_rate']:.0f}% of all runs.</p>",
    ]
    prim = result["prim"]
    if prim is None:
        parts.append(f"<p>No box: {_esc(cases['note'] or '')}</p>{_meta(result)}")
        return "".join(parts)
    box = prim["box"]
    met = "" if prim["meets_target"] else " No box reached the density asked for."
    rows = [
        [
            f"<code>{_esc(lim['factor'])}</code>",
            _esc(factors[lim["factor"]]["label"]),
            f"{_num(factors[lim['factor']]['low'])} to {_num(factors[lim['factor']]['high'])}",
            f"{_num(lim['low'])} to {_num(lim['high'])}",
            _qp(lim["qp_low"]),
            _qp(lim["qp_high"]),
        ]
        for lim in box["limits"]
    ]
    parts.append(
        f"<p>The chosen box (box {box['box']}: {_esc(prim['rule'])}) holds "
        f"{100 * box['coverage']:.0f}% of the cases of interest (coverage), and "
        f"{100 * box['density']:.0f}% of its cases are of interest (density); it covers "
        f"{100 * box['mass']:.0f}% of the cases (mass).{met} A quasi-p-value tests one side "
        "of a limit; small values (below 0.05) mark the restrictions the data support.</p>"
        + table(
            ["factor", "meaning", "range", "in the box", "qp low", "qp high"],
            rows,
        )
        + _figure(tradeoff_figure(result), "discovery-tradeoff")
        + _meta(result)
        + "<p>Feature scores (extra trees): how much each factor explains the outcome, box "
        "or not.</p>"
        + table(
            ["factor", "score"],
            [
                [f"<code>{_esc(s['factor'])}</code>", _num(s["score"])]
                for s in result["feature_scores"]
            ],
        )
        + _meta(result)
    )
    return "".join(parts)


def _sensitivity_part(result: Result) -> str:
    out = result["output"]
    parts = [
        f"<h3>What moves {_esc(result['outcome'])}: Sobol indices</h3>",
        f"<p>Per design point, the {_esc(result['statistic'])} of the outcome over its runs "
        f"(mean {out['mean']:.3f}, variance {out['variance']:.3g} over {out['points']} "
        "points). The first-order index is the share of that variance a factor explains "
        "alone; the total index adds its interactions, so a total near 0 means the factor "
        "does not matter over its range.</p>",
    ]
    if result["note"]:
        parts.append(f"<p>{_esc(result['note'])}</p>{_meta(result)}")
        return "".join(parts)
    labels = {f["name"]: f["label"] for f in result["factors"]}
    rows = [
        [
            f"<code>{_esc(r['factor'])}</code>",
            _esc(labels[r["factor"]]),
            f"{_num(r['S1'])} &plusmn; {_num(r['S1_conf'])}",
            f"{_num(r['ST'])} &plusmn; {_num(r['ST_conf'])}",
        ]
        for r in sorted(result["indices"], key=lambda r: -(r["ST"] or 0.0))
    ]
    parts.append(
        table(["factor", "meaning", "first order", "total"], rows)
        + _figure(sobol_figure(result), "discovery-sobol")
        + _meta(result)
    )
    return "".join(parts)


def discovery_html(discovery: Result | None, sensitivity: Result | None) -> str:
    """The section's HTML for the plain results (either may be None: left out)."""
    parts = [
        '<section id="discovery"><h2>Scenario discovery and sensitivity</h2>',
        '<p class="warn"><b>Model outputs under stated assumptions.</b> These experiments '
        "vary every uncertain number of a scenario over its stated range and ask which of "
        "them drive an outcome of the membership model: they explain the model, not the "
        "world.</p>",
    ]
    if discovery is not None:
        parts.append(_discovery_part(discovery))
    if sensitivity is not None:
        parts.append(_sensitivity_part(sensitivity))
    parts.append("</section>")
    return "\n".join(parts)


def discovery_section(
    kb: KnowledgeBase,
    organization: str | None = None,
    at: dt.date | None = None,
    *,
    scenario: str = "long-war",
    outcome: str | None = None,
    years: int = 5,
    points: int = 200,
    runs_per_point: int = 10,
    samples: int = 64,
    seed: int | None = None,
    backend: str = "serial",
) -> str:
    """HTML: discovery and sensitivity of ``outcome`` under ``scenario`` from ``at``.

    ``outcome`` defaults to "at least one exit by the last year"; every run is a case
    (``cases="runs"``: under a calibrated posterior exits are rare, so few design points
    would have the outcome in most of their runs, and PRIM would find nothing); the
    sensitivity takes the same outcome's probability. The seed defaults to the scenario's.
    Small defaults: a few seconds on the embedded data.
    """
    from phalanx.experiments.discovery import run_discovery
    from phalanx.experiments.sensitivity import run_sensitivity
    from phalanx.models.dynamics.state import initial_state

    state = initial_state(kb, organization, at)
    if outcome is None:
        outcome = f"exits >= 1 by {int(state.date[:4]) + years}"
    common = dict(organization=organization, start=at, years=years, seed=seed, backend=backend)
    disc = run_discovery(
        kb,
        scenario,
        outcome,
        points=points,
        runs_per_point=runs_per_point,
        cases="runs",
        **common,
    )
    sens = run_sensitivity(
        kb, scenario, outcome, samples=samples, runs_per_point=runs_per_point, **common
    )
    return discovery_html(disc, sens)
