"""The pilot's evaluation: reach, implementation, reaction, effectiveness, mentors' experience.

Organised the way programme evaluations are read (RE-AIM and Kirkpatrick's levels). Reads the
pseudonymised tables of the upstream stages and writes tidy, PUBLIC-SAFE result tables
(``evaluation/<name>``) and charts (``public/figures/``) for the report stage:

* every count of people goes through :mod:`disclosure` (under ``min_count`` shown as "<5");
* percentages, means, distributions and tests are given only with a base of at least ``min_base``;
* wording is generated from the numbers, never causal (there is no control group), and the
  limitations (n, response rates, missing answers) are stated from the data.

Privacy domain: analysis (pseudonyms in, aggregates out).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mentoring_lib.analysis import stats
from mentoring_lib.analysis.paired import POST, PRE, in_surveys_of, paired_scores, sessions_attended  # noqa: F401
from mentoring_lib.outputs.formatting import fmt_ci, fmt_num, fmt_p, fmt_pct, fmt_signed
from mentoring_lib.steps.outcomes import effectiveness_table  # noqa: F401  (part of the step's API)
from mentoring_lib.privacy.limits import (  # noqa: F401  (the step's disclosure helpers)
    Limits, enough, share, shown_count, shown_counts, shown_partition)

ROLES = ("mentor", "participant")
#: Report sections, in reading order (the ids used by the narrative/figures tables).
SECTIONS = ("programme", "reach", "implementation", "reaction", "effectiveness", "mentors", "voices",
            "limitations", "methods", "data_quality", "provenance")


# --------------------------------------------------------------------------------------
# Result container
# --------------------------------------------------------------------------------------
@dataclass
class Evaluation:
    """Everything the evaluation produces: tables (public-safe), figures, text."""

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    figures: list[dict] = field(default_factory=list)
    narrative: list[dict] = field(default_factory=list)
    methods: list[dict] = field(default_factory=list)
    key_figures: list[dict] = field(default_factory=list)

    def say(self, section: str, text: str, kind: str = "paragraph") -> None:
        self.narrative.append({"section": section, "kind": kind, "text": text})

    def method(self, topic: str, text: str) -> None:
        if not any(m["topic"] == topic and m["text"] == text for m in self.methods):
            self.methods.append({"topic": topic, "text": text})

    def key(self, key: str, label: str, value: str, note: str = "") -> None:
        self.key_figures.append({"key": key, "label": label, "value": value, "note": note})

    def figure(self, section: str, fig_id: str, file: str, caption: str, alt: str) -> None:
        self.figures.append({"section": section, "id": fig_id, "file": file, "caption": caption, "alt": alt})

    def all_tables(self) -> dict[str, pd.DataFrame]:
        """The result tables plus the text tables, as written to ``evaluation/<name>``."""
        out = dict(self.tables)
        out["narrative"] = pd.DataFrame(self.narrative, columns=["section", "kind", "text"])
        out["methods"] = pd.DataFrame(self.methods, columns=["topic", "text"])
        out["key_figures"] = pd.DataFrame(self.key_figures, columns=["key", "label", "value", "note"])
        out["figures"] = pd.DataFrame(self.figures, columns=["section", "id", "file", "caption", "alt"])
        return {k: v.reset_index(drop=True) for k, v in out.items()}


# --------------------------------------------------------------------------------------
# Reach
# --------------------------------------------------------------------------------------
def registrants(people: pd.DataFrame) -> pd.DataFrame:
    """One row per person who registered (test submissions and incomplete rows excluded, duplicate
    submissions collapsed): person_id, role, status."""
    p = people[~people["status"].isin(["excluded", "duplicate"]) & people["person_id"].notna()]
    return p.drop_duplicates(["person_id", "role"])[["person_id", "role", "status"]]


REACH_STATUSES = ("accepted", "waitlisted", "withdrawn", "late")


def reach_counts(people: pd.DataFrame) -> pd.DataFrame:
    """Applications by outcome (rows) and role (columns); every registrant in exactly one row."""
    reg = registrants(people)
    counts = (pd.crosstab(reg["status"], reg["role"])
              .reindex(index=list(REACH_STATUSES), columns=list(ROLES), fill_value=0).astype("int64"))
    counts.index.name = None
    counts.columns.name = None
    return counts


def protected_reach(counts: pd.DataFrame, limits: Limits) -> pd.DataFrame:
    """Each role's outcomes with their total ("Total" = applications), protected as a partition:
    small counts "<5" and, where needed, a complementary "x" so none can be worked out. Roles are
    protected separately (mentors and participants are different people)."""
    return pd.concat({role: shown_partition(counts[[role]], limits)[role] for role in counts.columns}, axis=1)


def reach_table(people: pd.DataFrame, config, limits: Limits) -> pd.DataFrame:
    """Places vs applications per role, and the outcome of every application."""
    counts = reach_counts(people)
    shown = protected_reach(counts, limits)
    places = {"mentor": config.registration.mentor_places, "participant": config.registration.participant_places}
    applications = counts.sum()
    rows = [{"measure": "places", "mentors": str(places["mentor"]), "participants": str(places["participant"])}]
    labels = {"Total": "applications", "accepted": "accepted", "waitlisted": "wait-listed",
              "withdrawn": "withdrew", "late": "late (after the deadline)"}
    for key in ["Total", *REACH_STATUSES]:
        rows.append({"measure": labels[key], "mentors": shown.loc[key, "mentor"],
                     "participants": shown.loc[key, "participant"]})

    def per_place(role: str) -> str:
        n = int(applications[role])
        return fmt_num(n / places[role], 1) if n >= limits.min_count and shown.loc["Total", role].isdigit() else "–"

    rows.append({"measure": "applications per place", "mentors": per_place("mentor"),
                 "participants": per_place("participant")})
    return pd.DataFrame(rows)


def funnel_counts(people: pd.DataFrame, trainings: pd.DataFrame, meetings: pd.DataFrame,
                  config, placed: pd.Index | None = None, missing: frozenset[str] = frozenset()) -> pd.DataFrame:
    """Raw funnel counts: role x step (registered, accepted, trained, active, completed).

    ``placed``: the people in a group; when given, only their group meetings count (ticks for
    someone in no group are listed under "Needs your attention", not counted as activity).
    ``missing``: input kinds not read (:mod:`mentoring_lib.steps.availability`): without training
    attendance there is no "trained" step (and "active" does not ask for training), without
    group-meeting attendance no "active" or "completed" step -- never a step of zeros."""
    reg = registrants(people)
    acc = reg[reg["status"] == "accepted"]
    tr = sessions_attended(trainings)
    if placed is not None and len(meetings):
        meetings = meetings[meetings["person_id"].astype(str).isin(placed)]
    mt = sessions_attended(meetings)
    min_tr = config.certificates.min_trainings
    min_mt_mentor = config.certificates.min_meetings
    min_mt_part = math.ceil(config.programme.meetings_planned / 2)
    rows = []
    for role in ROLES:
        r_reg = reg[reg["role"] == role]["person_id"]
        r_acc = acc[acc["role"] == role]["person_id"]
        t = tr.reindex(r_acc, fill_value=0)
        m = mt.reindex(r_acc, fill_value=0)
        known_training = role == "mentor" and "training_attendance" not in missing
        trained = (t >= min_tr) if known_training else pd.Series(True, index=r_acc)
        known_meetings = "group_attendance" not in missing
        steps = {
            "registered": len(r_reg), "accepted": len(r_acc),
            "trained": int(trained.sum()) if known_training else None,
            "active": int((trained & (m >= 1)).sum()) if known_meetings else None,
            "completed": int((trained & (m >= (min_mt_mentor if role == "mentor" else min_mt_part))).sum())
            if known_meetings else None,
        }
        for order, (step, n) in enumerate(steps.items()):
            if n is not None:
                rows.append({"role": role, "step": step, "order": order, "n": n})
    return pd.DataFrame(rows)


FUNNEL_DEFINITIONS = {
    "registered": "registered: applied by any route (test submissions and duplicates removed)",
    "accepted": "accepted: offered a place (after withdrawals and wait-list promotions)",
    "trained": "trained (mentors): attended at least {min_tr} of the {n_tr} mentor trainings",
    "active": "active: attended at least one group meeting (mentors: after training)",
    "completed": ("completed: mentors co-led at least {min_mt} meetings; participants attended at least "
                  "{min_part} of the {planned} planned meetings"),
}


def funnel_steps_shown(reach: pd.Series, reach_shown: pd.Series, steps: pd.Series, limits: Limits) -> pd.Series:
    """Which funnel steps after "accepted" can be published, as text ("14", "<5" or "x").

    The steps are nested (completed within active within trained within accepted), so the people
    between two consecutive steps form the cells of a partition of the registrants, together with
    the reach table's other outcomes (wait-listed, withdrew, late). Two published steps give their
    difference away (14 trained, 13 active: 1 person), so the whole system -- the reach cells as
    that table shows them, the registrants total, and the steps -- is checked with
    :func:`disclosure.exposed_cells`: steps are hidden ("x"), fewest first and the earliest steps
    first (so "completed" stays when it can), until no count from 1 to ``min_count - 1`` can be
    worked out.

    ``reach``: true counts of the reach outcomes (accepted, waitlisted, withdrawn, late) for one
    role; ``reach_shown``: the same protected ("12", "<5", "x"), plus "Total"; ``steps``: true
    counts of the steps after accepted, in funnel order (e.g. trained, active, completed).
    """
    import itertools

    from mentoring_lib.privacy import disclosure

    k = limits.min_count
    outcomes = [o for o in REACH_STATUSES if o != "accepted"]
    names = list(steps.index)
    n_steps = len(names)
    values = [int(reach["accepted"]), *(int(steps[s]) for s in names)]
    # variables: other outcomes | differences d_0..d_{n-1} (accepted - step0, step_i - step_i+1) |
    # the last step | total | accepted | steps
    diffs = [values[i] - values[i + 1] for i in range(n_steps)]
    cells = [int(reach[o]) for o in outcomes] + diffs + [values[-1]]
    n_out, n_cells = len(outcomes), len(outcomes) + n_steps + 1
    aggregates = [sum(cells), values[0], *values[1:-1]]
    flat = np.array(cells + aggregates, dtype=float)
    n_var = flat.size
    total_i, acc_i = n_cells, n_cells + 1
    step_i = {s: n_cells + 2 + i for i, s in enumerate(names[:-1])}
    step_i[names[-1]] = n_cells - 1  # the last step is itself a cell
    eqs = []
    eq = np.zeros(n_var)
    eq[:n_cells] = 1
    eq[total_i] = -1
    eqs.append(eq)
    for var, first_diff in [(acc_i, 0), *((step_i[s], i + 1) for i, s in enumerate(names[:-1]))]:
        eq = np.zeros(n_var)
        eq[n_out + first_diff:n_cells] = 1
        eq[var] = -1
        eqs.append(eq)
    A = np.array(eqs)

    def marker(v: str) -> tuple[bool, bool]:  # (hidden, bounded)
        return (not str(v).isdigit(), str(v) == disclosure.small_label(k))

    hidden = np.zeros(n_var, dtype=bool)
    bounded = np.zeros(n_var, dtype=bool)
    for i, o in enumerate(outcomes):
        hidden[i], bounded[i] = marker(reach_shown[o])
    hidden[total_i], bounded[total_i] = marker(reach_shown["Total"])
    hidden[acc_i], bounded[acc_i] = marker(reach_shown["accepted"])
    hidden[n_out:n_out + n_steps] = True  # differences are never printed
    small = (flat >= 1) & (flat < k)
    for s in names:  # a small step is "<k" itself
        if small[step_i[s]]:
            hidden[step_i[s]] = bounded[step_i[s]] = True
    free = [s for s in names if not hidden[step_i[s]]]
    sensitive = np.flatnonzero(small)
    chosen: tuple[str, ...] = tuple(free)
    def gaps_ok(published: list[str]) -> bool:
        """Consecutive published steps (accepted first, when shown) differ by 0 or at least k."""
        chain = ([values[0]] if not hidden[acc_i] else []) + [int(steps[s]) for s in published]
        return all(not (1 <= a - b < k) for a, b in zip(chain, chain[1:]))

    for size in range(len(free) + 1):
        found = None
        for combo in itertools.combinations(free, size):
            h = hidden.copy()
            h[[step_i[s] for s in combo]] = True
            if not gaps_ok([s for s in free if s not in combo]):
                continue
            if not set(disclosure.exposed_cells(A, flat, h, bounded, k)) & set(sensitive.tolist()):
                found = combo
                break
        if found is not None:
            chosen = found
            break
    out = {}
    for s in names:
        v = int(steps[s])
        out[s] = (disclosure.small_label(k) if small[step_i[s]] else disclosure.HIDDEN if s in chosen
                  else str(v))
    return pd.Series(out, dtype="str")


def funnel_table(counts: pd.DataFrame, limits: Limits, reach_shown: pd.DataFrame | None = None,
                 reach: pd.DataFrame | None = None) -> pd.DataFrame:
    """Funnel with protected counts and the share of the accepted (base >= min_base).

    ``reach_shown`` (the protected reach partition) supplies the registered and accepted cells,
    so the funnel never shows a number the reach table had to hide; with ``reach`` (the true
    reach counts) the later steps are protected together with it (:func:`funnel_steps_shown`),
    so that no small difference between published steps can be worked out."""
    c = counts.copy()
    c["count"] = shown_counts(c["n"], limits).to_numpy()
    if reach_shown is not None:
        for role in ROLES:
            for step, key in (("registered", "Total"), ("accepted", "accepted")):
                c.loc[(c["role"] == role) & (c["step"] == step), "count"] = reach_shown.loc[key, role]
            if reach is not None:
                later = (c["role"] == role) & ~c["step"].isin(["registered", "accepted"])
                if later.any():
                    steps = c.loc[later].set_index("step")["n"]
                    shown = funnel_steps_shown(reach[role], reach_shown[role], steps, limits)
                    c.loc[later, "count"] = shown.reindex(c.loc[later, "step"]).to_numpy()
    accepted = c[c["step"] == "accepted"].set_index("role")
    c["share_of_accepted"] = [
        share(n, accepted.loc[r, "n"], limits)
        if s not in ("registered", "accepted") and str(accepted.loc[r, "count"]).isdigit() and str(cnt).isdigit()
        else math.nan
        for r, s, n, cnt in zip(c["role"], c["step"], c["n"], c["count"])]
    # n: the true count, for the release audit (private; summary.xlsx keeps the columns above)
    return c[["role", "step", "order", "count", "share_of_accepted", "n"]]


def funnel_x_note(min_count: int) -> str:
    """Why a funnel step is shown as x (the reach section says it once)."""
    return ("A step shown as x is hidden because the number of people between it and the "
            f"step before or after would be under {min_count} and could be worked out. "
            "The steps are defined under Methods.")


def funnel_bullet(funnel: pd.DataFrame, role: str) -> str:
    """The report's sentence walking one role's funnel ("Mentors: registered 36 → accepted 16 → ...")."""
    f = funnel[funnel["role"] == role]
    return f"{role.capitalize()}s: " + " → ".join(f"{s} {c}" for s, c in zip(f["step"], f["count"])) + "."


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
        shown = str(part["attended"])
        rows.append((shown, str(part["missed"]), share(n, base, limits) if shown.isdigit() else math.nan))
    return pd.DataFrame(rows, columns=["attended", "missed", "share"], index=att.index)


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
MEETING_HELD_METHOD = (
    "A group meeting counts as held when at least one of the group's participants was marked present "
    "(mentors alone do not make a meeting). For a group none of whose participants is on the meeting sheet "
    "(a sheet that lists only the mentors), a meeting counts as held when at least one of its mentors was "
    "marked present. The same definition is used for every attendance figure. Shares of participants are of "
    "those placed in groups.")


def no_groups_text(accepted_mentors: pd.Index) -> str:
    """What the report says when the term formed no group (no numbers under the thresholds: zeros only)."""
    why = ("no mentor was accepted" if not len(accepted_mentors) else
           "no two accepted mentors could be paired (the groups stage lists each mentor's reason in the "
           "coordinator's private groups.xlsx)")
    return f"No groups were formed this term, so no group meetings were held: {why}."


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
    per_meeting = (held.groupby("session")["participants_present"].sum().reindex(order, fill_value=0)
                   .astype("int64"))
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
    part_ids = placed["person_id"].unique()
    part = meetings[meetings["person_id"].isin(part_ids)]
    part = part.assign(attended=part["attended"].fillna(False).astype(bool))
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


# --------------------------------------------------------------------------------------
# Likert items (reaction, mentors)
# --------------------------------------------------------------------------------------
def _statement(wording: str) -> str:
    """An item's wording as the lead of a sentence: 'The group felt safe.' -> '"The group felt safe":'."""
    return f"“{wording.rstrip('.').strip()}”:"


