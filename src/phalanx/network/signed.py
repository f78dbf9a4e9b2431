"""Signed networks: reading, validating and scoring partitions.

A *signed graph* here is an undirected :class:`networkx.Graph` whose every edge carries
an attribute ``sign`` in ``{+1, -1}`` (+1 = allies, -1 = adversaries) and, optionally,
a positive finite ``weight`` (default 1).  Self-loops, multigraphs and directed graphs
are rejected: a tie is a relation between two distinct actors, and two parallel ties
between the same pair would make "the" sign of the pair ambiguous.

Everything that reads user input raises :class:`SignedNetworkError` (a
:class:`~phalanx.errors.UserError`, hence a ``ValueError``) with a one-line message naming
the file, the line and the field at fault. Reading is bounded: a file larger than
``max_bytes``, more than ``max_edges`` rows, or a ``deadline`` passed while reading stop
with a clear error instead of exhausting memory or time.

>>> G = signed_graph_from_edges([("a", "b", 1), ("b", "c", "-"), ("a", "c", -1, 2.5)])
>>> sorted(G.edges(data="sign"))
[('a', 'b', 1), ('a', 'c', -1), ('b', 'c', -1)]
>>> frustration_cost(G, {"a": 0, "b": 0, "c": 1})
0.0
>>> frustration_cost(G, {"a": 0, "b": 1, "c": 1})
2.0
"""

from __future__ import annotations

import csv
import difflib
import io
import math
import time
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import numpy as np

from phalanx.errors import UserError
from phalanx.safe_files import read_user_text

__all__ = [
    "SignedNetworkError",
    "SignedEdges",
    "read_signed_edgelist",
    "signed_graph_from_edges",
    "signed_edge_arrays",
    "frustration_cost",
    "frustrated_edges",
    "parse_sign",
    "MAX_BYTES",
    "MAX_EDGES",
    "check_deadline",
]

MAX_BYTES = 512 * 1024 * 1024
"""Largest edge-list file read (bytes): far above any real alliance network."""
MAX_EDGES = 5_000_000
"""Most edges read from one file."""

_SIGNS = {"1": 1, "+1": 1, "+": 1, "-1": -1, "-": -1}
_COLUMNS = ("source", "target", "sign", "weight")


class SignedNetworkError(UserError):
    """Invalid signed-network input; the message names the file, line and field."""


def check_deadline(deadline: float | None, name: str, line: int | None = None) -> None:
    """Raise :class:`SignedNetworkError` when ``time.monotonic()`` has passed ``deadline``.

    ``deadline`` is a :func:`time.monotonic` value (None: no limit); ``name``/``line`` say
    how far reading got, so the user knows what the time limit cut short.
    """
    if deadline is not None and time.monotonic() > deadline:
        where = f"{name}, line {line}" if line is not None else name
        raise SignedNetworkError(
            f"{where}: the time limit ran out while reading the file; give a larger "
            "--time-limit or a smaller network"
        )


def parse_sign(value: object) -> int:
    """Parse a sign: ``1``/``+1``/``+`` -> +1 and ``-1``/``-`` -> -1 (ints or strings).

    >>> parse_sign("+"), parse_sign(-1), parse_sign(" -1 ")
    (1, -1, -1)
    >>> parse_sign("0")
    Traceback (most recent call last):
    ...
    ValueError: sign must be one of 1, -1, +, - (got '0')
    """
    if isinstance(value, bool):
        raise ValueError(f"sign must be one of 1, -1, +, - (got {value!r})")
    if isinstance(value, int | np.integer | float | np.floating):
        if value in (1, -1):
            return int(value)
        raise ValueError(f"sign must be one of 1, -1, +, - (got {value!r})")
    text = str(value).strip()
    if text in _SIGNS:
        return _SIGNS[text]
    raise ValueError(f"sign must be one of 1, -1, +, - (got {text!r})")


MAX_WEIGHT = 1e12
"""Largest tie weight accepted: sums of up to millions of ties stay exact enough in
floating point and can never overflow (1e308 would)."""


def _parse_weight(value: object) -> float:
    try:
        w = float(str(value).strip()) if isinstance(value, str) else float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"weight must be a positive number (got {value!r})") from None
    if not math.isfinite(w) or w <= 0:
        raise ValueError(f"weight must be a positive finite number (got {value!r})")
    if w > MAX_WEIGHT:
        raise ValueError(
            f"weight must be at most {MAX_WEIGHT:g} (got {value!r}); rescale the weights"
        )
    return w


