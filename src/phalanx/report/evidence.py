"""The report's "Evidence" section: is the model right?

It shows, for the report's organisation, what the evidence functions of
:mod:`phalanx.evidence` return, without recomputing what needs the field's datasets:

- the hazard of defence-pact termination fitted on ATOP 5.1 (the shipped fit: each
  coefficient with its bootstrap interval, the mechanism it stands for and the verdict);
- the large-N backtest and the organisation's own (the shipped results: Brier and log
  scores with intervals for every method, reliability diagrams, and the organisation's
  cases one by one, misses included), when the shipped results cover the organisation;
- the calibration to the organisation's history (the package's posterior: the parameters'
  posterior and the patterns it reproduces or misses), when the package has one;
- the requests for collective assistance, each predicted with the case left out
  (:func:`phalanx.evidence.requests.backtest_requests`, computed now, about a second).

:func:`evidence_data` gathers the plain data; :func:`evidence_html` renders it. Nothing
here is random: the same inputs give the same HTML.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from phalanx.report.markup import number, table, text

if TYPE_CHECKING:  # pragma: no cover
    from phalanx.kb import KnowledgeBase

__all__ = ["evidence_data", "evidence_html"]

METHOD_ORDER = ("base-rate", "persistence", "logistic", "hazard", "simulation")


def evidence_data(
    kb: KnowledgeBase, organization: str, at: dt.date | None = None
) -> dict[str, Any]:
    """The section's plain data for ``organization`` of ``kb``, as of ``at`` (default today).

    ``{"organization", "at", "fit", "backtest", "posterior", "requests", "missing"}``: the
    shipped fit and backtest results (None when absent), the package's posterior file as
    a dict (None when it has none, or when it was calibrated on years after ``at``), the
    requests' cases and summary, and a list of what could not be shown and why. What is
    about the organisation itself never reaches past ``at``: its backtest shows only the
    horizons observed by then, its calibration only when the replayed history ends by
    then, its requests only those made by then. The large-N fit and the requests' overall
    scores are the model's evidence, shown as they are.
    """
    from phalanx.errors import UserError
    from phalanx.evidence.pipeline import shipped

    at = at or dt.date.today()
    missing: list[str] = []
    out: dict[str, Any] = {"organization": organization, "at": at.isoformat()}
    for name in ("fit", "backtest"):
        try:
            out[name] = shipped(name)
        except UserError as e:
            out[name] = None
            missing.append(str(e))
    out["posterior"] = _posterior(kb, organization)
    if out["posterior"] is None:
        missing.append(
            f"the package has no calibrated posterior for {organization}: its scenarios run at "
            "the model's defaults"
        )
    elif int(out["posterior"].get("replay", {}).get("end_year", 0)) > at.year:
        end = out["posterior"]["replay"]["end_year"]
        out["posterior"] = None
        missing.append(
            f"the calibration of {organization} replays its history to {end}, after this "
            "report's date; a report dated then shows it"
        )
    from phalanx.evidence.requests import backtest_requests

    cases, summary = backtest_requests()
    out["requests"] = {"cases": cases, "summary": summary}
    out["missing"] = missing
    return out


def _posterior(kb: KnowledgeBase, organization: str) -> dict[str, Any] | None:
    import json

    from phalanx.evidence.calibration import package_posterior

    post = package_posterior(kb, organization)
    if post is None:
        return None
    return json.loads(post.path.read_text(encoding="utf-8"))


def _fit_html(fit: Mapping[str, Any]) -> str:
    rows = [
        [
            text(c["name"]),
            text(c.get("mechanism")),
            number(c.get("estimate")),
            f"{number(c.get('low'))} to {number(c.get('high'))}",
            text(c.get("verdict", "")),
            text(c.get("published", "")),
        ]
        for c in fit.get("coefficients", [])
    ]
    sample = fit.get("sample", {})
    boot = fit.get("bootstrap", {})
    sources = ", ".join(
        f"{s.get('dataset')} {s.get('version')} ({s.get('rows')} rows)"
        for s in fit.get("sources", [])
    )
    priors = [
        [
            text(k),
            number(v.get("mean")),
            number(v.get("sd")),
            f"[{number(v.get('low'), 0)}, {number(v.get('high'), 0)}]",
            text(v.get("from")),
        ]
        for k, v in fit.get("priors", {}).items()
    ]
    return (
        "<h3>Which mechanisms does history support?</h3>"
        f"<p>A discrete-time logistic hazard of the end of a defence pact, fitted on "
        f"{text(sample.get('dyad_years'))} dyad-years of ATOP 5.1 with "
        f"{text(sample.get('terminations'))} terminations ({text(fit.get('method', ''))}). "
        f"Intervals: {text(boot.get('replicates'))} bootstrap replicates resampling "
        f"{text(boot.get('cluster'))}s (seed {text(boot.get('seed'))}). Log-odds per dyad-year; "
        "a verdict says whether the interval lies on the side the mechanism predicts "
        "(supported), on the other side (contradicted) or across zero (cannot tell).</p>"
        + table(
            ["covariate", "mechanism", "estimate", "95% interval", "verdict", "published"], rows
        )
        + f'<p class="meta">Data: {text(sources)}; fit {text(fit.get("version"))}, made '
        f"{text(fit.get('created'))}.</p>"
        "<p>These estimates become the priors of the simulation's parameters (normal, "
        "truncated to each parameter's range; a weight whose coefficient has the wrong sign "
        "piles at 0):</p>" + table(["parameter", "mean", "sd", "range", "from"], priors)
    )


def _score_rows(records: Sequence[Mapping[str, Any]]) -> list[list[str]]:
    order = {m: i for i, m in enumerate(METHOD_ORDER)}
    recs = sorted(records, key=lambda r: (r["cutoff"], r["horizon"], order.get(r["method"], 99)))
    best: dict[tuple[int, int], float] = {}
    for r in recs:
        key = (r["cutoff"], r["horizon"])
        best[key] = min(best.get(key, float("inf")), r["log_score"])
    rows = []
    for r in recs:
        mark = " &#9733;" if r["log_score"] == best[(r["cutoff"], r["horizon"])] else ""
        rows.append(
            [
                text(r["cutoff"]),
                text(r["horizon"])
                + (
                    f" (observed {text(r['observed_years'])})"
                    if r.get("observed_years") not in (None, r["horizon"])
                    else ""
                ),
                text(r["method"]),
                text(r["n"]),
                text(r.get("events")),
                f"{number(r['brier'])} ({number(r['brier_low'])} to {number(r['brier_high'])})",
                f"{number(r['log_score'])} ({number(r.get('log_low'))} to {number(r.get('log_high'))})"
                + mark,
            ]
        )
    return rows


_SCORE_COLUMNS = [
    "cut-off",
    "horizon (years)",
    "method",
    "cases",
    "events",
    "Brier (95%)",
    "log score (95%)",
]


def _reliability_figure(entries: Sequence[Mapping[str, Any]], horizon: int, div_id: str) -> str:
    import plotly.graph_objects as go

    from phalanx.figures.colours import scenario_colour

    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=[0, 1],
            y=[0, 1],
            mode="lines",
            name="calibrated",
            line={"dash": "dot", "color": "#999"},
        )
    )
    order = {m: i for i, m in enumerate(METHOD_ORDER)}
    for e in sorted(entries, key=lambda e: order.get(e["method"], 99)):
        if e["horizon"] != horizon or e["method"] == "persistence":
            continue
        bins = e["bins"]
        fig.add_trace(
            go.Scatter(
                x=[b["mean_forecast"] for b in bins],
                y=[b["observed"] for b in bins],
                mode="lines+markers",
                name=e["method"],
                marker={"size": [6 + min(14, b["n"] ** 0.5) for b in bins]},
                line={"color": scenario_colour(order.get(e["method"], 5))},
                text=[f"n = {b['n']}" for b in bins],
                hovertemplate="forecast %{x:.3f}<br>observed %{y:.3f}<br>%{text}<extra>%{fullData.name}</extra>",
            )
        )
    cutoffs = sorted({c for e in entries for c in e.get("cutoffs", [])})
    fig.update_layout(
        title=f"Reliability, termination within {horizon} years (cut-offs {', '.join(map(str, cutoffs))} pooled)",
        xaxis={"title": "forecast probability", "range": [0, 1]},
        yaxis={"title": "observed frequency", "range": [0, 1]},
        height=420,
        margin={"t": 60, "l": 60, "r": 20, "b": 50},
    )
    return fig.to_html(
        full_html=False, include_plotlyjs=False, div_id=div_id, config={"displaylogo": False}
    )


def _backtest_html(bt: Mapping[str, Any], organization: str, data_at: str) -> str:
    records = bt.get("records", [])
    large = [r for r in records if r["dataset"] != bt.get("settings", {}).get("organization")]
    at = data_at
    own = [
        r for r in records if r["dataset"] == organization and str(r.get("observed_to", "")) <= at
    ]
    parts = [
        "<h3>Forecasts scored out of sample</h3>",
        "<p>Each method was fitted on the years up to a cut-off only, then scored on what "
        "happened after it: the Brier score and the log score (nats; forecasts clipped to "
        "[1e-6, 1 - 1e-6], so a certain miss costs 13.8), both lower is better, with "
        "bootstrap 95% intervals; &#9733; marks the best log score of each row group. "
        "Methods: the training base rate, persistence (nothing ends), a logistic regression "
        "fitted directly on the outcome (scikit-learn), the hazard model compounded over the "
        "horizon, and the simulation's own hazard form.</p>",
    ]
    if large:
        parts.append(f"<h4>{text(large[0]['dataset'])}</h4>")
        parts.append(table(_SCORE_COLUMNS, _score_rows(large)))
        rel = bt.get("reliability", [])
        for h in sorted({e["horizon"] for e in rel}):
            parts.append(_reliability_figure(rel, h, f"reliability-{h}"))
            parts.append(_backtest_caption(bt))
    if own:
        parts.append(f"<h4>{text(organization)}: each member's leaving full membership</h4>")
        parts.append(
            '<p class="warn">Few members and fewer events: every interval is wide and one event '
            "moves every score. Read the cases below, misses included, more than the scores.</p>"
        )
        parts.append(table(_SCORE_COLUMNS, _score_rows(own)))
        cases = [
            c
            for c in bt.get("cases", [])
            if c.get("organization") == organization and str(c.get("observed_to", "")) <= at
        ]
        if cases:
            rows = [
                [
                    text(c.get("cutoff")),
                    text(c.get("horizon")),
                    text(c.get("actor")),
                    text(c.get("method")),
                    number(c.get("forecast")) if c.get("forecast") is not None else "not covered",
                    (
                        f"{text(c.get('became'))} {text(c.get('event_date'))}"
                        if c.get("outcome") == 1
                        else "stayed"
                    )
                    + (
                        f" (observed to {text(c.get('observed_to'))})" if c.get("truncated") else ""
                    ),
                ]
                for c in cases
            ]
            parts.append(
                "<details><summary>Every case</summary>"
                + table(["cut-off", "horizon", "member", "method", "forecast", "outcome"], rows)
                + "</details>"
            )
    elif organization:
        parts.append(
            f"<p>The shipped backtest does not cover {text(organization)}; run "
            "<code>phalanx backtest</code> with the datasets on this package.</p>"
        )
    parts.append(_backtest_caption(bt))
    return "".join(parts)


def _backtest_caption(bt: Mapping[str, Any]) -> str:
    """The line naming the backtest run: when it was made, its seed, bootstrap, runs, data."""
    settings = bt.get("settings", {})
    return (
        f'<p class="meta">Backtest made {text(bt.get("created"))}, seed {text(bt.get("seed"))}, '
        f"bootstrap {text(settings.get('bootstrap'))}, simulation runs {text(settings.get('runs'))}, "
        f"data {text(settings.get('data_version'))}.</p>"
    )


def _posterior_html(post: Mapping[str, Any]) -> str:
    names = post.get("parameters", [])
    summary = post.get("summary", {})
    rows = []
    for n in names:
        s = summary.get(n, {}) if isinstance(summary, Mapping) else {}
        prior = post.get("prior", {}).get("priors", {}).get(n, {})
        rows.append(
            [
                text(n),
                number(s.get("mean")),
                f"{number(s.get('q05'))} to {number(s.get('q95'))}",
                f"{number(prior.get('mean'))} (sd {number(prior.get('sd'))})",
            ]
        )
    patterns = [
        [
            text(p.get("pattern")),
            text(p.get("observed")),
            number(p.get("posterior_predictive_mean")),
            " to ".join(number(v, 0) for v in p.get("interval90", [])),
            "yes" if p.get("reproduced") else "<b>no</b>",
        ]
        for p in post.get("patterns", [])
    ]
    return (
        "<h3>Calibration to the organisation's history</h3>"
        f"<p>{text(post.get('method'))}. The posterior ({len(post.get('draws', []))} equally "
        f"weighted draws, seed {text(post.get('seed'))}, data {text(post.get('data_version'))}) "
        "is what <code>phalanx simulate</code> and the scenarios above use by default; each "
        "replicate takes one draw.</p>"
        + table(["parameter", "posterior mean", "90% interval", "prior"], rows)
        + "<p>The history's patterns, and whether the posterior reproduces them (the observed "
        "count inside the central 90% of the replays):</p>"
        + table(
            ["pattern", "observed", "posterior predictive mean", "90% predictive", "reproduced"],
            patterns,
        )
    )


def _requests_html(req: Mapping[str, Any], organization: str, at: str) -> str:
    s = req["summary"]
    own = [c for c in req["cases"] if c["organization"] == organization and c["date"] <= at]
    model, base = s["model"], s["base_rate"]
    rows = [
        [
            text(c["date"]),
            text(c["organization"]),
            text(c["requester"]),
            text(c["kind"]),
            text(c["outcome"]),
            number(c["p"]),
            "hit" if c["hit"] else "<b>miss</b>",
        ]
        for c in own
    ]
    published = "; ".join(
        f"{number(p['rate'], 2)} ({text(p['period'])}, {text(p['source'])})"
        for p in s.get("published", [])
    )
    return (
        "<h3>Requests for collective assistance, predicted out of sample</h3>"
        f"<p>{s['n']} real requests across alliances (every case: docs/evidence/requests.md); "
        f"{s['answered']} answered "
        f"({number(s['share_answered'], 2)}). Each was predicted by the decision model with "
        "member positions derived as in the simulation and its three parameters fitted on "
        f"the other cases only. Model: Brier {number(model['brier'])} ({number(model['brier_low'])} "
        f"to {number(model['brier_high'])}), log score {number(model['log_score'])}, {model['hits']} "
        f"hits; base rate (also left out): Brier {number(base['brier'])}, log score "
        f"{number(base['log_score'])}, {base['hits']} hits. Published reliability rates of "
        f"alliance commitments: {published}.</p>" + _own_requests(rows, organization, at)
    )


def _own_requests(rows: list[list[str]], organization: str, at: str) -> str:
    if not rows:
        return (
            f"<p>The table holds no request made to {text(organization)} by {text(at)}; "
            "docs/evidence/requests.md lists every case.</p>"
        )
    columns = ["date", "organisation", "requester", "kind", "what it did", "P(answered)", ""]
    return f"<p>The requests made to {text(organization)} by {text(at)}:</p>" + table(columns, rows)


def evidence_html(data: Mapping[str, Any]) -> str:
    """The section's HTML from :func:`evidence_data`. Figures use the page's Plotly."""
    org = data["organization"]
    parts = [
        '<section id="evidence"><h2>Evidence: is the model right?</h2>',
        "<p>The membership model's mechanisms come from the source document. Here they meet "
        "two centuries of alliance data, the organisation's own history, and real requests "
        "for help. The datasets are not shipped; these results were computed from the "
        "published files (docs/evidence.md says how to recompute them).</p>",
    ]
    if data.get("fit"):
        parts.append(_fit_html(data["fit"]))
    if data.get("backtest"):
        parts.append(_backtest_html(data["backtest"], org, data["at"]))
    if data.get("posterior"):
        parts.append(_posterior_html(data["posterior"]))
    parts.append(_requests_html(data["requests"], org, data["at"]))
    if data.get("missing"):
        parts.append(
            '<ul class="warn">' + "".join(f"<li>{text(m)}</li>" for m in data["missing"]) + "</ul>"
        )
    parts.append("</section>")
    return "".join(parts)
