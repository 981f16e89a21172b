"""The architecture contract: the engine never imports Qt or the app (import-linter)."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_import_linter_contract_holds() -> None:
    linter = Path(sys.executable).with_name("lint-imports")
    exe = str(linter) if linter.exists() else shutil.which("lint-imports")
    assert exe, "import-linter is part of the dev dependencies"
    proc = subprocess.run([exe], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_every_engine_module_has_a_docstring() -> None:
    missing = [str(p.relative_to(REPO)) for p in (REPO / "engine").rglob("*.py")
               if p.stat().st_size and ast.get_docstring(ast.parse(p.read_text())) is None]
    assert missing == []


def test_no_module_is_over_400_lines() -> None:
    """Small modules, each about one thing (the project's guide): split a module by role before it grows past this."""
    long = {str(p.relative_to(REPO)): n for root in ("engine", "app") for p in (REPO / root).rglob("*.py")
            if (n := len(p.read_text().splitlines())) > 400}
    assert long == {}
