"""The comparison strip of the lip-sync harness: real vs generated vs baselines, mouth zoom.

One row per method (real first), one column per sampled held-out frame; each cell is the
mouth box of the 256×256 crop enlarged ``ZOOM`` times with nearest-neighbour resampling, so
blur in the generated mouths is shown as it is and not smoothed further. The row label is
drawn in a margin on the left.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

COLUMNS = 8
ZOOM = 2
LABEL_W = 100  # px


def write_strip(path: Path, real: np.ndarray, methods: dict[str, np.ndarray],
                mouth_box: tuple[int, int, int, int]) -> Path:
    """Write the PNG and return its path; ``real`` and each method are (H, 256, 256, 3) uint8."""
    x1, y1, x2, y2 = mouth_box
    cols = np.linspace(0, len(real) - 1, min(COLUMNS, len(real))).round().astype(int)
    rows = []
    for name, images in {"real": real, **methods}.items():
        cells = [cv2.resize(images[c, y1:y2, x1:x2], ((x2 - x1) * ZOOM, (y2 - y1) * ZOOM),
                            interpolation=cv2.INTER_NEAREST) for c in cols]
        row = np.concatenate(cells, 1)
        label = np.full((row.shape[0], LABEL_W, 3), 255, np.uint8)
        cv2.putText(label, name, (6, row.shape[0] // 2 + 6), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 0, 0), 1, cv2.LINE_AA)
        rows.append(np.concatenate([label, row], 1))
        rows.append(np.full((2, rows[-1].shape[1], 3), 255, np.uint8))
    strip = np.concatenate(rows[:-1], 0)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not cv2.imwrite(str(path), cv2.cvtColor(strip, cv2.COLOR_RGB2BGR)):
        raise OSError(f"cannot write {path}")
    return path
