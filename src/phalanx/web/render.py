"""One way to publish a view: an HTML page, its JSON twin and its downloads.

A view is a plain function that returns a plain dict (what a library call gave, made
JSON-ready). :func:`page` registers it on a router under several URLs:

- ``GET path``: the HTML page, rendered from ``templates/NAME.html`` (which extends
  ``base.html``); with ``Accept: application/json`` (and no ``text/html``) the same URL
  answers with the JSON instead, so scripts and browsers share one address;
- ``GET path.json``: the dict as JSON, always;
- ``GET path.csv`` and ``GET path.parquet`` when the view declares a ``table``
  (a function of the dict giving column names and rows);
- ``GET path.graphml``, ``path.gexf`` and ``path.csv`` (the edge list) when the view
  declares a ``network`` (a function of the knowledge base and the dict giving the
  ``networkx`` graph that :mod:`phalanx.network.export` writes).

Every input of a view is a declared query or path parameter (FastAPI validates it, so a
bad one is a 422 naming the field), and the view's state is its URL. A view may ask for
the knowledge base by naming a parameter ``kb``, and for the request by naming one
``request``; neither is part of its public signature. Views run one at a time (a lock
around the knowledge base's DuckDB connection, which is not safe across threads).
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import inspect
import io
import json
import math
import threading
import typing
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

__all__ = [
    "TEMPLATES",
    "csv_bytes",
    "jsonable",
    "json_response",
    "page",
    "parquet_bytes",
    "wants_json",
]

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
"""The page templates (autoescaped: text from the data is never read as markup)."""


def url_with(request: Request, **changes: Any) -> str:
    """This page's URL with some query parameters replaced (the others kept, repeated ones
    too): for paging links and the like."""
    from urllib.parse import urlencode

    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in changes]
    kept += [(k, str(v)) for k, v in changes.items() if v is not None]
    query = urlencode(kept)
    return f"{request.url.path}?{query}" if query else request.url.path


TEMPLATES.env.globals["url_with"] = url_with

_KB_LOCK = threading.Lock()
"""Serialises the views: they share one DuckDB connection."""

Table = Callable[[dict], tuple[Sequence[str], Sequence[dict]]]
Network = Callable[[Any, dict], Any]
Figures = Callable[[dict], dict[str, Any]]


def jsonable(obj: Any) -> Any:
    """``obj`` as plain JSON data: dates and partial dates as ISO text, tuples and sets as
    lists, NumPy values as Python numbers, NaN and infinities as None (JSON has no NaN).

    >>> jsonable({"d": dt.date(2022, 10, 1), "t": (1, 2.5), "x": float("nan")})
    {'d': '2022-10-01', 't': [1, 2.5], 'x': None}
    """
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [jsonable(v) for v in obj]
    if isinstance(obj, set | frozenset):
        return [jsonable(v) for v in sorted(obj, key=str)]
    if isinstance(obj, bool) or obj is None or isinstance(obj, int | str):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dt.datetime | dt.date):
        return obj.isoformat()
    if isinstance(obj, Path):
        return str(obj)
    if hasattr(obj, "tolist"):  # NumPy scalars and arrays
        return jsonable(obj.tolist())
    if hasattr(obj, "__dataclass_fields__"):
        import dataclasses

        return jsonable(dataclasses.asdict(obj))
    return str(obj)  # PartialDate and other value objects print as their ISO text


def json_response(data: Any, status_code: int = 200) -> Response:
    """``data`` as a JSON response (UTF-8, no NaN)."""
    body = json.dumps(jsonable(data), ensure_ascii=False, allow_nan=False)
    return Response(body, status_code=status_code, media_type="application/json")


def wants_json(request: Request) -> bool:
    """Whether the client asked for JSON: a ``.json`` path, or an ``Accept`` header that
    names ``application/json`` and not ``text/html`` (browsers name text/html)."""
    if request.url.path.endswith(".json"):
        return True
    accept = request.headers.get("accept", "").lower()
    return "application/json" in accept and "text/html" not in accept


def _cell(value: Any) -> Any:
    """A value as one CSV/Parquet cell: lists joined with ``;``, None empty."""
    if value is None:
        return None
    if isinstance(value, list | tuple | set | frozenset):
        return ";".join(str(_cell(v)) for v in value)
    if isinstance(value, bool | int | float | str):
        return value
    return str(jsonable(value))


def csv_bytes(columns: Sequence[str], rows: Sequence[dict]) -> bytes:
    """Rows as CSV, safe to open in a spreadsheet (text cells that begin with ``=``, ``+``,
    ``-`` or ``@`` get a leading apostrophe; numbers are left as they are)."""
    from phalanx.network.export import neutralise

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for r in rows:
        w.writerow(["" if (c := _cell(r.get(k))) is None else neutralise(c) for k in columns])
    return buf.getvalue().encode("utf-8")


def parquet_bytes(columns: Sequence[str], rows: Sequence[dict]) -> bytes:
    """Rows as a Parquet file (pyarrow infers each column's type; mixed columns are text)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrays = []
    for k in columns:
        values = [_cell(r.get(k)) for r in rows]
        try:
            arrays.append(pa.array(values))
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            arrays.append(pa.array([None if v is None else str(v) for v in values]))
    table = pa.Table.from_arrays(arrays, names=list(columns))
    buf = io.BytesIO()
    pq.write_table(table, buf)
    return buf.getvalue()


def _figure_json(fig: Any) -> str:
    """A Plotly figure as JSON that is safe inside a ``<script>`` element."""
    text = fig.to_json()
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _public_signature(view: Callable) -> tuple[inspect.Signature, bool, bool]:
    """The view's signature with ``kb`` and ``request`` taken out and ``request: Request``
    put first; annotations resolved (so FastAPI sees the declared Query/Path objects)."""
    hints = typing.get_type_hints(view, include_extras=True)
    sig = inspect.signature(view)
    params = []
    wants_kb = wants_request = False
    for p in sig.parameters.values():
        if p.name == "kb":
            wants_kb = True
            continue
        if p.name == "request":
            wants_request = True
            continue
        params.append(p.replace(annotation=hints.get(p.name, p.annotation)))
    req = inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request)
    return sig.replace(parameters=[req, *params], return_annotation=Any), wants_kb, wants_request


