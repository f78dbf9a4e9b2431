"""The dyad-year table on the real ATOP 5.1, COW and Thompson-Dreyer files (skipped when
../shared/validation is absent), against a plain-Python count of the same definitions and
against spells read off the raw file by hand."""

from __future__ import annotations

import csv
import itertools
import math
from collections import defaultdict
from pathlib import Path

import pytest

pd = pytest.importorskip("pandas")

from phalanx.evidence.dyads import build_dyad_years  # noqa: E402
from phalanx.kb import KnowledgeBase  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
FOLDER = ROOT.parent / "shared" / "validation" / "datasets"
NAMES = {
    "atop": "atop_v5_1_ddyr_full_peacesciencer.csv",
    "states": "cow_states2016_peacesciencer.csv",
    "nmc": "cow_nmc_v7_0_peacesciencer.csv",
    "mid": "cow_mid_v5_ddydisps_peacesciencer.csv",
    "rivalries": "td_rivalries_peacesciencer.csv",
    "majors": "cow_majors2016_peacesciencer.csv",
}


def rows(name: str):
    with open(FOLDER / NAMES[name], newline="") as fh:
        yield from csv.DictReader(fh)


@pytest.fixture(scope="module")
def table():
    if not (FOLDER / NAMES["atop"]).is_file():
        pytest.skip("../shared/validation is not present")
    paths = {k: FOLDER / v for k, v in NAMES.items()}
    return build_dyad_years(paths.pop("atop"), paths.pop("states"), **paths)


def spells_of(years: list[int]) -> list[tuple[int, int]]:
    out = []
    for _, run in itertools.groupby(enumerate(sorted(years)), lambda p: p[1] - p[0]):
        run = [y for _, y in run]
        out.append((run[0], run[-1]))
    return out


@pytest.fixture(scope="module")
def reference(table):
    """The definitions of contracts.md section 1, counted in plain Python."""
    either, one_direction = defaultdict(set), defaultdict(set)
    final = 0
    for r in rows("atop"):
        c1, c2, year = int(r["ccode1"]), int(r["ccode2"]), int(r["year"])
        final = max(final, year)
        if r["atop_defense"] == "1" and c1 != c2:
            either[(min(c1, c2), max(c1, c2))].add(year)
            if c1 < c2:
                one_direction[(c1, c2)].add(year)
    system = defaultdict(list)
    states = list(rows("states"))
    last_end = max(int(s["endyear"]) for s in states)
    for s in states:
        end = int(s["endyear"])
        system[int(s["ccode"])].append((int(s["styear"]), 9999 if end == last_end else end))

    def alive(c, y):
        return any(a <= y <= b for a, b in system[c])

    out = {"final": final, "ends": set(), "death": set(), "censored": set(), "spells": 0}
    for (a, b), years in either.items():
        for _, stop in spells_of(list(years)):
            out["spells"] += 1
            if stop == final:
                out["censored"].add((a, b, stop))
            elif alive(a, stop + 1) and alive(b, stop + 1):
                out["ends"].add((a, b, stop))
            else:
                out["death"].add((a, b, stop))
    out["rows"] = {(a, b, y) for (a, b), ys in either.items() for y in ys}
    one = [s for ys in one_direction.values() for s in spells_of(list(ys))]
    out["one_direction"] = (
        sum(len(ys) for ys in one_direction.values()),
        len(one),
        sum(stop < final for _, stop in one),
    )
    return out


def keyed(table, column):
    sub = table[table[column] == 1]
    return set(zip(sub.a, sub.b, sub.year, strict=True))


def test_provenance_figures_count_one_direction_of_the_file(reference):
    """PROVENANCE.md: 69,063 defence-pact dyad-years, 3,004 spells, 1,297 ending before
    2018: the rows with ccode1 < ccode2 only (a one-way guarantee by the higher code, such
    as Turkey's to Cyprus, is left out by that count)."""
    assert reference["one_direction"] == (69_063, 3_004, 1_297)


