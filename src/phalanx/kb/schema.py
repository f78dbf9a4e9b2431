"""The schema of Phalanx's core tables, owned by the code, and the rules a package's own
schema must follow.

A data package is read against this schema, not against whatever its ``datapackage.json``
declares. A package's descriptor may omit the schema of a core table (the core schema is
used) or restate it; a restated core field must keep the core type and format and may
tighten its constraints (a smaller enumeration, a narrower range, ``required`` or
``unique`` added) but never loosen or drop them. A package may add fields of its own to a
core table, and tables of its own; every table and field name is an identifier
(``^[a-z][a-z0-9_]*$``, at most 63 characters) that cannot collide with the columns the
store adds (``<date field>_lo``, ``_hi``, ``_precision``, ``period_lo``, ``_file``,
``_line``).

Tables ``sources``, ``actors``, ``organizations`` and ``memberships`` are required;
``provisions``, ``relations``, ``events``, ``indicators`` and ``votes`` may be absent, and
are then empty (with a warning), so every query of the knowledge base works on every
package.

>>> core_schema("relations").field("sign").constraints.enum
[-1, 1]
>>> quote_ident("end")
'"end"'
>>> safe_url("javascript:alert(1)") is None
True
"""

from __future__ import annotations

import copy
import re
from typing import Any

from phalanx.errors import UserError
from phalanx.kb.descriptor import (
    Constraints,
    Descriptor,
    FieldSpec,
    Resource,
    TableSchema,
    check_consistency,
    is_identifier,
)
from phalanx.kb.errors import Problem
from phalanx.safe_files import safe_url

__all__ = [
    "CORE_TABLES",
    "REQUIRED_TABLES",
    "OPTIONAL_TABLES",
    "core_schema",
    "core_resource",
    "core_descriptor_resources",
    "internal_columns",
    "is_identifier",
    "quote_ident",
    "resolve_schemas",
    "safe_url",
]

_RESERVED_TABLE = re.compile(r"(duckdb_|pg_|sqlite_|information_schema$|main$|temp$)", re.ASCII)

# The core tables are written with the small constructors below, so that each table reads
# as a list of its fields and the fields every table shares are defined once. Each
# constructor returns fresh dicts (nothing is shared between tables) whose keys come in
# the order a datapackage.json lists them: name, type, format, constraints, description.

_DATE_TEXT = (
    "ISO 8601 date of year, month or day precision: YYYY, YYYY-MM or YYYY-MM-DD; "
    "the precision is kept."
)
"""How every partial-date field is written; appended to the description of each."""

_CERTAINTY = ("confirmed", "single_source", "inferred", "conflict")
"""The grades of the ``certainty`` field of the fact tables (provisions to votes)."""


def _field(
    name: str,
    description: str,
    type_: str = "string",
    *,
    format: str | None = None,
    **constraints: Any,
) -> dict[str, Any]:
    """A field descriptor (Table Schema): ``name`` of ``type_`` (and ``format``, if
    given), with ``constraints`` (``required``, ``unique``, ``pattern``, ``enum``,
    ``minimum``, ``maximum``, kept in the order given; no key when there are none)."""
    out: dict[str, Any] = {"name": name, "type": type_}
    if format is not None:
        out["format"] = format
    if constraints:
        out["constraints"] = dict(constraints)
    out["description"] = description
    return out


def _id(description: str, pattern: str | None = None) -> dict[str, Any]:
    """The required, unique ``id`` field of a table, matching ``pattern`` if given."""
    if pattern is None:
        return _field("id", description, required=True, unique=True)
    return _field("id", description, required=True, unique=True, pattern=pattern)


def _enum(
    name: str, values: list[Any] | tuple[Any, ...], description: str, required: bool = True
) -> dict[str, Any]:
    """A string field whose value is one of ``values`` (in that order)."""
    if required:
        return _field(name, description, required=True, enum=list(values))
    return _field(name, description, enum=list(values))


