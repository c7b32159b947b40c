"""Registration selection: the announced first-come-first-served rules, row by row."""
from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mentoring_lib.io import people_workbooks
from mentoring_lib.privacy.pseudonym import normalise_email
from mentoring_lib.steps.registration_rules import (
    STATUSES, SelectionRules, check_reconciles, select_registrations, status_counts,
)

TZ = "Europe/Helsinki"


def frame(specs, *, tz=TZ, start_row=2):
    """Rows from (e-mail, local time 'YYYY-MM-DD HH:MM:SS[.ffffff]' or a Timestamp, complete?)."""
    emails, times, complete = zip(*specs)
    ts = [t if isinstance(t, pd.Timestamp) else pd.Timestamp(t).tz_localize(tz) for t in times]
    return pd.DataFrame({
        "row": range(start_row, start_row + len(specs)),
        "email_norm": normalise_email(pd.Series(emails, dtype=object)),
        "submitted_at": pd.Series(ts, dtype=f"datetime64[us, {tz}]"),
        "complete": list(complete),
        "name": [f"Person {i}" for i in range(len(specs))],
    })


def rules(**kw):
    base = dict(deadline=dt.date(2026, 8, 31), places=2, timezone=TZ,
                email_patterns=(r"^test[@+.]", r"@example\.invalid$"), name_patterns=(r"^\s*(test|asdf)\b",))
    base.update(kw)
    return SelectionRules(**base)


# -- the deadline -------------------------------------------------------------------------------

def test_deadline_last_microsecond_is_in_time_and_next_midnight_is_late():
    df = frame([("a@example.fi", "2026-08-31 23:59:59.999999", True),
                ("b@example.fi", "2026-09-01 00:00:00", True),
                ("c@example.fi", "2026-08-31 23:59:59", True)])
    out = select_registrations(df, rules(places=5))
    assert out["status"].tolist() == ["accepted", "late", "accepted"]
    assert out["queue_position"].tolist() == [2, pd.NA, 1]
    assert out.loc[1, "reason"].startswith("submitted after the deadline (end of 2026-08-31")


def test_deadline_compares_instants_given_in_utc():
    # Helsinki is UTC+3 in summer: 20:59:59 UTC is 23:59:59 local, 21:00:00 UTC is midnight.
    utc = [pd.Timestamp("2026-08-31 20:59:59", tz="UTC"), pd.Timestamp("2026-08-31 21:00:00", tz="UTC")]
    df = frame([("a@example.fi", utc[0], True), ("b@example.fi", utc[1], True)], tz="UTC")
    assert select_registrations(df, rules()).status.tolist() == ["accepted", "late"]
    # In winter (UTC+2) the bound moves to 22:00 UTC.
    winter = rules(deadline=dt.date(2026, 12, 1))
    df = frame([("a@example.fi", pd.Timestamp("2026-12-01 21:59:59.999", tz="UTC"), True),
                ("b@example.fi", pd.Timestamp("2026-12-01 22:00:00", tz="UTC"), True)], tz="UTC")
    assert select_registrations(df, winter).status.tolist() == ["accepted", "late"]


@pytest.mark.parametrize("deadline, hours", [(dt.date(2026, 10, 25), 25), (dt.date(2026, 3, 29), 23)])
def test_deadline_on_daylight_saving_days(deadline, hours):
    r = rules(deadline=deadline)
    start = pd.Timestamp(deadline).tz_localize(TZ)
    assert (r.cutoff - start) == pd.Timedelta(hours=hours)  # the day really is 25 / 23 hours long
    assert r.cutoff == pd.Timestamp(deadline + dt.timedelta(days=1)).tz_localize(TZ)
    df = frame([("a@example.fi", r.cutoff - pd.Timedelta(microseconds=1), True),
                ("b@example.fi", r.cutoff, True)])
    assert select_registrations(df, r).status.tolist() == ["accepted", "late"]


def test_fall_back_hour_is_ordered_by_instant_not_wall_clock():
    # 2026-10-25 03:30 happens twice in Helsinki; the first (EEST) is earlier than 03:10 EET.
    first = pd.Timestamp("2026-10-25 03:30").tz_localize(TZ, ambiguous=True)
    second_earlier_clock = pd.Timestamp("2026-10-25 03:10").tz_localize(TZ, ambiguous=False)
    df = frame([("late-clock@example.fi", second_earlier_clock, True), ("early@example.fi", first, True)])
    out = select_registrations(df, rules(deadline=dt.date(2026, 10, 25), places=1))
    assert out.status.tolist() == ["waitlisted", "accepted"]


def test_deadline_timezone_is_configurable_and_part_day_rule():
    df = frame([("a@example.fi", pd.Timestamp("2026-08-31 22:30", tz="UTC"), True)], tz="UTC")
    # 22:30 UTC on the 31st is already 01:30 on 1 September in Helsinki ...
    assert select_registrations(df, rules(timezone=TZ)).status.tolist() == ["late"]
    # ... but still 23:30 on the deadline day in London (BST).
    assert select_registrations(df, rules(timezone="Europe/London")).status.tolist() == ["accepted"]
    # Not the whole day: the deadline date itself is too late.
    df = frame([("a@example.fi", "2026-08-30 23:59:59", True), ("b@example.fi", "2026-08-31 00:00:00", True)])
    assert select_registrations(df, rules(whole_day=False)).status.tolist() == ["accepted", "late"]


# -- duplicates ------------------------------------------------------------------------------------

def test_duplicates_differing_by_case_spaces_unicode_form_and_zero_width():
    nfc = "\u00e4ij\u00e4@example.fi"             # äijä, precomposed
    nfd = "a\u0308ija\u0308@example.fi"           # the same, decomposed
    df = frame([
        ("Äijä@Example.fi", "2026-08-02 10:00", True),
        (nfd, "2026-08-01 09:00", True),          # the first complete submission
        (" " + nfc.upper() + " ", "2026-08-03 10:00", True),
        ("äi\u200bjä@example.fi", "2026-08-04 10:00", True),
        ("other@example.fi", "2026-08-01 08:00", True),
    ])
    out = select_registrations(df, rules(places=5))
    assert out.status.tolist() == ["duplicate", "accepted", "duplicate", "duplicate", "accepted"]
    assert out.loc[1, "queue_position"] == 2
    dup = out[out.status == "duplicate"]
    assert dup.duplicate_of_row.tolist() == [3, 3, 3]  # Excel row 3 holds the place
    assert all("row 3 of input" in r for r in dup.reason)


