"""Readers for the field's datasets, each streaming a CSV file through DuckDB.

One module per dataset: :mod:`~phalanx.ingest.atop` (ATOP directed dyad-years),
:mod:`~phalanx.ingest.nmc` (COW National Material Capabilities, two layouts),
:mod:`~phalanx.ingest.mid` (COW MID 5 dispute dyad-years),
:mod:`~phalanx.ingest.rivalries` (Thompson-Dreyer strategic rivalries),
:mod:`~phalanx.ingest.majors` (COW major powers), :mod:`~phalanx.ingest.states` (COW state
system), and :mod:`~phalanx.ingest.common` (the shared reading, checking and provenance).

Every reader has one shape::

    read_x(con, path, *, table="x", version=None) -> Loaded

It reads ``path`` into the temporary table ``table`` of the DuckDB connection ``con`` and
returns a :class:`~phalanx.ingest.common.Loaded`: ``relation`` (the DuckDB relation of that
table), ``table`` and ``source`` (dataset, version, file name, sha256, rows read). Bad
input is a :class:`~phalanx.errors.UserError` naming the file and, where known, the line
and column. DuckDB is imported inside the readers.
"""

__all__: list[str] = []
