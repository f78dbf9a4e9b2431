"""The report's "Decisions: the model's answers beside what happened" section.

It renders :func:`phalanx.models.answers.decision_answers` for the report's organisation:
every issue file about it dated on or before the report's date (shipped with Phalanx or in
the package), the level the collective-decision model predicts on the issue's scale, the
level the issue file records as what happened (or that it records none), and the gap. A
figure sets the two side by side on each issue's scale with its anchors labelled
(:func:`phalanx.figures.decisions.decisions_figure`); each issue's actors, with the source
of every position, are in a table under it. The caption names the issue files and the
model's settings. The model is deterministic: no seed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from phalanx.figures.decisions import decisions_figure
from phalanx.models.answers import decision_answers
from phalanx.report.markup import number, table, text

if TYPE_CHECKING:  # pragma: no cover
    from phalanx.kb import KnowledgeBase

__all__ = ["decisions_section", "decisions_html"]

_INTRO = (
    "<p class='warn'><b>Model outputs, not forecasts.</b> Each issue file codes one "
    "question the organisation faced: the issue's scale from no action to the strongest, "
    "each actor's position, salience and capability (with their sources; values no source "
    "states are marked inferred), and the organisation's decision rule. The model applies "
    "that rule (under consensus, the least willing member that cares enough to block sets "
    "the level; the leading state's capacity caps what can be delivered). The gap is the "
    "predicted level minus the level that happened, in the scale's units: 0 means the model "
    "gives back what happened from the coded positions, which checks the coding and the "
    "rule, not a forecast.</p>"
)


def _link(url: str | None, label: str) -> str:
    from phalanx.report.html import link

    return link(url, label)


def _level(level: float, label: str) -> str:
    return f"{number(level, 2)} ({text(label)})"


def _positions(answer: Mapping[str, Any]) -> str:
    rows = [
        [
            text(p["name"]) + f" ({text(p['actor'])})",
            "yes" if p["member"] else "no",
            number(p["position"], 2),
            number(p["salience"], 2),
            number(p["capability"], 4),
            _link(p["url"], p["source"]) + (" <i>(inferred)</i>" if p["inferred"] else ""),
        ]
        for p in answer["positions"]
    ]
    return (
        f"<details><summary>{text(answer['title'])}: the actors' positions</summary>"
        f"<p>{text(answer['question'])}</p>"
        + table(["actor", "member", "position", "salience", "capability", "source"], rows)
        + f"<p>{text(answer['explanation'])}</p></details>"
    )


def decisions_html(
    answers: Sequence[Mapping[str, Any]], organization: str, at: dt.date, data_version: str
) -> str:
    """The section's HTML for the answers of :func:`~phalanx.models.answers.decision_answers`."""
    head = f'<section id="decisions"><h2>Decisions: the model beside what happened</h2>{_INTRO}'
    if not answers:
        return (
            head + f"<p>No issue file is about {text(organization)} on or before "
            f"{at.isoformat()}: neither the shipped ones nor the package's. A package adds "
            "its own in the folder named by <code>issues</code> in its "
            "<code>datapackage.json</code>.</p></section>"
        )
    rows = []
    for a in answers:
        obs = a["observed"]
        rows.append(
            [
                text(a["title"]) + f"<br><code>{text(a['id'])}</code> ({text(a['origin'])})",
                text(a["date"]),
                text(a["rule"]),
                _level(a["predicted"]["level"], a["predicted"]["label"]),
                (
                    _level(obs["level"], obs["label"]) + "<br>" + _link(obs["url"], obs["source"])
                    if obs is not None
                    else f"<i>{text(a['observed_note'])}</i>"
                ),
                "n/a" if a["error"] is None else f"{a['error']:+.2f}",
                text(", ".join(a["bound_by"]) or "nobody") + f" ({text(a['binding'])})",
            ]
        )
    with_outcome = [a for a in answers if a["error"] is not None]
    exact = [a for a in with_outcome if abs(a["error"]) < 1e-9]
    summary = (
        f"<p>{len(answers)} issue files; {len(with_outcome)} record what happened, and the "
        f"model gives back exactly that level in {len(exact)} of them."
        + (
            f" {len(answers) - len(with_outcome)} record no outcome, so there is nothing to "
            "compare with."
            if len(with_outcome) < len(answers)
            else ""
        )
        + "</p>"
    )
    files = "; ".join(f"{a['id']}.yaml ({a['origin']})" for a in answers)
    s = answers[0]["settings"]
    caption = (
        f"<p class='meta'>Issue files: {text(files)}; positions, saliences and capabilities "
        f"as each file codes them, with their sources (below). Model: collective decision "
        f"under each issue's rule, {s['bargaining_rounds']} bargaining rounds (as "
        f"<code>phalanx decide</code>), the leader's capacity "
        f"{'caps' if s['leader_caps'] else 'does not cap'} the outcome; deterministic (no "
        f"seed); data {text(data_version)}.</p>"
    )
    fig = decisions_figure(
        answers,
        title=f"{organization}: predicted and observed levels, issues up to {at.isoformat()}",
    )
    chart = fig.to_html(
        full_html=False,
        include_plotlyjs=False,
        config={"displaylogo": False, "responsive": True},
        div_id="decisions-levels",
    )
    return (
        head
        + summary
        + chart
        + caption
        + table(["issue", "date", "rule", "predicted", "what happened", "gap", "bound by"], rows)
        + "".join(_positions(a) for a in answers)
        + "</section>"
    )


def decisions_section(kb: KnowledgeBase, organization: str, at: dt.date) -> str:
    """HTML: the decision model's answer to every issue file about ``organization`` dated on
    or before ``at``, beside what happened (see :func:`decisions_html`)."""
    oid = kb.resolve_organization(organization)
    return decisions_html(decision_answers(kb, oid, at=at), oid, at, kb.version)