def test_first_complete_submission_holds_the_place():
    df = frame([
        ("a@example.fi", "2026-08-01 09:00", False),  # incomplete, earlier
        ("b@example.fi", "2026-08-01 10:00", True),
        ("a@example.fi", "2026-08-01 11:00", True),   # a's first complete one
        ("c@example.fi", "2026-08-01 12:00", False),  # c never completes
        ("d@example.fi", "2026-09-05 12:00", True),   # d only late ...
        ("d@example.fi", "2026-09-06 12:00", True),   # ... twice
        ("b@example.fi", "2026-09-02 12:00", True),   # b again, late: still a duplicate
    ])
    df["missing"] = ["school", "", "", "school, availability", "", "", ""]
    out = select_registrations(df, rules(places=1))
    assert out.status.tolist() == ["duplicate", "accepted", "waitlisted", "excluded", "late", "duplicate",
                                   "duplicate"]
    assert out.duplicate_of_row.tolist() == [4, pd.NA, pd.NA, pd.NA, pd.NA, 6, 3]
    assert out.loc[3, "reason"] == ("incomplete submission (unanswered: school, availability); "
                                    "the person sent no complete one")
    assert out.late_position.tolist() == [pd.NA, pd.NA, pd.NA, pd.NA, 1, pd.NA, pd.NA]


def test_equal_timestamps_keep_export_row_order_then_input_order():
    same = "2026-08-10 12:00:00"
    df = frame([("x@example.fi", same, True), ("y@example.fi", same, True), ("z@example.fi", same, True)])
    df.index = [30, 10, 20]  # the frame's index plays no part; the Excel row does
    out = select_registrations(df, rules(places=2))
    assert out.queue_position.tolist() == [1, 2, 3]
    assert out.status.tolist() == ["accepted", "accepted", "waitlisted"]
    two = pd.concat([frame([("p@example.fi", same, True)], start_row=9).assign(source="first"),
                     frame([("q@example.fi", same, True)], start_row=2).assign(source="second")],
                    ignore_index=True)
    out = select_registrations(two, rules(places=1))
    assert out.status.tolist() == ["accepted", "waitlisted"]  # input order beats the lower row number


# -- test submissions -------------------------------------------------------------------------------

def test_test_submissions_are_excluded_and_take_no_place():
    df = frame([("TEST@example.fi", "2026-08-01 08:00", True),
                ("someone@example.invalid", "2026-08-01 08:01", True),
                ("real@example.fi", "2026-08-01 09:00", True),
                ("", "2026-08-01 09:30", True),
                ("tester@example.fi", "2026-08-01 10:00", True)])
    df.loc[4, "name"] = "Testi Testinen"  # 'test' is not a whole word in 'Testi': not a test rule
    df.loc[2, "name"] = "asdf qwerty"
    out = select_registrations(df, rules(places=1))
    assert out.status.tolist() == ["excluded", "excluded", "excluded", "excluded", "accepted"]
    assert out.test_rule.tolist() == ["^test[@+.]", r"@example\.invalid$", r"^\s*(test|asdf)\b", None, None]
    assert out.loc[2, "reason"] == r"test submission: name matches the rule '^\s*(test|asdf)\b'"
    assert out.loc[3, "reason"].startswith("no e-mail address")


# -- withdrawals ---------------------------------------------------------------------------------------

def five_in_queue():
    return frame([(f"p{i}@example.fi", f"2026-08-0{i} 12:00", True) for i in range(1, 6)])


def test_withdrawal_promotes_the_first_on_the_wait_list():
    w = pd.DataFrame({"email_norm": ["p1@example.fi", "p4@example.fi", "nobody@example.fi"],
                      "withdrawn_on": [dt.date(2026, 9, 3), dt.date(2026, 9, 4), dt.date(2026, 9, 4)]})
    out = select_registrations(five_in_queue(), rules(places=2), w)
    assert out.status.tolist() == ["withdrawn", "accepted", "accepted", "withdrawn", "waitlisted"]
    assert out.promoted.tolist() == [False, False, True, False, False]
    assert out.waitlist_position.tolist() == [pd.NA, pd.NA, pd.NA, pd.NA, 1]
    assert out.loc[2, "reason"] == ("promoted from the wait-list after withdrawals freed a place "
                                    "(queue position 3, wait-list position 1 before withdrawals)")
    assert out.loc[0, "reason"] == "withdrew on 2026-09-03 (queue position 1)"
    assert out.withdrawn_on.tolist()[:2] == [dt.date(2026, 9, 3), None]


def test_withdrawals_after_promote_until_free_no_place():
    w = pd.DataFrame({"email_norm": ["p1@example.fi", "p2@example.fi"],
                      "withdrawn_on": [dt.date(2026, 9, 3), dt.date(2026, 10, 20)]})
    out = select_registrations(five_in_queue(), rules(places=2, promote_until=dt.date(2026, 9, 30)), w)
    assert out.status.tolist() == ["withdrawn", "withdrawn", "accepted", "waitlisted", "waitlisted"]
    assert out.promoted.tolist() == [False, False, True, False, False]
    assert out.waitlist_position.tolist()[3:] == [1, 2]
    assert out.loc[1, "reason"].endswith("after 2026-09-30, so nobody was promoted")


def test_withdrawal_by_pseudonym_and_repeated_withdrawals_use_the_first_date():
    df = five_in_queue()
    df["person_id"] = "P-" + df["email_norm"].str.slice(0, 2)
    w = pd.DataFrame({"person_id": ["P-p2", "P-p2"], "withdrawn_on": ["2026-09-09", "2026-09-01"]})
    out = select_registrations(df, rules(places=2), w)
    assert out.status.tolist() == ["accepted", "withdrawn", "accepted", "waitlisted", "waitlisted"]
    assert out.withdrawn_on[1] == dt.date(2026, 9, 1)


# -- every row gets exactly one status; counts reconcile; an independent by-hand reference ------------

