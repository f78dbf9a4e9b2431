"""Footnotes: every source a report cites links to a row of the report's own sources table.

A section cites sources with :func:`cite`, which writes ``<a class="fn" href="#src-ID">``
links; the page (:func:`phalanx.report.html.build_report`) then collects every id cited
anywhere in it (:func:`cited`), builds the sources table with one row ``id="src-ID"`` per
id (:func:`sources_table`: citation, reliability grade, access date, external link) and
numbers the links by their row (:func:`number`), so ``[3]`` is the third row wherever it
appears. Sections built on their own (before the page) need not know the numbers.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = ["anchor", "cite", "cited", "number", "sources_table"]

_LINK = re.compile(r'<a class="fn" href="#src-([^"]+)" title="[^"]*">\[[^\]<]*\]</a>')
_HREF = re.compile(r'href="#src-([^"]+)"')


def anchor(source_id: str) -> str:
    """The HTML id of a source's row in the sources table.

    >>> anchor("tass-2012")
    'src-tass-2012'
    """
    return f"src-{source_id}"


def cite(ids: Iterable[str]) -> str:
    """Footnote links to the sources table for ``ids`` (in the order given, repeats once).

    Each link reads ``[ID]`` until the page numbers it (:func:`number`).

    >>> cite(["b", "a", "b"])
    '<span class="src"><a class="fn" href="#src-b" title="b">[b]</a><a class="fn" href="#src-a" title="a">[a]</a></span>'
    """
    esc = html.escape
    links = "".join(
        f'<a class="fn" href="#{esc(anchor(i))}" title="{esc(i)}">[{esc(i)}]</a>'
        for i in dict.fromkeys(str(i) for i in ids)
    )
    return f'<span class="src">{links}</span>'


def cited(page: str) -> set[str]:
    """The source ids that ``page`` links to (``href="#src-ID"``), unescaped.

    >>> sorted(cited('<a href="#src-b">x</a> <a href="#src-a&amp;c">y</a>'))
    ['a&c', 'b']
    """
    return {html.unescape(m) for m in _HREF.findall(page)}


def number(page: str, order: Sequence[str]) -> str:
    """``page`` with each footnote link's text replaced by ``[n]``, ``n`` the 1-based row of
    its id in ``order`` (the sources table's order); ids not in ``order`` keep their text.

    >>> number(cite(["b", "a"]), ["a", "b"])
    '<span class="src"><a class="fn" href="#src-b" title="b">[2]</a><a class="fn" href="#src-a" title="a">[1]</a></span>'
    """
    rank = {i: n for n, i in enumerate(order, 1)}

    def sub(m: re.Match[str]) -> str:
        n = rank.get(html.unescape(m.group(1)))
        return m.group(0) if n is None else m.group(0).rsplit("[", 1)[0] + f"[{n}]</a>"

    return _LINK.sub(sub, page)


def sources_table(sources: Sequence[Mapping[str, Any]], missing: Iterable[str] = ()) -> str:
    """The sources table: one row per source, ``id="src-ID"``, numbered in order, with its
    citation, reliability grade, access date and external link (http(s) only); then a row
    for each id in ``missing`` (cited, but not in the package's sources table), saying so."""
    from phalanx.report.html import link

    esc = html.escape
    head = "".join(
        f"<th>{c}</th>" for c in ("", "id", "citation", "reliability", "accessed", "link")
    )
    rows = []
    for n, r in enumerate(sources, 1):
        cells = [
            f"[{n}]",
            esc(str(r["id"])),
            esc(str(r.get("citation") or "")),
            esc(str(r.get("reliability") or "")),
            esc(str(r.get("accessed") or "")),
            link(r.get("url"), r.get("url") or ""),
        ]
        rows.append(
            f'<tr id="{esc(anchor(str(r["id"])))}">'
            + "".join(f"<td>{c}</td>" for c in cells)
            + "</tr>"
        )
    for n, i in enumerate(sorted(set(missing)), len(sources) + 1):
        rows.append(
            f'<tr id="{esc(anchor(i))}"><td>[{n}]</td><td>{esc(i)}</td><td>not in the data '
            "package's sources table</td><td></td><td></td><td></td></tr>"
        )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
