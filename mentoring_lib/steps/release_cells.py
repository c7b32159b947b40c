"""Release-model cells of reliable change, the funnel's later steps, trainings, attendance, groups, themes, breakdowns.

:func:`mentoring_lib.steps.release_tables.build` collects the registration, reach, Likert, meeting
and response cells itself and calls these for the rest (each docstring names the cells and the
equations it adds); :func:`apply_individual_change` is the reliable-change part of
:func:`mentoring_lib.steps.release_tables.apply`.
"""
from __future__ import annotations

import math
from typing import Any

import pandas as pd

from mentoring_lib.privacy import disclosure
from mentoring_lib.privacy.release import Release
from mentoring_lib.steps import release_text

HELD = ("accepted", "waitlisted", "withdrawn", "late")


def _pct(x: Any) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else round(float(x) * 100)


RCI_CATEGORIES = ("improved", "unchanged", "deteriorated")


def individual_change(rel: Release, tables: dict[str, pd.DataFrame]) -> None:
    """Reliable change (table "Reliable change per participant", sheet Reliable change): per outcome,
    pairs = improved + unchanged + deteriorated [``rci/<outcome>/<category>``], the pairs being the
    outcome's published pairs [``outcome/<outcome>/pairs``, also in the outcome tables and sentences]."""
    rci = tables.get("reliable_change")
    if rci is None or not len(rci) or "improved_n" not in rci:
        return
    for _, r in rci.iterrows():
        oid = str(r["outcome_id"])
        pairs = rel.count(f"outcome/{oid}/pairs", int(r["n"]), r["pairs"], ("reliable_change", oid, "pairs"),
                          known=True)
        parts = [rel.count(f"rci/{oid}/{c}", int(r[f"{c}_n"]), r[c], ("reliable_change", oid, c))
                 for c in RCI_CATEGORIES]
        rel.total(pairs, parts, f"reliable change {oid}: pairs = improved + unchanged + deteriorated")


def apply_individual_change(place: tuple, tables: dict[str, pd.DataFrame]) -> bool:
    """Hide one reliable-change cell the protected model hid; False for a place of another table."""
    if place[0] != "reliable_change" or "reliable_change" not in tables:
        return False
    df = tables["reliable_change"]
    rows = df["outcome_id"] == place[1]
    df[place[2]] = df[place[2]].astype(object).mask(rows, disclosure.HIDDEN)
    if "narrative" in tables and place[2] in RCI_CATEGORIES:  # the sentence quoting the counts
        nar = tables["narrative"]
        sentence = release_text.said(nar, "outcome.rci", lambda t: t.startswith("Individual change in "))
        tables["narrative"] = nar[~sentence | ~df.loc[rows, "role"].eq("primary").any()].reset_index(drop=True)
    return True


def _at_most(rel: Release, terms: dict[str, int], rhs: int, label: str) -> None:
    """An inequality across tables that holds by the definitions; left out (listed in
    ``skipped``) where the true values say the definitions differ on this term."""
    try:
        rel.at_most(terms, rhs, label)
    except ValueError:
        rel.skipped.append(label)


def funnel_steps(rel: Release, funnel: pd.DataFrame, reach_ids: dict[tuple[str, str], str]) -> None:
    """The funnel's steps after "accepted" [``funnel/<role>/<step>``]: each lies within the step
    before (trained within accepted, active within trained, completed within active), so the people
    between two steps are an unpublished cell ``funnel/<role>/<step>/before`` >= 0 that two published
    steps give away; each step's share of the accepted (whole percent) is a share of the accepted cell."""
    for role, f in funnel.groupby("role", sort=False):
        if ("accepted", role) not in reach_ids:
            continue
        accepted = prev = reach_ids[("accepted", role)]
        for _, r in f.iterrows():
            step = str(r["step"])
            if step in ("registered", "accepted"):
                continue
            place = ("funnel", f"{role}/{step}")
            cid = rel.count(f"funnel/{role}/{step}", int(r["n"]), r["count"], (*place, "count"))
            gap = rel.cells[prev].value - rel.cells[cid].value
            if gap >= 0:  # nested by definition (completed needs at least one meeting)
                between = rel.count(f"funnel/{role}/{step}/before", gap)
                rel.equation({prev: 1, cid: -1, between: -1}, 0, f"funnel {role}: {step} within the step before")
            rel.share(f"funnel/{role}/{step}%", cid, accepted, _pct(r["share_of_accepted"]), 0,
                      (*place, "share_of_accepted"))
            prev = cid


