"""Serialising signed networks: GraphML, GEXF (static or dynamic), CSV and JSON.

Every serialiser returns bytes (deterministic: same graph, same bytes) and marks them as
written by Phalanx (:data:`phalanx.safe_files.MARKER`), so that a later export may
replace the file without ``--force``: an XML comment in GraphML and GEXF, a ``generator``
key in JSON. CSV cannot carry a marker; replacing a CSV file needs ``--force``.

Nodes carry their attributes: ``name``, ``kind``, ``cow_code`` (when known) and
``status``, the actor's membership status in the package's main organisation on the date
(``member``, ``observer``, ... or empty). The CSV export is two files: the edges and,
beside them, the nodes (``NAME.nodes.csv``), so isolated actors are kept.

CSV cells are **safe to open in a spreadsheet**: a text cell that begins with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return is prefixed with an apostrophe (``'``),
so that it is not run as a formula. Numbers (sign, weight, COW code) are written as
numbers and never changed.

>>> import networkx as nx
>>> G = nx.Graph()
>>> G.add_node("A", name="=HYPERLINK(1)", kind="state", status="member")
>>> G.add_node("B", name="B", kind="state", status="")
>>> G.add_edge("A", "B", sign=-1, weight=1.0, kinds="clash-", relations="", organizations="")
>>> print(edges_csv(G).decode(), end="")
source,target,sign,weight,kinds,relations,organizations
A,B,-1,1,clash-,,
>>> print(nodes_csv(G).decode(), end="")
id,name,kind,cow_code,status
A,'=HYPERLINK(1),state,,member
B,B,state,,
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import networkx as nx

from phalanx.errors import UserError
from phalanx.safe_files import MARKER

__all__ = [
    "FORMATS",
    "NODE_ATTRIBUTES",
    "annotate_nodes",
    "check_format",
    "dynamic_network",
    "edges_csv",
    "gexf",
    "graphml",
    "neutralise",
    "node_link_json",
    "nodes_csv",
    "nodes_path",
    "serialise",
]

FORMATS = {"graphml": ".graphml", "gexf": ".gexf", "csv": ".csv", "json": ".json"}
"""Export formats and the file extension each one needs."""

NODE_ATTRIBUTES = ("name", "kind", "cow_code", "status")
"""Attributes every exported node carries."""

EDGE_COLUMNS = ("source", "target", "sign", "weight", "kinds", "relations", "organizations")
_COMMENT = b"<!-- " + MARKER + b" -->"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def check_format(fmt: str, path: str | Path | None) -> str:
    """The format ``fmt`` (lower case), checked against the extension of ``path``.

    Raises :class:`~phalanx.errors.UserError` for an unknown format or a file name whose
    extension does not match it (``--format gexf --out net.graphml``).

    >>> check_format("GEXF", "net.gexf")
    'gexf'
    >>> check_format("gexf", "net.graphml")
    Traceback (most recent call last):
    ...
    phalanx.errors.UserError: net.graphml: the gexf format writes .gexf files; name the file net.gexf or choose --format graphml
    """
    f = fmt.lower()
    if f not in FORMATS:
        raise UserError(f"must be one of {', '.join(FORMATS)}; got {fmt!r}", field="--format")
    if path is not None:
        suffix = Path(path).suffix.lower()
        if suffix != FORMATS[f]:
            match = next((k for k, v in FORMATS.items() if v == suffix), None)
            hint = f" or choose --format {match}" if match else ""
            stem = Path(path).with_suffix(FORMATS[f]).name
            raise UserError(
                f"the {f} format writes {FORMATS[f]} files; name the file {stem}{hint}",
                file=str(path),
            )
    return f


def neutralise(value: Any) -> Any:
    """A text cell made safe for a spreadsheet: one beginning with ``=``, ``+``, ``-``,
    ``@``, a tab or a carriage return gets a leading apostrophe. Numbers are returned
    unchanged.

    >>> neutralise("=1+1"), neutralise("-1"), neutralise(-1), neutralise("Russia")
    ("'=1+1", "'-1", -1, 'Russia')
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _status_of(memberships: Iterable[Mapping[str, Any]], organization: str | None) -> dict:
    if organization is None:
        return {}
    return {
        m["actor"]: m.get("status") or ""
        for m in sorted(memberships, key=lambda m: (m["actor"], str(m.get("start") or "")))
        if m.get("organization") == organization
    }


