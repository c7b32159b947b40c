"""Statistics for the pilot's evaluation, each with its conventions written out.

Every function returns a small frozen dataclass holding the numbers and a ``method`` string
that states the conventions used (zero handling, continuity correction, which effect size,
how its interval was computed), so the report's methods text is written by the code that
computed the numbers. ``result.as_dict()`` gives a flat row for a tidy results table.

Conventions (all paired functions):

* ``change = post - pre``: a positive change is an increase from before to after.
* Pairs with a missing value on either side are dropped and counted (``n_dropped``).
* Fewer than :data:`MIN_PAIRS` complete pairs: the test is not run; the numbers are NaN and
  ``note`` says "not enough pairs" (never an exception on tiny data).

Checked in ``tests/test_stats.py`` against scipy, against pingouin (an independent
implementation used only in tests) and against hand-computed cases.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd
from scipy import optimize, special
from scipy import stats as sps

from mentoring_lib.outputs.messages import FALLBACK, text

#: Fewest complete pairs for which a paired test is run.
MIN_PAIRS = 3
#: Reliability estimates from fewer complete cases than this are flagged.
ALPHA_MIN_N = 30
#: Exact Wilcoxon p-values are used up to this many non-zero differences (without ties).
WILCOXON_EXACT_MAX_N = 50
CONFIDENCE = 0.95
#: Differences closer than this are equal for ranking (and |d| below it is zero): mean scores are
#: ratios of integer sums, so differences that are equal in exact arithmetic (two changes of 1/12)
#: come out of floating point a few ulps apart and would otherwise be ranked as distinct.
TIE_TOLERANCE = 1e-9


def _note_not_enough(n: int, minimum: int = MIN_PAIRS) -> str:
    return f"not enough pairs (n={n}; at least {minimum} complete pairs are needed)"


class _Result:
    """Shared helpers of the result dataclasses."""

    def as_dict(self) -> dict[str, Any]:
        """Flat dict of the fields (tuples stay tuples), for one row of a results table."""
        return asdict(self)  # type: ignore[call-overload]

    @property
    def ok(self) -> bool:
        """True when the statistic was computed (no 'not enough data' note)."""
        return not getattr(self, "note", "")


def _paired_arrays(pre: Any, post: Any) -> tuple[np.ndarray, np.ndarray, int]:
    """Float arrays of complete pairs and the number of pairs dropped for missing values."""
    a = pd.to_numeric(pd.Series(np.asarray(pre, dtype=object)), errors="raise").to_numpy(dtype=float)
    b = pd.to_numeric(pd.Series(np.asarray(post, dtype=object)), errors="raise").to_numpy(dtype=float)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError(f"pre and post must be paired 1-D sequences of equal length "
                         f"(got {a.shape} and {b.shape})")
    keep = ~(np.isnan(a) | np.isnan(b))
    return a[keep], b[keep], int((~keep).sum())


# -- descriptive change ----------------------------------------------------------------------

@dataclass(frozen=True)
class PairedChange(_Result):
    n: int
    n_dropped: int
    mean_pre: float
    mean_post: float
    mean_change: float
    median_pre: float
    median_post: float
    median_change: float
    sd_pre: float
    sd_post: float
    sd_change: float
    note: str
    method: str


def paired_change(pre: Sequence[float], post: Sequence[float], lang: str = FALLBACK) -> PairedChange:
    """Number of complete pairs; mean and median of pre, post and change; SDs (n - 1 denominator)."""
    a, b, dropped = _paired_arrays(pre, post)
    n = a.size
    d = b - a

    def sd(x: np.ndarray) -> float:
        return float(np.std(x, ddof=1)) if x.size >= 2 else math.nan

    def m(f, x):  # noqa: ANN001
        return float(f(x)) if x.size else math.nan

    note = "" if n >= 1 else "no complete pairs"
    method = text("method.paired_change", lang)
    return PairedChange(n, dropped, m(np.mean, a), m(np.mean, b), m(np.mean, d), m(np.median, a),
                        m(np.median, b), m(np.median, d), sd(a), sd(b), sd(d), note, method)


# -- Wilcoxon signed-rank ------------------------------------------------------------------

@dataclass(frozen=True)
class WilcoxonResult(_Result):
    n: int
    n_dropped: int
    n_zero: int
    n_used: int
    zero_method: str
    p_method: str  # "exact" or "normal approximation"
    correction: bool
    has_ties: bool
    statistic: float  # min(T+, T-), scipy's two-sided statistic
    t_plus: float
    t_minus: float
    p: float
    rank_biserial: float
    note: str
    method: str


def snap_ties(d: np.ndarray, tol: float = TIE_TOLERANCE) -> np.ndarray:
    """``d`` with differences whose magnitudes lie within ``tol`` of each other made equal (each
    run of close magnitudes takes its smallest), and magnitudes within ``tol`` of zero made zero,
    so that ranking sees the ties of exact arithmetic."""
    d = np.asarray(d, dtype=float)
    magnitude = np.where(np.abs(d) <= tol, 0.0, np.abs(d))
    if magnitude.size == 0:
        return magnitude
    order = np.argsort(magnitude, kind="stable")
    ordered = magnitude[order]
    starts = np.concatenate(([True], np.diff(ordered) > tol))
    first_of_run = np.maximum.accumulate(np.where(starts, np.arange(ordered.size), 0))
    snapped = np.empty_like(magnitude)
    snapped[order] = ordered[first_of_run]
    return np.sign(d) * snapped


def _signed_ranks(d: np.ndarray, zero_method: str) -> tuple[float, float, bool]:
    """T+ and T- (sums of ranks of |d| of positive and negative differences) and whether |d| ties."""
    if zero_method == "wilcox":
        d = d[d != 0]
    ranks = sps.rankdata(np.abs(d))
    nonzero = d != 0
    has_ties = np.unique(np.abs(d[nonzero])).size < int(nonzero.sum())
    return float(ranks[d > 0].sum()), float(ranks[d < 0].sum()), bool(has_ties)


def wilcoxon_signed_rank(pre: Sequence[float], post: Sequence[float], *,
                         zero_method: str = "wilcox", lang: str = FALLBACK) -> WilcoxonResult:
    """Wilcoxon signed-rank test of ``post - pre`` with the matched-pairs rank-biserial correlation.

    ``zero_method="wilcox"`` (default) drops zero differences before ranking; ``"pratt"`` ranks
    them and then drops their ranks. The p-value is exact when, after that, there are at most
    :data:`WILCOXON_EXACT_MAX_N` non-zero differences, no tied absolute differences and (for
    Pratt) no zeros; otherwise the normal approximation with tie-corrected variance and a
    continuity correction is used (scipy.stats.wilcoxon; the choice is reported). The
    rank-biserial correlation is r = (T+ - T-) / (T+ + T-) with the same zero handling: positive
    when scores rose. Differences equal within :data:`TIE_TOLERANCE` are ranked as ties.
    """
    if zero_method not in ("wilcox", "pratt"):
        raise ValueError("zero_method must be 'wilcox' or 'pratt'")
    a, b, dropped = _paired_arrays(pre, post)
    d = snap_ties(b - a)
    n = d.size
    n_zero = int((d == 0).sum())
    n_used = n - n_zero if zero_method == "wilcox" else n
    nan = math.nan
    if n < MIN_PAIRS:
        return WilcoxonResult(n, dropped, n_zero, n_used, zero_method, "none", False, False, nan, nan, nan,
                              nan, nan, _note_not_enough(n),
                              f"Wilcoxon signed-rank test not run: {_note_not_enough(n)}.")
    if n_zero == n:
        return WilcoxonResult(n, dropped, n_zero, 0, zero_method, "none", False, False, nan, 0.0, 0.0,
                              nan, nan, "all differences are zero",
                              "Wilcoxon signed-rank test not run: every pair had the same score before "
                              "and after (all differences zero).")
    t_plus, t_minus, ties = _signed_ranks(d, zero_method)
    exact = (n - n_zero) <= WILCOXON_EXACT_MAX_N and not ties and (zero_method == "wilcox" or n_zero == 0)
    sample = d[d != 0] if zero_method == "wilcox" else d
    res = sps.wilcoxon(sample, zero_method=zero_method, correction=not exact,
                       method="exact" if exact else "asymptotic")
    rbc = (t_plus - t_minus) / (t_plus + t_minus)
    p_method = "exact" if exact else "normal approximation"
    method = text("method.wilcoxon", lang, zeros=text(f"method.wilcoxon_zeros_{zero_method}", lang),
                  p_method=(text("method.wilcoxon_exact", lang, max_n=WILCOXON_EXACT_MAX_N) if exact
                            else text("method.wilcoxon_normal", lang)),
                  ranked=text(f"method.wilcoxon_ranked_{zero_method}", lang))
    return WilcoxonResult(n, dropped, n_zero, n_used, zero_method, p_method, not exact, ties,
                          float(res.statistic), t_plus, t_minus, float(res.pvalue), float(rbc), "", method)


# -- paired t-test and Hedges' g -----------------------------------------------------------

def hedges_j(df: float) -> float:
    """Exact small-sample correction J(df) = Γ(df/2) / (sqrt(df/2) Γ((df-1)/2)) (Hedges 1981)."""
    if df <= 1:
        return math.nan
    return float(math.exp(special.gammaln(df / 2) - special.gammaln((df - 1) / 2)) / math.sqrt(df / 2))


def noncentrality_ci(t: float, df: float, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Confidence interval for the noncentrality parameter of a t statistic (inverting the
    noncentral t distribution: the λ for which P(T <= t | λ) = 1 - α/2 and α/2)."""
    if not np.isfinite(t) or df <= 0:
        return math.nan, math.nan
    alpha = 1 - confidence

    def solve(target: float) -> float:
        def f(lam: float) -> float:
            value = float(sps.nct.cdf(t, df, lam))
            if math.isnan(value):
                # scipy returns NaN far in the tails; P(T <= t | λ) falls from 1 to 0 as λ grows.
                value = 0.0 if lam > t else 1.0
            return value - target

        # Bracket around the normal approximation of λ's spread, widened until the signs differ.
        span = 4 * math.sqrt(1 + t * t / (2 * df)) + 1
        lo, hi = t - span, t + span
        while f(lo) < 0:
            lo -= span
        while f(hi) > 0:
            hi += span
        return float(optimize.brentq(f, lo, hi, xtol=1e-12, rtol=1e-12, maxiter=500))

    return solve(1 - alpha / 2), solve(alpha / 2)