LIKERT_GROUPS = ("low", "neutral", "high")


def likert_group_shares(counts: dict[str, int], n: int, limits: Limits) -> dict[str, dict[str, Any]]:
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
                      "phrase": f"fewer than {limits.min_count} people"}
        else:
            phrase = None
            if len(hidden) == 1:  # the bound the published cells give: n - shown - (k-1) per "<k"
                lower = int(n) - sum(int(counts[d]) for d in digits) - (limits.min_count - 1) * n_small
                if 2 * lower >= int(n):  # only a bound that says something: at least half
                    phrase = f"at least {math.floor(100 * lower / int(n))}%"
            out[g] = {"share": math.nan, "text": cell, "phrase": phrase}
    return out


def likert_summary(responses: pd.DataFrame, items: list, codebook, limits: Limits
                   ) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Per item: n answered (suppressed), % below / at / above the neutral midpoint protected as a
    partition (:func:`likert_group_shares`) and the median label (only with n >= min_base), and
    the level distributions for the chart.

    The number of missing answers is not published: the answered counts of the items already
    differ by it, so a "<5" there would protect nothing."""
    rows, dists = [], {}
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
        shares = likert_group_shares(groups, d.n, limits)
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
                    "high_labels": " or ".join(high_labels[::-1]).lower(),
                    "low_labels": " or ".join(low_labels[::-1]).lower(), "n": d.n})
        rows.append(row)
        if ok:
            dists[it.id] = (it, d, rs)
    return pd.DataFrame(rows), dists


def likert_bullet(r: pd.Series) -> str:
    """One sentence per item from its published shares (agree side first, then disagree side)."""
    parts = [f"{r[f'{g}_phrase']} {r[f'{g}_labels']}" for g in ("high", "low") if r[f"{g}_phrase"]]
    return f"{_statement(r['wording'])} {', '.join(parts)} (n = {r['answered']})."


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


# --------------------------------------------------------------------------------------
# Open text
# --------------------------------------------------------------------------------------
def load_themes(path: Path | None = None) -> list[dict]:
    """The keyword codebook of themes (the term's ``themes_file``, else resources/report/themes.yml)."""
    from mentoring_lib.io.lookups import load_themes as read_themes

    return read_themes(path)


def theme_matches(texts: pd.Series, themes: list[dict]) -> pd.DataFrame:
    """Boolean frame: comment x theme (keyword at the start of a word, case-insensitive)."""
    t = texts.fillna("").astype(str).str.casefold()
    out = {}
    for th in themes:
        pattern = r"(?<!\w)(?:" + "|".join(re.escape(k.casefold()) for k in th["keywords"]) + ")"
        out[th["id"]] = t.str.contains(pattern, regex=True)
    return pd.DataFrame(out, index=texts.index)


def theme_table(comments: pd.DataFrame, themes: list[dict], limits: Limits) -> pd.DataFrame:
    """Comments mentioning each theme (suppressed counts), most frequent first."""
    texts = comments["text"] if "text" in comments else pd.Series(dtype="str")
    hits = theme_matches(texts, themes) if len(texts) else pd.DataFrame(columns=[t["id"] for t in themes])
    n = hits.sum().reindex([t["id"] for t in themes], fill_value=0).astype("int64")
    tbl = pd.DataFrame({"theme": [t["id"] for t in themes], "label": [t["label"] for t in themes],
                        "n": n.to_numpy()})
    tbl["comments"] = shown_counts(tbl["n"], limits).to_numpy()
    tbl = tbl.sort_values(["n", "theme"], ascending=[False, True], kind="stable")
    return tbl[["theme", "label", "comments", "n"]]


# --------------------------------------------------------------------------------------
# Wording
# --------------------------------------------------------------------------------------
def _num(x: float) -> str:
    """A median of counts: "4" or "4.5"."""
    return fmt_num(x, 0) if float(x).is_integer() else fmt_num(x, 1)


# --------------------------------------------------------------------------------------
# The whole evaluation
# --------------------------------------------------------------------------------------
def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})


