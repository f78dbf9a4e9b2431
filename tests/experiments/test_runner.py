"""The runner: the same bytes on every backend and chunking, one stream per replicate,
what a run records, and the scheduling window."""

from __future__ import annotations

import concurrent.futures as cf
import json
from pathlib import Path

import numpy as np
import pytest

from phalanx.errors import ParameterError, UserError
from phalanx.experiments.archive import TABLES, load_run, read_table
from phalanx.experiments.runner import _windowed, chunk_ids, run_experiment
from phalanx.experiments.scenario import load_scenario
from phalanx.kb import KnowledgeBase
from phalanx.models.dynamics.params import MembershipParams

ROOT = Path(__file__).resolve().parents[2]
SMALL = dict(years=3, runs=23, seed=11, chunk_size=5)  # 5 chunks, the last one short


@pytest.fixture(scope="module")
def kb():
    return KnowledgeBase.embedded()


@pytest.fixture(scope="module")
def dask_client():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    )
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


def files(path: Path) -> dict[str, bytes]:
    """Every table part and the summary and scenario copy, by path within the run."""
    names = [str(f.relative_to(path)) for t in TABLES for f in sorted((path / t).iterdir())]
    names += ["summary.json", "scenario.yaml"]
    return {n: (path / n).read_bytes() for n in names}


@pytest.fixture(scope="module")
def serial_run(kb, tmp_path_factory):
    out = tmp_path_factory.mktemp("serial")
    return run_experiment(kb, "long-war", backend="serial", out=out, **SMALL)


def test_same_bytes_on_every_backend(kb, serial_run, dask_client, tmp_path):
    local = run_experiment(kb, "long-war", backend="local", workers=2, out=tmp_path / "l", **SMALL)
    dask = run_experiment(
        kb, "long-war", backend="dask", cluster=dask_client, out=tmp_path / "d", **SMALL
    )
    reference = files(serial_run.path)
    assert files(local.path) == reference
    assert files(dask.path) == reference
    assert local.metadata["workers"] == 2 and dask.metadata["backend"] == "dask"
    assert len(list((serial_run.path / "status").glob("part-*.parquet"))) == 5  # one per chunk


def rows_of(path: Path, table: str, replicate: int) -> dict[str, list]:
    t = read_table(path / table).to_pydict()
    keep = [k for k, r in enumerate(t["replicate"]) if r == replicate]
    return {c: [v[k] for k in keep] for c, v in t.items()}


def test_a_replicate_is_the_same_in_any_chunk(kb, serial_run, tmp_path):
    other = run_experiment(kb, "long-war", backend="serial", **{**SMALL, "chunk_size": 9})
    assert other.summary["inputs_hash"] == serial_run.summary["inputs_hash"]
    strip = {k: v for k, v in serial_run.summary.items() if k != "run_id"}
    assert {k: v for k, v in other.summary.items() if k != "run_id"} == strip
    # replicate 7 in chunks of one (and a shorter ensemble) is replicate 7 of chunks of 5
    alone = run_experiment(
        kb, "long-war", backend="serial", out=tmp_path, **{**SMALL, "runs": 8, "chunk_size": 1}
    )
    for table in ("status", "years", "beliefs", "requests", "exits"):
        assert rows_of(alone.path, table, 7) == rows_of(serial_run.path, table, 7), table


def test_different_seeds_differ(kb, serial_run, tmp_path):
    other = run_experiment(kb, "long-war", backend="serial", out=tmp_path, **{**SMALL, "seed": 12})
    a = read_table(serial_run.path / "years").column("capacity").to_numpy()
    b = read_table(other.path / "years").column("capacity").to_numpy()
    assert a.shape == b.shape and not np.array_equal(a, b)
    assert other.summary["inputs_hash"] != serial_run.summary["inputs_hash"]


def test_what_a_run_records(kb, serial_run):
    meta = serial_run.metadata
    sc = load_scenario("long-war")
    assert meta["status"] == "complete" and meta["seed"] == 11 == serial_run.seed
    assert meta["scenario"]["sha256"] == sc.sha256
    assert (serial_run.path / "scenario.yaml").read_text(encoding="utf-8") == sc.text
    assert meta["parameters"] == serial_run.summary["parameters"]
    assert set(MembershipParams.model_fields) == set(meta["parameters"])
    assert meta["chunk_size"] == 5 and meta["chunks"] == 5 and meta["runs"] == 23
    assert meta["organization"] == kb.defaults.organization
    assert meta["leader"] == kb.defaults.leader and meta["data_version"] == kb.package.version
    assert meta["versions"]["pyarrow"] and meta["versions"]["numpy"] == np.__version__
    on_disk = json.loads((serial_run.path / "metadata.json").read_text())
    assert on_disk["run_id"] == serial_run.run_id and on_disk["status"] == "complete"
    assert "run_id" not in json.loads((serial_run.path / "summary.json").read_text())
    run = load_run(serial_run.path.parent, serial_run.run_id[:-3])
    assert run.summary == serial_run.summary
    s = serial_run.summary
    assert s["years"][0] == int(meta["start"][:4]) and len(s["years"]) == 4
    assert s["runs"] == 23 and s["seed"] == 11 and s["scenario"] == "long-war"


