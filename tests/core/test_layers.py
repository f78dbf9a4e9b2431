"""The architecture's layers: a lower layer never imports a higher one.

Reads every module of the package with :mod:`ast` (imports inside functions count too) and
checks each ``phalanx.*`` import against the ranks below. Two packages of one rank may not
import each other either (the report and the web shell are siblings).
"""

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "phalanx"

# rank of each top-level package or module; the shells sit on top
RANKS = {
    "errors": 0,
    "params": 0,
    "safe_files": 0,
    "seeds": 0,
    "yamlio": 0,
    "kb": 1,
    "ingest": 2,
    "network": 2,
    "measures": 3,
    "models": 4,
    "evidence": 5,
    "experiments": 6,
    "figures": 7,
    "report": 8,
    "web": 8,
    "cli": 9,
    "__main__": 10,
    "__init__": 10,
}


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return [(line, name) for line, name in found if name.startswith("phalanx.")]


def _top(path: Path) -> str:
    rel = path.relative_to(SRC)
    return rel.parts[0].removesuffix(".py")


def test_every_package_has_a_rank():
    tops = {_top(p) for p in SRC.rglob("*.py")}
    assert tops <= set(RANKS), f"give these a layer in RANKS: {sorted(tops - set(RANKS))}"


@pytest.mark.parametrize("path", sorted(SRC.rglob("*.py")), ids=lambda p: str(p.relative_to(SRC)))
def test_no_import_goes_up_or_sideways(path: Path):
    here = _top(path)
    bad = []
    for line, name in _imports(path):
        there = name.split(".")[1]
        if there == here or there not in RANKS:
            continue
        if RANKS[there] > RANKS[here] or (RANKS[there] == RANKS[here] and RANKS[here] > 0):
            bad.append(f"line {line}: {name} (layer {RANKS[there]} > {here}'s {RANKS[here]})")
    assert not bad, f"{path.relative_to(SRC)} imports a higher or sibling layer: {bad}"
