"""A run at the package's posterior holds the parameters the calibration held fixed."""

import json
from pathlib import Path

import pytest

from phalanx.experiments.runner import run_experiment
from phalanx.kb import KnowledgeBase

POSTERIOR = Path(__file__).resolve().parents[2] / "src/phalanx/data/eurasia/posterior.json"


@pytest.fixture(scope="module")
def kb():
    return KnowledgeBase.embedded()


def test_runs_hold_the_calibrations_fixed_values(kb):
    post = json.loads(POSTERIOR.read_text(encoding="utf-8"))
    rec = run_experiment(kb, "baseline", runs=20, years=2, seed=1, backend="serial")
    src = rec.metadata["parameters_source"]
    assert src["kind"] == "posterior"
    used = rec.metadata["parameters"]
    for name, value in post["fixed"].items():
        assert src["fixed"][name] == value
        assert used[name] == pytest.approx(value)
    # the varied ones are recorded at their posterior means
    for k, name in enumerate(post["parameters"]):
        mean = sum(row[k] for row in post["draws"]) / len(post["draws"])
        assert used[name] == pytest.approx(mean)


def test_a_scenario_value_wins_over_the_fixed_one(kb, tmp_path):
    from phalanx.experiments.scenario import load_scenario

    sc = load_scenario("baseline")
    sc2 = sc.model_copy(update={"parameters": {"beta_patrons": 2.0}})
    rec = run_experiment(kb, sc2, runs=10, years=1, seed=1, backend="serial")
    assert rec.metadata["parameters"]["beta_patrons"] == 2.0
    assert "beta_patrons" not in rec.metadata["parameters_source"]["fixed"]
