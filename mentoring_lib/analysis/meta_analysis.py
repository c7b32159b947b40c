"""Inverse-variance meta-analysis of the terms' published before/after change (consortium view).

Each term publishes, per scale, the number of complete pairs ``n``, the mean change (after −
before) and the SD of the change. From these alone (no personal data) each term contributes

* the **mean change** in scale points, with variance SD² / n (pooled only across terms that score
  the scale the same way: same instrument fingerprint, so the same units), and
* the **standardised mean change** g_z = J · change / SD (Cohen's d_z with Hedges' small-sample
  correction J = 1 − 3 / (4(n − 1) − 1)), with variance 1/n + g_z² / (2n) (Borenstein et al., 2009,
  *Introduction to Meta-Analysis*, ch. 4, for a change score standardised by its own SD).

Pooling (Borenstein et al., 2009, ch. 11-12, 16): the fixed-effect estimate weights each term by
1/v; the DerSimonian–Laird random-effects estimate by 1/(v + τ²) with
τ² = max(0, (Q − df) / (Σw − Σw²/Σw)); heterogeneity I² = max(0, (Q − df) / Q). 95% intervals
are normal (± 1.96 SE). The test checks the numbers against a hand computation and against
``statsmodels.stats.meta_analysis.combine_effects``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

from scipy.stats import norm

Z95 = float(norm.ppf(0.975))


def hedges_j(n: int) -> float:
    """Hedges' small-sample correction for a d with n − 1 degrees of freedom."""
    return 1.0 - 3.0 / (4.0 * (n - 1) - 1.0)


def standardised_change(mean_change: float, sd_change: float, n: int) -> tuple[float, float]:
    """(g_z, its variance) of one term's paired change."""
    g = hedges_j(n) * mean_change / sd_change
    return g, 1.0 / n + g * g / (2.0 * n)


def raw_change(mean_change: float, sd_change: float, n: int) -> tuple[float, float]:
    """(mean change, its variance SD² / n)."""
    return float(mean_change), sd_change * sd_change / n


@dataclass(frozen=True)
class Pooled:
    k: int
    fixed: float
    fixed_se: float
    random: float
    random_se: float
    tau2: float
    q: float
    i2: float

    def ci(self, which: str = "random") -> tuple[float, float]:
        est, se = (self.random, self.random_se) if which == "random" else (self.fixed, self.fixed_se)
        return est - Z95 * se, est + Z95 * se


def pool(effects: Sequence[float], variances: Sequence[float]) -> Pooled:
    """Fixed-effect and DerSimonian–Laird random-effects estimates with Q, τ² and I²."""
    if len(effects) != len(variances) or len(effects) < 2:
        raise ValueError("pooling needs at least two effects, each with its variance")
    if any(v <= 0 or not math.isfinite(v) for v in variances):
        raise ValueError("every variance must be a positive number")
    w = [1.0 / v for v in variances]
    sw = sum(w)
    fixed = sum(wi * y for wi, y in zip(w, effects)) / sw
    q = sum(wi * (y - fixed) ** 2 for wi, y in zip(w, effects))
    df = len(effects) - 1
    c = sw - sum(wi * wi for wi in w) / sw
    tau2 = max(0.0, (q - df) / c) if c > 0 else 0.0
    wr = [1.0 / (v + tau2) for v in variances]
    random = sum(wi * y for wi, y in zip(wr, effects)) / sum(wr)
    i2 = max(0.0, (q - df) / q) if q > 0 else 0.0
    return Pooled(len(effects), fixed, math.sqrt(1.0 / sw), random, math.sqrt(1.0 / sum(wr)), tau2, q, i2)