def _add_edge(
    G: nx.Graph, u: Hashable, v: Hashable, sign: int, weight: float | None, where: str
) -> None:
    if u == v:
        raise SignedNetworkError(f"{where}: self-loop on node {u!r} (not allowed)")
    if G.has_edge(u, v):
        raise SignedNetworkError(
            f"{where}: duplicate edge {u!r}-{v!r} (parallel or reversed edges are not allowed; "
            "merge them into one row first)"
        )
    if weight is None:
        G.add_edge(u, v, sign=sign)
    else:
        G.add_edge(u, v, sign=sign, weight=weight)


def read_signed_edgelist(
    path: str | Path,
    *,
    max_bytes: int = MAX_BYTES,
    max_edges: int = MAX_EDGES,
    deadline: float | None = None,
) -> nx.Graph:
    """Read a signed edge list CSV into an undirected :class:`networkx.Graph`.

    The file needs a header naming the columns ``source,target,sign`` and optionally
    ``weight`` (any order, case-insensitive, surrounding blanks ignored). ``sign``
    accepts ``1``, ``+1``, ``+``, ``-1`` and ``-``; ``weight`` must be a positive
    finite number (default 1, the attribute is then omitted). Node ids are kept as
    strings. Blank lines are skipped. Self-loops and duplicate pairs (including
    ``b,a`` after ``a,b``) are errors: no silent merge rule is applied. Other columns
    (e.g. the ``kinds`` and ``relations`` written by ``phalanx export``) are kept as text
    edge attributes, unless a name is so close to a required one that it is likely a
    typo (``wieght``), which is an error.

    Complexity O(m) time and memory for m rows. Bounded: only regular files of at most
    ``max_bytes`` bytes are read (a device such as ``/dev/zero`` is refused), at most
    ``max_edges`` rows are accepted, and a ``deadline`` (a :func:`time.monotonic` value)
    passed while reading stops it.

    Raises :class:`SignedNetworkError` naming the file, line and field for any
    problem (missing file, bad header, wrong field count, bad sign or weight).

    >>> import tempfile, os
    >>> d = tempfile.mkdtemp(); p = os.path.join(d, "g.csv")
    >>> _ = open(p, "w").write("source,target,sign\\nA,B,+\\nB,C,-1\\n")
    >>> G = read_signed_edgelist(p)
    >>> G.number_of_nodes(), G.number_of_edges(), G["B"]["C"]["sign"]
    (3, 2, -1)
    >>> _ = open(p, "w").write("source,target,sign\\nA,B,x\\n")
    >>> read_signed_edgelist(p)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    phalanx.network.signed.SignedNetworkError: ...g.csv, line 2, field 'sign': sign must be ...
    """
    path = Path(path)
    name = str(path)
    try:
        text = read_user_text(path, limit=max_bytes, what="edge list")
    except UserError as exc:
        raise SignedNetworkError(str(exc)) from None
    G = nx.Graph()
    with io.StringIO(text, newline="") as handle:
        reader = csv.reader(handle)
        try:
            header = next(reader, None)
            while header is not None and not any(c.strip() for c in header):
                header = next(reader, None)
            if header is None:
                raise SignedNetworkError(
                    f"{name}: empty file (a header source,target,sign is required)"
                )
            cols = [c.strip().lower() for c in header]
            hline = reader.line_num
            for c in cols:
                near = difflib.get_close_matches(c, _COLUMNS, n=1, cutoff=0.75)
                if c not in _COLUMNS and (near or not c):
                    hint = f"; did you mean {near[0]!r}?" if near else ""
                    raise SignedNetworkError(
                        f"{name}, line {hline}: unexpected column {c!r} in header "
                        f"(expected source,target,sign[,weight] and other named columns){hint}"
                    )
            if len(set(cols)) != len(cols):
                raise SignedNetworkError(f"{name}, line {hline}: repeated column in header")
            missing = [c for c in _COLUMNS[:3] if c not in cols]
            if missing:
                raise SignedNetworkError(
                    f"{name}, line {hline}: header lacks column(s) {', '.join(missing)} "
                    "(expected source,target,sign[,weight])"
                )
            pos = {c: i for i, c in enumerate(cols)}
            extra = [c for c in cols if c not in _COLUMNS]
            n_edges = 0  # G.number_of_edges() is O(n): count here
            seen: set[tuple[str, str]] = set()
            rows: list[tuple[str, str, dict]] = []  # one add_edges_from: far faster
            for row in reader:
                line = reader.line_num
                if not any(f.strip() for f in row):
                    continue
                if n_edges >= max_edges:
                    raise SignedNetworkError(
                        f"{name}, line {line}: more than {max_edges:,} edges; larger "
                        "networks are refused"
                    )
                if line % 4096 == 0:
                    check_deadline(deadline, name, line)
                if len(row) != len(cols):
                    raise SignedNetworkError(
                        f"{name}, line {line}: expected {len(cols)} fields, got {len(row)}"
                    )
                u, v = row[pos["source"]].strip(), row[pos["target"]].strip()
                for field, val in (("source", u), ("target", v)):
                    if not val:
                        raise SignedNetworkError(
                            f"{name}, line {line}, field {field!r}: empty node id"
                        )
                try:
                    sign = parse_sign(row[pos["sign"]])
                except ValueError as exc:
                    raise SignedNetworkError(f"{name}, line {line}, field 'sign': {exc}") from None
                weight = None
                if "weight" in pos:
                    try:
                        weight = _parse_weight(row[pos["weight"]])
                    except ValueError as exc:
                        raise SignedNetworkError(
                            f"{name}, line {line}, field 'weight': {exc}"
                        ) from None
                if u == v:
                    raise SignedNetworkError(
                        f"{name}, line {line}: self-loop on node {u!r} (not allowed)"
                    )
                pair = (u, v) if u < v else (v, u)
                if pair in seen:
                    raise SignedNetworkError(
                        f"{name}, line {line}: duplicate edge {u!r}-{v!r} (parallel or reversed "
                        "edges are not allowed; merge them into one row first)"
                    )
                seen.add(pair)
                attrs = {"sign": sign} if weight is None else {"sign": sign, "weight": weight}
                for c in extra:
                    attrs[c] = row[pos[c]]
                rows.append((u, v, attrs))
                n_edges += 1
        except csv.Error as exc:
            raise SignedNetworkError(
                f"{name}, line {reader.line_num}: malformed CSV ({exc})"
            ) from None
    G.add_edges_from(rows)
    return G


