"""Errors a user can cause and fix, in one family.

Every error that bad input can cause (a broken data package, an unknown id, a malformed
edge list or issue file, a parameter out of range, a file that cannot be written) is a
:class:`UserError`. It says where the problem is (``file``, ``line``, ``field``) and what
was expected. The shells (CLI, report, web) catch this class alone and print its message:
anything else is a bug and keeps its traceback.

``UserError`` derives from ``ValueError``, so library callers who catch ``ValueError`` keep
working.

>>> e = UserError("expected a number, got 'x'", file="sizes.csv", line=3, field="size")
>>> str(e)
"sizes.csv:3: field 'size': expected a number, got 'x'"
>>> e.file, e.line, e.field
('sizes.csv', 3, 'size')
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["UserError", "ParameterError", "UnsafePathError", "location"]


def location(file: str | Path | None, line: int | None = None, field: str | None = None) -> str:
    """``file:line: field 'x':`` as text, leaving out the parts that are None.

    >>> location("a.csv", 2, "sign")
    "a.csv:2: field 'sign':"
    >>> location(None, None, "k")
    "field 'k':"
    """
    parts = []
    if file is not None:
        parts.append(f"{file}:{line}:" if line is not None else f"{file}:")
    if field is not None:
        parts.append(f"field {field!r}:")
    return " ".join(parts)


class UserError(ValueError):
    """An error in what the user gave: a file, an id, an option or a parameter.

    Parameters
    ----------
    message : str
        What is wrong and what is expected, in one sentence.
    file, line, field : optional
        Where: the file (as the user named it), its 1-based line, and the field or option.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.message = message
        self.file = None if file is None else str(file)
        self.line = line
        self.field = field
        where = location(self.file, line, field)
        super().__init__(f"{where} {message}" if where else message)

    def __reduce__(self):  # keep the keywords when pickled (worker processes)
        return (_rebuild, (type(self), self.message, self.file, self.line, self.field))


def _rebuild(cls, message, file, line, field):
    err = cls.__new__(cls)
    UserError.__init__(err, message, file=file, line=line, field=field)
    return err


class ParameterError(UserError):
    """A setting or model parameter outside its declared range or type.

    The message always reads ``The 'x' parameter of F must be ... Got ... instead.``
    """


class UnsafePathError(UserError):
    """A path that leaves its folder, is not a regular file, or may not be replaced."""
