"""The ODD document of the membership model cannot drift from the code.

``docs/odd/membership.md`` must have the protocol's seven elements in order; its parameter
table must list every parameter of ``MembershipParams`` with the code's default and allowed
range (checked by behaviour: the endpoints and the values just outside are tried), and
nothing the code lacks; it must name every mechanism of ``types.MECHANISMS``; and its worked
example (Armenia, 1 January 2026) must agree with the knowledge base's rows and with a hand
computation at the code's defaults, done here from the snapshot's records, not by the engine.
"""

from __future__ import annotations

import math
import re
import typing
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from phalanx.errors import ParameterError
from phalanx.kb.arrays import FROZEN, MEMBER, OUT
from phalanx.models.dynamics.params import MembershipParams
from phalanx.models.dynamics.state import DEFAULT_WINDOW_DAYS
from phalanx.models.dynamics.types import MECHANISMS

ROOT = Path(__file__).resolve().parents[2]
DOC_PATH = ROOT / "docs" / "odd" / "membership.md"
DOC = DOC_PATH.read_text(encoding="utf-8")

ELEMENTS = (
    "Purpose and patterns",
    "Entities, state variables and scales",
    "Process overview and scheduling",
    "Design concepts",
    "Initialization",
    "Input data",
    "Submodels",
)
DESIGN_CONCEPTS = (
    "Basic principles",
    "Emergence",
    "Adaptation",
    "Objectives",
    "Learning",
    "Prediction",
    "Sensing",
    "Interaction",
    "Stochasticity",
    "Collectives",
    "Observation",
)
ROW = re.compile(
    r"^\|\s*`(?P<name>[a-z_]+)`\s*\|\s*(?P<default>[^|]+?)\s*\|\s*(?P<range>[^|]+?)\s*\|"
)
INTERVAL = re.compile(r"^([\[(])\s*(-?[\d.]+)\s*,\s*(-?[\d.]+)\s*([\])])$")


def section(heading_prefix: str) -> str:
    """The text under the first heading starting with ``heading_prefix`` (to the next one of
    the same or a higher level)."""
    lines = DOC.splitlines()
    for k, line in enumerate(lines):
        if line.startswith(heading_prefix):
            level = len(line) - len(line.lstrip("#"))
            body = []
            for nxt in lines[k + 1 :]:
                hashes = len(nxt) - len(nxt.lstrip("#"))
                if nxt.startswith("#") and hashes <= level:
                    break
                body.append(nxt)
            return "\n".join(body)
    raise AssertionError(f"no heading {heading_prefix!r} in {DOC_PATH}")


def documented_parameters() -> dict[str, tuple[str, str]]:
    """name -> (default text, range text) from the table of section 7.11."""
    rows = {}
    for line in section("### 7.11").splitlines():
        m = ROW.match(line)
        if m:
            assert m["name"] not in rows, f"{m['name']} is documented twice"
            rows[m["name"]] = (m["default"], m["range"])
    return rows


def number(text: str) -> float:
    return float(Fraction(text.strip()))


# --- structure -------------------------------------------------------------------------


def test_the_seven_elements_in_order():
    headings = re.findall(r"^## (\d+)\. (.+?)\s*$", DOC, flags=re.M)
    assert [int(n) for n, _ in headings] == list(range(1, 8))
    assert tuple(title for _, title in headings) == ELEMENTS


def test_every_design_concept_is_addressed():
    body = section("## 4. Design concepts")
    found = re.findall(r"^\*\*(.+?)\.\*\*", body, flags=re.M)
    assert tuple(found) == DESIGN_CONCEPTS


def test_every_mechanism_is_named():
    missing = [m for m in MECHANISMS if f"`{m}`" not in section("## 7. Submodels")]
    assert not missing, f"{DOC_PATH} does not name the mechanisms {missing}"
    # the mapping table covers MODEL.md's mechanisms 1..7
    table = section("### 7.0")
    assert re.findall(r"^\| (\d)\. ", table, flags=re.M) == [str(k) for k in range(1, 8)]


# --- parameters ------------------------------------------------------------------------


def test_every_parameter_is_documented_and_nothing_else():
    code = set(MembershipParams.model_fields)
    doc = set(documented_parameters())
    assert not code - doc, f"parameters missing from {DOC_PATH}: {sorted(code - doc)}"
    assert not doc - code, f"documented but not in MembershipParams: {sorted(doc - code)}"


