"""Across terms and universities: each term's public summary.json, the comparison report and the history store (public data only)."""
