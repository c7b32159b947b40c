"""`mentoring status`: meetings due and held per group, alerts (exit 10), survey response, reminders."""
from __future__ import annotations

import datetime as dt
import shutil
import stat
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml

from conftest import DEMO_CONFIG, ROOT, small_term
from mentoring_lib import cli
from mentoring_lib.config import AlertRules, load_config
from mentoring_lib.errors import ConfigError
from mentoring_lib.pipeline.status import (EXIT_ALERTS, HELD, MISSED, NOT_YET_DUE, answered_by, compute_status,
                                  find_alerts, group_status, header_date, meeting_grid, run_status,
                                  session_dates, survey_response)

D = dt.date


# -- pure rules on hand-made tables (not the demo) -------------------------------------------------

def test_header_date_reads_iso_and_day_first_dates():
    assert header_date("Meeting 3 (2026-11-03)") == D(2026, 11, 3)
    assert header_date("Tapaaminen 2 3.11.2026") == D(2026, 11, 3)
    assert header_date("Meeting 2") is None
    assert header_date("Meeting 2 (2026-13-40)") is None


def test_session_dates_prefer_the_config_and_refuse_a_short_list_exit2():
    headers = {"Meeting 1 (2026-10-13)": "Meeting 1", "Meeting 2": "Meeting 2"}
    assert session_dates(["Meeting 1", "Meeting 2"], headers, [], key="k") == {
        "Meeting 1": D(2026, 10, 13), "Meeting 2": None}
    assert session_dates(["Meeting 1", "Meeting 2"], headers, [D(2026, 1, 1), D(2026, 1, 8)], key="k") == {
        "Meeting 1": D(2026, 1, 1), "Meeting 2": D(2026, 1, 8)}
    with pytest.raises(ConfigError) as e:
        session_dates(["Meeting 1", "Meeting 2"], headers, [D(2026, 1, 1)], key="programme.meeting_dates")
    assert e.value.exit_code == 2 and "programme.meeting_dates" in e.value.render()


def _held(present: dict[str, list[int]]) -> pd.DataFrame:
    """A meetings_held table: group -> participants present at meetings 1.. (0 = not held)."""
    rows = [{"group": g, "session": f"Meeting {i}", "session_index": i, "held": n > 0,
             "participants_present": n, "mentors_present": 2}
            for g, counts in present.items() for i, n in enumerate(counts, 1)]
    return pd.DataFrame(rows)


DATES = {"Meeting 1": D(2026, 10, 6), "Meeting 2": D(2026, 10, 13), "Meeting 3": D(2026, 10, 20),
         "Meeting 4": D(2026, 10, 27), "Meeting 5": None}


def test_meetings_after_the_as_of_date_are_not_yet_due_never_missed():
    # Group 2 held nothing from meeting 2 on; on 2026-10-14 only meetings 1 and 2 are due.
    grid = meeting_grid(_held({"1": [8, 8, 7, 7, 0], "2": [6, 0, 0, 0, 0]}), DATES, D(2026, 10, 14))
    states = grid.pivot(index="group", columns="session_index", values="state")
    assert states.loc["1"].tolist() == [HELD, HELD, NOT_YET_DUE, NOT_YET_DUE, NOT_YET_DUE]
    assert states.loc["2"].tolist() == [HELD, MISSED, NOT_YET_DUE, NOT_YET_DUE, NOT_YET_DUE]
    groups = group_status(grid, D(2026, 10, 14)).set_index("group")
    assert groups.loc["2", ["meetings_due", "meetings_held", "meetings_missed", "meetings_not_yet_due"]].tolist() \
        == [2, 1, 1, 3]
    assert groups.loc["2", "last_met"] == D(2026, 10, 6)
    assert groups.loc["2", "weeks_since_last_meeting"] == pytest.approx(8 / 7, abs=0.05)
    assert groups.loc["1", ["participants_previous_due", "participants_last_due"]].tolist() == [8, 8]
    assert groups.loc["1", "next_meeting"] == D(2026, 10, 20)
    # A meeting without a date (Meeting 5) is never due.
    late = meeting_grid(_held({"1": [8, 8, 7, 7, 0]}), DATES, D(2027, 6, 1))
    assert late.set_index("session").loc["Meeting 5", "state"] == NOT_YET_DUE


