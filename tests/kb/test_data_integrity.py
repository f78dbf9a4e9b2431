"""Integrity of the embedded Eurasian package: derived values, sources, notes, episodes.

These tests read the CSV files of the package as plain text rows, so they check what is
shipped, independent of how the reader types the values. Each check is general: it looks
at every row that claims a property (a derivation, a troop figure, an episode), not at a
list of ids.

Derivations are declared in the row's own note, in a fixed form the tests parse:

- ``(intensity = indicator <name> <actor> <YYYY/YYYY>)``: the relation's intensity is the
  value of that row of ``indicators.csv``;
- ``(intensity = <N> troops/10,000)``: the basing rule of the codebook.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

import pytest

from phalanx.kb.package import embedded_path

PACKAGE = embedded_path()
FACTS = Path("/work/shared/docs/FACTS.md")
CODEBOOK = Path(__file__).resolve().parents[2] / "docs" / "data.md"
TABLES = (
    "actors",
    "organizations",
    "memberships",
    "provisions",
    "relations",
    "events",
    "indicators",
    "votes",
)
WEAK = {"state_media", "aggregator"}

INDICATOR_TAG = re.compile(r"intensity = indicator (\S+) ([A-Z]+) (\d{4})/(\d{4})\)")
TROOPS_TAG = re.compile(r"intensity = ([\d,]+) troops/10,000\)")


def rows(table: str) -> list[dict[str, str]]:
    """Rows of one CSV table of the embedded package, as text."""
    with open(PACKAGE / f"{table}.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def key(table: str, row: dict[str, str]) -> str:
    """A readable key for a row: its id, or the fields that identify it."""
    if row.get("id"):
        return row["id"]
    fields = {
        "memberships": ("organization", "actor", "status", "start"),
        "provisions": ("organization", "article"),
        "indicators": ("actor", "indicator", "period"),
        "votes": ("vote", "actor"),
    }[table]
    return "|".join(row[f] for f in fields)


def indicator_values() -> dict[tuple[str, str, str], float]:
    """(actor, indicator, period) -> value for every indicator row."""
    return {
        (r["actor"], r["indicator"], r["period"]): float(r["value"]) for r in rows("indicators")
    }


def year(text: str) -> int:
    return int(text[:4])


# --- derived values ------------------------------------------------------------------


def test_every_indicator_derivation_matches_its_source_row():
    values = indicator_values()
    derived = [r for r in rows("relations") if INDICATOR_TAG.search(r["note"])]
    assert len(derived) >= 20  # the Russian shares alone are 8 recipients x 3 spells, less one
    for r in derived:
        name, actor, first, last = INDICATOR_TAG.search(r["note"]).groups()
        period = f"{first}/{last}"
        assert (actor, name, period) in values, (r["id"], "names a missing indicator row")
        assert float(r["intensity"]) == pytest.approx(values[(actor, name, period)], abs=1e-9), (
            r["id"],
            f"intensity {r['intensity']} but {name} {actor} {period} is "
            f"{values[(actor, name, period)]}",
        )
        if r["kind"] == "arms_supply":
            # supplier's share of the recipient's imports
            assert actor == r["actor_b"] and name == f"arms_import_share_from_{r['actor_a']}", r[
                "id"
            ]
        exact = year(r["start"]) == int(first) and r["end"] and year(r["end"]) == int(last) + 1
        if not exact:
            # a period other than the spell is a proxy, and must be coded and said as one
            assert r["certainty"] == "inferred", r["id"]
            assert re.search(r"proxy|overlaps", r["note"]), r["id"]


def test_arms_spells_with_a_measured_share_use_it_whatever_their_id():
    """Any arms tie whose spell is exactly a measured period carries that period's share."""
    values = indicator_values()
    checked = 0
    for r in rows("relations"):
        if r["kind"] != "arms_supply" or not r["end"]:
            continue
        period = f"{year(r['start'])}/{year(r['end']) - 1}"
        found = values.get((r["actor_b"], f"arms_import_share_from_{r['actor_a']}", period))
        if found is not None:
            checked += 1
            assert float(r["intensity"]) == pytest.approx(found, abs=1e-9), (r["id"], period)
    assert checked >= 16  # 2012-16 and 2017-21 for eight recipients, less the zero share


def test_the_1992_spells_use_the_1992_2021_share_as_a_proxy():
    values = indicator_values()
    spells = [
        r
        for r in rows("relations")
        if r["kind"] == "arms_supply" and r["start"] == "1992" and r["actor_a"] == "RUS"
    ]
    assert len(spells) == 8
    for r in spells:
        share = values[(r["actor_b"], "arms_import_share_from_RUS", "1992/2021")]
        assert float(r["intensity"]) == pytest.approx(share, abs=1e-9), r["id"]
        assert r["end"] == "2012" and r["certainty"] == "inferred", r["id"]


