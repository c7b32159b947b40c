"""The groups stage: pairs and groups by rule (or a hand-edited roster), the coordinator's
workbook, group sizes and the tables the notebook shows.

The rules are :mod:`mentoring_lib.steps.group_formation`; a hand-edited roster is read and checked by
:mod:`mentoring_lib.steps.group_roster`.
"""
from __future__ import annotations

import pandas as pd

from mentoring_lib.outputs.messages import language_code
from mentoring_lib.steps.group_formation import ROLES, GroupRules, make_groups
from mentoring_lib.steps.group_roster import read_roster, validate_roster


def group_sizes(members: pd.DataFrame) -> pd.DataFrame:
    """Members per group and role (people in a group only); rows "Group 1", ..., columns
    mentors, participants."""
    placed = members[members["group"].notna()]
    table = pd.crosstab(placed["group"].astype(int), pd.Categorical(placed["role"], categories=list(ROLES)),
                        dropna=False)
    table.index = [f"Group {g}" for g in table.index]
    table.index.name = "group"
    table.columns = [f"{r}s" for r in ROLES]
    return table.astype(int)


def public_group_sizes(members: pd.DataFrame, min_count: int) -> pd.DataFrame:
    """Participants per group for publication: counts under ``min_count`` suppressed (with
    complementary suppression against the total). Mentors are two per group by design and not
    tabulated (a column of 2s would only be suppressed)."""
    return public_group_sizes_from(group_sizes(members)["participants"], min_count)


def public_group_sizes_from(participants: pd.Series, min_count: int) -> pd.DataFrame:
    """:func:`public_group_sizes` from the participants per group (index "Group 1", ...)."""
    from mentoring_lib.privacy import disclosure

    return disclosure.suppress_counts(participants.to_frame("participants"), min_count, margins=True)


# -- the stage --------------------------------------------------------------------------------------

