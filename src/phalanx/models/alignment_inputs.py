"""The choice of alignment inputs, in one place for every shell (CLI, report, dashboard).

:func:`alignment_inputs` answers "which actors, sized how, with which propensities?" the
same way wherever it is asked: from two CSV files, or from a knowledge base on a date with
the actors the data package declares as its region (``kb.defaults.region``). Nothing about
any one alliance is assumed here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from phalanx.kb.dates import parse_query_date
from phalanx.models.landscape_inputs import (
    AlignmentInputError,
    AlignmentInputs,
    PropensityWeights,
    inputs_from_snapshot,
    read_inputs,
    region_actors,
)
from phalanx.network.pairs import Weighting, resolve_weighting

__all__ = ["alignment_inputs"]


def alignment_inputs(
    kb: Any = None,
    at: str | Any | None = None,
    *,
    actors: Sequence[str] | None = None,
    sizes: str | Path | None = None,
    propensity: str | Path | None = None,
    neutral: float = 0.0,
    weights: PropensityWeights | None = None,
    weighting: str | Weighting | None = "default",
    shifts: Mapping[tuple[str, str], float] | None = None,
    size_factors: Mapping[str, float] | None = None,
) -> AlignmentInputs:
    """The landscape model's inputs, from CSV files or from ``kb`` on day ``at``.

    * CSV: ``sizes`` and ``propensity`` together (``neutral`` is subtracted from every
      propensity); ``kb``/``at``, ``weights`` and a weighting other than the default must
      then be left out. ``actors`` picks a subset.
    * Knowledge base: ``kb`` (a :class:`~phalanx.kb.KnowledgeBase`) and ``at`` (a date,
      partial ISO text allowed: ``2022`` is 2022-01-01). ``actors`` defaults to the
      package's region (``kb.defaults.region``) restricted to the actors with a size on
      that day; named actors without a size are an error. Relations count over the
      ``weights.window_days`` days up to ``at``; relation and membership ties follow
      ``weighting`` (a name in :data:`~phalanx.network.pairs.WEIGHTINGS`).

    ``shifts`` and ``size_factors`` make a what-if copy (:meth:`AlignmentInputs.adjusted`).
    Every problem is an :class:`AlignmentInputError` (a ``UserError``) saying what to give.
    """
    if (sizes is None) != (propensity is None):
        raise AlignmentInputError("sizes and propensity files go together; give both or neither")
    if sizes is not None and propensity is not None:
        if at is not None or kb is not None:
            raise AlignmentInputError(
                "give either a knowledge base and a date or sizes/propensity files, not both"
            )
        if weights is not None or weighting not in (None, "default"):
            raise AlignmentInputError(
                "a weighting and propensity weights apply to knowledge-base inputs only; "
                "the propensity file gives the propensities",
                field="weighting",
            )
        inputs = read_inputs(sizes, propensity, center=neutral)
        if actors is not None:
            inputs = inputs.subset(list(actors))
    else:
        if kb is None or at is None:
            raise AlignmentInputError(
                "give a date (knowledge base) or a sizes file and a propensity file"
            )
        w = weights or PropensityWeights()
        chosen = resolve_weighting(weighting)
        try:
            day = parse_query_date(at)
        except ValueError as e:
            raise AlignmentInputError(str(e), field="at") from None
        snap = kb.snapshot(day, window_days=w.window_days)
        if actors is None:
            region = kb.defaults.region
            actors = region_actors(snap, region, w.size_indicator)
            if len(actors) < 2:
                raise AlignmentInputError(
                    f"fewer than two of the package's {len(region)} region actors have a "
                    f"{w.size_indicator!r} value on {day}; name the actors to use"
                )
        inputs = inputs_from_snapshot(snap, list(actors), w, chosen)
        name = (
            weighting
            if isinstance(weighting, str)
            else ("default" if weighting is None else "custom")
        )
        inputs = replace(
            inputs,
            source=f"{inputs.source}; weighting {name}; relations of the {w.window_days} "
            "days up to the date",
        )
    if shifts or size_factors:
        inputs = inputs.adjusted(shifts, size_factors)
    return inputs