def test_the_table_matches_the_plain_python_count(table, reference):
    assert table.attrs["final_year"] == reference["final"] == 2018
    assert set(zip(table.a, table.b, table.year, strict=True)) == reference["rows"]
    assert len(table) == len(reference["rows"]) == 69_127
    assert table.spell.nunique() == reference["spells"] == 3_011
    assert keyed(table, "ends") == reference["ends"]
    assert keyed(table, "state_death") == reference["death"]
    assert keyed(table, "censored") == reference["censored"]
    assert len(reference["ends"]) + len(reference["death"]) == 1_304


def test_spells_read_off_the_raw_file_by_hand(table):
    """Spells of a few well-known pacts, read off the raw ATOP rows (and the COW states
    file for Austria-Hungary's end on 12 November 1918)."""
    want = {
        (2, 20): [(1942, 1945, "ends"), (1949, 2018, "censored")],  # USA-Canada
        (2, 900): [(1942, 1945, "ends"), (1951, 2018, "censored")],  # USA-Australia
        (2, 920): [(1942, 1945, "ends"), (1951, 1986, "ends")],  # USA-New Zealand, 1986
        (900, 920): [(1942, 1945, "ends"), (1951, 1986, "ends")],
        # USA-Iran: 1943-1945 Iran's pledge only, 1959-1979 the United States' only
        (2, 630): [(1943, 1945, "ends"), (1959, 1979, "ends")],
        (255, 300): [(1815, 1848, "ends"), (1850, 1866, "ends"), (1879, 1918, "state_death")],
        # Germany-Italy: the Triple Alliance; Locarno (Italy a guarantor of Germany's border,
        # one way: 325 to 255 only, which a ccode1 < ccode2 count misses); the Pact of Steel
        (255, 325): [
            (1882, 1915, "ends"),
            (1925, 1936, "ends"),
            (1939, 1943, "ends"),
            (1990, 2018, "censored"),
        ],
        (300, 325): [(1831, 1848, "ends"), (1882, 1915, "ends")],  # Italy leaves in 1915
    }
    for (a, b), spells in want.items():
        sub = table[(table.a == a) & (table.b == b) & table["last"]]
        got = [
            (
                int(r.start),
                int(r.year),
                next(k for k in ("ends", "state_death", "censored") if getattr(r, k)),
            )
            for r in sub.itertuples()
        ]
        assert got == spells, (a, b)


@pytest.mark.parametrize("package", ["embedded", "anzus", "triple-alliance"])
def test_each_package_s_members_are_linked_to_its_leader_in_the_table(table, package):
    """The organisation of each test package (CSTO, ANZUS, the Triple Alliance), two years
    after its period starts: every member state is linked to the package's leader by a
    defence pledge that year, by their COW codes (not every pair: Romania's 1883 treaty
    bound it to Austria-Hungary and Germany; Italy acceded only in 1888)."""
    kb = (
        KnowledgeBase.embedded()
        if package == "embedded"
        else KnowledgeBase.from_path(ROOT / "tests" / "data" / "kb" / package)
    )
    year = int(kb.defaults.period[0][:4]) + 2
    codes = {a["id"]: a["cow_code"] for a in kb.actors()}
    leader = int(codes[kb.defaults.leader])
    members = [m["actor"] for m in kb.members(kb.defaults.organization, f"{year}-06-30")]
    ccodes = sorted(int(codes[m]) for m in members if codes.get(m) is not None)
    assert len(ccodes) >= 3 and leader in ccodes
    linked = set(zip(table.a, table.b, table.year, strict=True))
    for c in ccodes:
        if c != leader:
            assert (min(c, leader), max(c, leader), year) in linked, (package, c, year)


