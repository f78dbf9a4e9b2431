import json

import pytest
from typer.testing import CliRunner

import phalanx.cli as cli

if hasattr(cli, "_register"):
    cli._register()
import phalanx.cli.commands_balance  # noqa: E402,F401  (registers the command)

runner = CliRunner()
KEYS = {
    "frustration_index",
    "lower_bound",
    "upper_bound",
    "gap",
    "optimal",
    "partition",
    "frustrated_edges",
    "triangle_balance",
    "normalised_balance",
    "n_nodes",
    "n_edges",
    "k",
    "solve_time_s",
}


@pytest.fixture
def small_csv(tmp_path):
    p = tmp_path / "net.csv"
    p.write_text(
        "source,target,sign,weight\nA,B,1,1\nB,C,-1,2\nA,C,-1,1\nC,D,+,1\nD,A,-,3\n",
        encoding="utf-8",
    )
    return p


def test_json_output_parses_and_has_the_keys(small_csv):
    res = runner.invoke(cli.app, ["balance", str(small_csv), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert KEYS <= set(data)
    assert data["optimal"] is True and data["k"] == 2
    assert data["n_nodes"] == 4 and data["n_edges"] == 5
    assert set(data["partition"]) == {"A", "B", "C", "D"}
    assert sum(e["weight"] for e in data["frustrated_edges"]) == data["frustration_index"]


def test_k3_and_table_output(small_csv):
    res = runner.invoke(cli.app, ["balance", str(small_csv), "--k", "3", "--json"])
    assert res.exit_code == 0 and json.loads(res.output)["k"] == 3
    res = runner.invoke(cli.app, ["balance", str(small_csv)])
    assert res.exit_code == 0
    assert "Frustration index" in res.output and "Frustrated ties" in res.output


def test_malformed_csv_exits_2_naming_the_line(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text("source,target,sign\nA,B,1\nB,C,maybe\n", encoding="utf-8")
    res = runner.invoke(cli.app, ["balance", str(p), "--json"])
    assert res.exit_code == 2
    assert "line 3" in res.output and "sign" in res.output
    assert "Traceback" not in res.output


def test_the_time_limit_bounds_the_whole_command(small_csv, monkeypatch):
    """The solver gets what is left of --time-limit after reading, never more."""
    import phalanx.network.summary as summary

    seen = {}
    real = summary.balance_summary

    def spy(G, **kwargs):
        seen.update(kwargs)
        return real(G, **kwargs)

    monkeypatch.setattr(summary, "balance_summary", spy)
    res = runner.invoke(cli.app, ["balance", str(small_csv), "--time-limit", "30", "--json"])
    assert res.exit_code == 0, res.output
    assert 0 < seen["time_limit"] <= 30
    data = json.loads(res.output)
    assert data["time_limit_s"] == 30 and {"lower_bound", "upper_bound", "gap"} <= set(data)


def test_terminal_summary_has_no_raw_python_values(small_csv):
    res = runner.invoke(cli.app, ["balance", str(small_csv)])
    assert res.exit_code == 0
    for raw in ("None", "False", "True", "nan"):
        assert raw not in res.output
