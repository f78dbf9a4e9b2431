"""Small HTML pieces shared by the report's sections: escaped text, numbers, tables."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

__all__ = ["number", "table", "text"]


def text(value: Any) -> str:
    """``value`` as escaped HTML text; None is empty.

    >>> text("<b>"), text(None)
    ('&lt;b&gt;', '')
    """
    return "" if value is None else html.escape(str(value))


def number(value: Any, digits: int = 3) -> str:
    """A number as table text: integers as they are, others with ``digits`` decimals,
    ``n/a`` for None or NaN.

    >>> number(2), number(0.5), number(None), number(float("nan")), number(1.25, 1)
    ('2', '0.500', 'n/a', 'n/a', '1.2')
    """
    if value is None or (isinstance(value, float) and value != value):
        return "n/a"
    if isinstance(value, int):
        return str(value)
    return f"{value:.{digits}f}"


def table(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """An HTML table: ``columns`` are escaped here, the cells of ``rows`` are HTML already."""
    head = "".join(f"<th>{text(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
