"""Inputs of the landscape model: sizes and propensities from CSV files or a snapshot,
and the uncertainty of the result when propensities are only known within ranges.

Three sources, one result type (:class:`AlignmentInputs`):

* :func:`read_inputs` -- a sizes file (``actor,size``) and a propensity file, either a
  square matrix with a header row of actor ids or the long form
  ``actor_a,actor_b,propensity``. Errors name the file, the line and the field
  (:class:`AlignmentInputError`, a :class:`~phalanx.errors.UserError`).
* :func:`inputs_from_snapshot` -- sizes from the CINC indicator and propensities summed
  from the relation and membership ties of :func:`phalanx.network.pairs.aggregate_pairs`
  (the aggregation the signed network uses, under a named
  :class:`~phalanx.network.pairs.Weighting`), plus arms-import shares and UN vote
  agreement, weighted by :class:`PropensityWeights`.
* :func:`sample_alignment` (defined in :mod:`phalanx.models.landscape_sampling`) -- draws propensities uniformly within ``[low, high]`` and
  reports how often each pair of actors ends in the same coalition of the global minimum.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import Field

from phalanx.errors import UserError
from phalanx.kb.dates import parse_query_date
from phalanx.models.landscape_sampling import propensity_range, sample_alignment
from phalanx.network.pairs import Weighting, aggregate_pairs
from phalanx.params import Settings
from phalanx.safe_files import read_user_text

__all__ = [
    "AlignmentInputError",
    "AlignmentInputs",
    "PropensityWeights",
    "read_sizes_csv",
    "read_propensity_csv",
    "read_inputs",
    "inputs_from_snapshot",
    "region_actors",
    "propensity_range",
    "sample_alignment",
]

#: Largest CSV input file read (bytes): 10,000 actors' sizes or a 1,000 x 1,000 matrix.
MAX_CSV_BYTES = 32 * 1024 * 1024


class AlignmentInputError(UserError):
    """Bad model input; the message names the file, line and field where known."""


@dataclass(frozen=True)
class AlignmentInputs:
    """Actors, sizes and a symmetric propensity matrix, with where they came from.

    ``components`` holds the additive parts of ``propensity`` (for a snapshot: relations,
    memberships, arms, votes), so every number can be explained. ``rows`` names the data
    rows behind them by table (for a snapshot: ``relations`` ids, ``memberships`` as
    ``ORG:ACTOR``, ``indicators`` as ``ACTOR:INDICATOR:PERIOD``, ``votes`` ids) and
    ``sources`` the source ids those rows cite, so a figure or table can name its source
    rows; both are empty for inputs read from CSV files.
    """

    actors: tuple[str, ...]
    sizes: np.ndarray
    propensity: np.ndarray
    components: Mapping[str, np.ndarray] = field(default_factory=dict)
    source: str = ""
    notes: tuple[str, ...] = ()
    rows: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    sources: tuple[str, ...] = ()

    def subset(self, actors: Sequence[str]) -> AlignmentInputs:
        """The same inputs restricted to ``actors`` (in that order)."""
        pos = {a: i for i, a in enumerate(self.actors)}
        missing = [a for a in actors if a not in pos]
        if missing:
            raise AlignmentInputError(
                f"unknown actor(s) {', '.join(missing)}; known: {', '.join(self.actors)}"
            )
        if len(set(actors)) != len(actors):
            raise AlignmentInputError(f"actors listed twice in {', '.join(actors)}")
        ix = np.array([pos[a] for a in actors], dtype=int)
        sub = np.ix_(ix, ix)
        # rows and sources stay those of the full inputs (a superset for the subset)
        return replace(
            self,
            actors=tuple(actors),
            sizes=self.sizes[ix],
            propensity=self.propensity[sub],
            components={k: v[sub] for k, v in self.components.items()},
        )

    def adjusted(
        self,
        shifts: Mapping[tuple[str, str], float] | None = None,
        size_factors: Mapping[str, float] | None = None,
    ) -> AlignmentInputs:
        """A what-if copy: ``shifts[(a, b)]`` is added to the propensity of a and b (both
        ways, as a ``what_if`` component) and ``size_factors[a]`` multiplies a's size.

        This is how to ask how alignments move as ties change, e.g. a leading state whose
        war halves its capacity (``size_factors={"RUS": 0.5}``) or closer Turkish ties
        (``shifts={("TUR", "KAZ"): 0.01}``).

        >>> base = AlignmentInputs(("A", "B"), np.array([1.0, 2.0]), np.zeros((2, 2)))
        >>> new = base.adjusted({("A", "B"): -0.5}, {"B": 0.5})
        >>> new.propensity[0, 1], new.propensity[1, 0], new.sizes[1]
        (np.float64(-0.5), np.float64(-0.5), np.float64(1.0))
        """
        pos = {a: i for i, a in enumerate(self.actors)}
        named = {a for pair in (shifts or {}) for a in pair} | set(size_factors or {})
        unknown = sorted(named - set(pos))
        if unknown:
            raise AlignmentInputError(
                f"unknown actor(s) {', '.join(unknown)}; known: {', '.join(self.actors)}"
            )
        extra = np.zeros_like(self.propensity)
        for (a, b), delta in (shifts or {}).items():
            if a == b:
                raise AlignmentInputError(f"a shift needs two different actors; got {a}:{b}")
            if not np.isfinite(delta):
                raise AlignmentInputError(f"a shift must be a finite number; got {a}:{b}={delta}")
            extra[pos[a], pos[b]] += delta
            extra[pos[b], pos[a]] += delta
        sizes = self.sizes.copy()
        for a, factor in (size_factors or {}).items():
            if not (factor > 0 and np.isfinite(factor)):
                raise AlignmentInputError(f"a size factor must be > 0 and finite; got {a}={factor}")
            sizes[pos[a]] *= factor
        notes = list(self.notes)
        if shifts:
            notes.append(
                "what-if shifts: " + ", ".join(f"{a}:{b}{d:+g}" for (a, b), d in shifts.items())
            )
        if size_factors:
            notes.append(
                "what-if sizes: " + ", ".join(f"{a}x{f:g}" for a, f in size_factors.items())
            )
        components = dict(self.components)
        if shifts:
            components["what_if"] = extra
        return replace(
            self,
            sizes=sizes,
            propensity=self.propensity + extra,
            components=components,
            notes=tuple(notes),
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-serialisable form."""
        return {
            "actors": list(self.actors),
            "sizes": self.sizes.tolist(),
            "propensity": self.propensity.tolist(),
            "components": {k: v.tolist() for k, v in self.components.items()},
            "source": self.source,
            "notes": list(self.notes),
            "rows": {k: list(v) for k, v in self.rows.items()},
            "sources": list(self.sources),
        }