def test_seed_defaults_to_the_scenarios_and_params_override(kb):
    sc = load_scenario("baseline")
    rec = run_experiment(kb, sc, backend="serial", years=1, runs=3)
    if sc.seed is not None:
        assert rec.seed == sc.seed
    assert isinstance(rec.seed, int) and rec.path is None  # out=None: kept in memory
    rec2 = run_experiment(
        kb, sc, backend="serial", years=1, runs=3, seed=5, params=MembershipParams(alpha=-4.0)
    )
    assert rec2.metadata["parameters"]["alpha"] == -4.0 and rec2.seed == 5
    for name, value in sc.parameters.items():
        assert rec.metadata["parameters"][name] == value


@pytest.mark.parametrize("package", ["anzus", "triple-alliance"])
def test_runs_on_other_packages(package, tmp_path):
    other = KnowledgeBase.from_path(ROOT / "tests" / "data" / "kb" / package)
    rec = run_experiment(other, "baseline", backend="serial", years=2, runs=6, seed=1, out=tmp_path)
    assert rec.metadata["leader"] == other.defaults.leader
    assert rec.summary["organization"] == other.resolve_organization(other.defaults.organization)
    assert {a for a in rec.summary["actors"]} >= {other.defaults.leader}
    assert load_run(tmp_path, rec.run_id).table("status").num_rows == 6 * 3 * len(
        rec.metadata["actors"]
    )


def test_bad_settings_and_a_failed_run(kb, tmp_path):
    with pytest.raises(ParameterError, match="'runs' parameter"):
        run_experiment(kb, "baseline", runs=0)
    with pytest.raises(ParameterError, match="'backend' parameter"):
        run_experiment(kb, "baseline", backend="threads")
    with pytest.raises(UserError, match="unknown scenario"):
        run_experiment(kb, "no-such-scenario")
    with pytest.raises(UserError, match="only used by the dask backend"):
        run_experiment(kb, "baseline", backend="serial", cluster="tcp://127.0.0.1:1")

    def boom(done, total):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_experiment(
            kb, "baseline", backend="serial", years=1, runs=4, seed=1, out=tmp_path, progress=boom
        )
    (folder,) = tmp_path.iterdir()
    assert json.loads((folder / "metadata.json").read_text())["status"] == "failed"
    assert sorted(p.name for p in folder.iterdir()) == ["metadata.json"]


def test_an_unreachable_cluster_is_a_user_error(kb, monkeypatch):
    pytest.importorskip("distributed")
    import phalanx.experiments.runner as runner

    monkeypatch.setattr(runner, "CONNECT_TIMEOUT", "0.5s")
    with pytest.raises(UserError, match="cannot reach the Dask scheduler at tcp://127.0.0.1:9"):
        run_experiment(kb, "baseline", backend="dask", cluster="tcp://127.0.0.1:9", years=1, runs=2)


def test_progress_counts_replicates(kb):
    seen = []
    run_experiment(
        kb,
        "baseline",
        backend="serial",
        years=1,
        runs=11,
        seed=2,
        chunk_size=4,
        progress=lambda d, t: seen.append((d, t)),
    )
    assert seen == [(4, 11), (8, 11), (11, 11)]


def test_chunk_ids():
    assert chunk_ids(0, 5, 23).tolist() == [0, 1, 2, 3, 4]
    assert chunk_ids(4, 5, 23).tolist() == [20, 21, 22]


def test_the_window_delivers_in_order_and_bounds_what_is_held():
    """Chunks that finish in reverse order are delivered in chunk order, and never more
    than ``window`` chunks are submitted and not yet delivered."""
    submitted, delivered, held = [], [], []

    def submit(c):
        f = cf.Future()
        submitted.append((c, f))
        held.append(len(submitted) - len(delivered))
        return f

    def wait_any(fs):
        # finish the most recently submitted pending chunk first
        c, f = max(((c, f) for c, f in submitted if f in fs), key=lambda x: x[0])
        f.set_result(c)
        return {f}

    _windowed(9, 3, submit, wait_any, delivered.append, lambda f: f.cancel())
    assert delivered == list(range(9))
    assert max(held) == 3


def test_a_local_run_of_one_chunk_stays_in_this_process(kb):
    rec = run_experiment(kb, "baseline", backend="local", workers=2, years=1, runs=3, seed=1)
    assert rec.metadata["backend"] == "serial" and rec.metadata["backend_requested"] == "local"
    ref = run_experiment(kb, "baseline", backend="serial", years=1, runs=3, seed=1)
    assert {k: v for k, v in rec.summary.items() if k != "run_id"} == {
        k: v for k, v in ref.summary.items() if k != "run_id"
    }


def test_chunks_finishing_in_reverse_order_give_the_same_bytes(
    kb, serial_run, tmp_path, monkeypatch
):
    """Real chunks completed last-first go through the buffer and are written in order."""
    import phalanx.experiments.runner as runner

    def reversed_serial(job, n_chunks, deliver):
        def submit(c):
            f = cf.Future()
            f.chunk = c
            return f

        def wait_any(fs):
            last = max(fs, key=lambda f: f.chunk)
            last.set_result(runner._run_chunk(job, last.chunk))
            return {last}

        runner._windowed(n_chunks, n_chunks, submit, wait_any, deliver, lambda f: None)
        return 1

    monkeypatch.setattr(runner, "_run_serial", reversed_serial)
    rec = run_experiment(kb, "long-war", backend="serial", out=tmp_path, **SMALL)
    assert files(rec.path) == files(serial_run.path)
