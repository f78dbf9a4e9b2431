"""The rows added to the embedded Eurasian package for issue 8 (data-add slice).

Expected values are written from the organisations' published records, not read back
from the data files: NATO's member list (28 members in 2012 per nato.int; Montenegro
2017, North Macedonia 2020, Finland 2023, Sweden 2024), the SCO's enlargement of
2017-06-09 (India, Pakistan), the CIS, GUAM, OTS and EAEU member lists of 2025, the
Correlates of War state codes, and the CSTO Charter's Art. 8 list of threats.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from phalanx.kb import KnowledgeBase

DATA = Path(__file__).resolve().parents[2] / "src" / "phalanx" / "data" / "eurasia"

# NATO's member page of 2012 lists these 28 (Albania and Croatia the latest, April 2009).
NATO_2010 = {
    "ALB", "BEL", "BGR", "CAN", "HRV", "CZE", "DNK", "EST", "FRA", "DEU",
    "GRC", "HUN", "ISL", "ITA", "LVA", "LTU", "LUX", "NLD", "NOR", "POL",
    "PRT", "ROU", "SVK", "SVN", "ESP", "TUR", "GBR", "USA",
}  # fmt: skip
NATO_2024 = NATO_2010 | {"MNE", "MKD", "FIN", "SWE"}

# Full members in mid-2025 by each organisation's own list.
FULL_MEMBERS_2025 = {
    "NATO": NATO_2024,
    "SCO": {"CHN", "RUS", "KAZ", "KGZ", "TJK", "UZB", "IND", "PAK", "IRN", "BLR"},
    "CIS": {"ARM", "AZE", "BLR", "KAZ", "KGZ", "MDA", "RUS", "TJK", "UZB"},
    "EAEU": {"ARM", "BLR", "KAZ", "KGZ", "RUS"},
    "OTS": {"AZE", "KAZ", "KGZ", "TUR", "UZB"},
    "GUAM": {"GEO", "UKR", "AZE", "MDA"},
    "CSTO": {"BLR", "KAZ", "KGZ", "RUS", "TJK"},
}

# Correlates of War state codes (states2016), for the states this slice added.
COW = {
    "CAN": 20, "GBR": 200, "NLD": 210, "BEL": 211, "LUX": 212, "FRA": 220,
    "ESP": 230, "PRT": 235, "DEU": 255, "FRG": 260, "POL": 290, "HUN": 310,
    "CZE": 316, "SVK": 317, "ITA": 325, "ALB": 339, "MNE": 341, "MKD": 343,
    "HRV": 344, "SVN": 349, "GRC": 350, "BGR": 355, "MDA": 359, "ROU": 360,
    "EST": 366, "LVA": 367, "LTU": 368, "FIN": 375, "SWE": 380, "NOR": 385,
    "DNK": 390, "ISL": 395, "IND": 750, "PAK": 770,
}  # fmt: skip

WEAK = {"state_media", "aggregator"}
ADDED_ON = "2026-12-03"  # the access date of every source this slice added


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.embedded()


def full(kb: KnowledgeBase, org: str, day: str) -> set[str]:
    return {m["actor"] for m in kb.members(org, day, statuses=["member"])}


def table(name: str) -> list[dict[str, str]]:
    with open(DATA / f"{name}.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_nato_28_members_in_2010_and_32_in_mid_2024(kb):
    assert full(kb, "NATO", "2010-01-01") == NATO_2010
    assert len(NATO_2010) == 28
    assert full(kb, "NATO", "2024-06-01") == NATO_2024
    assert len(NATO_2024) == 32


@pytest.mark.parametrize(
    ("day", "count"),
    [
        ("1950-01-01", 12),
        ("1953-01-01", 14),
        ("1956-01-01", 15),
        ("1983-01-01", 16),
        ("1999-04-01", 19),
        ("2004-06-01", 26),
        ("2009-06-01", 28),
        ("2018-01-01", 29),
        ("2021-01-01", 30),
        ("2023-06-01", 31),
    ],
)
def test_nato_size_after_each_enlargement(kb, day, count):
    assert len(full(kb, "NATO", day)) == count


def test_germany_is_one_seat_across_unification(kb):
    before = full(kb, "NATO", "1990-10-02")
    after = full(kb, "NATO", "1990-10-03")
    assert "FRG" in before and "DEU" not in before
    assert "DEU" in after and "FRG" not in after
    assert len(before) == len(after) == 16


def test_sco_members_after_the_2017_enlargement(kb):
    founders = {"CHN", "RUS", "KAZ", "KGZ", "TJK", "UZB"}
    assert full(kb, "SCO", "2017-06-08") == founders
    assert full(kb, "SCO", "2018-01-01") == founders | {"IND", "PAK"}


def test_every_complete_organisation_lists_all_its_members(kb):
    complete = {o["id"] for o in kb.package.rows("organizations") if o["coverage"] == "complete"}
    # every organisation of the package now declares complete full-member coverage
    assert complete == set(FULL_MEMBERS_2025)
    for org in complete:
        assert full(kb, org, "2025-06-01") == FULL_MEMBERS_2025[org], org


def test_organisation_notes_carry_no_working_notes():
    for row in table("organizations"):
        note = row["note"].lower()
        assert "this session" not in note and "not verified" not in note, row["id"]
        assert "coverage" in note, row["id"]


def test_new_states_have_cow_codes_and_aliases(kb):
    actors = {a["id"]: a for a in kb.actors("state")}
    assert {k: actors[k]["cow_code"] for k in COW} == COW
    aliases = {a["id"]: a["aliases"] for a in table("actors")}
    for k in COW:
        assert aliases[k], k


def test_csto_purposes_cover_the_charter_domains(kb):
    purposes = [
        p
        for p in kb.package.rows("provisions")
        if p["organization"] == "CSTO" and p["kind"] == "purpose"
    ]
    domains = {p["domain"] for p in purposes}
    # the seed article's five: weapons, cyber-attacks, drugs, transnational crime, terrorism
    assert {
        "arms_trafficking",
        "cyber",
        "drug_trafficking",
        "transnational_crime",
        "terrorism",
    } <= (domains)
    assert all(p["domain"] for p in purposes)


def test_each_new_kind_is_used():
    assert {"territorial_threat", "peacekeeping"} <= {r["kind"] for r in table("relations")}
    assert {"recognition", "non_recognition"} <= {e["kind"] for e in table("events")}
    assert "purpose" in {p["kind"] for p in table("provisions")}


def test_territorial_threats_against_kazakhstan_georgia_azerbaijan(kb):
    threats = {}
    for r in table("relations"):
        if r["kind"] == "territorial_threat":
            threats[(r["actor_a"], r["actor_b"])] = r
    kaz = threats[("RUS", "KAZ")]
    assert kaz["directed"] == "true" and kaz["sign"] == "-1" and float(kaz["intensity"]) <= 0.3
    for target in ("GEO", "AZE"):
        assert threats[("RUS", target)]["start"] < "2000"
    # in force in 1998, before both states left the Collective Security Treaty
    in_1998 = {
        (r["actor_a"], r["actor_b"]) for r in kb.relations("1998-06-01", kind="territorial_threat")
    }
    assert {("RUS", "GEO"), ("RUS", "AZE")} <= in_1998


def test_russian_peacekeepers_in_karabakh_from_2020_to_2024(kb):
    def keeping(day):
        return {(r["actor_a"], r["actor_b"]) for r in kb.relations(day, kind="peacekeeping")}

    assert ("RUS", "AZE") in keeping("2022-01-01")
    assert ("RUS", "AZE") not in keeping("2020-11-01")
    assert ("RUS", "AZE") not in keeping("2025-01-01")


def test_four_day_war_of_april_2016(kb):
    wars = kb.relations("2016-04-03", kind="armed_conflict", actor="ARM")
    assert any({r["actor_a"], r["actor_b"]} == {"ARM", "AZE"} for r in wars)
    assert not kb.relations("2016-05-01", kind="armed_conflict", actor="ARM")
    clashes = kb.events("2016-04-01", "2016-04-30", kind="clash", actor="AZE")
    assert clashes and all(c["magnitude_unit"] == "deaths" and c["magnitude"] > 0 for c in clashes)


def test_recognition_positions_of_the_csto_members(kb):
    nonrec = {a for e in kb.events(kind="non_recognition") for a in e["actors"]}
    assert {"ARM", "KAZ", "KGZ", "TJK"} <= nonrec
    assert "BLR" not in nonrec
    kaz = kb.events("2022-06-17", kind="non_recognition", actor="KAZ")
    assert kaz and kaz[0]["certainty"] == "confirmed"
    blr = kb.events(kind="recognition", actor="BLR")
    assert blr and all(e["certainty"] != "confirmed" for e in blr)


def test_doha_and_armenias_western_ties(kb):
    doha = kb.events("2020-02-29", kind="agreement", actor="TALIBAN")
    assert any("USA" in e["actors"] for e in doha)
    ties = {r["actor_b"] if r["actor_a"] == "ARM" else r["actor_a"]
            for r in kb.relations("2025-06-01", kind="partnership", actor="ARM")}  # fmt: skip
    assert {"USA", "EU"} <= ties


def test_no_new_or_owned_row_rests_only_on_weak_sources():
    sources = {s["id"]: s for s in table("sources")}
    new_ids = {i for i, s in sources.items() if s["accessed"] == ADDED_ON}
    assert len(new_ids) >= 30
    rows = []
    for name in ("actors", "provisions", "memberships", "relations", "events", "organizations"):
        for row in table(name):
            cited = row["sources"].split(";")
            owned = name == "organizations" or (
                name == "memberships" and row["organization"] != "CSTO"
            )
            if owned or new_ids & set(cited):
                rows.append((name, row, cited))
    assert len(rows) > 100
    for name, row, cited in rows:
        assert all(c in sources for c in cited), (name, row)
        assert any(sources[c]["reliability"] not in WEAK for c in cited), (name, row)
