"""A hand-edited group roster: read it and check it against the accepted people.

The coordinator can edit the roster by hand (``groups.roster_file``, e.g. a copy of the
``Members`` sheet of ``private/groups.xlsx``); :func:`read_roster` reads it and :func:`validate_roster`
checks it: every accepted person placed exactly once, two mentors per group, participant counts within
``min_size``..``max_size``, both mentors available at the group's slot. Problems are reported
together (InputErrors) by file, Excel row and column, never with a name or an address.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from mentoring_lib.steps.group_formation import ROLES, GroupRules, display_labels, option_matrix

#: Headers of the coordinator's roster (the Members sheet of groups.xlsx) -> fields.
ROSTER_COLUMNS = {"group": "Group", "slot": "Slot", "role": "Role", "email": "E-mail"}


def validate_roster(roster: pd.DataFrame, people: pd.DataFrame, rules: GroupRules, *, file,
                    columns: dict[str, str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Check a roster the coordinator edited and turn it into (pairs, members).

    ``roster``: index = Excel row, columns group, slot, role, person_id (pseudonymised e-mail; NA when
    the e-mail cell is empty). ``people``: the registrations' people table. ``columns``: field -> header,
    for messages. Raises InputErrors listing every problem; messages carry rows, columns and group
    numbers only.
    """
    from mentoring_lib.errors import InputError, InputErrors

    headers = {**ROSTER_COLUMNS, **(columns or {})}
    errors: list[InputError] = []

    def err(msg, row=None, column=None, hint=None):
        errors.append(InputError(msg, file=file, row=None if row is None else int(row),
                                 column=None if column is None else headers[column], hint=hint))

    # People are keyed by pseudonym and role (someone accepted in both roles is two people here).
    accepted = people[people["status"] == "accepted"]
    accepted = accepted.set_index(accepted["person_id"].astype(str) + "|" + accepted["role"].astype(str))
    r = roster.copy()
    r["role"] = r["role"].astype(object).where(r["role"].notna(), "").astype(str).str.strip().str.casefold()
    r["key"] = r["person_id"].astype(object).where(r["person_id"].notna(), "").astype(str) + "|" + r["role"]
    r["group_num"] = pd.to_numeric(r["group"].astype(object).where(r["group"].notna(), "").astype(str)
                                   .str.strip().str.replace(r"^(group|ryhmä|grupp)\s*", "", case=False, regex=True),
                                   errors="coerce")
    for row in r.index[r["person_id"].isna()]:
        err("the e-mail cell is empty", row, "email", "write the address the person registered with")
    bad_group = r["person_id"].notna() & (r["group_num"].isna() | (r["group_num"] % 1 != 0) | (r["group_num"] < 1))
    for row in r.index[bad_group]:
        err("the group is not a group number", row, "group", "write the group's number, e.g. 3")
    bad_role = r["person_id"].notna() & ~r["role"].isin(ROLES)
    for row in r.index[bad_role]:
        err("the role must be 'mentor' or 'participant'", row, "role", "correct the cell")
    person_known = r["person_id"].isin(set(accepted["person_id"]))
    for row in r.index[r["person_id"].notna() & ~person_known]:
        err("this e-mail does not belong to an accepted person", row, "email",
            "check the address against private/roster.xlsx (Accepted sheet), or remove the row")
    known = r["key"].isin(accepted.index)
    mismatch = person_known & ~bad_role & ~known
    for row in r.index[mismatch]:
        err("the role differs from the person's registration", row, "role",
            "mentors registered through the mentor form; participants through the participant form")
    dup = known & r["key"].duplicated(keep=False)
    for _key, rows in r[dup].groupby("key", sort=False).groups.items():
        rows = sorted(int(x) for x in rows)
        err(f"the same person is placed {len(rows)} times (rows {', '.join(map(str, rows))})", rows[1], "email",
            "keep one row per person")
    missing = accepted.index.difference(r.loc[known, "key"])
    for key in missing:
        reg = accepted.loc[key]
        err(f"an accepted {reg['role']} is not in the roster (registration row {int(reg['source_row'])} of "
            f"{reg['source']})", hint="add a row for them, or record their withdrawal in the withdrawals file")
    ok = r[known & ~bad_group & ~bad_role & ~mismatch & ~dup].copy()
    ok["group_num"] = ok["group_num"].astype(int)
    # Slot per group: one value (blank cells take the group's slot).
    ok["slot"] = ok["slot"].astype(object).where(ok["slot"].notna(), "").astype(str).str.strip()
    slot_rows = ok[ok["slot"] != ""]
    slots = slot_rows.groupby("group_num")["slot"].agg(lambda s: sorted(set(s.str.casefold())))
    for gnum, values in slots.items():
        if len(values) > 1:
            first = int(slot_rows.index[slot_rows["group_num"] == gnum][0])
            err(f"group {gnum} has {len(values)} different slots", first, "slot", "give each group one slot")
    slot_of = slots.map(lambda v: v[0])
    # Whether each person marked their group's slot (exploded availability joined to the slot).
    marked = ok["key"].map(accepted["availability"])
    exploded = marked.astype(str).str.casefold().str.split("; ").explode().str.strip()
    wanted = ok["group_num"].map(slot_of)
    hit = exploded.rename("availability").reset_index().merge(wanted.rename("availability").reset_index().dropna(),
                                       on=[ok.index.name or "index", "availability"])
    ok["available"] = ok.index.isin(hit.iloc[:, 0])
    pairs, members = [], []
    for gnum, part in ok.groupby("group_num", sort=True):
        first_row = int(part.index.min())
        mentors = part[part["role"] == "mentor"]
        participants = part[part["role"] == "participant"]
        if len(mentors) != 2:
            err(f"group {gnum} has {len(mentors)} mentor(s); each group has two co-mentors", first_row, "group")
        n = len(participants)
        if not rules.min_size <= n <= rules.max_size:
            err(f"group {gnum} has {n} participants; allowed {rules.min_size}..{rules.max_size}", first_row, "group",
                "move participants between groups, or change groups.min_size / max_size in the config")
        slot = slot_of.get(gnum)
        if slot is None:
            err(f"group {gnum} has no slot", first_row, "slot", "write the meeting time slot on a row of the group")
            continue
        for row in mentors.index[~ok.loc[mentors.index, "available"]]:
            err(f"this mentor did not mark group {gnum}'s slot as available", row, "slot",
                "choose a slot both mentors marked, or swap mentors")
        shown = display_labels(part["slot"])
        if len(mentors) == 2:
            a, b = sorted(mentors["person_id"])
            spoken = option_matrix(accepted.loc[[f"{a}|mentor", f"{b}|mentor"], "languages"])
            la = set(spoken.columns[spoken.iloc[0].to_numpy()])
            lb = set(spoken.columns[spoken.iloc[1].to_numpy()])
            pairs.append({"group": gnum, "mentor_a": a, "mentor_b": b, "slot": shown.get(slot, slot),
                          "languages": ", ".join(sorted(la & lb)) or ", ".join(sorted(la | lb)),
                          "reason": f"paired by the coordinator in the roster (rows {', '.join(map(str, sorted(mentors.index)))})"})
        note = np.where(ok.loc[part.index, "available"] | (part["role"] == "mentor"), "",
                        "; note: not available at this slot in their registration")
        members.append(pd.DataFrame({
            "person_id": part["person_id"].to_numpy(), "role": part["role"].to_numpy(), "group": gnum,
            "reason": "placed by the coordinator (roster row " + pd.Series(part.index, dtype=str).to_numpy()
                      + ")" + note}))
    if errors:
        raise InputErrors(errors)
    pairs_df = pd.DataFrame(pairs, columns=["group", "mentor_a", "mentor_b", "slot", "languages", "reason"])
    pairs_df["group"] = pairs_df["group"].astype("Int64")
    members_df = (pd.concat(members, ignore_index=True) if members
                  else pd.DataFrame(columns=["person_id", "role", "group", "reason"]))
    members_df["group"] = members_df["group"].astype("Int64")
    members_df = members_df.sort_values(["group", "role", "person_id"], kind="stable").reset_index(drop=True)
    return pairs_df, members_df


def read_roster(config, key: bytes) -> tuple[pd.DataFrame, str, dict[str, str]]:
    """Read ``groups.roster_file`` (columns Group, Slot, Role, E-mail, or a ``roster`` input's mapping)
    with e-mails replaced by pseudonyms. Returns (roster, file, headers)."""
    from pathlib import Path

    from mentoring_lib.io.readers import read_export, select_columns
    from mentoring_lib.privacy.pseudonym import pseudonymise

    items = config.inputs_of("roster")
    item = items[0] if items else None
    given = Path(config.groups.roster_file)
    path = given if given.is_absolute() else config.data_path / given
    sheet = item.sheet if item and item.sheet is not None else ("Members" if path.suffix.lower() == ".xlsx" else None)
    export = read_export(path, tool=item.tool if item else "auto", sheet=sheet)
    mapping = dict(item.columns) if item and item.columns else dict(ROSTER_COLUMNS)
    data = select_columns(export, mapping, required=("group", "slot", "role", "email"))
    headers = data.attrs.get("source_columns", mapping)
    roster = pd.DataFrame({"group": data["group"], "slot": data["slot"], "role": data["role"],
                           "person_id": pseudonymise(data["email"], key)}, index=data.index)
    return roster, str(path), headers
