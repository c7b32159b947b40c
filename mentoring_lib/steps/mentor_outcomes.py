"""Mentors' own outcomes: their before/after survey, reported apart from the participants'.

A term may ask its mentors the same instruments before the first training and after the last
meeting (codebook surveys with ``role: mentor`` and waves ``pre`` / ``post``). Their scores are
paired per mentor (:func:`mentoring_lib.analysis.paired.paired_scores` with ``role="mentor"``: a mentor
who answered the participants' survey by mistake is not paired with the mentors' survey) and
analysed like the participants' (:func:`~mentoring_lib.steps.outcomes.effectiveness_table`: paired
change, Wilcoxon, paired t, Hedges' g, Holm across the mentors' outcomes) under the same
disclosure rules: pair counts under ``min_count`` show as "<k", and a scale needs ``min_base``
complete pairs before any mean or test is published. With few mentors (16 in the demo) a scale often
has too few pairs; the report then says so and shows the count only.

Table ``evaluation/mentor_effectiveness`` (the effectiveness table's columns), narrative in the
report's "mentors" section.
"""
from __future__ import annotations

import pandas as pd

TABLE = "mentor_effectiveness"


def add_mentor_outcomes(ev, scores: pd.DataFrame, codebook, limits, lang: str | None = None) -> None:
    """Add the mentors' outcome table and sentences to ``ev`` (nothing when no mentor answered a
    before/after survey), in ``lang`` (a language code; by default the language the evaluation was
    made in, else English)."""
    from mentoring_lib.steps.outcomes import effectiveness_table
    from mentoring_lib.analysis.paired import paired_scores
    from mentoring_lib.steps.outcomes import describe, family_size
    from mentoring_lib.outputs.messages import FALLBACK, text

    lang = lang or getattr(ev, "lang", None) or FALLBACK

    if scores is None or scores.empty or "role" not in scores.columns or paired_scores(scores, "mentor").empty:
        return
    table, methods = effectiveness_table(scores, codebook, limits, role="mentor", lang=lang)
    if table.empty:
        return
    ev.tables[TABLE] = table
    for m in dict.fromkeys(methods):
        ev.method(text("topic.statistics", lang), m)
    ev.say("mentors", text("outcome.mentors_intro", lang))
    for _, row in table.iterrows():
        if not row.get("family", True):  # subscales of a total are exploratory: the totals speak for them
            continue
        if row["tested"]:
            ev.say("mentors", text("outcome.mentors_result", lang, sentence=describe(row, family_size(table), lang)),
                   kind="bullet")
        else:
            ev.say("mentors", text("outcome.mentors_too_few", lang, outcome=row["outcome"], pairs=row["pairs"],
                                   b=limits.min_base), kind="bullet")
