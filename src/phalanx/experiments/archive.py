"""The archive of a membership-dynamics run: Parquet tables, a summary and the metadata.

One run is one folder ``<root>/<run_id>/`` (root: ``--out``, else the environment variable
``PHALANX_RUNS``, else ``./phalanx-runs``) holding

- ``status/``: replicate, year, actor, status (long format; actor and status are
  dictionary-encoded strings);
- ``years/``: replicate, year, capacity, strain, each simulated strain component, clashes;
- ``beliefs/``: replicate, year, actor, belief, dependence;
- ``requests/``: replicate, year, requester, aggressor, outcome, binding, category;
- ``exits/``: replicate, year, actor, from_status, mechanism, and the seven mechanism terms
  as ``term_<mechanism>``;
- ``summary.json`` (:mod:`phalanx.experiments.summary`), ``scenario.yaml`` (a copy of the
  scenario file as run) and ``metadata.json`` (everything needed to repeat the run, and
  ``status``: complete or failed).

Each table is a folder of Parquet files, one per chunk of replicates, named so that they
sort in chunk order (``part-000000.parquet``, ...): pyarrow (``read_table(folder)``),
DuckDB (``'status/*.parquet'``) and pandas read a folder as one table. A chunk's parts are
encoded where the chunk was computed (:func:`encode_tables`, in the worker), so the process
that writes the archive only puts bytes on disk, and a worker needs no access to it (a Dask
worker on another machine). Years are calendar years (the start date's year is year index
0). Table folders are written under temporary names and renamed when the run is complete;
every part carries the key-value metadata ``generator: phalanx``. Nothing in the Parquet
files or ``summary.json`` depends on the clock, the backend or the number of workers: only
``metadata.json`` has ``created``. (The summary's ``run_id``, which holds the time, is kept
in ``metadata.json`` and put back by :func:`load_run`.)

pyarrow is imported inside the functions that need it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from phalanx.errors import UserError
from phalanx.experiments.summary import STATUS_NAMES, WEAK_BELOW
from phalanx.models.dynamics.types import (
    BINDINGS,
    MECHANISMS,
    RESPONSE_CATEGORIES,
    SIM_STRAIN_COMPONENTS,
    ChunkResult,
)
from phalanx.safe_files import MARKER, os_error, read_user_text, write_output

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = [
    "TABLES",
    "RUNS_ENV",
    "DEFAULT_ROOT",
    "default_root",
    "make_run_id",
    "ArchiveWriter",
    "encode_tables",
    "read_table",
    "Run",
    "list_runs",
    "load_run",
    "dump_json",
]

TABLES: tuple[str, ...] = ("status", "years", "beliefs", "requests", "exits")
"""The Parquet tables of a run, without the ``.parquet`` suffix."""

RUNS_ENV = "PHALANX_RUNS"
"""Environment variable naming the default archive root."""

DEFAULT_ROOT = "phalanx-runs"
"""The archive root when neither ``--out`` nor ``PHALANX_RUNS`` is given (relative to the
current folder)."""

GENERATOR = MARKER.decode()
_PARQUET_META = {b"generator": b"phalanx"}
_JSON_LIMIT = 64 * 1024 * 1024


def default_root() -> Path:
    """The archive root: ``$PHALANX_RUNS`` if set and not empty, else ``./phalanx-runs``."""
    env = os.environ.get(RUNS_ENV, "").strip()
    return Path(env) if env else Path(DEFAULT_ROOT)


def make_run_id(scenario: str, created: dt.datetime, inputs_hash: str) -> str:
    """``<scenario>-<YYYYmmdd-HHMMSS>-<6 hex>``: the scenario's name made safe for a folder
    name (letters, digits, ``_`` and ``-``; at most 40 characters), the creation time in UTC
    and the first six hex digits of the hash of the run's inputs.

    >>> make_run_id("long war!", dt.datetime(2026, 12, 3, 14, 5, 9), "ab12cd34")
    'long-war-20261203-140509-ab12cd'
    """
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", scenario).strip("-")[:40] or "run"
    return f"{name}-{created:%Y%m%d-%H%M%S}-{inputs_hash[:6]}"


def dump_json(obj: Any) -> str:
    """``obj`` as the archive writes JSON: indented, keys in their given order, UTF-8."""
    return json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


# --- writing -----------------------------------------------------------------------------


def _dictionary(codes: np.ndarray, names: Sequence[str]) -> pa.Array:
    import pyarrow as pa

    return pa.DictionaryArray.from_arrays(
        pa.array(np.asarray(codes, dtype=np.int8), type=pa.int8()),
        pa.array(list(names), type=pa.string()),
    )


def _schemas(actors: Sequence[str]) -> dict[str, pa.Schema]:
    import pyarrow as pa

    label = pa.dictionary(pa.int8(), pa.string())
    if len(actors) > 127:
        raise UserError(f"at most 127 actors can be archived; the run has {len(actors)}")
    comps = [pa.field(c, pa.float64()) for c in SIM_STRAIN_COMPONENTS]
    terms = [pa.field(f"term_{m}", pa.float64()) for m in MECHANISMS]
    base = [pa.field("replicate", pa.int64()), pa.field("year", pa.int16())]
    specs = {
        "status": [*base, pa.field("actor", label), pa.field("status", label)],
        "years": [
            *base,
            pa.field("capacity", pa.float64()),
            pa.field("strain", pa.float64()),
            *comps,
            pa.field("clashes", pa.int32()),
        ],
        "beliefs": [
            *base,
            pa.field("actor", label),
            pa.field("belief", pa.float32()),
            pa.field("dependence", pa.float32()),
        ],
        "requests": [
            *base,
            pa.field("requester", label),
            pa.field("aggressor", label),
            pa.field("outcome", pa.float64()),
            pa.field("binding", label),
            pa.field("category", label),
        ],
        "exits": [
            *base,
            pa.field("actor", label),
            pa.field("from_status", label),
            pa.field("mechanism", label),
            *terms,
        ],
    }
    return {k: pa.schema(v, metadata=_PARQUET_META) for k, v in specs.items()}


def chunk_tables(
    chunk: ChunkResult, actors: Sequence[str], start_year: int, answered_level: float
) -> dict[str, pa.Table]:
    """The five tables' rows for one chunk (long format, calendar years). Cost O(R Y N)."""
    import pyarrow as pa

    schemas = _schemas(actors)
    ids = np.asarray(chunk.replicate, dtype=np.int64)
    status = np.asarray(chunk.status)
    r, t1, n = status.shape
    if n != len(actors):
        raise ValueError(f"chunk has {n} actors, the run {len(actors)}")
    years = (start_year + np.arange(t1)).astype(np.int16)
    rep3 = np.repeat(ids, t1 * n)
    year3 = np.tile(np.repeat(years, n), r)
    actor3 = np.tile(np.arange(n, dtype=np.int8), r * t1)
    out: dict[str, pa.Table] = {}
    out["status"] = pa.Table.from_arrays(
        [rep3, year3, _dictionary(actor3, actors), _dictionary(status.reshape(-1), STATUS_NAMES)],
        schema=schemas["status"],
    )
    comps = np.asarray(chunk.strain_components, dtype=float).reshape(r * t1, -1)
    out["years"] = pa.Table.from_arrays(
        [
            np.repeat(ids, t1),
            np.tile(years, r),
            np.asarray(chunk.capacity, dtype=float).reshape(-1),
            np.asarray(chunk.strain, dtype=float).reshape(-1),
            *(comps[:, c] for c in range(len(SIM_STRAIN_COMPONENTS))),
            np.asarray(chunk.clashes, dtype=np.int32).reshape(-1),
        ],
        schema=schemas["years"],
    )
    out["beliefs"] = pa.Table.from_arrays(
        [
            rep3,
            year3,
            _dictionary(actor3, actors),
            np.asarray(chunk.belief, dtype=np.float32).reshape(-1),
            np.asarray(chunk.dependence, dtype=np.float32).reshape(-1),
        ],
        schema=schemas["beliefs"],
    )
    req = chunk.requests or {}
    outcome = np.asarray(req.get("outcome", ()), dtype=float)
    category = np.where(outcome < WEAK_BELOW, 0, np.where(outcome < answered_level, 1, 2))
    out["requests"] = pa.Table.from_arrays(
        [
            np.asarray(req.get("replicate", ()), dtype=np.int64),
            (start_year + np.asarray(req.get("year", ()), dtype=np.int64)).astype(np.int16),
            _dictionary(np.asarray(req.get("requester", ())), actors),
            _dictionary(np.asarray(req.get("aggressor", ())), actors),
            outcome,
            _dictionary(np.asarray(req.get("binding", ())), BINDINGS),
            _dictionary(category, RESPONSE_CATEGORIES),
        ],
        schema=schemas["requests"],
    )
    ex = chunk.exits or {}
    terms = np.asarray(ex.get("terms", np.zeros((0, len(MECHANISMS)))), dtype=float)
    terms = terms.reshape(-1, len(MECHANISMS))
    out["exits"] = pa.Table.from_arrays(
        [
            np.asarray(ex.get("replicate", ()), dtype=np.int64),
            (start_year + np.asarray(ex.get("year", ()), dtype=np.int64)).astype(np.int16),
            _dictionary(np.asarray(ex.get("actor", ())), actors),
            _dictionary(np.asarray(ex.get("from_status", ())), STATUS_NAMES),
            _dictionary(np.asarray(ex.get("mechanism", ())), MECHANISMS),
            *(terms[:, m] for m in range(len(MECHANISMS))),
        ],
        schema=schemas["exits"],
    )
    return out


