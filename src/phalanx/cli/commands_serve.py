"""The web dashboard: ``phalanx serve`` runs it on this machine."""

from __future__ import annotations

import importlib.util
import socket
from pathlib import Path
from typing import Annotated

from phalanx.cli import app
from phalanx.cli.common import (
    DataOption,
    OnTopOption,
    UserError,
    console,
    declared_option,
    default_of,
    escape,
    user_errors,
)
from phalanx.web.settings import WebSettings

_WEB_MODULES = ("fastapi", "uvicorn", "jinja2")
"""What the ``web`` extra installs; the command checks them before anything else."""


def check_web_extra() -> None:
    """A UserError when a package of the ``web`` extra is missing, saying how to add it."""
    missing = [m for m in _WEB_MODULES if importlib.util.find_spec(m) is None]
    if missing:
        raise UserError(
            f"the dashboard needs the 'web' extra ({', '.join(missing)} missing): "
            "pip install 'phalanx[web]'",
            field="serve",
        )


def check_address(host: str, port: int) -> None:
    """A UserError when ``host`` is not an address of this machine or ``port`` is taken.

    Binds a socket to the address and closes it again, so that the server's own bind
    (a moment later) fails only in a race; the message names the option to change.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError) as e:
        raise UserError(f"cannot resolve host {host!r}: {e}", field="--host") from None
    family, _, _, _, address = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as s:
        try:
            s.bind(address)
        except PermissionError:
            raise UserError(
                f"no permission to listen on port {port} (ports below 1024 need privileges); "
                "choose another with --port",
                field="--port",
            ) from None
        except OSError as e:
            if e.errno in (98, 48, 10048):  # EADDRINUSE on Linux, macOS, Windows
                raise UserError(
                    f"port {port} on {host} is already in use; choose another with --port",
                    field="--port",
                ) from None
            raise UserError(
                f"cannot listen on {host}:{port}: {e.strerror or e}", field="--host"
            ) from None


def url_of(host: str, port: int) -> str:
    """The address to open in a browser (an IPv6 host in brackets).

    >>> url_of("127.0.0.1", 8000), url_of("::1", 8080)
    ('http://127.0.0.1:8000/', 'http://[::1]:8080/')
    """
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


S = WebSettings


@app.command("serve")
def serve(
    host: Annotated[str, declared_option(S, "host", "--host")] = default_of(S, "host"),
    port: Annotated[int, declared_option(S, "port", "--port")] = default_of(S, "port"),
    data: DataOption = None,
    on_top: OnTopOption = False,
    state_dir: Annotated[
        Path | None,
        declared_option(S, "state_dir", "--state-dir"),
    ] = None,
    max_runs: Annotated[int, declared_option(S, "max_runs", "--max-runs")] = default_of(
        S, "max_runs"
    ),
    max_years: Annotated[int, declared_option(S, "max_years", "--max-years")] = default_of(
        S, "max_years"
    ),
    max_jobs: Annotated[int, declared_option(S, "max_jobs", "--max-jobs")] = default_of(
        S, "max_jobs"
    ),
    max_queued: Annotated[int, declared_option(S, "max_queued", "--max-queued")] = default_of(
        S, "max_queued"
    ),
    job_timeout: Annotated[float, declared_option(S, "job_timeout", "--job-timeout")] = default_of(
        S, "job_timeout"
    ),
    max_design_points: Annotated[
        int, declared_option(S, "max_design_points", "--max-design-points")
    ] = default_of(S, "max_design_points"),
) -> None:
    """Run the web dashboard on this machine (http://127.0.0.1:8000/ by default).

    Pages for the overview, timeline, network, alignment and decisions, scenarios,
    discovery and data, each with a JSON twin and downloads. It listens on 127.0.0.1 (this
    machine only) unless --host says otherwise. Ctrl+C stops it.
    """
    with user_errors():
        check_web_extra()
        fields = {
            "host": host,
            "port": port,
            "data": None if data is None else str(data),
            "on_top": on_top,
            "max_runs": max_runs,
            "max_years": max_years,
            "max_jobs": max_jobs,
            "max_queued": max_queued,
            "job_timeout": job_timeout,
            "max_design_points": max_design_points,
        }
        if state_dir is not None:
            fields["state_dir"] = state_dir
        settings = WebSettings(**fields)
        if settings.state_dir.exists() and not settings.state_dir.is_dir():
            raise UserError("is not a folder", file=settings.state_dir, field="--state-dir")
        check_address(settings.host, settings.port)
        from phalanx.web.app import create_app, load_knowledge_base

        kb = load_knowledge_base(settings)
        application = create_app(settings, kb=kb)
    import uvicorn

    url = url_of(settings.host, settings.port)
    console.print(escape(f"Phalanx dashboard: {url}  (data {kb.version}; Ctrl+C stops it)"))
    if settings.host not in ("127.0.0.1", "localhost", "::1"):
        console.print(escape(f"warning: listening on {settings.host}: other machines can reach it"))
    uvicorn.run(application, host=settings.host, port=settings.port, log_level="warning")
