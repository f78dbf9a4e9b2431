"""One aggregation of a snapshot's relations and memberships into pairs (network/pairs.py).

Every expected value below is worked out by hand from the snapshot built here.
"""

from __future__ import annotations

import datetime as dt

import pytest

from phalanx.errors import ParameterError, UserError
from phalanx.kb.snapshot import Snapshot
from phalanx.network.from_snapshot import AggregationRules, signed_network
from phalanx.network.pairs import (
    WEIGHTINGS,
    Weighting,
    aggregate_pairs,
    resolve_weighting,
)


def rel(rid, a, b, kind, sign, intensity, directed=False):
    return {
        "id": rid,
        "actor_a": a,
        "actor_b": b,
        "kind": kind,
        "sign": sign,
        "intensity": intensity,
        "directed": directed,
    }


def snap() -> Snapshot:
    return Snapshot(
        dt.date(2022, 10, 1),
        actors=tuple({"id": a, "kind": "state"} for a in "ABCD")
        + ({"id": "G", "kind": "armed_group"}, {"id": "O", "kind": "organization"}),
        memberships=(
            {"organization": "T", "actor": "A", "status": "member"},
            {"organization": "T", "actor": "B", "status": "member"},
            {"organization": "T", "actor": "C", "status": "observer"},
            {"organization": "T", "actor": "D", "status": "frozen"},
            {"organization": "S", "actor": "A", "status": "member"},
            {"organization": "S", "actor": "C", "status": "member"},
            {"organization": "X", "actor": "A", "status": "member"},
            {"organization": "X", "actor": "B", "status": "member"},
        ),
        organizations=(
            {"id": "T", "kind": "collective_defence"},
            {"id": "S", "kind": "security_cooperation"},
            {"id": "X", "kind": "something_new"},
        ),
        relations=(
            # two spells of one war (they meet in a window) and a one-way arms sale each way
            rel("war-1", "A", "B", "armed_conflict", -1, 0.5),
            rel("war-2", "B", "A", "armed_conflict", -1, 0.9),
            rel("arms-AB", "A", "B", "arms_supply", 1, 0.4, directed=True),
            rel("arms-BA", "B", "A", "arms_supply", 1, 0.6, directed="true"),
            rel("pk", "C", "D", "peacekeeping", 1, 1.0),
            rel("threat", "C", "G", "territorial_threat", -1, 0.4),
            rel("odd", "A", "C", "mystery", 1, 1.0),
            rel("self", "A", "A", "alliance", 1, 1.0),
        ),
    )


def test_rows_of_one_kind_and_sign_count_once_at_the_strongest():
    pairs = aggregate_pairs(snap())
    ab = pairs.ties["A", "B"]
    by_label = {c.label: c for c in ab.contributions}
    # war: max(2.0 * 0.5, 2.0 * 0.9) = 1.8, not the sum 2.8; arms: max(0.5*0.4, 0.5*0.6)
    assert by_label["armed_conflict-"].value == pytest.approx(-1.8)
    assert by_label["armed_conflict-"].relations == ("war-1", "war-2")
    assert by_label["arms_supply+"].value == pytest.approx(0.3)
    assert by_label["arms_supply+"].relations == ("arms-AB", "arms-BA")
    # T (collective defence) 1.0; X's kind is not in the table and there is no default
    assert by_label["member:T+"].value == 1.0 and by_label["member:T+"].organization == "T"
    assert "member:X+" not in by_label
    assert ab.total == pytest.approx(-1.8 + 0.3 + 1.0)
    assert ab.part("relation") == pytest.approx(-1.5) and ab.part("membership") == 1.0


def test_new_kinds_status_factors_and_actor_kinds():
    pairs = aggregate_pairs(snap())
    # peacekeeping (0.5) and territorial_threat (0.75) have default weights; G is an armed
    # group and so a node; the organisation O is not
    assert pairs.ties["C", "D"].total == pytest.approx(0.5)
    assert pairs.ties["C", "G"].total == pytest.approx(-0.75 * 0.4)
    assert "O" not in pairs.actors and "G" in pairs.actors
    # by default only full members count: C (observer) and D (frozen) get nothing from T;
    # A and C share S (security cooperation, 0.25)
    assert pairs.ties["A", "C"].total == pytest.approx(0.25)
    assert ("A", "D") not in pairs.ties and ("B", "C") not in pairs.ties
    assert pairs.unweighted == {"mystery": 1}  # reported, not guessed
    # a self-tie never counts
    assert all(a != b for a, b in pairs.ties)


