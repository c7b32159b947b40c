"""The one-page summary: for the coordinator and the funder who will not read the whole report.

Built from the report model only (:class:`mentoring_lib.steps.report.Report`, made from the tables the
release protection has already applied), so it publishes no number the report does not show: the
key figures with their bases, one chart (the participants' funnel), three sentences (reach,
implementation, outcome) and what the figures suggest improving next term. It is shown at the top
of ``report.html`` and written alone to ``public/summary.pdf`` (Typst, the report's renderer and
fonts); the privacy gate scans it with every public file.

The page speaks the report's language (``Report.language``; texts in ``messages/<lang>/summary.yml``).
The outcome sentence is a hook (:data:`OUTCOME_SENTENCE`): it states the evaluation's headline
change today; a term's declared primary outcome can replace it without touching the rest.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Callable

from mentoring_lib.outputs.document import BulletList, Figure, KeyFigure, Paragraph, Report, Table
from mentoring_lib.outputs.messages import FALLBACK, catalogue, text

#: The chart of the summary: the first of these figures the report has.
CHART_PREFERENCE = ("funnel-participants", "attendance", "change")
#: Below these shares (whole percent) the summary suggests working on the step.
LOW_AFTER_RESPONSE = 60
LOW_ATTENDANCE = 75
#: Above this many applications per place the summary suggests more places.
HIGH_DEMAND = 1.2


@dataclass(frozen=True)
class OnePage:
    title: str
    subtitle: str
    organisation: str
    term: str
    figures: tuple[KeyFigure, ...]
    sentences: tuple[str, str, str]
    improve: tuple[str, ...]
    chart: Figure | None
    footer: str
    language: str = FALLBACK


def _key(report: Report, key: str) -> KeyFigure | None:
    return next((k for k in report.key_figures if k.key == key), None)


def _phrase(k: KeyFigure) -> str:
    return f"{k.value} {k.label}" + (f" ({k.note})" if k.note else "")


def _percent(text: str) -> int | None:
    """66 for "66%"; None for "<5", "x", "–" or anything else a protected cell may show."""
    m = re.fullmatch(r"(\d+)%", str(text).strip())
    return int(m.group(1)) if m else None


def _table(report: Report, tid: str) -> Table | None:
    return next((t for t in report.tables() if t.id == tid), None)


def _cell(t: Table | None, row_starts: str, column: str, position: int, lang: str = "en") -> str | None:
    """The cell of the row whose label starts with ``row_starts`` (the evaluation's value; the report
    shows it in its language, ``row.<value>`` of the catalogue) in ``column`` (the report's English
    header), or in the column at ``position`` when the headers are in another language."""
    if t is None:
        return None
    i = t.columns.index(column) if column in t.columns else position
    if i >= len(t.columns):
        return None
    values = _row_values(row_starts)
    labels = {*values, *(catalogue(lang).get(f"row.{value}", value) for value in values)}
    return next((r[i] for r in t.rows if any(str(r[0]).startswith(label) for label in labels)), None)


def _row_values(row_starts: str) -> list[str]:
    """The evaluation's row values starting with ``row_starts`` ("after" -> "after (post)"), itself included."""
    keys = [k[len("row."):] for k in catalogue("en") if k.startswith("row." + row_starts)]
    return [row_starts, *keys]


def _not_available(report: Report) -> str:
    """How the report's language says an input was not read ("is not yet available"): the words
    after ``{what}`` in the evaluation's own notice (``evaluation.missing``), so the two cannot drift."""
    notice = text("evaluation.missing", report.language)
    return notice.split("{what}", 1)[1].split("(", 1)[0].strip()


def _section_text(report: Report, section: str, contains: str) -> list[str]:
    """Sentences of a section's text (paragraphs and bullets) containing ``contains``."""
    out = []
    for s in report.sections:
        if s.id != section:
            continue
        for b in s.blocks:
            texts = [b.text] if isinstance(b, Paragraph) else list(b.items) if isinstance(b, BulletList) else []
            out += [t for t in texts if contains in t]
    return out


def headline_outcome_sentence(report: Report) -> str:
    """The outcome sentence from the primary outcome's change (key figure "primary", written by
    :func:`outcome_analysis.primary_key_figure`)."""
    lang = report.language
    change, linked = _key(report, "primary"), _key(report, "linked")
    if change is None:
        missing = _section_text(report, "effectiveness", _not_available(report))
        return missing[0] if missing else text("summary.no_outcome", lang)
    base = text("summary.outcome_base", lang, linked=linked.value) if linked else ""
    return text("summary.outcome", lang, change=_phrase(change), base=base)


#: Hook: how the summary states the term's outcome (a primary outcome can replace it).
OUTCOME_SENTENCE: Callable[[Report], str] = headline_outcome_sentence


def reach_sentence(report: Report) -> str:
    parts = [_phrase(k) for k in (_key(report, "applications"), _key(report, "participants"),
                                  _key(report, "mentors")) if k is not None]
    lang = report.language
    return text("summary.reach", lang, parts="; ".join(parts)) if parts else text("summary.no_reach", lang)


