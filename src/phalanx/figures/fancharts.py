"""Plotly figures of a membership-dynamics run, built from its summary (plain data).

Every builder takes the JSON-ready summary that :mod:`phalanx.experiments.summary` makes
(or a list of them, one per scenario) and returns a ``plotly.graph_objects.Figure``; it
reads nothing else, so the future web dashboard can draw the same figures from a stored
``summary.json``. Monte Carlo uncertainty is drawn, never hidden: status probabilities carry
their Wilson 95% intervals as translucent bands, fans show the 25-75 and 5-95 per cent
ranges of the replicates around the median, and bars carry their intervals as error bars.
Every title names the run it shows (scenario, root seed, runs, years, data version), so a
figure copied out of the report still says where it came from.

Plotly is imported inside the builders (it is heavy). Cost: O(number of summary records).
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from phalanx.figures.colours import STATUS_COLOURS, scenario_colour, translucent
from phalanx.models.dynamics.types import MECHANISMS, RESPONSE_CATEGORIES

if TYPE_CHECKING:  # pragma: no cover
    import plotly.graph_objects as go

__all__ = [
    "STATUSES",
    "run_label",
    "status_fan",
    "status_fans",
    "strain_fan",
    "capacity_fan",
    "exit_bars",
    "mechanism_bars",
    "responses_bars",
    "horizon_rates",
]

STATUSES: tuple[str, ...] = ("member", "frozen", "suspended", "out")
"""The statuses a simulated actor can hold, in the order they are drawn."""

Summary = Mapping[str, Any]

_BAND_ALPHA = 0.2
_FAN_ALPHA = {"q05": 0.15, "q25": 0.35}
_STRAIN_COLOUR = "#222222"
_CAPACITY_COLOUR = "#332288"


def run_label(summary: Summary, data_version: str | None = None) -> str:
    """One line naming the run: scenario, seed, runs, years and data version.

    ``data_version`` defaults to the summary's own ``data_version`` when it has one.

    >>> run_label({"scenario": "long-war", "seed": 7, "runs": 200, "years": [2026, 2027]},
    ...           "v1")
    'long-war, seed 7, 200 runs, 2026-2027, data v1'
    """
    years = list(summary.get("years") or [])
    span = f", {years[0]}-{years[-1]}" if years else ""
    version = data_version or summary.get("data_version")
    data = f", data {version}" if version else ""
    return (
        f"{summary.get('scenario', '?')}, seed {summary.get('seed', '?')}, "
        f"{summary.get('runs', '?')} runs{span}{data}"
    )


def _title(what: str, lines: Iterable[str]) -> dict[str, Any]:
    """A Plotly title: what is shown, then the runs in smaller lines below (escaped)."""
    runs = "<br>".join(html.escape(x) for x in lines)
    return {
        "text": f"{html.escape(what)}<br><sup>{runs}</sup>",
        "x": 0.01,
        "xanchor": "left",
    }


def _year_ticks(years: Sequence[int]) -> dict[str, Any]:
    """Axis settings that label whole years only (at most about ten labels)."""
    span = (max(years) - min(years)) if years else 0
    return {"tickformat": "d", "tick0": min(years) if years else 0, "dtick": max(1, -(-span // 10))}


def _status_rows(summary: Summary, actor: str) -> dict[str, list[Mapping[str, Any]]]:
    """The status-probability records of ``actor``, by status, sorted by year."""
    out: dict[str, list[Mapping[str, Any]]] = {s: [] for s in STATUSES}
    for r in summary["status_probabilities"]:
        if r["actor"] == actor and r["status"] in out:
            out[r["status"]].append(r)
    for rows in out.values():
        rows.sort(key=lambda r: r["year"])
    return out


def _band(x: list[Any], low: list[float], high: list[float], colour: str, alpha: float, **kw):
    """A closed polygon from ``low`` to ``high`` over ``x`` (high forwards, low backwards)."""
    import plotly.graph_objects as go

    return go.Scatter(
        x=list(x) + list(reversed(x)),
        y=list(high) + list(reversed(low)),
        fill="toself",
        fillcolor=translucent(colour, alpha),
        line={"width": 0},
        mode="lines",
        hoverinfo="skip",
        showlegend=False,
        **kw,
    )


def _shown_statuses(summary: Summary, actors: Sequence[str]) -> list[str]:
    """The statuses with a positive probability (or upper bound) somewhere among ``actors``."""
    wanted = set(actors)
    seen = {
        r["status"]
        for r in summary["status_probabilities"]
        if r["actor"] in wanted and max(r["probability"], r["high"]) > 0
    }
    return [s for s in STATUSES if s in seen]


def _status_traces(summary: Summary, actor: str, statuses, shown: set) -> list:
    """Band and line traces of ``actor`` for each of ``statuses`` (legend once per status)."""
    import plotly.graph_objects as go

    rows = _status_rows(summary, actor)
    out = []
    for status in statuses:
        rs = rows[status]
        if not rs:
            continue
        colour = STATUS_COLOURS[status]
        x = [r["year"] for r in rs]
        out.append(
            _band(
                x,
                [r["low"] for r in rs],
                [r["high"] for r in rs],
                colour,
                _BAND_ALPHA,
                name=f"{status} 95% interval",
                legendgroup=status,
            )
        )
        out.append(
            go.Scatter(
                x=x,
                y=[r["probability"] for r in rs],
                name=status,
                legendgroup=status,
                showlegend=status not in shown,
                mode="lines+markers",
                marker={"size": 4},
                line={"color": colour, "width": 2},
                customdata=[[r["low"], r["high"]] for r in rs],
                hovertemplate=(
                    f"{html.escape(actor)} {status} in %{{x}}: %{{y:.1%}} "
                    "(95%: %{customdata[0]:.1%} to %{customdata[1]:.1%})<extra></extra>"
                ),
            )
        )
        shown.add(status)
    return out


def status_fan(
    summary: Summary,
    actor: str,
    *,
    name: str | None = None,
    data_version: str | None = None,
) -> go.Figure:
    """The probability of each status of ``actor`` by year, with Wilson 95% bands.

    One line per status that has a positive probability somewhere (``STATUSES`` order,
    ``STATUS_COLOURS``), each over a band from the interval's ``low`` to ``high``.
    ``name`` is the actor's display name (default its id).
    """
    import plotly.graph_objects as go

    if actor not in summary["actors"]:
        raise KeyError(f"{actor!r} is not an actor of run {summary.get('run_id')}")
    fig = go.Figure()
    fig.add_traces(_status_traces(summary, actor, _shown_statuses(summary, [actor]), set()))
    fig.update_layout(
        title=_title(
            f"{name or actor}: probability of each status", [run_label(summary, data_version)]
        ),
        yaxis={"title": "probability", "range": [0, 1], "tickformat": ".0%"},
        xaxis={"title": "year", **_year_ticks(summary["years"])},
        template="plotly_white",
        height=380,
        legend={"orientation": "h", "y": -0.2},
    )
    return fig


def status_fans(
    summary: Summary,
    actors: Sequence[str] | None = None,
    *,
    names: Mapping[str, str] | None = None,
    data_version: str | None = None,
    columns: int = 3,
) -> go.Figure:
    """Small multiples of :func:`status_fan`: one panel per actor, shared axes and legend.

    ``actors`` defaults to the run's actors other than its ``leader`` (when the summary
    names one): the candidates, whose status can change. ``names`` maps ids to titles.
    """
    from plotly.subplots import make_subplots

    names = names or {}
    if actors is None:
        actors = [a for a in summary["actors"] if a != summary.get("leader")]
    actors = list(actors)
    cols = max(1, min(columns, len(actors)))
    nrows = max(1, -(-len(actors) // cols))
    fig = make_subplots(
        rows=nrows,
        cols=cols,
        shared_xaxes=True,
        shared_yaxes=True,
        subplot_titles=[html.escape(names.get(a, a)) for a in actors],
        vertical_spacing=min(0.12, 0.5 / nrows),
        horizontal_spacing=0.04,
    )
    statuses = _shown_statuses(summary, actors)
    shown: set[str] = set()
    traces, rows, columns_ = [], [], []
    for n, actor in enumerate(actors):  # one add_traces call: per-trace adds cost O(traces^2)
        these = _status_traces(summary, actor, statuses, shown)
        traces += these
        rows += [n // cols + 1] * len(these)
        columns_ += [n % cols + 1] * len(these)
    fig.add_traces(traces, rows=rows, cols=columns_)
    fig.update_yaxes(range=[0, 1], tickformat=".0%")
    fig.update_xaxes(**_year_ticks(summary["years"]))
    fig.update_layout(
        title=_title("Probability of each status by year", [run_label(summary, data_version)]),
        template="plotly_white",
        height=150 + 190 * nrows,
        legend={"orientation": "h", "y": -0.08},
        margin={"t": 90},
    )
    return fig


def _fan(rows: Sequence[Mapping[str, Any]], what: str, axis: str, colour: str, label: str):
    """Median line over 25-75 and 5-95 bands of ``rows`` (records with year and q05..q95).

    Years whose quantiles are missing (``None``: no replicate had a value) are left out.
    """
    import plotly.graph_objects as go

    rs = [r for r in rows if all(r.get(q) is not None for q in ("q05", "q25", "q50", "q75", "q95"))]
    x = [r["year"] for r in rs]
    fig = go.Figure()
    for lo, hi in (("q05", "q95"), ("q25", "q75")):
        fig.add_trace(
            _band(
                x,
                [r[lo] for r in rs],
                [r[hi] for r in rs],
                colour,
                _FAN_ALPHA[lo],
                name=f"{int(lo[1:])}-{int(hi[1:])}%",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=[r["q50"] for r in rs],
            name="median",
            mode="lines+markers",
            line={"color": colour, "width": 2.5},
            customdata=[[r["q05"], r["q25"], r["q75"], r["q95"]] for r in rs],
            hovertemplate=(
                "%{x}: median %{y:.3f}<br>25-75%: %{customdata[1]:.3f} to %{customdata[2]:.3f}"
                "<br>5-95%: %{customdata[0]:.3f} to %{customdata[3]:.3f}<extra></extra>"
            ),
        )
    )
    fig.update_layout(
        title=_title(what, [label]),
        yaxis={"title": axis, "range": [0, 1]},
        xaxis={"title": "year", **_year_ticks([r["year"] for r in rows])},
        template="plotly_white",
        height=380,
        showlegend=False,
    )
    return fig


def strain_fan(summary: Summary, *, data_version: str | None = None) -> go.Figure:
    """The simulated strain index by year: the median over 25-75% and 5-95% bands.

    The bands are quantiles over the replicates (the summary's streaming histogram; its
    resolution is the summary's bin width), not confidence intervals.
    """
    return _fan(
        summary["strain"],
        "Simulated strain (median, 25-75% and 5-95% of runs)",
        "strain (0 none, 1 most)",
        _STRAIN_COLOUR,
        run_label(summary, data_version),
    )


def capacity_fan(summary: Summary, *, data_version: str | None = None) -> go.Figure:
    """The leader's capacity available to the organisation by year (median and bands)."""
    return _fan(
        summary["capacity"],
        "Leader's available capacity (median, 25-75% and 5-95% of runs)",
        "capacity (0 none, 1 full)",
        _CAPACITY_COLOUR,
        run_label(summary, data_version),
    )


def horizon_rates(summary: Summary) -> dict[str, dict[str, Mapping[str, Any]]]:
    """Per actor, the rates at the run's last year: ``{actor: {"left": rec, "frozen": rec}}``.

    ``left`` is the probability of at least one exit by the last year (``exits_by_actor``);
    ``frozen`` the probability of being frozen in the last year (``status_probabilities``).
    Each record has ``probability``, ``low`` and ``high``.
    """
    last = summary["years"][-1]
    out: dict[str, dict[str, Mapping[str, Any]]] = {}
    for r in summary["exits_by_actor"]:
        out.setdefault(r["actor"], {})["left"] = r
    for r in summary["status_probabilities"]:
        if r["year"] == last and r["status"] == "frozen":
            out.setdefault(r["actor"], {})["frozen"] = r
    return out


def _error(rows: Sequence[Mapping[str, Any] | None], key: str) -> dict[str, Any]:
    """Asymmetric error bars from each record's ``low`` and ``high`` around ``key``."""
    return {
        "type": "data",
        "symmetric": False,
        "array": [None if r is None else r["high"] - r[key] for r in rows],
        "arrayminus": [None if r is None else r[key] - r["low"] for r in rows],
        "thickness": 1.2,
    }


def _bar(
    rows: Sequence[Mapping[str, Any] | None],
    x: Sequence[str],
    n: int,
    summary: Summary,
    key: str = "probability",
    *,
    errors: bool = True,
):
    """One scenario's bars: ``rows[i][key]`` over ``x[i]`` (None: no bar), colour ``n``."""
    import plotly.graph_objects as go

    scenario = html.escape(str(summary.get("scenario", n)))
    return go.Bar(
        x=list(x),
        y=[None if r is None else r[key] for r in rows],
        error_y=_error(rows, key) if errors else None,
        name=scenario,
        legendgroup=str(n),
        marker_color=scenario_colour(n),
        hovertemplate=f"%{{x}}: %{{y:.1%}}<extra>{scenario}</extra>",
    )


def _labels(summaries: Sequence[Summary], data_version: str | None) -> list[str]:
    """Title lines naming the runs of a figure of several scenarios.

    When the runs share their size, years and data version, two lines: each scenario with
    its seed, then what they share (``200 runs each, 2026-2036, data v``); else one line
    per run (:func:`run_label`).
    """
    labels = [run_label(s, data_version) for s in summaries]
    tails = {label.split(", ", 2)[-1] for label in labels}
    if len(summaries) < 2 or len(tails) != 1:
        return labels
    (tail,) = tails
    seeds = "; ".join(f"{s.get('scenario', '?')} seed {s.get('seed', '?')}" for s in summaries)
    return [seeds, tail.replace(" runs", " runs each", 1)]


def exit_bars(
    summaries: Sequence[Summary],
    *,
    actors: Sequence[str] | None = None,
    names: Mapping[str, str] | None = None,
    data_version: str | None = None,
) -> go.Figure:
    """Per actor, the probability of having left and of being frozen by each run's last
    year: one bar per scenario (``SCENARIO_COLOURS`` in the given order), 95% error bars.

    Two stacked panels share the actor axis: "left by the last year" (at least one exit)
    above, "frozen in the last year" below. ``actors`` defaults to every actor with a
    rate in any summary but the leaders, in the summaries' actor order.
    """
    from plotly.subplots import make_subplots

    names = names or {}
    rates = [horizon_rates(s) for s in summaries]
    if actors is None:
        known = {a for r in rates for a in r}
        order = [a for s in summaries for a in s["actors"]]
        leaders = {s.get("leader") for s in summaries}
        actors = list(dict.fromkeys(a for a in order if a in known and a not in leaders))
    x = [html.escape(names.get(a, a)) for a in actors]  # tick labels render markup
    fig = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        subplot_titles=["left at least once by the last year", "frozen in the last year"],
        vertical_spacing=0.12,
    )
    for n, (s, r) in enumerate(zip(summaries, rates, strict=True)):
        for row, key in ((1, "left"), (2, "frozen")):
            bar = _bar([r.get(a, {}).get(key) for a in actors], x, n, s)
            bar.showlegend = row == 1
            fig.add_trace(bar, row=row, col=1)
    fig.update_yaxes(range=[0, 1], tickformat=".0%")
    fig.update_layout(
        title=_title("Leaving and freezing by the horizon", _labels(summaries, data_version)),
        barmode="group",
        template="plotly_white",
        height=560,
        legend={"orientation": "h", "y": -0.12},
        margin={"t": 80 + 16 * len(_labels(summaries, data_version))},
    )
    return fig


