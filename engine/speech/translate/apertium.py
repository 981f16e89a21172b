"""Apertium rule-based translation (Debian packages), one subprocess per call.

Installed modes are listed by ``apertium -l`` (``eng-spa``, ``spa-eng`` …); three-letter codes
map to ISO 639-1. ``-u`` drops the ``*`` Apertium puts before unknown words (names and terms
then pass through unchanged, which is what a lecture needs).
"""

from __future__ import annotations

import shutil

from engine.errors import AvdubError
from engine.media.runner import last_error_line, run_process

ISO3 = {"eng": "en", "spa": "es", "cat": "ca", "glg": "gl", "epo": "eo", "eus": "eu", "isl": "is",
        "mkd": "mk", "por": "pt", "fra": "fr", "ita": "it", "oci": "oc", "ron": "ro", "deu": "de"}
ISO1 = {v: k for k, v in ISO3.items()}


class ApertiumTranslator:
    name = "apertium"

    def __init__(self) -> None:
        self._exe = shutil.which("apertium")
        self._modes: dict[tuple[str, str], str] | None = None

    def _list(self) -> dict[tuple[str, str], str]:
        if self._modes is None:
            self._modes = {}
            if self._exe:
                out = run_process([self._exe, "-l"], "cannot list apertium's modes").stdout.decode("utf-8", "replace")
                for mode in out.split():
                    a, _, b = mode.partition("-")
                    if a in ISO3 and b in ISO3:  # skips variants such as spa-eng_US
                        self._modes[(ISO3[a], ISO3[b])] = mode
        return self._modes

    def pairs(self) -> set[tuple[str, str]]:
        return set(self._list())

    def translate(self, text: str, source: str, target: str) -> str:
        if not text.strip():
            return ""
        mode = self._list()[(source, target)]
        # The text goes through stdin, never argv, so it is never read as an option.
        proc = run_process([self._exe or "apertium", "-u", mode], f"apertium {mode} failed",
                           input=(text.strip() + "\n").encode("utf-8"), timeout=120)
        if proc.returncode != 0:
            raise AvdubError(f"apertium {mode} failed: {last_error_line(proc.stderr)} (exit code {proc.returncode})")
        return " ".join(proc.stdout.decode("utf-8", "replace").split())
