"""Calibration: priors, the posterior file, the posterior in the simulation, the command."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from phalanx.errors import UserError
from phalanx.evidence.calibration import (
    CALIBRATED,
    POSTERIOR_FORMAT,
    calibrate,
    calibration_priors,
    load_posterior,
    package_posterior,
    read_prior_file,
    write_posterior,
)
from phalanx.kb import KnowledgeBase
from phalanx.models.dynamics import MembershipParams

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
FIT = DATA / "evidence-calibration" / "hazard-fit.json"
SHIPPED = ROOT / "src" / "phalanx" / "data" / "eurasia" / "posterior.json"


# --- priors -------------------------------------------------------------------------------


def test_the_priors_file_of_contract_4():
    pri, info = read_prior_file(FIT)
    assert set(pri) == {"alpha", "beta_member_conflict"}
    assert (pri["alpha"].mean, pri["alpha"].sd, pri["alpha"].low) == (-5.0, 1.5, -30.0)
    assert info["version"] == "test-fixture-1"
    used, info = calibration_priors(FIT)
    assert used["alpha"].mean == -5.0  # from the file
    assert info["fallback"] == [n for n in CALIBRATED if n != "alpha"]
    fb = used["renewal_offset"]
    assert (fb.mean, fb.sd, fb.low, fb.high) == (0.0, 3.0, -10.0, 10.0)  # the default, wide
    assert used["beta_credibility"].mean == 2.5 and used["beta_credibility"].low == 0.0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"format": "other/1"}, "format"),
        ({"priors": {"nonsense": {"mean": 0, "sd": 1, "low": 0, "high": 1}}}, "priors.nonsense"),
        ({"priors": {"alpha": {"mean": 0, "sd": 0, "low": -1, "high": 1}}}, "priors.alpha.sd"),
        ({"priors": {"alpha": {"mean": 0, "sd": 1, "low": -40, "high": 1}}}, "priors.alpha.low"),
        ({"priors": {"alpha": {"mean": "x", "sd": 1, "low": -1, "high": 1}}}, "priors.alpha.mean"),
    ],
)
def test_bad_priors_files_name_the_field(tmp_path, change, field):
    d = {**json.loads(FIT.read_text()), **change}
    p = tmp_path / "fit.json"
    p.write_text(json.dumps(d))
    with pytest.raises(UserError) as e:
        read_prior_file(p)
    assert e.value.field == field and "fit.json" in str(e.value)


# --- calibrate and the posterior file --------------------------------------------------------


@pytest.fixture(scope="module")
def small_posterior():
    kb = KnowledgeBase.from_path(DATA / "kb" / "triple-alliance")
    return calibrate(
        kb, particles=30, generations=3, replicates_per_particle=1, predictive=60, seed=4
    )


def test_calibrate_returns_the_posterior_of_contract_5(small_posterior):
    post = small_posterior
    for key in (
        "format",
        "organization",
        "data_version",
        "created",
        "method",
        "seed",
        "prior",
        "generations",
        "parameters",
        "draws",
        "patterns",
    ):
        assert key in post
    assert post["format"] == POSTERIOR_FORMAT and post["organization"] == "TRI"
    assert post["parameters"] == list(CALIBRATED)
    draws = np.array(post["draws"])
    assert draws.shape == (30, len(CALIBRATED))
    eps = [g["epsilon"] for g in post["generations"]]
    assert eps[0] is None and all(b < a for a, b in zip(eps[1:], eps[2:], strict=False))
    by_name = {p["pattern"]: p for p in post["patterns"]}
    assert by_name["exits 1915 by ITA"]["observed"] == 1
    for p in post["patterns"]:
        lo, hi = p["interval90"]
        assert p["reproduced"] == (lo <= p["observed"] <= hi)
        assert 0 <= p["p_exact"] <= 1
    assert set(post["prior"]["priors"]) == set(CALIBRATED)


def test_calibrate_is_deterministic_for_a_seed():
    kb = KnowledgeBase.from_path(DATA / "kb" / "anzus")
    kw = dict(particles=12, generations=2, replicates_per_particle=1, predictive=10, end=1958)
    a, b = calibrate(kb, seed=9, **kw), calibrate(kb, seed=9, **kw)
    assert a["draws"] == b["draws"] and a["patterns"] == b["patterns"]


def test_the_posterior_file_round_trip_and_its_checks(small_posterior, tmp_path):
    path = write_posterior(tmp_path / "posterior.json", small_posterior)
    post = load_posterior(path)
    assert post.organization == "TRI" and post.size == 30
    np.testing.assert_allclose(post.draws, np.array(small_posterior["draws"]))
    arrays = post.arrays_for(np.array([0, 31, 29]))  # r % D
    np.testing.assert_array_equal(arrays["alpha"], post.draws[[0, 1, 29], 0])
    bad = dict(small_posterior, parameters=["belief_start", *CALIBRATED[1:]])
    write_posterior(tmp_path / "bad.json", bad)
    with pytest.raises(UserError, match="cannot vary per replicate") as e:
        load_posterior(tmp_path / "bad.json")
    assert e.value.field == "parameters"
    rows = [list(r) for r in small_posterior["draws"]]
    rows[3][0] = 50.0  # alpha out of its range [-30, 5]
    write_posterior(tmp_path / "bad2.json", dict(small_posterior, draws=rows))
    with pytest.raises(UserError, match="alpha") as e:
        load_posterior(tmp_path / "bad2.json")
    assert e.value.field == "draws"


def test_the_shipped_posterior():
    kb = KnowledgeBase.embedded()
    post = package_posterior(kb)
    assert post is not None and post.path == SHIPPED
    assert post.organization == "CSTO" and post.data_version == str(kb.version)
    assert post.parameters == CALIBRATED and post.size >= 500
    data = json.loads(SHIPPED.read_text())
    by_name = {p["pattern"]: p for p in data["patterns"]}
    assert by_name["exits 1999"]["observed"] == 3
    # a layer naming another case drops the embedded posterior
    anzus = KnowledgeBase.from_path(DATA / "kb" / "anzus", on_top=True)
    assert anzus.defaults.posterior_file is None
    assert package_posterior(anzus) is None


# --- the posterior in the simulation ---------------------------------------------------------


def _package_with_posterior(tmp_path: Path, draws: list[list[float]], names: list[str]) -> Path:
    pkg = tmp_path / "anzus"
    shutil.copytree(DATA / "kb" / "anzus", pkg)
    desc = json.loads((pkg / "datapackage.json").read_text())
    desc["phalanx"]["posterior"] = "posterior.json"
    (pkg / "datapackage.json").write_text(json.dumps(desc))
    post = {
        "format": POSTERIOR_FORMAT,
        "organization": "ANZUS",
        "data_version": "phalanx-anzus@test",
        "created": "2026-12-01",
        "parameters": names,
        "draws": draws,
    }
    (pkg / "posterior.json").write_text(json.dumps(post))
    return pkg


def _tables(summary: dict) -> dict:
    keep = ("status_probabilities", "first_exit", "responses", "mechanisms", "exits_by_actor")
    return {k: summary[k] for k in keep}


def test_simulate_uses_the_package_posterior_draw_r_mod_d(tmp_path):
    from phalanx.experiments.runner import run_experiment

    values = {"alpha": -2.0, "renewal_offset": 0.0, "beta_credibility": 4.0}
    pkg = _package_with_posterior(tmp_path, [list(values.values())] * 3, list(values))
    kb = KnowledgeBase.from_path(pkg)
    kw = dict(years=6, runs=40, seed=5, backend="serial", chunk_size=16)
    rec = run_experiment(kb, "baseline", **kw)
    src = rec.metadata["parameters_source"]
    assert src["kind"] == "posterior" and src["draws"] == 3 and src["file"] == "posterior.json"
    assert src["parameters"] == list(values)
    assert rec.metadata["parameters"]["alpha"] == -2.0  # the posterior mean is recorded
    assert any("calibrated on phalanx-anzus@test" in w for w in rec.warnings)
    # identical draws are the scalar run at those values, exactly
    plain = KnowledgeBase.from_path(DATA / "kb" / "anzus")
    given = run_experiment(plain, "baseline", params=MembershipParams(**values), **kw)
    assert given.metadata["parameters_source"] == {"kind": "given"}
    assert _tables(rec.summary) == _tables(given.summary)
    assert run_experiment(plain, "baseline", **kw).metadata["parameters_source"] == {
        "kind": "defaults"
    }
    # --params (one set) overrides the posterior
    over = run_experiment(kb, "baseline", params=MembershipParams(alpha=-9.0), **kw)
    assert over.metadata["parameters_source"] == {"kind": "given"}


def test_replicate_r_takes_draw_r_mod_d_and_backends_agree(tmp_path):
    from phalanx.experiments.runner import run_experiment

    pkg = _package_with_posterior(tmp_path, [[-1.0], [-20.0]], ["alpha"])
    kb = KnowledgeBase.from_path(pkg)
    plain = KnowledgeBase.from_path(DATA / "kb" / "anzus")
    kw = dict(years=8, seed=2, backend="serial")
    # one replicate: replicate 0 takes draw 0 (alpha -1, where members leave often)
    one = run_experiment(kb, "baseline", runs=1, **kw)
    ref = run_experiment(plain, "baseline", runs=1, params=MembershipParams(alpha=-1.0), **kw)
    assert _tables(one.summary) == _tables(ref.summary)
    # many: the exits come from the even replicates (alpha -1) only
    a = run_experiment(kb, "baseline", runs=60, chunk_size=16, **kw)
    b = run_experiment(
        kb, "baseline", runs=60, chunk_size=16, workers=2, **{**kw, "backend": "local"}
    )
    assert _tables(a.summary) == _tables(b.summary)
    low = run_experiment(plain, "baseline", runs=60, params=MembershipParams(alpha=-1.0), **kw)
    share = lambda s: s["first_exit"]  # noqa: E731
    assert share(a.summary) != share(low.summary)


# --- the command -----------------------------------------------------------------------------


def test_the_calibrate_command(tmp_path):
    from typer.testing import CliRunner

    import phalanx.cli as cli

    cli._register()
    runner = CliRunner()
    out = tmp_path / "post.json"
    args = ["calibrate", "--data", str(DATA / "kb" / "triple-alliance"), "--particles", "12"]
    args += ["--generations", "2", "--replicates", "1", "--seed", "3", "--output", str(out)]
    res = runner.invoke(cli.app, args, catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert "Posterior of TRI" in res.stdout and "exits 1915 by ITA" in res.stdout
    assert load_posterior(out).size == 12
    res = runner.invoke(cli.app, [*args[:-2], "--json"], catch_exceptions=False)
    assert json.loads(res.stdout)["organization"] == "TRI"
    bad = runner.invoke(cli.app, ["calibrate", "--particles", "3"], catch_exceptions=False)
    assert bad.exit_code == 2 and "'particles' parameter" in bad.output
    bad = runner.invoke(
        cli.app, ["calibrate", "--priors", str(tmp_path / "none.json")], catch_exceptions=False
    )
    assert bad.exit_code == 2 and "none.json" in bad.output


def test_every_calibrate_option_is_documented():
    import phalanx.cli as cli

    cli._register()
    doc = (ROOT / "docs" / "evidence" / "calibration.md").read_text(encoding="utf-8")
    import typer

    group = typer.main.get_command(cli.app)
    cmd = group.commands["calibrate"]  # type: ignore[attr-defined]
    flags = [o for p in cmd.params for o in p.opts if o.startswith("--") and o != "--help"]
    assert "--particles" in flags and "--output" in flags
    missing = [f for f in flags if f"`{f}" not in doc]
    assert not missing, f"docs/evidence/calibration.md does not document {missing}"
