"""Lip-sync: the paper's audio-driven mouth generator (§3.1.3–3.1.5, appendix A) and its training.

Modules: ``config`` (presets), ``blocks``/``encoders``/``attention``/``decoder``/``model`` (the
generator), ``discriminators``, ``losses``/``msssim``, ``mel`` (audio features), ``data``
(WindowSource protocol, training windows, leak rules), ``train``/``checkpoint``/``ddp``
(training), ``infer`` (chunks → 256 px mouth crops), ``clip_source``/``synthetic``/``corpus``
(simple sources until the face pipeline feeds real tracks). Importing this package does not
import torch; import the modules you need.
"""