def _meetings_not_available(ev: Evaluation, members: pd.DataFrame) -> None:
    """The implementation section without a group-meeting sheet: groups formed, no meeting figures."""
    from mentoring_lib.steps.availability import notice

    n_groups = int(members["group"].nunique()) if len(members) else 0
    ev.say("implementation", notice("group_attendance", "no meetings held or attended are reported"))
    ev.key("groups", "groups formed", str(n_groups), "meeting attendance not yet available")


def _meeting_results(ev: Evaluation, meetings: pd.DataFrame, members: pd.DataFrame, config, limits: Limits,
                     inputs: dict, figures_dir: Path | None, acc_mentors: pd.Index) -> None:
    """The implementation section's group meetings: tables, text, key figures and the chart."""
    mt, gt, summ = meeting_tables(meetings, members, config, limits, held=inputs.get("meetings_held"))
    ev.tables["meetings"] = mt
    ev.tables["groups"] = gt
    ev.method("Attendance", MEETING_HELD_METHOD)
    from mentoring_lib.steps.fidelity import add_fidelity

    add_fidelity(ev, config, members)
    if summ["small_groups"]:
        ev.say("implementation", (f"{summ['small_groups']} group(s) had fewer than {limits.min_count} participants: "
                                  "their meetings are not shown, and neither is the number of groups that met "
                                  "each meeting (it would show when those few people came)."))
    if not summ["groups"]:
        ev.say("implementation", no_groups_text(acc_mentors))
    elif summ["groups_shown"]:
        if summ["groups_below_plan"] == 0:
            ev.say("implementation", f"All {summ['groups_shown']} groups held all {summ['planned']} planned meetings"
                   + (" (groups of at least {} participants).".format(limits.min_count) if summ["small_groups"] else "."))
        else:
            held = (f"between {summ['min_held']} and {summ['max_held']}" if summ["min_held"] != summ["max_held"]
                    else f"{summ['min_held']}")
            ev.say("implementation", (f"The {summ['groups_shown']} groups met {held} times (median "
                                      f"{_num(summ['median_held'])}) of the {summ['planned']} planned; "
                                      f"{summ['groups_below_plan']} of them met fewer times than planned."))
    if not math.isnan(summ["mean_share_attended"]):
        ev.say("implementation", (f"On average, participants attended {fmt_pct(summ['mean_share_attended'])} of "
                                  f"the planned meetings (median {_num(summ['median_meetings_attended'])} "
                                  f"meetings)."))
        ev.key("attendance", "of planned meetings attended", fmt_pct(summ["mean_share_attended"]),
               "participants, on average")
    ev.key("groups", "groups met", f"{summ['groups']}", f"median {_num(summ['median_held'])} of "
                                                          f"{summ['planned']} meetings"
           if summ["groups"] else "no groups were formed")
    if figures_dir is not None and len(mt):
        _attendance_chart(ev, mt, figures_dir, summ, limits)
    if len(mt):  # true counts behind table 5 and the chart, for the release audit (private)
        retained = summ["retained"].reindex(mt["meeting"]).fillna(0).astype(int) if len(summ["retained"]) \
            else pd.Series(0, index=mt["meeting"])
        ev.tables["attendance_curve"] = pd.DataFrame({
            "meeting": mt["meeting"].to_numpy(), "base": summ["participants"],
            "attending_n": summ["per_meeting"].reindex(mt["meeting"]).fillna(0).astype(int).to_numpy(),
            "still_n": retained.to_numpy(),
            "still_shown": summ.get("retained_shown", [False] * len(mt)),
            "attendances": summ["attendances"], "planned": summ["planned"],
            "mean_shown": not math.isnan(summ["mean_share_attended"])})


