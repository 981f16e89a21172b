"""avdub engine: the dubbing pipeline as plain Python over a project folder.

The engine never imports Qt or the app; the studio and the CLI are two front-ends over it.
"""

__version__ = "0.1.0"
