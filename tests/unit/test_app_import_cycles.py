"""The studio package has no module-level import cycles (read statically with grimp, which
import-linter is built on; nothing is imported, so Qt is not needed)."""

from __future__ import annotations

import itertools

import grimp


def test_app_has_no_import_cycles():
    graph = grimp.build_graph("app")
    modules = sorted(m for m in graph.modules if m.startswith("app"))
    assert "app.menus" in modules and "app.main_window" in modules
    cycles = [(a, b) for a, b in itertools.combinations(modules, 2)
              if graph.chain_exists(a, b) and graph.chain_exists(b, a)]
    assert cycles == [], f"import cycles in app/: {cycles}"


def test_menus_do_not_import_the_window():
    graph = grimp.build_graph("app")
    assert not graph.chain_exists("app.menus", "app.main_window")
    assert graph.direct_import_exists(importer="app.main_window", imported="app.menus")
