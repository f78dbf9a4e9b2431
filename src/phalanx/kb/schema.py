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

_CORE: tuple[dict[str, Any], ...] = (
    {
        "name": "sources",
        "path": "sources.csv",
        "description": "Every source cited by any row.",
        "schema": {
            "fields": [
                {
                    "name": "id",
                    "type": "string",
                    "constraints": {
                        "required": True,
                        "unique": True,
                        "pattern": "^[a-z0-9][a-z0-9_.-]*$",
                    },
                    "description": "Short stable id, e.g. tass-2012-uzb-suspension.",
                },
                {
                    "name": "citation",
                    "type": "string",
                    "constraints": {"required": True},
                    "description": "Author or publisher, title, date.",
                },
                {
                    "name": "url",
                    "type": "string",
                    "constraints": {"required": True, "pattern": "^https?://\\S+$"},
                    "description": "Where the source can be read (http or https).",
                },
                {
                    "name": "reliability",
                    "type": "string",
                    "constraints": {
                        "required": True,
                        "enum": [
                            "official",
                            "scholarly",
                            "news",
                            "reference",
                            "state_media",
                            "aggregator",
                        ],
                    },
                    "description": "Grade of the source: official (a government, treaty "
                    "or organisation document), scholarly (a research "
                    "dataset or study), news (a major news agency or "
                    "paper), reference (an encyclopaedia), state_media (a "
                    "state-controlled outlet), aggregator (an aggregator, "
                    "copy or mirror of another page).",
                },
                {
                    "name": "accessed",
                    "type": "string",
                    "format": "partial-date",
                    "description": "When the source was read. ISO 8601 date of year, "
                    "month or day precision: YYYY, YYYY-MM or YYYY-MM-DD; "
                    "the precision is kept.",
                },
                {
                    "name": "note",
                    "type": "string",
                    "description": "Free text: caveats, alternative dates, what a source says.",
                },
            ],
            "primaryKey": ["id"],
            "foreignKeys": [],
        },
    },
    {
        "name": "actors",
        "path": "actors.csv",
        "description": "States, organisations, armed groups and territories.",
        "schema": {
            "fields": [
                {
                    "name": "id",
                    "type": "string",
                    "constraints": {
                        "required": True,
                        "unique": True,
                        "pattern": "^[A-Z][A-Za-z0-9_]*$",
                    },
                    "description": "ISO 3166-1 alpha-3 for states; short upper-case "
                    "codes for organisations and groups.",
                },
                {
                    "name": "name",
                    "type": "string",
                    "constraints": {"required": True},
                    "description": "Common English name.",
                },
                {
                    "name": "kind",
                    "type": "string",
                    "constraints": {
                        "required": True,
                        "enum": ["state", "organization", "armed_group", "territory"],
                    },
                    "description": "What the actor is.",
                },
                {
                    "name": "cow_code",
                    "type": "integer",
                    "constraints": {"minimum": 1, "maximum": 999},
                    "description": "Correlates of War state code, where one exists.",
                },
                {
                    "name": "aliases",
                    "type": "string",
                    "description": "Semicolon-separated other names, for matching text.",
                },
                {
                    "name": "note",
                    "type": "string",
                    "description": "Free text: caveats, alternative dates, what a source says.",
                },
                {
                    "name": "sources",
                    "type": "string",
                    "format": "list",
                    "constraints": {"required": True},
                    "description": "Semicolon-separated ids of rows in the sources "
                    "table; at least one.",
                },
            ],
            "primaryKey": ["id"],
            "foreignKeys": [
                {"fields": ["sources"], "reference": {"resource": "sources", "fields": ["id"]}}
            ],
        },
    },
    {
        "name": "organizations",
        "path": "organizations.csv",
        "description": "Organisations of the architecture (each is also an actor).",
        "schema": {
            "fields": [
                {
                    "name": "id",
                    "type": "string",
                    "constraints": {"required": True, "unique": True},
                    "description": "The organisation's actor id.",
                },
                {
                    "name": "name",
                    "type": "string",
                    "constraints": {"required": True},
                    "description": "Official English name.",
                },
                {
                    "name": "kind",
                    "type": "string",
                    "constraints": {
                        "required": True,
                        "enum": [
                            "collective_defence",
                            "security_cooperation",
                            "economic",
                            "political",
                            "partnership",
                        ],
                    },
                    "description": "Main purpose.",
                },
                {
                    "name": "founded",
                    "type": "string",
                    "format": "partial-date",
                    "constraints": {"required": True},
                    "description": "Founding or entry into force (see note). ISO 8601 "
                    "date of year, month or day precision: YYYY, YYYY-MM "
                    "or YYYY-MM-DD; the precision is kept.",
                },
                {
                    "name": "dissolved",
                    "type": "string",
                    "format": "partial-date",
                    "description": "Dissolution, if any. ISO 8601 date of year, month or "
                    "day precision: YYYY, YYYY-MM or YYYY-MM-DD; the "
                    "precision is kept.",
                },
                {
                    "name": "decision_rule",
                    "type": "string",
                    "constraints": {
                        "required": True,
                        "enum": [
                            "consensus",
                            "unanimity",
                            "majority",
                            "qualified_majority",
                            "weighted",
                            "unknown",
                        ],
                    },
                    "description": "How its main body decides.",
                },
                {
                    "name": "dispute_mechanism",
                    "type": "boolean",
                    "description": "Whether it has a mechanism to settle disputes between members.",
                },
                {
                    "name": "leader",
                    "type": "string",
                    "description": "The leading state, if one dominates (actor id).",
                },
                {
                    "name": "coverage",
                    "type": "string",
                    "constraints": {"enum": ["complete", "partial"]},
                    "description": "Whether the package lists every full member over the "
                    "organisation's life (complete) or only some "
                    "(partial); the note says which. Empty: not declared, "
                    "shown as partial.",
                },
                {
                    "name": "note",
                    "type": "string",
                    "description": "Free text: caveats, alternative dates, what a source says.",
                },
                {
                    "name": "sources",
                    "type": "string",
                    "format": "list",
                    "constraints": {"required": True},
                    "description": "Semicolon-separated ids of rows in the sources "
                    "table; at least one.",
                },
            ],
            "primaryKey": ["id"],
            "foreignKeys": [
                {"fields": ["id"], "reference": {"resource": "actors", "fields": ["id"]}},
                {"fields": ["leader"], "reference": {"resource": "actors", "fields": ["id"]}},
                {"fields": ["sources"], "reference": {"resource": "sources", "fields": ["id"]}},
            ],
        },
    },
    {
        "name": "provisions",
        "path": "provisions.csv",
        "description": "Treaty provisions of an organisation.",
        "schema": {
            "fields": [
                {
                    "name": "organization",
                    "type": "string",
                    "constraints": {"required": True},
                    "description": "Organisation id.",
                },
                {
                    "name": "article",
                    "type": "string",
                    "constraints": {"required": True},
                    "description": "Article or instrument, e.g. 'Art. 4' or 'CRRF agreement'.",
                },
                {
                    "name": "kind",
                    "type": "string",
                    "constraints": {
                        "required": True,
                        "enum": [
                            "collective_defence",
                            "consultation",
                            "decision_rule",
                            "rapid_reaction",
                            "peacekeeping",
                            "suspension",
                            "withdrawal",
                            "basing",
                            "duration",
                            "purpose",
                            "other",
                        ],
                    },
                    "description": "What the provision does.",
                },
                {
                    "name": "domain",
                    "type": "string",
                    "constraints": {
                        "enum": [
                            "external_aggression",
                            "terrorism",
                            "extremism",
                            "drug_trafficking",
                            "arms_trafficking",
                            "cyber",
                            "transnational_crime",
                            "illegal_migration",
                            "emergencies",
                        ]
                    },
                    "description": "The threat or purpose a provision addresses, where "
                    "it names one.",
                },
                {
                    "name": "summary",
                    "type": "string",
                    "constraints": {"required": True},
                    "description": "The provision in our own words.",
                },
                {
                    "name": "adopted",
                    "type": "string",
                    "format": "partial-date",
                    "description": "When the provision was adopted or amended. ISO 8601 "
                    "date of year, month or day precision: YYYY, YYYY-MM "
                    "or YYYY-MM-DD; the precision is kept.",
                },
                {
                    "name": "certainty",
                    "type": "string",
                    "constraints": {
                        "required": True,
                        "enum": ["confirmed", "single_source", "inferred", "conflict"],
                    },
                    "description": "confirmed: two or more sources agree; single_source: "
                    "one secondary source; inferred: reasoned from "
                    "sources, not stated; conflict: sources disagree (the "
                    "note says how).",
                },
                {
                    "name": "note",
                    "type": "string",
                    "description": "Free text: caveats, alternative dates, what a source says.",
                },
                {
                    "name": "sources",
                    "type": "string",
                    "format": "list",
                    "constraints": {"required": True},
                    "description": "Semicolon-separated ids of rows in the sources "
                    "table; at least one.",
                },
            ],
            "primaryKey": ["organization", "article"],
            "foreignKeys": [
                {
                    "fields": ["organization"],
                    "reference": {"resource": "organizations", "fields": ["id"]},
                },
                {"fields": ["sources"], "reference": {"resource": "sources", "fields": ["id"]}},
            ],
        },
    },
    {
        "name": "memberships",
        "path": "memberships.csv",
        "description": "Spells of an actor's status in an organisation; a spell holds from start "
        "(inclusive) to end (exclusive).",
        "schema": {
            "fields": [
                {
                    "name": "organization",
                    "type": "string",
                    "constraints": {"required": True},
                    "description": "Organisation id.",
                },
                {
                    "name": "actor",
                    "type": "string",
                    "constraints": {"required": True},
                    "description": "Actor id.",
                },
                {
                    "name": "status",
                    "type": "string",
                    "constraints": {
                        "required": True,
                        "enum": ["member", "observer", "partner", "suspended", "frozen"],
                    },
                    "description": "Status during the spell.",
                },
                {
                    "name": "start",
                    "type": "string",
                    "format": "partial-date",
                    "constraints": {"required": True},
                    "description": "First day of the spell. ISO 8601 date of year, month "
                    "or day precision: YYYY, YYYY-MM or YYYY-MM-DD; the "
                    "precision is kept.",
                },
                {
                    "name": "end",
                    "type": "string",
                    "format": "partial-date",
                    "description": "First day after the spell; empty while it lasts. ISO "
                    "8601 date of year, month or day precision: YYYY, "
                    "YYYY-MM or YYYY-MM-DD; the precision is kept.",
                },
                {
                    "name": "certainty",
                    "type": "string",
                    "constraints": {
                        "required": True,
                        "enum": ["confirmed", "single_source", "inferred", "conflict"],
                    },
                    "description": "confirmed: two or more sources agree; single_source: "
                    "one secondary source; inferred: reasoned from "
                    "sources, not stated; conflict: sources disagree (the "
                    "note says how).",
                },
                {
                    "name": "note",
                    "type": "string",
                    "description": "Free text: caveats, alternative dates, what a source says.",
                },
                {
                    "name": "sources",
                    "type": "string",
                    "format": "list",
                    "constraints": {"required": True},
                    "description": "Semicolon-separated ids of rows in the sources "
                    "table; at least one.",
                },
            ],
            "primaryKey": ["organization", "actor", "start"],
            "foreignKeys": [
                {
                    "fields": ["organization"],
                    "reference": {"resource": "organizations", "fields": ["id"]},
                },
                {"fields": ["actor"], "reference": {"resource": "actors", "fields": ["id"]}},
                {"fields": ["sources"], "reference": {"resource": "sources", "fields": ["id"]}},
            ],
        },
    },
    {
        "name": "relations",
        "path": "relations.csv",
        "description": "Dyadic ties over time; a tie holds from start (inclusive) to end "
        "(exclusive).",
        "schema": {
            "fields": [
                {
                    "name": "id",
                    "type": "string",
                    "constraints": {"required": True, "unique": True},
                    "description": "Stable id.",
                },
                {
                    "name": "actor_a",
                    "type": "string",
                    "constraints": {"required": True},
                    "description": "First actor (for directed kinds: the supplier, the "
                    "basing state, the patron).",
                },
                {
                    "name": "actor_b",
                    "type": "string",
                    "constraints": {"required": True},
                    "description": "Second actor (for directed kinds: the recipient or host).",
                },
                {
                    "name": "kind",
                    "type": "string",
                    "constraints": {
                        "required": True,
                        "enum": [
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
                    },
                    "description": "Kind of tie.",
                },
                {
                    "name": "directed",
                    "type": "boolean",
                    "constraints": {"required": True},
                    "description": "Whether the tie runs from actor_a to actor_b.",
                },
                {
                    "name": "sign",
                    "type": "integer",
                    "constraints": {"required": True, "enum": [-1, 1]},
                    "description": "+1 a cooperative tie, -1 an adversarial one.",
                },
                {
                    "name": "intensity",
                    "type": "number",
                    "constraints": {"required": True, "minimum": 0, "maximum": 1},
                    "description": "Strength of the tie, 0 (nominal) to 1 (strongest), "
                    "as documented in the codebook.",
                },
                {
                    "name": "start",
                    "type": "string",
                    "format": "partial-date",
                    "constraints": {"required": True},
                    "description": "First day of the tie. ISO 8601 date of year, month "
                    "or day precision: YYYY, YYYY-MM or YYYY-MM-DD; the "
                    "precision is kept.",
                },
                {
                    "name": "end",
                    "type": "string",
                    "format": "partial-date",
                    "description": "First day after the tie; empty while it lasts. ISO "
                    "8601 date of year, month or day precision: YYYY, "
                    "YYYY-MM or YYYY-MM-DD; the precision is kept.",
                },
                {
                    "name": "certainty",
                    "type": "string",
                    "constraints": {
                        "required": True,
                        "enum": ["confirmed", "single_source", "inferred", "conflict"],
                    },
                    "description": "confirmed: two or more sources agree; single_source: "
                    "one secondary source; inferred: reasoned from "
                    "sources, not stated; conflict: sources disagree (the "
                    "note says how).",
                },
                {
                    "name": "note",
                    "type": "string",
                    "description": "Free text: caveats, alternative dates, what a source says.",
                },
                {
                    "name": "sources",
                    "type": "string",
                    "format": "list",
                    "constraints": {"required": True},
                    "description": "Semicolon-separated ids of rows in the sources "
                    "table; at least one.",
                },
            ],
            "primaryKey": ["id"],
            "foreignKeys": [
                {"fields": ["actor_a"], "reference": {"resource": "actors", "fields": ["id"]}},
                {"fields": ["actor_b"], "reference": {"resource": "actors", "fields": ["id"]}},
                {"fields": ["sources"], "reference": {"resource": "sources", "fields": ["id"]}},
            ],
        },
    },
    {
        "name": "events",
        "path": "events.csv",
        "description": "Dated events.",
        "schema": {
            "fields": [
                {
                    "name": "id",
                    "type": "string",
                    "constraints": {"required": True, "unique": True},
                    "description": "Stable id.",
                },
                {
                    "name": "date",
                    "type": "string",
                    "format": "partial-date",
                    "constraints": {"required": True},
                    "description": "Day (or month, year) the event began. ISO 8601 date "
                    "of year, month or day precision: YYYY, YYYY-MM or "
                    "YYYY-MM-DD; the precision is kept.",
                },
                {
                    "name": "end_date",
                    "type": "string",
                    "format": "partial-date",
                    "description": "Day the event ended, for events that last. ISO 8601 "
                    "date of year, month or day precision: YYYY, YYYY-MM "
                    "or YYYY-MM-DD; the precision is kept.",
                },
                {
                    "name": "kind",
                    "type": "string",
                    "constraints": {
                        "required": True,
                        "enum": [
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
                    },
                    "description": "Kind of event.",
                },
                {
                    "name": "actors",
                    "type": "string",
                    "format": "list",
                    "constraints": {"required": True},
                    "description": "Semicolon-separated actor ids taking part.",
                },
                {
                    "name": "organization",
                    "type": "string",
                    "description": "Organisation concerned, if any.",
                },
                {
                    "name": "magnitude",
                    "type": "number",
                    "constraints": {"minimum": 0},
                    "description": "Size of the event in magnitude_unit (e.g. deaths, troops).",
                },
                {
                    "name": "magnitude_unit",
                    "type": "string",
                    "constraints": {
                        "enum": ["deaths", "troops", "displaced", "usd_millions", "units"]
                    },
                    "description": "Unit of magnitude.",
                },
                {
                    "name": "summary",
                    "type": "string",
                    "constraints": {"required": True},
                    "description": "What happened, in our own words.",
                },
                {
                    "name": "certainty",
                    "type": "string",
                    "constraints": {
                        "required": True,
                        "enum": ["confirmed", "single_source", "inferred", "conflict"],
                    },
                    "description": "confirmed: two or more sources agree; single_source: "
                    "one secondary source; inferred: reasoned from "
                    "sources, not stated; conflict: sources disagree (the "
                    "note says how).",
                },
                {
                    "name": "note",
                    "type": "string",
                    "description": "Free text: caveats, alternative dates, what a source says.",
                },
                {
                    "name": "sources",
                    "type": "string",
                    "format": "list",
                    "constraints": {"required": True},
                    "description": "Semicolon-separated ids of rows in the sources "
                    "table; at least one.",
                },
            ],
            "primaryKey": ["id"],
            "foreignKeys": [
                {"fields": ["actors"], "reference": {"resource": "actors", "fields": ["id"]}},
                {
                    "fields": ["organization"],
                    "reference": {"resource": "organizations", "fields": ["id"]},
                },
                {"fields": ["sources"], "reference": {"resource": "sources", "fields": ["id"]}},
            ],
        },
    },
    {
        "name": "indicators",
        "path": "indicators.csv",
        "description": "Quantities per actor and period.",
        "schema": {
            "fields": [
                {
                    "name": "actor",
                    "type": "string",
                    "constraints": {"required": True},
                    "description": "Actor id.",
                },
                {
                    "name": "indicator",
                    "type": "string",
                    "constraints": {"required": True, "pattern": "^[a-z][a-z0-9_]*(_[A-Z]{3})?$"},
                    "description": "Indicator name, e.g. cinc, arms_import_share_from_RUS, milex.",
                },
                {
                    "name": "period",
                    "type": "string",
                    "constraints": {
                        "required": True,
                        "pattern": "^\\d{4}(-\\d{2}(-\\d{2})?)?(/\\d{4})?$",
                    },
                    "description": "Year (YYYY), date, or interval of years (YYYY/YYYY) "
                    "the value covers.",
                },
                {
                    "name": "value",
                    "type": "number",
                    "constraints": {"required": True},
                    "description": "The value, in unit.",
                },
                {
                    "name": "unit",
                    "type": "string",
                    "constraints": {"required": True},
                    "description": "Unit, e.g. share (0-1), usd_millions, percent_gdp.",
                },
                {
                    "name": "certainty",
                    "type": "string",
                    "constraints": {
                        "required": True,
                        "enum": ["confirmed", "single_source", "inferred", "conflict"],
                    },
                    "description": "confirmed: two or more sources agree; single_source: "
                    "one secondary source; inferred: reasoned from "
                    "sources, not stated; conflict: sources disagree (the "
                    "note says how).",
                },
                {
                    "name": "note",
                    "type": "string",
                    "description": "Free text: caveats, alternative dates, what a source says.",
                },
                {
                    "name": "sources",
                    "type": "string",
                    "format": "list",
                    "constraints": {"required": True},
                    "description": "Semicolon-separated ids of rows in the sources "
                    "table; at least one.",
                },
            ],
            "primaryKey": ["actor", "indicator", "period"],
            "foreignKeys": [
                {"fields": ["actor"], "reference": {"resource": "actors", "fields": ["id"]}},
                {"fields": ["sources"], "reference": {"resource": "sources", "fields": ["id"]}},
            ],
        },
    },
    {
        "name": "votes",
        "path": "votes.csv",
        "description": "Recorded votes of actors in a body (e.g. the UN General Assembly).",
        "schema": {
            "fields": [
                {
                    "name": "vote",
                    "type": "string",
                    "constraints": {"required": True},
                    "description": "Id of the vote, e.g. A/RES/ES-11/1.",
                },
                {
                    "name": "date",
                    "type": "string",
                    "format": "partial-date",
                    "constraints": {"required": True},
                    "description": "Day of the vote. ISO 8601 date of year, month or day "
                    "precision: YYYY, YYYY-MM or YYYY-MM-DD; the "
                    "precision is kept.",
                },
                {
                    "name": "body",
                    "type": "string",
                    "constraints": {"required": True},
                    "description": "Body voting, e.g. UNGA.",
                },
                {
                    "name": "actor",
                    "type": "string",
                    "constraints": {"required": True},
                    "description": "Actor id.",
                },
                {
                    "name": "choice",
                    "type": "string",
                    "constraints": {"required": True, "enum": ["yes", "no", "abstain", "absent"]},
                    "description": "How the actor voted.",
                },
                {"name": "topic", "type": "string", "description": "Short topic, e.g. ukraine."},
                {
                    "name": "certainty",
                    "type": "string",
                    "constraints": {
                        "required": True,
                        "enum": ["confirmed", "single_source", "inferred", "conflict"],
                    },
                    "description": "confirmed: two or more sources agree; single_source: "
                    "one secondary source; inferred: reasoned from "
                    "sources, not stated; conflict: sources disagree (the "
                    "note says how).",
                },
                {
                    "name": "note",
                    "type": "string",
                    "description": "Free text: caveats, alternative dates, what a source says.",
                },
                {
                    "name": "sources",
                    "type": "string",
                    "format": "list",
                    "constraints": {"required": True},
                    "description": "Semicolon-separated ids of rows in the sources "
                    "table; at least one.",
                },
            ],
            "primaryKey": ["vote", "actor"],
            "foreignKeys": [
                {"fields": ["actor"], "reference": {"resource": "actors", "fields": ["id"]}},
                {"fields": ["sources"], "reference": {"resource": "sources", "fields": ["id"]}},
            ],
        },
    },
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
