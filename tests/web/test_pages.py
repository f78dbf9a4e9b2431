"""Every page of the dashboard through FastAPI's TestClient: HTML, the JSON twin (which must
be the library call's own plain data), Accept negotiation, the downloads (parsed back with
the csv module, pyarrow and networkx), and the errors: 422/400 naming the field, 404
naming the unknown id, 500 without a traceback. On the embedded data and on the ANZUS
and Triple Alliance test packages."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from pathlib import Path

import pytest

pytest.importorskip("fastapi")

from phalanx.kb import KnowledgeBase  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
ANZUS = ROOT / "tests" / "data" / "kb" / "anzus"
TRIPLE = ROOT / "tests" / "data" / "kb" / "triple-alliance"


def plain(obj):
    """Library output as JSON would carry it (dates as ISO text), computed without the web
    layer's own converter."""
    return json.loads(json.dumps(obj, default=lambda o: str(o)))


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.embedded()


@pytest.fixture(scope="module")
def anzus_kb() -> KnowledgeBase:
    return KnowledgeBase.from_path(ANZUS)


@pytest.fixture(scope="module")
def triple_client(tmp_path_factory):
    from fastapi.testclient import TestClient

    from phalanx.web.app import create_app
    from phalanx.web.settings import WebSettings

    s = WebSettings(data=str(TRIPLE), state_dir=tmp_path_factory.mktemp("state-triple"))
    with TestClient(create_app(s), raise_server_exceptions=False) as c:
        yield c


def period_end(kb) -> dt.date:
    from phalanx.kb.dates import parse_query_date

    return min(parse_query_date(str(kb.defaults.period[1]), end=True), dt.date.today())


PAGES = [
    "/",
    "/timeline",
    "/network",
    "/alignment",
    "/data",
    "/data/actors",
    "/data/sources",
]


# --- every page renders, on every package ---------------------------------------------


@pytest.mark.parametrize("path", PAGES + ["/actor/USA", "/docs"])
@pytest.mark.parametrize("which", ["client", "anzus_client"])
def test_every_page_renders_as_html(request, which, path):
    c = request.getfixturevalue(which)
    r = c.get(path)
    assert r.status_code == 200, r.text[:500]
    assert r.headers["content-type"].startswith("text/html")
    html = r.text
    assert html.startswith("<!DOCTYPE html>") and "</html>" in html
    # the navigation names every view, and nothing is loaded from another host
    for href in ("/timeline", "/network", "/alignment", "/scenarios", "/discovery", "/data"):
        assert f'href="{href}"' in html
    for tag in re.findall(r"<(?:script|link|img)\b[^>]*>", html):
        assert not re.search(r'(?:src|href)="(?:https?:)?//', tag), tag
    # the footer names the data version of the package served
    version = c.app.state.kb.version
    assert version in html


def test_the_pages_of_a_package_are_about_its_own_organisation(anzus_client):
    data = anzus_client.get("/index.json").json()
    assert data["organization"] == "ANZUS"
    assert data["date"] == "2010-12-31"  # the end of the package's declared period
    assert {m["actor"] for m in data["members"]} <= {"AUS", "NZL", "USA"}


# --- JSON twins are the library's plain data --------------------------------------------


def test_overview_json_is_the_library_calls(client, kb):
    from phalanx.measures.series import strain_series, study_years, yearly_dates
    from phalanx.measures.strain import strain_at

    data = client.get("/index.json?org=CSTO&at=2022-10-01").json()
    assert data["members"] == plain(kb.members("CSTO", "2022-10-01"))
    assert data["strain"] == plain(strain_at(kb, "CSTO", "2022-10-01"))
    first, last = study_years(kb)
    assert data["strain_series"] == plain(strain_series(kb, "CSTO", yearly_dates(first, last)))
    assert data["date"] == "2022-10-01" and data["organization"] == "CSTO"


