"""Mail merges (mentoring_lib.steps.mailmerge): first meeting dates, group numbers, names for the greeting."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from mentoring_lib.steps import mailmerge as mm


@pytest.mark.parametrize("slot, weekday", [("Thursday afternoon", 3), ("Mon 16-18", 0), ("ti 12-14", 1),
                                           ("onsdag 10-12", 2), ("afternoons", None), (None, None)])
def test_slot_weekday_reads_english_finnish_and_swedish_days(slot, weekday):
    assert mm.slot_weekday(slot) == weekday


def test_first_meeting_is_the_slots_weekday_in_the_given_week():
    assert mm.first_meeting("Thursday afternoon", dt.date(2026, 10, 12)) == dt.date(2026, 10, 15)
    assert mm.first_meeting("Mon 16-18", dt.date(2026, 10, 16)) == dt.date(2026, 10, 12)  # any day of the week
    assert mm.first_meeting("Thursday afternoon", None) is None


def test_group_numbers_become_integers_and_names_stay():
    assert mm.group_numbers(pd.Series(["3", None, "1"])).tolist() == [3, pd.NA, 1]
    assert mm.group_numbers(pd.Series([2.0, 4.0])).dtype == "Int64"
    assert mm.group_numbers(pd.Series(["A", "B"])).tolist() == ["A", "B"]


def test_accepted_with_groups_names_the_co_mentor_and_the_mentors():
    identity = pd.DataFrame({"person_id": ["m1", "m2", "p1", "p2", "w1"], "name": ["Ada Lind", "Bo Berg", "cecilia",
                                                                                   "Dan Ek", "Eva Ny"],
                             "first_name": [None, None, None, "Danny", None],
                             "email": ["a@example.org", "b@example.org", "c@example.org", "d@example.org",
                                       "e@example.org"],
                             "role": ["mentor", "mentor", "participant", "participant", "participant"],
                             "status": ["accepted"] * 4 + ["waitlisted"]})
    people = identity[["person_id", "role"]].assign(queue_position=[1, 2, 1, 2, 3])
    members = pd.DataFrame({"person_id": ["m1", "m2", "p1", "p2"], "role": ["mentor", "mentor", "participant",
                                                                             "participant"],
                            "group": pd.array([1, 1, 1, None], dtype="Int64")})
    pairs = pd.DataFrame({"group": pd.array([1], dtype="Int64"), "mentor_a": ["m1"], "mentor_b": ["m2"],
                          "slot": ["Wed 14-16"], "languages": ["Swedish"]})
    out = mm.accepted_with_groups(identity, people, members, pairs, dt.date(2026, 10, 12)).set_index("E-mail")
    assert list(out.index) == ["a@example.org", "b@example.org", "c@example.org", "d@example.org"]
    assert out.loc["a@example.org", "Co-mentor"] == "Bo Berg" and out.loc["b@example.org", "Co-mentor"] == "Ada Lind"
    assert out.loc["c@example.org", "Mentors"] == "Ada Lind and Bo Berg"
    assert out.loc["c@example.org", "First name"] == "Cecilia" and out.loc["d@example.org", "First name"] == "Danny"
    assert out.loc["c@example.org", "First meeting"] == "2026-10-14"
    assert out.loc["c@example.org", "Meeting time"] == "Wed 14-16"
    assert out.loc["c@example.org", "Group languages"] == "Swedish"
    assert pd.isna(out.loc["d@example.org", "Group"]) and out.loc["d@example.org", "Mentors"] == ""
