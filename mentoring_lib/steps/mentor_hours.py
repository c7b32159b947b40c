"""Mentor hours and study credits, for the certificate list and the registrar (identity domain).

A mentor's hours are the trainings attended, the group meetings co-led and the mentors' support
meetings attended, each times its duration from the config's ``mentor_hours:``
(:class:`~mentoring_lib.config.MentorHoursSection`). Credits are hours / ``hours_per_credit``
rounded down to ``credit_step`` (27 h per credit, step 0.5: 40 h give 1.0 credit, 41 h 1.5).

Support meetings come from ``support_attendance`` inputs: sheets like the other attendance sheets
(a row a person, a column a session headed "Support meeting 1", ...; ticks as in
:mod:`mentoring_lib.steps.attendance`). Only accepted mentors count; anyone else on the sheet is left out
and counted in the data-quality record.

The certificates stage adds the columns to ``private/certificates/certificate_list.xlsx`` and
writes ``private/certificates/credits_for_registrar.csv``; with ``on_certificate: true`` the
certificates print the hours (and credits) too.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from mentoring_lib.config import MentorHoursSection, TermConfig
    from mentoring_lib.pipeline.context import StageContext

CREDITS_FILE = "credits_for_registrar.csv"


def credits_for(hours: pd.Series, per_credit: float | None, step: float) -> pd.Series:
    """Hours / ``per_credit`` rounded down to ``step`` (NaN without a rate)."""
    if per_credit is None:
        return pd.Series(float("nan"), index=hours.index)
    # The small epsilon keeps 54 h / 27 from landing just under 2 through float division.
    return hours.map(lambda h: math.floor(h / per_credit / step + 1e-9) * step)


def hours_of(trainings: pd.Series, meetings_coled: pd.Series, support: pd.Series,
             section: "MentorHoursSection") -> pd.Series:
    """Each mentor's hours (series aligned on the same index)."""
    return (trainings.astype(float) * section.training_hours + meetings_coled.astype(float) * section.meeting_hours
            + support.astype(float) * section.support_meeting_hours)


def support_meetings(ctx: "StageContext", mentors: pd.Index) -> pd.Series:
    """Support meetings attended per accepted mentor (0 when not on a sheet); records quality."""
    from mentoring_lib.steps.attendance import _read_kind

    wide, infos = _read_kind(ctx, "support")
    for input_id, info in infos:
        if input_id == "support_attendance" and not ctx.config.inputs_of("support_attendance"):
            continue  # no sheet configured: nothing to record
        on_sheet = info["person_ids"]
        kept = int(on_sheet.isin(mentors).sum())
        excluded = {k: v for k, v in {"not an accepted mentor": int(len(on_sheet) - kept),
                                      "no e-mail and no ticks": int(info.get("no_email", 0))}.items() if v}
        ctx.record_quality(input_id, rows_read=info["rows_read"], kept=kept, excluded=excluded,
                           notes=list(info["notes"]))
    counts = wide.sum(axis=1) if len(wide.columns) else pd.Series(0, index=wide.index)
    return counts.reindex(mentors).fillna(0).astype(int)


def add_hours(ctx: "StageContext", roster: pd.DataFrame) -> pd.DataFrame:
    """``roster`` (index person_id; trainings_attended, meetings_coled) with support_meetings, hours,
    credits and hours_line (the certificate's line, "" unless on_certificate); unchanged when the
    config has no ``mentor_hours:``."""
    section = ctx.config.mentor_hours
    if section is None:
        return roster
    out = roster.copy()
    out["support_meetings"] = support_meetings(ctx, out.index)
    out["hours"] = hours_of(out["trainings_attended"], out["meetings_coled"], out["support_meetings"], section)
    out["credits"] = credits_for(out["hours"], section.hours_per_credit, section.credit_step)
    out["hours_line"] = hours_line(out["hours"], out["credits"]) if section.on_certificate else ""
    return out


def hours_line(hours: pd.Series, credits: pd.Series) -> pd.Series:
    """"38 hours of mentoring and training (1 study credit)" per mentor."""
    def line(h: float, c: float) -> str:
        text = f"{h:g} hours of mentoring and training"
        if not math.isnan(c) and c > 0:
            text += f" ({c:g} study credit{'' if c == 1 else 's'})"
        return text
    return pd.Series([line(h, c) for h, c in zip(hours, credits)], index=hours.index, dtype="str")


def list_columns(rows: pd.DataFrame) -> dict[str, pd.Series]:
    """The certificate list's hours columns for ``rows`` (empty without hours)."""
    if "hours" not in rows.columns:
        return {}
    cols = {"Support meetings": rows["support_meetings"], "Hours": rows["hours"]}
    if rows["credits"].notna().any():
        cols["Credits"] = rows["credits"]
    return cols


def credits_list(roster: pd.DataFrame, config: "TermConfig") -> pd.DataFrame:
    """For the registrar: every accepted mentor with hours, by name: the hours' parts, hours, credits
    and whether a certificate was given."""
    r = roster[roster["hours"] > 0]
    section = config.mentor_hours
    assert section is not None, "credits_list needs mentor_hours: in the config (see write_credits_list)"
    return pd.DataFrame({
        "Name": r["name"], "Email": r["email"], "Term": config.term.title,
        "Trainings attended": r["trainings_attended"], "Meetings co-led": r["meetings_coled"],
        "Support meetings": r["support_meetings"], "Hours": r["hours"],
        "Credits": r["credits"] if section.hours_per_credit else pd.NA,
        "Hours per credit": section.hours_per_credit if section.hours_per_credit else pd.NA,
        "Certificate": r["eligible"].map({True: "yes", False: "no"}),
    }).reset_index(drop=True)


def write_credits_list(ctx: "StageContext", roster: pd.DataFrame, folder) -> None:
    """``credits_for_registrar.csv`` in the certificates' private folder (when hours are configured)."""
    if ctx.config.mentor_hours is None or "hours" not in roster.columns:
        return
    from mentoring_lib.io import spreadsheets

    spreadsheets.write_csv(credits_list(roster, ctx.config), folder / CREDITS_FILE)
