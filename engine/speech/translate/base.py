"""The ``Translator`` protocol and the choice of backend for a language pair.

Backends, in order of preference when the user names none: Bergamot (neural, en↔pt), Argos
Translate (neural, any installed language pack), Apertium (rule-based; en↔es and the other
Debian pairs). A pair no installed backend supports is an :class:`UnsupportedLanguageError`
that lists the pairs which are available.
"""

from __future__ import annotations

from typing import Protocol

from engine.errors import UnsupportedLanguageError
from engine.languages import language_name
from engine.models.registry import ModelRegistry

BACKENDS = ("bergamot", "argos", "apertium")


class Translator(Protocol):
    name: str

    def pairs(self) -> set[tuple[str, str]]:
        """(source, target) ISO 639-1 pairs this backend can translate right now."""
        ...

    def translate(self, text: str, source: str, target: str) -> str:
        ...


def _backend(name: str, registry: ModelRegistry) -> Translator:
    if name == "bergamot":
        from engine.speech.translate.bergamot import BergamotTranslator
        return BergamotTranslator(registry)
    if name == "apertium":
        from engine.speech.translate.apertium import ApertiumTranslator
        return ApertiumTranslator()
    if name == "argos":
        from engine.speech.translate.argos import ArgosTranslator
        return ArgosTranslator(registry)
    raise UnsupportedLanguageError(f"unknown translation backend '{name}'; choose one of {', '.join(BACKENDS)}")


def available_pairs(registry: ModelRegistry) -> dict[str, set[tuple[str, str]]]:
    """Backend name → the pairs it can translate on this machine."""
    return {name: _backend(name, registry).pairs() for name in BACKENDS}


def _format_pairs(pairs: dict[str, set[tuple[str, str]]]) -> str:
    parts = [f"{s}→{t} ({name})" for name, ps in pairs.items() for s, t in sorted(ps)]
    return ", ".join(parts) if parts else "none (install a language pack: avdub models list)"


def make_translator(registry: ModelRegistry, source: str, target: str, backend: str | None = None) -> Translator:
    """The backend for ``source``→``target``; the error names every pair that is available."""
    names = (backend,) if backend else BACKENDS
    for name in names:
        tr = _backend(name, registry)
        if (source, target) in tr.pairs():
            return tr
    pairs = available_pairs(registry)
    via = f" with {backend}" if backend else ""
    raise UnsupportedLanguageError(
        f"cannot translate {language_name(source)} ({source}) to {language_name(target)} ({target}){via}; "
        f"available pairs: {_format_pairs(pairs)}")
