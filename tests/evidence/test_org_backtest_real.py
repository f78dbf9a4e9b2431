"""The large-N wrapper on the real ATOP 5.1 table (skipped when ../shared/validation is absent)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pandas")
dyads = pytest.importorskip("phalanx.evidence.dyads")

from phalanx.evidence.org_backtest import LargeNForecaster, organization_backtest  # noqa: E402
from phalanx.kb import KnowledgeBase  # noqa: E402

FOLDER = Path(__file__).resolve().parents[2].parent / "shared" / "validation" / "datasets"


class _Flat:
    """A model that gives every pact the same yearly hazard of 0.1."""

    def horizon_probability(self, rows, h):
        return np.full(len(rows), 1 - 0.9**h)


def test_every_csto_member_has_an_atop_pact_with_the_leader():
    atop = FOLDER / "atop_v5_1_ddyr_full_peacesciencer.csv"
    if not atop.is_file():
        pytest.skip("../shared/validation is not present")
    table = dyads.build_dyad_years(atop, FOLDER / "cow_states2016_peacesciencer.csv")
    records, cases = organization_backtest(
        KnowledgeBase.embedded(),
        forecasters={"hazard": LargeNForecaster(_Flat(), table)},
        bootstrap=20,
    )
    # read off the raw file: ccode1 365 with 370, 371, 702, 703 and 705 has
    # atop_defense == 1 in 2005, 2012 and 2018
    assert all(r["not_covered"] == 0 and r["n"] == 5 for r in records)
    assert {c["notes"]["table_year"] for c in cases if c["cutoff"] == 2020} == {2018}
    assert {c["notes"]["table_year"] for c in cases if c["cutoff"] == 2012} == {2012}
    assert all(c["forecast"] == pytest.approx(1 - 0.9 ** c["observed_years"]) for c in cases)
