"""Attendance: tick parsing, session detection, linking to the roster, the tables, the stage."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import stage_context

from mentoring_lib.pipeline import drivers
from mentoring_lib.steps import attendance as A
from mentoring_lib.config import load_config
from mentoring_lib.pipeline.context import StageContext
from mentoring_lib.errors import InputError, InputErrors
from mentoring_lib.privacy.pseudonym import DEMO_KEY, pseudonymise

# -- parse_ticks ---------------------------------------------------------------------------------


def test_parse_ticks_understands_every_spelling():
    attended = ["x", "X", "1", "yes", "YES", "kyllä", "Kyllä", "ja", "present", "✓", "✔", "true", "TRUE", " x "]
    absent = ["", None, np.nan, "0", "no", "No", "-", "absent", "ABSENT", "false"]
    df = pd.DataFrame({"s": attended + absent}, index=pd.RangeIndex(2, 2 + len(attended) + len(absent)))
    out = A.parse_ticks(df, file="sheet.xlsx", columns=["s"])
    assert out["s"].tolist() == [True] * len(attended) + [False] * len(absent)
    assert out.index.equals(df.index) and out["s"].dtype == bool


def test_parse_ticks_unknown_values_listed_with_file_column_and_rows():
    df = pd.DataFrame({"Meeting 1": ["x", "x?", "", "late", "x?"], "Meeting 2": ["x"] * 5},
                      index=pd.Index([2, 3, 4, 5, 6], name="row"))
    with pytest.raises(InputErrors) as e:
        A.parse_ticks(df, file="group_attendance.xlsx", columns=["Meeting 1", "Meeting 2"])
    question, late = e.value.errors  # one per distinct mark, at its first row; the mark is not shown
    assert {question.file, late.file} == {"group_attendance.xlsx"} and {question.column, late.column} == {"Meeting 1"}
    assert (question.row, late.row) == (3, 5)
    assert question.message.endswith(": not an attendance mark (the same answer in row 6)")
    assert late.message.endswith("column 'Meeting 1': not an attendance mark")
    assert "x?" not in str(e.value) and "late" not in str(e.value)
    assert e.value.exit_code == 2


def test_parse_ticks_several_columns_give_input_errors_and_use_headers():
    df = pd.DataFrame({"a": ["?", "x"], "b": ["maybe", ""]}, index=[2, 3])
    with pytest.raises(InputErrors) as e:
        A.parse_ticks(df, file="f.xlsx", columns={"a": "Training 1 (22.9.)", "b": "Training 2"})
    assert [x.column for x in e.value.errors] == ["Training 1 (22.9.)", "Training 2"]
    assert [x.row for x in e.value.errors] == [2, 2] and "maybe" not in str(e.value)


def test_parse_ticks_notes_in_tick_cells_are_not_echoed():
    df = pd.DataFrame({"a": ["came late and left early because of a seminar", "Sick"]}, index=[2, 3])
    with pytest.raises(InputErrors) as e:
        A.parse_ticks(df, file="f", columns=["a"])
    assert "seminar" not in str(e.value) and "came late" not in str(e.value) and "Sick" not in str(e.value)
    assert [(x.row, x.column) for x in e.value.errors] == [(2, "a"), (3, "a")]


def test_parse_ticks_never_echoes_a_pasted_email_or_phone_number():
    df = pd.DataFrame({"a": ["anna.virtanen@example.fi", "+358 40 765 4321", "?"]}, index=[2, 3, 4])
    with pytest.raises(InputError) as e:
        A.parse_ticks(df, file="f", columns=["a"])
    msg = str(e.value)
    assert "virtanen" not in msg and "765" not in msg and "'?'" not in msg and len(e.value.errors) == 3


# -- session columns -----------------------------------------------------------------------------

def test_session_columns_detected_in_number_order():
    headers = ["Name", "Email", "Meeting 2 (27.10.)", "Meeting 1 (13.10.)", "Notes", "meeting10"]
    assert A.session_columns(headers, "meeting") == {
        "Meeting 1 (13.10.)": "Meeting 1", "Meeting 2 (27.10.)": "Meeting 2", "meeting10": "Meeting 10"}
    assert A.session_columns(["Koulutus 1", "Training 2"], "training") == {
        "Koulutus 1": "Training 1", "Training 2": "Training 2"}
    assert A.session_columns(headers, "meeting", ["Notes", "Meeting 1 (13.10.)"]) == {
        "Notes": "Meeting 1", "Meeting 1 (13.10.)": "Meeting 2"}
    with pytest.raises(InputError, match="Meeting 1 appears in more than one column"):
        A.session_columns(["Meeting 1", "Meeting 1 (again)"], "meeting")


def test_configured_session_columns_keep_the_numbers_their_headers_carry():
    # a second sheet holding only the third training is Training 3, not a second Training 1
    assert A.session_columns(["Email", "Training 3 (20 Jan)"], "training", ["Training 3 (20 Jan)"]) == {
        "Training 3 (20 Jan)": "Training 3"}
    # headers without numbers are numbered in the listed order; a mapping says the numbers outright
    assert A.session_columns([], "meeting", ["Day one", "Day two"]) == {"Day one": "Meeting 1", "Day two": "Meeting 2"}
    assert A.session_columns([], "training", {"Day three": 3, "Day one": 1}) == {
        "Day one": "Training 1", "Day three": "Training 3"}


# -- tables on a hand-made term ------------------------------------------------------------------

def _pid(s):
    return f"P-{s}"


@pytest.fixture
def small_term():
    people = pd.DataFrame({
        "person_id": [_pid(x) for x in ["m1", "m2", "m3", "m4", "p1", "p2", "p3", "p4", "w1"]],
        "role": ["mentor"] * 4 + ["participant"] * 4 + ["participant"],
        "status": ["accepted"] * 8 + ["waitlisted"],
    })
    members = pd.DataFrame({"person_id": [_pid(x) for x in ["m1", "m2", "p1", "p2", "m3", "m4", "p3", "p4"]],
                            "role": ["mentor", "mentor", "participant", "participant"] * 2,
                            "group": ["G1"] * 4 + ["G2"] * 4})
    trainings = pd.DataFrame(
        {"Training 1": [True, True, True], "Training 2": [True, False, True], "Training 3": [True, False, False]},
        index=pd.Index([_pid("m1"), _pid("m2"), _pid("m3")], name="person_id"))  # m4 not on the sheet
    t = True
    f = False
    meetings = pd.DataFrame({
        #            m1 m2 m3 m4 p1 p2 p3 p4 w1
        "Meeting 1": [t, t, t, t, t, t, f, f, t],  # G2: no participant -> not held
        "Meeting 2": [t, f, t, t, t, f, t, f, f],
        "Meeting 3": [t, t, f, t, f, f, f, t, f],
    }, index=pd.Index([_pid(x) for x in ["m1", "m2", "m3", "m4", "p1", "p2", "p3", "p4", "w1"]],
                      name="person_id"))
    return people, members, trainings, meetings


def test_build_tables_hand_computed(small_term):
    people, members, trainings, meetings = small_term
    tables, counts = A.build_tables(trainings, meetings, people, members, trainings_planned=3,
                                    meetings_planned=4)
    # the wait-listed person on the meeting sheet is left out and counted, not an error
    assert counts["meeting"]["not_accepted"] == 1 and counts["meeting"]["kept"] == 8
    assert counts["training"]["missing_from_sheet"] == 1  # m4
    tr = tables["trainings"]
    assert set(tr["person_id"]) == {_pid(x) for x in ["m1", "m2", "m3", "m4"]}
    assert list(tr.columns) == ["person_id", "role", "group", "session", "session_index", "attended"]
    assert not tr.loc[tr["person_id"] == _pid("m4"), "attended"].any()
    mt = tables["meetings"]
    assert _pid("w1") not in set(mt["person_id"])
    assert len(mt) == 8 * 4  # planned meeting 4 is missing from the sheet: nobody attended it

    pp = tables["per_person"].set_index("person_id")
    assert pp.loc[_pid("m1"), ["trainings_attended", "trainings_total"]].tolist() == [3, 3]
    assert pp.loc[_pid("m2"), "training_rate"] == pytest.approx(1 / 3)
    assert pp.loc[_pid("m4"), "trainings_attended"] == 0
    assert pd.isna(pp.loc[_pid("p1"), "training_rate"])
    # held: G1 met at 1, 2 (p1) and not at 3 (no participant); G2 at 2 (p3), 3 (p4)
    assert pp.loc[_pid("p1"), ["meetings_attended", "meetings_held", "meetings_planned"]].tolist() == [2, 2, 4]
    # m1 came to 3 meetings but G1 held 2 (no participant at the third): rate 2/2, count 3
    assert pp.loc[_pid("m1"), ["meetings_attended", "meetings_attended_held"]].tolist() == [3, 2]
    assert pp.loc[_pid("m1"), "meeting_rate"] == pytest.approx(1.0)
    assert pp.loc[_pid("p2"), "meeting_rate"] == pytest.approx(0.5)
    assert pp.loc[_pid("p2"), ["first_meeting", "last_meeting"]].tolist() == [1, 1]
    assert bool(pp.loc[_pid("p2"), "dropped_out"]) and not bool(pp.loc[_pid("p1"), "dropped_out"])
    assert bool(pp.loc[_pid("p3"), "dropped_out"]) and not bool(pp.loc[_pid("p4"), "dropped_out"])

    held = tables["meetings_held"].set_index(["group", "session_index"])["held"]
    assert held.to_dict() == {("G1", 1): True, ("G1", 2): True, ("G1", 3): False, ("G1", 4): False,
                              ("G2", 1): False, ("G2", 2): True, ("G2", 3): True, ("G2", 4): False}
    pg_ = tables["per_group"].set_index("group")
    assert pg_.loc["G1", ["mentors", "participants", "meetings_planned", "meetings_held"]].tolist() == [2, 2, 4, 2]
    assert bool(pg_.loc["G1", "fewer_than_planned"])
    # G1 participants attended 2 + 1 of 2 + 2 held -> 3/4; G2: 1 + 1 of 2 + 2 -> 2/4
    assert pg_.loc["G1", "participant_attendance_rate"] == pytest.approx(0.75)
    assert pg_.loc["G2", "participant_attendance_rate"] == pytest.approx(0.5)
    assert pg_.loc["G1", "mean_participants_present"] == pytest.approx(1.5)

    pm = tables["per_meeting"]
    m1p = pm[(pm["kind"] == "meeting") & (pm["session_index"] == 1) & (pm["role"] == "participant")].iloc[0]
    assert (m1p["expected"], m1p["present"], m1p["rate"], m1p["groups_met"]) == (4, 2, 0.5, 1)
    t2 = pm[(pm["kind"] == "training") & (pm["session_index"] == 2)].iloc[0]
    assert (t2["role"], t2["expected"], t2["present"]) == ("mentor", 4, 2)
    assert pd.isna(t2["groups_met"])

    d = tables["dropout"]
    dp = d[(d["kind"] == "meeting") & (d["role"] == "participant")].set_index("session_index")
    # last meetings: p1 2, p2 1, p3 2, p4 3 -> still taking part at 1: 4, 2: 3, 3: 1, 4: 0
    assert dp["still_taking_part"].tolist() == [4, 3, 1, 0]
    assert dp["retained_rate"].tolist() == pytest.approx([1.0, 0.75, 0.25, 0.0])
    assert dp["present"].tolist() == [2, 2, 1, 0]
    assert (dp["base"] == 4).all()


def test_people_without_groups_still_counted(small_term):
    people, _, trainings, meetings = small_term
    tables, _ = A.build_tables(trainings, meetings, people, None, trainings_planned=3, meetings_planned=3)
    assert tables["per_group"].empty
    assert tables["per_person"]["meetings_held"].eq(0).all()
    assert tables["per_person"]["meeting_rate"].isna().all()


def test_build_tables_is_vectorised_enough_for_a_large_term():
    rng = np.random.default_rng(0)
    n_m, n_p = 1600, 8000
    ids = np.array([f"P-{i:016x}" for i in range(n_m + n_p)])
    people = pd.DataFrame({"person_id": ids, "role": ["mentor"] * n_m + ["participant"] * n_p,
                           "status": "accepted"})
    groups = np.r_[np.arange(n_m) // 2, rng.integers(0, n_m // 2, n_p)]
    members = people.assign(group=[f"G{g:04d}" for g in groups])[["person_id", "role", "group"]]
    tr = pd.DataFrame(rng.random((n_m, 3)) < 0.9, index=pd.Index(ids[:n_m], name="person_id"),
                      columns=[f"Training {i}" for i in (1, 2, 3)])
    mt = pd.DataFrame(rng.random((n_m + n_p, 6)) < 0.8, index=pd.Index(ids, name="person_id"),
                      columns=[f"Meeting {i}" for i in range(1, 7)])
    # Speed is measured in benchmarks/run.py (scale 100); here the large term must come out right.
    tables, _ = A.build_tables(tr, mt, people, members, trainings_planned=3, meetings_planned=6)
    assert len(tables["meetings"]) == (n_m + n_p) * 6
    assert tables["per_person"]["meetings_attended"].sum() == int(mt.to_numpy().sum())


# -- the stage on the demo term ------------------------------------------------------------------

CONFIG = """
term: {{name: attendance-test, title: Test term, start: 2026-10-01, end: 2026-12-18}}
data_dir: {data}
registration: {{mentor_deadline: 2026-09-13, participant_deadline: 2026-09-27, mentor_places: 16,
  participant_places: 80}}
