"""The pipeline's stages, one module each, above the domain packages they drive.

A stage module exposes ``inputs(ctx) -> Mapping`` (what its output depends on) and
``run(ctx) -> None``; some add per-segment hooks (``speak_segment``, ``fit_segment``,
``lipsync_segment``) for the studio's regenerate. Besides the stages, this package holds the
glue that reads a project's settings for them (``speech_settings``, ``lipsync_settings``), the
lip-sync crops the render stage pastes (``lipsync_crops``), which face tracks are rendered
(``rendered_tracks``), the dub audio they share (``dub_audio``) and the run's context
(``context``). The domain packages (speech, faces, lipsync, export) never import this one.
Stage modules stay cheap to import: torch and mediapipe load inside the functions that use them.
"""
