"""A pre-training corpus folder: many talking-head clips, one window dataset each.

Layout (until the face pipeline writes its own track folders)::

    DATASET_DIR/
      *.mp4 | *.mkv | *.mov | *.avi | *.webm   steady, face-centred close-ups (one speaker each)
      dataset.json                             optional: {"clips": [{"path": "a.mp4",
                                               "language": "en", "box": [x, y, size]}, …]}

Without ``dataset.json`` every video in the folder is used with its centred square and the
default language. Each clip is read whole into memory (fine for utterance-sized clips).
"""

from __future__ import annotations

import json
from pathlib import Path

from torch.utils.data import ConcatDataset

from engine.errors import AvdubError
from engine.lipsync.config import LipSyncConfig
from engine.lipsync.data.clip_source import ClipWindowSource
from engine.lipsync.data.windows import WindowDataset

VIDEO_SUFFIXES = (".mp4", ".mkv", ".mov", ".avi", ".webm")


def corpus_entries(root: Path, language: str = "") -> list[dict]:
    root = Path(root)
    if not root.is_dir():
        raise AvdubError(f"dataset folder {root} does not exist")
    index = root / "dataset.json"
    if index.is_file():
        try:
            clips = json.loads(index.read_text())["clips"]
        except (ValueError, KeyError, TypeError) as exc:
            raise AvdubError(f"{index} is not a valid dataset index: {exc}") from None
        return [{"path": root / c["path"], "language": c.get("language", language),
                 "box": tuple(c["box"]) if c.get("box") else None} for c in clips]
    videos = sorted(p for p in root.iterdir() if p.suffix.lower() in VIDEO_SUFFIXES)
    if not videos:
        raise AvdubError(f"no videos ({', '.join(VIDEO_SUFFIXES)}) in the dataset folder {root}")
    return [{"path": p, "language": language, "box": None} for p in videos]


def load_corpus(root: Path, config: LipSyncConfig, language: str = "",
                max_frames: int | None = None) -> ConcatDataset:
    datasets = []
    for entry in corpus_entries(root, language):
        source = ClipWindowSource(entry["path"], entry["box"], entry["language"], config.num_references,
                                  max_frames=max_frames)
        ds = WindowDataset(source, config, cache_images=True)
        if len(ds):
            datasets.append(ds)
    if not datasets:
        raise AvdubError(f"no clip in {root} is long enough for one {config.window}-frame window")
    return ConcatDataset(datasets)
