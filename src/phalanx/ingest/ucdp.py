"""UCDP/PRIO Armed Conflict Dataset (ACD) and UCDP Georeferenced Event Dataset (GED).

**ACD** (conflict-years, a few thousand rows): ``conflict_id``, ``year``, the
Gleditsch-Ward codes of the states on each side (``gwno_a``, ``gwno_b``) and of the states
supporting a side with troops (``gwno_a_2nd``, ``gwno_b_2nd``), each a comma-separated
list in UCDP's own file ("2, 200, 900"), ``intensity_level`` (1: 25-999 battle deaths in
the year, 2: 1,000 or more), ``type_of_conflict`` (1 extrasystemic, 2 interstate, 3
intrastate, 4 internationalised intrastate; peacesciencer's copy writes these as text,
"II" for the last) and the conflict's and episode's start dates with their precision
(``start_date``/``start_prec``, ``start_date2``/``start_prec2``), ``ep_end`` (1 when the
episode ended that year) and ``ep_end_date``. Both UCDP's CSV (27 columns, names of the
sides, codes as numbers) and peacesciencer's processed copy (15 columns, numbers written
``2012.0``, one row per state of a list) are read. :func:`read_ucdp_acd` loads it whole:
it is small.

**GED** (events; hundreds of thousands of rows, files of gigabytes): 49 columns in the
current releases (FACTS.md section B); older releases lack ``gwnoa``/``gwnob``, and
those columns, like the other descriptive ones, are optional. Text fields (the source
articles) hold quoted newlines, commas and doubled quotes. :func:`read_ucdp_ged` never
loads the file: DuckDB streams it through ``read_csv`` twice, once to count and check
every row, once to keep only the events asked for (years, violence types, states), so
memory is bounded by :func:`bounded_connection`'s limit and the rows kept, not by the
file. ``date_prec`` (1 exact day, 2 a range of 2-6 days, 3 a week, 4 a month, 5 a year or
longer) is kept as the precision of the event's dates.

The importers ``ucdp-acd`` and ``ucdp-ged`` (:func:`import_acd`, :func:`import_ged`) map
the tables to data-package rows: interstate conflict-years to ``armed_conflict``
relations, state-based GED events to ``clash`` events. ``docs/ingest.md`` describes them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from phalanx.errors import UserError
from phalanx.ingest.common import (
    Check,
    Layout,
    Loaded,
    Source,
    _duckdb_error,
    _literal,
    _sha256,
    checked_header,
    read_header,
    read_table,
    shown_path,
)

if TYPE_CHECKING:
    import duckdb

    from phalanx.ingest.rows import PackageRows

__all__ = [
    "ACD_LAYOUT",
    "GED_LAYOUT",
    "GED_MAX_BYTES",
    "bounded_connection",
    "read_ucdp_acd",
    "read_ucdp_ged",
    "partial_date",
    "acd_precision",
    "ged_precision",
    "next_day",
    "version_from_name",
    "codes_of_actors",
    "map_acd",
    "map_ged",
    "import_acd",
    "import_ged",
]

GED_MAX_BYTES = 1024**4
"""Largest GED file read (1 TiB): the file is streamed, so its size is no memory bound."""

_NUM = "DOUBLE"  # the processed copies write whole numbers as 2012.0
_TEXT = "VARCHAR"


def _whole(column: str, what: str) -> Check:
    return Check(column, f"{column} = floor({column})", f"{what} (a whole number)")


def _day_check(column: str) -> Check:
    return Check(
        column,
        f"{column} IS NULL OR try_strptime(left({column}, 10), '%Y-%m-%d') IS NOT NULL",
        "a date written YYYY-MM-DD (or empty)",
    )


def _codes_check(column: str) -> Check:
    """Every item of the comma-separated list of state codes in ``column`` is a number."""
    return Check(
        column,
        f"len(list_filter(string_split({column}, ','), lambda x: "
        f"try_cast(trim(x) AS DOUBLE) IS NULL OR try_cast(trim(x) AS DOUBLE) NOT BETWEEN 1 "
        f"AND 999)) = 0",
        "Gleditsch-Ward state codes (1-999), several separated by commas",
    )


_TYPE_SQL = (
    "CASE lower(trim(type_of_conflict)) "
    "WHEN '1' THEN 1 WHEN '1.0' THEN 1 WHEN 'extrasystemic' THEN 1 "
    "WHEN '2' THEN 2 WHEN '2.0' THEN 2 WHEN 'interstate' THEN 2 "
    "WHEN '3' THEN 3 WHEN '3.0' THEN 3 WHEN 'intrastate' THEN 3 "
    "WHEN '4' THEN 4 WHEN '4.0' THEN 4 WHEN 'ii' THEN 4 "
    "WHEN 'internationalized intrastate' THEN 4 WHEN 'internationalised intrastate' THEN 4 "
    "END"
)
_INCOMPATIBILITY_SQL = (
    "CASE lower(trim(incompatibility)) WHEN '1' THEN 'territory' WHEN '1.0' THEN 'territory' "
    "WHEN '2' THEN 'government' WHEN '2.0' THEN 'government' WHEN '3' THEN 'both' "
    "WHEN '3.0' THEN 'both' ELSE lower(trim(incompatibility)) END"
)

ACD_LAYOUT = Layout(
    dataset="UCDP/PRIO ACD",
    version="25.1",
    columns={
        "conflict_id": _NUM,
        "year": _NUM,
        "gwno_a": _TEXT,
        "gwno_b": _TEXT,
        "intensity_level": _NUM,
        "type_of_conflict": _TEXT,
        "start_date": _TEXT,
        "start_prec": _NUM,
        "start_date2": _TEXT,
        "start_prec2": _NUM,
        "ep_end": _NUM,
        "ep_end_date": _TEXT,
    },
    optional={
        "gwno_a_2nd": _TEXT,
        "gwno_b_2nd": _TEXT,
        "incompatibility": _TEXT,
        "ep_end_prec": _NUM,
        "location": _TEXT,
        "side_a": _TEXT,
        "side_b": _TEXT,
        "territory_name": _TEXT,
        "region": _TEXT,
        "version": _TEXT,
    },
    required=("conflict_id", "year", "intensity_level", "type_of_conflict"),
    checks=(
        _whole("conflict_id", "a conflict id"),
        _whole("year", "a year"),
        Check("intensity_level", "intensity_level IN (1, 2)", "an intensity level, 1 or 2"),
        Check(
            "type_of_conflict",
            f"{_TYPE_SQL} IS NOT NULL",
            "a type of conflict: 1-4, or extrasystemic, interstate, intrastate, II",
        ),
        Check("ep_end", "ep_end IN (0, 1)", "0 or 1"),
        *(_whole(c, "a precision code") for c in ("start_prec", "start_prec2", "ep_end_prec")),
        *(_day_check(c) for c in ("start_date", "start_date2", "ep_end_date")),
        *(_codes_check(c) for c in ("gwno_a", "gwno_b", "gwno_a_2nd", "gwno_b_2nd")),
    ),
)
"""The ACD columns read; the other columns of UCDP's file are read as text and dropped."""


