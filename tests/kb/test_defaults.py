"""The package's own defaults: declared in datapackage.json, derived from data otherwise."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from phalanx.kb import DataPackageError, KnowledgeBase, load_package

ANZUS = Path(__file__).resolve().parents[1] / "data" / "kb" / "anzus"


def _copy(tmp_path: Path, edit) -> Path:
    pkg = tmp_path / "pkg"
    shutil.copytree(ANZUS, pkg)
    d = json.loads((pkg / "datapackage.json").read_text())
    edit(d)
    (pkg / "datapackage.json").write_text(json.dumps(d))
    return pkg


def test_embedded_declares_its_case():
    d = KnowledgeBase.embedded().defaults
    assert (d.organization, d.leader) == ("CSTO", "RUS")
    assert d.dependence_indicator == "arms_import_share_from_RUS"
    assert "KAZ" in d.region and d.period == ("1992", "2026")
    assert "organization" not in d.derived


def test_anzus_declares_its_own():
    d = load_package(ANZUS).defaults
    assert (d.organization, d.leader, d.region) == ("ANZUS", "USA", ("AUS", "NZL", "USA"))
    assert d.dependence_indicator is None  # no such indicator in the package: not invented


def test_missing_keys_are_derived_from_the_data(tmp_path):
    pkg = _copy(tmp_path, lambda d: d.pop("phalanx"))
    d = load_package(pkg).defaults
    # the only collective-defence organisation, its leader column, every state, the spells' span
    assert (d.organization, d.leader) == ("ANZUS", "USA")
    assert d.region == ("AUS", "NZL", "USA")
    assert d.period == ("1952", "1952")
    assert {"organization", "leader", "region", "period"} <= d.derived


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("organization", "CSTO", "'CSTO' is not in organizations.id"),
        ("leader", "RUS", "'RUS' is not in actors.id"),
        ("leader", "AUS", "differs from the leader of ANZUS"),
        ("region", ["AUS", "XXX"], "'XXX' is not in actors.id"),
        ("period", ["2010", "1950"], "ends (1950) before it starts (2010)"),
        ("region", ["AUS", "AUS"], "names an actor twice"),
        ("issues", "../elsewhere", "must be a folder inside the package"),
        ("colour", "blue", "Extra inputs are not permitted"),
    ],
)
def test_bad_defaults_are_refused_with_the_key(tmp_path, key, value, message):
    pkg = _copy(tmp_path, lambda d: d["phalanx"].__setitem__(key, value))
    with pytest.raises(DataPackageError) as e:
        load_package(pkg)
    assert any(
        message in p.message and (p.field or "").startswith("phalanx") for p in e.value.problems
    ), e.value.summary()


def test_a_layer_overrides_only_what_it_declares(tmp_path):
    top = tmp_path / "top"
    top.mkdir()
    desc = json.loads((ANZUS / "datapackage.json").read_text())
    desc["resources"] = [r for r in desc["resources"] if r["name"] == "sources"]
    desc["phalanx"] = {"region": ["AUS", "USA"]}
    (top / "datapackage.json").write_text(json.dumps(desc))
    shutil.copy(ANZUS / "sources.csv", top / "sources.csv")
    d = load_package([ANZUS, top]).defaults
    assert d.region == ("AUS", "USA") and d.organization == "ANZUS" and d.leader == "USA"


def test_patrons_are_declared_or_left_to_the_models(tmp_path):
    assert KnowledgeBase.embedded().defaults.patrons == ("CHN", "TUR", "IRN", "USA")
    d = load_package(ANZUS).defaults
    assert d.patrons is None and "patrons" in d.derived
    pkg = _copy(tmp_path, lambda d: d["phalanx"].__setitem__("patrons", ["NZL"]))
    d = load_package(pkg).defaults
    assert d.patrons == ("NZL",) and "patrons" not in d.derived
    assert d.to_dict()["patrons"] == ["NZL"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (["XXX"], "'XXX' is not in actors.id"),
        (["NZL", "NZL"], "names an actor twice"),
        (["USA"], "holds the leader 'USA'"),
        (["not an id"], "is not an actor id"),
    ],
)
def test_bad_patrons_are_refused(tmp_path, value, message):
    pkg = _copy(tmp_path, lambda d: d["phalanx"].__setitem__("patrons", value))
    with pytest.raises(DataPackageError) as e:
        load_package(pkg)
    assert any(
        message in p.message and (p.field or "") == "phalanx.patrons" for p in e.value.problems
    ), e.value.summary()


def test_patrons_stay_with_their_case_when_layered():
    from phalanx.kb.package import package_layers

    # ANZUS on top of the embedded package names its own organisation and leader: the
    # Eurasian patrons (which include ANZUS's leader, USA) do not carry over
    d = load_package(package_layers(ANZUS, on_top=True)).defaults
    assert (d.organization, d.leader) == ("ANZUS", "USA")
    assert d.patrons is None and "patrons" in d.derived
