"""Inference: generate mouth crops for a chunk of a face track, for any audio.

A chunk of frames is extended by up to ``BUFFER_FRAMES`` (10) frames on each side so that
its first and last frames see audio and motion context (paper §3.2.1); the buffer frames are
generated and then dropped. Frames are processed in batches of consecutive frames with the
temporal network's context (``model.temporal.radius`` frames) on each side, so memory stays
bounded for any chunk length and every kept frame gets exactly the context a long sequence
would give it. The references are encoded once per chunk.

Results are 256×256 RGB uint8 crops in the template space (the model's output upsampled
bicubically when the preset works at a lower resolution: pasting happens at 256; with the
reference pixel skip, the chosen reference mouths are blended in at 256 px), composited
into the original crop through the source's loss mask, keyed by track frame index.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F

from engine.faces.template import CROP_SIZE
from engine.lipsync.config import LipSyncConfig, language_id
from engine.lipsync.data.recentre import MouthPlace, mouth_place, recentred_reference
from engine.lipsync.data.windows import WindowSource, landmarks_tensor, resize_mask, to_tensor
from engine.lipsync.masks import mouth_mask_tensor
from engine.lipsync.mel import array_span, mel_windows
from engine.lipsync.model.generator import LipSyncModel, LipSyncOutput

BUFFER_FRAMES = 10  # context frames generated and dropped on each side of a chunk


def split_chunks(num_frames: int, max_frames: int) -> list[range]:
    """Split a track of ``num_frames`` into ⌈num_frames / max_frames⌉ nearly equal chunks (§3.2.1)."""
    if max_frames < 1:
        raise ValueError("max_frames must be positive")
    count = -(-num_frames // max_frames) if num_frames > 0 else 0
    bounds = [round(k * num_frames / count) for k in range(count + 1)] if count else [0]
    return [range(a, b) for a, b in zip(bounds, bounds[1:])]


class WithAudio:
    """A WindowSource with its audio replaced (e.g. by the dub track, 16 kHz mono, same clock)."""

    def __init__(self, source: WindowSource, samples: np.ndarray):
        self._source, self._span = source, array_span(samples)
        self.language = source.language

    def __getattr__(self, name: str):
        return getattr(self._source, name)

    @property
    def num_frames(self) -> int:
        return self._source.num_frames

    def audio(self, start: int, length: int) -> np.ndarray:
        return self._span(start, length)


def _full_size(out: LipSyncOutput, references: torch.Tensor, config: LipSyncConfig) -> torch.Tensor:
    """The first window's frames at 256 px (T, 3, 256, 256). With the reference pixel skip the
    blend is redone at 256 px with the references' own 256 px crops, so a lower-resolution
    preset still shows the chosen real mouth at full sharpness (only the decoded part and the
    blend weight are upsampled); inside the mouth rectangle the chosen mouth weighs at least
    ``config.reference_blend_floor``."""
    size = (CROP_SIZE, CROP_SIZE)
    if out.blend is None:
        images = out.images[0].float()
        return images if images.shape[-1] == CROP_SIZE else F.interpolate(images, size=size, mode="bicubic",
                                                                           align_corners=False)
    decoded, blend = out.decoded[0].float(), out.blend[0].float()  # (T, 3, R, R), (T, 1, R, R)
    if decoded.shape[-1] != CROP_SIZE:
        decoded = F.interpolate(decoded, size=size, mode="bicubic", align_corners=False)
        blend = F.interpolate(blend, size=size, mode="bilinear", align_corners=False)
    if config.reference_blend_floor > 0:
        inside = mouth_mask_tensor(CROP_SIZE, config.mouth_rect).to(blend.device)  # (1, 1, 256, 256) bool
        blend = torch.where(inside, blend.clamp(min=config.reference_blend_floor), blend)
    chosen = torch.einsum("tn,nchw->tchw", out.mixing[0].float(), references.float())  # (T, 3, 256, 256)
    return blend * chosen + (1 - blend) * decoded


@torch.no_grad()
def generate_chunk(model: LipSyncModel, source: WindowSource, frames: range, references: Sequence[int],
                   language: str | None = None, buffer: int = BUFFER_FRAMES, batch_size: int = 16,
                   device: torch.device | str | None = None, place: MouthPlace | None = None) -> dict[int, np.ndarray]:
    """Mouth crops for ``frames`` of ``source`` driven by ``source``'s audio: {frame: (256, 256, 3) uint8}.

    ``place``: where the references' mouths are moved to (:mod:`engine.lipsync.data.recentre`); None
    finds it from the source's landmarks. A caller generating many chunks of one track passes it
    once found, since finding it reads up to 2000 frames' landmarks."""
    cfg = model.config
    device = torch.device(device) if device is not None else next(model.parameters()).device
    model.eval()
    if frames.start < 0 or frames.stop > source.num_frames or len(frames) == 0 or frames.step != 1:
        raise ValueError(f"frames {frames} are not a non-empty run inside the track's {source.num_frames} frames")
    if len(references) != cfg.num_references:
        raise ValueError(f"{len(references)} references given, the model takes {cfg.num_references}")
    lo, hi = max(0, frames.start - buffer), min(source.num_frames, frames.stop + buffer)
    r, radius = cfg.resolution, model.temporal.radius
    amp = device.type == "cuda"
    lang = torch.tensor([language_id(language if language is not None else source.language)], device=device)
    # References moved to the track's usual mouth place, as in training (engine.lipsync.data.recentre).
    place = place if place is not None else mouth_place(source)
    picked = [recentred_reference(source, i, place) for i in references]
    refs_full = torch.stack([to_tensor(crop, CROP_SIZE) for crop, _ in picked]).to(device)  # (N, 3, 256, 256)
    refs = (refs_full if r == CROP_SIZE else
            torch.stack([to_tensor(crop, r) for crop, _ in picked]).to(device))[None]  # (1, N, 3, R, R)
    ref_lm, ref_valid = landmarks_tensor([points for _, points in picked], cfg.num_landmarks)
    with torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp):
        ref_feats = model.encode_references(refs, ref_lm[None].to(device), ref_valid[None].to(device))
    results: dict[int, np.ndarray] = {}
    for start in range(lo, hi, batch_size):
        central = range(start, min(start + batch_size, hi))
        if not any(i in frames for i in central):
            continue  # only buffer frames here: they would be dropped anyway
        ctx = range(max(lo, central.start - radius), min(hi, central.stop + radius))
        x = torch.stack([to_tensor(source.crop(i), r) for i in ctx])[None].to(device)  # (1, T, 3, R, R)
        mel = mel_windows(source.audio, np.array([source.frame_time(i) for i in ctx]),
                          cfg.mel_bins, cfg.mel_frames)[None].to(device)  # (1, T, F, L)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp):
            out = model(x, mel, lang, reference_features=ref_feats)
        images = _full_size(out, refs_full, cfg).clamp(0, 1).cpu()  # (T, 3, 256, 256)
        for j, i in enumerate(ctx):
            if i not in central or i not in frames:
                continue
            original = to_tensor(source.crop(i), CROP_SIZE)
            mask = resize_mask(source.loss_mask(i), CROP_SIZE)
            blended = mask * images[j] + (1 - mask) * original
            results[i] = (blended.permute(1, 2, 0).numpy() * 255 + 0.5).astype(np.uint8)
    assert sorted(results) == list(frames), "every requested frame must be generated once"
    return results