# -- CSV -----------------------------------------------------------------------------------


def _rows(path: str | Path) -> list[tuple[int, list[str]]]:
    """Non-blank rows of a CSV file with their line numbers (header first)."""
    p = Path(path)
    text = read_user_text(p, limit=MAX_CSV_BYTES, what="CSV file")
    try:
        reader = csv.reader(io.StringIO(text, newline=""))
        out = []
        for row in reader:
            cells = [c.strip() for c in row]
            if any(cells):
                out.append((reader.line_num, cells))
    except csv.Error as e:
        raise AlignmentInputError(f"cannot read as a CSV file ({e})", file=p) from None
    if not out:
        raise AlignmentInputError("the file is empty", file=p)
    return out


def _number(text: str, path: str | Path, line: int, name: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise AlignmentInputError(
            f"expected a number, got {text!r}", file=path, line=line, field=name
        ) from None
    if not np.isfinite(value):
        raise AlignmentInputError(
            f"expected a finite number, got {text!r}", file=path, line=line, field=name
        )
    return value


def read_sizes_csv(path: str | Path, column: str = "size") -> tuple[tuple[str, ...], np.ndarray]:
    """Actors and sizes from a CSV file with columns ``actor`` and ``column`` (> 0).

    Other columns are ignored; actors keep the file's order.
    """
    rows = _rows(path)
    line0, header = rows[0]
    for need in ("actor", column):
        if need not in header:
            raise AlignmentInputError(
                f"the header must have a column {need!r}; got {header}", file=path, line=line0
            )
    ia, iv = header.index("actor"), header.index(column)
    actors: list[str] = []
    sizes: list[float] = []
    seen: dict[str, int] = {}
    for line, cells in rows[1:]:
        if len(cells) != len(header):
            raise AlignmentInputError(
                f"expected {len(header)} fields, got {len(cells)}", file=path, line=line
            )
        actor = cells[ia]
        if not actor:
            raise AlignmentInputError("empty actor id", file=path, line=line, field="actor")
        if actor in seen:
            raise AlignmentInputError(
                f"actor {actor!r} already given on line {seen[actor]}",
                file=path,
                line=line,
                field="actor",
            )
        value = _number(cells[iv], path, line, column)
        if value <= 0:
            raise AlignmentInputError(
                f"a size must be > 0, got {cells[iv]!r}", file=path, line=line, field=column
            )
        seen[actor] = line
        actors.append(actor)
        sizes.append(value)
    if not actors:
        raise AlignmentInputError("no actors after the header", file=path)
    return tuple(actors), np.array(sizes)


def read_propensity_csv(
    path: str | Path, actors: Sequence[str] | None = None, center: float = 0.0
) -> tuple[tuple[str, ...], np.ndarray]:
    """A symmetric propensity matrix from a square-matrix or a long-form CSV file.

    Matrix form: header ``<anything>,A,B,...``, then one row per actor ``A,p_AA,p_AB,...``
    (rows in any order; the diagonal may be empty and is ignored; the matrix must be
    symmetric). Long form: header ``actor_a,actor_b,propensity``, one row per unordered
    pair; pairs not listed are neutral (``center``). ``center`` is subtracted from every
    value (e.g. 3 on a 1-to-5 scale whose neutral point is 3). With ``actors`` the result
    follows that order, and the file must cover exactly those actors (long form: may omit
    some).
    """
    rows = _rows(path)
    line0, header = rows[0]
    if [h.lower() for h in header] == ["actor_a", "actor_b", "propensity"]:
        return _read_long(path, rows, actors, center)
    ids = header[1:]
    if not ids or any(not a for a in ids) or len(set(ids)) != len(ids):
        raise AlignmentInputError(
            "the header must be 'actor_a,actor_b,propensity' or a row of distinct actor ids "
            "after a first cell",
            file=path,
            line=line0,
        )
    n = len(ids)
    p = np.full((n, n), np.nan)
    row_line: dict[str, int] = {}
    col = {a: j for j, a in enumerate(ids)}
    for line, cells in rows[1:]:
        if len(cells) != n + 1:
            raise AlignmentInputError(
                f"expected {n + 1} fields, got {len(cells)}", file=path, line=line
            )
        a = cells[0]
        if a not in col:
            raise AlignmentInputError(
                f"row actor {a!r} is not in the header",
                file=path,
                line=line,
                field=header[0] or "1",
            )
        if a in row_line:
            raise AlignmentInputError(
                f"actor {a!r} already has a row on line {row_line[a]}", file=path, line=line
            )
        row_line[a] = line
        i = col[a]
        for j, text in enumerate(cells[1:]):
            if j == i:
                continue
            if not text:
                raise AlignmentInputError(
                    "empty propensity (only the diagonal may be empty)",
                    file=path,
                    line=line,
                    field=ids[j],
                )
            p[i, j] = _number(text, path, line, ids[j]) - center
    missing = [a for a in ids if a not in row_line]
    if missing:
        raise AlignmentInputError(f"no row for actor(s) {', '.join(missing)}", file=path)
    for i, a in enumerate(ids):
        for j in range(i + 1, n):
            if not np.isclose(p[i, j], p[j, i], rtol=1e-9, atol=1e-12):
                raise AlignmentInputError(
                    f"the matrix is not symmetric: {a},{ids[j]} is {p[i, j] + center:g} but "
                    f"{ids[j]},{a} is {p[j, i] + center:g}",
                    file=path,
                    line=max(row_line[a], row_line[ids[j]]),
                    field=ids[j] if row_line[a] > row_line[ids[j]] else a,
                )
    np.fill_diagonal(p, 0.0)
    if actors is None:
        return tuple(ids), p
    extra = [a for a in ids if a not in set(actors)]
    absent = [a for a in actors if a not in col]
    if extra or absent:
        parts = ([f"not in the sizes file: {', '.join(extra)}"] if extra else []) + (
            [f"missing: {', '.join(absent)}"] if absent else []
        )
        raise AlignmentInputError(
            "actors differ from the sizes file (" + "; ".join(parts) + ")", file=path, line=line0
        )
    ix = [col[a] for a in actors]
    return tuple(actors), p[np.ix_(ix, ix)]


def _read_long(
    path: str | Path,
    rows: list[tuple[int, list[str]]],
    actors: Sequence[str] | None,
    center: float,
) -> tuple[tuple[str, ...], np.ndarray]:
    order: list[str] = list(actors) if actors is not None else []
    if actors is None:
        for _, cells in rows[1:]:
            for a in cells[:2]:
                if a and a not in order:
                    order.append(a)
    pos = {a: i for i, a in enumerate(order)}
    p = np.zeros((len(order), len(order)))
    seen: dict[frozenset[str], int] = {}
    for line, cells in rows[1:]:
        if len(cells) != 3:
            raise AlignmentInputError(f"expected 3 fields, got {len(cells)}", file=path, line=line)
        a, b, text = cells
        for name, actor in (("actor_a", a), ("actor_b", b)):
            if not actor:
                raise AlignmentInputError("empty actor id", file=path, line=line, field=name)
            if actor not in pos:
                raise AlignmentInputError(
                    f"actor {actor!r} is not in the sizes file", file=path, line=line, field=name
                )
        if a == b:
            raise AlignmentInputError(
                f"a pair needs two different actors, got {a!r} twice",
                file=path,
                line=line,
                field="actor_b",
            )
        key = frozenset((a, b))
        if key in seen:
            raise AlignmentInputError(
                f"pair {a},{b} already given on line {seen[key]}", file=path, line=line
            )
        seen[key] = line
        p[pos[a], pos[b]] = p[pos[b], pos[a]] = _number(text, path, line, "propensity") - center
    if not order:
        raise AlignmentInputError("no pairs after the header", file=path)
    return tuple(order), p


def read_inputs(
    sizes_path: str | Path,
    propensity_path: str | Path,
    *,
    size_column: str = "size",
    center: float = 0.0,
) -> AlignmentInputs:
    """Sizes and propensities from two CSV files (see :func:`read_propensity_csv`)."""
    actors, sizes = read_sizes_csv(sizes_path, size_column)
    actors, p = read_propensity_csv(propensity_path, actors, center)
    return AlignmentInputs(
        actors, sizes, p, source=f"{Path(sizes_path).name} + {Path(propensity_path).name}"
    )


# -- knowledge-base snapshot ----------------------------------------------------------------


class PropensityWeights(Settings):
    """The weights of a snapshot's propensities on top of the relation and membership ties.

    The propensity of a pair is the sum of four components (docs/models/alignment.md):

    * relations and memberships: the pair's relation and membership ties under a
      :class:`~phalanx.network.pairs.Weighting` (:func:`~phalanx.network.pairs.aggregate_pairs`,
      the same ties as the signed network), counted over the ``window_days`` days up to
      the date (a war that ended last month still counts);
    * arms: ``arms_share * share`` where ``share`` in [0, 1] is the importer's indicator
      ``arms_import_share_from_<SUPPLIER>`` (values above 1 are read as percentages);
    * votes: ``un_votes * (2 A - 1)``, where ``A`` in [0, 1] is the pair's mean agreement
      over votes both cast within ``vote_window_days`` (same choice 1, yes or no against
      abstain 0.5, yes against no 0), counted only with ``vote_min_common`` votes or more.
    """

    arms_share: float = Field(
        0.5, ge=0.0, le=100.0, description="Weight of an arms-import share (per unit share, >= 0)."
    )
    un_votes: float = Field(
        0.5, ge=0.0, le=100.0, description="Weight of UN vote agreement (at full agreement, >= 0)."
    )
    vote_min_common: int = Field(
        3, ge=1, le=10_000, description="Fewest votes two actors must share to count (votes)."
    )
    vote_window_days: int | None = Field(
        3653,
        ge=1,
        le=366_000,
        description="Votes older than this many days are left out (None: every vote).",
    )
    window_days: int = Field(
        365,
        ge=0,
        le=36_600,
        description="Relations count if in force on any day of this "
        "many days up to the date (0: on the date only).",
    )
    size_indicator: str = Field(
        "cinc",
        min_length=1,
        max_length=100,
        description="Indicator giving each actor's size (> 0).",
    )


def region_actors(
    snapshot: Any, candidates: Sequence[str], size_indicator: str = "cinc"
) -> list[str]:
    """The ``candidates`` that the snapshot holds and has a size for, in the given order.

    ``candidates`` is usually the package's declared region (``kb.defaults.region``).
    """
    known = set(snapshot.actor_ids())
    return [
        a for a in candidates if a in known and snapshot.indicator(a, size_indicator) is not None
    ]


_AGREE = {
    ("yes", "yes"): 1.0,
    ("no", "no"): 1.0,
    ("abstain", "abstain"): 1.0,
    ("yes", "abstain"): 0.5,
    ("no", "abstain"): 0.5,
    ("yes", "no"): 0.0,
}


def _vote_day(value: Any, vote: str) -> dt.date:
    """The last day a vote's (possibly partial) date may denote: ``2019`` -> 2019-12-31."""
    if value is None or value == "":
        raise AlignmentInputError(f"vote {vote!r} has no date", field="date")
    try:
        return parse_query_date(value if isinstance(value, dt.date) else str(value), end=True)
    except ValueError as e:
        raise AlignmentInputError(f"vote {vote!r}: {e}", field="date") from None


def inputs_from_snapshot(
    snapshot: Any,
    actors: Sequence[str] | None = None,
    weights: PropensityWeights | None = None,
    weighting: str | Weighting | None = "default",
) -> AlignmentInputs:
    """Sizes and propensities of ``actors`` on the snapshot's date (see :class:`PropensityWeights`).

    The relation and membership components are the pair ties of
    :func:`phalanx.network.pairs.aggregate_pairs` under ``weighting`` (a name in
    :data:`~phalanx.network.pairs.WEIGHTINGS` or a Weighting), so they equal the signed
    network's ties of the same snapshot. ``actors=None`` takes every state with a size
    indicator. An actor without the size indicator is an error when named explicitly.
    A vote with a partial date (``2019``) is in the vote window when any day it may denote
    is. Cost ``O(n**2 + R + M + V)`` for ``R`` relations, ``M`` memberships and ``V`` votes.
    """
    w = weights or PropensityWeights()
    if actors is None:
        actors = [
            a
            for a in snapshot.actor_ids("state")
            if snapshot.indicator(a, w.size_indicator) is not None
        ]
    actors = list(actors)
    known = set(snapshot.actor_ids())
    unknown = [a for a in actors if a not in known]
    if unknown:
        raise AlignmentInputError(f"unknown actor(s) {', '.join(unknown)} in the knowledge base")
    no_size = [a for a in actors if snapshot.indicator(a, w.size_indicator) is None]
    if no_size:
        raise AlignmentInputError(
            f"no {w.size_indicator!r} value on {snapshot.date} for {', '.join(no_size)}"
        )
    if len(actors) < 2:
        raise AlignmentInputError(f"need at least 2 actors with data, got {actors}")
    pos = {a: i for i, a in enumerate(actors)}
    n = len(actors)
    sizes = np.array([snapshot.indicator(a, w.size_indicator) for a in actors], dtype=float)
    if np.any(sizes <= 0):
        bad = [a for a, s in zip(actors, sizes, strict=True) if s <= 0]
        raise AlignmentInputError(f"{w.size_indicator} must be > 0; not so for {', '.join(bad)}")
    comp = {name: np.zeros((n, n)) for name in ("relations", "memberships", "arms", "votes")}

    def add(name: str, a: str, b: str, value: float) -> None:
        if a in pos and b in pos and a != b:
            comp[name][pos[a], pos[b]] += value
            comp[name][pos[b], pos[a]] += value

    pairs = aggregate_pairs(snapshot, weighting, actors)
    for (a, b), tie in pairs.ties.items():
        add("relations", a, b, tie.part("relation"))
        add("memberships", a, b, tie.part("membership"))

    prefix = "arms_import_share_from_"
    used_indicators = [snapshot.indicator_record(a, w.size_indicator) for a in actors]
    for rec in snapshot.indicators:
        if rec["indicator"].startswith(prefix) and rec["actor"] in pos:
            if rec["indicator"][len(prefix) :] in pos:
                used_indicators.append(rec)
            share = float(rec["value"])
            add(
                "arms",
                rec["actor"],
                rec["indicator"][len(prefix) :],
                w.arms_share * (share / 100.0 if share > 1.0 else share),
            )

    start = (
        None
        if w.vote_window_days is None
        else snapshot.date - dt.timedelta(days=w.vote_window_days)
    )
    ballots: dict[str, dict[str, str]] = {}
    for v in snapshot.votes:
        if v["actor"] not in pos or v["choice"] not in ("yes", "no", "abstain"):
            continue
        if start is None or _vote_day(v.get("date"), str(v["vote"])) >= start:
            ballots.setdefault(str(v["vote"]), {})[v["actor"]] = v["choice"]
    agree = np.zeros((n, n))
    common = np.zeros((n, n))
    for cast in ballots.values():
        voters = sorted(cast, key=pos.__getitem__)
        for i, a in enumerate(voters):
            for b in voters[i + 1 :]:
                pair = (cast[a], cast[b])
                score = _AGREE.get(pair, _AGREE.get(pair[::-1], 0.0))
                agree[pos[a], pos[b]] += score
                common[pos[a], pos[b]] += 1
    enough = common >= max(1, w.vote_min_common)
    mean = np.divide(agree, common, out=np.zeros_like(agree), where=enough)
    comp["votes"] = np.where(enough, w.un_votes * (2.0 * mean - 1.0), 0.0)
    comp["votes"] = comp["votes"] + comp["votes"].T
    propensity = sum(comp.values())
    source = f"knowledge base {getattr(snapshot, 'data_version', '')} on {snapshot.date}"
    notes = tuple(
        f"relation kind {k!r} has no weight; ignored ({c}x)" for k, c in pairs.unweighted.items()
    )
    pair_counts = enough | enough.T
    counted_votes = sorted(
        vote
        for vote, cast in ballots.items()
        if any(pair_counts[pos[a], pos[b]] for a in cast for b in cast if a != b)
    )
    rows, cited = _provenance(snapshot, pairs, [r for r in used_indicators if r], counted_votes)
    return AlignmentInputs(
        tuple(actors),
        sizes,
        propensity,
        comp,
        source.replace("  ", " "),
        notes,
        rows,
        cited,
    )


def _provenance(
    snapshot: Any, pairs: Any, indicators: Sequence[Mapping[str, Any]], votes: Sequence[str]
) -> tuple[dict[str, tuple[str, ...]], tuple[str, ...]]:
    """The rows behind a snapshot's inputs, by table, and the source ids they cite.

    Relations and memberships are those that contributed a tie (value != 0), indicators
    the size of each actor and the arms shares between two of the actors, votes those
    cast by a pair with enough common votes. Votes carry no sources of their own.
    """
    relation_ids: set[str] = set()
    spells: set[tuple[str, str]] = set()
    for c in pairs.contributions():
        relation_ids.update(c.relations)
        if c.organization is not None:
            spells.update({(c.organization, c.a), (c.organization, c.b)})
    cited: set[str] = set()
    for r in snapshot.relations:
        if str(r.get("id") or "") in relation_ids:
            cited.update(r.get("sources") or ())
    for m in snapshot.memberships:
        if (m["organization"], m["actor"]) in spells:
            cited.update(m.get("sources") or ())
    for rec in indicators:
        cited.update(rec.get("sources") or ())
    rows = {
        "relations": tuple(sorted(relation_ids)),
        "memberships": tuple(f"{o}:{a}" for o, a in sorted(spells)),
        "indicators": tuple(
            sorted(f"{r['actor']}:{r['indicator']}:{r.get('period', '')}" for r in indicators)
        ),
        "votes": tuple(votes),
    }
    return rows, tuple(sorted(cited))
