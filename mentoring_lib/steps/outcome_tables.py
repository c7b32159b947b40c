"""The report's tables of the outcomes section (primary and secondary outcomes, the Wilcoxon
sensitivity test, attrition, sensitivity analyses, reliable change, dose–response) and the
summary workbook's sheets of the same tables. Built from the evaluation tables by
:func:`report.build_report` and :func:`summary_workbook.summary_sheets`. The report's tables speak the
report's language (``lang``); the workbook's sheet and column names stay the same in every language."""
from __future__ import annotations

from typing import Any

import pandas as pd

from mentoring_lib.outputs.document import Block
from mentoring_lib.outputs.formatting import _missing, fmt_ci, fmt_count, fmt_num, fmt_p, fmt_pct, fmt_signed
from mentoring_lib.outputs.formatting import display_table, table_frame
from mentoring_lib.outputs.messages import FALLBACK, text


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


def outcome_blocks(tables: dict, note: str, lang: str = FALLBACK) -> list[Block]:
    """Scores before and after; paired t-tests with the promised intervals; the Wilcoxon test
    (captions, headers and notes in ``lang``)."""
    df = table_frame(tables, "effectiveness")
    if df is None:
        return []
    from mentoring_lib.steps.outcomes import role_label

    def t(key: str, **values: Any) -> str:
        return text(key, lang, **values)

    df = df.assign(
        role_label=[role_label(str(r), lang) for r in df.get("role", [""] * len(df))],
        change_ci=[fmt_ci(a, b) for a, b in zip(df["mean_change_ci_low"], df["mean_change_ci_high"])],
        d_z_ci=[fmt_ci(a, b) for a, b in zip(df["d_z_ci_low"], df["d_z_ci_high"])],
        g_ci=[fmt_ci(a, b) for a, b in zip(df["g_ci_low"], df["g_ci_high"])],
        r_ci=[fmt_ci(a, b) for a, b in zip(df["r_ci_low"], df["r_ci_high"])])
    return [
        display_table("t-change", t("table.change"), df,
               [("outcome", t("col.outcome"), None), ("role_label", t("col.role"), None), ("range", t("col.range"), None),
                ("pairs", t("col.pairs"), fmt_count), ("mean_pre", t("col.mean_before"), fmt_num),
                ("mean_post", t("col.mean_after"), fmt_num), ("mean_change", t("col.mean_change"), fmt_signed),
                ("change_ci", t("col.ci"), _text), ("median_change", t("col.median_change"), fmt_signed)],
               [t("table.change_note", note=note)]),
        display_table("t-tests", t("table.t_tests"), df,
               [("outcome", t("col.outcome"), None), ("t_p", t("col.t_p"), fmt_p), ("t_p_holm", t("col.holm_p"), fmt_p),
                ("d_z", "d_z", _effect), ("d_z_ci", t("col.d_z_ci"), _text), ("hedges_g", t("col.hedges_g"), _effect),
                ("g_ci", t("col.g_ci"), _text)],
               [t("table.t_tests_note")]),
        display_table("t-wilcoxon", t("table.wilcoxon"), df,
               [("outcome", t("col.outcome"), None), ("wilcoxon_p", t("col.wilcoxon_p"), fmt_p),
                ("rank_biserial", t("col.rank_biserial"), fmt_num), ("r_ci", t("col.r_ci"), _text)],
               [t("table.wilcoxon_note")]),
    ]


def attrition_blocks(tables: dict, note: str, lang: str = FALLBACK) -> list[Block]:
    """Sensitivity analyses of the primary outcome, the attrition comparison, reliable change and
    the exploratory dose–response (captions, headers and notes in ``lang``)."""
    def t(key: str, **values: Any) -> str:
        return text(key, lang, **values)

    blocks: list[Block] = []
    if (df := table_frame(tables, "sensitivity")) is not None:
        df = df.assign(ci=[fmt_ci(a, b) for a, b in zip(df["ci_low"], df["ci_high"])])
        blocks.append(display_table("t-sensitivity", t("table.sensitivity"), df,
                             [("analysis", t("col.analysis"), None), ("people", t("col.people"), fmt_count),
                              ("mean_change", t("col.mean_change"), fmt_signed), ("ci", t("col.ci"), _text),
                              ("p", "p", fmt_p)],
                             [t("table.sensitivity_note", note=note)]))
    if (df := table_frame(tables, "attrition_baseline")) is not None:
        blocks.append(display_table("t-attrition", t("table.attrition"), df,
                             [("outcome", t("col.outcome"), None), ("linked", t("col.both_n"), fmt_count),
                              ("mean_linked", t("col.mean"), fmt_num), ("sd_linked", t("col.sd"), fmt_num),
                              ("before_only", t("col.before_only_n"), fmt_count),
                              ("mean_before_only", t("col.mean"), fmt_num),
                              ("sd_before_only", t("col.sd"), fmt_num), ("std_diff", t("col.std_diff"), fmt_signed)],
                             [t("table.attrition_note", note=note)]))
    if (df := table_frame(tables, "reliable_change")) is not None:
        blocks.append(display_table("t-rci", t("table.rci"), df,
                             [("outcome", t("col.outcome"), None), ("pairs", t("col.pairs"), fmt_count),
                              ("threshold", t("col.reliable_threshold"), fmt_num),
                              ("improved", t("col.improved"), fmt_count),
                              ("unchanged", t("col.unchanged"), fmt_count),
                              ("deteriorated", t("col.deteriorated"), fmt_count)],
                             [t("table.rci_note", note=note)]))
    if (df := table_frame(tables, "dose_response")) is not None:
        df = df.assign(ci=[fmt_ci(a, b) for a, b in zip(df["ci_low"], df["ci_high"])])
        blocks.append(display_table("t-dose", t("table.dose"), df,
                             [("outcome", t("col.outcome"), None), ("pairs", t("col.pairs"), fmt_count),
                              ("rho", "rho", fmt_num), ("ci", t("col.ci"), _text),
                              ("p", t("col.p_unadjusted"), fmt_p)],
                             [t("table.dose_note")]))
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