def _date(name: str, what: str, required: bool = False) -> dict[str, Any]:
    """A partial-date field (year, month or day precision); ``what`` says what the date
    is, a sentence that the standard text on how dates are written follows."""
    description = f"{what} {_DATE_TEXT}"
    if required:
        return _field(name, description, format="partial-date", required=True)
    return _field(name, description, format="partial-date")


def _certainty() -> dict[str, Any]:
    """The required ``certainty`` field: how well the row's sources establish it."""
    return _enum(
        "certainty",
        _CERTAINTY,
        "confirmed: two or more sources agree; single_source: one secondary source; "
        "inferred: reasoned from sources, not stated; conflict: sources disagree (the "
        "note says how).",
    )


def _note() -> dict[str, Any]:
    """The optional free-text ``note`` field every core table has (just before
    ``sources``; last in the sources table)."""
    return _field("note", "Free text: caveats, alternative dates, what a source says.")


def _sources() -> dict[str, Any]:
    """The required ``sources`` field: a list of ids of rows in the sources table (its
    foreign key is ``_fk("sources", "sources")``)."""
    return _field(
        "sources",
        "Semicolon-separated ids of rows in the sources table; at least one.",
        format="list",
        required=True,
    )


def _fk(field: str, table: str) -> dict[str, Any]:
    """A foreign key from ``field`` to the ``id`` field of ``table``."""
    return {"fields": [field], "reference": {"resource": table, "fields": ["id"]}}


def _table(
    name: str,
    description: str,
    fields: list[dict[str, Any]],
    primary_key: list[str],
    foreign_keys: list[dict[str, Any]],
) -> dict[str, Any]:
    """A core table ``name``, read from ``<name>.csv``, with its schema."""
    return {
        "name": name,
        "path": f"{name}.csv",
        "description": description,
        "schema": {"fields": fields, "primaryKey": primary_key, "foreignKeys": foreign_keys},
    }


