"""Phalanx owns the core schema: a package or layer may tighten or extend it, never loosen
it; names are identifiers; patterns run in linear time; absent optional tables are empty."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest

from phalanx.errors import UnsafePathError, UserError
from phalanx.kb import DataPackageError, KnowledgeBase, load_package, validate_package
from phalanx.kb.scaffold import new_package
from phalanx.kb.schema import (
    CORE_TABLES,
    OPTIONAL_TABLES,
    REQUIRED_TABLES,
    core_descriptor_resources,
    core_schema,
    quote_ident,
    safe_url,
)


def descriptor(folder: Path) -> dict:
    return json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))


def save(folder: Path, d: dict) -> None:
    (folder / "datapackage.json").write_text(json.dumps(d), encoding="utf-8")


def schema_of(d: dict, table: str) -> dict:
    return next(r for r in d["resources"] if r["name"] == table)["schema"]


def field_of(d: dict, table: str, name: str) -> dict:
    return next(f for f in schema_of(d, table)["fields"] if f["name"] == name)


def problems(folders) -> list[str]:
    with pytest.raises(DataPackageError) as info:
        load_package(folders)
    return [str(p) for p in info.value.problems]


def one_problem(folders) -> str:
    found = problems(folders)
    assert len(found) == 1, found
    return found[0]


# -- the core schema ------------------------------------------------------------------


def test_core_schema_is_what_the_embedded_package_restates():
    # the embedded descriptor restates every core table; it must agree field for field
    emb = json.loads(
        (
            Path(__file__).resolve().parents[2] / "src/phalanx/data/eurasia/datapackage.json"
        ).read_text(encoding="utf-8")
    )
    assert [r["name"] for r in emb["resources"]] == list(CORE_TABLES)
    for r in emb["resources"]:
        core = core_schema(r["name"])
        assert [f["name"] for f in r["schema"]["fields"]] == core.names
        assert r["schema"]["primaryKey"] == core.primaryKey
        for f in r["schema"]["fields"]:
            c = core.field(f["name"])
            assert (f.get("type", "string"), f.get("format")) == (c.type, c.format)
            assert c.constraints.model_dump(exclude_defaults=True) == f.get("constraints", {})
    assert set(REQUIRED_TABLES) | set(OPTIONAL_TABLES) == set(CORE_TABLES)


@pytest.mark.parametrize(
    "table, field, constraints, expected",
    [
        ("relations", "sign", {"required": True}, "drops the core enumeration (-1, 1)"),
        (
            "relations",
            "sign",
            {"required": True, "enum": [-1, 1, 5]},
            "adds 5 to the core enumeration",
        ),
        (
            "relations",
            "intensity",
            {"required": True, "minimum": -3, "maximum": 1},
            "loosens the core minimum 0 to -3",
        ),
        ("relations", "intensity", {"required": True, "minimum": 0}, "drops the core maximum 1"),
        ("actors", "name", {}, "drops the core constraint required: true"),
        (
            "sources",
            "url",
            {"required": True, "pattern": "^.*$"},
            "replaces the core pattern ^https?://\\S+$",
        ),
        ("sources", "url", {"required": True}, "drops the core pattern"),
    ],
)
def test_a_layer_may_not_loosen_a_core_constraint(anzus, table, field, constraints, expected):
    d = descriptor(anzus)
    field_of(d, table, field)["constraints"] = constraints
    save(anzus, d)
    msg = one_problem(anzus)
    assert f"datapackage.json: field 'resources.{table}.schema.fields.{field}': {expected}" in msg


def test_a_core_field_may_not_be_retyped(anzus):
    d = descriptor(anzus)
    field_of(d, "relations", "sign")["type"] = "string"
    save(anzus, d)
    msg = one_problem(anzus)
    assert "field 'resources.relations.schema.fields.sign': is a core field of type integer" in msg


def test_a_core_field_may_not_be_dropped(anzus):
    d = descriptor(anzus)
    s = schema_of(d, "relations")
    s["fields"] = [f for f in s["fields"] if f["name"] != "intensity"]
    save(anzus, d)
    msg = one_problem(anzus)
    assert "field 'resources.relations.schema.fields.intensity': is a core field missing" in msg


def test_the_core_primary_key_may_not_change(anzus):
    d = descriptor(anzus)
    schema_of(d, "memberships")["primaryKey"] = ["organization", "actor"]
    save(anzus, d)
    msg = one_problem(anzus)
    assert "field 'resources.memberships.schema.primaryKey': is ['organization', 'actor']" in msg


def test_a_layer_without_constraints_is_checked_against_the_core(anzus, tmp_path):
    # the layer restates relations without any constraint: refused, and the core still holds
    top = tmp_path / "top"
    top.mkdir()
    d = descriptor(anzus)
    d["name"] = "loose"
    rel = next(r for r in d["resources"] if r["name"] == "relations")
    for f in rel["schema"]["fields"]:
        f.pop("constraints", None)
    d["resources"] = [rel]
    save(top, d)
    (top / "relations.csv").write_text(
        (anzus / "relations.csv").read_text(encoding="utf-8"), encoding="utf-8"
    )
    msgs = problems([anzus, top])
    assert any(
        "top/datapackage.json: field 'resources.relations.schema.fields.sign'" in m for m in msgs
    )
    # the same layer with the schema omitted is read against the core schema
    del rel["schema"]
    save(top, d)
    text = (anzus / "relations.csv").read_text(encoding="utf-8")
    (top / "relations.csv").write_text(
        text.replace("partnership,false,1,0.5", "partnership,false,5,-3"), encoding="utf-8"
    )
    msgs = problems([anzus, top])
    assert any("top/relations.csv:5: field 'sign': 5 is not one of: -1, 1" in m for m in msgs)
    assert any(
        "top/relations.csv:5: field 'intensity': -3.0 is below the minimum 0" in m for m in msgs
    )


def test_a_package_may_tighten_a_core_constraint(anzus):
    d = descriptor(anzus)
    field_of(d, "memberships", "status")["constraints"]["enum"] = ["member"]
    save(anzus, d)
    assert len(load_package(anzus).rows("memberships")) == 3
    text = (anzus / "memberships.csv").read_text(encoding="utf-8")
    (anzus / "memberships.csv").write_text(
        text.replace("ANZUS,AUS,member", "ANZUS,AUS,observer"), encoding="utf-8"
    )
    assert "memberships.csv:2: field 'status': 'observer' is not one of: member" in one_problem(
        anzus
    )


# -- fields and tables of the package's own -------------------------------------------


def add_field(folder: Path, table: str, spec: dict, values: list[str]) -> None:
    """Add a field to ``table``'s schema and a column to its CSV: ``values`` for the
    first rows, empty cells for the rest."""
    d = descriptor(folder)
    schema_of(d, table)["fields"].append(spec)
    save(folder, d)
    path = folder / f"{table}.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) >= len(values) + 1
    values = values + [""] * (len(lines) - 1 - len(values))
    out = [f"{lines[0]},{spec['name']}"] + [
        f"{a},{b}" for a, b in zip(lines[1:], values, strict=True)
    ]
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


def test_a_package_may_add_a_field_of_its_own(anzus):
    add_field(
        anzus,
        "actors",
        {"name": "capital", "type": "string"},
        ["Canberra", "Wellington", "Washington"],
    )
    kb = KnowledgeBase.from_path(anzus)
    assert kb.actor("NZL")["capital"] == "Wellington"


@pytest.mark.parametrize(
    "bad", ["x\" VARCHAR); COPY actors TO 'pwned.csv'; --", "Capital", "ünïcode", "_file"]
)
def test_field_names_are_identifiers(anzus, bad, monkeypatch):
    # an injection attempt through a field name is refused before any SQL runs
    monkeypatch.chdir(anzus)
    add_field(anzus, "actors", {"name": bad, "type": "string"}, ["a", "b", "c"])
    msg = one_problem(anzus)
    assert "datapackage.json: field 'resources.1.schema.fields.7.name'" in msg
    assert "is not an identifier" in msg
    assert not (anzus / "pwned.csv").exists()
    assert sorted(p.name for p in anzus.iterdir() if p.suffix == ".csv") == sorted(
        f"{t}.csv" for t in CORE_TABLES
    )


def test_the_store_refuses_a_name_that_slipped_past_validation(anzus, monkeypatch):
    # a Package built by hand, bypassing the descriptor's checks: the store still refuses
    monkeypatch.chdir(anzus)
    pkg = load_package(anzus)
    table = pkg.tables["actors"]
    schema = table.resource.table_schema
    evil = "x\" VARCHAR); COPY (SELECT 1) TO 'pwned.csv'; CREATE TABLE y (\"z"
    bad = schema.fields[-1].model_construct(**{**schema.fields[-1].__dict__, "name": evil})
    table.resource = table.resource.model_copy(
        update={"table_schema": schema.model_copy(update={"fields": [*schema.fields, bad]})}
    )
    for row in table.rows:
        row[evil] = "v"
    with pytest.raises(UserError, match="is not an identifier"):
        KnowledgeBase(pkg)
    assert not (anzus / "pwned.csv").exists()


def test_quote_ident_refuses_what_is_not_an_identifier():
    assert quote_ident("end") == '"end"'
    for bad in ['a"b', "a b", "A", "", "x" * 64, "١"]:
        with pytest.raises(UserError, match="is not an identifier"):
            quote_ident(bad)


@pytest.mark.parametrize("name", ["start_lo", "end_hi", "start_precision"])
def test_an_own_field_may_not_collide_with_internal_columns(anzus, name):
    add_field(anzus, "memberships", {"name": name, "type": "string"}, ["a", "b", "c"])
    msg = one_problem(anzus)
    assert (
        f"field 'resources.memberships.schema.fields.{name}': collides with a column Phalanx adds"
        in msg
    )


def test_a_table_of_the_package_own(anzus):
    d = descriptor(anzus)
    d["resources"].append(
        {
            "name": "bases",
            "path": "bases.csv",
            "schema": {
                "fields": [
                    {"name": "id", "type": "string", "constraints": {"required": True}},
                    {"name": "host", "type": "string"},
                    {"name": "opened", "type": "string", "format": "partial-date"},
                    {
                        "name": "tags",
                        "type": "string",
                        "format": "list",
                        "constraints": {"unique": True},
                    },
                ],
                "primaryKey": "id",
                "foreignKeys": [
                    {"fields": "host", "reference": {"resource": "actors", "fields": "id"}}
                ],
            },
        }
    )
    save(anzus, d)
    (anzus / "bases.csv").write_text(
        "id,host,opened,tags\npine-gap,AUS,1970,a;b\nnowhere,FRA,1970,a\n", encoding="utf-8"
    )
    assert "bases.csv:3: field 'host': 'FRA' is not found in actors.id" in one_problem(anzus)
    # a list field that must be unique, and a primary key given as a string, do not crash
    (anzus / "bases.csv").write_text(
        "id,host,opened,tags\npine-gap,AUS,1970,a;b\nwaihopai,NZL,1989,a;b\n", encoding="utf-8"
    )
    assert "bases.csv:3: field 'tags': ('a', 'b') is not unique (also at line 2)" in one_problem(
        anzus
    )
    (anzus / "bases.csv").write_text(
        "id,host,opened,tags\npine-gap,AUS,1970,a;b\nwaihopai,NZL,1989,c\n", encoding="utf-8"
    )
    kb = KnowledgeBase.from_path(anzus)
    rows = kb.query("SELECT id, host, opened_lo FROM bases ORDER BY id")
    assert [(r["id"], r["host"], r["opened_lo"].year) for r in rows] == [
        ("pine-gap", "AUS", 1970),
        ("waihopai", "NZL", 1989),
    ]


def test_a_layer_that_adds_a_field(anzus, tmp_path):
    top = tmp_path / "top"
    top.mkdir()
    d = descriptor(anzus)
    d["name"] = "extra"
    act = next(r for r in d["resources"] if r["name"] == "actors")
    act["schema"]["fields"].append({"name": "capital", "type": "string"})
    d["resources"] = [act]
    save(top, d)
    (top / "actors.csv").write_text(
        "id,name,kind,cow_code,aliases,note,sources,capital\n"
        "AUS,Australia,state,900,,,cow-states,Canberra\n",
        encoding="utf-8",
    )
    kb = KnowledgeBase(load_package([anzus, top]))
    caps = {r["id"]: r["capital"] for r in kb.query("SELECT id, capital FROM actors")}
    assert caps == {"AUS": "Canberra", "NZL": None, "USA": None, "ANZUS": None}


def test_a_layer_may_not_retype_a_field_of_the_layer_below(anzus, tmp_path):
    add_field(anzus, "actors", {"name": "capital", "type": "string"}, ["a", "b", "c"])
    top = tmp_path / "top"
    top.mkdir()
    d = descriptor(anzus)
    act = next(r for r in d["resources"] if r["name"] == "actors")
    field_of({"resources": [act]}, "actors", "capital")["type"] = "integer"
    d["resources"] = [act]
    save(top, d)
    (top / "actors.csv").write_text(
        "id,name,kind,cow_code,aliases,note,sources,capital\n", encoding="utf-8"
    )
    msg = one_problem([anzus, top])
    assert "top/datapackage.json: field 'resources.actors.schema.fields.capital': is integer" in msg


# -- bounded work: a package's regular expression cannot hang validation ---------------


@pytest.fixture
def alarm():
    """Fail (instead of hanging) if the test takes more than a generous 60 seconds."""

    def boom(signum, frame):
        raise TimeoutError("took more than 60 s")

    old = signal.signal(signal.SIGALRM, boom)
    signal.alarm(60)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


def test_an_evil_pattern_returns_promptly(anzus, alarm):
    # ^(a+)+$ on 'aaaa...b' takes exponential time in a backtracking engine (Python's re:
    # about 2**40 steps here); RE2 is linear, so validation finishes and reports the cell
    add_field(
        anzus,
        "actors",
        {"name": "code", "type": "string", "constraints": {"pattern": "^(a+)+$"}},
        ["a" * 40 + "b", "aaa", "aa"],
    )
    msg = one_problem(anzus)
    assert "actors.csv:2: field 'code':" in msg and "does not match the pattern ^(a+)+$" in msg


@pytest.mark.parametrize(
    "pattern, expected",
    [
        ("(a)\\1", "is not a regular expression Phalanx can run in linear time"),
        ("a" * 1001, "is 1001 characters long"),
    ],
)
def test_patterns_re2_cannot_run_or_too_long_are_refused(anzus, pattern, expected):
    add_field(
        anzus,
        "actors",
        {"name": "code", "type": "string", "constraints": {"pattern": pattern}},
        ["a", "a", "a"],
    )
    msg = one_problem(anzus)
    assert "datapackage.json: field 'resources.1.schema.fields.7.constraints.pattern'" in msg
    assert expected in msg


# -- validate equals load: optional tables ------------------------------------------


def test_a_package_without_optional_tables_validates_with_warnings_and_loads(anzus):
    d = descriptor(anzus)
    d["resources"] = [
        r for r in d["resources"] if r["name"] not in ("votes", "indicators", "provisions")
    ]
    save(anzus, d)
    for t in ("votes", "indicators", "provisions"):
        (anzus / f"{t}.csv").unlink()
    pkg, errors = validate_package([anzus])
    assert errors == [] and pkg is not None
    assert sorted(w.field for w in pkg.warnings) == [
        "resources.indicators",
        "resources.provisions",
        "resources.votes",
    ]
    assert all(w.severity == "warning" and "is read as empty" in w.message for w in pkg.warnings)
    kb = KnowledgeBase.from_path(anzus)
    assert kb.indicators() == [] and kb.votes() == []
    assert kb.query("SELECT count(*) AS n FROM provisions") == [{"n": 0}]
    snap = kb.snapshot("1990-01-01")
    assert snap.votes == () and snap.indicators == ()
    assert sorted(m["actor"] for m in snap.memberships) == ["AUS", "NZL", "USA"]


def test_a_package_without_a_required_table_is_refused(anzus):
    d = descriptor(anzus)
    d["resources"] = [r for r in d["resources"] if r["name"] != "memberships"]
    save(anzus, d)
    msg = one_problem(anzus)
    assert (
        "datapackage.json: field 'resources.memberships': the package has no memberships table"
        in msg
    )


def test_every_core_table_exists_even_in_a_hand_built_package():
    pkg = load_package()
    del pkg.tables["votes"]
    kb = KnowledgeBase(pkg)
    assert kb.votes() == []


# -- links ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, ok",
    [
        ("https://example.org/a?b=c#d", True),
        ("http://example.org", True),
        ("javascript:alert(1)", False),
        ("JavaScript:alert(1)", False),
        ("data:text/html,<script>", False),
        ("//example.org", False),
        ("https://", False),
        ('https://x.org/"onmouseover="alert(1)', False),
        ("https://x.org/\nfoo", False),
        ("ftp://example.org", False),
    ],
)
def test_safe_url(url, ok):
    assert (safe_url(url) == url) if ok else (safe_url(url) is None)


# -- new-package ----------------------------------------------------------------------


def test_new_package_writes_the_core_schema_and_validates(tmp_path):
    folder = new_package(tmp_path / "rio", "rio-treaty")
    d = descriptor(folder)
    assert [r["name"] for r in d["resources"]] == list(CORE_TABLES)
    assert d["resources"] == core_descriptor_resources()
    for r in d["resources"]:
        header = (folder / r["path"]).read_text(encoding="utf-8").strip().split(",")
        assert header == core_schema(r["name"]).names
    pkg, errors = validate_package([folder])
    assert errors == [] and pkg is not None and pkg.warnings == []


@pytest.mark.parametrize("existing", ["actors.csv", "datapackage.json", "votes.csv"])
def test_new_package_refuses_a_folder_holding_its_files(tmp_path, existing):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / existing).write_text("my own data\n", encoding="utf-8")
    (folder / "notes.txt").write_text("keep\n", encoding="utf-8")
    with pytest.raises(UnsafePathError, match=f"already holds {existing}; not overwriting"):
        new_package(folder, "mine")
    assert (folder / existing).read_text(encoding="utf-8") == "my own data\n"
    assert sorted(p.name for p in folder.iterdir()) == sorted([existing, "notes.txt"])


def test_new_package_in_a_folder_with_other_files(tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep\n", encoding="utf-8")
    new_package(folder, "mine")
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "keep\n"
    assert (folder / "actors.csv").exists()


def test_validate_prints_the_warnings(anzus):
    from typer.testing import CliRunner

    import phalanx.cli as cli

    d = descriptor(anzus)
    d["resources"] = [r for r in d["resources"] if r["name"] != "votes"]
    save(anzus, d)
    (anzus / "votes.csv").unlink()
    cli._register()
    result = CliRunner().invoke(cli.app, ["validate", str(anzus)])
    assert result.exit_code == 0, result.output
    assert (
        "warning: field 'resources.votes': the package has no votes table; it is read as empty"
        in result.stderr
    )
    rec = json.loads(CliRunner().invoke(cli.app, ["validate", str(anzus), "--json"]).stdout)
    assert rec["valid"] is True and [w["field"] for w in rec["warnings"]] == ["resources.votes"]


def test_new_package_on_a_full_disk_leaves_nothing_behind(tmp_path, monkeypatch):
    import builtins
    import errno

    import phalanx.kb.scaffold as scaffold

    real_open, calls = builtins.open, []

    def full_after_three(path, *args, **kwargs):
        calls.append(path)
        if len(calls) > 3:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(scaffold, "open", full_after_three, raising=False)
    folder = tmp_path / "rio"
    with pytest.raises(UserError, match="cannot be written: the disk is full"):
        new_package(folder, "rio")
    assert len(calls) == 4 and list(folder.iterdir()) == []


def test_a_layer_without_the_field_a_lower_layer_added(anzus, tmp_path):
    add_field(anzus, "actors", {"name": "capital", "type": "string"}, ["Canberra", "Wellington"])
    top = tmp_path / "top"
    top.mkdir()
    d = descriptor(anzus)
    d["name"] = "plain"
    d["resources"] = [{"name": "actors", "path": "actors.csv"}]  # the core schema only
    save(top, d)
    (top / "actors.csv").write_text(
        "id,name,kind,cow_code,aliases,note,sources\nNZL,New Zealand,state,920,,,cow-states\n",
        encoding="utf-8",
    )
    kb = KnowledgeBase(load_package([anzus, top]))
    caps = {r["id"]: r["capital"] for r in kb.query("SELECT id, capital FROM actors")}
    # NZL's row now comes from the top layer, which has no capital
    assert caps == {"AUS": "Canberra", "NZL": None, "USA": None, "ANZUS": None}
