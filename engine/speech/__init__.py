"""Speech: transcribe the presenter, translate each segment, speak it, fit it into the timeline.

Sub-packages hold the backends behind three protocols (``transcribe.Transcriber``,
``translate.Translator``, ``tts.Synthesizer``); flat modules hold the model-free logic
(segmentation, glossary, fitting, dub-track assembly, subtitles). The four pipeline stages that
drive them live in :mod:`engine.stages` (``transcribe``, ``translate``, ``speak``, ``fit``).

The dub track is 24 kHz mono 16-bit WAV (``DUB_SAMPLE_RATE``): Kokoro's and Coqui's native rate,
above Piper's 22.05 kHz and espeak-ng's 22.05 kHz, and cheap to resample to 16 kHz for the
lip-sync audio features.
"""

DUB_SAMPLE_RATE = 24_000  # Hz