def by_hand(df: pd.DataFrame, r: SelectionRules, withdrawn: dict[str, dt.date]) -> list[str]:
    """The rules as a person applies them with a pen: walk the submissions in order, one by one."""
    src = {s: i for i, s in enumerate(dict.fromkeys(df.get("source", pd.Series("input", index=df.index))))}
    order = sorted(df.index, key=lambda i: (df.submitted_at[i], src[df.get("source", {i: "input"})[i]],
                                            df.row[i]))
    status = {}
    holder = {}  # person -> row holding their place
    pending = []
    for i in order:  # first pass: tests, no e-mail, the first complete in-time submission
        email = df.email_norm[i]
        name = df.name[i]
        test = any(isinstance(email, str) and re.search(p, email, re.I) for p in r.email_patterns) or any(
            isinstance(name, str) and re.search(p, name, re.I) for p in r.name_patterns)
        if test or not isinstance(email, str) or not email:
            status[i] = "excluded"
        elif df.complete[i] and df.submitted_at[i] < r.cutoff and email not in holder:
            holder[email] = i
            status[i] = "queue"
        else:
            pending.append(i)
    for i in pending:  # second pass: late stand-ins, duplicates, incomplete
        email = df.email_norm[i]
        if email in holder:
            status[i] = "duplicate"
        elif df.complete[i]:
            holder[email] = i
            status[i] = "late"
    for i in pending:
        if i not in status:
            status[i] = "excluded" if df.email_norm[i] not in holder else "duplicate"
    taken = 0
    for i in order:
        if status[i] != "queue":
            continue
        if df.email_norm[i] in withdrawn:
            status[i] = "withdrawn"
            late_withdrawal = r.promote_until is not None and withdrawn[df.email_norm[i]] > r.promote_until
            if late_withdrawal and taken < r.places:
                taken += 1  # their place stays empty
        elif taken < r.places:
            status[i] = "accepted"
            taken += 1
        else:
            status[i] = "waitlisted"
    return [status[i] for i in df.index]


EMAILS = ["ann@example.fi", "ANN@example.fi ", "bo@example.fi", "b\u200bo@example.fi", "cy@example.fi",
          "test@example.fi", "", "dee@example.fi", "ed@example.fi", "fay@example.fi"]


@st.composite
def registrations(draw):
    n = draw(st.integers(0, 30))
    emails = draw(st.lists(st.sampled_from(EMAILS), min_size=n, max_size=n))
    # minutes around the deadline, with many ties
    minutes = draw(st.lists(st.integers(-3000, 60), min_size=n, max_size=n))
    complete = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    sources = draw(st.lists(st.sampled_from(["form-a", "form-b"]), min_size=n, max_size=n))
    base = pd.Timestamp("2026-09-01 00:00").tz_localize(TZ)
    df = pd.DataFrame({
        "row": draw(st.permutations(list(range(2, n + 2)))),
        "email_norm": normalise_email(pd.Series(emails, dtype=object)),
        "submitted_at": pd.Series([base + pd.Timedelta(minutes=m) for m in minutes],
                                  dtype=f"datetime64[us, {TZ}]"),
        "complete": complete,
        "name": "Someone",
        "source": sources,
    })
    places = draw(st.integers(1, 6))
    people = sorted({e for e in df.email_norm.dropna()})
    gone = draw(st.lists(st.sampled_from(people), unique=True, max_size=3)) if people else []
    days = draw(st.lists(st.integers(1, 30), min_size=len(gone), max_size=len(gone)))
    withdrawn = {e: dt.date(2026, 9, d) for e, d in zip(gone, days)}
    promote_until = draw(st.sampled_from([None, dt.date(2026, 9, 15)]))
    return df, rules(places=places, promote_until=promote_until), withdrawn


@pytest.mark.slow
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(registrations())
def test_property_every_row_one_status_counts_reconcile_and_match_by_hand(case):
    df, r, withdrawn = case
    w = pd.DataFrame({"email_norm": list(withdrawn), "withdrawn_on": list(withdrawn.values())})
    out = select_registrations(df, r, w)
    assert out.index.equals(df.index)
    assert out.status.isin(STATUSES).all()
    assert (out.reason.str.len() > 0).all()
    check_reconciles(out, len(df))
    counts = status_counts(out)
    assert sum(counts.values()) == len(df)
    assert out.status.tolist() == by_hand(df, r, withdrawn)
    # one queue place per person; positions are 1..k without gaps
    held = out[out.status.isin(["accepted", "waitlisted", "withdrawn", "late"])]
    assert not df.loc[held.index, "email_norm"].duplicated().any()
    q = out.queue_position.dropna().astype(int).sort_values().tolist()
    assert q == list(range(1, len(q) + 1))
    wl = out.waitlist_position.dropna().astype(int).sort_values().tolist()
    assert wl == list(range(1, len(wl) + 1))
    assert counts["accepted"] <= r.places
    # everyone accepted came before everyone wait-listed
    if counts["accepted"] and counts["waitlisted"]:
        assert out.queue_position[out.status == "accepted"].max() < out.queue_position[
            out.status == "waitlisted"].min()
    # every duplicate points at a row of the same person that holds a place
    dups = out[out.status == "duplicate"]
    for i, row in dups.iterrows():
        holder = df.index[(df.row == row.duplicate_of_row) & (df.source == row.duplicate_of_source)]
        assert len(holder) == 1 and df.email_norm[holder[0]] == df.email_norm[i]


def test_empty_input_reconciles():
    df = frame([("a@example.fi", "2026-08-01 10:00", True)]).iloc[:0]
    out = select_registrations(df, rules())
    check_reconciles(out, 0)
    assert status_counts(out) == dict.fromkeys(STATUSES, 0)


def test_naive_timestamps_are_refused():
    df = frame([("a@example.fi", "2026-08-01 10:00", True)])
    df["submitted_at"] = df.submitted_at.dt.tz_localize(None)
    with pytest.raises(ValueError, match="timezone-aware"):
        select_registrations(df, rules())


def test_selection_on_a_large_term_reconciles():
    rng = np.random.default_rng(7)
    n = 40_000
    emails = pd.Series([f"p{i}@example.fi" for i in rng.integers(0, 30_000, n)])
    base = pd.Timestamp("2026-08-01").tz_localize(TZ)
    df = pd.DataFrame({"row": np.arange(2, n + 2), "email_norm": emails,
                       "submitted_at": base + pd.to_timedelta(rng.integers(0, 40 * 86400, n), unit="s"),
                       "complete": rng.random(n) > 0.05, "name": "x"})
    out = select_registrations(df, rules(places=1600))
    check_reconciles(out, n)
    assert status_counts(out)["accepted"] == 1600


def test_rows_keyed_by_pseudonym_match_withdrawals_given_by_email():
    df = five_in_queue()
    df["person_id"] = "P-" + df["email_norm"].str.slice(0, 2)
    w = pd.DataFrame({"email_norm": ["p1@example.fi"], "withdrawn_on": [dt.date(2026, 9, 3)]})
    out = select_registrations(df, rules(places=2), w)
    assert out.status.tolist() == ["withdrawn", "accepted", "accepted", "waitlisted", "waitlisted"]


# -- the stage on the demo term ---------------------------------------------------------------------

import json  # noqa: E402
import shutil  # noqa: E402
from pathlib import Path  # noqa: E402

from conftest import stage_context  # noqa: E402

