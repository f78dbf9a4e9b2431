"""The knowledge base: a validated data package held in DuckDB, with as-of queries.

Queries use one date convention, documented in ``docs/data.md``: a partial date stands
for the earliest day it may denote (``1999-04`` is 1 April 1999), spells and ties hold
from ``start`` (inclusive) to ``end`` (exclusive), and a result whose start is known only
to the month or year, with the query date inside that month or year, is flagged
``start_uncertain``.

As-of queries (``as_of=`` on ``history``, ``spells``, ``relations``, ``events``,
``indicators`` and ``votes``; the date of ``members`` and ``snapshot``) show nothing
later than that day: rows that start after it are left out, and an end after it is shown
as None with ``ongoing`` True. Filter values are checked against the enumerations of the
package's schema (:class:`UnknownValueError` lists the allowed ones), a window that ends
before it starts and a date that is not a partial ISO date raise :class:`UserError`.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import duckdb

from phalanx.errors import UserError
from phalanx.kb.dates import parse_partial_date, parse_query_date
from phalanx.kb.defaults import Defaults
from phalanx.kb.package import Package, load_package, package_layers
from phalanx.kb.schema import CORE_TABLES, core_resource, quote_ident
from phalanx.kb.snapshot import Snapshot
from phalanx.kb.tables import Table

__all__ = ["KnowledgeBase", "UnknownIdError", "UnknownValueError", "query_day"]

DateLike = str | dt.date
_SQL_TYPES = {"string": "VARCHAR", "integer": "BIGINT", "number": "DOUBLE", "boolean": "BOOLEAN"}
_BATCH = 200


def _period_start(text: Any) -> dt.date | None:
    """First day of an indicator period (``2020``, ``2020-05``, ``2018/2020``), or None
    when the period of a package's own table is not a date."""
    try:
        return parse_query_date(str(text).split("/")[0])
    except ValueError:
        return None


class UnknownIdError(UserError, LookupError):
    """An id that the knowledge base does not hold; the message suggests close ids."""


class UnknownValueError(UserError):
    """A filter value the package's schema does not allow; the message lists the allowed."""


def query_day(value: DateLike, option: str = "date", *, end: bool = False) -> dt.date:
    """The day a query means by ``value`` (see :func:`~phalanx.kb.dates.parse_query_date`),
    or a :class:`UserError` naming ``option`` when the text is not a partial ISO date."""
    try:
        return parse_query_date(value, end=end)
    except ValueError as e:
        raise UserError(f"{e}", field=option) from None