def annotate_nodes(
    G: nx.Graph,
    actors: Iterable[Mapping[str, Any]],
    memberships: Iterable[Mapping[str, Any]] = (),
    organization: str | None = None,
) -> nx.Graph:
    """Set :data:`NODE_ATTRIBUTES` on every node of ``G`` (in place; returns ``G``).

    ``actors``: records ``{id, name, kind, cow_code}``; ``memberships``: spells in force
    (``{organization, actor, status}``); ``organization``: the main organisation whose
    status each node carries (empty text for non-members). ``cow_code`` is set only when
    known (GraphML and GEXF cannot hold a missing number).
    """
    by_id = {a["id"]: a for a in actors}
    status = _status_of(memberships, organization)
    for n in G.nodes:
        a = by_id.get(n, {})
        G.nodes[n]["name"] = str(a.get("name") or n)
        G.nodes[n]["kind"] = str(a.get("kind") or "")
        if a.get("cow_code") not in (None, ""):
            G.nodes[n]["cow_code"] = int(a["cow_code"])
        G.nodes[n]["status"] = status.get(n, "")
    if organization is not None:
        G.graph["organization"] = organization
    return G


def _mark_xml(data: bytes) -> bytes:
    """Insert the Phalanx marker as an XML comment after the XML declaration."""
    if data.startswith(b"<?xml"):
        end = data.index(b"?>") + 2
        return data[:end] + b"\n" + _COMMENT + data[end:]
    return _COMMENT + b"\n" + data


def _plain_graph(G: nx.Graph) -> nx.Graph:
    """A copy without None attributes (GraphML/GEXF cannot write them), nodes sorted."""
    H = nx.Graph()
    H.graph.update({k: v for k, v in G.graph.items() if v is not None})
    for n in sorted(G.nodes, key=str):
        H.add_node(n, **{k: v for k, v in G.nodes[n].items() if v is not None})
    for a, b in sorted((tuple(sorted((u, v), key=str)) for u, v in G.edges), key=str):
        H.add_edge(a, b, **{k: v for k, v in G.edges[a, b].items() if v is not None})
    return H


def graphml(G: nx.Graph) -> bytes:
    """GraphML bytes of ``G`` (node and edge attributes kept), marked as Phalanx's."""
    buf = io.BytesIO()
    nx.write_graphml(_plain_graph(G), buf)
    return _mark_xml(buf.getvalue())


def gexf(G: nx.Graph) -> bytes:
    """GEXF 1.2 bytes of ``G``, marked as Phalanx's.

    A graph from :func:`dynamic_network` (``G.graph["mode"] == "dynamic"``) is written as
    a dynamic GEXF: nodes and edges carry ``spells`` and edges a dynamic ``sign`` and
    ``weight``; the networkx GEXF reader reads them back.
    """
    H = _plain_graph(G)
    buf = io.BytesIO()
    nx.write_gexf(H, buf, version="1.2draft")
    data = buf.getvalue()
    # networkx stamps the file with today's date: drop it, so equal graphs give equal bytes
    start = data.find(b' lastmodifieddate="')
    if start >= 0:
        end = data.index(b'"', start + len(b' lastmodifieddate="'))
        data = data[:start] + data[end + 1 :]
    return _mark_xml(data)


def node_link_json(G: nx.Graph) -> bytes:
    """Node-link JSON of ``G`` with a ``generator`` key marking it as Phalanx's."""
    data = nx.node_link_data(_plain_graph(G), edges="edges")
    # the marker comes first, so that it lies in the file's first 4 KiB however large
    out = {"generator": MARKER.decode(), **data}
    return (json.dumps(out, indent=1, ensure_ascii=False, default=str) + "\n").encode("utf-8")


def _csv(rows: Iterable[Sequence[Any]]) -> bytes:
    text = io.StringIO()
    w = csv.writer(text, lineterminator="\n")
    for row in rows:
        w.writerow([neutralise(v) for v in row])
    return text.getvalue().encode("utf-8")


def _num(x: Any) -> Any:
    return int(x) if isinstance(x, float) and x.is_integer() else x


def edges_csv(G: nx.Graph) -> bytes:
    """The edge list as CSV: source,target,sign,weight,kinds,relations,organizations.

    ``phalanx balance`` reads it back (extra columns are kept as text attributes).
    """
    rows: list[Sequence[Any]] = [EDGE_COLUMNS]
    for a, b in sorted((tuple(sorted((u, v), key=str)) for u, v in G.edges), key=str):
        e = G.edges[a, b]
        rows.append(
            [
                a,
                b,
                int(e["sign"]),
                _num(round(float(e.get("weight", 1.0)), 6)),
                e.get("kinds", ""),
                e.get("relations", ""),
                e.get("organizations", ""),
            ]
        )
    return _csv(rows)