from mentoring_lib.config import load_config  # noqa: E402
from mentoring_lib.pipeline.context import StageContext  # noqa: E402
from mentoring_lib.errors import InputError  # noqa: E402
from mentoring_lib.pipeline.drivers import run as run_stage  # noqa: E402
from mentoring_lib.steps.registration_inputs import multi_select  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "config" / "demo.yml"
DEMO_DATA = ROOT / "data" / "demo"


def stage_ctx(tmp_path, data_dir=None, **registration):
    config = load_config(DEMO)
    update = {}
    if data_dir is not None:
        update["data_dir"] = str(data_dir)
    if registration:
        update["registration"] = config.registration.model_copy(update=registration)
    config = config.model_copy(update=update)
    return stage_context("registrations", config, tmp_path / "out")


@pytest.fixture
def demo_run(demo_pipeline):
    """The registrations stage of the demo term (computed once per session; read only)."""
    return demo_pipeline.through("registrations")


def test_demo_statuses_are_what_the_announced_rules_give_by_hand(demo_run):
    """A person applying the announced rules to the demo exports gets exactly these statuses
    (the rows are those listed in data/demo/README.md, "The mess, on purpose")."""
    rows = demo_run.read_table("rows")
    counts = rows.groupby(["role", "status"]).size().unstack(fill_value=0).reindex(columns=list(STATUSES),
                                                                                    fill_value=0)
    # 41 mentor applications for 16 places; 121 participant registrations for 80 places.
    assert counts.loc["mentor"].to_dict() == {"accepted": 16, "waitlisted": 16, "withdrawn": 1, "late": 3,
                                              "duplicate": 4, "excluded": 1}
    assert counts.loc["participant"].to_dict() == {"accepted": 80, "waitlisted": 25, "withdrawn": 1, "late": 7,
                                                   "duplicate": 7, "excluded": 1}
    row = rows.set_index(["source", "source_row"]).loc
    m, p = "mentor_registrations", "participant_registrations"
    # Row 2 of each form is the coordinator's test submission.
    assert row[(m, 2), "status"] == row[(p, 2), "status"] == "excluded"
    # An incomplete first submission (consent skipped): the later complete one holds the place.
    assert row[(m, 5), "status"] == "duplicate"
    assert row[(m, row[(m, 5), "duplicate_of_row"]), "status"] == "accepted"
    assert row[(m, 5), "duplicate_of_row"] > 5
    # Case, spaces and a zero-width space in the e-mail: duplicates.
    for r in (15, 25, 31):
        assert row[(m, r), "status"] == "duplicate"
    for r in (23, 27, 57, 93, 99, 109, 114):
        assert row[(p, r), "status"] == "duplicate"
    # Same submission second: the file's order decides.
    assert row[(m, 6), "status"] == row[(m, 7), "status"] == "accepted"
    assert row[(m, 7), "queue_position"] == row[(m, 6), "queue_position"] + 1
    # 23:59:59 on the deadline day is in time (wait-listed: the places were full); 00:00:00 is late.
    assert row[(m, 39), "status"] == row[(p, 115), "status"] == "waitlisted"
    assert row[(m, 40), "status"] == row[(p, 116), "status"] == "late"
    assert row[(m, 40), "late_position"] == row[(p, 116), "late_position"] == 1
    # A withdrawal promotes the first on the wait-list.
    assert row[(m, 10), "status"] == row[(p, 38), "status"] == "withdrawn"
    assert row[(m, 21), "status"] == row[(p, 86), "status"] == "accepted"
    assert bool(row[(m, 21), "promoted"]) and bool(row[(p, 86), "promoted"])
    assert rows.promoted.sum() == 2
    assert row[(m, 21), "queue_position"] == 17 and row[(p, 86), "queue_position"] == 81
    # Against the committed answer key and the demo engineer's independent by-hand reading.
    expected = pd.read_csv(DEMO_DATA / "expected_statuses.csv")
    merged = rows.merge(expected, left_on=["source", "source_row"], right_on=["input", "row"],
                        suffixes=("", "_expected"), validate="one_to_one")
    assert len(merged) == len(rows) == len(expected) == 162
    assert (merged.status == merged.status_expected).all()
    assert merged.queue_position.astype("Float64").equals(merged.queue_position_expected.astype("Float64"))
    assert merged.waitlist_position.astype("Float64").equals(
        merged.waitlist_position_expected.astype("Float64"))
    from mentoring_lib.demo.answer_key import hand_applied_statuses
    by_hand = hand_applied_statuses(DEMO_DATA)
    merged = rows.merge(by_hand, left_on=["source", "source_row"], right_on=["input", "row"],
                        suffixes=("", "_hand"), validate="one_to_one")
    assert (merged.status == merged.status_hand).all()


def test_freshly_generated_term_matches_its_ground_truth(tmp_path):
    from mentoring_lib.demo.demodata import write_demo_term

    summary = write_demo_term(tmp_path / "data", seed=11, scale=2)
    ctx = stage_ctx(tmp_path, data_dir=tmp_path / "data", mentor_places=summary["places"]["mentor"],
                    participant_places=summary["places"]["participant"])
    run_stage(ctx)
    rows = ctx.read_table("rows")
    truth = summary["ground_truth"]
    merged = rows.merge(truth, left_on=["source", "source_row"], right_on=["input", "row"],
                        suffixes=("", "_truth"), validate="one_to_one")
    assert len(merged) == len(truth) == len(rows)
    assert (merged.status == merged.status_truth).all(), merged.loc[merged.status != merged.status_truth,
                                                                    ["source", "source_row", "status", "status_truth"]]


