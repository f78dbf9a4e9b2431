"""Reading a signed network from a user's file, chosen by its extension.

``.graphml`` and ``.gexf`` files are read as such, any other name (``.csv``, ``.txt``) as a
signed edge list (:func:`phalanx.network.signed.read_signed_edgelist`). The GraphML and
GEXF files are those ``phalanx export`` writes (or any whose edges carry ``sign``). Reading is bounded the same way for every format: only
regular files up to ``max_bytes`` (so ``/dev/zero`` is refused at once), at most
``max_edges`` edges, and a ``deadline`` checked while reading. XML files that declare a
document type or entities are refused (no entity expansion), and every problem is a
:class:`~phalanx.network.signed.SignedNetworkError` naming the file and the edge.
"""

from __future__ import annotations

import io
from pathlib import Path
from xml.etree.ElementTree import ParseError

import networkx as nx

from phalanx.errors import UserError
from phalanx.network.signed import (
    MAX_BYTES,
    MAX_EDGES,
    SignedNetworkError,
    _parse_weight,
    check_deadline,
    parse_sign,
    read_signed_edgelist,
)
from phalanx.safe_files import read_user_bytes

__all__ = ["READABLE", "read_signed_network"]

READABLE = (".csv", ".graphml", ".gexf")
"""File extensions :func:`read_signed_network` reads by format (others: as CSV)."""


def read_signed_network(
    path: str | Path,
    *,
    max_bytes: int = MAX_BYTES,
    max_edges: int = MAX_EDGES,
    deadline: float | None = None,
) -> nx.Graph:
    """The signed graph in ``path``: GraphML or GEXF by extension, else a CSV edge list.

    Returns an undirected :class:`networkx.Graph` with ``sign`` (+1/-1) and ``weight``
    (> 0, when given) on every edge; node attributes of GraphML/GEXF files (name, kind,
    status, ...) are kept. A dynamic GEXF (signs that change over time) is refused: export
    one date (``--at``) to measure its balance. ``deadline`` is a
    :func:`time.monotonic` value.
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in (".graphml", ".gexf"):
        return read_signed_edgelist(p, max_bytes=max_bytes, max_edges=max_edges, deadline=deadline)
    try:
        data = read_user_bytes(p, limit=max_bytes, what="network file")
    except UserError as exc:
        raise SignedNetworkError(str(exc)) from None
    head = data[:65536].upper()
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        raise SignedNetworkError(
            f"{p}: the XML declares a document type or entities; refused for safety"
        )
    kind = "GraphML" if suffix == ".graphml" else "GEXF"
    try:
        raw = (
            nx.read_graphml(io.BytesIO(data))
            if suffix == ".graphml"
            else nx.read_gexf(io.BytesIO(data))
        )
    except (ParseError, nx.NetworkXError, ValueError, KeyError, TypeError, IndexError) as exc:
        raise SignedNetworkError(f"{p}: not a valid {kind} file ({exc})") from None
    check_deadline(deadline, str(p))
    if raw.is_multigraph():
        raise SignedNetworkError(f"{p}: parallel edges between the same pair are not allowed")
    if raw.is_directed():
        raise SignedNetworkError(f"{p}: the graph is directed; a signed network is undirected")
    if raw.number_of_edges() > max_edges:
        raise SignedNetworkError(f"{p}: more than {max_edges:,} edges; larger networks are refused")
    G = nx.Graph()
    for n, d in raw.nodes(data=True):
        G.add_node(n, **{k: v for k, v in d.items() if k not in ("label", "spells")})
    for a, b, d in raw.edges(data=True):
        where = f"{p}, edge {a!r}-{b!r}"
        if a == b:
            raise SignedNetworkError(f"{where}: self-loop (not allowed)")
        if "sign" not in d:
            raise SignedNetworkError(f"{where}, field 'sign': missing (every edge needs one)")
        if isinstance(d["sign"], list):
            raise SignedNetworkError(
                f"{where}, field 'sign': changes over time (a dynamic export); export one "
                "date with --at to measure balance"
            )
        try:
            sign = parse_sign(d["sign"])
        except ValueError as exc:
            raise SignedNetworkError(f"{where}, field 'sign': {exc}") from None
        attrs = {k: v for k, v in d.items() if k not in ("sign", "weight", "id", "spells")}
        if d.get("weight") is not None:
            try:
                attrs["weight"] = _parse_weight(d["weight"])
            except ValueError as exc:
                raise SignedNetworkError(f"{where}, field 'weight': {exc}") from None
        G.add_edge(a, b, sign=sign, **attrs)
    return G
