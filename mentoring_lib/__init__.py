"""Compassion mentoring workbook: the helper library behind the stage notebooks.

Kept light on purpose: importing the package imports no pandas or matplotlib, so the
command line starts fast; the modules import what they need.

Layout (the architecture, outermost first):

- ``cli``, ``config`` (+ ``config_sections``), ``errors``: the command line, the term's config and the
  error hierarchy;
- ``pipeline/``: the stage catalogue, drivers, staleness, stage context, runner, warm kernels,
  publishing, provenance, ``mentoring status``;
- ``steps/``: the stages' logic (registration ... report), split by concern, called by the drivers;
- ``io/``: reading exports as the survey tools wrote them; writing spreadsheets safely;
- ``privacy/``: pseudonyms, disclosure control, the release audit, the personal-data gate, scrubbing;
- ``analysis/``: codebook, scoring and statistics (no pipeline knowledge);
- ``outputs/``: charts and the report's HTML and PDF renderings;
- ``across_terms/``: each term's public summary.json, ``mentoring compare`` and the history store;
- ``demo/``: the synthetic terms and their independently written answer keys.
"""
__version__ = "0.1.0"
