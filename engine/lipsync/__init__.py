"""Lip-sync: the paper's audio-driven mouth generator (§3.1.3–3.1.5, appendix A), its data,
its training, and the research harness that judges it.

Role folders, each importing only those below it:

* ``eval/`` — the quality harness, its baselines, metrics and bounds; the pipeline never
  reaches it (only the CLI and benchmarks do);
* ``training/`` — the trainer, losses, checkpoints, DDP, the shape prior and its check;
  ``infer`` — dub audio + a track's chunk → generated 256 px mouth crops;
* ``model/`` — the generator's networks and the discriminators; ``data/`` — window sources
  (project tracks, clips, corpora), training windows with the leak rules, reference placement,
  the generated-crop file format;
* the shared basics at the top: ``config`` (presets), ``mel`` (audio features), ``masks``
  (the mouth rectangle), ``mouth`` (lip points, inner-lip opening).

Importing this package does not import torch; import the modules you need.
"""
