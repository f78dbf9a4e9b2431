"""As-of queries, checked filter values and windows, coverage warnings and the dossier.

Facts used: Armenia froze its CSTO participation in February 2024; Armenia received
Russian arms 1992-2012 in the package's coding (relations.csv); the CSTO was founded on
1992-05-15; the package's study period is declared as 1992-2026 in datapackage.json.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import phalanx.cli as cli
from phalanx.errors import UserError
from phalanx.kb import KnowledgeBase
from phalanx.kb.coverage import coverage_warnings
from phalanx.kb.dates import parse_partial_date
from phalanx.kb.dossier import dossier
from phalanx.kb.store import UnknownIdError, UnknownValueError
from tests.cli.conftest import as_json

ANZUS = Path(__file__).resolve().parents[1] / "data" / "kb" / "anzus"


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.embedded()


def earliest(value) -> dt.date:
    return parse_partial_date(str(value)).earliest


# -- as_of ------------------------------------------------------------------------------


def test_history_as_of_2023_has_no_freeze_and_an_open_spell(kb):
    full = kb.history("ARM", "CSTO")
    assert any(r["status"] == "frozen" for r in full)  # the 2024 freeze is in the data
    ended = [r for r in full if r["status"] == "member" and r["end"] is not None]
    assert ended and all(r["ongoing"] is False for r in ended)
    before = kb.history("ARM", "CSTO", as_of="2023-12-31")
    assert [r["status"] for r in before] == ["member"]
    assert before[0]["end"] is None and before[0]["ongoing"] is True


def test_events_as_of_1995_none_later(kb):
    later = [e for e in kb.events() if earliest(e["date"]) > dt.date(1995, 1, 1)]
    assert later  # the data do hold later events
    rows = kb.events(as_of="1995")
    assert rows
    assert all(earliest(e["date"]) <= dt.date(1995, 1, 1) for e in rows)
    assert not any(
        e["kind"] in ("withdrawal", "freeze", "suspension") and earliest(e["date"]).year > 1995
        for e in rows
    )


def test_an_event_ending_after_as_of_is_shown_ongoing(kb):
    e = next(
        e
        for e in kb.events()
        if e["end_date"]
        and parse_partial_date(e["end_date"]).earliest > parse_partial_date(e["date"]).latest
    )
    day = parse_partial_date(e["date"]).latest
    row = next(r for r in kb.events(as_of=day) if r["id"] == e["id"])
    assert row["end_date"] is None and row["ongoing"] is True
    assert next(r for r in kb.events() if r["id"] == e["id"])["ongoing"] is False


def test_relation_end_after_as_of_is_hidden(kb):
    def arms(as_of):
        return [
            r
            for r in kb.relations(kind="arms_supply", actor="ARM", as_of=as_of)
            if "RUS" in (r["actor_a"], r["actor_b"])
        ]

    at2000 = arms("2000")
    assert at2000 and all(r["end"] is None and r["ongoing"] for r in at2000)
    assert any(r["end"] is not None and not r["ongoing"] for r in arms("2026"))
    assert all(earliest(r["start"]) <= dt.date(1992, 12, 31) for r in arms("1992"))


def test_indicators_and_votes_as_of(kb):
    rows = kb.indicators(actor="RUS", as_of="2000-06-01")
    assert rows and all(earliest(r["period"].split("/")[0]) <= dt.date(2000, 6, 1) for r in rows)
    assert len(rows) < len(kb.indicators(actor="RUS"))
    assert kb.votes(as_of="2021-12-31") == [] or all(
        earliest(v["date"]) <= dt.date(2021, 12, 31) for v in kb.votes(as_of="2021-12-31")
    )
    assert len(kb.votes(as_of="2022-03-02")) > len(kb.votes(as_of="2022-03-01"))


def test_members_show_no_end_after_the_date(kb):
    rows = kb.members("CSTO", "2023-06-01")
    arm = next(r for r in rows if r["actor"] == "ARM")
    assert arm["end"] is None and arm["ongoing"] is True


# -- filter values, windows, dates, ids -------------------------------------------------


@pytest.mark.parametrize(
    ("call", "bad", "allowed"),
    [
        (lambda kb: kb.events(kind="invasion"), "invasion", ["invocation", "clash", "treaty"]),
        (lambda kb: kb.actors("planet"), "planet", ["state", "organization", "territory"]),
        (lambda kb: kb.relations(kind="friendship"), "friendship", ["alliance", "rivalry"]),
        (lambda kb: kb.members("CSTO", "2020", ["gone"]), "gone", ["member", "frozen"]),
    ],
)
def test_unknown_filter_values_list_the_allowed(kb, call, bad, allowed):
    with pytest.raises(UnknownValueError) as e:
        call(kb)
    msg = str(e.value)
    assert repr(bad) in msg and "allowed:" in msg
    assert all(a in msg for a in allowed)


def test_allowed_values_come_from_the_schema(kb):
    enum = kb.package.tables["events"].resource.table_schema.field("kind").constraints.enum
    assert kb.allowed_values("events", "kind") == enum
    assert kb.allowed_values("events", "summary") is None


def test_unknown_indicator_suggests_close_names(kb):
    with pytest.raises(UnknownValueError, match="did you mean cinc"):
        kb.indicators(indicator="cinx")


def test_reversed_window_is_a_user_error(kb):
    with pytest.raises(UserError, match=r"ends \(2021\) before it starts \(2024\)"):
        kb.events("2024", "2021")
    with pytest.raises(UserError):
        kb.relations("2024", "2021")


def test_bad_dates_are_user_errors_naming_the_option(kb):
    with pytest.raises(UserError, match="field 'at'"):
        kb.members("CSTO", "2024-13")
    with pytest.raises(UserError, match="field 'as_of'"):
        kb.events(as_of="soon")
    with pytest.raises(UserError, match="field 'from'"):
        kb.events("yesterday")


def test_unknown_ids_suggest_the_nearest(kb):
    with pytest.raises(UnknownIdError, match="did you mean.*ARM"):
        kb.resolve_actor("Armenai")
    with pytest.raises(UnknownIdError, match="did you mean.*KAZ"):
        kb.resolve_actor("KAX")
    with pytest.raises(UnknownIdError, match="did you mean.*CSTO"):
        kb.resolve_organization("CTSO")
    with pytest.raises(UnknownIdError, match="known: "):
        kb.resolve_organization("zzzzzz")


# -- coverage warnings ------------------------------------------------------------------


def test_coverage_warnings_outside_the_period_and_before_founding(kb):
    assert coverage_warnings(kb, at="2010-01-01", organization="CSTO") == []
    late = coverage_warnings(kb, at="2030", organization="CSTO")
    assert late == [
        "2030-01-01 is after the period the data cover (1992 to 2026); nothing later is recorded"
    ]
    early = coverage_warnings(kb, at="1980", organization="CSTO")
    assert any("before the period the data cover (1992 to 2026)" in w for w in early)
    assert any("CSTO was founded on 1992-05-15" in w for w in early)


def test_coverage_warning_for_a_partly_listed_organisation(tmp_path):
    pkg = tmp_path / "anzus"
    shutil.copytree(ANZUS, pkg)
    orgs = pkg / "organizations.csv"
    orgs.write_text(orgs.read_text().replace(",USA,complete,", ",USA,partial,"))
    kb = KnowledgeBase.from_path(pkg)
    assert coverage_warnings(kb, organization="ANZUS") == [
        "ANZUS: the package lists only some of its members (coverage: partial)"
    ]


def test_no_coverage_warning_for_a_complete_organisation(kb):
    assert coverage_warnings(kb, organization="NATO") == []


def test_coverage_warning_after_dissolution(tmp_path):
    pkg = tmp_path / "anzus"
    shutil.copytree(ANZUS, pkg)
    orgs = pkg / "organizations.csv"
    orgs.write_text(orgs.read_text().replace("1952-04-29,,consensus", "1952-04-29,2005,consensus"))
    kb = KnowledgeBase.from_path(pkg)
    assert coverage_warnings(kb, at="2004-12-31", organization="ANZUS") == []
    assert coverage_warnings(kb, at="2006", organization="ANZUS") == [
        "ANZUS was dissolved on 2005: on 2006-01-01 it no longer existed"
    ]


# -- dossier ----------------------------------------------------------------------------


def test_dossier_as_of_holds_nothing_later(kb):
    d = dossier(kb, "Armenia", as_of="2023-06-01")
    assert d["actor"]["id"] == "ARM" and d["as_of"] == "2023-06-01"
    day = dt.date(2023, 6, 1)
    assert "frozen" not in {m["status"] for m in d["memberships"]}
    for part, key in (
        ("memberships", "start"),
        ("relations", "start"),
        ("events", "date"),
        ("votes", "date"),
    ):
        assert all(earliest(r[key]) <= day for r in d[part]), part
    assert all(
        r["other"] != "ARM" and "ARM" in (r["actor_a"], r["actor_b"]) for r in d["relations"]
    )
    cited = {
        s
        for p in ("memberships", "relations", "events", "indicators", "votes")
        for r in d[p]
        for s in r["sources"]
    }
    assert cited <= {s["id"] for s in d["sources"]}
    assert all(s["reliability"] for s in d["sources"])


# -- CLI --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def run():
    cli._register()
    runner = CliRunner()
    return lambda *args: runner.invoke(cli.app, list(args), catch_exceptions=False)


def test_show_and_history_at(run):
    rec = as_json(run("show", "ARM", "--at", "2023", "--json"))
    assert rec["as_of"] == "2023-01-01"
    assert "frozen" not in {m["status"] for m in rec["memberships"]}
    assert all(earliest(e["date"]).year <= 2023 for e in rec["events"])
    rows = as_json(run("history", "ARM", "--org", "CSTO", "--at", "2023", "--json"))
    assert [(r["status"], r["end"]) for r in rows] == [("member", None)]


def test_members_prints_coverage_warnings(run):
    res = run("members", "CSTO", "--at", "1980")
    assert res.exit_code == 0
    assert "CSTO was founded on 1992-05-15" in res.output
    assert "nothing earlier is recorded" in res.output


def test_cli_lists_allowed_values(run):
    res = run("events", "--kind", "invasion")
    assert res.exit_code == 2 and "allowed:" in res.output and "invocation" in res.output
    res = run("events", "--from", "2024", "--to", "2021")
    assert res.exit_code == 2 and "reversed" in res.output


def test_a_package_without_organisations_says_so(tmp_path):
    from phalanx.kb.scaffold import new_package
    from phalanx.report.html import default_organization

    kb = KnowledgeBase.from_path(new_package(tmp_path / "p", "empty-case", "Empty"))
    with pytest.raises(UnknownIdError) as e:
        kb.resolve_organization("NATO")
    assert "holds no organisations" in str(e.value) and "known: ," not in str(e.value)
    with pytest.raises(UserError, match="no organisations to report on"):
        default_organization(kb)
