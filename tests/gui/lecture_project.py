"""A real project on a real lecture clip, with real espeak-ng takes (tests, screenshots).

Segments are the clip's transcript (Whisper tiny.en ASR of lecture_en_25s.mp4) and its
Apertium eng→spa translation (hand-corrected), recorded here so that building the project
needs no ASR/MT model; the takes are synthesized with espeak-ng into the project's cache.
"""

from __future__ import annotations

from pathlib import Path

from engine.media.probe import probe
from engine.project.model import Segment, Speaker, VoiceSettings
from engine.project.store import create_project, save_project
from tests.gui.espeak_jobs import make_take

CLIP = "video/lecture_en_25s.mp4"
TRANSCRIPT = (
    (0.0, 4.78, "My best example was a hairdressing industry where I thought, oh, you're a hairdresser,",
     "Mi mejor ejemplo era la industria de la peluquería, donde pensé: oh, eres peluquero,"),
    (4.78, 10.84, "pretty hard to build a robot to automate hair cutting, once I gave a talk on stage,",
     "bastante difícil construir un robot que automatice el corte de pelo; una vez di una charla en un escenario,"),
    (10.84, 13.76, "it was before COVID and I said this on stage.",
     "era antes del COVID y dije esto en el escenario."),
    (13.76, 18.72, "One of my friends who's a robotics researcher was in the audience and afterwards she stood",
     "Una amiga mía, investigadora de robótica, estaba en el público y después se puso"),
    (18.72, 24.64, "up and she actually pointed at my head and she said, you know Andrew, most people's hairstyles",
     "de pie, señaló mi cabeza y dijo: sabes, Andrew, los peinados de la mayoría de la gente"),
)


def build_project(root: Path, clip: Path, with_takes: bool = True):
    info = probe(clip)
    folder, project = create_project(root, clip, info.duration, "es", "en")
    speaker = Speaker(id="spk-presenter", name="Presenter", voice=VoiceSettings(engine="espeak-ng", voice="es"))
    project.speakers = (speaker,)
    project.set_segments([Segment(id=f"seg-{i:02d}", start=s, end=e, source_text=src, target_text=tgt,
                                  speaker_id=speaker.id) for i, (s, e, src, tgt) in enumerate(TRANSCRIPT)])
    if with_takes:
        for seg in project.segments:
            project.add_take(seg.id, make_take(folder, project, seg))
    save_project(folder, project)
    return folder, project