def evaluate(inputs: dict[str, pd.DataFrame], config, codebook, limits: Limits, *,
             figures_dir: Path | None = None, approved: pd.Series | None = None,
             themes: list[dict] | None = None, missing: frozenset[str] = frozenset()) -> Evaluation:
    """Compute every section from the upstream tables (pure apart from writing chart files).

    ``inputs`` keys: people, members, trainings, meetings, scores, responses, comments (optional).
    ``approved``: comment texts approved for publication (already filtered by scrub.approved_quotes).
    ``missing``: input kinds of which no export was read (:func:`availability.missing_kinds`): the
    sections resting on them say so and show no number, table or chart for them (missing is not zero).
    """
    from mentoring_lib.steps.availability import TRACKED, notice

    ev = Evaluation()
    people, members = inputs["people"], inputs["members"]
    trainings = inputs.get("trainings", _empty(["person_id", "session", "attended"]))
    meetings = inputs.get("meetings", _empty(["person_id", "session", "attended"]))
    scores = inputs.get("scores", _empty(["person_id", "wave", "instrument", "scale", "score"]))
    responses = inputs.get("responses", _empty(["person_id", "wave", "item", "value"]))
    comments = inputs.get("comments", _empty(["text"]))
    themes = themes if themes is not None else load_themes(getattr(config, "themes_path", None))
    prog = config.programme

    # -- programme ----------------------------------------------------------------------
    n_groups = int(members["group"].nunique()) if len(members) else config.groups.count
    dates = ", ".join(d.strftime("%-d %B %Y") for d in prog.training_dates)
    ev.say("programme", (f"{config.report.organisation} ran the compassion mentoring pilot for doctoral "
                         f"students in {config.term.title}, from {config.term.start:%-d %B %Y} to "
                         f"{config.term.end:%-d %B %Y}. Trained doctoral-student mentors co-led peer groups in "
                         f"pairs: {n_groups} groups, with {prog.meetings_planned} meetings planned per group "
                         f"({prog.meeting_period}). The programme's language was {prog.language}; the table "
                         "below gives the language each group met in."))
    ev.say("programme", f"Mentors took part in {prog.trainings} trainings" + (f" ({dates})." if dates else "."))

    # -- reach --------------------------------------------------------------------------
    ev.tables["reach"] = reach_table(people, config, limits)
    from mentoring_lib.steps.attention import placed_people

    fc = funnel_counts(people, trainings, meetings, config, placed_people(members) if len(members) else None,
                       missing)
    rc = reach_counts(people)
    ev.tables["funnel"] = funnel_table(fc, limits, protected_reach(rc, limits), rc)
    defs = {k: v.format(min_tr=config.certificates.min_trainings, n_tr=prog.trainings,
                        min_mt=config.certificates.min_meetings, min_part=math.ceil(prog.meetings_planned / 2),
                        planned=prog.meetings_planned) for k, v in FUNNEL_DEFINITIONS.items()}
    ev.method("Funnel", "Funnel steps: " + "; ".join(defs.values()) + ".")
    reach = ev.tables["reach"].set_index("measure")
    ev.say("reach", (f"The call offered {reach.loc['places', 'participants']} participant places and "
                     f"{reach.loc['places', 'mentors']} mentor places. It received "
                     f"{reach.loc['applications', 'participants']} participant and "
                     f"{reach.loc['applications', 'mentors']} mentor applications "
                     f"({reach.loc['applications per place', 'participants']} participant applications per "
                     f"place)."))
    fn = ev.tables["funnel"]
    for role in ROLES:
        ev.say("reach", funnel_bullet(fn, role), kind="bullet")
    if (fn["count"] == "x").any():
        ev.say("reach", funnel_x_note(limits.min_count))
    ev.key("applications", "participant applications", str(reach.loc["applications", "participants"]),
           f"for {reach.loc['places', 'participants']} places")
    fpart = fn[(fn["role"] == "participant")].set_index("step")
    ev.key("participants", "participants accepted", str(fpart.loc["accepted", "count"]), "")
    ev.key("mentors", "mentors accepted", str(fn[(fn["role"] == "mentor") & (fn["step"] == "accepted")]["count"].iloc[0])
           if (fn["role"] == "mentor").any() else "–", f"co-leading {n_groups} group{'' if n_groups == 1 else 's'} in pairs")
    if figures_dir is not None:
        _funnel_chart(ev, fc, figures_dir)

    # -- implementation -----------------------------------------------------------------
    reg = registrants(people)
    acc_mentors = pd.Index(reg.loc[(reg["role"] == "mentor") & (reg["status"] == "accepted"), "person_id"])
    accepted_shown = {role: str(fn[(fn["role"] == role) & (fn["step"] == "accepted")]["count"].iloc[0]).isdigit()
                      if ((fn["role"] == role) & (fn["step"] == "accepted")).any() else False for role in ROLES}
    if "training_attendance" in missing:
        ev.say("implementation", notice("training_attendance", "no training attendance is reported"))
        tt = pd.DataFrame()
    else:
        ev.tables["trainings"] = training_table(trainings, acc_mentors, limits, base_shown=accepted_shown["mentor"])
        tt = ev.tables["trainings"]
    if len(tt) and accepted_shown["mentor"]:
        n_acc = len(acc_mentors)
        if (tt["missed"] == "0").all():
            ev.say("implementation", f"All {n_acc} accepted mentors attended every training.")
        elif tt["missed"].isin(["0", limits.small]).all():
            ev.say("implementation", (f"Each of the {len(tt)} trainings was missed by fewer than {limits.min_count} "
                                      f"of the {n_acc} accepted mentors (exact numbers are not shown, as they "
                                      "would single those mentors out)."))
    if "group_attendance" in missing:
        _meetings_not_available(ev, members)
    else:
        _meeting_results(ev, meetings, members, config, limits, inputs, figures_dir, acc_mentors)

    # -- survey response -----------------------------------------------------------------
    acc_part = set(reg.loc[(reg["role"] == "participant") & (reg["status"] == "accepted"), "person_id"])
    answered = scores[scores["person_id"].isin(acc_part)].dropna(subset=["score"]) if len(scores) else scores
    pre_ids = set(answered.loc[answered["wave"] == PRE, "person_id"]) if len(answered) else set()
    post_ids = set(answered.loc[answered["wave"] == POST, "person_id"]) if len(answered) else set()
    linked = pre_ids & post_ids
    resp = pd.DataFrame({"survey": ["before (pre)", "after (post)", "both (linked pairs)"],
                         "n": [len(pre_ids), len(post_ids), len(linked)]})
    resp["respondents"] = shown_counts(resp["n"], limits).to_numpy()
    resp["response_rate"] = [share(n, len(acc_part), limits) if accepted_shown["participant"] else math.nan
                             for n in resp["n"]]
    from mentoring_lib.steps.outcome_analysis import wilson_columns

    resp["rate_ci_low"], resp["rate_ci_high"] = wilson_columns(resp["n"], pd.Series(len(acc_part), index=resp.index),
                                                               resp["response_rate"])
    no_pre, no_post = "feedback_before" in missing, "feedback_after" in missing
    # A survey not yet read has no respondents to count: its rows are left out, not shown as 0.
    read = [not no_pre, not no_post, not (no_pre or no_post)]
    if any(read):
        ev.tables["response"] = resp.loc[read, ["survey", "respondents", "response_rate", "rate_ci_low",
                                                "rate_ci_high", "n"]]
    for kind in ("feedback_before", "feedback_after"):
        if kind in missing:
            ev.say("effectiveness", notice(kind, "its response and the change from before to after are not "
                                                 "reported"))
    rr_post = resp.loc[1, "response_rate"] if not no_post else math.nan
    link = inputs.get("linkage")
    if link is not None and len(link) and not (no_pre or no_post):
        ev.tables["linkage"] = linkage_table(link, limits)
        lp = ev.tables["linkage"]
        lp = lp[lp["role"] == "participant"]
        if len(lp):
            ev.say("effectiveness", ("Each participant's before and after answers were linked through their "
                                     "pseudonym (the same e-mail address gives the same pseudonym in every "
                                     "export); the linkage table shows who could be linked and why the others "
                                     "could not."))

    # -- reaction -----------------------------------------------------------------------
    reaction_items = [it for it in codebook.items if it.group == "reaction" and it.kind == "likert"]
    if reaction_items and no_post:
        ev.say("reaction", notice("feedback_after", "the participants' reactions are not reported"))
        reaction_items = []
    post_resp = responses[responses["wave"] == POST] if len(responses) else responses
    if reaction_items:
        tbl, dists = likert_summary(post_resp, reaction_items, codebook, limits)
        ev.tables["reaction"] = tbl
        for _, r in tbl.iterrows():
            if enough(r["n"], limits) and (r["high_phrase"] or r["low_phrase"]):
                ev.say("reaction", likert_bullet(r), kind="bullet")
        rec = tbl[tbl["item"].str.contains("recommend")]
        if len(rec) and rec["high_phrase"].iloc[0]:
            ci = ("" if math.isnan(rec["high_ci_low"].iloc[0]) else
                  f", 95% CI {fmt_pct(rec['high_ci_low'].iloc[0])}–{fmt_pct(rec['high_ci_high'].iloc[0])}")
            ev.key("recommend", "would recommend the groups", rec["high_phrase"].iloc[0],
                   f"participants, n = {rec['answered'].iloc[0]}{ci}")
        if figures_dir is not None and dists:
            _likert_chart(ev, "reaction", "reaction-likert", dists, "Participants' reactions to the groups",
                          figures_dir, limits)
        ev.method("Likert items", likert_method_text(limits))

    # -- outcomes (before-after change) -------------------------------------------------
    from mentoring_lib.analysis import intervals
    from mentoring_lib.steps.outcome_analysis import evaluate_outcomes

    # Reliability over the accepted participants only: the sample the outcomes are measured on.
    acc_responses = responses[responses["person_id"].isin(acc_part)] if len(responses) else responses
    rel, rel_methods = reliability_table(acc_responses, codebook, limits)
    ev.tables["reliability"] = rel
    if no_pre or no_post:  # a survey not yet read: no change to report (said above)
        eff = pd.DataFrame(columns=["role", "family", "tested"])
    else:
        eff = evaluate_outcomes(ev, scores=scores, meetings=meetings, accepted=acc_part,
                                linked=linked, before_only=pre_ids - post_ids, codebook=codebook, config=config,
                                limits=limits)
    main = eff[eff["tested"].astype(bool)] if len(eff) else eff
    if not (no_pre or no_post):
        ev.key("linked", "participants answered both surveys", str(resp.loc[2, "respondents"]),
               "before and after: the pairs the change is measured on"
               + (f" ({fmt_pct(resp.loc[2, 'response_rate'])} of those accepted, 95% CI "
                  f"{fmt_pct(resp.loc[2, 'rate_ci_low'])}–{fmt_pct(resp.loc[2, 'rate_ci_high'])})"
                  if not math.isnan(resp.loc[2, "rate_ci_low"]) else ""))
    ev.method("Intervals", intervals.WILSON_METHOD.format(pct="95%"))
    if figures_dir is not None and len(main):
        _change_chart(ev, main, figures_dir)
        _slope_chart(ev, scores, main, figures_dir, limits)
    for m in dict.fromkeys(rel_methods):
        ev.method("Reliability", m)
    ev.method("Reliability", ("Cronbach's alpha is computed over the accepted participants who answered each "
                              "survey (respondents who were not accepted participants are left out)."))
    if len(rel) and rel["small_n"].any():
        ev.say("effectiveness", (f"Reliability (Cronbach's alpha) is estimated from fewer than {stats.ALPHA_MIN_N} "
                                 "complete answers for some scales and time points; those estimates are imprecise "
                                 "and flagged in the table."))

    # -- mentors ------------------------------------------------------------------------
    mentor_items = [it for it in codebook.items if it.group == "mentor" and it.kind == "likert"]
    if mentor_items and "mentor_feedback" in missing:
        ev.say("mentors", notice("mentor_feedback", "the mentors' experience is not reported"))
    elif mentor_items and len(responses):
        mresp = responses[responses["person_id"].isin(acc_mentors)] if len(acc_mentors) else responses
        tbl, dists = likert_summary(mresp, mentor_items, codebook, limits)
        ev.tables["mentors"] = tbl
        ev.method("Likert items", likert_method_text(limits))
        for _, r in tbl.iterrows():
            if enough(r["n"], limits):
                if r["high_phrase"] or r["low_phrase"]:
                    ev.say("mentors", likert_bullet(r), kind="bullet")
            else:
                ev.say("mentors", f"{_statement(r['wording'])} answered by {r['answered']} mentors, too few to "
                                  f"report shares (at least {limits.min_base} are needed).", kind="bullet")
        if figures_dir is not None and dists:
            _likert_chart(ev, "mentors", "mentor-likert", dists, "Mentors' experience", figures_dir, limits)

    from mentoring_lib.steps.mentor_outcomes import add_mentor_outcomes

    add_mentor_outcomes(ev, scores, codebook, limits)

    # -- voices ---------------------------------------------------------------------------
    n_comments = int(comments["text"].fillna("").str.strip().ne("").sum()) if "text" in comments else 0
    ev.tables["themes"] = theme_table(comments, themes, limits).assign(comments_total=n_comments)  # audit (private)
    ev.say("voices", (f"{shown_count(n_comments, limits)} open comments were coded against a keyword codebook "
                      f"of {len(themes)} themes; a comment can touch several themes."))
    quotes = sorted(pd.Series(approved if approved is not None else [], dtype="str").dropna().astype(str).unique())
    ev.tables["quotes"] = pd.DataFrame({"quote": quotes, "source": quote_sources(quotes, comments)},
                                       columns=["quote", "source"])
    if ev.tables["quotes"].empty:
        ev.say("voices", "No quotes were approved for publication.")
    ev.method("Open text", ("Open comments were scrubbed of names before analysis and coded by keyword "
                            "(themes.yml: a comment counts once per theme). Quotes are published only when "
                            "they are on the coordinator's approval list (by text hash)."))

    # -- instruments (citations and licence lines for the methods section) ---------------
    from mentoring_lib.analysis.scoring import instrument_table

    inst = instrument_table(codebook)
    cols = ["instrument", "instrument_name", "short_name", "scale", "scale_name", "rule", "n_items",
            "response_range", "missing_rule", "citation", "licence"]
    ev.tables["instruments"] = inst.reindex(columns=cols)

    # -- limitations ----------------------------------------------------------------------
    miss = _missing_share(responses)
    lim = ["There was no control or comparison group, so no change can be attributed to the programme."]
    lim += [notice(k, "this report is incomplete") for k in TRACKED if k in missing]
    if not (no_pre or no_post):
        lim += [f"{resp.loc[2, 'respondents']} participants answered both the before and the after survey"
                + (f" ({fmt_pct(resp.loc[2, 'response_rate'])} of those accepted)" if not
                   math.isnan(resp.loc[2, "response_rate"]) else "")
                + "; those who did may differ from those who did not.",
                ("The after survey's response rate was " + fmt_pct(rr_post) + ".") if not math.isnan(rr_post)
                else "Too few participants answered the after survey to report a response rate."]
    lim.append("All outcomes are self-reported.")
    if not math.isnan(miss):
        lim.append(f"{fmt_pct(miss, 1)} of survey item answers were missing (blank or 'don't know'); scores "
                   "follow each instrument's missing-item rule.")
    if len(eff) > 1:
        from mentoring_lib.steps.outcomes import family_size

        lim.append(f"{family_size(eff)} outcomes form the multiplicity family (Holm-adjusted p-values); "
                   "subscales are exploratory; the study was not powered for any outcome.")
    for text in lim:
        ev.say("limitations", text, kind="bullet")
    from mentoring_lib.privacy import disclosure

    ev.method("Disclosure control", disclosure.Thresholds(limits.min_count, limits.min_base).methods_text()
              + " Tests and effect sizes follow the same rule as means.")
    ev.method("Wording", ("Text in this report is generated from the numbers; changes are described, not "
                          "attributed, because there was no control group."))
    return ev


