"""Real per-segment regeneration with espeak-ng, for the studio's tests.

The engine's speak stage is built elsewhere; until it is, the studio's regenerate flow is
tested with this job: it really synthesizes each segment's target text with espeak-ng (a
subprocess), trying a few speaking rates and keeping the fastest-natural one that fits the
slot, and adds the take to the segment. It has the signature of
``engine.regenerate.regenerate_segments`` and runs through the same worker-process plumbing.
"""

from __future__ import annotations

import subprocess
import wave
from collections.abc import Sequence
from pathlib import Path

from engine.jobs.events import CancelToken, ProgressSink, StageReporter, ignore_progress
from engine.project.model import Project, Segment, Take, new_id
from engine.project.store import ProjectFolder
from engine.regenerate import Regenerated

RATES_WPM = (150, 170, 190, 210)  # espeak-ng's default is 175; beyond ~210 it stops sounding natural
FIT_TARGET = 1.0  # take / slot


def wav_duration(path: Path) -> float:
    with wave.open(str(path), "rb") as w:
        return w.getnframes() / float(w.getframerate())


def synthesize(text: str, language: str, rate: int, out: Path) -> float:
    out.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["espeak-ng", "-v", language, "-s", str(rate), "-w", str(out), text],
                   check=True, capture_output=True)
    return wav_duration(out)


def make_take(folder: ProjectFolder, project: Project, seg: Segment, report: StageReporter | None = None) -> Take:
    """Synthesize ``seg`` at each rate in RATES_WPM; keep the slowest that fits (else the fastest)."""
    slot = seg.slot[1] - seg.slot[0]
    take_id = new_id("take")
    best: tuple[int, float, Path] | None = None
    for rate in RATES_WPM:
        if report is not None:
            report.cancel.check()
        path = folder.cache_dir / "takes" / f"{seg.id}-{take_id}-{rate}.wav"
        duration = synthesize(seg.target_text, project.target_language, rate, path)
        if best is None or (best[1] / slot > FIT_TARGET and duration < best[1]):
            best = (rate, duration, path)
    assert best is not None
    rate, duration, path = best
    return Take(id=take_id, audio_path=folder.relative(path), duration=round(duration, 3), engine="espeak-ng",
                voice=f"{project.target_language}@{rate}wpm", made_from_revision=seg.revision,
                fit_ratio=round(duration / slot, 3))


def regenerate_with_espeak(root: str, project: Project, segment_ids: Sequence[str], steps: Sequence[str] = (), *,
                           progress: ProgressSink = ignore_progress, cancel: CancelToken | None = None) -> Regenerated:
    cancel = cancel or CancelToken()
    folder = ProjectFolder(Path(root))
    report = StageReporter("speak", progress, cancel)
    for i, seg_id in enumerate(segment_ids):
        report(i, len(segment_ids), f"espeak-ng {seg_id}")
        seg = project.segment(seg_id)
        project.add_take(seg_id, make_take(folder, project, seg, report))
    report(len(segment_ids), len(segment_ids), "done")
    # New takes only: the dub track, placements and stage records are left as they were.
    return Regenerated(segments=tuple(project.segment(s) for s in segment_ids), speakers=project.speakers,
                       dub_track=project.dub_track, settings={}, stages={})
