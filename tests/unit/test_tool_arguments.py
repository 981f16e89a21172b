"""User text reaches external tools as data, never as options: a segment reading "-f.env" is
spoken, not taken as "speak the file .env"; text starting with "-" is spoken as it is."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from engine.speech.tts.espeak import EspeakSynthesizer

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")


def _seconds(text: str) -> float:
    audio, sr = EspeakSynthesizer().synthesize(text, "pt", "")
    return audio.size / sr


def test_text_that_looks_like_a_file_option_is_spoken_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("uma senha secreta que ninguém deve ouvir " * 20, encoding="utf-8")
    # Reading the file would speak 140 words (about 50 s); the text itself is a few syllables.
    assert _seconds("-f.env") < 5.0


def test_text_starting_with_a_dash_is_spoken_whole() -> None:
    short, whole = _seconds("frio"), _seconds("-5 graus é frio")
    assert whole > short + 0.5  # "menos cinco graus é" was spoken too