QUOTE_SOURCE = {"participant": "A participant, after the programme", "mentor": "A mentor, at the end of term"}


def quote_sources(quotes: list[str], comments: pd.DataFrame) -> list[str]:
    """Who wrote each approved quote, as a role only ("A participant, after the programme")."""
    from mentoring_lib.privacy.scrub import quote_hash

    if not quotes or "role" not in comments or "text" not in comments:
        return [""] * len(quotes)
    roles = dict(zip(comments["text"].fillna("").astype(str).map(quote_hash), comments["role"].astype(str)))
    return [QUOTE_SOURCE.get(roles.get(quote_hash(q), ""), "") for q in quotes]


def _missing_share(responses: pd.DataFrame) -> float:
    if responses is None or responses.empty or "value" not in responses:
        return math.nan
    v = pd.to_numeric(responses["value"], errors="coerce")
    return float(v.isna().mean())


# --------------------------------------------------------------------------------------
# Charts (through charts.py)
# --------------------------------------------------------------------------------------
def _funnel_chart(ev: Evaluation, fc: pd.DataFrame, figures_dir: Path) -> None:
    """One funnel per role; suppressed counts are drawn as text without a bar."""
    from mentoring_lib.outputs import charts

    shown = ev.tables["funnel"]
    for role in ROLES:
        f = fc[fc["role"] == role]
        if f.empty:
            continue
        labels = shown[shown["role"] == role]["count"].tolist()
        if sum(str(lab).isdigit() for lab in labels[2:]) == 0:
            continue  # nothing after "accepted" can be shown: the reach table says it all
        # a bar only for a count the funnel table shows as a number ("<5" and "x" stay text)
        stages = {step.capitalize(): (int(n) if str(lab).isdigit() else lab)
                  for step, n, lab in zip(f["step"], f["n"], labels)}
        title = f"{role.capitalize()}s: from registration to completion"
        # percentages of the accepted, as the funnel table gives them (none where it gives none)
        with_shares = shown.loc[shown["role"] == role, "share_of_accepted"].notna().any()
        cf = charts.funnel(stages, figures_dir / f"funnel-{role}s.png", title=title,
                           base_step=1 if with_shares else None)
        ev.figure("reach", f"funnel-{role}s", _rel(cf.path), title + (
            " (people at each step; percentages of the accepted, as in the table)" if with_shares
            else " (people at each step)"), cf.alt_text)


