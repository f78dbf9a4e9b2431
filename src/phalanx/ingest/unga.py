"""Voeten's UN General Assembly roll-call votes (Dataverse hdl:1902.1/12379), read
through DuckDB, and the ``unga`` importer into the votes table.

Two layouts are read, told apart by the header:

- **Voeten's**: one row per roll call and state, ``rcid`` (or ``resid``), ``ccode`` (COW
  code) and ``vote`` coded 1 yes, 2 abstain, 3 no, 8 absent, 9 not a member; optionally
  ``member``, ``session``, ``year``, ``date``, ``unres`` and ``short``;
- **unvotes'** (the R package's ``un_votes``): ``rcid, country, country_code, vote``, the
  vote written yes, abstain or no (absences and non-members left out), the country by
  name and ISO 3166 alpha-2 code.

Neither votes file need carry the date of its roll calls: a roll-call file
(``rcid, session, date, unres, short, ...``, unvotes' ``un_roll_calls`` or Voeten's
descriptions) gives them, joined on ``rcid``. Without a date, the ``year`` or the
``session`` (session n met in year 1945 + n) gives a year-precision date.

The table comes out as ``rcid`` (BIGINT), ``ccode`` (BIGINT, NULL in unvotes), ``country``
and ``country_code`` (VARCHAR, NULL in Voeten's), ``choice`` (yes, abstain, no or
absent), ``date`` (a partial ISO date), ``unres`` and ``short`` (VARCHAR). Rows of states
that were not members (code 9) are left out.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from phalanx.errors import UserError
from phalanx.ingest.common import Check, Layout, Loaded, read_header, read_table, shown_path

if TYPE_CHECKING:
    import duckdb

    from phalanx.ingest.rows import PackageRows

__all__ = [
    "VOETEN_LAYOUT",
    "UNVOTES_LAYOUT",
    "ROLL_CALLS_LAYOUT",
    "VOETEN_CHOICES",
    "read_unga",
    "find_roll_calls",
    "unga_rows",
]

VOETEN_CHOICES = {1: "yes", 2: "abstain", 3: "no", 8: "absent"}
"""Voeten's vote codes and the votes table's choices (9, not a member, gives no row)."""

_OPTIONAL = {
    "member": "BIGINT",
    "session": "BIGINT",
    "year": "BIGINT",
    "date": "VARCHAR",
    "unres": "VARCHAR",
    "short": "VARCHAR",
}

VOETEN_LAYOUT = Layout(
    dataset="Voeten UNGA votes",
    version="unknown",
    columns={"rcid": "BIGINT", "ccode": "BIGINT", "vote": "BIGINT"},
    optional=_OPTIONAL,
    required=("rcid", "ccode", "vote"),
    checks=(
        Check(
            "vote", "vote IN (1, 2, 3, 8, 9)", "1 yes, 2 abstain, 3 no, 8 absent or 9 non-member"
        ),
        Check("ccode", "ccode BETWEEN 1 AND 999", "a COW state code (1-999)"),
    ),
)
"""Voeten's layout (``resid`` is read as ``rcid`` when the file names it so)."""

UNVOTES_LAYOUT = Layout(
    dataset="unvotes UNGA votes",
    version="unknown",
    columns={"rcid": "BIGINT", "country": "VARCHAR", "country_code": "VARCHAR", "vote": "VARCHAR"},
    optional=_OPTIONAL,
    required=("rcid", "country", "vote"),
    checks=(Check("vote", "vote IN ('yes', 'abstain', 'no')", "yes, abstain or no"),),
)
"""unvotes' ``un_votes`` layout."""

ROLL_CALLS_LAYOUT = Layout(
    dataset="UNGA roll calls",
    version="unknown",
    columns={"rcid": "BIGINT", "date": "VARCHAR"},
    optional={"session": "DOUBLE", "unres": "VARCHAR", "short": "VARCHAR", "descr": "VARCHAR"},
    required=("rcid",),
)
"""A roll-call file: unvotes' ``un_roll_calls`` or Voeten's descriptions."""

_DATE = re.compile(r"^(\d{4})(-\d{2}(-\d{2})?)?")


def _voeten_layout(header: list[str]) -> Layout:
    if "rcid" not in header and "resid" in header:
        cols = {"resid" if k == "rcid" else k: v for k, v in VOETEN_LAYOUT.columns.items()}
        required = tuple("resid" if c == "rcid" else c for c in VOETEN_LAYOUT.required)
        return replace(VOETEN_LAYOUT, columns=cols, required=required)
    return VOETEN_LAYOUT