def test_alert_rules_each_fire_on_their_own_case():
    rules = AlertRules(no_meeting_weeks=3, attendance_drop=0.5, missed_meetings=2)
    held = _held({"1": [8, 8, 7, 7], "2": [6, 0, 0, 0], "3": [8, 4, 8, 3], "4": [0, 0, 0, 0], "5": [8, 5, 6, 6]})
    as_of = D(2026, 10, 28)  # every meeting due; 3 weeks after 2026-10-06 is 2026-10-27
    grid = meeting_grid(held, DATES, as_of)
    found = {(a.group, a.rule) for a in find_alerts(group_status(grid, as_of), grid, rules, as_of)}
    assert found == {
        ("2", "no_meeting_weeks"), ("2", "missed_meetings"),  # met on 6.10. only: 3.1 weeks, 3 missed
        ("3", "attendance_drop"),                             # 8 -> 3: a drop of 62%
        ("4", "no_meeting_weeks"), ("4", "missed_meetings"),  # never met: counted from its first meeting
    }  # group 2's last two due meetings had 0 and 0 participants: no drop to speak of
    # Group 5: 6 -> 6 no drop; group 1: 7 -> 7. Rules switched off raise nothing.
    off = AlertRules(no_meeting_weeks=None, attendance_drop=None, missed_meetings=None)
    assert find_alerts(group_status(grid, as_of), grid, off, as_of) == []


def test_no_meeting_rule_counts_weeks_and_needs_a_missed_meeting():
    rules = AlertRules(no_meeting_weeks=3, attendance_drop=None, missed_meetings=None)
    held = _held({"2": [6, 0, 0, 0]})
    for as_of, alerted in [(D(2026, 10, 26), False), (D(2026, 10, 27), True)]:  # 20 days, then 21
        grid = meeting_grid(held, DATES, as_of)
        assert bool(find_alerts(group_status(grid, as_of), grid, rules, as_of)) is alerted
    # Three weeks since the last meeting but nothing missed (no meeting was due): no alert.
    gap = {"Meeting 1": D(2026, 10, 6), "Meeting 2": D(2026, 11, 10), "Meeting 3": None, "Meeting 4": None}
    grid = meeting_grid(_held({"1": [6, 6, 0, 0]}), gap, D(2026, 11, 2))
    assert find_alerts(group_status(grid, D(2026, 11, 2)), grid, rules, D(2026, 11, 2)) == []


def test_alert_lines_name_group_numbers_only():
    held = _held({"7": [9, 2, 0, 0]})
    grid = meeting_grid(held, DATES, D(2026, 10, 14))
    [alert] = find_alerts(group_status(grid, D(2026, 10, 14)), grid, AlertRules(), D(2026, 10, 14))
    assert alert.line() == ("ALERT group 7: participants at the last due meeting fell from 9 to 2 "
                            "(rule: a drop of 50% or more)")


def test_survey_response_counts_the_asked_who_answered_by_the_date():
    asked = pd.DataFrame({"person_id": ["a", "b", "c", "d"]})
    respondents = pd.DataFrame({"person_id": ["a", "b", "x"], "submitted_at": pd.to_datetime(
        ["2026-12-10 10:00", "2026-12-20 10:00", "2026-12-01 10:00"]).tz_localize("Europe/Helsinki")})
    answered = answered_by(respondents, D(2026, 12, 15))
    assert answered == ["a", "x"]
    n, rate, missing = survey_response(asked, answered)
    assert (n, rate, missing["person_id"].tolist()) == (1, 0.25, ["b", "c", "d"])
    assert survey_response(asked, None)[1] is None and survey_response(asked, None)[2].empty


