"""SIPRI Arms Transfers Database files, read through DuckDB: the trade register and the
TIV tables.

Trend-indicator values (TIV) are SIPRI's measure of the volume of transfers of major
weapons, in millions; a published ``0`` means a value between 0 and 0.5 million, an empty
field no deliveries. Both readers stream the file with DuckDB (every column read as text,
then cast in SQL), so memory is that of the table.

**Trade register** (``read_sipri_register``): note lines (starting with ``#``, or a title
line before the header), then a header whose unnamed columns hold SIPRI's ``?`` flags of
uncertain values: Recipient, Supplier, Year of order, (flag), Number ordered, (flag),
Weapon designation, Weapon description, Number delivered, (flag), Year(s) of delivery,
status, Comments, SIPRI TIV per unit, SIPRI TIV for total order, SIPRI TIV of delivered
weapons.

**TIV tables** (``read_sipri_tiv``), in either of two layouts, told apart by the header:

- the published wide table of one recipient's imports: a title line naming the recipient
  ("TIV of arms imports to Kazakhstan, 1992-2021"), then a header of years and
  ``Total``, one row per supplier and a ``Total`` row;
- the long form ``Import_To, Export_From, Year, TIV`` (the lajh87 copy), with ``Total``
  years and suppliers and an ``All`` recipient.

Both come out as ``recipient, supplier, year, tiv``: one row per supplier and year, totals
and the ``All`` recipient left out (they are sums of the rows kept).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import TYPE_CHECKING

from phalanx.errors import UserError
from phalanx.ingest.common import MAX_BYTES, Loaded, Source, _check_path, _sha256, shown_path

if TYPE_CHECKING:
    from collections.abc import Callable

    import duckdb

    from phalanx.ingest.rows import PackageRows

__all__ = [
    "REGISTER_COLUMNS",
    "REGISTER_HEADER",
    "TIV_LONG_HEADER",
    "read_sipri_register",
    "read_sipri_tiv",
]

REGISTER_HEADER = (
    "Recipient",
    "Supplier",
    "Year of order",
    "",
    "Number ordered",
    "",
    "Weapon designation",
    "Weapon description",
    "Number delivered",
    "",
    "Year(s) of delivery",
    "status",
    "Comments",
    "SIPRI TIV per unit",
    "SIPRI TIV for total order",
    "SIPRI TIV of delivered weapons",
)
"""The trade register's header as SIPRI publishes it (blank names: the ``?`` flags)."""

REGISTER_COLUMNS = (
    "recipient",
    "supplier",
    "year_of_order",
    "year_of_order_flag",
    "number_ordered",
    "number_ordered_flag",
    "weapon_designation",
    "weapon_description",
    "number_delivered",
    "number_delivered_flag",
    "years_of_delivery",
    "status",
    "comments",
    "tiv_per_unit",
    "tiv_total_order",
    "tiv_delivered",
)
"""The names the register's columns get, in the file's order."""

TIV_LONG_HEADER = ("Import_To", "Export_From", "Year", "TIV")
"""The long TIV table's header (the lajh87 copy of SIPRI's importer tables)."""

_NUMBERS = ("number_ordered", "number_delivered", "tiv_per_unit", "tiv_total_order")
_NOTE_LINES = 200
_TITLE = re.compile(r"\b(?:imports|transfers|exports)\s+to\s+(.+?)\s*,\s*\d{4}", re.I)
_YEAR = re.compile(r"^\d{4}$")


def _lines(path: Path, what: str) -> list[tuple[int, list[str]]]:
    """The first lines of ``path`` parsed as CSV, with their 1-based line numbers."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            head = [fh.readline() for _ in range(_NOTE_LINES)]
    except UnicodeDecodeError:
        raise UserError(
            f"{what} file is not UTF-8 text; save it as UTF-8 CSV", file=shown_path(path)
        ) from None
    except OSError as e:
        raise UserError(
            f"{what} file cannot be read ({e.strerror or e})", file=shown_path(path)
        ) from None
    out = []
    for i, text in enumerate(head, start=1):
        if not text:
            break
        cells = next(csv.reader(io.StringIO(text)), [])
        out.append((i, [c.strip() for c in cells]))
    return out


def _is_note(cells: list[str]) -> bool:
    """A note line: blank, starting with ``#``, or a title (one or two cells, no year)."""
    filled = [c for c in cells if c]
    if not filled or cells[0].startswith("#"):
        return True
    return len(filled) < 3 and not any(_YEAR.match(c) for c in filled)


