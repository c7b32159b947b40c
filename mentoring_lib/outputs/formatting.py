"""Formatting: every number of a public output becomes a display string here, once.

Shared by the evaluation step (sentences) and the report step (tables) so a value reads the same
in both; suppressed counts (strings such as "<5") pass through unchanged.
"""
from __future__ import annotations

import math
from typing import Any

from mentoring_lib.outputs.document import MINUS


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
