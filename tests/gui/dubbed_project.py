"""A fully dubbed small project (every stage run, espeak-ng voices), for the re-dub tests.

vr_face1.mp4 (135 VFR frames, about 6 s, one presenter) with three Spanish segments, spoken
by the real speak stage with espeak-ng, fitted, tracked with the real face tracker, the lip-sync
model (``cpu`` preset) trained for two steps, mouths generated in 4 chunks of 33–34 frames and
rendered in 1 s pieces (7). The choices live in the project's settings, so the studio's stage
jobs and ``avdub run`` use the same ones.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from engine.media.probe import probe
from engine.models.registry import ModelRegistry
from engine.pipeline import ContextFactory, RunOptions, Stage, plan, run_stages
from engine.project.model import Project, Segment, Speaker, VoiceSettings
from engine.project.store import ProjectFolder, create_project, load_project, relink_source, save_project

CLIP = "video/vr_face1.mp4"
SEGMENTS = (("seg-a", 0.2, 1.8, "Hola a todos."), ("seg-b", 2.2, 2.9, "Bien."), ("seg-c", 3.0, 5.5, "Hoy hablamos de robots."))
SETTINGS = {"lipsync": {"preset": "cpu", "threads": 1, "chunk_frames": 40, "steps": 2},  # 135 frames → 4 chunks
            "render": {"watermark": False, "preset": "ultrafast", "piece_seconds": 1.0}}  # 7 pieces


# ``avdub run`` but transcribe and translate (the transcript and translation are given) and export
DUB_STAGES = (Stage.SPEAK, Stage.FIT, Stage.TRACK, Stage.TRAIN, Stage.LIPSYNC, Stage.RENDER)


def run(folder: ProjectFolder, project: Project, registry: ModelRegistry | None = None) -> list:
    """``avdub run`` on CPU over DUB_STAGES; returns (stage, "ran"/"up to date") pairs."""
    factory = ContextFactory(folder, project, registry or ModelRegistry.from_environment(), RunOptions(device="cpu"))
    return run_stages(factory, [s for s in plan() if s.stage in DUB_STAGES])


def build_dubbed(root: Path, clip: Path, registry: ModelRegistry) -> Path:
    """Create the project at ``root`` and run every stage but export; returns ``root``."""
    folder, project = create_project(root, clip, probe(clip).duration, "es", "en")
    speaker = Speaker(id="spk-presenter", name="Presenter", voice=VoiceSettings(engine="espeak-ng", voice="es"))
    project.speakers = (speaker,)
    project.set_segments([Segment(id=i, start=a, end=b, target_text=text, speaker_id=speaker.id)
                          for i, a, b, text in SEGMENTS])
    project.settings = {**project.settings, **SETTINGS}
    run(folder, project, registry)
    return root


def copy_dubbed(template: Path, root: Path, clip: Path) -> tuple[ProjectFolder, Project]:
    """A fresh copy of ``template`` at ``root``, its video relinked (the copy moved)."""
    shutil.copytree(template, root)
    folder, project = load_project(root)
    relink_source(folder, project, clip, project.source.duration)
    save_project(folder, project, backup=False)
    return folder, project
