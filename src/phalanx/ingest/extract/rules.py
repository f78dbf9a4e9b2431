"""The rules: which words signal which kind of fact, and what makes a signal void.

Each kind has a trigger pattern; membership changes and invocations also need a sign that
an alliance or treaty is meant (an organisation of the package named in the clause, or
words such as "alliance", "treaty", "Article 4"); arms deals need a weapon named after the
verb. A trigger after a negation ("not", "refused to", "voted against") is void, except for
recognition, where it makes a non-recognition; a trigger after a modal ("may", "could",
"threatened to") is void: the article says it might happen, not that it did. A declaration
of war is a statement in the schema, not a clash, so "declared war on" is no trigger. The passive
"is recognised as" states a status, not an act, and is void too.

>>> [(t.kind, t.text) for t in find_triggers("Armenia invoked Article 4 and froze its participation")]
[('invocation', 'invoked'), ('freeze', 'froze its participation')]
"""

from __future__ import annotations

from dataclasses import dataclass

import re2

__all__ = ["FACT_KINDS", "MEMBERSHIP_KINDS", "Trigger", "find_triggers", "negated", "hedged"]

MEMBERSHIP_KINDS = ("accession", "withdrawal", "suspension", "freeze")
"""Membership changes (event kinds of the schema)."""

FACT_KINDS = (
    *MEMBERSHIP_KINDS,
    "invocation",
    "clash",
    "arms_deal",
    "recognition",
    "non_recognition",
)
"""The event kinds the extractor proposes."""

_WEAPON = (
    r"(?:drones?|UAVs?|arms|weapons?|weaponry|missiles?|tanks?|aircraft|helicopters?|"
    r"fighters?|jets?|air[- ]defen[cs]e|artillery|howitzers?|rifles?|ammunition|munitions|"
    r"armou?red vehicles|warships?|submarines?|S-[34]00s?|Bayraktars?|TB2s?)"
)
_OWN = r"(?:its|their|his|her|the country's)\s+"

_TRIGGERS: dict[str, str] = {
    "accession": r"\b(?:re)?join(?:ed|s|ing)?\b|\bacced(?:ed|es|e|ing)\b|\baccession\b|"
    r"\bbec(?:ame|ome|omes) (?:a )?(?:full )?member\b|\badmitted (?:to|into|as)\b",
    "withdrawal": r"\bwithdr(?:ew|awn|aw|aws|awing) from\b|\bwithdrawal from\b|"
    r"\b(?:left|leaves|leave|leaving|quit|quits|exited|exits) the\b|\bpulled out of\b|"
    r"\bdenounc(?:ed|es|e|ing)\b",
    "suspension": rf"\bsuspend(?:ed|s|ing)? {_OWN}?(?:\w+ )?(?:membership|participation|obligations)\b|"
    r"\bsuspension of (?:its |their )?(?:membership|participation)\b",
    "freeze": rf"\bfr(?:oze|ozen|eeze|eezes|eezing) {_OWN}(?:participation|membership|involvement|activities)\b",
    "invocation": r"\binvok(?:ed|es|e|ing)\b|\binvocation of\b|\btrigger(?:ed|s)? Article\b|"
    r"\b(?:asked|requested|appealed to|called on) (?:the )?\S+ (?:for|to provide) "
    r"(?:military |collective )?(?:help|assistance|support|aid)\b|"
    r"\brequest(?:ed|s)? (?:for )?(?:collective |military )?(?:assistance|consultations)\b",
    "clash": r"\bclash(?:es|ed)?\b|\bskirmish(?:es)?\b|\bfighting\b|\bfought\b|"
    r"\battack(?:ed|s)?\b|\binva(?:ded|des|sion)\b|\boffensive\b|\bshell(?:ed|ing)\b|"
    r"\bexchang(?:ed|e of) fire\b|\bhostilities\b|\bwar (?:between|against)\b",
    "arms_deal": r"\b(?:delivered|took delivery of|delivery of|bought|buys|buy|purchased|"
    r"purchases|ordered|orders|sold|sells|supplied|supplies|exported|imported|acquired|"
    r"transferred|(?:signed|sealed|struck) (?:a |an )?(?:\w+ )?(?:deal|contract|agreement)|"
    r"opened (?:a |an )?(?:\w+ )?(?:factory|plant))\b(?:\W+\w+){0,7}?\W+" + _WEAPON + r"\b",
    "recognition": r"\brecogni[sz](?:ed|es|e|ing)\b|\brecognition of\b",
}
_RX = {k: re2.compile("(?i)" + p) for k, p in _TRIGGERS.items()}
_NEGATION = re2.compile(
    r"(?i)\b(?:not|never|no longer|refus\w*|declin\w*|reject\w*|against|none of|"
    r"without|won't|wouldn't|didn't|doesn't|don't)\b|n't\b|\bnon-$"
)
_HEDGE = re2.compile(  # case-sensitive: "May 2022" is a month, "may" a modal
    r"\b(?:may|might|could|would|should|threaten\w*|consider\w*|plan\w*|hop\w*|"
    r"intend\w*|propos\w*|seek\w*|sought|want\w*|if)\b"
)
_PASSIVE = re2.compile(r"(?i)\b(?:is|are|was|were|be|been|being|internationally|widely)\s+$")
_CONTEXT = re2.compile(
    r"(?i)\b(?:alliance|treaty|pact|bloc|organi[sz]ation|union|membership|Article\s+[0-9]+|"
    r"collective security|security obligations)\b"
)


@dataclass(frozen=True)
class Trigger:
    """A signal of a fact: its kind, its span ``[start, end)`` in the sentence, its words."""

    kind: str
    start: int
    end: int
    text: str


def negated(before: str) -> bool:
    """Whether the few words before a trigger negate it ("refused to", "did not").

    >>> negated("Kazakhstan refused to"), negated("Kazakhstan has")
    (True, False)
    """
    return _NEGATION.search(_tail(before, 5)) is not None


def hedged(before: str) -> bool:
    """Whether the few words before a trigger make it a possibility, not a fact."""
    return _HEDGE.search(_tail(before, 4)) is not None


def _tail(text: str, words: int) -> str:
    parts = text.split()
    tail = " ".join(parts[-words:]) if parts else ""
    return tail + (" " if text[-1:].isspace() else "")


def has_context(clause: str) -> bool:
    """Whether a clause speaks of an alliance or treaty (for membership changes and
    invocations, when it names no organisation of the package)."""
    return _CONTEXT.search(clause) is not None


def find_triggers(sentence: str) -> list[Trigger]:
    """Every non-void trigger in ``sentence``, in order of position. A negated
    recognition becomes a ``non_recognition``; other negated or hedged triggers go."""
    out: list[Trigger] = []
    for kind, rx in _RX.items():
        for m in rx.finditer(sentence):
            a, b = m.span()
            before = sentence[:a]
            k = kind
            if kind == "recognition":
                if _PASSIVE.search(_tail(before, 2)):
                    continue
                if negated(before) or before.lower().endswith("non-"):
                    k = "non_recognition"
                elif hedged(before):
                    continue
            elif negated(before) or hedged(before):
                continue
            out.append(Trigger(k, a, b, m.group(0)))
    return sorted(out, key=lambda t: (t.start, t.kind))
