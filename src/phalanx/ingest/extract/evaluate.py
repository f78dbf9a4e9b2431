"""Precision and recall of the extractor on a labelled set, per fact kind.

A label file (``NAME.labels.json``) names its article (a path from the repository's root),
the package it is read against (``kb``) and its facts: kind, actors, organisation, date,
precision and sentence. A candidate matches a label when the kind, the date (text, so the
precision too) and the set of actors are equal; each label is matched at most once.
Undated candidates are not proposals of rows and are not scored.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from phalanx.ingest.extract import extract_article
from phalanx.ingest.extract.rules import FACT_KINDS

if TYPE_CHECKING:
    from phalanx.kb import KnowledgeBase

__all__ = ["count_matches", "evaluate_set", "markdown_table", "Counts"]

Counts = dict[str, dict[str, int]]
"""kind -> {"tp", "fp", "fn"}."""


def _key(kind: str, actors: list[str], date: str | None) -> tuple[str, frozenset[str], str | None]:
    return kind, frozenset(actors), date


def count_matches(found: list[dict[str, Any]], labels: list[dict[str, Any]]) -> Counts:
    """True positives, false positives and false negatives per kind.

    >>> lab = [{"kind": "clash", "actors": ["A", "B"], "date": "2022-09"}]
    >>> got = [{"kind": "clash", "actors": ["B", "A"], "date": "2022-09"},
    ...        {"kind": "clash", "actors": ["A", "B"], "date": "2022"}]
    >>> count_matches(got, lab)["clash"]
    {'tp': 1, 'fp': 1, 'fn': 0}
    """
    out: Counts = {k: {"tp": 0, "fp": 0, "fn": 0} for k in FACT_KINDS}
    left = [_key(x["kind"], x["actors"], x["date"]) for x in labels]
    for c in found:
        k = _key(c["kind"], c["actors"], c["date"])
        if k in left:
            left.remove(k)
            out[c["kind"]]["tp"] += 1
        else:
            out[c["kind"]]["fp"] += 1
    for kind, _, _ in left:
        out[kind]["fn"] += 1
    return out


def evaluate_set(
    folder: Path,
    root: Path,
    kb_for: Callable[[str], KnowledgeBase],
    only: set[str] | None = None,
) -> tuple[Counts, list[str]]:
    """(counts summed over the articles, the articles read) for the label files in
    ``folder`` (those named in ``only``, if given: names without ``.labels.json``);
    articles are found from ``root``; one whose file is absent is skipped. ``kb_for``
    gives the knowledge base a label file's ``kb`` names."""
    total: Counts = {k: {"tp": 0, "fp": 0, "fn": 0} for k in FACT_KINDS}
    read = []
    for path in sorted(folder.glob("*.labels.json")):
        if only is not None and path.name.removesuffix(".labels.json") not in only:
            continue
        label = json.loads(path.read_text(encoding="utf-8"))
        article = root / label["article"]
        if not article.is_file():
            continue
        ex = extract_article(article.read_text(encoding="utf-8"), kb_for(label["kb"]))
        got = count_matches([c.as_dict() for c in ex.candidates], label["facts"])
        for kind, c in got.items():
            for k, v in c.items():
                total[kind][k] += v
        read.append(path.name.removesuffix(".labels.json"))
    return total, read


def _ratio(a: int, b: int) -> str:
    return "-" if b == 0 else f"{a / b:.2f}"


def markdown_table(counts: Counts) -> str:
    """The table of docs/extract.md: per kind, labelled facts, candidates, matches,
    precision (matches / candidates) and recall (matches / labelled); then all kinds."""
    lines = [
        "| kind | labelled | proposed | matched | precision | recall |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    rows = list(counts.items())
    tot = {k: sum(c[k] for _, c in rows) for k in ("tp", "fp", "fn")}
    for kind, c in [*rows, ("all kinds", tot)]:
        lab, prop = c["tp"] + c["fn"], c["tp"] + c["fp"]
        lines.append(
            f"| {kind} | {lab} | {prop} | {c['tp']} | {_ratio(c['tp'], prop)} | "
            f"{_ratio(c['tp'], lab)} |"
        )
    return "\n".join(lines) + "\n"