def test_timeline_json_is_the_library_calls(client, kb):
    url = "/timeline.json?actor=ARM&kind=invocation&from=2021&to=2023-06-30"
    data = client.get(url).json()
    hi = dt.date(2023, 6, 30)
    events = kb.events(dt.date(2021, 1, 1), hi, kind="invocation", actor="ARM")
    events = [e for e in events if e["organization"] == "CSTO" or "CSTO" in (e["actors"] or [])]
    assert data["events"] == plain(
        kb.events("2021", hi, kind="invocation", actor="ARM", organization="CSTO", as_of=hi)
    )
    assert [e["id"] for e in data["events"]] == [e["id"] for e in events]
    assert data["events"], "Armenia invoked the treaty in 2021-2022"
    assert all(e["kind"] == "invocation" and "ARM" in e["actors"] for e in data["events"])
    spells = [s for s in kb.spells("CSTO", as_of=hi) if s["actor"] == "ARM"]
    assert data["spells"] == plain(spells)
    cited = {s for r in data["events"] + data["spells"] for s in r["sources"]}
    assert {s["id"] for s in data["sources"]} == cited


def test_actor_json_is_the_dossier(client, kb):
    from phalanx.kb.dossier import dossier

    assert client.get("/actor/KAZ.json?at=2015").json() == plain(dossier(kb, "KAZ", "2015"))
    # a name resolves like the CLI's
    assert client.get("/actor/Kazakhstan.json").json()["actor"]["id"] == "KAZ"


def test_data_json_pages_the_rows_of_the_package(client, kb):
    rows = kb.package.rows("events")
    data = client.get("/data/events.json?offset=10&limit=7").json()
    assert data["total"] == len(rows) == data["matched"]
    assert [r["id"] for r in data["rows"]] == [r["id"] for r in rows[10:17]]
    # filters: every shown row has the kind, and the count is what a scan finds
    data = client.get("/data/events.json?where=kind:invocation&limit=500").json()
    by_hand = [r for r in rows if r["kind"] == "invocation"]
    assert data["matched"] == len(by_hand) > 0
    # a list cell matches one of its items; q searches every cell, case-insensitive
    data = client.get("/data/events.json?where=actors:ARM&q=REQUEST&limit=500").json()
    by_hand = [
        r
        for r in rows
        if "ARM" in (r["actors"] or []) and any("request" in str(v).lower() for v in r.values())
    ]
    assert [r["id"] for r in data["rows"]] == [r["id"] for r in by_hand]


def test_a_source_is_one_link_away(client, kb):
    sid = kb.package.rows("sources")[0]["id"]
    data = client.get(f"/data/sources.json?id={sid}").json()
    assert [r["id"] for r in data["rows"]] == [sid]
    assert data["sources"] == plain(kb.sources([sid]))
    html = client.get("/timeline").text
    assert re.search(r'href="/data/sources\?id=[^"]+"', html)


def test_data_index_lists_every_table_and_the_licence(client, kb):
    data = client.get("/data.json").json()
    assert {t["name"]: t["rows"] for t in data["tables"]} == {
        n: len(t.rows) for n, t in kb.package.tables.items()
    }
    assert any("CC-BY-4.0" in (lic.get("name") or "") for lic in data["licenses"])
    assert "Creative Commons" in client.get("/data").text


def test_alignment_json_is_the_library_calls(client, kb):
    from phalanx.models.answers import decision_answers
    from phalanx.models.whatifs import alignment_view

    url = "/alignment.json?at=2024-06-01&k=2&shift=TUR:KAZ:%2B0.5&size=RUS:0.5"
    data = client.get(url).json()
    day = dt.date(2024, 6, 1)
    expected = alignment_view(
        kb, day, k=2, shifts={("TUR", "KAZ"): 0.5}, size_factors={"RUS": 0.5}, seed=0
    )
    assert data["alignment"] == plain(expected)
    assert data["decisions"] == plain(decision_answers(kb, "CSTO", at=day))
    # the user's what-if comes first
    assert data["alignment"]["whatifs"][0]["user"] is True


def test_a_package_without_sizes_still_shows_its_decisions(anzus_client, triple_client):
    data = anzus_client.get("/alignment.json").json()
    assert data["alignment"] is None and "cinc" in data["alignment_unavailable"]
    assert "cannot run" in anzus_client.get("/alignment").text
    data = triple_client.get("/alignment.json").json()
    assert [d["id"] for d in data["decisions"]] == ["triple_alliance_1914"]


