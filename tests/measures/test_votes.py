"""Vote agreement, S scores and cohesion, on cases worked out by hand."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from phalanx.kb import KnowledgeBase
from phalanx.measures.votes import agreement, common_votes, s_score, vote_cohesion

A = {"r1": "yes", "r2": "yes", "r3": "no", "r4": "abstain", "r5": "absent"}
B = {"r1": "yes", "r2": "no", "r3": "abstain", "r4": "abstain", "r5": "yes", "r6": "no"}


def test_common_votes_drop_absences_and_votes_of_one_side():
    assert common_votes(A, B) == [("r1", 1, 1), ("r2", 1, 3), ("r3", 3, 2), ("r4", 2, 2)]


def test_agreement_by_hand():
    # r1 same (1), r2 yes/no (0), r3 no/abstain (0.5), r4 same (1): 2.5 / 4
    assert agreement(A, B) == pytest.approx(0.625)
    assert agreement(A, A) == 1.0
    assert agreement({"x": "yes"}, {"x": "no"}) == 0.0


def test_s_score_by_hand():
    # |d| = 0, 2, 1, 0: S = 1 - 2 * 3 / (4 * 2) = 0.25
    assert s_score(A, B) == pytest.approx(0.25)
    assert s_score({"x": "yes", "y": "no"}, {"x": "no", "y": "yes"}) == -1.0
    assert s_score(B, B) == 1.0


def test_no_common_vote_gives_none():
    assert agreement({"a": "yes"}, {"b": "yes"}) is None
    assert s_score({"a": "absent"}, {"a": "yes"}) is None


choice = st.sampled_from(["yes", "no", "abstain", "absent"])
votes = st.dictionaries(st.sampled_from([f"r{i}" for i in range(8)]), choice)


@given(votes, votes)
def test_scores_are_symmetric_bounded_and_linked(a, b):
    ag, s = agreement(a, b), s_score(a, b)
    assert ag == agreement(b, a) and s == s_score(b, a)
    if ag is None:
        assert s is None
    else:
        assert 0 <= ag <= 1 and -1 <= s <= 1
        assert s == pytest.approx(2 * ag - 1)  # three ordered choices


def test_cohesion_of_the_csto_in_2014():
    # A/RES/68/262: ARM, BLR, RUS no, KAZ abstains, KGZ and TJK absent (UZB had left):
    # 3 pairs agree (1), 3 pairs with KAZ half (0.5): (3 + 1.5) / 6
    kb = KnowledgeBase.embedded()
    (row,) = vote_cohesion(kb, "CSTO", [2014])
    assert row["cohesion"] == pytest.approx(0.75)
    assert (row["pairs"], row["votes"]) == (6, 1)
    assert {(r["actor_a"], r["actor_b"]) for r in row["rows"]} >= {("ARM", "KAZ"), ("BLR", "RUS")}


def test_years_without_votes_are_listed_empty():
    kb = KnowledgeBase.embedded()
    rows = vote_cohesion(kb, "CSTO", [2013, 2014])
    assert rows[0] == {"year": 2013, "cohesion": None, "pairs": 0, "votes": 0, "rows": []}


def test_cohesion_on_a_second_alliance(anzus: Path):
    votes = anzus / "votes.csv"
    with open(votes, "a", encoding="utf-8") as fh:
        fh.write("v1,1986-11-20,UNGA,AUS,yes,nuclear,confirmed,,wiki-anzus\n")
        fh.write("v1,1986-11-20,UNGA,NZL,no,nuclear,confirmed,,wiki-anzus\n")
        fh.write("v1,1986-11-20,UNGA,USA,yes,nuclear,confirmed,,wiki-anzus\n")
        fh.write("v2,1986-12-01,UNGA,AUS,abstain,nuclear,confirmed,,wiki-anzus\n")
        fh.write("v2,1986-12-01,UNGA,USA,yes,nuclear,confirmed,,wiki-anzus\n")
    kb = KnowledgeBase.from_path(anzus)
    (row,) = vote_cohesion(kb, "ANZUS")
    # AUS-NZL: v1 0; AUS-USA: v1 1, v2 0.5 -> 0.75; NZL-USA: v1 0. Mean 0.25.
    assert row["year"] == 1986
    assert row["cohesion"] == pytest.approx(0.25)
    assert (row["pairs"], row["votes"]) == (3, 2)
    shutil.rmtree(anzus)