@pytest.mark.parametrize("name", sorted(MembershipParams.model_fields))
def test_documented_default_is_the_code_default(name):
    default_text, _ = documented_parameters()[name]
    code_default = MembershipParams.model_fields[name].get_default(call_default_factory=True)
    if default_text == "None":
        assert code_default is None
    else:
        assert code_default is not None and math.isclose(
            float(code_default), number(default_text), rel_tol=0, abs_tol=1e-12
        ), f"{name}: the document says {default_text}, the code {code_default!r}"


def accepts(name: str, value: object) -> bool:
    """Whether MembershipParams takes ``name=value`` (the two learning rates are moved
    together so that their ordering constraint does not mask a range check)."""
    kw = {name: value}
    if name == "learning_observer":
        kw["learning_requester"] = 1.0
    if name == "learning_requester":
        kw["learning_observer"] = 0.0
    try:
        MembershipParams(**kw)
    except ParameterError:
        return False
    return True


@pytest.mark.parametrize("name", sorted(MembershipParams.model_fields))
def test_documented_range_is_the_code_range(name):
    _, range_text = documented_parameters()[name]
    m = INTERVAL.match(range_text)
    if m is None:  # a set of allowed words
        allowed = [w.strip() for w in range_text.split(",")]
        assert all(accepts(name, w) for w in allowed), (name, allowed)
        assert not accepts(name, "no_such_" + name)
        ann = MembershipParams.model_fields[name].annotation
        literals = set()
        todo = [ann]
        while todo:
            t = todo.pop()
            if typing.get_origin(t) is typing.Literal:
                literals.update(typing.get_args(t))
            else:
                todo.extend(typing.get_args(t))
        assert literals == set(allowed), f"{name}: document {allowed}, code {sorted(literals)}"
        return
    lo_closed, lo, hi, hi_closed = m[1] == "[", float(m[2]), float(m[3]), m[4] == "]"
    eps = 1e-9
    assert accepts(name, lo) is lo_closed, f"{name}: lower end {lo} ({range_text})"
    assert accepts(name, hi) is hi_closed, f"{name}: upper end {hi} ({range_text})"
    assert not accepts(name, lo - eps), f"{name} takes a value below {range_text}"
    assert not accepts(name, hi + eps), f"{name} takes a value above {range_text}"
    assert accepts(name, (lo + hi) / 2)


def test_learning_rates_are_ordered_as_documented():
    assert "at most `learning_requester` (validated)" in section("### 7.11")
    with pytest.raises(ParameterError):
        MembershipParams(learning_requester=0.3, learning_observer=0.4)


# --- the worked example ---------------------------------------------------------------


@pytest.fixture(scope="module")
def snap():
    from phalanx.kb import KnowledgeBase

    kb = KnowledgeBase.embedded()
    # the window the initial state uses (relations in force on some day of the year before)
    return kb, kb.snapshot("2026-01-01", DEFAULT_WINDOW_DAYS)


def example() -> str:
    return section("### 7.10")


def test_example_rows_exist_with_the_stated_intensities(snap):
    kb, s = snap
    text = example()
    relations = {r["id"]: r for r in s.relations}
    cited = re.findall(r"`([a-z][A-Za-z0-9-]+)`\s+\((\d\.\d+)\)", text)
    assert len(cited) >= 4
    for rid, value in cited:
        assert rid in relations, f"{rid} is not in force in the year up to 2026-01-01"
        assert math.isclose(float(relations[rid]["intensity"]), float(value)), rid
    events = {e["id"] for e in s.events}
    for eid in re.findall(r"`(ev-[a-z0-9-]+)`", text):
        assert eid in events, eid
    assert f"`{kb.version}`" in text