def test_outputs_keep_identities_private(demo_run):
    out = demo_run.out
    people = demo_run.read_table("people")
    rows = demo_run.read_table("rows")
    identity = pd.read_parquet(out.private / "identity" / "people.parquet")
    assert list(identity.columns) == ["person_id", "name", "first_name", "email", "role", "status"]
    assert set(identity.person_id) == set(people.person_id)  # demo: nobody is excluded but the tests
    assert "Test Test" not in set(identity.name)
    assert people.person_id.str.fullmatch(r"P-[0-9a-f]{16}").all()
    emails = set(identity.email) | {e.split("@")[0] for e in identity.email}
    names = set(identity.name.dropna())
    for table in (people, rows):
        assert not {"name", "email", "email_norm"} & set(table.columns)
        text = set(table.astype(str).to_numpy().ravel())
        assert not text & (emails | names)
    # The public summary: aggregates, no names or e-mails, small cells suppressed.
    summary = people_workbooks.read(out.public / "registration_summary.xlsx")
    assert list(summary) == ["status", "school", "doctoral_year"]
    cells = {str(v) for df in summary.values() for v in df.to_numpy().ravel()}
    assert not cells & (emails | names)
    status = summary["status"].set_index("status")
    assert status.loc["accepted", "mentor"] == 16 and status.loc["Total", "Total"] == 162
    assert status.loc["withdrawn", "mentor"] == "<5"
    # Every row of the roster's sheets, mail merges with the announced columns.
    roster = pd.read_excel(out.private / "roster.xlsx", sheet_name=None)
    assert list(roster) == ["Accepted", "Waitlisted", "Withdrawn", "Late", "Duplicate", "Excluded"]
    assert sum(len(df) for df in roster.values()) == 162
    accepted = pd.read_csv(out.private / "mailmerge_accepted.csv", encoding="utf-8-sig")
    assert list(accepted.columns) == ["First name", "E-mail", "Role", "Queue position"]
    assert accepted.groupby("Role").size().to_dict() == {"mentor": 16, "participant": 80}
    waiting = pd.read_csv(out.private / "mailmerge_waitlisted.csv", encoding="utf-8-sig")
    assert waiting[waiting.Role == "mentor"]["Wait-list position"].tolist() == list(range(1, 17))
    # Submission times are Excel dates (a number with a date format), not text.
    from openpyxl import load_workbook

    sheet = load_workbook(out.private / "roster.xlsx")["Accepted"]
    header = [c.value for c in sheet[1]]
    submitted = sheet.cell(2, header.index("Submitted at") + 1)
    assert submitted.is_date and submitted.number_format == "yyyy-mm-dd h:mm:ss"
    assert submitted.value == dt.datetime(2026, 8, 24, 14, 25, 35)  # the demo's first mentor, Helsinki time


def test_quality_records_reconcile(demo_run):
    quality = json.loads((demo_run.out.quality / "registrations.json").read_text())
    m = quality["mentor_registrations"]
    assert m["rows_read"] == 41 and m["kept"] == 36
    assert m["excluded"] == {"duplicate": 4, "test submission": 1}
    assert m["rows_read"] == m["kept"] + sum(m["excluded"].values())
    assert quality["withdrawals"] == {"rows_read": 2, "kept": 2, "excluded": {}, "notes": []}


def test_identity_table_knows_excluded_people_but_not_test_submissions():
    from mentoring_lib.steps.registration_outputs import identity_table

    df = frame([("a@example.fi", "2026-08-01 10:00", True), ("b@example.fi", "2026-08-01 11:00", False),
                ("b@example.fi", "2026-08-01 12:00", False), ("test@example.fi", "2026-08-01 13:00", True),
                ("", "2026-08-01 14:00", True)])
    df = df.assign(source="form", role="mentor", person_id=df.email_norm.map(lambda e: f"P-{e[:1]}" if
                                                                           isinstance(e, str) else None))
    df["name"] = ["Ann A", "Bo B", "Bo  B", "Test Test", "Cy C"]
    selected = df.join(select_registrations(df, rules(places=5)))
    ident = identity_table(selected)
    assert ident[["person_id", "name", "status"]].values.tolist()[:2] == [
        ["P-a", "Ann A", "accepted"], ["P-b", "Bo B", "excluded"]]
    assert pd.isna(ident.person_id[2]) and ident.name[2] == "Cy C" and len(ident) == 3


def test_multi_select_canonical_text():
    s = pd.Series(["Monday afternoon;Tuesday  morning;", "tuesday morning, Monday afternoon", "", None])
    assert multi_select(s).tolist() == ["Monday afternoon; Tuesday morning",
                                        "Monday afternoon; tuesday morning", "", ""]


# -- bad input: exit 2 with file, Excel row and column, and no personal data -------------------------

def copy_demo(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DEMO_DATA, data)
    return data


def personal_values():
    text = (DEMO_DATA / "participant_registrations.csv").read_text(encoding="utf-8")
    frame = pd.read_csv(DEMO_DATA / "participant_registrations.csv", dtype=str, keep_default_na=False)
    values = set(frame["Email address"].str.strip()) | set(frame["Full name"].str.strip())
    assert text  # the file was read
    return {v for v in values if v}


def edit_csv(path: Path, fn):
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame = fn(frame)
    frame.to_csv(path, index=False)


def assert_no_personal_data(message: str):
    for value in personal_values():
        assert value not in message


def test_missing_column_names_file_header_row_and_closest_headers(tmp_path):
    data = copy_demo(tmp_path)
    edit_csv(data / "participant_registrations.csv", lambda f: f.rename(columns={"Email address": "E-mail addr"}))
    with pytest.raises(InputError) as e:
        run_stage(stage_ctx(tmp_path, data_dir=data))
    err = e.value
    assert err.exit_code == 2
    assert err.file.endswith("participant_registrations.csv") and err.row == 1 and err.column == "Email address"
    assert "E-mail addr" in str(err)
    assert_no_personal_data(str(err))


def error_after_spoiling(tmp_path, excel_row: int, column: str, value: str) -> InputError:
    """The stage's InputError after one cell of the demo participant export is spoiled (Excel row
    2 is the first answer)."""
    data = copy_demo(tmp_path)

    def spoil(f):
        f.loc[excel_row - 2, column] = value
        return f
    edit_csv(data / "participant_registrations.csv", spoil)
    with pytest.raises(InputError) as e:
        run_stage(stage_ctx(tmp_path, data_dir=data))
    return e.value


def test_unparseable_date_names_row_and_column(tmp_path):
    err = error_after_spoiling(tmp_path, 11, "Timestamp", "eilen klo 14")
    assert err.exit_code == 2
    assert err.row == 11 and err.column == "Timestamp" and err.file.endswith("participant_registrations.csv")
    assert_no_personal_data(str(err))


def test_unmapped_school_names_the_column_and_not_the_person(tmp_path):
    err = error_after_spoiling(tmp_path, 16, "School / Koulu / Skola", "Hogwarts School of Witchcraft")
    assert err.exit_code == 2 and err.column == "School / Koulu / Skola" and err.row == 16
    assert "Hogwarts" not in str(err) and "matches no school" in str(err)  # the cell's value is not shown
    assert_no_personal_data(str(err))


def test_empty_submission_time_names_row_and_column(tmp_path):
    err = error_after_spoiling(tmp_path, 6, "Timestamp", "")
    assert (err.row, err.column) == (6, "Timestamp")
    assert_no_personal_data(str(err))


