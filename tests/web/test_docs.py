"""docs/web.md cannot drift: its settings table is the one WebSettings declares, and it
names every option of ``phalanx serve`` and every view of the dashboard."""

from __future__ import annotations

from pathlib import Path

from phalanx.web.settings import WebSettings, settings_table

DOC = (Path(__file__).resolve().parents[2] / "docs" / "web.md").read_text(encoding="utf-8")


def test_the_settings_table_is_the_declared_one():
    block = DOC.split("<!-- settings:start -->", 1)[1].split("<!-- settings:end -->", 1)[0]
    assert block.strip() == settings_table(), (
        "regenerate the table in docs/web.md from phalanx.web.settings.settings_table()"
    )


def test_every_setting_has_a_range_or_is_not_a_number():
    for name, field in WebSettings.model_fields.items():
        if field.annotation in (int, float):
            assert f"`--{name.replace('_', '-')}` |" in DOC
            row = next(
                r for r in DOC.splitlines() if r.startswith(f"| `--{name.replace('_', '-')}`")
            )
            assert " to " in row, row


def test_every_view_is_documented():
    for path in (
        "`/`",
        "`/timeline`",
        "`/network`",
        "`/alignment`",
        "`/decisions/{issue}`",
        "`/data`",
        "`/actor/{id}`",
        "`/openapi.json`",
        "`/index.json`",
    ):
        assert path in DOC, path
