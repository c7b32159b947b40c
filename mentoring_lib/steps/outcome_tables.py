"""The report's tables of the outcomes section (primary and secondary outcomes, the Wilcoxon
sensitivity test, attrition, sensitivity analyses, reliable change, dose–response) and the
summary workbook's sheets of the same tables. Built from the evaluation tables by
:func:`report.build_report` and :func:`summary_workbook.summary_sheets`."""
from __future__ import annotations

from typing import Any

import pandas as pd

from mentoring_lib.outputs.document import Block
from mentoring_lib.outputs.formatting import _missing, fmt_ci, fmt_count, fmt_num, fmt_p, fmt_pct, fmt_signed
from mentoring_lib.outputs.formatting import display_table, table_frame


def _text(x: Any) -> str:
    return x


def pct_ci_cells(df: pd.DataFrame, share: str, lo: str, hi: str) -> list[str]:
    """"39%–73%" where the share itself is published (the release audit may hide it), else "–"."""
    if lo not in df or hi not in df:
        return ["–"] * len(df)
    return [("–" if _missing(s) or _missing(a) or _missing(b) else f"{fmt_pct(a)}–{fmt_pct(b)}")
            for s, a, b in zip(df[share], df[lo], df[hi])]


def _effect(x: Any) -> str:
    from mentoring_lib.steps.outcomes import fmt_effect

    return "–" if _missing(x) else fmt_effect(float(x))


def outcome_blocks(tables: dict, note: str) -> list[Block]:
    """Scores before and after; paired t-tests with the promised intervals; the Wilcoxon test."""
    df = table_frame(tables, "effectiveness")
    if df is None:
        return []
    from mentoring_lib.steps.outcomes import ROLE_LABEL

    df = df.assign(
        role_label=[ROLE_LABEL.get(str(r), str(r)) for r in df.get("role", [""] * len(df))],
        change_ci=[fmt_ci(a, b) for a, b in zip(df["mean_change_ci_low"], df["mean_change_ci_high"])],
        d_z_ci=[fmt_ci(a, b) for a, b in zip(df["d_z_ci_low"], df["d_z_ci_high"])],
        g_ci=[fmt_ci(a, b) for a, b in zip(df["g_ci_low"], df["g_ci_high"])],
        r_ci=[fmt_ci(a, b) for a, b in zip(df["r_ci_low"], df["r_ci_high"])])
    return [
        display_table("t-change", "Scores before and after (participants who answered both surveys)", df,
               [("outcome", "Outcome", None), ("role_label", "Role", None), ("range", "Range", None),
                ("pairs", "Pairs", fmt_count), ("mean_pre", "Mean before", fmt_num), ("mean_post", "Mean after", fmt_num),
                ("mean_change", "Mean change", fmt_signed), ("change_ci", "95% CI", _text),
                ("median_change", "Median change", fmt_signed)],
               ["Change = after − before; 95% CI of the mean change by the t-distribution. " + note]),
        display_table("t-tests", "Paired t-tests and effect sizes (the primary test)", df,
               [("outcome", "Outcome", None), ("t_p", "Paired t p", fmt_p), ("t_p_holm", "Holm p (family)", fmt_p),
                ("d_z", "d_z", _effect), ("d_z_ci", "d_z 95% CI", _text), ("hedges_g", "Hedges' g", _effect),
                ("g_ci", "g 95% CI", _text)],
               ["Two-sided tests. One Holm family: the primary and the secondary outcomes; exploratory subscales "
                "have unadjusted p only (–). See Methods for the conventions."]),
        display_table("t-wilcoxon", "Wilcoxon signed-rank test (sensitivity analysis)", df,
               [("outcome", "Outcome", None), ("wilcoxon_p", "Wilcoxon p", fmt_p),
                ("rank_biserial", "Rank-biserial r", fmt_num), ("r_ci", "r 95% CI", _text)],
               ["Unadjusted p-values; r's CI on Fisher's z scale (– where every pair moved the same way)."]),
    ]


def attrition_blocks(tables: dict, note: str) -> list[Block]:
    """Sensitivity analyses of the primary outcome, the attrition comparison, reliable change and
    the exploratory dose–response."""
    blocks: list[Block] = []
    if (df := table_frame(tables, "sensitivity")) is not None:
        df = df.assign(ci=[fmt_ci(a, b) for a, b in zip(df["ci_low"], df["ci_high"])])
        blocks.append(display_table("t-sensitivity", "Primary outcome: mean change under each analysis", df,
                             [("analysis", "Analysis", None), ("people", "People", fmt_count),
                              ("mean_change", "Mean change", fmt_signed), ("ci", "95% CI", _text), ("p", "p", fmt_p)],
                             ["The first row is the primary analysis. Bounds replace the missing after scores and "
                              "are not estimates (no CI or p). " + note]))
    if (df := table_frame(tables, "attrition_baseline")) is not None:
        blocks.append(display_table("t-attrition", "Before-survey scores: answered both surveys vs only the before survey", df,
                             [("outcome", "Outcome", None), ("linked", "Both: n", fmt_count),
                              ("mean_linked", "Mean", fmt_num), ("sd_linked", "SD", fmt_num),
                              ("before_only", "Before only: n", fmt_count), ("mean_before_only", "Mean", fmt_num),
                              ("sd_before_only", "SD", fmt_num), ("std_diff", "Std. difference", fmt_signed)],
                             ["Standardised difference = (mean both − mean before only) / pooled SD. " + note]))
    if (df := table_frame(tables, "reliable_change")) is not None:
        blocks.append(display_table("t-rci", "Reliable change per participant (Jacobson–Truax)", df,
                             [("outcome", "Outcome", None), ("pairs", "Pairs", fmt_count),
                              ("threshold", "Reliable change >", fmt_num), ("improved", "Improved", fmt_count),
                              ("unchanged", "No reliable change", fmt_count),
                              ("deteriorated", "Deteriorated", fmt_count)],
                             ["Reliable change > 1.96 · SE_diff points, SE_diff = SD_before · √2 · √(1 − alpha). "
                              + note]))
    if (df := table_frame(tables, "dose_response")) is not None:
        df = df.assign(ci=[fmt_ci(a, b) for a, b in zip(df["ci_low"], df["ci_high"])])
        blocks.append(display_table("t-dose", "Exploratory: change and meetings attended (Spearman)", df,
                             [("outcome", "Outcome", None), ("pairs", "Pairs", fmt_count), ("rho", "rho", fmt_num),
                              ("ci", "95% CI", _text), ("p", "p (unadjusted)", fmt_p)],
                             ["Exploratory and outside the multiplicity family; CI by Fisher's z (Bonett & Wright "
                              "2000)."]))
    return blocks


