"""Helpers of the speech integration tests: projects on real clips, CER, synthetic media."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np

from engine.media.probe import probe
from engine.models.registry import ModelRegistry
from engine.pipeline import ContextFactory, Stage, plan, run_stages
from engine.project.store import ProjectFolder, create_project, load_project, save_project
from engine.speech.metrics import cer, normalize  # noqa: F401  (re-exported for the tests)


def new_project(root: Path, video: Path, target: str, source: str | None = "en", **speech) -> ProjectFolder:
    folder, project = create_project(root, video, probe(video).duration, target, source)
    project.settings["speech"] = dict(speech)
    save_project(folder, project)
    return folder


def run(folder: ProjectFolder, until: Stage, only: Stage | None = None, edit=None):
    _, project = load_project(folder.root)
    if edit is not None:
        edit(project)
    factory = ContextFactory(folder, project, ModelRegistry.from_environment())
    run_stages(factory, plan(None if only else until, only))
    return project


def make_video(path: Path, seconds: float, audio_filter: str) -> Path:
    """A small test video (solid colour) whose audio is an ffmpeg lavfi source."""
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", f"color=c=gray:s=128x128:r=25:d={seconds}",
                    "-f", "lavfi", "-i", f"{audio_filter}:d={seconds}" if "sine" in audio_filter else audio_filter,
                    "-t", str(seconds), "-shortest", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", str(path)],
                   check=True)
    return path


def whisper(model_id: str = "whisper-base"):
    from faster_whisper import WhisperModel

    from engine.speech.model_files import locate_model

    location = locate_model(ModelRegistry.from_environment(), model_id)
    return WhisperModel(str(location.directory), device="cpu", compute_type="int8", cpu_threads=1)


def transcribe_text(model, audio: np.ndarray, sr: int, language: str) -> str:
    from engine.speech.dubtrack import resample

    segs, _ = model.transcribe(resample(audio, sr, 16_000), language=language, beam_size=5)
    return " ".join(s.text for s in segs)
