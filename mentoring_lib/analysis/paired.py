"""Before/after pairs of scale scores, and meetings attended per person (the dose).

``paired_scores`` keeps each role's own surveys apart: a survey belongs to the role most of its
respondents hold, so mentors' before/after scores never mix with the participants'.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

PRE, POST = "pre", "post"


def sessions_attended(att: pd.DataFrame) -> pd.Series:
    """Sessions attended per person (person_id index)."""
    if att is None or att.empty:
        return pd.Series(dtype="int64")
    a = att.assign(attended=att["attended"].fillna(False).astype(bool))
    return a.groupby("person_id")["attended"].sum().astype("int64")


def in_surveys_of(frame: pd.DataFrame, role: str) -> np.ndarray:
    """Rows of ``frame`` (with role and survey columns) from the surveys of ``role``: a survey belongs
    to the role most of its respondents hold, so a mentor who answered the participants' survey by
    mistake does not make it a mentors' survey (all rows when there is no survey column)."""
    if "survey" not in frame.columns or frame.empty:
        return np.ones(len(frame), dtype=bool)
    main = frame.groupby("survey", observed=True)["role"].agg(lambda r: r.value_counts().idxmax())
    return (frame["survey"].astype(object).map(main) == role).to_numpy()


def paired_scores(scores: pd.DataFrame, role: str | None = "participant") -> pd.DataFrame:
    """Wide: one row per (instrument, scale, person_id) with columns pre and post, for the surveys of
    ``role`` (a mentors' before/after survey is never mixed into the participants'; None: every role)."""
    s = scores[scores["wave"].isin([PRE, POST])]
    if role is not None and "role" in s.columns:
        s = s[in_surveys_of(s, role) & (s["role"] == role).to_numpy()]
    wide = s.pivot_table(index=["instrument", "scale", "person_id"], columns="wave", values="score",
                         aggfunc="first")
    return wide.reindex(columns=[PRE, POST]).reset_index()