def hand_computation(kb, s) -> dict[str, float]:
    """Armenia's first year from 2026-01-01 at the code's defaults, from the records alone
    (the formulas of the document's submodels, written out for one actor)."""
    p = MembershipParams()
    d = kb.defaults
    org, arm, leader = d.organization, "ARM", d.leader
    patrons = set(d.patrons)
    status = {m["actor"]: m["status"] for m in s.memberships if m["organization"] == org}
    assert status[arm] == "frozen"
    members = {a for a, st in status.items() if st == "member"}
    in_org = {a for a, st in status.items() if st in ("member", "frozen", "suspended")}
    rels = s.relations
    # inputs: Armenia perceives no threat and is in no conflict (as the document says)
    threat_rows = {}
    for r in rels:
        if r["kind"] == "threat_perception" and r["sign"] < 0 and r["actor_a"] != org:
            threat_rows.setdefault(r["actor_a"], {})[r["actor_b"]] = float(r["intensity"])
    assert arm not in threat_rows
    assert not any(r["kind"] == "territorial_threat" and r["actor_b"] == arm for r in rels)
    assert not any(
        r["kind"] in ("armed_conflict", "territorial_dispute")
        and arm in (r["actor_a"], r["actor_b"])
        for r in rels
    )
    assert not any(  # fear of the leader
        r["kind"] in ("territorial_threat", "armed_conflict", "territorial_dispute", "rivalry")
        and {r["actor_a"], r["actor_b"]} == {leader, arm}
        for r in rels
    )
    theta, phi, c = 0.0, 0.0, 0.0
    # divergence: Armenia's row is zero, the members' mean is not
    targets = sorted({k for row in threat_rows.values() for k in row})
    tbar = [
        sum(threat_rows.get(a, {}).get(k, 0.0) for a in members) / len(members) for k in targets
    ]
    assert any(tbar)
    delta = 1.0
    # outside option: guarantees from patrons (no arms, no investment, no cooperation)
    tie_kinds = ("alliance", "partnership", "basing")
    g_by_patron = {}
    for r in rels:
        pair = {r["actor_a"], r["actor_b"]}
        if r["kind"] in tie_kinds and r["sign"] > 0 and arm in pair and pair - {arm} <= patrons:
            (other,) = pair - {arm}
            g_by_patron[other] = max(g_by_patron.get(other, 0.0), float(r["intensity"]))
    assert not any(
        r["kind"] == "arms_supply" and r["actor_b"] == arm and r["actor_a"] in patrons for r in rels
    )
    g = 1 - math.prod(1 - x for x in g_by_patron.values())
    pi = 1 - (1 - 0.0) * (1 - p.investment_weight * 0.0) * (1 - g) * 1.0
    # dependence: latest indicator value; no war, no outside arms, so it does not move
    d0 = s.indicator(arm, d.dependence_indicator)
    kappa = 1.0
    d1 = d0 * (1 - p.substitution * 0.0) * (1 - p.war_dependence_loss * (1 - kappa))
    # belief: past requests, in actor order; Armenia observes answered ones as a frozen member
    arrays = s.arrays(list(d.region))
    made, open_ = arrays.requests(org, answer_kinds=d.assistance)
    b = p.belief_start
    for who, m_, o_ in zip(d.region, made, open_, strict=True):
        answered, unanswered = int(m_ - o_), int(o_)
        rate = p.learning_requester if who == arm else p.learning_observer
        if who != arm and arm not in in_org:
            continue
        for _ in range(answered):
            b += rate * (1 - b)
        for _ in range(unanswered):
            b += rate * (0 - b)
    b0 = b
    b1 = b0 + p.belief_recovery * (p.belief_start - b0)
    terms = {
        "dependence": p.beta_dependence * (1 - d1),
        "credibility": p.beta_credibility * theta * (1 - b1 * kappa),
        "leader_threat": p.beta_leader_threat * phi,
        "patrons": p.beta_patrons * pi,
        "member_conflict": p.beta_member_conflict * c,
        "threat_divergence": p.beta_threat_divergence * delta,
        "leader_war": p.beta_leader_war * (1 - kappa),
    }
    z = p.alpha + sum(terms.values())

    def sigma(x: float) -> float:
        return 1 / (1 + math.exp(-x))

    return {
        **terms,
        "z": z,
        "d0": d0,
        "b0": b0,
        "b1": b1,
        "pi": pi,
        "p_exit": sigma(z + p.frozen_exit_offset),
        "p_return": sigma(-z + p.return_offset),
    }


