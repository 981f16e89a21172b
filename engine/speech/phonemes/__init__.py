"""Phoneme timelines for lips: phones with times from known text and audio, and their visemes.

A domain library (no pipeline, no stages, no Qt): :func:`align` labels an audio with the phones of
its known text in any language espeak-ng speaks; :mod:`visemes` maps IPA to one
language-independent viseme set; :mod:`window` turns a timeline into per-video-frame model input.
"""

from engine.speech.phonemes.align import AlignerSettings, align
from engine.speech.phonemes.timeline import (AlignmentResult, AlignmentStatus, Phone, PhonemeTimeline, TimeMap,
                                             VisemeSpan)
from engine.speech.phonemes.visemes import VISEME_COUNT, Viseme, viseme_of

__all__ = ["AlignerSettings", "AlignmentResult", "AlignmentStatus", "Phone", "PhonemeTimeline", "TimeMap",
           "VISEME_COUNT", "Viseme", "VisemeSpan", "align", "viseme_of"]
