"""The end-of-term report: one model, two renderings (HTML and PDF), plus the public summary workbook.

The report is built ONCE from the evaluation stage's tables, the term config and the run's
provenance into a :class:`Report` made of sections, key figures, tables, figures and text.
Every number in the model is already a formatted string, so :mod:`render_html` and
:mod:`render_pdf` cannot disagree about a value: they only lay out the same strings.

Privacy domain: public. The model is built from aggregated, suppressed tables only.
"""
from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Union

from mentoring_lib import __version__

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from mentoring_lib.config import TermConfig
    from mentoring_lib.context import StageContext

MINUS = "\u2212"  # typographic minus: identical in HTML and PDF text


# --------------------------------------------------------------------------------------
# The model
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Paragraph:
    text: str
    kind: str = "paragraph"


@dataclass(frozen=True)
class BulletList:
    items: tuple[str, ...]
    kind: str = "bullets"


@dataclass(frozen=True)
class Quote:
    text: str
    source: str = ""
    kind: str = "quote"


@dataclass(frozen=True)
class Table:
    """A table of display strings; ``numeric[i]`` right-aligns column i."""

    id: str
    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...] = ()
    notes: tuple[str, ...] = ()
    number: int = 0
    kind: str = "table"

    @property
    def label(self) -> str:
        return f"Table {self.number}. {self.caption}" if self.number else self.caption


@dataclass(frozen=True)
class Figure:
    """A chart file (PNG or SVG) with its caption and the alt text every rendering carries."""

    id: str
    caption: str
    alt: str
    path: Path
    number: int = 0
    kind: str = "figure"

    @property
    def label(self) -> str:
        return f"Figure {self.number}. {self.caption}" if self.number else self.caption


Block = Union[Paragraph, BulletList, Quote, Table, Figure]


@dataclass(frozen=True)
class KeyFigure:
    label: str
    value: str
    note: str = ""


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Report:
    title: str
    subtitle: str
    organisation: str
    author: str
    term: str
    period: str
    key_figures: tuple[KeyFigure, ...]
    sections: tuple[Section, ...]
    footer: str = ""
    language: str = "en"

    def figures(self) -> list[Figure]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, Figure)]

    def tables(self) -> list[Table]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, Table)]

    def to_dict(self, figure_name=lambda f: str(f.path)) -> dict[str, Any]:
        """Plain data for templates (the Typst template reads this as JSON)."""
        d = asdict(self)
        for s_out, s in zip(d["sections"], self.sections):
            for b_out, b in zip(s_out["blocks"], s.blocks):
                if isinstance(b, Figure):
                    b_out["path"] = figure_name(b)
                    b_out["label"] = b.label
                elif isinstance(b, Table):
                    b_out["label"] = b.label
                    b_out["numeric"] = list(b.numeric) or [False] * len(b.columns)
        return d


def number_blocks(sections: Iterable[Section]) -> tuple[Section, ...]:
    """Number tables and figures in reading order (same numbers in both renderings)."""
    from dataclasses import replace

    t = f = 0
    out = []
    for s in sections:
        blocks = []
        for b in s.blocks:
            if isinstance(b, Table):
                t += 1
                b = replace(b, number=t)
            elif isinstance(b, Figure):
                f += 1
                b = replace(b, number=f)
            blocks.append(b)
        out.append(replace(s, blocks=tuple(blocks)))
    return tuple(out)


# --------------------------------------------------------------------------------------
# Formatting: every number becomes a string here, once
# --------------------------------------------------------------------------------------
def _missing(x: Any) -> bool:
    if x is None:
        return True
    try:
        return bool(isinstance(x, float) and math.isnan(x)) or str(x) in ("<NA>", "nan", "NaN", "None")
    except TypeError:
        return False


def fmt_count(x: Any) -> str:
    """A (possibly suppressed) count: 12 -> "12", "<5" stays "<5", missing -> "–"."""
    if _missing(x):
        return "–"
    if isinstance(x, str):
        s = x.strip()
        if s.startswith("<"):
            return s
        try:
            return str(int(float(s)))
        except ValueError:
            return s
    return str(int(x))


def fmt_num(x: Any, digits: int = 2) -> str:
    """A number with fixed decimals and a typographic minus; missing -> "–"."""
    if _missing(x):
        return "–"
    if isinstance(x, str):
        return x
    v = round(float(x), digits)
    if v == 0:
        v = 0.0  # no "−0.00"
    s = f"{v:.{digits}f}"
    return s.replace("-", MINUS)


def fmt_signed(x: Any, digits: int = 2) -> str:
    s = fmt_num(x, digits)
    if s not in ("–",) and not s.startswith(MINUS) and float(s) != 0:
        s = "+" + s
    return s


def fmt_p(p: Any) -> str:
    """p-values: three decimals, "<0.001" below that."""
    if _missing(p):
        return "–"
    p = float(p)
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def fmt_pct(x: Any, digits: int = 0) -> str:
    """A proportion (0–1) as a percentage; missing (base too small) -> "–"."""
    if _missing(x):
        return "–"
    return f"{float(x) * 100:.{digits}f}%"


def fmt_ci(lo: Any, hi: Any, digits: int = 2) -> str:
    if _missing(lo) or _missing(hi):
        return "–"
    return f"[{fmt_num(lo, digits)}, {fmt_num(hi, digits)}]"
