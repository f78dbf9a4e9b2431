"""The outcome grammar: what it reads, what it refuses, and the values it gives on
trajectories built by hand."""

from __future__ import annotations

import numpy as np
import pytest

from phalanx.errors import UserError
from phalanx.experiments.outcomes import bind, parse_outcome
from phalanx.kb import KnowledgeBase
from phalanx.models.dynamics.state import initial_state
from phalanx.models.dynamics.types import ChunkResult

X, M, F, S = 0, 1, 2, 3  # out, member, frozen, suspended


@pytest.mark.parametrize(
    ("text", "normal", "binary"),
    [
        ("exits >= 2 by 2031", "exits >= 2 by 2031", True),
        ("  exits>=2   by 2031 ", "exits >= 2 by 2031", True),
        ("exits by 2031 >= 2", "exits >= 2 by 2031", True),
        ("exits by 2031", "exits by 2031", False),
        ("left:ARM by 2031", "left:ARM by 2031", True),
        ("departed:KGZ by 2030", "departed:KGZ by 2030", True),
        ("departures > 1 by 2031", "departures > 1 by 2031", True),
        ("strain at 2031", "strain at 2031", False),
        ("strain at 2031 > 0.5", "strain > 0.5 at 2031", True),
        ("capacity < .3 at 2030", "capacity < 0.3 at 2030", True),
        ("members == 5 at 2030", "members == 5 at 2030", True),
    ],
)
def test_the_grammar_reads(text, normal, binary):
    o = parse_outcome(text)
    assert o.text == normal and o.binary is binary
    assert parse_outcome(o.text) == o


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("__import__('os').system('true')", "cannot read"),
        ("exits >= 2", "cannot read"),
        ("exit >= 2 by 2031", "unknown quantity 'exit'"),
        ("left by 2031", "needs an actor id"),
        ("exits:ARM by 2031", "takes no actor id"),
        ("exits at 2031", "write 'exits by 2031'"),
        ("strain by 2031", "write 'strain at 2031'"),
        ("exits >= 1 by 2031 >= 2", "one comparison"),
        ("left:ARM >= 1 by 2031", "yes/no outcome already"),
        ("x" * 300, "at most 200 characters"),
    ],
)
def test_the_grammar_refuses_with_what_is_expected(text, needle):
    with pytest.raises(UserError, match=needle) as e:
        parse_outcome(text)
    assert e.value.field == "--outcome"


@pytest.fixture(scope="module")
def anzus():
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "tests" / "data" / "kb" / "anzus"
    return initial_state(KnowledgeBase.from_path(path))


def test_bind_checks_the_year_and_the_actor(anzus):
    # ANZUS starts on 2010-12-31: simulated years are 2011 .. 2010 + years
    assert bind("exits by 2013", anzus, 3).step == 3
    with pytest.raises(UserError, match="2011 to 2013.*got 2014"):
        bind("exits by 2014", anzus, 3)
    with pytest.raises(UserError, match="got 2010"):
        bind("strain at 2010", anzus, 3)
    with pytest.raises(UserError, match="USA is not an actor that may change.*AUS, NZL"):
        bind("left:USA by 2012", anzus, 3)  # the leader
    assert bind("left:NZL by 2012", anzus, 3).actor_index == anzus.actors.index("NZL")


def _chunk(status, capacity=None, strain=None):
    status = np.asarray(status, dtype=np.int8)
    r, y1, _ = status.shape
    cap = np.zeros((r, y1)) if capacity is None else np.asarray(capacity, float)
    st = np.zeros((r, y1)) if strain is None else np.asarray(strain, float)
    return ChunkResult(
        replicate=np.arange(r),
        status=status,
        capacity=cap,
        belief=np.zeros((r, y1, status.shape[2]), np.float32),
        dependence=np.zeros((r, y1, status.shape[2]), np.float32),
        strain=st,
        strain_components=np.zeros((r, y1, 4)),
        clashes=np.zeros((r, y1), np.int32),
    )


def test_values_on_trajectories_built_by_hand(anzus):
    # ANZUS's actors: AUS, NZL (candidates), USA (leader); years index 0 (2010) .. 3 (2013)
    i = {a: anzus.actors.index(a) for a in anzus.actors}

    def rows(aus, nzl, usa=(M, M, M, M)):
        out = np.zeros((4, 3), dtype=np.int8)
        out[:, i["AUS"]], out[:, i["NZL"]], out[:, i["USA"]] = aus, nzl, usa
        return out

    status = np.stack(
        [
            rows((M, M, X, X), (M, F, M, M)),  # AUS leaves in 2012; NZL freezes 2011, returns
            rows((M, M, M, M), (M, M, M, M)),  # nothing happens
            rows((M, S, S, X), (X, X, M, M)),  # AUS suspended 2011, out 2013; NZL joins 2012
            rows((M, X, M, X), (M, M, F, X)),  # AUS leaves twice; NZL freezes then leaves
        ]
    )
    capacity = np.array([[1, 0.9, 0.8, 0.7]] * 4) * np.array([[1], [0.5], [1], [1]])
    strain = np.array([[0.1, 0.2, np.nan, 0.4]] * 4)
    chunk = _chunk(status, capacity, strain)

    def value(text):
        return bind(text, anzus, 3).evaluate(chunk).tolist()

    # worked out from the rows above, replicate by replicate
    assert value("exits by 2011") == [0, 0, 0, 1]
    assert value("exits by 2012") == [1, 0, 0, 1]
    assert value("exits by 2013") == [1, 0, 1, 2]
    assert value("exits >= 2 by 2013") == [0, 0, 0, 1]
    assert value("departures by 2011") == [1, 0, 1, 1]
    assert value("departures by 2013") == [2, 0, 1, 2]
    assert value("left:AUS by 2012") == [1, 0, 0, 1]
    assert value("left:NZL by 2013") == [0, 0, 0, 1]  # joining is no exit
    assert value("departed:NZL by 2011") == [1, 0, 0, 0]
    assert value("members at 2012") == [2, 3, 2, 2]  # the leader counts; frozen does not
    assert value("members at 2013") == [2, 3, 2, 1]
    assert value("capacity at 2013") == pytest.approx([0.7, 0.35, 0.7, 0.7])
    assert value("capacity < 0.5 at 2013") == [0, 1, 0, 0]
    assert value("strain at 2013") == pytest.approx([0.4] * 4)
    got = bind("strain > 0.3 at 2012", anzus, 3).evaluate(chunk)
    assert np.isnan(got).all()  # no value: neither yes nor no
