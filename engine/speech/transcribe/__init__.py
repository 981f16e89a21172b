"""Automatic speech recognition backends behind one protocol, and how to pick one."""

from engine.speech.transcribe.base import Transcriber, Transcript
from engine.speech.transcribe.choose import make_transcriber

__all__ = ["Transcriber", "Transcript", "make_transcriber"]
