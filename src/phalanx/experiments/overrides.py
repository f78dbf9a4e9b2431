"""A scenario's drivers as a flat list of ranges, and a copy of it with some of them changed.

A scenario file states every uncertain number as a range ``{low, high}`` (see
:mod:`phalanx.experiments.scenario`). :func:`scenario_drivers` lists the ranges an analyst
may change, one row each, named like the factors of
:mod:`phalanx.experiments.uncertainties` but with every point of a path (not only its
widest):

=============================  ========================================  ==========
name                           what                                      bounds
=============================  ========================================  ==========
``leader.capacity``            the leader's free capacity at the start   0 to 1
``leader.recovery``            share of the gap to 1 regained per year   0 to 1
``leader.war.years``           more years of war (whole years)           0 to 1000
``leader.war.drain``           capacity lost per year of war             0 to 1
``cooperation.path[2030]``     the cooperation level in 2030             0 to 1
``patrons[0].path[2035]``      the rule's offer in 2035                  0 to 1
``conflicts[1].path[2030]``    the rule's multiplier in 2030 (likewise   0 to 100
                               ``threats[k]``, ``leader_threat[k]``)
=============================  ========================================  ==========

(the war's rows only when the scenario has a war). :func:`apply_drivers` returns a new
:class:`~phalanx.experiments.scenario.Scenario` with the given ranges replaced, validated
like a file (bounds, ``low <= high``, whole years), whose :attr:`~Scenario.text` is the
changed file (YAML, with a header naming the changes and the original's SHA-256), so a run
archives exactly what it ran and its ``sha256`` tells it apart from the shipped file.
Every problem is a :class:`~phalanx.errors.UserError` naming the driver as
``drivers.<name>``. Names from a request are only ever compared with this list; nothing
else is read from them. Cost: O(rules x points).

>>> from phalanx.experiments.scenario import load_scenario
>>> s = load_scenario("long-war")
>>> [d["name"] for d in scenario_drivers(s)][:4]
['leader.capacity', 'leader.recovery', 'leader.war.years', 'leader.war.drain']
>>> t = apply_drivers(s, {"leader.capacity": {"low": 0.3, "high": 0.4}})
>>> t.leader.capacity.low, t.leader.capacity.high, t.sha256 != s.sha256
(0.3, 0.4, True)
"""

from __future__ import annotations

import copy
import hashlib
import math
from collections.abc import Mapping
from typing import Any

import yaml

from phalanx.errors import UserError
from phalanx.experiments.scenario import MAX_SCALE, Scenario, _text_locator

__all__ = ["RULE_KEYS", "scenario_drivers", "apply_drivers"]

RULE_KEYS = ("patrons", "conflicts", "threats", "leader_threat")
"""The scenario keys whose rules carry a path of ranges."""

_MULTIPLIERS = ("conflicts", "threats", "leader_threat")


def _selector(sel: str | list[str]) -> str:
    return sel if isinstance(sel, str) else ", ".join(sel)


def _rule_label(key: str, rule: Any, year: int) -> str:
    if key == "patrons":
        return f"{rule.offer} offered by {_selector(rule.patron)} to {_selector(rule.to)} in {year}"
    if key == "conflicts":
        who = "-".join(rule.pair) if rule.pair is not None else f"{rule.between} pairs"
        return f"multiplier of the conflicts of {who} in {year}"
    if key == "threats":
        return f"multiplier of the threats {_selector(rule.actors)} perceive in {year}"
    return f"multiplier of the fear of the leader of {_selector(rule.actors)} in {year}"


