"""The `avdub` command line: a thin front-end over the engine's public API."""
