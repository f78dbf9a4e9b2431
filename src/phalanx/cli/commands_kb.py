"""Knowledge-base commands: members, history, events, show, validate, export, report."""

from phalanx.cli import app  # noqa: F401
