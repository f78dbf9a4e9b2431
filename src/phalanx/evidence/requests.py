"""Real requests for collective assistance, and an out-of-sample test of the decision model.

The shipped table ``data/evidence/requests.csv`` records requests that members of
alliances made to their organisation (the CSTO, NATO, ANZUS, the Rio Treaty's Organ of
Consultation, the Arab League) and what the organisation did; ``requests-sources.csv``
holds its sources, in the columns and grades of a data package's ``sources.csv``. Each
case carries the features the simulation's decision step reads (docs/odd/membership.md,
section 7.5): the decision rule, the voters, the leading state's capacity and its ties to
the requester and to the adversary, and how many other voters share the threat or are
tied to the adversary. docs/evidence/requests.md gives the codebook.

**From features to positions** (as the engine does it, ``models/dynamics/engine.py``):

- the requester: 1 for a request for assistance; ``consult`` (a fitted parameter) for a
  request for consultations, which asks for less;
- the leader: ``base + ties * W[L, i] - aggressor_ties * W[L, j]``;
- a voter sharing the threat (its own conflict with the adversary, ``X = 1``, so its
  exposure ``theta = 1``): ``base + ties * w + shared_enemy - exposure``, salience 1;
- a voter tied to the adversary: ``base + ties * w - aggressor_ties * t``, salience
  ``max(w, t)``;
- any other voter: ``base + ties * w``, salience ``w``;

each clipped to [0, 1], with ``w`` the case's ``member_tie``, ``t`` its ``adversary_tie``
and the weights ``ties``, ``aggressor_ties``, ``shared_enemy``, ``exposure`` and
``abstain_below`` the defaults of :class:`~phalanx.models.dynamics.params.MembershipParams`.
The organisation's rule is then applied exactly as
:func:`~phalanx.models.collective.collective_decision` applies it, and the leader's capacity
caps the outcome.

**A probability.** The coded positions are uncertain, so each (and the leader's capacity)
gets an independent normal error of standard deviation ``sigma``. A request is *answered*
when the adopted level reaches ``answered_level`` (0.75: collective measures or force on the
outcome scale of the table). Its probability has a closed form: under consensus the product,
over the voters that do not abstain, of ``Phi((x - a) / sigma)``, times the same for the cap;
under a (qualified) majority the chance that enough voters clear the level (a Poisson-binomial
tail), times the cap's.

**Leave one out.** ``base``, ``sigma`` and ``consult`` are fitted by maximum likelihood on a
grid, always without the case being predicted; the base rate is the share answered among the
other cases. Scores: :mod:`phalanx.evidence.scores`.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import re
from collections.abc import Mapping, Sequence
from datetime import date as _date
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import Field, field_validator

from phalanx.errors import UserError
from phalanx.evidence.scores import bootstrap_ci, brier, log_score
from phalanx.params import Estimator, Settings
from phalanx.safe_files import read_user_text

__all__ = [
    "ANSWERED_OUTCOMES",
    "OUTCOME_LEVELS",
    "PUBLISHED_RATES",
    "REQUESTS_FILE",
    "REQUEST_COLUMNS",
    "SOURCES_FILE",
    "RequestBacktest",
    "RequestBacktestParams",
    "answer_probability",
    "backtest_requests",
    "case_positions",
    "kb_tie",
    "load_request_sources",
    "load_requests",
]

_DATA = Path(__file__).resolve().parents[1] / "data" / "evidence"
REQUESTS_FILE = _DATA / "requests.csv"
SOURCES_FILE = _DATA / "requests-sources.csv"
_LIMIT = 4 * 1024 * 1024

#: What the organisation did, on the decision scale (0 no action .. 1 full military help).
OUTCOME_LEVELS: dict[str, float] = {
    "none": 0.0,
    "consultation": 0.25,
    "statement": 0.25,
    "mission": 0.5,
    "measures": 0.75,
    "force": 1.0,
}
#: The documented rule: a request is answered when the organisation committed means
#: (collective military, economic or diplomatic measures, or forces) for the requester.
ANSWERED_OUTCOMES = ("measures", "force")

REQUEST_COLUMNS = (
    "id",
    "date",
    "organization",
    "provision",
    "kind",
    "requester",
    "co_requesters",
    "adversary",
    "adversary_kind",
    "voters",
    "leader",
    "leader_capacity",
    "leader_tie_requester",
    "leader_tie_adversary",
    "member_tie",
    "sharers",
    "adversary_partners",
    "adversary_tie",
    "rule",
    "quota",
    "outcome",
    "answered",
    "response",
    "certainty",
    "note",
    "sources",
)
_SOURCE_COLUMNS = ("id", "citation", "url", "reliability", "accessed", "note")
_RELIABILITY = ("official", "scholarly", "news", "reference", "state_media", "aggregator")
_CERTAINTY = ("confirmed", "single_source", "inferred", "conflict")
_KINDS = ("assistance", "consultation")
_ADVERSARY_KINDS = ("state", "armed_group", "none")
_RULES = ("consensus", "unanimity", "majority", "qualified_majority")
_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
_ACTOR = re.compile(r"^[A-Z][A-Za-z0-9_]*$")
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_URL = re.compile(r"^https?://\S+$")
_EPS = 1e-9

#: Published shares of alliance commitments honoured when the casus foederis arose.
PUBLISHED_RATES: tuple[dict[str, Any], ...] = (
    {
        "source": "leeds-long-mitchell-2000",
        "period": "1816-1944",
        "rate": 0.745,
        "what": "allies in wars covered by their treaty that did what the treaty specified",
    },
    {
        "source": "berkemeier-fuhrmann-2018",
        "period": "1816-1944",
        "rate": 0.66,
        "what": "the same measure on updated data, before 1945",
    },
    {
        "source": "berkemeier-fuhrmann-2018",
        "period": "1945-2003",
        "rate": 0.22,
        "what": "the same measure on updated data, from 1945",
    },
)


# --------------------------------------------------------------------------- loading


def _shown(path: Path) -> str:
    return path.name


def _read_rows(path: Path, columns: Sequence[str], what: str) -> list[tuple[int, dict[str, str]]]:
    text = read_user_text(path, limit=_LIMIT, what=what)
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    missing = [c for c in columns if c not in header]
    extra = [c for c in header if c not in columns]
    if missing or extra:
        found = ", ".join(header) if header else "no header"
        raise UserError(
            f"expected the columns {', '.join(columns)}; found {found}"
            + (f" (missing: {', '.join(missing)})" if missing else "")
            + (f" (unknown: {', '.join(extra)})" if extra else ""),
            file=_shown(path),
            line=1,
        )
    rows = []
    for row in reader:
        if None in row or any(v is None for v in row.values()):
            raise UserError(
                f"expected {len(columns)} cells; found a different number",
                file=_shown(path),
                line=reader.line_num,
            )
        rows.append((reader.line_num, {k: v.strip() for k, v in row.items()}))
    if not rows:
        raise UserError("has no rows", file=_shown(path))
    return rows


class _Row:
    """Typed access to one CSV row, raising a UserError that names file, line and field."""

    def __init__(self, file: str, line: int, row: Mapping[str, str]) -> None:
        self.file, self.line, self.row = file, line, row

    def fail(self, field: str, message: str) -> UserError:
        return UserError(message, file=self.file, line=self.line, field=field)

    def text(self, field: str, *, required: bool = True) -> str:
        v = self.row[field]
        if required and not v:
            raise self.fail(field, "is empty; a value is required")
        return v

    def choice(self, field: str, options: Sequence[str]) -> str:
        v = self.row[field]
        if v not in options:
            raise self.fail(field, f"must be one of {', '.join(options)}; got {v!r}")
        return v

    def match(self, field: str, pattern: re.Pattern[str], what: str, required: bool = True) -> str:
        v = self.text(field, required=required)
        if v and not pattern.match(v):
            raise self.fail(field, f"must be {what}; got {v!r}")
        return v

    def integer(self, field: str, lo: int) -> int:
        v = self.row[field]
        if not re.fullmatch(r"\d+", v) or int(v) < lo:
            raise self.fail(field, f"must be a whole number >= {lo}; got {v!r}")
        return int(v)

    def share(self, field: str, *, required: bool = True) -> float | None:
        v = self.row[field]
        if not v and not required:
            return None
        try:
            x = float(v)
        except ValueError:
            raise self.fail(field, f"must be a number in [0, 1]; got {v!r}") from None
        if not (math.isfinite(x) and 0 <= x <= 1):
            raise self.fail(field, f"must be a number in [0, 1]; got {v!r}")
        return x


def _check_date(r: _Row) -> str:
    v = r.text("date")
    m = _DATE.match(v)
    ok = m is not None
    if ok:
        y, mo, d = (int(g) if g else None for g in m.groups())
        try:
            _date(y, mo or 1, d or 1)
        except ValueError:
            ok = False
    if not ok:
        raise r.fail("date", f"must be a date YYYY, YYYY-MM or YYYY-MM-DD; got {v!r}")
    return v


def load_request_sources(path: str | Path | None = None) -> dict[str, dict[str, str]]:
    """The sources table (default: the shipped one), keyed by id, validated.

    Columns and grades are those of a data package's ``sources.csv``: ``id`` (lower-case,
    unique), ``citation``, ``url`` (http or https), ``reliability`` (official, scholarly,
    news, reference, state_media, aggregator), ``accessed`` (a date, optional), ``note``.
    Bad rows raise :class:`~phalanx.errors.UserError` naming the line and field. O(rows).
    """
    p = Path(path) if path is not None else SOURCES_FILE
    out: dict[str, dict[str, str]] = {}
    for line, row in _read_rows(p, _SOURCE_COLUMNS, "sources table"):
        r = _Row(_shown(p), line, row)
        sid = r.match("id", _ID, "lower-case letters, digits and . _ -")
        if sid in out:
            raise r.fail("id", f"{sid!r} appears twice")
        r.text("citation")
        r.match("url", _URL, "an http or https address without spaces")
        r.choice("reliability", _RELIABILITY)
        if row["accessed"] and not _DATE.match(row["accessed"]):
            raise r.fail("accessed", f"must be a date YYYY-MM-DD; got {row['accessed']!r}")
        out[sid] = dict(row)
    return out


def _quota(r: _Row, rule: str) -> float | None:
    v = r.row["quota"]
    if rule != "qualified_majority":
        if v:
            raise r.fail("quota", f"is only for rule qualified_majority; got {v!r} with {rule}")
        return None
    try:
        q = float(Fraction(v))
    except (ValueError, ZeroDivisionError):
        raise r.fail("quota", f"must be a share in (0.5, 1], e.g. 2/3; got {v!r}") from None
    if not 0.5 < q <= 1:
        raise r.fail("quota", f"must be a share in (0.5, 1], e.g. 2/3; got {v!r}")
    return q


def _parse_case(r: _Row, sources: Mapping[str, Any]) -> dict[str, Any]:
    row = r.row
    case: dict[str, Any] = {"id": r.match("id", _ID, "lower-case letters, digits and . _ -")}
    case["date"] = _check_date(r)
    case["organization"] = r.match("organization", _ACTOR, "an upper-case organisation id")
    case["provision"] = r.text("provision")
    case["kind"] = r.choice("kind", _KINDS)
    case["requester"] = r.match("requester", _ACTOR, "an upper-case actor id")
    co = [c for c in row["co_requesters"].split(";") if c] if row["co_requesters"] else []
    for c in co:
        if not _ACTOR.match(c):
            raise r.fail("co_requesters", f"must be ';'-separated actor ids; got {c!r}")
    case["co_requesters"] = co
    case["adversary"] = r.match("adversary", _ACTOR, "an upper-case actor id", required=False)
    case["adversary_kind"] = r.choice("adversary_kind", _ADVERSARY_KINDS)
    if case["adversary_kind"] == "state" and not case["adversary"]:
        raise r.fail("adversary", "is empty; a state adversary needs its id")
    if case["adversary_kind"] == "none" and case["adversary"]:
        raise r.fail("adversary", "must be empty when adversary_kind is none")
    case["voters"] = r.integer("voters", 1)
    leader = r.match("leader", _ACTOR, "an upper-case actor id", required=False)
    case["leader"] = leader or None
    for f in ("leader_capacity", "leader_tie_requester", "leader_tie_adversary"):
        if leader:
            case[f] = r.share(f)
        elif row[f]:
            raise r.fail(f, "must be empty when no leader is given")
        else:
            case[f] = None
    case["member_tie"] = r.share("member_tie")
    case["sharers"] = r.integer("sharers", 0)
    case["adversary_partners"] = r.integer("adversary_partners", 0)
    case["adversary_tie"] = r.share("adversary_tie")
    if case["adversary_partners"] and not case["adversary_tie"]:
        raise r.fail("adversary_tie", "must be above 0 when adversary_partners is above 0")
    leader_votes = bool(leader) and leader != case["requester"]
    named = 1 + leader_votes + case["sharers"] + case["adversary_partners"]
    if named > case["voters"]:
        raise r.fail(
            "voters",
            f"is {case['voters']}, fewer than the requester, the leader, the sharers and the "
            f"adversary's partners together ({named})",
        )
    case["rule"] = r.choice("rule", _RULES)
    case["quota"] = _quota(r, case["rule"])
    case["outcome"] = r.choice("outcome", tuple(OUTCOME_LEVELS))
    if row["answered"] not in ("0", "1"):
        raise r.fail("answered", f"must be 0 or 1; got {row['answered']!r}")
    case["answered"] = int(row["answered"])
    expected = int(case["outcome"] in ANSWERED_OUTCOMES)
    if case["answered"] != expected:
        raise r.fail(
            "answered",
            f"is {case['answered']} but outcome {case['outcome']!r} gives {expected} "
            f"(answered = outcome in {', '.join(ANSWERED_OUTCOMES)})",
        )
    case["response"] = r.text("response")
    case["certainty"] = r.choice("certainty", _CERTAINTY)
    case["note"] = row["note"]
    ids = [s for s in row["sources"].split(";") if s]
    if not ids:
        raise r.fail("sources", "is empty; at least one source id is required")
    unknown = [s for s in ids if s not in sources]
    if unknown:
        raise r.fail("sources", f"names ids not in the sources table: {', '.join(unknown)}")
    case["sources"] = ids
    return case


def load_requests(
    path: str | Path | None = None, sources: str | Path | None = None
) -> list[dict[str, Any]]:
    """The requests table (default: the shipped one), validated, as a list of dicts.

    ``sources`` is the sources table (default: ``requests-sources.csv`` beside ``path``, or
    the shipped one). Each dict has the columns of :data:`REQUEST_COLUMNS`, typed: numbers
    as floats or ints, ``co_requesters`` and ``sources`` as lists, empty leader fields as
    None. Every problem is a :class:`~phalanx.errors.UserError` naming file, line and
    field. O(rows).
    """
    p = Path(path) if path is not None else REQUESTS_FILE
    if sources is None:
        beside = p.with_name(p.stem + "-sources.csv")
        sources = beside if beside.exists() else SOURCES_FILE
    src = load_request_sources(sources)
    cases: list[dict[str, Any]] = []
    seen: set[str] = set()
    for line, row in _read_rows(p, REQUEST_COLUMNS, "requests table"):
        r = _Row(_shown(p), line, row)
        case = _parse_case(r, src)
        if case["id"] in seen:
            raise r.fail("id", f"{case['id']!r} appears twice")
        seen.add(case["id"])
        cases.append(case)
    return cases


def _data_version(*paths: Path) -> str:
    h = hashlib.sha256()
    for p in paths:
        h.update(Path(p).read_bytes())
    return "sha256:" + h.hexdigest()[:16]


# --------------------------------------------------------------------------- the model


def _position_weights() -> dict[str, float]:
    from phalanx.models.dynamics.params import MembershipParams

    d = MembershipParams()
    return {
        "ties": d.position_ties,
        "aggressor_ties": d.position_aggressor_ties,
        "shared_enemy": d.position_shared_enemy,
        "exposure": d.position_exposure,
        "abstain_below": d.abstain_below,
    }


def _groups(
    case: Mapping[str, Any], base: np.ndarray, consult: np.ndarray, w: Mapping[str, float]
) -> list[tuple[np.ndarray, float, int]]:
    """The voters as (position, salience, count) groups, positions vectorised over a grid."""
    one = np.ones_like(base)
    req = one if case["kind"] == "assistance" else consult * one
    groups = [(req, 1.0, 1)]
    leader = case.get("leader")
    if leader and leader != case["requester"]:
        x = base + w["ties"] * case["leader_tie_requester"]
        x = x - w["aggressor_ties"] * case["leader_tie_adversary"]
        groups.append((np.clip(x, 0, 1), 1.0, 1))
    mt = case["member_tie"]
    if case["sharers"]:
        x = base + w["ties"] * mt + w["shared_enemy"] - w["exposure"]
        groups.append((np.clip(x, 0, 1), max(mt, 1.0), case["sharers"]))
    if case["adversary_partners"]:
        x = base + w["ties"] * mt - w["aggressor_ties"] * case["adversary_tie"]
        groups.append(
            (np.clip(x, 0, 1), max(mt, case["adversary_tie"]), case["adversary_partners"])
        )
    rest = (
        case["voters"]
        - 1
        - int(bool(leader) and leader != case["requester"])
        - case["sharers"]
        - case["adversary_partners"]
    )
    if rest:
        groups.append((np.clip(base + w["ties"] * mt, 0, 1), mt, rest))
    return groups


_erf = np.frompyfunc(math.erf, 1, 1)


def _phi(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.asarray(_erf(np.asarray(z, dtype=float) / math.sqrt(2.0)), dtype=float))


def _probability(
    case: Mapping[str, Any],
    base: np.ndarray,
    sigma: np.ndarray,
    consult: np.ndarray,
    level: float,
    w: Mapping[str, float],
) -> np.ndarray:
    groups = _groups(case, base, consult, w)
    p_cap = np.ones_like(base)
    if case.get("leader"):
        p_cap = _phi((case["leader_capacity"] - level) / sigma)
    rule = case["rule"]
    if rule in ("consensus", "unanimity"):
        out = p_cap.copy()
        for x, sal, n in groups:
            if rule == "unanimity" or sal >= w["abstain_below"]:
                out = out * _phi((x - level) / sigma) ** n
        return out
    total = sum(n for _, _, n in groups)
    if rule == "majority":
        need = math.floor(0.5 * total + _EPS) + 1
    else:
        need = math.ceil(case["quota"] * total - _EPS)
    dist = np.zeros((total + 1,) + base.shape)
    dist[0] = 1.0
    k = 0
    for x, _, n in groups:
        p = _phi((x - level) / sigma)
        for _ in range(n):
            dist[1 : k + 2] = dist[1 : k + 2] * (1 - p) + dist[0 : k + 1] * p
            dist[0] = dist[0] * (1 - p)
            k += 1
    return p_cap * dist[need:].sum(axis=0)


def answer_probability(
    case: Mapping[str, Any],
    *,
    base: float,
    sigma: float,
    consult: float = 0.25,
    answered_level: float = 0.75,
) -> float:
    """Probability that the organisation answers ``case`` (a row of :func:`load_requests`).

    ``base`` is a voter's position with no ties (``position_base``), ``sigma`` > 0 the
    standard deviation of the error on every position and on the leader's capacity,
    ``consult`` the requester's position when it asks only for consultations. O(V^2) for
    V voters under a majority rule, O(groups) otherwise.
    """
    if not sigma > 0:
        raise ValueError(f"sigma must be above 0; got {sigma}")
    p = _probability(
        case,
        np.array([float(base)]),
        np.array([float(sigma)]),
        np.array([float(consult)]),
        answered_level,
        _position_weights(),
    )
    return float(p[0])


def case_positions(
    case: Mapping[str, Any], *, base: float, consult: float = 0.25
) -> dict[str, Any]:
    """The case's voters as keyword arguments of
    :func:`~phalanx.models.collective.collective_decision` (no error added): ``positions``
    and ``salience`` by voter (the requester and leader by id, the others ``sharer1``,
    ``partner1``, ``other1``, ...), ``rule``, ``quota``, ``leader`` and
    ``leader_capacity``."""
    w = _position_weights()
    one = np.array([float(base)])
    groups = _groups(case, one, np.array([float(consult)]), w)
    names = [case["requester"]]
    if case.get("leader") and case["leader"] != case["requester"]:
        names.append(case["leader"])
    prefix = []
    if case["sharers"]:
        prefix.append("sharer")
    if case["adversary_partners"]:
        prefix.append("partner")
    if len(groups) > len(names) + len(prefix):
        prefix.append("other")
    positions: dict[str, float] = {}
    salience: dict[str, float] = {}
    for g, (x, sal, n) in enumerate(groups):
        if g < len(names):
            keys = [names[g]]
        else:
            keys = [f"{prefix[g - len(names)]}{k + 1}" for k in range(n)]
        for key in keys:
            positions[key] = float(x[0])
            salience[key] = float(sal)
    return {
        "positions": positions,
        "salience": salience,
        "rule": case["rule"],
        "quota": case["quota"],
        "leader": case.get("leader"),
        "leader_capacity": case["leader_capacity"] if case.get("leader") else 1.0,
        "abstain_below": w["abstain_below"],
    }


def kb_tie(kb: Any, at: str, a: str, b: str) -> float:
    """The simulation's tie ``W[a, b]`` on day ``at`` in a knowledge base: the strongest
    positive ``alliance``, ``partnership``, ``basing``, ``arms_supply`` or
    ``peacekeeping`` relation between the two actors, either direction (0 if none).
    Used to code (and check) the ties of cases whose organisation has a package. O(R)."""
    from phalanx.models.dynamics.state import TIE_KINDS

    snap = kb.snapshot(at)
    best = 0.0
    for r in snap.relations:
        if r["kind"] in TIE_KINDS and {r["actor_a"], r["actor_b"]} == {a, b}:
            if float(r.get("sign", 1)) > 0:
                best = max(best, float(r["intensity"]))
    return best


# --------------------------------------------------------------------------- the test


def _grid(lo: float, hi: float, step: float) -> tuple[float, ...]:
    n = int(round((hi - lo) / step))
    return tuple(round(lo + k * step, 10) for k in range(n + 1))


class RequestBacktestParams(Settings):
    """Declared settings of :class:`RequestBacktest` (ranges, defaults, meaning)."""

    answered_level: float = Field(
        0.75,
        gt=0,
        le=1,
        description="An adopted level at or above this counts as answered (0.75: "
        "collective measures; the table's rule), in (0, 1].",
    )
    base_grid: tuple[float, ...] = Field(
        _grid(0, 1, 0.05), description="Values of position_base tried by the fit, in [0, 1]."
    )
    sigma_grid: tuple[float, ...] = Field(
        _grid(0.05, 0.5, 0.05),
        description="Values of the position error's standard deviation tried, in (0, 2].",
    )
    consult_grid: tuple[float, ...] = Field(
        _grid(0, 1, 0.05),
        description="Values of a consultation requester's position tried, in [0, 1].",
    )
    bootstrap_reps: int = Field(
        1000, ge=10, le=100_000, description="Bootstrap resamples of the score intervals."
    )
    seed: int = Field(0, ge=0, description="Seed of the bootstrap (the fit is deterministic).")
    eps: float = Field(1e-6, gt=0, lt=0.5, description="Clip of the log score, (0, 0.5).")

    @field_validator("base_grid", "consult_grid")
    @classmethod
    def _unit(cls, v: tuple[float, ...]) -> tuple[float, ...]:
        if not v or any(not 0 <= x <= 1 for x in v):
            raise ValueError("must be a non-empty list of values in [0, 1]")
        return v

    @field_validator("sigma_grid")
    @classmethod
    def _positive(cls, v: tuple[float, ...]) -> tuple[float, ...]:
        if not v or any(not 0 < x <= 2 for x in v):
            raise ValueError("must be a non-empty list of values in (0, 2]")
        return v


class RequestBacktest(Estimator):
    """Leave-one-out test of the decision model on real requests for assistance.

    ``fit(cases)`` (default: the shipped table) predicts every case with ``base``,
    ``sigma`` and ``consult`` fitted by maximum likelihood on the other cases (a grid
    search, ties to the first grid point in the order base, sigma, consult), and scores the
    predictions and a leave-one-out base rate with the Brier and log scores.

    Attributes
    ----------
    cases_ : list of dict
        Per case: id, date, organization, requester, kind, rule, outcome, answered, ``p``
        (the model's leave-one-out probability), ``base_rate``, ``hit`` and ``base_hit``
        (at 0.5), ``fit`` (the parameters used) and ``decision`` (the outcome level and
        binding of ``collective_decision`` at those parameters, without error).
    summary_ : dict
        Counts, shares answered (all, by kind), the scores with bootstrap intervals, hits,
        the parameters fitted on all cases, the published rates, settings and data version.

    Cost: O(C G V^2) for C cases, G grid points and V voters (a fraction of a second for
    the shipped table).
    """

    Params = RequestBacktestParams

    def __init__(
        self,
        *,
        answered_level: float = 0.75,
        base_grid: tuple[float, ...] = RequestBacktestParams.model_fields["base_grid"].default,
        sigma_grid: tuple[float, ...] = RequestBacktestParams.model_fields["sigma_grid"].default,
        consult_grid: tuple[float, ...] = RequestBacktestParams.model_fields[
            "consult_grid"
        ].default,
        bootstrap_reps: int = 1000,
        seed: int = 0,
        eps: float = 1e-6,
    ) -> None:
        self.answered_level = answered_level
        self.base_grid = base_grid
        self.sigma_grid = sigma_grid
        self.consult_grid = consult_grid
        self.bootstrap_reps = bootstrap_reps
        self.seed = seed
        self.eps = eps

    def fit(
        self, cases: Sequence[Mapping[str, Any]] | None = None, *, data_version: str | None = None
    ) -> RequestBacktest:
        p = self._validate_params()
        if cases is None:
            cases = load_requests()
            data_version = _data_version(REQUESTS_FILE, SOURCES_FILE)
        if len(cases) < 2:
            raise UserError(f"leave-one-out needs at least 2 cases; got {len(cases)}")
        w = _position_weights()
        b, s, c = np.meshgrid(p.base_grid, p.sigma_grid, p.consult_grid, indexing="ij")
        b, s, c = b.ravel(), s.ravel(), c.ravel()
        probs = np.vstack([_probability(k, b, s, c, p.answered_level, w) for k in cases])
        probs = np.clip(probs, 0.0, 1.0)
        y = np.array([k["answered"] for k in cases], dtype=float)
        q = np.clip(probs, p.eps, 1 - p.eps)
        loss = -(y[:, None] * np.log(q) + (1 - y[:, None]) * np.log1p(-q))
        total = loss.sum(axis=0)
        n = len(cases)
        p_loo = np.empty(n)
        base_loo = (y.sum() - y) / (n - 1)
        per_case = []
        for i, case in enumerate(cases):
            g = int(np.argmin(total - loss[i]))
            p_loo[i] = probs[i, g]
            fitted = {"base": float(b[g]), "sigma": float(s[g]), "consult": float(c[g])}
            per_case.append(self._case_record(case, p_loo[i], base_loo[i], fitted))
        g_all = int(np.argmin(total))
        self.cases_ = per_case
        self.summary_ = self._summary(cases, y, p_loo, base_loo, p, data_version)
        self.summary_["fit_all"] = {
            "base": float(b[g_all]),
            "sigma": float(s[g_all]),
            "consult": float(c[g_all]),
            "log_score_in_sample": float(total[g_all] / n),
        }
        return self

    @staticmethod
    def _case_record(
        case: Mapping[str, Any], p: float, base: float, fitted: dict[str, float]
    ) -> dict[str, Any]:
        from phalanx.models.collective import collective_decision

        kw = case_positions(case, base=fitted["base"], consult=fitted["consult"])
        decision = collective_decision(
            kw["positions"],
            rule=kw["rule"],
            salience=kw["salience"],
            leader=kw["leader"],
            leader_capacity=kw["leader_capacity"],
            quota=kw["quota"],
            abstain_below=kw["abstain_below"],
        )
        return {
            **{
                k: case[k]
                for k in (
                    "id",
                    "date",
                    "organization",
                    "requester",
                    "kind",
                    "rule",
                    "outcome",
                    "answered",
                )
            },
            "p": float(p),
            "base_rate": float(base),
            "hit": bool((p >= 0.5) == bool(case["answered"])),
            "base_hit": bool((base >= 0.5) == bool(case["answered"])),
            "fit": fitted,
            "decision": {"level": decision["outcome"], "binding": decision["binding"]},
        }

    @staticmethod
    def _summary(
        cases: Sequence[Mapping[str, Any]],
        y: np.ndarray,
        p_loo: np.ndarray,
        base_loo: np.ndarray,
        p: RequestBacktestParams,
        data_version: str | None,
    ) -> dict[str, Any]:
        def scored(f: np.ndarray) -> dict[str, Any]:
            def ls(a: np.ndarray, b: np.ndarray) -> float:
                return log_score(a, b, eps=p.eps)

            bl, bh = bootstrap_ci(f, y, brier, reps=p.bootstrap_reps, seed=p.seed)
            ll, lh = bootstrap_ci(f, y, ls, reps=p.bootstrap_reps, seed=p.seed)
            return {
                "brier": brier(f, y),
                "brier_low": bl,
                "brier_high": bh,
                "log_score": ls(f, y),
                "log_low": ll,
                "log_high": lh,
                "hits": int(np.sum((f >= 0.5) == (y == 1))),
            }

        by_kind = {}
        for kind in _KINDS:
            sel = [k["answered"] for k in cases if k["kind"] == kind]
            if sel:
                by_kind[kind] = {
                    "n": len(sel),
                    "answered": int(sum(sel)),
                    "share": sum(sel) / len(sel),
                }
        return {
            "n": len(cases),
            "answered": int(y.sum()),
            "share_answered": float(y.mean()),
            "by_kind": by_kind,
            "model": scored(p_loo),
            "base_rate": scored(base_loo),
            "published": [dict(r) for r in PUBLISHED_RATES],
            "settings": p.model_dump(mode="json"),
            "data_version": data_version,
        }


def backtest_requests(
    path: str | Path | None = None, **settings: Any
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Load the requests table (default: the shipped one) and run :class:`RequestBacktest`
    with ``settings``; returns ``(cases, summary)`` as plain data."""
    cases = load_requests(path)
    if path is None:
        version = _data_version(REQUESTS_FILE, SOURCES_FILE)
    else:
        version = _data_version(Path(path))
    model = RequestBacktest(**settings).fit(cases, data_version=version)
    return model.cases_, model.summary_