def test_covariates_match_a_plain_python_count(table):
    pact = set(zip(table.a, table.b, table.year, strict=True))
    disputes = {
        (
            min(int(r["ccode1"]), int(r["ccode2"])),
            max(int(r["ccode1"]), int(r["ccode2"])),
            int(r["year"]),
        )
        for r in rows("mid")
    }
    assert keyed(table, "dispute") == pact & disputes
    rivals = defaultdict(set)
    spans = [
        (int(r["ccode1"]), int(r["ccode2"]), int(r["styear"]), int(r["endyear"]))
        for r in rows("rivalries")
    ]
    last = max(s[3] for s in spans)
    for x, y, st, en in spans:
        for year in range(st, (2018 if en == last else en) + 1):
            rivals[(x, year)].add(y)
            rivals[(y, year)].add(x)
    common = {(a, b, y) for a, b, y in pact if (rivals[(a, y)] & rivals[(b, y)]) - {a, b}}
    assert keyed(table, "common_rival") == common
    cinc = {
        (int(r["ccode"]), int(r["year"])): float(r["cinc"])
        for r in rows("nmc")
        if r["cinc"] not in ("", "NA")
    }
    for r in table.sample(2000, random_state=0).itertuples():
        ca, cb = cinc.get((r.a, r.year)), cinc.get((r.b, r.year))
        ratio = (
            math.nan if ca is None or cb is None or max(ca, cb) == 0 else min(ca, cb) / max(ca, cb)
        )
        assert (math.isnan(ratio) and math.isnan(r.cap_ratio)) or math.isclose(ratio, r.cap_ratio)
        assert r.stronger == (r.b if ca is not None and cb is not None and cb > ca else r.a)


def test_the_covariates_are_sometimes_on_and_not_always(table):
    for name in ("dispute", "common_rival", "stronger_at_war", "weaker_new_major_pact"):
        share = table[name].mean()
        assert 0 < share < 0.2, name
    assert table.attrs["coverage"]["mid"] == [1816, 2014]
    assert table.loc[table.year > 2014, "dispute"].sum() == 0
    assert table.loc[table.year > 2010, "common_rival"].sum() > 0  # carried on past 2010


def test_war_and_outside_patron_flags_match_a_plain_python_count(table, reference):
    cinc = {
        (int(r["ccode"]), int(r["year"])): float(r["cinc"])
        for r in rows("nmc")
        if r["cinc"] not in ("", "NA")
    }
    war = defaultdict(set)
    for r in rows("mid"):
        c1, c2, year = int(r["ccode1"]), int(r["ccode2"]), int(r["year"])
        if r["hostlev1"] == "5":
            war[(c1, year)].add(c2)
        if r["hostlev2"] == "5":
            war[(c2, year)].add(c1)
    majors = defaultdict(list)
    spans = [(int(r["ccode"]), int(r["styear"]), int(r["endyear"])) for r in rows("majors")]
    last = max(s[2] for s in spans)
    for c, st, en in spans:
        majors[c].append((st, 9999 if en == last else en))
    pact = reference["rows"]
    starts = defaultdict(list)  # weaker -> (major partner, first year of the spell)
    by_dyad = defaultdict(list)
    for a, b, y in pact:
        by_dyad[(a, b)].append(y)
    for (a, b), years in by_dyad.items():
        for start, _ in spells_of(years):
            if start == 1815:
                continue
            for x, m in ((a, b), (b, a)):
                if any(st <= start <= en for st, en in majors[m]):
                    starts[x].append((m, start))
    at_war, new_major = set(), set()
    for a, b, y in pact:
        ca, cb = cinc.get((a, y)), cinc.get((b, y))
        if ca is None or cb is None or ca == cb:
            continue
        s, w = (a, b) if ca > cb else (b, a)
        if war[(s, y)] - {w}:
            at_war.add((a, b, y))
        if any(
            m != s and y - 2 <= st <= y and (min(s, m), max(s, m), st) not in pact
            for m, st in starts[w]
        ):
            new_major.add((a, b, y))
    assert keyed(table, "stronger_at_war") == at_war
    assert keyed(table, "weaker_new_major_pact") == new_major
    assert len(new_major) > 100 and len(at_war) > 1000