def test_example_arithmetic_matches_the_defaults(snap):
    kb, s = snap
    want = hand_computation(kb, s)
    text = example()
    table = {}
    for line in text.splitlines():
        m = re.match(r"^\s*\|\s*`(\w+)`\s*\|\s*(.+?)\s*\|\s*(-?[\d.]+)\s*\|\s*$", line)
        if m:
            table[m[1]] = (m[2], float(m[3]))
    assert set(table) == set(MECHANISMS) | {"z"}
    for name, (arithmetic, value) in table.items():
        assert math.isclose(value, want[name], abs_tol=5e-4), (name, value, want[name])
        if name != "z":  # the weight shown is the code's default weight
            weight = float(arithmetic.split("*", 1)[0])
            assert weight == getattr(MembershipParams(), f"beta_{name}"), name
    assert f"`d0 = {want['d0']}`" in text
    assert f"`b0 = {round(want['b0'], 4)}`" in text
    assert f"`b = {round(want['b0'], 4)} + " in text and f"= {round(want['b1'], 5)}`" in text
    assert f"= {want['pi']}`" in text
    m = re.search(
        r"`p_exit = sigma\(([-\d.]+) \+ ([-\d.]+)\) = sigma\(([-\d.]+)\) = ([\d.]+)`", text
    )
    assert m is not None and math.isclose(float(m[4]), want["p_exit"], abs_tol=5e-5)
    m = re.search(
        r"`p_return = sigma\(([-\d.]+) - ([-\d.]+)\) = sigma\(([-\d.]+)\) = ([\d.]+)`", text
    )
    assert m is not None and math.isclose(float(m[4]), want["p_return"], abs_tol=5e-5)


# --- the engine agrees with the example -------------------------------------------------


def doc_terms() -> dict[str, float]:
    """The term table of the worked example, as the document prints it."""
    out = {}
    for line in example().splitlines():
        m = re.match(r"^\s*\|\s*`(\w+)`\s*\|\s*(.+?)\s*\|\s*(-?[\d.]+)\s*\|\s*$", line)
        if m:
            out[m[1]] = float(m[3])
    return out


def doc_number(pattern: str) -> float:
    m = re.search(pattern, example())
    assert m is not None, pattern
    return float(m[1])


def test_the_engine_does_the_example(snap):
    """One year of the engine from Armenia's 2026 state, with the uniforms chosen so that
    Armenia leaves in replicate 0 (u just below the document's p_exit) and returns in
    replicate 1 (u just above it), and nothing else moves: its beliefs, its exit's terms
    and mechanism and the thresholds are the document's."""
    from phalanx.models.dynamics.engine import run_chunk, uniforms_per_year
    from phalanx.models.dynamics.state import initial_state
    from phalanx.models.dynamics.types import Drivers

    kb, _ = snap
    state = initial_state(kb, kb.defaults.organization, "2026-01-01")
    arm = state.actors.index("ARM")
    p_exit = doc_number(r"`p_exit = sigma\([^`]*\) = ([\d.]+)`")
    after = doc_number(r"= ([\d.]+)` -> MEMBER")
    u = np.full((2, 1, uniforms_per_year(state.n)), 0.999)
    u[0, 0, arm] = p_exit - 2e-4
    u[1, 0, arm] = (p_exit + after) / 2
    res = run_chunk(state, Drivers.neutral(state, 2, 1), MembershipParams(), u, np.arange(2))
    b0 = doc_number(r"`b0 = ([\d.]+)`")
    b1 = doc_number(r"= ([\d.]+)`\.?\n\s*5\. Clashes")
    assert np.allclose(res.belief[:, 0, arm], b0, atol=1e-6)
    assert np.allclose(res.belief[:, 1, arm], b1, atol=1e-5)
    assert list(res.status[:, 1, arm]) == [OUT, MEMBER]
    others = [i for i in range(state.n) if i != arm]
    assert (res.status[:, 1, others] == res.status[:, 0, others]).all()
    rows = [
        k
        for k, (r, a) in enumerate(zip(res.exits["replicate"], res.exits["actor"], strict=True))
        if r == 0 and a == arm
    ]
    assert len(rows) == 1 and len(res.exits["replicate"]) == 1
    (k,) = rows
    want = doc_terms()
    got = dict(zip(MECHANISMS, res.exits["terms"][k], strict=True))
    for name in MECHANISMS:
        assert math.isclose(got[name], want[name], abs_tol=5e-4), (name, got[name], want[name])
    assert MECHANISMS[int(res.exits["mechanism"][k])] == max(MECHANISMS, key=lambda m: want[m])
    assert int(res.exits["from_status"][k]) == FROZEN