def _attendance_chart(ev: Evaluation, mt: pd.DataFrame, figures_dir: Path, summ: dict | None = None,
                      limits: Limits | None = None) -> None:
    """Share of participants attending each meeting and, when given, the share still taking part
    (attended this meeting or a later one): the drop-out curve."""

    if mt["share_of_participants"].isna().all():
        return
    index = mt["meeting"].astype(str).to_numpy()
    series = {"Attending": pd.Series((mt["share_of_participants"] * 100).to_numpy(), index=index)}
    retained = (summ or {}).get("retained")
    if summ is not None and limits is not None and retained is not None and len(retained):
        from mentoring_lib.privacy import release

        base = summ["participants"]
        still = retained.reindex(index).fillna(0).astype(int).tolist()
        attending = summ["per_meeting"].reindex(index).fillna(0).astype(int).tolist()
        # Consecutive points of a cumulative curve give the people whose last meeting was each one:
        # only points that keep every such difference protected are drawn (release audit).
        shown = release.protected_cumulative(still, attending, base, limits.min_count)
        summ["retained_shown"] = shown
        if any(shown):
            series["Still taking part"] = pd.Series(
                [share(n, base, limits) * 100 if ok else math.nan for n, ok in zip(still, shown)], index=index)
    draw_attendance_figure(ev, series, figures_dir)


def draw_attendance_figure(ev: Evaluation, series: dict[str, pd.Series], figures_dir: Path) -> None:
    """Draw the attendance chart (series label -> percent per meeting) and add it to ``ev``'s figures."""
    from mentoring_lib.outputs import charts

    title = "Participants attending each group meeting"
    cf = charts.attendance_curve(series, title, figures_dir / "attendance.png", xlabel="Meeting")
    ev.figure("implementation", "attendance", _rel(cf.path),
              title + " (share of the participants placed in groups; still taking part = attended this "
              "meeting or a later one)", cf.alt_text)


LIKERT_SHARE_RULE = ("The three groups add up to the number answering, so a group of fewer than {k} people is "
                     "shown as \u201c<{k} people\u201d and, where it could otherwise be worked out from the others, "
                     "one more group is hidden (x); the text then gives the bound the table allows "
                     "(\u201cat least 89%\u201d).")
LIKERT_CHART_RULE = ("Where fewer than {k} people chose an answer, the answers are merged into three groups "
                     "(below, at and above the neutral midpoint); an item in which a group would still hold "
                     "1 to {k1} people is not charted (its shares are in the table), so no bar stands for "
                     "fewer than {k} people.")


def likert_method_text(limits: Limits) -> str:
    """How the Likert shares are reported and protected (Methods)."""
    return ("Shares are of the respondents who answered the item; the answers above the scale's neutral "
            "midpoint (e.g. agree or strongly agree) are reported together, as are those below it. "
            + stats.likert_distribution([], [1, 2]).method + " " + LIKERT_SHARE_RULE.format(k=limits.min_count))


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


