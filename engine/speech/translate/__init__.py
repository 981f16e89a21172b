"""Machine translation backends behind one protocol, and the choice of backend for a pair."""

from engine.speech.translate.base import Translator, available_pairs, make_translator

__all__ = ["Translator", "available_pairs", "make_translator"]