def test_config_alert_defaults_and_unknown_survey_id_exit2(tmp_path):
    assert AlertRules().model_dump() == {"no_meeting_weeks": 3, "attendance_drop": 0.5, "missed_meetings": 2}
    data = yaml.safe_load(DEMO_CONFIG.read_text())
    data["data_dir"] = str(ROOT / "data" / "demo")
    data["codebook"] = str(ROOT / "config" / "codebooks" / "demo.yml")
    data["surveys"] = {"feedback_aftr": {"link": "https://forms.example.org/x"}}
    path = tmp_path / "bad.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    with pytest.raises(ConfigError) as e:
        load_config(path)
    assert e.value.exit_code == 2 and "feedback_aftr" in e.value.render()


# -- a small term (not the demo) -----------------------------------------------------------------------

def test_small_term_group_that_stopped_after_meeting_1(tmp_path, monkeypatch):
    monkeypatch.setenv("MENTORING_KEY", "5e" * 32)
    # Tuesday's group (p4-p6 and mentors m3, m4) met once; Monday's group met every time.
    rows = ([f"M{i},m{i}@example.org,x,x,x" for i in (1, 2)] + [f"M{i},m{i}@example.org,x,," for i in (3, 4)]
            + [f"P{i},p{i}@example.org,x,x,x" for i in (1, 2, 3)] + [f"P{i},p{i}@example.org,x,," for i in (4, 5, 6)])
    config = small_term(tmp_path, rows={"meetings.csv": rows},
                        headers={"meetings.csv": "Name,Email,Meeting 1 (2026-10-06),Meeting 2 (13.10.2026),"
                                                 "Meeting 3 (2026-10-27)"})
    result = run_status(config, as_of=D(2026, 10, 28))
    g = result.groups.set_index("group")
    assert sorted(g["meetings_held"].tolist()) == [1, 3]
    stopped = g[g["meetings_held"] == 1].iloc[0]
    assert (stopped["meetings_due"], stopped["meetings_missed"], stopped["missed_in_a_row"]) == (3, 2, 2)
    assert stopped["weeks_since_last_meeting"] == 3.1
    assert result.exit_code == EXIT_ALERTS
    assert {a.rule for a in result.alerts} == {"no_meeting_weeks", "missed_meetings"}
    # On 2026-10-12 only meeting 1 was due: no alert, exit 0.
    assert run_status(config, as_of=D(2026, 10, 12)).exit_code == 0


# -- the demo term ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo_groups(tmp_path_factory) -> dict[str, str]:
    """E-mail (lower case) -> group number of the demo's accepted people."""
    from mentoring_lib.pipeline.context import OutputPaths, StageContext, run_in_process

    cfg = load_config(DEMO_CONFIG)
    ctx = StageContext("registrations", cfg, OutputPaths(tmp_path_factory.mktemp("groups")).ensure())
    run_in_process(ctx)
    run_in_process(ctx.for_stage("groups"))
    members = ctx.read_table("members", stage="groups")
    identity = pd.read_parquet(ctx.out.private / "identity" / "people.parquet")
    both = members.merge(identity[["person_id", "email"]], on="person_id")
    return dict(zip(both["email"].str.lower(), both["group"].astype(str)))


def _demo_copy(tmp_path: Path, *, stop_group: str | None = None, cut_after: int | None = None,
               alerts: dict | None = None) -> Path:
    """The demo term with its meeting sheet as it stood during the term: ``stop_group`` stopped after
    meeting 1 (its ticks from meeting 2 on blanked); columns after meeting ``cut_after`` blank."""
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data" / "demo", data)
    if stop_group or cut_after:
        wb = openpyxl.load_workbook(data / "group_attendance.xlsx")
        ws = wb.active
        headers = [c.value for c in ws[1]]
        email_col = headers.index("Email")
        for row in ws.iter_rows(min_row=2):
            in_stopped = str(row[email_col].value or "").lower() in _demo_copy.groups_of(stop_group)
            for j, h in enumerate(headers):
                n = int(h.split()[1]) if str(h).startswith("Meeting") else 0
                if (n >= 2 and in_stopped) or (cut_after and n > cut_after):
                    row[j].value = None
        wb.save(data / "group_attendance.xlsx")
    cfg = yaml.safe_load(DEMO_CONFIG.read_text())
    cfg["data_dir"] = str(data)
    cfg["codebook"] = str(ROOT / "config" / "codebooks" / "demo.yml")
    cfg["alerts"] = {**cfg.get("alerts", {}), **(alerts or {})}
    path = tmp_path / "demo.yml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False))
    return path


