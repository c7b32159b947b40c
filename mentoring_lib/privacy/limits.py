"""The evaluation's disclosure limits: counts, partitions and shares as they may be published.

Thin, vectorised helpers over :mod:`mentoring_lib.privacy.disclosure` for the evaluation step and
the outcome analyses (``min_count`` for counts, ``min_base`` for percentages, means and tests).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd


@dataclass(frozen=True)
class Limits:
    min_count: int = 5
    min_base: int = 10

    @classmethod
    def from_config(cls, config) -> "Limits":
        from mentoring_lib.privacy import disclosure

        t = disclosure.Thresholds.from_config(config)
        return cls(int(t.min_count), int(t.min_base))

    @property
    def small(self) -> str:
        return f"<{self.min_count}"


def shown_counts(counts: pd.Series, limits: Limits) -> pd.Series:
    """Independent counts of people as text: "12", "0", or "<5" for 1..min_count-1.

    Each count stands alone (they are not parts of one total; for a table whose cells add up to
    totals use :func:`shown_partition`, which adds complementary suppression). This is the rule
    :func:`disclosure.suppress_counts` applies to a single cell, with its label (vectorised here;
    ``tests/test_evaluation.py`` checks the two agree)."""
    from mentoring_lib.privacy import disclosure

    values = pd.Series(counts).astype("int64")
    small = (values > 0) & (values < limits.min_count)
    text = values.astype(str).astype(object)
    return text.mask(small, disclosure.small_label(limits.min_count)).astype("str")


def shown_partition(table: pd.DataFrame, limits: Limits) -> pd.DataFrame:
    """A table of counts with a ``Total`` row and column, complementary suppression applied
    ("<5" small, "x" hidden so that a small count cannot be worked out)."""
    from mentoring_lib.privacy import disclosure

    out = disclosure.suppress_counts(table.astype("int64"), limits.min_count, margins=True)
    return out.map(_count_text).astype("str")


def shown_count(n: int, limits: Limits) -> str:
    return str(shown_counts(pd.Series([int(n)]), limits).iloc[0])


def _count_text(v: Any) -> str:
    if isinstance(v, str):
        return v
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    return str(int(v))


def share(count: float, base: float, limits: Limits) -> float:
    """count/base as a proportion (0–1), or NaN when the base is below min_base or the count is a
    non-zero small count (its percentage would give the suppressed count away)."""
    from mentoring_lib.privacy import disclosure

    p = disclosure.percent_or_none(int(count), int(base), limits.min_base, min_count=limits.min_count)
    return math.nan if p is None else float(p) / 100


def enough(n: int, limits: Limits) -> bool:
    from mentoring_lib.privacy import disclosure

    return bool(disclosure.enough_base(int(n), limits.min_base))
