"""The lip-sync research harness: fine-tune on the start of a clip, regenerate the rest, and
judge the mouths against the real frames, pasted baselines and landmark-space bounds.

The dubbing pipeline never imports this package; the CLI (``avdub eval``) and the benchmarks do.
"""
