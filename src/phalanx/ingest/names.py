"""Country names to actor ids, for datasets that name states rather than code them.

SIPRI's files name the recipient and the supplier ("Kazakhstan", "Russia"), and the
unvotes copy of Voeten's votes names the country beside an ISO 3166 alpha-2 code. They are
matched to the knowledge base's actors through each actor's ``id``, ``name`` and
``aliases``, compared without case, accents or punctuation ("Türkiye", "turkiye" and
"TURKIYE" are one name). A name two actors share is left out rather than guessed.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from phalanx.kb.store import KnowledgeBase

__all__ = ["name_key", "actor_names"]


def name_key(name: str) -> str:
    """``name`` folded for matching: lower case, accents dropped, runs of anything that
    is not a letter or a digit made one space.

    >>> name_key("  Türkiye ")
    'turkiye'
    >>> name_key("Bosnia-Herzegovina")
    'bosnia herzegovina'
    """
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


def _index(rows: list[dict]) -> dict[str, str]:
    seen: dict[str, set[str]] = {}
    for a in rows:
        names = [a["id"], a.get("name") or ""]
        aliases = a.get("aliases") or ""
        names += aliases if isinstance(aliases, list) else aliases.split(";")
        for n in names:
            if key := name_key(str(n)):
                seen.setdefault(key, set()).add(a["id"])
    return {k: next(iter(v)) for k, v in seen.items() if len(v) == 1}


@lru_cache(maxsize=1)
def _embedded() -> tuple[tuple[str, str], ...]:
    from phalanx.kb.package import load_package

    return tuple(sorted(_index(list(load_package().rows("actors"))).items()))


def actor_names(kb: KnowledgeBase | None = None) -> dict[str, str]:
    """Folded name (:func:`name_key`) -> actor id, from ``kb``'s actors (the embedded
    package when None): every id, name and alias that names one actor only.

    >>> actor_names()["russian federation"]
    'RUS'
    """
    if kb is None:
        return dict(_embedded())
    return _index(kb.actors())