def signed_graph_from_edges(edges: Iterable[object]) -> nx.Graph:
    """Build a signed graph from ``(u, v, sign)``, ``(u, v, sign, weight)`` or
    ``(u, v, {"sign": s, "weight": w})`` items.

    Same rules as :func:`read_signed_edgelist` (no self-loops, no duplicate pairs);
    errors name the 0-based item index. O(m).

    >>> G = signed_graph_from_edges([(1, 2, "+"), (2, 3, {"sign": -1, "weight": 2})])
    >>> G[2][3]
    {'sign': -1, 'weight': 2.0}
    >>> signed_graph_from_edges([(1, 1, 1)])
    Traceback (most recent call last):
    ...
    phalanx.network.signed.SignedNetworkError: edge item 0: self-loop on node 1 (not allowed)
    """
    G = nx.Graph()
    for i, item in enumerate(edges):
        where = f"edge item {i}"
        try:
            parts = tuple(item)  # type: ignore[arg-type]
        except TypeError:
            raise SignedNetworkError(f"{where}: expected a tuple, got {item!r}") from None
        weight: float | None = None
        if len(parts) == 3 and isinstance(parts[2], Mapping):
            u, v, attrs = parts
            if "sign" not in attrs:
                raise SignedNetworkError(f"{where}: missing 'sign'")
            raw_sign, raw_w = attrs["sign"], attrs.get("weight")
        elif len(parts) in (3, 4):
            u, v, raw_sign = parts[:3]
            raw_w = parts[3] if len(parts) == 4 else None
        else:
            raise SignedNetworkError(f"{where}: expected (u, v, sign[, weight]), got {item!r}")
        try:
            sign = parse_sign(raw_sign)
        except ValueError as exc:
            raise SignedNetworkError(f"{where}, field 'sign': {exc}") from None
        if raw_w is not None:
            try:
                weight = _parse_weight(raw_w)
            except ValueError as exc:
                raise SignedNetworkError(f"{where}, field 'weight': {exc}") from None
        _add_edge(G, u, v, sign, weight, where)
    return G