groups: {{count: 8}}
programme: {{trainings: 3, meetings_planned: 6}}
privacy: {{key_source: demo}}
report: {{organisation: Test University}}
inputs:
  - {{id: trainings, kind: training_attendance, file: training_attendance.xlsx,
      columns: {{email: Email, name: Name}}}}
  - {{id: meetings, kind: group_attendance, file: group_attendance.xlsx,
      columns: {{email: Email, name: Name}}}}
"""


@pytest.fixture(scope="module")
def demo_term(tmp_path_factory):
    import mentoring_lib.demo.demodata as demodata

    data = tmp_path_factory.mktemp("demo")
    original = demodata._write_surveys
    demodata._write_surveys = lambda *a, **k: False  # surveys are not needed here
    try:
        summary = demodata.write_demo_term(data)
    finally:
        demodata._write_surveys = original
    return data, summary


def _context(tmp_path: Path, data: Path, people: pd.DataFrame, members: pd.DataFrame | None) -> StageContext:
    cfg_path = tmp_path / "term.yml"
    cfg_path.write_text(CONFIG.format(data=data))
    cfg = load_config(cfg_path)
    ctx = stage_context("attendance", cfg, tmp_path / "out", key=DEMO_KEY)
    ctx.for_stage("registrations").write_table("people", people)
    if members is not None:
        ctx.for_stage("groups").write_table("members", members)
    return ctx


def _upstream(summary):
    truth = summary["people"]
    people = pd.DataFrame({"person_id": pseudonymise(truth["email"], DEMO_KEY).to_numpy(),
                           "role": truth["role"].to_numpy(), "status": truth["status"].to_numpy()})
    acc = people[people["status"] == "accepted"].reset_index(drop=True)
    mentors = acc[acc["role"] == "mentor"].reset_index(drop=True)
    parts = acc[acc["role"] == "participant"].reset_index(drop=True)
    members = pd.concat([mentors.assign(group=[f"Group {i // 2 + 1}" for i in range(len(mentors))]),
                         parts.assign(group=[f"Group {i % 8 + 1}" for i in range(len(parts))])])
    return truth, people, members[["person_id", "role", "group"]]


def test_run_stage_on_demo_term_matches_ground_truth(tmp_path, demo_term):
    data, summary = demo_term
    truth, people, members = _upstream(summary)
    ctx = _context(tmp_path, data, people, members)
    drivers.run(ctx)
    for name in ("trainings", "meetings", "per_person", "per_group", "per_meeting", "dropout"):
        assert ctx.table_path(name).exists()
    pp = ctx.read_table("per_person")
    acc = truth[truth["status"] == "accepted"].assign(
        person_id=pseudonymise(truth.loc[truth["status"] == "accepted", "email"], DEMO_KEY))
    merged = acc.merge(pp, on=["person_id", "role"], suffixes=("_truth", ""))
    assert len(merged) == len(acc) == len(pp)
    assert (merged["trainings_attended_truth"] == merged["trainings_attended"]).all()
    assert (merged["meetings_attended_truth"] == merged["meetings_attended"]).all()
    assert (merged.loc[merged["role"] == "participant", "trainings_total"] == 0).all()
    # tables carry pseudonyms only
    meetings = ctx.read_table("meetings")
    assert meetings["person_id"].str.match(r"^P-[0-9a-f]{16}$").all()
    import json

    quality = json.loads((ctx.out.quality / "attendance.json").read_text())
    assert quality["trainings"]["kept"] == 16 and quality["trainings"]["rows_read"] == 16
    assert quality["meetings"]["kept"] == 96 and quality["meetings"]["excluded"] == {}
    assert any("Meeting 1 (2026-10-13)" in n for n in quality["meetings"]["notes"])
    all_text = json.dumps(quality)
    for email in truth["email"].head(20):
        assert email not in all_text


def test_run_stage_records_people_not_accepted(tmp_path, demo_term):
    data, summary = demo_term
    truth, people, members = _upstream(summary)
    # one accepted participant's registration turned to wait-listed: still on the sheet
    victim = people.index[(people["role"] == "participant") & (people["status"] == "accepted")][0]
    people.loc[victim, "status"] = "waitlisted"
    members = members[members["person_id"] != people.loc[victim, "person_id"]]
    ctx = _context(tmp_path, data, people, members)
    drivers.run(ctx)
    import json

    quality = json.loads((ctx.out.quality / "attendance.json").read_text())
    assert quality["meetings"]["excluded"] == {"not an accepted registration": 1}
    assert quality["meetings"]["kept"] == 95
    assert people.loc[victim, "person_id"] not in set(ctx.read_table("meetings")["person_id"])


def test_unknown_mark_in_sheet_exits_2_naming_file_and_column(tmp_path, demo_term):
    from openpyxl import load_workbook

    data, summary = demo_term
    bad = tmp_path / "data"
    bad.mkdir()
    for f in ("training_attendance.xlsx", "group_attendance.xlsx"):
        (bad / f).write_bytes((data / f).read_bytes())
    wb = load_workbook(bad / "group_attendance.xlsx")
    ws = wb.active
    ws["D5"] = "x?"
    wb.save(bad / "group_attendance.xlsx")
    truth, people, members = _upstream(summary)
    ctx = _context(tmp_path, bad, people, members)
    with pytest.raises(InputError) as e:
        drivers.run(ctx)
    assert e.value.exit_code == 2
    assert e.value.column == ws["D1"].value and e.value.row == 5 and "x?" not in str(e.value)
    assert e.value.file.endswith("group_attendance.xlsx")
    name_on_row = ws["A5"].value
    assert name_on_row not in str(e.value) and ws["B5"].value.strip() not in str(e.value)


def test_summary_and_curve_series(small_term, tmp_path):
    people, members, trainings, meetings = small_term
    tables, _ = A.build_tables(trainings, meetings, people, members, trainings_planned=3, meetings_planned=4)
    s = A.summary(tables).set_index("measure")["value"]
    assert s["Accepted mentors"] == 4 and s["Accepted participants"] == 4
    assert s["Mentors' mean trainings attended"] == pytest.approx((3 + 1 + 2 + 0) / 4)
    assert s["Mentors at every training"] == 1
    assert s["Mean meetings held per group"] == 2 and s["Groups that met fewer times than planned"] == 2
    assert s["Participants who dropped out"] == 2
    curves = A.curve_series(tables)
    assert curves["Still taking part"].tolist() == pytest.approx([100, 75, 25, 0])
    assert curves["Attended"].index.tolist() == ["Meeting 1", "Meeting 2", "Meeting 3", "Meeting 4"]
    from mentoring_lib.outputs.charts import attendance_curve

    _, alt = attendance_curve(curves, "Participants", tmp_path / "c.png")
    assert "Still taking part: Meeting 1 100%, Meeting 2 75%" in alt


# -- sheets as coordinators write them -----------------------------------------------------------

def _csv_term(tmp_path: Path, sheets: dict[str, str], inputs: str, people_emails: dict[str, tuple[str, str]],
              groups: dict[str, str] | None = None) -> StageContext:
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    for name, text in sheets.items():
        (data / name).write_text(text, encoding="utf-8")
    cfg_path = tmp_path / "term.yml"
    head = CONFIG.split("inputs:")[0].format(data=data)
    cfg_path.write_text(head + "inputs:\n" + inputs)
    cfg = load_config(cfg_path)
    ctx = stage_context("attendance", cfg, tmp_path / "out", key=DEMO_KEY)
    emails = pd.Series(list(people_emails))
    people = pd.DataFrame({"person_id": pseudonymise(emails, DEMO_KEY).to_numpy(),
                           "role": [r for r, _ in people_emails.values()],
                           "status": [s for _, s in people_emails.values()]})
    ctx.for_stage("registrations").write_table("people", people)
    if groups:
        members = people.assign(group=[groups.get(e) for e in emails])
        ctx.for_stage("groups").write_table("members", members.dropna(subset=["group"])[
            ["person_id", "role", "group"]])
    return ctx


PEOPLE = {"anna@example.fi": ("mentor", "accepted"), "bo@example.fi": ("mentor", "accepted"),
          "cai@example.org": ("participant", "accepted"), "dan@example.org": ("participant", "accepted"),
          "eve@example.org": ("participant", "waitlisted")}
GROUPS = {"anna@example.fi": "A", "bo@example.fi": "A", "cai@example.org": "A", "dan@example.org": "A"}


def test_sheet_per_group_repeated_rows_and_blank_emails(tmp_path):
    sheets = {
        "t.csv": "Name,E-mail,training 1,Training 2,Training 3\nAnna,ANNA@example.fi ,x,x,\nBo,bo@example.fi,,,✔\n",
        # one sheet per group half; Cai twice (ticks merged), Eve wait-listed, a row without e-mail
        "g1.csv": "Name,E-mail,Meeting 1,Meeting 2\nAnna,anna@example.fi,x,x\nCai,cai@example.org,x,\n"
                  "Cai again,cai@example.org,,kyllä\nEve,eve@example.org,x,x\nNobody,,,\n",
        "g2.csv": "Name,E-mail,Meeting 1,Meeting 2\nBo,bo@example.fi,,x\nDan,dan@example.org,,\n",
    }
    inputs = """  - {id: t, kind: training_attendance, file: t.csv, columns: {email: E-mail}}
  - {id: g1, kind: group_attendance, file: g1.csv, columns: {email: E-mail}}
  - {id: g2, kind: group_attendance, file: g2.csv, columns: {email: E-mail}}
