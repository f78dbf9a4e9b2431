"""``phalanx extract``: the table and --json, bad input (exit 2, one line naming the file
or option), and --output writing a package that validates and layers, on the embedded
data and on the ANZUS test package."""

from __future__ import annotations

import json
from pathlib import Path

from phalanx.ingest.extract import MAX_ARTICLE_BYTES
from phalanx.kb import KnowledgeBase
from phalanx.kb.package import load_package

from .conftest import as_json

DATA = Path(__file__).resolve().parents[1] / "data"
ARTICLES = DATA / "extract"
URL = "https://example.org/article"


def test_json_lists_actors_candidates_and_undated(run):
    out = as_json(run("extract", str(ARTICLES / "uzbekistan-csto.txt"), "--json"))
    assert {a["actor"] for a in out["actors"]} >= {"UZB", "GEO", "AZE", "CSTO"}
    statuses = {(c["kind"], c["date"]): c["status"] for c in out["candidates"]}
    assert statuses == {
        ("withdrawal", "1999-04"): "known",
        ("accession", "2005"): "contradicts",
        ("suspension", "2012-12"): "known",
    }
    c = out["candidates"][1]
    text = (ARTICLES / "uzbekistan-csto.txt").read_text(encoding="utf-8")
    assert text[c["span"][0] : c["span"][1]] == c["sentence"]
    assert text[c["trigger_span"][0] : c["trigger_span"][1]] == c["trigger"] == "rejoined"
    assert out["package"] is None


def test_the_table(run):
    r = run("extract", str(ARTICLES / "drones-central-asia.txt"))
    assert r.exit_code == 0
    assert "Candidate facts (5)" in r.stdout and "ev-2022-05-10-kaz-anka" in r.stdout


def test_bad_input_is_one_line_and_exit_2(run, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"Armenia\n\xff left")
    r = run("extract", str(bad))
    assert r.exit_code == 2 and "not UTF-8" in r.stderr and ":2:" in r.stderr
    big = tmp_path / "big.txt"
    big.write_bytes(b"a" * (MAX_ARTICLE_BYTES + 1))
    r = run("extract", str(big))
    assert r.exit_code == 2 and "refused" in r.stderr
    r = run("extract", str(tmp_path / "missing.txt"))
    assert r.exit_code == 2 and "does not exist" in r.stderr
    r = run("extract", str(ARTICLES / "armenia-freeze.txt"), "--output", str(tmp_path / "o"))
    assert r.exit_code == 2 and "--output" in r.stderr and "--url" in r.stderr
    r = run("extract", str(ARTICLES / "armenia-freeze.txt"), "--date", "2023-13")
    assert r.exit_code == 2 and "--date" in r.stderr
    args = ("--output", str(tmp_path / "o"), "--url", "ftp://x")
    r = run("extract", str(ARTICLES / "armenia-freeze.txt"), *args)
    assert r.exit_code == 2 and "--url" in r.stderr
    assert not (tmp_path / "o").exists()


def test_output_is_a_package_that_layers_on_the_embedded_data(run, tmp_path):
    out = tmp_path / "facts"
    article = ARTICLES / "border-and-arms-2023.txt"
    r = run("extract", str(article), "--output", str(out), "--url", URL, "--json")
    data = as_json(r)
    assert data["package"] == str(out)
    kb = KnowledgeBase.from_path(out, on_top=True)
    rows = kb.events("2023-01-01", "2023-12-31", kind="clash", actor="TJK")
    mine = [e for e in rows if e["id"].startswith("x-")]
    assert len(mine) == 1 and mine[0]["date"] == "2023-03-10"
    assert mine[0]["certainty"] == "single_source" and set(mine[0]["actors"]) == {"TJK", "KGZ"}
    (src,) = kb.sources(mine[0]["sources"])
    assert src["url"] == URL and src["reliability"] == "news"
    # the article's sentence and span are in the note
    assert (
        "Border guards of Tajikistan and Kyrgyzstan exchanged fire"
        in kb.query("SELECT note FROM events WHERE id = ?", [mine[0]["id"]])[0]["note"]
    )
    # a second run refuses to replace the folder without --force
    again = run("extract", str(article), "--output", str(out), "--url", URL)
    assert again.exit_code == 2


def test_output_against_a_second_alliance(run, tmp_path):
    article = tmp_path / "nz.txt"
    article.write_text(
        "New Zealand suspended its participation in ANZUS in March 1985.\n"
        "Australia and the United States signed an arms deal for missiles in 1990.\n",
        encoding="utf-8",
    )
    pkg = DATA / "kb" / "anzus"
    out = tmp_path / "facts"
    args = ("--data", str(pkg), "--output", str(out), "--url", URL, "--json")
    data = as_json(run("extract", str(article), *args))
    kinds = {c["kind"]: c["status"] for c in data["candidates"]}
    assert kinds == {"suspension": "contradicts", "arms_deal": "new"}
    kb = KnowledgeBase(load_package([pkg, out]))  # layered on the package it was read against
    ids = {e["id"] for e in kb.events(kind="suspension")}
    assert {"us-suspends-nzl", "x-1985-03-suspension-nzl"} <= ids
    assert json.loads((out / "datapackage.json").read_text(encoding="utf-8"))["resources"]