@dataclass(frozen=True)
class SignedEdges:
    """Array view of a signed graph: node list, node index, and per-edge arrays.

    ``u``/``v`` are int64 node indices, ``sign`` int8 in {+1,-1}, ``w`` float64 > 0.
    ``integral`` is True when every weight is an integer (then optimal values are
    integers, which lets bounds be rounded).
    """

    nodes: list
    index: dict
    u: np.ndarray
    v: np.ndarray
    sign: np.ndarray
    w: np.ndarray

    @property
    def integral(self) -> bool:
        return bool(np.all(self.w == np.round(self.w)))

    @property
    def n(self) -> int:
        return len(self.nodes)

    @property
    def m(self) -> int:
        return int(self.u.size)


def signed_edge_arrays(G: nx.Graph, weight: str | None = "weight") -> SignedEdges:
    """Validate ``G`` and return its :class:`SignedEdges` arrays (O(n + m)).

    ``weight=None`` ignores weights (every edge counts 1). Raises
    :class:`SignedNetworkError` for directed/multi graphs, self-loops, missing or
    invalid signs and non-positive weights.

    >>> E = signed_edge_arrays(signed_graph_from_edges([("a", "b", -1, 3)]))
    >>> E.nodes, E.sign.tolist(), E.w.tolist(), E.integral
    (['a', 'b'], [-1], [3.0], True)
    """
    if G.is_directed() or G.is_multigraph():
        raise SignedNetworkError("signed graph must be an undirected simple nx.Graph")
    nodes = list(G.nodes)
    index = {x: i for i, x in enumerate(nodes)}
    m = G.number_of_edges()
    u = np.empty(m, dtype=np.int64)
    v = np.empty(m, dtype=np.int64)
    s = np.empty(m, dtype=np.int8)
    w = np.ones(m, dtype=np.float64)
    for e, (a, b, d) in enumerate(G.edges(data=True)):
        if a == b:
            raise SignedNetworkError(f"self-loop on node {a!r} (not allowed)")
        if "sign" not in d:
            raise SignedNetworkError(f"edge {a!r}-{b!r} has no 'sign' attribute")
        try:
            s[e] = parse_sign(d["sign"])
            if weight is not None and d.get(weight) is not None:
                w[e] = _parse_weight(d[weight])
        except ValueError as exc:
            raise SignedNetworkError(f"edge {a!r}-{b!r}: {exc}") from None
        u[e], v[e] = index[a], index[b]
    return SignedEdges(nodes, index, u, v, s, w)


def _labels_array(E: SignedEdges, partition: Mapping) -> np.ndarray:
    try:
        return np.fromiter((partition[x] for x in E.nodes), dtype=np.int64, count=E.n)
    except KeyError as exc:
        raise SignedNetworkError(f"partition has no label for node {exc.args[0]!r}") from None


def frustration_cost(G: nx.Graph, partition: Mapping, weight: str | None = "weight") -> float:
    """Total weight of edges frustrated by ``partition`` (node -> group label).

    A positive edge is frustrated when its ends are in different groups, a negative
    edge when they are in the same group; this is the 2-camp frustration for a
    0/1 partition and the correlation-clustering cost for k labels. O(n + m).

    >>> G = signed_graph_from_edges([(0, 1, -1), (1, 2, -1), (0, 2, -1)])
    >>> frustration_cost(G, {0: 0, 1: 1, 2: 0}), frustration_cost(G, {0: 0, 1: 1, 2: 2})
    (1.0, 0.0)
    """
    E = signed_edge_arrays(G, weight)
    lab = _labels_array(E, partition)
    same = lab[E.u] == lab[E.v]
    bad = np.where(E.sign > 0, ~same, same)
    return float(E.w[bad].sum())


def frustrated_edges(G: nx.Graph, partition: Mapping, weight: str | None = "weight") -> list[tuple]:
    """Edges ``(u, v)`` frustrated by ``partition``, in ``G.edges`` order. O(n + m).

    >>> G = signed_graph_from_edges([(0, 1, 1), (1, 2, -1), (0, 2, -1)])
    >>> frustrated_edges(G, {0: 0, 1: 0, 2: 0})
    [(0, 2), (1, 2)]
    """
    E = signed_edge_arrays(G, weight)
    lab = _labels_array(E, partition)
    same = lab[E.u] == lab[E.v]
    bad = np.flatnonzero(np.where(E.sign > 0, ~same, same))
    return [(E.nodes[E.u[i]], E.nodes[E.v[i]]) for i in bad]
