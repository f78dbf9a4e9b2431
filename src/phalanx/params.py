"""One way to declare and validate settings and parameters.

Every settings class and every model's parameters are declared once, as a :class:`Settings`
(a frozen pydantic model): the name, the type, the default, the allowed range and a
description with units. Validation happens on construction, and every error reads the same:

    The 'time_limit' parameter of StrainSettings must be greater than 0. Got nan instead.

NaN and infinities are refused everywhere (``allow_inf_nan=False``), unknown names are
refused (``extra="forbid"``), and a settings object is immutable and JSON-serialisable
(``model_dump(mode="json")``), so a run records exactly the parameters it used.

The CLI takes its options' defaults and help from the same declarations
(:func:`default_of`, :func:`describe`), so the two cannot drift apart.

Models keep the estimator shape: settings in ``__init__``, work in ``fit``/``run``, results
in attributes ending in ``_``. An estimator names its declaration in ``Params`` and calls
:meth:`Estimator._validate_params` at the start of ``fit``.

>>> from pydantic import Field
>>> class Demo(Settings):
...     k: int = Field(2, ge=1, le=20, description="Largest number of coalitions.")
>>> Demo(k=3).k
3
>>> Demo(k=0)
Traceback (most recent call last):
...
phalanx.errors.ParameterError: The 'k' parameter of Demo must be greater than or equal to 1. Got 0 instead.
>>> default_of(Demo, "k"), describe(Demo, "k")
(2, 'Largest number of coalitions.')
"""

from __future__ import annotations

import inspect
from contextvars import ContextVar
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationError

from phalanx.errors import ParameterError

__all__ = ["Settings", "Estimator", "default_of", "describe", "parameter_error"]


def parameter_error(owner: str, error: ValidationError) -> ParameterError:
    """The first problem of a pydantic ``ValidationError`` in Phalanx's uniform wording."""
    first = error.errors()[0]
    name = ".".join(str(p) for p in first["loc"]) or "value"
    msg = first["msg"]
    for prefix, repl in (("Input should be", "must be"), ("Value error, ", ""), ("Input ", "")):
        if msg.startswith(prefix):
            msg = repl + msg[len(prefix) :]
    if first["type"] == "extra_forbidden":
        msg = "is not a parameter"
    elif first["type"] == "missing":
        msg = "is required"
    msg = msg.rstrip(".")
    got = first.get("input")
    tail = "" if first["type"] == "missing" else f" Got {got!r} instead."
    more = len(error.errors()) - 1
    extra = f" ({more} more problem(s))" if more > 0 else ""
    err = ParameterError(f"The {name!r} parameter of {owner} {msg}.{tail}{extra}")
    err.field = name  # the message names it already
    return err


_OWNER: ContextVar[str | None] = ContextVar("phalanx_params_owner", default=None)
"""Name shown in messages while an estimator validates its parameters."""


class Settings(BaseModel):
    """Base of every declared settings class: frozen, strict about names, no NaN."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", allow_inf_nan=False, arbitrary_types_allowed=True
    )

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as e:
            raise parameter_error(_OWNER.get() or type(self).__name__, e) from None

    def replace(self, **changes: Any) -> Settings:
        """A validated copy with ``changes`` applied."""
        return type(self)(**{**self.model_dump(), **changes})


def default_of(cls: type[BaseModel], name: str) -> Any:
    """The declared default of field ``name`` of ``cls``."""
    field = cls.model_fields[name]
    return field.get_default(call_default_factory=True)


def describe(cls: type[BaseModel], name: str) -> str:
    """The declared description of field ``name`` of ``cls`` (for help texts and docs)."""
    return cls.model_fields[name].description or ""


class Estimator:
    """Mixin for models in the estimator shape, with parameters declared in ``Params``.

    ``__init__`` stores its keyword arguments unchanged (as scikit-learn does);
    :meth:`get_params` returns them; :meth:`_validate_params` checks them against
    ``Params`` and returns the validated settings. Call it first in ``fit``/``run``.
    """

    Params: ClassVar[type[Settings]]

    def get_params(self) -> dict[str, Any]:
        """The constructor arguments as given (names from ``__init__``'s signature)."""
        sig = inspect.signature(type(self).__init__)
        return {
            n: getattr(self, n)
            for n, p in sig.parameters.items()
            if n != "self" and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
        }

    def _validate_params(self) -> Settings:
        token = _OWNER.set(type(self).__name__)
        try:
            return self.Params(**self.get_params())
        finally:
            _OWNER.reset(token)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"
