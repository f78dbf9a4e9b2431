"""The report's scenarios section.

Rendering is checked on hand-made summaries (tests/report/summaries.py: every number set by
hand, so the tables' cells can be worked out here); the section on real runs is checked on
the embedded package and on ANZUS (every scenario, its seed and the data version named).
"""

from __future__ import annotations

import html
import re

from phalanx.report.scenarios import ScenarioRun, ScenarioSet, headline, scenarios_html
from tests.report.summaries import make_summary


def hand_run(name="hand", seed=11, **kw) -> ScenarioRun:
    s = make_summary(name, seed=seed)
    fields = {
        "name": name,
        "title": f"Hand {name}",
        "description": "A scenario made by hand for the test <script>x</script>.",
        "cites": (
            {
                "source": "src-a",
                "section": "Some heading",
                "paragraph": 3,
                "says": "our paraphrase of it",
                "url": None,
            },
        ),
        "seed": seed,
        "runs": s["runs"],
        "years": len(s["years"]) - 1,
        "start": s["start"],
        "data_version": "dv-1",
        "leader": "LDR",
        "candidates": ("AAA", "BBB"),
        "summary": s,
        "parameters": {"alpha": -5.0, "beta_patrons": 1.8},
        "overrides": {"beta_patrons": 1.8},
    }
    fields.update(kw)
    return ScenarioRun(**fields)


def rows_of(page: str, heading: str) -> list[list[str]]:
    part = page.split(heading, 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", part, re.S)
    return [
        [
            html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
            for c in re.findall(r"<td>(.*?)</td>", r, re.S)
        ]
        for r in rows
        if "<td>" in r
    ]


def test_headline_is_the_last_year_of_first_exit_any():
    h = headline(hand_run())
    assert (h["year"], h["probability"], h["low"], h["high"]) == (2028, 0.2, 0.11, 0.33)


def test_section_tables_show_the_summary_numbers_with_their_intervals():
    page = scenarios_html(
        ScenarioSet((hand_run("one"), hand_run("two", seed=5)), "2026-01-01", 2),
        names={"AAA": "Aland"},
        source_urls={"src-a": "https://example.org/a"},
    )
    assert "Scenarios, 2026-01-01 to 2028" in page
    head = rows_of(page, "At least one member leaves by 2028")
    # first_exit.any in 2028: 0.2 (0.11-0.33); median year None -> after the horizon
    assert head[0] == ["Hand one", "20% (11%–33%)", "after 2028", "0.16"]
    assert head[1][0] == "Hand two"
    who = rows_of(page, "Who leaves or freezes by 2028")
    # AAA: left 0.24 (0.14-0.37), frozen in 2028 0.2 (0.11-0.33), for both scenarios
    assert who[0] == ["Aland (AAA)"] + ["24% (14%–37%)", "20% (11%–33%)"] * 2
    assert who[1] == ["BBB (BBB)"] + ["0% (0%–7%)", "0% (0%–7%)"] * 2
    assert len(who) == 2  # the leader is not listed


def test_section_names_each_run_and_says_these_are_not_forecasts():
    page = scenarios_html(ScenarioSet((hand_run("one"), hand_run("two", seed=5)), "2026-01-01", 2))
    assert "not forecasts of fact" in page
    for name, seed in (("one", 11), ("two", 5)):
        assert f"<b>{name}</b>: root seed {seed}, 50 runs, 2 years from 2026-01-01" in page
    assert "except beta_patrons = 1.8 (set by the scenario)" in page
    assert "data dv-1" in page
    # every figure is followed by the caption of its runs
    figures = re.findall(r'<div id="(scenarios-[^"]+)"', page)
    assert len(figures) == 3 + 3 * 2
    for fid in figures:
        after = page.split(f'<div id="{fid}"', 1)[1]
        assert "root seed" in after.split("</script>", 1)[1][:2000]


def test_section_escapes_scenario_text_and_links_known_sources():
    page = scenarios_html(
        ScenarioSet((hand_run(),), "2026-01-01", 2), source_urls={"src-a": "https://example.org/a"}
    )
    assert "<script>x</script>" not in page and "&lt;script&gt;x" in page
    assert '<a href="https://example.org/a">src-a</a>' in page
    assert "&ldquo;Some heading&rdquo;, paragraph 3: our paraphrase of it" in page


def test_section_without_runs_says_why():
    page = scenarios_html(ScenarioSet((), "1990-01-01", 10, not_run="the leader is no member"))
    assert 'id="scenarios"' in page and "the leader is no member" in page
    assert "scenarios-exits" not in page


def test_kept_runs_are_named_by_id_and_folder():
    page = scenarios_html(
        ScenarioSet((hand_run(run_id="hand-x-abc123", saved="/tmp/runs/hand-x"),), "2026-01-01", 2)
    )
    assert "run hand-x-abc123 saved in /tmp/runs/hand-x" in page


def test_citations_of_a_source_outside_the_package_are_only_counted():
    page = scenarios_html(ScenarioSet((hand_run(),), "2026-01-01", 2), source_urls={})
    assert "Some heading" not in page and "our paraphrase" not in page
    assert "written from 1 passage of src-a, a source this package does not hold" in page