_CORE: tuple[dict[str, Any], ...] = (
    _table(
        "sources",
        "Every source cited by any row.",
        [
            _id("Short stable id, e.g. tass-2012-uzb-suspension.", "^[a-z0-9][a-z0-9_.-]*$"),
            _field("citation", "Author or publisher, title, date.", required=True),
            _field(
                "url",
                "Where the source can be read (http or https).",
                required=True,
                pattern="^https?://\\S+$",
            ),
            _enum(
                "reliability",
                ["official", "scholarly", "news", "reference", "state_media", "aggregator"],
                "Grade of the source: official (a government, treaty or organisation "
                "document), scholarly (a research dataset or study), news (a major news "
                "agency or paper), reference (an encyclopaedia), state_media (a "
                "state-controlled outlet), aggregator (an aggregator, copy or mirror of "
                "another page).",
            ),
            _date("accessed", "When the source was read."),
            _note(),
        ],
        ["id"],
        [],
    ),
    _table(
        "actors",
        "States, organisations, armed groups and territories.",
        [
            _id(
                "ISO 3166-1 alpha-3 for states; short upper-case codes for organisations "
                "and groups.",
                "^[A-Z][A-Za-z0-9_]*$",
            ),
            _field("name", "Common English name.", required=True),
            _enum(
                "kind", ["state", "organization", "armed_group", "territory"], "What the actor is."
            ),
            _field(
                "cow_code",
                "Correlates of War state code, where one exists.",
                "integer",
                minimum=1,
                maximum=999,
            ),
            _field("aliases", "Semicolon-separated other names, for matching text."),
            _note(),
            _sources(),
        ],
        ["id"],
        [_fk("sources", "sources")],
    ),
    _table(
        "organizations",
        "Organisations of the architecture (each is also an actor).",
        [
            _id("The organisation's actor id."),
            _field("name", "Official English name.", required=True),
            _enum(
                "kind",
                [
                    "collective_defence",
                    "security_cooperation",
                    "economic",
                    "political",
                    "partnership",
                ],
                "Main purpose.",
            ),
            _date("founded", "Founding or entry into force (see note).", required=True),
            _date("dissolved", "Dissolution, if any."),
            _enum(
                "decision_rule",
                ["consensus", "unanimity", "majority", "qualified_majority", "weighted", "unknown"],
                "How its main body decides.",
            ),
            _field(
                "dispute_mechanism",
                "Whether it has a mechanism to settle disputes between members.",
                "boolean",
            ),
            _field("leader", "The leading state, if one dominates (actor id)."),
            _enum(
                "coverage",
                ["complete", "partial"],
                "Whether the package lists every full member over the organisation's life "
                "(complete) or only some (partial); the note says which. Empty: not "
                "declared, shown as partial.",
                required=False,
            ),
            _note(),
            _sources(),
        ],
        ["id"],
        [_fk("id", "actors"), _fk("leader", "actors"), _fk("sources", "sources")],
    ),
    _table(
        "provisions",
        "Treaty provisions of an organisation.",
        [
            _field("organization", "Organisation id.", required=True),
            _field(
                "article",
                "Article or instrument, e.g. 'Art. 4' or 'CRRF agreement'.",
                required=True,
            ),
            _enum(
                "kind",
                [
                    "collective_defence",
                    "consultation",
                    "decision_rule",
                    "rapid_reaction",
                    "peacekeeping",
                    "suspension",
                    "withdrawal",
                    "basing",
                    "duration",
                    "renewal",
                    "purpose",
                    "other",
                ],
                "What the provision does.",
            ),
            _enum(
                "domain",
                [
                    "external_aggression",
                    "terrorism",
                    "extremism",
                    "drug_trafficking",
                    "arms_trafficking",
                    "cyber",
                    "transnational_crime",
                    "illegal_migration",
                    "emergencies",
                ],
                "The threat or purpose a provision addresses, where it names one.",
                required=False,
            ),
            _field("summary", "The provision in our own words.", required=True),
            _date("adopted", "When the provision was adopted or amended."),
            _certainty(),
            _note(),
            _sources(),
        ],
        ["organization", "article"],
        [_fk("organization", "organizations"), _fk("sources", "sources")],
    ),
    _table(
        "memberships",
        "Spells of an actor's status in an organisation; a spell holds from start "
        "(inclusive) to end (exclusive).",
        [
            _field("organization", "Organisation id.", required=True),
            _field("actor", "Actor id.", required=True),
            _enum(
                "status",
                ["member", "observer", "partner", "suspended", "frozen"],
                "Status during the spell.",
            ),
            _date("start", "First day of the spell.", required=True),
            _date("end", "First day after the spell; empty while it lasts."),
            _certainty(),
            _note(),
            _sources(),
        ],
        ["organization", "actor", "start"],
        [_fk("organization", "organizations"), _fk("actor", "actors"), _fk("sources", "sources")],
    ),
    _table(
        "relations",
        "Dyadic ties over time; a tie holds from start (inclusive) to end (exclusive).",
        [
            _id("Stable id."),
            _field(
                "actor_a",
                "First actor (for directed kinds: the supplier, the basing state, the patron).",
                required=True,
            ),
            _field(
                "actor_b",
                "Second actor (for directed kinds: the recipient or host).",
                required=True,
            ),
            _enum(
                "kind",
                [
                    "alliance",
                    "partnership",
                    "basing",
                    "arms_supply",
                    "economic",
                    "rivalry",
                    "territorial_dispute",
                    "armed_conflict",
                    "threat_perception",
                    "territorial_threat",
                    "peacekeeping",
                ],
                "Kind of tie.",
            ),
            _field(
                "directed",
                "Whether the tie runs from actor_a to actor_b.",
                "boolean",
                required=True,
            ),
            _field(
                "sign",
                "+1 a cooperative tie, -1 an adversarial one.",
                "integer",
                required=True,
                enum=[-1, 1],
            ),
            _field(
                "intensity",
                "Strength of the tie, 0 (nominal) to 1 (strongest), as documented in the codebook.",
                "number",
                required=True,
                minimum=0,
                maximum=1,
            ),
            _date("start", "First day of the tie.", required=True),
            _date("end", "First day after the tie; empty while it lasts."),
            _certainty(),
            _note(),
            _sources(),
        ],
        ["id"],
        [_fk("actor_a", "actors"), _fk("actor_b", "actors"), _fk("sources", "sources")],
    ),
    _table(
        "events",
        "Dated events.",
        [
            _id("Stable id."),
            _date("date", "Day (or month, year) the event began.", required=True),
            _date("end_date", "Day the event ended, for events that last."),
            _enum(
                "kind",
                [
                    "treaty",
                    "accession",
                    "withdrawal",
                    "suspension",
                    "freeze",
                    "invocation",
                    "deployment",
                    "clash",
                    "vote",
                    "summit",
                    "agreement",
                    "arms_deal",
                    "basing",
                    "statement",
                    "recognition",
                    "non_recognition",
                    "other",
                ],
                "Kind of event.",
            ),
            _field(
                "actors",
                "Semicolon-separated actor ids taking part.",
                format="list",
                required=True,
            ),
            _field("organization", "Organisation concerned, if any."),
            _field(
                "magnitude",
                "Size of the event in magnitude_unit (e.g. deaths, troops).",
                "number",
                minimum=0,
            ),
            _enum(
                "magnitude_unit",
                ["deaths", "troops", "displaced", "usd_millions", "units"],
                "Unit of magnitude.",
                required=False,
            ),
            _field("summary", "What happened, in our own words.", required=True),
            _certainty(),
            _note(),
            _sources(),
        ],
        ["id"],
        [_fk("actors", "actors"), _fk("organization", "organizations"), _fk("sources", "sources")],
    ),
    _table(
        "indicators",
        "Quantities per actor and period.",
        [
            _field("actor", "Actor id.", required=True),
            _field(
                "indicator",
                "Indicator name, e.g. cinc, arms_import_share_from_RUS, milex.",
                required=True,
                pattern="^[a-z][a-z0-9_]*(_[A-Z]{3})?$",
            ),
            _field(
                "period",
                "Year (YYYY), date, or interval of years (YYYY/YYYY) the value covers.",
                required=True,
                pattern="^\\d{4}(-\\d{2}(-\\d{2})?)?(/\\d{4})?$",
            ),
            _field("value", "The value, in unit.", "number", required=True),
            _field("unit", "Unit, e.g. share (0-1), usd_millions, percent_gdp.", required=True),
            _certainty(),
            _note(),
            _sources(),
        ],
        ["actor", "indicator", "period"],
        [_fk("actor", "actors"), _fk("sources", "sources")],
    ),
    _table(
        "votes",
        "Recorded votes of actors in a body (e.g. the UN General Assembly).",
        [
            _field("vote", "Id of the vote, e.g. A/RES/ES-11/1.", required=True),
            _date("date", "Day of the vote.", required=True),
            _field("body", "Body voting, e.g. UNGA.", required=True),
            _field("actor", "Actor id.", required=True),
            _enum("choice", ["yes", "no", "abstain", "absent"], "How the actor voted."),
            _field("topic", "Short topic, e.g. ukraine."),
            _certainty(),
            _note(),
            _sources(),
        ],
        ["vote", "actor"],
        [_fk("actor", "actors"), _fk("sources", "sources")],
    ),
)