def test_a_zero_share_gives_no_tie():
    ties = {
        (r["actor_a"], r["actor_b"], year(r["start"]), year(r["end"]) - 1)
        for r in rows("relations")
        if r["kind"] == "arms_supply" and r["end"]
    }
    zeros = [
        (k, v)
        for k, v in indicator_values().items()
        if k[1].startswith("arms_import_share_from_") and v == 0.0
    ]
    assert zeros, "the package records Uzbekistan's zero Russian share for 2012-16"
    for (actor, name, period), _ in zeros:
        supplier = name.removeprefix("arms_import_share_from_")
        first, last = (int(p) for p in period.split("/"))
        assert (supplier, actor, first, last) not in ties, (actor, name, period)


def test_every_arms_tie_is_derived_or_scored_by_convention():
    for r in rows("relations"):
        if r["kind"] == "arms_supply":
            derived = INDICATOR_TAG.search(r["note"])
            convention = "0.2 by convention" in r["note"] and float(r["intensity"]) == 0.2
            assert derived or convention, r["id"]


def test_basing_intensity_is_troops_over_ten_thousand():
    events = [
        e for e in rows("events") if e["magnitude_unit"] == "troops" and e["kind"] == "basing"
    ]
    basing = [r for r in rows("relations") if r["kind"] == "basing"]
    assert basing
    matched = 0
    for r in basing:
        tag = TROOPS_TAG.search(r["note"])
        assert tag, (r["id"], "a basing intensity must state its troop figure")
        troops = int(tag.group(1).replace(",", ""))
        assert float(r["intensity"]) == pytest.approx(min(1.0, troops / 10_000), abs=1e-9), r["id"]
        # an event opening the same base on the same day gives the same figure
        for e in events:
            if e["date"] == r["start"] and {r["actor_a"], r["actor_b"]} <= set(
                e["actors"].split(";")
            ):
                matched += 1
                assert float(e["magnitude"]) == troops, (r["id"], e["id"])
    assert matched >= 2  # the 201st base (2004) and Kant (2003)


FACTS_NAMES = {
    "Kazakhstan": "KAZ",
    "Kyrgyzstan": "KGZ",
    "Tajikistan": "TJK",
    "Uzbekistan": "UZB",
    "Turkmenistan": "TKM",
    "Armenia": "ARM",
    "Belarus": "BLR",
    "Azerbaijan": "AZE",
    "China": "CHN",
    "USA": "USA",
    "Russia": "RUS",
    "Iran": "IRN",
    "Turkey": "TUR",
}


def facts_text() -> str:
    if not FACTS.is_file():
        pytest.skip("the shared reference facts are not available here")
    return FACTS.read_text(encoding="utf-8")