@dataclass(frozen=True)
class PairedTResult(_Result):
    n: int
    n_dropped: int
    df: float
    t: float
    p: float
    mean_diff: float
    mean_diff_ci: tuple[float, float]
    d_av: float
    hedges_g: float  # g_av = d_av * J(n - 1)
    hedges_g_ci: tuple[float, float]
    d_z: float
    d_z_ci: tuple[float, float]
    note: str
    method: str


def paired_t(pre: Sequence[float], post: Sequence[float], *, confidence: float = CONFIDENCE,
             lang: str = FALLBACK) -> PairedTResult:
    """Paired t-test of ``post - pre``, mean difference with CI, Hedges' g_av with CI, and d_z.

    Effect size (the reported "g"): g_av = J · d_av with d_av = mean difference /
    sqrt((SD_before² + SD_after²) / 2) (Cumming 2012) and J the exact Hedges correction with
    df = n - 1. Its CI (Algina & Keselman 2003): the noncentral-t interval for the t statistic's
    noncentrality λ, rescaled to the d_av metric (δ = λ · SD_change / (sqrt(n) · SD_av)) and
    multiplied by J. d_z = mean difference / SD_change with its exact noncentral-t CI (λ / sqrt(n))
    is given as well.
    """
    a, b, dropped = _paired_arrays(pre, post)
    n = a.size
    nan = math.nan
    nan2 = (nan, nan)
    pct = f"{confidence * 100:g}%"
    if n < MIN_PAIRS:
        note = _note_not_enough(n)
        return PairedTResult(n, dropped, nan, nan, nan, nan, nan2, nan, nan, nan2, nan, nan2, note,
                             f"Paired t-test not run: {note}.")
    d = b - a
    mean_d = float(d.mean())
    sd_d = float(d.std(ddof=1))
    df = n - 1
    sd_av = math.sqrt((a.var(ddof=1) + b.var(ddof=1)) / 2)
    d_av = mean_d / sd_av if sd_av > 0 else nan
    j = hedges_j(df)
    if sd_d == 0:
        note = ("all differences are zero" if mean_d == 0 else
                "every pair changed by the same amount (no variation in the differences)")
        diff_ci = (mean_d, mean_d) if mean_d == 0 else nan2
        return PairedTResult(n, dropped, float(df), nan, nan, mean_d, diff_ci,
                             d_av, d_av * j, nan2, nan, nan2, note, f"Paired t-test not run: {note}.")
    se = sd_d / math.sqrt(n)
    t = mean_d / se
    p = float(2 * sps.t.sf(abs(t), df))
    crit = float(sps.t.ppf(1 - (1 - confidence) / 2, df))
    lam_lo, lam_hi = noncentrality_ci(t, df, confidence)
    d_z = mean_d / sd_d
    d_z_ci = (lam_lo / math.sqrt(n), lam_hi / math.sqrt(n))
    if sd_av > 0:
        scale = sd_d / (math.sqrt(n) * sd_av)
        g_ci = (lam_lo * scale * j, lam_hi * scale * j)
    else:
        g_ci = nan2
    method = text("method.paired_t", lang, pct=pct)
    return PairedTResult(n, dropped, float(df), float(t), p, mean_d, (mean_d - crit * se, mean_d + crit * se),
                         float(d_av), float(d_av * j), g_ci, float(d_z), d_z_ci, "", method)


