"""The job endpoints through FastAPI's TestClient: submit, list, one job, its events, the
run, compare and discovery pages, and every error a request can cause."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import pytest

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient  # noqa: E402

from phalanx.web.app import create_app  # noqa: E402
from phalanx.web.settings import WebSettings  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
ANZUS = ROOT / "tests" / "data" / "kb" / "anzus"
TINY = {"kind": "scenario", "scenario": "long-war", "runs": 4, "years": 2, "seed": 5}
LONG = {"kind": "scenario", "scenario": "long-war", "runs": 2000, "years": 15, "seed": 1}


def make_client(tmp: Path, **kw) -> TestClient:
    app = create_app(WebSettings(state_dir=tmp, **kw))
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    with make_client(tmp_path_factory.mktemp("jobs-api")) as c:
        yield c


def wait(c: TestClient, job_id: str, timeout: float = 90) -> dict:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        job = c.get(f"/api/jobs/{job_id}").json()
        if job["status"] in ("complete", "failed", "interrupted"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish")


def events(text: str) -> list[tuple[str, dict]]:
    """The (event, data) pairs of a text/event-stream body."""
    out = []
    for block in text.split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "event" in lines:
            out.append((lines["event"], json.loads(lines["data"])))
    return out


@pytest.fixture(scope="module")
def finished(api) -> dict:
    """A tiny scenario job, followed to its end through its event stream."""
    r = api.post("/api/jobs", json=TINY)
    assert r.status_code == 202, r.text
    job = r.json()
    assert r.headers["location"] == f"/api/jobs/{job['id']}"
    with api.stream("GET", f"/api/jobs/{job['id']}/events") as s:
        assert s.status_code == 200
        assert s.headers["content-type"].startswith("text/event-stream")
        body = "".join(s.iter_text())
    return {"job": job, "events": events(body)}


def test_the_event_stream_ends_with_the_final_state(finished):
    evs = finished["events"]
    assert evs[-1][0] == "end" and [e for e, _ in evs].count("end") == 1
    final = evs[-1][1]
    assert final["status"] == "complete" and final["done"] == final["total"] == 4
    progress = [d for e, d in evs if e == "progress"]
    assert progress and progress[-1]["status"] == "complete"
    done = [p["done"] for p in progress]
    assert done == sorted(done)  # progress never goes back


def test_jobs_are_listed_and_read_back(api, finished):
    job_id = finished["job"]["id"]
    one = api.get(f"/api/jobs/{job_id}").json()
    assert one["status"] == "complete" and one["seed"] == 5 and one["run_id"]
    assert "path" not in json.dumps(one["result"])  # no server path reaches a client
    listed = api.get("/api/jobs").json()
    assert job_id in [j["id"] for j in listed["jobs"]]
    assert listed["bounds"]["max_runs"] == 2000
    assert api.get("/api/jobs?kind=discovery").json()["jobs"] == [] or all(
        j["kind"] == "discovery" for j in api.get("/api/jobs?kind=discovery").json()["jobs"]
    )


def test_the_run_page_its_twin_and_its_downloads(api, finished):
    import pyarrow.parquet as pq

    run_id = api.get(f"/api/jobs/{finished['job']['id']}").json()["run_id"]
    html = api.get(f"/runs/{run_id}")
    assert html.status_code == 200 and "text/html" in html.headers["content-type"]
    assert html.text.count('class="figure"') == 5 and ">5<" in html.text  # the seed
    data = api.get(f"/runs/{run_id}.json").json()
    assert data["metadata"]["seed"] == 5 and data["summary"]["runs"] == 4
    same = api.get(f"/runs/{run_id}", headers={"accept": "application/json"}).json()
    assert same == data
    csv = api.get(f"/runs/{run_id}.csv").text.splitlines()
    assert csv[0] == "actor,year,status,count,probability,low,high"
    assert len(csv) - 1 == len(data["summary"]["status_probabilities"])
    t = pq.read_table(io.BytesIO(api.get(f"/runs/{run_id}.parquet").content))
    assert t.num_rows == len(data["summary"]["status_probabilities"])
    status = pq.read_table(io.BytesIO(api.get(f"/runs/{run_id}/tables/status.parquet").content))
    # one row per replicate, year (start year and the two simulated) and actor
    assert status.num_rows == 4 * 3 * len(data["metadata"]["actors"])
    lines = api.get(f"/runs/{run_id}/tables/status.csv").text.splitlines()
    assert lines[0].split(",") == ['"replicate"', '"year"', '"actor"', '"status"'] or lines[
        0
    ].split(",") == ["replicate", "year", "actor", "status"]
    assert len(lines) - 1 == status.num_rows


def test_compare_two_runs(api, finished):
    a = api.get(f"/api/jobs/{finished['job']['id']}").json()["run_id"]
    r = api.post("/api/jobs", json={**TINY, "seed": 6})
    b = wait(api, r.json()["id"])["run_id"]
    data = api.get(f"/compare.json?a={a}&b={b}").json()
    c = data["comparison"]
    assert (c["a"]["run_id"], c["b"]["run_id"]) == (a, b) and (c["a"]["seed"], c["b"]["seed"]) == (
        5,
        6,
    )
    for row in c["status"]:  # a - b, worked out from the two probabilities
        assert row["difference"] == pytest.approx(row["a"] - row["b"], abs=1e-9)
    page = api.get(f"/compare?a={a}&b={b}")
    assert page.status_code == 200 and page.text.count('class="figure"') == 2
    assert api.get("/compare").status_code == 200  # the chooser
    assert api.get(f"/compare?a={a}&b=nope-20260101-000000-abcdef").status_code == 404


def test_the_scenarios_page_lists_drivers_bounds_and_past_runs(api, finished):
    data = api.get("/scenarios.json?scenario=long-war").json()
    names = [d["name"] for d in data["drivers"]]
    assert names[:2] == ["leader.capacity", "leader.recovery"] and "leader.war.years" in names
    assert data["scenario"]["name"] == "long-war" and data["bounds"]["max_years"] == 15
    assert finished["job"]["id"] in [j["id"] for j in data["jobs"]]
    html = api.get("/scenarios?scenario=long-war").text
    assert 'data-driver="leader.capacity"' in html and "/static/jobs.js" in html
    assert api.get("/scenarios.csv").text.startswith("id,status,reason,scenario,seed")
    assert api.get("/scenarios?scenario=no-such").status_code == 404
    assert api.get("/scenarios?scenario=../x").status_code == 422


@pytest.mark.parametrize(
    ("spec", "status", "field"),
    [
        ({**TINY, "scenario": "no-such"}, 400, "scenario"),
        ({**TINY, "scenario": "../../etc/passwd"}, 400, "scenario"),
        ({**TINY, "runs": 2001}, 400, "runs"),
        ({**TINY, "years": 16}, 400, "years"),
        ({**TINY, "runs": "many"}, 400, "runs"),
        ({**TINY, "seed": -3}, 400, "seed"),
        ({**TINY, "drivers": {"leader.capacity": {"low": 2, "high": 3}}}, 400,
         "drivers.leader.capacity"),
        ({**TINY, "organization": "NOPE"}, 404, None),
        ({"kind": "nothing"}, 400, "kind"),
        ({"kind": "discovery", "scenario": "long-war", "outcome": "open('x')"}, 400, "outcome"),
        ({"kind": "discovery", "scenario": "long-war", "outcome": "exits >= 1 by 2030",
          "points": 201}, 400, "points"),
    ],
)  # fmt: skip
def test_bad_jobs_are_refused_naming_the_field(api, spec, status, field):
    r = api.post("/api/jobs", json=spec)
    assert r.status_code == status, r.text
    body = r.json()
    assert "Traceback" not in r.text and body["detail"]
    if field is not None:
        assert body["field"] == field


def test_a_body_that_is_no_object_is_a_422(api):
    r = api.post("/api/jobs", content=b"[1, 2]", headers={"content-type": "application/json"})
    assert r.status_code == 422 and "Traceback" not in r.text


@pytest.mark.parametrize(
    "path",
    [
        "/api/jobs/0123456789ab",
        "/api/jobs/not-a-job",
        "/api/jobs/0123456789ab/events",
        "/runs/long-war-20260101-000000-abcdef",
        "/runs/long-war-20260101-000000-abcdef.json",
        "/runs/long-war-20260101-000000-abcdef/tables/status.parquet",
        "/discovery?job=0123456789ab",
    ],
)
def test_unknown_jobs_and_runs_are_404(api, path):
    r = api.get(path)
    assert r.status_code == 404, r.text
    assert "Traceback" not in r.text


def test_bad_table_names_and_run_ids_are_refused(api, finished):
    run_id = api.get(f"/api/jobs/{finished['job']['id']}").json()["run_id"]
    assert api.get(f"/runs/{run_id}/tables/secrets.parquet").status_code in (404, 422)
    assert api.get(f"/runs/{run_id}/tables/status.exe").status_code in (404, 422)
    assert api.get("/runs/..%2F..%2Fetc").status_code in (404, 422)
    assert api.get(f"/runs/{run_id[:12]}").status_code == 404  # a URL names one run exactly


def test_too_many_jobs_are_refused_with_the_reason(tmp_path):
    with make_client(tmp_path, max_jobs=1, max_queued=0) as c:
        first = c.post("/api/jobs", json=LONG)
        assert first.status_code == 202
        r = c.post("/api/jobs", json=TINY)
        assert r.status_code == 429
        assert "too many jobs" in r.json()["detail"] and r.json()["field"] == "job"
        assert r.headers["retry-after"] == "5"


def test_a_discovery_job_from_the_api_to_its_page(api):
    spec = {
        "kind": "discovery",
        "scenario": "long-war",
        "outcome": "exits >= 1 by 2030",
        "points": 20,
        "runs_per_point": 2,
        "sensitivity": False,
        "seed": 4,
    }
    r = api.post("/api/jobs", json=spec)
    assert r.status_code == 202, r.text
    job = wait(api, r.json()["id"], 120)
    assert job["status"] == "complete", job
    data = api.get(f"/discovery.json?job={job['id']}").json()
    disc = data["result"]["discovery"]
    assert disc["cases"]["n"] == 20 and disc["metadata"]["seed"] == 4
    assert data["result"]["sensitivity"] is None
    page = api.get(f"/discovery?job={job['id']}")
    assert page.status_code == 200 and job["id"] in page.text
    rows = api.get(f"/discovery.csv?job={job['id']}").text.splitlines()
    assert rows[0] == "factor,low,high,qp_low,qp_high"
    limits = (disc["prim"] or {}).get("box", {}).get("limits", [])
    assert len(rows) - 1 == len(limits)
    # a scenario job is not a discovery job
    other = api.get("/api/jobs?kind=scenario").json()["jobs"]
    if other:
        assert api.get(f"/discovery?job={other[0]['id']}").status_code == 404


def test_the_openapi_schema_describes_the_job_spec(api):
    schema = api.get("/openapi.json").json()
    post = schema["paths"]["/api/jobs"]["post"]
    body = post["requestBody"]["content"]["application/json"]["schema"]
    assert "oneOf" in body or "anyOf" in body
    assert "$defs" not in json.dumps(body)  # every reference resolves in the document
    assert {"/api/jobs/{job_id}", "/api/jobs/{job_id}/events", "/runs/{run_id}"} <= set(
        schema["paths"]
    )


def test_the_second_alliance(tmp_path):
    with make_client(tmp_path, data=str(ANZUS)) as c:
        r = c.post("/api/jobs", json={**TINY, "scenario": "baseline"})
        assert r.status_code == 202, r.text
        job = wait(c, r.json()["id"])
        assert job["status"] == "complete", job
        meta = c.get(f"/runs/{job['run_id']}.json").json()["metadata"]
        assert meta["organization"] == "ANZUS"
        assert c.get(f"/runs/{job['run_id']}").status_code == 200
        assert job["id"] in c.get("/scenarios").text
        # the default outcome is a simulated year of this package's start
        data = c.get("/discovery.json").json()
        year = int(data["start"][:4]) + 4
        assert data["outcome"] == f"exits >= 1 by {year}"
        r = c.post(
            "/api/jobs",
            json={"kind": "discovery", "scenario": "long-war", "outcome": data["outcome"],
                  "points": 10, "runs_per_point": 1, "sensitivity": False, "seed": 1},
        )  # fmt: skip
        assert r.status_code == 202, r.text
        found = wait(c, r.json()["id"], 120)
        assert found["status"] == "complete", found
        result = c.get(f"/discovery.json?job={found['id']}").json()["result"]
        assert result["discovery"]["metadata"]["organization"] == "ANZUS"


def test_no_job_spec_yields_a_server_error(tmp_path):
    """Property: whatever JSON object is posted (kinds, names, numbers, dates, drivers and
    outcomes near and far from the valid ones), the answer is 202, 400, 404, 422 or 429
    with a reason, never a 500 or a traceback."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    text = st.one_of(
        st.sampled_from(["long-war", "baseline", "../x", "", "CSTO", "ANZUS", "2026-02-30"]),
        st.text(max_size=12),
    )
    number = st.one_of(
        st.integers(-3, 30), st.floats(allow_nan=True, allow_infinity=True), st.none(), text
    )
    drivers = st.dictionaries(
        st.one_of(st.sampled_from(["leader.capacity", "leader.war.years"]), st.text(max_size=8)),
        st.one_of(st.fixed_dictionaries({"low": number, "high": number}), number),
        max_size=2,
    )
    outcome = st.one_of(
        st.sampled_from(["exits >= 1 by 2027", "left:ARM by 2027", "strain at 2027 > 0.5"]),
        st.text(max_size=30),
    )
    body = st.fixed_dictionaries(
        {"kind": st.sampled_from(["scenario", "discovery", "other"])},
        optional={
            "scenario": text,
            "organization": text,
            "start": text,
            "runs": number,
            "years": number,
            "seed": st.one_of(number, st.integers(2**62, 2**64)),
            "drivers": drivers,
            "outcome": outcome,
            "points": number,
            "runs_per_point": number,
            "sensitivity": st.one_of(st.booleans(), text),
        },
    )
    bounds = {"max_runs": 3, "max_years": 2, "max_design_points": 12, "max_queued": 2}
    with make_client(tmp_path, max_jobs=1, job_timeout=5.0, **bounds) as c:

        @given(spec=body)
        @settings(
            max_examples=80,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(spec):
            r = c.post("/api/jobs", json=spec)
            assert r.status_code in (202, 400, 404, 422, 429), (spec, r.text)
            assert "Traceback" not in r.text
            if r.status_code != 202:
                assert r.json()["detail"], spec

        check()