def test_decision_json_is_the_library_call_with_the_positions(client, kb, triple_client):
    from phalanx.models.answers import decision_answers

    data = client.get("/decisions/csto_armenia_2022.json?pos=ARM:0.5&pos=RUS:0").json()
    expected = decision_answers(
        kb, "CSTO", issue="csto_armenia_2022", positions={"ARM": 0.5, "RUS": 0.0}
    )
    assert data["answer"] == plain(expected[0])
    pos = {p["actor"]: p["position"] for p in data["answer"]["positions"]}
    assert pos["ARM"] == 0.5 and pos["RUS"] == 0.0
    # a package's own issue file
    r = triple_client.get("/decisions/triple_alliance_1914.json")
    assert r.status_code == 200 and r.json()["organization"] == r.json()["answer"]["organisation"]


# --- Accept negotiation ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "twin"),
    [
        ("/", "/index.json"),
        ("/timeline?kind=invocation", "/timeline.json?kind=invocation"),
        ("/data/organizations", "/data/organizations.json"),
    ],
)
def test_accept_json_gives_the_twin_and_html_the_page(client, path, twin):
    as_json = client.get(path, headers={"accept": "application/json"})
    assert as_json.headers["content-type"] == "application/json"
    assert as_json.json() == client.get(twin).json()
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    assert (
        client.get(path, headers={"accept": browser})
        .headers["content-type"]
        .startswith("text/html")
    )
    assert (
        client.get(path, headers={"accept": "*/*"}).headers["content-type"].startswith("text/html")
    )


def test_every_page_links_its_json_and_downloads(client):
    html = client.get("/timeline?kind=invocation").text
    assert 'href="/timeline.json?kind=invocation"' in html
    assert 'href="/timeline.csv?kind=invocation"' in html
    assert 'href="/timeline.parquet?kind=invocation"' in html


# --- downloads parse ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("base", "key"),
    [("/timeline", "events"), ("/index", "members"), ("/data/relations", "rows")],
)
def test_csv_and_parquet_downloads_hold_the_rows(client, base, key):
    import pyarrow.parquet as pq

    query = "?limit=500" if base.startswith("/data/") else ""
    rows = client.get(f"{base}.json{query}").json()[key]
    r = client.get(f"{base}.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    parsed = list(csv.DictReader(io.StringIO(r.text)))
    assert len(parsed) == len(rows) > 0
    ids = "id" if "id" in parsed[0] else "actor"
    assert [p[ids] for p in parsed] == [str(x[ids]) for x in rows]
    table = pq.read_table(io.BytesIO(client.get(f"{base}.parquet").content))
    assert table.num_rows == len(rows)
    assert table.column(ids).to_pylist() == [x[ids] for x in rows]


def test_table_downloads_hold_every_matching_row_not_one_page(client, kb):
    import pyarrow.parquet as pq

    n = len(kb.package.rows("indicators"))
    assert n > 50
    assert len(list(csv.reader(io.StringIO(client.get("/data/indicators.csv").text)))) == n + 1
    assert pq.read_table(io.BytesIO(client.get("/data/indicators.parquet").content)).num_rows == n


def test_csv_cells_cannot_run_as_formulas(client):
    from phalanx.web.render import csv_bytes

    text = csv_bytes(["a", "b"], [{"a": "=1+1", "b": -3}]).decode()
    assert text.splitlines()[1] == "'=1+1,-3"


# --- bad input ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/index.json?at=yesterday", "at"),
        ("/timeline.json?from=21", "from"),
        ("/data/events.json?limit=0", "limit"),
        ("/data/events.json?limit=501", "limit"),
        ("/data/events.json?offset=-1", "offset"),
        ("/alignment.json?k=99", "k"),
        ("/alignment.json?shift=TUR-KAZ", "shift"),
        ("/alignment.json?size=RUS", "size"),
        ("/alignment.json?seed=-1", "seed"),
        ("/decisions/csto_armenia_2022.json?pos=ARM", "pos"),
        ("/network.json?weighting=Not%20A%20Name", "weighting"),
        ("/data/actors;drop.json", "table"),
    ],
)
def test_malformed_parameters_are_422_naming_the_field(client, url, field):
    r = client.get(url)
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["field"] == field and field in body["detail"]


