"""Render the report model to PDF with Typst.

The model is written as JSON next to a copy of the layout (``resources/report/report.typ``) and
the figures in a temporary folder, which is Typst's root: nothing outside it can be read. Only
the fonts compiled into Typst are used (Libertinus Serif, New Computer Modern, DejaVu Sans Mono),
and they are embedded in the PDF. The creation date is fixed (``timestamp``), so the same report
model gives the same bytes.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from importlib import resources
from pathlib import Path

from mentoring_lib.outputs.document import Figure, Report

#: 2000-01-01T00:00:00Z. Typst writes this as the PDF date instead of the wall clock.
FIXED_TIMESTAMP = 946684800


def _layout() -> str:
    return resources.files("mentoring_lib").joinpath("resources", "report", "report.typ").read_text(
        encoding="utf-8")


def pdf_bytes(report: Report, *, timestamp: int = FIXED_TIMESTAMP) -> bytes:
    """Typeset the report; returns the PDF's bytes."""
    import typst

    with tempfile.TemporaryDirectory(prefix="report-typst-") as tmp:
        root = Path(tmp)
        (root / "figures").mkdir()
        names: dict[str, str] = {}

        def figure_name(f: Figure) -> str:
            name = f"figures/{len(names):03d}-{f.id}{Path(f.path).suffix.lower()}"
            shutil.copyfile(f.path, root / name)
            names[f.id] = name
            return name

        model = report.to_dict(figure_name)
        model["term-line"] = f"{report.term} · {report.period}" if report.period else report.term
        model["footer-short"] = f"{report.title} — {report.term}"
        (root / "model.json").write_text(json.dumps(model, ensure_ascii=False), encoding="utf-8")
        (root / "report.typ").write_text(_layout(), encoding="utf-8")
        try:
            return typst.compile(str(root / "report.typ"), root=str(root), ignore_system_fonts=True,
                                 timestamp=timestamp)
        except RuntimeError as e:  # typst reports layout errors as RuntimeError
            raise RuntimeError(f"Typst could not typeset the report: {e}") from None


def write_pdf(report: Report, path: Path, *, timestamp: int = FIXED_TIMESTAMP) -> Path:
    """Write the PDF atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = pdf_bytes(report, timestamp=timestamp)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return path
