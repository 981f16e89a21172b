"""avdub studio: the Qt editor over the engine."""