def _header(path: Path, what: str, expected: str) -> tuple[int, list[str], list[str]]:
    """(line of the header, its cells, the note lines before it)."""
    notes = []
    for line, cells in _lines(path, what):
        if _is_note(cells):
            notes.append(",".join(c for c in cells if c).lstrip("#").strip())
            continue
        return line, cells, notes
    raise UserError(
        f"has no header line; expected the {what} columns {expected}", file=shown_path(path)
    )


def _norm(name: str) -> str:
    return re.sub(r"\s+", " ", name.strip().lower())


def _shown_header(cells: list[str] | tuple[str, ...]) -> str:
    return ", ".join(c if c else "(blank)" for c in cells)


def _struct(names: list[str]) -> str:
    return "{" + ", ".join(f"'{n}': 'VARCHAR'" for n in names) + "}"


def _read_text(con, path: Path, table: str, names: list[str], skip: int, shown: str, what: str):
    import duckdb

    sql = (
        f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT row_number() OVER () AS _row, * "
        f"FROM read_csv(?, header = false, skip = {int(skip)}, delim = ',', quote = '\"', "
        f"escape = '\"', columns = {_struct(names)}, nullstr = [''], auto_detect = false, "
        "null_padding = true, strict_mode = false, parallel = false)"
    )
    try:
        con.execute(sql, [str(path)])
    except duckdb.Error as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise UserError(f"cannot be read as a {what} CSV file: {first}", file=shown) from None


def _number_sql(col: str) -> str:
    """A text cell as a number: thousands commas and a trailing ``?`` dropped."""
    return f"TRY_CAST(replace(rtrim(trim({col}), '?'), ',', '') AS DOUBLE)"


def _check_numbers(con, table: str, cols: list[str], header_line: int, shown: str, what: str):
    for col in cols:
        bad = con.execute(
            f"SELECT _row, {col} FROM {table} WHERE {col} IS NOT NULL "
            f"AND {_number_sql(col)} IS NULL ORDER BY _row LIMIT 1"
        ).fetchone()
        if bad is not None:
            raise UserError(
                f"{bad[1]!r} is not a number; the {what} column holds a number of millions "
                "(or is empty)",
                file=shown,
                line=header_line + int(bad[0]),
                field=col,
            )