CORE_TABLES: tuple[str, ...] = tuple(t["name"] for t in _CORE)
"""The nine core tables, in dependency order (a table refers only to earlier ones)."""

REQUIRED_TABLES: tuple[str, ...] = ("sources", "actors", "organizations", "memberships")
"""Core tables every package (or stack of layers) must have."""

OPTIONAL_TABLES: tuple[str, ...] = tuple(t for t in CORE_TABLES if t not in REQUIRED_TABLES)
"""Core tables a package may leave out: they are then empty, with a warning."""

_BY_NAME = {t["name"]: t for t in _CORE}
_SCHEMAS = {name: TableSchema.model_validate(t["schema"]) for name, t in _BY_NAME.items()}


def quote_ident(name: str) -> str:
    """``name`` quoted for SQL, after checking that it is an identifier.

    The check, not the quoting, is what makes this safe: a name holding a quote never
    reaches SQL. Raises :class:`~phalanx.errors.UserError` for any other name.

    >>> quote_ident('x" VARCHAR); DROP TABLE actors; --')
    Traceback (most recent call last):
    ...
    phalanx.errors.UserError: 'x" VARCHAR); DROP TABLE actors; --' is not an identifier (lower-case ASCII letters, digits and '_', starting with a letter, at most 63 characters)
    """
    if not is_identifier(name):
        raise UserError(
            f"{name!r} is not an identifier (lower-case ASCII letters, digits and '_', "
            "starting with a letter, at most 63 characters)"
        )
    return f'"{name}"'


