"""Issue files: the shipped ones load and carry sources; broken ones fail precisely."""

from __future__ import annotations

from pathlib import Path

import pytest

from phalanx.models.issue import IssueError, list_issues, load_issue

DATA = Path(__file__).resolve().parents[2] / "tests" / "data" / "decision"
SHIPPED = ["csto_armenia_2022", "csto_kazakhstan_2022", "taliban_policy", "recognise_annexations"]
CINC_2022 = {
    "RUS": 0.03820,
    "BLR": 0.00142,
    "ARM": 0.00056,
    "KAZ": 0.00266,
    "KGZ": 0.00045,
    "TJK": 0.00049,
    "AZE": 0.00138,
}


def test_all_shipped_issues_listed():
    assert [i["id"] for i in list_issues()] == sorted(SHIPPED)


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_issue_is_sourced(name):
    issue = load_issue(name)
    assert issue.id == name and issue.organisation == "CSTO"
    assert {"RUS", "BLR", "ARM", "KAZ", "KGZ", "TJK"} <= {a.id for a in issue.actors}
    for a in issue.actors:
        for field in (a.capability, a.position, a.salience):
            assert field.source and field.url.startswith("http")
        assert a.capability.value == CINC_2022[a.id]  # COW NMC v7.0, 2022 (FACTS.md)
        if a.position.inferred:
            assert a.position.note  # every inferred position says why
    assert issue.scale.label(issue.scale.min) == issue.scale.anchors[0].label


def test_historical_issues_record_outcomes():
    assert load_issue("csto_armenia_2022").outcome.value == 0.5
    assert load_issue("csto_kazakhstan_2022").outcome.value == 0.75
    assert load_issue("taliban_policy").outcome is None


@pytest.mark.parametrize(
    "name,pattern",
    [
        ("bad_missing_field.yaml", r"^bad_missing_field\.yaml:2: field 'scale': Field required"),
        (
            "bad_value.yaml",
            r"^bad_value\.yaml:91: field 'actors\[BLR\]\.salience\.value': must be in \[0, 1\], "
            r"got 1\.7",
        ),
        (
            "bad_unknown_actor.yaml",
            r"^bad_unknown_actor\.yaml:\d+: field 'leader': unknown actor 'UZB'",
        ),
        ("bad_rule.yaml", r"^bad_rule\.yaml:8: field 'decision_rule': Input should be 'consensus'"),
        ("bad_syntax.yaml", r"^bad_syntax\.yaml:4: is not valid YAML"),
        (
            "bad_duplicate_key.yaml",
            r"^bad_duplicate_key\.yaml:8: field 'title': repeats the key 'title' \(first on line 6\)",
        ),
        (
            "bad_impossible_date.yaml",
            r"^bad_impossible_date\.yaml:7: field 'date': '2022-02-30' is not a real calendar date",
        ),
        ("bad_deep_nesting.yaml", r"^bad_deep_nesting\.yaml:\d+: is nested more than 32 levels"),
        ("bad_alias.yaml", r"^bad_alias\.yaml:7: defines the anchor &d"),
        (
            "bad_nan.yaml",
            r"^bad_nan\.yaml:40: field 'actors\[KAZ\]\.capability\.value': .*finite number",
        ),
    ],
)
def test_broken_issue_files(name, pattern):
    from phalanx.errors import UserError

    with pytest.raises(IssueError, match=pattern) as info:
        load_issue(DATA / name)
    assert isinstance(info.value, UserError) and info.value.file == name
    assert info.value.line is not None


def test_issue_file_size_is_bounded(tmp_path, monkeypatch):
    import phalanx.models.issue as issue_mod

    big = tmp_path / "big.yaml"
    big.write_text("id: big\nnotes: '" + "x" * 5000 + "'\n")
    monkeypatch.setattr(issue_mod, "ISSUE_LIMIT", 1000)
    with pytest.raises(IssueError, match="big.yaml"):
        load_issue(big)


def test_unquoted_dates_stay_text(tmp_path):
    from phalanx.yamlio import load_yaml

    p = tmp_path / "d.yaml"
    p.write_text("a: 2022-09-13\nb: 2022-02-30\n")
    data, locate = load_yaml(p)
    assert data == {"a": "2022-09-13", "b": "2022-02-30"}
    assert locate(("b",)) == 2


def test_unknown_issue_name():
    with pytest.raises(IssueError, match="unknown issue 'nowhere'.*csto_armenia_2022"):
        load_issue("nowhere")


ANZUS = Path(__file__).resolve().parents[2] / "tests" / "data" / "kb" / "anzus"


def _sourced(value):
    return {
        "value": value,
        "source": "toy value for a test",
        "url": "https://example.org/toy",
        "inferred": True,
        "note": "not a fact: a test fixture",
    }


