"""Stored hot-spot runs: computed by geo.hotspots, kept so maps load instead of recompute."""
