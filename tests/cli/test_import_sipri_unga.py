"""`phalanx import` for the SIPRI and UNGA kinds: a package that validates and layers."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import as_json

DATA = Path(__file__).resolve().parents[1] / "data" / "ingest"


def test_import_tiv_then_query_on_top(run, tmp_path):
    out = tmp_path / "tiv"
    res = run(
        "import",
        "sipri-tiv",
        str(DATA / "sipri_tiv_long_mini.csv"),
        "--output",
        str(out),
        "--from",
        "2012",
        "--to",
        "2016",
        "--json",
    )
    assert res.exit_code == 0, res.output
    rows = as_json(
        run("strain", "CSTO", "--data", str(out), "--on-top", "--at", "2014-12-31", "--json")
    )
    comp = next(c for c in rows["components"] if c["component"] == "arms_independence")
    kaz = next(r for r in comp["rows"] if r["actor"] == "KAZ")
    assert (kaz["period"], kaz["value"]) == ("2012/2016", round(129 / 165, 3))


def test_import_unga_and_register(run, tmp_path):
    res = run(
        "import", "unga", str(DATA / "unvotes" / "un_votes.csv"), "--output", str(tmp_path / "v")
    )
    assert res.exit_code == 0, res.output
    res = run(
        "import",
        "sipri-register",
        str(DATA / "sipri_register_mini.csv"),
        "--output",
        str(tmp_path / "r"),
        "--actors",
        "ARM",
    )
    assert res.exit_code == 0, res.output
    assert (tmp_path / "r" / "relations.csv").read_text(encoding="utf-8").count("\n") == 2


def test_wrong_layout_exits_2_with_one_line(run, tmp_path):
    res = run(
        "import",
        "sipri-register",
        str(DATA / "sipri_tiv_long_mini.csv"),
        "--output",
        str(tmp_path / "x"),
    )
    assert res.exit_code == 2
    assert "expected the columns Recipient, Supplier" in res.output
    assert "Traceback" not in res.output
    assert not (tmp_path / "x").exists()