def core_schema(name: str) -> TableSchema:
    """A fresh copy of the core schema of table ``name`` (one of :data:`CORE_TABLES`)."""
    return _SCHEMAS[name].model_copy(deep=True)


def core_resource(name: str) -> Resource:
    """A resource for core table ``name`` at its usual path, with the core schema."""
    t = _BY_NAME[name]
    return Resource(
        name=name, path=t["path"], description=t["description"], schema=core_schema(name)
    )


def core_descriptor_resources() -> list[dict[str, Any]]:
    """The ``resources`` of a ``datapackage.json`` with every core table and its full
    schema, as plain JSON data (what ``phalanx new-package`` writes)."""
    out = []
    for t in copy.deepcopy(list(_CORE)):
        t["schema"]["missingValues"] = [""]
        out.append(
            {
                "name": t["name"],
                "path": t["path"],
                "profile": "tabular-data-resource",
                "format": "csv",
                "encoding": "utf-8",
                "description": t["description"],
                "schema": t["schema"],
            }
        )
    return out


def internal_columns(schema: TableSchema) -> set[str]:
    """The columns the store adds to a table with ``schema``: ``<f>_lo``, ``<f>_hi``,
    ``<f>_precision`` for every partial-date field ``f``, ``period_lo`` for a ``period``
    field, and ``_file``, ``_line`` (where each row came from)."""
    cols = {"_file", "_line"}
    for f in schema.fields:
        if f.format == "partial-date":
            cols |= {f"{f.name}_lo", f"{f.name}_hi", f"{f.name}_precision"}
        elif f.name == "period":
            cols.add("period_lo")
    return cols


def _fmt(spec: FieldSpec) -> str:
    return spec.format or "default"


def _restate_field(
    core: FieldSpec, given: FieldSpec, file: str, where: str
) -> tuple[FieldSpec, list[Problem]]:
    """The effective spec of a restated core field: the core spec, narrowed by ``given``."""
    probs: list[Problem] = []

    def bad(msg: str) -> None:
        probs.append(Problem(file, None, where, msg))

    if (given.type, _fmt(given)) != (core.type, _fmt(core)):
        bad(
            f"is a core field of type {core.type} (format {_fmt(core)}); "
            f"the package declares {given.type} (format {_fmt(given)}), which is not allowed"
        )
        return core, probs
    c, g = core.constraints, given.constraints
    eff = c.model_copy()
    for flag in ("required", "unique"):
        if getattr(c, flag) and not getattr(g, flag):
            bad(f"drops the core constraint {flag}: true")
        setattr(eff, flag, getattr(c, flag) or getattr(g, flag))
    if c.enum is not None:
        if g.enum is None:
            bad(f"drops the core enumeration ({', '.join(map(str, c.enum))})")
        else:
            extra = [v for v in g.enum if v not in c.enum]
            if extra:
                bad(
                    f"adds {', '.join(map(repr, extra))} to the core enumeration ({', '.join(map(str, c.enum))})"
                )
            else:
                eff.enum = list(g.enum)
    elif g.enum is not None:
        eff.enum = list(g.enum)
    for bound, looser in (("minimum", lambda a, b: a < b), ("maximum", lambda a, b: a > b)):
        cv, gv = getattr(c, bound), getattr(g, bound)
        if cv is not None and gv is None:
            bad(f"drops the core {bound} {cv:g}")
        elif cv is not None and looser(gv, cv):
            bad(f"loosens the core {bound} {cv:g} to {gv:g}")
        elif gv is not None:
            setattr(eff, bound, gv)
    if c.pattern is not None and g.pattern != c.pattern:
        what = "drops" if g.pattern is None else "replaces"
        bad(f"{what} the core pattern {c.pattern}")
    elif c.pattern is None and g.pattern is not None:
        eff.pattern = g.pattern
    return core.model_copy(
        update={"constraints": Constraints.model_validate(eff.model_dump())}
    ), probs


