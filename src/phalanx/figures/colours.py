"""The report's colours: one per membership status and one per scenario, colour-blind safe.

Statuses take the Okabe-Ito palette (Okabe and Ito, *Color Universal Design*, 2002), which
stays distinguishable under the common colour-vision deficiencies (``out`` is its black, so
that it is never confused with ``frozen``'s orange); scenarios take Paul
Tol's "muted" scheme, so a scenario's bars are never mistaken for a status. Every chart of
the report (the membership timeline, the status fans, the bar charts) draws from these two
tables, so a status has the same colour everywhere. No plotting library is imported here.
"""

from __future__ import annotations

__all__ = ["STATUS_COLOURS", "SCENARIO_COLOURS", "scenario_colour", "translucent"]

STATUS_COLOURS: dict[str, str] = {
    "member": "#0072B2",  # blue
    "frozen": "#E69F00",  # orange
    "suspended": "#CC79A7",  # reddish purple
    "out": "#000000",  # black: gone (its band reads as grey)
    "observer": "#56B4E9",  # sky blue
    "partner": "#009E73",  # bluish green
}
"""Status name -> hex colour (the statuses of ``kb/arrays.py``, lower case)."""

SCENARIO_COLOURS: tuple[str, ...] = (
    "#332288",  # indigo
    "#44AA99",  # teal
    "#999933",  # olive
    "#882255",  # wine
    "#88CCEE",  # cyan
    "#117733",  # green
    "#DDCC77",  # sand
    "#AA4499",  # purple
)
"""Colours of scenarios, in the order the scenarios are shown (cycled beyond eight)."""


def scenario_colour(index: int) -> str:
    """The colour of the ``index``-th scenario shown (0-based; cycles after eight)."""
    return SCENARIO_COLOURS[index % len(SCENARIO_COLOURS)]


def translucent(colour: str, alpha: float) -> str:
    """``#RRGGBB`` as a CSS ``rgba(r,g,b,alpha)`` string (for Monte Carlo bands).

    >>> translucent("#0072B2", 0.25)
    'rgba(0,114,178,0.25)'
    """
    c = colour.lstrip("#")
    r, g, b = (int(c[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha:g})"