def read_unga(
    con: duckdb.DuckDBPyConnection,
    path: str | Path,
    *,
    table: str = "unga",
    version: str | None = None,
    roll_calls: str | Path | None = None,
) -> Loaded:
    """Read a UNGA votes file (Voeten's or unvotes' layout) into the temporary table
    ``table``, with the dates of its roll calls from the file itself or ``roll_calls``.

    Raises
    ------
    UserError
        A file in neither layout (the message lists both and the columns found); a vote
        outside its codes; a roll call with no date in either file (name the roll-call
        file); a date that is not ISO (YYYY-MM-DD).
    """
    p = Path(path)
    header = read_header(p, what="UNGA votes") if p.is_file() else []
    if "country_code" in header or "country" in header:
        layout = UNVOTES_LAYOUT
    else:
        layout = _voeten_layout(header)
        if header and any(c not in header for c in layout.columns):
            raise UserError(
                "is not in a UNGA votes layout: expected the columns rcid (or resid), ccode, "
                "vote (Voeten) or rcid, country, country_code, vote (unvotes); found "
                + ", ".join(header),
                file=shown_path(p),
            )
    raw = f"{table}_votes"
    loaded = read_table(con, p, layout, table=raw, version=version)
    rcid = "resid" if "resid" in layout.columns else "rcid"
    rc = None
    if roll_calls is not None:
        rc = read_table(con, roll_calls, ROLL_CALLS_LAYOUT, table=f"{table}_calls")
        bad = con.execute(
            f"SELECT rcid, date FROM {rc.table} WHERE date IS NOT NULL AND NOT "
            f"regexp_matches(date, '^\\d{{4}}(-\\d{{2}}(-\\d{{2}})?)?$') LIMIT 1"
        ).fetchall()
        if bad:
            raise UserError(
                f"roll call {bad[0][0]} has the date {bad[0][1]!r}; expected YYYY-MM-DD",
                file=shown_path(roll_calls),
                field="date",
            )
    if layout is UNVOTES_LAYOUT:
        choice, ccode, country = "v.vote", "NULL::BIGINT", "v.country, v.country_code"
    else:
        cases = " ".join(f"WHEN {k} THEN '{c}'" for k, c in VOETEN_CHOICES.items())
        choice = f"CASE v.vote {cases} END"
        ccode, country = "v.ccode", "NULL::VARCHAR AS country, NULL::VARCHAR AS country_code"
    own_date = "coalesce(v.date, CAST(v.year AS VARCHAR), CAST(v.session + 1945 AS VARCHAR))"
    if rc is not None:
        date = f"coalesce(c.date, {own_date}, CAST(CAST(c.session AS BIGINT) + 1945 AS VARCHAR))"
        join = f"LEFT JOIN {rc.table} c ON c.rcid = v.{rcid}"
        unres, short = "coalesce(v.unres, c.unres)", "coalesce(v.short, c.short)"
    else:
        date, join, unres, short = own_date, "", "v.unres", "v.short"
    where = "" if layout is UNVOTES_LAYOUT else "WHERE v.vote <> 9"
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {table} AS
            SELECT v.{rcid} AS rcid, {ccode} AS ccode, {country}, {choice} AS choice,
                   {date} AS date, {unres} AS unres, {short} AS short
            FROM {raw} v {join} {where}"""
    )
    missing = con.execute(f"SELECT min(rcid) FROM {table} WHERE date IS NULL").fetchall()[0][0]
    if missing is not None:
        hint = (
            "the roll-call file has no date for it"
            if rc is not None
            else "give the roll-call file (rcid, date), or a date, year or session column"
        )
        raise UserError(
            f"roll call {missing} has no date; {hint}", file=shown_path(p), field="date"
        )
    bad = con.execute(
        f"SELECT rcid, date FROM {table} WHERE NOT regexp_matches(date, "
        f"'^\\d{{4}}(-\\d{{2}}(-\\d{{2}})?)?$') LIMIT 1"
    ).fetchall()
    if bad:
        raise UserError(
            f"roll call {bad[0][0]} has the date {bad[0][1]!r}; expected YYYY-MM-DD",
            file=shown_path(p),
            field="date",
        )
    return Loaded(con.table(table), table, loaded.source)


def find_roll_calls(path: Path) -> Path | None:
    """The roll-call file beside the votes file ``path``: the one CSV file in its folder
    whose name holds ``roll_calls`` (not ``issues``) or ``descriptions``; None when there
    is none or more than one (the importer then relies on the votes file's own dates)."""
    found = [
        p
        for p in sorted(Path(path).parent.glob("*.csv"))
        if p != Path(path)
        and ("roll_calls" in p.name or "descriptions" in p.name.lower())
        and "issues" not in p.name
    ]
    return found[0] if len(found) == 1 else None


def unga_rows(
    path: Path,
    *,
    actors: list[str] | None = None,
    start: int | None = None,
    end: int | None = None,
    progress: Callable[[int], None] | None = None,
    roll_calls: Path | None = None,
) -> PackageRows:
    """The ``unga`` importer: one row of the votes table per roll call and state, in the
    years ``start`` .. ``end`` of its date.

    ``vote`` is ``unga-rcid-<rcid>`` (the dataset's roll-call id), ``body`` UNGA, the
    choice as coded, ``topic`` the roll call's short title, the note its resolution
    number; ``certainty`` single_source. States are matched by COW code (Voeten's; a code
    the knowledge base lacks becomes a ``COW<code>`` actor) or by name (unvotes'; names
    it lacks are left out and counted in the notes). The roll-call file is ``roll_calls``,
    else the one :func:`find_roll_calls` finds beside ``path``.
    """
    import duckdb

    from phalanx.ingest.names import actor_names, name_key
    from phalanx.ingest.rows import PackageRows, actor_codes, actor_row, source_row

    path = Path(path)
    if progress is not None:
        progress(0)
    calls = roll_calls if roll_calls is not None else find_roll_calls(path)
    con = duckdb.connect()
    try:
        loaded = read_unga(con, path, table="unga", roll_calls=calls)
        lo = -(10**6) if start is None else int(start)
        hi = 10**6 if end is None else int(end)
        votes = con.execute(
            f"""SELECT rcid, ccode, country, choice, date, unres, short FROM {loaded.table}
                WHERE CAST(left(date, 4) AS BIGINT) BETWEEN {lo} AND {hi}
                ORDER BY rcid, ccode, country"""
        ).fetchall()
    finally:
        con.close()
    voeten = loaded.source.dataset == VOETEN_LAYOUT.dataset
    src = f"unga-{'voeten' if voeten else 'unvotes'}-{loaded.source.sha256[:8]}"
    source = source_row(
        loaded.source,
        id=src,
        citation=(
            "Voeten, Strezhnev and Bailey, United Nations General Assembly Voting Data "
            f"(Harvard Dataverse hdl:1902.1/12379){'' if voeten else ', as packaged by unvotes'}"
        ),
        url="https://hdl.handle.net/1902.1/12379",
    )
    if calls is not None:
        source["note"] += f" Roll-call dates from {Path(calls).name}."
    codes, names = actor_codes(), actor_names()
    new_actors: dict[str, dict[str, Any]] = {}
    unmatched: set[str] = set()
    rows, seen, dupes = [], set(), 0
    for rcid, ccode, country, choice, date, unres, short in votes:
        if voeten:
            actor = codes.get(int(ccode))
            if actor is None:
                row = actor_row(int(ccode), None, src)
                actor = row["id"]
                new_actors.setdefault(actor, row)
        else:
            actor = names.get(name_key(country))
            if actor is None:
                unmatched.add(country)
                continue
        if actors is not None and actor not in actors:
            continue
        key = (rcid, actor)
        if key in seen:  # a duplicated row of the file
            dupes += 1
            continue
        seen.add(key)
        rows.append(
            {
                "vote": f"unga-rcid-{rcid}",
                "date": date,
                "body": "UNGA",
                "actor": actor,
                "choice": choice,
                "topic": short,
                "certainty": "single_source",
                "note": f"rcid {rcid}" + (f"; {unres}" if unres else ""),
                "sources": [src],
            }
        )
    notes = []
    if unmatched:
        shown = sorted(unmatched)
        notes.append(
            f"{len(shown)} country name(s) match no actor of the knowledge base and were left "
            f"out: {', '.join(shown[:12])}" + (" ..." if len(shown) > 12 else "")
        )
    if dupes:
        notes.append(f"{dupes} duplicated vote row(s) kept once")
    if calls is None and not voeten:
        notes.append("no roll-call file found beside the votes file; dates from its own columns")
    used = {r["actor"] for r in rows}
    tables = {
        "votes": rows,
        "actors": [a for k, a in sorted(new_actors.items()) if k in used],
    }
    if progress is not None:
        progress(path.stat().st_size)
    return PackageRows(tables, [source], notes)


def _register() -> None:
    from phalanx.ingest.importers import importer

    importer(
        "unga",
        help="UN General Assembly votes (Voeten's or unvotes' layout; a roll-call file "
        "beside it gives the dates)",
    )(unga_rows)


_register()
