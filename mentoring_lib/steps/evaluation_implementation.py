"""Implementation: training and group-meeting attendance, meetings held, and the before/after
linkage table.

Privacy domain: analysis (pseudonyms in, aggregates out).
"""
from __future__ import annotations

import math
import re
from typing import Any

import pandas as pd

from mentoring_lib.privacy.limits import Limits, enough, share, shown_partition
from mentoring_lib.steps.evaluation_result import wording


# --------------------------------------------------------------------------------------
# Implementation: attendance
# --------------------------------------------------------------------------------------
def _session_order(sessions: pd.Series) -> list[str]:
    """Sessions in natural order ("Meeting 2" before "Meeting 10")."""
    def key(s: str):
        return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", str(s))]

    return sorted(pd.unique(sessions.astype(str)), key=key)


def attended_and_missed(attended: pd.Series, base: int, limits: Limits, *, base_shown: bool = True
                        ) -> pd.DataFrame:
    """Per session: people attending and missing it, as text, protected as a partition of ``base``.

    Attending and missing add up to the base (accepted mentors, participants placed in groups),
    so "13 of 16 attended" says that 3 missed: each session's pair is protected with
    :func:`shown_partition` (the small one "<5", the other "x"). When the base itself is hidden
    (``base_shown=False``) an attendance count would bound it, so non-zero counts are hidden too.
    Returns columns ``attended``, ``missed`` and ``share`` (of the base, NaN where not shown)."""
    att = pd.Series(attended).astype("int64")
    rows = []
    for n in att:
        if not base_shown:
            rows.append(("0" if n == 0 else "x", "x", math.nan))
            continue
        part = shown_partition(pd.DataFrame({"n": [int(n), int(base) - int(n)]}, index=["attended", "missed"]),
                               limits)["n"]
        shown, missed = str(part["attended"]), str(part["missed"])
        if _both_small_and_pinned(shown, missed, int(base), limits.min_count):
            shown = missed = "–"  # "<5" and "<5" of a known base give both away: neither is shown
        rows.append((shown, missed, share(n, base, limits) if shown.isdigit() else math.nan))
    return pd.DataFrame(rows, columns=["attended", "missed", "share"], index=att.index)


def _both_small_and_pinned(attended: str, missed: str, base: int, k: int) -> bool:
    """Both parts of a partition shown "<k" while the base is published: each lies in 1..k-1 and they
    add up to the base, so e.g. 4 + 4 = 8 leaves one possible value. True when fewer values remain
    than the disclosure audit requires (:func:`mentoring_lib.privacy.release.required_width`)."""
    from mentoring_lib.privacy.release import required_width

    small = f"<{k}"
    if attended != small or missed != small:
        return False
    low, high = max(1, base - (k - 1)), min(k - 1, base - 1)
    return high - low < required_width(k)


def training_table(trainings: pd.DataFrame, accepted_mentors: pd.Index, limits: Limits, *,
                   base_shown: bool = True) -> pd.DataFrame:
    """Per training: accepted mentors attending and missing it (protected together, see
    :func:`attended_and_missed`) and the share of the accepted mentors attending."""
    t = trainings[trainings["person_id"].isin(accepted_mentors)]
    order = _session_order(t["session"]) if len(t) else []
    att = t.assign(attended=t["attended"].fillna(False).astype(bool)).groupby("session")["attended"].sum()
    att = att.reindex(order, fill_value=0).astype("int64")
    shown = attended_and_missed(att, len(accepted_mentors), limits, base_shown=base_shown)
    return pd.DataFrame({"session": order, "attended": shown["attended"].to_numpy(),
                         "missed": shown["missed"].to_numpy(), "share": shown["share"].to_numpy(),
                         "attended_n": att.to_numpy()})  # the true count, for the release audit (private)


#: The definition of a meeting held, as the report's methods state it (attendance.meetings_held).
MEETING_HELD_METHOD = wording("method.meeting_held")


def no_groups_text(accepted_mentors: pd.Index, lang: str = "en") -> str:
    """What the report says when the term formed no group (no numbers under the thresholds: zeros only)."""
    why = wording("implementation.no_groups.no_mentor" if not len(accepted_mentors) else
                  "implementation.no_groups.no_pair", lang)
    return wording("implementation.no_groups", lang, why=why)