def _dictionary_columns(schema: pa.Schema) -> list[str]:
    import pyarrow as pa

    # dictionary pages for the labels and the replicate and year columns only: tried on
    # the floats too, they cost three times the writing time for larger files
    return [f.name for f in schema if pa.types.is_dictionary(f.type)] + ["replicate", "year"]


def encode_tables(tables: Mapping[str, pa.Table], compression: str = "zstd") -> dict[str, bytes]:
    """Each non-empty table of one chunk as the bytes of a Parquet file (one row group).

    Done where the chunk was computed (a worker process or a Dask worker), so the process
    that writes the archive only puts bytes on disk. Deterministic: the same table gives
    the same bytes. Cost O(rows).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    out: dict[str, bytes] = {}
    for name, table in tables.items():
        if not table.num_rows:
            continue
        sink = pa.BufferOutputStream()
        pq.write_table(
            table,
            sink,
            compression=compression,
            write_statistics=True,
            use_dictionary=_dictionary_columns(table.schema),
            row_group_size=table.num_rows,
        )
        out[name] = sink.getvalue().to_pybytes()
    return out


def part_name(index: int) -> str:
    """The file name of chunk ``index``'s part of a table (sorts in chunk order)."""
    return f"part-{index:06d}.parquet"


class ArchiveWriter:
    """Writes one run's folder, chunk by chunk, in replicate order.

    ``ArchiveWriter(root, run_id, actors=..., start_year=..., answered_level=...)`` creates
    ``<root>/<run_id>/`` (the root too, if missing; an existing run folder is an error).
    Each table is a folder of Parquet files, one per chunk (``status/part-000000.parquet``,
    ...), which pyarrow, DuckDB and pandas read as one table. :meth:`write` appends a chunk
    (:meth:`write_parts` one already encoded by :func:`encode_tables`), :meth:`finish`
    writes the summary, the scenario copy and the metadata and renames the table folders
    into place; :meth:`fail` records a failed run (metadata ``status: failed`` with the
    error) and removes the partial tables.
    """

    def __init__(
        self,
        root: str | Path,
        run_id: str,
        *,
        actors: Sequence[str],
        start_year: int,
        answered_level: float,
        compression: str = "zstd",
    ) -> None:
        self.root = Path(root)
        self.run_id = run_id
        self.path = self.root / run_id
        self.actors = tuple(actors)
        self.start_year = int(start_year)
        self.answered_level = float(answered_level)
        self.compression = compression
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            self.path.mkdir()
            for name in TABLES:
                self._tmp(name).mkdir()
        except FileExistsError:
            raise UserError(
                "a run with this id exists already; wait a second or pick another --seed",
                file=self.path,
            ) from None
        except OSError as e:
            raise os_error(self.path, e, "written") from None
        self.replicates = 0
        self.chunks = 0

    def _tmp(self, name: str) -> Path:
        return self.path / f".{name}.tmp"

    def write(self, chunk: ChunkResult) -> None:
        """Append one chunk (one file per table). Cost O(R Y N)."""
        tables = chunk_tables(chunk, self.actors, self.start_year, self.answered_level)
        self.write_parts(encode_tables(tables, self.compression), len(chunk.replicate))

    def write_parts(self, parts: Mapping[str, bytes], replicates: int) -> None:
        """Append one chunk's tables, encoded by :func:`encode_tables` (in a worker, say)."""
        for name, data in parts.items():
            try:
                (self._tmp(name) / part_name(self.chunks)).write_bytes(data)
            except OSError as e:
                raise os_error(self._tmp(name), e, "written") from None
        self.chunks += 1
        self.replicates += int(replicates)

    def finish(
        self, summary: Mapping[str, Any], metadata: Mapping[str, Any], scenario_text: str
    ) -> Path:
        """Rename the table folders into place (a table no chunk had rows for gets one empty
        part, so that its schema is there) and write the JSON files and the scenario copy.
        ``summary`` is stored without its ``run_id`` (see the module text). Returns the run
        folder."""
        import pyarrow.parquet as pq

        schemas = _schemas(self.actors)
        for name in TABLES:
            tmp = self._tmp(name)
            if not any(tmp.iterdir()):
                pq.write_table(schemas[name].empty_table(), tmp / part_name(0))
            os.replace(tmp, self.path / name)
        stored = {"generator": GENERATOR, **{k: v for k, v in summary.items() if k != "run_id"}}
        write_output(self.path / "summary.json", dump_json(stored))
        write_output(self.path / "scenario.yaml", scenario_text)
        meta = {"generator": GENERATOR, **metadata, "status": "complete"}
        write_output(self.path / "metadata.json", dump_json(meta))
        return self.path

    def fail(self, metadata: Mapping[str, Any], error: BaseException) -> None:
        """Record the run as failed (keeping what says why) and drop the partial tables."""
        import shutil

        for name in TABLES:
            shutil.rmtree(self._tmp(name), ignore_errors=True)
        meta = {
            "generator": GENERATOR,
            **metadata,
            "status": "failed",
            "error": f"{type(error).__name__}: {error}",
        }
        write_output(self.path / "metadata.json", dump_json(meta))