"""
    ctx = _csv_term(tmp_path, sheets, inputs, PEOPLE, GROUPS)
    drivers.run(ctx)
    pp = ctx.read_table("per_person")
    ids = dict(zip(pseudonymise(pd.Series(list(PEOPLE)), DEMO_KEY), PEOPLE))
    pp["email"] = pp["person_id"].map(ids)
    got = pp.set_index("email")
    assert got.loc["anna@example.fi", "trainings_attended"] == 2 and got.loc["bo@example.fi", "trainings_attended"] == 1
    assert got.loc["cai@example.org", "meetings_attended"] == 2  # merged from two rows
    assert got.loc["dan@example.org", "meetings_attended"] == 0
    assert got.loc["bo@example.fi", "meetings_attended"] == 1
    assert "eve@example.org" not in got.index
    # planned 6 meetings, sheets have 2: group A held 2 (a participant at each)
    assert got.loc["cai@example.org", ["meetings_held", "meetings_planned"]].tolist() == [2, 6]
    assert bool(ctx.read_table("per_group")["fewer_than_planned"].iloc[0])
    import json

    q = json.loads((ctx.out.quality / "attendance.json").read_text())
    assert q["g1"]["excluded"] == {"no e-mail and no ticks": 1, "not an accepted registration": 1,
                                   "repeated row of the same person (ticks merged)": 1}
    assert q["g1"]["kept"] == 2 and q["g2"]["kept"] == 2 and q["t"]["kept"] == 2
    assert any("check the e-mail" in n for n in q["g1"]["notes"])
    frame = A.quality_frame(ctx)
    assert frame["input"].tolist() == ["g1", "g2", "t"]


def test_ticks_without_email_is_an_error(tmp_path):
    sheets = {"t.csv": "Name,E-mail,Training 1\nAnna,anna@example.fi,x\nSomeone,,x\n",
              "g.csv": "Name,E-mail,Meeting 1\nAnna,anna@example.fi,x\n"}
    inputs = """  - {id: t, kind: training_attendance, file: t.csv, columns: {email: E-mail}}
  - {id: g, kind: group_attendance, file: g.csv, columns: {email: E-mail}}
