"""engine.regenerate: per-segment hooks, and clean errors for what is not built."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from types import ModuleType

import pytest

from engine import pipeline, waveform
from engine.errors import StageNotBuiltError
from engine.pipeline import Stage
from engine.regenerate import RegenerateStep, regenerate_segments, segment_hook
from engine.stage_job import run_stage_job
from tests.conftest import media_file
from tests.unit import regen_stage_espeak


@pytest.fixture
def project(tmp_path: Path):
    from tests.gui.lecture_project import CLIP, build_project

    # The transcript's own clip: a project's segments lie within its video.
    return build_project(tmp_path / "p.avdub", media_file(CLIP), with_takes=False)


def _with_module(monkeypatch, stage: Stage, module: ModuleType | None) -> None:
    specs = tuple(dataclasses.replace(s, module=module) if s.stage is stage else s for s in pipeline.STAGES)
    monkeypatch.setattr(pipeline, "STAGES", specs)


def test_unbuilt_stage_is_named(project, monkeypatch):
    _with_module(monkeypatch, Stage.SPEAK, None)
    folder, proj = project
    with pytest.raises(StageNotBuiltError, match="speak"):
        regenerate_segments(str(folder.root), proj, [proj.segments[0].id])


def test_stage_without_hook_is_named(project, monkeypatch):
    _with_module(monkeypatch, Stage.FIT, waveform)  # a real module with no fit_segment
    with pytest.raises(StageNotBuiltError, match="fit_segment"):
        segment_hook(RegenerateStep.FIT)


def test_hook_regenerates_only_the_asked_segment(project, monkeypatch):
    _with_module(monkeypatch, Stage.SPEAK, regen_stage_espeak)
    folder, proj = project
    target = proj.segments[1].id
    events = []
    out = regenerate_segments(str(folder.root), proj, [target], ("speak",), progress=events.append).segments
    assert [s.id for s in out] == [target]
    assert len(out[0].takes) == 1 and not out[0].is_stale
    assert folder.resolve(out[0].current_take.audio_path).stat().st_size > 1000
    assert all(not s.takes for s in proj.segments if s.id != target)
    assert events and events[0].stage == "speak"


def test_stage_job_refuses_before_writing(project, monkeypatch):
    _with_module(monkeypatch, Stage.TRANSCRIBE, None)
    folder, proj = project
    before = folder.project_file.read_bytes()
    with pytest.raises(StageNotBuiltError):
        run_stage_job(str(folder.root), proj, "transcribe")
    assert folder.project_file.read_bytes() == before


def test_result_applies_without_losing_changes_made_meanwhile(project):
    from engine.project.model import StageRecord, VoiceSettings
    from engine.regenerate import Regenerated

    _, proj = project
    seg = dataclasses.replace(proj.segments[1], target_text="otro")
    spk = proj.speakers[0]
    resolved = dataclasses.replace(spk, voice=VoiceSettings(engine="piper", voice="x"))
    proj.settings = {"speech": {"fit": {"max_speed": 1.2}, "placements": {"old": 1}}, "render": {"crf": 20}}
    result = Regenerated(segments=(seg,), speakers=(resolved,), dub_track="cache/dubtrack/x/dub.wav",
                         settings={"speech": {"placements": {"new": 2}}}, stages={"fit": StageRecord("h", "t")})
    result.apply_to(proj)
    assert proj.segment(seg.id) == seg and proj.dub_track == "cache/dubtrack/x/dub.wav"
    assert proj.speakers == (spk,)  # a voice chosen meanwhile (or before) is never replaced
    assert proj.settings == {"speech": {"fit": {"max_speed": 1.2}, "placements": {"new": 2}}, "render": {"crf": 20}}
    assert proj.stages["fit"] == StageRecord("h", "t")
