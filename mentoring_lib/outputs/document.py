"""The report's document model: sections of paragraphs, lists, quotes, tables and figures.

Built by :mod:`mentoring_lib.steps.report` and laid out by :mod:`render_html` and :mod:`render_pdf`
(which therefore import only this module, not the report step). Every value is a display string.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Iterable, Union

MINUS = "\u2212"  # typographic minus: identical in HTML and PDF text


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


def numbered_label(label_format: str, number: int, caption: str) -> str:
    """"Table 3. Caption" (in the report's language); the caption alone for an unnumbered block."""
    return label_format.format(number=number, caption=caption) if number else caption


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
    label_format: str = "Table {number}. {caption}"  # from the message catalogue (number_blocks)

    @property
    def label(self) -> str:
        return numbered_label(self.label_format, self.number, self.caption)


@dataclass(frozen=True)
class Figure:
    """A chart file (PNG or SVG) with its caption and the alt text every rendering carries."""

    id: str
    caption: str
    alt: str
    path: Path
    number: int = 0
    kind: str = "figure"
    label_format: str = "Figure {number}. {caption}"

    @property
    def label(self) -> str:
        return numbered_label(self.label_format, self.number, self.caption)


Block = Union[Paragraph, BulletList, Quote, Table, Figure]


@dataclass(frozen=True)
class KeyFigure:
    label: str
    value: str
    note: str = ""
    #: The evaluation's name for the figure (e.g. "attendance"), for the one-page summary.
    key: str = ""


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
        from mentoring_lib.outputs.messages import text

        d = asdict(self)
        d["words"] = {"contents": text("ui.contents", self.language),
                      "key_figures": text("ui.key_figures", self.language)}
        for s_out, s in zip(d["sections"], self.sections):
            for b_out, b in zip(s_out["blocks"], s.blocks):
                if isinstance(b, Figure):
                    b_out["path"] = figure_name(b)
                    b_out["label"] = b.label
                elif isinstance(b, Table):
                    b_out["label"] = b.label
                    b_out["numeric"] = list(b.numeric) or [False] * len(b.columns)
        return d


def number_blocks(sections: Iterable[Section], lang: str = "en") -> tuple[Section, ...]:
    """Number tables and figures in reading order (same numbers in both renderings), labelled in
    the report's language."""
    from dataclasses import replace

    from mentoring_lib.outputs.messages import text

    t = f = 0
    out = []
    for s in sections:
        blocks = []
        for b in s.blocks:
            if isinstance(b, Table):
                t += 1
                b = replace(b, number=t, label_format=text("ui.table", lang))
            elif isinstance(b, Figure):
                f += 1
                b = replace(b, number=f, label_format=text("ui.figure", lang))
            blocks.append(b)
        out.append(replace(s, blocks=tuple(blocks)))
    return tuple(out)