"""
    ctx = _csv_term(tmp_path, sheets, inputs, PEOPLE, GROUPS)
    with pytest.raises(InputError) as e:
        drivers.run(ctx)
    assert "no e-mail" in str(e.value) and "rows 3" in str(e.value) and e.value.column == "E-mail"
    assert "Someone" not in str(e.value)


def test_configured_session_columns_matched_loosely_and_missing_named(tmp_path):
    sheets = {"t.csv": "Name,Email,Koulutus A,Koulutus B\nAnna,anna@example.fi,x,1\n",
              "g.csv": "Name,Email,Tapaaminen 1,Tapaaminen 2\nAnna,anna@example.fi,x,\nCai,cai@example.org,x,\n"}
    inputs = """  - {id: t, kind: training_attendance, file: t.csv, session_columns: [koulutus a, KOULUTUS B]}
  - {id: g, kind: group_attendance, file: g.csv}
"""
    ctx = _csv_term(tmp_path, sheets, inputs, PEOPLE, GROUPS)
    drivers.run(ctx)
    tr = ctx.read_table("trainings")
    anna = pseudonymise(pd.Series(["anna@example.fi"]), DEMO_KEY)[0]
    assert tr[tr["person_id"] == anna].sort_values("session_index")["attended"].tolist() == [True, True, False]
    # a configured column that is not in the sheet: the closest headers are named
    bad = inputs.replace("KOULUTUS B", "Koulutus C")
    ctx = _csv_term(tmp_path, sheets, bad, PEOPLE, GROUPS)
    with pytest.raises(InputError) as e:
        drivers.run(ctx)
    assert "Koulutus C" in str(e.value) and "Koulutus B" in str(e.value) and e.value.file.endswith("t.csv")


def test_training_split_over_two_sheets_counts_each_training_once(tmp_path):
    sheets = {"t1.csv": "Name,Email,Training 1 (9 Jan),Training 2 (13 Jan)\nAnna,anna@example.fi,,x\n",
              "t2.csv": "Name,Email,Training 3 (20 Jan)\nAnna,anna@example.fi,x\n",
              "g.csv": "Name,Email,Meeting 1\nAnna,anna@example.fi,x\n"}
    inputs = """  - {id: t1, kind: training_attendance, file: t1.csv,
     session_columns: [Training 1 (9 Jan), Training 2 (13 Jan)]}
  - {id: t2, kind: training_attendance, file: t2.csv, session_columns: [Training 3 (20 Jan)]}
  - {id: g, kind: group_attendance, file: g.csv}
