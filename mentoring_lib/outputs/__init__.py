"""Rendering: charts and the report's HTML and PDF renderings."""
