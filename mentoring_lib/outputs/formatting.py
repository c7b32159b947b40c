"""Formatting: every number of a public output becomes a display string here, once.

Shared by the evaluation step (sentences) and the report step (tables) so a value reads the same
in both; suppressed counts (strings such as "<5") pass through unchanged.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Iterable

from mentoring_lib.outputs.document import MINUS, Table

if TYPE_CHECKING:  # pragma: no cover
    import datetime as dt

    import pandas as pd


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
        return x.strip()  # already shown: "12", "<5", "x" or a ratio such as "1.4"
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


def written_date(d: "dt.date", lang: str = "en", *, year: bool = True) -> str:
    """A date written out in ``lang``, whatever the machine's locale: "18 December 2026",
    "18. joulukuuta 2026", "18 december 2026" (``year=False``: without the year)."""
    from mentoring_lib.outputs.messages import text

    month = text(f"date.month.{d.month}", lang)
    return (text("date.format", lang, day=d.day, month=month, year=d.year) if year
            else text("date.format_no_year", lang, day=d.day, month=month))


def table_frame(tables: dict, name: str) -> "pd.DataFrame | None":
    """The evaluation table ``name``, or None when it is missing or empty."""
    df = tables.get(name)
    return df if df is not None and len(df) else None


def display_table(tid: str, caption: str, df: "pd.DataFrame", spec: list[tuple[str, str, Any]],
                  notes: Iterable[str] = ()) -> Table:
    """A display table: ``spec`` = [(column, header, formatter)], formatter None = text."""
    rows = []
    for rec in df.to_dict("records"):
        rows.append(tuple((fmt(rec.get(col)) if fmt else ("–" if _missing(rec.get(col)) else str(rec.get(col))))
                          for col, _, fmt in spec))
    numeric = tuple(fmt is not None for _, _, fmt in spec)
    return Table(tid, caption, tuple(h for _, h, _ in spec), tuple(rows), numeric, tuple(notes))
