"""Exports keep nodes and their attributes, are safe to open, mark themselves as Phalanx's,
never replace a file the user wrote, and read back (networkx, phalanx balance)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import networkx as nx
import pytest
from typer.testing import CliRunner

import phalanx.cli as cli
from phalanx.errors import UserError
from phalanx.network import export as ex
from phalanx.network.readers import read_signed_network
from phalanx.safe_files import MARKER

ANZUS = str(Path(__file__).resolve().parents[1] / "data" / "kb" / "anzus")
cli._register()
runner = CliRunner()


def small() -> nx.Graph:
    G = nx.Graph()
    G.add_node("A", name="=cmd|' /C calc'!A0", kind="state", cow_code=2, status="member")
    G.add_node("B", name="+B", kind="state", status="observer")
    G.add_node("C", name="@C", kind="armed_group", status="")  # isolated
    G.add_edge("A", "B", sign=-1, weight=2.5, kinds="-x", relations="r1", organizations="")
    return G


def test_csv_cells_are_neutralised_and_numbers_kept():
    rows = list(csv.reader(io.StringIO(ex.edges_csv(small()).decode())))
    assert rows[1] == ["A", "B", "-1", "2.5", "'-x", "r1", ""]
    nodes = list(csv.reader(io.StringIO(ex.nodes_csv(small()).decode())))
    assert nodes[0] == ["id", "name", "kind", "cow_code", "status"]
    assert nodes[1] == ["A", "'=cmd|' /C calc'!A0", "state", "2", "member"]
    assert nodes[2][1] == "'+B" and nodes[3][1] == "'@C"
    assert [r[0] for r in nodes[1:]] == ["A", "B", "C"]  # the isolated actor is kept


@pytest.mark.parametrize("fmt", ["graphml", "gexf", "json"])
def test_marked_deterministic_and_nodes_keep_attributes(fmt):
    data = ex.serialise(small(), fmt)
    assert MARKER in data[:4096]
    assert data == ex.serialise(small(), fmt)
    if fmt == "graphml":
        G = nx.read_graphml(io.BytesIO(data))
    elif fmt == "gexf":
        G = nx.read_gexf(io.BytesIO(data))
    else:
        G = nx.node_link_graph(json.loads(data), edges="edges")
    assert set(G.nodes) == {"A", "B", "C"}
    assert G.nodes["A"]["name"] == "=cmd|' /C calc'!A0"  # not a spreadsheet: unchanged
    assert int(G.nodes["A"]["cow_code"]) == 2 and G.nodes["B"]["status"] == "observer"
    assert int(G.edges["A", "B"]["sign"]) == -1


def test_format_is_checked_against_the_extension():
    assert ex.check_format("CSV", "x.csv") == "csv"
    with pytest.raises(UserError, match="name the file x.gexf or choose --format graphml"):
        ex.check_format("gexf", "x.graphml")
    with pytest.raises(UserError, match="must be one of"):
        ex.check_format("pajek", None)


def test_dynamic_network_merges_yearly_snapshots_into_spells():
    def g(*edges):
        G = nx.Graph()
        G.add_nodes_from(["A", "B", "C"], kind="state")
        for a, b, s in edges:
            G.add_edge(a, b, sign=s, weight=1.0)
        return G

    dates = [dt.date(y, 7, 1) for y in (2000, 2001, 2002, 2003)]
    # A-B allied in 2000-2001, enemies in 2002, gone in 2003; B-C only in 2001 and 2003
    graphs = [
        g(("A", "B", 1)),
        g(("A", "B", 1), ("B", "C", 1)),
        g(("A", "B", -1)),
        g(("B", "C", 1)),
    ]
    D = nx.read_gexf(io.BytesIO(ex.gexf(ex.dynamic_network(graphs, dates, dates[-1]))))
    ab, bc = D.edges["A", "B"], D.edges["B", "C"]
    assert ab["spells"] == [("2000-07-01", "2003-06-30")]
    assert ab["sign"] == [(1, "2000-07-01", "2002-06-30"), (-1, "2002-07-01", "2003-06-30")]
    assert bc["spells"] == [("2001-07-01", "2002-06-30"), ("2003-07-01", "2003-07-01")]
    assert D.nodes["A"]["spells"] == [("2000-07-01", "2003-07-01")]


def test_export_csv_writes_nodes_beside_edges_with_isolated_actors(tmp_path):
    out = tmp_path / "net.csv"
    r = runner.invoke(
        cli.app, ["export", "--at", "1990", "--format", "csv", "--out", str(out), "--data", ANZUS]
    )
    assert r.exit_code == 0, r.output
    nodes = list(csv.DictReader(io.StringIO((tmp_path / "net.nodes.csv").read_text())))
    by_id = {n["id"]: n for n in nodes}
    assert by_id["NZL"]["name"] == "New Zealand" and by_id["NZL"]["status"] == "member"
    assert by_id["USA"]["cow_code"] == "2"
    edges = list(csv.DictReader(io.StringIO(out.read_text())))
    ends = {e["source"] for e in edges} | {e["target"] for e in edges}
    assert set(by_id) >= ends


def test_export_refuses_a_users_file_without_force_and_never_follows_a_link(tmp_path):
    mine = tmp_path / "mine.graphml"
    mine.write_text("my notes\n")
    args = ["export", "--at", "1990", "--out", str(mine), "--data", ANZUS]
    r = runner.invoke(cli.app, args)
    assert r.exit_code == 2 and "pass --force" in r.stderr
    assert mine.read_text() == "my notes\n"
    assert runner.invoke(cli.app, args + ["--force"]).exit_code == 0
    assert MARKER in mine.read_bytes()
    assert runner.invoke(cli.app, args).exit_code == 0  # its own file: replaced freely
    target = tmp_path / "target.txt"
    target.write_text("keep me\n")
    link = tmp_path / "link.graphml"
    link.symlink_to(target)
    r = runner.invoke(cli.app, ["export", "--at", "1990", "--out", str(link), "--data", ANZUS])
    assert r.exit_code == 2 and target.read_text() == "keep me\n"


def test_dynamic_gexf_from_the_cli_reads_back(tmp_path):
    out = tmp_path / "anzus.gexf"
    r = runner.invoke(
        cli.app,
        [
            "export",
            "--from",
            "1984",
            "--to",
            "1988",
            "--format",
            "gexf",
            "--out",
            str(out),
            "--data",
            ANZUS,
        ],
    )
    assert r.exit_code == 0, r.output
    G = nx.read_gexf(out)
    assert G.graph["mode"] == "dynamic"
    # NZL-USA: alliance (1) + shared ANZUS membership (1) until the US suspension of
    # 1986-08-11, so the 1986 snapshot (1 July) still holds it and the 1987 one does not
    assert G.edges["NZL", "USA"]["strength"] == [
        (2.0, "1984-07-01", "1987-06-30"),
        (1.0, "1987-07-01", "1988-07-01"),
    ]
    assert G.edges["NZL", "USA"]["sign"] == [(1, "1984-07-01", "1988-07-01")]
    with pytest.raises(UserError, match="export one date"):
        read_signed_network(out)  # balance needs one network, not a time series


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_balance_reads_what_export_writes(tmp_path, fmt):
    csv_out, out = tmp_path / "net.csv", tmp_path / f"net.{fmt}"
    for f, path in (("csv", csv_out), (fmt, out)):
        r = runner.invoke(
            cli.app,
            ["export", "--at", "2001-10-01", "--format", f, "--out", str(path), "--data", ANZUS],
        )
        assert r.exit_code == 0, r.output
    a = json.loads(
        runner.invoke(cli.app, ["balance", str(csv_out), "--json", "--seed", "1"]).stdout
    )
    b = json.loads(runner.invoke(cli.app, ["balance", str(out), "--json", "--seed", "1"]).stdout)
    assert (a["n_nodes"], a["n_edges"], a["frustration_index"]) == (
        b["n_nodes"],
        b["n_edges"],
        b["frustration_index"],
    )
    G = read_signed_network(out)
    assert G.nodes["AUS"]["name"] == "Australia"


def test_csv_export_writes_both_files_or_neither(tmp_path):
    nodes = tmp_path / "net.nodes.csv"
    nodes.write_text("my own nodes\n")
    out = tmp_path / "net.csv"
    args = ["export", "--at", "1990", "--format", "csv", "--out", str(out), "--data", ANZUS]
    r = runner.invoke(cli.app, args)
    assert r.exit_code == 2 and "pass --force" in r.stderr and "net.nodes.csv" in r.stderr
    assert not out.exists() and nodes.read_text() == "my own nodes\n"
    assert runner.invoke(cli.app, [*args, "--force"]).exit_code == 0
    assert nodes.read_text().startswith("id,name,kind,cow_code,status")
