"""Per-frame face landmarks: YuNet finds faces, the MediaPipe Face Landmarker meshes each one.

The Face Landmarker bundle (Tasks API) carries its own short-range BlazeFace detector, which
only finds faces that fill a good part of the picture: on the 1080×1920 portrait clip (a
small face in a full-body shot) and on one 700×700 close-up it found nothing. So faces are
*found* by OpenCV's YuNet (multi-scale, any size) on a downscaled frame and each face is
*meshed* by the landmarker on a square crop around it, resized to the mesh model's 256 px
input. Between YuNet passes a face is followed from its previous landmarks' box (as
MediaPipe's own video graph does), so most frames cost one mesh inference per face.
Landmarks come back as (478, 2) float32 pixel coordinates in the upright frame.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from engine.models.registry import ModelRegistry

N_LANDMARKS = 478  # 468 mesh points + 10 iris points (Face Landmarker with iris refinement)
MESH_INPUT = 256  # px: the face mesh model's input side; crops are resized to it
DETECT_SIDE = 640  # px: frames are shrunk to this longest side for YuNet (a 1080p face stays ≥ 20 px)
CROP_MARGIN = 1.8  # square crop side / face box side: BlazeFace inside the bundle wants context around the face
REDETECT_EVERY = 10  # frames between YuNet passes while faces are being followed
MIN_DETECT_SCORE = 0.6  # YuNet confidence


@dataclass(frozen=True)
class FaceObservation:
    landmarks: np.ndarray  # (478, 2) float32, pixels in the upright frame
    score: float  # detector confidence of the box the mesh was fitted in

    @property
    def box(self) -> tuple[float, float, float, float]:
        """(x0, y0, x1, y1) of the landmarks."""
        lo, hi = self.landmarks.min(0), self.landmarks.max(0)
        return float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1])


def _iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


class FaceLandmarkDetector:
    """Stateful per-video detector: call :meth:`detect` on consecutive frames of one video."""

    def __init__(self, registry: ModelRegistry, max_faces: int = 4, redetect_every: int = REDETECT_EVERY):
        from mediapipe.tasks.python import BaseOptions, vision  # heavy import, only when tracking

        self._yunet_path = str(registry.locate("yunet").path())
        options = vision.FaceLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(registry.locate("face-landmarker").path())),
            running_mode=vision.RunningMode.IMAGE, num_faces=1,
            min_face_detection_confidence=0.3, min_face_presence_confidence=0.3)
        self._landmarker = vision.FaceLandmarker.create_from_options(options)
        self._yunet: cv2.FaceDetectorYN | None = None
        self._yunet_size: tuple[int, int] | None = None
        self.max_faces, self.redetect_every = max_faces, redetect_every
        self._previous: list[FaceObservation] = []
        self._since_detect = 0

    def close(self) -> None:
        self._landmarker.close()

    def __enter__(self) -> "FaceLandmarkDetector":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def reset(self) -> None:
        """Forget the followed faces (after a cut)."""
        self._previous, self._since_detect = [], 0

    # ---- detection -------------------------------------------------------------------------
    def detect_boxes(self, image: np.ndarray) -> list[tuple[tuple[float, float, float, float], float]]:
        """YuNet face boxes ((x0, y0, x1, y1), score) in frame pixels."""
        h, w = image.shape[:2]
        scale = min(1.0, DETECT_SIDE / max(h, w))
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        small = cv2.resize(image, size, interpolation=cv2.INTER_AREA) if scale < 1.0 else image
        if self._yunet is None or self._yunet_size != size:
            self._yunet = cv2.FaceDetectorYN.create(self._yunet_path, "", size, MIN_DETECT_SCORE, 0.3, 50)
            self._yunet_size = size
        _, faces = self._yunet.detect(cv2.cvtColor(small, cv2.COLOR_RGB2BGR))
        if faces is None:
            return []
        out = []
        for f in faces[: self.max_faces]:
            x, y, bw, bh = (float(v) / scale for v in f[:4])
            out.append(((x, y, x + bw, y + bh), float(f[-1])))
        return out

    def mesh(self, image: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray | None:
        """(478, 2) landmarks of the face in ``box``, or None when the mesh finds no face there."""
        import mediapipe as mp

        cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        side = max(box[2] - box[0], box[3] - box[1]) * CROP_MARGIN
        if side < 8:
            return None
        s = MESH_INPUT / side
        # frame → crop: scale about the box centre, centre at the crop centre
        m = np.array([[s, 0, MESH_INPUT / 2 - s * cx], [0, s, MESH_INPUT / 2 - s * cy]], dtype=np.float64)
        interp = cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR
        crop = cv2.warpAffine(image, m, (MESH_INPUT, MESH_INPUT), flags=interp, borderMode=cv2.BORDER_REPLICATE)
        result = self._landmarker.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(crop)))
        if not result.face_landmarks:
            return None
        pts = np.array([(p.x, p.y) for p in result.face_landmarks[0]], dtype=np.float64) * MESH_INPUT
        if pts.shape != (N_LANDMARKS, 2):
            return None
        return ((pts - m[:, 2]) / s).astype(np.float32)

    def detect(self, image: np.ndarray) -> list[FaceObservation]:
        """Landmarks of every face in an (H, W, 3) uint8 RGB frame (the next frame of the video)."""
        assert image.ndim == 3 and image.shape[2] == 3 and image.dtype == np.uint8, image.shape
        candidates: list[tuple[tuple[float, float, float, float], float]] = [(o.box, o.score) for o in self._previous]
        if not self._previous or self._since_detect >= self.redetect_every:
            self._since_detect = 0
            for box, score in self.detect_boxes(image):
                if all(_iou(box, c) < 0.3 for c, _ in candidates):
                    candidates.append((box, score))
        self._since_detect += 1
        found: list[FaceObservation] = []
        for box, score in candidates:
            pts = self.mesh(image, box)
            if pts is None:
                continue
            obs = FaceObservation(pts, score)
            if all(_iou(obs.box, o.box) < 0.5 for o in found):  # two candidates converged on one face
                found.append(obs)
        self._previous = found[: self.max_faces]
        if not found:
            self._since_detect = self.redetect_every  # lost everything: look again next frame
        return self._previous
