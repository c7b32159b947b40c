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
from mentoring_lib.outputs.messages import FALLBACK, language_code, text

SECTION = "effectiveness"


def _insert_first(ev, text: str) -> None:
    """A sentence placed before the section's other text (the primary outcome leads)."""
    at = next((i for i, n in enumerate(ev.narrative) if n["section"] == SECTION), len(ev.narrative))
    ev.narrative.insert(at, {"section": SECTION, "kind": "paragraph", "text": text})


def primary_key_figure(ev, row: pd.Series, n_family: int, lang: str = FALLBACK) -> None:
    """The primary outcome's change as the first key figure."""
    fig = {"key": "primary", "label": text("outcome.key.label", lang, scale=row["scale_name"]),
           "value": fmt_signed(row["mean_change"]),
           "note": text("outcome.key.note", lang, range=row["range"],
                        ci=fmt_ci(row["mean_change_ci_low"], row["mean_change_ci_high"]),
                        g=outcomes.fmt_effect(row["hedges_g"]), p=fmt_p(row["t_p_holm"]), k=n_family)}
    ev.key_figures.insert(0, fig)


def evaluate_outcomes(ev, *, scores: pd.DataFrame, meetings: pd.DataFrame,
                      accepted: set, linked: set, before_only: set, codebook, config, limits) -> pd.DataFrame:
    """Fill the outcomes section in the term's language; returns the effectiveness table."""
    from mentoring_lib.steps.outcomes import effectiveness_table

    lang = language_code(config.term.language)
    primary = outcomes.check_primary(config, codebook)
    eff, eff_methods = effectiveness_table(scores, codebook, limits, primary, lang=lang)
    ev.tables["effectiveness"] = eff
    n_family = outcomes.family_size(eff)
    if eff.empty:
        ev.say(SECTION, text("outcome.none", lang))
        return eff
    prow = eff[eff["role"] == "primary"]
    primary_name = str(prow["outcome"].iloc[0]) if len(prow) else primary
    ev.method(text("topic.outcomes", lang), outcomes.multiplicity_text(eff, primary_name, lang))
    if not outcomes.primary_is_set(config):
        ev.method(text("topic.outcomes", lang), text("method.default_primary", lang, primary=primary))
    for ref in outcomes.REFERENCES:
        ev.method(text("topic.references", lang), ref)
    for m in dict.fromkeys(eff_methods):
        ev.method(text("topic.statistics", lang), m)
    if len(prow):
        _insert_first(ev, outcomes.describe(prow.iloc[0], n_family, lang))
        if bool(prow["tested"].iloc[0]):
            primary_key_figure(ev, prow.iloc[0], n_family, lang)
    else:
        _insert_first(ev, text("outcome.primary_unanswered", lang, primary=primary))
    for _, row in eff[eff["role"] == "secondary"].iterrows():
        ev.say(SECTION, outcomes.describe(row, n_family, lang), kind="bullet")
    if (eff["role"] == "exploratory").any():
        ev.say(SECTION, text("outcome.exploratory_note", lang))
    ev.say(SECTION, text("outcome.no_control", lang))
    for sentence in individual_change.mid_sentences(eff, lang):
        ev.say(SECTION, sentence)
    if len(prow) and bool(prow["tested"].iloc[0]):
        _attrition(ev, prow.iloc[0], eff, scores, meetings, accepted, linked, before_only, codebook, config, limits)
        _dose_response(ev, prow.iloc[0], scores, meetings, limits, lang)
    return eff


def _attrition(ev, prow, eff, scores, meetings, accepted, linked, before_only, codebook, config, limits) -> None:
    lang = language_code(config.term.language)
    base = attrition.baseline_table(eff, scores, linked, before_only, limits)
    ev.tables["attrition_baseline"] = base
    ev.method(text("topic.attrition", lang), text("method.attrition_baseline", lang))
    shown = base[base["std_diff"].notna()]
    if len(shown):
        p = shown.iloc[0]
        ev.say(SECTION, text("outcome.attrition", lang, outcome=p["outcome"], mean_linked=fmt_num(p["mean_linked"]),
                             sd_linked=fmt_num(p["sd_linked"]), linked=p["linked"],
                             mean_before_only=fmt_num(p["mean_before_only"]),
                             sd_before_only=fmt_num(p["sd_before_only"]), before_only=p["before_only"],
                             std_diff=fmt_num(p["std_diff"])))
    elif len(base):
        ev.say(SECTION, text("outcome.attrition_too_few", lang, b=limits.min_base))
    for sentence in attrition.lost_pairs_sentences(eff, len(linked), codebook, limits, lang):
        ev.say(SECTION, sentence, kind="bullet")
    attended = individual_change.meetings_attended(meetings) if meetings is not None else pd.Series(dtype="int64")
    k = config.evaluation.per_protocol_min_meetings
    sens, notes = attrition.sensitivity_table(prow, scores, accepted, attended, k, limits, lang)
    ev.tables["sensitivity"] = sens
    for m in (text("method.mixed_model", lang), text("method.bounds", lang),
              text("method.per_protocol", lang, k=k, c=limits.min_count, b=limits.min_base)):
        ev.method(text("topic.sensitivity", lang), m)
    for sentence in notes:
        ev.say(SECTION, sentence)
    parts = [f"{text('analysis.short.' + str(r['key']), lang)} {fmt_signed(r['mean_change'])}"
             + (f" {fmt_ci(r['ci_low'], r['ci_high'])}" if not math.isnan(r["ci_low"]) else "")
             for _, r in sens.iloc[1:].iterrows()]
    if parts:
        ev.say(SECTION, text("outcome.sensitivity", lang, change=fmt_signed(prow["mean_change"]),
                             parts="; ".join(parts)))
    rel = ev.tables.get("reliability")
    if rel is not None:
        rci = individual_change.rci_table(eff, scores, rel, accepted, limits)
        ev.tables["reliable_change"] = rci
        if len(rci):
            ev.method(text("topic.individual_change", lang), text("method.reliable_change", lang))
            r = rci[rci["role"] == "primary"]
            if len(r):
                r = r.iloc[0]
                said = {c: count_phrase(r[c], limits, lang) for c in individual_change.RCI_CATEGORIES}
                ev.say(SECTION, text("outcome.rci", lang, outcome=r["outcome"], threshold=fmt_num(r["threshold"]),
                                     pairs=r["pairs"], **said), key="outcome.rci")


def _dose_response(ev, prow, scores, meetings, limits, lang: str = FALLBACK) -> None:
    res = individual_change.dose_response(prow, scores, meetings, limits)
    if res is None or res.note:
        return
    ev.tables["dose_response"] = pd.DataFrame([{
        "outcome_id": prow["outcome_id"], "outcome": prow["outcome"], "pairs": prow["pairs"], "rho": res.rho,
        "ci_low": res.ci[0], "ci_high": res.ci[1], "p": res.p}])
    ev.method(text("topic.dose_response", lang),
              text("method.dose_exploratory", lang, method=text("method.spearman", lang, pct="95%")))
    ev.say(SECTION, text("outcome.dose", lang, pairs=prow["pairs"], outcome=prow["outcome"], rho=fmt_num(res.rho),
                         ci=fmt_ci(*res.ci), p=fmt_p(res.p)))


def count_phrase(shown: str, limits, lang: str = FALLBACK) -> str:
    """A published count cell in a sentence: "12", "fewer than 5" for "<5", "a number not shown" for "x"."""
    cell = str(shown)
    if cell == limits.small:
        return text("outcome.fewer_than", lang, c=limits.min_count)
    return cell if cell.isdigit() else text("outcome.not_shown", lang)


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
