"""Unknown filter values and reversed windows are errors that list what is allowed."""

from __future__ import annotations

from pathlib import Path

import pytest

ANZUS = str(Path(__file__).resolve().parents[1] / "data" / "kb" / "anzus")


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["actors", "--kind", "nation"], "allowed: state, organization, armed_group"),
        (["events", "--kind", "war"], "'war'; allowed: treaty, accession"),
        (["members", "ANZUS", "--status", "ally"], "allowed: member, observer, partner"),
        (["events", "--from", "2002", "--to", "2001"], "--from 2002 is after --to 2001"),
        (["events", "--from", "2001-13"], "field '--from': '2001-13' has month 13"),
        (["strain", "--from", "2005", "--to", "2001"], "--from 2005 is after --to 2001"),
        (["export", "--at", "1990", "--from", "1990"], "either --at DATE or --from YEAR"),
    ],
)
def test_bad_filters_are_one_line_errors(run, args, needle):
    result = run(*args, "--data", ANZUS)
    assert result.exit_code == 2
    assert needle in result.stderr and "Traceback" not in result.output


def test_a_window_of_mixed_precision_is_not_reversed(run):
    from tests.cli.conftest import as_json

    rows = as_json(run("events", "--from", "1986-05", "--to", "1986", "--data", ANZUS, "--json"))
    assert [r["id"] for r in rows] == ["us-suspends-nzl"]


def test_strain_without_arguments_uses_the_package_defaults(run):
    from tests.cli.conftest import as_json

    result = as_json(run("strain", "--data", ANZUS, "--json", "--at", "2001-10-01"))
    assert result["organization"] == "ANZUS"  # datapackage.json: phalanx.organization
    series = as_json(run("strain", "--data", ANZUS, "--json", "--to", "1954"))
    # the first year comes from the package's period (1951-...), not from the code
    assert [s["date"] for s in series] == ["1951-07-01", "1952-07-01", "1953-07-01", "1954-07-01"]


def test_strain_plot_never_replaces_a_users_file(run, tmp_path):
    from phalanx.safe_files import MARKER

    page = tmp_path / "notes.html"
    page.write_text("<p>my notes</p>")
    args = ("strain", "--data", ANZUS, "--from", "1999", "--to", "2000", "--plot", str(page))
    result = run(*args)
    assert result.exit_code == 2 and "pass --force" in result.stderr
    assert page.read_text() == "<p>my notes</p>"
    assert run(*args, "--force").exit_code == 0
    assert MARKER in page.read_bytes()[:4096]


@pytest.mark.parametrize(
    "command",
    [
        ["history", "NZL"],
        ["show", "NZL"],
        ["members", "ANZUS"],
        ["export", "--format", "gexf"],
        ["strain"],
        ["report"],
        ["align"],
    ],
)
@pytest.mark.parametrize(
    ("date", "problem"), [("2001-13", "has month 13"), ("2001-02-30", "not a real calendar")]
)
def test_a_bad_date_names_the_option_it_was_given_to(run, command, date, problem, tmp_path):
    extra = ["--out", str(tmp_path / "r.html")] if command == ["report"] else []
    result = run(*command, *extra, "--at", date, "--data", ANZUS)
    assert result.exit_code == 2
    assert f"field '--at': '{date}' " in result.stderr and problem in result.stderr
    assert "as_of" not in result.stderr and not (tmp_path / "r.html").exists()


def test_members_shows_no_end_column_but_json_keeps_the_key(run):
    from tests.cli.conftest import as_json

    table = run("members", "ANZUS", "--at", "1990", "--data", ANZUS)
    assert table.exit_code == 0, table.output
    header = next(
        line for line in table.stdout.splitlines() if "actor" in line and "status" in line
    )
    assert [w.strip() for w in header.strip("┃ ").split("┃")] == [
        "actor",
        "name",
        "status",
        "since",
        "certainty",
        "sources",
    ]
    rows = as_json(run("members", "ANZUS", "--at", "1990", "--data", ANZUS, "--json"))
    assert rows and all("end" in r for r in rows)
