"""The outcomes section of the evaluation: the primary outcome first, the secondary and
exploratory outcomes, attrition and sensitivity analyses, individual (reliable) change and the
exploratory dose–response, each written into the :class:`evaluation_result.Evaluation` as tables,
sentences, key figures and Methods text. The statistics live in :mod:`outcomes`,
:mod:`attrition`, :mod:`individual_change` and :mod:`intervals`; this module only assembles them.
"""
from __future__ import annotations

import math

import pandas as pd

from mentoring_lib.analysis import attrition, individual_change, intervals
from mentoring_lib.steps import outcomes
from mentoring_lib.outputs.formatting import fmt_ci, fmt_num, fmt_p, fmt_signed

SECTION = "effectiveness"


def _insert_first(ev, text: str) -> None:
    """A sentence placed before the section's other text (the primary outcome leads)."""
    at = next((i for i, n in enumerate(ev.narrative) if n["section"] == SECTION), len(ev.narrative))
    ev.narrative.insert(at, {"section": SECTION, "kind": "paragraph", "text": text})


def primary_key_figure(ev, row: pd.Series, n_family: int) -> None:
    """The primary outcome's change as the first key figure."""
    p = fmt_p(row["t_p_holm"])
    fig = {"key": "primary", "label": f"primary outcome: mean change in {row['scale_name']}",
           "value": fmt_signed(row["mean_change"]),
           "note": (f"on its {row['range']} scale, after − before, 95% CI "
                    f"{fmt_ci(row['mean_change_ci_low'], row['mean_change_ci_high'])}; Hedges' g "
                    f"{outcomes.fmt_effect(row['hedges_g'])}; Holm-adjusted p {p} ({n_family} outcomes)")}
    ev.key_figures.insert(0, fig)


def evaluate_outcomes(ev, *, scores: pd.DataFrame, meetings: pd.DataFrame,
                      accepted: set, linked: set, before_only: set, codebook, config, limits) -> pd.DataFrame:
    """Fill the outcomes section; returns the effectiveness table."""
    from mentoring_lib.steps.outcomes import effectiveness_table

    primary = outcomes.check_primary(config, codebook)
    eff, eff_methods = effectiveness_table(scores, codebook, limits, primary)
    ev.tables["effectiveness"] = eff
    n_family = outcomes.family_size(eff)
    if eff.empty:
        ev.say(SECTION, "No instrument scores were available from both the before and the after survey, so no "
                        "change can be reported.")
        return eff
    prow = eff[eff["role"] == "primary"]
    primary_name = str(prow["outcome"].iloc[0]) if len(prow) else primary
    ev.method("Outcomes", outcomes.multiplicity_text(eff, primary_name))
    if not outcomes.primary_is_set(config):
        ev.method("Outcomes", f"This term's configuration does not name its primary outcome, so the default "
                              f"({primary}) was used: the choice was not pre-specified for this term.")
    for ref in outcomes.REFERENCES:
        ev.method("References for the statistics", ref)
    for m in dict.fromkeys(eff_methods):
        ev.method("Statistics", m)
    if len(prow):
        _insert_first(ev, outcomes.describe(prow.iloc[0], n_family))
        if bool(prow["tested"].iloc[0]):
            primary_key_figure(ev, prow.iloc[0], n_family)
    else:
        _insert_first(ev, f"Primary outcome, {primary}: nobody answered it in both surveys.")
    for _, row in eff[eff["role"] == "secondary"].iterrows():
        ev.say(SECTION, outcomes.describe(row, n_family), kind="bullet")
    if (eff["role"] == "exploratory").any():
        ev.say(SECTION, "Subscales of the instruments that have a total score are exploratory: their results, "
                        "with unadjusted p-values, are in the tables below.")
    ev.say(SECTION, ("These are within-group before/after comparisons. With no control group, changes cannot be "
                     "attributed to the programme: they may reflect the time of year, regression to the mean or who "
                     "chose to answer both surveys."))
    for text in individual_change.mid_sentences(eff):
        ev.say(SECTION, text)
    if len(prow) and bool(prow["tested"].iloc[0]):
        _attrition(ev, prow.iloc[0], eff, scores, meetings, accepted, linked, before_only, codebook, config, limits)
        _dose_response(ev, prow.iloc[0], scores, meetings, limits)
    return eff


