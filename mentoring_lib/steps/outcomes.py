"""The outcome design of the before/after evaluation: one pre-specified primary outcome, the
secondary outcomes, one multiplicity family, and the wording of each result.

* **Primary outcome**: ``evaluation.primary`` in the term config (``<instrument>_<scale>``, default
  ``scs_sf_total``), checked against the codebook's scales (:func:`check_primary`).
* **Primary test**: the paired t-test (mean change with its 95% CI, d_z and Hedges' g with their
  CIs); the Wilcoxon signed-rank test with the rank-biserial r is a sensitivity analysis.
* **One multiplicity family**: the paired t-tests of the primary outcome and of the secondary
  outcomes (every instrument's total score, or each scale of an instrument without a total),
  Holm-adjusted together. Subscales of an instrument that has a total (the CS's four) are parts
  of that total: they are exploratory, outside the family, and reported with unadjusted p.
* **Wording**: "higher/lower after than before" is said only when the p-value the sentence prints
  (Holm-adjusted within the family; unadjusted for exploratory subscales) is below 0.05; effect
  size labels come from the unrounded value and the value is printed with enough decimals that
  the label never contradicts it (g = 0.196 is "negligible" and printed 0.196, not 0.20).
"""
from __future__ import annotations

import math

import pandas as pd

from mentoring_lib.analysis import stats
from mentoring_lib.analysis.paired import POST, PRE, paired_scores
from mentoring_lib.privacy.limits import Limits, enough, shown_count
from mentoring_lib.outputs.formatting import fmt_ci, fmt_num, fmt_p, fmt_signed
from mentoring_lib.outputs.messages import FALLBACK, text

ALPHA = 0.05
PRIMARY_TEST = "paired t-test"
ROLE_LABEL = {role: text(f"outcome.role.{role}") for role in ("primary", "secondary", "exploratory")}
#: Cohen's (1988) conventional thresholds for |d| and |g|.
EFFECT_THRESHOLDS = ((0.2, "negligible"), (0.5, "small"), (0.8, "medium"), (math.inf, "large"))


#: Full references of the statistical methods (the Methods section lists them).
REFERENCES = (
    "Algina, J., & Keselman, H. J. (2003). Approximate confidence intervals for effect sizes. Educational and "
    "Psychological Measurement, 63(4), 537–553.",
    "Austin, P. C. (2009). Balance diagnostics for comparing the distribution of baseline covariates between "
    "treatment groups in propensity-score matched samples. Statistics in Medicine, 28(25), 3083–3107.",
    "Ben-Shachar, M. S., Lüdecke, D., & Makowski, D. (2020). effectsize: Estimation of effect size indices and "
    "standardized parameters. Journal of Open Source Software, 5(56), 2815.",
    "Bonett, D. G., & Wright, T. A. (2000). Sample size requirements for estimating Pearson, Kendall and Spearman "
    "correlations. Psychometrika, 65(1), 23–28.",
    "Cohen, J. (1988). Statistical power analysis for the behavioral sciences (2nd ed.). Erlbaum.",
    "Feldt, L. S. (1965). The approximate sampling distribution of Kuder-Richardson reliability coefficient "
    "twenty. Psychometrika, 30(3), 357–370.",
    "Holm, S. (1979). A simple sequentially rejective multiple test procedure. Scandinavian Journal of "
    "Statistics, 6(2), 65–70.",
    "Jacobson, N. S., & Truax, P. (1991). Clinical significance: A statistical approach to defining meaningful "
    "change in psychotherapy research. Journal of Consulting and Clinical Psychology, 59(1), 12–19.",
    "Kerby, D. S. (2014). The simple difference formula: An approach to teaching nonparametric correlation. "
    "Comprehensive Psychology, 3, 11.IT.3.1.",
    "Newcombe, R. G. (1998). Two-sided confidence intervals for the single proportion: comparison of seven "
    "methods. Statistics in Medicine, 17(8), 857–872.",
    "Seabold, S., & Perktold, J. (2010). statsmodels: Econometric and statistical modeling with Python. "
    "Proceedings of the 9th Python in Science Conference, 92–96.",
    "Wilson, E. B. (1927). Probable inference, the law of succession, and statistical inference. Journal of the "
    "American Statistical Association, 22(158), 209–212.",
)


def outcome_id(instrument: str, scale: str) -> str:
    """The config's name of an outcome: ``<instrument>_<scale>`` (``scs_sf_total``)."""
    return f"{instrument}_{scale}"


def outcome_ids(codebook) -> list[str]:
    """Every scale of the codebook's instruments as an outcome id, in codebook order."""
    return [outcome_id(i, sc.id) for i, inst in codebook.instruments.items() for sc in inst.scales]