def _effective_schema(res: Resource, file: str) -> tuple[TableSchema | None, list[Problem]]:
    where = f"resources.{res.name}.schema"
    given = res.table_schema
    if res.name not in _SCHEMAS:
        if given is None:
            return None, [
                Problem(
                    file, None, where, "is missing; a table of the package's own needs a schema"
                )
            ]
        if _RESERVED_TABLE.match(res.name):
            return None, [
                Problem(
                    file,
                    None,
                    f"resources.{res.name}",
                    "is a name the database reserves; choose another",
                )
            ]
        return given, _check_extras(given, set(), file, where)
    core = core_schema(res.name)
    if given is None:
        return core, []
    probs: list[Problem] = []
    if given.primaryKey and given.primaryKey != core.primaryKey:
        probs.append(
            Problem(
                file,
                None,
                f"{where}.primaryKey",
                f"is {given.primaryKey}; the core primary key is {core.primaryKey}",
            )
        )
    if given.missingValues != core.missingValues:
        probs.append(
            Problem(
                file,
                None,
                f"{where}.missingValues",
                'of a core table must be [""] (an empty cell is the only missing value)',
            )
        )
    fields: list[FieldSpec] = []
    for cf in core.fields:
        gf = given.field(cf.name)
        if gf is None:
            probs.append(
                Problem(
                    file,
                    None,
                    f"{where}.fields.{cf.name}",
                    "is a core field missing from the restated schema; restate every core field or omit the schema",
                )
            )
            fields.append(cf)
            continue
        eff, p = _restate_field(cf, gf, file, f"{where}.fields.{cf.name}")
        probs += p
        fields.append(eff)
    core_names = set(core.names)
    extras = [f for f in given.fields if f.name not in core_names]
    fks = list(core.foreignKeys)
    fks += [fk for fk in given.foreignKeys if fk not in fks]
    schema = core.model_copy(update={"fields": fields + extras, "foreignKeys": fks})
    probs += _check_extras(schema, core_names, file, where)
    return schema, probs


def _check_extras(
    schema: TableSchema, core_names: set[str], file: str, where: str
) -> list[Problem]:
    """Fields of the package's own may not collide with the columns the store adds."""
    internal = internal_columns(schema)
    return [
        Problem(
            file,
            None,
            f"{where}.fields.{f.name}",
            f"collides with a column Phalanx adds ({f.name}); choose another name",
        )
        for f in schema.fields
        if f.name not in core_names and f.name in internal
    ]


def resolve_schemas(desc: Descriptor, file: str) -> tuple[Descriptor | None, list[Problem]]:
    """``desc`` with every core table's schema replaced by its effective one (the core
    schema, narrowed by what the package restates, plus the package's own fields), and
    every table of the package's own checked. ``file`` names the descriptor in problems.

    Returns (descriptor, []) or (None, problems).
    """
    probs: list[Problem] = []
    resources = []
    for res in desc.resources:
        schema, p = _effective_schema(res, file)
        probs += p
        if schema is not None:
            resources.append(res.model_copy(update={"table_schema": schema}))
    if probs:
        return None, probs
    out = desc.model_copy(update={"resources": resources})
    probs = check_consistency(out, file)
    return (None, probs) if probs else (out, [])
