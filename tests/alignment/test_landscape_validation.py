"""Reference cases from ../shared/validation/landscape (read in place, never copied).

* Syria 2016 (Furnas's code case with guessed data): the enumerated energies of the
  three best alignments and the single local minimum of each scenario.
* Second World War: PROVENANCE.md says the paper's 1936 inputs were not available, so
  the published 1936 configuration cannot be reproduced numerically and is not tested;
  the 1938 Glynne-Jones files are third-party simplifications, to be used for plumbing
  only: here they exercise the long-form reader on 17 actors and the MILP against the
  enumeration.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from phalanx.models.landscape import LandscapeModel
from phalanx.models.landscape_inputs import read_propensity_csv, read_sizes_csv

FOLDER = Path(__file__).resolve().parents[2] / ".." / "shared" / "validation" / "landscape"


def need(name: str) -> Path:
    path = FOLDER / name
    if not path.is_file():
        pytest.skip(f"validation file {name} not available at {FOLDER}")
    return path


def expected_rows(scenario: str) -> list[dict[str, str]]:
    with need("syria2016_expected_configurations.csv").open(newline="") as fh:
        return [r for r in csv.DictReader(fh) if r["scenario"] == scenario]


def sides(model: LandscapeModel, labels: tuple[int, ...]) -> frozenset[frozenset[str]]:
    groups: dict[int, set[str]] = {}
    for actor, lab in zip(model.labels_, labels, strict=True):
        groups.setdefault(lab, set()).add(actor)
    return frozenset(frozenset(g) for g in groups.values())


@pytest.mark.parametrize(
    ("scenario", "column"), [("base", "size_base"), ("weak_syria", "size_weak_syria")]
)
def test_syria_2016_minima_and_energies(scenario, column):
    actors, sizes = read_sizes_csv(need("syria2016_furnas_actors.csv"), column=column)
    # 1-to-5 scale, 3 neutral: the R script uses p - 3 with a zero diagonal
    actors, p = read_propensity_csv(need("syria2016_furnas_propensity_1to5.csv"), actors, center=3)
    model = LandscapeModel().fit(sizes, p, labels=actors)
    rows = expected_rows(scenario)
    assert rows, f"no expected rows for {scenario}"
    # each scenario has exactly one local minimum, which is the global one (rank 1)
    assert len(model.minima_) == 1
    best = model.global_minimum_
    rank1 = next(r for r in rows if r["energy_rank"] == "1")
    assert best.energy == float(rank1["energy"])
    assert sides(model, best.labels) == frozenset(
        {frozenset(rank1["side_A"].split(";")), frozenset(rank1["side_B"].split(";"))}
    )
    assert best.basin_size == 2 ** (len(actors) - 1)
    # the three lowest energies of the landscape and their alignments
    order = np.argsort(model.energies_, kind="stable")
    for r in rows:
        rank = int(r["energy_rank"])
        idx = order[rank - 1]
        assert model.energies_[idx] == float(r["energy"])
        assert sides(model, model.configuration(int(idx))) == frozenset(
            {frozenset(r["side_A"].split(";")), frozenset(r["side_B"].split(";"))}
        )
        is_min = any(m.labels == model.configuration(int(idx)) for m in model.minima_)
        assert is_min == (r["is_local_minimum"] == "1")


def test_ww2_1938_third_party_data_runs_through_long_form_reader(tmp_path):
    with need("ww2_1938_glynnejones_attributes.csv").open(newline="") as fh:
        attrs = list(csv.DictReader(fh))
    with need("ww2_1938_glynnejones_conflict_history_pairs.csv").open(newline="") as fh:
        pairs = list(csv.DictReader(fh))
    names = [a["country"] for a in attrs]
    for pr in pairs:  # the code-order reading is the one consistent with populate()
        assert names[int(pr["index0_i"])] == pr["country_i_by_code_order"]
        assert names[int(pr["index0_j"])] == pr["country_j_by_code_order"]
    # a plumbing propensity (NOT the paper's): +1 shared religion, +1 shared regime,
    # -2 for a history of conflict
    conflict = {
        frozenset((pr["country_i_by_code_order"], pr["country_j_by_code_order"]))
        for pr in pairs
        if pr["history_of_conflict"] == "1"
    }
    sizes_csv = tmp_path / "sizes.csv"
    sizes_csv.write_text(
        "actor,size\n"
        + "".join(f"{a['country']},{float(a['cow_capability_share']) * 100}\n" for a in attrs)
    )
    long_csv = tmp_path / "propensity.csv"
    lines = ["actor_a,actor_b,propensity"]
    for i, a in enumerate(attrs):
        for b in attrs[i + 1 :]:
            v = (
                (a["dominant_religion"] == b["dominant_religion"])
                + (a["regime_type"] == b["regime_type"])
                - 2 * (frozenset((a["country"], b["country"])) in conflict)
            )
            if v:
                lines.append(f"{a['country']},{b['country']},{v}")
    long_csv.write_text("\n".join(lines) + "\n")
    actors, sizes = read_sizes_csv(sizes_csv)
    actors, p = read_propensity_csv(long_csv, actors)
    assert len(actors) == 17 and p[actors.index("Germany"), actors.index("Britain")] == -1
    exact = LandscapeModel().fit(sizes, p, labels=actors)
    milp = LandscapeModel(method="milp").fit(sizes, p, labels=actors)
    assert milp.solver_["optimal"]
    assert milp.global_minimum_.energy == pytest.approx(exact.global_minimum_.energy, rel=1e-9)
    assert sum(m.basin_size for m in exact.minima_) == 2**16
