"""Mail merges for the coordinator (private, identity domain): one header style, what each e-mail needs.

Every private sheet and mail merge the workbook writes uses the same header style: words in
sentence case, ``E-mail`` for the address, ``Group`` for the group number (an integer; empty for
someone in no group). The registration stage writes ``mailmerge_accepted.csv`` (first name, e-mail,
role, queue position) as soon as places are given; the groups stage rewrites it with what the
acceptance e-mail says next: the group, its meeting day and time, the group's languages, the date
of the first meeting (from ``programme.first_meeting_week``, when set) and, for a mentor, the
co-mentor's name; for a participant, the two mentors' names.
"""
from __future__ import annotations

import datetime as dt
import re

import pandas as pd

#: Headers of the accepted / wait-listed mail merges (registration stage).
ACCEPTED_COLUMNS = ["First name", "E-mail", "Role", "Queue position"]
WAITLISTED_COLUMNS = ["First name", "E-mail", "Role", "Wait-list position"]
#: Columns the groups stage adds to the accepted mail merge.
GROUP_COLUMNS = ["Group", "Meeting time", "First meeting", "Group languages", "Co-mentor", "Mentors"]

_WEEKDAYS = {name: i for i, names in enumerate((
    ("monday", "mon", "maanantai", "ma", "måndag", "mån"), ("tuesday", "tue", "tiistai", "ti", "tisdag", "tis"),
    ("wednesday", "wed", "keskiviikko", "ke", "onsdag", "ons"), ("thursday", "thu", "torstai", "to", "torsdag", "tor"),
    ("friday", "fri", "perjantai", "pe", "fredag", "fre"), ("saturday", "sat", "lauantai", "la", "lördag", "lör"),
    ("sunday", "sun", "sunnuntai", "su", "söndag", "sön"))) for name in names}


def first_names(names: pd.Series, first: pd.Series | None = None) -> pd.Series:
    """The name for "Dear ..." (see :func:`normalise.greeting_names`); a name typed all in lower
    case is capitalised ("aino" -> "Aino")."""
    from mentoring_lib.io.normalise import greeting_names

    out = greeting_names(names, first)
    return out.where(out != out.str.lower(), out.str[:1].str.upper() + out.str[1:]).fillna("")


def group_numbers(groups: pd.Series) -> pd.Series:
    """Group numbers as integers ("3", 3.0 -> 3; empty stays empty); groups named otherwise (a
    hand-edited roster's "A") are kept as they are."""
    numbers = pd.to_numeric(groups, errors="coerce")
    if (numbers.isna() & groups.notna()).any() or not (numbers.dropna() % 1 == 0).all():
        return groups
    return numbers.astype("Int64")


def slot_weekday(slot: str | None) -> int | None:
    """The weekday (Monday = 0) a meeting slot names first ("Thursday afternoon", "Mon 16-18",
    "ti 12-14"), or None."""
    if not isinstance(slot, str):
        return None
    word = re.match(r"\s*([^\W\d_]+)", slot)
    return _WEEKDAYS.get(word.group(1).casefold()) if word else None


def first_meeting(slot: str | None, week: dt.date | None) -> dt.date | None:
    """The date of a group's first meeting: its slot's weekday in the week of ``week``."""
    day = slot_weekday(slot)
    if week is None or day is None:
        return None
    monday = week - dt.timedelta(days=week.weekday())
    return monday + dt.timedelta(days=day)


def accepted_with_groups(identity: pd.DataFrame, people: pd.DataFrame, members: pd.DataFrame,
                         pairs: pd.DataFrame, first_week: dt.date | None) -> pd.DataFrame:
    """The accepted mail merge with each person's group (see the module notes): a row per accepted
    person and role, in role and queue order."""
    accepted = identity[identity["status"] == "accepted"].drop_duplicates(["person_id", "role"])
    keys = ["person_id", "role"]
    rows = accepted.merge(people[keys + ["queue_position"]].drop_duplicates(keys), on=keys, how="left") \
        .merge(members[keys + ["group"]].drop_duplicates(keys), on=keys, how="left")
    rows = rows.sort_values(["role", "queue_position"], kind="stable").reset_index(drop=True)
    formed = pairs.dropna(subset=["group"]).assign(group=lambda p: p["group"].astype(int)).set_index("group")
    mentor_rows = accepted[accepted["role"] == "mentor"]
    name_of = dict(zip(mentor_rows["person_id"], mentor_rows["name"].fillna("")))
    group = rows["group"].astype("Int64")

    def co_mentor(pid: str, g) -> str:
        if pd.isna(g) or g not in formed.index:
            return ""
        a, b = formed.at[g, "mentor_a"], formed.at[g, "mentor_b"]
        return name_of.get(b if pid == a else a, "")

    def mentors(g) -> str:
        if pd.isna(g) or g not in formed.index:
            return ""
        return " and ".join(name_of.get(formed.at[g, m], "") for m in ("mentor_a", "mentor_b"))

    slot = [formed.at[g, "slot"] if pd.notna(g) and g in formed.index else None for g in group]
    return pd.DataFrame({
        "First name": first_names(rows["name"], rows["first_name"] if "first_name" in rows else None),
        "E-mail": rows["email"], "Role": rows["role"], "Queue position": rows["queue_position"].astype("Int64"),
        "Group": group, "Meeting time": [s or "" for s in slot],
        "First meeting": [d.isoformat() if (d := first_meeting(s, first_week)) else "" for s in slot],
        "Group languages": [formed.at[g, "languages"] if pd.notna(g) and g in formed.index else "" for g in group],
        "Co-mentor": [co_mentor(p, g) if r == "mentor" else "" for p, r, g in zip(rows["person_id"], rows["role"], group)],
        "Mentors": [mentors(g) if r == "participant" else "" for r, g in zip(rows["role"], group)],
    }, columns=ACCEPTED_COLUMNS + GROUP_COLUMNS)

