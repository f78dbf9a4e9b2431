"""Candidate facts from a news article, offline: ``phalanx extract``.

:func:`extract_article` splits an article into sentences (:mod:`.text`), finds the actors
it names through the knowledge base's names and aliases and a table of demonyms and
capitals (:mod:`.actors`), its dates with their precision (:mod:`.dates`), the signals of
membership changes, invocations, clashes, arms deals and recognitions (:mod:`.rules`),
assembles candidates (:mod:`.candidates`), and says which the knowledge base already
knows, which are new and which contradict a row (:mod:`.compare`). :mod:`.rows` turns the
candidates into events rows and writes them as a data package; :mod:`.evaluate` scores the
rules on a labelled set. Regular expressions on google-re2 only: no model, no download.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from phalanx.ingest.extract.actors import Lexicon
from phalanx.ingest.extract.candidates import Candidate, find_candidates
from phalanx.ingest.extract.compare import compare
from phalanx.ingest.extract.rules import FACT_KINDS
from phalanx.kb.dates import PartialDate

if TYPE_CHECKING:
    from phalanx.kb import KnowledgeBase

__all__ = ["Candidate", "Extraction", "FACT_KINDS", "MAX_ARTICLE_BYTES", "extract_article"]

MAX_ARTICLE_BYTES = 2_000_000
"""The largest article file read (bytes): a long feature is some 100 kB."""


@dataclass
class Extraction:
    """What an article yields: the actors it mentions (id -> the words used, in order of
    first mention), dated candidates (compared with the knowledge base) and undated ones
    (signals with no date in reach: they cannot be event rows)."""

    actors: dict[str, list[str]]
    candidates: list[Candidate]
    undated: list[Candidate] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {
            "actors": [{"actor": a, "mentions": m} for a, m in self.actors.items()],
            "candidates": [c.as_dict() for c in self.candidates],
            "undated": [c.as_dict() for c in self.undated],
        }


def extract_article(
    text: str, kb: KnowledgeBase, *, anchor: PartialDate | None = None
) -> Extraction:
    """Candidate facts in ``text`` (an article, any length the caller allows), matched
    against ``kb``'s actors and compared with its events.

    ``anchor``: the article's own date, to resolve "yesterday" or "last year"; without
    it such words are left unresolved.
    """
    lexicon = Lexicon.from_kb(kb)
    seen: dict[str, list[str]] = {}
    for m in lexicon.find(text):
        words = seen.setdefault(m.actor, [])
        if m.text not in words:
            words.append(m.text)
    dated, undated = find_candidates(text, lexicon, anchor=anchor)
    return Extraction(seen, compare(dated, kb), undated)
