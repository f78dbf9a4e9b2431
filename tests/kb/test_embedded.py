"""The embedded Eurasian package against the reference facts (docs/FACTS in the brief).

Expected sets are written from the treaty record (signatories of 15 May 1992; the
accessions of 1993; the 1999 non-renewals; Uzbekistan's return in 2006 and suspension in
2012; Armenia's freeze in 2024), not from the data files.
"""

from __future__ import annotations

import pytest

from phalanx.kb import KnowledgeBase, load_package

CORE6 = {"ARM", "BLR", "KAZ", "KGZ", "RUS", "TJK"}


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.embedded()


def full(kb, day):
    return {m["actor"] for m in kb.members("CSTO", day, statuses=["member"])}


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("1992-05-15", {"ARM", "KAZ", "KGZ", "RUS", "TJK", "UZB"}),
        ("1993-10-01", {"ARM", "KAZ", "KGZ", "RUS", "TJK", "UZB", "AZE"}),
        ("1994-04-20", CORE6 | {"UZB", "AZE", "GEO"}),
        ("1999-04-19", CORE6 | {"UZB", "AZE", "GEO"}),
        ("1999-05-01", CORE6),
        ("2002-10-07", CORE6),
        ("2005-06-01", CORE6),
        ("2006-07-01", CORE6 | {"UZB"}),
        ("2012-06-01", CORE6 | {"UZB"}),
        ("2013-01-01", CORE6),
        ("2022-10-01", CORE6),
        ("2024-06-01", CORE6 - {"ARM"}),
        ("2026-06-01", CORE6 - {"ARM"}),
    ],
)
def test_full_members_on_dates(kb, day, expected):
    assert full(kb, day) == expected


def test_nine_parties_by_1994(kb):
    assert len(full(kb, "1994-01-01")) == 9


def test_statuses_after_2012_and_2024(kb):
    at2013 = {m["actor"]: m["status"] for m in kb.members("CSTO", "2013-01-01")}
    assert at2013["UZB"] == "suspended"
    at2024 = {m["actor"]: m["status"] for m in kb.members("CSTO", "2024-06-01")}
    assert at2024["ARM"] == "frozen"
    assert "UZB" in at2024  # suspended, never formally readmitted or expelled


def test_no_member_before_signature(kb):
    assert kb.members("CSTO", "1992-05-14") == []


def test_uzbekistan_history(kb):
    spells = [(r["status"], r["start"], r["end"]) for r in kb.history("UZB", "CSTO")]
    assert spells[0][:2] == ("member", "1992-05-15")
    assert spells[0][2].startswith("1999")
    assert spells[1][:2] == ("member", "2006-06-23")
    assert spells[1][2] == spells[2][1]
    assert spells[2][0] == "suspended" and spells[2][1].startswith("2012")


def test_every_row_has_a_source_with_a_url():
    pkg = load_package()
    urls = {r["id"]: r["url"] for r in pkg.rows("sources")}
    assert all(u.startswith(("http://", "https://")) for u in urls.values())
    for name, table in pkg.tables.items():
        if name == "sources":
            continue
        for row in table.rows:
            assert row["sources"], (name, row)
            assert all(s in urls for s in row["sources"])


def test_at_least_fifty_events_with_the_invocations(kb):
    events = kb.events()
    assert len(events) >= 50
    inv = kb.events("2021-01-01", "2022-12-31", kind="invocation")
    by_actor = {a for e in inv for a in e["actors"]}
    assert {"ARM", "KAZ"} <= by_actor
    assert any(e["date"].startswith("2022-09-13") and "ARM" in e["actors"] for e in inv)
    assert any(e["date"].startswith("2022-01-0") and "KAZ" in e["actors"] for e in inv)


def test_required_actors_and_organisations(kb):
    ids = {a["id"] for a in kb.actors()}
    states = {
        "RUS",
        "BLR",
        "ARM",
        "KAZ",
        "KGZ",
        "TJK",
        "UZB",
        "TKM",
        "AZE",
        "GEO",
        "UKR",
        "AFG",
        "CHN",
        "TUR",
        "IRN",
        "USA",
    }
    assert states <= ids
    assert {a["kind"] for a in kb.actors() if a["id"] in states} == {"state"}
    groups = {a["id"] for a in kb.actors("armed_group")}
    assert len(groups) >= 2
    orgs = {o["id"] for o in kb.package.rows("organizations")}
    assert {"CSTO", "CIS", "SCO", "EAEU", "NATO", "OTS"} <= orgs
    csto = kb.organization("CSTO")
    assert (
        csto["decision_rule"] == "consensus"
        and csto["dispute_mechanism"] is False
        and csto["leader"] == "RUS"
    )


def test_cow_codes_match_the_state_system_list(kb):
    cow = {a["id"]: a["cow_code"] for a in kb.actors("state")}
    expected = {
        "USA": 2,
        "RUS": 365,
        "UKR": 369,
        "BLR": 370,
        "ARM": 371,
        "GEO": 372,
        "AZE": 373,
        "IRN": 630,
        "TUR": 640,
        "AFG": 700,
        "TKM": 701,
        "TJK": 702,
        "KGZ": 703,
        "UZB": 704,
        "KAZ": 705,
        "CHN": 710,
    }
    assert {k: cow[k] for k in expected} == expected


