"""Text-to-speech backends behind one protocol, per-language defaults, and text preparation."""

from engine.speech.tts.base import Synthesizer, VoiceChoice, default_voice, make_synthesizer

__all__ = ["Synthesizer", "VoiceChoice", "default_voice", "make_synthesizer"]
