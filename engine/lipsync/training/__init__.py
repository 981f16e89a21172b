"""Lip-sync training: the trainer, its losses (MS-SSIM, L1, GAN, landmarks, attention),
self-describing checkpoints, multi-GPU (DDP) helpers, and the closed-form shape prior with
the held-out check of the learned query."""
