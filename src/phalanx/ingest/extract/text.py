"""Sentences and clauses of an article, with their character spans.

Every line break ends a sentence (headings and captions stand alone) and a blank line ends
a paragraph. Within a line a sentence ends at ``.``, ``!`` or ``?`` (and closing quotes or
brackets) followed by space and a capital, a digit or a quote, except after an abbreviation
("U.S.", "Sept.", "St.") or an initial. Patterns run on google-re2, which matches in linear
time, because the text is untrusted.

>>> [s.text for s in split_sentences("The U.S. agreed. Then it left!\\nNext")]
['The U.S. agreed.', 'Then it left!', 'Next']
"""

from __future__ import annotations

from dataclasses import dataclass

import re2

__all__ = ["Sentence", "split_sentences", "clauses"]

_END = re2.compile(r"[.!?]+[\"'”’)\]]*\s+")
_LAST_WORD = re2.compile(r"(\S+)$")
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr st gen col lt sgt maj capt prof rep sen gov pres jan feb mar apr jun jul "
    "aug sep sept oct nov dec no vs etc approx inc ltd co corp art e.g i.e u.s u.n u.k "
    "e.u u.s.a".split()
)
_CLAUSE_BREAK = re2.compile(
    r"\s*[;()\[\]—–]\s*|,\s+(?:but|while|whereas|although|though|when|which|and then)\s+|"
    r",\s+and\s+(?:then|the|it|they|later|also)\b\s*|\s+(?:but|while|whereas)\s+"
)


@dataclass(frozen=True)
class Sentence:
    """A sentence: its text, its span ``[start, end)`` in the article (characters), its
    0-based index and the 0-based index of its paragraph."""

    text: str
    start: int
    end: int
    index: int
    paragraph: int


def _splits_here(line: str, dot: int, after: int) -> bool:
    """Whether the end mark at ``dot`` (followed by text at ``after``) ends a sentence."""
    if after >= len(line):
        return True
    nxt = line[after]
    if not (nxt.isupper() or nxt.isdigit() or nxt in "\"'“‘("):
        return False
    if line[dot] != ".":
        return True
    m = _LAST_WORD.search(line[: dot + 1])
    word = (m.group(1) if m else "").strip("\"'“‘(").rstrip(".").lower()
    if word in _ABBREVIATIONS:
        return False
    return not (len(word) == 1 and word.isalpha())  # an initial: "J. Smith"


def split_sentences(text: str) -> list[Sentence]:
    """The sentences of ``text`` in order, empty lines skipped."""
    out: list[Sentence] = []
    paragraph, blank, pos = 0, False, 0
    for raw in text.splitlines(keepends=True):
        line = raw.rstrip("\r\n")
        base = pos
        pos += len(raw)
        if not line.strip():
            blank = True
            continue
        if blank and out:
            paragraph += 1
        blank = False
        start = 0
        for m in _END.finditer(line):
            if _splits_here(line, m.start(), m.end()):
                _add(out, line, base, start, m.end(), paragraph)
                start = m.end()
        _add(out, line, base, start, len(line), paragraph)
    return out


def _add(out: list[Sentence], line: str, base: int, start: int, end: int, para: int) -> None:
    piece = line[start:end]
    lead = len(piece) - len(piece.lstrip())
    piece = piece.strip()
    if piece:
        s = base + start + lead
        out.append(Sentence(piece, s, s + len(piece), len(out), para))


def clauses(sentence: str) -> list[tuple[int, int]]:
    """The clauses of a sentence as spans ``[start, end)``: split at semicolons, brackets,
    dashes and at "but", "while", "when", "which" after a comma.

    >>> s = "in 2005, Uzbekistan rejoined, but withdrew (again) in 2012"
    >>> [s[a:b] for a, b in clauses(s)]
    ['in 2005, Uzbekistan rejoined', 'withdrew', 'again', 'in 2012']
    """
    spans, start = [], 0
    for m in _CLAUSE_BREAK.finditer(sentence):
        if m.start() > start:
            spans.append((start, m.start()))
        start = m.end()
    if start < len(sentence):
        spans.append((start, len(sentence)))
    return spans or [(0, len(sentence))]
