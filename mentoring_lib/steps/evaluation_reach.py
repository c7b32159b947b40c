"""Reach: who registered, the outcome of every application, and the funnel from registration to
completion (every count protected through :mod:`mentoring_lib.privacy.limits`).

Privacy domain: analysis (pseudonyms in, aggregates out).
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from mentoring_lib.analysis.paired import sessions_attended
from mentoring_lib.outputs.formatting import fmt_num
from mentoring_lib.privacy.limits import Limits, share, shown_counts, shown_partition
from mentoring_lib.steps.evaluation_result import wording

ROLES = ("mentor", "participant")


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


FUNNEL_STEPS = ("registered", "accepted", "trained", "active", "completed")


def funnel_method(config, lang: str = "en") -> str:
    """The Methods text defining the funnel's steps (the term's thresholds filled in)."""
    values = {"min_tr": config.certificates.min_trainings, "n_tr": config.programme.trainings,
              "min_mt": config.certificates.min_meetings,
              "min_part": math.ceil(config.programme.meetings_planned / 2),
              "planned": config.programme.meetings_planned}
    return wording("funnel.method", lang, definitions="; ".join(
        wording(f"funnel.define.{step}", lang, **values) for step in FUNNEL_STEPS))


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


def funnel_x_note(min_count: int, lang: str = "en") -> str:
    """Why a funnel step is shown as x (the reach section says it once)."""
    return wording("funnel.x_note", lang, k=min_count)


def funnel_bullet(funnel: pd.DataFrame, role: str, lang: str = "en") -> str:
    """The report's sentence walking one role's funnel ("Mentors: registered 36 → accepted 16 → ...")."""
    f = funnel[funnel["role"] == role]
    steps = " → ".join(f"{wording(f'funnel.step.{s}', lang)} {c}" for s, c in zip(f["step"], f["count"]))
    return wording("funnel.bullet", lang, role=wording(f"funnel.role.{role}", lang), steps=steps)

