"""adopted_levels: the batched decision rules agree with collective_decision, case by case."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from phalanx.errors import ParameterError
from phalanx.models.collective import RULES, adopted_levels, collective_decision
from phalanx.models.dynamics.types import BINDINGS

# positions on a coarse grid make ties (and so the tolerance paths) common
_grid = st.sampled_from([0.0, 0.1, 0.25, 0.3, 0.5, 2 / 3, 0.75, 1.0])
_any = st.floats(0, 1, allow_nan=False)


@st.composite
def case(draw):
    m = draw(st.integers(1, 7))
    pos = draw(st.lists(st.one_of(_grid, _any), min_size=m, max_size=m))
    sal = draw(st.lists(st.one_of(_grid, _any), min_size=m, max_size=m))
    voters = draw(st.lists(st.booleans(), min_size=m, max_size=m))
    voters[draw(st.integers(0, m - 1))] = True  # collective_decision needs one member
    rule = draw(st.sampled_from(RULES))
    cap = draw(st.one_of(st.none(), _grid, _any))
    abstain = draw(st.sampled_from([0.0, 0.2, 0.5, 1.0]))
    quota = draw(st.sampled_from([0.51, 0.6, 2 / 3, 0.75, 1.0]))
    return pos, sal, voters, rule, cap, abstain, quota


def _reference(pos, sal, voters, rule, cap, abstain, quota):
    names = [f"m{k}" for k in range(len(pos))]
    members = [n for n, v in zip(names, voters, strict=True) if v]
    kw = {}
    if cap is not None:
        kw = {"leader": members[0], "leader_capacity": cap}
    r = collective_decision(
        {n: p for n, p, v in zip(names, pos, voters, strict=True) if v},
        rule=rule,
        salience={n: s for n, s, v in zip(names, sal, voters, strict=True) if v},
        quota=quota,
        abstain_below=abstain,
        **kw,
    )
    return r["outcome"], BINDINGS.index(r["binding"])


@settings(max_examples=400, deadline=None)
@given(case())
def test_agrees_with_collective_decision(c):
    pos, sal, voters, rule, cap, abstain, quota = c
    want = _reference(*c)
    out, binding = adopted_levels(
        np.array([pos]),
        np.array([voters]),
        np.array([sal]),
        rule=rule,
        cap=None if cap is None else np.array([cap]),
        abstain_below=abstain,
        quota=quota,
    )
    assert out[0] == pytest.approx(want[0], abs=1e-12)
    assert binding[0] == want[1]


def test_a_batch_is_decided_row_by_row():
    rng = np.random.default_rng(3)
    for rule in RULES:
        b, m = 300, 6
        pos = rng.choice([0.0, 0.2, 0.5, 0.8, 1.0], size=(b, m))
        sal = rng.random((b, m))
        voters = rng.random((b, m)) < 0.7
        voters[:, 0] = True
        cap = rng.random(b)
        out, binding = adopted_levels(
            pos, voters, sal, rule=rule, cap=cap, abstain_below=0.3, quota=0.75
        )
        for k in range(b):
            want = _reference(pos[k], sal[k], voters[k], rule, cap[k], 0.3, 0.75)
            assert (out[k], binding[k]) == (pytest.approx(want[0]), want[1])


def test_by_hand():
    # five voters at 1, .75, .5, .25, .25: unanimity binds at .25, majority at the median .5,
    # a 4/5 quota at the fourth highest .25; a cap of .4 binds the majority's .5
    pos = np.array([[1.0, 0.75, 0.5, 0.25, 0.25]] * 3)
    v = np.ones_like(pos, dtype=bool)
    s = np.ones_like(pos)
    assert adopted_levels(pos[:1], v[:1], s[:1], rule="unanimity")[0][0] == 0.25
    out, b = adopted_levels(pos[:1], v[:1], s[:1], rule="majority", cap=0.4)
    assert out[0] == 0.4 and BINDINGS[b[0]] == "leader_capacity"
    assert adopted_levels(pos[:1], v[:1], s[:1], rule="qualified_majority", quota=0.8)[0][0] == 0.25
    # consensus: the two low-salience voters abstain, the third-highest .5 binds
    s2 = np.array([[1, 1, 1, 0.1, 0.1]], dtype=float)
    out, b = adopted_levels(pos[:1], v[:1], s2, rule="consensus", abstain_below=0.2)
    assert out[0] == 0.5 and BINDINGS[b[0]] == "member"
    # everyone abstains: nothing adopted
    out, b = adopted_levels(pos[:1], v[:1], s2 * 0, rule="consensus")
    assert out[0] == 0 and BINDINGS[b[0]] == "none"


def test_bad_input():
    with pytest.raises(ParameterError, match="rule must be one of"):
        adopted_levels(np.zeros((1, 2)), np.ones((1, 2), bool), np.ones((1, 2)), rule="vote")
    with pytest.raises(ParameterError, match="share one"):
        adopted_levels(np.zeros((1, 2)), np.ones((1, 3), bool), np.ones((1, 2)), rule="majority")
    with pytest.raises(ParameterError, match="quota"):
        adopted_levels(
            np.zeros((1, 2)),
            np.ones((1, 2), bool),
            np.ones((1, 2)),
            rule="qualified_majority",
            quota=0.5,
        )
