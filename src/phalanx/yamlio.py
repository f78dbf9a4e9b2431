"""Strict, bounded YAML for user files (issue files, scenario files), with line numbers.

:func:`load_yaml` reads a file through :func:`phalanx.safe_files.read_user_text` (regular
files only, bounded size, UTF-8) and parses it with a :class:`yaml.SafeLoader` subclass
that is stricter than YAML itself:

* a key repeated in one mapping is an error naming both lines (YAML would keep the last
  value silently);
* nesting deeper than ``max_depth`` mappings and lists is an error (no recursion blow-up on hostile input);
* anchors and aliases are refused (they are never needed in a hand-written data file, and
  they are how "billion laughs" inputs explode);
* dates and times stay text (``2022-09-13`` is the string ``"2022-09-13"``), so that one
  validator checks every date, quoted or not, and ``2022-02-30`` is refused there with its
  line, never half-read as a timestamp;
* only one document per file.

It also returns ``locate``, which maps a location such as a pydantic error's ``loc``
(``("actors", 2, "salience", "value")``) to the 1-based line of the deepest node of the
YAML tree that the location reaches, so that a validation error can name file, line and
field.

>>> import tempfile, os
>>> d = tempfile.mkdtemp()
>>> p = os.path.join(d, "x.yaml")
>>> _ = open(p, "w").write("a: 1\\nb:\\n  - {c: 2022-09-13}\\n  - {c: 3}\\n")
>>> data, locate = load_yaml(p)
>>> data
{'a': 1, 'b': [{'c': '2022-09-13'}, {'c': 3}]}
>>> locate(("b", 1, "c")), locate(("b", 7))  # 7 is past the end: the list's line
(4, 3)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import yaml
from yaml.events import AliasEvent, MappingStartEvent, SequenceStartEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from phalanx.errors import UserError
from phalanx.safe_files import read_user_text

__all__ = ["load_yaml", "YAML_LIMIT", "MAX_DEPTH", "Locate"]

#: Largest YAML file read (bytes).
YAML_LIMIT = 1_000_000
#: Deepest nesting of mappings and sequences accepted.
MAX_DEPTH = 32

Locate = Callable[[Sequence[Any]], int | None]

_TIMESTAMP = "tag:yaml.org,2002:timestamp"


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader without timestamps, aliases, duplicate keys or unbounded depth."""

    max_depth = MAX_DEPTH
    shown = "file"

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node:  # type: ignore[override]
        if self.check_event(AliasEvent):
            ev = self.peek_event()
            raise UserError(
                f"uses the alias *{ev.anchor}; anchors and aliases are not allowed here, "
                "write the value out",
                file=self.shown,
                line=ev.start_mark.line + 1,
            )
        ev = self.peek_event()
        if getattr(ev, "anchor", None) is not None:
            raise UserError(
                f"defines the anchor &{ev.anchor}; anchors and aliases are not allowed here",
                file=self.shown,
                line=ev.start_mark.line + 1,
            )
        nested = self.check_event(MappingStartEvent, SequenceStartEvent)
        self._depth += nested
        try:
            if self._depth > self.max_depth:
                raise UserError(
                    f"is nested more than {self.max_depth} levels deep",
                    file=self.shown,
                    line=ev.start_mark.line + 1,
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= nested

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                hash(key)
            except TypeError:
                raise UserError(
                    "has a key that is a list or mapping; keys must be plain values",
                    file=self.shown,
                    line=key_node.start_mark.line + 1,
                ) from None
            line = key_node.start_mark.line + 1
            if key in seen:
                raise UserError(
                    f"repeats the key {key!r} (first on line {seen[key]}); each key once",
                    file=self.shown,
                    line=line,
                    field=str(key),
                )
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


# Dates stay text: drop the implicit timestamp resolver from this loader only.
_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != _TIMESTAMP]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _locator(root: Node | None) -> Locate:
    def locate(loc: Sequence[Any]) -> int | None:
        node = root
        if node is None:
            return None
        line = node.start_mark.line + 1
        for part in loc:
            nxt = None
            if isinstance(node, MappingNode):
                for k, v in node.value:
                    if isinstance(k, ScalarNode) and k.value == str(part):
                        nxt = v
                        break
            elif isinstance(node, SequenceNode) and isinstance(part, int):
                if 0 <= part < len(node.value):
                    nxt = node.value[part]
            if nxt is None:
                break
            node = nxt
            line = node.start_mark.line + 1
        return line

    return locate


def load_yaml(
    path: str | Path,
    *,
    limit: int = YAML_LIMIT,
    max_depth: int = MAX_DEPTH,
    inside: str | Path | None = None,
    what: str = "YAML file",
) -> tuple[Any, Locate]:
    """Parse the YAML file ``path`` strictly; return ``(data, locate)``.

    ``limit`` caps the file size (bytes), ``max_depth`` the nesting, ``inside`` keeps the
    read inside a folder (see :func:`phalanx.safe_files.read_user_text`). Every problem
    (unreadable, too large, not UTF-8, bad syntax, a repeated key, too deep, an alias,
    several documents) is a :class:`~phalanx.errors.UserError` with the file and line.
    ``locate(loc)`` gives the line of the deepest node ``loc`` reaches (None for an empty
    file).
    """
    shown = Path(path).name
    text = read_user_text(path, limit=limit, inside=inside, what=what)
    loader = _StrictLoader(text)
    loader.shown = shown
    loader.max_depth = max_depth
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = ", ".join(x.strip() for x in (exc.context, exc.problem) if x) or "syntax"
        raise UserError(
            f"is not valid YAML: {problem}",
            file=shown,
            line=None if mark is None else mark.line + 1,
        ) from None
    except yaml.YAMLError as exc:
        raise UserError(f"is not valid YAML ({type(exc).__name__})", file=shown) from None
    except RecursionError:  # pragma: no cover - max_depth stops this first
        raise UserError("is nested too deeply", file=shown) from None
    finally:
        loader.dispose()
    return data, _locator(root)