def test_what_the_notebook_displays_holds_no_personal_data(demo_run):
    from mentoring_lib.steps import registration
    from mentoring_lib.steps.registration_inputs import read_withdrawals
    from mentoring_lib.steps.registration_rules import select_term

    rows, notes = registration.read_inputs(demo_run)
    withdrawals, _ = read_withdrawals(demo_run.config)
    selected = select_term(rows, demo_run.config, withdrawals)
    shown = [registration.rules_table(demo_run.config), registration.reconciliation(selected),
             registration.reason_counts(selected), registration.quality_table(demo_run)]
    text = "\n".join(t.to_string() for t in shown)
    for value in set(rows["name"].dropna()) | set(rows["email"]) | set(rows["email_norm"].dropna()):
        assert value not in text
    assert registration.reconciliation(selected)["reconciles"].all()
    assert registration.reason_counts(selected).to_numpy().sum() == len(rows) == 162


def test_a_test_submission_may_type_any_school(tmp_path):
    data = copy_demo(tmp_path)

    def spoil(f):
        f.loc[0, "School / Koulu / Skola"] = "asdf"  # row 2 is the coordinator's test
        return f
    edit_csv(data / "participant_registrations.csv", spoil)
    ctx = stage_ctx(tmp_path, data_dir=data)
    run_stage(ctx)
    assert ctx.read_table("rows").query("source_row == 2").status.tolist() == ["excluded", "excluded"]


def test_problems_in_both_forms_are_reported_together(tmp_path):
    from mentoring_lib.errors import InputErrors

    data = copy_demo(tmp_path)
    edit_csv(data / "participant_registrations.csv", lambda f: f.rename(columns={"Timestamp": "When"}))
    ctx = stage_ctx(tmp_path, data_dir=data)
    ctx = stage_context(ctx.stage, ctx.config.model_copy(update={"inputs": [
        i.model_copy(update={"columns": {**i.columns, "email": "Sähköposti"}}) if i.id == "mentor_registrations"
        else i for i in ctx.config.inputs]}), ctx.out)
    with pytest.raises(InputErrors) as e:
        run_stage(ctx)
    files = sorted(Path(x.file).name for x in e.value.errors)
    assert files == ["mentor_registrations.xlsx", "participant_registrations.csv"]


def test_public_summary_per_role_partitions_without_a_cross_role_total():
    from mentoring_lib.steps import registration_outputs as reg

    rows = []
    for i in range(30):
        rows.append({"role": "participant", "school": "School of Science" if i < 20 else "School of Business",
                     "doctoral_year": "1st year", "status": "accepted" if i % 3 else "waitlisted"})
    for i in range(12):
        rows.append({"role": "mentor", "school": "School of Science", "doctoral_year": "2nd year",
                     "status": "accepted" if i < 8 else "waitlisted"})
    rows += [{"role": "mentor", "school": "Other", "doctoral_year": "2nd year", "status": "waitlisted"},
             {"role": "mentor", "school": "Other", "doctoral_year": "2nd year", "status": "late"}]
    selected = pd.DataFrame(rows)
    sheets = reg.public_summary(selected, 5)
    school = sheets["school"]
    # no column adds both roles' applied and accepted
    assert "Total" not in school.columns
    assert list(school.columns) == ["mentors applied", "mentors accepted", "mentors not accepted",
                                    "participants applied", "participants accepted", "participants not accepted"]
    # applied = accepted + not accepted, with column totals
    assert school.loc["Total", "participants applied"] == 30 and school.loc["Total", "mentors applied"] == 14
    assert school.loc["School of Science", "participants applied"] == 20
    assert (school.loc["Total", "participants accepted"], school.loc["Total", "participants not accepted"]) == (20, 10)
    assert school.loc["School of Business", "participants not accepted"] == "<5"
    # 2 mentors from "Other", none accepted: "<5 applied, 0 accepted" would say what happened to both
    other = school.loc["Other"]
    assert other["mentors applied"] == "<5" and other["mentors accepted"] == "x"
    assert other["mentors not accepted"] == "<5"
    # a category nobody of a role applied from stays 0 (a zero describes nobody)
    assert school.loc["School of Business", "mentors applied"] == 0


def test_a_person_accepted_in_both_roles_is_flagged_and_a_withdrawal_resolves_it(tmp_path):
    """The rules select each role on its own; an accepted mentor who is also an accepted participant
    holds two places. The stage says so (participant rows as Excel shows them, no personal value)
    and the coordinator's withdrawal for one role frees that place in queue order."""
    import json
    import warnings

    import openpyxl

    data = copy_demo(tmp_path)
    expected = pd.read_csv(DEMO_DATA / "expected_statuses.csv")
    mentor_row = int(expected.query("role == 'mentor' and status == 'accepted'")["row"].iloc[0])
    sheet = openpyxl.load_workbook(DEMO_DATA / "mentor_registrations.xlsx").active
    email_col = [c.value for c in sheet[1]].index("Email") + 1
    mentor_email = sheet.cell(mentor_row, email_col).value
    part_row = int(expected.query("role == 'participant' and status == 'accepted'")["row"].iloc[0])

    def give_mentor_email(f):
        f.loc[part_row - 2, "Email address"] = mentor_email  # Excel row 2 is the frame's first row
        return f

    edit_csv(data / "participant_registrations.csv", give_mentor_email)
    ctx = stage_ctx(tmp_path / "both", data_dir=data)
    with pytest.warns(UserWarning, match="1 people are accepted both as mentors and as participants"):
        run_stage(ctx)
    quality = json.loads((ctx.out.quality / "registrations.json").read_text())
    note = [n for n in quality["participant_registrations"]["notes"] if "also accepted as mentors" in n]
    assert note == [f"1 accepted participant(s) are also accepted as mentors (rows {part_row}): each role is "
                    "selected on its own, so they hold two places. Decide which role each takes and add them "
                    "to the withdrawals file for the other role; the freed place then goes to the next person "
                    "on that wait-list"]
    assert mentor_email not in json.dumps(quality)

    # The coordinator decides: a mentor. A withdrawal for the participant role frees that place.
    before = pd.read_parquet(ctx.table_path("people"))
    edit_csv(data / "withdrawals.csv", lambda f: pd.concat([
        f.assign(Role=""), pd.DataFrame([{"Email": mentor_email, "Date": "2026-09-20", "Reason": "mentor",
                                          "Role": "participant"}])], ignore_index=True))
    ctx = stage_ctx(tmp_path / "decided", data_dir=data)
    ctx = stage_context(ctx.stage, ctx.config.model_copy(update={"inputs": [
        i.model_copy(update={"columns": {**i.columns, "role": "Role"}}) if i.id == "withdrawals" else i
        for i in ctx.config.inputs]}), ctx.out)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no both-roles warning any more
        run_stage(ctx)
    quality = json.loads((ctx.out.quality / "registrations.json").read_text())
    assert not any("also accepted as mentors" in n for n in quality["participant_registrations"]["notes"])
    after = pd.read_parquet(ctx.table_path("people"))
    person = before.loc[(before["role"] == "participant") & (before["source_row"] == part_row), "person_id"].iloc[0]
    roles = after[after["person_id"] == person].set_index("role")["status"].to_dict()
    assert roles == {"mentor": "accepted", "participant": "withdrawn"}
    counts = after[after["role"] == "participant"]["status"].value_counts()
    assert counts["accepted"] == before[before["role"] == "participant"]["status"].value_counts()["accepted"]
    assert after[after["role"] == "participant"]["promoted"].sum() == \
        before[before["role"] == "participant"]["promoted"].sum() + 1


