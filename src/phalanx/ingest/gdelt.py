"""GDELT event files, streamed through DuckDB into monthly dyadic aggregates.

GDELT (the Global Database of Events, Language and Tone) publishes machine-coded events
from news reports as tab-separated files without a header: one file every 15 minutes for
GDELT 2.0 (61 columns), daily and historical files for GDELT 1.0 (57 columns; the daily
files from April 2013 add ``SOURCEURL``, 58). The two versions are told apart by the
number of fields on the first line; they agree on the columns read here (the first 35:
the event, the two actors and the event's coding).

A month of GDELT holds millions of events, so nothing here holds the events in a table:
:func:`read_gdelt` runs one DuckDB query over all the files that reads them streaming,
drops the duplicated ``GlobalEventID`` s (GDELT republishes an event in a later file when it
is updated; the first file in the list that holds an id wins), maps the actors' country
codes to the package's actor ids and aggregates to one row per directed dyad and month. The
query runs under ``SET memory_limit`` with a ``temp_directory`` in a temporary folder, so a
multi-gigabyte input spills to disk instead of needing that much memory. Only the
aggregate comes back to Python.

Per directed dyad (``Actor1CountryCode`` -> ``Actor2CountryCode``) and month (of ``Day``):
the events, the counts of each ``QuadClass`` (1 verbal cooperation, 2 material
cooperation, 3 verbal conflict, 4 material conflict), the mean Goldstein score (-10
conflictual .. +10 cooperative, over the events that have one) and the sum of
``NumMentions``.

Country codes map to actor ids through one documented table (:func:`code_table`): every
state actor of the knowledge base whose id is a three-letter upper-case code (the ISO
3166-1 alpha-3 code, which CAMEO's country codes follow) maps to itself, and a
``code_map`` adds or overrides codes (e.g. a CAMEO code that differs from the package's
id). Events with an empty code, an unmapped code (CAMEO's regional codes such as ``EUR``
or ``AFR`` among them), the same actor on both sides, an unreadable day, a ``QuadClass``
outside 1-4, or outside the years or actors asked for are dropped and counted
(:attr:`GdeltAggregate.dropped`).
"""

from __future__ import annotations

import contextlib
import gzip
import os
import re
import shutil
import tempfile
import threading
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from phalanx.errors import UserError
from phalanx.ingest.common import MAX_BYTES, Source, shown_path

if TYPE_CHECKING:
    import duckdb

__all__ = [
    "GDELT2_COLUMNS",
    "GDELT1_COLUMNS",
    "QUAD_CLASSES",
    "GdeltAggregate",
    "code_table",
    "gdelt_files",
    "read_gdelt",
]

_ACTOR_FIELDS = (
    "Code",
    "Name",
    "CountryCode",
    "KnownGroupCode",
    "EthnicCode",
    "Religion1Code",
    "Religion2Code",
    "Type1Code",
    "Type2Code",
    "Type3Code",
)
_EVENT = (
    ("GlobalEventID", "Day", "MonthYear", "Year", "FractionDate")
    + tuple(f"Actor1{f}" for f in _ACTOR_FIELDS)
    + tuple(f"Actor2{f}" for f in _ACTOR_FIELDS)
    + (
        "IsRootEvent",
        "EventCode",
        "EventBaseCode",
        "EventRootCode",
        "QuadClass",
        "GoldsteinScale",
        "NumMentions",
        "NumSources",
        "NumArticles",
        "AvgTone",
    )
)


def _geo(adm2: bool) -> tuple[str, ...]:
    parts = ("Type", "Fullname", "CountryCode", "ADM1Code") + (("ADM2Code",) if adm2 else ())
    parts += ("Lat", "Long", "FeatureID")
    return tuple(f"{who}Geo_{p}" for who in ("Actor1", "Actor2", "Action") for p in parts)


GDELT2_COLUMNS: tuple[str, ...] = _EVENT + _geo(True) + ("DATEADDED", "SOURCEURL")
"""The 61 columns of a GDELT 2.0 event file, in order."""