def nodes_csv(G: nx.Graph) -> bytes:
    """The nodes as CSV: id,name,kind,cow_code,status (isolated actors included)."""
    rows: list[Sequence[Any]] = [("id", *NODE_ATTRIBUTES)]
    for n in sorted(G.nodes, key=str):
        d = G.nodes[n]
        rows.append([n, *(d.get(k, "") if d.get(k) is not None else "" for k in NODE_ATTRIBUTES)])
    return _csv(rows)


def nodes_path(edges_path: str | Path) -> Path:
    """Where the nodes file of a CSV export goes: ``net.csv`` -> ``net.nodes.csv``."""
    p = Path(edges_path)
    return p.with_name(p.stem + ".nodes" + p.suffix)


def serialise(G: nx.Graph, fmt: str) -> bytes:
    """``G`` in format ``fmt`` (graphml, gexf, json; csv gives the edges file)."""
    if fmt == "graphml":
        return graphml(G)
    if fmt == "gexf":
        return gexf(G)
    if fmt == "json":
        return node_link_json(G)
    if fmt == "csv":
        return edges_csv(G)
    raise UserError(f"must be one of {', '.join(FORMATS)}; got {fmt!r}", field="--format")


def _spells(present: Sequence[bool], dates: Sequence[dt.date], last: dt.date) -> list:
    """Runs of consecutive True as (start, end) ISO spells; a run ends the day before the
    next date at which it is absent (or on ``last``)."""
    spells = []
    start = None
    for i, here in enumerate(present):
        if here and start is None:
            start = dates[i]
        if not here and start is not None:
            spells.append((start.isoformat(), (dates[i] - dt.timedelta(days=1)).isoformat()))
            start = None
    if start is not None:
        spells.append((start.isoformat(), last.isoformat()))
    return spells


def _value_spells(values: Sequence[Any], dates: Sequence[dt.date], last: dt.date) -> list:
    """Runs of equal non-None values as (value, start, end) dynamic attribute triples."""
    out = []
    i = 0
    while i < len(values):
        if values[i] is None:
            i += 1
            continue
        j = i
        while j + 1 < len(values) and values[j + 1] == values[i]:
            j += 1
        end = (dates[j + 1] - dt.timedelta(days=1)) if j + 1 < len(dates) else last
        out.append((values[i], dates[i].isoformat(), end.isoformat()))
        i = j + 1
    return out


def dynamic_network(
    graphs: Sequence[nx.Graph], dates: Sequence[dt.date], last: dt.date
) -> nx.Graph:
    """Merge snapshots ``graphs`` (taken on ``dates``, ascending) into one dynamic graph.

    A node or edge present in consecutive snapshots gets one spell, from the first of
    them to the day before the next snapshot without it (or to ``last``). Edges carry
    ``sign`` and ``strength`` (the tie's weight) as dynamic attributes (value, start, end),
    so a tie whose sign flips keeps both periods, and as GEXF ``weight`` the largest
    weight it reaches; node attributes are those of the latest snapshot holding the node.
    Write it with :func:`gexf`.
    """
    if len(graphs) != len(dates) or not graphs:
        raise UserError("a dynamic export needs at least one snapshot date", field="--from")
    nodes: dict[Any, list[bool]] = {}
    edges: dict[tuple, list[dict | None]] = {}
    attrs: dict[Any, dict] = {}
    for i, G in enumerate(graphs):
        for n, d in G.nodes(data=True):
            nodes.setdefault(n, [False] * len(graphs))[i] = True
            attrs[n] = dict(d)
        for a, b, d in G.edges(data=True):
            key = tuple(sorted((a, b), key=str))
            edges.setdefault(key, [None] * len(graphs))[i] = d
    D = nx.Graph(mode="dynamic", timeformat="date")
    for n in sorted(nodes, key=str):
        D.add_node(n, **attrs[n], spells=_spells(nodes[n], dates, last))
    for (a, b), ds in sorted(edges.items(), key=lambda kv: str(kv[0])):
        present = [d is not None for d in ds]
        weights = [None if d is None else round(float(d.get("weight", 1.0)), 6) for d in ds]
        D.add_edge(
            a,
            b,
            spells=_spells(present, dates, last),
            sign=_value_spells([None if d is None else int(d["sign"]) for d in ds], dates, last),
            strength=_value_spells(weights, dates, last),
            weight=max(w for w in weights if w is not None),
        )
    return D