def test_a_form_with_first_and_last_name_fields(tmp_path, demo_run):
    """A form that asks "First name" and "Last name" apart maps first_name and last_name instead of
    name: the full name is "First Last", the queue is the same as with a full-name field, and the
    mail merge greets by the first name asked for, also where the family name is written first."""
    data = copy_demo(tmp_path)
    frame = pd.read_csv(data / "participant_registrations.csv", dtype=str, keep_default_na=False)
    target = int(pd.read_csv(DEMO_DATA / "expected_statuses.csv").query(
        "role == 'participant' and status == 'accepted'")["row"].iloc[1])

    def split(f):
        words = f["Full name"].str.split()
        f.insert(2, "First name", words.str[:-1].str.join(" "))
        f.insert(3, "Last name", words.str[-1].fillna(""))
        f.loc[target - 2, ["First name", "Last name"]] = ["Xiaoming", "Wang"]  # "Wang Xiaoming" in a full-name field
        return f.drop(columns=["Full name"])

    edit_csv(data / "participant_registrations.csv", split)
    ctx = stage_ctx(tmp_path / "split", data_dir=data)
    ctx = stage_context(ctx.stage, ctx.config.model_copy(update={"inputs": [
        i.model_copy(update={"columns": {**{k: v for k, v in i.columns.items() if k != "name"},
                                         "first_name": "First name", "last_name": "Last name"}})
        if i.id == "participant_registrations" else i for i in ctx.config.inputs]}), ctx.out)
    run_stage(ctx)

    before = pd.read_parquet(demo_run.table_path("people")).sort_values(["role", "source_row"])
    after = pd.read_parquet(ctx.table_path("people")).sort_values(["role", "source_row"])
    assert after[["role", "status", "queue_position", "source_row"]].reset_index(drop=True).equals(
        before[["role", "status", "queue_position", "source_row"]].reset_index(drop=True))
    identity = pd.read_parquet(ctx.out.private / "identity" / "people.parquet")
    row = identity[identity["name"] == "Xiaoming Wang"]
    assert len(row) == 1 and row["first_name"].iloc[0] == "Xiaoming"
    original = frame.loc[target - 2]
    assert len(identity[identity["name"] == " ".join(original["Full name"].split())]) == 0  # replaced
    merge = pd.read_csv(ctx.out.private / "mailmerge_accepted.csv", encoding="utf-8-sig", dtype=str)
    email = " ".join(original["Email address"].split()).casefold()
    assert merge.loc[merge["E-mail"].str.casefold() == email, "First name"].tolist() == ["Xiaoming"]
    # Mentors (a full-name field) still greet by the full name's first word.
    ident_m = identity[identity["role"] == "mentor"].dropna(subset=["name"])
    m_merge = merge[merge["Role"] == "mentor"]
    firsts = dict(zip(ident_m["email"], ident_m["name"].str.split().str[0]))
    assert all(firsts[e] == f or firsts[e].lower() == f.lower() for e, f in zip(m_merge["E-mail"], m_merge["First name"]))


def test_greeting_names_prefers_the_first_name_field():
    from mentoring_lib.io.normalise import greeting_names

    names = pd.Series(["Wang Xiaoming", "Anna-Liisa Virtanen", None, "Kimberly Smith"])
    given = pd.Series(["Xiaoming", None, "Otso", " "])
    assert greeting_names(names, given).tolist() == ["Xiaoming", "Anna-Liisa", "Otso", "Kimberly"]
    assert greeting_names(names).tolist() == ["Wang", "Anna-Liisa", "", "Kimberly"]


# -- consent -----------------------------------------------------------------------------------------

def test_consent_given_matches_accepted_values_and_the_ticked_statement():
    from mentoring_lib.config import DEFAULT_CONSENT_ACCEPTED
    from mentoring_lib.steps.registration_inputs import consent_given

    answers = pd.Series(["Yes", " kyllä ", "JA", "I agree;", "1", "True", "I\u200b agree", "Y",
                         "Consent to the terms", "No", "Ei", "Nej", "no, I do not agree", "", None, "0", "Maybe"])
    given = consent_given(answers, DEFAULT_CONSENT_ACCEPTED, statement="Consent to the terms")
    assert given.tolist() == [True] * 9 + [False] * 8
    # A term's own list replaces the defaults.
    assert consent_given(pd.Series(["Hyväksytty", "Yes"]), ["hyväksytty"]).tolist() == [True, False]


def test_no_consent_row_is_excluded_whatever_the_persons_other_rows():
    df = frame([("a@example.fi", "2026-08-01 08:00", True),
                ("a@example.fi", "2026-08-01 09:00", True),
                ("b@example.fi", "2026-08-01 10:00", True),
                ("test@example.fi", "2026-08-01 11:00", True)])
    df["no_consent"] = [True, False, True, True]
    out = select_registrations(df, rules(places=5))
    assert out.status.tolist() == ["excluded", "accepted", "excluded", "excluded"]
    assert out.reason[0].startswith("no consent") and out.reason[2].startswith("no consent")
    assert out.reason[3].startswith("test submission"), "a test submission stays a test submission"
    assert out.queue_position.isna().tolist() == [True, False, True, True]
    check_reconciles(out, len(df))


CONSENT_TERM = """
term: {name: consent-check, title: Consent check, start: 2026-10-01, end: 2026-12-18}
data_dir: ../data
registration: {mentor_deadline: 2026-09-13, participant_deadline: 2026-09-27,
               mentor_places: 2, participant_places: 10}
groups: {count: 1}
inputs:
  - {id: participants, kind: participant_registrations, file: consent_mixed_answers__reads.csv, tool: google_forms,
     date_order: iso,
     columns: {name: Full name, email: Email Address, submitted_at: Timestamp,
               consent: I consent to the use of my answers}}
report: {organisation: Test}
"""


