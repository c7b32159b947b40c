"""Render the report model to one self-contained HTML page.

No code, no scripts, no external requests (a Content-Security-Policy forbids them): the CSS is
inlined and every chart is embedded as a data URI with its alt text. The page has a table of
contents, colour-blind-safe colours and a layout that reads on a phone.
"""
from __future__ import annotations

import base64
import html
from importlib import resources
from pathlib import Path
from string import Template

from mentoring_lib import __version__
from mentoring_lib.outputs.document import BulletList, Figure, Paragraph, Quote, Report, Table

#: A text cell longer than this (characters) gets a wider column in the HTML table.
LONG_CELL = 60
_MIME = {".png": "image/png", ".svg": "image/svg+xml", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}


def _resource(name: str) -> str:
    return resources.files("mentoring_lib").joinpath("resources", "report", name).read_text(encoding="utf-8")


def _e(text: str) -> str:
    return html.escape(str(text), quote=True)


def data_uri(path: Path) -> str:
    """The file as a base64 data URI (PNG, SVG or JPEG)."""
    path = Path(path)
    mime = _MIME.get(path.suffix.lower())
    if mime is None:
        raise ValueError(f"figure {path.name}: unsupported image type (use PNG or SVG)")
    return f"data:{mime};base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def _table(t: Table) -> str:
    numeric = list(t.numeric) or [False] * len(t.columns)

    def cls(i: int) -> str:
        return ' class="num"' if numeric[i] else ""

    head = "".join(f'<th scope="col"{cls(i)}>{_e(c)}</th>' for i, c in enumerate(t.columns))
    body = []
    for row in t.rows:
        cells = []
        for i, v in enumerate(row):
            if i == 0:
                cells.append(f'<th scope="row">{_e(v)}</th>')
            elif not numeric[i] and len(str(v)) > LONG_CELL:
                cells.append(f'<td class="long">{_e(v)}</td>')  # long text: a wider column, not a tall one
            else:
                cells.append(f"<td{cls(i)}>{_e(v)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    notes = "".join(f'<p class="table-notes">{_e(n)}</p>' for n in t.notes)
    # The title sits outside the scrolling box, so a wide table never cuts it off on a phone; the
    # table is labelled by it for screen readers.
    return (f'<div class="table-block" id="{_e(t.id)}"><p class="table-title" id="{_e(t.id)}-title">'
            f'{_e(t.label)}</p>\n<div class="table-wrap"><table aria-labelledby="{_e(t.id)}-title">\n'
            f"<thead><tr>{head}</tr></thead>\n<tbody>\n" + "\n".join(body) + "\n</tbody></table></div>"
            f"{notes}</div>")


#: Smallest chart text on screen, CSS pixels (a phone shrinks a chart to its width otherwise).
MIN_CHART_TEXT_PX = 11


def chart_min_width(path: Path) -> int | None:
    """The CSS width (px) below which a PNG chart's smallest text would be under
    :data:`MIN_CHART_TEXT_PX`; None for other images."""
    from mentoring_lib.outputs.charts import DPI, MIN_FONT_PT

    head = Path(path).read_bytes()[:24]
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    natural = int.from_bytes(head[16:20], "big")
    smallest_px = MIN_FONT_PT / 72 * DPI  # in the image's own pixels
    return int(natural * MIN_CHART_TEXT_PX / smallest_px) + 1  # + 1: rounding of the layout


def _figure(f: Figure) -> str:
    width = chart_min_width(f.path)
    style = f' style="min-width: {width}px"' if width else ""
    return (f'<figure id="{_e(f.id)}"><div class="figure-wrap"><img src="{data_uri(f.path)}" alt="{_e(f.alt)}" '
            f'loading="eager"{style}></div><figcaption>{_e(f.label)}</figcaption></figure>')


def render_block(block) -> str:
    if isinstance(block, Paragraph):
        return f"<p>{_e(block.text)}</p>"
    if isinstance(block, BulletList):
        return "<ul>" + "".join(f"<li>{_e(i)}</li>" for i in block.items) + "</ul>"
    if isinstance(block, Quote):
        src = f"<footer>{_e(block.source)}</footer>" if block.source else ""
        return f"<blockquote><p>{_e(block.text)}</p>{src}</blockquote>"
    if isinstance(block, Table):
        return _table(block)
    if isinstance(block, Figure):
        return _figure(block)
    raise TypeError(f"unknown report block {type(block).__name__}")


def render_html(report: Report, summary: str = "") -> str:
    """The report as an HTML document (a string); ``summary``: the one-page summary's section
    (:func:`mentoring_lib.outputs.summary_page.html_section`), shown first."""
    kf = "".join(
        f'<li class="key-figure"><span class="kf-value">{_e(k.value)}</span>'
        f'<span class="kf-label">{_e(k.label)}</span>'
        + (f'<span class="kf-note">{_e(k.note)}</span>' if k.note else "") + "</li>"
        for k in report.key_figures)
    from mentoring_lib.outputs.messages import text

    key_figures = _e(text("ui.key_figures", report.language))
    parts = ([summary] if summary else []) + [
        '<section id="key-figures" aria-labelledby="h-key-figures">'
        f'<h2 id="h-key-figures">{key_figures}</h2>'
        f'<ul class="key-figures">{kf}</ul></section>']
    toc = ([f'<li><a href="#summary">{_e(text("summary.title", report.language))}</a></li>'] if summary else []) + [
        f'<li><a href="#key-figures">{key_figures}</a></li>']
    for s in report.sections:
        toc.append(f'<li><a href="#{_e(s.id)}">{_e(s.title)}</a></li>')
        inner = "\n".join(render_block(b) for b in s.blocks)
        parts.append(f'<section id="{_e(s.id)}" aria-labelledby="h-{_e(s.id)}">'
                     f'<h2 id="h-{_e(s.id)}">{_e(s.title)}</h2>\n{inner}\n</section>')
    return Template(_resource("report.html")).substitute(
        lang=_e(report.language), contents=_e(text("ui.contents", report.language)), version=_e(__version__), title=_e(report.title),
        subtitle=_e(report.subtitle), organisation=_e(report.organisation),
        term=_e(f"{report.term} · {report.period}" if report.period else report.term),
        css=_resource("report.css"), toc="\n".join(toc), body="\n".join(parts), footer=_e(report.footer))


def write_html(report: Report, path: Path, summary: str = "") -> Path:
    """Write the page atomically (UTF-8)."""
    import os

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(render_html(report, summary), encoding="utf-8")
    os.replace(tmp, path)
    return path
