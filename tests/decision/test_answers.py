"""The decision model's answers to the issue files, beside what happened.

Expected levels are worked out by hand from the issue files' numbers and the consensus
rule (the least willing member that blocks binds; the leader's capacity caps the action).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from phalanx.errors import UserError
from phalanx.kb import KnowledgeBase
from phalanx.models.answers import WHAT_IF_SOURCE, decision_answers
from phalanx.yamlio import load_yaml

DATA = Path(__file__).resolve().parents[1] / "data" / "kb"
SHIPPED = Path(__file__).resolve().parents[2] / "src" / "phalanx" / "data" / "issues"


@pytest.fixture(scope="module")
def triple():
    return KnowledgeBase.from_path(DATA / "triple-alliance")


@pytest.fixture(scope="module")
def embedded():
    return KnowledgeBase.embedded()


def test_triple_alliance_answers_its_own_issue_file(triple):
    (answer,) = decision_answers(triple, "TRI")
    assert answer["id"] == "triple_alliance_1914" and answer["origin"] == "package"
    # Consensus: Italy (0, salience 0.8) and Romania (0, salience 0.7) both block (salience
    # at or above 0.2), so the least willing members set the level at 0.
    assert answer["predicted"] == {"level": 0.0, "label": "casus foederis denied: no common war"}
    assert answer["observed"]["level"] == 0.0 and answer["error"] == 0.0
    assert answer["observed"]["url"].startswith("http")
    assert sorted(answer["bound_by"]) == ["ITA", "ROM"]
    assert [a["label"] for a in answer["scale"]["anchors"]][0].startswith("casus foederis")
    assert {p["actor"] for p in answer["positions"]} == {"AUH", "GER", "ITA", "ROM", "RUS", "FRA"}
    assert json.loads(json.dumps(answer)) == answer


def test_an_override_moves_the_answer_as_worked_out_by_hand(triple):
    half = decision_answers(
        triple, "TRI", issue="triple_alliance_1914", positions={"ITA": 0.5, "ROM": 0.5}
    )[0]
    # Both blockers at 0.5 and the others at 1: the level rises to 0.5, above what happened.
    assert half["predicted"]["level"] == pytest.approx(0.5)
    assert half["predicted"]["label"] == "benevolent neutrality of the other members"
    assert half["error"] == pytest.approx(0.5) and half["whatif"] is True
    ita = next(p for p in half["positions"] if p["actor"] == "ITA")
    assert ita["position"] == 0.5 and ita["source"] == WHAT_IF_SOURCE and ita["inferred"]
    # Everyone at 1: the members would go to war together, but Germany's capacity (0.9)
    # caps the action at 0.9, whose level is still the 0.5 anchor.
    full = decision_answers(
        triple, "TRI", issue="triple_alliance_1914", positions={"ITA": 1.0, "ROM": 1.0}
    )[0]
    assert full["predicted"]["level"] == pytest.approx(0.9)
    assert full["binding"] == "leader_capacity" and full["bound_by"] == ["GER"]
    # Romania alone changing its mind moves nothing: Italy still blocks at 0.
    one = decision_answers(triple, "TRI", issue="triple_alliance_1914", positions={"ROM": 1.0})
    assert one[0]["predicted"]["level"] == 0.0 and one[0]["bound_by"] == ["ITA"]
    # the file itself is untouched
    assert decision_answers(triple, "TRI")[0]["predicted"]["level"] == 0.0


def test_unknown_actor_and_off_scale_positions_are_named(triple):
    with pytest.raises(UserError) as e:
        decision_answers(triple, "TRI", issue="triple_alliance_1914", positions={"XXX": 0.5})
    assert e.value.field == "positions[XXX]" and "AUH" in e.value.message
    with pytest.raises(UserError) as e:
        decision_answers(triple, "TRI", issue="triple_alliance_1914", positions={"ITA": 1.5})
    assert e.value.field == "positions[ITA]" and "[0, 1]" in e.value.message
    with pytest.raises(UserError) as e:
        decision_answers(triple, "TRI", issue="triple_alliance_1914", positions={"ITA": "x"})
    assert e.value.field == "positions[ITA]"
    with pytest.raises(UserError) as e:
        decision_answers(triple, "TRI", positions={"ITA": 0.5})
    assert e.value.field == "positions"
    with pytest.raises(UserError) as e:
        decision_answers(triple, "TRI", issue="nope")
    assert e.value.field == "issue" and "triple_alliance_1914" in e.value.message
    with pytest.raises(UserError) as e:
        decision_answers(triple, "TRI", issue="csto_armenia_2022")
    assert e.value.field == "issue" and "CSTO" in e.value.message
    with pytest.raises(UserError):
        decision_answers(triple, "NOPE")


def test_embedded_answers_every_shipped_issue_about_its_organisation(embedded):
    about = sorted(
        p.stem
        for p in SHIPPED.glob("*.yaml")
        if load_yaml(p, limit=1_000_000)[0]["organisation"] == "CSTO"
    )
    answers = decision_answers(embedded, "CSTO")
    assert sorted(a["id"] for a in answers) == about
    dates = [a["date"] for a in answers]
    assert dates == sorted(dates)
    for a in answers:
        lo, hi = a["scale"]["min"], a["scale"]["max"]
        assert lo <= a["predicted"]["level"] <= hi
        if a["observed"] is None:
            assert a["error"] is None and "no outcome" in a["observed_note"]
        else:
            assert a["error"] == pytest.approx(a["predicted"]["level"] - a["observed"]["level"])
    # an issue file without an outcome says so (taliban_policy records none)
    assert any(a["observed"] is None for a in answers)
    json.dumps(answers)


def test_only_issues_dated_on_or_before_the_date(embedded):
    import datetime as dt

    ids = [a["id"] for a in decision_answers(embedded, "CSTO", at=dt.date(2022, 9, 13))]
    assert ids == ["csto_kazakhstan_2022", "csto_armenia_2022"]
    assert decision_answers(embedded, "CSTO", at="1999") == []


def test_a_package_without_issues_about_its_organisation_gets_none():
    anzus = KnowledgeBase.from_path(DATA / "anzus")
    assert decision_answers(anzus, "ANZUS") == []
