"""Scales and statistics: the codebook, scoring and the statistical tests."""
