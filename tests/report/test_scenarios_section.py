"""The report's scenarios section.

Rendering is checked on hand-made summaries (tests/report/summaries.py: every number set by
hand, so the tables' cells can be worked out here); the section on real runs is checked on
the embedded package and on ANZUS (every scenario, its seed and the data version named).
"""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

import phalanx.cli as cli
from phalanx.errors import ParameterError, UserError
from phalanx.kb import KnowledgeBase
from phalanx.report.scenarios import (
    ScenarioRun,
    ScenarioSet,
    caption,
    headline,
    page_context,
    run_scenarios,
    scenarios_html,
    scenarios_section,
)
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
    assert who[0] == ["Aland (AAA)"] + ["left 24% (14%–37%)frozen 20% (11%–33%)"] * 2
    assert who[1] == ["BBB (BBB)"] + ["left 0% (0%–7%)frozen 0% (0%–7%)"] * 2
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
    # a source of the package: its id and a footnote to the page's sources table
    assert 'src-a <span class="src"><a class="fn" href="#src-src-a" title="src-a">' in page
    assert "&ldquo;Some heading&rdquo;, paragraph 3: our paraphrase of it" in page


def test_section_without_runs_says_why():
    page = scenarios_html(ScenarioSet((), "1990-01-01", 10, not_run="the leader is no member"))
    assert 'id="scenarios"' in page and "the leader is no member" in page
    assert "scenarios-exits" not in page


def test_without_requests_the_section_says_so_instead_of_an_empty_chart():
    quiet = hand_run(summary=make_summary(requests=False))
    page = scenarios_html(ScenarioSet((quiet,), "2026-01-01", 2))
    assert "scenarios-responses" not in page
    assert "In no run did a member ask the organisation for assistance" in page


def test_kept_runs_are_named_by_id_and_folder():
    page = scenarios_html(
        ScenarioSet((hand_run(run_id="hand-x-abc123", saved="/tmp/runs/hand-x"),), "2026-01-01", 2)
    )
    assert "run hand-x-abc123 saved in /tmp/runs/hand-x" in page


def test_citations_of_a_source_outside_the_package_are_only_counted():
    page = scenarios_html(ScenarioSet((hand_run(),), "2026-01-01", 2), source_urls={})
    assert "Some heading" not in page and "our paraphrase" not in page
    assert "written from 1 passage of src-a, a source this package does not hold" in page


# --- real runs on the three packages -----------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]
ANZUS = ROOT / "tests" / "data" / "kb" / "anzus"
TRIPLE = ROOT / "tests" / "data" / "kb" / "triple-alliance"


def shipped() -> list[str]:
    from phalanx.experiments.scenario import list_scenarios

    return [s["name"] for s in list_scenarios()]


def section_of(page: str) -> str:
    m = re.search(r'<section id="scenarios".*?</section>', page, re.S)
    assert m
    return m.group(0)


@pytest.fixture(scope="module")
def embedded():
    kb = KnowledgeBase.embedded()
    ran = run_scenarios(kb, kb.defaults.organization, dt.date(2024, 6, 1), runs=12, years=3)
    return kb, ran


def test_embedded_section_names_every_scenario_its_seed_and_data_version(embedded):
    from phalanx.experiments.scenario import load_scenario

    kb, ran = embedded
    assert [r.name for r in ran.runs] == shipped() and len(ran.runs) == 5
    page = scenarios_html(ran, *page_context(kb, ran))
    for r in ran.runs:
        declared = load_scenario(r.name).seed
        assert declared is not None and r.seed == declared
        assert f"<b>{r.name}</b>: root seed {declared}, 12 runs, 3 years from 2024-06-01" in page
        assert r.summary["runs"] == 12 and r.summary["years"] == [2024, 2025, 2026, 2027]
        assert f"data {kb.version}" in caption(r)
    assert "not forecasts of fact" in page
    # the cited source is the embedded package's own: quoted with its heading and linked
    assert "Implications for Central Asia" in page


def test_armenia_starts_frozen_in_every_run_from_mid_2024(embedded):
    """Armenia froze its CSTO participation on 2024-02-22: on 2024-06-01 every run starts
    with it frozen, and the status fan's first point says so."""
    from phalanx.figures.fancharts import status_fans

    _, ran = embedded
    for r in ran.runs:
        first = {
            x["status"]: x["probability"]
            for x in r.summary["status_probabilities"]
            if x["actor"] == "ARM" and x["year"] == 2024
        }
        assert first["frozen"] == 1.0 and first["member"] == 0.0
        fig = status_fans(r.summary, list(r.candidates))
        panel = list(r.candidates).index("ARM") + 1
        axis = "x" if panel == 1 else f"x{panel}"
        (frozen,) = [t for t in fig.data if t.name == "frozen" and t.xaxis == axis]
        assert frozen.y[0] == 1.0
    assert "RUS" not in ran.runs[0].candidates  # the leader does not change status