def _download_name(request: Request, suffix: str) -> str:
    stem = request.url.path.strip("/").replace("/", "-") or "overview"
    return stem.removesuffix(suffix) + suffix


def page(
    router: APIRouter,
    path: str,
    *,
    name: str,
    title: str,
    table: Table | None = None,
    network: Network | None = None,
    figures: Figures | None = None,
) -> Callable[[Callable[..., dict]], Callable[..., dict]]:
    """Register the view below as an HTML page at ``path`` with its JSON twin and downloads.

    ``name``: the template (``templates/NAME.html``) and the route names (``NAME``,
    ``NAME-json``, ``NAME-csv``...); ``title``: the page's heading. ``table(data) ->
    (columns, rows)`` adds ``.csv`` and ``.parquet``; ``network(kb, data) -> nx.Graph`` adds
    ``.graphml``, ``.gexf`` and ``.csv`` (edges, through :mod:`phalanx.network.export`);
    ``figures(data) -> {id: plotly Figure}`` gives the charts the template places. The view
    function is returned unchanged, so it can be called directly (tests, other shells).
    """

    def decorator(view: Callable[..., dict]) -> Callable[..., dict]:
        sig, wants_kb, wants_request = _public_signature(view)

        def compute(request: Request, kwargs: dict) -> dict:
            if wants_kb:
                kwargs["kb"] = request.app.state.kb
            if wants_request:
                kwargs["request"] = request
            with _KB_LOCK:
                return jsonable(view(**kwargs))

        def endpoint(fmt: str) -> Callable[..., Response]:
            def run(request: Request, **kwargs: Any) -> Response:
                data = compute(request, kwargs)
                if fmt == "json" or (fmt == "html" and wants_json(request)):
                    return json_response(data)
                if fmt == "html":
                    return _html(request, data)
                if fmt in ("csv", "parquet") and network is None:
                    assert table is not None
                    cols, rows = table(data)
                    body = csv_bytes(cols, rows) if fmt == "csv" else parquet_bytes(cols, rows)
                else:
                    from phalanx.network import export

                    assert network is not None
                    with _KB_LOCK:
                        G = network(request.app.state.kb, data)
                    body = export.edges_csv(G) if fmt == "csv" else export.serialise(G, fmt)
                media = {
                    "csv": "text/csv; charset=utf-8",
                    "parquet": "application/vnd.apache.parquet",
                    "graphml": "application/graphml+xml",
                    "gexf": "application/gexf+xml",
                }[fmt]
                disposition = f'attachment; filename="{_download_name(request, "." + fmt)}"'
                return Response(
                    body, media_type=media, headers={"content-disposition": disposition}
                )

            functools.update_wrapper(run, view, assigned=("__module__", "__doc__"))
            run.__name__ = f"{view.__name__}_{fmt}"
            run.__signature__ = sig  # type: ignore[attr-defined]
            return run

        def _html(request: Request, data: dict) -> HTMLResponse:
            figs = {k: _figure_json(f) for k, f in (figures(data) if figures else {}).items()}
            links = {"JSON": _with_query(request, path_of(request, ".json"))}
            for fmt in downloads:
                links[fmt.upper()] = _with_query(request, path_of(request, "." + fmt))
            context = {"data": data, "title": title, "figures": figs, "links": links, "view": name}
            return TEMPLATES.TemplateResponse(request, f"{name}.html", context)

        downloads = []
        if table is not None and network is None:
            downloads = ["csv", "parquet"]
        if network is not None:
            downloads = ["graphml", "gexf", "csv"]
        doc = (view.__doc__ or title).strip().split("\n\n")[0]
        # suffixed routes first: a path parameter would otherwise swallow ".json"
        for fmt in ("json", *downloads):
            router.add_api_route(
                f"{path.rstrip('/') or ''}.{fmt}" if path != "/" else f"/index.{fmt}",
                endpoint(fmt),
                methods=["GET"],
                name=f"{name}-{fmt}",
                summary=f"{title} ({fmt.upper()})",
                description=doc,
                response_class=Response,
            )
        router.add_api_route(
            path,
            endpoint("html"),
            methods=["GET"],
            name=name,
            summary=title,
            description=doc + " HTML, or JSON with `Accept: application/json`.",
            response_class=HTMLResponse,
        )
        return view

    return decorator


def path_of(request: Request, suffix: str) -> str:
    """The path of this page's twin with ``suffix`` (``/`` becomes ``/index``)."""
    p = request.url.path
    for s in (".json", ".csv", ".parquet", ".graphml", ".gexf"):
        p = p.removesuffix(s)
    return ("/index" if p in ("", "/") else p.rstrip("/")) + suffix


def _with_query(request: Request, path: str) -> str:
    q = request.url.query
    return f"{path}?{q}" if q else path