def training_cells(rel: Release, trainings: pd.DataFrame, accepted: str, min_trainings: int | None) -> None:
    """The mentor trainings table [``trainings/<session>/<attended|missed>``]: attended + missed =
    the accepted mentors, the share attending (whole percent), and the funnel's trained step
    linked by its definition (a trained mentor attended at least ``min_trainings`` sessions, an
    untrained one fewer): min * trained <= sum attended <= sessions * trained + (min - 1) * untrained."""
    attended = []
    for _, r in trainings.iterrows():
        sid = str(r["session"])
        n = int(r["attended_n"])
        att = rel.count(f"trainings/{sid}/attended", n, r["attended"], ("trainings", sid, "attended"))
        miss = rel.count(f"trainings/{sid}/missed", rel.cells[accepted].value - n, r["missed"],
                         ("trainings", sid, "missed"))
        rel.total(accepted, [att, miss], f"training {sid}: attended + missed = accepted mentors")
        rel.share(f"trainings/{sid}%", att, accepted, _pct(r["share"]), 0, ("trainings", sid, "share"))
        attended.append(att)
    trained = "funnel/mentor/trained"
    if min_trainings and trained in rel.cells and attended:
        m, sessions = int(min_trainings), len(attended)
        _at_most(rel, {trained: m, **{a: -1 for a in attended}}, 0, "trained mentors attended at least the minimum")
        _at_most(rel, {**{a: 1 for a in attended}, trained: -(sessions - (m - 1)), accepted: -(m - 1)}, 0,
                 "untrained mentors attended fewer than the minimum")


def mean_attendance(rel: Release, curve: pd.DataFrame, attending: list[str]) -> None:
    """"On average, participants attended 62% of the planned meetings" (a sentence and a key figure):
    the attendances (participant-meetings attended, = the sum of the meetings table's attending
    counts) as a whole-percent share of planned meetings x participants placed
    [``meetings/attendances``, ``meetings/possible``]."""
    if "attendances" not in curve or not bool(curve["mean_shown"].iloc[0]):
        return
    planned, base = int(curve["planned"].iloc[0]), "meetings/base"
    total = rel.count("meetings/attendances", int(curve["attendances"].iloc[0]))
    possible = rel.count("meetings/possible", planned * rel.cells[base].value, known=True)
    rel.equation({possible: 1, base: -planned}, 0, "possible attendances = planned meetings x placed")
    rel.equation({total: 1, **{c: -1 for c in attending}}, 0, "attendances = the sum of the meetings' attending counts", strict=False)
    mean = rel.cells[total].value / max(rel.cells[possible].value, 1)
    rel.share("meetings/mean_attended%", total, possible, round(mean * 100), 0, ("narrative", "implementation", "mean"))


def group_size_cells(rel: Release, sizes: pd.Series, quality: dict[str, dict] | None) -> None:
    """group_sizes.xlsx: participants per group with its Total [``groups/<group>``], the Total =
    the participants placed (``meetings/base`` where the true values agree); the groups step's
    data-quality row reads the accepted people and keeps the placed ones (mentors two per group)."""
    from mentoring_lib.steps.grouping import public_group_sizes_from

    shown = public_group_sizes_from(sizes, rel.k)
    ids = [rel.count(f"groups/{g}", int(n), shown.loc[g, "participants"],
                     ("group_sizes.xlsx", "group sizes", str(g), "participants")) for g, n in sizes.items()]
    n = int(sizes.sum())
    total = "meetings/base" if "meetings/base" in rel.cells and rel.cells["meetings/base"].value == n else "groups/Total"
    if disclosure.TOTAL in shown.index:  # one group: its row is the total, no Total row
        rel.count(total, n, shown.loc[disclosure.TOTAL, "participants"],
                  ("group_sizes.xlsx", "group sizes", disclosure.TOTAL, "participants"))
    else:
        rel.count(total, n)
    rel.total(total, ids, "group sizes: Total = the groups")
    if "quality/groups/kept" in rel.cells:
        kept = rel.cells["quality/groups/kept"].value
        # the mentors placed: two per group, so the number of groups (in the report) gives them; not
        # taken as published here, or a term whose few mentors all lead groups could publish no
        # "<5" about them at all (see the report's notes on what the audit leaves out)
        mentors = rel.count("groups/mentors placed", kept - n)
        rel.equation({"quality/groups/kept": 1, total: -1, mentors: -1}, 0, "groups step: kept = placed", strict=False)
        parts = [c for c in ("status/accepted/mentor", "status/accepted/participant") if c in rel.cells]
        if len(parts) == 2:
            rel.equation({"quality/groups/rows_read": 1, **{c: -1 for c in parts}}, 0,
                         "groups step: read = the accepted people", strict=False)


