"""The network view (plain data for every shell) and the key dates it is drawn on.

Hand-built cases, worked out by hand: a copy of the ANZUS test package whose organisation
is made ``political`` (shared membership then weighs 0, so the ties are the relations
alone) and whose relations are three triangles on AUS, NZL and USA, one a year:

* 2000: AUS-NZL alliance (+1), AUS-USA and NZL-USA rivalry (-0.5 each): two negative ties,
  balanced. Frustration 0; camps {USA} and {AUS, NZL}.
* 2001: AUS-NZL rivalry (-0.5), AUS-USA and NZL-USA armed conflict (-2 each): all negative,
  so one tie must be frustrated, the lightest: AUS-NZL, 0.5 of 4.5.
* 2002: AUS-NZL and AUS-USA alliance (+1 each), NZL-USA rivalry (-0.5): one negative tie,
  unbalanced; keeping all three together frustrates only the rivalry: 0.5 of 2.5, one camp.

(Default weights, docs/balance.md: alliance 1, rivalry 0.5, armed conflict 2, times the
intensity, here 1.) Fiji is added as a state with no tie at all.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
from pathlib import Path

import networkx as nx
import pytest
from network_helpers import brute_force

from phalanx.errors import UserError
from phalanx.kb import KnowledgeBase
from phalanx.network.view import key_dates, layout, network_view

DATA = Path(__file__).resolve().parents[1] / "data" / "kb"
ANZUS, TRIPLE = DATA / "anzus", DATA / "triple-alliance"

RELATIONS = [
    # id, a, b, kind, sign, start, end, source
    ("aus-nzl-ally-2000", "AUS", "NZL", "alliance", 1, "2000-01-01", "2001-01-01", "anzus-treaty"),
    ("aus-usa-rival-2000", "AUS", "USA", "rivalry", -1, "2000-01-01", "2001-01-01", "wiki-anzus"),
    ("nzl-usa-rival-2000", "NZL", "USA", "rivalry", -1, "2000-01-01", "2001-01-01", "wiki-anzus"),
    ("aus-nzl-rival-2001", "AUS", "NZL", "rivalry", -1, "2001-01-01", "2002-01-01", "wiki-anzus"),
    (
        "aus-usa-war-2001",
        "AUS",
        "USA",
        "armed_conflict",
        -1,
        "2001-01-01",
        "2002-01-01",
        "wiki-anzus",
    ),
    (
        "nzl-usa-war-2001",
        "NZL",
        "USA",
        "armed_conflict",
        -1,
        "2001-01-01",
        "2002-01-01",
        "wiki-anzus",
    ),
    ("aus-nzl-ally-2002", "AUS", "NZL", "alliance", 1, "2002-01-01", "2003-01-01", "anzus-treaty"),
    ("aus-usa-ally-2002", "AUS", "USA", "alliance", 1, "2002-01-01", "2003-01-01", "anzus-treaty"),
    ("nzl-usa-rival-2002", "NZL", "USA", "rivalry", -1, "2002-01-01", "2003-01-01", "wiki-anzus"),
]


def _rewrite(path: Path, change) -> None:
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    fields = list(rows[0].keys())
    rows = change(rows)
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)


@pytest.fixture(scope="module")
def hand(tmp_path_factory) -> KnowledgeBase:
    pkg = tmp_path_factory.mktemp("hand") / "pkg"
    shutil.copytree(ANZUS, pkg)

    def political(rows):
        return [dict(r, kind="political") for r in rows]

    def relations(_rows):
        return [
            {
                "id": i,
                "actor_a": a,
                "actor_b": b,
                "kind": k,
                "directed": "false",
                "sign": str(s),
                "intensity": "1",
                "start": start,
                "end": end,
                "certainty": "confirmed",
                "note": "",
                "sources": src,
            }
            for i, a, b, k, s, start, end, src in RELATIONS
        ]

    def fiji(rows):
        extra = dict(rows[0], id="FJI", name="Fiji", kind="state", cow_code="950", aliases="")
        return [*rows, extra]

    _rewrite(pkg / "organizations.csv", political)
    _rewrite(pkg / "relations.csv", relations)
    _rewrite(pkg / "actors.csv", fiji)
    return KnowledgeBase.from_path(pkg)


def edge(view, a, b):
    return next(e for e in view["edges"] if (e["source"], e["target"]) == (a, b))


def test_two_negative_ties_are_balanced(hand):
    v = network_view(hand, "2000-06-01", "ANZUS")
    assert v["frustration"]["index"] == 0 and v["frustration"]["optimal"]
    assert v["frustration"]["normalised"] == 0
    assert not any(e["frustrated"] for e in v["edges"])
    # camp 0 is the side of the organisation's leader (USA in organizations.csv)
    assert v["camps"] == [["USA"], ["AUS", "NZL"]]
    assert [(e["source"], e["target"], e["sign"]) for e in v["edges"]] == [
        ("AUS", "NZL", 1),
        ("AUS", "USA", -1),
        ("NZL", "USA", -1),
    ]


def test_three_negative_ties_frustrate_the_lightest(hand):
    v = network_view(hand, "2001-06-01", "ANZUS")
    f = v["frustration"]
    assert f["index"] == pytest.approx(0.5) and f["lower"] == pytest.approx(0.5)
    assert f["normalised"] == pytest.approx(0.5 / 4.5)
    assert [(e["source"], e["target"]) for e in v["edges"] if e["frustrated"]] == [("AUS", "NZL")]
    assert v["camps"] == [["USA"], ["AUS", "NZL"]]
    assert edge(v, "AUS", "USA")["weight"] == pytest.approx(2.0)
    assert edge(v, "AUS", "USA")["kinds"] == "armed_conflict-"


def test_one_negative_tie_is_unbalanced(hand):
    v = network_view(hand, "2002-06-01", "ANZUS")
    assert v["frustration"]["index"] == pytest.approx(0.5)
    assert v["frustration"]["normalised"] == pytest.approx(0.2)
    assert [(e["source"], e["target"]) for e in v["edges"] if e["frustrated"]] == [("NZL", "USA")]
    assert v["camps"] == [["AUS", "NZL", "USA"], []]


def test_unit_weighting_counts_every_tie_as_one(hand):
    v = network_view(hand, "2001-06-01", "ANZUS", weighting="unit")
    assert v["weighting"] == "unit"
    assert {e["weight"] for e in v["edges"]} == {1.0}
    assert v["frustration"]["index"] == 1.0
    assert v["frustration"]["normalised"] == pytest.approx(1 / 3)


def test_edges_carry_their_relation_rows_and_sources(hand):
    v = network_view(hand, "2001-06-01", "ANZUS")
    e = edge(v, "AUS", "USA")
    assert e["relations"] == ["aus-usa-war-2001"] and e["sources"] == ["wiki-anzus"]
    assert v["sources"] == ["wiki-anzus"]
    v = network_view(hand, "2002-06-01", "ANZUS")
    assert edge(v, "AUS", "NZL")["sources"] == ["anzus-treaty"]
    assert v["sources"] == ["anzus-treaty", "wiki-anzus"]


def test_a_shared_membership_brings_the_spells_sources():
    """In the real ANZUS package on 1990-01-01 the NZL-USA alliance row has ended (1986)
    but both are still members: the tie is the membership alone, sourced by the two
    members' spells (anzus-treaty; wiki-anzus)."""
    v = network_view(KnowledgeBase.from_path(ANZUS), "1990-01-01", "ANZUS")
    e = edge(v, "NZL", "USA")
    assert e["relations"] == [] and e["kinds"] == "member:ANZUS+" and e["sign"] == 1
    assert e["sources"] == ["anzus-treaty", "wiki-anzus"]
    assert {n["id"]: n["status"] for n in v["nodes"]} == {
        "AUS": "member",
        "NZL": "member",
        "USA": "member",
    }