def check_primary(config, codebook) -> str:
    """The primary outcome id. Set in the config (``evaluation.primary``), it must be a scale of the
    codebook (ConfigError, exit 2, otherwise). Not set, it is the SCS-SF total where the codebook
    has one, else the codebook's first scale (:func:`primary_note` says so in the check and Methods)."""
    from mentoring_lib.errors import ConfigError

    ids = outcome_ids(codebook)
    primary = config.evaluation.primary
    if primary in ids:
        return primary
    if not primary_is_set(config) and ids:
        return ids[0]
    if not ids and not primary_is_set(config):
        return primary  # a term without surveys has no outcome to analyse
    raise ConfigError(f"the primary outcome '{primary}' is not a scale of the survey codebook",
                      file=config.source, key="evaluation.primary",
                      hint="use <instrument>_<scale>, one of: " + ", ".join(ids))


def primary_is_set(config) -> bool:
    """Whether the term's config names its primary outcome (rather than taking the default)."""
    return "primary" in config.evaluation.model_fields_set


def primary_note(config, primary: str) -> str:
    """How the primary outcome was chosen, for ``mentoring check`` and the Methods text."""
    if primary_is_set(config):
        return f"primary outcome {primary} (evaluation.primary) found in the codebook"
    return (f"primary outcome {primary}: evaluation.primary is not set, so the default is used (set it in the "
            "config before the data come in, to pre-specify it)")


def in_family(codebook, instrument: str, scale: str) -> bool:
    """A total score, or a scale of an instrument without a total (not a subscale of a total)."""
    inst = codebook.instruments.get(instrument)
    if inst is None:
        return False
    return scale == "total" or not any(s.id == "total" for s in inst.scales)


def apply_design(eff: pd.DataFrame, codebook, primary: str) -> pd.DataFrame:
    """The effectiveness table with ``outcome_id``, ``role`` (primary / secondary / exploratory),
    ``family`` and ``t_p_holm`` (Holm across the tested outcomes of the family; NaN outside it),
    the primary outcome first and the rest in codebook order."""
    out = eff.copy()
    if out.empty:
        for c, dtype in (("outcome_id", "str"), ("role", "str"), ("family", "bool"), ("t_p_holm", "float64")):
            out[c] = pd.Series(dtype=dtype)
        return out
    out["outcome_id"] = [outcome_id(i, s) for i, s in zip(out["instrument"], out["scale"])]
    out["family"] = [in_family(codebook, i, s) or oid == primary
                     for i, s, oid in zip(out["instrument"], out["scale"], out["outcome_id"])]
    out["role"] = ["primary" if oid == primary else "secondary" if fam else "exploratory"
                   for oid, fam in zip(out["outcome_id"], out["family"])]
    tested = out["family"] & out["tested"].astype(bool)
    p = out["t_p"].astype(float).where(tested)
    out["t_p_holm"] = stats.holm(p)
    rank = out["role"].map({"primary": 0}).fillna(1)
    return out.assign(_rank=rank).sort_values("_rank", kind="stable").drop(columns="_rank").reset_index(drop=True)


def family_size(eff: pd.DataFrame) -> int:
    """Tests in the multiplicity family (the family outcomes that were tested)."""
    if eff.empty or "family" not in eff:
        return 0
    return int((eff["family"].astype(bool) & eff["tested"].astype(bool) & eff["t_p"].notna()).sum())


def effect_label(g: float) -> str:
    """Cohen's label of |g| from the unrounded value (to 9 decimals: floating-point noise such as
    0.7999999999999999 is 0.8)."""
    a = round(abs(float(g)), 9)
    return next(label for limit, label in EFFECT_THRESHOLDS if a < limit)


def fmt_effect(g: float, digits: int = 2) -> str:
    """An effect size with 2 decimals, or more where rounding would carry it onto a threshold it
    has not reached (0.196 -> "0.196", not "0.20" beside "negligible")."""
    if g is None or (isinstance(g, float) and math.isnan(g)):
        return "–"
    for d in range(digits, 6):
        shown = round(float(g), d)
        if effect_label(shown) == effect_label(g) or d == 5:
            return fmt_num(g, d)
    return fmt_num(g, digits)


def role_label(role: str, lang: str = FALLBACK) -> str:
    """An outcome's role (primary / secondary / exploratory) in the report's language."""
    return text(f"outcome.role.{role}", lang) if role in ROLE_LABEL else role


def effect_word(g: float, lang: str = FALLBACK) -> str:
    """Cohen's label of |g| (:func:`effect_label`) in the report's language."""
    return text(f"outcome.effect.{effect_label(g)}", lang)


def multiplicity_text(eff: pd.DataFrame, primary_name: str, lang: str = FALLBACK) -> str:
    """The Methods paragraph stating the family."""
    return text("method.family", lang, primary=primary_name, k=family_size(eff))


