"""The architecture contracts: layers and bans (import-linter), no import circles, small modules."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import grimp

REPO = Path(__file__).resolve().parents[2]
MAX_MODULE_LINES = 400


def test_import_linter_contracts_hold() -> None:
    linter = Path(sys.executable).with_name("lint-imports")
    exe = str(linter) if linter.exists() else shutil.which("lint-imports")
    assert exe, "import-linter is part of the dev dependencies"
    proc = subprocess.run([exe], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def import_circles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Groups of modules that import each other, directly or around a ring (Tarjan's strongly
    connected components, iteratively), counting every import: module level, inside functions and
    under TYPE_CHECKING alike, so that no circle hides behind a late import."""
    edges = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in sorted(graph.modules)}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []
    for root in edges:
        if root in index:
            continue
        work = [(root, iter(edges[root]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    circles.append(sorted(group))
    return circles


def test_no_import_circles() -> None:
    graph = grimp.build_graph("engine", "app", exclude_type_checking_imports=False)
    assert import_circles(graph) == []


def test_import_circles_are_found() -> None:
    """The circle finder itself sees a ring of three and a pair, and nothing in a chain."""

    class Graph:
        modules = {"a", "b", "c", "d", "e", "f"}
        imports = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"e"}, "e": {"d", "f"}, "f": set()}

        def find_modules_directly_imported_by(self, module: str) -> set[str]:
            return self.imports[module]

    assert sorted(import_circles(Graph())) == [["a", "b", "c"], ["d", "e"]]


def test_every_engine_module_has_a_docstring() -> None:
    missing = [str(p.relative_to(REPO)) for p in (REPO / "engine").rglob("*.py")
               if p.stat().st_size and ast.get_docstring(ast.parse(p.read_text())) is None]
    assert missing == []


def test_no_module_is_over_the_size_cap() -> None:
    too_long = {str(p.relative_to(REPO)): n for folder in ("engine", "app") for p in (REPO / folder).rglob("*.py")
                if (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES}
    assert too_long == {}


def test_the_menus_do_not_import_the_window() -> None:
    graph = grimp.build_graph("app")
    assert not graph.chain_exists("app.menus", "app.main_window")
    assert graph.direct_import_exists(importer="app.main_window", imported="app.menus")
