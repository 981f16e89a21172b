"""The renderer's source of lip-synced crops: the lip-sync stage's chunk files.

:func:`crop_provider` answers the render stage (``engine.stages.render``): a
:data:`engine.faces.render.CropProvider` when the lip-sync stage has run for the project's
current inputs (its recorded input hash matches), else None (the renderer then pastes the
original crops). Chunk files (:mod:`engine.lipsync.data.crop_files`) are opened memory-mapped and
decoded a frame at a time, at most :data:`OPEN_CHUNKS` open at once (the renderer walks frames
in order), so serving an hour of crops costs a few chunks of RAM.
:meth:`ChunkCrops.identity` names the chunk files covering a frame range; a chunk file lives in
a cache entry named by the hash of everything it was generated from, so its path identifies
its crops and the renderer can tell which of its pieces need encoding again.
"""

from __future__ import annotations

import bisect
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from engine.errors import AvdubError, ProjectError
from engine.faces.template import CROP_SIZE
from engine.jobs.cache import hash_inputs
from engine.project.store import ProjectFolder
from engine.stages import lipsync
from engine.stages.context import StageContext

if TYPE_CHECKING:
    from engine.faces.render import CropProvider
    from engine.lipsync.data.crop_files import CropFile

OPEN_CHUNKS = 4  # memory maps kept open (two tracks × the chunk being rendered and the next)


class ChunkCrops:
    """Serves ``(track_id, frame_index, original) -> crop | None`` from the chunk index."""

    def __init__(self, folder: ProjectFolder, index: dict[str, list[dict[str, Any]]]):
        self.folder = folder
        self._chunks = {tid: sorted(entries, key=lambda e: e["start"]) for tid, entries in index.items()}
        self._starts = {tid: [e["start"] for e in entries] for tid, entries in self._chunks.items()}
        self._open: OrderedDict[Path, CropFile | np.ndarray] = OrderedDict()

    def _array(self, file: str) -> CropFile | np.ndarray:
        path = self.folder.resolve(file)
        if path in self._open:
            self._open.move_to_end(path)
            return self._open[path]
        if not path.is_file():
            raise ProjectError(f"the lip-sync crops {path} are missing (the cache was cleared?); "
                               "run the lipsync stage again: avdub run PROJECT --only lipsync --force")
        from engine.lipsync.data.crop_files import open_crops  # OpenCV: loaded when crops are served

        array = open_crops(path)
        self._open[path] = array
        while len(self._open) > OPEN_CHUNKS:
            self._open.popitem(last=False)
        return array

    def identity(self, track_id: str, start: int, end: int) -> list[list[Any]]:
        """The chunks (start, end, file) serving frames [start, end) of ``track_id``: a
        :data:`engine.faces.pieces.CropIdentity`."""
        return [[e["start"], e["end"], e["file"]] for e in self._chunks.get(track_id, ())
                if e["start"] < end and start < e["end"]]

    def __call__(self, track_id: str, frame_index: int, original: np.ndarray) -> np.ndarray | None:
        starts = self._starts.get(track_id)
        if not starts:
            return None
        k = bisect.bisect_right(starts, frame_index) - 1
        if k < 0:
            return None
        entry = self._chunks[track_id][k]
        if not entry["start"] <= frame_index < entry["end"]:
            return None
        array = self._array(entry["file"])
        if len(array) != entry["end"] - entry["start"]:
            raise ProjectError(f"{entry['file']} holds {len(array)} crops for frames {entry['start']}–"
                               f"{entry['end'] - 1}; run the lipsync stage again: "
                               "avdub run PROJECT --only lipsync --force")
        crop = np.asarray(array[frame_index - entry["start"]])
        assert crop.shape == (CROP_SIZE, CROP_SIZE, 3), crop.shape
        return crop


def crop_provider(ctx: StageContext) -> CropProvider | None:
    """Generated crops for the current inputs, or None when the lip-sync stage has not produced them."""
    index = ctx.project.settings.get("lipsync", {}).get("chunks")
    record = ctx.project.stages.get("lipsync")
    if not index or record is None:
        return None
    try:
        current = hash_inputs(lipsync.inputs(ctx))
    except AvdubError:
        return None
    if current != record.input_hash:
        return None
    return ChunkCrops(ctx.folder, index)