def _attrition(ev, prow, eff, scores, meetings, accepted, linked, before_only, codebook, config, limits) -> None:
    base = attrition.baseline_table(eff, scores, linked, before_only, limits)
    ev.tables["attrition_baseline"] = base
    ev.method("Attrition", attrition.BASELINE_METHOD)
    shown = base[base["std_diff"].notna()]
    if len(shown):
        p = shown.iloc[0]
        ev.say(SECTION, (f"Attrition: before the programme, the participants who answered both surveys scored "
                         f"{fmt_num(p['mean_linked'])} on {p['outcome']} (SD {fmt_num(p['sd_linked'])}, n = "
                         f"{p['linked']}) and those who answered only the before survey {fmt_num(p['mean_before_only'])} "
                         f"(SD {fmt_num(p['sd_before_only'])}, n = {p['before_only']}): a standardised difference of "
                         f"{fmt_num(p['std_diff'])}."))
    elif len(base):
        ev.say(SECTION, f"Too few participants answered only the before survey (fewer than {limits.min_base}) to "
                        "compare them with those who answered both.")
    for text in attrition.lost_pairs_sentences(eff, len(linked), codebook, limits):
        ev.say(SECTION, text, kind="bullet")
    attended = individual_change.meetings_attended(meetings) if meetings is not None else pd.Series(dtype="int64")
    k = config.evaluation.per_protocol_min_meetings
    sens, notes = attrition.sensitivity_table(prow, scores, accepted, attended, k, limits)
    ev.tables["sensitivity"] = sens
    for m in (attrition.MIXED_METHOD, attrition.BOUNDS_METHOD,
              attrition.PER_PROTOCOL_METHOD.format(k=k, c=limits.min_count, b=limits.min_base)):
        ev.method("Sensitivity", m)
    for text in notes:
        ev.say(SECTION, text)
    parts = [f"{attrition.SHORT_LABELS[r['key']]} {fmt_signed(r['mean_change'])}"
             + (f" {fmt_ci(r['ci_low'], r['ci_high'])}" if not math.isnan(r["ci_low"]) else "")
             for _, r in sens.iloc[1:].iterrows()]
    if parts:
        ev.say(SECTION, (f"Sensitivity of the primary outcome's mean change ({fmt_signed(prow['mean_change'])} over "
                         "the linked pairs): " + "; ".join(parts) + ". The table below gives each analysis."))
    rel = ev.tables.get("reliability")
    if rel is not None:
        rci = individual_change.rci_table(eff, scores, rel, accepted, limits)
        ev.tables["reliable_change"] = rci
        if len(rci):
            ev.method("Individual change", individual_change.RCI_METHOD)
            r = rci[rci["role"] == "primary"]
            if len(r):
                r = r.iloc[0]
                said = {c: count_phrase(r[c], limits) for c in individual_change.RCI_CATEGORIES}
                ev.say(SECTION, (f"Individual change in {r['outcome']}: a change of more than "
                                 f"{fmt_num(r['threshold'])} points is reliable (Jacobson & Truax 1991). Of the "
                                 f"{r['pairs']} participants, {said['improved']} improved reliably, "
                                 f"{said['deteriorated']} deteriorated reliably and {said['unchanged']} did not "
                                 "change reliably."))


def _dose_response(ev, prow, scores, meetings, limits) -> None:
    res = individual_change.dose_response(prow, scores, meetings, limits)
    if res is None or res.note:
        return
    ev.tables["dose_response"] = pd.DataFrame([{
        "outcome_id": prow["outcome_id"], "outcome": prow["outcome"], "pairs": prow["pairs"], "rho": res.rho,
        "ci_low": res.ci[0], "ci_high": res.ci[1], "p": res.p}])
    ev.method("Dose–response (exploratory)", res.method + " Exploratory: not part of the multiplicity family, "
              "and attendance was not assigned, so a correlation says nothing about cause.")
    ev.say(SECTION, (f"Exploratory dose–response: across the {prow['pairs']} linked participants, the change in "
                     f"{prow['outcome']} and the number of meetings attended had a Spearman correlation of "
                     f"{fmt_num(res.rho)} (95% CI {fmt_ci(*res.ci)}, unadjusted p {fmt_p(res.p)})."))


def count_phrase(shown: str, limits) -> str:
    """A published count cell in a sentence: "12", "fewer than 5" for "<5", "a number not shown" for "x"."""
    text = str(shown)
    if text == limits.small:
        return f"fewer than {limits.min_count}"
    return text if text.isdigit() else "a number not shown"


def wilson_columns(count: pd.Series, base: pd.Series, shown: pd.Series) -> tuple[list[float], list[float]]:
    """Wilson 95% bounds of count/base where the share itself is published (``shown`` not NaN)."""
    lo, hi = [], []
    for k, n, s in zip(count, base, shown):
        if s is None or (isinstance(s, float) and math.isnan(s)) or int(n) <= 0:
            lo.append(math.nan)
            hi.append(math.nan)
        else:
            a, b = intervals.wilson(int(k), int(n))
            lo.append(a)
            hi.append(b)
    return lo, hi
