"""Compassion mentoring workbook: the helper library behind the stage notebooks.

Kept light on purpose: importing the package imports no pandas or matplotlib, so the
command line starts fast; the modules import what they need.
"""
__version__ = "0.1.0"
