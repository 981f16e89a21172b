"""Argos Translate (OpenNMT/CTranslate2) with language packs found through the model registry.

A pack (``translate-en_es-1_0.argosmodel``) lives in the registry under ``argos-en-es``:
``avdub models install argos-en-es`` downloads it where a network exists. On first use the
pack is installed into Argos' own package folder from that file; packs the user already
installed with Argos' own tools are used as they are.
"""

from __future__ import annotations

from engine.models.registry import ModelRegistry
from engine.models.speech_catalog import ARGOS_PACKS


class ArgosTranslator:
    name = "argos"

    def __init__(self, registry: ModelRegistry):
        self._registry = registry
        self._registered: dict[tuple[str, str], object] = {}
        self._files: dict[tuple[str, str], str] = {}
        for spec in ARGOS_PACKS:
            _, src, tgt = spec.id.split("-")
            found = registry.find(spec.id)
            if found is not None:
                self._files[(src, tgt)] = str(found.path())

    def _installed(self) -> dict[tuple[str, str], object]:
        try:
            from argostranslate import package
            return {(p.from_code, p.to_code): p for p in package.get_installed_packages()}
        except Exception:  # an unreadable Argos package folder means: no packs installed
            return {}

    def pairs(self) -> set[tuple[str, str]]:
        return set(self._files) | set(self._installed())

    def translate(self, text: str, source: str, target: str) -> str:
        if not text.strip():
            return ""
        from argostranslate import package, translate

        if (source, target) not in self._installed() and (source, target) in self._files:
            package.install_from_path(self._files[(source, target)])
        return translate.translate(text, source, target).strip()
