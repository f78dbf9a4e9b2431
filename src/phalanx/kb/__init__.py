"""The knowledge base: a validated data package of actors, organisations, memberships,
provisions, relations, events, indicators and votes, held in DuckDB and queried by date.

>>> from phalanx.kb import KnowledgeBase
>>> kb = KnowledgeBase.embedded()
>>> kb.snapshot("2012-06-01").members("CSTO")
['ARM', 'BLR', 'KAZ', 'KGZ', 'RUS', 'TJK', 'UZB']
"""

from phalanx.kb.dates import PartialDate, parse_partial_date, parse_query_date
from phalanx.kb.errors import DataPackageError, Problem
from phalanx.kb.package import Package, embedded_path, load_package, validate_package
from phalanx.kb.snapshot import Snapshot
from phalanx.kb.store import KnowledgeBase, UnknownIdError

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
