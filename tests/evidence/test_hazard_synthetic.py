"""A generator of dyad-year tables from a known logistic hazard, and checks of the generator.

The tables have the columns and dtypes of contract 1 (``build_dyad_years``). Each spell is
its own dyad; its covariates are drawn year by year; it ends after a year with probability
``sigma(TRUTH . x)``, or its partner dies (``state_death``), or it reaches the final year
(``censored``). The tests of the hazard model and the backtest fit on these tables and
compare with ``TRUTH``, which the code under test never sees.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

TRUTH = {
    "intercept": -3.6,
    "cap_ratio": 1.2,
    "power_shift": 0.8,
    "dispute": 1.0,
    "common_rival": -0.8,
    "stronger_at_war": 0.7,
    "weaker_new_major_pact": 0.9,
    "log_age": 0.25,
    "cinc_missing": 0.4,
}

FINAL = 2018


def _sigma(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def synthetic_table(
    n_spells: int = 1200,
    seed: int = 1,
    truth: dict[str, float] | None = None,
    first: int = 1816,
    final: int = FINAL,
    death_rate: float = 0.003,
    missing_share: float = 0.1,
) -> pd.DataFrame:
    """A dyad-year table drawn from the logistic hazard ``truth`` (see the module)."""
    truth = TRUTH if truth is None else truth
    rng = np.random.default_rng(seed)
    parts = []
    for s, start in enumerate(np.sort(rng.integers(first, final + 1, n_spells))):
        length = final - start + 1
        age = np.arange(length)
        cap0 = rng.uniform(0.02, 1.0)
        cap = np.clip(cap0 + rng.normal(0, 0.03, length), 0.001, 1.0)
        shift = np.abs(np.cumsum(rng.normal(0, 0.08, length)))
        shift[0] = 0.0
        rival = np.full(length, rng.random() < 0.35, dtype=np.int8)
        dispute = (rng.random(length) < 0.08).astype(np.int8)
        war = (rng.random(length) < 0.06).astype(np.int8)
        outside = (rng.random(length) < 0.05).astype(np.int8)
        missing = rng.random() < missing_share
        z = (
            truth["intercept"]
            + truth["dispute"] * dispute
            + truth["common_rival"] * rival
            + truth["stronger_at_war"] * war
            + truth["weaker_new_major_pact"] * outside
            + truth["log_age"] * np.log1p(age)
        )
        if missing:
            z = z + truth["cinc_missing"]
        else:
            z = z + truth["cap_ratio"] * cap + truth["power_shift"] * shift
        ends_draw = rng.random(length) < _sigma(z)
        dies_draw = rng.random(length) < death_rate
        stop = np.flatnonzero(ends_draw | dies_draw)
        last = int(stop[0]) if stop.size else length - 1
        n = last + 1
        ends = np.zeros(n, dtype=np.int8)
        death = np.zeros(n, dtype=np.int8)
        censored = np.zeros(n, dtype=np.int8)
        if stop.size and ends_draw[last] and start + last < final:
            ends[last] = 1
        elif stop.size and start + last < final:
            death[last] = 1
        else:
            censored[last] = 1  # reached the final year (an event there is not seen)
        cinc_a = np.full(n, 0.01)
        cinc_b = 0.01 * cap[:n]
        if missing:
            cinc_b = np.full(n, np.nan)
        parts.append(
            pd.DataFrame(
                {
                    "a": np.full(n, s + 1, dtype=np.int64),
                    "b": np.full(n, s + 100_000, dtype=np.int64),
                    "year": (start + age[:n]).astype(np.int64),
                    "spell": np.full(n, s, dtype=np.int64),
                    "start": np.full(n, start, dtype=np.int64),
                    "age": age[:n].astype(np.int64),
                    "last": np.arange(n) == last,
                    "ends": ends,
                    "state_death": death,
                    "censored": censored,
                    "cinc_a": cinc_a,
                    "cinc_b": cinc_b,
                    "cap_ratio": np.nan if missing else cap[:n],
                    "power_shift": np.nan if missing else shift[:n],
                    "dispute": dispute[:n],
                    "common_rival": rival[:n],
                    "stronger_at_war": war[:n],
                    "weaker_new_major_pact": outside[:n],
                    "stronger": np.full(n, s + 1, dtype=np.int64),
                }
            )
        )
    df = pd.concat(parts, ignore_index=True).sort_values(["a", "b", "year"], ignore_index=True)
    df.attrs["final_year"] = final
    df.attrs["sources"] = [{"dataset": "synthetic", "version": str(seed)}]
    df.attrs["covariates_available"] = [
        "cap_ratio",
        "power_shift",
        "dispute",
        "common_rival",
        "stronger_at_war",
        "weaker_new_major_pact",
    ]
    return df


def test_the_generator_keeps_the_contract_invariants():
    df = synthetic_table(n_spells=200, seed=3)
    assert list(df[["a", "b", "year"]].dtypes) == [np.int64] * 3
    assert (df["a"] < df["b"]).all()
    ends = df.groupby("spell").agg(
        last=("last", "sum"), flags=("ends", "sum"), d=("state_death", "sum"), c=("censored", "sum")
    )
    assert (ends["last"] == 1).all()  # one last year per spell
    assert ((ends["flags"] + ends["d"] + ends["c"]) == 1).all()  # exactly one way to stop
    lasts = df[df["last"]]
    assert (lasts.loc[lasts["censored"] == 1, "year"] == FINAL).all()
    assert (df.loc[~df["last"], ["ends", "state_death", "censored"]] == 0).all().all()
    assert (df["age"] == df["year"] - df["start"]).all()
    cap = df["cap_ratio"].dropna()
    assert ((cap >= 0) & (cap <= 1)).all()


def test_the_generator_draws_at_the_hazard_it_was_given():
    # the pooled event rate of spells with nothing pushing (no dispute, war, outside pact,
    # rival, CINC missing) in their first year, against sigma(b0 + b_cap * cap): the
    # expected mean over those rows, computed from the rows' own cap values
    df = synthetic_table(n_spells=3000, seed=5, death_rate=0.0)
    first = df[
        (df["age"] == 0)
        & (
            df[["dispute", "stronger_at_war", "weaker_new_major_pact", "common_rival"]].sum(axis=1)
            == 0
        )
        & df["cap_ratio"].notna()
        & (df["year"] < FINAL)
    ]
    expected = np.mean(
        [
            1 / (1 + math.exp(-(TRUTH["intercept"] + TRUTH["cap_ratio"] * c)))
            for c in first["cap_ratio"]
        ]
    )
    observed = first["ends"].mean()
    se = math.sqrt(expected * (1 - expected) / len(first))
    assert abs(observed - expected) < 4 * se
