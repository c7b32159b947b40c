"""Reaction and the mentors' experience: Likert item tables, their wording and protected shares,
the counts a Likert chart may draw, and scale reliability.

Privacy domain: analysis (pseudonyms in, aggregates out).
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from mentoring_lib.analysis import stats
from mentoring_lib.analysis.paired import POST, PRE, in_surveys_of
from mentoring_lib.outputs.formatting import fmt_pct
from mentoring_lib.privacy.limits import Limits, enough, share, shown_count, shown_partition
from mentoring_lib.steps.evaluation_result import wording


# --------------------------------------------------------------------------------------
# Likert items (reaction, mentors)
# --------------------------------------------------------------------------------------
def _statement(item_wording: str, lang: str = "en") -> str:
    """An item's wording as the lead of a sentence: 'The group felt safe.' -> '"The group felt safe":'."""
    return wording("quote", lang, wording=item_wording.rstrip(".").strip())


LIKERT_GROUPS = ("low", "neutral", "high")


def likert_group_shares(counts: dict[str, int], n: int, limits: Limits, lang: str = "en"
                        ) -> dict[str, dict[str, Any]]:
    """The published shares of an item's answer groups (below / at / above the neutral midpoint).

    The three groups add up to the published base ``n``, so they are protected as a partition
    (:func:`shown_partition`): a group of 1..min_count-1 people is shown as "<5 people", and a
    further group is hidden ("x") where the small one could otherwise be worked out (97% agree and
    0% neutral of 38 would say that 1 person disagreed). Per group returns ``share`` (0–1, NaN when
    not published), ``text`` (the table cell: "82%", "<5 people", "x" or "–") and ``phrase`` (for
    sentences: "82%", "fewer than 5 people", "at least 89%" -- a bound a reader can already work
    out from the published cells -- or ``None`` when nothing can be said)."""
    out = {g: {"share": math.nan, "text": "–", "phrase": None} for g in LIKERT_GROUPS}
    if not enough(n, limits):
        return out
    table = pd.DataFrame({"n": [int(counts[g]) for g in LIKERT_GROUPS]}, index=list(LIKERT_GROUPS))
    shown = shown_partition(table, limits)["n"]
    if not str(shown["Total"]).isdigit():
        return out
    small = limits.small
    digits = [g for g in LIKERT_GROUPS if str(shown[g]).isdigit()]
    n_small = sum(str(shown[g]) == small for g in LIKERT_GROUPS)
    hidden = [g for g in LIKERT_GROUPS if g not in digits and str(shown[g]) != small]
    for g in LIKERT_GROUPS:
        cell = str(shown[g])
        if g in digits:
            p = share(int(counts[g]), n, limits)
            out[g] = {"share": p, "text": fmt_pct(p), "phrase": fmt_pct(p)}
        elif cell == small:
            out[g] = {"share": math.nan, "text": f"{small} people",
                      "phrase": wording("likert.fewer_than", lang, k=limits.min_count)}
        else:
            phrase = None
            if len(hidden) == 1:  # the bound the published cells give: n - shown - (k-1) per "<k"
                lower = int(n) - sum(int(counts[d]) for d in digits) - (limits.min_count - 1) * n_small
                if 2 * lower >= int(n):  # only a bound that says something: at least half
                    phrase = wording("likert.at_least", lang, pct=math.floor(100 * lower / int(n)))
            out[g] = {"share": math.nan, "text": cell, "phrase": phrase}
    return out