def meetings_held_table(meetings: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    """Which group held which meeting, by the attendance stage's definition
    (:func:`attendance.meetings_held`: at least one of the group's participants present; without the
    sheets it cannot tell a group kept on a mentors-only sheet).

    Used when the attendance stage's ``meetings_held`` table is not given (unit use)."""
    from mentoring_lib.steps import attendance

    m = meetings.drop(columns=[c for c in ("role", "group") if c in meetings], errors="ignore").merge(
        members[["person_id", "role", "group"]], on="person_id", how="inner")
    m = m.assign(attended=m["attended"].fillna(False).astype(bool))
    if "session_index" not in m:
        order = {s: i for i, s in enumerate(_session_order(m["session"]), 1)} if len(m) else {}
        m["session_index"] = m["session"].astype(str).map(order).astype("int64")
    m["group"] = m["group"].astype("string")
    return attendance.meetings_held(m)


def meeting_tables(meetings: pd.DataFrame, members: pd.DataFrame, config, limits: Limits,
                   held: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Per meeting (participants attending, groups that met, share) and per group (meetings held),
    plus summary numbers for the text.

    ``held``: the attendance stage's ``meetings_held`` table (one definition of a meeting held:
    at least one participant present; mentors alone do not make a meeting, except in a group none
    of whose participants is on the meeting sheets). Computed with the
    attendance module's own function when not given.

    A group with fewer than ``min_count`` participants (a hand-edited roster can make one) would
    have its members' attendance published meeting by meeting: its meetings held are hidden
    ("x"), it is left out of the held-meetings summary, and "groups that met" is hidden while
    such a group exists (with all other groups meeting every time, it would say which meetings
    the small group's members came to)."""
    from mentoring_lib.steps import attendance
    from mentoring_lib.privacy import disclosure

    if held is None:
        held = meetings_held_table(meetings, members)
    held = held.assign(group=held["group"].astype(str), session=held["session"].astype(str))
    order = _session_order(held["session"]) if len(held) else []
    # participants placed in a group (someone registered but not placed has no meetings to attend)
    placed = members[(members["role"] == "participant") & members["group"].notna()]
    n_part = int(placed["person_id"].nunique())
    part_ids = placed["person_id"].unique()
    part = meetings[meetings["person_id"].isin(part_ids)]
    part = part.assign(attended=part["attended"].fillna(False).astype(bool))
    # participants placed attending each meeting, from the same rows as the drop-out curve below (the
    # curve's last point must equal the last meeting's attendance; the release audit links the two)
    per_meeting = (part.assign(session=part["session"].astype(str)).groupby("session")["attended"].sum()
                   .reindex(order, fill_value=0).astype("int64"))
    met = held.groupby("session")["held"].sum().reindex(order, fill_value=0).astype("int64")
    shown = attended_and_missed(per_meeting, n_part, limits)
    groups = sorted(members["group"].dropna().astype(str).unique())
    sizes = (placed.assign(group=placed["group"].astype(str)).groupby("group")["person_id"].nunique()
             .reindex(groups, fill_value=0))
    small_group = (sizes < limits.min_count).to_numpy()
    meetings_tbl = pd.DataFrame({
        "meeting": order,
        "groups_met": met.to_numpy() if not small_group.any() else [disclosure.HIDDEN] * len(order),
        "participants_attending": shown["attended"].to_numpy(),
        "participants_missing": shown["missed"].to_numpy(),
        "share_of_participants": shown["share"].to_numpy()})
    held_n = held.groupby("group")["held"].sum().reindex(groups, fill_value=0).astype("int64")
    planned = config.programme.meetings_planned
    all_held, held_n = held_n, held_n[~small_group]
    per_person = part.groupby("person_id")["attended"].sum().reindex(part_ids, fill_value=0)
    # the drop-out curve of the participants placed in groups, by the attendance stage's definition
    long = part.assign(role="participant")
    if "session_index" not in long:
        idx = {s: i for i, s in enumerate(order, 1)}
        long = long.assign(session_index=long["session"].astype(str).map(idx))
    long = long.dropna(subset=["session_index"]).astype({"session_index": "int64"})
    curve = attendance.dropout_curve(long[["person_id", "role", "session", "session_index", "attended"]],
                                     "meeting") if len(long) else pd.DataFrame()
    summary = {
        "groups": len(groups), "planned": planned, "groups_shown": len(held_n),
        "small_groups": int(small_group.sum()),
        "groups_below_plan": int((held_n < planned).sum()),
        "median_held": float(held_n.median()) if len(held_n) else math.nan,
        "min_held": int(held_n.min()) if len(held_n) else 0, "max_held": int(held_n.max()) if len(held_n) else 0,
        "participants": n_part,
        "mean_share_attended": (float((per_person / planned).mean()) if enough(n_part, limits) else math.nan),
        "median_meetings_attended": (float(per_person.median()) if enough(n_part, limits) else math.nan),
        "attendances": int(per_person.sum()),
        "per_meeting": per_meeting,
        "retained": (curve.set_index(curve["session"].astype(str))["still_taking_part"].reindex(order)
                     if len(curve) else pd.Series(dtype="float64")),
    }
    groups_tbl = pd.DataFrame({"group": groups,
                               "meetings_held": (all_held.to_numpy() if not small_group.any() else
                                                 [disclosure.HIDDEN if s else str(int(n))
                                                  for n, s in zip(all_held, small_group)]),
                               "meetings_planned": planned,
                               "below_plan": ((all_held < planned).to_numpy() if not small_group.any() else
                                              [None if s else bool(n < planned) for n, s in zip(all_held, small_group)])})
    return meetings_tbl, groups_tbl, summary


def linkage_table(linkage: pd.DataFrame, limits: Limits) -> pd.DataFrame:
    """People per role by linkage outcome (linked, or why not), protected as a partition."""
    rows = []
    for role, g in linkage.groupby("role", sort=True):
        counts = g["reason"].value_counts()
        order = sorted(counts.index, key=lambda r: (r != "linked", r))
        shown = shown_partition(counts.reindex(order).to_frame(role), limits)[role]
        if "Total" not in shown.index:  # one outcome only: its row is the total
            shown["Total"] = shown.iloc[0]
        rows += [{"role": role, "reason": reason, "people": shown.loc[reason]} for reason in [*order, "Total"]]
    return pd.DataFrame(rows, columns=["role", "reason", "people"])

