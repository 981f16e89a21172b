"""Audio stems of a dubbed project: the original sound, the dub track, and their mix.

The mix lays the dub over the original audio ducked under the dub's speech (the same rule
the fit stage uses for its optional background bed), so an editor can remix in another tool.
All three stems have the video's exact duration and one sample rate. They are written block
by block in one pass (the dub read from its file, the original decoded alongside), so memory
stays a few MB for any length. Each stem goes through the atomic writer: a full disk leaves
no truncated WAV behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine.errors import ProjectError
from engine.fsutil import atomic_path
from engine.media.audio import iter_audio_blocks
from engine.project.model import Project
from engine.project.store import ProjectFolder


@dataclass(frozen=True)
class Stems:
    original: Path
    dub: Path
    mix: Path


def write_stems(folder: ProjectFolder, project: Project, dub_path: Path, out_dir: Path, stem: str) -> Stems:
    """Write ``STEM.original.wav``, ``STEM.dub.wav`` and ``STEM.mix.wav`` into ``out_dir``.

    ``dub_path`` is the project's assembled dub track, at ``DUB_SAMPLE_RATE``."""
    import soundfile as sf

    from engine.speech import DUB_SAMPLE_RATE
    from engine.speech.dubstream import BLOCK_SECONDS, BlockReader, duck_gain, mix_block

    info = sf.info(str(dub_path))
    sr, n_total = info.samplerate, int(info.frames)
    if sr != DUB_SAMPLE_RATE:
        raise ProjectError(f"the dub track {dub_path} is {sr} Hz, expected {DUB_SAMPLE_RATE} Hz")
    speech = [seg.slot for seg in project.segments if seg.current_take is not None]
    out_dir.mkdir(parents=True, exist_ok=True)
    stems = Stems(out_dir / f"{stem}.original.wav", out_dir / f"{stem}.dub.wav", out_dir / f"{stem}.mix.wav")
    block = int(BLOCK_SECONDS * sr)
    # The original is cut or padded with silence to the dub's length.
    original = BlockReader(iter_audio_blocks(folder.source_path(project), BLOCK_SECONDS, sr))
    try:
        with (atomic_path(stems.original) as tmp_original, atomic_path(stems.dub) as tmp_dub,
              atomic_path(stems.mix) as tmp_mix,
              sf.SoundFile(tmp_original, "w", sr, 1, "PCM_16", format="WAV") as out_original,
              sf.SoundFile(tmp_dub, "w", sr, 1, "PCM_16", format="WAV") as out_dub,
              sf.SoundFile(tmp_mix, "w", sr, 1, "PCM_16", format="WAV") as out_mix):
            a = 0
            for dub in sf.blocks(str(dub_path), blocksize=block, dtype="float32", always_2d=True):
                dub = dub.mean(axis=1)  # (n,) mono
                bed = original.take(dub.size)
                out_original.write(bed)
                out_dub.write(dub)
                out_mix.write(mix_block(dub, bed, duck_gain(speech, sr, n_total, a, a + dub.size)))
                a += dub.size
    finally:
        original.close()
    return stems
