from pathlib import Path

import networkx as nx
import pytest

from phalanx.network import (
    SignedNetworkError,
    frustration_cost,
    read_signed_edgelist,
    signed_edge_arrays,
    signed_graph_from_edges,
)


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "net.csv"
    p.write_text(text, encoding="utf-8")
    return p


def test_reads_signs_weights_and_any_column_order(tmp_path):
    p = write(tmp_path, "sign,target,source,weight\n+,b,a,2\n-,c,b,0.5\n1,c,a,1\n\n")
    G = read_signed_edgelist(p)
    assert G["a"]["b"] == {"sign": 1, "weight": 2.0}
    assert G["b"]["c"] == {"sign": -1, "weight": 0.5}
    assert G.number_of_edges() == 3


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("source,target,sign\na,b,0\n", "line 2, field 'sign'"),
        ("source,target,sign\na,b,1\nb,c,2\n", "line 3, field 'sign'"),
        ("source,target,sign,weight\na,b,1,-3\n", "line 2, field 'weight'"),
        ("source,target,sign,weight\na,b,1,nan\n", "line 2, field 'weight'"),
        ("source,target,sign\na,b,1\nb,a,-1\n", "line 3: duplicate edge"),
        ("source,target,sign\na,a,1\n", "line 2: self-loop"),
        ("source,target,sign\na,b\n", "line 2: expected 3 fields, got 2"),
        ("source,target\na,b\n", "line 1: header lacks column(s) sign"),
        ("source,target,sign,wieght\na,b,1,1\n", "line 1: unexpected column 'wieght'"),
        ("", "empty file"),
        ("source,target,sign\n,b,1\n", "line 2, field 'source'"),
    ],
)
def test_bad_input_names_file_line_and_field(tmp_path, text, needle):
    p = write(tmp_path, text)
    with pytest.raises(SignedNetworkError) as exc:
        read_signed_edgelist(p)
    assert needle in str(exc.value)
    assert str(p) in str(exc.value)


def test_missing_file_is_a_signed_network_error(tmp_path):
    with pytest.raises(SignedNetworkError, match="does not exist"):
        read_signed_edgelist(tmp_path / "nope.csv")


def test_from_edges_and_validation():
    G = signed_graph_from_edges([("x", "y", "-"), ("y", "z", 1, 3)])
    assert frustration_cost(G, {"x": 0, "y": 0, "z": 1}) == 4.0
    assert frustration_cost(G, {"x": 0, "y": 0, "z": 1}, weight=None) == 2.0
    with pytest.raises(SignedNetworkError, match="edge item 1"):
        signed_graph_from_edges([("x", "y", 1), ("y", "x", 1)])
    G.add_edge("z", "w")
    with pytest.raises(SignedNetworkError, match="no 'sign'"):
        signed_edge_arrays(G)


def test_extra_columns_are_kept_as_attributes(tmp_path):
    p = tmp_path / "g.csv"
    p.write_text("source,target,sign,weight,kinds\nA,B,1,2,alliance+\nB,C,-1,1,armed_conflict-\n")
    G = read_signed_edgelist(p)
    assert G.edges["A", "B"]["kinds"] == "alliance+"
    assert G.edges["B", "C"]["sign"] == -1


def test_export_output_reads_back(tmp_path):
    from typer.testing import CliRunner

    import phalanx.cli as cli

    cli._register()
    out = tmp_path / "csto.csv"
    res = CliRunner().invoke(
        cli.app, ["export", "--at", "2022-10-01", "--format", "csv", "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    G = read_signed_edgelist(out)
    assert G.number_of_edges() > 10 and all(d["sign"] in (-1, 1) for _, _, d in G.edges(data=True))


def test_reading_is_bounded_devices_size_edges_and_deadline(tmp_path):
    import time

    from phalanx.network.readers import read_signed_network

    with pytest.raises(SignedNetworkError, match="not a regular file"):
        read_signed_edgelist("/dev/zero")  # used to grow without bound
    p = write(tmp_path, "source,target,sign\n" + "".join(f"a{i},b{i},1\n" for i in range(50)))
    with pytest.raises(SignedNetworkError, match="bytes"):
        read_signed_edgelist(p, max_bytes=100)
    with pytest.raises(SignedNetworkError, match="line 12: more than 10 edges"):
        read_signed_edgelist(p, max_edges=10)
    big = tmp_path / "big.csv"
    big.write_text("source,target,sign\n" + "".join(f"a{i},b{i},1\n" for i in range(5000)))
    with pytest.raises(SignedNetworkError, match="time limit ran out"):
        read_signed_network(big, deadline=time.monotonic() - 1)  # a deadline already past
    assert read_signed_edgelist(p, max_edges=50).number_of_edges() == 50


def test_xml_with_entities_is_refused_and_bad_xml_is_a_clear_error(tmp_path):
    from phalanx.network.readers import read_signed_network

    bomb = tmp_path / "bomb.graphml"
    bomb.write_text('<?xml version="1.0"?><!DOCTYPE g [<!ENTITY a "aaaa">]><graphml>&a;</graphml>')
    with pytest.raises(SignedNetworkError, match="document type or entities"):
        read_signed_network(bomb)
    bad = tmp_path / "bad.gexf"
    bad.write_text("<gexf><graph>")
    with pytest.raises(SignedNetworkError, match="not a valid GEXF file"):
        read_signed_network(bad)
    nosign = tmp_path / "nosign.graphml"
    G = nx.Graph()
    G.add_edge("a", "b")
    nx.write_graphml(G, nosign)
    with pytest.raises(SignedNetworkError, match="edge 'a'-'b', field 'sign'"):
        read_signed_network(nosign)


def test_a_signed_network_error_is_a_user_error():
    from phalanx.errors import UserError

    assert issubclass(SignedNetworkError, UserError)
