"""The shipped table of requests for collective assistance, its loader and its errors."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from phalanx.errors import UserError
from phalanx.evidence.requests import (
    ANSWERED_OUTCOMES,
    REQUEST_COLUMNS,
    REQUESTS_FILE,
    SOURCES_FILE,
    kb_tie,
    load_request_sources,
    load_requests,
)
from phalanx.kb import KnowledgeBase

ROOT = Path(__file__).resolve().parents[2]
SMALL = ROOT / "tests" / "data" / "evidence" / "requests-small.csv"
EURASIA_SOURCES = ROOT / "src" / "phalanx" / "data" / "eurasia" / "sources.csv"


def test_shipped_table_validates_and_covers_the_required_cases():
    cases = load_requests()
    assert len(cases) >= 20
    ids = {c["id"] for c in cases}
    required = {
        "csto-2010-06-kgz",
        "csto-2021-05-arm",
        "csto-2022-09-arm",
        "csto-2022-01-kaz",
        "nato-2001-09-usa",
        "nato-2003-02-tur",
        "nato-2012-06-tur",
        "nato-2012-10-tur",
        "nato-2014-03-pol",
        "nato-2015-07-tur",
        "nato-2020-02-tur",
        "nato-2022-02-east",
        "anzus-2001-09-usa",
    }
    assert required <= ids
    orgs = {c["organization"] for c in cases}
    assert {"CSTO", "NATO", "ANZUS", "TIAR", "LAS"} <= orgs
    for c in cases:
        assert c["answered"] == int(c["outcome"] in ANSWERED_OUTCOMES)
    eight = next(c for c in cases if c["id"] == "nato-2022-02-east")
    assert len(eight["co_requesters"]) + 1 == 8


def test_every_row_cites_sources_with_urls_and_reused_ids_match_the_package():
    sources = load_request_sources()
    cited = {s for c in load_requests() for s in c["sources"]}
    assert cited <= set(sources)
    assert all(sources[s]["url"].startswith(("http://", "https://")) for s in cited)
    with EURASIA_SOURCES.open(encoding="utf-8") as f:
        eurasia = {r["id"]: r for r in csv.DictReader(f)}
    shared = set(sources) & set(eurasia)
    assert shared, "the CSTO cases reuse the package's own source ids"
    for sid in shared:
        assert sources[sid]["citation"] == eurasia[sid]["citation"], sid
        assert sources[sid]["url"] == eurasia[sid]["url"], sid
        assert sources[sid]["reliability"] == eurasia[sid]["reliability"], sid


def test_csto_ties_are_those_the_simulation_reads_from_the_package():
    kb = KnowledgeBase.embedded()
    for c in load_requests():
        if c["organization"] != "CSTO":
            continue
        assert kb_tie(kb, c["date"], c["leader"], c["requester"]) == pytest.approx(
            c["leader_tie_requester"]
        ), c["id"]
        if c["adversary"]:
            assert kb_tie(kb, c["date"], c["leader"], c["adversary"]) == pytest.approx(
                c["leader_tie_adversary"]
            ), c["id"]


def test_kb_tie_on_the_anzus_and_triple_alliance_packages():
    data = ROOT / "tests" / "data" / "kb"
    anzus = KnowledgeBase.from_path(data / "anzus")
    assert kb_tie(anzus, "2001-09-14", "AUS", "USA") == 1.0
    assert kb_tie(anzus, "2001-09-14", "NZL", "USA") == 0.0  # suspended in 1986
    assert kb_tie(anzus, "2012-01-01", "USA", "NZL") == 0.5  # Wellington Declaration
    case = next(c for c in load_requests() if c["id"] == "anzus-2001-09-usa")
    assert case["member_tie"] == kb_tie(anzus, case["date"], "AUS", "USA")
    triple = KnowledgeBase.from_path(data / "triple-alliance")
    assert kb_tie(triple, "1900-01-01", "GER", "ITA") == 1.0
    assert kb_tie(triple, "1916-01-01", "ITA", "GER") == 0.0  # denounced in May 1915


def _copy(tmp_path: Path) -> tuple[Path, list[dict[str, str]]]:
    dest = tmp_path / "requests-small.csv"
    shutil.copy(SMALL, dest)
    shutil.copy(SMALL.with_name("requests-small-sources.csv"), tmp_path)
    with dest.open(encoding="utf-8") as f:
        return dest, list(csv.DictReader(f))


def _write(path: Path, rows: list[dict[str, str]], columns=REQUEST_COLUMNS) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(columns), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


@pytest.mark.parametrize(
    ("row", "field", "value", "words"),
    [
        (0, "kind", "help", "must be one of assistance, consultation"),
        (1, "answered", "0", "outcome 'measures' gives 1"),
        (2, "sources", "fixture-src;nowhere", "not in the sources table: nowhere"),
        (1, "leader_capacity", "0.5", "must be empty when no leader is given"),
        (0, "voters", "1", "fewer than the requester, the leader"),
        (2, "date", "2003-13", "must be a date"),
        (1, "quota", "", "must be a share in (0.5, 1]"),
        (0, "quota", "2/3", "only for rule qualified_majority"),
        (0, "leader_tie_requester", "1.5", "must be a number in [0, 1]"),
        (2, "adversary", "", "a state adversary needs its id"),
        (1, "sharers", "-1", "must be a whole number"),
        (2, "id", "case-a", "appears twice"),
    ],
)
def test_loader_errors_name_line_and_field(tmp_path, row, field, value, words):
    path, rows = _copy(tmp_path)
    rows[row][field] = value
    _write(path, rows)
    with pytest.raises(UserError) as e:
        load_requests(path)
    assert e.value.file == "requests-small.csv"
    assert e.value.line == row + 2
    assert e.value.field == field
    assert words in str(e.value)


def test_loader_names_missing_columns(tmp_path):
    path, rows = _copy(tmp_path)
    cols = [c for c in REQUEST_COLUMNS if c != "rule"]
    _write(path, [{k: r[k] for k in cols} for r in rows], columns=cols)
    with pytest.raises(UserError, match=r"missing: rule") as e:
        load_requests(path)
    assert e.value.line == 1


def test_sources_errors_name_line_and_field(tmp_path):
    path, _ = _copy(tmp_path)
    src = tmp_path / "requests-small-sources.csv"
    text = src.read_text(encoding="utf-8").replace("https://example.org", "ftp://example.org")
    src.write_text(text, encoding="utf-8")
    with pytest.raises(UserError) as e:
        load_requests(path)
    assert (e.value.file, e.value.line, e.value.field) == ("requests-small-sources.csv", 2, "url")
    src.write_text(text.replace("ftp://", "https://").replace(",reference,", ",blog,"))
    with pytest.raises(UserError, match="must be one of official"):
        load_request_sources(src)


def test_shipped_files_are_the_defaults():
    assert REQUESTS_FILE.name == "requests.csv"
    assert SOURCES_FILE.name == "requests-sources.csv"
    assert load_requests(REQUESTS_FILE, SOURCES_FILE) == load_requests()
