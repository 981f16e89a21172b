"""Media I/O: probe, decode audio, stream frames with timestamps, encode and mux.

Probing uses ffprobe; frames are decoded in-process by PyAV (its bundled FFmpeg), one at a
time, so memory stays bounded however long the lecture; audio decoding and encoding run
ffmpeg as a subprocess with an argument list (never a shell string).
"""

from engine.media.audio import SAMPLE_RATE, decode_audio, iter_audio_blocks, write_wav
from engine.media.encode import VideoWriter, mux_audio
from engine.media.frames import Frame, frame_times, iter_frames
from engine.media.probe import AudioStreamInfo, MediaInfo, VideoStreamInfo, probe

__all__ = [
    "SAMPLE_RATE", "decode_audio", "iter_audio_blocks", "write_wav", "VideoWriter", "mux_audio", "Frame",
    "frame_times", "iter_frames", "AudioStreamInfo", "MediaInfo", "VideoStreamInfo", "probe",
]