@pytest.mark.parametrize(
    ("url", "field", "words"),
    [
        ("/index.json?at=2022-02-30", "at", "not a real calendar date"),
        ("/timeline.json?from=2021-13", "from", "month 13"),
        ("/timeline.json?kind=nope", "kind", "allowed"),
        ("/timeline.json?from=2022&to=2021", "from", "reversed"),
        ("/data/events.json?where=nocolumn:1", "where", "no column"),
        ("/data/events.json?where=kind", "where", "COLUMN:VALUE"),
        ("/alignment.json?shift=TUR:XXX:1", "shift", "XXX"),
        ("/alignment.json?size=RUS:0", "size", "(0, 100]"),
        ("/alignment.json?shift=TUR:KAZ:1&shift=KAZ:TUR:-1", "shift", "twice"),
        ("/alignment.json?weighting=nope", "weighting", "unknown weighting"),
        ("/decisions/csto_armenia_2022.json?pos=ARM:5", "pos", "scale"),
        ("/decisions/csto_armenia_2022.json?pos=ZZZ:0.5", "pos", "ZZZ"),
    ],
)
def test_impossible_values_are_400_naming_the_field(client, url, field, words):
    r = client.get(url)
    assert r.status_code == 400, r.text
    assert r.json()["field"] == field and words in r.json()["detail"]


@pytest.mark.parametrize(
    ("url", "field", "name"),
    [
        ("/actor/NOPE.json", "actor", "NOPE"),
        ("/index.json?org=NOPE", "org", "NOPE"),
        ("/timeline.json?actor=NOPE", "actor", "NOPE"),
        ("/data/nope.json", "table", "nope"),
        ("/data/duckdb_tables.json", "table", "duckdb_tables"),
        ("/decisions/nope.json", "issue", "nope"),
    ],
)
def test_unknown_ids_are_404_naming_them(client, url, field, name):
    r = client.get(url)
    assert r.status_code == 404, r.text
    assert r.json()["field"] == field and repr(name) in r.json()["detail"]


def test_errors_are_pages_for_browsers(client):
    r = client.get("/actor/NOPE", headers={"accept": "text/html"})
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "no actor &#39;NOPE&#39;" in r.text
    r = client.get("/nowhere/at/all")
    assert r.status_code == 404 and "no page at /nowhere/at/all" in r.text
    assert client.get("/nowhere.json").json()["detail"] == "no page at /nowhere.json"


def test_request_text_is_escaped_in_the_page(client):
    r = client.get("/data/events?q=%3Cscript%3Ealert(1)%3C/script%3E")
    assert r.status_code == 200
    assert "<script>alert(1)" not in r.text and "&lt;script&gt;alert(1)" in r.text


def test_an_internal_error_is_a_500_without_traceback(client, monkeypatch, caplog):
    import phalanx.kb.dossier

    def broken(*args, **kwargs):
        raise RuntimeError("secret internals xyzzy")

    monkeypatch.setattr(phalanx.kb.dossier, "dossier", broken)
    for accept in ("application/json", "text/html"):
        r = client.get("/actor/KAZ", headers={"accept": accept})
        assert r.status_code == 500
        assert "xyzzy" not in r.text and "Traceback" not in r.text and "File " not in r.text
        assert "internal error" in r.text
    # the server's log has it
    assert any("xyzzy" in (rec.exc_text or str(rec.exc_info)) for rec in caplog.records)


def test_empty_parameters_count_as_left_out(client):
    assert (
        client.get("/timeline.json?from=&to=&actor=&kind=").json()
        == client.get("/timeline.json").json()
    )


# --- the shell around the pages --------------------------------------------------------