# --- reading -----------------------------------------------------------------------------


def _read_json(path: Path) -> dict[str, Any]:
    text = read_user_text(path, limit=_JSON_LIMIT, what="run file")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise UserError(f"is not valid JSON ({e.msg})", file=path, line=e.lineno) from None
    if not isinstance(data, dict):
        raise UserError("expected a JSON object", file=path)
    data.pop("generator", None)
    return data


def read_table(folder: str | Path) -> pa.Table:
    """One archived table (a folder of part files), its parts in chunk order."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    parts = sorted(Path(folder).glob("part-*.parquet"))
    if not parts:
        raise UserError("no part files in the table folder", file=folder)
    return pa.concat_tables([pq.read_table(p) for p in parts])


@dataclass
class Run:
    """A run loaded from the archive: its metadata and summary, and its tables on demand.

    ``run.table("status")`` reads ``status.parquet`` as a :class:`pyarrow.Table` (the first
    time it is asked for); ``run.summary`` carries the ``run_id`` again.
    """

    path: Path
    metadata: dict[str, Any]
    summary: dict[str, Any] | None
    _tables: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def run_id(self) -> str:
        return str(self.metadata.get("run_id", self.path.name))

    def table(self, name: str) -> pa.Table:
        """The table ``name`` (one of :data:`TABLES`), read lazily with pyarrow."""
        if name not in TABLES:
            raise UserError(f"unknown table {name!r}; expected one of {', '.join(TABLES)}")
        if name not in self._tables:
            folder = self.path / name
            if not folder.is_dir():
                raise UserError(
                    f"the run has no {name} table (status: {self.metadata.get('status')})",
                    file=folder,
                )
            self._tables[name] = read_table(folder)
        return self._tables[name]


def _run_folders(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    try:
        return sorted(p for p in root.iterdir() if (p / "metadata.json").is_file())
    except OSError as e:
        raise os_error(root, e) from None


def list_runs(root: str | Path | None = None) -> list[dict[str, Any]]:
    """The runs under ``root`` (default :func:`default_root`), oldest first: run_id,
    scenario, created, seed, runs, years, start, organization, status and path. A folder
    whose metadata cannot be read is listed with status ``unreadable``. Cost O(runs)."""
    root = default_root() if root is None else Path(root)
    rows = []
    for folder in _run_folders(root):
        try:
            meta = _read_json(folder / "metadata.json")
        except UserError as e:
            rows.append({"run_id": folder.name, "status": "unreadable", "error": str(e)})
            continue
        row = {
            k: meta.get(k)
            for k in ("run_id", "scenario", "created", "seed", "runs", "years", "start")
        }
        row["organization"] = meta.get("organization")
        row["status"] = meta.get("status")
        row["path"] = str(folder)
        row["run_id"] = row["run_id"] or folder.name
        if isinstance(row["scenario"], dict):
            row["scenario"] = row["scenario"].get("name")
        rows.append(row)
    rows.sort(key=lambda r: (str(r.get("created") or ""), r["run_id"]))
    return rows


def load_run(root: str | Path | None, run_id: str) -> Run:
    """The run ``run_id`` (or a unique prefix of it) under ``root`` (default
    :func:`default_root`). An unknown or ambiguous id is a UserError naming the root."""
    root = default_root() if root is None else Path(root)
    names = [p.name for p in _run_folders(root)]
    if run_id in names:
        match = [run_id]
    else:
        match = [n for n in names if n.startswith(run_id)] if run_id else []
    if not match:
        hint = "it has no runs" if not names else "`phalanx results` lists its runs"
        raise UserError(f"no run {run_id!r} in {root} ({hint})", field="run_id")
    if len(match) > 1:
        shown = ", ".join(match[:5]) + (" ..." if len(match) > 5 else "")
        raise UserError(
            f"{run_id!r} matches {len(match)} runs in {root} ({shown}); give more of the id",
            field="run_id",
        )
    path = root / match[0]
    meta = _read_json(path / "metadata.json")
    summary = None
    if (path / "summary.json").is_file():
        summary = {"run_id": meta.get("run_id", path.name), **_read_json(path / "summary.json")}
    return Run(path=path, metadata=meta, summary=summary)
