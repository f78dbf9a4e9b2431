"""Scenario files: the shipped ones load; every broken file names its file, line and field."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from phalanx.errors import UserError
from phalanx.experiments.scenario import (
    ScenarioError,
    list_scenarios,
    load_scenario,
    scenarios_dir,
)

BROKEN = Path(__file__).resolve().parents[1] / "data" / "scenarios"
SHIPPED = ("baseline", "short-war", "long-war", "rebalancing", "regional-cooperation")
SECTIONS = (
    "Russia's Aggression Against Ukraine and the CSTO",
    "The Armenia-Azerbaijan Conflict and the CSTO",
    "The Conflict Between CSTO Members Kyrgyzstan and Tajikistan",
    "Lack of a Common Vision Toward the Taliban in Afghanistan",
    "Implications for Central Asia's Security Architecture",
)


def test_the_five_scenarios_are_shipped_and_listed():
    listed = list_scenarios()
    assert sorted(s["name"] for s in listed) == sorted(SHIPPED)
    for s in listed:
        assert Path(s["path"]).name == f"{s['name']}.yaml"
        assert s["title"] and len(s["summary"]) > 40


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_scenario_loads_with_its_text_hash_and_citations(name):
    s = load_scenario(name)
    raw = (scenarios_dir() / f"{name}.yaml").read_bytes()
    assert s.sha256 == hashlib.sha256(raw).hexdigest()
    assert s.text == raw.decode("utf-8")
    assert s.seed is not None
    assert s.cites, "a shipped scenario cites the passages it encodes"
    for c in s.cites:
        assert c.source == "diplomat-2023-khamidov"
        assert c.section in SECTIONS
        assert c.paragraph >= 1
    # the numbers are explained: the file carries comments
    assert raw.count(b"#") >= 5


def test_a_path_loads_the_same_as_the_name():
    a = load_scenario("long-war")
    b = load_scenario(scenarios_dir() / "long-war.yaml")
    assert a.model_dump() == b.model_dump() and a.sha256 == b.sha256


def test_unknown_name_lists_the_shipped_scenarios():
    with pytest.raises(ScenarioError) as e:
        load_scenario("medium-war")
    for name in SHIPPED:
        assert name in str(e.value)
    assert isinstance(e.value, UserError)


def test_missing_file_is_a_user_error(tmp_path):
    with pytest.raises(ScenarioError, match="no such scenario file"):
        load_scenario(tmp_path / "absent.yaml")


def _expectation(path: Path) -> tuple[int, str | None, str]:
    lines = path.read_text().splitlines()
    line = next(i + 1 for i, x in enumerate(lines) if "# <- here" in x)
    field = lines[0].removeprefix("# field: ").strip()
    expect = lines[1].removeprefix("# expect: ").strip()
    return line, None if field == "-" else field, expect


BROKEN_FILES = sorted(BROKEN.glob("*.yaml"))


def test_there_is_a_broken_file_for_every_rule():
    assert len(BROKEN_FILES) >= 20


@pytest.mark.parametrize("path", BROKEN_FILES, ids=lambda p: p.stem)
def test_broken_file_names_file_line_field_and_what_is_expected(path):
    line, field, expect = _expectation(path)
    with pytest.raises(ScenarioError) as e:
        load_scenario(path)
    err = e.value
    assert err.file == path.name
    assert err.line == line  # the line marked '# <- here' in the file
    assert err.field == field
    assert expect in err.message
    assert str(err).startswith(f"{path.name}:{line}:")


def _write(tmp_path: Path, body: str, name: str = "mine.yaml") -> Path:
    p = tmp_path / name
    p.write_text("name: mine\ntitle: Mine\nsummary: A scenario of my own.\n" + body)
    return p


def test_shorthands_mean_a_known_value(tmp_path):
    s = load_scenario(
        _write(
            tmp_path,
            "leader:\n  capacity: 0.6\n  war: {years: 4, drain: 0.03}\n"
            "threats:\n  - actors: all\n    path: [{year: 2030, value: 1.5}]\n",
        )
    )
    assert (s.leader.capacity.low, s.leader.capacity.high) == (0.6, 0.6)
    assert (s.leader.war.years.low, s.leader.war.years.high) == (4, 4)
    assert (s.leader.war.drain.low, s.leader.war.drain.high) == (0.03, 0.03)
    p = s.threats[0].path[0]
    assert (p.year, p.low, p.high) == (2030, 1.5, 1.5)


def test_defaults_of_an_empty_scenario(tmp_path):
    s = load_scenario(_write(tmp_path, ""))
    assert (s.leader.capacity.low, s.leader.capacity.high) == (1.0, 1.0)
    assert s.leader.war is None and s.cooperation is None
    assert s.patrons == s.conflicts == s.threats == s.leader_threat == []
    assert s.seed is None and s.parameters == {} and s.cites == []


def test_a_user_file_keeps_its_own_name_and_line_numbers(tmp_path):
    s = load_scenario(
        _write(
            tmp_path,
            "patrons:\n  - patron: patrons\n    to: all\n    offer: arms\n"
            "    path: [{year: 2030, low: 0, high: 0.1}]\n",
        )
    )
    assert s.file == "mine.yaml"
    assert s.line(("patrons", 0, "to")) == 6


def test_parameters_are_checked_against_the_model_when_it_exists(tmp_path):
    pytest.importorskip("phalanx.models.dynamics.params")
    with pytest.raises(ScenarioError) as e:
        load_scenario(_write(tmp_path, "parameters:\n  beta_patron: 1.8\n"))
    assert e.value.line == 5 and e.value.field == "parameters.beta_patron"
    assert "not a model parameter" in e.value.message
    with pytest.raises(ScenarioError) as e:
        load_scenario(_write(tmp_path, "parameters:\n  beta_patrons: -1\n"))
    assert e.value.line == 5 and "beta_patrons" in e.value.field
    ok = load_scenario(_write(tmp_path, "parameters:\n  beta_patrons: 1.8\n"))
    assert ok.parameters == {"beta_patrons": 1.8}


def test_parameters_are_kept_by_name(tmp_path):
    s = load_scenario(_write(tmp_path, "parameters:\n  beta_patrons: 1.8\n  alpha: -4\n"))
    assert s.parameters == {"beta_patrons": 1.8, "alpha": -4}


def test_selector_words_in_the_docs_match_the_code():
    from phalanx.experiments.scenario import SELECTOR_KEYWORDS

    doc = (Path(__file__).resolve().parents[2] / "docs" / "scenarios.md").read_text()
    for word in SELECTOR_KEYWORDS:
        assert re.search(rf"`{word}`", doc), word


def test_the_docs_describe_every_key_of_the_format():
    from phalanx.experiments import scenario as sc

    doc = (Path(__file__).resolve().parents[2] / "docs" / "scenarios.md").read_text()
    models = (sc.Scenario, sc.Leader, sc.War, sc.PatronRule, sc.ConflictRule, sc.ActorRule)
    for model in (*models, sc.Cooperation, sc.Citation, sc.PathPoint):
        for key in model.model_fields:
            assert re.search(rf"`{key}`|\b{key}:", doc), f"{model.__name__}.{key}"
    for name in SHIPPED:
        assert f"`{name}`" in doc