def _code_list(column: str) -> str:
    """SQL: the comma-separated codes of ``column`` as a BIGINT list (empty when NULL)."""
    return (
        f"coalesce(list_transform(list_filter(string_split({column}, ','), "
        f"lambda x: trim(x) <> ''), lambda x: CAST(CAST(trim(x) AS DOUBLE) AS BIGINT)), "
        f"[]::BIGINT[])"
    )


def read_ucdp_acd(
    con: duckdb.DuckDBPyConnection,
    path: str | Path,
    *,
    table: str = "ucdp_acd",
    version: str | None = None,
) -> Loaded:
    """Read a UCDP/PRIO ACD file (UCDP's CSV or peacesciencer's copy) into ``table``.

    The table has one row per row of the file (duplicates kept): ``conflict_id``,
    ``year``, ``intensity_level``, ``type_of_conflict`` (the code 1-4), ``incompatibility``
    (territory, government or both), ``codes_a``, ``codes_b``, ``codes_a_2nd``,
    ``codes_b_2nd`` (the state codes as BIGINT lists, comma-separated lists split),
    ``side_a``, ``side_b``, ``location`` (NULL when the file lacks them), the dates as
    ``YYYY-MM-DD`` text with their precision codes, and ``ep_end`` (0/1). ``version``
    defaults to the file's ``version`` column, else ``"25.1"``. O(rows).
    """
    raw = f"{table}_raw"
    loaded = read_table(con, path, ACD_LAYOUT, table=raw, version=version)
    if version is None:
        from phalanx.ingest.common import version_from_column

        loaded = version_from_column(con, loaded)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {table} AS SELECT
            CAST(conflict_id AS BIGINT) AS conflict_id, CAST(year AS BIGINT) AS year,
            CAST(intensity_level AS BIGINT) AS intensity_level,
            {_TYPE_SQL} AS type_of_conflict, {_INCOMPATIBILITY_SQL} AS incompatibility,
            {_code_list("gwno_a")} AS codes_a, {_code_list("gwno_b")} AS codes_b,
            {_code_list("gwno_a_2nd")} AS codes_a_2nd, {_code_list("gwno_b_2nd")} AS codes_b_2nd,
            side_a, side_b, location,
            left(start_date, 10) AS start_date, CAST(start_prec AS BIGINT) AS start_prec,
            left(start_date2, 10) AS start_date2, CAST(start_prec2 AS BIGINT) AS start_prec2,
            CAST(ep_end AS BIGINT) AS ep_end, left(ep_end_date, 10) AS ep_end_date,
            CAST(ep_end_prec AS BIGINT) AS ep_end_prec
        FROM {raw}"""
    )
    con.execute(f"DROP TABLE {raw}")
    return Loaded(con.table(table), table, loaded.source)


# -- GED ---------------------------------------------------------------------------------

_GED_NUMBERS = (
    "id",
    "year",
    "type_of_violence",
    "conflict_new_id",
    "dyad_new_id",
    "where_prec",
    "country_id",
    "date_prec",
    "best",
    "high",
    "low",
)
_GED_TEXT = ("conflict_name", "side_a", "side_b", "country", "date_start", "date_end")
_GED_OPTIONAL_NUMBERS = (
    "active_year",
    "conflict_dset_id",
    "dyad_dset_id",
    "side_a_dset_id",
    "side_a_new_id",
    "side_b_dset_id",
    "side_b_new_id",
    "number_of_sources",
    "latitude",
    "longitude",
    "priogrid_gid",
    "event_clarity",
    "deaths_a",
    "deaths_b",
    "deaths_civilians",
    "deaths_unknown",
)
_GED_OPTIONAL_TEXT = (
    "relid",
    "code_status",
    "dyad_name",
    "source_article",
    "source_office",
    "source_date",
    "source_headline",
    "source_original",
    "where_coordinates",
    "where_description",
    "adm_1",
    "adm_2",
    "geom_wkt",
    "region",
    "gwnoa",
    "gwnob",
)

GED_LAYOUT = Layout(
    dataset="UCDP GED",
    version="25.1",
    columns={
        **{c: _NUM for c in _GED_NUMBERS},
        **{c: _TEXT for c in _GED_TEXT},
    },
    optional={
        **{c: _NUM for c in _GED_OPTIONAL_NUMBERS},
        **{c: _TEXT for c in _GED_OPTIONAL_TEXT},
    },
    required=("id", "year", "type_of_violence", "date_prec", "date_start", "best"),
    checks=(
        _whole("id", "an event id"),
        _whole("year", "a year"),
        Check("type_of_violence", "type_of_violence IN (1, 2, 3)", "a type of violence, 1-3"),
        Check("date_prec", "date_prec IN (1, 2, 3, 4, 5)", "a date precision, 1-5"),
        Check("best", "best >= 0", "a number of deaths (0 or more)"),
        _day_check("date_start"),
        _day_check("date_end"),
        _codes_check("gwnoa"),
        _codes_check("gwnob"),
    ),
)
"""The GED columns read. ``gwnoa``/``gwnob`` are optional: releases before they were
added lack them."""

# the columns the GED table keeps (text and numbers the mapping uses)
_GED_KEEP = (
    "id",
    "relid",
    "year",
    "type_of_violence",
    "conflict_new_id",
    "conflict_name",
    "dyad_new_id",
    "side_a",
    "side_b",
    "where_prec",
    "where_description",
    "adm_1",
    "latitude",
    "longitude",
    "country",
    "country_id",
    "date_prec",
    "deaths_a",
    "deaths_b",
    "deaths_civilians",
    "deaths_unknown",
    "best",
    "high",
    "low",
)


@contextlib.contextmanager
def bounded_connection(
    memory_limit: str = "1GB", threads: int | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A DuckDB connection whose memory is bounded: ``memory_limit`` (DuckDB's syntax,
    e.g. ``"1GB"``), spilling to a temporary folder that is removed on exit, insertion
    order not kept (so scans stream), no progress bar of DuckDB's own (the CLI draws one),
    ``threads`` workers (default: DuckDB's)."""
    import duckdb

    if not re.fullmatch(r"\d+(\.\d+)?\s*(KB|MB|GB|KiB|MiB|GiB)", memory_limit):
        raise UserError(
            f"memory limit {memory_limit!r} is not a size such as 512MB or 2GB",
            field="memory_limit",
        )
    with tempfile.TemporaryDirectory(prefix="phalanx-duckdb-") as folder:
        con = duckdb.connect()
        try:
            con.execute(f"SET memory_limit = {_literal(memory_limit)}")
            con.execute(f"SET temp_directory = {_literal(folder)}")
            con.execute("SET preserve_insertion_order = false")
            con.execute("SET enable_progress_bar = false")  # it would write to stdout
            if threads is not None:
                con.execute(f"SET threads = {int(threads)}")
            yield con
        finally:
            con.close()