def implementation_sentence(report: Report) -> str:
    lang = report.language
    parts = [_phrase(k) for k in (_key(report, "attendance"), _key(report, "groups")) if k is not None]
    missing = _section_text(report, "implementation", _not_available(report))
    if missing and not _key(report, "attendance"):
        return text("summary.implementation_missing", lang, notice=" ".join(missing))
    return (text("summary.implementation", lang, parts="; ".join(parts)) if parts
            else text("summary.no_implementation", lang))


def improvements(report: Report) -> tuple[str, ...]:
    """What the published figures suggest working on next term (each with the figure behind it)."""
    lang = report.language
    out = []
    demand = _cell(_table(report, "t-reach"), "applications per place", "Participants", 1, lang)
    try:
        per_place = float(demand) if demand is not None else None
    except ValueError:
        per_place = None
    if per_place is not None and per_place > HIGH_DEMAND:
        out.append(text("summary.demand", lang, demand=demand))
    attendance = _key(report, "attendance")
    share = _percent(attendance.value) if attendance else None
    if attendance and share is not None and share < LOW_ATTENDANCE:
        out.append(text("summary.attendance", lang, share=attendance.value))
    after = _percent(_cell(_table(report, "t-response"), "after", "Response rate", 2, lang) or "")
    if after is not None and after < LOW_AFTER_RESPONSE:
        out.append(text("summary.after_response", lang, share=after))
    marker = _not_available(report)
    for s in report.sections:
        for sentence in _section_text(report, s.id, marker):
            what = sentence.split(" " + marker, 1)[0]
            item = text("summary.collect", lang, what=what[0].lower() + what[1:])
            if item not in out:
                out.append(item)
    return tuple(out) or (text("summary.nothing", lang),)


def build(report: Report) -> OnePage:
    """The one-page summary of a report model."""
    figures = {f.id: f for f in report.figures()}
    chart = next((figures[i] for i in CHART_PREFERENCE if i in figures), None)
    return OnePage(title=report.title, subtitle=text("summary.subtitle", report.language),
                   organisation=report.organisation,
                   term=f"{report.term} · {report.period}" if report.period else report.term,
                   figures=report.key_figures,
                   sentences=(reach_sentence(report), implementation_sentence(report), OUTCOME_SENTENCE(report)),
                   improve=improvements(report), chart=chart, footer=report.footer, language=report.language)


def numbers(page: OnePage) -> list[str]:
    """Every number the page shows (for the test that they all come from the report)."""
    texts = [*(f"{k.value} {k.label} {k.note}" for k in page.figures), *page.sentences, *page.improve]
    return re.findall(r"[+−-]?\d+(?:[.,]\d+)?%?", " ".join(texts))


# -- rendering -------------------------------------------------------------------------------------

def html_section(page: OnePage) -> str:
    """The summary as the first section of report.html."""
    from mentoring_lib.outputs.render_html import _e, data_uri

    chart = (f'<figure id="summary-chart"><img src="{data_uri(page.chart.path)}" alt="{_e(page.chart.alt)}" '
             f'loading="eager"><figcaption>{_e(page.chart.caption)}</figcaption></figure>' if page.chart else "")
    heading, improve = text("summary.title", page.language), text("summary.improve_title", page.language)
    return (f'<section id="summary" aria-labelledby="h-summary"><h2 id="h-summary">{_e(heading)}</h2>'
            + "".join(f"<p>{_e(t)}</p>" for t in page.sentences) + chart
            + f'<h3>{_e(improve)}</h3><ul>' + "".join(f"<li>{_e(t)}</li>" for t in page.improve)
            + "</ul></section>")


def _layout() -> str:
    return resources.files("mentoring_lib").joinpath("resources", "report", "summary.typ").read_text(
        encoding="utf-8")


def pdf_bytes(page: OnePage, *, timestamp: int) -> bytes:
    """Typeset the page with Typst (the report's fonts only; fixed date: same model, same bytes)."""
    import typst

    with tempfile.TemporaryDirectory(prefix="summary-typst-") as tmp:
        root = Path(tmp)
        model: dict[str, Any] = {"title": page.title, "subtitle": page.subtitle, "organisation": page.organisation,
                 "lang": page.language, "document_title": text("summary.document_title", page.language,
                                                               title=page.title),
                 "improve_title": text("summary.improve_title", page.language),
                 "term": page.term, "footer": page.footer, "sentences": list(page.sentences),
                 "improve": list(page.improve),
                 "figures": [{"value": k.value, "label": k.label, "note": k.note} for k in page.figures],
                 "chart": None}
        if page.chart is not None:
            name = "chart" + Path(page.chart.path).suffix.lower()
            shutil.copyfile(page.chart.path, root / name)
            model["chart"] = {"path": name, "caption": page.chart.caption, "alt": page.chart.alt}
        (root / "model.json").write_text(json.dumps(model, ensure_ascii=False), encoding="utf-8")
        (root / "summary.typ").write_text(_layout(), encoding="utf-8")
        try:
            return typst.compile(str(root / "summary.typ"), root=str(root), ignore_system_fonts=True,
                                 timestamp=timestamp)
        except RuntimeError as e:
            raise RuntimeError(f"Typst could not typeset the summary: {e}") from None


def write_pdf(page: OnePage, path: Path, *, timestamp: int) -> Path:
    """Write ``summary.pdf`` atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(pdf_bytes(page, timestamp=timestamp))
    os.replace(tmp, path)
    return path