GDELT1_COLUMNS: tuple[str, ...] = _EVENT + _geo(False) + ("DATEADDED",)
"""The 57 columns of a GDELT 1.0 event file (no ADM2 codes); daily files add SOURCEURL."""

_LAYOUTS: dict[int, tuple[str, tuple[str, ...]]] = {
    61: ("GDELT 2.0", GDELT2_COLUMNS),
    57: ("GDELT 1.0", GDELT1_COLUMNS),
    58: ("GDELT 1.0", GDELT1_COLUMNS + ("SOURCEURL",)),
}

QUAD_CLASSES: dict[int, str] = {
    1: "verbal_coop",
    2: "material_coop",
    3: "verbal_conflict",
    4: "material_conflict",
}
"""GDELT's ``QuadClass`` codes and the names of their counts."""

_DROPS = (
    "bad_id",
    "bad_date",
    "empty_actor",
    "unknown_code",
    "same_actor",
    "bad_quadclass",
    "outside_years",
    "not_selected",
)
_SUFFIXES = (".csv", ".tsv", ".txt", ".zip", ".gz")
_CODE = re.compile(r"^[A-Z]{3}$")
_SIZE = re.compile(r"\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)", re.IGNORECASE)


@dataclass(frozen=True)
class GdeltAggregate:
    """What :func:`read_gdelt` returns: the dyad-months and an account of the rows.

    ``rows``: one dict per directed dyad and month, sorted by ``actor1, actor2, month``:
    ``actor1, actor2`` (actor ids), ``month`` (``YYYY-MM``), ``events`` and the four
    ``QuadClass`` counts (whole numbers), ``goldstein_mean`` (-10..10, None when no event
    has a score) and ``mentions`` (sum of ``NumMentions``). ``sources``: each file's
    provenance. ``rows_read``: data rows in the files; ``duplicates``: rows whose
    ``GlobalEventID`` an earlier row already had; ``dropped``: events left out, by reason
    (``bad_id``, ``bad_date``, ``empty_actor``, ``unknown_code``, ``same_actor``,
    ``bad_quadclass``, ``outside_years``, ``not_selected``); ``unknown_codes``: the
    unmapped country codes and how many events named each (the most frequent 50).
    """

    rows: list[dict[str, Any]]
    sources: list[Source]
    rows_read: int
    duplicates: int
    dropped: dict[str, int]
    unknown_codes: dict[str, int] = field(default_factory=dict)

    @property
    def events(self) -> int:
        """Events aggregated into ``rows`` (after dropping duplicates and the ``dropped``)."""
        return sum(r["events"] for r in self.rows)


