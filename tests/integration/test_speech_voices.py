"""TTS engines, translation backends and voice matching, listened to through Whisper."""

from __future__ import annotations

import json

import numpy as np
import pytest

from engine.models.registry import ModelRegistry
from engine.speech.glossary import translate_keeping
from engine.speech.translate import make_translator
from engine.speech.tts import default_voice, make_synthesizer
from engine.speech.voice_match import apply_match, pitch_stats, plan_match, similarity, speaker_embedding
from tests.integration.speech_helpers import cer, transcribe_text, whisper


@pytest.fixture(scope="module")
def registry() -> ModelRegistry:
    return ModelRegistry.from_environment()


@pytest.fixture(scope="module")
def asr():
    return whisper("whisper-base")


@pytest.mark.parametrize("source, target, backend", [("en", "pt", "bergamot"), ("en", "es", "apertium"),
                                                     ("pt", "en", "bergamot")])
def test_translation_backends_keep_formulas(registry, source, target, backend):
    tr = make_translator(registry, source, target, backend)
    text = {"en": "The slope of the line y = mx + b is the number m.",
            "pt": "A inclinação da reta y = mx + b é o número m."}[source]
    out = translate_keeping(lambda s: tr.translate(s, source, target), text)
    assert "y = mx + b" in out and out != text and len(out) > 20


@pytest.mark.parametrize("language, text, max_cer", [
    ("pt", "Hoje vamos falar sobre a inclinação de uma reta.", 0.35),
    ("es", "Hoy vamos a hablar de la pendiente de una recta.", 0.35),
    ("en", "Today we will talk about the slope of a line.", 0.15),
])
def test_default_voices_are_intelligible(registry, asr, language, text, max_cer):
    choice = default_voice(registry, language)
    audio, sr = make_synthesizer(registry, choice.engine).synthesize(text, language, choice.voice)
    assert audio.dtype == np.float32 and 1.0 < audio.size / sr < 8.0
    heard = transcribe_text(asr, audio, sr, language)
    assert cer(text, heard) <= max_cer, (choice, heard)


def test_espeak_speaks_spanish_intelligibly(registry, asr):
    text = "Hoy vamos a hablar de la pendiente de una recta."
    audio, sr = make_synthesizer(registry, "espeak-ng").synthesize(text, "es", "es")
    assert cer(text, transcribe_text(asr, audio, sr, "es")) <= 0.4


def test_voice_matching_moves_pitch_toward_the_presenter(registry):
    kokoro = make_synthesizer(registry, "kokoro")
    audio, sr = kokoro.synthesize("Hoje vamos falar sobre a reta.", "pt", "jf_alpha")
    take = pitch_stats(audio, sr)
    presenter = pitch_stats(*kokoro.synthesize("Hoje vamos falar sobre a reta.", "pt", "jm_kumo"))
    params = plan_match(presenter, take)
    matched = apply_match(audio, sr, params)
    after = pitch_stats(matched, sr)
    assert abs(after.median_hz - presenter.median_hz) < 0.3 * abs(take.median_hz - presenter.median_hz)
    assert matched.size == pytest.approx(audio.size, rel=0.01)
    emb = speaker_embedding(audio, sr)
    assert emb.shape == (256,) and similarity(emb, emb) == pytest.approx(1.0, abs=1e-5)


@pytest.mark.slow
def test_coqui_vits_from_a_local_folder(registry, tmp_path, monkeypatch):
    """A randomly initialised VITS of the real class, saved as a model folder, synthesizes."""
    import torch
    from TTS.tts.configs.shared_configs import CharactersConfig
    from TTS.tts.configs.vits_config import VitsArgs, VitsConfig
    from TTS.tts.models.vits import Vits

    torch.manual_seed(0)
    chars = CharactersConfig(characters_class="TTS.tts.models.vits.VitsCharacters", pad="_", eos="", bos="", blank=None,
                             characters="abcdefghijklmnopqrstuvwxyzáéíóúâêôãõçà", punctuations=" !,.?-;:'",
                             phonemes=None, is_unique=True, is_sorted=True)
    args = VitsArgs(hidden_channels=64, hidden_channels_ffn_text_encoder=128, num_layers_text_encoder=2,
                    upsample_initial_channel_decoder=64)
    cfg = VitsConfig(model_args=args, use_phonemes=False, text_cleaner="multilingual_cleaners", characters=chars)
    cfg.phoneme_language = "pt"
    folder = tmp_path / "models" / "coqui" / "vits-random"
    folder.mkdir(parents=True)
    torch.save({"model": Vits(cfg).state_dict()}, folder / "model.pth")
    cfg.save_json(str(folder / "config.json"))
    monkeypatch.setenv("AVDUB_MODEL_PATH", str(tmp_path / "models"))
    reg = ModelRegistry.from_environment()
    synth = make_synthesizer(reg, "coqui")
    assert synth.voices("pt") == ["vits-random"] and "pt" in synth.languages()
    assert not synth.is_cloning("vits-random")
    audio, sr = synth.synthesize("olá a todos", "pt", "vits-random")
    assert sr == cfg.audio.sample_rate and audio.ndim == 1 and audio.size > sr // 10 and np.isfinite(audio).all()
    assert json.loads((folder / "config.json").read_text())["model"] == "vits"
