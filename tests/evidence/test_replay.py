"""The historical replay and the pattern counts, against facts counted by hand."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from phalanx.errors import UserError
from phalanx.evidence.replay import (
    _apply_requests,
    build_history,
    count_patterns,
    default_replay_start,
    pattern_spec,
    replay,
)
from phalanx.kb import KnowledgeBase
from phalanx.models.dynamics import MembershipParams

DATA = Path(__file__).resolve().parents[1] / "data" / "kb"
OUT, MEMBER, FROZEN, SUSPENDED = 0, 1, 2, 3


@pytest.fixture(scope="module")
def eurasia_history():
    return build_history(KnowledgeBase.embedded())


@pytest.fixture(scope="module")
def triple_history():
    return build_history(KnowledgeBase.from_path(DATA / "triple-alliance"))


def _observed(history) -> dict[str, float]:
    spec = pattern_spec(history)
    return dict(zip(spec.names, count_patterns(history.observed, spec)[0], strict=True))


def test_the_csto_patterns_counted_from_the_memberships(eurasia_history):
    h = eurasia_history
    # the replay starts when the founding wave is complete: nine parties on 1994-01-01
    assert h.years[0] == 1994 and h.years[-1] == 2026 and h.end_day == "2026-12-31"
    assert int((h.observed[0] >= MEMBER).sum()) == 9  # P1 (the start, by construction)
    obs = _observed(h)
    # P2: Azerbaijan, Georgia and Uzbekistan gone at the 1999 renewal
    assert obs["exits 1999"] == 3
    assert obs["exits 1999 by UZB, AZE, GEO"] == 3
    # P3: a core of six through 2002-2005 (on 1 January 2006)
    assert obs["in the organisation at the end of 2005"] == 6
    assert obs["exits 2000-2005"] == 0
    # P4: Uzbekistan back in 2006 and suspended in 2012
    assert obs["returns and joins 2006 by UZB"] == 1
    assert obs["freezes and suspensions 2012 by UZB"] == 1
    # P5: no exit during the Kyrgyz-Tajik border wars of 2021-2022 (their own period)
    assert obs["exits 2021-2022"] == 0 and (2021, 2022) in pattern_spec(h).periods
    # P6: Armenia frozen in 2024
    assert obs["freezes and suspensions 2024 by ARM"] == 1
    # P7: no formal exit after 1999, up to the end of 2026
    assert obs["exits 2000-2026 (none observed)"] == 0
    assert obs["in the organisation at the end of 2026"] == 7  # six and suspended UZB
    # the flows add up to the stocks: 9 - 3 + 1 = 7
    flows = [v for k, v in obs.items() if k.startswith("exits ") and " by " not in k]
    assert sum(flows[:-1]) == 3


def test_the_csto_history_inputs(eurasia_history):
    h = eurasia_history
    assert h.renewal_years == (1999,)
    assert h.member_conflict_years == (1994, 2021, 2022)  # ARM-AZE to May 1994; KGZ-TJK
    war = [y for y, w in zip(h.years, h.at_war, strict=True) if w]
    assert war == [2008, *range(2014, 2027)]
    # requests of the year before each 1 January: Armenia's of May 2021 (unanswered);
    # Kazakhstan's of January 2022 (answered) and Armenia's of September 2022 (not)
    a = h.actors.index
    asked = {
        (y, h.actors[i]): (int(h.answered[k, i]), int(h.unanswered[k, i]))
        for k, y in enumerate(h.years)
        for i in range(h.n)
        if h.answered[k, i] + h.unanswered[k, i]
    }
    assert asked == {(2022, "ARM"): (0, 1), (2023, "KAZ"): (1, 0), (2023, "ARM"): (0, 1)}
    assert h.candidates[a("GEO")] and not h.candidates[a("RUS")] and not h.candidates[a("CHN")]
    # capacity by submodel 1 with drain 0.04 x intensity x share of the year at war and
    # recovery 0.2: Georgia 2008 (0.6, 7-13 August: 6 of 366 days), then five years of
    # peace, then the Donbas war from 12 April 2014 (1.0, 264 of 365 days), then full years
    k = h.years.index
    c2009 = 1 - 0.04 * 0.6 * 6 / 366
    c2014 = 1 - (1 - c2009) * 0.8**5
    c2015 = c2014 - 0.04 * 264 / 365
    np.testing.assert_allclose(h.capacity[k(2009)], c2009, rtol=1e-12)
    np.testing.assert_allclose(h.capacity[k(2014)], c2014, rtol=1e-12)
    np.testing.assert_allclose(h.capacity[k(2015)], c2015, rtol=1e-12)
    np.testing.assert_allclose(h.capacity[k(2026)], c2015 - 11 * 0.04, rtol=1e-12)


def test_observed_requests_update_beliefs_by_hand():
    p = MembershipParams()  # learning_requester 0.6, learning_observer 0.2
    b = np.full((2, 3), 0.7)
    st = np.array([[MEMBER, MEMBER, MEMBER], [MEMBER, OUT, MEMBER]], dtype=np.int8)
    got = _apply_requests(b, st, np.zeros(3, int), np.array([0, 1, 0]), p)
    # replicate 0: actor 1 asks and is not answered: 0.7 * 0.4; observers 0.7 * 0.8
    np.testing.assert_allclose(got[0], [0.56, 0.28, 0.56])
    # replicate 1: actor 1 has left, so it makes no request there
    np.testing.assert_allclose(got[1], [0.7, 0.7, 0.7])
    # answered first, then unanswered: 0.7 -> 0.88 -> 0.352 for the requester
    got = _apply_requests(b[:1], st[:1], np.array([1, 0, 0]), np.array([1, 0, 0]), p)
    np.testing.assert_allclose(got[0, 0], 0.352)


def test_a_replay_keeps_the_leader_and_patrons_and_is_reproducible(eurasia_history):
    h = eurasia_history
    p = MembershipParams()
    a = replay(h, p, 30, np.random.default_rng(1))
    b = replay(h, p, 30, np.random.default_rng(1))
    np.testing.assert_array_equal(a, b)
    assert a.shape == (30, len(h.years) + 1, h.n)
    np.testing.assert_array_equal(a[:, 0], np.broadcast_to(h.observed[0], (30, h.n)))
    fixed = ~h.candidates
    np.testing.assert_array_equal(
        a[:, :, fixed], np.broadcast_to(h.observed[:, fixed], (30,) + h.observed[:, fixed].shape)
    )


def test_a_replay_with_everyone_pushed_out(eurasia_history):
    # alpha at its maximum: every member's yearly exit chance is sigma(5 + pushes) > 0.99,
    # and an outsider rejoins with sigma(-z - 8) < 1e-5; so almost every replicate ends
    # with the leader alone, and the exits fall in the first year
    h = eurasia_history
    r = 50
    arrays = {"alpha": np.full(r, 5.0)}
    paths = replay(h, MembershipParams(), r, np.random.default_rng(2), param_arrays=arrays)
    spec = pattern_spec(h)
    got = dict(zip(spec.names, count_patterns(paths, spec).mean(axis=0), strict=True))
    assert got["exits 1994"] > 7.5  # of 8 candidates in the organisation
    assert got["in the organisation at the end of 2026"] < 1.2


def test_the_renewal_offset_concentrates_exits_in_the_renewal_year(eurasia_history):
    h = eurasia_history
    r = 200
    base = {"alpha": np.full(r, -9.0)}
    spec = pattern_spec(h)
    names = spec.names
    quiet = count_patterns(
        replay(h, MembershipParams(), r, np.random.default_rng(3), param_arrays=base), spec
    )
    loud = count_patterns(
        replay(
            h,
            MembershipParams(),
            r,
            np.random.default_rng(3),
            param_arrays={**base, "renewal_offset": np.full(r, 8.0)},
        ),
        spec,
    )
    i99, i95 = names.index("exits 1999"), names.index("exits 1995-1998")
    assert loud[:, i99].mean() > quiet[:, i99].mean() + 2
    assert abs(loud[:, i95].mean() - quiet[:, i95].mean()) < 0.2  # other years alike


def test_other_packages(triple_history):
    h = triple_history
    assert h.years[0] == 1884 and h.years[-1] == 1917  # Romania joined in October 1883
    obs = _observed(h)
    assert obs["exits 1915 by ITA"] == 1 and obs["exits 1916 by ROM"] == 1
    assert obs["exits 1884-1914"] == 0
    paths = replay(h, MembershipParams(), 5, np.random.default_rng(0))
    assert paths.shape == (5, len(h.years) + 1, h.n)
    kb = KnowledgeBase.from_path(DATA / "anzus")
    assert default_replay_start(kb).isoformat() == "1953-01-01"
    ha = build_history(kb, end=1960)
    assert ha.years == tuple(range(1953, 1961)) and ha.actors == ("AUS", "NZL", "USA")
    obs = _observed(ha)
    assert obs == {
        "exits 1953-1960": 0,
        "freezes and suspensions 1953-1960": 0,
        "returns and joins 1953-1960": 0,
        "in the organisation at the end of 1960": 3,
        "exits 1953-1960 (none observed)": 0,
    }
    assert replay(ha, MembershipParams(), 3, np.random.default_rng(0)).shape == (3, 9, 3)


def test_bad_replay_windows_are_user_errors():
    kb = KnowledgeBase.from_path(DATA / "anzus")
    with pytest.raises(UserError, match="end in or after its start year"):
        build_history(kb, start="1960-01-01", end=1955)
    with pytest.raises(UserError, match="not a date"):
        build_history(kb, start="sometime")
