"""Reference values from ../shared/validation/signed (skipped when the folder is absent)."""

import csv

import pytest
from network_helpers import SHARED

from phalanx.network import frustration_index, read_signed_edgelist, triangle_balance

pytestmark = pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/validation absent")


def _reference() -> list[dict]:
    path = SHARED / "frustration_reference.csv"
    if not path.is_file():
        return []
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


def test_highland_tribes_is_seven():
    G = read_signed_edgelist(SHARED / "highland_tribes.csv")
    assert (G.number_of_nodes(), G.number_of_edges()) == (16, 58)
    r = frustration_index(G, seed=0)
    assert r.optimal and r.frustration_index == 7 and len(r.frustrated_edges) == 7


@pytest.mark.parametrize(
    "row", [r for r in _reference() if r["file"].startswith("cow_")], ids=lambda r: r["file"]
)
def test_correlates_of_war(row):
    G = read_signed_edgelist(SHARED / row["file"])
    assert G.number_of_nodes() == int(row["nodes"])
    assert G.number_of_edges() == int(row["edges"])
    assert sum(1 for *_, s in G.edges(data="sign") if s < 0) == int(row["negative_edges"])
    r = frustration_index(G, seed=0)
    assert r.optimal
    assert r.frustration_index == int(row["frustration_index"])
    if row.get("unbalanced_triangles"):
        tb = triangle_balance(G)
        assert tb["n_triangles"] - tb["balanced"] == int(row["unbalanced_triangles"])


def test_cow_file_count():
    rows = [r for r in _reference() if r["file"].startswith("cow_")]
    assert len(rows) == 51