def coordinator_sheets(pairs: pd.DataFrame, members: pd.DataFrame, people: pd.DataFrame,
                       identity: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The coordinator's groups.xlsx (private: names and e-mails). Its Members sheet, edited and
    saved into the data folder, can be read back as ``groups.roster_file``."""
    ident = identity.drop_duplicates(["person_id", "role"]).set_index(["person_id", "role"])
    info = people.drop_duplicates(["person_id", "role"]).set_index(["person_id", "role"])
    slot_of = pairs.dropna(subset=["group"]).set_index("group")["slot"]
    keys = pd.MultiIndex.from_frame(members[["person_id", "role"]])
    m = pd.DataFrame({
        "Group": pd.array(members["group"], dtype="Int64"), "Slot": members["group"].map(slot_of).to_numpy(),
        "Role": members["role"].to_numpy(),
        "Name": ident["name"].reindex(keys).to_numpy(), "E-mail": ident["email"].reindex(keys).to_numpy(),
        "School": info["school"].reindex(keys).to_numpy(), "Languages": info["languages"].reindex(keys).to_numpy(),
        "Availability": info["availability"].reindex(keys).to_numpy(), "Reason": members["reason"].to_numpy(),
    })
    is_mentor = ident.index.get_level_values("role") == "mentor"  # none when nobody registered as one
    name_of = ident.loc[is_mentor, "name"].droplevel("role")
    g = pd.DataFrame({
        "Group": pairs["group"].astype("Int64"), "Slot": pairs["slot"], "Languages": pairs["languages"],
        "Mentor A": pairs["mentor_a"].map(name_of), "Mentor B": pairs["mentor_b"].map(name_of),
        "Participants": pairs["group"].map(members[members["role"] == "participant"].groupby("group").size())
        .fillna(0).astype(int),
        "Reason": pairs["reason"],
    })
    return {"Groups": g, "Members": m}


def build(ctx) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Pairs and members for the term: from the coordinator's roster when ``groups.roster_file`` is
    set (validated), otherwise made by rule from the accepted people."""
    config = ctx.config
    rules = GroupRules.from_config(config)
    people = ctx.read("registrations/people")
    if config.groups.roster_file:
        roster, file, headers = read_roster(config, ctx.key)
        return validate_roster(roster, people, rules, file=file, columns=headers)
    return make_groups(people, rules)


def save(ctx, pairs: pd.DataFrame, members: pd.DataFrame) -> None:
    """Write groups/pairs and groups/members, the coordinator's private groups.xlsx (names from the
    identity table), the public group sizes (suppressed) and the quality record."""
    from mentoring_lib.io import people_workbooks, spreadsheets
    from mentoring_lib.steps import mailmerge

    config = ctx.config
    rules = GroupRules.from_config(config)
    people = ctx.read("registrations/people")
    ctx.write("groups/pairs", pairs)
    ctx.write("groups/members", members)
    identity = ctx.read("identity/people")
    spreadsheets.write_xlsx(coordinator_sheets(pairs, members, people, identity), ctx.private_file("groups.xlsx"),
                            epoch=ctx.source_date_epoch)
    people_workbooks.write({"group sizes": public_group_sizes(members, config.privacy.min_count)},
                           ctx.public_file("group_sizes.xlsx"), index=True, epoch=ctx.source_date_epoch,
                           lang=language_code(config.term.language))
    spreadsheets.write_csv(mailmerge.accepted_with_groups(identity, people, members, pairs,
                                                          config.programme.first_meeting_week),
                           ctx.private_file("mailmerge_accepted.csv"))
    per = group_sizes(members)["participants"]
    notes = [f"{int(pairs['group'].notna().sum())} groups formed"]
    notes += [f"{g} has {n} participants, outside {rules.min_size}..{rules.max_size}"
              for g, n in per.items() if not rules.min_size <= n <= rules.max_size]
    unplaced = members[members["group"].isna()]
    source = "groups_roster" if config.groups.roster_file else "groups"
    ctx.record_quality(source, rows_read=len(members), kept=int(members["group"].notna().sum()),
                       excluded=unplaced.groupby("role").size().rename(lambda r: f"{r} not placed").to_dict(),
                       notes=notes)


def formation_report(pairs: pd.DataFrame, members: pd.DataFrame, rules: GroupRules) -> tuple[list[str], list[str]]:
    """Group formation in words for ``mentoring check``: (summary lines, warnings). Counts and
    reasons only (no names): groups formed of the ``rules.count`` wanted, reserve pairs, the people
    in no group counted by role and reason (a mentor's reason names the constraint that failed), and
    warnings for fewer groups than wanted and for groups outside ``min_size``..``max_size``."""
    count = rules.count
    formed = int(pairs["group"].notna().sum())
    reserve = int(pairs["group"].isna().sum())
    lines = [f"{formed} of {count} groups formed" + (f"; {reserve} reserve pair(s) beyond them" if reserve else "")]
    reserve_ids = set(pairs.loc[pairs["group"].isna(), ["mentor_a", "mentor_b"]].stack())
    unplaced = members[members["group"].isna()].copy()
    unplaced["why"] = unplaced["reason"].astype(str).str.removeprefix("not paired: ").str.removeprefix("not placed: ")
    unplaced.loc[(unplaced["role"] == "mentor") & unplaced["person_id"].isin(reserve_ids), "why"] = (
        f"in a reserve pair (only {count} groups)")
    for (role, why), n in unplaced.groupby(["role", "why"], sort=True).size().items():
        lines.append(f"{n} {role}(s) in no group: {why}")
    warnings = []
    accepted_mentors = int((members["role"] == "mentor").sum())
    if formed == 0:
        warnings.append("no group can be formed" + (": no mentor was accepted" if not accepted_mentors else
                        " (see the mentors' reasons above)") + "; the term still runs and its report says so")
    elif formed < count:
        warnings.append(f"only {formed} of the {count} groups in the config can be formed (groups.count)")
    sizes = group_sizes(members)["participants"] if formed else pd.Series(dtype="int64")
    for group, n in sizes.items():
        if not rules.min_size <= n <= rules.max_size:
            warnings.append(f"{group} has {n} participant(s), outside groups.min_size..max_size "
                            f"({rules.min_size}..{rules.max_size})")
    return lines, warnings


# -- what the notebook shows (pseudonymised / aggregated) -------------------------------------------

def group_summary(pairs: pd.DataFrame, members: pd.DataFrame, people: pd.DataFrame) -> pd.DataFrame:
    """One row per group: slot, languages, participants, schools among them, mentors' schools mixed."""
    school = people.drop_duplicates(["person_id", "role"]).set_index(["person_id", "role"])["school"]
    m = members[members["group"].notna()].copy()
    m["school"] = school.reindex(pd.MultiIndex.from_frame(m[["person_id", "role"]])).to_numpy()
    part = m[m["role"] == "participant"]
    ment = m[m["role"] == "mentor"]
    g = pairs[pairs["group"].notna()].set_index("group")[["slot", "languages"]]
    g["participants"] = part.groupby("group").size().reindex(g.index).fillna(0).astype(int)
    g["schools among participants"] = part.groupby("group")["school"].nunique().reindex(g.index).fillna(0).astype(int)
    g["largest share from one school"] = (part.groupby("group")["school"].agg(lambda s: s.value_counts().max()
                                                                              if len(s) else 0)
                                          .reindex(g.index).fillna(0).astype(int))
    g["mentors from different schools"] = ment.groupby("group")["school"].nunique().reindex(g.index).eq(2)
    return g


def unplaced_summary(members: pd.DataFrame) -> pd.DataFrame:
    """People not in a group, counted by role and reason."""
    u = members[members["group"].isna()]
    return u.groupby(["role", "reason"]).size().rename("people").reset_index()
