"""HTML and script in a valid package's text never reach the report page unescaped.

Each example puts a markup payload into one text field of the ANZUS package (a name, a
summary, a citation, a source URL, a note) and writes the report. Whatever the field, the
command ends cleanly, and when it writes the page, no payload appears as live markup: no
``<script>``, no event-handler attribute and no ``javascript:`` link made from the data.
"""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.property.conftest import PROFILE
from tests.property.harness import run_clean

ANZUS = Path(__file__).resolve().parents[1] / "data" / "kb" / "anzus"

# Rich markup ('[') is left out: that failure class is listed in test_regressions.py.
PAYLOADS = (
    "<script>alert(1)</script>",
    "</script><script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg/onload=alert(1)>',
    "'><iframe/src=javascript:alert(1)>",
    "javascript:alert(1)",
    "<!--<script>alert(1)//-->",
    "</textarea></style><script>alert(1)</script>",
)
LIVE = (
    "<script>alert",
    "<img src=x",
    "<svg/onload",
    "<iframe",
    'href="javascript:',
    "href='javascript:",
)

# (file, row, column name) of text fields the report shows.
FIELDS = (
    ("actors.csv", 1, "name"),
    ("organizations.csv", 1, "name"),
    ("events.csv", 4, "summary"),
    ("events.csv", 1, "note"),
    ("sources.csv", 1, "citation"),
    ("sources.csv", 2, "url"),
    ("memberships.csv", 1, "note"),
    ("relations.csv", 1, "note"),
)


def _set_field(path: Path, row: int, column: str, value: str) -> None:
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    rows[row][rows[0].index(column)] = value
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8", newline="")


@settings(PROFILE, max_examples=min(PROFILE.max_examples, 6))
@given(field=st.sampled_from(FIELDS), payload=st.sampled_from(PAYLOADS), prefix=st.booleans())
def test_report_escapes_package_text(work_root, field, payload, prefix):
    cwd = Path(tempfile.mkdtemp(dir=work_root))
    pkg = cwd / "pkg"
    shutil.copytree(ANZUS, pkg)
    name, row, column = field
    value = ("https://example.org/" if column == "url" else "x ") + payload if prefix else payload
    _set_field(pkg / name, row, column, value)
    args = ["report", "--data", str(pkg), "--org", "ANZUS", "--at", "2005-01-01", "--out", "r.html"]
    result = run_clean(args, cwd, timeout=60.0)
    if result.exit_code == 0:
        page = (cwd / "r.html").read_text(encoding="utf-8")
        for live in LIVE:
            assert live not in page, f"{live!r} from {name}:{column} is live in the report"
