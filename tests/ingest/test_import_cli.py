"""``phalanx import``: the command end to end, its errors (one line, exit 2), the
progress bar, and a round trip of real files from ../shared/validation/datasets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import phalanx.cli as cli
from phalanx.cli import commands_import
from phalanx.kb import KnowledgeBase

DATA = Path(__file__).resolve().parents[1] / "data" / "ingest"


@pytest.fixture(scope="module")
def run():
    cli._register()
    runner = CliRunner()
    return lambda *args: runner.invoke(cli.app, [str(a) for a in args], catch_exceptions=False)


def one_error_line(result) -> str:
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    return lines[0]


def test_import_writes_a_package_that_queries_on_top(run, tmp_path):
    out = tmp_path / "cow"
    res = run(
        "import", "cow-alliance", DATA / "cow_alliance_member_mini.csv", "--output", out, "--json"
    )
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    assert summary["rows"] == {"sources": 1, "actors": 3, "organizations": 2, "memberships": 7}
    assert summary["package"] == "cow" and summary["kind"] == "cow-alliance"
    res = run("members", "COW_ALLIANCE_330", "--data", out, "--on-top", "--at", "2000", "--json")
    assert res.exit_code == 0, res.output
    assert sorted(m["actor"] for m in json.loads(res.stdout)) == ["ARM", "KAZ", "RUS"]
    assert run("validate", out, "--on-top").exit_code == 0


def test_table_output_and_filters(run, tmp_path):
    res = run("import", "atop", DATA / "atop_mini.csv", "-o", tmp_path / "a",
              "--actors", "RUS,COW265", "--from", "1906", "--to", "1907")  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "relations" in res.stdout and "--data" in res.stdout
    kb = KnowledgeBase.from_path(tmp_path / "a", on_top=True)
    assert [r["id"] for r in kb.relations("1906-06-01") if r["id"].startswith("atop-")] == [
        "atop-265-365-1906"
    ]


def test_unknown_kind_lists_the_kinds(run, tmp_path):
    line = one_error_line(run("import", "cow", DATA / "atop_mini.csv", "-o", tmp_path / "x"))
    assert "unknown kind 'cow'" in line and "cow-alliance, atop, nmc, mid, ucdp-acd" in line
    assert not (tmp_path / "x").exists()


def test_wrong_layout_lists_expected_and_found_columns(run, tmp_path):
    line = one_error_line(run("import", "mid", DATA / "nmc_mini.csv", "-o", tmp_path / "x"))
    assert "expected the columns dispnum, ccode1, ccode2, year" in line
    assert "found ccode, year, milex" in line and "(missing: dispnum" in line
    assert not (tmp_path / "x").exists()


def test_existing_output_needs_force(run, tmp_path):
    out = tmp_path / "n"
    assert run("import", "nmc", DATA / "nmc_mini.csv", "-o", out).exit_code == 0
    line = one_error_line(run("import", "nmc", DATA / "nmc_mini_raw.csv", "-o", out))
    assert "--force" in line
    before = (out / "sources.csv").read_text()
    assert "nmc_mini.csv" in before
    assert run("import", "nmc", DATA / "nmc_mini_raw.csv", "-o", out, "--force").exit_code == 0
    assert "nmc_mini_raw.csv" in (out / "sources.csv").read_text()


@pytest.mark.parametrize(
    "args, words",
    [
        (["--actors", "RUS,ATLANTIS"], "unknown actor id(s): ATLANTIS"),
        (["--from", "1905", "--to", "1900"], "--from 1905 is after --to 1900"),
        (["--from", "0"], "0 is not a year"),
        (["--name", "Not A Name"], "package name"),
    ],
)
def test_bad_options_are_one_line(run, tmp_path, args, words):
    line = one_error_line(run("import", "nmc", DATA / "nmc_mini.csv", "-o", tmp_path / "x", *args))
    assert words in line
    assert not (tmp_path / "x").exists()


def test_missing_file_is_one_line(run, tmp_path):
    line = one_error_line(run("import", "atop", tmp_path / "none.csv", "-o", tmp_path / "x"))
    assert "does not exist" in line


def test_progress_bar_follows_the_importer(monkeypatch, tmp_path):
    """On a terminal and for a file over the threshold, the importer's calls move a rich
    bar to the file's size; for a small file there is no bar at all."""
    seen = []
    console_class = type(commands_import.err_console)
    monkeypatch.setattr(console_class, "is_terminal", property(lambda s: True))
    path = DATA / "atop_mini.csv"
    with commands_import.progress_bar(path) as cb:
        assert cb is None  # a small file
    import rich.progress

    real_update = rich.progress.Progress.update

    def update(self, task, **kw):
        seen.append(kw.get("completed"))
        return real_update(self, task, **kw)

    monkeypatch.setattr(rich.progress.Progress, "update", update)
    with commands_import.progress_bar(path, threshold=0) as cb:
        assert cb is not None
        from phalanx.ingest.atop_import import import_atop

        import_atop(path, actors=None, start=None, end=None, progress=cb)
    assert seen == [0, path.stat().st_size]


