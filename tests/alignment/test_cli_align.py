"""``phalanx align`` through Typer's test runner."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from typer.testing import CliRunner

import phalanx.cli as c
import phalanx.cli.commands_align
import phalanx.cli.commands_kb  # noqa: F401  (a second command keeps "align" a subcommand)
from phalanx.models.landscape import energy

from .test_landscape_inputs import snapshot

DATA = Path(__file__).resolve().parents[1] / "data" / "alignment"
CSV = ["--sizes", str(DATA / "sizes.csv"), "--propensity", str(DATA / "propensity_matrix.csv")]
runner = CliRunner()


def run(*args: str):
    return runner.invoke(c.app, ["align", *args])


def test_table_lists_coalitions_energy_and_basin():
    r = run(*CSV)
    assert r.exit_code == 0, r.output
    assert "A, B, C" in r.output and "D, E" in r.output
    assert "-36" in r.output and "(global)" in r.output and "16" in r.output


def test_json_is_plain_and_matches_the_model():
    r = run(*CSV, "--json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    g = d["result"]["global_minimum"]
    assert g["coalitions"] == [["A", "B", "C"], ["D", "E"]] and g["energy"] == -36.0
    assert d["result"]["n_configurations"] == 16 and d["inputs"]["actors"] == list("ABCDE")
    assert d["sampling"] is None


def test_actors_and_k_options():
    r = run(*CSV, "--actors", "A,D,E", "--k", "3", "--json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["result"]["actors"] == ["A", "D", "E"] and d["result"]["params"]["k"] == 3
    assert d["result"]["global_minimum"]["coalitions"] == [["A"], ["D", "E"]]


def test_samples_are_reproducible_with_a_seed():
    args = (*CSV, "--samples", "30", "--seed", "5", "--spread", "1.0", "--json")
    a, b = run(*args), run(*args)
    assert a.exit_code == 0, a.output
    da, db = json.loads(a.stdout), json.loads(b.stdout)
    assert da["sampling"]["coassignment"] == db["sampling"]["coassignment"]
    assert da["sampling"]["n_samples"] == 30 and da["sampling"]["seed"] == 5
    t = run(*CSV, "--samples", "10", "--seed", "1")
    assert t.exit_code == 0 and "share a coalition" in t.output


def test_method_limits_and_seed_are_options_and_recorded():
    r = run(
        *CSV,
        "--method",
        "milp",
        "--work-limit",
        "50",
        "--time-limit",
        "20",
        "--seed",
        "3",
        "--json",
    )
    assert r.exit_code == 0, r.output
    res = json.loads(r.stdout)["result"]
    assert res["method"] == "milp" and res["seed"] == 3
    assert res["solver"]["work_limit"] == 50 and res["solver"]["time_limit"] == 20
    # five actors solve at the root: no limit was reached, and the minimum is the enumerated one
    assert res["solver"]["optimal"] is True and res["solver"]["limit"] is None
    assert res["global_minimum"]["coalitions"] == [["A", "B", "C"], ["D", "E"]]
    t = run(*CSV, "--method", "milp")
    assert t.exit_code == 0 and "global minimum only" in t.output and "limit=None" in t.output


def test_long_form_and_neutral_point(tmp_path):
    p = tmp_path / "p.csv"
    p.write_text("actor_a,actor_b,propensity\nA,B,5\nA,C,1\nB,C,1\n")
    s = tmp_path / "s.csv"
    s.write_text("actor,size\nA,1\nB,1\nC,1\n")
    r = run("--sizes", str(s), "--propensity", str(p), "--neutral", "3", "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["result"]["global_minimum"]["coalitions"] == [["A", "B"], ["C"]]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--sizes", str(DATA / "sizes.csv")], "--sizes and --propensity go together"),
        ([], "give --at DATE"),
        ([*CSV, "--at", "2022-10-01"], "either --at DATE or --sizes"),
        (
            [*CSV, "--k", "1"],
            "--k: The 'k' parameter of align must be greater than or equal to 2. Got 1",
        ),
        (
            [*CSV, "--k", "20000"],
            "--k: The 'k' parameter of align must be less than or equal to 50. Got 20000",
        ),
        (
            [*CSV, "--samples", "100000000"],
            "--samples: The 'samples' parameter of align must be less than or equal to 100000",
        ),
        (
            [*CSV, "--time-limit", "0"],
            "--time-limit: The 'time_limit' parameter of align must be greater than 0",
        ),
        (
            ["--at", "2022-10-01", "--weighting", "heavy"],
            "unknown weighting 'heavy'; known: default, propensity-v1, unit",
        ),
        ([*CSV, "--actors", "A,ZZ"], "unknown actor(s) ZZ"),
        (
            ["--sizes", str(DATA / "propensity_long.csv"), "--propensity", str(DATA / "sizes.csv")],
            "propensity_long.csv:1: the header must have a column 'actor'",
        ),
        (
            ["--sizes", "/nonexistent/s.csv", "--propensity", str(DATA / "sizes.csv")],
            "s.csv: CSV file does not exist",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, message):
    r = run(*args)
    assert r.exit_code == 2
    assert "Traceback" not in r.output
    lines = [ln for ln in r.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and message in lines[0], r.output


def test_bad_csv_cell_names_line_and_field(tmp_path):
    s = tmp_path / "s.csv"
    s.write_text("actor,size\nA,1\nB,x\nC,1\nD,1\nE,1\n")
    r = run("--sizes", str(s), "--propensity", str(DATA / "propensity_matrix.csv"))
    assert r.exit_code == 2
    assert "s.csv:3: field 'size': expected a number, got 'x'" in r.output


class FakeKB:
    """Stands in for the knowledge base: one hand-built snapshot; its region is C, A, D."""

    defaults = SimpleNamespace(region=("C", "A", "D"))

    def snapshot(self, at, window_days=0):
        assert at == dt.date(2022, 10, 1) and window_days == 365
        return snapshot()


def test_at_date_uses_the_snapshot_and_the_region_default(monkeypatch):
    monkeypatch.setattr(phalanx.cli.commands_align, "load_kb", lambda data, on_top: FakeKB())
    r = run("--at", "2022-10-01", "--json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    # the package's region in its order, less D (no cinc value)
    assert d["inputs"]["actors"] == ["C", "A"] and d["date"] == "2022-10-01"
    assert "weighting default" in d["inputs"]["source"]
    assert isinstance(d["result"]["seed"], int)
    assert set(d["inputs"]["components"]) == {"relations", "memberships", "arms", "votes"}
    r = run("--at", "2022-10-01", "--actors", "A,D")
    assert r.exit_code == 2 and "no 'cinc' value on 2022-10-01 for D" in r.output


# COW National Material Capabilities v7.0, CINC for 2022 (docs/FACTS section A, "CINC 2022")
CINC_2022 = {
    "CHN": 0.23410,
    "USA": 0.12357,
    "RUS": 0.03820,
    "IRN": 0.01636,
    "TUR": 0.01250,
    "UZB": 0.00294,
    "KAZ": 0.00266,
    "BLR": 0.00142,
    "AZE": 0.00138,
    "TKM": 0.00126,
    "ARM": 0.00056,
    "TJK": 0.00049,
    "KGZ": 0.00045,
}


def test_at_date_on_the_embedded_knowledge_base():
    r = run("--at", "2022-10-01", "--json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    actors = d["inputs"]["actors"]
    assert set(actors) <= set(CINC_2022) and {"RUS", "KAZ", "ARM", "USA"} <= set(actors)
    assert dict(zip(actors, d["inputs"]["sizes"], strict=True)) == {a: CINC_2022[a] for a in actors}
    s, p = d["inputs"]["sizes"], d["inputs"]["propensity"]
    comps = d["inputs"]["components"]
    total = sum(np.array(v) for v in comps.values())
    np.testing.assert_allclose(total, p)
    res = d["result"]
    assert sum(m["basin_size"] for m in res["minima"]) == 2 ** (len(actors) - 1)
    for m in res["minima"]:
        lab = {a: g for g, members in enumerate(m["coalitions"]) for a in members}
        x = [lab[a] for a in actors]
        assert energy(x, s, p) == pytest.approx(m["energy"], abs=1e-12)
        for i in range(len(x)):  # no single switch lowers the energy
            y = x.copy()
            y[i] = 1 - y[i] if len(m["coalitions"]) == 2 else 1
            assert energy(y, s, p) >= m["energy"] - 1e-12


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--shift", "A:B=inf"], "a shift must be a finite number; got A:B=inf"),
        (["--shift", "A:B=-nan"], "a shift must be a finite number; got A:B=nan"),
        (["--size-factor", "A=inf"], "a size factor must be > 0 and finite; got A=inf"),
        (["--size-factor", "A=-0.5"], "a size factor must be > 0 and finite; got A=-0.5"),
        (["--neutral", "-inf"], "The 'neutral' parameter of align must be a finite number."),
    ],
)
def test_what_if_numbers_must_be_finite(args, needle):
    r = run(*CSV, *args)
    assert r.exit_code == 2 and needle in r.stderr, r.output
    assert r.exception is None or isinstance(r.exception, SystemExit)