def code_table(
    actor_ids: Iterable[str] | None = None, code_map: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The table from GDELT country codes to actor ids.

    ``actor_ids``: the actor ids codes may map to (default: the embedded knowledge base's
    state actors); each id of three upper-case letters maps to itself. ``code_map`` adds
    or overrides entries (code -> actor id); its targets must be three upper-case letters,
    since the indicators name the partner by its id. Raises a UserError for a bad entry.

    >>> code_table(["RUS", "ARM", "CSTO"], {"ROM": "ROU"})
    {'ARM': 'ARM', 'ROM': 'ROU', 'RUS': 'RUS'}
    """
    if actor_ids is None:
        from phalanx.kb.package import load_package

        actor_ids = [a["id"] for a in load_package().rows("actors") if a["kind"] == "state"]
    table = {a: a for a in actor_ids if _CODE.match(a)}
    for code, actor in (code_map or {}).items():
        if not _CODE.match(str(code)) or not _CODE.match(str(actor)):
            raise UserError(
                f"code map entry {code!r} -> {actor!r}: expected a three-letter upper-case "
                "country code mapped to a three-letter upper-case actor id",
                field="code_map",
            )
        table[code] = actor
    return dict(sorted(table.items()))


def gdelt_files(path: str | Path) -> list[Path]:
    """The event files at ``path``: the file itself, or the files in the folder ``path``
    whose names end in .csv, .tsv, .txt, .zip or .gz (any case), sorted by name (GDELT's
    names begin with the timestamp, so this is time order)."""
    p = Path(path)
    if p.is_dir():
        files = sorted(f for f in p.iterdir() if f.is_file() and f.name.lower().endswith(_SUFFIXES))
        if not files:
            raise UserError(
                "folder holds no GDELT event files; expected files ending in "
                + ", ".join(_SUFFIXES),
                file=shown_path(p),
            )
        return files
    return [p]


def _first_line(path: Path) -> bytes:
    if path.name.lower().endswith(".gz"):
        with gzip.open(path, "rb") as fh:
            return fh.readline(1 << 20)
    with open(path, "rb") as fh:
        return fh.readline(1 << 20)


def _layout_of(path: Path, shown: str) -> tuple[str, tuple[str, ...]]:
    """The layout (name, columns) of the file, from the number of fields on its first
    line; a UserError listing the expected and found columns otherwise."""
    try:
        line = _first_line(path)
    except (OSError, EOFError, gzip.BadGzipFile) as e:
        raise UserError(f"GDELT file cannot be read ({e})", file=shown) from None
    if not line.strip():
        raise UserError("GDELT file is empty; expected tab-separated event rows", file=shown)
    fields = line.rstrip(b"\r\n").split(b"\t")
    if len(fields) in _LAYOUTS:
        return _LAYOUTS[len(fields)]
    found = [f.decode("utf-8", "replace")[:40] for f in fields[:8]]
    more = f", ... ({len(fields)} in all)" if len(fields) > 8 else ""
    raise UserError(
        f"is not in a GDELT event layout: expected {len(GDELT2_COLUMNS)} tab-separated "
        f"columns (GDELT 2.0: {', '.join(GDELT2_COLUMNS)}) or {len(GDELT1_COLUMNS)} "
        f"(GDELT 1.0, without the ADM2 codes; 58 with SOURCEURL); found "
        f"{len(fields)} on the first line: {', '.join(found)}{more}",
        file=shown,
        line=1,
    )


def _check(path: Path) -> int:
    shown = shown_path(path)
    if not path.exists():
        raise UserError("GDELT file does not exist", file=shown)
    if not path.is_file():
        raise UserError("GDELT file is not a regular file", file=shown)
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise UserError(
            f"GDELT file is {size:,} bytes; files over {MAX_BYTES:,} bytes are refused "
            "(split it, or pass GDELT's own 15-minute files)",
            file=shown,
        )
    return size


def _unzip(path: Path, folder: Path) -> list[tuple[Path, str]]:
    """The members of the zip file ``path``, copied (streaming) into ``folder``."""
    out = []
    try:
        with zipfile.ZipFile(path) as zf:
            for i, info in enumerate(m for m in zf.infolist() if not m.is_dir()):
                target = folder / f"{len(os.listdir(folder))}-{i}.tsv"
                with zf.open(info) as src, open(target, "wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
                out.append((target, f"{shown_path(path)}:{info.filename}"))
    except (zipfile.BadZipFile, OSError) as e:
        raise UserError(f"GDELT zip file cannot be read ({e})", file=shown_path(path)) from None
    return out


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _digest(path: Path) -> tuple[str, int]:
    """The sha256 of the file and its number of lines (one pass; about 1 s per GB)."""
    import hashlib

    digest = hashlib.sha256()
    lines = 0
    last = b"\n"
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
            lines += block.count(b"\n")
            last = block[-1:]
    if path.name.lower().endswith(".gz"):  # count the lines of the text, not of the bytes
        lines, last = 0, b"\n"
        with gzip.open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                lines += block.count(b"\n")
                last = block[-1:]
    return digest.hexdigest(), lines + (last != b"\n")


def _query(groups: dict[tuple[str, ...], list[tuple[int, str]]], has_actors: bool) -> str:
    """The aggregation query over the files, grouped by layout; parameters: the years."""
    parts = []
    for columns, files in groups.items():
        struct = "{" + ", ".join(f"{_literal(c)}: 'VARCHAR'" for c in columns) + "}"
        paths = "[" + ", ".join(_literal(p) for _, p in files) + "]"
        order = " ".join(f"WHEN {_literal(p)} THEN {i}" for i, p in files)
        parts.append(
            "SELECT TRY_CAST(GlobalEventID AS BIGINT) AS id, Day AS day, "
            "Actor1CountryCode AS a1, Actor2CountryCode AS a2, "
            "TRY_CAST(QuadClass AS INTEGER) AS q, TRY_CAST(GoldsteinScale AS DOUBLE) AS g, "
            "TRY_CAST(NumMentions AS BIGINT) AS m, "
            f"CASE filename {order} END AS f "
            f"FROM read_csv({paths}, delim = '\t', header = false, quote = '', escape = '', "
            f"columns = {struct}, nullstr = '', auto_detect = false, filename = true, "
            "strict_mode = true, null_padding = false)"
        )
    raw = " UNION ALL ".join(parts)
    selected = (
        "(x1 IN (SELECT actor FROM _gdelt_wanted) OR x2 IN (SELECT actor FROM _gdelt_wanted))"
    )
    return f"""
WITH raw AS ({raw}),
ev AS (
    SELECT id, count(*) AS n,
           arg_min(struct_pack(day := day, a1 := a1, a2 := a2, q := q, g := g, m := m), f) AS r
    FROM raw GROUP BY id
),
mapped AS (
    SELECT ev.id, ev.n, r.a1, r.a2, r.q, r.g, r.m,
           try_strptime(r.day, '%Y%m%d') AS t, c1.actor AS x1, c2.actor AS x2
    FROM ev LEFT JOIN _gdelt_codes c1 ON r.a1 = c1.code LEFT JOIN _gdelt_codes c2 ON r.a2 = c2.code
),
tagged AS (
    SELECT *, CASE
        WHEN id IS NULL THEN 'bad_id'
        WHEN t IS NULL THEN 'bad_date'
        WHEN a1 IS NULL OR a2 IS NULL THEN 'empty_actor'
        WHEN x1 IS NULL OR x2 IS NULL THEN 'unknown_code'
        WHEN x1 = x2 THEN 'same_actor'
        WHEN q IS NULL OR q NOT IN (1, 2, 3, 4) THEN 'bad_quadclass'
        WHEN year(t) < ? OR year(t) > ? THEN 'outside_years'
        WHEN {"NOT " + selected if has_actors else "FALSE"} THEN 'not_selected'
        END AS reason
    FROM mapped
)
SELECT reason,
       CASE WHEN reason = 'unknown_code' THEN (CASE WHEN x1 IS NULL THEN a1 ELSE a2 END) END
           AS code,
       CASE WHEN reason IS NULL THEN x1 END AS actor1,
       CASE WHEN reason IS NULL THEN x2 END AS actor2,
       CASE WHEN reason IS NULL THEN strftime(t, '%Y-%m') END AS month,
       sum(n) AS rows_read, count(*) AS events,
       count(*) FILTER (WHERE q = 1) AS verbal_coop,
       count(*) FILTER (WHERE q = 2) AS material_coop,
       count(*) FILTER (WHERE q = 3) AS verbal_conflict,
       count(*) FILTER (WHERE q = 4) AS material_conflict,
       avg(g) AS goldstein_mean, coalesce(sum(m), 0) AS mentions
FROM tagged GROUP BY ALL
"""


def _settings(con: duckdb.DuckDBPyConnection, names: Sequence[str]) -> dict[str, str]:
    return {n: con.execute(f"SELECT current_setting('{n}')").fetchone()[0] for n in names}


@contextlib.contextmanager
def _bounded(con: duckdb.DuckDBPyConnection | None, memory_limit: str, spill: Path):
    """A connection whose queries stay within ``memory_limit`` and spill to a private
    folder: a new one (closed afterwards) when ``con`` is None, else ``con`` with its
    settings changed for the block and restored after it.

    DuckDB fixes a database's spill folder once it has spilled there. So on a caller's
    connection that has already spilled, its own folder is kept; and when this block
    spills into its folder, that folder cannot be handed back: it is then left in the
    system's temporary folder as the connection's spill folder (empty once the query is
    done) rather than removed under DuckDB.
    """
    import duckdb

    if con is None:
        spill.mkdir()
        own = duckdb.connect(
            config={
                "memory_limit": memory_limit,
                "temp_directory": str(spill),
                "preserve_insertion_order": False,
            }
        )
        try:
            own.execute("SET enable_progress_bar_print = false")  # nothing on stdout
            yield own
        finally:
            own.close()
        return
    kept = ("memory_limit", "preserve_insertion_order", "enable_progress_bar_print")
    saved = _settings(con, (*kept, "temp_directory"))
    folder = Path(tempfile.mkdtemp(prefix="phalanx-duckdb-spill-"))
    try:
        con.execute(f"SET temp_directory = {_literal(str(folder))}")
        moved = True
    except duckdb.Error:  # the connection already spilled to its own folder: keep it
        moved = False
    try:
        con.execute(f"SET memory_limit = {_literal(memory_limit)}")
        con.execute("SET preserve_insertion_order = false")
        con.execute("SET enable_progress_bar_print = false")
        yield con
    finally:
        for name in kept:
            con.execute(f"SET {name} = {_literal(str(saved[name]))}")
        restored = not moved
        if moved:
            try:
                con.execute(f"SET temp_directory = {_literal(str(saved['temp_directory']))}")
                restored = True
            except duckdb.Error:  # DuckDB spilled there: the folder stays the connection's
                pass
        if restored:
            shutil.rmtree(folder, ignore_errors=True)


def _run(con, sql: str, params: list[Any], total: int, progress) -> list[tuple]:
    """Run ``sql``; while it runs, report its progress as bytes of ``total`` done."""
    if progress is None:
        return con.execute(sql, params).fetchall()
    result: dict[str, Any] = {}

    def work() -> None:
        try:
            result["rows"] = con.execute(sql, params).fetchall()
        except BaseException as e:  # re-raised in the caller's thread
            result["error"] = e

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    done = 0
    while thread.is_alive():
        thread.join(0.25)
        try:
            pct = float(con.query_progress())  # -1 when DuckDB cannot tell
        except Exception:  # noqa: BLE001 - progress is best effort
            pct = -1.0
        now = int(total * min(pct, 100.0) / 100.0)
        if now > done:  # DuckDB's estimate can step back; the bar does not
            done = now
            progress(done)
    if "error" in result:
        raise result["error"]
    progress(total)
    return result["rows"]


def read_gdelt(
    con: duckdb.DuckDBPyConnection | None,
    paths: str | Path | Sequence[str | Path],
    *,
    actor_ids: Iterable[str] | None = None,
    code_map: Mapping[str, str] | None = None,
    actors: Sequence[str] | None = None,
    start: int | None = None,
    end: int | None = None,
    memory_limit: str = "1GB",
    version: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> GdeltAggregate:
    """Aggregate GDELT event files to monthly directed-dyad counts, streaming.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection or None
        None (best): a private connection, closed afterwards, spilling to a temporary
        folder that is removed. A connection: its ``memory_limit``, ``temp_directory``
        and ``preserve_insertion_order`` are set for the query and restored afterwards
        (see :func:`_bounded` for the one setting DuckDB may not let go back).
    paths : path or list of paths
        GDELT event files (tab-separated, no header; GDELT 2.0's 61 columns or GDELT 1.0's
        57 or 58), or folders of them (see :func:`gdelt_files`). A ``.gz`` file is read by
        DuckDB directly; a ``.zip`` file (as GDELT publishes them) is unpacked member by
        member into the temporary folder first. Files may mix the two layouts.
    actor_ids, code_map
        The table from country codes to actor ids (:func:`code_table`).
    actors : list of actor ids, optional
        Keep only dyads with one of these actors on either side.
    start, end : int, optional
        Keep only events whose ``Day`` falls in these years (inclusive).
    memory_limit : str
        DuckDB's memory limit for the query (default ``"1GB"``); beyond it DuckDB spills to
        a temporary folder that is removed afterwards.
    version : str, optional
        The version for the provenance (default: ``"2.0"`` or ``"1.0"`` from the layout).
    progress : callable, optional
        Called with the bytes of input done so far (of the files' total) while the query
        runs.

    Returns
    -------
    GdeltAggregate
        The dyad-months, the files' provenance and the counts of what was dropped.

    Raises
    ------
    UserError
        A missing, empty or unreadable file; a file whose first line does not have a GDELT
        layout's number of columns (the message lists the expected columns and what was
        found); a row with another number of fields (with its line); a bad ``code_map``;
        years the wrong way round.
    """
    import duckdb

    if not _SIZE.fullmatch(memory_limit.strip()):
        raise UserError(
            f"memory limit {memory_limit!r} is not a size such as 512MB or 2GB",
            field="memory_limit",
        )
    if start is not None and end is not None and start > end:
        raise UserError(f"the first year {start} is after the last year {end}", field="from")
    given = [paths] if isinstance(paths, (str, Path)) else list(paths)
    if not given:
        raise UserError("no GDELT files given; expected one file or more", field="paths")
    files: list[Path] = []
    for p in given:
        files.extend(gdelt_files(p))
    codes = code_table(actor_ids, code_map)
    wanted = sorted(set(actors or ()))
    with tempfile.TemporaryDirectory(prefix="phalanx-gdelt-") as tmp:
        unpacked = Path(tmp) / "unpacked"
        unpacked.mkdir()
        groups: dict[tuple[str, ...], list[tuple[int, str]]] = {}
        sources: list[Source] = []
        names: dict[str, str] = {}
        total = 0
        for path in files:
            total += _check(path)
            members = (
                _unzip(path, unpacked)
                if path.name.lower().endswith(".zip")
                else [(path, shown_path(path))]
            )
            for member, shown in members:
                name, columns = _layout_of(member, shown)
                index = len(names)
                names[str(member)] = shown
                groups.setdefault(columns, []).append((index, str(member)))
                sha, lines = _digest(member)
                sources.append(Source(name, version or name.split()[-1], shown, sha, lines))
        sql = _query(groups, bool(wanted))
        params = [start if start is not None else -9999, end if end is not None else 9999]
        with _bounded(con, memory_limit, Path(tmp) / "spill") as work:
            work.execute("CREATE OR REPLACE TEMP TABLE _gdelt_codes (code VARCHAR, actor VARCHAR)")
            if codes:
                work.executemany("INSERT INTO _gdelt_codes VALUES (?, ?)", list(codes.items()))
            work.execute("CREATE OR REPLACE TEMP TABLE _gdelt_wanted (actor VARCHAR)")
            if wanted:
                work.executemany("INSERT INTO _gdelt_wanted VALUES (?)", [[a] for a in wanted])
            try:
                result = _run(work, sql, params, total, progress)
            except duckdb.Error as e:
                raise _read_error(e, names) from None
            finally:
                for table in ("_gdelt_codes", "_gdelt_wanted"):
                    work.execute(f"DROP TABLE IF EXISTS {table}")
    return _collect(result, sources)


_LINE = re.compile(r"Line: (\d+)")
_FILE = re.compile(r"^\s*file = (.+?)\s*$", re.MULTILINE)


def _read_error(error: Exception, names: dict[str, str]) -> UserError:
    """A DuckDB read error as a UserError naming the file (``names``: path read -> path
    shown) and the line."""
    text = str(error)
    first = text.strip().splitlines()[0] if text.strip() else type(error).__name__
    line = int(m.group(1)) if (m := _LINE.search(text)) else None
    shown = names.get(m.group(1)) if (m := _FILE.search(text)) else None
    if shown is None and len(names) == 1:
        shown = next(iter(names.values()))
    if "Expected Number of Columns" in text:
        return UserError(
            "a row has another number of fields than the file's first line; every GDELT "
            "row has the same columns",
            file=shown,
            line=line,
        )
    return UserError(f"cannot be read as GDELT event files: {first}", file=shown, line=line)


def _collect(result: list[tuple], sources: list[Source]) -> GdeltAggregate:
    dropped = dict.fromkeys(_DROPS, 0)
    unknown: dict[str, int] = {}
    rows = []
    read = distinct = 0
    for reason, code, a1, a2, month, n, events, *counts in result:
        read += int(n)
        distinct += int(n) if reason == "bad_id" else int(events)
        if reason is None:
            vc, mc, vf, mf, goldstein, mentions = counts
            rows.append(
                {
                    "actor1": a1,
                    "actor2": a2,
                    "month": month,
                    "events": int(events),
                    "verbal_coop": int(vc),
                    "material_coop": int(mc),
                    "verbal_conflict": int(vf),
                    "material_conflict": int(mf),
                    "goldstein_mean": None if goldstein is None else float(goldstein),
                    "mentions": int(mentions),
                }
            )
            continue
        dropped[reason] += int(n) if reason == "bad_id" else int(events)
        if reason == "unknown_code":
            unknown[code] = unknown.get(code, 0) + int(events)
    rows.sort(key=lambda r: (r["actor1"], r["actor2"], r["month"]))
    top = dict(sorted(unknown.items(), key=lambda kv: (-kv[1], kv[0]))[:50])
    return GdeltAggregate(rows, sources, read, read - distinct, dropped, top)


# --- the importer: dyad-months -> indicators -----------------------------------------

INDICATORS: dict[str, tuple[str, str]] = {
    "events": ("gdelt_events", "events"),
    "verbal_coop": ("gdelt_verbal_coop", "events"),
    "material_coop": ("gdelt_material_coop", "events"),
    "verbal_conflict": ("gdelt_verbal_conflict", "events"),
    "material_conflict": ("gdelt_material_conflict", "events"),
    "goldstein_mean": ("gdelt_goldstein", "goldstein_scale"),
    "mentions": ("gdelt_mentions", "mentions"),
}
"""Each aggregate of a dyad-month -> (indicator name prefix, unit). The indicator of the
dyad A -> B is ``<prefix>_B`` on the actor A: ``AZE, gdelt_material_conflict_ARM, 2022-09``
counts the material-conflict events with Azerbaijan as Actor1 and Armenia as Actor2."""

_CITATION = (
    "The GDELT Project, GDELT {v} Event Database (machine-coded events from news reports; "
    "Leetaru and Schrodt 2013, 'GDELT: Global Data on Events, Location and Tone')"
)
_URL = "https://www.gdeltproject.org/"


def indicator_rows(aggregate: GdeltAggregate, source_ids: list[str]) -> list[dict[str, Any]]:
    """The indicators rows of the dyad-months of ``aggregate`` (see :data:`INDICATORS`),
    each citing ``source_ids``; a month without any Goldstein score has no
    ``gdelt_goldstein`` row."""
    out = []
    for r in aggregate.rows:
        for key, (prefix, unit) in INDICATORS.items():
            if r[key] is None:
                continue
            out.append(
                {
                    "actor": r["actor1"],
                    "indicator": f"{prefix}_{r['actor2']}",
                    "period": r["month"],
                    "value": r[key],
                    "unit": unit,
                    "certainty": "single_source",
                    "note": None,
                    "sources": list(source_ids),
                }
            )
    return out


def _source_rows(aggregate: GdeltAggregate) -> list[dict[str, Any]]:
    """One sources row per GDELT version read (2.0, 1.0); every indicator cites all of
    them, since a dyad-month may count events of both."""
    import datetime as _dt
    import hashlib

    from phalanx.ingest.rows import source_row

    rows = []
    for v in sorted({s.version for s in aggregate.sources}, reverse=True):
        files = [s for s in aggregate.sources if s.version == v]
        sid = f"gdelt-{v}-events"
        citation = _CITATION.format(v=v)
        if len(files) == 1:
            rows.append(source_row(files[0], id=sid, citation=citation, url=_URL))
            continue
        combined = hashlib.sha256(
            "".join(f"{s.file} {s.sha256}\n" for s in files).encode()
        ).hexdigest()
        shown = ", ".join(f"{s.file} (sha256 {s.sha256})" for s in files[:10])
        more = f" and {len(files) - 10} more" if len(files) > 10 else ""
        rows.append(
            {
                "id": sid,
                "citation": citation,
                "url": _URL,
                "reliability": "scholarly",
                "accessed": _dt.datetime.now(_dt.UTC).date().isoformat(),
                "note": (
                    f"Imported from {len(files)} files, {sum(s.rows for s in files)} rows read "
                    f"(sha256 of the list of file digests {combined}): {shown}{more}."
                ),
            }
        )
    return rows


def _notes(aggregate: GdeltAggregate) -> list[str]:
    notes = [
        f"GDELT: {aggregate.rows_read:,} rows read, {aggregate.duplicates:,} repeated "
        f"GlobalEventIDs dropped (the first file's row kept), {aggregate.events:,} events in "
        f"{len(aggregate.rows):,} directed dyad-months, as indicators gdelt_*_<PARTNER> on "
        "the Actor1 state, period YYYY-MM."
    ]
    words = {
        "bad_id": "without a whole-number GlobalEventID",
        "bad_date": "with an unreadable Day (not YYYYMMDD)",
        "empty_actor": "with an empty Actor1 or Actor2 country code",
        "unknown_code": "with a country code that is no actor id of the knowledge base",
        "same_actor": "with the same state on both sides",
        "bad_quadclass": "with a QuadClass outside 1-4",
        "outside_years": "outside the years asked for",
        "not_selected": "not involving the actors asked for",
    }
    for reason, n in aggregate.dropped.items():
        if n:
            notes.append(f"GDELT: {n:,} event{'s' if n != 1 else ''} dropped {words[reason]}.")
    if aggregate.unknown_codes:
        top = ", ".join(f"{c} ({n:,})" for c, n in list(aggregate.unknown_codes.items())[:10])
        notes.append(f"GDELT: the most frequent unmapped country codes: {top}.")
    return notes


def _register() -> None:
    from phalanx.ingest.importers import importer
    from phalanx.ingest.rows import PackageRows

    @importer(
        "gdelt",
        help="GDELT 2.0 (or 1.0) event files, a file or a folder of them: monthly "
        "cooperation and conflict between states, as indicators",
    )
    def import_gdelt(
        path: Path,
        *,
        actors: list[str] | None,
        start: int | None,
        end: int | None,
        progress: Callable[[int], None] | None,
    ) -> PackageRows:
        """GDELT event files -> indicators rows per directed dyad and month (see
        :data:`INDICATORS`), with a sources row per GDELT version and notes on what was
        dropped."""
        from phalanx.ingest.rows import actor_codes

        # the states of the package the import is for (``phalanx import --data PKG``
        # sets them through ``rows.matching``; default: the embedded package's)
        states = sorted(set(actor_codes().values()))
        aggregate = read_gdelt(
            None, path, actor_ids=states, actors=actors, start=start, end=end, progress=progress
        )
        sources = _source_rows(aggregate)
        rows = indicator_rows(aggregate, [s["id"] for s in sources])
        return PackageRows({"indicators": rows}, sources, _notes(aggregate))


_register()