@pytest.fixture
def demo_copy(demo_groups):
    _demo_copy.groups_of = lambda g: {e for e, grp in demo_groups.items() if grp == g} if g else set()
    return _demo_copy


def test_demo_on_2026_11_01_reports_two_meetings_due_and_held_per_group(tmp_path):
    # The demo's meetings: 13.10., 27.10., 3.11., 17.11., 1.12., 15.12.2026: on 1.11. two are due.
    result = compute_status(load_config(DEMO_CONFIG), D(2026, 11, 1), tmp_path)
    g = result.groups
    assert g["group"].tolist() == [str(i) for i in range(1, 9)]
    assert (g["meetings_due"] == 2).all() and (g["meetings_held"] == 2).all()
    assert (g["meetings_not_yet_due"] == 4).all() and (g["meetings_missed"] == 0).all()
    assert (g["next_meeting"] == D(2026, 11, 3)).all()
    # Every group last met on 27.10.: 5 days, 0.7 weeks.
    assert (g["weeks_since_last_meeting"] == 0.7).all()
    # Group 2's participants fell from 7 at meeting 1 to 3 at meeting 2 (the sheet, counted by hand
    # in the demo's attendance table): the only alert on that day.
    assert g.set_index("group").loc["2", ["participants_previous_due", "participants_last_due"]].tolist() == [7, 3]
    assert [(a.group, a.rule) for a in result.alerts] == [("2", "attendance_drop")]
    # Mentors: three trainings, all before 1.11., so all due.
    assert len(result.mentors) == 16 and (result.mentors["trainings_due"] == 3).all()


def test_demo_truncated_group_that_stopped_after_meeting_1(tmp_path, demo_copy):
    config = demo_copy(tmp_path, stop_group="5", cut_after=2, alerts={"attendance_drop": None})
    early = run_status(config, as_of=D(2026, 11, 1))
    g = early.groups.set_index("group")
    assert g.loc["5", ["meetings_due", "meetings_held", "meetings_missed"]].tolist() == [2, 1, 1]
    assert (g.drop("5")["meetings_held"] == 2).all()
    # 19 days since 13.10.: under three weeks, one meeting missed: no alert yet.
    assert early.exit_code == 0 and early.alerts == []
    # 4.11.: meeting 3 (3.11.) is due and was not held by anyone (the sheet was cut after meeting 2).
    later = run_status(config, as_of=D(2026, 11, 4))
    assert later.exit_code == EXIT_ALERTS
    assert {(a.group, a.rule) for a in later.alerts if a.group == "5"} == {
        ("5", "no_meeting_weeks"), ("5", "missed_meetings")}
    assert {a.group for a in later.alerts if a.rule == "no_meeting_weeks"} == {"5"}  # others met 27.10.


def test_demo_truncated_sheet_equals_the_full_sheet_read_at_the_same_date(tmp_path, demo_copy):
    cut = run_status(demo_copy(tmp_path / "cut", cut_after=3), as_of=D(2026, 11, 10)).groups
    full = run_status(demo_copy(tmp_path / "full"), as_of=D(2026, 11, 10)).groups
    pd.testing.assert_frame_equal(cut, full)


