"""The report's "Predicted alignments and what moves them" section.

It renders :func:`phalanx.models.whatifs.alignment_view` for the package's region on the
report's date: the grid of coalitions before and after each what-if
(:func:`phalanx.figures.alignment.whatif_grid`), the local minima of the landscape, the
what-ifs that move actors, and a caption naming the inputs (data version, date, weighting,
the relation, membership and indicator rows behind them, with footnotes to the report's
sources table) and the model's settings and seed. Nothing here is random: the region's
landscape is enumerated exactly (a seed matters only for the MILP of a large region, and
is recorded). About a tenth of a second on the embedded data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from phalanx.figures.alignment import MOST_COLUMNS, coalition_letter, whatif_grid
from phalanx.models.landscape_inputs import AlignmentInputError
from phalanx.models.whatifs import MAX_WHATIFS, alignment_view
from phalanx.report.footnotes import cite
from phalanx.report.markup import number, table, text

if TYPE_CHECKING:  # pragma: no cover
    from phalanx.kb import KnowledgeBase

__all__ = ["alignment_section", "alignment_html"]

_INTRO = (
    "<p class='warn'><b>Model outputs, not forecasts.</b> The landscape theory of "
    "aggregation (Axelrod and Bennett, 1993) sorts the region's actors into at most "
    "{k} coalitions so that friends (positive propensity) stand together and enemies apart, "
    "each weighted by the actors' sizes. Every alignment in which no single actor can lower "
    "its frustration by changing side is a prediction (a local minimum of the energy); the "
    "one of lowest energy is the global minimum. The <i>basin share</i> is the share of all "
    "starting alignments from which moving actors one at a time ends there. What-ifs change "
    "one input at a time (an actor's size halved or doubled, one of the strongest ties set "
    "to zero or flipped) and rerun the model: an actor <i>changes side</i> when it no "
    "longer stands with the coalition it was in, whatever the coalitions are called.</p>"
)


def _figure(fig: Any, div_id: str) -> str:
    return fig.to_html(
        full_html=False,
        include_plotlyjs=False,
        config={"displaylogo": False, "responsive": True},
        div_id=div_id,
    )


def _names(view: Mapping[str, Any], ids: Sequence[str]) -> str:
    return text(", ".join(view["names"].get(a, a) for a in ids))


def _caption(view: Mapping[str, Any]) -> str:
    inputs, settings = view["inputs"], view["settings"]
    rows = inputs["rows"]
    counts = ", ".join(
        f"{len(rows.get(key, []))} {what}"
        for key, what in (
            ("relations", "relation rows"),
            ("memberships", "membership spells"),
            ("indicators", "indicator values (sizes, arms shares)"),
            ("votes", "UN votes"),
        )
    )
    solver = settings["solver"]
    method = view["method"] + (
        "" if solver is None else f" (MILP, optimal={solver['optimal']}, limit={solver['limit']})"
    )
    listed = "".join(
        f"<p><b>{text(key)}</b>: {text(', '.join(ids))}</p>" for key, ids in rows.items() if ids
    )
    return (
        f"<p class='meta'>Inputs: {text(inputs['source'])}; {counts}. Sources: "
        f"{cite(inputs['sources'])}. Model: landscape theory, k = {view['k']}, method "
        f"{text(method)}, seed {view['seed']}; at most {settings['max_whatifs']} automatic "
        f"what-ifs (sizes x{' and x'.join(f'{f:g}' for f in settings['size_factors'])}, "
        f"strongest ties zeroed and flipped)"
        + (
            f", of which {settings['not_run']} were not run (time budget of "
            f"{settings['whatif_budget']:g} s)"
            if settings["not_run"]
            else ""
        )
        + f"; data {text(view['data_version'])}.</p>"
        f"<details><summary>Source rows</summary>{listed}</details>"
    )


def alignment_html(
    view: Mapping[str, Any], members: Mapping[str, str] | None = None, organization: str = ""
) -> str:
    """The section's HTML for an :func:`~phalanx.models.whatifs.alignment_view` result.

    ``members`` maps the actors of the report's organisation on the date to their status
    (shown beside the coalitions).
    """
    members = members or {}
    actors = view["actors"]
    title = (
        f"Coalitions before and after each what-if, {view['date']} (data "
        f"{view['data_version']}, weighting {view['inputs']['weighting']}, seed {view['seed']})"
    )
    minima_rows = [
        [
            str(r) + (" (global)" if m["is_global"] else ""),
            number(m["energy"], 5),
            number(m["basin_share"]),
            "<br>".join(
                f"<b>{coalition_letter(c)}</b>: {_names(view, members_)}"
                for c, members_ in enumerate(m["coalitions"])
            ),
        ]
        for r, m in enumerate(view["minima"], start=1)
    ]
    moving = [w for w in view["whatifs"] if w["n_moved"] or w["user"]]
    still = [w for w in view["whatifs"] if not (w["n_moved"] or w["user"])]
    whatif_rows = [
        [
            str(w["rank"]),
            text(w["label"]),
            str(w["n_moved"]),
            _names(view, w["moved"]) or "nobody",
            "<br>".join(
                f"<b>{coalition_letter(c)}</b>: {_names(view, members_)}"
                for c, members_ in enumerate(w["global"])
            ),
            "" if w["exact"] else "solver stopped early",
        ]
        for w in moving
    ]
    in_org = [a for a in actors if a in members]
    org_line = (
        f"<p>Of these actors, {_names(view, in_org)} belong to {text(organization)} on "
        f"{view['date']} ({text(', '.join(f'{a}: {members[a]}' for a in in_org))}).</p>"
        if in_org
        else ""
    )
    still_text = (
        f"<details><summary>{len(still)} other what-ifs move nobody</summary><p>"
        f"{text('; '.join(w['label'] for w in still))}.</p></details>"
        if still
        else ""
    )
    n_shown = min(len(moving), MOST_COLUMNS)
    return f"""<section id="alignment"><h2>Predicted alignments on {view["date"]} and what moves them</h2>
{_INTRO.format(k=view["k"])}
<p>{len(actors)} actors of the package's region: {_names(view, actors)}.</p>{org_line}
<h3>The landscape's local minima</h3>
{table(["minimum", "energy", "basin share", "coalitions"], minima_rows)}
<h3>What moves them</h3>
<p>{len(view["whatifs"])} what-ifs were run; {len([w for w in moving if w["n_moved"]])} move at least one actor.
The grid shows the baseline and the {n_shown} highest ranked of them (columns numbered by rank, as in the table): each
square is an actor's coalition (a colour is the same coalition in every column, letters as in the baseline), ringed
where the actor changed side.</p>
{_figure(whatif_grid(view, title=title), "alignment-whatifs")}
{_caption(view)}
{table(["rank", "what-if", "moved", "actors that change side", "coalitions after", ""], whatif_rows)}
{still_text}
</section>"""


def alignment_section(
    kb: KnowledgeBase,
    organization: str,
    at: dt.date,
    *,
    seed: int = 0,
    max_whatifs: int = MAX_WHATIFS,
) -> str:
    """HTML: the predicted alignments of the package's region on ``at`` and what moves them.

    ``organization``'s members on ``at`` are marked; the actors are the package's region
    (``kb.defaults.region``) with a size on that day. A package that gives too few actors a
    size gets a short section saying why, instead of a figure.
    """
    oid = kb.resolve_organization(organization)
    try:
        view = alignment_view(kb, at, seed=seed, max_whatifs=max_whatifs)
    except AlignmentInputError as e:
        return (
            f'<section id="alignment"><h2>Predicted alignments on {at.isoformat()}</h2>'
            f"<p>No alignment on this date: the landscape model needs the size (CINC "
            f"indicator) of at least two of the package's region actors, and the library "
            f"says: {text(e.message)}.</p></section>"
        )
    members = {m["actor"]: m["status"] for m in kb.members(oid, at)}
    return alignment_html(view, members, oid)
