"""What moves the alignments: one-at-a-time what-ifs, compared as partitions.

The expected answers are worked out independently: by hand for three actors, and by a
brute-force enumeration of every labelling (written here, not the library's search) for
the automatic what-ifs of a small landscape.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from phalanx.errors import ParameterError, UserError
from phalanx.kb import KnowledgeBase
from phalanx.models.landscape_inputs import AlignmentInputs
from phalanx.models.whatifs import (
    alignment_view,
    automatic_whatifs,
    match_sides,
    run_whatif,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "kb"


def three(sizes=(3.0, 1.0, 1.0)) -> AlignmentInputs:
    # B likes A a little (0.2) and C more (0.5); A and C are enemies (-1).
    p = np.array([[0.0, 0.2, -1.0], [0.2, 0.0, 0.5], [-1.0, 0.5, 0.0]])
    return AlignmentInputs(("A", "B", "C"), np.array(sizes, dtype=float), p)


def brute_global(inputs: AlignmentInputs) -> tuple[int, ...]:
    """The unique lowest-energy labelling into two coalitions, by listing all of them."""
    s, p = inputs.sizes, inputs.propensity
    n = len(s)
    best, best_e = None, np.inf
    for labels in itertools.product((0, 1), repeat=n):
        if labels[0] != 0:
            continue
        e = sum(
            s[i] * s[j] * p[i, j]
            for i in range(n)
            for j in range(n)
            if i != j and labels[i] != labels[j]
        )
        assert abs(e - best_e) > 1e-12, "this test needs a landscape without ties"
        if e < best_e:
            best, best_e = labels, e
    return best


def changed_by_brute_force(base: tuple[int, ...], new: tuple[int, ...], actors) -> list[str]:
    """Actors that change side, the labels of two coalitions being interchangeable."""
    straight = [a for a, x, y in zip(actors, base, new, strict=True) if x != y]
    swapped = [a for a, x, y in zip(actors, base, new, strict=True) if x == y]
    return min(straight, swapped, key=len)


def test_halving_the_largest_actor_moves_b_to_c():
    # By hand (energy = 2 x sum over apart pairs of s_i s_j p_ij):
    # sizes 3,1,1: {A,B}{C} = 2(-3 + 0.5) = -5 beats {A}{B,C} = 2(0.6 - 3) = -4.8;
    # A halved:    {A,B}{C} = 2(-1.5 + 0.5) = -2 loses to {A}{B,C} = 2(0.3 - 1.5) = -2.4.
    base = (0, 0, 1)
    out = run_whatif(three().adjusted(size_factors={"A": 0.5}), base)
    assert out["moved"] == ["B"]
    assert sorted(map(sorted, out["global"])) == [["A"], ["B", "C"]]
    assert out["energy"] == pytest.approx(-2.4)
    assert run_whatif(three().adjusted(size_factors={"A": 2.0}), base)["moved"] == []


def test_every_automatic_whatif_moves_whom_brute_force_says():
    inputs = three()
    base = brute_global(inputs)
    changes = automatic_whatifs(inputs)
    # 3 actors x 2 factors and 3 ties x 2 (zero, flip): 12, within the default bound
    assert len(changes) == 12
    for c in changes:
        changed = inputs.adjusted(c["shifts"], c["size_factors"])
        expected = changed_by_brute_force(base, brute_global(changed), inputs.actors)
        assert run_whatif(changed, base)["moved"] == expected, c["label"]


def test_sides_do_not_depend_on_coalition_labels():
    rng = np.random.default_rng(3)
    for _ in range(200):
        n, k = int(rng.integers(2, 8)), int(rng.integers(2, 4))
        base = rng.integers(0, k, n).tolist()
        new = rng.integers(0, k, n).tolist()
        sides = match_sides(base, new)
        for perm in itertools.permutations(range(k)):
            assert match_sides(base, [perm[v] for v in new]) == sides
            # relabelling the baseline renumbers nothing: sides follow first appearance
            assert match_sides([perm[v] for v in base], new) == sides
        # the number moved is the fewest over every one-to-one renaming of the new labels
        # (into the baseline's labels or fresh ones), by brute force
        if n <= 5:
            ref = match_sides(base, base)
            moved = sum(a != b for a, b in zip(ref, sides, strict=True))
            space = range(max(k, n))
            fewest = min(
                sum(x != f[y] for x, y in zip(base, new, strict=True))
                for f in itertools.permutations(space, k)
            )
            assert moved == fewest


def test_bound_and_priorities_of_automatic_whatifs():
    inputs = three()
    four = automatic_whatifs(inputs, most=4)
    assert len(four) == 4
    # sizes take half the budget, the largest actor first; then the strongest tie (A-C)
    assert [c["change"]["kind"] for c in four] == ["size", "size", "shift", "shift"]
    assert four[0]["size_factors"] == {"A": 0.5} and four[1]["size_factors"] == {"A": 2.0}
    assert {four[2]["change"]["a"], four[2]["change"]["b"]} == {"A", "C"}
    assert four[3]["shifts"] == {("A", "C"): 2.0}  # flipped: -1 becomes +1
    assert automatic_whatifs(inputs, most=0) == []


@pytest.fixture(scope="module")
def embedded():
    return KnowledgeBase.embedded()


@pytest.fixture(scope="module")
def triple():
    return KnowledgeBase.from_path(DATA / "triple-alliance")


def _check_view(view, most=None):
    assert json.loads(json.dumps(view)) == view
    actors = view["actors"]
    assert set(view["names"]) == set(actors)
    flat = sorted(a for c in view["baseline"]["coalitions"] for a in c)
    assert flat == sorted(actors)
    assert [m for m in view["minima"] if m["is_global"]]
    auto = [w for w in view["whatifs"] if not w["user"]]
    if most is not None:
        assert len(auto) <= most
    counts = [w["n_moved"] for w in auto]
    assert counts == sorted(counts, reverse=True)
    for w in view["whatifs"]:
        base = view["baseline"]["sides"]
        assert w["moved"] == [a for a, x, y in zip(actors, base, w["sides"], strict=True) if x != y]
        assert sorted(a for c in w["global"] for a in c) == sorted(actors)
    assert view["inputs"]["sources"] and view["inputs"]["rows"]["relations"]


def test_view_on_the_embedded_data(embedded):
    view = alignment_view(embedded, "2026-01-01", max_whatifs=16)
    _check_view(view, most=16)
    assert view["data_version"] == embedded.version
    # the package's region, as it declares it
    assert set(view["actors"]) <= set(embedded.defaults.region)
    known = {r["id"] for r in embedded.sources(view["inputs"]["sources"])}
    assert known == set(view["inputs"]["sources"])


def test_view_on_the_triple_alliance(triple):
    view = alignment_view(triple, "1914-07-01")
    _check_view(view)
    assert set(view["actors"]) <= set(triple.defaults.region)


def test_user_whatif_comes_first_and_matches_a_separate_fit(triple):
    from phalanx.models.alignment_inputs import alignment_inputs
    from phalanx.models.landscape import LandscapeModel

    view = alignment_view(triple, "1914-07-01", size_factors={"GER": 0.1}, max_whatifs=2)
    first = view["whatifs"][0]
    assert first["user"] and first["rank"] == 1 and "GER size x0.1" in first["label"]
    changed = alignment_inputs(triple, "1914-07-01", size_factors={"GER": 0.1})
    fit = LandscapeModel(seed=0).fit(changed.sizes, changed.propensity, labels=changed.actors)
    ours = sorted(map(sorted, first["global"]))
    assert ours == sorted(map(sorted, fit.global_minimum_.coalitions(changed.actors)))


def test_bad_input_names_the_field(triple):
    with pytest.raises(UserError) as e:
        alignment_view(triple, "1914-07-01", size_factors={"XXX": 0.5})
    assert e.value.field == "size_factors" and "XXX" in e.value.message
    with pytest.raises(UserError) as e:
        alignment_view(triple, "1914-07-01", shifts={("GER", "NOPE"): 1.0})
    assert e.value.field == "shifts" and "NOPE" in e.value.message
    with pytest.raises(UserError) as e:
        alignment_view(triple, "1914-07-01", size_factors={"GER": 0.0})
    assert e.value.field == "size_factors"
    with pytest.raises(ParameterError):
        alignment_view(triple, "1914-07-01", max_whatifs=-1)
    with pytest.raises(ParameterError):
        alignment_view(triple, "1914-07-01", k=1)
    with pytest.raises(UserError) as e:
        alignment_view(triple, "1914-13-01")
    assert e.value.field == "at"


def test_inputs_name_the_rows_and_sources_behind_them():
    import datetime as dt

    from phalanx.kb.snapshot import Snapshot
    from phalanx.models.landscape_inputs import inputs_from_snapshot

    snap = Snapshot(
        dt.date(2000, 1, 1),
        actors=tuple({"id": a, "kind": "state"} for a in "ABC"),
        memberships=(
            {"organization": "O", "actor": "A", "status": "member", "sources": ["s-mA"]},
            {"organization": "O", "actor": "B", "status": "member", "sources": ["s-mB"]},
            # frozen: carries no membership tie, so neither the row nor its source count
            {"organization": "O", "actor": "C", "status": "frozen", "sources": ["s-mC"]},
        ),
        organizations=({"id": "O", "kind": "collective_defence"},),
        relations=(
            {
                "id": "r1",
                "actor_a": "A",
                "actor_b": "C",
                "kind": "rivalry",
                "sign": -1,
                "intensity": 1.0,
                "sources": ["s-r1"],
            },
            # a kind without weight: no tie, no source
            {
                "id": "r2",
                "actor_a": "B",
                "actor_b": "C",
                "kind": "unknown_kind",
                "sign": 1,
                "intensity": 1.0,
                "sources": ["s-r2"],
            },
        ),
        indicators=tuple(
            {"actor": a, "indicator": "cinc", "period": "1999", "value": 0.1, "sources": [f"s-{a}"]}
            for a in "ABC"
        ),
    )
    inputs = inputs_from_snapshot(snap, ["A", "B", "C"])
    assert inputs.rows["relations"] == ("r1",)
    assert inputs.rows["memberships"] == ("O:A", "O:B")
    assert inputs.rows["indicators"] == ("A:cinc:1999", "B:cinc:1999", "C:cinc:1999")
    assert inputs.sources == ("s-A", "s-B", "s-C", "s-mA", "s-mB", "s-r1")
    # what-ifs and subsets keep them
    assert inputs.adjusted(size_factors={"A": 2.0}).sources == inputs.sources