def scenario_drivers(scenario: Scenario) -> list[dict[str, Any]]:
    """The changeable ranges of ``scenario``, in file order: ``{"name", "label", "unit",
    "low", "high", "min", "max", "integer", "line", "loc"}`` (``min``/``max``: the bounds a
    value may take; ``loc``: where it sits in the file's mapping, as a list of keys)."""
    rows: list[dict[str, Any]] = []

    def add(name, label, unit, rng, hi, integer, loc) -> None:
        rows.append(
            {
                "name": name,
                "label": label,
                "unit": unit,
                "low": rng.low,
                "high": rng.high,
                "min": 0,
                "max": hi,
                "integer": integer,
                "line": scenario.line(loc),
                "loc": list(loc),
            }
        )

    lead = scenario.leader
    add("leader.capacity", "the leader's free capacity at the start", "share", lead.capacity, 1,
        False, ("leader", "capacity"))  # fmt: skip
    add("leader.recovery", "share of the gap to 1 regained per year of peace", "share",
        lead.recovery, 1, False, ("leader", "recovery"))  # fmt: skip
    if lead.war is not None:
        add("leader.war.years", "more years of war", "years", lead.war.years, 1000, True,
            ("leader", "war", "years"))  # fmt: skip
        add("leader.war.drain", "capacity lost per year of war", "share", lead.war.drain, 1,
            False, ("leader", "war", "drain"))  # fmt: skip
    if scenario.cooperation is not None:
        for j, p in enumerate(scenario.cooperation.path):
            add(f"cooperation.path[{p.year}]", f"cooperation level in {p.year}", "share", p, 1,
                False, ("cooperation", "path", j))  # fmt: skip
    for key in RULE_KEYS:
        for k, rule in enumerate(getattr(scenario, key)):
            mult = key in _MULTIPLIERS
            for j, p in enumerate(rule.path):
                add(f"{key}[{k}].path[{p.year}]", _rule_label(key, rule, p.year),
                    "multiplier" if mult else "share", p, MAX_SCALE if mult else 1, False,
                    (key, k, "path", j))  # fmt: skip
    return rows


def _pair(name: str, value: Any, row: Mapping[str, Any]) -> tuple[float, float]:
    """``value`` (a number, or a mapping with low and high) checked against ``row``."""
    field = f"drivers.{name}"
    if isinstance(value, int | float) and not isinstance(value, bool):
        low = high = value
    elif isinstance(value, Mapping) and set(value) == {"low", "high"}:
        low, high = value["low"], value["high"]
    else:
        raise UserError("expected a number or {low, high}", field=field)
    for v in (low, high):
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise UserError(f"expected finite numbers, got {v!r}", field=field)
    lo, hi = row["min"], row["max"]
    if not lo <= low <= high <= hi:
        raise UserError(
            f"expected {lo} <= low <= high <= {hi} ({row['unit']}), got {low:g} to {high:g}",
            field=field,
        )
    if row["integer"]:
        if low != int(low) or high != int(high):
            raise UserError(f"expected whole years, got {low:g} to {high:g}", field=field)
        return int(low), int(high)
    return float(low), float(high)


def apply_drivers(scenario: Scenario, changes: Mapping[str, Any]) -> Scenario:
    """A copy of ``scenario`` with the ranges named in ``changes`` replaced.

    ``changes`` maps driver names (:func:`scenario_drivers`) to ``{"low", "high"}`` or a
    number (a known value). No changes give ``scenario`` itself. A name that is not a driver
    of this scenario, or a value out of its bounds, is a UserError naming the driver.
    """
    if not changes:
        return scenario
    rows = {r["name"]: r for r in scenario_drivers(scenario)}
    data = copy.deepcopy(yaml.safe_load(scenario.text)) if scenario.text else None
    if not isinstance(data, dict):
        data = scenario.model_dump(mode="json", exclude_defaults=True)
    shown = []
    for name, value in changes.items():
        row = rows.get(name) if isinstance(name, str) else None
        if row is None:
            raise UserError(
                f"{str(name)[:80]!r} is not a driver of scenario {scenario.name}; expected one "
                f"of {', '.join(rows)}",
                field=f"drivers.{str(name)[:80]}",
            )
        low, high = _pair(name, value, row)
        node: Any = data
        loc = row["loc"]
        for part in loc[:-1]:
            if isinstance(part, str):
                node = node.setdefault(part, {})
            else:
                node = node[part]
        old = node.get(loc[-1]) if isinstance(node, dict) else node[loc[-1]]
        new: dict[str, Any] = {"low": low, "high": high}
        if isinstance(old, dict) and "year" in old:
            new = {"year": old["year"], **new}
        node[loc[-1]] = new
        shown.append(f"{name} = {low:g} to {high:g}")
    try:
        changed = Scenario.model_validate(data)
    except Exception as e:  # pydantic's ValidationError: a rule across fields
        raise UserError(f"the changed scenario is not valid: {e}", field="drivers") from None
    header = (
        f"# {scenario.name} with drivers changed: {'; '.join(shown)}\n"
        f"# (the original file's sha256: {scenario.sha256})\n"
    )
    text = header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    changed._text = text
    changed._sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()
    changed._path = None
    changed._locate = _text_locator(text)
    return changed
