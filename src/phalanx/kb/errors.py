"""Problems found in a data package, reported all at once."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from phalanx.errors import UserError

__all__ = ["Problem", "DataPackageError", "display_path"]


def display_path(path: Path) -> str:
    """``path`` relative to the working folder when it lies below it, else absolute."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a data package: where it is, and what was expected.

    ``line`` is the 1-based line of the file (the header is line 1); ``None`` when the
    problem concerns the whole file. ``severity`` is ``"error"`` (the package is not
    loaded) or ``"warning"`` (it is loaded; e.g. an optional table is absent and empty).

    >>> str(Problem("a/votes.csv", None, None, "x", "warning"))
    'a/votes.csv: warning: x'
    """

    file: str
    line: int | None
    field: str | None
    message: str
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        return self.text()

    def text(self, with_level: bool = True) -> str:
        """``file:line: [warning:] field 'x': message``; ``with_level=False`` leaves out the
        level, for callers that print it themselves."""
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        what = f" field '{self.field}':" if self.field else ""
        level = " warning:" if with_level and self.severity == "warning" else ""
        return f"{where}:{level}{what} {self.message}"


class DataPackageError(UserError):
    """A data package failed validation; ``problems`` lists every problem found.

    Nothing of a package that raises this is loaded.
    """

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(
            set(problems), key=lambda p: (p.file, p.line or 0, p.field or "", p.message)
        )
        super().__init__(self.summary())

    def __reduce__(self):
        return (type(self), (self.problems,))

    def summary(self, limit: int | None = 50) -> str:
        """The problems as text, one a line, at most ``limit`` of them."""
        shown = self.problems if limit is None else self.problems[:limit]
        head = f"the data package has {len(self.problems)} problem(s) and was not loaded:"
        lines = [head, *(f"  {p}" for p in shown)]
        if len(shown) < len(self.problems):
            lines.append(f"  ... and {len(self.problems) - len(shown)} more")
        return "\n".join(lines)
