"""espeak-ng formant synthesis (Debian ``espeak-ng``): robotic, but speaks 100+ languages."""

from __future__ import annotations

import io
import shutil

import numpy as np
import soundfile as sf

from engine.errors import AvdubError
from engine.media.runner import last_error_line, run_process

# ISO 639-1 → espeak-ng voice; Brazilian Portuguese, as the Bergamot en↔pt models translate to it.
WORDS_PER_MINUTE = 160  # espeak-ng's default rate (-s)
VOICE_FOR = {"pt": "pt-br", "en": "en-us", "zh": "cmn"}


class EspeakSynthesizer:
    name = "espeak-ng"
    clones_voice = False

    def __init__(self) -> None:
        self._exe = shutil.which("espeak-ng")
        self._langs: set[str] | None = None

    def languages(self) -> set[str]:
        if self._langs is None:
            self._langs = set()
            if self._exe:
                out = run_process([self._exe, "--voices"], "cannot list espeak-ng's voices").stdout.decode("utf-8", "replace")
                for line in out.splitlines()[1:]:
                    parts = line.split()
                    if len(parts) >= 2:
                        self._langs.add(parts[1].split("-")[0])
        return self._langs

    def voices(self, language: str) -> list[str]:
        base = VOICE_FOR.get(language, language)
        return [base, f"{base}+m3", f"{base}+f3"] if language in self.languages() else []

    def synthesize(self, text: str, language: str, voice: str,
                   reference: tuple[np.ndarray, int] | None = None, rate: float = 1.0) -> tuple[np.ndarray, int]:
        if self._exe is None:
            raise AvdubError("espeak-ng is not installed (Debian package espeak-ng)")
        voice = voice or VOICE_FOR.get(language, language)
        # The text goes through stdin, never argv: "-f.env" must be spoken, not read as an option.
        proc = run_process([self._exe, "-v", voice, "--stdout", "-s", str(int(round(WORDS_PER_MINUTE * rate))), "--stdin"],
                           f"espeak-ng failed for voice '{voice}'", input=text.strip().encode("utf-8"), timeout=300)
        if proc.returncode != 0 or not proc.stdout:
            raise AvdubError(f"espeak-ng failed for voice '{voice}': {last_error_line(proc.stderr)}")
        audio, sr = sf.read(io.BytesIO(proc.stdout), dtype="float32")
        return (audio if audio.ndim == 1 else audio.mean(axis=1)), int(sr)