def test_article_4_and_consensus_provisions(kb):
    prov = kb.query("SELECT kind FROM provisions WHERE organization = 'CSTO'")
    kinds = {p["kind"] for p in prov}
    assert {"collective_defence", "consultation", "decision_rule", "rapid_reaction"} <= kinds


def test_unga_es11_1_votes(kb):
    votes = {v["actor"]: v["choice"] for v in kb.votes() if v["vote"].endswith("ES-11/1")}
    assert votes["RUS"] == "no" and votes["BLR"] == "no"
    assert {votes[a] for a in ("ARM", "KAZ", "KGZ", "TJK")} == {"abstain"}


def test_cinc_2022_values(kb):
    cinc = {
        r["actor"]: r["value"] for r in kb.indicators(indicator="cinc") if r["period"] == "2022"
    }
    assert cinc["CHN"] == pytest.approx(0.23410)
    assert cinc["RUS"] == pytest.approx(0.03820)
    assert cinc["KGZ"] == pytest.approx(0.00045)


def test_snapshot_latest_indicator(kb):
    s = kb.snapshot("2021-06-01")
    assert s.indicator("RUS", "cinc") == pytest.approx(0.03411)  # the 2020 value, not 2022's


def test_relations_in_force_include_the_conflicts(kb):
    kinds = {
        (tuple(sorted((r["actor_a"], r["actor_b"]))), r["kind"]) for r in kb.relations("2022-09-14")
    }
    assert (("KGZ", "TJK"), "armed_conflict") in kinds
    assert (("ARM", "AZE"), "armed_conflict") in kinds
    assert (("RUS", "UKR"), "armed_conflict") in kinds


def test_snapshot_window_keeps_a_war_of_the_past_year(kb):
    def wars(s):
        return {
            tuple(sorted((r["actor_a"], r["actor_b"])))
            for r in s.relations
            if r["kind"] == "armed_conflict"
        }

    assert ("KGZ", "TJK") not in wars(kb.snapshot("2022-10-01"))
    assert ("KGZ", "TJK") in wars(kb.snapshot("2022-10-01", window_days=365))
    assert kb.snapshot("2022-10-01", window_days=365).window_days == 365


def test_knowledge_base_in_a_duckdb_file(tmp_path):
    path = tmp_path / "kb.duckdb"
    kb = KnowledgeBase.embedded(database=path)
    n = len(kb.members("CSTO", "2012-06-01"))
    kb.con.close()
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    rows = con.execute(
        "SELECT count(*) FROM memberships WHERE organization = 'CSTO' AND start_lo <= DATE '2012-06-01' "
        "AND (end_lo IS NULL OR end_lo > DATE '2012-06-01')"
    ).fetchone()
    assert rows[0] == n == 7


# Russia's share of each recipient's TIV imports, 2012-16 and 2017-21, typed from the
# SIPRI-based table of the reference facts (A3); Uzbekistan's 2012-16 share is 0, so it
# has no tie for that spell.
RUSSIAN_SHARES = {
    "KAZ": (0.785, 0.913),
    "KGZ": (1.0, 0.966),
    "TJK": (0.727, 0.846),
    "UZB": (None, 0.536),
    "TKM": (0.194, 0.015),
    "ARM": (1.0, 0.823),
    "BLR": (0.972, 0.997),
    "AZE": (0.667, 0.222),
}


@pytest.mark.parametrize(("recipient", "shares"), sorted(RUSSIAN_SHARES.items()))
def test_russian_arms_supply_spells_carry_their_periods_share(kb, recipient, shares):
    spells = {
        str(r["start"]): r["intensity"]
        for r in kb.package.rows("relations")
        if r["kind"] == "arms_supply" and r["actor_a"] == "RUS" and r["actor_b"] == recipient
    }
    for start, share in zip(("2012", "2017"), shares, strict=True):
        if share is None:
            assert start not in spells
        else:
            assert spells[start] == pytest.approx(share)


def test_dates_fixed_from_the_primary_texts(kb):
    relations = {r["id"]: r for r in kb.package.rows("relations")}
    events = {e["id"]: e for e in kb.package.rows("events")}
    # Treaty on the Russian military base in Armenia, Moscow, 16 March 1995
    assert str(relations["basing-RUS-ARM-102"]["start"]) == "1995-03-16"
    assert str(events["ev-1995-03-16-gyumri-base-treaty"]["date"]) == "1995-03-16"
    # Agreement on CSTO peacekeeping activities, Dushanbe, 6 October 2007
    assert str(events["ev-2007-10-06-peacekeeping"]["date"]) == "2007-10-06"
    # 2020 war: ceasefire in force from 10 November, so 9 November is the last day
    assert str(events["ev-2020-09-27-karabakh-war"]["end_date"]) == "2020-11-09"
    assert str(relations["war-ARM-AZE-2020"]["end"]) == "2020-11-10"
    # K2: about 800 US personnel, troops / 10,000
    assert relations["basing-USA-UZB-k2"]["intensity"] == pytest.approx(0.08)


def test_kazakhstan_invocation_cites_sources_that_describe_it(kb):
    event = next(e for e in kb.package.rows("events") if e["id"] == "ev-2022-01-05-kaz-art4")
    assert "diplomat-2023-khamidov" not in event["sources"]
    assert "newsweek-kaz-csto-2022" in event["sources"]
