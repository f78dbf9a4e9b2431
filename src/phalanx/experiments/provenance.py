"""What a run says about its own provenance, in words (shared by the CLI and the report)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["parameters_text"]


def parameters_text(meta: Mapping[str, Any]) -> str:
    """Where a run's model parameters came from, in one line of plain text.

    ``meta`` is a run's metadata (its ``parameters_source``, recorded by
    :func:`phalanx.experiments.runner.run_experiment`). The CLI and the report print the
    same line.
    """
    src = meta.get("parameters_source") or {}
    kind = src.get("kind")
    if kind == "posterior":
        return (
            f"Parameters: the package's posterior {src.get('file')} ({src.get('draws')} draws "
            f"of {', '.join(src.get('parameters', []))}; replicate r takes draw r % "
            f"{src.get('draws')}; calibrated on {src.get('data_version')})"
        )
    if kind == "file":
        return f"Parameters: the file {src.get('file')}"
    if kind == "given":
        return "Parameters: given by the caller"
    if kind == "defaults":
        return "Parameters: the model's defaults (the package has no calibrated posterior)"
    return "Parameters: not recorded (a run from before issue 10)"