def test_an_actor_without_ties_has_no_camp_and_stays_out_of_an_organisations_view(hand):
    whole = network_view(hand, "2000-06-01")
    fiji = next(n for n in whole["nodes"] if n["id"] == "FJI")
    assert fiji["camp"] is None and fiji["x"] == 0 and fiji["status"] is None
    assert "FJI" not in {n for c in whole["camps"] for n in c}
    assert "FJI" not in {n["id"] for n in network_view(hand, "2000-06-01", "ANZUS")["nodes"]}


def test_the_view_is_json_and_nodes_and_edges_are_sorted(hand):
    v = network_view(hand, dt.date(2001, 6, 1), "ANZUS")
    assert json.loads(json.dumps(v)) == v
    assert v["date"] == "2001-06-01" and v["organization"] == "ANZUS"
    assert v["data_version"] == hand.version
    ids = [n["id"] for n in v["nodes"]]
    assert ids == sorted(ids)
    keys = [(e["source"], e["target"]) for e in v["edges"]]
    assert keys == sorted(keys) and all(a < b for a, b in keys)
    assert set(v["nodes"][0]) == {"id", "name", "kind", "status", "camp", "x", "y"}


@pytest.mark.parametrize(
    ("package", "org", "at"), [(None, None, "2022-10-01"), (TRIPLE, "TRI", "1914-08-01")]
)
def test_layout_is_deterministic_in_bounds_with_the_camps_apart(package, org, at):
    kb = KnowledgeBase.embedded() if package is None else KnowledgeBase.from_path(package)
    org = org or kb.defaults.organization
    a, b = network_view(kb, at, org), network_view(kb, at, org)
    assert a == b
    for n in a["nodes"]:
        assert -1 <= n["x"] <= 1 and -1 <= n["y"] <= 1
        if n["camp"] == 0:
            assert n["x"] <= -0.15
        elif n["camp"] == 1:
            assert n["x"] >= 0.15


def test_layout_of_its_own_is_repeatable_and_the_seed_matters():
    G = nx.cycle_graph([f"n{i}" for i in range(8)])
    camps = {n: 0 for n in G}
    assert layout(G, camps, seed=3) == layout(G, camps, seed=3)
    assert layout(G, camps, seed=3) != layout(G, camps, seed=4)


