"""Each strain component on a hand-built snapshot whose answer is worked out by hand."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from phalanx.kb.snapshot import Snapshot
from phalanx.measures.strain import (
    StrainSettings,
    arms_independence_component,
    frustration_component,
    member_conflicts_component,
    strain,
    threat_divergence_component,
    unanswered_requests_component,
    vote_divergence_component,
)
from phalanx.network.from_snapshot import AggregationRules, signed_network

DAY = dt.date(2022, 1, 1)


def rel(i, a, b, kind, sign, intensity=1.0, directed=False):
    return {
        "id": i,
        "actor_a": a,
        "actor_b": b,
        "kind": kind,
        "sign": sign,
        "intensity": intensity,
        "directed": directed,
    }


@pytest.fixture
def snap() -> Snapshot:
    actors = tuple({"id": x, "kind": "state"} for x in "LABCDXTU") + (
        {"id": "O", "kind": "organization"},
    )
    memberships = tuple({"organization": "O", "actor": x, "status": "member"} for x in "LABC") + (
        {"organization": "O", "actor": "D", "status": "frozen"},
    )
    relations = (
        rel("ab-war", "A", "B", "armed_conflict", -1, 1.0),
        rel("bc-border", "B", "C", "territorial_dispute", -1, 0.5),
        rel("lx-ally", "L", "X", "alliance", 1),
        rel("xa-war", "X", "A", "armed_conflict", -1),
        rel("a-fears-t", "A", "T", "threat_perception", -1, directed=True),
        *(rel(f"{m}-fears-u", m, "U", "threat_perception", -1, directed=True) for m in "LABC"),
        rel("d-fears-t", "D", "T", "threat_perception", -1, directed=True),
    )
    indicators = (
        {
            "actor": "A",
            "indicator": "arms_import_share_from_L",
            "period": "2017/2021",
            "value": 0.9,
        },
        {
            "actor": "B",
            "indicator": "arms_import_share_from_L",
            "period": "2017/2021",
            "value": 0.5,
        },
    )
    events = (
        {
            "id": "a-asks",
            "date": "2020-01-01",
            "kind": "invocation",
            "actors": ["A"],
            "organization": "O",
        },
        {
            "id": "o-deploys",
            "date": "2020-01-05",
            "kind": "deployment",
            "actors": ["O", "L", "A"],
            "organization": "O",
        },
        {
            "id": "b-asks",
            "date": "2022-01-01",
            "kind": "invocation",
            "actors": ["B"],
            "organization": "O",
        },
    )
    votes = (
        tuple(
            {"vote": "v1", "date": "2021-03-01", "actor": a, "choice": c}
            for a, c in zip("LABC", ["no", "abstain", "abstain", "abstain"], strict=True)
        )
        + tuple({"vote": "v2", "date": "2021-06-01", "actor": a, "choice": "yes"} for a in "LABC")
        + (
            {"vote": "v0", "date": "2005-01-01", "actor": "L", "choice": "yes"},
            {"vote": "v0", "date": "2005-01-01", "actor": "A", "choice": "no"},
        )
    )
    orgs = ({"id": "O", "kind": "collective_defence", "leader": "L"},)
    return Snapshot(
        DAY,
        actors,
        memberships,
        relations,
        indicators,
        events,
        votes,
        orgs,
        "test",
        window_days=365,
    )


RULES = AggregationRules(
    kind_weights={"armed_conflict": 2.0, "alliance": 1.0},
    membership_weights={"collective_defence": 1.0},
)


def test_frustration_by_hand(snap):
    # ties: six +1 membership ties among L,A,B,C; A-B net +1-2 = -1; L-X +1; A-X -2.
    # Unbalanced cycles LAB, ABC, LAX share no edge; {A-B, L-A} hits all three: 2 of 9.
    c = frustration_component(snap, "O", StrainSettings(rules=RULES))
    assert c["raw"]["total_weight"] == pytest.approx(9.0)
    assert c["raw"]["frustration_index"] == pytest.approx(2.0)
    assert c["value"] == pytest.approx(2 / 9)
    assert c["raw"]["optimal"] is True
    assert sum(e["weight"] for e in c["rows"]) == pytest.approx(2.0)


def test_frustration_agrees_with_brute_force(snap):
    G = signed_network(snap, RULES)
    G.remove_nodes_from([n for n in list(G) if G.degree(n) == 0])
    nodes = sorted(G)
    best = min(
        sum(
            d["weight"]
            for u, v, d in G.edges(data=True)
            if (d["sign"] > 0) != (side[nodes.index(u)] == side[nodes.index(v)])
        )
        for side in itertools.product((0, 1), repeat=len(nodes))
    )
    assert frustration_component(snap, "O", StrainSettings(rules=RULES))["raw"][
        "frustration_index"
    ] == pytest.approx(best)


def test_member_conflicts_by_hand(snap):
    c = member_conflicts_component(snap, "O")
    assert c["value"] == pytest.approx((1.0 + 0.5) / 6)  # 4 members: 6 pairs
    assert [r["pair"] for r in c["rows"]] == [["A", "B"], ["B", "C"]]


def test_arms_independence_by_hand(snap):
    settings = StrainSettings(dependence_indicator="arms_import_share_from_L")
    c = arms_independence_component(snap, "O", settings)
    assert c["value"] == pytest.approx(1 - (0.9 + 0.5) / 2)
    assert c["raw"]["missing"] == ["C"]


def test_arms_independence_reads_the_indicator_from_the_package_defaults(snap):
    import types

    declared = types.SimpleNamespace(
        organization="O", leader="L", dependence_indicator="arms_import_share_from_L"
    )
    c = arms_independence_component(snap, "O", defaults=declared)
    assert c["value"] == pytest.approx(1 - (0.9 + 0.5) / 2)
    other = types.SimpleNamespace(organization="Q", leader="Z", dependence_indicator="x_Z")
    assert arms_independence_component(snap, "O", defaults=other)["value"] is None
    # no declared indicator and no setting: no name is guessed
    assert arms_independence_component(snap, "O")["value"] is None


def test_unanswered_requests_by_hand(snap):
    c = unanswered_requests_component(snap, "O")
    w_old = 0.5 ** ((DAY - dt.date(2020, 1, 1)).days / 365.25 / 5.0)
    assert c["value"] == pytest.approx(1 / (1 + w_old))
    assert {r["event"]: r["answered_by"] for r in c["rows"]} == {
        "a-asks": ["o-deploys"],
        "b-asks": [],
    }


def test_request_answered_too_late_is_unanswered(snap):
    c = unanswered_requests_component(snap, "O", StrainSettings(response_days=3))
    assert c["value"] == pytest.approx(1.0)


def test_vote_divergence_by_hand(snap):
    c = vote_divergence_component(snap, "O")
    # v1: 1 no, 3 abstain -> (3 - 0.5) / 4 = 0.625; v2 unanimous -> 1; v0 is outside the window
    assert c["value"] == pytest.approx(1 - (0.625 + 1.0) / 2)
    assert [r["vote"] for r in c["rows"]] == ["v1", "v2"]


def test_threat_divergence_by_hand(snap):
    c = threat_divergence_component(snap, "O")
    # T: 1 of 4 members (D is frozen) -> 4 * 0.25 * 0.75 = 0.75; U: 4 of 4 -> 0
    assert c["value"] == pytest.approx(0.375)


def test_index_is_the_weighted_mean(snap):
    s = StrainSettings(rules=RULES, dependence_indicator="arms_import_share_from_L")
    out = strain(snap, "O", s)
    vals = {c["component"]: c["value"] for c in out["components"]}
    w = s.weights
    expected = sum(w[k] * v for k, v in vals.items()) / sum(w.values())
    assert out["index"] == pytest.approx(expected)
    assert 0 <= out["index"] <= 1


def test_components_without_data_drop_out_of_the_index():
    s = Snapshot(
        DAY,
        actors=({"id": "A", "kind": "state"}, {"id": "B", "kind": "state"}),
        memberships=(
            {"organization": "O", "actor": "A", "status": "member"},
            {"organization": "O", "actor": "B", "status": "member"},
        ),
        relations=(rel("ab", "A", "B", "armed_conflict", -1, 0.6),),
        organizations=({"id": "O", "kind": "collective_defence", "leader": "A"},),
        window_days=365,
    )
    out = strain(s, "O", StrainSettings(weights={"member_conflicts": 1.0}))
    assert out["index"] == pytest.approx(0.6)
    assert {c["component"] for c in out["components"] if c["value"] is None} >= {
        "unanswered_requests",
        "vote_divergence",
    }


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"weights": {"vibes": 1.0}}, "'weights' parameter of StrainSettings names unknown"),
        ({"weights": {"frustration": -1.0}}, "weights in \\[0, 100\\]"),
        ({"weights": {"frustration": float("nan")}}, "'weights.frustration' .* finite"),
        ({"half_life_years": 0}, "'half_life_years' parameter of StrainSettings must be greater"),
        ({"half_life_years": float("inf")}, "'half_life_years' parameter .* finite"),
        ({"time_limit": float("nan")}, "'time_limit' parameter .* finite"),
        ({"work_limit": -1}, "'work_limit' parameter"),
        ({"window_days": -1}, "'window_days' parameter"),
        ({"response_days": 1e9}, "'response_days' parameter"),
        ({"assistance": ("Deploy ment",)}, "not an event kind"),
        ({"vibes": 1}, "'vibes' parameter of StrainSettings is not a parameter"),
    ],
)
def test_bad_settings_are_refused(kw, message):
    from phalanx.errors import ParameterError

    with pytest.raises(ParameterError, match=message):
        StrainSettings(**kw)


def test_threat_named_by_the_organisation_is_shared_by_every_member(snap):
    s = Snapshot(
        DAY,
        snap.actors,
        snap.memberships,
        (
            rel("o-fears-t", "O", "T", "threat_perception", -1, directed=True),
            rel("a-fears-u", "A", "U", "threat_perception", -1, directed=True),
        ),
        organizations=snap.organizations,
    )
    c = threat_divergence_component(s, "O")
    # T: all 4 through the organisation -> 0; U: 1 of 4 -> 0.75
    assert c["value"] == pytest.approx(0.375)


def test_successive_spells_of_one_kind_count_once():
    s = Snapshot(
        DAY,
        actors=({"id": "A", "kind": "state"}, {"id": "B", "kind": "state"}),
        relations=(
            rel("arms-1", "A", "B", "arms_supply", 1, 0.4),
            rel("arms-2", "A", "B", "arms_supply", 1, 0.8),
            rel("war", "A", "B", "armed_conflict", -1, 0.5),
        ),
    )
    G = signed_network(
        s, AggregationRules(kind_weights={"arms_supply": 1.0, "armed_conflict": 1.0})
    )
    assert G.edges["A", "B"]["weight"] == pytest.approx(0.8 - 0.5)
    assert G.edges["A", "B"]["relations"] == "arms-1;arms-2;war"


def _requests_snapshot(members, window_days=365):
    """O with members ``members``; A asked on 2020-01-01 and got nothing; B asked on
    2021-01-01 and O imposed sanctions 10 days later."""
    return Snapshot(
        DAY,
        actors=tuple({"id": x, "kind": "state"} for x in "ABC") + ({"id": "O"},),
        memberships=tuple({"organization": "O", "actor": x, "status": "member"} for x in members),
        events=(
            {
                "id": "a-asks",
                "date": "2020-01-01",
                "kind": "invocation",
                "actors": ["A"],
                "organization": "O",
            },
            {
                "id": "b-asks",
                "date": "2021-01-01",
                "kind": "invocation",
                "actors": ["B"],
                "organization": "O",
            },
            {
                "id": "o-sanctions",
                "date": "2021-01-11",
                "kind": "sanction",
                "actors": ["O", "B"],
                "organization": "O",
            },
        ),
        organizations=({"id": "O", "kind": "collective_defence"},),
        window_days=window_days,
    )


def _w(date):
    return 0.5 ** ((DAY - date).days / 365.25 / 5.0)


def test_a_departed_members_unanswered_request_still_weighs():
    # A was a member from 1992 until mid-2021 (after it asked); C joined after both requests
    spells = [
        {"actor": "A", "status": "member", "start": "1992-05-15", "end": "2021-06-01"},
        {"actor": "B", "status": "member", "start": "1992-05-15", "end": None},
        {"actor": "C", "status": "member", "start": "2021-06-01", "end": None},
    ]
    snap = _requests_snapshot("BC")
    with_history = unanswered_requests_component(snap, "O", spells=spells)
    w_a, w_b = _w(dt.date(2020, 1, 1)), _w(dt.date(2021, 1, 1))
    assert [r["event"] for r in with_history["rows"]] == ["a-asks", "b-asks"]
    assert with_history["value"] == pytest.approx(1.0)  # nothing answers with a deployment
    # only the current spells known: A's request drops out
    alone = unanswered_requests_component(snap, "O")
    assert [r["event"] for r in alone["rows"]] == ["b-asks"]
    # an actor that was not a member when it asked does not count
    late = [dict(spells[0], start="2020-06-01"), *spells[1:]]
    assert [r["event"] for r in unanswered_requests_component(snap, "O", spells=late)["rows"]] == [
        "b-asks"
    ]
    # sanctions answer the request when the package (or the settings) say they do
    s = StrainSettings(assistance=("deployment", "sanction"))
    c = unanswered_requests_component(snap, "O", s, spells=spells)
    assert c["value"] == pytest.approx(w_a / (w_a + w_b))
    assert {r["event"]: r["answered_by"] for r in c["rows"]}["b-asks"] == ["o-sanctions"]
    import types

    declared = types.SimpleNamespace(assistance=("sanction",))
    assert unanswered_requests_component(snap, "O", spells=spells, defaults=declared)[
        "value"
    ] == pytest.approx(w_a / (w_a + w_b))


def test_strain_honours_window_days():
    relations = (
        {
            **rel("old-war", "A", "B", "armed_conflict", -1, 1.0),
            "start": "2020-01-01",
            "end": "2020-12-01",
        },  # ended 396 days before DAY
        {**rel("new-war", "B", "C", "armed_conflict", -1, 0.5), "start": "2021-10-01", "end": None},
    )
    snap = Snapshot(
        DAY,
        actors=tuple({"id": x, "kind": "state"} for x in "ABC"),
        memberships=tuple({"organization": "O", "actor": x, "status": "member"} for x in "ABC"),
        relations=relations,
        organizations=({"id": "O", "kind": "collective_defence"},),
        window_days=800,
    )
    only = {"member_conflicts": 1.0}
    assert strain(snap, "O", StrainSettings(weights=only, window_days=800))[
        "index"
    ] == pytest.approx(1.5 / 3)
    year = strain(snap, "O", StrainSettings(weights=only, window_days=365))
    assert year["index"] == pytest.approx(0.5 / 3) and year["window_days"] == 365
    from phalanx.errors import UserError

    narrow = Snapshot(
        DAY,
        snap.actors,
        snap.memberships,
        relations,
        organizations=snap.organizations,
        window_days=30,
    )
    with pytest.raises(UserError, match="window_days=365"):
        strain(narrow, "O", StrainSettings(weights=only))


def test_strain_at_keeps_armenias_requests_after_it_leaves():
    """The source document: the unanswered request is what drove Armenia away. Remove
    Armenia from the CSTO's 2025 snapshot and end its spells before then: its 2021 and
    2022 requests still weigh (with the history), which halves nothing."""
    from phalanx.kb.store import KnowledgeBase
    from phalanx.measures.strain import membership_spells, strain_at

    kb = KnowledgeBase.embedded()
    settings = StrainSettings(weights={"unanswered_requests": 1.0})
    full = strain_at(kb, "CSTO", "2025-07-01", settings)
    comp = next(c for c in full["components"] if c["component"] == "unanswered_requests")
    arm = [r for r in comp["rows"] if r["requested_by"] == ["ARM"]]
    assert len(arm) == 2 and all(not r["answered_by"] for r in arm)
    snap = kb.snapshot("2025-07-01", settings.window_days)
    gone = Snapshot(
        **{
            **{
                f: getattr(snap, f)
                for f in (
                    "date",
                    "actors",
                    "relations",
                    "indicators",
                    "events",
                    "votes",
                    "organizations",
                    "data_version",
                    "window_days",
                )
            },
            "memberships": tuple(m for m in snap.memberships if m["actor"] != "ARM"),
        }
    )
    spells = [
        dict(sp, end=sp["end"] or "2024-06-01") if sp["actor"] == "ARM" else sp
        for sp in membership_spells(kb, "CSTO")
    ]
    left = strain(gone, "CSTO", settings, spells=spells, defaults=kb.defaults)
    assert left["index"] == pytest.approx(full["index"])
    assert strain(gone, "CSTO", settings, defaults=kb.defaults)["index"] < full["index"] / 1.5


def test_series_years_come_from_the_package_period():
    from phalanx.kb.store import KnowledgeBase
    from phalanx.measures.series import study_years

    kb = KnowledgeBase.embedded()
    assert kb.defaults.period[0] == "1992"  # declared in the embedded datapackage.json
    assert study_years(kb, today=dt.date(2026, 12, 3)) == (1992, 2026)
    assert study_years(kb, today=dt.date(2020, 1, 1)) == (1992, 2020)


def test_the_strain_index_is_limited_by_work_not_time(snap):
    s = StrainSettings()
    assert s.time_limit is None and isinstance(s.work_limit, int)
    c = frustration_component(snap, "O", StrainSettings(rules=RULES, seed=7))
    assert c["raw"]["seed"] == 7 and c["raw"]["limit"] is None and c["raw"]["optimal"]
    again = frustration_component(snap, "O", StrainSettings(rules=RULES, seed=7))
    assert again == c


def test_the_result_records_the_settings_used(snap):
    import json

    s = StrainSettings(rules=RULES, half_life_years=2.5, seed=3)
    out = strain(snap, "O", s)
    assert out["settings"]["half_life_years"] == 2.5 and out["settings"]["seed"] == 3
    assert StrainSettings(**{**out["settings"], "rules": RULES}) == s
    json.dumps(out["settings"])


def test_ending_armenias_spell_in_a_layer_does_not_erase_its_requests(tmp_path):
    """Issue 8: ending Armenia's spell in a layered package halved the CSTO's strain. A
    layer with a hypothetical end to Armenia's spell (a test row, not a fact) leaves the
    unanswered-requests component as it was."""
    import json

    from phalanx.kb.package import embedded_path
    from phalanx.kb.store import KnowledgeBase
    from phalanx.measures.strain import strain_at

    desc = json.loads((embedded_path() / "datapackage.json").read_text())
    desc["resources"] = [r for r in desc["resources"] if r["name"] == "memberships"]
    desc.pop("phalanx", None)
    desc["name"] = "armenia-leaves"
    (tmp_path / "datapackage.json").write_text(json.dumps(desc))
    (tmp_path / "memberships.csv").write_text(
        "organization,actor,status,start,end,certainty,note,sources\n"
        "CSTO,ARM,frozen,2024-02-22,2025-01-01,single_source,hypothetical exit (test),"
        "rt-592986\n"
    )
    layered = KnowledgeBase.from_path(tmp_path, on_top=True)
    assert "ARM" not in {m["actor"] for m in layered.members("CSTO", "2025-07-01")}
    s = StrainSettings(weights={"unanswered_requests": 1.0})
    before = strain_at(KnowledgeBase.embedded(), "CSTO", "2025-07-01", s)["index"]
    after = strain_at(layered, "CSTO", "2025-07-01", s)["index"]
    assert after == pytest.approx(before) and before > 0.5
    # what the index did before: only the spells in force on the date were known
    snap = layered.snapshot("2025-07-01", s.window_days)
    assert strain(snap, "CSTO", s, defaults=layered.defaults)["index"] < before / 1.5