def _toy_issue(issue_id, *, leader=True):
    """A hypothetical ANZUS question (toy numbers, marked inferred), to test package issues."""
    doc = {
        "id": issue_id,
        "title": "Toy question",
        "date": "1986-08-11",
        "organisation": "ANZUS",
        "question": "How far do the allies go?",
        "decision_rule": "consensus",
        "scale": {
            "min": 0,
            "max": 1,
            "anchors": [{"value": 0, "label": "nothing"}, {"value": 1, "label": "everything"}],
        },
        "actors": [
            {
                "id": a,
                "name": a,
                "capability": _sourced(c),
                "position": _sourced(x),
                "salience": _sourced(0.8),
            }
            for a, c, x in (("USA", 0.3, 0.9), ("AUS", 0.02, 0.6), ("NZL", 0.01, 0.2))
        ],
    }
    if leader:
        doc["leader"], doc["leader_capacity"] = "USA", _sourced(0.1)
    return doc


def _package(tmp_path, issues, **phalanx):
    import json
    import shutil

    import yaml

    pkg = tmp_path / "anzus"
    shutil.copytree(ANZUS, pkg)
    desc = json.loads((pkg / "datapackage.json").read_text())
    desc["phalanx"].update({"issues": "issues", **phalanx})
    (pkg / "datapackage.json").write_text(json.dumps(desc))
    (pkg / "issues").mkdir()
    for name, doc in issues.items():
        (pkg / "issues" / f"{name}.yaml").write_text(yaml.safe_dump(doc))
    return pkg


def test_a_package_ships_its_own_issues(tmp_path):
    from phalanx.kb.store import KnowledgeBase
    from phalanx.models.collective import decide_issue

    pkg = _package(
        tmp_path, {"anzus_toy": _toy_issue("anzus_toy", leader=False)}, leader_caps_outcome=False
    )
    kb = KnowledgeBase.from_path(pkg)
    listed = {i["id"]: i["origin"] for i in list_issues(kb)}
    assert listed["anzus_toy"] == "package" and listed["csto_armenia_2022"] == "shipped"
    assert "anzus_toy" not in {i["id"] for i in list_issues()}
    r = decide_issue("anzus_toy", kb=kb)  # no leader: this package says none caps it
    assert r["outcome"] == 0.2 and r["leader_caps"] is False and r["bound_by"] == ["NZL"]
    # the embedded package says the leader's capacity caps the outcome: a leader is required
    with pytest.raises(IssueError, match="field 'leader': .*leader_caps_outcome"):
        decide_issue(pkg / "issues" / "anzus_toy.yaml")


def test_leader_capacity_caps_only_where_the_package_says_so(tmp_path):
    from phalanx.kb.store import KnowledgeBase
    from phalanx.models.collective import decide_issue

    doc = _toy_issue("anzus_capped")
    capped = KnowledgeBase.from_path(
        _package(tmp_path / "a", {"anzus_capped": doc}, leader_caps_outcome=True)
    )
    free = KnowledgeBase.from_path(
        _package(tmp_path / "b", {"anzus_capped": doc}, leader_caps_outcome=False)
    )
    assert decide_issue("anzus_capped", kb=capped)["outcome"] == pytest.approx(0.1)
    assert decide_issue("anzus_capped", kb=free)["outcome"] == pytest.approx(0.2)


def test_issue_ids_must_be_unique(tmp_path):
    from phalanx.kb.store import KnowledgeBase

    pkg = _package(tmp_path, {"csto_armenia_2022": _toy_issue("csto_armenia_2022")})
    with pytest.raises(IssueError, match="'csto_armenia_2022' is defined twice"):
        list_issues(KnowledgeBase.from_path(pkg))


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("a: 1\n---\nb: 2\n", r"y\.yaml:\d+: is not valid YAML: .*single document"),
        ("a: &x [1]\nb: *x\n", r"y\.yaml:1: defines the anchor &x"),
        ("? [1, 2]\n: 3\n", r"y\.yaml:1: has a key that is a list or mapping"),
        ("a:\n  b: 1\n  b: 2\n", r"y\.yaml:3: field 'b': repeats the key 'b' \(first on line 2\)"),
    ],
)
def test_yaml_rules(tmp_path, text, pattern):
    from phalanx.errors import UserError
    from phalanx.yamlio import load_yaml

    p = tmp_path / "y.yaml"
    p.write_text(text)
    with pytest.raises(UserError, match=pattern):
        load_yaml(p)


def test_yaml_depth_cap_is_a_parameter(tmp_path):
    from phalanx.errors import UserError
    from phalanx.yamlio import load_yaml

    p = tmp_path / "deep.yaml"
    p.write_text("a:\n  b:\n    c: 1\n")
    assert load_yaml(p, max_depth=3)[0] == {"a": {"b": {"c": 1}}}
    with pytest.raises(UserError, match=r"deep\.yaml:3: is nested more than 2 levels"):
        load_yaml(p, max_depth=2)


def test_locate_maps_a_pydantic_location_to_its_line():
    from phalanx.yamlio import load_yaml

    data, locate = load_yaml(DATA / "bad_value.yaml")
    blr = next(i for i, a in enumerate(data["actors"]) if a["id"] == "BLR")
    assert locate(("actors", blr, "salience", "value")) == 91  # the line holding 1.7
    assert locate(("actors", blr, "no_such_field")) == locate(("actors", blr))
    assert locate(()) == 2  # line 1 is a comment; the top mapping starts on line 2
