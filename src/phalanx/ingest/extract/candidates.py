"""Candidate facts: a trigger, its actors and its date, read off one sentence.

For each trigger of :mod:`~phalanx.ingest.extract.rules` in a sentence:

- actors: for a clash or an arms deal, every actor named in the sentence other than an
  organisation (a clash needs two); for a membership change, those of the trigger's clause
  (or, when the clause names none, the nearest one before it: "Uzbekistan rejoined, but
  withdrew"); for an invocation or a recognition, the subject: those before the trigger in
  its clause (else after it);
- organisation: the package's organisation named nearest the trigger in the sentence (not
  for clashes and arms deals, which the schema ties to no organisation); a membership
  change or an invocation needs one, or words such as "treaty" or "Article 4";
- date: in the trigger's clause, the nearest explicit date after the trigger, else before
  it, then the same in the sentence, then a resolved relative date; a sentence that opens
  with "In response", "Then" and the like takes the last date of the sentence before it
  in the same paragraph (and the candidate is then ``inferred``).

A candidate with no date is kept apart (``undated``): it cannot become an event row.
Candidates of one kind with the same actors and date are one candidate (the first
sentence is kept).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import re2

from phalanx.ingest.extract.actors import ActorMention, Lexicon
from phalanx.ingest.extract.dates import DateMention, find_dates
from phalanx.ingest.extract.rules import MEMBERSHIP_KINDS, Trigger, find_triggers, has_context
from phalanx.ingest.extract.text import Sentence, clauses, split_sentences
from phalanx.kb.dates import PartialDate

__all__ = ["Candidate", "find_candidates"]

_ANAPHORA = re2.compile(
    r"(?i)^(?:in response|in reply|then|subsequently|afterwards|after that|"
    r"that (?:day|month|year)|the same (?:day|month|year)|soon after|shortly after)\b"
)


@dataclass
class Candidate:
    """A candidate fact for an analyst to review.

    ``span``: the sentence's characters ``[start, end)`` in the article; ``trigger_span``
    the trigger's. ``date`` is ISO text of the precision the article gives (None when
    undated). ``certainty`` is ``single_source`` (one article says so) or ``inferred``
    (an actor found only through a demonym or capital, or the date taken from the sentence
    before); ``reasons`` says why. ``status`` (known, new, contradicts) and ``kb_rows``
    are filled in against the knowledge base by :func:`~phalanx.ingest.extract.compare.compare`.
    """

    kind: str
    actors: list[str]
    organization: str | None
    date: str | None
    precision: str | None
    date_text: str | None
    sentence: str
    sentence_index: int
    span: tuple[int, int]
    trigger: str
    trigger_span: tuple[int, int]
    certainty: str = "single_source"
    reasons: list[str] = field(default_factory=list)
    status: str | None = None
    kb_rows: list[str] = field(default_factory=list)
    explanation: str = ""

    def as_dict(self) -> dict[str, Any]:
        """Plain data (lists for spans), for JSON."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in self.__dict__.items()}


def _unique(actors: list[str]) -> list[str]:
    return list(dict.fromkeys(actors))


def _pick_actors(
    kind: str, trig: Trigger, clause: tuple[int, int], ments: list[ActorMention]
) -> list[ActorMention]:
    states = [m for m in ments if not m.organization]
    a, b = clause
    in_clause = [m for m in states if a <= m.start < b]
    if kind in ("clash", "arms_deal"):
        return states
    if kind in MEMBERSHIP_KINDS:
        if in_clause:
            return in_clause
    else:
        before = [m for m in in_clause if m.end <= trig.start]
        if before:
            return before
        after = [m for m in in_clause if m.start >= trig.end]
        if after:
            return after
    earlier = [m for m in states if m.end <= a]
    return earlier[-1:]


def _pick_org(trig: Trigger, ments: list[ActorMention]) -> str | None:
    orgs = [m for m in ments if m.organization]
    if not orgs:
        return None
    return min(orgs, key=lambda m: (abs(m.start - trig.start), m.start)).actor


def _pick_date(
    trig: Trigger, clause: tuple[int, int], dates: list[DateMention]
) -> DateMention | None:
    valued = [d for d in dates if d.value is not None]
    a, b = clause
    for pool in (
        [d for d in valued if a <= d.start < b and not d.relative],
        [d for d in valued if not d.relative],
        [d for d in valued if a <= d.start < b],
        valued,
    ):
        after = [d for d in pool if d.start >= trig.start]  # one inside the trigger too
        if after:
            return after[0]
        before = [d for d in pool if d.end <= trig.start]
        if before:
            return before[-1]
    return None


def find_candidates(
    text: str, lexicon: Lexicon, *, anchor: PartialDate | None = None
) -> tuple[list[Candidate], list[Candidate]]:
    """(dated candidates, undated candidates) in ``text``, each in order of appearance."""
    dated: list[Candidate] = []
    undated: list[Candidate] = []
    seen: set[tuple[str, frozenset[str], str | None]] = set()
    previous: tuple[Sentence, list[DateMention]] | None = None
    for sent in split_sentences(text):
        s = sent.text
        ments = lexicon.find(s)
        dates = find_dates(s, anchor)
        spans = clauses(s)
        for trig in find_triggers(s):
            clause = next(((a, b) for a, b in spans if a <= trig.start < b), (0, len(s)))
            chosen = _pick_actors(trig.kind, trig, clause, ments)
            actors = _unique([m.actor for m in chosen])
            if not actors or (trig.kind == "clash" and len(actors) < 2):
                continue
            org = None if trig.kind in ("clash", "arms_deal") else _pick_org(trig, ments)
            if trig.kind in (*MEMBERSHIP_KINDS, "invocation"):
                if org is None and not has_context(s[clause[0] : clause[1]]):
                    continue
            reasons = [
                f"{m.text!r} read as {m.actor} (a demonym or capital)"
                for m in chosen
                if m.via == "metonym"
                and not any(o.actor == m.actor and o.via != "metonym" for o in chosen)
            ]
            when = _pick_date(trig, clause, dates)
            if when is not None and when.relative:
                reasons.append(f"date resolved from {when.text!r}")
            if (
                when is None
                and previous is not None
                and previous[0].paragraph == sent.paragraph
                and _ANAPHORA.search(s)
            ):
                prior = [d for d in previous[1] if d.value is not None]
                if prior:
                    when = prior[-1]
                    reasons.append(f"date {when.text!r} taken from the sentence before")
            value = when.value if when is not None else None
            cand = Candidate(
                kind=trig.kind,
                actors=actors,
                organization=org,
                date=None if value is None else str(value),
                precision=None if value is None else value.precision,
                date_text=None if when is None else when.text,
                sentence=s,
                sentence_index=sent.index,
                span=(sent.start, sent.end),
                trigger=trig.text,
                trigger_span=(sent.start + trig.start, sent.start + trig.end),
                certainty="inferred" if reasons else "single_source",
                reasons=reasons,
            )
            key = (cand.kind, frozenset(actors), cand.date)
            if key in seen:
                continue
            seen.add(key)
            (dated if cand.date is not None else undated).append(cand)
        previous = (sent, dates)
    return dated, undated
