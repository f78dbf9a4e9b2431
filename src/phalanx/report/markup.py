"""Small HTML pieces shared by the report's sections: escaped text, numbers, tables."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Any

__all__ = ["cited_sources", "footnotes", "number", "table", "text"]


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


def footnotes(ids: Sequence[str]) -> str:
    """Footnote links ``[1] [2] ...`` to the rows of the report's sources table
    (``#src-ID``); the id is each link's title. Empty for no ids.

    >>> footnotes(["a-1", "b"])
    '<span class="src"><a href="#src-a-1" title="a-1">[1]</a><a href="#src-b" title="b">[2]</a></span>'
    """
    links = "".join(
        f'<a href="#src-{text(i)}" title="{text(i)}">[{n}]</a>' for n, i in enumerate(ids, 1)
    )
    return f'<span class="src">{links}</span>' if links else ""


def cited_sources(page: str) -> set[str]:
    """The source ids that footnote links (``href="#src-ID"``) in ``page`` point to, so a
    page can list every one of them in its sources table.

    >>> sorted(cited_sources(footnotes(["b", "a&b"]) + '<a href="#other">x</a>'))
    ['a&b', 'b']
    """
    return {html.unescape(m) for m in re.findall(r'href="#src-([^"]+)"', page)}
