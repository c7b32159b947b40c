"""Attrition: who the before/after pairs leave out, and whether the primary result depends on it.

* :func:`baseline_comparison` -- before-survey scores of the participants who answered both surveys
  (linked) against those who answered only the before survey: n, mean, SD and the standardised
  difference (mean_linked − mean_before_only) / sqrt((SD_linked² + SD_before_only²)/2) (Austin 2009);
* :func:`mixed_model` -- a linear mixed model score ~ after with a random intercept per person
  (statsmodels MixedLM, REML) over every before and after respondent, so people who answered one
  survey count too (valid if missingness depends only on observed scores, MAR);
* :func:`bounds` -- the mean change over everyone with a before score when the missing after
  scores are set to the smallest observed change (worst case), to no change, and to the largest
  observed change (best case): bounds, not estimates;
* :func:`per_protocol` -- the paired t-test over the linked participants who attended at least
  ``evaluation.per_protocol_min_meetings`` meetings;
* :func:`lost_pairs_sentences` -- why whole-scale scoring rules score fewer pairs than were linked.

Checked in ``tests/test_attrition.py`` (the mixed model against a balanced case, where its
estimate equals the paired mean difference, and against statsmodels' own dietox example).
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import pandas as pd

from mentoring_lib.analysis import stats
from mentoring_lib.analysis.stats import CONFIDENCE, _Result
from mentoring_lib.outputs.messages import FALLBACK, text

#: Method texts in English (the report asks the catalogue in its language: ``method.*`` keys).
BASELINE_METHOD = text("method.attrition_baseline")
MIXED_METHOD = text("method.mixed_model")
BOUNDS_METHOD = text("method.bounds")
PER_PROTOCOL_METHOD = text("method.per_protocol")  # {k} meetings, {c} min_count, {b} min_base


@dataclass(frozen=True)
class MixedResult(_Result):
    people: int
    observations: int
    estimate: float
    ci: tuple[float, float]
    p: float
    note: str
    method: str


def fit_random_intercept(data: pd.DataFrame, formula: str, group: str):
    """statsmodels MixedLM with a random intercept per ``group``, fitted by REML (the fit object)."""
    import statsmodels.formula.api as smf

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter; callers report fit.converged
        return smf.mixedlm(formula, data, groups=data[group]).fit(reml=True)


def mixed_model(long: pd.DataFrame, confidence: float = CONFIDENCE) -> MixedResult:
    """score ~ after + (1 | person) by REML over ``long`` (columns person_id, wave in pre/post, score)."""
    d = long.dropna(subset=["score"])
    d = d[d["wave"].isin(["pre", "post"])]
    d = pd.DataFrame({"person": d["person_id"].astype(str).to_numpy(),
                      "after": (d["wave"] == "post").astype(int).to_numpy(),
                      "score": d["score"].astype(float).to_numpy()})
    people, obs = int(d["person"].nunique()), len(d)
    nan2 = (math.nan, math.nan)
    if people < 3 or d["after"].nunique() < 2 or d.groupby("person")["after"].nunique().max() < 2:
        return MixedResult(people, obs, math.nan, nan2, math.nan, "not enough before and after scores", MIXED_METHOD)
    fit = fit_random_intercept(d, "score ~ after", "person")
    est = float(fit.params["after"])
    lo, hi = fit.conf_int(alpha=1 - confidence).loc["after"]
    note = "" if fit.converged else "the model did not converge"
    return MixedResult(people, obs, est, (float(lo), float(hi)), float(fit.pvalues["after"]), note, MIXED_METHOD)


def baseline_comparison(pre: pd.Series, linked: set, before_only: set) -> dict:
    """n, mean and SD of the before scores (indexed by person) of the two groups, and the
    standardised difference linked − before only."""
    a = pre[pre.index.isin(linked)].dropna().astype(float)
    b = pre[pre.index.isin(before_only)].dropna().astype(float)
    sd_a = float(a.std(ddof=1)) if len(a) > 1 else math.nan
    sd_b = float(b.std(ddof=1)) if len(b) > 1 else math.nan
    pooled = math.sqrt((sd_a ** 2 + sd_b ** 2) / 2)
    diff = (float(a.mean()) - float(b.mean())) / pooled if pooled > 0 else math.nan
    return {"n_linked": len(a), "mean_linked": float(a.mean()) if len(a) else math.nan, "sd_linked": sd_a,
            "n_before_only": len(b), "mean_before_only": float(b.mean()) if len(b) else math.nan,
            "sd_before_only": sd_b, "std_diff": diff}


def bounds(pre: pd.Series, post: pd.Series) -> dict:
    """Mean change over everyone with a before score (indexed by person), the missing after scores
    imputed as the smallest observed change, no change, and the largest observed change."""
    pre = pre.dropna().astype(float)
    post = post.reindex(pre.index).astype(float)
    change = (post - pre).dropna()
    n_missing = int(post.isna().sum())
    out: dict[str, float] = {"people": len(pre), "missing_after": n_missing}
    for name, fill in (("worst", change.min()), ("no_change", 0.0), ("best", change.max())):
        out[name] = float(pd.concat([change, pd.Series(fill, index=range(n_missing))]).mean()) if len(change) \
            else math.nan
    return out


def per_protocol(pre: pd.Series, post: pd.Series, attended: pd.Series, min_meetings: int):
    """Paired t-test over the complete pairs whose person attended at least ``min_meetings``
    meetings: (result, people kept, people excluded)."""
    both = pd.DataFrame({"pre": pre, "post": post}).dropna()
    met = attended.reindex(both.index).fillna(0) >= min_meetings
    kept = both[met.to_numpy()]
    return stats.paired_t(kept["pre"], kept["post"]), int(met.sum()), int((~met).sum())


def lost_pairs_sentences(eff: pd.DataFrame, linked: int, codebook, limits, lang: str = FALLBACK) -> list[str]:
    """Per family outcome scored on fewer pairs than were linked: how many, and the rule why."""
    out = []
    for _, r in eff[eff["family"].astype(bool)].iterrows():
        lost = int(linked) - int(r["n"])
        if lost <= 0:
            continue
        inst = codebook.instruments.get(r["instrument"])
        sc = next((s for s in inst.scales if s.id == r["scale"]), None) if inst else None
        rule = sc.missing_rule.rstrip(".") if sc else text("outcome.lost_pairs_rule", lang)
        many = str(lost) if lost >= limits.min_count else text("outcome.fewer_than", lang, c=limits.min_count)
        out.append(text("outcome.lost_pairs", lang, outcome=r["outcome"], pairs=r["pairs"], linked=linked,
                        many=many, rule=rule))
    return out


def baseline_table(eff: pd.DataFrame, scores: pd.DataFrame, linked: set, before_only: set, limits) -> pd.DataFrame:
    """Per tested family outcome: the before scores of the linked and the before-only participants
    (means and SDs only where both groups have at least min_base people)."""
    from mentoring_lib.analysis.paired import PRE
    from mentoring_lib.privacy.limits import enough, shown_count

    rows = []
    pre_scores = scores[scores["wave"] == PRE] if len(scores) else scores
    for _, r in eff[eff["family"].astype(bool) & eff["tested"].astype(bool)].iterrows():
        s = pre_scores[(pre_scores["instrument"] == r["instrument"]) & (pre_scores["scale"] == r["scale"])]
        c = baseline_comparison(s.set_index("person_id")["score"], linked, before_only)
        ok = enough(c["n_linked"], limits) and enough(c["n_before_only"], limits)
        row = {"outcome_id": r["outcome_id"], "outcome": r["outcome"], "role": r["role"],
               "linked": shown_count(c["n_linked"], limits), "before_only": shown_count(c["n_before_only"], limits)}
        for k in ("mean_linked", "sd_linked", "mean_before_only", "sd_before_only", "std_diff"):
            row[k] = c[k] if ok else math.nan
        rows.append(row)
    return pd.DataFrame(rows, columns=["outcome_id", "outcome", "role", "linked", "before_only", "mean_linked",
                                       "sd_linked", "mean_before_only", "sd_before_only", "std_diff"])


def sensitivity_table(row: pd.Series, scores: pd.DataFrame, accepted: set, attended: pd.Series,
                      min_meetings: int, limits, lang: str = FALLBACK) -> tuple[pd.DataFrame, list[str]]:
    """The primary outcome's change under each analysis set: all linked pairs (the primary
    analysis), per protocol, the mixed model over every respondent, and the attrition bounds.
    Returns the table and notes on analyses not reported."""
    from mentoring_lib.analysis.paired import POST, PRE, paired_scores
    from mentoring_lib.privacy.limits import enough, shown_count

    cols = ["key", "analysis", "people", "mean_change", "ci_low", "ci_high", "p", "note"]
    notes: list[str] = []
    mine = scores[(scores["instrument"] == row["instrument"]) & (scores["scale"] == row["scale"])
                  & scores["person_id"].isin(accepted)]
    wide = paired_scores(mine).set_index("person_id")
    rows = [{"key": "primary", "analysis": text("analysis.primary", lang), "people": row["pairs"],
             "mean_change": row["mean_change"], "ci_low": row["mean_change_ci_low"],
             "ci_high": row["mean_change_ci_high"], "p": row["t_p"], "note": ""}]
    t, kept, excluded = per_protocol(wide[PRE], wide[POST], attended, min_meetings)
    label = text("analysis.per_protocol", lang, k=min_meetings)
    if 0 < excluded < limits.min_count:
        notes.append(text("analysis.pp_singles_out", lang, c=limits.min_count, k=min_meetings))
    elif excluded == 0:
        notes.append(text("analysis.pp_everyone", lang, k=min_meetings))
    elif not enough(kept, limits):
        notes.append(text("analysis.pp_too_few", lang, b=limits.min_base, k=min_meetings))
    else:
        rows.append({"key": "per_protocol", "analysis": label, "people": shown_count(kept, limits), "mean_change": t.mean_diff,
                     "ci_low": t.mean_diff_ci[0], "ci_high": t.mean_diff_ci[1], "p": t.p, "note": t.note})
    m = mixed_model(mine)
    if enough(m.people, limits) and not math.isnan(m.estimate):
        rows.append({"key": "mixed", "analysis": text("analysis.mixed", lang),
                     "people": shown_count(m.people, limits), "mean_change": m.estimate, "ci_low": m.ci[0],
                     "ci_high": m.ci[1], "p": m.p, "note": m.note})
    b = bounds(wide[PRE], wide[POST])
    if enough(b["people"], limits) and b["missing_after"] > 0:
        people = shown_count(b["people"], limits)
        for key in ("worst", "no_change", "best"):
            rows.append({"key": key, "analysis": text(f"analysis.{key}", lang), "people": people,
                         "mean_change": b[key], "ci_low": math.nan, "ci_high": math.nan, "p": math.nan,
                         "note": text("analysis.bound_note", lang)})
    return pd.DataFrame(rows, columns=cols), notes