def _ged_scan(path: Path, header: list[str]) -> tuple[str, dict[str, str]]:
    """The ``read_csv(...)`` SQL of a GED file, every column's type given, and the types."""
    wanted = {**GED_LAYOUT.columns, **GED_LAYOUT.optional}
    types = {c: wanted.get(c, _TEXT) for c in header}
    struct = "{" + ", ".join(f"{_literal(c)}: {_literal(t)}" for c, t in types.items()) + "}"
    scan = (
        f"read_csv({_literal(str(path))}, header = true, delim = ',', quote = '\"', "
        f"escape = '\"', columns = {struct}, nullstr = ['', 'NA'], auto_detect = false, "
        f"max_line_size = 16777216)"
    )
    return scan, types


def _ged_filter(
    years: tuple[int, int] | None, codes: Iterable[int] | None, violence: Iterable[int]
) -> str:
    """SQL condition on the (projected) GED row: its year, violence type and states."""
    parts = [f"type_of_violence IN ({', '.join(str(int(v)) for v in violence)})"]
    if years is not None:
        parts.append(f"year BETWEEN {int(years[0])} AND {int(years[1])}")
    if codes is not None:
        listed = ", ".join(str(int(c)) for c in sorted(set(codes))) or "NULL"
        parts.append(f"list_has_any(codes_a || codes_b || [country_id], [{listed}]::BIGINT[])")
    return " AND ".join(parts)


