"""Importers on broken copies of the fixture files: whatever the cells hold, an import
either stops with a UserError or gives rows that write_package accepts (a row that does
not validate would be a bug of the importer, PackageValidationError)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from phalanx.errors import UserError
from phalanx.ingest.importers import get_importer
from phalanx.ingest.package_writer import write_package

DATA = Path(__file__).resolve().parents[1] / "data" / "ingest"
FILES = {
    "cow-alliance": ["cow_alliance_directed_mini.csv", "cow_alliance_member_mini.csv",
                     "cow_alliance_directed_yearly_mini.csv"],
    "atop": ["atop_mini.csv", "atop_member_mini.csv"],
    "nmc": ["nmc_mini_raw.csv"],
    "mid": ["mid_csto_mini.csv", "mid_mini.csv"],
}  # fmt: skip
CASES = [(kind, name) for kind, names in FILES.items() for name in names]
VALUES = st.sampled_from(
    ["", "NA", "-9", "0", "1", "2", "5", "12", "13", "29", "31", "365", "702", "1000",
     "-1", "1816", "1990", "2012", "99999", "x", "1.5"]
)  # fmt: skip


def test_a_negative_alliance_number_is_a_user_error(tmp_path):
    """Found by the test below: an ``atopid`` of -9 made the organisation id ATOP_-9."""
    text = (DATA / "atop_member_mini.csv").read_text().replace("\n4551,2,", "\n-9,2,", 1)
    (tmp_path / "m.csv").write_text(text)
    with pytest.raises(UserError, match="data row 7 holds -9; expected an ATOP alliance number"):
        get_importer("atop")(tmp_path / "m.csv", actors=None, start=None, end=None, progress=None)


def rows_of(name: str) -> list[list[str]]:
    with open(DATA / name, newline="") as fh:
        return [r for r in csv.reader(fh) if r]


@pytest.mark.parametrize("kind, name", CASES)
@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_broken_cells_give_a_user_error_or_valid_rows(tmp_path_factory, kind, name, data):
    table = rows_of(name)
    n = data.draw(st.integers(1, 6))
    for _ in range(n):
        i = data.draw(st.integers(1, len(table) - 1))
        j = data.draw(st.integers(0, len(table[0]) - 1))
        table[i][j] = data.draw(VALUES)
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(table)
    folder = tmp_path_factory.mktemp("case")
    path = folder / name
    path.write_text(text.getvalue())
    try:
        rows = get_importer(kind)(path, actors=None, start=None, end=None, progress=None)
    except UserError:
        return
    write_package(rows, folder / "out", name="case")  # must validate