def test_anzus_section_runs_every_scenario_and_never_names_the_csto():
    kb = KnowledgeBase.from_path(ANZUS)
    html_ = scenarios_section(kb, "ANZUS", dt.date(2002, 1, 1), runs=8, years=2)
    for name in shipped():
        assert f"<b>{name}</b>: root seed" in html_
    assert f"data {kb.version}" in html_
    assert "CSTO" not in html_
    assert "a source this package does not hold" in html_
    who = rows_of(html_, "Who leaves or freezes by 2004")
    assert [r[0] for r in who] == ["Australia (AUS)", "New Zealand (NZL)"]


def test_triple_alliance_runs_in_its_period_and_says_why_not_before_it():
    kb = KnowledgeBase.from_path(TRIPLE)
    ran = run_scenarios(kb, "TRI", dt.date(1910, 1, 1), scenarios=["baseline"], runs=6, years=2)
    assert [r.name for r in ran.runs] == ["baseline"] and ran.runs[0].leader == "GER"
    assert ran.note is None and ran.start == "1910-01-01"
    # a report dated after the package's period (today, say) starts from the last day the
    # package can say something about: the alliance's last day before it dissolved
    late = run_scenarios(kb, "TRI", dt.date(1950, 1, 1), scenarios=["baseline"], runs=6, years=2)
    assert [r.name for r in late.runs] == ["baseline"] and late.start == "1918-10-31"
    assert "1950-01-01" in late.note and "1918-10-31" in late.note
    assert html.escape(late.note) in scenarios_html(late)
    early = run_scenarios(kb, "TRI", dt.date(1870, 1, 1), scenarios=["baseline"], runs=6, years=2)
    assert early.runs == () and "period" in early.not_run
    assert early.not_run.endswith("(the report's date is the start)")
    assert not early.not_run.startswith("field")
    assert "No scenario was run from 1870-01-01" in scenarios_html(early)


def test_an_unknown_scenario_is_a_user_error_before_anything_runs():
    kb = KnowledgeBase.from_path(ANZUS)
    with pytest.raises(UserError, match="no-such-scenario"):
        run_scenarios(kb, "ANZUS", dt.date(2002, 1, 1), scenarios=["no-such-scenario"])


def test_runs_out_of_range_read_as_a_parameter_error():
    kb = KnowledgeBase.from_path(ANZUS)
    with pytest.raises(ParameterError, match="The 'runs' parameter of ScenarioOptions"):
        run_scenarios(kb, "ANZUS", dt.date(2002, 1, 1), runs=0)


def test_nothing_is_left_behind_unless_a_folder_is_asked_for(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PHALANX_RUNS", raising=False)
    kb = KnowledgeBase.from_path(ANZUS)
    ran = run_scenarios(kb, "ANZUS", dt.date(2002, 1, 1), scenarios=["baseline"], runs=4, years=1)
    assert list(tmp_path.iterdir()) == [] and ran.runs[0].run_id is None
    kept = run_scenarios(
        kb,
        "ANZUS",
        dt.date(2002, 1, 1),
        scenarios=["baseline"],
        runs=4,
        years=1,
        out=tmp_path / "runs",
    )
    assert kept.runs[0].run_id and (tmp_path / "runs").is_dir()
    assert kept.runs[0].run_id.startswith("baseline-")


# --- the CLI -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def run():
    cli._register()
    runner = CliRunner()
    return lambda *args: runner.invoke(cli.app, list(args), catch_exceptions=False)


def test_cli_report_prints_one_line_per_scenario(run, tmp_path):
    out = tmp_path / "r.html"
    res = run(
        "report", "--data", str(ANZUS), "--at", "2002-01-01", "--out", str(out),
        "--scenarios", "baseline,long-war", "--runs", "10",
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    lines = [x for x in res.output.splitlines() if x.startswith("scenario ")]
    assert len(lines) == 2 and lines[0].startswith("scenario baseline (seed ")
    assert "10 runs): at least one member leaves by 2012 in" in lines[0]
    page = out.read_text(encoding="utf-8")
    assert "<b>long-war</b>: root seed" in page and "<b>short-war</b>" not in page


def test_cli_report_scenarios_none_leaves_the_section_out(run, tmp_path):
    out = tmp_path / "r.html"
    res = run(
        "report", "--data", str(ANZUS), "--at", "2002", "--out", str(out), "--scenarios", "none"
    )
    assert res.exit_code == 0, res.output
    assert 'id="scenarios"' not in out.read_text(encoding="utf-8")
    assert "scenario " not in res.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scenarios", "no-such-scenario"], "no-such-scenario"),
        (["--scenarios", "baseline,"], "--scenarios"),
        (["--runs", "0"], "--runs"),
    ],
)
def test_cli_report_bad_scenario_options_exit_2(run, tmp_path, args, message):
    out = tmp_path / "r.html"
    res = run("report", "--data", str(ANZUS), "--at", "2002", "--out", str(out), *args)
    assert res.exit_code == 2 and message in res.output
    assert "Traceback" not in res.output and not out.exists()