def read_ucdp_ged(
    con: duckdb.DuckDBPyConnection,
    path: str | Path,
    *,
    table: str = "ucdp_ged",
    version: str | None = None,
    years: tuple[int, int] | None = None,
    codes: Iterable[int] | None = None,
    violence: Iterable[int] = (1, 2, 3),
    progress: Callable[[int], None] | None = None,
) -> Loaded:
    """Stream the UCDP GED file ``path`` and keep the events asked for in ``table``.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        Use :func:`bounded_connection` for a memory bound and a spill folder.
    path : str or Path
        A GED CSV file (any size up to :data:`GED_MAX_BYTES`).
    years : (first, last), optional
        Keep events of these years (inclusive).
    codes : iterable of int, optional
        Keep events with one of these Gleditsch-Ward codes in ``gwnoa``/``gwnob`` or as
        the country where they happened (``country_id``).
    violence : iterable of int
        UCDP's types kept: 1 state-based, 2 non-state, 3 one-sided (default all).
    progress : callable, optional
        Called with the bytes of the file done so far (a third for each of the two
        DuckDB passes and the hash), for a progress bar.

    Returns
    -------
    Loaded
        ``table`` holds the kept events: the columns in ``_GED_KEEP`` (whole numbers as
        BIGINT; NULL where the file lacks an optional column), ``codes_a``/``codes_b``
        (``gwnoa``/``gwnob`` split into BIGINT lists; empty when absent), and the dates
        ``date_start``/``date_end`` as ``YYYY-MM-DD`` text. ``source.rows`` counts every
        event of the file, not only those kept.

    Raises
    ------
    UserError
        As :func:`~phalanx.ingest.common.read_table`: the file, the layout (expected and
        found columns), a value of the wrong type (line and column), a missing key value
        or a value outside its codes (with the count of such rows and the first event's
        id).

    Cost: two streaming passes of DuckDB over the file and one of Python (the sha256);
    memory of the rows kept plus DuckDB's buffers (its ``memory_limit``).
    """
    import duckdb

    p = Path(path)
    shown = shown_path(p)
    header = checked_header(p, GED_LAYOUT, GED_MAX_BYTES)
    scan, types = _ged_scan(p, header)
    wanted = {**GED_LAYOUT.columns, **GED_LAYOUT.optional}
    cols = [
        f'"{c}"' if c in header else f'CAST(NULL AS {wanted[c]}) AS "{c}"'
        for c in [*_GED_KEEP, "gwnoa", "gwnob", "date_start", "date_end"]
    ]
    source_sql = f"SELECT {', '.join(cols)} FROM {scan}"
    # pass 1: count every row and every broken rule, streaming (no table)
    rules = [(n, f'"{n}" IS NOT NULL', "a value") for n in GED_LAYOUT.required]
    rules += [(c.column, c.sql, c.expected) for c in GED_LAYOUT.checks]
    aggregates = ["count(*)"] + [
        f"count(*) FILTER (WHERE NOT coalesce({sql}, TRUE)), "
        f"min(id) FILTER (WHERE NOT coalesce({sql}, TRUE)), "
        f'CAST(any_value("{col}") FILTER (WHERE NOT coalesce({sql}, TRUE)) AS VARCHAR)'
        for col, sql, _ in rules
    ]
    try:
        counted = con.execute(f"SELECT {', '.join(aggregates)} FROM ({source_sql})").fetchone()
    except duckdb.Error as e:
        raise _duckdb_error(e, GED_LAYOUT, types, shown) from None
    size = p.stat().st_size
    if progress is not None:
        progress(size // 3)
    total = int(counted[0])
    if total == 0:
        raise UserError("has a header but no data rows; expected UCDP GED rows", file=shown)
    for i, (col, _, expected) in enumerate(rules):
        bad, first, value = counted[1 + 3 * i : 4 + 3 * i]
        if bad:
            event = f"event id {first:g}" if first is not None else "an event without an id"
            holds = "no value" if value is None else f"{value!r}"
            raise UserError(
                f"{bad} data row(s) break the rule for this column, the first ({event}) "
                f"holding {holds}; expected {expected}",
                file=shown,
                field=col,
            )
    # pass 2: keep the events asked for, streaming
    keep = ", ".join(
        f'CAST("{c}" AS BIGINT) AS "{c}"'
        if wanted[c] == _NUM and c not in ("latitude", "longitude")
        else f'"{c}"'
        for c in _GED_KEEP
    )
    projected = (
        f"SELECT {keep}, {_code_list('gwnoa')} AS codes_a, {_code_list('gwnob')} AS codes_b, "
        f"left(date_start, 10) AS date_start, left(date_end, 10) AS date_end "
        f"FROM ({source_sql})"
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM ({projected}) "
        f"WHERE {_ged_filter(years, codes, violence)}"
    )
    if progress is not None:
        progress(2 * size // 3)
    digest = _sha256_progress(p, progress, 2 * size // 3)
    source = Source(GED_LAYOUT.dataset, version or GED_LAYOUT.version, p.name, digest, total)
    return Loaded(con.table(table), table, source)


def _sha256_progress(path: Path, progress: Callable[[int], None] | None, base: int) -> str:
    """The file's sha256, reporting ``base`` plus a third of the bytes hashed so far."""
    if progress is None:
        return _sha256(path)
    import hashlib

    digest, done = hashlib.sha256(), 0
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 24), b""):
            digest.update(block)
            done += len(block)
            progress(base + done // 3)
    return digest.hexdigest()


# -- dates -------------------------------------------------------------------------------


def partial_date(day: str | None, precision: str) -> str | None:
    """The ISO day ``day`` (``YYYY-MM-DD``) written at ``precision`` (day, month, year).

    >>> partial_date("2022-09-14", "month"), partial_date("2022-09-14", "year")
    ('2022-09', '2022')
    """
    if day is None:
        return None
    return {"day": day[:10], "month": day[:7], "year": day[:4]}[precision]


def ged_precision(code: int | None) -> str:
    """The partial-date precision of GED's ``date_prec``: 1-3 (the day, or a range of up
    to a week that ``date_start``..``date_end`` spans) -> day; 4 (a month) -> month; 5 (a
    year or longer) -> year.

    >>> [ged_precision(c) for c in (1, 3, 4, 5)]
    ['day', 'day', 'month', 'year']
    """
    if code is None or code <= 3:
        return "day"
    return "month" if code == 4 else "year"


def acd_precision(code: int | None) -> str:
    """The partial-date precision of an ACD ``start_prec``: 1 (the exact day) -> day;
    2-4 (known within weeks or a month) -> month; 5 and above (the year or less) -> year.
    The coarser precision is taken wherever the codebook's grade might not fit a day.

    >>> [acd_precision(c) for c in (1, 2, 4, 5, 7)]
    ['day', 'month', 'month', 'year', 'year']
    """
    if code is None or code <= 1:
        return "day"
    return "month" if code <= 4 else "year"


def next_day(day: str) -> str:
    """The ISO day after ``day`` (``YYYY-MM-DD``): exclusive ends of relations.

    >>> next_day("2022-12-31")
    '2023-01-01'
    """
    return (dt.date.fromisoformat(day[:10]) + dt.timedelta(days=1)).isoformat()


def version_from_name(name: str) -> str | None:
    """The UCDP version in a file name (``GEDEvent_v25_1.csv`` -> ``"25.1"``), if any.

    >>> version_from_name("UcdpPrioConflict_v25_1.csv"), version_from_name("ged.csv")
    ('25.1', None)
    """
    m = re.search(r"v(\d{1,2})[_.-](\d{1,2})(?!\d)", name)
    return f"{m.group(1)}.{m.group(2)}" if m else None


# -- importers ---------------------------------------------------------------------------

_ACD_URL = "https://ucdp.uu.se/downloads/index.html#armedconflict"
_GED_URL = "https://ucdp.uu.se/downloads/index.html#ged_global"


def _clean(text: str | None) -> str | None:
    """UCDP's free text without the stray separators at its ends ("Shali," -> "Shali")."""
    return text.strip(" ,;") or None if text else None


def _state_name(side: str | None, codes: list[int]) -> str | None:
    """A state's name from UCDP's side text ("Government of Russia (Soviet Union)"), when
    the side is one state; else None."""
    if not side or len(codes) != 1 or "," in side:
        return None
    name = re.sub(r"^Government of\s+", "", side.strip())
    return name or None


def codes_of_actors(actors: list[str] | None) -> set[int] | None:
    """The state codes of the actor ids ``actors`` (None: no filter), through the
    embedded actors' ``cow_code`` and the ``COW<code>`` ids importers make.

    Raises a UserError naming an actor that has no code (UCDP rows are matched by code).
    """
    if actors is None:
        return None
    from phalanx.ingest.rows import actor_codes

    by_id: dict[str, int] = {}
    for code, actor in actor_codes().items():
        by_id.setdefault(actor, code)
    out: set[int] = set()
    for a in actors:
        if a in by_id:
            out.add(by_id[a])
        elif (m := re.fullmatch(r"COW(\d{1,3})", a)) and 1 <= int(m.group(1)) <= 999:
            out.add(int(m.group(1)))
        else:
            raise UserError(
                f"actor {a!r} has no COW/Gleditsch-Ward code in the knowledge base; UCDP "
                "rows are matched by state code: give actor ids with a cow_code (e.g. RUS) "
                "or COW<code>",
                field="--actors",
            )
    return out


def _years(start: int | None, end: int | None) -> tuple[int, int] | None:
    if start is None and end is None:
        return None
    first, last = start if start is not None else -9999, end if end is not None else 9999
    if last < first:
        raise UserError(f"the last year ({last}) is before the first ({first})", field="to")
    return first, last


def _source(source: Source, kind: str, what: str, url: str) -> dict[str, Any]:
    from phalanx.ingest.rows import source_row

    return source_row(
        source,
        id=f"{kind}-{source.version}-{source.sha256[:8]}",
        citation=f"Uppsala Conflict Data Program, {what}, version {source.version}",
        url=url,
    )


def _codes_text(codes: Iterable[int]) -> str:
    return ", ".join(str(c) for c in codes) or "none"


def map_acd(
    con: duckdb.DuckDBPyConnection,
    loaded: Loaded,
    *,
    actors: list[str] | None = None,
    start: int | None = None,
    end: int | None = None,
) -> PackageRows:
    """The ``armed_conflict`` relations of the interstate conflict-years of an ACD table.

    One relation per conflict, year and pair of states on opposite primary sides
    (``codes_a`` x ``codes_b``), id ``ucdp-acd-<conflict_id>-<year>-<code a>-<code b>``:
    intensity 1.0 for intensity level 2 (1,000 or more battle deaths in the year) and
    0.6 for level 1 (25-999), as ``docs/data.md`` codes armed conflicts. The tie starts on
    1 January, or on the episode's start (``start_date2``, at its precision) in the
    episode's first year, and ends on the day after ``ep_end_date`` in a year the episode
    ended, else on 1 January of the next year; a conflict still running in the file's last
    year stays open. Supporting states (``*_2nd``) are named in the note, not made
    parties. Duplicated rows (peacesciencer's split lists) give one relation.
    """
    from phalanx.ingest.rows import ActorResolver, PackageRows

    src = _source(loaded.source, "ucdp-acd", "UCDP/PRIO Armed Conflict Dataset", _ACD_URL)
    acts = ActorResolver(src["id"])
    wanted = codes_of_actors(actors)
    span = _years(start, end)
    last_year = con.execute(f"SELECT max(year) FROM {loaded.table}").fetchone()[0]
    rows = con.execute(
        f"SELECT conflict_id, year, intensity_level, type_of_conflict, incompatibility, "
        f"codes_a, codes_b, codes_a_2nd, codes_b_2nd, side_a, side_b, location, "
        f"start_date2, start_prec2, ep_end, ep_end_date, ep_end_prec "
        f"FROM {loaded.table} ORDER BY conflict_id, year"
    ).fetchall()
    relations: dict[str, dict[str, Any]] = {}
    other_types = 0
    for (
        cid, year, level, kind, incompatibility, codes_a, codes_b, a2, b2, side_a, side_b,
        location, start2, prec2, ep_end, ep_end_date, ep_end_prec,
    ) in rows:  # fmt: skip
        if kind != 2:
            other_types += 1
            continue
        if span is not None and not span[0] <= year <= span[1]:
            continue
        if start2 is not None and int(start2[:4]) == year:
            first = partial_date(start2, acd_precision(prec2))
        else:
            first = f"{year}-01-01"
        if ep_end == 1 and ep_end_date is not None:
            stop = (
                next_day(ep_end_date)
                if acd_precision(ep_end_prec) == "day"
                else partial_date(ep_end_date, acd_precision(ep_end_prec))
            )
        else:
            stop = None if year == last_year else f"{year + 1}-01-01"
        for a in codes_a:
            for b in codes_b:
                if a == b or (wanted is not None and not {a, b} & wanted):
                    continue
                rid = f"ucdp-acd-{cid}-{year}-{a}-{b}"
                if rid in relations:  # a duplicated row: merge the supporters it names
                    relations[rid]["_2nd"][0].update(a2)
                    relations[rid]["_2nd"][1].update(b2)
                    continue
                relations[rid] = {
                    "id": rid,
                    "actor_a": acts.resolve(a, _state_name(side_a, codes_a)),
                    "actor_b": acts.resolve(b, _state_name(side_b, codes_b)),
                    "kind": "armed_conflict",
                    "directed": False,
                    "sign": -1,
                    "intensity": 1.0 if level == 2 else 0.6,
                    "start": first,
                    "end": stop,
                    "certainty": "single_source",
                    "_2nd": (set(a2), set(b2)),
                    "_text": (
                        f"UCDP/PRIO ACD {loaded.source.version}, conflict {cid}, {year}: "
                        f"interstate, intensity level {level} "
                        f"({'1,000 or more' if level == 2 else '25-999'} battle deaths in the "
                        f"year); incompatibility {incompatibility or 'not given'}"
                        + (f"; location {location}" if location else "")
                        + f"; G-W codes {a} (side A) and {b} (side B)"
                    ),
                    "sources": [src["id"]],
                }
    out = []
    for r in relations.values():
        a2, b2 = r.pop("_2nd")
        text = r.pop("_text")
        if a2 or b2:
            text += (
                f"; states supporting with troops: side A {_codes_text(sorted(a2))}, "
                f"side B {_codes_text(sorted(b2))}"
            )
        out.append({**r, "note": text + "."})
    notes = [
        f"{len(out)} armed_conflict relation(s) from the interstate conflict-years of "
        f"{loaded.source.file}."
    ]
    if other_types:
        notes.append(
            f"{other_types} conflict-year row(s) of other types (extrasystemic, intrastate, "
            "internationalised intrastate) are not ties between states and were skipped."
        )
    if acts.new:
        notes.append(
            f"{len(acts.new)} state(s) not in the knowledge base were added as actors "
            f"COW<code> (G-W codes {_codes_text(sorted(a['cow_code'] for a in acts.new))}); G-W and COW codes "
            "differ for a few states (e.g. Germany, Serbia, Yemen): check them."
        )
    tables = {"actors": acts.new, "relations": out}
    return PackageRows(tables, [src], notes)


def _with_version(loaded: Loaded, path: Path) -> Loaded:
    from dataclasses import replace

    v = version_from_name(path.name)
    if v is None:
        return loaded
    return replace(loaded, source=replace(loaded.source, version=v))


def import_acd(
    path: Path,
    *,
    actors: list[str] | None = None,
    start: int | None = None,
    end: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> PackageRows:
    """The ``ucdp-acd`` importer: :func:`read_ucdp_acd` then :func:`map_acd`. The version
    comes from the file's ``version`` column, else its name (``..._v25_1.csv``)."""
    path = Path(path)
    with bounded_connection() as con:
        loaded = read_ucdp_acd(con, path)
        if "version" not in read_header(path):
            loaded = _with_version(loaded, path)
        rows = map_acd(con, loaded, actors=actors, start=start, end=end)
    if progress is not None:
        progress(path.stat().st_size)
    return rows


def map_ged(
    con: duckdb.DuckDBPyConnection, loaded: Loaded, *, has_codes: bool = True
) -> PackageRows:
    """The ``clash`` events of the GED events kept in ``loaded`` (see
    :func:`read_ucdp_ged`), id ``ucdp-ged-<id>``.

    Actors are the states of ``gwnoa`` and ``gwnob`` (through the knowledge base's codes;
    new ``COW<code>`` actors otherwise); a file without those columns (``has_codes``
    False) gives the state where the event happened (``country_id``), and the note says
    so. The magnitude is UCDP's best estimate of deaths; the dates keep ``date_prec``
    (:func:`ged_precision`); the summary names the conflict, the sides and the place, the
    note the event's UCDP ids, location, coordinates and every death count. Events with no
    state at all, and repeated rows of an event id, are skipped and counted in the notes.
    """
    from phalanx.ingest.rows import ActorResolver, PackageRows

    src = _source(loaded.source, "ucdp-ged", "Georeferenced Event Dataset (GED)", _GED_URL)
    acts = ActorResolver(src["id"])
    cols = [*_GED_KEEP, "codes_a", "codes_b", "date_start", "date_end"]
    cursor = con.execute(f"SELECT {', '.join(cols)} FROM {loaded.table} ORDER BY date_start, id")
    events: list[dict[str, Any]] = []
    stateless = repeated = 0
    seen: set[int] = set()
    version = loaded.source.version
    while batch := cursor.fetchmany(10_000):
        for values in batch:
            r = dict(zip(cols, values, strict=True))
            if r["id"] in seen:  # a repeated event: kept once
                repeated += 1
                continue
            seen.add(r["id"])
            codes_a, codes_b = list(r["codes_a"]), list(r["codes_b"])
            if not has_codes and r["country_id"] is not None:
                codes_a = [r["country_id"]]
            ids: list[str] = []
            for codes, side in ((codes_a, r["side_a"]), (codes_b, r["side_b"])):
                for c in codes:
                    a = acts.resolve(c, _state_name(side, codes))
                    if a not in ids:
                        ids.append(a)
            if not ids:
                stateless += 1
                continue
            precision = ged_precision(r["date_prec"])
            first = partial_date(r["date_start"], precision)
            last = partial_date(r["date_end"], precision)
            place = _clean(r["where_description"]) or r["adm_1"]
            at = (
                f"at {place}, {r['country']}"
                if place and place != r["country"]
                else f"in {r['country']}"
            )
            where = "; ".join(
                str(v) for v in (_clean(r["where_description"]), r["adm_1"], r["country"]) if v
            )
            coords = (
                f" ({r['latitude']:g}, {r['longitude']:g}; location precision {r['where_prec']})"
                if r["latitude"] is not None and r["longitude"] is not None
                else ""
            )
            deaths = ", ".join(
                f"{k} {r[c]}"
                for k, c in (
                    ("side A", "deaths_a"),
                    ("side B", "deaths_b"),
                    ("civilians", "deaths_civilians"),
                    ("unknown", "deaths_unknown"),
                )
                if r[c] is not None
            )
            note = (
                f"UCDP GED {version} event {r['id']}"
                + (f" ({r['relid']})" if r["relid"] else "")
                + f", conflict {r['conflict_new_id']}, dyad {r['dyad_new_id']}. "
                f"Where: {where}{coords}. When: {r['date_start']} to {r['date_end']} "
                f"(UCDP date precision {r['date_prec']}). Deaths: best {r['best']}, low "
                f"{r['low']}, high {r['high']}" + (f"; {deaths}" if deaths else "") + "."
            )
            if not has_codes:
                note += " Actor: the state where the event happened (file has no gwnoa/gwnob)."
            events.append(
                {
                    "id": f"ucdp-ged-{r['id']}",
                    "date": first,
                    "end_date": last if last != first else None,
                    "kind": "clash",
                    "actors": ids,
                    "organization": None,
                    "magnitude": float(r["best"]),
                    "magnitude_unit": "deaths",
                    "summary": (
                        f"{r['conflict_name'] or 'UCDP conflict'}: {r['side_a']} against "
                        f"{r['side_b']} {at}; {r['best']} killed "
                        "(UCDP best estimate)."
                    ),
                    "certainty": "single_source",
                    "note": note,
                    "sources": [src["id"]],
                }
            )
    notes = [
        f"{len(events)} clash event(s) of state-based violence from {loaded.source.file} "
        f"({loaded.source.rows} events read)."
    ]
    if stateless:
        notes.append(f"{stateless} event(s) without a state code were skipped.")
    if repeated:
        notes.append(f"{repeated} repeated row(s) of an event id already read were skipped.")
    if not has_codes:
        notes.append(
            "The file has no gwnoa/gwnob columns (an older GED release): each event's actor "
            "is the state where it happened."
        )
    if acts.new:
        notes.append(
            f"{len(acts.new)} state(s) not in the knowledge base were added as actors "
            f"COW<code> (G-W codes {_codes_text(sorted(a['cow_code'] for a in acts.new))})."
        )
    return PackageRows({"actors": acts.new, "events": events}, [src], notes)


def import_ged(
    path: Path,
    *,
    actors: list[str] | None = None,
    start: int | None = None,
    end: int | None = None,
    progress: Callable[[int], None] | None = None,
    memory_limit: str = "1GB",
) -> PackageRows:
    """The ``ucdp-ged`` importer: streams the file (:func:`read_ucdp_ged`, state-based
    violence only, the years and the actors' codes filtered inside DuckDB, memory bounded
    by ``memory_limit``) and maps the events kept (:func:`map_ged`)."""
    path = Path(path)
    header = read_header(path, what=GED_LAYOUT.dataset)
    with bounded_connection(memory_limit) as con:
        loaded = read_ucdp_ged(
            con,
            path,
            years=_years(start, end),
            codes=codes_of_actors(actors),
            violence=(1,),
            progress=progress,
        )
        loaded = _with_version(loaded, path)
        return map_ged(con, loaded, has_codes="gwnoa" in header or "gwnob" in header)


def _register() -> None:
    from phalanx.ingest.importers import importer

    importer(
        "ucdp-acd",
        help="UCDP/PRIO Armed Conflict Dataset: interstate conflict-years as armed_conflict "
        "relations",
    )(import_acd)
    importer(
        "ucdp-ged",
        help="UCDP GED (streamed): state-based events as clash events with deaths",
    )(import_ged)


_register()
