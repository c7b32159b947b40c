"""Change person by person: the Jacobson–Truax reliable change index, published minimal important
differences, and the exploratory dose–response of change on meetings attended.

Reliable change (Jacobson & Truax 1991): SE_diff = SD_1 · sqrt(2) · sqrt(1 − alpha), with SD_1 the
SD of the baseline scores and alpha the scale's Cronbach's alpha at baseline (both over the accepted
participants who answered the before survey); a person's change is reliable when
|after − before| > 1.96 · SE_diff. Improved / unchanged / deteriorated are counts of people: they are
published as a partition of the pairs (small counts "<5", a complementary "x") and modelled in the
release audit (:func:`mentoring_lib.steps.release_cells.individual_change`).

Checked in ``tests/test_individual_change.py`` against the hand formula.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mentoring_lib.analysis.stats import _Result
from mentoring_lib.outputs.messages import FALLBACK, text

Z_RELIABLE = 1.96
RCI_CATEGORIES = ("improved", "unchanged", "deteriorated")
RCI_METHOD = text("method.reliable_change")  # English; the report asks the catalogue in its language

#: Published minimal important differences: (instrument, scale) -> (low, high, source).
MINIMAL_IMPORTANT_DIFFERENCES = {
    ("swemwbs", "total"): (1.0, 3.0, "Shah, N., Cader, M., Andrews, W. P., Wijesekera, D., & Stewart-Brown, S. L. "
                                     "(2018). Responsiveness of the Short Warwick Edinburgh Mental Well-Being Scale "
                                     "(SWEMWBS): evaluation in a clinical sample. Health and Quality of Life "
                                     "Outcomes, 16, 239. https://doi.org/10.1186/s12955-018-1060-2"),
}


@dataclass(frozen=True)
class ReliableChange(_Result):
    n: int
    sd_baseline: float
    alpha: float
    se_diff: float
    threshold: float  # smallest reliable change, in scale points
    improved: int
    unchanged: int
    deteriorated: int
    note: str
    method: str


def reliable_change(pre, post, sd_baseline: float, alpha: float, z: float = Z_RELIABLE) -> ReliableChange:
    """Counts of complete pairs whose change is reliably positive, not reliable, or reliably negative."""
    a = np.asarray(pre, dtype=float)
    b = np.asarray(post, dtype=float)
    keep = ~(np.isnan(a) | np.isnan(b))
    d = b[keep] - a[keep]
    n = int(d.size)
    if not (np.isfinite(sd_baseline) and np.isfinite(alpha)) or sd_baseline <= 0 or not 0 <= alpha < 1:
        return ReliableChange(n, sd_baseline, alpha, math.nan, math.nan, 0, 0, 0,
                              "no usable baseline SD or alpha", RCI_METHOD)
    se = float(sd_baseline * math.sqrt(2) * math.sqrt(1 - alpha))
    threshold = z * se
    up = int((d > threshold).sum())
    down = int((d < -threshold).sum())
    return ReliableChange(n, float(sd_baseline), float(alpha), se, threshold, up, n - up - down, down, "", RCI_METHOD)


def rci_table(eff: pd.DataFrame, scores: pd.DataFrame, reliability: pd.DataFrame, accepted: set,
              limits) -> pd.DataFrame:
    """Per tested outcome of the multiplicity family: SE_diff, the reliable-change threshold and the
    protected counts improved / unchanged / deteriorated (true counts in ``*_n``, private)."""
    from mentoring_lib.analysis.paired import POST, PRE, paired_scores
    from mentoring_lib.privacy.limits import shown_partition

    cols = ["outcome_id", "outcome", "role", "pairs", "n", "alpha", "sd_baseline", "se_diff", "threshold",
            *RCI_CATEGORIES, *(f"{c}_n" for c in RCI_CATEGORIES)]
    if eff.empty:
        return pd.DataFrame(columns=cols)
    wide = paired_scores(scores) if len(scores) else None
    rel = reliability[reliability["wave"] == PRE].set_index(["instrument", "scale"]) if len(reliability) else None
    rows = []
    for _, r in eff[eff["tested"].astype(bool) & eff["family"].astype(bool)].iterrows():
        key = (r["instrument"], r["scale"])
        if wide is None or rel is None or key not in rel.index or math.isnan(float(rel.loc[key, "alpha"])):
            continue
        g = wide[(wide["instrument"] == key[0]) & (wide["scale"] == key[1])]
        sd1 = float(g.loc[g["person_id"].isin(accepted), PRE].dropna().std(ddof=1))
        complete = g.dropna(subset=[PRE, POST])
        res = reliable_change(complete[PRE], complete[POST], sd1, float(rel.loc[key, "alpha"]))
        if res.note:
            continue
        counts = pd.DataFrame({"n": [res.improved, res.unchanged, res.deteriorated]}, index=list(RCI_CATEGORIES))
        shown = shown_partition(counts, limits)["n"]
        rows.append({"outcome_id": r["outcome_id"], "outcome": r["outcome"], "role": r["role"], "pairs": r["pairs"],
                     "n": res.n, "alpha": res.alpha, "sd_baseline": res.sd_baseline, "se_diff": res.se_diff,
                     "threshold": res.threshold, **{c: str(shown[c]) for c in RCI_CATEGORIES},
                     "improved_n": res.improved, "unchanged_n": res.unchanged, "deteriorated_n": res.deteriorated})
    return pd.DataFrame(rows, columns=cols)


def mid_sentences(eff: pd.DataFrame, lang: str = FALLBACK) -> list[str]:
    """The published minimal important difference beside the mean change, where there is one."""
    from mentoring_lib.outputs.formatting import fmt_ci, fmt_num, fmt_signed

    out = []
    for _, r in eff[eff["tested"].astype(bool)].iterrows():
        mid = MINIMAL_IMPORTANT_DIFFERENCES.get((r["instrument"], r["scale"]))
        if mid is None:
            continue
        low, high, source = mid
        ci = fmt_ci(r["mean_change_ci_low"], r["mean_change_ci_high"])
        out.append(text("outcome.mid", lang, outcome=r["outcome"], low=fmt_num(low, 0), high=fmt_num(high, 0),
                        change=fmt_signed(r["mean_change"]), ci=ci, source=source))
    return out


def meetings_attended(meetings: pd.DataFrame) -> pd.Series:
    """Group meetings attended per person."""
    from mentoring_lib.analysis.paired import sessions_attended

    return sessions_attended(meetings)


def dose_response(eff_row: pd.Series, scores: pd.DataFrame, meetings: pd.DataFrame, limits):
    """Spearman's rho (Bonett–Wright CI) of the change in one outcome on the meetings attended, over
    the linked pairs; None when fewer than min_base pairs."""
    from mentoring_lib.analysis import intervals
    from mentoring_lib.analysis.paired import POST, PRE, paired_scores

    if meetings is None or meetings.empty or scores.empty:
        return None
    wide = paired_scores(scores)
    g = wide[(wide["instrument"] == eff_row["instrument"]) & (wide["scale"] == eff_row["scale"])]
    g = g.dropna(subset=[PRE, POST])
    attended = meetings_attended(meetings).reindex(g["person_id"]).fillna(0).to_numpy()
    if len(g) < limits.min_base:
        return None
    return intervals.spearman(attended, (g[POST] - g[PRE]).to_numpy(), min_n=limits.min_base)
