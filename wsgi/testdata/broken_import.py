"""A module whose import fails, for the LoadError traceback test."""

RATIO = 1 / 0
