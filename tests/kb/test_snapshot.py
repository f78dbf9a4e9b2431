"""The Snapshot's parsed dates, its defaults, and its array view, on hand-built data.

Every expected array below is worked out by hand from the records written in the test.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from phalanx.errors import UserError
from phalanx.kb import KnowledgeBase
from phalanx.kb.arrays import FROZEN, MEMBER, OBSERVER, OUT, PARTNER, STATUS_CODES, SUSPENDED
from phalanx.kb.dates import PartialDate
from phalanx.kb.snapshot import Snapshot

DAY = dt.date(2022, 6, 1)
NAN = np.nan


def rel(i, a, b, kind, directed, sign, x):
    return {
        "id": f"r{i}",
        "actor_a": a,
        "actor_b": b,
        "kind": kind,
        "directed": directed,
        "sign": sign,
        "intensity": x,
        "start": "2000",
        "end": None,
    }


def event(i, date, kind, actors, org):
    return {
        "id": i,
        "date": date,
        "end_date": None,
        "kind": kind,
        "actors": actors,
        "organization": org,
    }


@pytest.fixture()
def snap() -> Snapshot:
    return Snapshot(
        DAY,
        actors=tuple({"id": a, "kind": "state"} for a in "ABCD")
        + ({"id": "O", "kind": "organization"},),
        memberships=(
            {"organization": "O", "actor": "A", "status": "member", "start": "1992-05-15"},
            {"organization": "O", "actor": "B", "status": "frozen", "start": "2021-03"},
            {"organization": "O", "actor": "C", "status": "suspended", "start": "2012"},
            {"organization": "O", "actor": "D", "status": "observer", "start": "2010"},
            {"organization": "E", "actor": "A", "status": "partner", "start": "2001"},
        ),
        relations=(
            rel(1, "A", "B", "conflict", False, -1, 0.4),
            rel(2, "A", "B", "conflict", False, 1, 0.7),
            rel(3, "B", "C", "conflict", False, -1, 0.5),
            rel(4, "C", "B", "conflict", True, 1, 0.5),
            rel(5, "A", "D", "conflict", True, 1, 0.3),
            rel(6, "A", "C", "alliance", False, 1, 1.0),
        ),
        indicators=(
            {"actor": "A", "indicator": "cinc", "period": "2019/2020", "value": 0.5},
            {"actor": "C", "indicator": "cinc", "period": "2020", "value": 0.25},
            {"actor": "B", "indicator": "gdp", "period": "2021", "value": 9.0},
        ),
        events=(
            event("inv1", "2022-01-05", "invocation", ["A"], "O"),
            event("dep1", "2022-01-20", "deployment", ["A"], "O"),
            event("inv2", "2021", "invocation", ["B", "O"], None),
            event("inv3", "2020-03-01", "invocation", ["A", "C"], "O"),
            event("dep3", "2020-05-01", "deployment", ["C"], "O"),
            event("other", "2020-03-01", "invocation", ["D"], "P"),
        ),
        votes=({"vote": "v", "date": "2019", "actor": "A", "choice": "yes"},),
    )


# -- parsed dates ----------------------------------------------------------------------


def test_every_date_field_is_a_partial_date_that_prints_as_its_text(snap):
    m = snap.memberships[1]
    assert isinstance(m["start"], PartialDate) and str(m["start"]) == "2021-03"
    assert m["start"].earliest == dt.date(2021, 3, 1) and m["start"].precision == "month"
    v = snap.votes[0]
    assert v["date"].earliest == dt.date(2019, 1, 1) and v["date"].latest == dt.date(2019, 12, 31)
    assert snap.events[0]["end_date"] is None
    assert snap.relations[0]["start"].precision == "year"


def test_indicator_period_stays_text_and_gains_its_parsed_start(snap):
    rec = snap.indicator_record("A", "cinc")
    assert rec["period"] == "2019/2020"
    assert rec["period_start"].earliest == dt.date(2019, 1, 1)


def test_records_given_are_not_changed():
    given = {"organization": "O", "actor": "A", "status": "member", "start": "2001"}
    s = Snapshot(DAY, memberships=(given,))
    assert given["start"] == "2001" and isinstance(s.memberships[0]["start"], PartialDate)


def test_a_date_that_is_not_a_partial_date_is_a_user_error():
    with pytest.raises(UserError, match="field 'date'"):
        Snapshot(DAY, votes=({"vote": "v", "date": "2019-13", "actor": "A", "choice": "yes"},))


def test_a_datetime_date_becomes_a_day_precision_partial_date():
    s = Snapshot(DAY, events=(event("e", dt.date(2020, 2, 29), "clash", [], None),))
    assert s.events[0]["date"] == PartialDate(
        dt.date(2020, 2, 29), dt.date(2020, 2, 29), "day", "2020-02-29"
    )


# -- array view ------------------------------------------------------------------------


def test_the_status_codes_are_distinct_and_out_is_zero():
    codes = [OUT, MEMBER, FROZEN, SUSPENDED, OBSERVER, PARTNER]
    assert codes == [0, 1, 2, 3, 4, 5]
    assert sorted(STATUS_CODES.values()) == codes[1:]


def test_status_codes_per_actor(snap):
    arr = snap.arrays()
    assert arr.actors == ("A", "B", "C", "D", "O")
    assert arr.index["C"] == 2
    s = arr.status("O")
    assert s.dtype == np.int8
    assert s.tolist() == [MEMBER, FROZEN, SUSPENDED, OBSERVER, OUT]
    assert arr.status("E").tolist() == [PARTNER, OUT, OUT, OUT, OUT]
    assert arr.status("nobody").tolist() == [OUT] * 5


def test_a_chosen_order_is_kept(snap):
    arr = snap.arrays(["D", "A"])
    assert arr.status("O").tolist() == [OBSERVER, MEMBER]
    assert arr.indicator("cinc").tolist()[1] == 0.5


def test_unknown_or_repeated_actors_are_user_errors(snap):
    with pytest.raises(UserError, match="ZZ"):
        snap.arrays(["A", "ZZ"])
    with pytest.raises(UserError, match="more than once: A"):
        snap.arrays(["A", "B", "A"])


def test_indicator_vector_with_default(snap):
    arr = snap.arrays()
    np.testing.assert_array_equal(arr.indicator("cinc"), [0.5, NAN, 0.25, NAN, NAN])
    np.testing.assert_array_equal(arr.indicator("cinc", default=0.0), [0.5, 0, 0.25, 0, 0])
    np.testing.assert_array_equal(arr.indicator("missing", default=-1.0), [-1.0] * 5)


def test_relation_matrix_strongest_tie_times_sign(snap):
    m = snap.arrays().relation("conflict")
    want = np.zeros((5, 5))
    want[0, 1] = want[1, 0] = 0.7  # r2 (+0.7) beats r1 (-0.4)
    want[1, 2] = want[2, 1] = -0.5  # r3 undirected; r4 (C->B, +0.5) ties, negative wins
    want[0, 3] = 0.3  # r5 directed A->D only
    np.testing.assert_array_equal(m, want)


def test_relation_matrix_unsigned_and_by_direction(snap):
    arr = snap.arrays()
    unsigned = arr.relation("conflict", signed=False)
    assert unsigned[1, 2] == unsigned[2, 1] == 0.5
    directed = arr.relation("conflict", directed=True)
    want = np.zeros((5, 5))
    want[2, 1] = 0.5
    want[0, 3] = 0.3
    np.testing.assert_array_equal(directed, want)
    undirected = arr.relation("conflict", directed=False)
    want = np.zeros((5, 5))
    want[0, 1] = want[1, 0] = 0.7
    want[1, 2] = want[2, 1] = -0.5
    np.testing.assert_array_equal(undirected, want)
    assert not arr.relation("no_such_kind").any()


def test_relation_matrix_drops_actors_outside_the_order(snap):
    m = snap.arrays(["A", "B"]).relation("conflict")
    np.testing.assert_array_equal(m, [[0, 0.7], [0.7, 0]])


def test_requests_and_unanswered_ones(snap):
    arr = snap.arrays()
    made, open_ = arr.requests("O")
    # inv1 (A) answered 15 days later by dep1; inv2 (B, "2021") never answered;
    # inv3 (A and C) answered by dep3 only 61 days later: too late at 30 days
    assert made.tolist() == [2, 1, 1, 0, 0]
    assert open_.tolist() == [1, 1, 1, 0, 0]
    _, open61 = arr.requests("O", response_days=61)
    assert open61.tolist() == [0, 1, 0, 0, 0]
    _, none_count = arr.requests("O", answer_kinds=("summit",))
    assert none_count.tolist() == [2, 1, 1, 0, 0]
    with pytest.raises(UserError, match="response_days"):
        arr.requests("O", response_days=-1)


def test_requests_use_the_package_assistance_kinds():
    kb = KnowledgeBase.embedded()
    s = kb.snapshot("2022-06-01")
    assert s.defaults == kb.defaults
    arr = s.arrays()
    made, open_ = arr.requests(kb.defaults.organization)
    # Kazakhstan asked on 2022-01-05 and the deployment began on 2022-01-06 (FACTS)
    kaz = arr.index["KAZ"]
    assert made[kaz] >= 1 and open_[kaz] == 0


# -- the embedded snapshot holds nothing after its date ----------------------------------


@pytest.mark.parametrize("day", ["1995-06-01", "2023-06-01"])
def test_embedded_snapshot_holds_nothing_after_its_date(day):
    kb = KnowledgeBase.embedded()
    s = kb.snapshot(day, window_days=365)
    d = s.date
    assert s.events and s.memberships and s.relations
    assert all(e["date"].earliest <= d for e in s.events)
    assert all(e["end_date"] is None or e["end_date"].earliest <= d for e in s.events)
    assert all(v["date"].earliest <= d for v in s.votes)
    for part in (s.memberships, s.relations):
        assert all(r["start"].earliest <= d for r in part)
        assert all(r["end"] is None or r["end"].earliest <= d for r in part)
    assert all(r["period_start"].earliest <= d for r in s.indicators)


def test_embedded_status_array_armenia_frozen_uzbekistan_suspended():
    s = KnowledgeBase.embedded().snapshot("2024-06-01")
    arr = s.arrays()
    codes = arr.status(s.defaults.organization)
    assert codes[arr.index["ARM"]] == FROZEN
    assert codes[arr.index["UZB"]] == SUSPENDED
    assert codes[arr.index["KAZ"]] == MEMBER
    assert codes[arr.index["GEO"]] == OUT
