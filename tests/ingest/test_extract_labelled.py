"""The extractor on its labelled set (tests/data/extract): the labels are well formed,
and the precision and recall per fact kind, computed afresh, are the table in
docs/extract.md (printed with ``pytest -s``)."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest

from phalanx.ingest.extract.evaluate import evaluate_set, markdown_table
from phalanx.ingest.extract.rules import FACT_KINDS
from phalanx.kb import KnowledgeBase

ROOT = Path(__file__).resolve().parents[2]
SET = ROOT / "tests" / "data" / "extract"
SEED = ROOT.parent / "shared" / "seed" / "central-asia-security-architecture.txt"
DOC = ROOT / "docs" / "extract.md"
LABELS = sorted(SET.glob("*.labels.json"))


@functools.cache
def kb_for(name: str) -> KnowledgeBase:
    if name == "embedded":
        return KnowledgeBase.embedded()
    return KnowledgeBase.from_path(ROOT / "tests" / "data" / "kb" / name)


def test_at_least_ten_articles_the_seed_among_them():
    assert len(LABELS) >= 10
    articles = [json.loads(p.read_text(encoding="utf-8"))["article"] for p in LABELS]
    assert "../shared/seed/central-asia-security-architecture.txt" in articles
    own = [a for a in articles if not a.startswith("../")]
    assert len(own) >= 9
    for a in own:  # written by the team, and saying so
        assert (ROOT / a).read_text(encoding="utf-8").startswith("Written by the Phalanx team")


@pytest.mark.parametrize("path", LABELS, ids=lambda p: p.name)
def test_labels_are_well_formed(path):
    label = json.loads(path.read_text(encoding="utf-8"))
    article = ROOT / label["article"]
    if not article.is_file():
        pytest.skip(f"{label['article']} is not present")
    text = article.read_text(encoding="utf-8")
    kb = kb_for(label["kb"])
    ids = {r["id"] for r in kb.query("SELECT id FROM actors")}
    orgs = {r["id"] for r in kb.query("SELECT id FROM organizations")}
    assert label["facts"]
    for fact in label["facts"]:
        assert fact["kind"] in FACT_KINDS
        assert fact["sentence"] in text
        assert fact["actors"] and set(fact["actors"]) <= ids - orgs
        assert fact["organization"] is None or fact["organization"] in orgs
        assert {4: "year", 7: "month", 10: "day"}[len(fact["date"])] == fact["precision"]


def _doc_table(title: str) -> str:
    doc = DOC.read_text(encoding="utf-8")
    return doc.split(f"<!-- {title} -->\n", 1)[1].split("<!-- end -->", 1)[0]


def test_precision_and_recall_are_the_documented_ones():
    if not SEED.is_file():
        pytest.skip("../shared/seed is not present: the table counts the seed article")
    counts, read = evaluate_set(SET, ROOT, kb_for)
    assert len(read) == len(LABELS)
    table = markdown_table(counts)
    print("\nAll articles\n" + table)
    hint = "regenerate with phalanx.ingest.extract.evaluate.markdown_table (see docs/extract.md)"
    assert _doc_table("table: all articles") == table, hint
    seed_counts, _ = evaluate_set(SET, ROOT, kb_for, only={"seed-central-asia"})
    seed_table = markdown_table(seed_counts)
    print("The seed article alone\n" + seed_table)
    assert _doc_table("table: the seed article") == seed_table, hint
    total = {k: sum(c[k] for c in counts.values()) for k in ("tp", "fp", "fn")}
    labelled = sum(len(json.loads(p.read_text(encoding="utf-8"))["facts"]) for p in LABELS)
    assert total["tp"] + total["fn"] == labelled
