"""espeak-ng's C library through ctypes: speak a text and report each phone's IPA and sample time.

The command line cannot do this (``--pho`` prints nothing without MBROLA), but the library
reports a *phoneme event* for every phone it synthesizes, with the sample where the phone starts
and, when initialised with ``espeakINITIALIZE_PHONEME_IPA``, the phone's name in IPA. That gives
a rendering of any text in ~100 languages whose phone times are known exactly; the aligner warps
it onto the real audio.

The library keeps one synthesizer per process, so :func:`load_espeak` opens it once (cached) and
every render holds its lock. The synthesizer also keeps state between texts: each render sets
voice, rate and pitch and speaks a short primer first, which makes repeated renders agree, but
pause lengths still vary with what was spoken before (measured in docs/phonemes.md).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import threading
from dataclasses import dataclass

import numpy as np

LIBRARY_NAMES = ("espeak-ng", "libespeak-ng.so.1")
AUDIO_OUTPUT_SYNCHRONOUS = 2
INITIALIZE_PHONEME_EVENTS = 0x0001
INITIALIZE_PHONEME_IPA = 0x0002
INITIALIZE_DONT_EXIT = 0x8000
POS_CHARACTER = 1
CHARS_AUTO = 0
PARAM_RATE = 1
PARAM_PITCH = 3
DEFAULT_WORDS_PER_MINUTE = 175  # espeak-ng's own defaults; set on every render (settings persist)
DEFAULT_PITCH = 50
# Spoken (and dropped) before every text, so the text does not start in whatever state the last
# one left (the first render of a process, and renders after another text, paused differently).
PRIMER = "a."
EVENT_LIST_TERMINATED = 0
EVENT_PHONEME = 7
EE_OK = 0

# ISO 639-1 → espeak-ng voice (Brazilian Portuguese, as the project's translators produce it).
VOICE_FOR = {"en": "en-us", "pt": "pt-br", "zh": "cmn"}


class _EventId(ctypes.Union):
    _fields_ = [("number", ctypes.c_int), ("name", ctypes.c_char_p), ("string", ctypes.c_char * 8)]


class _Event(ctypes.Structure):  # espeak_EVENT in speak_lib.h
    _fields_ = [("type", ctypes.c_int), ("unique_identifier", ctypes.c_uint), ("text_position", ctypes.c_int),
                ("length", ctypes.c_int), ("audio_position", ctypes.c_int), ("sample", ctypes.c_int),
                ("user_data", ctypes.c_void_p), ("id", _EventId)]


_SynthCallback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event))


class EspeakUnavailable(RuntimeError):
    """espeak-ng's library is missing or cannot start."""


class EspeakVoiceMissing(EspeakUnavailable):
    """espeak-ng has no voice of the requested name (an unsupported language)."""


@dataclass(frozen=True)
class Rendering:
    """espeak-ng speaking a text: the audio and where each phone starts."""

    audio: np.ndarray        # (n_samples,) float32 in [-1, 1]
    sample_rate: int
    phones: tuple[str, ...]  # IPA; "" marks a pause
    onsets: np.ndarray       # (n_phones,) start sample of each phone, non-decreasing

    @property
    def duration_s(self) -> float:
        return len(self.audio) / self.sample_rate


class EspeakLibrary:
    """One opened, initialised libespeak-ng; :meth:`render` is thread-safe."""

    def __init__(self, lib: ctypes.CDLL):
        self._lib = lib
        self._lock = threading.Lock()
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_Synth.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint,
                                     ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p]
        flags = INITIALIZE_PHONEME_EVENTS | INITIALIZE_PHONEME_IPA | INITIALIZE_DONT_EXIT
        self.sample_rate = lib.espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, None, flags)
        if self.sample_rate <= 0:
            raise EspeakUnavailable("espeak-ng's library could not initialise (is espeak-ng-data installed?)")
        self._chunks: list[bytes] = []
        self._events: list[tuple[str, int]] = []
        self._callback = _SynthCallback(self._on_synth)  # kept referenced while the library may call it
        lib.espeak_SetSynthCallback(self._callback)

    def _on_synth(self, wav, n_samples, events) -> int:
        if n_samples > 0:
            self._chunks.append(ctypes.string_at(wav, n_samples * 2))
        i = 0
        while events[i].type != EVENT_LIST_TERMINATED:
            if events[i].type == EVENT_PHONEME:
                self._events.append((bytes(events[i].id.string).decode("utf-8", errors="ignore"), events[i].sample))
            i += 1
        return 0

    def _speak(self, text: str) -> None:
        data = text.encode("utf-8") + b"\0"
        self._lib.espeak_Synth(data, len(data), 0, POS_CHARACTER, 0, CHARS_AUTO, None, None)
        self._lib.espeak_Synchronize()

    def render(self, text: str, voice: str, words_per_minute: int = DEFAULT_WORDS_PER_MINUTE,
               pitch: int = DEFAULT_PITCH) -> Rendering:
        """Speak ``text`` with ``voice`` (an espeak-ng voice name, optionally ``+variant``)."""
        with self._lock:
            if self._lib.espeak_SetVoiceByName(voice.encode()) != EE_OK:
                raise EspeakVoiceMissing(f"espeak-ng has no voice '{voice}'")
            self._lib.espeak_SetParameter(PARAM_RATE, int(words_per_minute), 0)
            self._lib.espeak_SetParameter(PARAM_PITCH, int(pitch), 0)
            self._speak(PRIMER)  # the synthesizer carries state from the last text: start from a known one
            self._chunks, self._events = [], []
            self._speak(text)
            pcm = np.frombuffer(b"".join(self._chunks), dtype="<i2")
            events = list(self._events)
            self._chunks, self._events = [], []
        audio = pcm.astype(np.float32) / 32768.0
        phones = tuple(name for name, _ in events)
        onsets = np.maximum.accumulate(np.array([min(s, len(audio)) for _, s in events], dtype=np.int64)) \
            if events else np.zeros(0, dtype=np.int64)
        return Rendering(audio, self.sample_rate, phones, onsets)


@functools.lru_cache(maxsize=1)
def load_espeak() -> EspeakLibrary:
    """The process's espeak-ng library, opened once; raises :class:`EspeakUnavailable` if absent."""
    for name in LIBRARY_NAMES:
        path = ctypes.util.find_library(name) if "." not in name else name
        if not path:
            continue
        try:
            return EspeakLibrary(ctypes.CDLL(path))
        except OSError:
            continue
    raise EspeakUnavailable("espeak-ng's library is not installed (Debian package libespeak-ng1)")


def voice_for(language: str) -> str:
    """The espeak-ng voice for an ISO 639-1 language code."""
    return VOICE_FOR.get(language, language)