def _likert_chart(ev: Evaluation, section: str, fig_id: str, dists: dict, title: str, figures_dir: Path,
                  limits: Limits) -> None:
    """One diverging chart per response set. The items left out of the charts (a group of 1 to
    k-1 people) are named once for the whole section, the same list in every caption, or in one
    sentence when no chart is drawn."""

    by_set: list[dict] = []
    for k, v in dists.items():  # one response set per chart, in the items' order
        same = next((d for d in by_set if next(iter(d.values()))[2] is v[2]), None)
        if same is None:
            by_set.append({k: v})
        else:
            same[k] = v
    counted = [(same, *likert_chart_counts(same, limits)) for same in by_set]
    left_out = [item for *_, items in counted for item in items]
    rule = LIKERT_CHART_RULE.format(k=limits.min_count, k1=limits.min_count - 1)
    ev.method("Likert items", rule)
    not_charted = (f" Not charted (fewer than {limits.min_count} people in a group; the shares are in the "
                   "table): " + "; ".join(left_out) + ".") if left_out else ""
    if not any(len(frame) for _, frame, _, _ in counted):
        if left_out:
            ev.say(section, not_charted.strip())
        return
    for same, frame, merged, _ in counted:
        if not len(frame):
            continue
        bases = {same[k][0].wording: same[k][1].n for k in same}
        note = (" Answers merged into three groups (fewer than "
                f"{limits.min_count} people chose some answers)." if merged else "") + not_charted
        draw_likert_figure(ev, section, fig_id, frame, bases, title, note, rule, figures_dir, limits.min_count)
        item_of = {same[k][0].wording: k for k in same}
        # what was drawn, for the report stage to draw again from the protected tables (private)
        drawn = pd.DataFrame([{"fig_id": fig_id, "section": section, "title": title, "item": item_of[w],
                               "wording": w, "answer": str(a), "n": float(frame.loc[w, a]), "base": int(bases[w]),
                               "note": note, "rule": rule} for w in frame.index for a in frame.columns])
        ev.tables["likert_charts"] = pd.concat([ev.tables.get("likert_charts"), drawn], ignore_index=True)
        fig_id, title = fig_id + "-2", title + " (continued)"


def draw_likert_figure(ev: Evaluation, section: str, fig_id: str, frame: pd.DataFrame, bases: dict, title: str,
                       note: str, rule: str, figures_dir: Path, min_count: int) -> None:
    """Draw a diverging Likert chart of ``frame`` (counts, items x answers) and add it to ``ev``'s figures."""
    from mentoring_lib.outputs import charts

    cf = charts.diverging_likert(frame, title, figures_dir / f"{fig_id}.png", bases=bases, min_count=min_count)
    ev.figure(section, fig_id, _rel(cf.path), title + " (share of respondents; neutral centred)." + note,
              cf.alt_text + note + " " + rule)


def slope_chart_allowed(pre: pd.Series, post: pd.Series, limits: Limits) -> tuple[bool, str]:
    """Whether an individual-change (slope) chart of these pairs may be published, and why not.

    A slope chart draws every pair, so it is a distribution: it needs ``min_base`` complete pairs.
    Its legend and alt text also print how many people rose, fell or stayed the same (and the
    lines can be counted), so each of those groups must be empty or at least ``min_count``."""
    d = (pd.to_numeric(post, errors="coerce") - pd.to_numeric(pre, errors="coerce")).dropna()
    n = len(d)
    if not enough(n, limits):
        return False, f"fewer than {limits.min_base} complete pairs"
    groups = {"higher": int((d > 0).sum()), "lower": int((d < 0).sum()), "unchanged": int((d == 0).sum())}
    what = {"higher": "scored higher after than before", "lower": "scored lower after than before",
            "unchanged": "had the same score before and after"}
    small = [what[g] for g, c in groups.items() if 0 < c < limits.min_count]
    if small:
        return False, f"fewer than {limits.min_count} participants " + ", or ".join(small)
    return True, ""


def _slope_chart(ev: Evaluation, scores: pd.DataFrame, main: pd.DataFrame, figures_dir: Path,
                 limits: Limits) -> None:
    """Individual change for each tested total score, where :func:`slope_chart_allowed`."""
    from mentoring_lib.outputs import charts

    wide = paired_scores(scores)
    totals = main[main["scale"] == "total"]
    withheld = []
    for _, row in (totals if len(totals) else main.head(1)).iterrows():
        w = wide[(wide["instrument"] == row["instrument"]) & (wide["scale"] == row["scale"])].dropna(
            subset=[PRE, POST])
        ok, why = slope_chart_allowed(w[PRE], w[POST], limits)
        if not ok:
            withheld.append(f"{row['outcome']} ({why})")
            continue
        fig_id = f"slope-{row['instrument']}-{row['scale']}".replace("_", "-")
        cf = charts.slope_chart(w[PRE], w[POST], str(row["scale_name"]), figures_dir / f"{fig_id}.png",
                                ylabel=f"Score ({row['range']})")
        ev.figure("effectiveness", fig_id, _rel(cf.path),
                  f"Individual change, {row['outcome']}: one line per participant, before → after", cf.alt_text)
    if withheld:
        ev.say("effectiveness", ("Individual-change (slope) charts are not shown for " + "; ".join(withheld)
                                 + ": such small groups of people could be singled out. The mean change "
                                 "above describes them."))