def read_sipri_register(
    con: duckdb.DuckDBPyConnection,
    path: str | Path,
    *,
    table: str = "sipri_register",
    version: str | None = None,
) -> Loaded:
    """Read a SIPRI trade-register CSV into the temporary table ``table``.

    The table holds the :data:`REGISTER_COLUMNS`, typed: ``year_of_order`` (BIGINT),
    the ``*_flag`` columns as BOOLEAN (True where SIPRI marks the value ``?``, uncertain),
    numbers of weapons and the three TIV columns (DOUBLE, millions; a published 0 means
    0-0.5 million and stays 0), texts as VARCHAR, and ``first_delivery`` and
    ``last_delivery`` (BIGINT), the first and last years in ``years_of_delivery``
    (NULL when nothing was delivered). Note lines before the header and ``#`` lines
    among the rows are skipped; duplicated rows are kept. ``version`` is recorded in the
    provenance (default: the year named in the notes, else ``unknown``).

    Raises
    ------
    UserError
        A missing or unreadable file; a header that is not the register's (the message
        lists the expected and the found columns); a row without recipient or supplier;
        a TIV or number that is not a number (its line and column).
    """
    p = Path(path)
    shown = shown_path(p)
    what = "SIPRI trade register"
    _check_path(p, what, MAX_BYTES)
    line, cells, notes = _header(p, what, _shown_header(REGISTER_HEADER))
    got = [_norm(c) for c in cells[: len(REGISTER_HEADER)]]
    if got != [_norm(c) for c in REGISTER_HEADER] or any(c for c in cells[len(REGISTER_HEADER) :]):
        raise UserError(
            f"is not in the {what} layout: expected the columns "
            f"{_shown_header(REGISTER_HEADER)}; found {_shown_header(cells)}",
            file=shown,
            line=line,
        )
    raw = f"{table}_raw"
    names = list(REGISTER_COLUMNS) + [
        f"extra_{i}" for i in range(len(cells) - len(REGISTER_HEADER))
    ]
    _read_text(con, p, raw, names, line, shown, what)
    con.execute(
        f"DELETE FROM {raw} WHERE recipient LIKE '#%' OR (recipient IS NULL AND supplier IS NULL)"
    )
    _check_numbers(con, raw, [*_NUMBERS, "tiv_delivered", "year_of_order"], line, shown, what)
    for col in ("recipient", "supplier"):
        bad = con.execute(f"SELECT min(_row) FROM {raw} WHERE {col} IS NULL").fetchall()[0][0]
        if bad is not None:
            raise UserError(
                f"has no {col}; every {what} row names its recipient and supplier",
                file=shown,
                line=line + int(bad),
                field=col,
            )
    flag = "coalesce(trim({0}) = '?', FALSE) AS {0}"
    years = "list_transform(regexp_extract_all(coalesce(years_of_delivery, ''), '\\d{4}'), lambda x: x::BIGINT)"
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {table} AS SELECT
            trim(recipient) AS recipient, trim(supplier) AS supplier,
            TRY_CAST(year_of_order AS BIGINT) AS year_of_order,
            {flag.format("year_of_order_flag")},
            {_number_sql("number_ordered")} AS number_ordered,
            {flag.format("number_ordered_flag")},
            weapon_designation, weapon_description,
            {_number_sql("number_delivered")} AS number_delivered,
            {flag.format("number_delivered_flag")},
            years_of_delivery, status, comments,
            {_number_sql("tiv_per_unit")} AS tiv_per_unit,
            {_number_sql("tiv_total_order")} AS tiv_total_order,
            {_number_sql("tiv_delivered")} AS tiv_delivered,
            list_min({years}) AS first_delivery, list_max({years}) AS last_delivery
            FROM {raw} ORDER BY _row"""
    )
    con.execute(f"DROP TABLE {raw}")
    rows = int(con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])
    if rows == 0:
        raise UserError(f"has a header but no data rows; expected {what} rows", file=shown)
    if version is None:
        version = _generated(notes)
    source = Source(what, version, p.name, _sha256(p), rows)
    return Loaded(con.table(table), table, source)


def read_sipri_tiv(
    con: duckdb.DuckDBPyConnection,
    path: str | Path,
    *,
    table: str = "sipri_tiv",
    version: str | None = None,
    recipient: str | None = None,
) -> Loaded:
    """Read a SIPRI TIV table (wide or long) into the temporary table ``table``.

    The table holds ``recipient, supplier`` (VARCHAR), ``year`` (BIGINT) and ``tiv``
    (DOUBLE, millions), one row per recipient, supplier and year with a value; totals and
    the long form's ``All`` recipient are left out, since they are sums of the rows kept
    (a recipient's total imports are the sum over its suppliers). ``recipient`` names the
    importing country of a wide table whose title does not (it overrides the title).

    Raises
    ------
    UserError
        A missing or unreadable file; a header in neither layout (the message lists both
        and the columns found); a wide table without a recipient; a TIV that is not a
        number (its line and column).
    """
    p = Path(path)
    shown = shown_path(p)
    what = "SIPRI TIV table"
    _check_path(p, what, MAX_BYTES)
    expected = f"{', '.join(TIV_LONG_HEADER)} (long), or a supplier column, years and Total (wide)"
    line, cells, notes = _header(p, what, expected)
    raw = f"{table}_raw"
    if [c.lower() for c in cells[:4]] == [c.lower() for c in TIV_LONG_HEADER]:
        names = ["import_to", "export_from", "year", "tiv"] + [
            f"extra_{i}" for i in range(len(cells) - 4)
        ]
        _read_text(con, p, raw, names, line, shown, what)
        _check_numbers(con, raw, ["tiv"], line, shown, what)
        bad = con.execute(
            f"SELECT min(_row) FROM {raw} WHERE year IS NULL OR (trim(year) <> 'Total' "
            "AND TRY_CAST(year AS BIGINT) IS NULL)"
        ).fetchall()[0][0]
        if bad is not None:
            raise UserError(
                "has no year; expected a year (YYYY) or Total",
                file=shown,
                line=line + int(bad),
                field="Year",
            )
        select = (
            f"SELECT trim(import_to) AS recipient, trim(export_from) AS supplier, "
            f"CAST(year AS BIGINT) AS year, {_number_sql('tiv')} AS tiv, _row FROM {raw} "
            "WHERE trim(year) <> 'Total' AND trim(export_from) <> 'Total' "
            "AND trim(import_to) <> 'All'"
        )
    else:
        years = [c for c in cells[1:] if c]
        if not years or not all(_YEAR.match(c) or c.lower() == "total" for c in years):
            raise UserError(
                f"is not in a {what} layout: expected the columns {expected}; found "
                f"{_shown_header(cells)}",
                file=shown,
                line=line,
            )
        if recipient is None:
            m = next((m for n in notes if (m := _TITLE.search(n))), None)
            if m is None:
                raise UserError(
                    "is a wide TIV table whose title names no recipient (expected a line "
                    "such as 'TIV of arms imports to Kazakhstan, 1992-2021'); name it with "
                    "recipient=",
                    file=shown,
                    field="recipient",
                )
            recipient = m.group(1).strip()
        cols = ["supplier"] + [
            f"y{c}" if _YEAR.match(c) else f"c{i}" for i, c in enumerate(cells[1:])
        ]
        _read_text(con, p, raw, cols, line, shown, what)
        ycols = [c for c in cols if c.startswith("y")]
        _check_numbers(con, raw, ycols, line, shown, what)
        parts = " UNION ALL ".join(
            f"SELECT supplier, {int(c[1:])} AS year, {_number_sql(c)} AS tiv, _row FROM {raw}"
            for c in ycols
        )
        select = (
            f"SELECT {_literal(recipient)} AS recipient, trim(supplier) AS supplier, year, tiv, "
            f"_row FROM ({parts}) WHERE supplier IS NOT NULL AND trim(supplier) <> 'Total' "
            "AND NOT starts_with(trim(supplier), '#')"
        )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT recipient, supplier, year, tiv "
        f"FROM ({select}) WHERE tiv IS NOT NULL ORDER BY recipient, supplier, year, _row"
    )
    con.execute(f"DROP TABLE {raw}")
    rows = int(con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])
    if rows == 0:
        raise UserError(f"has a header but no values; expected {what} rows", file=shown)
    if version is None:
        version = _generated(notes)
    source = Source(what, version, p.name, _sha256(p), rows)
    return Loaded(con.table(table), table, source)


def _generated(notes: list[str]) -> str:
    """The version a file's notes give: the year of its "generated" line, else unknown
    (SIPRI revises every value each year, so the extraction year is the version)."""
    for note in notes:
        if "generated" in note.lower() and (m := re.search(r"\b(?:19|20)\d{2}\b", note)):
            return m.group(0)
    return "unknown"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# -- from the readers' tables to package rows --------------------------------------------

SIPRI_URL = "https://www.sipri.org/databases/armstransfers"
_ISO3 = re.compile(r"^[A-Z]{3}$")


def tiv_periods(first: int, last: int, block: int = 5) -> list[tuple[int, int]]:
    """The periods over which import shares are computed, as SIPRI reports them: blocks
    of ``block`` years ending in ``last`` (``last - 4 .. last``, the five before it, ...),
    the earliest cut at ``first``, then the whole span ``first .. last`` when it is longer
    than one block. Years inclusive.

    >>> tiv_periods(2008, 2021)
    [(2017, 2021), (2012, 2016), (2008, 2011), (2008, 2021)]
    >>> tiv_periods(2019, 2021)
    [(2019, 2021)]
    """
    if first > last:
        return []
    out, hi = [], last
    while hi >= first:
        out.append((max(first, hi - block + 1), hi))
        hi -= block
    if last - first + 1 > block:
        out.append((first, last))
    return out


def import_shares(
    con: duckdb.DuckDBPyConnection, table: str, periods: list[tuple[int, int]]
) -> list[dict[str, object]]:
    """Each recipient's imports from each supplier over each period, from a table that
    :func:`read_sipri_tiv` made: ``{recipient, supplier, first, last, tiv, total,
    share}``, where ``tiv`` is the sum of the supplier's TIV over the years of the period,
    ``total`` the sum over every supplier (so "Unknown supplier(s)" count in it) and
    ``share = tiv / total``. Periods in which a recipient imported nothing (total 0) give
    no rows: a share of nothing is undefined. Sorted by recipient, period, supplier."""
    if not periods:
        return []
    values = ", ".join(f"({int(a)}, {int(b)})" for a, b in periods)
    rows = con.execute(
        f"""WITH p(first, last) AS (VALUES {values}),
            s AS (SELECT t.recipient, t.supplier, p.first, p.last, sum(t.tiv) AS tiv
                  FROM {table} t JOIN p ON t.year BETWEEN p.first AND p.last
                  GROUP BY ALL),
            tot AS (SELECT recipient, first, last, sum(tiv) AS total FROM s GROUP BY ALL)
            SELECT s.recipient, s.supplier, s.first, s.last, s.tiv, tot.total
            FROM s JOIN tot USING (recipient, first, last) WHERE tot.total > 0
            ORDER BY s.recipient, s.first, s.last, s.supplier"""
    ).fetchall()
    return [
        {
            "recipient": r,
            "supplier": s,
            "first": int(a),
            "last": int(b),
            "tiv": float(t),
            "total": float(tot),
            "share": float(t) / float(tot),
        }
        for r, s, a, b, t, tot in rows
    ]


def _mapper(notes: list[str], what: str) -> tuple[Callable[[str], str | None], Callable[[], None]]:
    """A function from a SIPRI country name to an actor id (None for one the knowledge
    base lacks), which records the names left unmatched for the notes."""
    from phalanx.ingest.names import actor_names, name_key

    index = actor_names()
    unmatched: set[str] = set()

    def actor(name: str) -> str | None:
        found = index.get(name_key(name))
        if found is None:
            unmatched.add(name)
        return found

    def report() -> None:
        if unmatched:
            names = sorted(unmatched)
            shown = ", ".join(names[:12]) + (
                f" and {len(names) - 12} more" if len(names) > 12 else ""
            )
            notes.append(
                f"{len(names)} {what} name(s) match no actor of the knowledge base and were "
                f"left out: {shown}"
            )

    return actor, report


def _keep(actors: list[str] | None, *ids: str | None) -> bool:
    return actors is None or any(i in actors for i in ids if i)


def _progress(progress: Callable[[int], None] | None, path: Path, done: bool) -> None:
    if progress is not None:
        progress(path.stat().st_size if done else 0)


def _source_id(kind: str, version: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", version.lower()).strip("-") or "unknown"
    return f"sipri-{kind}-{slug}"


def register_rows(
    path: Path,
    *,
    actors: list[str] | None = None,
    start: int | None = None,
    end: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> PackageRows:
    """The ``sipri-register`` importer: one ``arms_supply`` relation (directed, supplier
    to recipient, sign +1) per supplier and recipient, over the deals of the register
    whose delivery years (first to last; the year of order for a deal with nothing
    delivered) overlap ``start`` .. ``end``. The register gives a deal's TIV in one sum,
    so such a deal counts whole.

    The tie runs from the first year of delivery to the year after the last (year
    precision, end-exclusive); a deal with nothing delivered yet counts with its year of
    order, and a pair with only such deals gets an open tie from its first order. Its intensity is the rule of docs/data.md: the supplier's
    share of the recipient's delivered TIV over those years, all suppliers counted; 0.2
    by convention when the recipient received nothing in them (orders only). A zero
    share gives no tie (a note counts them). The note keeps SIPRI's names, the deals, the
    TIV delivered and ordered, and the weapons.
    """
    import duckdb

    from phalanx.ingest.rows import PackageRows, source_row

    path = Path(path)
    _progress(progress, path, False)
    con = duckdb.connect()
    try:
        loaded = read_sipri_register(con, path, table="register")
        lo = -(10**6) if start is None else int(start)
        hi = 10**6 if end is None else int(end)
        deals = con.execute(
            f"""SELECT recipient, supplier, year_of_order, weapon_designation,
                       coalesce(tiv_delivered, 0), coalesce(tiv_total_order, 0),
                       first_delivery, last_delivery,
                       list_filter(list_transform(
                           regexp_extract_all(coalesce(years_of_delivery, ''), '\\d{{4}}'),
                           lambda x: x::BIGINT), lambda y: y BETWEEN {lo} AND {hi})
                FROM {loaded.table}
                WHERE (first_delivery IS NOT NULL AND first_delivery <= {hi}
                       AND last_delivery >= {lo})
                   OR (first_delivery IS NULL AND year_of_order BETWEEN {lo} AND {hi})"""
        ).fetchall()
    finally:
        con.close()
    src = _source_id("register", loaded.source.version)
    source = source_row(
        loaded.source,
        id=src,
        citation=f"SIPRI Arms Transfers Database, trade register (version {loaded.source.version})",
        url=SIPRI_URL,
    )
    notes: list[str] = []
    actor, report = _mapper(notes, "SIPRI country")
    pairs: dict[tuple[str, str], dict] = {}
    received: dict[str, float] = {}
    for rec, sup, ordered, weapon, tiv, tiv_order, first, _last, years in deals:
        received[rec] = received.get(rec, 0.0) + tiv
        p = pairs.setdefault(
            (sup, rec), {"deals": 0, "tiv": 0.0, "order": 0.0, "years": [], "weapons": []}
        )
        p["deals"] += 1
        p["tiv"] += tiv
        p["order"] += tiv_order
        p["years"] += years or ([ordered] if first is None and ordered is not None else [])
        if first is None and ordered is not None:
            p["ordered_only"] = p.get("ordered_only", True)
        else:
            p["ordered_only"] = False
        if weapon and weapon not in p["weapons"]:
            p["weapons"].append(weapon)
    relations, zero = [], 0
    for (sup, rec), p in sorted(pairs.items()):
        a, b = actor(sup), actor(rec)
        if a is None or b is None or a == b or not _keep(actors, a, b):
            continue
        total = received.get(rec, 0.0)
        if total > 0:
            share = p["tiv"] / total
            if share == 0:
                zero += 1
                continue
            rule = f"share {share:.3f} of {rec}'s delivered TIV {total:g} m"
        else:
            share = 0.2
            rule = "0.2 by convention: nothing delivered to the recipient in these years"
        years = sorted(y for y in p["years"] if y is not None)
        first = years[0] if years else (lo if start is not None else None)
        if first is None:
            continue
        if p["ordered_only"]:
            stop = None
        else:  # deliveries before and after the years asked, none within: the whole span
            stop = str(years[-1] + 1) if years else str(hi + 1)
        relations.append(
            {
                "id": f"sipri-arms-{a}-{b}-{first}",
                "actor_a": a,
                "actor_b": b,
                "kind": "arms_supply",
                "directed": True,
                "sign": 1,
                "intensity": round(min(1.0, share), 3),
                "start": str(first),
                "end": stop,
                "certainty": "single_source",
                "note": (
                    f"SIPRI trade register: {sup} to {rec}, {p['deals']} deal(s), delivered "
                    f"TIV {p['tiv']:g} m, ordered TIV {p['order']:g} m ({rule}); weapons: "
                    f"{', '.join(p['weapons'][:8])}"
                    + (" ..." if len(p["weapons"]) > 8 else "")
                    + ". A published TIV of 0 means 0-0.5 m."
                ),
                "sources": [src],
            }
        )
    report()
    if zero:
        notes.append(f"{zero} supplier-recipient pair(s) with a delivered TIV of 0 give no tie")
    _progress(progress, path, True)
    return PackageRows({"relations": relations}, [source], notes)


def tiv_rows(
    path: Path,
    *,
    actors: list[str] | None = None,
    start: int | None = None,
    end: int | None = None,
    progress: Callable[[int], None] | None = None,
    leader: str | None = None,
) -> PackageRows:
    """The ``sipri-tiv`` importer: indicators ``arms_import_share_from_XXX`` (unit
    ``share``, 0..1, rounded to three decimals as the embedded package's are) and
    ``arms_import_tiv_from_XXX`` (``tiv_millions``) for each recipient, supplier XXX and
    period of :func:`tiv_periods` over ``start`` .. ``end`` (default: the file's years),
    written ``YYYY/YYYY``.

    A share is written for every supplier with TIV in the period and for the leader (the
    package's ``leader``, default from the embedded package's defaults) even when it sold
    nothing (share 0): that is the dependence the strain index reads. Suppliers whose
    actor id is not an ISO3 code (and names the knowledge base lacks) count in the
    recipient's total but get no indicator.
    """
    import duckdb

    from phalanx.ingest.rows import PackageRows, source_row

    path = Path(path)
    _progress(progress, path, False)
    if leader is None:
        from phalanx.kb.package import load_package

        leader = getattr(load_package().defaults, "leader", None)
    con = duckdb.connect()
    try:
        loaded = read_sipri_tiv(con, path, table="tiv")
        lo, hi = con.execute(f"SELECT min(year), max(year) FROM {loaded.table}").fetchall()[0]
        # years the long form leaves out had no deliveries: the asked span is kept
        lo = int(lo) if start is None else int(start)
        hi = int(hi) if end is None else int(end)
        shares = import_shares(con, loaded.table, tiv_periods(lo, hi))
    finally:
        con.close()
    src = _source_id("tiv", loaded.source.version)
    source = source_row(
        loaded.source,
        id=src,
        citation=f"SIPRI Arms Transfers Database, TIV tables of arms imports (version "
        f"{loaded.source.version})",
        url=SIPRI_URL,
    )
    notes: list[str] = []
    actor, report = _mapper(notes, "SIPRI country")
    by_period: dict[tuple[str, int, int], list[dict]] = {}
    for s in shares:
        by_period.setdefault((s["recipient"], s["first"], s["last"]), []).append(s)
    rows = []
    for (rec, first, last), group in sorted(by_period.items()):
        r = actor(rec)
        if r is None:
            continue
        total = group[0]["total"]
        period = f"{first}/{last}"
        values = {}
        for s in group:
            sid = actor(s["supplier"])
            if sid is not None and _ISO3.match(sid) and sid != r:
                values[sid] = (values.get(sid, (0.0, s["supplier"]))[0] + s["tiv"], s["supplier"])
        if leader and leader != r and leader not in values:
            values[leader] = (0.0, leader)
        for sid, (tiv, name) in sorted(values.items()):
            if not _keep(actors, r, sid):
                continue
            base = (
                f"Computed from the SIPRI TIV table ({loaded.source.file}): {name} supplied "
                f"{tiv:g} of {rec}'s {total:g} m TIV of imports in {first}-{last}."
            )
            for name_, value, unit in (
                (f"arms_import_share_from_{sid}", round(tiv / total, 3), "share"),
                (f"arms_import_tiv_from_{sid}", tiv, "tiv_millions"),
            ):
                rows.append(
                    {
                        "actor": r,
                        "indicator": name_,
                        "period": period,
                        "value": value,
                        "unit": unit,
                        "certainty": "single_source",
                        "note": base,
                        "sources": [src],
                    }
                )
    report()
    _progress(progress, path, True)
    return PackageRows({"indicators": rows}, [source], notes)


def _register() -> None:
    from phalanx.ingest.importers import importer

    importer(
        "sipri-register",
        help="SIPRI trade register CSV: arms_supply relations, supplier to recipient",
    )(register_rows)
    importer(
        "sipri-tiv",
        help="SIPRI TIV import table (wide or long): each recipient's arms-import shares",
    )(tiv_rows)


_register()
