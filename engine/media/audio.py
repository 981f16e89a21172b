"""Decode audio to 16 kHz mono float32 through ffmpeg, whole or in bounded blocks."""

from __future__ import annotations

import wave
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from engine.errors import MediaError
from engine.jobs.events import CancelToken
from engine.media.runner import last_error_line, run_process, safe_path_arg, stream_process
from engine.media.tools import tool

# Hz: the analysis rate, the one home of 16 kHz. Audio is decoded to it for speech recognition
# (Whisper and Vosk models take 16 kHz), voice-activity detection (Silero scores 512-sample
# windows at it) and the lip-sync audio features (100 Hz log-mel: 160-sample hops). The dub's
# own playback rate is engine.speech.DUB_SAMPLE_RATE.
SAMPLE_RATE = 16_000


def _ffmpeg_decode_cmd(path: Path, sample_rate: int, start: float, duration: float | None) -> list[str]:
    cmd = [tool("ffmpeg"), "-nostdin", "-v", "error", "-ss", f"{start:.6f}"]
    if duration is not None:
        cmd += ["-t", f"{duration:.6f}"]
    cmd += ["-i", safe_path_arg(path), "-vn", "-map", "0:a:0", "-ac", "1", "-ar", str(sample_rate), "-f", "f32le", "-"]
    return cmd


def decode_audio(path: Path, sample_rate: int = SAMPLE_RATE, start: float = 0.0,
                 duration: float | None = None, cancel: CancelToken | None = None) -> np.ndarray:
    """The audio as a (samples,) float32 array in [-1, 1], mono, at ``sample_rate``."""
    proc = run_process(_ffmpeg_decode_cmd(Path(path), sample_rate, start, duration),
                       f"cannot decode the audio of {path}", cancel=cancel)
    if proc.returncode != 0:
        raise MediaError(f"cannot decode the audio of {path}: {_explain(proc.stderr)}")
    return np.frombuffer(proc.stdout, dtype="<f4").copy()


def iter_audio_blocks(path: Path, block_seconds: float = 30.0, sample_rate: int = SAMPLE_RATE,
                      cancel: CancelToken | None = None) -> Iterator[np.ndarray]:
    """Yield consecutive (samples,) float32 blocks; memory stays bounded for any length.
    ffmpeg's stderr is drained meanwhile (a damaged file makes it print without end)."""
    cmd = _ffmpeg_decode_cmd(Path(path), sample_rate, 0.0, None)
    block_bytes = int(block_seconds * sample_rate) * 4
    blocks = stream_process(cmd, f"cannot decode the audio of {path}", block_bytes, cancel=cancel, explain=_explain)
    try:
        for chunk in blocks:
            usable = len(chunk) - len(chunk) % 4
            yield np.frombuffer(chunk[:usable], dtype="<f4").copy()
    finally:
        blocks.close()


class EnergyMeter:
    """Mean square per ``hop`` samples of a stream fed in blocks, carrying the partial hop across
    blocks; :meth:`finish` returns (ceil(samples / hop),) float32 (the last hop may be partial)."""

    def __init__(self, hop: int) -> None:
        self.hop = hop
        self._parts: list[np.ndarray] = []
        self._rest = np.zeros(0, np.float32)

    def feed(self, block: np.ndarray) -> None:
        audio = np.concatenate([self._rest, block]) if self._rest.size else block
        whole = audio.size - audio.size % self.hop
        frames = audio[:whole].astype(np.float64).reshape(-1, self.hop)
        self._parts.append(np.mean(frames * frames, axis=1).astype(np.float32))
        self._rest = np.array(audio[whole:], dtype=np.float32)

    def finish(self) -> np.ndarray:
        if self._rest.size:
            self._parts.append(np.array([np.mean(self._rest.astype(np.float64) ** 2)], np.float32))
        return np.concatenate(self._parts) if self._parts else np.zeros(0, np.float32)


def write_wav(path: Path, samples: np.ndarray, sample_rate: int = SAMPLE_RATE) -> None:
    """Write (samples,) or (samples, channels) float audio as 16-bit PCM WAV."""
    data = np.asarray(samples, dtype=np.float32)
    channels = 1 if data.ndim == 1 else data.shape[1]
    pcm = (np.clip(data, -1.0, 1.0) * 32767.0).round().astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(sample_rate)
        w.writeframes(pcm.tobytes())


def _explain(stderr: bytes) -> str:
    text = stderr.decode("utf-8", "replace")
    line = last_error_line(stderr)
    if "matches no streams" in text or "does not contain any stream" in text:
        return "it has no audio stream"
    return line
