"""Compassion mentoring workbook: the helper library behind the stage notebooks.

Kept light on purpose: importing the package imports no pandas or matplotlib, so the
command line starts fast; the modules import what they need.

Layout (the architecture, outermost first):

- ``cli``, ``config``, ``errors``: the command line, the term's config and the error hierarchy;
- ``pipeline/``: the stage catalogue, stage context, runner, warm kernels, publishing, provenance;
- ``steps/``: one module per pipeline step (registration ... report), called by the stage notebooks;
- ``io/``: reading exports as the survey tools wrote them; writing spreadsheets safely;
- ``privacy/``: pseudonyms, disclosure control, the release audit, the personal-data gate, retention;
- ``analysis/``: codebook, scoring and statistics (no pipeline knowledge);
- ``outputs/``: charts and the report's HTML and PDF renderings;
- ``demo/``: the synthetic terms and their independently written answer keys.
"""
__version__ = "0.1.0"
