"""Instrument scores computed from item answers, driven entirely by the codebook.

A new instrument needs only YAML: its items (with reverse flags and subscales), its response set
and its scales (rule ``mean`` or ``sum``, ``min_items`` and an optional conversion table). The
scoring here is vectorised: the long answers table is pivoted to one row per respondent and wave,
and every scale is a few column operations.

Rules applied, in this order, per scale:

1. reverse-keyed items are recoded ``min + max - value`` of their response set;
2. ``n_items`` = answered items of the scale; below ``min_items`` (default: all) the score is
   missing (NaN), the row is kept so that missingness stays visible;
3. ``mean``: mean of the answered items; ``sum``: the sum, prorated (mean x number of items)
   when some items are missing but ``min_items`` allows it;
4. a ``conversion`` table (e.g. the SWEMWBS Rasch metric) maps the complete raw sum to the
   published metric; ``raw_score`` keeps the unconverted value.
"""
from __future__ import annotations

from typing import Iterable

import pandas as pd

from mentoring_lib.analysis.codebook import Codebook, Instrument, Scale

SCORE_COLUMNS = ["instrument", "scale", "subscale", "score", "raw_score", "n_items", "items_total"]


def pivot_answers(responses: pd.DataFrame, keys: Iterable[str]) -> pd.DataFrame:
    """Long answers (``keys`` + item + value) -> one row per key, one float column per item."""
    keys = list(keys)
    if responses.empty:
        return pd.DataFrame(index=pd.MultiIndex.from_tuples([], names=keys))
    dupes = responses.duplicated(keys + ["item"])
    if dupes.any():
        raise ValueError("pivot_answers: more than one answer per respondent, wave and item "
                         "(deduplicate responses first)")
    wide = responses.set_index(keys + ["item"])["value"].astype("float64").unstack("item")
    wide.columns.name = None
    return wide


def scored_item_matrix(wide: pd.DataFrame, codebook: Codebook, instrument: str,
                       scale: str | None = None) -> pd.DataFrame:
    """The items of an instrument (or one of its scales) with reverse-keyed items recoded,
    ready for a sum/mean or for Cronbach's alpha. Items the survey did not ask are NaN columns."""
    inst = codebook.instruments[instrument]
    if scale is None:
        cols = [i.id for i in inst.items if i.scored]
    else:
        cols = inst.scale_items(_scale(inst, scale))
    x = wide.reindex(columns=cols).astype("float64")
    rs = codebook.response_sets[inst.response_set]
    reverse = [i.id for i in inst.items if i.reverse and i.id in cols]
    if reverse:
        x[reverse] = (rs.min_value + rs.max_value) - x[reverse]
    return x


def _scale(inst: Instrument, scale_id: str) -> Scale:
    for s in inst.scales:
        if s.id == scale_id:
            return s
    raise KeyError(f"instrument '{inst.short_name}' has no scale '{scale_id}'")


def score_scale(x: pd.DataFrame, scale: Scale) -> pd.DataFrame:
    """Score one scale from its (already reverse-recoded) item matrix: score, raw_score, n_items."""
    k = x.shape[1]
    n = x.notna().sum(axis=1)
    needed = scale.min_items or k
    enough = n >= needed
    if scale.rule == "mean":
        raw = x.mean(axis=1, skipna=True)
    else:
        complete_sum = x.sum(axis=1, min_count=1)
        raw = complete_sum.where(n == k, x.mean(axis=1, skipna=True) * k)
    raw = raw.where(enough)
    score = raw
    if scale.conversion is not None:
        table = pd.Series(scale.conversion, dtype="float64")
        raw_int = raw.round().astype("Int64")
        score = raw_int.map(table).astype("float64").where(n == k)
    return pd.DataFrame({"score": score.astype("float64"), "raw_score": raw.astype("float64"),
                         "n_items": n.astype("int64"), "items_total": k}, index=x.index)


def score_wide(wide: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """Score every instrument present in ``wide`` (index = respondent keys, columns = item ids).

    A respondent gets rows for an instrument when at least one of its items is answered; a
    scale without enough answered items has ``score`` NaN. Returns the index as columns plus
    instrument, scale, subscale (same as scale), score, raw_score, n_items, items_total.
    """
    keys = [n for n in wide.index.names]
    parts = []
    for inst_id in sorted(codebook.instruments):
        inst = codebook.instruments[inst_id]
        all_items = [i.id for i in inst.items]
        if not any(c in wide.columns for c in all_items):
            continue
        asked = wide.reindex(columns=all_items).notna().any(axis=1)
        if not asked.any():
            continue
        for scale in inst.scales:
            x = scored_item_matrix(wide.loc[asked], codebook, inst_id, scale.id)
            s = score_scale(x, scale)
            s.insert(0, "instrument", inst_id)
            s.insert(1, "scale", scale.id)
            s.insert(2, "subscale", scale.id)
            parts.append(s.reset_index())
    if not parts:
        return pd.DataFrame(columns=keys + SCORE_COLUMNS)
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values(keys + ["instrument", "scale"], kind="stable").reset_index(drop=True)


def score_responses(responses: pd.DataFrame, codebook: Codebook,
                    keys: Iterable[str] = ("person_id", "wave")) -> pd.DataFrame:
    """Long answers (``keys`` + item + value) -> long scores, one row per key, instrument, scale."""
    keys = list(keys)
    likert = responses[responses["item"].isin(
        [i for i, (_, it) in codebook.item_index.items() if it.kind == "likert"])]
    wide = pivot_answers(likert, keys)
    if wide.empty:
        return pd.DataFrame(columns=keys + SCORE_COLUMNS)
    return score_wide(wide, codebook)


def instrument_table(codebook: Codebook) -> pd.DataFrame:
    """One row per instrument scale: names, items, rule, missing-item rule, citation and licence
    (the methods section and the notebook show this)."""
    rows = []
    for inst_id in sorted(codebook.instruments):
        inst = codebook.instruments[inst_id]
        rs = codebook.response_sets[inst.response_set]
        for s in inst.scales:
            items = inst.scale_items(s)
            reverse = [i.id for i in inst.items if i.reverse and i.id in items]
            rows.append({
                "instrument": inst_id, "instrument_name": inst.name, "short_name": inst.short_name,
                "scale": s.id, "scale_name": s.name, "rule": s.rule, "n_items": len(items),
                "min_items": s.min_items or len(items), "reverse_items": len(reverse),
                "response_range": f"{rs.min_value:g}–{rs.max_value:g}",
                "converted": s.conversion is not None, "missing_rule": s.missing_rule,
                "citation": inst.citation, "licence": inst.licence,
            })
    return pd.DataFrame(rows)


def score_range(codebook: Codebook, instrument: str, scale: str) -> tuple[float, float]:
    """The possible range of a scale's score (after any conversion)."""
    inst = codebook.instruments[instrument]
    s = _scale(inst, scale)
    rs = codebook.response_sets[inst.response_set]
    k = len(inst.scale_items(s))
    if s.conversion is not None:
        return float(min(s.conversion.values())), float(max(s.conversion.values()))
    if s.rule == "mean":
        return float(rs.min_value), float(rs.max_value)
    return float(rs.min_value * k), float(rs.max_value * k)


__all__ = ["pivot_answers", "scored_item_matrix", "score_scale", "score_wide", "score_responses",
           "instrument_table", "score_range", "SCORE_COLUMNS"]