def test_directed_factor_status_factors_and_default_organisation_kind():
    w = Weighting(
        kind_weights={"armed_conflict": 2.0, "arms_supply": 0.5},
        membership_weights={"collective_defence": 0.5, "default": 0.2},
        status_factors={"member": 1.0, "observer": 0.25},
        directed_factor=0.5,
    )
    pairs = aggregate_pairs(snap(), w)
    ab = {c.label: c.value for c in pairs.ties["A", "B"].contributions}
    assert ab["arms_supply+"] == pytest.approx(0.5 * 0.6 * 0.5)  # strongest, then halved
    assert ab["member:T+"] == pytest.approx(0.5)
    assert ab["member:X+"] == pytest.approx(0.2)  # unknown kind takes "default"
    # A member x C observer in T: 0.5 * 1.0 * 0.25; S (security cooperation) -> default 0.2
    ac = {c.label: c.value for c in pairs.ties["A", "C"].contributions}
    assert ac == pytest.approx({"member:T+": 0.125, "member:S+": 0.2})
    unit = aggregate_pairs(
        snap(),
        Weighting(kind_weights={"armed_conflict": 1.0}, membership_weights={}, use_intensity=False),
    )
    assert unit.ties["A", "B"].total == -1.0


def test_signed_network_edges_are_the_pair_totals():
    pairs = aggregate_pairs(snap())
    G = signed_network(snap())
    assert set(G.nodes) == set(pairs.actors)
    for (a, b), tie in pairs.ties.items():
        assert G.edges[a, b]["sign"] * G.edges[a, b]["weight"] == pytest.approx(tie.total)
    e = G.edges["A", "B"]
    assert e["kinds"] == "armed_conflict-;arms_supply+;member:T+"
    assert e["relations"] == "arms-AB;arms-BA;war-1;war-2" and e["organizations"] == "T"
    # exact cancellation leaves no tie: war 2*0.5 against T's +1
    s = Snapshot(
        dt.date(2022, 1, 1),
        actors=({"id": "A"}, {"id": "B"}),
        memberships=(
            {"organization": "T", "actor": "A", "status": "member"},
            {"organization": "T", "actor": "B", "status": "member"},
        ),
        relations=(rel("w", "A", "B", "armed_conflict", -1, 0.5),),
        organizations=({"id": "T", "kind": "collective_defence"},),
    )
    assert signed_network(s).number_of_edges() == 0
    # "unit": the war counts -1 whatever its intensity and T +1: they cancel too; with
    # the war's intensity raised it stays -1 and still cancels, while the default gives -1
    assert signed_network(s, "unit").number_of_edges() == 0
    s2 = Snapshot(
        s.date,
        s.actors,
        s.memberships,
        (rel("w", "A", "B", "armed_conflict", -1, 1.0),),
        organizations=s.organizations,
    )
    assert signed_network(s2, "unit").number_of_edges() == 0
    assert signed_network(s2).edges["A", "B"]["sign"] == -1  # -2 + 1


def test_same_snapshot_same_result_and_named_weightings():
    assert aggregate_pairs(snap()) == aggregate_pairs(snap())
    assert AggregationRules is Weighting
    assert resolve_weighting(None) == WEIGHTINGS["default"]
    assert resolve_weighting("unit") == WEIGHTINGS["unit"]
    mine = resolve_weighting("default")
    mine.kind_weights["alliance"] = 9.0  # a caller's copy; the registry keeps its weights
    assert WEIGHTINGS["default"].kind_weights["alliance"] == 1.0
    assert WEIGHTINGS["default"].kind_weights["armed_conflict"] == 2.0
    with pytest.raises(UserError, match="unknown weighting 'heavy'; known: default"):
        aggregate_pairs(snap(), "heavy")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"kind_weights": {"alliance": -1.0}},
            "'kind_weights.alliance' parameter of Weighting must be greater than or equal to 0",
        ),
        ({"kind_weights": {"alliance": float("nan")}}, "must be a finite number"),
        ({"status_factors": {"member": 2.0}}, "must be less than or equal to 1"),
        ({"directed_factor": 1.5}, "'directed_factor' parameter of Weighting must be less"),
        ({"weights": {}}, "'weights' parameter of Weighting is not a parameter"),
    ],
)
def test_bad_weights_are_refused_with_the_field(changes, message):
    with pytest.raises(ParameterError, match=message):
        Weighting(**changes)