class KnowledgeBase:
    """A validated data package in DuckDB, queried by date.

    Build it with :meth:`embedded` (the Eurasian case), :meth:`from_path` (a user's
    package, alone or on top of the embedded one) or from a loaded :class:`Package`.

    >>> kb = KnowledgeBase.embedded()
    >>> [m["actor"] for m in kb.members("CSTO", "2002-10-07")]
    ['ARM', 'BLR', 'KAZ', 'KGZ', 'RUS', 'TJK']
    """

    def __init__(self, package: Package, database: str | Path = ":memory:"):
        self.package = package
        self.version = package.version
        self.con = duckdb.connect(str(database))
        for table in package.tables.values():
            self._create(table)
        for name in CORE_TABLES:  # a hand-built Package may lack some: every query must work
            if name not in package.tables:
                self._create(Table(core_resource(name)))
        self._actor_ids = {r["id"] for r in package.rows("actors")}

    @classmethod
    def embedded(cls, database: str | Path = ":memory:") -> KnowledgeBase:
        """The embedded data package: the Eurasian security architecture, 1992-2026."""
        return cls(load_package(), database)

    @classmethod
    def from_path(
        cls, path: str | Path, *, on_top: bool = False, database: str | Path = ":memory:"
    ) -> KnowledgeBase:
        """A user's data package, alone or (``on_top=True``) layered on the embedded one."""
        return cls(load_package(package_layers(path, on_top)), database)

    @property
    def defaults(self) -> Defaults:
        """The package's declared (or derived) defaults: main organisation, leader, region..."""
        assert self.package.defaults is not None
        return self.package.defaults

    # -- storage ---------------------------------------------------------------------------

    def _create(self, table: Table) -> None:
        """Create and fill the DuckDB table of ``table``.

        Every table and column name is checked to be an identifier, then quoted
        (:func:`~phalanx.kb.schema.quote_ident`); every value is a query parameter.
        Partial dates get ``_lo``/``_hi``/``_precision`` columns, a ``period`` its
        ``period_lo``, and every row ``_file`` and ``_line``.
        """
        schema = table.resource.table_schema
        cols, names = [], []
        for f in schema.fields:
            sql = "VARCHAR[]" if f.format == "list" else _SQL_TYPES[f.type]
            cols.append(f"{quote_ident(f.name)} {sql}")
            names.append(f.name)
            if f.format == "partial-date":
                cols += [
                    f"{quote_ident(f.name + '_lo')} DATE",
                    f"{quote_ident(f.name + '_hi')} DATE",
                    f"{quote_ident(f.name + '_precision')} VARCHAR",
                ]
            elif f.name == "period":
                cols.append('"period_lo" DATE')
        cols += ['"_file" VARCHAR', '"_line" INTEGER']
        name = quote_ident(table.resource.name)
        self.con.execute(f"CREATE OR REPLACE TABLE {name} ({', '.join(cols)})")
        dates = {f.name for f in schema.fields if f.format == "partial-date"}
        periods = {
            f.name for f in schema.fields if f.name == "period" and f.format != "partial-date"
        }
        values = []
        for row, (file, line) in zip(table.rows, table.origins, strict=True):
            rec: list[Any] = []
            for n in names:
                rec.append(row[n])
                if n in dates:
                    p = parse_partial_date(str(row[n])) if row[n] is not None else None
                    rec += [None, None, None] if p is None else [p.earliest, p.latest, p.precision]
                elif n in periods:
                    rec.append(None if row[n] is None else _period_start(row[n]))
            rec += [file, line]
            values.append(rec)
        width = len(cols)
        for i in range(0, len(values), _BATCH):
            chunk = values[i : i + _BATCH]
            marks = ", ".join(["(" + ", ".join(["?"] * width) + ")"] * len(chunk))
            params = [v for rec in chunk for v in rec]
            self.con.execute(f"INSERT INTO {name} VALUES {marks}", params)

    def query(self, sql: str, params: Sequence[Any] | None = None) -> list[dict[str, Any]]:
        """Run SQL on the knowledge base and return the rows as dicts."""
        cur = self.con.execute(sql, params or [])
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]

    # -- lookups ---------------------------------------------------------------------------

    def _suggest(self, text: str, ids: Sequence[str], names: dict[str, str]) -> list[str]:
        """Up to three ids closest to ``text``, by id or by name (case-insensitive)."""
        low = text.strip().lower()
        by_key = {i.lower(): i for i in ids}
        by_key.update({n.lower(): i for i, n in names.items() if n and n.lower() not in by_key})
        close = difflib.get_close_matches(low, sorted(by_key), n=6, cutoff=0.6)
        out: list[str] = []
        for c in close:
            if by_key[c] not in out:
                out.append(by_key[c])
        return out[:3]

    def resolve_actor(self, text: str) -> str:
        """The actor id for an id, name or alias (case-insensitive); raise UnknownIdError
        naming up to three close ids."""
        if text in self._actor_ids:
            return text
        low = text.strip().lower()
        for r in self.package.rows("actors"):
            names = [r["id"], r["name"], *((r.get("aliases") or "").split(";"))]
            if any(low == n.strip().lower() for n in names if n):
                return r["id"]
        names = {r["id"]: r["name"] for r in self.package.rows("actors")}
        close = self._suggest(text, sorted(self._actor_ids), names)
        hint = f"; did you mean {', '.join(close)}?" if close else "; `phalanx actors` lists them"
        raise UnknownIdError(f"no actor {text!r} in the knowledge base{hint}", field="actor")

    def resolve_organization(self, text: str) -> str:
        """The organisation id for an id, name or alias; raise UnknownIdError naming close
        ids, or every known organisation (or that the package has none)."""
        rows = self.package.rows("organizations")
        orgs = {r["id"] for r in rows}
        if not orgs:
            raise UnknownIdError(
                f"no organisation {text!r}: the data package holds no organisations",
                field="organization",
            )
        try:
            oid = self.resolve_actor(text)
        except UnknownIdError:
            oid = None
        if oid in orgs:
            return oid
        close = self._suggest(text, sorted(orgs), {r["id"]: r["name"] for r in rows})
        hint = (
            f"; did you mean {', '.join(close)}?"
            if close
            else f"; known: {', '.join(sorted(orgs))}"
        )
        raise UnknownIdError(
            f"no organisation {text!r} in the knowledge base{hint}", field="organization"
        )

    def allowed_values(self, table: str, field_name: str) -> list[str] | None:
        """The values the package's schema allows in ``table.field_name`` (its enum), or
        None when the field has no enumeration."""
        t = self.package.tables.get(table)
        spec = None if t is None else t.resource.table_schema.field(field_name)
        if spec is None or spec.constraints.enum is None:
            return None
        return [str(v) for v in spec.constraints.enum]

    def check_allowed(
        self, table: str, field_name: str, values: Iterable[str], option: str
    ) -> None:
        """Raise :class:`UnknownValueError` for a value outside the schema's enum."""
        allowed = self.allowed_values(table, field_name)
        if allowed is None:
            return
        bad = [v for v in values if v not in allowed]
        if bad:
            raise UnknownValueError(
                f"unknown value {bad[0]!r}; allowed: {', '.join(allowed)}", field=option
            )

    def actor(self, actor_id: str) -> dict[str, Any]:
        """The actors row of an actor (id, name or alias)."""
        aid = self.resolve_actor(actor_id)
        return self.query("SELECT * EXCLUDE (_file, _line) FROM actors WHERE id = ?", [aid])[0]

    def actors(self, kind: str | None = None) -> list[dict[str, Any]]:
        """All actors, or those of one kind, sorted by id.

        Raises :class:`UnknownValueError` listing the allowed kinds for any other kind.
        """
        if kind is not None:
            self.check_allowed("actors", "kind", [kind], "kind")
        return self.query(
            "SELECT id, name, kind, cow_code FROM actors WHERE ? IS NULL OR kind = ? ORDER BY id",
            [kind, kind],
        )

    def organization(self, org_id: str) -> dict[str, Any]:
        """The organizations row of an organisation."""
        oid = self.resolve_organization(org_id)
        return self.query("SELECT * EXCLUDE (_file, _line) FROM organizations WHERE id = ?", [oid])[
            0
        ]

    def organizations(self) -> list[dict[str, Any]]:
        """Every organizations row (without internal columns), sorted by id."""
        return self.query(
            """SELECT * EXCLUDE (_file, _line, founded_lo, founded_hi, founded_precision,
                                 dissolved_lo, dissolved_hi, dissolved_precision)
               FROM organizations ORDER BY id"""
        )

    def sources(self, ids: Iterable[str]) -> list[dict[str, Any]]:
        """The sources rows for ``ids`` (id, citation, url, reliability grade, accessed),
        in id order."""
        ids = sorted(set(ids))
        if not ids:
            return []
        return self.query(
            """SELECT id, citation, url, reliability, accessed FROM sources
               WHERE list_contains(?, id) ORDER BY id""",
            [ids],
        )

    # -- as-of queries ---------------------------------------------------------------------
    #
    # ``as_of`` is the day a reader stands on: rows that start after it are dropped, and an
    # end that lies after it is shown as None with ``ongoing`` True, so that nothing later
    # than ``as_of`` shows. Without ``as_of`` every row shows, with its end.

    def members(
        self, organization: str, at: DateLike, statuses: Iterable[str] | None = None
    ) -> list[dict[str, Any]]:
        """Actors with a spell in ``organization`` on day ``at``, with their status.

        ``statuses`` keeps only those statuses (member, observer, partner, suspended,
        frozen; others raise :class:`UnknownValueError`). Each record: actor, name,
        status, start, end, ongoing, certainty, start_uncertain, sources. As of ``at``
        nothing later shows, so ``end`` is None and ``ongoing`` True (``history`` gives
        the ends). Cost: one indexed scan of the memberships table.
        """
        org = self.resolve_organization(organization)
        day = self._day(at, "at")
        wanted = None if statuses is None else sorted(set(statuses))
        if wanted is not None:
            self.check_allowed("memberships", "status", wanted, "status")
        return self.query(
            """
            SELECT m.actor, a.name, m.status, m.start, NULL::VARCHAR AS "end", TRUE AS ongoing,
                   m.certainty,
                   (m.start_precision <> 'day' AND ? <= m.start_hi) AS start_uncertain,
                   m.sources
            FROM memberships m JOIN actors a ON a.id = m.actor
            WHERE m.organization = ? AND m.start_lo <= ? AND (m.end_lo IS NULL OR ? < m.end_lo)
              AND (?::VARCHAR[] IS NULL OR list_contains(?::VARCHAR[], m.status))
            ORDER BY m.actor
            """,
            [day, org, day, day, wanted, wanted],
        )

    def history(
        self, actor: str, organization: str | None = None, *, as_of: DateLike | None = None
    ) -> list[dict[str, Any]]:
        """Every membership spell of ``actor`` (in one organisation or all), by start.

        Each record: organization, status, start, end, ongoing, certainty, note, sources.
        With ``as_of``, spells starting after it are left out and a later end shows as
        None (``ongoing`` True).
        """
        aid = self.resolve_actor(actor)
        org = None if organization is None else self.resolve_organization(organization)
        day = self._as_of(as_of)
        return self.query(
            """
            SELECT organization, status, start,
                   CASE WHEN end_lo > ? THEN NULL ELSE "end" END AS "end",
                   (end_lo IS NULL OR end_lo > ?) AS ongoing, certainty, note, sources
            FROM memberships WHERE actor = ? AND (?::VARCHAR IS NULL OR organization = ?)
              AND start_lo <= ?
            ORDER BY start_lo, organization, status
            """,
            [day, day, aid, org, org, day],
        )

    def spells(self, organization: str, *, as_of: DateLike | None = None) -> list[dict[str, Any]]:
        """Every membership spell in ``organization``, by start then actor.

        Each record: actor, status, start, end, ongoing, certainty, sources. With
        ``as_of``, spells starting after it are left out and a later end shows as None
        (``ongoing`` True).
        """
        org = self.resolve_organization(organization)
        day = self._as_of(as_of)
        return self.query(
            """
            SELECT actor, status, start, CASE WHEN end_lo > ? THEN NULL ELSE "end" END AS "end",
                   (end_lo IS NULL OR end_lo > ?) AS ongoing, certainty, sources
            FROM memberships WHERE organization = ? AND start_lo <= ?
            ORDER BY start_lo, actor, status
            """,
            [day, day, org, day],
        )

    def counts(self) -> dict[str, int]:
        """Number of rows in each table of the package, in the package's table order."""
        return {name: len(table.rows) for name, table in self.package.tables.items()}

    def relations(
        self,
        start: DateLike | None = None,
        end: DateLike | None = None,
        *,
        kind: str | None = None,
        actor: str | None = None,
        organization: str | None = None,
        as_of: DateLike | None = None,
    ) -> list[dict[str, Any]]:
        """Relations in force at some day of the window [start, end] (both inclusive).

        ``start`` alone asks for one day. ``organization`` keeps ties with at least one
        side holding a spell in it during the window. ``kind`` must be one the schema
        allows (else :class:`UnknownValueError`). Each record carries the relations
        columns and ``ongoing``; with ``as_of``, relations starting after it are left
        out and a later end shows as None.
        """
        lo, hi = self._window(start, end)
        day = self._as_of(as_of)
        where = ["r.start_lo <= ?", "(r.end_lo IS NULL OR r.end_lo > ?)", "r.start_lo <= ?"]
        params: list[Any] = [day, day, hi, lo, day]
        if kind is not None:
            self.check_allowed("relations", "kind", [kind], "kind")
            where.append("r.kind = ?")
            params.append(kind)
        if actor is not None:
            where.append("? IN (r.actor_a, r.actor_b)")
            params.append(self.resolve_actor(actor))
        if organization is not None:
            where.append(
                """EXISTS (SELECT 1 FROM memberships m WHERE m.organization = ?
                   AND m.actor IN (r.actor_a, r.actor_b)
                   AND m.start_lo <= ? AND (m.end_lo IS NULL OR m.end_lo > ?))"""
            )
            params += [self.resolve_organization(organization), hi, lo]
        return self.query(
            f"""SELECT r.* EXCLUDE (start_lo, start_hi, start_precision, end_lo, end_hi,
                                    end_precision, _file, _line, "end"),
                       CASE WHEN r.end_lo > ? THEN NULL ELSE r."end" END AS "end",
                       (r.end_lo IS NULL OR r.end_lo > ?) AS ongoing
                FROM relations r WHERE {" AND ".join(where)} ORDER BY r.start_lo, r.id""",
            params,
        )

    def events(
        self,
        start: DateLike | None = None,
        end: DateLike | None = None,
        *,
        kind: str | None = None,
        actor: str | None = None,
        organization: str | None = None,
        as_of: DateLike | None = None,
    ) -> list[dict[str, Any]]:
        """Events that began or lasted within the window [start, end], in date order.

        ``kind`` must be one the schema allows (else :class:`UnknownValueError`). Each
        record: id, date, end_date, ongoing, kind, actors, organization, magnitude,
        magnitude_unit, summary, certainty, sources. With ``as_of``, events beginning
        after it are left out, and an ``end_date`` after it shows as None with
        ``ongoing`` True (``ongoing`` is False otherwise).
        """
        lo, hi = self._window(start, end)
        day = self._as_of(as_of)
        where = ["date_lo <= ?", "coalesce(end_date_hi, date_hi) >= ?", "date_lo <= ?"]
        params: list[Any] = [day, day, hi, lo, day]
        if kind is not None:
            self.check_allowed("events", "kind", [kind], "kind")
            where.append("kind = ?")
            params.append(kind)
        if actor is not None:
            where.append("list_contains(actors, ?)")
            params.append(self.resolve_actor(actor))
        if organization is not None:
            where.append("(organization = ? OR list_contains(actors, ?))")
            org = self.resolve_organization(organization)
            params += [org, org]
        return self.query(
            f"""SELECT id, date, CASE WHEN end_date_lo > ? THEN NULL ELSE end_date END AS end_date,
                       coalesce(end_date_lo > ?, FALSE) AS ongoing, kind, actors, organization,
                       magnitude, magnitude_unit, summary, certainty, sources
                FROM events WHERE {" AND ".join(where)} ORDER BY date_lo, id""",
            params,
        )

    def indicators(
        self,
        actor: str | None = None,
        indicator: str | None = None,
        at: DateLike | None = None,
        *,
        as_of: DateLike | None = None,
    ) -> list[dict[str, Any]]:
        """Indicator values; with ``at``, the latest value per (actor, indicator) whose
        period starts on or before that day. With ``as_of``, values whose period starts
        after it are left out. An ``indicator`` the package does not hold raises
        :class:`UnknownValueError` naming close ones."""
        where, params = ["period_lo <= ?"], [self._as_of(as_of)]
        if actor is not None:
            where.append("actor = ?")
            params.append(self.resolve_actor(actor))
        if indicator is not None:
            names = sorted({r["indicator"] for r in self.package.rows("indicators")})
            if indicator not in names:
                close = difflib.get_close_matches(indicator, names, n=3)
                hint = (
                    f"did you mean {', '.join(close)}?" if close else f"known: {', '.join(names)}"
                )
                raise UnknownValueError(
                    f"no indicator {indicator!r} in the knowledge base; {hint}", field="indicator"
                )
            where.append("indicator = ?")
            params.append(indicator)
        if at is None:
            return self.query(
                f"""SELECT actor, indicator, period, value, unit, certainty, sources FROM indicators
                    WHERE {" AND ".join(where)} ORDER BY actor, indicator, period_lo, period""",
                params,
            )
        where.append("period_lo <= ?")
        params.append(self._day(at, "at"))
        # the latest period per (actor, indicator): ties on the start go to the later text
        key = "(strftime(period_lo, '%Y-%m-%d') || period)"
        return self.query(
            f"""SELECT actor, indicator, arg_max(period, {key}) AS period,
                       arg_max(value, {key}) AS value, arg_max(unit, {key}) AS unit,
                       arg_max(certainty, {key}) AS certainty, arg_max(sources, {key}) AS sources
                FROM indicators WHERE {" AND ".join(where)}
                GROUP BY actor, indicator ORDER BY actor, indicator""",
            params,
        )

    def votes(
        self,
        vote: str | None = None,
        actor: str | None = None,
        *,
        as_of: DateLike | None = None,
    ) -> list[dict[str, Any]]:
        """Recorded votes, by date, vote and actor; with ``as_of``, none cast after it."""
        aid = None if actor is None else self.resolve_actor(actor)
        return self.query(
            """
            SELECT vote, date, body, actor, choice, topic, certainty, sources FROM votes
            WHERE (?::VARCHAR IS NULL OR vote = ?) AND (?::VARCHAR IS NULL OR actor = ?)
              AND date_lo <= ?
            ORDER BY date_lo, vote, actor
            """,
            [vote, vote, aid, aid, self._as_of(as_of)],
        )

    def snapshot(self, at: DateLike, window_days: int = 0) -> Snapshot:
        """The state of the knowledge base on day ``at``, as plain data for the models.

        Memberships and indicators are those of day ``at``; relations are those in force
        on any day of the ``window_days`` days up to it (0: on ``at`` only); events and
        votes are those up to ``at``. Nothing later than ``at`` shows: ends after it are
        None. Dates are parsed (:class:`~phalanx.kb.dates.PartialDate`), and the
        snapshot carries the package's defaults.
        """
        day = self._day(at, "at")
        if window_days < 0:
            raise UserError(f"must be >= 0; got {window_days}", field="window_days")
        memberships = self.query(
            """
            SELECT organization, actor, status, start,
                   CASE WHEN end_lo > ? THEN NULL ELSE "end" END AS "end", certainty, sources
            FROM memberships
            WHERE start_lo <= ? AND (end_lo IS NULL OR ? < end_lo) ORDER BY organization, actor
            """,
            [day, day, day],
        )
        return Snapshot(
            date=day,
            actors=tuple(self.actors()),
            memberships=tuple(memberships),
            relations=tuple(self.relations(day - dt.timedelta(days=window_days), day, as_of=day)),
            indicators=tuple(self.indicators(at=day)),
            events=tuple(self.events("0001-01-01", day, as_of=day)),
            votes=tuple(
                self.query(
                    """SELECT vote, date, body, actor, choice, topic FROM votes
                       WHERE date_lo <= ? ORDER BY date_lo, vote, actor""",
                    [day],
                )
            ),
            organizations=tuple(
                self.query(
                    """SELECT id, name, kind, founded, dissolved, decision_rule,
                              dispute_mechanism, leader, coverage
                       FROM organizations ORDER BY id"""
                )
            ),
            data_version=self.version,
            window_days=window_days,
            defaults=self.package.defaults,
        )

    @staticmethod
    def _day(value: DateLike, option: str, *, end: bool = False) -> dt.date:
        return query_day(value, option, end=end)

    @classmethod
    def _as_of(cls, as_of: DateLike | None) -> dt.date:
        """The as-of day (the first day of a partial date, as for ``--at``), or the far future
        for None."""
        return dt.date(9999, 12, 31) if as_of is None else cls._day(as_of, "as_of", end=False)

    @classmethod
    def _window(cls, start: DateLike | None, end: DateLike | None) -> tuple[dt.date, dt.date]:
        """The days [lo, hi] of a query window; a reversed window is a UserError."""
        lo = dt.date(1, 1, 1) if start is None else cls._day(start, "from")
        if end is None:
            hi = dt.date(9999, 12, 31) if start is None else cls._day(start, "from", end=True)
        else:
            hi = cls._day(end, "to", end=True)
        if hi < lo:
            raise UserError(
                f"the window ends ({end}) before it starts ({start}); give --from before --to",
                field="to",
            )
        return lo, hi