def theme_cells(rel: Release, themes: pd.DataFrame) -> None:
    """The themes table [``themes/<theme>``] and the number of open comments coded
    [``themes/comments``, quoted in the voices section]: a comment may touch several themes or
    none, so the themes are no partition; each is at most the number of comments."""
    total = rel.count("themes/comments", int(themes["comments_total"].iloc[0]),
                      _count_shown(int(themes["comments_total"].iloc[0]), rel.k), ("narrative", "voices", "comments"))
    for _, r in themes.iterrows():
        cid = rel.count(f"themes/{r['theme']}", int(r["n"]), r["comments"], ("themes", str(r["theme"]), "comments"))
        rel.at_most({cid: 1, total: -1}, 0, f"theme {r['theme']} <= comments")


def _count_shown(n: int, k: int) -> Any:
    return f"<{k}" if 0 < n < k else n


BREAKDOWNS = ("school", "doctoral_year")  # sheets of registration_summary.xlsx: applicants by category
BREAKDOWN_COLUMNS = ("applied", "accepted", "not accepted")


def breakdowns(rel: Release, people: pd.DataFrame) -> None:
    """The school and doctoral-year sheets: per role, the applicants by category, accepted or not.

    Each is a partition of the same role totals the status sheet and the reach table publish:
    applied = accepted + not accepted in every row; each column's Total row = the sum of its
    categories; and the Total row is applications (the held statuses), accepted, and not accepted
    = wait-listed + withdrew + late (the last an unpublished cell ``not_accepted/<role>`` shared by
    both sheets). Cells ``<sheet>/<category>/<role>/<applied|accepted|not accepted>``; the Total
    row uses the status sheet's ids where the true values agree."""
    from mentoring_lib.steps import registration_outputs as registration
    from mentoring_lib.steps.registration_rules import ROLES

    raw = registration.summary_counts(people)
    shown = registration.public_summary(people, rel.k)
    for field in BREAKDOWNS:
        counts, sheet = raw[field], shown[field]
        for role in ROLES:
            per_col: dict[str, list[str]] = {col: [] for col in BREAKDOWN_COLUMNS}
            totals = {}
            for cat in [*counts.index, disclosure.TOTAL]:
                part = counts if cat != disclosure.TOTAL else counts.sum().to_frame(cat).T
                acc, rest = int(part.loc[cat, f"{role}s accepted"]), int(part.loc[cat, f"{role}s not accepted"])
                ids = {}
                for col, n in zip(BREAKDOWN_COLUMNS, (acc + rest, acc, rest)):
                    cid = f"{field}/{cat}/{role}/{col}"
                    if cat == disclosure.TOTAL:  # the same quantity as in the status sheet, when it agrees
                        same = {"applied": f"applications/{role}", "accepted": f"status/accepted/{role}",
                                "not accepted": f"not_accepted/{role}"}[col]
                        cid = same if same not in rel.cells or rel.cells[same].value == n else cid
                        totals[col] = cid
                    ids[col] = rel.count(cid, n, sheet.loc[cat, f"{role}s {col}"],
                                         ("registration_summary.xlsx", field, str(cat), f"{role}s {col}"))
                    if cat != disclosure.TOTAL:
                        per_col[col].append(ids[col])
                rel.total(ids["applied"], [ids["accepted"], ids["not accepted"]], f"{field} {cat} {role}: applied")
            for col in ("accepted", "not accepted"):
                rel.total(totals[col], per_col[col], f"{field} {role} {col}: Total = sum of the categories")
            links = (({totals["applied"]: 1, **{f"status/{st}/{role}": -1 for st in HELD}}, "applications"),
                     ({totals["not accepted"]: 1, **{f"status/{st}/{role}": -1 for st in HELD[1:]}}, "not accepted"))
            for terms, label in links:
                if len(terms) > 1 and all(c in rel.cells for c in terms):
                    rel.equation(terms, 0, f"{field} {role}: {label} = the status sheet's", strict=False)
