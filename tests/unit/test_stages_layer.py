"""The stages layer: the stage table holds the stage modules, and `avdub info` stays light.

`avdub info` asks every stage that ran whether it is up to date (its ``inputs``), so it
imports the whole stage table; torch (lip-sync) and mediapipe (face tracking) must still load
only when a stage runs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from engine.pipeline import STAGES
from engine.project.model import StageRecord
from engine.project.store import create_project, save_project
from tests.conftest import REPO, media_file

HEAVY = ("torch", "mediapipe")
PROBE = """
import json, sys
from engine.cli.main import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "heavy": [m for m in %r if m in sys.modules]}))
""" % (HEAVY,)


def test_every_stage_is_a_module_of_the_stages_layer() -> None:
    for spec in STAGES:
        assert isinstance(spec.module, ModuleType)
        assert spec.module.__name__ == f"engine.stages.{spec.stage.value}"
        assert callable(spec.module.inputs) and callable(spec.module.run)


def test_info_on_a_project_where_every_stage_ran_imports_neither_torch_nor_mediapipe(tmp_path: Path) -> None:
    folder, project = create_project(tmp_path / "p.avdub", media_file("video/vr_face1.mp4"), 5.4, "pt", "en")
    for spec in STAGES:  # each stage's inputs() is then computed to tell done from stale
        project.stages[spec.stage.value] = StageRecord("0" * 64, "2026-01-01T00:00:00Z", 1.0)
    # the model's choices as the train stage remembers them (no device-dependent default left open)
    project.settings["lipsync"] = {"preset": "cpu", "steps": 2000, "cache_frames": 3000, "batch_size": 1,
                                   "use_gan": True, "seed": 0}
    save_project(folder, project)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-c", PROBE, "info", str(folder.root), "--json"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    info, probe = json.loads("\n".join(lines[:-1])), json.loads(lines[-1])
    assert probe == {"code": 0, "heavy": []}
    assert set(info["stages"].values()) == {"stale"}
