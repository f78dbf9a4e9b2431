"""The web dashboard's settings, declared once with their defaults and bounds.

The CLI's ``phalanx serve`` options take their defaults and help from these fields, and
``docs/web.md`` lists them (a test checks that the table there matches), so the three
cannot drift apart.

>>> WebSettings().host, WebSettings().port
('127.0.0.1', 8000)
>>> WebSettings(port=0)
Traceback (most recent call last):
...
phalanx.errors.ParameterError: The 'port' parameter of WebSettings must be greater than or equal to 1. Got 0 instead.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from phalanx.params import Settings

__all__ = ["WebSettings", "default_state_dir"]


def default_state_dir() -> Path:
    """Where the dashboard keeps its job database and run archive: ``~/.phalanx/web``."""
    return Path.home() / ".phalanx" / "web"


class WebSettings(Settings):
    """What ``phalanx serve`` runs with: where it listens, which data, and its bounds.

    The bounds protect a shared machine: an ensemble larger than ``max_runs`` runs or
    ``max_years`` years, more than ``max_queued`` waiting jobs, or a design over
    ``max_design_points`` points is refused with the reason; at most ``max_jobs`` jobs
    run at once, each stopped after ``job_timeout`` seconds.
    """

    host: str = Field(
        "127.0.0.1",
        min_length=1,
        max_length=255,
        description="Address to listen on (default 127.0.0.1: this machine only).",
    )
    port: int = Field(8000, ge=1, le=65535, description="TCP port to listen on (1 to 65535).")
    data: str | None = Field(
        None,
        max_length=4096,
        description="A data package folder to serve instead of the embedded one "
        "(default: the embedded package).",
    )
    on_top: bool = Field(False, description="Layer the data package on top of the embedded one.")
    state_dir: Path = Field(
        default_factory=default_state_dir,
        description="Folder for the job database and the archive of runs (default ~/.phalanx/web).",
    )
    max_runs: int = Field(
        2000,
        ge=1,
        le=100000,
        description="Most Monte Carlo runs one job may ask for (1 to 100000).",
    )
    max_years: int = Field(
        15, ge=1, le=50, description="Most years one simulated ensemble may cover (1 to 50)."
    )
    max_jobs: int = Field(
        2, ge=1, le=16, description="Jobs running at once, each in a worker process (1 to 16)."
    )
    max_queued: int = Field(
        8,
        ge=0,
        le=1000,
        description="Jobs that may wait for a worker; more are refused (0 to 1000).",
    )
    job_timeout: float = Field(
        600.0,
        gt=0,
        le=24 * 3600,
        description="Seconds a job may run before it is stopped (up to a day).",
    )
    max_design_points: int = Field(
        200,
        ge=1,
        le=100000,
        description="Most points of a discovery or sensitivity design (1 to 100000).",
    )


def _bounds(name: str) -> str:
    """The declared range of a numeric field as text (``1 to 65535``, ``> 0 to 86400``)."""
    lo = hi = None
    strict = False
    for m in WebSettings.model_fields[name].metadata:
        for attr, is_strict in (("ge", False), ("gt", True)):
            if getattr(m, attr, None) is not None:
                lo, strict = getattr(m, attr), is_strict
        for attr in ("le", "lt"):
            if getattr(m, attr, None) is not None:
                hi = getattr(m, attr)
    if lo is None and hi is None:
        return ""
    left = "" if lo is None else (f"> {lo:g}" if strict else f"{lo:g}")
    return f"{left} to {hi:g}" if hi is not None else left


def settings_table() -> str:
    """The settings as a Markdown table (option, default, range, what it does): the table
    in ``docs/web.md``, which a test keeps equal to this output."""
    rows = ["| option | default | range | what it sets |", "|---|---|---|---|"]
    for name, field in WebSettings.model_fields.items():
        flag = "--" + name.replace("_", "-")
        if name == "state_dir":
            default = "~/.phalanx/web"
        else:
            value = field.get_default(call_default_factory=True)
            default = "none" if value is None else str(value).lower()
        rows.append(f"| `{flag}` | {default} | {_bounds(name)} | {field.description} |")
    return "\n".join(rows)
