"""The user's choices in project.json are typed: wrong ones fail at load with file, field and reason.

Every case goes through the real `avdub` entry point on a real project folder: one line on
stderr, a non-zero exit, and project.json left byte for byte as it was. Projects written by
earlier versions (choices and stage records side by side in one section) still load.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.cli.main import main
from engine.errors import ProjectError, ProjectValidationError
from engine.project.settings import FitChoices, LipSyncChoices, RenderChoices, SpeechChoices, choices_of
from engine.project.store import create_project, load_project, save_project
from tests.conftest import media_file

CLIP = "video/vr_face1.mp4"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder, project = create_project(tmp_path / "p.avdub", media_file(CLIP), 5.4, "pt", "en")
    save_project(folder, project)
    return folder.root


def _with_settings(root: Path, settings: dict) -> bytes:
    path = root / "project.json"
    doc = json.loads(path.read_text())
    doc["project"]["settings"] = settings
    path.write_text(json.dumps(doc, indent=1))
    return path.read_bytes()


def _one_line_error(capsys, argv: list[str]) -> str:
    code = main(argv)
    err = capsys.readouterr().err.strip().splitlines()
    assert code != 0 and len(err) == 1 and err[0].startswith("avdub: error: "), err
    assert "Traceback" not in err[0]
    return err[0]


BROKEN = [
    ({"speech": "x"}, "project.settings.speech", "expected an object, got the string 'x'"),
    ({"speech": {"glossary": 5}}, "project.settings.speech.glossary", "expected a list, got an integer"),
    ({"speech": {"fit": {"min_speed": "fast"}}}, "project.settings.speech.fit.min_speed",
     "expected a number, got the string 'fast'"),
    ({"lipsync": []}, "project.settings.lipsync", "expected an object, got a list"),
]


@pytest.mark.parametrize("settings, field, reason", BROKEN)
def test_avdub_run_refuses_wrong_settings_in_one_line(project: Path, capsys, settings, field, reason) -> None:
    before = _with_settings(project, settings)
    line = _one_line_error(capsys, ["run", str(project), "--only", "transcribe"])
    assert f"{project / 'project.json'}: field '{field}': {reason}" in line, line
    assert (project / "project.json").read_bytes() == before


@pytest.mark.parametrize("settings, field, reason", BROKEN)
def test_avdub_dub_refuses_wrong_settings_in_one_line(project: Path, tmp_path: Path, capsys, settings, field,
                                                     reason) -> None:
    before = _with_settings(project, settings)
    out = tmp_path / "out.mp4"
    line = _one_line_error(capsys, ["dub", str(media_file(CLIP)), "--to", "pt", "-o", str(out), "-p", str(project)])
    assert f"field '{field}': {reason}" in line, line
    assert (project / "project.json").read_bytes() == before and not out.exists()


@pytest.mark.parametrize("settings, field, reason", [
    ({"speech": {"fit": {"min_speed": 0}}}, "speech.fit.min_speed", "must be in (0, max_speed = 1.25], got 0.0"),
    ({"speech": {"fit": {"min_speed": 1.3}}}, "speech.fit.min_speed", "must be in (0, max_speed = 1.25], got 1.3"),
    ({"speech": {"fit": {"max_speed": -1}}}, "speech.fit.max_speed", "must be above 0, got -1.0"),
    ({"speech": {"fit": {"min_sped": 0.9}}}, "speech.fit.min_sped", "unknown field"),
    ({"speech": {"background": "yes"}}, "speech.background", "expected true or false, got the string 'yes'"),
    ({"lipsync": {"steps": 0}}, "lipsync.steps", "must be above 0, got 0"),
    ({"lipsync": {"steps": 2000.5}}, "lipsync.steps", "expected an integer, got a number"),
    ({"lipsync": {"batch_size": -2}}, "lipsync.batch_size", "must be above 0, got -2"),
    ({"lipsync": {"minutes": -1}}, "lipsync.minutes", "must not be negative (0: no time limit), got -1.0"),
    ({"lipsync": {"use_gan": 1}}, "lipsync.use_gan", "expected true or false, got an integer"),
    ({"render": {"crf": 60}}, "render.crf", "must be in [0, 51], got 60"),
    ({"render": {"piece_seconds": 0}}, "render.piece_seconds", "must be above 0, got 0.0"),
    ({"render": {"blend": "soft"}}, "render.blend", "expected one of 'detail', 'replace', got 'soft'"),
    ({"faces": "none"}, "faces", "expected an object, got the string 'none'"),
])
def test_ranges_and_types_are_checked_at_load(project: Path, settings, field, reason) -> None:
    before = _with_settings(project, settings)
    with pytest.raises(ProjectValidationError) as err:
        load_project(project)
    assert err.value.field == f"project.settings.{field}" and err.value.reason == reason
    assert str(project / "project.json") in str(err.value)
    assert (project / "project.json").read_bytes() == before


def test_a_project_written_before_still_loads_with_its_records(project: Path) -> None:
    """Settings as the previous version wrote them after a full run: choices and records mixed."""
    old = {
        "speech": {"asr_backend": "faster-whisper", "glossary": ["NumPy"], "fit": {"min_speed": 0.9, "max_speed": 1.2},
                   "mt": {"seg-1": "olá"}, "estimates": {"seg-1": {"seconds": 1.2, "slot": 1.5}},
                   "placements": {"seg-1": {"start": 0.5, "window": [0.5, 2.0], "take": "take-1"}},
                   "overflow": [], "speak_errors": {}, "last_speak": {"synthesized": 1, "reused": 0},
                   "last_fit": {"stretched": 0}, "no_speech": False, "speech_regions": [[0.4, 2.1]]},
        "lipsync": {"preset": "cpu", "steps": 2000, "cache_frames": 3000, "batch_size": 1, "use_gan": True, "seed": 0,
                    "chunk_frames": 100, "model": {"checkpoint": "cache/lipsync-train/x/model.ckpt", "step": 2000},
                    "chunks": {"track-1": [{"start": 0, "end": 100, "file": "cache/lipsync/y/crops.npy"}]},
                    "last_run": {"generated": 1, "reused": 0, "skipped": None}},
        "render": {"crf": 20, "watermark": False,
                   "last_run": {"frames": 135, "pieces": 1, "encoded": 1, "encode_seconds": 1.0}},
        "faces": {"presenter_tracks": ["track-1"], "speaking": {"seg-1": "track-1"}},
    }
    before = _with_settings(project, old)
    _, loaded = load_project(project)
    assert loaded.settings == old  # the records come back untouched
    assert choices_of(loaded.settings, "speech") == SpeechChoices(glossary=("NumPy",),
                                                                  fit=FitChoices(min_speed=0.9, max_speed=1.2))
    assert choices_of(loaded.settings, "lipsync") == LipSyncChoices(preset="cpu", steps=2000, cache_frames=3000,
                                                                    batch_size=1, use_gan=True, seed=0,
                                                                    chunk_frames=100)
    assert choices_of(loaded.settings, "render") == RenderChoices(crf=20, watermark=False)
    assert (project / "project.json").read_bytes() == before


def test_a_project_without_settings_takes_the_defaults(project: Path) -> None:
    _, loaded = load_project(project)
    assert choices_of(loaded.settings, "speech") == SpeechChoices()
    assert choices_of(loaded.settings, "lipsync") == LipSyncChoices()
    assert choices_of(loaded.settings, "render") == RenderChoices()


def test_saving_wrong_settings_is_refused_and_keeps_the_file(project: Path) -> None:
    folder, loaded = load_project(project)
    before = (project / "project.json").read_bytes()
    loaded.settings["speech"] = {"fit": {"min_speed": 2.0, "max_speed": 1.5}}
    with pytest.raises(ProjectValidationError, match="min_speed"):
        save_project(folder, loaded)
    assert (project / "project.json").read_bytes() == before


def test_the_defaults_are_the_domain_defaults() -> None:
    from engine.faces.pieces import PIECE_SECONDS
    from engine.faces.render import BlendMode, RenderSettings
    from engine.speech.fit import FitSettings
    from engine.stages.speech_settings import SpeechSettings

    assert RenderChoices().piece_seconds == PIECE_SECONDS
    assert tuple(m.value for m in BlendMode) == ("detail", "replace") and RenderChoices().blend == BlendMode.DETAIL.value
    assert (RenderChoices().crf, RenderChoices().preset) == (RenderSettings().crf, RenderSettings().preset)
    assert FitChoices() == FitChoices(**vars(FitSettings()))
    speech = SpeechSettings()
    assert SpeechChoices(fit=FitChoices()) == SpeechChoices(speech.asr_backend, speech.asr_model, speech.mt_backend,
                                                            speech.glossary, FitChoices(**vars(speech.fit)),
                                                            speech.background)


def _context(root: Path, stage: str, extra: dict | None = None):
    from engine.models.registry import ModelRegistry
    from engine.pipeline import ContextFactory, RunOptions, spec_for

    folder, loaded = load_project(root)
    factory = ContextFactory(folder, loaded, ModelRegistry.from_environment(), RunOptions(extra=extra or {}))
    return factory.make(spec_for(stage))


def test_the_stages_read_typed_choices(project: Path) -> None:
    from engine.faces.render import BlendMode
    from engine.stages.lipsync_settings import choices
    from engine.stages.render import settings_of
    from engine.stages.speech_settings import load_settings

    _with_settings(project, {"speech": {"glossary": ["NumPy"], "fit": {"min_speed": 1, "max_speed": 2}},
                             "lipsync": {"steps": 300, "minutes": 2, "chunks": {}},
                             "render": {"blend": "replace", "crf": 23}})
    ctx = _context(project, "render", {"render": {"crf": 30}})
    speech = load_settings(ctx.project)
    assert speech.glossary == ("NumPy",) and (speech.fit.min_speed, speech.fit.max_speed) == (1.0, 2.0)
    assert choices(ctx) == {"steps": 300, "minutes": 2.0}  # the choices made, typed; not the records
    render = settings_of(ctx)
    assert render.blend is BlendMode.REPLACE and render.crf == 30  # this run's override wins


def test_a_wrong_override_of_a_run_is_named(project: Path) -> None:
    from engine.stages.lipsync_settings import choices
    from engine.stages.render import settings_of

    with pytest.raises(ProjectError, match=r"^invalid settings: settings\.lipsync\.steps: must be above 0, got 0$"):
        choices(_context(project, "train", {"lipsync": {"steps": 0}}))
    with pytest.raises(ProjectError, match=r"settings\.render\.crf: expected an integer, got the string 'high'"):
        settings_of(_context(project, "render", {"render": {"crf": "high"}}))
