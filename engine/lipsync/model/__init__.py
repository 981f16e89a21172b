"""The lip-sync networks: residual blocks, image/audio encoders, reference attention, the
U-Net decoder, the generator that joins them, and the two discriminators of training."""