#: summary.xlsx sheets of the new tables: evaluation table -> (sheet, columns, description).
SUMMARY_SHEETS = {
    "sensitivity": ("Sensitivity", ["analysis", "people", "mean_change", "ci_low", "ci_high", "p", "note"],
                    "Primary outcome's mean change under each analysis set (primary, per protocol, mixed model, "
                    "attrition bounds)."),
    "attrition_baseline": ("Attrition", ["outcome_id", "outcome", "role", "linked", "mean_linked", "sd_linked",
                                         "before_only", "mean_before_only", "sd_before_only", "std_diff"],
                           "Before-survey scores of participants who answered both surveys vs only the before survey."),
    "reliable_change": ("Reliable change", ["outcome_id", "outcome", "role", "pairs", "alpha", "sd_baseline",
                                            "se_diff", "threshold", "improved", "unchanged", "deteriorated"],
                        "Jacobson–Truax reliable change: people improved / not reliably changed / deteriorated."),
    "dose_response": ("Dose-response", ["outcome_id", "outcome", "pairs", "rho", "ci_low", "ci_high", "p"],
                      "Exploratory: Spearman correlation of change with meetings attended."),
}
EFFECTIVENESS_COLUMNS = ["outcome_id", "role", "instrument", "scale", "outcome", "range", "pairs", "mean_pre",
                         "mean_post", "mean_change", "mean_change_ci_low", "mean_change_ci_high", "sd_change",
                         "median_change", "t", "df", "t_p", "t_p_holm", "d_z", "d_z_ci_low", "d_z_ci_high", "hedges_g",
                         "g_ci_low", "g_ci_high", "wilcoxon_p", "rank_biserial", "r_ci_low", "r_ci_high"]
COLUMN_MEANINGS = {
    "outcome_id": "outcome id (<instrument>_<scale>; evaluation.primary names one)",
    "role": "primary, secondary (in the Holm family) or exploratory (subscale, unadjusted)",
    "mean_change_ci_low": "mean change 95% CI lower (t)", "mean_change_ci_high": "mean change 95% CI upper (t)",
    "d_z": "d_z = mean change / SD of change", "d_z_ci_low": "d_z 95% CI lower (noncentral t)",
    "d_z_ci_high": "d_z 95% CI upper (noncentral t)", "r_ci_low": "rank-biserial r 95% CI lower (Fisher z)",
    "r_ci_high": "rank-biserial r 95% CI upper (Fisher z)",
    "t_p_holm": "Holm-adjusted paired t-test p across the family (primary + secondary outcomes)",
    "rate_ci_low": "response rate 95% CI lower (Wilson)", "rate_ci_high": "response rate 95% CI upper (Wilson)",
    "high_ci_low": "share agreeing 95% CI lower (Wilson)", "high_ci_high": "share agreeing 95% CI upper (Wilson)",
    "analysis": "analysis set", "people": "people in the analysis (count)", "ci_low": "95% CI lower",
    "ci_high": "95% CI upper", "p": "p-value (two-sided, unadjusted)", "note": "note",
    "linked": "answered both surveys (count)", "mean_linked": "mean before score, answered both",
    "sd_linked": "SD, answered both", "before_only": "answered only the before survey (count)",
    "mean_before_only": "mean before score, before only", "sd_before_only": "SD, before only",
    "std_diff": "standardised difference (both − before only) / pooled SD", "sd_baseline": "SD of before scores",
    "se_diff": "standard error of a difference (Jacobson–Truax)", "threshold": "smallest reliable change (points)",
    "improved": "reliably improved (count)", "unchanged": "no reliable change (count)",
    "deteriorated": "reliably deteriorated (count)", "rho": "Spearman's rho",
}
#: (share, lower, upper): a CI published only beside its published share.
CI_OF_SHARE = (("response_rate", "rate_ci_low", "rate_ci_high"), ("share_high", "high_ci_low", "high_ci_high"))


def mask_unpublished_ci(df: pd.DataFrame) -> pd.DataFrame:
    """CI bounds blanked where their share is not published (hidden by the release audit)."""
    out = df
    for share, lo, hi in CI_OF_SHARE:
        if share in out and lo in out and hi in out:
            keep = pd.to_numeric(out[share], errors="coerce").notna()
            out = out.assign(**{lo: out[lo].where(keep), hi: out[hi].where(keep)})
    return out
