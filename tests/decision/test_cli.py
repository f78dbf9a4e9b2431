"""``phalanx decide`` and ``phalanx issues`` through typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import phalanx.cli as cli
import phalanx.cli.commands_decide  # noqa: F401  (registers the commands)

DATA = Path(__file__).resolve().parents[2] / "tests" / "data" / "decision"
runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(cli.app, list(args))


def test_decide_table_output():
    res = invoke("decide", "csto_armenia_2022")
    assert res.exit_code == 0, res.output
    assert "fact-finding / monitoring mission" in res.output
    assert "Bound by: BLR, KAZ, RUS" in res.output
    assert "Historical: 0.500" in res.output


def test_decide_json():
    res = invoke("decide", "csto_kazakhstan_2022", "--json", "--rounds", "3")
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["outcome"] == 0.75 and data["bargaining_rounds"] == 3
    assert data["historical"]["value"] == 0.75
    assert {a["id"] for a in data["actors"]} == {"KAZ", "RUS", "BLR", "ARM", "KGZ", "TJK"}


def test_decide_rule_option_and_file_path():
    res = invoke(
        "decide",
        str(Path(cli.__file__).parents[1] / "data" / "issues" / "csto_armenia_2022.yaml"),
        "--rule",
        "unanimity",
        "--json",
    )
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["outcome"] == 0.25


def test_list_and_issues_commands():
    for args in (("decide", "--list", "--json"), ("issues", "--json")):
        res = invoke(*args)
        assert res.exit_code == 0, res.output
        assert "taliban_policy" in {i["id"] for i in json.loads(res.output)}


@pytest.mark.parametrize(
    "args,fragment",
    [
        (("decide", "nowhere"), "unknown issue 'nowhere'"),
        (("decide", "csto_armenia_2022", "--rule", "veto"), "--rule: The 'rule' parameter of"),
        (("decide", "csto_armenia_2022", "--rounds", "-1"), "--rounds: The 'bargaining_rounds'"),
        (("decide", "csto_armenia_2022", "--variant", "x"), "'variant' parameter"),
        (
            ("decide", str(DATA / "bad_value.yaml")),
            "'actors[BLR].salience.value': must be in [0, 1]",
        ),
        (("decide", str(DATA / "bad_syntax.yaml")), "not valid YAML"),
        (("decide",), "give an issue"),
        (("decide", str(DATA / "bad_duplicate_key.yaml")), "repeats the key 'title'"),
    ],
)
def test_bad_input_one_line_exit_2(args, fragment):
    res = invoke(*args)
    assert res.exit_code == 2
    assert "Traceback" not in res.output
    out = res.output.strip()
    assert fragment in out and len(out.splitlines()) == 1


def test_decide_rounds_5_keeps_the_armenia_answer():
    res = invoke("decide", "csto_armenia_2022", "--rounds", "5", "--json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["outcome"] == 0.5 and data["bargaining"]["status"] == "unsettled"
    table = invoke("decide", "csto_armenia_2022", "--rounds", "5")
    assert "Bargaining (scholz_code): unsettled after 5 of 5 round(s)" in table.output


def test_decide_and_issues_take_data_and_on_top(tmp_path):
    from test_issue_files import _package, _toy_issue

    pkg = _package(tmp_path, {"anzus_toy": _toy_issue("anzus_toy")})
    res = invoke("issues", "--data", str(pkg), "--json")
    assert res.exit_code == 0, res.output
    assert {"anzus_toy", "taliban_policy"} <= {i["id"] for i in json.loads(res.output)}
    res = invoke("decide", "anzus_toy", "--data", str(pkg), "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["outcome"] == pytest.approx(0.1)  # USA's capacity caps it
    res = invoke("decide", "anzus_toy", "--on-top")
    assert res.exit_code == 2 and "--on-top needs --data" in res.output
    assert invoke("decide", "anzus_toy").exit_code == 2  # not a shipped issue
