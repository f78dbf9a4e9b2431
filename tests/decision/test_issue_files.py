"""Issue files: the shipped ones load and carry sources; broken ones fail precisely."""

from __future__ import annotations

from pathlib import Path

import pytest

from phalanx.models.issue import IssueError, list_issues, load_issue

DATA = Path(__file__).resolve().parents[2] / "tests" / "data" / "decision"
SHIPPED = ["csto_armenia_2022", "csto_kazakhstan_2022", "taliban_policy", "recognise_annexations"]
CINC_2022 = {"RUS": 0.03820, "BLR": 0.00142, "ARM": 0.00056, "KAZ": 0.00266, "KGZ": 0.00045,
             "TJK": 0.00049, "AZE": 0.00138}


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
    [("bad_missing_field.yaml", r"^bad_missing_field\.yaml:2: field 'scale': Field required"),
     ("bad_value.yaml",
      r"^bad_value\.yaml:91: field 'actors\[BLR\]\.salience\.value': must be in \[0, 1\], "
      r"got 1\.7"),
     ("bad_unknown_actor.yaml",
      r"^bad_unknown_actor\.yaml:\d+: field 'leader': unknown actor 'UZB'"),
     ("bad_rule.yaml", r"^bad_rule\.yaml:8: field 'decision_rule': Input should be 'consensus'"),
     ("bad_syntax.yaml", r"^bad_syntax\.yaml:4: is not valid YAML"),
     ("bad_duplicate_key.yaml",
      r"^bad_duplicate_key\.yaml:8: field 'title': repeats the key 'title' \(first on line 6\)"),
     ("bad_impossible_date.yaml",
      r"^bad_impossible_date\.yaml:7: field 'date': '2022-02-30' is not a real calendar date"),
     ("bad_deep_nesting.yaml", r"^bad_deep_nesting\.yaml:\d+: is nested more than 32 levels"),
     ("bad_alias.yaml", r"^bad_alias\.yaml:7: defines the anchor &d"),
     ("bad_nan.yaml",
      r"^bad_nan\.yaml:40: field 'actors\[KAZ\]\.capability\.value': .*finite number")],
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