# -- Holm ------------------------------------------------------------------------------------

def holm(pvalues: Iterable[float]) -> list[float]:
    """Holm's step-down adjusted p-values, in the input order: monotone and capped at 1.

    p_adj(i) = max over j <= i of min(1, (m - j + 1) · p(j)) for the sorted p-values p(1) <= ... ;
    NaN p-values (tests not run) stay NaN and do not count in the family size m.
    """
    p = np.asarray(list(pvalues), dtype=float)
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    if not ok.any():
        return out.tolist()
    if ((p[ok] < 0) | (p[ok] > 1)).any():
        raise ValueError("p-values must lie between 0 and 1")
    vals = p[ok]
    m = vals.size
    order = np.argsort(vals, kind="stable")
    scaled = (m - np.arange(m)) * vals[order]
    adjusted = np.minimum(np.maximum.accumulate(scaled), 1.0)
    res = np.empty(m)
    res[order] = adjusted
    out[ok] = res
    return out.tolist()


HOLM_METHOD = text("method.holm")  # English; text("method.holm", lang) in the report's language


# -- Cronbach's alpha ------------------------------------------------------------------------

@dataclass(frozen=True)
class AlphaResult(_Result):
    alpha: float
    ci: tuple[float, float]
    n: int  # complete cases
    n_excluded: int  # cases with any item missing
    k: int
    small_n: bool  # n < ALPHA_MIN_N
    note: str
    method: str


