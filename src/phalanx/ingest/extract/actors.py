"""Actor mentions: the knowledge base's names and aliases, and a table of metonyms.

Names and aliases come from the package's ``actors`` table (so a second alliance's package
brings its own). Demonyms and capitals that stand for a state ("Kazakh", "Moscow") come
from ``data/extract/metonyms.csv`` (each row cites its source in
``metonym-sources.csv``); a metonym is keyed by the actor's *name*, so "German" finds the
package's Germany, whatever its id. A mention found only through that table is marked
``via="metonym"``: the candidate that uses it is then ``inferred``.

Matching is case-sensitive on whole words ("US" is not "us"), longest name first, on
google-re2.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Literal

import re2

if TYPE_CHECKING:
    from phalanx.kb import KnowledgeBase

__all__ = ["ActorMention", "Lexicon", "metonyms"]

Via = Literal["name", "alias", "metonym"]


@dataclass(frozen=True)
class ActorMention:
    """An actor named in a text: span ``[start, end)``, the words, the actor id, whether
    the actor is an organisation of the package, and how it was found."""

    start: int
    end: int
    text: str
    actor: str
    organization: bool
    via: Via


def metonyms() -> list[dict[str, str]]:
    """The shipped table of demonyms and capitals: metonym, actor_name, kind, source."""
    text = resources.files("phalanx.data").joinpath("extract/metonyms.csv").read_text("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


class Lexicon:
    """Surface forms -> actor ids, and a matcher for them.

    ``forms``: (surface form, actor id, via); ``organizations``: actor ids that are
    organisations of the package (their mentions say ``organization=True``).
    """

    def __init__(self, forms: list[tuple[str, str, Via]], organizations: set[str]):
        self._forms: dict[str, tuple[str, Via]] = {}
        rank = {"name": 0, "alias": 1, "metonym": 2}
        for form, actor, via in forms:
            form = form.strip()
            if len(form) < 2:
                continue
            old = self._forms.get(form)
            if old is None or rank[via] < rank[old[1]]:
                self._forms[form] = (actor, via)
        self.organizations = set(organizations)
        ordered = sorted(self._forms, key=len, reverse=True)
        body = "|".join(re2.escape(f) for f in ordered) or "(?!)"
        # (?:^|\W)(form)(?:\W|$) without lookarounds: re2 has none; \b fails on "U.S."
        self._rx = re2.compile(rf"(?:^|[^\w])({body})(?:[^\w]|$)") if ordered else None

    @classmethod
    def from_kb(cls, kb: KnowledgeBase) -> Lexicon:
        """The lexicon of ``kb``: every actor's name and aliases, an organisation's id
        (acronyms are written in prose as they are), and the metonyms of the actors whose name the table
        knows."""
        rows = kb.query("SELECT id, name, kind, aliases FROM actors ORDER BY id")
        orgs = {r["id"] for r in kb.query("SELECT id FROM organizations")}
        forms: list[tuple[str, str, Via]] = []
        by_name: dict[str, str] = {}
        for r in rows:
            forms.append((r["name"], r["id"], "name"))
            by_name.setdefault(r["name"], r["id"])
            if r["kind"] == "organization" and r["id"].isupper() and len(r["id"]) >= 3:
                forms.append((r["id"], r["id"], "alias"))  # "CSTO", "NATO" are prose; "CAN" is not
            aliases = r["aliases"] or []
            if isinstance(aliases, str):
                aliases = aliases.split(";")
            forms += [(a, r["id"], "alias") for a in aliases if a]
        for m in metonyms():
            if m["actor_name"] in by_name:
                forms.append((m["metonym"], by_name[m["actor_name"]], "metonym"))
        return cls(forms, orgs)

    def find(self, text: str) -> list[ActorMention]:
        """The actor mentions in ``text``, in order, none overlapping.

        >>> lex = Lexicon([("Kazakhstan", "KAZ", "name"), ("Kazakh", "KAZ", "metonym"),
        ...                ("U.S.", "USA", "alias")], set())
        >>> [(m.text, m.actor, m.via) for m in lex.find("Kazakhstan's and Kazakh, U.S. forces")]
        [('Kazakhstan', 'KAZ', 'name'), ('Kazakh', 'KAZ', 'metonym'), ('U.S.', 'USA', 'alias')]
        """
        if self._rx is None:
            return []
        out: list[ActorMention] = []
        pos = 0
        while pos < len(text):
            m = self._rx.search(text, pos)
            if m is None:
                break
            a, b = m.span(1)
            actor, via = self._forms[m.group(1)]
            out.append(ActorMention(a, b, m.group(1), actor, actor in self.organizations, via))
            pos = b  # the closing character may open the next match
        return out
