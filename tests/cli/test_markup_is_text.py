"""Text is data: names, aliases and summaries that look like rich markup are printed as
they are, never interpreted (which crashed the tables or hid text)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ANZUS = Path(__file__).resolve().parents[1] / "data" / "kb" / "anzus"
NAMES = {
    "Australia": "Austr[/]alia",
    "New Zealand": "[bold]New Zealand",
    "United States,": "[link=https://example.org]United States[/link],",
}
SUMMARY = ("The treaty is signed in San Francisco", "[red]The treaty[/] is signed [/bold]")


@pytest.fixture(scope="module")
def markup_package(tmp_path_factory) -> str:
    folder = tmp_path_factory.mktemp("markup") / "anzus"
    shutil.copytree(ANZUS, folder)
    actors = (folder / "actors.csv").read_text(encoding="utf-8")
    for old, new in NAMES.items():
        assert old in actors
        actors = actors.replace(old, new, 1)
    (folder / "actors.csv").write_text(actors, encoding="utf-8")
    events = (folder / "events.csv").read_text(encoding="utf-8")
    assert SUMMARY[0] in events
    (folder / "events.csv").write_text(events.replace(*SUMMARY), encoding="utf-8")
    return str(folder)


@pytest.mark.parametrize(
    "args",
    [
        ["actors"],
        ["members", "ANZUS", "--at", "1990"],
        ["show", "NZL"],
        ["history", "USA"],
        ["events", "--actor", "AUS"],
    ],
)
def test_markup_in_the_data_is_printed_literally(run, markup_package, args):
    result = run(*args, "--data", markup_package)
    assert result.exit_code == 0, result.output
    out = result.stdout
    shown = {
        "actors": [
            "Austr[/]alia",
            "[bold]New Zealand",
            "[link=https://example.org]United States[/link]",
        ],
        "members": ["Austr[/]alia", "[bold]New Zealand"],
        "show": ["[bold]New Zealand"],
        "history": ["[link=https://example.org]United States[/link]"],
        "events": ["[red]The treaty[/] is signed [/bold]"],
    }[args[0]]
    flat = " ".join(out.split())
    for text in shown:
        # tables may fold a long cell over lines: compare without the folding
        assert text in out or text.replace(" ", "") in flat.replace(" ", "").replace("│", ""), (
            text,
            out,
        )
