"""write_package: rows in, a package that validates on the embedded data out, all or
nothing; the rows helpers; the importer registry."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from phalanx.errors import UnsafePathError, UserError
from phalanx.ingest import importers
from phalanx.ingest.package_writer import PackageValidationError, write_package
from phalanx.ingest.rows import ActorResolver, PackageRows, actor_codes, merge_rows
from phalanx.kb import KnowledgeBase
from phalanx.kb.errors import DataPackageError
from phalanx.kb.package import load_package

SRC = {
    "id": "test-ds-1",
    "citation": "A test dataset, version 1",
    "url": "https://example.org/ds",
    "reliability": "scholarly",
    "accessed": "2026-12-04",
    "note": "Imported from ds.csv.",
}


def relation(rid="ds-1", a="RUS", b="COW999", **kw):
    row = {
        "id": rid,
        "actor_a": a,
        "actor_b": b,
        "kind": "alliance",
        "directed": False,
        "sign": 1,
        "intensity": 0.5,
        "start": "1990-05",
        "end": None,
        "certainty": "single_source",
        "note": 'A note with a comma, a "quote"\nand a new line.',
        "sources": ["test-ds-1"],
    }
    return row | kw


def rows_with(*relations, actors=None):
    r = ActorResolver("test-ds-1", codes={})
    r.resolve(999, "Nowhere, Republic of")
    return PackageRows({"actors": actors or r.new, "relations": list(relations)}, [SRC])


def test_rows_written_read_back_unchanged_and_layer_on_the_embedded_data(tmp_path):
    rel = relation()
    out = write_package(rows_with(rel), tmp_path / "pkg", name="test-pkg", title="T")
    with pytest.raises(DataPackageError, match="'RUS' is not found in actors.id"):
        load_package([out])  # alone it lacks RUS: it is made to be layered on the embedded one
    kb = KnowledgeBase.from_path(out, on_top=True)
    (got,) = [r for r in kb.relations("2000-01-01") if r["id"] == "ds-1"]
    for key in ("actor_a", "actor_b", "kind", "directed", "sign", "intensity", "start", "note"):
        assert got[key] == rel[key], key
    assert got["sources"] == ["test-ds-1"]
    assert kb.actors()[0]  # the embedded actors are still there
    names = {a["id"]: a["name"] for a in kb.actors()}
    assert names["COW999"] == "Nowhere, Republic of" and names["RUS"] == "Russia"
    assert kb.defaults.organization == "CSTO"  # the embedded defaults hold
    assert kb.package.descriptors[-1].name == "test-pkg"


def test_an_existing_folder_is_refused_without_force_and_replaced_with_it(tmp_path):
    out = write_package(rows_with(relation()), tmp_path / "pkg", name="p")
    with pytest.raises(UnsafePathError, match="--force"):
        write_package(rows_with(relation(intensity=0.25)), out, name="p")
    kb = KnowledgeBase.from_path(out, on_top=True)
    assert [r["intensity"] for r in kb.relations("2000") if r["id"] == "ds-1"] == [0.5]
    write_package(rows_with(relation(intensity=0.25)), out, name="p", force=True)
    kb = KnowledgeBase.from_path(out, on_top=True)
    assert [r["intensity"] for r in kb.relations("2000") if r["id"] == "ds-1"] == [0.25]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pkg"]  # no temporary left


def test_force_replaces_only_a_data_package(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.txt").write_text("precious")
    with pytest.raises(UnsafePathError, match="not a data package"):
        write_package(rows_with(relation()), mine, name="p", force=True)
    assert (mine / "thesis.txt").read_text() == "precious"
    empty = tmp_path / "empty"
    empty.mkdir()
    assert write_package(rows_with(relation()), empty, name="p") == empty


def test_rows_that_do_not_validate_are_a_bug_named_and_nothing_is_written(tmp_path):
    bad = relation(b="NOSUCH")
    with pytest.raises(PackageValidationError) as e:
        write_package(rows_with(bad), tmp_path / "pkg", name="p")
    assert "relations.csv line 2 field actor_b" in str(e.value) and "NOSUCH" in str(e.value)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(PackageValidationError, match="fields the schema lacks: colour"):
        write_package(rows_with(relation(colour="red")), tmp_path / "pkg", name="p")
    with pytest.raises(PackageValidationError, match="outside the core: mine"):
        write_package(PackageRows({"mine": []}, [SRC]), tmp_path / "pkg", name="p")
    assert list(tmp_path.iterdir()) == []


def test_a_bad_package_name_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="package name"):
        write_package(rows_with(relation()), tmp_path / "pkg", name="Bad Name")
    assert list(tmp_path.iterdir()) == []


def test_actor_codes_come_from_the_knowledge_base_given():
    emb = actor_codes()
    assert emb[365] == "RUS" and emb[2] == "USA" and emb[705] == "KAZ"
    anzus = KnowledgeBase.from_path(Path(__file__).parents[1] / "data" / "kb" / "anzus")
    assert actor_codes(anzus) == {2: "USA", 900: "AUS", 920: "NZL"}


def test_resolver_filters_and_adds_each_new_actor_once():
    r = ActorResolver("s", codes={365: "RUS", 2: "USA"}, actors=["RUS", "COW712"])
    assert r.code_filter() == [365, 712]
    assert r.wanted(["USA", "RUS"]) and not r.wanted(["USA"])
    assert r.resolve(712, "Mongolia") == r.resolve(712, "other name") == "COW712"
    assert [(a["id"], a["name"], a["cow_code"]) for a in r.new] == [("COW712", "Mongolia", 712)]
    assert ActorResolver("s", codes={}).code_filter() is None


def test_merge_rows_keeps_one_row_per_key():
    a = rows_with(relation("x-1"), relation("x-2"))
    b = rows_with(relation("x-2", intensity=0.9), relation("x-3"))
    b.notes.append("b's note")
    m = merge_rows([a, b])
    assert [r["id"] for r in m.tables["relations"]] == ["x-1", "x-2", "x-3"]
    assert m.tables["relations"][1]["intensity"] == 0.5  # the first wins
    assert len(m.tables["actors"]) == 1 and len(m.sources) == 1 and m.notes == ["b's note"]


def test_unknown_kind_lists_the_kinds():
    with pytest.raises(UserError) as e:
        importers.get_importer("cow")
    for kind in ("cow-alliance", "atop", "nmc", "mid", "ucdp-acd", "ucdp-ged",
                 "sipri-register", "sipri-tiv", "unga", "gdelt"):  # fmt: skip
        assert kind in str(e.value)
    assert e.value.field == "KIND"


def test_every_kind_whose_module_is_present_registers_itself():
    present = [k for k, m in importers.MODULES.items() if importlib.util.find_spec(m)]
    assert {"cow-alliance", "atop", "nmc", "mid"} <= set(present)
    for kind in present:
        reg = importers.get_importer(kind)
        assert reg.kind == kind and reg.help


def test_the_decorator_refuses_a_kind_not_listed():
    with pytest.raises(ValueError, match="not in importers.MODULES"):
        importers.importer("nonesuch", help="x")
