"""The knowledge base: a validated data package of actors, organisations, memberships,
provisions, relations, events, indicators and votes, held in DuckDB and queried by date.

>>> from phalanx.kb import KnowledgeBase
>>> kb = KnowledgeBase.embedded()
>>> kb.snapshot("2012-06-01").members("CSTO")
['ARM', 'BLR', 'KAZ', 'KGZ', 'RUS', 'TJK', 'UZB']
"""

from __future__ import annotations

import importlib
from typing import Any

# Public names and the module that defines each; imported on first use, so that
# ``from phalanx.kb import parse_query_date`` does not load DuckDB (fast CLI start-up).
_WHERE = {
    "PartialDate": "dates",
    "parse_partial_date": "dates",
    "parse_query_date": "dates",
    "DataPackageError": "errors",
    "Problem": "errors",
    "Package": "package",
    "embedded_path": "package",
    "load_package": "package",
    "validate_package": "package",
    "Snapshot": "snapshot",
    "KnowledgeBase": "store",
    "UnknownIdError": "store",
}


def __getattr__(name: str) -> Any:
    """Import a public name's module when the name is first used."""
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))


__all__ = [
    "DataPackageError",
    "KnowledgeBase",
    "Package",
    "PartialDate",
    "Problem",
    "Snapshot",
    "UnknownIdError",
    "embedded_path",
    "load_package",
    "parse_partial_date",
    "parse_query_date",
    "validate_package",
]
