"""SIPRI readers and importers: hand-written files with SIPRI's quirks, the real TIV table,
and an imported package feeding the strain index."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

from phalanx.errors import UserError
from phalanx.ingest.importers import get_importer
from phalanx.ingest.package_writer import write_package
from phalanx.ingest.sipri import (
    import_shares,
    read_sipri_register,
    read_sipri_tiv,
    register_rows,
    tiv_periods,
    tiv_rows,
)
from phalanx.kb import KnowledgeBase
from phalanx.measures.dependence import arms_dependence
from phalanx.measures.strain import strain_at

DATA = Path(__file__).resolve().parents[1] / "data" / "ingest"
REGISTER = DATA / "sipri_register_mini.csv"
WIDE = DATA / "sipri_tiv_wide_mini.csv"
LONG = DATA / "sipri_tiv_long_mini.csv"


@pytest.fixture
def con():
    c = duckdb.connect()
    yield c
    c.close()


def test_register_rows_flags_and_quoted_newline(con):
    loaded = read_sipri_register(con, REGISTER)
    rows = con.execute(
        "SELECT recipient, supplier, year_of_order, year_of_order_flag, number_ordered_flag, "
        "tiv_delivered, first_delivery, last_delivery, comments FROM sipri_register"
    ).fetchall()
    assert loaded.source.rows == 7  # note lines and the closing '#' line are not rows
    assert loaded.source.version == "2022"  # from "Information generated: 14 March 2022"
    second = rows[1]
    assert second[:5] == ("Kazakhstan", "Russia", 2016, True, True)
    assert second[5:8] == (150.0, 2017, 2019)
    assert second[8] == "Second batch,\nordered after the first"
    assert rows[3][5:8] == (None, None, None)  # ordered, nothing delivered
    assert rows[4] == rows[5]  # the duplicated row is kept by the reader
    assert rows[6][5] == 0.0  # a published 0 (0-0.5 m) stays 0


def test_register_in_another_layout_lists_both(tmp_path, con):
    bad = tmp_path / "register.csv"
    bad.write_text("Recipient,Supplier,Year,TIV\nKazakhstan,Russia,2015,3\n", encoding="utf-8")
    with pytest.raises(UserError) as e:
        read_sipri_register(con, bad)
    text = str(e.value)
    assert "expected the columns Recipient, Supplier, Year of order, (blank)" in text
    assert "found Recipient, Supplier, Year, TIV" in text


def test_register_tiv_that_is_not_a_number_names_line_and_column(tmp_path, con):
    lines = REGISTER.read_text(encoding="utf-8").splitlines()
    lines[5] = lines[5].replace(",25,100,100", ",25,100,lots")
    bad = tmp_path / "register.csv"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(UserError) as e:
        read_sipri_register(con, bad)
    assert e.value.line == 6 and e.value.field == "tiv_delivered"
    assert "'lots' is not a number" in str(e.value)


def test_wide_and_long_tables(con):
    wide = read_sipri_tiv(con, WIDE, table="wide").relation.fetchall()
    assert ("Kazakhstan", "Spain", 2013, 36.0) in wide
    assert all(r[1] != "Total" for r in wide) and len(wide) == 9
    long = read_sipri_tiv(con, LONG, table="long").relation.fetchall()
    # the All recipient, the Total supplier and the Total year are left out
    assert long == [
        ("Kazakhstan", "Russia", 2012, 75.0),
        ("Kazakhstan", "Russia", 2013, 54.0),
        ("Kazakhstan", "Spain", 2013, 36.0),
        ("Uzbekistan", "China", 2013, 0.0),
        ("Uzbekistan", "France", 2013, 10.0),
    ]


def test_wide_table_without_a_recipient(tmp_path, con):
    bad = tmp_path / "wide.csv"
    bad.write_text(",2012,2013,Total\nRussia,1,2,3\n", encoding="utf-8")
    with pytest.raises(UserError, match="names no recipient"):
        read_sipri_tiv(con, bad)
    rows = read_sipri_tiv(con, bad, recipient="Armenia").relation.fetchall()
    assert rows == [("Armenia", "Russia", 2012, 1.0), ("Armenia", "Russia", 2013, 2.0)]


def test_tiv_in_neither_layout(tmp_path, con):
    bad = tmp_path / "t.csv"
    bad.write_text("country,supplier,tiv,when\nA,B,1,x\n", encoding="utf-8")
    with pytest.raises(UserError) as e:
        read_sipri_tiv(con, bad)
    assert "Import_To, Export_From, Year, TIV" in str(e.value)
    assert "found country, supplier, tiv, when" in str(e.value)


def test_periods():
    assert tiv_periods(1992, 2021)[:2] == [(2017, 2021), (2012, 2016)]
    assert tiv_periods(1992, 2021)[-2:] == [(1992, 1996), (1992, 2021)]
    assert tiv_periods(2012, 2016) == [(2012, 2016)]


def test_shares_by_hand(con):
    read_sipri_tiv(con, WIDE)
    shares = import_shares(con, "sipri_tiv", [(2012, 2016), (2014, 2014)])
    by = {(s["supplier"], s["first"]): s for s in shares}
    # 2012-16: Russia 796, Spain 72, unknown 0: total 868
    assert by[("Russia", 2012)]["share"] == pytest.approx(796 / 868)
    assert by[("Spain", 2014)]["share"] == pytest.approx(12 / 40)


def test_register_importer_by_hand():
    rows = register_rows(REGISTER)
    rels = {r["id"]: r for r in rows.tables["relations"]}
    # Kazakhstan received 100 + 150 (Russia) + 100 (Spain) = 350 m; the order-only deal
    # adds nothing; India's 0 to Armenia gives no tie
    kaz = rels["sipri-arms-RUS-KAZ-2015"]
    assert (kaz["actor_a"], kaz["actor_b"], kaz["directed"], kaz["sign"]) == ("RUS", "KAZ", True, 1)
    assert kaz["intensity"] == round(250 / 350, 3)
    # deliveries 2015 and 2017-19, and the 2020 order not yet delivered
    assert (kaz["start"], kaz["end"]) == ("2015", "2021")
    assert rels["sipri-arms-ESP-KAZ-2013"]["intensity"] == round(100 / 350, 3)
    assert rels["sipri-arms-RUS-ARM-2016"]["intensity"] == 1.0
    assert not any(r["actor_a"] == "IND" for r in rels.values())
    assert rows.sources[0]["id"] == "sipri-register-2022"
    assert all(r["sources"] == ["sipri-register-2022"] for r in rels.values())
    assert get_importer("sipri-register").fn is register_rows


def test_register_importer_years_and_actors():
    rows = register_rows(REGISTER, start=2013, end=2014, actors=["KAZ"])
    ids = [r["id"] for r in rows.tables["relations"]]
    assert ids == ["sipri-arms-ESP-KAZ-2013"]  # only Spain delivered in 2013-14


def test_tiv_import_layered_feeds_strain(tmp_path):
    rows = get_importer("sipri-tiv")(LONG, actors=None, start=2012, end=2016, progress=None)
    kaz = {
        (r["indicator"], r["period"]): r["value"]
        for r in rows.tables["indicators"]
        if r["actor"] == "KAZ"
    }
    # 2012-16 in this file: Russia 129, Spain 36 of 165
    assert kaz[("arms_import_share_from_RUS", "2012/2016")] == round(129 / 165, 3)
    assert kaz[("arms_import_tiv_from_ESP", "2012/2016")] == 36.0
    out = write_package(rows, tmp_path / "pkg", name="sipri-test")
    kb = KnowledgeBase.from_path(out, on_top=True)
    comp = next(
        c
        for c in strain_at(kb, "CSTO", "2014-12-31")["components"]
        if c["component"] == "arms_independence"
    )
    # the imported KAZ share replaces the embedded 0.785: ARM 1, BLR .972, KGZ 1, TJK .727
    assert comp["value"] == pytest.approx(1 - (1 + 0.972 + 0.782 + 1 + 0.727) / 5)
    assert arms_dependence(kb, "CSTO", [2014])[0]["mean"] == pytest.approx(1 - comp["value"])


def test_register_import_round_trip(tmp_path):
    out = write_package(register_rows(REGISTER), tmp_path / "pkg", name="register-test")
    kb = KnowledgeBase.from_path(out, on_top=True)
    ids = {r["id"] for r in kb.relations("2016", "2016", kind="arms_supply", actor="KAZ")}
    assert "sipri-arms-RUS-KAZ-2015" in ids


def test_real_tiv_table_matches_the_derived_shares(validation_dir):
    path = validation_dir / "datasets" / "sipri_import_tiv_lajh87_2022.csv"
    derived = validation_dir / "datasets" / "DERIVED_sipri_russia_share_by_period.csv"
    if not path.is_file() or not derived.is_file():
        pytest.skip("the SIPRI TIV table is not in the validation folder")
    rows = tiv_rows(path, start=1992, end=2021)
    got = {
        (r["actor"], r["period"]): r["value"]
        for r in rows.tables["indicators"]
        if r["indicator"] == "arms_import_share_from_RUS"
    }
    names = {
        "Kazakhstan": "KAZ",
        "Kyrgyzstan": "KGZ",
        "Tajikistan": "TJK",
        "Uzbekistan": "UZB",
        "Turkmenistan": "TKM",
        "Armenia": "ARM",
        "Belarus": "BLR",
        "Azerbaijan": "AZE",
    }
    checked = 0
    with open(derived, encoding="utf-8") as fh:
        for rec in csv.DictReader(fh):
            key = (names[rec["recipient"]], rec["period"].replace("-", "/"))
            if rec["russia_share_pct"] == "":
                assert key not in got  # no imports, no share
                continue
            assert got[key] == pytest.approx(float(rec["russia_share_pct"]) / 100, abs=5e-4)
            checked += 1
    assert checked == 31


def test_real_tiv_table_round_trip(validation_dir, tmp_path):
    path = validation_dir / "datasets" / "sipri_import_tiv_lajh87_2022.csv"
    if not path.is_file():
        pytest.skip("the SIPRI TIV table is not in the validation folder")
    rows = tiv_rows(path, start=1992, end=2021, actors=["KAZ", "KGZ", "TJK", "ARM", "BLR"])
    kb = KnowledgeBase.from_path(write_package(rows, tmp_path / "pkg", name="tiv"), on_top=True)
    # the imported 2012/2016 and 2017/2021 shares equal the embedded package's values
    emb = KnowledgeBase.embedded()
    for year in (2014, 2019):
        assert arms_dependence(kb, "CSTO", [year])[0]["mean"] == pytest.approx(
            arms_dependence(emb, "CSTO", [year])[0]["mean"]
        )


def test_tiv_import_feeds_the_simulation_start(tmp_path):
    from phalanx.models.dynamics.state import initial_state

    rows = tiv_rows(LONG, start=2012, end=2016)
    kb = KnowledgeBase.from_path(write_package(rows, tmp_path / "pkg", name="tiv"), on_top=True)
    state = initial_state(kb, "CSTO", "2014-12-31")
    dep = dict(zip(state.actors, state.dependence, strict=True))
    assert dep["KAZ"] == pytest.approx(round(129 / 165, 3))  # the imported share
    assert dep["BLR"] == pytest.approx(0.972)  # the embedded one, untouched


def test_register_deal_spanning_the_years_asked():
    # Spain delivered to Kazakhstan in 2013, 2014 and 2016: asked for 2015 only, the deal
    # overlaps but delivered nothing in it; the tie covers the year asked
    rows = register_rows(REGISTER, start=2015, end=2015, actors=["ESP"])
    (rel,) = rows.tables["relations"]
    assert (rel["start"], rel["end"]) == ("2015", "2016")