def mechanism_bars(summaries: Sequence[Summary], *, data_version: str | None = None) -> go.Figure:
    """The share of exits attributed to each mechanism (largest term), per scenario.

    Mechanisms in ``MECHANISMS`` order; error bars are the summaries' 95% intervals; a
    scenario without exits has no bars (its shares are undefined, not zero).
    """
    import plotly.graph_objects as go

    fig = go.Figure()
    for n, s in enumerate(summaries):
        by = {r["mechanism"]: r for r in s["mechanisms"]}
        rows = [by.get(m) if by.get(m, {}).get("share") is not None else None for m in MECHANISMS]
        fig.add_trace(_bar(rows, [m.replace("_", " ") for m in MECHANISMS], n, s, key="share"))
    fig.update_layout(
        title=_title(
            "What drove the exits (share of exits per mechanism)", _labels(summaries, data_version)
        ),
        barmode="group",
        yaxis={"title": "share of exits", "range": [0, 1], "tickformat": ".0%"},
        template="plotly_white",
        height=420,
        legend={"orientation": "h", "y": -0.2},
        margin={"t": 80 + 16 * len(_labels(summaries, data_version))},
    )
    return fig


def responses_bars(summaries: Sequence[Summary], *, data_version: str | None = None) -> go.Figure:
    """How requests for assistance were answered, per scenario.

    Left: the share of requests in each category (none, weak, strong; 95% error bars);
    right: the share of requests in each tenth of the outcome (0 no action, 1 full military
    assistance). Scenarios without requests have no bars.
    """
    from plotly.subplots import make_subplots

    fig = make_subplots(
        rows=1,
        cols=2,
        column_widths=[0.35, 0.65],
        subplot_titles=["answer category", "outcome (share of requests per tenth)"],
    )
    for n, s in enumerate(summaries):
        resp = s["responses"]
        by = {r["category"]: r for r in resp["categories"]}
        rows = [
            by.get(c) if by.get(c, {}).get("share") is not None else None
            for c in RESPONSE_CATEGORIES
        ]
        fig.add_trace(_bar(rows, list(RESPONSE_CATEGORIES), n, s, key="share"), row=1, col=1)
        edges = resp["histogram"]["edges"]
        counts = resp["histogram"]["counts"]
        total = sum(counts)
        bins = [f"{a:.1f}-{b:.1f}" for a, b in zip(edges[:-1], edges[1:], strict=True)]
        hist = _bar(
            [None] * len(bins) if total == 0 else [{"share": c / total} for c in counts],
            bins,
            n,
            s,
            key="share",
            errors=False,
        )
        hist.showlegend = False
        fig.add_trace(hist, row=1, col=2)
    fig.update_yaxes(range=[0, 1], tickformat=".0%")
    fig.update_layout(
        title=_title("How requests for assistance were answered", _labels(summaries, data_version)),
        barmode="group",
        template="plotly_white",
        height=420,
        legend={"orientation": "h", "y": -0.2},
        margin={"t": 80 + 16 * len(_labels(summaries, data_version))},
    )
    return fig