def test_arms_shares_agree_with_the_reference_table():
    text = facts_text()
    section = text.split("## A3.", 1)[1].split("\n## ", 1)[0]
    table = [line for line in section.splitlines() if line.startswith("| ")]
    header = [c.strip() for c in table[0].strip("|").split("|")]
    periods = [h.replace("\u2013", "/").replace("-", "/") for h in header[1:]]
    periods = [p if len(p) == 9 else f"{p[:4]}/{p[:2]}{p[-2:]}" for p in periods]
    assert periods == ["2012/2016", "2017/2021", "1992/2021"]
    values = indicator_values()
    compared = 0
    for line in table[1:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        if cells[0] not in FACTS_NAMES:
            continue
        for period, cell in zip(periods, cells[1:], strict=True):
            share = float(re.match(r"([\d.]+)%", cell).group(1)) / 100
            got = values[(FACTS_NAMES[cells[0]], "arms_import_share_from_RUS", period)]
            assert got == pytest.approx(share, abs=5e-4), (cells[0], period)
            compared += 1
    assert compared == 24


def test_cinc_2022_agrees_with_the_reference_list():
    text = facts_text()
    line = re.search(r"\*\*CINC 2022\*\*[^:]*:(.*)", text).group(1)
    pairs = re.findall(r"([A-Z][a-z]+|USA) (0\.\d+)", line)
    assert len(pairs) >= 13
    values = indicator_values()
    for name, value in pairs:
        assert values[(FACTS_NAMES[name], "cinc", "2022")] == pytest.approx(float(value)), name


# --- sources -------------------------------------------------------------------------

# One indicator set for which no better source could be found; each exception says why.
WEAK_ONLY_EXCEPTIONS = {
    ("indicators", "RUS|military_burden|2024"): "only aggregator copies of SIPRI's 2024 figures",
    ("indicators", "RUS|milex|2024"): "only aggregator copies of SIPRI's 2024 figures",
    ("indicators", "RUS|milex_change|2024"): "only aggregator copies of SIPRI's 2024 figures",
}


def test_every_source_is_graded():
    grades = {r["reliability"] for r in rows("sources")}
    assert grades <= {"official", "scholarly", "news", "reference", "state_media", "aggregator"}


def test_no_row_rests_on_state_media_or_aggregators_alone():
    grade = {r["id"]: r["reliability"] for r in rows("sources")}
    weak_only = []
    for table in TABLES:
        for r in rows(table):
            cited = [s for s in r["sources"].split(";") if s]
            if cited and all(grade[s] in WEAK for s in cited):
                if (table, key(table, r)) not in WEAK_ONLY_EXCEPTIONS:
                    weak_only.append((table, key(table, r)))
    assert weak_only == []


def test_exceptions_say_so_in_the_note():
    by_key = {(t, key(t, r)): r for t in TABLES for r in rows(t)}
    for (table, k), _reason in WEAK_ONLY_EXCEPTIONS.items():
        if table == "indicators":
            assert "aggregator" in by_key[(table, k)]["note"], k
            assert by_key[(table, k)]["certainty"] == "single_source", k


# Rows owned by the organisations slice, where a stronger source is cited but not first.
ORDER_EXCEPTIONS: set[tuple[str, str]] = set()


def test_the_strongest_source_comes_first():
    """Where a row cites a stronger source, a weak one is not listed first."""
    grade = {r["id"]: r["reliability"] for r in rows("sources")}
    for table in TABLES:
        for r in rows(table):
            cited = [s for s in r["sources"].split(";") if s]
            if cited and grade[cited[0]] in WEAK and (table, key(table, r)) not in ORDER_EXCEPTIONS:
                assert all(grade[s] in WEAK for s in cited), (table, key(table, r))


# --- notes ---------------------------------------------------------------------------

WORKING_NOTES = re.compile(
    r"not re-?verified|re-?verified|not re-read|in this session|the brief|"
    r"our reference notes|reference notes|not verified here|known to us",
    re.IGNORECASE,
)
# Rows owned by the organisations slice; the rewording is given to the lead.
NOTE_EXCEPTIONS: set[tuple[str, str]] = set()  # none left


def test_no_working_notes_in_shipped_rows():
    found = []
    for table in (*TABLES, "sources"):
        for r in rows(table):
            text = " ".join(r.get(f) or "" for f in ("note", "citation", "summary"))
            if WORKING_NOTES.search(text) and (table, key(table, r)) not in NOTE_EXCEPTIONS:
                found.append((table, key(table, r), WORKING_NOTES.search(text).group(0)))
    assert found == []


def test_the_phrase_scan_catches_working_notes():
    for phrase in ("not re-verified in this session", "The brief gave", "our reference notes"):
        assert WORKING_NOTES.search(phrase)
    assert not WORKING_NOTES.search("The sources do not date the provision.")


# --- episodes ------------------------------------------------------------------------


def day(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text) if len(text) == 10 else None


def test_wars_and_their_clash_events_agree():
    """A clash event's end_date is its last day; the relation's end is the day after."""
    clashes = [e for e in rows("events") if e["kind"] == "clash"]
    compared = 0
    for r in rows("relations"):
        if r["kind"] != "armed_conflict":
            continue
        same = [
            e
            for e in clashes
            if e["date"] == r["start"]
            and {r["actor_a"], r["actor_b"]} <= set(e["actors"].split(";"))
        ]
        for e in same:
            if e["end_date"] and r["end"] and day(e["end_date"]) and day(r["end"]):
                compared += 1
                assert day(e["end_date"]) + dt.timedelta(days=1) == day(r["end"]), (
                    r["id"],
                    e["id"],
                )
    assert compared >= 6  # 2008, 2020 (two dyads), 2021, 2022 (two wars), 2023


def test_events_and_relations_share_the_dates_they_describe():
    events = {e["id"]: e for e in rows("events")}
    relations = {r["id"]: r for r in rows("relations")}
    gyumri = events["ev-1995-03-16-gyumri-base-treaty"]
    assert gyumri["date"] == relations["basing-RUS-ARM-102"]["start"] == "1995-03-16"
    peacekeeping = [
        p for p in rows("provisions") if p["article"] == "Peacekeeping agreement (2007)"
    ]
    assert (
        peacekeeping[0]["adopted"] == events["ev-2007-10-06-peacekeeping"]["date"] == "2007-10-06"
    )


# --- codebook ------------------------------------------------------------------------

COUNTED = {
    "sources": "sources",
    "ties": "relations",
    "relations": "relations",
    "events": "events",
    "spells": "memberships",
    "votes": "votes",
    "provisions": "provisions",
    "values": "indicators",
}


def test_counts_stated_in_the_codebook_match_the_tables():
    """Any row count typed in the coverage sections must equal the table's size."""
    text = CODEBOOK.read_text(encoding="utf-8")
    coverage = text.split("## Coverage, gaps and uncertainties by table", 1)[1]
    coverage = coverage.split("\n## ", 1)[0]  # up to the next section
    nouns = "|".join(COUNTED)
    stated = re.findall(rf"(?<![\w-])(\d+) ({nouns})\b", coverage)
    assert stated, "the codebook states at least the vote count"
    for number, noun in stated:
        assert int(number) == len(rows(COUNTED[noun])), f"docs/data.md says {number} {noun}"