def cronbach_alpha(items_df: pd.DataFrame, *, confidence: float = CONFIDENCE) -> AlphaResult:
    """Cronbach's alpha over complete cases (listwise deletion) with Feldt's F-based CI.

    alpha = k/(k-1) · (1 - Σ item variances / variance of the total); CI: 1 - (1 - alpha) · F
    quantiles with df1 = n - 1 and df2 = (n - 1)(k - 1) (Feldt 1965). Flagged when n < 30.
    """
    df = items_df.apply(pd.to_numeric, errors="raise").astype(float)
    complete = df.dropna(how="any")
    n, k = complete.shape
    excluded = int(len(df) - n)
    nan2 = (math.nan, math.nan)
    small = n < ALPHA_MIN_N
    base = (f"Cronbach's alpha over complete cases (listwise deletion) with a {confidence * 100:g}% "
            "confidence interval by Feldt's F-distribution method")
    if k < 2:
        return AlphaResult(math.nan, nan2, n, excluded, k, small, "fewer than 2 items",
                           base + "; not computed: fewer than 2 items.")
    if n < 2:
        return AlphaResult(math.nan, nan2, n, excluded, k, small, f"not enough complete cases (n={n})",
                           base + f"; not computed: {n} complete cases.")
    x = complete.to_numpy()
    total_var = x.sum(axis=1).var(ddof=1)
    if total_var == 0:
        return AlphaResult(math.nan, nan2, n, excluded, k, small, "no variation in total scores",
                           base + "; not computed: every respondent had the same total.")
    alpha = k / (k - 1) * (1 - x.var(axis=0, ddof=1).sum() / total_var)
    df1, df2 = n - 1, (n - 1) * (k - 1)
    q = (1 - confidence) / 2
    ci = (float(1 - (1 - alpha) * sps.f.ppf(1 - q, df1, df2)),
          float(1 - (1 - alpha) * sps.f.ppf(q, df1, df2)))
    note = f"fewer than {ALPHA_MIN_N} complete cases: interpret with caution" if small else ""
    return AlphaResult(float(alpha), ci, n, excluded, k, small, note,
                       base + f"; flagged when fewer than {ALPHA_MIN_N} complete cases.")


