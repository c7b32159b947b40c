"""Confidence intervals the report promises beside its point estimates, each with its method text.

* :func:`wilson` -- a proportion's Wilson score interval (Wilson 1927; Newcombe 1998);
* :func:`rank_biserial_ci` -- the matched-pairs rank-biserial r's interval: Fisher z with the
  standard error of the signed-rank statistic (the method of the R package effectsize,
  Ben-Shachar, Lüdecke & Makowski 2020);
* :func:`spearman` -- Spearman's rho with a Fisher-z interval using Bonett & Wright's (2000)
  standard error sqrt((1 + rho²/2) / (n - 3)).

Checked in ``tests/test_intervals.py`` against statsmodels (Wilson) and hand computations.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

from mentoring_lib.analysis.stats import CONFIDENCE, _Result
from mentoring_lib.outputs.messages import text

#: Method texts with a ``{pct}`` placeholder, in English (``text("method.wilson", lang, pct=...)``
#: gives them in the report's language).
WILSON_METHOD = text("method.wilson")
RANK_BISERIAL_METHOD = text("method.rank_biserial")
SPEARMAN_METHOD = text("method.spearman")


def _z(confidence: float) -> float:
    return float(sps.norm.ppf(1 - (1 - confidence) / 2))


def wilson(count: int, base: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Wilson score interval (0–1) of ``count`` successes in ``base`` trials; NaNs for base 0."""
    if base <= 0:
        return math.nan, math.nan
    if not 0 <= count <= base:
        raise ValueError("count must lie between 0 and base")
    z = _z(confidence)
    p = count / base
    centre = (p + z * z / (2 * base)) / (1 + z * z / base)
    half = z / (1 + z * z / base) * math.sqrt(p * (1 - p) / base + z * z / (4 * base * base))
    return max(0.0, centre - half), min(1.0, centre + half)


def rank_biserial_ci(r: float, n_nonzero: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """CI of a matched-pairs rank-biserial r from ``n_nonzero`` non-zero differences."""
    if not np.isfinite(r) or n_nonzero < 2 or abs(r) >= 1:
        return math.nan, math.nan  # |r| = 1 (every pair moved one way) has no Fisher-z interval
    n = n_nonzero
    se = math.sqrt(n * (n + 1) * (2 * n + 1) / 6) / (n * (n + 1) / 2)
    zr = math.atanh(max(min(r, 1 - 1e-12), -1 + 1e-12))
    z = _z(confidence)
    return math.tanh(zr - z * se), math.tanh(zr + z * se)


@dataclass(frozen=True)
class SpearmanResult(_Result):
    n: int
    rho: float
    ci: tuple[float, float]
    p: float
    note: str
    method: str


def spearman(x, y, confidence: float = CONFIDENCE, min_n: int = 10) -> SpearmanResult:
    """Spearman's rho of complete (x, y) pairs with its Fisher-z (Bonett-Wright) interval and
    scipy's p-value; not computed with fewer than ``min_n`` pairs or without variation."""
    a = np.asarray(x, dtype=float)
    b = np.asarray(y, dtype=float)
    keep = ~(np.isnan(a) | np.isnan(b))
    a, b = a[keep], b[keep]
    n = int(a.size)
    method = SPEARMAN_METHOD.format(pct=f"{confidence * 100:g}%")
    nan2 = (math.nan, math.nan)
    if n < max(min_n, 4):
        return SpearmanResult(n, math.nan, nan2, math.nan, f"fewer than {max(min_n, 4)} pairs", method)
    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return SpearmanResult(n, math.nan, nan2, math.nan, "no variation", method)
    res = sps.spearmanr(a, b)
    rho = float(res.statistic)
    se = math.sqrt((1 + rho * rho / 2) / (n - 3))
    zr = math.atanh(max(min(rho, 1 - 1e-12), -1 + 1e-12))
    z = _z(confidence)
    return SpearmanResult(n, rho, (math.tanh(zr - z * se), math.tanh(zr + z * se)), float(res.pvalue), "", method)
