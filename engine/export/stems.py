"""Audio stems of a dubbed project: the original sound, the dub track, and their mix.

The mix lays the dub over the original audio ducked under the dub's speech (the same rule
the fit stage uses for its optional background bed), so an editor can remix in another tool.
All three stems have the video's exact duration and one sample rate.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.errors import ProjectError
from engine.media.audio import decode_audio
from engine.project.model import Project
from engine.project.store import ProjectFolder


@dataclass(frozen=True)
class Stems:
    original: Path
    dub: Path
    mix: Path


def write_stems(folder: ProjectFolder, project: Project, out_dir: Path, stem: str) -> Stems:
    """Write ``STEM.original.wav``, ``STEM.dub.wav`` and ``STEM.mix.wav`` into ``out_dir``."""
    import soundfile as sf

    from engine.speech import DUB_SAMPLE_RATE
    from engine.speech.dubtrack import duck_mix

    if not project.dub_track:
        raise ProjectError("the project has no dub track yet; run: avdub run PROJECT --until fit")
    dub_path = folder.resolve(project.dub_track)
    if not dub_path.is_file():
        raise ProjectError(f"the dub track {dub_path} is missing; run the fit stage again")
    dub, sr = sf.read(dub_path, dtype="float32", always_2d=False)
    if sr != DUB_SAMPLE_RATE:
        raise ProjectError(f"the dub track {dub_path} is {sr} Hz, expected {DUB_SAMPLE_RATE} Hz")
    original = decode_audio(folder.source_path(project), sr)
    original = np.pad(original, (0, max(0, dub.size - original.size)))[: dub.size]
    speech = [seg.slot for seg in project.segments if seg.current_take is not None]
    mix = duck_mix(dub, original, sr, speech)
    out_dir.mkdir(parents=True, exist_ok=True)
    stems = Stems(out_dir / f"{stem}.original.wav", out_dir / f"{stem}.dub.wav", out_dir / f"{stem}.mix.wav")
    for path, audio in ((stems.original, original), (stems.dub, dub), (stems.mix, mix)):
        sf.write(path, audio, sr, subtype="PCM_16")
    return stems