def test_frustration_of_a_real_network_matches_brute_force():
    """The Triple Alliance's network on 1 August 1914 is small enough (7 actors) to try
    every split: the exact solve must find the least frustrated weight."""
    v = network_view(KnowledgeBase.from_path(TRIPLE), "1914-08-01", "TRI")
    G = nx.Graph()
    G.add_nodes_from(n["id"] for n in v["nodes"])
    for e in v["edges"]:
        G.add_edge(e["source"], e["target"], sign=e["sign"], weight=e["weight"])
    G = nx.convert_node_labels_to_integers(G)
    assert v["frustration"]["index"] == pytest.approx(brute_force(G))
    assert v["frustration"]["index"] == pytest.approx(
        sum(e["weight"] for e in v["edges"] if e["frustrated"])
    )
    camp = {n["id"]: n["camp"] for n in v["nodes"]}
    for e in v["edges"]:
        same = camp[e["source"]] == camp[e["target"]]
        assert e["frustrated"] == ((e["sign"] > 0) != same)


def test_bad_inputs_name_their_field(hand):
    with pytest.raises(UserError) as e:
        network_view(hand, "2001-06-01", "ANZUS", weighting="nope")
    assert e.value.field == "weighting"
    for bad in (-1, 0, float("nan"), "10"):
        with pytest.raises(UserError) as e:
            network_view(hand, "2001-06-01", "ANZUS", time_limit=bad)
        assert e.value.field == "time_limit"
    with pytest.raises(UserError) as e:
        network_view(hand, "June 2001", "ANZUS")
    assert e.value.field == "at"
    with pytest.raises(UserError):
        network_view(hand, "2001-06-01", "NOPE")
    with pytest.raises(UserError) as e:
        key_dates(hand, "ANZUS", dt.date(2002, 1, 1), most=0)
    assert e.value.field == "most"


# --- key dates ----------------------------------------------------------------------------


def test_key_dates_of_anzus():
    """ANZUS's own events in the package up to 2002: the US suspension of its obligations to
    New Zealand (1986-08-11, score 2) and Australia's invocation (2001-09-14, score 3), 15
    years apart; then the date asked for. With room for one event only, the invocation."""
    kb = KnowledgeBase.from_path(ANZUS)
    dates = key_dates(kb, "ANZUS", dt.date(2002, 1, 1))
    assert [d["date"] for d in dates] == ["1986-08-11", "2001-09-14", "2002-01-01"]
    assert dates[0]["events"] == ["us-suspends-nzl"] and "suspension" in dates[0]["label"]
    assert dates[1]["events"] == ["anzus-invoked-2001"] and "invocation" in dates[1]["label"]
    assert dates[2]["events"] == []
    assert [d["date"] for d in key_dates(kb, "ANZUS", dt.date(2002, 1, 1), most=2)] == [
        "2001-09-14",
        "2002-01-01",
    ]
    assert [d["date"] for d in key_dates(kb, "ANZUS", "2002-01-01", most=1)] == ["2002-01-01"]
    # as of 1990 the invocation has not happened
    assert [d["date"] for d in key_dates(kb, "ANZUS", dt.date(1990, 1, 1))] == [
        "1986-08-11",
        "1990-01-01",
    ]


def test_key_dates_of_the_triple_alliance():
    """Founded 1882-05-20; up to 1915-12-31 its events are Romania's accession (1883-10-30,
    score 1), the invocation of August 1914 (score 3, drawn from 1914-08-01) and Italy's
    denunciation (1915-05-03, score 2). The minimum gap is the span (12277 days) over 8,
    about 4.2 years, so the denunciation, nine months after the invocation, gives way."""
    kb = KnowledgeBase.from_path(TRIPLE)
    dates = key_dates(kb, "TRI", dt.date(1915, 12, 31))
    assert [d["date"] for d in dates] == ["1883-10-30", "1914-08-01", "1915-12-31"]
    assert dates[1]["events"] == ["ev-1914-08-tri-invocation"]
    # before the war: the accession only
    assert [d["date"] for d in key_dates(kb, "TRI", dt.date(1900, 1, 1))] == [
        "1883-10-30",
        "1900-01-01",
    ]


def test_key_dates_of_the_embedded_package_are_its_organisations_events():
    kb = KnowledgeBase.embedded()
    org = kb.defaults.organization
    at = dt.date(2026, 1, 1)
    dates = key_dates(kb, org, at)
    assert 2 <= len(dates) <= 4 and dates[-1]["date"] == "2026-01-01"
    assert [d["date"] for d in dates] == sorted(d["date"] for d in dates)
    events = {e["id"]: e for e in kb.events(as_of=at)}
    for d in dates[:-1]:
        assert d["events"] or d["relations"]
        for i in d["events"]:
            e = events[i]
            assert e["organization"] == org or e["kind"] == "clash"
    assert len(key_dates(kb, org, at, most=2)) == 2
