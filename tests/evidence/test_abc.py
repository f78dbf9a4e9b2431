"""ABC-SMC: a conjugate case worked out by hand, and the algorithm's invariants."""

from __future__ import annotations

import math

import numpy as np
import pytest

from phalanx.errors import ParameterError
from phalanx.evidence.abc import ABCSMC, Prior, resample, weighted_quantile

# Normal mean, known sd 1, n = 25 observations with mean 0.8; prior N(0, 3^2) (the
# truncation to [-20, 20] removes mass of order 1e-11). Conjugate posterior:
# precision 1/9 + 25, mean 25 * 0.8 / precision, sd precision ** -0.5.
N_OBS, YBAR = 25, 0.8
PRECISION = 1 / 9 + N_OBS
POST_MEAN = N_OBS * YBAR / PRECISION  # 0.79646
POST_SD = PRECISION**-0.5  # 0.19956


def _sim_mean(theta: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The sample mean of 25 N(theta, 1) draws: N(theta, 1/25), its sufficient statistic."""
    return theta[:, :1] + rng.standard_normal((len(theta), 1)) / math.sqrt(N_OBS)


def _fit(seed: int = 3, particles: int = 600, generations: int = 9) -> ABCSMC:
    prior = Prior(name="mu", mean=0.0, sd=3.0, low=-20.0, high=20.0)
    return ABCSMC([prior], particles=particles, generations=generations, seed=seed).fit(
        _sim_mean, [YBAR]
    )


@pytest.fixture(scope="module")
def fitted() -> ABCSMC:
    return _fit()


def test_recovers_the_conjugate_posterior_of_a_normal_mean(fitted):
    w, x = fitted.weights_, fitted.posterior_[:, 0]
    mean = float(w @ x)
    sd = float(np.sqrt(w @ (x - mean) ** 2))
    assert abs(POST_MEAN - 0.79646) < 1e-4 and abs(POST_SD - 0.19956) < 1e-4
    # Monte Carlo error of the mean with a few hundred effective particles is ~0.01
    assert abs(mean - POST_MEAN) < 0.05
    assert abs(sd / POST_SD - 1) < 0.15
    # the final tolerance is far below the posterior sd, so the ABC error is negligible
    assert fitted.epsilons_[-1] < 0.1 * POST_SD


def test_weights_sum_to_one_and_tolerances_fall(fitted):
    assert fitted.weights_.shape == (600,) and (fitted.weights_ >= 0).all()
    assert math.isclose(fitted.weights_.sum(), 1.0, rel_tol=1e-12)
    eps = fitted.epsilons_
    assert math.isinf(eps[0]) and all(b < a for a, b in zip(eps, eps[1:], strict=False))
    assert (fitted.distances_ <= eps[-1]).all()
    assert len(fitted.history_) == len(eps)
    # every kept generation's candidates were simulated (a last, failed one may add more)
    assert fitted.simulations_ >= sum(h["simulations"] for h in fitted.history_)


def test_deterministic_per_seed():
    a, b, c = _fit(5, 100, 4), _fit(5, 100, 4), _fit(6, 100, 4)
    np.testing.assert_array_equal(a.posterior_, b.posterior_)
    np.testing.assert_array_equal(a.weights_, b.weights_)
    assert a.epsilons_ == b.epsilons_
    assert not np.array_equal(a.posterior_, c.posterior_)


def test_two_parameters_and_a_bound_prior():
    # y ~ N(a + b, 1) and z ~ N(a - b, 1) averaged over 16 draws each; observed (1, 0),
    # priors N(0, 2) on a and N(0, 2) truncated to b >= 0. A check of the mean only: the
    # posterior of (a + b, a - b) is near (1, 0), so a ~ 0.5, b ~ 0.5, and b is never < 0.
    def sim(theta, rng):
        s = np.column_stack([theta[:, 0] + theta[:, 1], theta[:, 0] - theta[:, 1]])
        return s + rng.standard_normal(s.shape) / 4

    pa = Prior(name="a", mean=0, sd=2, low=-10, high=10)
    pb = Prior(name="b", mean=0, sd=2, low=0, high=10)
    fit = ABCSMC([pa, pb], particles=400, generations=8, seed=1).fit(sim, [1.0, 0.0])
    m = fit.weights_ @ fit.posterior_
    assert (fit.posterior_[:, 1] >= 0).all()
    np.testing.assert_allclose(m, [0.5, 0.5], atol=0.1)


def test_prior_draws_and_density():
    p = Prior(name="x", mean=1.0, sd=2.0, low=0.0, high=3.0)
    d = p.sample(np.random.default_rng(0), 20000)
    assert d.min() >= 0 and d.max() <= 3
    # the truncated normal's mean by numerical integration of its density on a grid
    g = np.linspace(0, 3, 30001)
    dens = np.exp(-0.5 * ((g - 1) / 2) ** 2)
    want = (g * dens).sum() / dens.sum()
    assert abs(d.mean() - want) < 0.02
    assert abs(p.moments()[0] - want) < 1e-3
    assert np.isneginf(p.logpdf(np.array([-0.1, 3.1]))).all()
    with pytest.raises(ParameterError, match="must exceed low"):
        Prior(name="x", mean=0, sd=1, low=1, high=1)
    with pytest.raises(ParameterError, match="'sd' parameter"):
        Prior(name="x", mean=0, sd=0, low=0, high=1)


def test_weighted_quantile_and_resampling_by_hand():
    x = np.array([3.0, 1.0, 2.0, 4.0])
    w = np.array([0.1, 0.2, 0.3, 0.4])  # sorted: 1 (0.2), 2 (0.5), 3 (0.6), 4 (1.0)
    assert weighted_quantile(x, w, 0.5) == 2.0
    assert weighted_quantile(x, w, 0.55) == 3.0
    assert weighted_quantile(x, w, 0.2) == 1.0
    parts = np.arange(4)[:, None]
    draws = resample(parts, np.array([0.5, 0.25, 0.25, 0.0]), 8, np.random.default_rng(0))
    counts = np.bincount(draws[:, 0], minlength=4)
    assert counts.tolist() == [4, 2, 2, 0]  # systematic resampling: exact proportions here


def test_bad_settings_and_simulators_are_refused():
    prior = Prior(name="mu", mean=0.0, sd=1.0, low=-5.0, high=5.0)
    with pytest.raises(ParameterError, match="'particles' parameter of ABCSMC"):
        ABCSMC([prior], particles=2).fit(_sim_mean, [0.0])
    with pytest.raises(ValueError, match="simulate returned shape"):
        ABCSMC([prior], particles=10, seed=0).fit(lambda t, r: np.zeros((len(t), 2)), [0.0])