"""
    ctx = _csv_term(tmp_path, sheets, inputs, PEOPLE, GROUPS)
    drivers.run(ctx)
    tr = ctx.read_table("trainings")
    anna = pseudonymise(pd.Series(["anna@example.fi"]), DEMO_KEY)[0]
    # Anna missed the first training and came to the third (numbered 1 within its sheet, it was
    # once merged into Training 1: [True, True, False])
    assert tr[tr["person_id"] == anna].sort_values("session_index")["attended"].tolist() == [False, True, True]


def test_sheet_without_session_columns(tmp_path):
    sheets = {"t.csv": "Name,Email,Day one\nAnna,anna@example.fi,x\n",
              "g.csv": "Name,Email,Meeting 1\nAnna,anna@example.fi,x\n"}
    inputs = """  - {id: t, kind: training_attendance, file: t.csv}
  - {id: g, kind: group_attendance, file: g.csv}
"""
    ctx = _csv_term(tmp_path, sheets, inputs, PEOPLE, GROUPS)
    with pytest.raises(InputError, match="no session columns found") as e:
        drivers.run(ctx)
    assert e.value.file.endswith("t.csv") and "session_columns" in e.value.hint


def test_term_without_training_sheet_is_noted(tmp_path):
    sheets = {"g.csv": "Name,Email,Meeting 1\nAnna,anna@example.fi,x\nCai,cai@example.org,x\n"}
    inputs = "  - {id: g, kind: group_attendance, file: g.csv}\n"
    ctx = _csv_term(tmp_path, sheets, inputs, PEOPLE, GROUPS)
    drivers.run(ctx)
    import json

    q = json.loads((ctx.out.quality / "attendance.json").read_text())
    assert q["training_attendance"]["rows_read"] == 0
    assert any("nobody is counted" in n for n in q["training_attendance"]["notes"])
    assert any("2 accepted mentors not on the training sheet" in n for n in q["training_attendance"]["notes"])
    assert (ctx.read_table("per_person").query("role == 'mentor'")["trainings_attended"] == 0).all()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_tables_against_a_loop_reference(seed):
    """Random terms: every count recomputed person by person with plain loops."""
    rng = np.random.default_rng(seed)
    n_m, n_p, n_g, n_s = 6, 20, 3, 5
    ids = [f"P-{i:016x}" for i in range(n_m + n_p + 2)]
    roles = ["mentor"] * n_m + ["participant"] * (n_p + 2)
    status = ["accepted"] * (n_m + n_p) + ["waitlisted", "waitlisted"]
    people = pd.DataFrame({"person_id": ids, "role": roles, "status": status})
    group_of = {pid: f"G{i // 2}" for i, pid in enumerate(ids[:n_m])}
    group_of.update({pid: f"G{rng.integers(n_g)}" for pid in ids[n_m:n_m + n_p - 1]})  # one unallocated
    members = pd.DataFrame({"person_id": list(group_of), "role": [roles[ids.index(p)] for p in group_of],
                            "group": list(group_of.values())})
    on_sheet = [p for p in ids if rng.random() < 0.9]
    ticks = rng.random((len(on_sheet), n_s)) < 0.6
    meetings = pd.DataFrame(ticks, index=pd.Index(on_sheet, name="person_id"),
                            columns=[f"Meeting {i}" for i in range(1, n_s + 1)])
    trainings = pd.DataFrame(rng.random((n_m, 3)) < 0.7, index=pd.Index(ids[:n_m], name="person_id"),
                             columns=["Training 1", "Training 2", "Training 3"])
    tables, counts = A.build_tables(trainings, meetings, people, members, trainings_planned=3,
                                    meetings_planned=n_s + 1)

    accepted = [p for p, s in zip(ids, status) if s == "accepted"]
    tick = {p: list(ticks[i]) + [False] for i, p in enumerate(on_sheet)}  # planned session 6: nobody
    att = {p: tick.get(p, [False] * (n_s + 1)) for p in accepted}
    held = {}
    for g in sorted(set(group_of.values())):
        for s in range(n_s + 1):
            held[(g, s + 1)] = any(att[p][s] for p in accepted
                                   if group_of.get(p) == g and roles[ids.index(p)] == "participant")
    got_held = tables["meetings_held"].set_index(["group", "session_index"])["held"].to_dict()
    assert got_held == held
    pp = tables["per_person"].set_index("person_id")
    assert sorted(pp.index) == sorted(accepted)
    for p in accepted:
        g = group_of.get(p)
        n_held = sum(held[(g, s)] for s in range(1, n_s + 2)) if g else 0
        attended = sum(att[p])
        in_held = sum(att[p][s - 1] and held[(g, s)] for s in range(1, n_s + 2)) if g else 0
        last = max([s for s in range(1, n_s + 2) if att[p][s - 1]], default=0)
        last_held = max([s for s in range(1, n_s + 2) if g and held[(g, s)]], default=0)
        row = pp.loc[p]
        assert row["meetings_attended"] == attended
        assert row["meetings_held"] == n_held
        assert row["last_meeting"] == last
        assert bool(row["dropped_out"]) == (last_held > 0 and last < last_held)
        if n_held:
            assert row["meeting_rate"] == pytest.approx(in_held / n_held)
        else:
            assert pd.isna(row["meeting_rate"])
    assert counts["meeting"]["not_accepted"] == sum(p not in accepted for p in on_sheet)
    # drop-out curve for participants
    parts = [p for p in accepted if roles[ids.index(p)] == "participant"]
    d = tables["dropout"].query("kind == 'meeting' and role == 'participant'").set_index("session_index")
    for s in range(1, n_s + 2):
        lasts = [max([k for k in range(1, n_s + 2) if att[p][k - 1]], default=0) for p in parts]
        assert d.loc[s, "still_taking_part"] == sum(x >= s for x in lasts)
        assert d.loc[s, "present"] == sum(att[p][s - 1] for p in parts)
        assert d.loc[s, "base"] == len(parts)


# -- a meeting sheet that lists only the mentors (issue 12) ----------------------------------------

def test_mentors_only_meeting_sheet_still_reports_meetings_held(tmp_path, monkeypatch):
    """Group 1's mentors ticked meetings 1 and 2, group 2's meeting 1: held 2 and 1 times, although no
    participant is on the sheet; the participants attended nothing."""
    from conftest import run_through, small_term

    monkeypatch.setenv("MENTORING_KEY", "5e" * 32)
    sheet = ["M1,m1@example.org,x,x,", "M2,m2@example.org,x,,", "M3,m3@example.org,x,,", "M4,m4@example.org,,,"]
    ctx = run_through("attendance", small_term(tmp_path, rows={"meetings.csv": sheet}), tmp_path / "out")
    groups = ctx.read_table("per_group", stage="attendance").set_index("group")
    assert groups["meetings_held"].to_dict() == {"1": 2, "2": 1}
    persons = ctx.read_table("per_person", stage="attendance")
    assert persons.loc[persons["role"] == "participant", "meetings_attended"].sum() == 0


def test_mentors_alone_hold_a_meeting_only_in_a_group_without_participants_on_the_sheet():
    from mentoring_lib.steps.attendance import meetings_held

    long = pd.DataFrame({"person_id": ["a", "b", "c", "d"], "role": ["mentor", "participant"] * 2,
                         "group": ["1", "1", "2", "2"], "session": "Meeting 1", "session_index": 1,
                         "attended": [True, False, True, False]})
    assert meetings_held(long)["held"].tolist() == [False, False]
    assert meetings_held(long, mentors_only=["2"])["held"].tolist() == [False, True]
