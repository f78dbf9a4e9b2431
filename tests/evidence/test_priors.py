"""From the fitted hazard to priors: the mapping, the truncated normals, the file and its errors."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from phalanx.errors import UserError
from phalanx.evidence import priors as pr
from phalanx.evidence.hazard import HazardModel
from phalanx.evidence.priors import (
    Prior,
    fit_summary,
    load_priors,
    parameter_range,
    simulation_log_odds,
    write_fit,
)
from tests.evidence.test_hazard_synthetic import TRUTH, synthetic_table

# a truth with one mechanism of each verdict: dispute of the wrong sign (contradicted), the
# stronger partner's war with no effect (cannot tell, for this seed), the rest as expected
MIXED = {**TRUTH, "dispute": -1.0, "stronger_at_war": 0.0}


@pytest.fixture(scope="module")
def mixed():
    table = synthetic_table(n_spells=1500, seed=21, truth=MIXED)
    model = HazardModel(bootstrap=30, seed=2).fit(table)
    return table, model, fit_summary(model, table, created="2026-12-03")


def test_parameter_ranges_are_those_of_membership_params():
    assert parameter_range("alpha") == (-30.0, 5.0)
    assert parameter_range("beta_patrons") == (0.0, 20.0)
    with pytest.raises(KeyError):
        parameter_range("beta_nothing")


def test_the_simulation_hazard_on_dyad_years_by_hand():
    rows = pd.DataFrame(
        {
            "cap_ratio": [0.4, np.nan],
            "dispute": [1, 0],
            "weaker_new_major_pact": [0, 1],
            "common_rival": [0, 1],
            "stronger_at_war": [1, 0],
        }
    )
    # defaults of docs/odd/membership.md 7.11: alpha -6.5, dependence 2, leader threat 3,
    # patrons 1.5, member conflict 1.5, divergence 1, leader war 1; missing dependence 0.5
    row0 = -6.5 + 2.0 * 0.4 + 3.0 + 1.5 + 1.0 * 1 + 1.0 * 1
    row1 = -6.5 + 2.0 * (1 - 0.5) + 1.5 + 0.0
    assert simulation_log_odds(rows) == pytest.approx([row0, row1])


def test_a_truncated_prior_piles_at_the_bound_with_the_textbook_mean():
    # N(-3, 1) truncated to [0, 20]: mean = -3 + pdf(3) / (1 - Phi(3)) = 0.28312
    p = Prior(name="beta_dependence", mean=-3.0, sd=1.0, low=0.0, high=20.0)
    draws = p.sample(5, 20000)
    assert draws.min() >= 0 and draws.max() <= 20
    pdf3 = math.exp(-4.5) / math.sqrt(2 * math.pi)
    expected = -3 + pdf3 / (0.5 * math.erfc(3 / math.sqrt(2)))
    assert expected == pytest.approx(0.28312, abs=1e-4)
    # the truncated variance is below 1/9; its standard error of the mean is tiny
    assert draws.mean() == pytest.approx(expected, abs=0.01)
    np.testing.assert_array_equal(draws, p.sample(5, 20000))  # seeded


@pytest.mark.parametrize(
    "prior",
    [
        Prior(name="a", mean=1.0, sd=0.5, low=0.0, high=20.0),
        Prior(name="b", mean=-3.0, sd=1.0, low=0.0, high=20.0),
        Prior(name="c", mean=-30.0, sd=1.0, low=0.0, high=20.0),  # the mass is about 1e-197
        Prior(name="d", mean=4.0, sd=3.0, low=-30.0, high=5.0),
    ],
)
def test_the_log_density_integrates_to_one(prior):
    x = np.linspace(prior.low, prior.high, 400_001)
    dens = np.exp(prior.logpdf(x))
    assert np.trapezoid(dens, x) == pytest.approx(1.0, rel=2e-3)
    assert prior.logpdf([prior.low - 1e-9, prior.high + 1e-9]).tolist() == [-np.inf, -np.inf]
    draws = prior.sample(1, 500)
    assert ((draws >= prior.low) & (draws <= prior.high)).all()


def test_the_priors_map_the_coefficients_as_documented(mixed):
    table, model, summary = mixed
    b, ps = model.coef_, summary["priors"]
    assert ps["beta_dependence"]["mean"] == pytest.approx(b["cap_ratio"])
    assert ps["beta_threat_divergence"]["mean"] == pytest.approx(-b["common_rival"])
    assert ps["beta_member_conflict"]["mean"] == pytest.approx(b["dispute"])
    assert ps["beta_leader_threat"]["mean"] == pytest.approx(b["dispute"])
    assert ps["beta_patrons"]["mean"] == pytest.approx(b["weaker_new_major_pact"])
    assert ps["beta_leader_war"]["mean"] == pytest.approx(b["stronger_at_war"])
    fitted = table[table["censored"] == 0]
    mean_log_age = float(np.log1p(fitted["age"].to_numpy()).mean())
    alpha = b["intercept"] + b["common_rival"] + b["log_age"] * mean_log_age
    assert ps["alpha"]["mean"] == pytest.approx(alpha)
    # at the reference (every simulation term 0) the dyad hazard is sigma(alpha)
    ref = pd.DataFrame(
        {
            "age": [math.expm1(mean_log_age)],
            "cap_ratio": [0.0],
            "power_shift": [0.0],
            "dispute": [0],
            "common_rival": [1],
            "stronger_at_war": [0],
            "weaker_new_major_pact": [0],
        }
    )
    assert model.yearly_hazard(ref)[0] == pytest.approx(1 / (1 + math.exp(-alpha)))
    for name, entry in ps.items():
        assert (entry["low"], entry["high"]) == parameter_range(name)
        assert entry["sd"] > 1.0  # the transfer uncertainty of 1 log-odds is added
    se = next(c["se"] for c in summary["coefficients"] if c["name"] == "cap_ratio")
    assert ps["beta_dependence"]["sd"] == pytest.approx(math.sqrt(se**2 + 1.0))
    assert "power_shift" not in ps and "credibility" not in " ".join(ps)


def test_verdicts_follow_the_sign_and_the_interval(mixed, tmp_path):
    _, _, summary = mixed
    verdict = {c["name"]: c.get("verdict") for c in summary["coefficients"]}
    assert verdict["dispute"] == "contradicted"
    assert verdict["stronger_at_war"] == "cannot tell"
    for name in ("cap_ratio", "common_rival", "weaker_new_major_pact", "log_age"):
        assert verdict[name] == "supported", name
    # a contradicted mechanism gives a prior piled at the bound 0
    p = load_priors(write_fit(tmp_path / "fit.json", summary))["beta_member_conflict"]
    assert p.mean < 0 and p.low == 0
    assert np.median(p.sample(0, 2000)) < 0.8


def test_the_file_round_trips_and_has_the_contract_keys(mixed, tmp_path):
    _, model, summary = mixed
    path = write_fit(tmp_path / "hazard.json", summary)
    data = json.loads(path.read_text())
    for key in ("format", "version", "created", "method", "sources", "sample", "bootstrap"):
        assert key in data
    assert data["format"] == "phalanx-hazard-fit/1"
    assert data["bootstrap"] == {"replicates": 30, "seed": 2, "cluster": "spell"}
    assert data["sample"]["terminations"] == model.n_events_
    assert data["version"] == "synthetic-21"
    loaded = load_priors(path)
    assert set(loaded) == set(summary["priors"])
    assert loaded["alpha"].mean == pytest.approx(summary["priors"]["alpha"]["mean"])
    write_fit(path, summary)  # Phalanx's own file may be replaced


def test_the_shipped_file_is_used_by_default(mixed, tmp_path, monkeypatch):
    _, _, summary = mixed
    monkeypatch.setattr(pr, "SHIPPED", tmp_path / "absent.json")
    assert load_priors() == {}  # no fit shipped yet: the caller falls back
    monkeypatch.setattr(pr, "SHIPPED", write_fit(tmp_path / "shipped.json", summary))
    assert set(load_priors()) == set(summary["priors"])


def _broken(tmp_path, data) -> str:
    path = tmp_path / "bad.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return str(path)


GOOD = {"mean": 1.0, "sd": 0.5, "low": 0, "high": 20, "from": "x"}


@pytest.mark.parametrize(
    "data, match",
    [
        ('{"format": "phalanx-hazard-fit/1",\n "priors": {', "bad.json:2: is not valid JSON"),
        ({"format": "other/1", "priors": {}}, "field 'format': expected a hazard fit"),
        ({"format": pr.FORMAT, "priors": []}, "field 'priors'"),
        ({"format": pr.FORMAT, "priors": {"beta_x": GOOD}}, "'priors.beta_x': is not a parameter"),
        (
            {"format": pr.FORMAT, "priors": {"beta_patrons": {**GOOD, "sd": 0}}},
            "'priors.beta_patrons.sd': expected a positive number",
        ),
        (
            {"format": pr.FORMAT, "priors": {"beta_patrons": {**GOOD, "mean": "high"}}},
            "'priors.beta_patrons.mean': expected a finite number",
        ),
        (
            {"format": pr.FORMAT, "priors": {"beta_patrons": {**GOOD, "low": -1}}},
            r"within the parameter's range \[0, 20\]",
        ),
    ],
)
def test_a_bad_file_is_a_clear_error(tmp_path, data, match):
    with pytest.raises(UserError, match=match):
        load_priors(_broken(tmp_path, data))


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(UserError, match="does not exist"):
        load_priors(tmp_path / "nope.json")