def _change_chart(ev: Evaluation, main: pd.DataFrame, figures_dir: Path) -> None:
    """Aggregate change of every tested outcome: Hedges' g with its 95% CI (a forest plot), so
    scales with different ranges share one axis. Only outcomes with at least min_base pairs."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure as MplFigure

    from mentoring_lib.outputs import charts

    import textwrap

    from matplotlib.ticker import MaxNLocator

    rows = main.reset_index(drop=True)
    n = len(rows)
    title = "Change from before to after, per scale"
    with rc_context(charts._RC):
        fig = MplFigure(figsize=(7.0, 1.3 + 0.42 * n), dpi=charts.DPI, layout="constrained")
        ax = fig.add_subplot()
        y = np.arange(n)[::-1]
        g = rows["hedges_g"].astype(float).to_numpy()
        lo = rows["g_ci_low"].astype(float).to_numpy()
        hi = rows["g_ci_high"].astype(float).to_numpy()
        primary = (rows["role"] == "primary").to_numpy()
        colours = np.where(primary, charts.OKABE_ITO["blue"], charts.OKABE_ITO["grey"])
        ax.axvline(0, color="black", linewidth=0.8)
        ax.hlines(y, lo, hi, colors=colours.tolist(), linewidth=2)
        ax.scatter(g, y, c=colours, s=28, zorder=3)
        labels = ["\n".join(textwrap.wrap(f"{o} (n = {p})", 34)) for o, p in zip(rows["outcome"], rows["pairs"])]
        ax.set_yticks(y, labels, fontsize=8)
        ax.tick_params(axis="y", length=0)
        span = max(0.5, float(np.nanmax(np.abs(np.concatenate([lo, hi])))) * 1.15) if n else 1.0
        ax.set_xlim(-span, span)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5, symmetric=True))
        ax.set_xlabel("Hedges' g: below 0 lower after, above 0 higher after")
        ax.grid(axis="x", color="#e5e5e5", linewidth=0.6)
        ax.set_axisbelow(True)
        fig.suptitle(title + " (Hedges' g, 95% CI)", x=0.01, ha="left", fontsize=11)
        path = charts.save_figure(fig, figures_dir / "change.png", title)
    parts = [f"{o}: g {fmt_num(gi)} {fmt_ci(a, b)}" for o, gi, a, b in zip(rows["outcome"], g, lo, hi)]
    alt = (f"Dot-and-interval chart: {title}. The dark point is the primary outcome, grey points the others; a line "
           "crossing zero means no clear change. " + "; ".join(parts) + ".")
    ev.figure("effectiveness", "change", _rel(path),
              "Standardised change per scale: point = Hedges' g, line = 95% confidence interval "
              "(participants who answered both surveys)"
              + ("; blue points are total scores, grey points subscales" if (~primary).any() else ""), alt)


def _rel(path) -> str:
    """Figure path relative to public/."""
    return f"figures/{Path(path).name}"


# --------------------------------------------------------------------------------------
# Stage
# --------------------------------------------------------------------------------------
#: The columns of feedback's ``responses`` table this stage uses.
RESPONSE_COLUMNS = ["person_id", "wave", "item", "value"]
#: Read too when the table has them: they tell the mentors' own before/after survey apart.
RESPONSE_ROLE_COLUMNS = ["role", "survey"]


def load_inputs(ctx) -> dict[str, pd.DataFrame]:
    """The upstream tables this stage reads."""
    def opt(name: str) -> pd.DataFrame | None:
        return ctx.read(name, optional=True)

    # The long answer table is the largest input (~850,000 rows at 100 times the demo): only
    # the columns used here, identifiers as categoricals (~10 instead of ~85 MiB at that size).
    responses = None
    if ctx.exists("feedback/responses"):
        import pyarrow.parquet as pq

        present = set(pq.read_schema(ctx.path("feedback/responses")).names)
        extra = [c for c in RESPONSE_ROLE_COLUMNS if c in present]
        responses = ctx.read("feedback/responses", columns=RESPONSE_COLUMNS + extra,
                             categories=["person_id", "wave", "item", *extra])
    out = {"people": ctx.read("registrations/people"), "members": ctx.read("groups/members"),
           "trainings": opt("attendance/trainings"), "meetings": opt("attendance/meetings"),
           "scores": opt("feedback/scores"), "responses": responses,
           "comments": opt("feedback/comments"), "linkage": opt("feedback/linkage"),
           "meetings_held": opt("attendance/meetings_held")}
    return {k: v for k, v in out.items() if v is not None}


def load_stage_codebook(config):
    """The term's survey codebook, as the feedback stage reads it: a term with survey inputs and no
    codebook is a ConfigError (never another term's codebook); a term without surveys and without
    a codebook has no survey items."""
    from mentoring_lib.analysis.codebook import Codebook
    from mentoring_lib.steps.feedback import load_survey_codebook, survey_inputs

    if config.codebook or survey_inputs(config):
        return load_survey_codebook(config)
    return Codebook(title="No surveys", response_sets={})


def _identity_people(ctx) -> pd.DataFrame | None:
    """The identity table (names, first names, e-mails), to re-check quotes; None without one."""
    people = ctx.read("identity/people", optional=True)
    if people is None:
        return None
    return people[[c for c in ("name", "first_name", "email") if c in people.columns]]


def approved_quotes_path(config) -> Path | None:
    """privacy.approved_quotes_file in the data folder (None when not set); InputError when it is
    set but missing."""
    if not config.privacy.approved_quotes_file:
        return None
    path = config.data_path / config.privacy.approved_quotes_file
    if not path.is_file():
        from mentoring_lib.errors import InputError

        raise InputError("the approved-quotes file named in privacy.approved_quotes_file does not exist",
                         file=path, hint="create it (one approved quote hash a line) or remove the setting")
    return path


def check_inputs(config) -> list[str]:
    """The evaluation's cheap validations (for ``mentoring check``): the disclosure thresholds, the
    survey codebook and the approved-quotes file. Raises like the stage would; returns notes."""
    Limits.from_config(config)
    codebook = load_stage_codebook(config)
    name = codebook.source.name if codebook.source else "codebook"
    from mentoring_lib.steps.outcomes import check_primary, primary_note

    primary = check_primary(config, codebook)
    notes = [f"codebook {name} valid: {len(codebook.instruments)} instrument(s), {len(codebook.surveys)} survey(s)",
             primary_note(config, primary)]
    if approved_quotes_path(config) is not None:
        notes.append("approved-quotes file found")
    return notes


def approved_comment_texts(ctx, comments: pd.DataFrame | None) -> pd.Series:
    """Comment texts on the approval list (privacy.approved_quotes_file), via scrub.approved_quotes;
    an approved text that still names someone of the term (scrub.names_someone) is refused."""
    if comments is None or comments.empty or not ctx.config.privacy.approved_quotes_file:
        return pd.Series([], dtype="str")
    path = approved_quotes_path(ctx.config)
    assert path is not None  # approved_quotes_file is set
    from mentoring_lib.privacy import scrub

    lines = [ln.split("#", 1)[0].strip() for ln in path.read_text(encoding="utf-8").splitlines()]
    hashes = {ln for ln in lines if ln}
    return pd.Series(scrub.approved_quotes(comments["text"], hashes, people=_identity_people(ctx)), dtype="str")


def write_quotes_for_review(ctx, comments: pd.DataFrame | None) -> Path | None:
    """private/quotes_for_review.csv: the scrubbed comments with their hash and themes, so the
    coordinator can read them and copy the hashes of approved quotes into the approval file."""
    from mentoring_lib.io import spreadsheets
    from mentoring_lib.privacy.scrub import names_someone, quote_hash

    if comments is None or comments.empty or "text" not in comments:
        return None
    c = comments[comments["text"].fillna("").astype(str).str.strip().ne("")]
    if "quote_hash" in c:
        c = c.drop_duplicates("quote_hash")
    hits = theme_matches(c["text"], load_themes(ctx.config.themes_path))
    themes = hits.apply(lambda r: ", ".join(hits.columns[r.to_numpy()]), axis=1) if len(hits) else ""
    people = _identity_people(ctx)
    review = pd.DataFrame({
        "quote_hash": c["quote_hash"] if "quote_hash" in c else c["text"].map(quote_hash),
        "survey": c.get("survey", ""), "themes": themes, "text": c["text"]})
    if people is not None:  # approving these would not publish them: they still name someone
        review["names_someone"] = names_someone(c["text"], people).to_numpy()
    return spreadsheets.write_csv(review.sort_values(["survey", "quote_hash"], kind="stable"),
                                  ctx.private_file("quotes_for_review.csv"))


def save(ctx, ev: Evaluation) -> None:
    """Write every result table as ``evaluation/<name>`` (the figures are already in public/figures)."""
    for name, df in ev.all_tables().items():
        ctx.write(f"evaluation/{name}", df)


def key_figures_text(ev: Evaluation) -> str:
    """The key figures as plain lines ("label: value (note)"), plus the linked before/after pairs:
    stable text (no paths, dates or object ids) that notebook 05 prints and nbval checks."""
    lines = [f"{k['label']}: {k['value']}" + (f" ({k['note']})" if k["note"] else "") for k in ev.key_figures]
    fn = ev.tables.get("funnel")
    if fn is not None:
        for role in ROLES:
            f = fn[fn["role"] == role]
            if len(f):
                lines.append(f"{role}s: " + " → ".join(f"{s} {c}" for s, c in zip(f["step"], f["count"])))
    eff = ev.tables.get("effectiveness")
    if eff is not None and len(eff):
        for _, r in eff[eff["tested"].astype(bool) & eff["family"].astype(bool)].iterrows():
            lines.append(f"{r['outcome']} ({r['role']}): change {fmt_signed(r['mean_change'])} "
                         f"{fmt_ci(r['mean_change_ci_low'], r['mean_change_ci_high'])}, g {fmt_num(r['hedges_g'])} "
                         f"{fmt_ci(r['g_ci_low'], r['g_ci_high'])}, Holm p {fmt_p(r['t_p_holm'])}, "
                         f"n = {r['pairs']}")
    return "\n".join(lines)


def section_markdown(ev: Evaluation, section: str) -> str:
    """The generated text of one section as Markdown (for the notebook)."""
    lines = []
    for n in ev.narrative:
        if n["section"] == section:
            lines.append(("- " if n["kind"] == "bullet" else "\n") + n["text"])
    return "\n".join(lines).strip()


def section_figures(ev: Evaluation, section: str, public_dir: Path) -> list[tuple[Path, str]]:
    """(file, alt text) of a section's figures."""
    return [(Path(public_dir) / f["file"], f["alt"]) for f in ev.figures if f["section"] == section]
