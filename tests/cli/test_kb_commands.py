"""The knowledge-base commands on the small ANZUS package: output, JSON, errors, exports."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest

from tests.cli.conftest import as_json

ANZUS = str(Path(__file__).resolve().parents[1] / "data" / "kb" / "anzus")


def test_members_json_records(run):
    rows = as_json(run("members", "ANZUS", "--at", "1990-06-01", "--data", ANZUS, "--json"))
    assert [(r["actor"], r["status"]) for r in rows] == [
        ("AUS", "member"),
        ("NZL", "member"),
        ("USA", "member"),
    ]
    assert all(r["sources"] for r in rows)


def test_members_before_entry_into_force_is_empty(run):
    assert as_json(run("members", "ANZUS", "--at", "1952-04-28", "--data", ANZUS, "--json")) == []


def test_members_table(run):
    result = run("members", "ANZUS", "--at", "1990", "--data", ANZUS)
    assert result.exit_code == 0
    assert "ANZUS on 1990-01-01: 3 member" in result.stdout


def test_history_by_alias(run):
    rows = as_json(run("history", "Aotearoa", "--data", ANZUS, "--json"))
    assert [(r["organization"], r["start"]) for r in rows] == [("ANZUS", "1952-04-29")]


def test_events_filters(run):
    rows = as_json(
        run(
            "events",
            "--actor",
            "AUS",
            "--kind",
            "invocation",
            "--from",
            "2001",
            "--data",
            ANZUS,
            "--json",
        )
    )
    assert [r["id"] for r in rows] == ["anzus-invoked-2001"]
    assert (
        as_json(
            run(
                "events",
                "--actor",
                "AUS",
                "--kind",
                "invocation",
                "--to",
                "2000",
                "--data",
                ANZUS,
                "--json",
            )
        )
        == []
    )


def test_show_lists_sources_of_everything_shown(run):
    rec = as_json(run("show", "NZL", "--data", ANZUS, "--json"))
    assert rec["actor"]["id"] == "NZL"
    assert {r["id"] for r in rec["relations"]} == {
        "aus-nzl-alliance",
        "nzl-usa-alliance",
        "nzl-usa-partnership",
    }
    cited = {
        s
        for part in ("memberships", "relations", "events")
        for r in rec[part]
        for s in r["sources"]
    }
    assert cited <= {s["id"] for s in rec["sources"]}


def test_unknown_actor_is_a_clear_error(run):
    result = run("show", "NZK", "--data", ANZUS)
    assert result.exit_code == 2
    assert "no actor 'NZK'" in result.stderr and "did you mean NZL" in result.stderr
    assert "Traceback" not in result.output


def test_bad_date_is_a_clear_error(run):
    result = run("members", "ANZUS", "--at", "1990-13", "--data", ANZUS)
    assert result.exit_code == 2
    assert "'1990-13' has month 13" in result.stderr


def test_validate_ok_and_broken(run, anzus):
    ok = run("validate", str(anzus))
    assert ok.exit_code == 0 and "valid" in ok.stdout
    (anzus / "actors.csv").write_text(
        (anzus / "actors.csv").read_text().replace("state,900", "state,x")
    )
    bad = run("validate", str(anzus))
    assert bad.exit_code == 1
    assert "actors.csv:2: field 'cow_code': expected an integer, got 'x'" in bad.stderr
    rec = json.loads(run("validate", str(anzus), "--json").stdout)
    assert rec["valid"] is False and rec["problems"][0]["line"] == 2


def test_broken_data_package_refused_by_query_commands(run, anzus):
    (anzus / "events.csv").write_text("nonsense\n")
    result = run("members", "ANZUS", "--data", str(anzus))
    assert result.exit_code == 2
    assert "was not loaded" in result.stderr and "events.csv:1" in result.stderr


@pytest.mark.parametrize("fmt", ["graphml", "gexf", "json", "csv"])
def test_export_reads_back_with_networkx(run, fmt, tmp_path):
    out = tmp_path / f"net.{fmt}"
    result = run(
        "export", "--at", "1990-01-01", "--format", fmt, "--out", str(out), "--data", ANZUS
    )
    assert result.exit_code == 0, result.output
    if fmt == "graphml":
        G = nx.read_graphml(out)
    elif fmt == "gexf":
        G = nx.read_gexf(out)
    elif fmt == "json":
        G = nx.node_link_graph(json.loads(out.read_text()), edges="edges")
    else:
        lines = out.read_text().splitlines()
        assert lines[0] == "source,target,sign,weight,kinds,relations,organizations"
        G = nx.parse_edgelist(
            (",".join(line.split(",")[:4]) for line in lines[1:]),
            delimiter=",",
            data=[("sign", int), ("weight", float)],
        )
    # in 1990 the US-NZ alliance is suspended: only their shared treaty membership ties them
    assert sorted(map(sorted, G.edges())) == [["AUS", "NZL"], ["AUS", "USA"], ["NZL", "USA"]]
    assert float(G.edges["NZL", "USA"]["weight"]) == pytest.approx(1.0)
    assert float(G.edges["AUS", "USA"]["weight"]) == pytest.approx(2.0)
    assert {int(d["sign"]) for _, _, d in G.edges(data=True)} == {1}


def test_export_bad_format(run):
    result = run("export", "--at", "1990", "--format", "pajek", "--data", ANZUS)
    assert result.exit_code == 2
    assert (
        "'--format'" in result.stderr and "must be one of graphml, gexf, csv, json" in result.stderr
    )


def test_report_writes_offline_html(run, tmp_path):
    out = tmp_path / "r.html"
    result = run("report", "--data", ANZUS, "--out", str(out), "--at", "2002-01-01")
    assert result.exit_code == 0, result.output
    page = out.read_text()
    assert "<title>Phalanx report: Security Treaty" in page
    assert "https://www.austlii.edu.au/au/other/dfat/treaties/1952/2.html" in page
    assert "Australia invokes the treaty" in page
    assert 'src="http' not in page and "cdn.plot.ly" not in page.split("</script>")[-1]


def test_events_without_a_window_lists_all(run):
    rows = as_json(run("events", "--actor", "AUS", "--data", ANZUS, "--json"))
    assert [r["id"] for r in rows] == ["anzus-signed", "anzus-in-force", "anzus-invoked-2001"]
    assert (
        as_json(run("events", "--from", "1986", "--to", "1986", "--data", ANZUS, "--json"))[0]["id"]
        == "us-suspends-nzl"
    )


def test_the_uncertain_start_footnote_only_when_a_row_has_one(run):
    # every ANZUS start is known to the day: no "(~)" rows, so no footnote
    result = run("members", "ANZUS", "--at", "1990", "--data", ANZUS)
    assert result.exit_code == 0 and "(~)" not in result.stdout
