"""phalanx estimate and phalanx backtest: the shipped results, the user's files, the errors."""

import json
from pathlib import Path

MINI = Path(__file__).resolve().parents[1] / "data" / "ingest"


def test_estimate_shows_the_shipped_fit(run):
    res = run("estimate")
    assert res.exit_code == 0, res.output
    assert "stronger_at_war" in res.output and "the shipped fit" in res.output
    fit = json.loads(run("estimate", "--json").output)
    assert fit["format"] == "phalanx-hazard-fit/1"


def test_estimate_on_the_users_files_writes_the_fit(run, tmp_path):
    out = tmp_path / "fit.json"
    res = run(
        "estimate",
        "--atop", str(MINI / "atop_mini.csv"),
        "--states", str(MINI / "states_mini.csv"),
        "--nmc", str(MINI / "nmc_mini.csv"),
        "--bootstrap", "5",
        "--output", str(out),
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    fit = json.loads(out.read_text())
    assert fit["sample"]["terminations"] == 9
    # the covariates without a file are left out of the fit
    names = {c["name"] for c in fit["coefficients"]}
    assert "cap_ratio" in names and "dispute" not in names and "common_rival" not in names


def test_estimate_errors_are_plain(run, tmp_path):
    res = run("estimate", "--atop", str(MINI / "atop_mini.csv"))
    assert res.exit_code == 2 and "--states FILE is required" in res.output
    assert "Traceback" not in res.output
    res = run("estimate", "--atop", str(tmp_path / "none.csv"), "--states", str(tmp_path / "x"))
    assert res.exit_code == 2 and "no such file" in res.output
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("a,b,c\n1,2,3\n")
    res = run("estimate", "--atop", str(wrong), "--states", str(MINI / "states_mini.csv"))
    assert res.exit_code == 2 and "ccode1" in res.output and "Traceback" not in res.output
    res = run("estimate", "--cluster", "nonsense")
    assert res.exit_code == 2 and "cohort or spell" in res.output


def test_backtest_json_is_a_list_of_records(run):
    res = run("backtest", "--json")
    assert res.exit_code == 0, res.output
    records = json.loads(res.output)
    keys = {"dataset", "cutoff", "horizon", "method", "brier", "brier_low", "brier_high"}
    assert records and all(keys | {"log_score", "n"} <= set(r) for r in records)
    table = run("backtest")
    assert "Backtest: ATOP 5.1 defence pacts" in table.output and "Backtest: CSTO" in table.output


def test_a_bad_output_or_a_folder_is_refused_before_any_work(run, tmp_path):
    res = run("estimate", "--output", str(tmp_path / "missing" / "fit.json"))
    assert res.exit_code == 2 and "does not exist" in res.output
    res = run("backtest", "--atop", str(tmp_path), "--states", str(MINI / "states_mini.csv"))
    assert res.exit_code == 2 and "a folder, not a file" in res.output