# -- Likert distributions ----------------------------------------------------------------------

@dataclass(frozen=True)
class LikertDistribution(_Result):
    levels: tuple[str, ...]
    counts: tuple[int, ...]
    percents: tuple[float, ...]  # of answered (non-missing); NaN when nobody answered
    n: int  # answered
    n_missing: int
    method: str

    def to_series(self, kind: str = "counts") -> pd.Series:
        """Counts (or percents) indexed by level, in the scale's order."""
        values = self.counts if kind == "counts" else self.percents
        return pd.Series(list(values), index=pd.Index(list(self.levels), name="level"), name=kind)


def _level_key(value: Any) -> str:
    """Text key of a response level: 4.0 and 4 and "4" are the same level."""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value).strip()


def likert_distribution(values: Iterable[Any], levels: Sequence[Any]) -> LikertDistribution:
    """Counts and percentages per response level, in the given level order.

    Missing answers (NaN/None/blank) are excluded from the base and counted in ``n_missing``;
    a value that is not one of ``levels`` raises ValueError (codebook mapping comes first).
    """
    s = pd.Series(list(values), dtype=object)
    missing = s.isna() | s.astype(str).str.strip().eq("")
    answered = s[~missing]
    level_keys = [_level_key(v) for v in levels]
    if len(set(level_keys)) != len(level_keys):
        raise ValueError("levels must be distinct")
    keys = answered.map(_level_key)
    unknown = sorted(set(keys) - set(level_keys))
    if unknown:
        raise ValueError(f"values not among the levels: {', '.join(unknown[:20])}")
    counts = keys.value_counts().reindex(level_keys, fill_value=0).astype(int)
    n = int(counts.sum())
    percents = tuple(float(c) * 100 / n if n else math.nan for c in counts)
    return LikertDistribution(tuple(level_keys), tuple(int(c) for c in counts), percents, n,
                              int(missing.sum()),
                              "Share of respondents choosing each response; missing answers excluded "
                              "from the base.")


def likert_frame(distributions: dict[str, LikertDistribution], kind: str = "percents") -> pd.DataFrame:
    """One row per item (keys, in the given order), one column per level: the input of
    :func:`mentoring_lib.outputs.charts.diverging_likert`. All distributions must share their levels."""
    if not distributions:
        return pd.DataFrame()
    levels = next(iter(distributions.values())).levels
    for name, dist in distributions.items():
        if dist.levels != levels:
            raise ValueError(f"item '{name}' has different response levels")
    rows = {name: list(dist.counts if kind == "counts" else dist.percents)
            for name, dist in distributions.items()}
    out = pd.DataFrame.from_dict(rows, orient="index", columns=list(levels))
    out.index.name = "item"
    return out
