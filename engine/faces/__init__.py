"""Faces: track the presenter, align 256×256 crops, masks, chunks, references, and blend back.

Modules: ``landmarks`` (YuNet + MediaPipe Face Landmarker per frame), ``tracks`` (linking,
gaps, cuts, smoothing), ``tracking`` (the whole-video pass), ``template`` / ``align``
(similarity to the fixed template from eye and nose points only), ``masks``, ``chunks``,
``references``, ``speaking`` (which face talks), ``store`` (per-frame data on disk and the
crop iterator lip-sync trains on), ``render`` (blend-back + encode), ``quality`` (face PSNR), ``export`` (PNG
inspection). The pipeline stages ``track`` / ``render`` live in :mod:`engine.stages`.
"""