def consent_term(tmp_path, monkeypatch, extra: str = "") -> StageContext:
    monkeypatch.setenv("MENTORING_KEY", "ab" * 32)
    (tmp_path / "data").mkdir()
    shutil.copy(ROOT / "tests" / "fixtures" / "exports" / "consent_mixed_answers__reads.csv", tmp_path / "data")
    (tmp_path / "config").mkdir()
    text = CONSENT_TERM.replace("               mentor_places", extra + "               mentor_places")
    (tmp_path / "config" / "term.yml").write_text(text, encoding="utf-8")
    config = load_config(tmp_path / "config" / "term.yml")
    return stage_context("registrations", config, tmp_path / "out")


def test_consent_answered_no_excludes_the_row_and_is_counted_in_data_quality(tmp_path, monkeypatch):
    ctx = consent_term(tmp_path, monkeypatch)
    run_stage(ctx)
    rows = ctx.read_table("rows").sort_values("source_row")
    # Yes, KYLLÄ, "I agree;" (Microsoft Forms), the statement ticked, No, Ei, blank, Ja (Eero again), Maybe later
    assert rows.status.tolist() == ["accepted"] * 4 + ["excluded"] * 3 + ["accepted", "excluded"]
    assert rows.set_index("source_row").loc[[6, 7, 8, 10], "reason"].str.startswith("no consent").all()
    quality = json.loads((ctx.out.quality / "registrations.json").read_text())["participants"]
    assert quality["rows_read"] == 9 and quality["kept"] == 5
    assert quality["excluded"] == {"duplicate": 0, "no consent": 4}
    note = next(n for n in quality["notes"] if "no consent" in n)
    assert "4 row(s) excluded for no consent" in note
    assert "'Ei' (1); 'No' (1); 1 other answer(s), not shown (row 10); 1 blank" in note
    assert "registration.consent_accepted" in note
    assert "Salo" not in note and "@" not in note


def test_term_config_sets_its_own_consent_values(tmp_path, monkeypatch):
    ctx = consent_term(tmp_path, monkeypatch, "               consent_accepted: [Maybe later, 'no'],\n")
    run_stage(ctx)
    rows = ctx.read_table("rows").sort_values("source_row")
    # Only the listed answers and the ticked statement (row 5) count; "No" is listed on purpose, quoted.
    assert rows.status.tolist() == ["excluded"] * 3 + ["accepted", "accepted"] + ["excluded"] * 3 + ["accepted"]


def test_blank_consent_is_unanswered_when_complete_requires_consent(tmp_path, monkeypatch):
    ctx = consent_term(tmp_path, monkeypatch, "               complete_requires: [name, email, consent],\n")
    run_stage(ctx)
    rows = ctx.read_table("rows").set_index("source_row")
    assert rows.loc[8, "reason"].startswith("incomplete submission (unanswered: consent)")
    assert rows.loc[6, "reason"].startswith("no consent")


# -- a term's own school table -------------------------------------------------------------------------

def test_term_school_table_maps_limesurvey_answer_codes(tmp_path, monkeypatch):
    monkeypatch.setenv("MENTORING_KEY", "cd" * 32)
    for folder in ("data", "config"):
        (tmp_path / folder).mkdir()
    shutil.copy(ROOT / "tests" / "fixtures" / "exports" / "limesurvey_school_codes__reads.csv", tmp_path / "data")
    shutil.copy(ROOT / "tests" / "fixtures" / "lookups" / "schools_with_answer_codes__reads.yml", tmp_path / "config")
    (tmp_path / "config" / "term.yml").write_text("""
term: {name: codes, title: Codes, start: 2026-10-01, end: 2026-12-18}
data_dir: ../data
schools_file: schools_with_answer_codes__reads.yml
registration: {mentor_deadline: 2026-09-13, participant_deadline: 2026-09-27, mentor_places: 2, participant_places: 10}
groups: {count: 1}
inputs:
  - {id: participants, kind: participant_registrations, file: limesurvey_school_codes__reads.csv, tool: limesurvey,
     columns: {name: name, email: email, submitted_at: submitdate, school: school}}
report: {organisation: University of Example}
""", encoding="utf-8")
    from mentoring_lib.steps.registration import read_inputs

    config = load_config(tmp_path / "config" / "term.yml")
    frame, _ = read_inputs(stage_context("registrations", config, tmp_path / "out"))
    # A1, A2, A3, a full Finnish answer with the university's name in the genitive, LimeSurvey's -oth-
    assert frame.sort_values("row")["school"].tolist() == [
        "Faculty of Science", "Faculty of Law", "Faculty of Medicine", "Faculty of Law", "Other"]


def test_refused_consent_note_shows_an_unlisted_box_label_but_not_free_text():
    from mentoring_lib.steps.registration_inputs import _refused_answers_note

    label = "I have read the privacy notice and accept that my answers are used"
    comment = "no thanks because I do not want to be in any register"
    answers = pd.Series([label] * 3 + [comment, "Ei", "reach me at 040 123 4567", "Pöllökorpi"],
                        index=range(2, 9))  # Excel rows
    note = _refused_answers_note(answers, pd.Series(True, index=answers.index))
    assert f"'{label[:60]}'… (3)" in note and "'Ei' (1)" in note
    # one person's own words (a comment, a phone number, a name) are named by row, never shown
    assert "register" not in note and "040" not in note and "Pöllökorpi" not in note
    assert "3 other answer(s), not shown (rows 5, 7, 8)" in note
    assert note.startswith("7 row(s) excluded for no consent")


def test_public_summary_labels_come_from_the_closed_list_only():
    """Issue 13: a doctoral-year answer with free text (health, a supervisor's name) was published as
    a row label. The reader maps it to the closed list, and the summary refuses anything else."""
    from mentoring_lib.steps import registration_outputs as reg
    from mentoring_lib.io.normalise import DOCTORAL_YEARS, OTHER, doctoral_year

    answers = ["3rd year, on sick leave", "4th year, supervisor Matti Virtanen", "1st year", "whatever I like"] * 5
    selected = pd.DataFrame({"role": "participant", "school": "School of Science", "status": "accepted",
                             "doctoral_year": doctoral_year(pd.Series(answers)).astype(object)})
    labels = set(reg.public_summary(selected, 5)["doctoral_year"].index) - {"Total"}
    assert labels == {"3rd year", "4th year", "1st year", "Other"}
    raw = selected.assign(doctoral_year=answers)  # a frame that skipped the reader: still the closed list
    labels = set(reg.public_summary(raw, 5)["doctoral_year"].index) - {"Total"}
    assert labels <= {*DOCTORAL_YEARS, OTHER} and labels == {"1st year", "Other"}