def likert_summary(responses: pd.DataFrame, items: list, codebook, limits: Limits, lang: str = "en"
                   ) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Per item: n answered (suppressed), % below / at / above the neutral midpoint protected as a
    partition (:func:`likert_group_shares`) and the median label (only with n >= min_base), and
    the level distributions for the chart.

    The number of missing answers is not published: the answered counts of the items already
    differ by it, so a "<5" there would protect nothing."""
    rows, dists = [], {}
    or_ = wording("likert.or", lang)
    for it in items:
        rs = codebook.response_set_of(it.id)
        levels = [o.value for o in rs.options]
        vals = responses.loc[responses["item"] == it.id, "value"]
        d = stats.likert_distribution(vals, levels)
        mid = (rs.min_value + rs.max_value) / 2
        v = np.asarray(levels, dtype=float)
        c = np.asarray(d.counts, dtype=float)
        ok = enough(d.n, limits)
        groups = {"low": int(c[v < mid].sum()), "neutral": int(c[v == mid].sum()), "high": int(c[v > mid].sum())}
        shares = likert_group_shares(groups, d.n, limits, lang)
        median = float(np.median(pd.to_numeric(vals, errors="coerce").dropna())) if d.n else math.nan
        med_label = ""
        if ok and not math.isnan(median):
            exact = [o.label for o in rs.options if o.value == median]
            below_o = [o for o in rs.options if o.value < median]
            above_o = [o for o in rs.options if o.value > median]
            med_label = exact[0] if exact else (
                f"between {max(below_o, key=lambda o: o.value).label} and {min(above_o, key=lambda o: o.value).label}")
        low_labels = [o.label for o in rs.options if o.value < mid]
        high_labels = [o.label for o in rs.options if o.value > mid]
        row = {"item": it.id, "wording": it.wording, "answered": shown_count(d.n, limits)}
        for g in LIKERT_GROUPS:
            row[f"share_{g}"] = shares[g]["share"]
        for g in LIKERT_GROUPS:
            row[f"{g}_shown"] = shares[g]["text"]
        for g in LIKERT_GROUPS:
            row[f"{g}_phrase"] = shares[g]["phrase"] or ""
        for g in LIKERT_GROUPS:  # true counts, for the release audit (never in a public sheet)
            row[f"{g}_n"] = groups[g]
        from mentoring_lib.steps.outcome_analysis import wilson_columns

        (row["high_ci_low"],), (row["high_ci_high"],) = wilson_columns([groups["high"]], [d.n], [shares["high"]["share"]])
        row.update({"median": median if ok else math.nan, "median_label": med_label,
                    "high_labels": or_.join(high_labels[::-1]).lower(),
                    "low_labels": or_.join(low_labels[::-1]).lower(), "n": d.n})
        rows.append(row)
        if ok:
            dists[it.id] = (it, d, rs)
    return pd.DataFrame(rows), dists


def likert_bullet(r: pd.Series, lang: str = "en") -> str:
    """One sentence per item from its published shares (agree side first, then disagree side)."""
    parts = [f"{r[f'{g}_phrase']} {r[f'{g}_labels']}" for g in ("high", "low") if r[f"{g}_phrase"]]
    return wording("likert.bullet", lang, statement=_statement(r["wording"], lang), shares=", ".join(parts),
                   n=r["answered"])


# --------------------------------------------------------------------------------------
# Effectiveness and reliability
# --------------------------------------------------------------------------------------
def reliability_table(responses: pd.DataFrame, codebook, limits: Limits) -> tuple[pd.DataFrame, list[str]]:
    """Cronbach's alpha with 95% CI per scale and wave (pre, post); flagged below n = 30; not given
    with fewer than min_base complete cases."""
    from mentoring_lib.analysis.scoring import pivot_answers, scored_item_matrix

    rows: list[dict] = []
    methods: list[str] = []
    r = responses[responses["wave"].isin([PRE, POST])]
    if "role" in r.columns:  # the participants' surveys (the mentors' own are reported apart)
        r = r[in_surveys_of(r, "participant")]
    inst_items = {i for inst in codebook.instruments.values() for i in (it.id for it in inst.items)}
    r = r[r["item"].isin(inst_items)]
    if r.empty:
        return pd.DataFrame(columns=["instrument", "scale", "outcome", "wave", "n", "cases", "items", "alpha",
                                     "ci_low", "ci_high", "small_n"]), methods
    for wave in (PRE, POST):
        wide = pivot_answers(r[r["wave"] == wave], ["person_id"])
        if wide.empty:
            continue
        for inst_id in codebook.instruments:  # codebook order, as in the effectiveness table
            inst = codebook.instruments[inst_id]
            for sc in inst.scales:
                x = scored_item_matrix(wide, codebook, inst_id, sc.id)
                x = x.dropna(how="all")
                if x.empty:
                    continue
                a = stats.cronbach_alpha(x)
                ok = enough(a.n, limits)
                methods.append(a.method)
                rows.append({"instrument": inst_id, "scale": sc.id, "outcome": f"{inst.short_name}: {sc.name}",
                             "wave": wave, "n": a.n, "cases": shown_count(a.n, limits), "items": a.k,
                             "alpha": a.alpha if ok else math.nan,
                             "ci_low": a.ci[0] if ok else math.nan, "ci_high": a.ci[1] if ok else math.nan,
                             "small_n": bool(a.small_n)})
    out = pd.DataFrame(rows)
    if len(out):  # each scale's before and after next to each other
        first = {o: i for i, o in enumerate(dict.fromkeys(out["outcome"]))}
        out = out.sort_values(["outcome", "wave"], key=lambda c: c.map(first) if c.name == "outcome"
                              else c.map({PRE: 0, POST: 1}), kind="stable").reset_index(drop=True)
    return out, methods



LIKERT_CHART_RULE = ("Where fewer than {k} people chose an answer, the answers are merged into three groups "
                     "(below, at and above the neutral midpoint); an item in which a group would still hold "
                     "1 to {k1} people is not charted (its shares are in the table), so no bar stands for "
                     "fewer than {k} people.")


def likert_method_text(limits: Limits, lang: str = "en") -> str:
    """How the Likert shares are reported and protected (Methods). The distribution's own method
    text (:func:`stats.likert_distribution`) is in the catalogue (evaluation.method.likert_distribution;
    a test keeps the English the same)."""
    return wording("method.likert", lang, distribution=wording("method.likert_distribution", lang),
                   share_rule=wording("method.likert_share_rule", lang, k=limits.min_count))


def likert_chart_counts(dists: dict, limits: Limits) -> tuple[pd.DataFrame, bool, list[str]]:
    """The counts a diverging Likert chart may draw: (frame, merged, items left out).

    ``dists``: item id -> (item, distribution, response set), all with one response set. When any
    answer level holds 1..min_count-1 people the levels are merged into below / at / above the
    neutral midpoint (the groups of :func:`likert_summary`); items with a group of 1..min_count-1
    people even then are left out (their wordings returned), so no segment of the chart stands for
    a count the tables protect. Rows are indexed by item wording, columns by label."""
    k = limits.min_count
    rs = next(iter(dists.values()))[2]
    frame = stats.likert_frame({dists[i][0].wording: dists[i][1] for i in dists}, kind="counts")
    values = np.array([float(v) for v in frame.columns])
    frame.columns = [rs.label_of(float(v)) for v in frame.columns]
    mid = (rs.min_value + rs.max_value) / 2
    labels = list(frame.columns)
    groups = {}
    for name, mask in (("low", values < mid), ("neutral", values == mid), ("high", values > mid)):
        if mask.any():
            names = [labels[i] for i in np.flatnonzero(mask)]
            label = names[0] if len(names) == 1 else " or ".join(names[::-1] if name == "low" else names)
            groups[label] = frame.loc[:, mask].sum(axis=1)
    grouped = pd.DataFrame(groups, index=frame.index)
    out = ((grouped > 0) & (grouped < k)).any(axis=1)  # a group the tables protect: not charted
    left_out = [f"\u201c{str(i).rstrip('.')}\u201d" for i in frame.index[out]]
    frame, grouped = frame[~out], grouped[~out]
    merged = bool(((frame > 0) & (frame < k)).to_numpy().any())
    return (grouped if merged else frame), merged, left_out

