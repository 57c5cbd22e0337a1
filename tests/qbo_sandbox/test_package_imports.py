"""The sandbox's modules import one another without a circle (each may be read, and imported,
on its own), and the package imports nothing of hatsync: another project can use it alone."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import qbo_sandbox

PACKAGE = Path(qbo_sandbox.__file__).parent
HATSYNC_PACKAGES = ("hatsync", "invoices", "integrations")


def imports_of(path: Path) -> tuple[set[str], set[str]]:
    """(sandbox modules, other top-level packages) a module imports anywhere in it, including
    under `if TYPE_CHECKING:` and inside functions: a typing-only import is a circle too."""
    inside, outside = set(), set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.level:
            if node.module:
                inside.add(node.module.split(".")[0])
            else:
                inside.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            outside.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            outside.update(alias.name.split(".")[0] for alias in node.names)
    return inside, outside


def graph() -> dict[str, set[str]]:
    return {path.stem: imports_of(path)[0] for path in PACKAGE.glob("*.py")
            if path.stem != "__init__"}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Every circle found by a depth-first walk (each reported once, from where it is met)."""
    found, done, path = [], set(), []

    def visit(node: str) -> None:
        if node in path:
            found.append([*path[path.index(node):], node])
            return
        if node in done:
            return
        path.append(node)
        for other in sorted(edges.get(node, ())):
            visit(other)
        path.pop()
        done.add(node)

    for node in sorted(edges):
        visit(node)
    return found


def test_the_cycle_finder_finds_a_circle():
    assert cycles({"app": {"control"}, "control": {"app"}}) == [["app", "control", "app"]]
    assert cycles({"app": {"control"}, "control": {"store"}}) == []


def test_no_module_of_the_sandbox_imports_another_that_imports_it_back():
    edges = graph()
    assert {"app", "control", "entities", "batch", "catalog"} <= set(edges)
    assert "app" not in edges["control"]
    assert cycles(edges) == []


def test_the_sandbox_imports_nothing_of_hatsync():
    named = {name: sorted(imports_of(path)[1] & set(HATSYNC_PACKAGES))
             for name, path in ((p.stem, p) for p in PACKAGE.glob("*.py"))}
    assert {name: found for name, found in named.items() if found} == {}
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, qbo_sandbox, qbo_sandbox.testing, "
         "qbo_sandbox.__main__; print(' '.join(sorted(sys.modules)))"],
        capture_output=True, text=True, check=True, cwd=PACKAGE.parent).stdout.split()
    assert [m for m in loaded if m.split(".")[0] in HATSYNC_PACKAGES] == []
