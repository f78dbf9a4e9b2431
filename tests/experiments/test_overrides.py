"""A scenario's drivers as a flat list, and copies of it with some changed."""

from __future__ import annotations

import pytest
import yaml

from phalanx.errors import UserError
from phalanx.experiments.overrides import apply_drivers, scenario_drivers
from phalanx.experiments.scenario import Scenario, list_scenarios, load_scenario

NAMES = [s["name"] for s in list_scenarios()]


def _value(scenario: Scenario, loc: list) -> object:
    node: object = scenario
    for part in loc:
        node = node[part] if isinstance(part, int) else getattr(node, part)
    return node


@pytest.mark.parametrize("name", NAMES)
def test_the_drivers_are_the_files_ranges(name):
    s = load_scenario(name)
    rows = scenario_drivers(s)
    assert len({r["name"] for r in rows}) == len(rows)
    for r in rows:
        rng = _value(s, r["loc"])
        assert (r["low"], r["high"]) == (rng.low, rng.high)
        assert r["min"] <= r["low"] <= r["high"] <= r["max"]
    # every path point of every rule is there (one row each)
    points = sum(len(rule.path) for k in ("patrons", "conflicts", "threats", "leader_threat")
                 for rule in getattr(s, k))  # fmt: skip
    points += len(s.cooperation.path) if s.cooperation else 0
    assert len(rows) == 2 + (2 if s.leader.war else 0) + points


@pytest.mark.parametrize("name", NAMES)
def test_changing_every_driver_changes_it_and_nothing_else(name):
    s = load_scenario(name)
    rows = scenario_drivers(s)
    changes = {}
    for r in rows:  # the middle of the allowed range, whole for years
        mid = (r["min"] + r["max"]) / 2
        mid = int(mid) if r["integer"] else round(mid, 3)
        changes[r["name"]] = {"low": mid, "high": mid}
    t = apply_drivers(s, changes)
    for r in scenario_drivers(t):
        assert (r["low"], r["high"]) == (changes[r["name"]]["low"],) * 2
    assert t.model_dump(include={"name", "title", "summary", "cites", "seed", "parameters"}) == (
        s.model_dump(include={"name", "title", "summary", "cites", "seed", "parameters"})
    )
    # the text is the changed file: read back, it is the same scenario
    assert Scenario.model_validate(yaml.safe_load(t.text)).model_dump() == t.model_dump()
    assert t.sha256 != s.sha256 and t.text.startswith(f"# {name} with drivers changed")


def test_no_change_is_the_scenario_itself():
    s = load_scenario("long-war")
    assert apply_drivers(s, {}) is s


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"leader.nope": 0.5}, "drivers.leader.nope"),
        ({"../../etc": 0.5}, "drivers.../../etc"),
        ({"leader.capacity": {"low": 0.6, "high": 0.5}}, "drivers.leader.capacity"),
        ({"leader.capacity": {"low": -0.1, "high": 0.5}}, "drivers.leader.capacity"),
        ({"leader.capacity": {"low": 0.1}}, "drivers.leader.capacity"),
        ({"leader.capacity": "half"}, "drivers.leader.capacity"),
        ({"leader.capacity": {"low": float("nan"), "high": 0.5}}, "drivers.leader.capacity"),
        ({"leader.war.years": {"low": 1.5, "high": 2}}, "drivers.leader.war.years"),
        ({"threats[0].path[2035]": {"low": 1, "high": 101}}, "drivers.threats[0].path[2035]"),
    ],
)
def test_bad_changes_name_the_driver(changes, field):
    with pytest.raises(UserError) as e:
        apply_drivers(load_scenario("long-war"), changes)
    assert e.value.field == field


def test_a_scenario_without_a_war_has_no_war_drivers():
    calm = Scenario(name="calm", title="Calm", summary="Nothing happens here at all.")
    assert [r["name"] for r in scenario_drivers(calm)] == ["leader.capacity", "leader.recovery"]
    with pytest.raises(UserError) as e:
        apply_drivers(calm, {"leader.war.years": 3})
    assert e.value.field == "drivers.leader.war.years"
    # a scenario built in code (no file text) can be changed too
    changed = apply_drivers(calm, {"leader.capacity": {"low": 0.4, "high": 0.6}})
    assert (changed.leader.capacity.low, changed.leader.capacity.high) == (0.4, 0.6)
    assert changed.leader.recovery == calm.leader.recovery