def test_status_cli_exits_10_prints_group_numbers_only_and_writes_only_private_files(tmp_path, demo_copy,
                                                                                       capsys):
    config = demo_copy(tmp_path, stop_group="3")
    code = cli.main(["status", "--config", str(config), "--as-of", "2026-11-10"])
    out = capsys.readouterr().out
    assert code == 10
    assert "ALERT group 3: no meeting for 4 weeks (last met 2026-10-13; rule: 3 weeks)" in out
    names = pd.read_excel(ROOT / "data" / "demo" / "mentor_registrations.xlsx")["Name"].dropna()
    assert not [n for n in names if n in out]
    term_dir = load_config(config).term_dir
    assert sorted(p.name for p in term_dir.iterdir()) == ["status"]  # no public/, private/ or run
    files = [p for p in (term_dir / "status").rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"status.html", "status.xlsx"}
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in files)
    assert not [p for p in (term_dir / "status").iterdir() if p.name.startswith(".work")]


def test_demo_reminder_list_holds_the_accepted_participants_who_have_not_answered(tmp_path, demo_copy):
    config = demo_copy(tmp_path)
    result = run_status(config, as_of=D(2026, 12, 20))
    reminders = pd.read_csv(load_config(config).term_dir / "status" / "reminders" / "feedback_after.csv")
    # Independent reference: the export's e-mails answered by 20.12. and the answer key's accepted.
    after = pd.read_csv(ROOT / "data" / "demo" / "feedback_after.csv", sep=";", encoding="utf-8-sig")
    when = pd.to_datetime(after["Response date"], format="%d.%m.%Y %H:%M")
    answered = set(after.loc[when.dt.date <= D(2026, 12, 20), "Email address"].str.strip().str.lower())
    assert not answered & set(reminders["email"].str.lower())
    row = result.surveys.set_index("survey").loc["feedback_after"]
    assert row["asked"] == 80 and row["answered"] + len(reminders) == 80
    assert row["response_rate"] == pytest.approx(row["answered"] / 80)
    assert (reminders["link"] == "https://forms.example.org/demo-after").all()
    assert set(reminders["role"]) == {"participant"}
    # The before-survey closed on 16.10.: no list for it.
    assert sorted(result.reminders) == ["feedback_after", "mentor_after", "mentor_feedback"]
    # The mentors' own after-survey (kind feedback_after) asks the mentors: its codebook role.
    mentors_after = result.surveys.set_index("survey").loc["mentor_after"]
    assert (mentors_after["audience"], mentors_after["asked"]) == ("mentor", 16)
    assert set(result.reminders["mentor_after"]["role"]) == {"mentor"}


def test_documented_status_cron_line_mails_alert_lines_only(tmp_path):
    import subprocess

    line = next(ln for ln in (ROOT / "examples" / "cron.txt").read_text().splitlines()
                if "mentoring status" in ln and not ln.startswith("#"))
    assert line in (ROOT / "docs" / "scheduling.md").read_text(), "the docs show the example's line"
    command = line.split(None, 5)[5].replace("/srv/mentoring-workbook", str(tmp_path))
    assert "%" not in command, "cron turns % into a newline"
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    fake = tmp_path / ".venv" / "bin" / "mentoring"
    fake.write_text('#!/bin/sh\necho "Status on 2026-11-10: 8 groups"\n'
                    'if [ "$FAKE_RC" = 10 ]; then echo "ALERT group 3: no meeting for 4 weeks"; fi\n'
                    'echo "Private status page: x"\nexit $FAKE_RC\n')
    fake.chmod(0o755)
    mails = {}
    for rc in (0, 10, 2):
        done = subprocess.run(["/bin/sh", "-c", command], env={"PATH": "/usr/bin:/bin", "FAKE_RC": str(rc)},
                              capture_output=True, text=True, check=False)
        mails[rc] = done.stdout
    assert mails[0] == ""
    assert mails[10] == "ALERT group 3: no meeting for 4 weeks\n"
    assert mails[2].startswith("mentoring status of autumn-2026 exited 2: see ")