def test_progress_bar_of_a_folder_counts_its_files(monkeypatch, tmp_path):
    """A folder of files (GDELT's 15-minute files) is sized by the files directly in it
    (3 + 5 bytes here; the subfolder's file does not count), so the bar can fill."""
    (tmp_path / "a.csv").write_bytes(b"abc")
    (tmp_path / "b.csv").write_bytes(b"12345")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.csv").write_bytes(b"x" * 100)
    console_class = type(commands_import.err_console)
    monkeypatch.setattr(console_class, "is_terminal", property(lambda s: True))
    with commands_import.progress_bar(tmp_path, threshold=9) as cb:
        assert cb is None  # 8 bytes: under the threshold
    with commands_import.progress_bar(tmp_path, threshold=8) as cb:
        assert cb is not None


def test_round_trip_of_real_files(run, validation_dir, tmp_path):
    """Import the real NMC v7 and MID 5 files, validate the packages on the embedded data
    and query them: Russia's CINC in 1995 is FACTS.md's 0.06285; the 2008 war between
    Russia and Georgia is a MID armed conflict on a day of that August."""
    files = validation_dir / "datasets"
    nmc, mid = (
        files / "cow_nmc_v7_0_peacesciencer.csv",
        files / "cow_mid_v5_ddydisps_peacesciencer.csv",
    )
    if not (nmc.exists() and mid.exists()):
        pytest.skip("the NMC or MID file is not present")
    assert (
        run(
            "import", "nmc", nmc, "-o", tmp_path / "nmc", "--from", "1995", "--to", "1995"
        ).exit_code
        == 0
    )
    assert (
        run(
            "import", "mid", mid, "-o", tmp_path / "mid", "--from", "2008", "--to", "2008"
        ).exit_code
        == 0
    )
    # loading validates the whole stack again (the writer did so before moving it in place)
    kb = KnowledgeBase.from_path(tmp_path / "nmc", on_top=True)
    (rus,) = [r for r in kb.indicators("RUS", "cinc") if r["period"] == "1995"]
    assert rus["value"] == pytest.approx(0.06285, abs=5e-6)
    assert rus["sources"][0].startswith("cow-nmc-7.0-")
    kb = KnowledgeBase.from_path(tmp_path / "mid", on_top=True)
    wars = [r for r in kb.relations("2008-08-10", kind="armed_conflict", actor="GEO")
            if r["id"].startswith("mid-")]  # fmt: skip
    assert {frozenset((r["actor_a"], r["actor_b"])) for r in wars} >= {frozenset(("RUS", "GEO"))}


def test_import_for_another_package_matches_its_actors(run, tmp_path):
    """With --data, states are matched to that package's actors (ANZUS: 900 is AUS, which
    the embedded package lacks) and the result validates on top of it."""
    from phalanx.kb.package import load_package

    anzus = Path(__file__).resolve().parents[1] / "data" / "kb" / "anzus"
    path = DATA / "atop_anzus_mini.csv"
    res = run("import", "atop", path, "-o", tmp_path / "a", "--data", anzus, "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["rows"] == {"sources": 1, "relations": 3}  # no new actor
    kb = KnowledgeBase(load_package([anzus, tmp_path / "a"]))
    pairs = {
        (r["actor_a"], r["actor_b"])
        for r in kb.relations("1953-06-01")
        if r["id"].startswith("atop-")
    }
    assert pairs == {("USA", "AUS"), ("USA", "NZL"), ("AUS", "NZL")}
    # on the embedded package, the same file needs new actors for Australia and New Zealand
    res = run("import", "atop", path, "-o", tmp_path / "e", "--json")
    assert json.loads(res.stdout)["rows"]["actors"] == 2
    line = one_error_line(
        run("import", "atop", path, "-o", tmp_path / "x", "--data", anzus, "--actors", "KAZ")
    )
    assert "unknown actor id(s): KAZ" in line  # KAZ is not an ANZUS actor
    line = one_error_line(run("import", "atop", path, "-o", tmp_path / "x", "--on-top"))
    assert "--on-top needs --data" in line
