"""Subtitle export through pysubs2, translation bookkeeping and language-pair errors (no models)."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import AvdubError
from engine.project.model import MediaRef, Project, Segment
from engine.speech.subtitles import Which, write


def project() -> Project:
    p = Project("prj-1", MediaRef("v.mp4", 1, 10.0, "x"), "en", "pt")
    p.set_segments([Segment("seg-1", 0.5, 2.25, "Hello, everyone.", "Olá a todos."),
                    Segment("seg-2", 3.0, 5.0, "The line: y = mx + b", "A reta: y = mx + b")])
    return p


def test_srt_vtt_and_bilingual(tmp_path: Path):
    assert write(project(), Which.TARGET, tmp_path / "t.srt", "srt") == 2
    srt = (tmp_path / "t.srt").read_text(encoding="utf-8")
    assert "00:00:00,500 --> 00:00:02,250\nOlá a todos." in srt
    write(project(), Which.BILINGUAL, tmp_path / "b.vtt", "vtt")
    vtt = (tmp_path / "b.vtt").read_text(encoding="utf-8")
    assert vtt.startswith("WEBVTT") and "A reta: y = mx + b\nThe line: y = mx + b" in vtt
    write(project(), Which.SOURCE, tmp_path / "s.srt", "srt")
    assert "Hello, everyone." in (tmp_path / "s.srt").read_text(encoding="utf-8")


def test_target_subtitles_need_translations(tmp_path: Path):
    p = Project("prj-1", MediaRef("v.mp4", 1, 10.0, "x"), "en", "pt")
    p.set_segments([Segment("seg-1", 0.5, 2.25, "Hello.")])
    with pytest.raises(AvdubError, match="no translations"):
        write(p, Which.TARGET, tmp_path / "t.srt", "srt")


def test_unsupported_pair_names_available_pairs():
    from engine.errors import UnsupportedLanguageError
    from engine.models.registry import ModelRegistry
    from engine.speech.translate import make_translator

    registry = ModelRegistry.from_environment()
    with pytest.raises(UnsupportedLanguageError) as err:
        make_translator(registry, "en", "sw")
    assert "available pairs:" in str(err.value) and "Swahili" in str(err.value)


def test_missing_model_names_it_and_the_install_command(tmp_path: Path):
    from engine.errors import ModelMissingError
    from engine.models.catalog import CATALOG
    from engine.models.registry import ModelRegistry
    from engine.speech.model_files import locate_model

    registry = ModelRegistry(CATALOG, [(tmp_path, "test")], tmp_path / "user")
    with pytest.raises(ModelMissingError) as err:
        locate_model(registry, "argos-en-es")
    assert "argos-en-es" in str(err.value) and "avdub models install argos-en-es" in str(err.value)


def test_missing_vosk_model_names_it_and_where_to_get_it(tmp_path: Path):
    from engine.errors import ModelMissingError
    from engine.models.catalog import CATALOG
    from engine.models.registry import ModelRegistry
    from engine.speech.transcribe import make_transcriber

    registry = ModelRegistry(CATALOG, [(tmp_path, "test")], tmp_path / "user")
    with pytest.raises(ModelMissingError) as err:
        make_transcriber(registry, "vosk", "en")
    assert "vosk-en" in str(err.value) and "alphacephei.com/vosk/models" in str(err.value)
