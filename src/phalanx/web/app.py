"""The dashboard's application: ``create_app(settings)``.

The application loads the knowledge base once (at start-up, in the lifespan), keeps it in
``app.state.kb`` with the settings in ``app.state.settings``, and starts the job manager
(``app.state.jobs``, :class:`phalanx.web.jobs.JobManager`), which it shuts down on exit.

Errors never show a traceback to a client:

- a :class:`~phalanx.errors.UserError` (bad input the library caught) is a 400 with
  ``{"detail": message, "field": field}``; an unknown id (actor, organisation, table,
  issue) is a 404 naming it;
- a request that does not match the declared parameters is a 422 naming the field;
- an unknown path is a 404;
- anything else is a 500 with a generic message; the traceback goes to the server's log.

Each error is an HTML page for a browser and JSON for a script (the ``Accept`` header or
a ``.json`` path decides). Static files come from this package (``/static/app.css``,
``/static/app.js``) and from :mod:`phalanx.figures` (``/static/plotly-basic.min.js``, the
one chart library): the pages fetch nothing from another host. The OpenAPI schema is at
``/openapi.json``; ``/docs`` is a plain page listing the endpoints (FastAPI's own docs
pages load their scripts from a CDN, so they are turned off).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from phalanx.errors import UserError
from phalanx.web.render import TEMPLATES, json_response, wants_json
from phalanx.web.settings import WebSettings

__all__ = ["create_app", "load_knowledge_base"]

log = logging.getLogger("phalanx.web")

STATIC = Path(__file__).parent / "static"


def load_knowledge_base(settings: WebSettings) -> Any:
    """The knowledge base the settings name: the embedded package, a package folder, or
    a folder layered on the embedded one. A missing folder is a UserError naming ``data``."""
    from phalanx.kb.store import KnowledgeBase

    if settings.data is None:
        if settings.on_top:
            raise UserError("on_top needs a data package folder", field="data")
        return KnowledgeBase.embedded()
    path = Path(settings.data)
    if not path.is_dir():
        what = "does not exist" if not path.exists() else "is not a folder"
        raise UserError(f"{what}; expected a data package folder", file=path, field="data")
    return KnowledgeBase.from_path(path, on_top=settings.on_top)


def _include_routers(app: FastAPI) -> None:
    from phalanx.web import routes_jobs, routes_pages

    app.include_router(routes_pages.router)
    app.include_router(routes_jobs.router)


def _error(request: Request, status: int, detail: str, field: str | None = None, **extra: Any):
    """An error as JSON for scripts, or as the error page for browsers."""
    body = {"detail": detail, "field": field, **extra}
    if wants_json(request) or request.url.path.startswith(("/api/", "/static/")):
        return json_response(body, status_code=status)
    context = {"title": f"Error {status}", "status": status, "error": body, "view": "error"}
    return TEMPLATES.TemplateResponse(request, "error.html", context, status_code=status)


def _validation_field(err: dict) -> str:
    """The parameter a validation error is about (``shift``, not ``query.shift.0``)."""
    loc = [
        str(p)
        for p in err.get("loc", ())
        if p not in ("query", "path", "body", "header") and not isinstance(p, int)
    ]
    return ".".join(loc) or "request"


def drop_empty_parameters(query: bytes) -> bytes:
    """The query string without empty parameters (``at=``), which a GET form sends for a
    field left blank: an empty parameter means the same as one left out.

    >>> drop_empty_parameters(b"at=&org=CSTO&shift=&shift=A%3AB%3A1")
    b'org=CSTO&shift=A%3AB%3A1'
    """
    parts = [p for p in query.split(b"&") if p and not p.endswith(b"=")]
    return b"&".join(parts)


class _NoTraceback:
    """ASGI middleware: an exception that escaped every handler becomes a plain 500
    (and empty query parameters are dropped first, see :func:`drop_empty_parameters`).

    The traceback is logged on the server; the client gets a generic message (HTML or
    JSON, as it asked). A failure after the response has started cannot be turned into
    a 500 and ends the response (also logged).
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope.get("query_string"):
            scope = dict(scope, query_string=drop_empty_parameters(scope["query_string"]))
        started = False

        async def tracked(message: dict) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception:
            log.exception("error while serving %s", scope.get("path"))
            if started:
                return
            request = Request(scope, receive)
            response = _error(
                request, 500, "internal error: the server could not answer this request"
            )
            await response(scope, receive, send)


def create_app(settings: WebSettings | None = None, *, kb: Any = None) -> FastAPI:
    """The dashboard as a FastAPI application.

    ``settings``: where it listens, which data, the jobs' bounds (default
    :class:`WebSettings()`). ``kb``: an already loaded knowledge base to serve (the CLI
    loads it first, so a broken package is reported before the server starts; tests share
    one); by default the lifespan loads the one the settings name.
    """
    settings = settings if settings is not None else WebSettings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = settings
        app.state.kb = kb if kb is not None else load_knowledge_base(settings)
        from phalanx.web.jobs import JobManager

        app.state.jobs = JobManager(settings)
        app.state.jobs.start()
        try:
            yield
        finally:
            app.state.jobs.shutdown()

    from phalanx import __version__

    app = FastAPI(
        title="Phalanx dashboard",
        version=__version__,
        description="The knowledge base, measures and models of Phalanx as pages and JSON.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings

    @app.exception_handler(UserError)
    async def user_error(request: Request, exc: UserError) -> Response:
        from phalanx.kb.store import UnknownIdError

        status = 404 if isinstance(exc, UnknownIdError | LookupError) else 400
        return _error(request, status, str(exc), exc.field)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        errors = exc.errors()
        first = errors[0] if errors else {}
        field = _validation_field(first) if first else "request"
        msg = str(first.get("msg", "invalid value"))
        problems = [
            {"field": _validation_field(e), "message": str(e.get("msg", ""))} for e in errors
        ]
        return _error(request, 422, f"{field}: {msg}", field, problems=problems)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) else "error"
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"no page at {request.url.path}"
        field = getattr(exc, "field", None)
        response = _error(request, exc.status_code, detail, field)
        for k, v in (exc.headers or {}).items():
            response.headers[k] = v
        return response

    app.add_middleware(_NoTraceback)

    bundle = resources.files("phalanx.figures") / "plotly-basic.min.js"

    @app.get("/static/plotly-basic.min.js", include_in_schema=False)
    def plotly_bundle() -> FileResponse:
        return FileResponse(str(bundle), media_type="text/javascript")

    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")

    @app.get("/docs", include_in_schema=False)
    def docs_page(request: Request) -> Response:
        routes = sorted(
            (r.path, ",".join(sorted(r.methods or ())), r.summary or r.name)
            for r in app.routes
            if getattr(r, "include_in_schema", False) and hasattr(r, "methods")
        )
        context = {"title": "API", "routes": routes, "view": "docs", "data": {}}
        return TEMPLATES.TemplateResponse(request, "docs.html", context)

    _include_routers(app)
    return app
