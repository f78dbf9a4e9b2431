"""UNGA votes: Voeten's and unvotes' layouts with their quirks, the real unvotes copy,
and an imported package feeding the strain index and the cohesion measure."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from phalanx.errors import UserError
from phalanx.ingest.importers import get_importer
from phalanx.ingest.package_writer import write_package
from phalanx.ingest.unga import find_roll_calls, read_unga, unga_rows
from phalanx.kb import KnowledgeBase
from phalanx.measures.strain import strain_at
from phalanx.measures.votes import vote_cohesion

DATA = Path(__file__).resolve().parents[1] / "data" / "ingest"
VOETEN = DATA / "unga_voeten_mini.csv"
UNVOTES = DATA / "unvotes" / "un_votes.csv"


@pytest.fixture
def con():
    c = duckdb.connect()
    yield c
    c.close()


def test_voeten_codes_and_non_members(con):
    read_unga(con, VOETEN)
    rows = con.execute("SELECT rcid, ccode, choice, date, unres FROM unga").fetchall()
    assert len(rows) == 10  # 11 rows less the non-member (9); the duplicate is kept here
    assert (9001, 703, "absent", "2015-01-10", "A/RES/69/1, paragraph 2") in rows
    assert (9001, 704) not in {r[:2] for r in rows}
    assert (9002, 2, "yes", "2015", "A/RES/70/5") in rows  # session 70 met in 1945 + 70


def test_voeten_resid_header(tmp_path, con):
    f = tmp_path / "votes.csv"
    f.write_text("resid,ccode,vote,year\n5,365,3,1990\n", encoding="utf-8")
    read_unga(con, f)
    assert con.execute("SELECT rcid, choice, date FROM unga").fetchall() == [(5, "no", "1990")]


def test_bad_vote_code_is_named(tmp_path, con):
    f = tmp_path / "votes.csv"
    f.write_text("rcid,ccode,vote,year\n5,365,4,1990\n", encoding="utf-8")
    with pytest.raises(UserError) as e:
        read_unga(con, f)
    assert e.value.field == "vote" and "1 yes, 2 abstain, 3 no, 8 absent" in str(e.value)


def test_wrong_layout_lists_both(tmp_path, con):
    f = tmp_path / "votes.csv"
    f.write_text("id,state,choice\n1,RUS,yes\n", encoding="utf-8")
    with pytest.raises(UserError) as e:
        read_unga(con, f)
    assert "rcid (or resid), ccode, vote" in str(e.value)
    assert "rcid, country, country_code, vote" in str(e.value)
    assert "found id, state, choice" in str(e.value)


def test_no_date_anywhere(tmp_path, con):
    f = tmp_path / "votes.csv"
    f.write_text("rcid,ccode,vote\n5,365,1\n", encoding="utf-8")
    with pytest.raises(UserError, match="roll call 5 has no date; give the roll-call file"):
        read_unga(con, f)


def test_unvotes_with_roll_calls_beside_it():
    assert find_roll_calls(UNVOTES) == UNVOTES.parent / "un_roll_calls.csv"
    rows = get_importer("unga")(UNVOTES, actors=None, start=None, end=None, progress=None)
    got = {(v["vote"], v["actor"]): (v["choice"], v["date"]) for v in rows.tables["votes"]}
    assert got[("unga-rcid-77", "KAZ")] == ("yes", "2014-03-27")
    assert got[("unga-rcid-78", "KGZ")] == ("yes", "2015")  # no day: the session's year
    assert len(got) == 6  # Narnia matches no actor
    assert any("Narnia" in n for n in rows.notes)


def test_importer_keeps_codes_and_drops_duplicates():
    rows = unga_rows(VOETEN)
    votes = rows.tables["votes"]
    assert len(votes) == 9  # one duplicated RUS row kept once
    assert [a["id"] for a in rows.tables["actors"]] == ["COW900"]  # a code the kb lacks
    assert all(v["vote"].startswith("unga-rcid-") and "rcid" in v["note"] for v in votes)
    only = unga_rows(VOETEN, actors=["RUS"], start=2015, end=2015)
    assert {v["actor"] for v in only.tables["votes"]} == {"RUS"}
    assert unga_rows(VOETEN, start=2016).tables["votes"] == []


def test_imported_votes_feed_strain_and_cohesion(tmp_path):
    out = write_package(unga_rows(VOETEN), tmp_path / "pkg", name="unga-test")
    kb = KnowledgeBase.from_path(out, on_top=True)
    comp = next(
        c
        for c in strain_at(kb, "CSTO", "2015-06-01")["components"]
        if c["component"] == "vote_divergence"
    )
    # A/RES/68/262 (embedded): no 3, abstain 1 -> (3 - 0.5) / 4 = 0.625;
    # rcid 9001: yes RUS BLR KAZ, abstain ARM, no TJK (KGZ absent) -> (3 - 1) / 5 = 0.4;
    # rcid 9002 has one member voting and does not count
    assert comp["value"] == pytest.approx(1 - (0.625 + 0.4) / 2)
    (row,) = vote_cohesion(kb, "CSTO", [2015])
    # 10 pairs of five voters: 3 yes-yes (1), 3 yes-abstain (.5), abstain-no (.5): 5 / 10
    assert row["cohesion"] == pytest.approx(0.5)
    assert (row["pairs"], row["votes"]) == (10, 1)


def test_real_unvotes_crimea_vote(validation_dir, tmp_path):
    path = validation_dir / "datasets" / "unvotes_un_votes_region.csv"
    if not path.is_file():
        pytest.skip("the unvotes copy is not in the validation folder")
    rows = unga_rows(path, start=2014, end=2014)
    crimea = {
        v["actor"]: v["choice"] for v in rows.tables["votes"] if v["vote"] == "unga-rcid-5309"
    }
    # FACTS.md: ARM, BLR, RUS no; KAZ, UZB abstain; AZE, GEO yes; KGZ, TJK, TKM absent
    assert {a: crimea[a] for a in ("ARM", "BLR", "RUS")} == dict.fromkeys(
        ("ARM", "BLR", "RUS"), "no"
    )
    assert crimea["KAZ"] == crimea["UZB"] == "abstain"
    assert crimea["AZE"] == crimea["GEO"] == "yes"
    assert not {"KGZ", "TJK", "TKM"} & set(crimea)
    kb = KnowledgeBase.from_path(write_package(rows, tmp_path / "pkg", name="unv"), on_top=True)
    assert len(kb.votes("unga-rcid-5309")) == len(crimea)