def test_static_files_and_the_one_chart_library(client):
    from importlib import resources

    bundle = (resources.files("phalanx.figures") / "plotly-basic.min.js").read_bytes()
    r = client.get("/static/plotly-basic.min.js")
    assert r.status_code == 200 and r.content == bundle
    assert client.get("/static/app.js").status_code == 200
    assert client.get("/static/app.css").status_code == 200
    assert client.get("/static/nope.js").status_code == 404
    assert client.get("/static/../app.py").status_code == 404
    # the page loads the bundle once
    assert client.get("/").text.count("plotly-basic.min.js") == 1


def test_openapi_schema_lists_every_page_and_no_cdn_docs(client):
    schema = client.get("/openapi.json").json()
    paths = set(schema["paths"])
    for p in (
        "/",
        "/index.json",
        "/timeline",
        "/timeline.csv",
        "/network.graphml",
        "/network.gexf",
        "/alignment",
        "/decisions/{issue}",
        "/data/{table}.parquet",
        "/actor/{actor_id}.json",
    ):
        assert p in paths, p
    # declared parameters with their bounds
    params = {p["name"]: p for p in schema["paths"]["/data/{table}"]["get"]["parameters"]}
    assert params["limit"]["schema"]["maximum"] == 500
    assert client.get("/redoc").status_code == 404
    docs = client.get("/docs")
    assert docs.status_code == 200 and "/openapi.json" in docs.text
    assert "cdn" not in docs.text.lower()


def test_settings_come_from_the_application(client):
    s = client.app.state.settings
    assert s.host == "127.0.0.1" and s.port == 8000


# --- the network ----------------------------------------------------------------------


def test_network_json_is_the_library_calls(client, kb):
    from phalanx.network.view import key_dates, network_view

    data = client.get("/network.json?at=2022-10-01&org=CSTO&weighting=unit").json()
    view = network_view(kb, dt.date(2022, 10, 1), "CSTO", weighting="unit")
    assert {k: data[k] for k in view} == plain(view)
    assert data["key_dates"] == plain(key_dates(kb, "CSTO", dt.date(2022, 10, 1)))
    # the slider's steps cover the package's period, a month apart, in order
    steps = data["steps"]
    assert steps[0] == "1992-01-01" and steps == sorted(steps)
    assert (
        len(steps)
        == len(set(steps))
        == (dt.date.fromisoformat(steps[-1]).year - 1992) * 12
        + (dt.date.fromisoformat(steps[-1]).month)
    )


def test_a_different_date_gives_a_different_network(client):
    a = client.get("/network.json?at=1995-01-01").json()
    b = client.get("/network.json?at=2022-10-01").json()
    assert a["date"] != b["date"]
    assert {(e["source"], e["target"], e["sign"]) for e in a["edges"]} != {
        (e["source"], e["target"], e["sign"]) for e in b["edges"]
    }


@pytest.mark.parametrize("which", ["client", "anzus_client"])
def test_network_downloads_are_the_network_shown(request, which):
    import networkx as nx

    c = request.getfixturevalue(which)
    data = c.get("/network.json").json()
    nodes = {n["id"] for n in data["nodes"]}
    edges = {frozenset((e["source"], e["target"])): e for e in data["edges"]}
    for fmt, reader in (("graphml", nx.read_graphml), ("gexf", nx.read_gexf)):
        r = c.get(f"/network.{fmt}")
        assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
        G = reader(io.BytesIO(r.content))
        assert set(G.nodes) == nodes
        assert {frozenset(e) for e in G.edges} == set(edges)
        for u, v, d in G.edges(data=True):
            e = edges[frozenset((u, v))]
            assert int(d["sign"]) == e["sign"] and float(d["weight"]) == pytest.approx(e["weight"])
            assert bool(d["frustrated"]) == e["frustrated"]
    rows = list(csv.DictReader(io.StringIO(c.get("/network.csv").text)))
    assert {frozenset((r["source"], r["target"])) for r in rows} == set(edges)


def test_network_nodes_link_to_their_history(client):
    html = client.get("/network?at=2022-10-01").text
    assert 'data-actor-links="yes"' in html and 'href="/actor/ARM"' in html
