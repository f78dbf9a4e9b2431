"""simulate, scenarios, results and compare end to end: embedded data and ANZUS, the
--json schema, and one clear line for each kind of bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.conftest import as_json

ROOT = Path(__file__).resolve().parents[2]
ANZUS = str(ROOT / "tests" / "data" / "kb" / "anzus")
SMALL = ["--years", "2", "--runs", "12", "--backend", "serial"]
RECORD = {"actor", "year", "status", "probability", "low", "high"}


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    return tmp_path_factory.mktemp("runs")


@pytest.fixture(scope="module")
def embedded_run(run, archive):
    return as_json(
        run("simulate", "long-war", *SMALL, "--seed", "4", "--out", str(archive), "--json")
    )


def test_simulate_json_schema(embedded_run, archive):
    s = embedded_run
    for key in (
        "run_id",
        "seed",
        "scenario",
        "status_probabilities",
        "first_exit",
        "responses",
        "mechanisms",
        "strain",
        "capacity",
        "exits_by_actor",
        "years",
        "actors",
        "runs",
    ):
        assert key in s, key
    assert s["seed"] == 4 and s["scenario"] == "long-war" and s["runs"] == 12
    assert all(RECORD <= set(r) for r in s["status_probabilities"])
    statuses = {r["status"] for r in s["status_probabilities"]}
    assert statuses == {"out", "member", "frozen", "suspended"}
    assert Path(s["path"]).parent == archive and (Path(s["path"]) / "status").is_dir()
    assert set(s["first_exit"]) == {"any", "by_actor", "median_year"}
    assert len(s["responses"]["histogram"]["edges"]) == 11


def test_simulate_table_and_the_other_commands(run, archive, embedded_run):
    result = run("simulate", "baseline", *SMALL, "--seed", "5", "--out", str(archive))
    assert result.exit_code == 0, result.output
    assert "seed 5" in result.stdout and "saved in" in result.stdout
    assert "left at least once" in result.stdout and "largest term" in result.stdout
    listing = as_json(run("results", "--out", str(archive), "--json"))
    ids = [r["run_id"] for r in listing]
    assert embedded_run["run_id"] in ids and len(ids) == 2
    table = run("results", "--out", str(archive))
    assert table.exit_code == 0 and "long-war" in table.stdout
    shown = as_json(
        run("results", "show", embedded_run["run_id"][:-2], "--out", str(archive), "--json")
    )
    assert shown["summary"]["run_id"] == embedded_run["run_id"]
    assert shown["metadata"]["seed"] == 4 and shown["metadata"]["status"] == "complete"
    assert {k: v for k, v in shown["summary"].items()} == {
        k: v for k, v in embedded_run.items() if k not in ("path", "warnings")
    }
    again = run("results", embedded_run["run_id"], "--out", str(archive))
    assert again.exit_code == 0 and "seed 4" in again.stdout
    other = [i for i in ids if i != embedded_run["run_id"]][0]
    cmp = as_json(run("compare", embedded_run["run_id"], other, "--out", str(archive), "--json"))
    assert cmp["a"]["run_id"] == embedded_run["run_id"] and cmp["b"]["run_id"] == other
    assert {"difference", "low", "high"} <= set(cmp["status"][0])
    text = run("compare", embedded_run["run_id"], other, "--out", str(archive))
    assert text.exit_code == 0 and "Newcombe" in text.stdout


def test_simulate_on_anzus(run, tmp_path):
    s = as_json(
        run(
            "simulate",
            "baseline",
            *SMALL,
            "--seed",
            "1",
            "--data",
            ANZUS,
            "--out",
            str(tmp_path),
            "--json",
        )
    )
    assert "USA" in s["actors"] and s["leader"] == "USA"
    assert not {"CHN", "RUS", "KAZ"} & set(s["actors"])


def test_scenarios_lists_the_shipped_ones(run):
    rows = as_json(run("scenarios", "--json"))
    assert {"baseline", "long-war", "short-war", "rebalancing", "regional-cooperation"} <= {
        r["name"] for r in rows
    }
    assert run("scenarios").exit_code == 0


def test_the_archive_root_comes_from_the_environment(run, tmp_path, monkeypatch):
    monkeypatch.setenv("PHALANX_RUNS", str(tmp_path / "env-root"))
    result = run(
        "simulate", "baseline", "--years", "1", "--runs", "3", "--backend", "serial", "--json"
    )
    assert Path(as_json(result)["path"]).parent == tmp_path / "env-root"
    assert len(as_json(run("results", "--json"))) == 1


def one_line_error(result, *needles):
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    for n in needles:
        assert n in result.stderr, result.stderr


def test_errors_are_one_clear_line(run, tmp_path):
    one_line_error(
        run("simulate", "no-such", "--out", str(tmp_path)), "unknown scenario", "baseline"
    )
    one_line_error(run("simulate", "baseline", "--runs", "0"), "--runs", "'runs' parameter")
    one_line_error(run("simulate", "baseline", "--backend", "gpu"), "--backend")
    bad = tmp_path / "params.yaml"
    bad.write_text("parameters:\n  alpha: -4\n  no_such_parameter: 1\nsource: x\nversion: '1'\n")
    one_line_error(
        run("simulate", "baseline", *SMALL, "--params", str(bad), "--out", str(tmp_path)),
        "params.yaml",
        "no_such_parameter",
    )
    one_line_error(run("results", "show", "nope", "--out", str(tmp_path)), "no run 'nope'")
    one_line_error(run("compare", "a", "b", "--out", str(tmp_path)), "no run 'a'")
    one_line_error(
        run("simulate", "baseline", *SMALL, "--backend", "local", "--cluster", "tcp://127.0.0.1:9"),
        "dask backend",
    )


def test_an_unreachable_cluster(run, monkeypatch, tmp_path):
    pytest.importorskip("distributed")
    import phalanx.experiments.runner as runner

    monkeypatch.setattr(runner, "CONNECT_TIMEOUT", "0.5s")
    result = run(
        "simulate", "baseline", "--years", "1", "--runs", "2", "--backend", "dask",
        "--cluster", "tcp://127.0.0.1:9", "--out", str(tmp_path),
    )  # fmt: skip
    one_line_error(result, "cannot reach the Dask scheduler")
    json.dumps(result.stderr)
    # --cluster alone means the dask backend (the issue's `phalanx simulate ... --cluster ADDRESS`)
    result = run(
        "simulate", "baseline", "--years", "1", "--runs", "2",
        "--cluster", "tcp://127.0.0.1:9", "--out", str(tmp_path),
    )  # fmt: skip
    one_line_error(result, "cannot reach the Dask scheduler")


def test_every_option_is_documented():
    import typer.main

    import phalanx.cli as cli

    cli._register()
    doc = (ROOT / "docs" / "simulate.md").read_text(encoding="utf-8")
    group = typer.main.get_group(cli.app)
    for name in ("simulate", "scenarios", "results", "compare"):
        assert f"phalanx {name}" in doc, name
        for param in group.commands[name].params:
            for flag in param.opts:
                if flag.startswith("--") and flag != "--help":
                    assert f"`{flag}" in doc, f"{name} {flag} is not in docs/simulate.md"


def test_the_commands_module_imports_no_heavy_library():
    import subprocess
    import sys

    probe = (
        "import sys, phalanx.cli.commands_simulate as m; "
        "print(sorted(k for k in sys.modules if k.split('.')[0] in "
        "('pyarrow', 'dask', 'distributed', 'duckdb', 'scipy', 'plotly', 'mesa')))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