def describe(row: pd.Series, n_family: int, lang: str = FALLBACK) -> str:
    """One non-causal sentence about an outcome's change, decided by the p-value it prints."""
    role = str(row.get("role", "secondary"))
    lead = text(f"outcome.lead.{role}", lang, outcome=row["outcome"])
    if not row.get("tested"):
        return text("outcome.too_few", lang, lead=lead, pairs=row["pairs"])
    family = bool(row.get("family", True))
    p = float(row["t_p_holm"] if family else row["t_p"])
    p_text = (text("outcome.p_family", lang, p=fmt_p(row["t_p"]), p_holm=fmt_p(p), k=n_family) if family
              else text("outcome.p_exploratory", lang, p=fmt_p(p)))
    g = float(row["hedges_g"])
    numbers = text("outcome.numbers", lang, pre=fmt_num(row["mean_pre"]), post=fmt_num(row["mean_post"]),
                   change=fmt_signed(row["mean_change"]),
                   change_ci=fmt_ci(row["mean_change_ci_low"], row["mean_change_ci_high"]),
                   d_z=fmt_effect(row["d_z"]), d_z_ci=fmt_ci(row["d_z_ci_low"], row["d_z_ci_high"]),
                   g=fmt_effect(g), g_ci=fmt_ci(row["g_ci_low"], row["g_ci_high"]), size=effect_word(g, lang),
                   p_text=p_text)
    if not math.isnan(p) and p < ALPHA and row["mean_change"] != 0:
        verdict = text("outcome.higher" if row["mean_change"] > 0 else "outcome.lower", lang)
    else:
        verdict = text("outcome.no_clear_change", lang)
    return text("outcome.sentence", lang, lead=lead, pairs=row["pairs"], verdict=verdict, numbers=numbers)


def effectiveness_table(scores: pd.DataFrame, codebook, limits: Limits, primary: str = "scs_sf_total",
                        role: str = "participant", lang: str = FALLBACK) -> tuple[pd.DataFrame, list[str]]:
    """Per scale: paired n, means, mean change with its 95% CI, median change, paired t with d_z
    and Hedges' g and their CIs, Wilcoxon with the rank-biserial r and its CI; the outcome design of
    this module (primary first, one Holm family) for one role's before/after surveys, with the
    method texts in ``lang``. Scales with fewer than min_base complete pairs are listed with their n only."""
    from mentoring_lib.analysis import intervals
    from mentoring_lib.analysis.scoring import score_range

    wide = paired_scores(scores, role)
    rows, methods = [], []
    order = {(i, sc.id): n for n, (i, sc) in enumerate((i, sc) for i, inst in codebook.instruments.items()
                                                        for sc in inst.scales)}
    groups = sorted(wide.groupby(["instrument", "scale"], sort=True), key=lambda kv: order.get(kv[0], len(order)))
    for (inst, scale), g in groups:
        complete = g.dropna(subset=[PRE, POST])
        n = len(complete)
        i = codebook.instruments.get(inst)
        sc = next((s for s in i.scales if s.id == scale), None) if i else None
        lo, hi = score_range(codebook, inst, scale) if sc else (math.nan, math.nan)
        row = {"instrument": inst, "scale": scale,
               "outcome": f"{i.short_name}: {sc.name}" if sc else f"{inst}: {scale}",
               "scale_name": sc.name if sc else scale,
               "range": f"{fmt_num(lo, 0)}–{fmt_num(hi, 0)}" if sc else "",
               "pairs": shown_count(n, limits), "n": n, "tested": enough(n, limits)}
        if row["tested"]:
            ch = stats.paired_change(complete[PRE], complete[POST], lang)
            w = stats.wilcoxon_signed_rank(complete[PRE], complete[POST], lang=lang)
            t = stats.paired_t(complete[PRE], complete[POST], lang=lang)
            r_ci = intervals.rank_biserial_ci(w.rank_biserial, w.n_used)
            methods += [ch.method, w.method, t.method, text("method.rank_biserial", lang, pct="95%")]
            row.update(mean_pre=ch.mean_pre, mean_post=ch.mean_post, mean_change=ch.mean_change,
                       mean_change_ci_low=t.mean_diff_ci[0], mean_change_ci_high=t.mean_diff_ci[1],
                       sd_change=ch.sd_change, median_change=ch.median_change,
                       wilcoxon_p=w.p, rank_biserial=w.rank_biserial, r_ci_low=r_ci[0], r_ci_high=r_ci[1],
                       wilcoxon_note=w.note, t=t.t, df=t.df, t_p=t.p, d_z=t.d_z, d_z_ci_low=t.d_z_ci[0],
                       d_z_ci_high=t.d_z_ci[1], hedges_g=t.hedges_g, g_ci_low=t.hedges_g_ci[0],
                       g_ci_high=t.hedges_g_ci[1], t_note=t.note)
        rows.append(row)
    cols = ["mean_pre", "mean_post", "mean_change", "mean_change_ci_low", "mean_change_ci_high", "sd_change",
            "median_change", "wilcoxon_p", "rank_biserial", "r_ci_low", "r_ci_high", "t", "df", "t_p", "d_z",
            "d_z_ci_low", "d_z_ci_high", "hedges_g", "g_ci_low", "g_ci_high"]
    out = pd.DataFrame(rows)
    if out.empty:
        out = pd.DataFrame(columns=["instrument", "scale", "outcome", "scale_name", "range", "pairs", "n", "tested",
                                    *cols])
    for c in cols:
        if c not in out:
            out[c] = math.nan
    for c in ("wilcoxon_note", "t_note"):
        out[c] = out[c].fillna("") if c in out else ""
    methods.append(text("method.holm", lang))
    return apply_design(out, codebook, primary), methods
