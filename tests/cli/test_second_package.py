"""Every command on a second alliance: the Triple Alliance package (tests/data/kb/triple-alliance).

The expected values are read off the package's CSV files by hand (see the comments), not
taken from the code's output: who is a member on a date, which member pairs are at war or in
a dispute, which tie contradicts the two-camp split of 1914, what a consensus rule adopts when
two members want war and two stay neutral.

Tests marked ``xfail(strict=True)`` fail today only because a feature that another slice of
issue 8 is writing is missing (package defaults read by every command, package issue files);
they will turn into XPASS failures when it lands, and the mark must then be removed.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import networkx as nx
import pytest

from tests.cli.conftest import as_json

PKG_DIR = Path(__file__).resolve().parents[1] / "data" / "kb" / "triple-alliance"
PKG = str(PKG_DIR)
ISSUE = str(PKG_DIR / "issues" / "triple_alliance_1914.yaml")

# Every state of the package (actors.csv), all tied to a member in September 1914.
STATES = {"GER", "AUH", "ITA", "ROM", "FRA", "RUS", "GBR", "SRB"}

# Words that only the embedded CSTO package or its defaults could put into an output.
FOREIGN = ("CSTO", "Collective Security Treaty", "KAZ", "Kazakhstan", "arms_import_share_from_RUS")


def _no_foreign(text: str) -> None:
    for word in FOREIGN:
        assert word not in text, f"output mentions {word!r}"


def _members(run, at: str) -> dict[str, str]:
    rows = as_json(run("members", "TRI", "--at", at, "--data", PKG, "--json"))
    return {r["actor"]: r["status"] for r in rows}


# --- validate ---------------------------------------------------------------------------


def test_validate_says_valid(run):
    result = run("validate", PKG)
    assert result.exit_code == 0, result.output
    assert "valid: triple-alliance@" in result.stdout
    report = as_json(run("validate", PKG, "--json"))
    assert report["valid"] is True and report["problems"] == []
    # 8 states + DUAL + TRI; 2 + 4 membership spells (memberships.csv).
    assert report["tables"]["actors"] == 10
    assert report["tables"]["memberships"] == 6


# --- members and history ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        # Before the treaty of 20 May 1882: nobody.
        ("1882-05-19", set()),
        # After the signature, before Romania's treaty of 30 October 1883.
        ("1883-01-01", {"GER", "AUH", "ITA"}),
        ("1900-01-01", {"GER", "AUH", "ITA", "ROM"}),
        # Neutral Italy and Romania stay parties: neutrality did not end the treaty.
        ("1914-09-01", {"GER", "AUH", "ITA", "ROM"}),
        # Italy's spell ends on 1915-05-03 (end exclusive): a member on the 2nd, not the 3rd.
        ("1915-05-02", {"GER", "AUH", "ITA", "ROM"}),
        ("1915-05-03", {"GER", "AUH", "ROM"}),
        ("1916-01-01", {"GER", "AUH", "ROM"}),
        # Romania's spell ends with its war on Austria-Hungary, 1916-08-27.
        ("1917-01-01", {"GER", "AUH"}),
    ],
)
def test_members_on_dates(run, at, expected):
    members = _members(run, at)
    assert set(members) == expected
    assert set(members.values()) <= {"member"}


def test_members_table_names_the_alliance(run):
    result = run("members", "TRI", "--at", "1916-01-01", "--data", PKG)
    assert result.exit_code == 0, result.output
    assert "TRI on 1916-01-01: 3 member" in result.stdout
    assert "ITA" not in result.stdout
    _no_foreign(result.stdout)


def test_history_of_italy_ends_with_the_denunciation(run):
    rows = as_json(run("history", "ITA", "--data", PKG, "--json"))
    assert [(r["organization"], r["start"], r["end"]) for r in rows] == [
        ("TRI", "1882-05-20", "1915-05-03")
    ]
    # Sources disagree on the day (3 or 4 May), so the row is coded 'conflict'.
    assert rows[0]["certainty"] == "conflict"


def test_history_by_alias(run):
    rows = as_json(run("history", "Rumania", "--data", PKG, "--json"))
    assert [(r["organization"], r["start"], r["end"]) for r in rows] == [
        ("TRI", "1883-10-30", "1916-08-27")
    ]


def test_history_of_germany_in_both_organisations(run):
    rows = as_json(run("history", "GER", "--data", PKG, "--json"))
    assert sorted((r["organization"], r["start"]) for r in rows) == [
        ("DUAL", "1879-10-07"),
        ("TRI", "1882-05-20"),
    ]


# --- show and events --------------------------------------------------------------------


def test_show_italy(run):
    record = as_json(run("show", "ITA", "--data", PKG, "--json"))
    assert record["actor"]["cow_code"] == 325
    others = {
        (r["actor_b"] if r["actor_a"] == "ITA" else r["actor_a"], r["kind"])
        for r in record["relations"]
    }
    # relations.csv: the member that left and then fought a member.
    assert ("AUH", "alliance") in others
    assert ("AUH", "armed_conflict") in others
    assert ("AUH", "territorial_dispute") in others
    cited = {s["id"] for s in record["sources"]}
    used = {
        s
        for part in ("memberships", "relations", "events")
        for r in record[part]
        for s in r["sources"]
    }
    assert used <= cited
    table = run("show", "Kingdom of Italy", "--data", PKG)
    assert table.exit_code == 0, table.output
    assert "Italy (ITA, state, COW 325)" in table.stdout
    _no_foreign(table.stdout)


def test_events_of_italy_1914_1915(run):
    rows = as_json(
        run("events", "--actor", "ITA", "--from", "1914", "--to", "1915", "--data", PKG, "--json")
    )
    # events.csv rows with ITA among the actors, dated 1914-01-01..1915-12-31.
    assert [r["id"] for r in rows] == [
        "ev-1914-08-02-ita-neutrality",
        "ev-1915-04-26-treaty-of-london",
        "ev-1915-05-03-ita-denounces",
        "ev-1915-05-23-ita-war-auh",
    ]


def test_events_by_kind_and_org(run):
    rows = as_json(run("events", "--kind", "invocation", "--org", "TRI", "--data", PKG, "--json"))
    assert [(r["id"], r["date"]) for r in rows] == [("ev-1914-08-tri-invocation", "1914-08")]
    renewals = as_json(run("events", "--kind", "treaty", "--org", "TRI", "--data", PKG, "--json"))
    assert [r["date"][:4] for r in renewals] == ["1882", "1887", "1891", "1902", "1912"]


# --- strain -----------------------------------------------------------------------------


def _component(result: dict, name: str) -> dict:
    return next(c for c in result["components"] if c["component"] == name)


def test_strain_in_september_1914(run):
    result = as_json(run("strain", "TRI", "--at", "1914-09-01", "--data", PKG, "--json"))
    assert result["members"] == ["AUH", "GER", "ITA", "ROM"]
    # Of the 6 member pairs only AUH-ITA is in a conflict or dispute (Italia irredenta,
    # intensity 1): 1/6.
    conflicts = _component(result, "member_conflicts")
    assert conflicts["value"] == pytest.approx(1 / 6)
    assert [r["pair"] for r in conflicts["rows"]] == [["AUH", "ITA"]]
    # The one call on the allies (August 1914) got no deployment event: fully unanswered.
    requests = _component(result, "unanswered_requests")
    assert requests["value"] == pytest.approx(1.0)
    assert [r["event"] for r in requests["rows"]] == ["ev-1914-08-tri-invocation"]
    # Alliance against Entente fits every tie but one: the Franco-Italian neutrality pledge
    # of 1902, a positive tie across the two camps.
    frustration = _component(result, "frustration")
    assert [(r["source"], r["target"]) for r in frustration["rows"]] == [("FRA", "ITA")]
    assert frustration["raw"]["optimal"] is True
    camps = frustration["raw"]["partition"]
    assert {a for a in camps if camps[a] == camps["GER"]} == {"GER", "AUH", "ITA", "ROM"}
    # The index is the weighted mean of the components that have data.
    known = [c for c in result["components"] if c["value"] is not None]
    mean = sum(c["weight"] * c["value"] for c in known) / sum(c["weight"] for c in known)
    assert result["index"] == pytest.approx(mean)


def test_strain_after_italy_left_does_not_count_its_war(run):
    # On 1915-06-01 Italy (out since 1915-05-03) is at war with Austria-Hungary, but it is no
    # longer a member: the three member pairs AUH-GER, AUH-ROM, GER-ROM hold no conflict.
    result = as_json(run("strain", "TRI", "--at", "1915-06-01", "--data", PKG, "--json"))
    assert result["members"] == ["AUH", "GER", "ROM"]
    conflicts = _component(result, "member_conflicts")
    assert conflicts["value"] == 0
    assert conflicts["raw"]["pairs"] == 3
    # The war is still a tie of the network around the members (AUH-ITA, negative).
    assert result["data_version"].startswith("triple-alliance@")


def test_strain_series(run):
    rows = as_json(run("strain", "TRI", "--from", "1913", "--to", "1917", "--data", PKG, "--json"))
    assert [r["date"] for r in rows] == [f"{y}-07-01" for y in range(1913, 1918)]
    assert [len(r["members"]) for r in rows] == [4, 4, 3, 3, 2]
    # The request of August 1914 exists only from 1915 on in the yearly series.
    assert [_component(r, "unanswered_requests")["value"] is None for r in rows] == [
        True,
        True,
        False,
        False,
        False,
    ]
    assert [_component(r, "member_conflicts")["value"] for r in rows] == pytest.approx(
        [1 / 6, 1 / 6, 0, 0, 0]
    )


def test_strain_reads_the_leader_from_the_package(run):
    result = as_json(run("strain", "TRI", "--at", "1914-09-01", "--data", PKG, "--json"))
    arms = _component(result, "arms_independence")
    # The package holds no dependence indicator: the component names the declared leader
    # (GER), has no value, and no indicator name is guessed (never Russia's).
    assert arms["value"] is None and "GER" in arms["explanation"]
    _no_foreign(json.dumps(result))


# --- align ------------------------------------------------------------------------------


def test_align_with_explicit_actors_splits_the_two_camps(run):
    actors = "GER,AUH,ITA,ROM,FRA,RUS,GBR,SRB"
    out = as_json(run("align", "--at", "1914-09-01", "--actors", actors, "--data", PKG, "--json"))
    best = out["result"]["global_minimum"]["coalitions"]
    assert sorted(map(sorted, best)) == [
        ["AUH", "GER", "ITA", "ROM"],
        ["FRA", "GBR", "RUS", "SRB"],
    ]
    # Sizes are the members' CINC for 1914 (indicators.csv, COW NMC v7.0).
    sizes = dict(zip(out["inputs"]["actors"], out["inputs"]["sizes"], strict=True))
    assert sizes["GER"] == pytest.approx(0.158201)
    assert sizes["ROM"] == pytest.approx(0.005701)


def test_align_on_the_package_region(run):
    out = as_json(run("align", "--at", "1914-09-01", "--data", PKG, "--json"))
    assert out["inputs"]["actors"] == ["GER", "AUH", "ITA", "ROM", "FRA", "RUS", "GBR", "SRB"]


# --- decide and issues ------------------------------------------------------------------


def test_decide_the_issue_file(run):
    out = as_json(run("decide", ISSUE, "--json"))
    assert out["organisation"] == "TRI" and out["leader"] == "GER"
    # Consensus: GER and AUH at 1 (war together), ITA and ROM at 0 (neutral), every member's
    # salience >= 0.2, so nobody abstains and the least willing members bind: 0.
    assert out["outcome"] == 0.0
    assert out["bound_by"] == ["ITA", "ROM"]
    assert out["abstaining"] == []
    assert out["historical"]["difference"] == 0.0
    # One vote each: the two members at 1 are 2 of 4 votes, not more than half, so the
    # majority level is the third member's, 0. Unanimity is consensus without abstention.
    for rule in ("majority", "unanimity"):
        assert as_json(run("decide", ISSUE, "--rule", rule, "--json"))["outcome"] == 0.0
    table = run("decide", ISSUE)
    assert table.exit_code == 0, table.output
    assert "casus foederis denied" in table.stdout
    _no_foreign(table.stdout)


def test_decide_by_id_with_data(run):
    out = as_json(run("decide", "triple_alliance_1914", "--data", PKG, "--json"))
    assert out["outcome"] == 0.0


def test_issues_lists_the_package_issue(run):
    rows = as_json(run("issues", "--data", PKG, "--json"))
    ours = [r for r in rows if r["id"] == "triple_alliance_1914"]
    assert [r["organisation"] for r in ours] == ["TRI"]


# --- export -----------------------------------------------------------------------------


def _read_graph(fmt: str, path: Path) -> nx.Graph:
    if fmt == "graphml":
        return nx.read_graphml(path)
    if fmt == "gexf":
        return nx.read_gexf(path)
    if fmt == "json":
        data = json.loads(path.read_text())
        return nx.node_link_graph(data, edges="edges" if "edges" in data else "links")
    G = nx.Graph()  # csv: an edge list with a header row
    for row in csv.DictReader(path.read_text().splitlines()):
        G.add_edge(row["source"], row["target"], **row)
    return G


@pytest.mark.parametrize("fmt", ["graphml", "gexf", "csv", "json"])
def test_export_nodes_are_the_package_actors(run, tmp_path, fmt):
    out = tmp_path / f"tri.{fmt}"
    result = run("export", "--at", "1914-09-01", "--format", fmt, "--data", PKG, "--out", str(out))
    assert result.exit_code == 0, result.output
    G = _read_graph(fmt, out)
    assert set(G.nodes) == STATES
    # Allies positive, enemies at war negative (relations.csv).
    assert int(G.edges["GER", "AUH"]["sign"]) == 1
    assert int(G.edges["GER", "FRA"]["sign"]) == -1
    assert int(G.edges["AUH", "SRB"]["sign"]) == -1
    # No relation between Italy and Romania is coded: their tie is co-membership only.
    assert G.edges["ITA", "ROM"]["kinds"] == "member:TRI+"
    _no_foreign(out.read_text())


def test_export_to_stdout(run):
    result = run("export", "--at", "1916-01-01", "--format", "csv", "--data", PKG)
    assert result.exit_code == 0, result.output
    header, *edges = result.stdout.splitlines()
    assert header.startswith("source,target,sign")
    pairs = {tuple(sorted(e.split(",")[:2])) for e in edges}
    assert ("AUH", "ITA") in pairs  # at war since 1915-05-23


# --- report -----------------------------------------------------------------------------


def test_report_on_the_alliance(run, tmp_path):
    out = tmp_path / "tri.html"
    result = run("report", "--org", "TRI", "--at", "1915-06-01", "--data", PKG, "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "Triple Alliance" in result.stdout
    page = out.read_text(encoding="utf-8")
    assert "Triple Alliance of Austria-Hungary, Germany and Italy" in page
    assert "Italy denounces the Triple Alliance" in page
    _no_foreign(result.stdout)
    assert "CSTO" not in page


def test_report_summary_of_september_1914(run, tmp_path):
    """The terminal summary's measures, worked out from the CSV files: the members and their
    enemies split into the two camps of 1914; the one tie that contradicts the split is
    France-Italy (the 1902 agreement, relations.csv); under consensus, with Italy and Romania
    for neutrality (positions 0 in the issue file), no common war: 0, as happened."""
    out = tmp_path / "tri.html"
    args = ["report", "--at", "1914-09-01", "--data", PKG, "--scenarios", "none"]
    result = run(*args, "--no-evidence", "--out", str(out))
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    assert "camps AUH,GER,ITA,ROM | FRA,GBR,RUS,SRB" in text
    assert "(FRA-ITA)" in text
    row = next(line for line in result.stdout.splitlines() if "triple_alliance_1914" in line)
    assert row.count("0.00 casus foederis denied") == 2, row
    _no_foreign(result.stdout)


def test_report_organisation_comes_from_the_package_defaults(run, tmp_path):
    # organizations.csv lists DUAL first; the package declares "organization": "TRI".
    out = tmp_path / "tri.html"
    result = run("report", "--at", "1915-06-01", "--data", PKG, "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "(TRI)" in result.stdout


# --- the data against its sources ---------------------------------------------------------


def _rows(name: str) -> list[dict[str, str]]:
    with open(PKG_DIR / name, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_cinc_values_are_those_of_cow_nmc_v7(validation_dir):
    """indicators.csv carries COW NMC v7.0 CINC over, rounded to six places."""
    codes = {a["id"]: int(a["cow_code"]) for a in _rows("actors.csv") if a["cow_code"]}
    published: dict[tuple[int, int], float] = {}
    with open(validation_dir / "datasets" / "cow_nmc_v7_0_peacesciencer.csv", newline="") as f:
        for r in csv.DictReader(f):
            if r["cinc"] not in ("", "NA"):
                published[(int(r["ccode"]), int(r["year"]))] = float(r["cinc"])
    rows = [r for r in _rows("indicators.csv") if r["indicator"] == "cinc"]
    assert len(rows) == 8 * 8  # eight states, eight years
    for r in rows:
        expected = published[(codes[r["actor"]], int(r["period"]))]
        assert float(r["value"]) == pytest.approx(expected, abs=5e-7), r


def test_spells_end_on_the_days_of_the_events_that_ended_them():
    """The membership table and the event table tell the same story."""
    spells = {r["actor"]: r for r in _rows("memberships.csv") if r["organization"] == "TRI"}
    events = {r["id"]: r for r in _rows("events.csv")}
    assert spells["ITA"]["end"] == events["ev-1915-05-03-ita-denounces"]["date"]
    assert spells["ROM"]["end"] == events["ev-1916-08-27-rom-war-auh"]["date"]
    assert spells["ROM"]["start"] == events["ev-1883-10-30-rom-accession"]["date"]
    assert spells["ITA"]["start"] == events["ev-1882-05-20-tri-signed"]["date"]
    # A member that leaves and then fights a member: the war starts after the spell ends.
    war = next(r for r in _rows("relations.csv") if r["id"] == "war-ITA-AUH-1915")
    assert war["start"] > spells["ITA"]["end"]
