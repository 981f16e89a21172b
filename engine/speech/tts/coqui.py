"""Coqui TTS from local model folders: VITS, YourTTS and XTTS-v2.

A voice is a folder holding ``config.json`` and a checkpoint (``model.pth``, ``best_model.pth``
or ``checkpoint.pth``; XTTS-v2 adds ``vocab.json``). Folders are found under ``coqui/`` in every
model search place (``$AVDUB_MODEL_PATH``, ``$AVDUB_SHARED/models``, the user model directory),
or named by absolute path. No pretrained voice is obtainable offline: users place the folders
they download from Coqui's model releases. Cloning models (YourTTS, XTTS) take the presenter's
own clean speech as ``reference``.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np

from engine.errors import ModelMissingError
from engine.models.registry import ModelRegistry

CHECKPOINTS = ("model.pth", "best_model.pth", "checkpoint.pth", "model_file.pth")
CLONING_MODELS = {"xtts", "your_tts"}


def _checkpoint(folder: Path) -> Path | None:
    return next((folder / c for c in CHECKPOINTS if (folder / c).is_file()), None)


class CoquiSynthesizer:
    name = "coqui"

    def __init__(self, registry: ModelRegistry, threads: int = 1):
        self._registry = registry
        self._threads = threads
        self._loaded: dict[str, object] = {}
        self.clones_voice = False

    def folders(self) -> dict[str, Path]:
        found: dict[str, Path] = {}
        for directory, _ in self._registry.search_dirs:
            root = directory / "coqui"
            if root.is_dir():
                for sub in sorted(root.iterdir()):
                    if (sub / "config.json").is_file() and _checkpoint(sub) is not None:
                        found.setdefault(sub.name, sub)
        return found

    def _folder(self, voice: str) -> Path:
        path = Path(voice)
        if path.is_absolute():
            if (path / "config.json").is_file() and _checkpoint(path) is not None:
                return path
        elif voice in self.folders():
            return self.folders()[voice]
        raise ModelMissingError(f"coqui:{voice}", "no Coqui model folder with config.json and a checkpoint",
                                "download a Coqui TTS model and place its folder in "
                                f"{self._registry.user_dir / 'coqui'}")

    @staticmethod
    def _config(folder: Path) -> dict:
        return json.loads((folder / "config.json").read_text(encoding="utf-8"))

    def languages(self) -> set[str]:
        langs: set[str] = set()
        for folder in self.folders().values():
            langs |= self._languages_of(folder)
        return langs

    def _languages_of(self, folder: Path) -> set[str]:
        cfg = self._config(folder)
        declared = cfg.get("languages") or [cfg.get("phoneme_language") or ""]
        return {str(d).split("-")[0] for d in declared if d} or {"en"}

    def voices(self, language: str) -> list[str]:
        return [name for name, f in self.folders().items() if language in self._languages_of(f)]

    def is_cloning(self, voice: str) -> bool:
        return self._config(self._folder(voice)).get("model") in CLONING_MODELS

    def _load(self, folder: Path):
        key = str(folder)
        if key not in self._loaded:
            import torch
            from TTS.utils.synthesizer import Synthesizer

            threads = torch.get_num_threads()
            torch.set_num_threads(self._threads)
            try:
                if self._config(folder).get("model") == "xtts":
                    self._loaded[key] = Synthesizer(model_dir=str(folder), use_cuda=torch.cuda.is_available())
                else:
                    self._loaded[key] = Synthesizer(tts_checkpoint=str(_checkpoint(folder)),
                                                    tts_config_path=str(folder / "config.json"),
                                                    use_cuda=torch.cuda.is_available())
            finally:
                torch.set_num_threads(threads)
        return self._loaded[key]

    def synthesize(self, text: str, language: str, voice: str,
                   reference: tuple[np.ndarray, int] | None = None, rate: float = 1.0) -> tuple[np.ndarray, int]:
        import soundfile as sf
        import torch

        folder = self._folder(voice)
        synth = self._load(folder)
        kwargs: dict = {}
        cfg = self._config(folder)
        if cfg.get("languages") and len(cfg["languages"]) > 1:
            kwargs["language_name"] = language
        threads = torch.get_num_threads()
        torch.set_num_threads(self._threads)
        try:
            with tempfile.TemporaryDirectory() as tmp:
                if cfg.get("model") in CLONING_MODELS and reference is not None:
                    ref = Path(tmp) / "reference.wav"
                    sf.write(ref, reference[0], reference[1])
                    kwargs["speaker_wav"] = str(ref)
                wav = synth.tts(text.strip(), **kwargs)  # type: ignore[attr-defined]
        finally:
            torch.set_num_threads(threads)
        return np.asarray(wav, dtype=np.float32).ravel(), int(synth.output_sample_rate)  # type: ignore[attr-defined]
