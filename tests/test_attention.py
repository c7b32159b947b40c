"""The "Needs your attention" list (issue 14): on small fixtures, not the demo term."""
from __future__ import annotations

import types

import openpyxl
import pandas as pd
import pytest
from conftest import SMALL_TERM_ROWS, small_term

from mentoring_lib.steps import attention, evaluation_reach
from mentoring_lib.pipeline import runner, stages
from mentoring_lib.config import load_config
from mentoring_lib.pipeline.context import OutputPaths, StageContext, run_in_process

MEMBERS = pd.DataFrame({
    "person_id": ["m1", "m2", "p1", "p2", "p3", "p4", "p5"],
    "role": ["mentor", "mentor", "participant", "participant", "participant", "participant", "participant"],
    "group": [1, 1, 1, 1, 2, None, None],
    "reason": ["", "", "", "", "", "not placed: no group meets at a time they marked", "not placed: x"],
})


def test_unplaced_participants_are_listed_with_the_reason():
    out = attention.unplaced_participants(MEMBERS)
    assert out["person_id"].tolist() == ["p4", "p5"]
    assert out["reason"].iloc[0] == "not placed: no group meets at a time they marked"


@pytest.mark.parametrize("min_size, max_size, expected", [
    (1, 2, []), (2, 2, [("2", 1)]), (1, 1, [("1", 2)]), (3, 4, [("1", 2), ("2", 1)]),
])
def test_groups_outside_min_and_max_size_are_listed(min_size, max_size, expected):
    out = attention.groups_out_of_size(MEMBERS, min_size, max_size)
    assert list(zip(out["group"], out["participants"])) == expected


def test_attendance_of_people_in_no_group_is_listed_by_meetings_ticked():
    meetings = pd.DataFrame({"person_id": ["p1", "p4", "p4", "p4", "p5", "p9"],
                             "session": ["Meeting 1", "Meeting 1", "Meeting 2", "Meeting 2", "Meeting 1", "Meeting 3"],
                             "attended": [True, True, True, False, False, True]})
    out = attention.attendance_without_group(meetings, MEMBERS)
    # p4: two meetings (a repeated row counts once; an unticked one not at all); p5 ticked nothing
    assert dict(zip(out["person_id"], out["meetings_ticked"])) == {"p4": 2, "p9": 1}


def test_funnel_does_not_count_attendance_of_people_in_no_group(tmp_path):
    cfg = load_config(small_term(tmp_path))
    people = pd.DataFrame({"person_id": ["p1", "p4"], "role": "participant", "status": "accepted"})
    meetings = pd.DataFrame({"person_id": ["p1", "p4", "p4", "p4"],
                             "session": ["Meeting 1", "Meeting 1", "Meeting 2", "Meeting 3"], "attended": True})
    trainings = pd.DataFrame(columns=["person_id", "session", "attended"])

    def step(fc, name):
        return int(fc[(fc["role"] == "participant") & (fc["step"] == name)]["n"].iloc[0])

    everyone = evaluation_reach.funnel_counts(people, trainings, meetings, cfg)
    assert step(everyone, "active") == 2 and step(everyone, "completed") == 1
    placed = evaluation_reach.funnel_counts(people, trainings, meetings, cfg, attention.placed_people(MEMBERS))
    assert step(placed, "active") == 1 and step(placed, "completed") == 0


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    """A small term with one participant nobody's slot fits (ticked at two meetings) and one mentor
    whose name is in lower case, run through every stage up to the certificates in-process."""
    folder = tmp_path_factory.mktemp("attention")
    mp = pytest.MonkeyPatch()
    mp.setenv("MENTORING_KEY", "5e" * 32)
    rows = dict(SMALL_TERM_ROWS)
    rows["mentors.csv"] = [rows["mentors.csv"][0].replace("Aino Aaltonen", "aino aaltonen"), *rows["mentors.csv"][1:]]
    rows["participants.csv"] = [*rows["participants.csv"], "2026/09/20 11:00:00,Kaisa Kivelä,p7@example.org,English,Fri 8-10"]
    rows["meetings.csv"] = [*rows["meetings.csv"], "P7,p7@example.org,x,x,"]
    config = load_config(small_term(folder, rows=rows))
    out = OutputPaths(folder / "out").ensure()
    ctx = StageContext(stages.STAGES[0].name, config, out)
    for name in ("registrations", "groups", "attendance", "certificates"):
        run_in_process(ctx.for_stage(name))
    yield config, out
    mp.undo()


def test_a_run_lists_what_needs_attention_and_writes_the_names_privately(small_run):
    config, out = small_run
    items = attention.write(out.private, config)
    assert [(a.sheet, a.count) for a in items] == [
        ("Certificates", 1), ("Unplaced participants", 1), ("Attendance, no group", 1)]
    wb = openpyxl.load_workbook(out.private / attention.WORKBOOK)
    assert wb.sheetnames == ["Certificates", "Unplaced participants", "Attendance, no group"]
    stray = [[c.value for c in row] for row in wb["Attendance, no group"].iter_rows()]
    assert stray[0][:3] == ["Name", "Email", "Role"] and stray[1][1] == "p7@example.org" and stray[1][-1] == 2
    assert [c.value for c in wb["Certificates"][2]][:2] == ["aino aaltonen", "m1@example.org"]


def test_the_console_list_has_counts_and_where_to_look_but_no_names(small_run, tmp_path):
    config, out = small_run
    items = attention.write(out.private, config)
    lines: list[str] = []
    result = runner.RunResult("r", "ok", 0, out.root, attention=items)
    runner.print_outputs(result, lines.append)
    text = "\n".join(lines)
    assert "Needs your attention" in text and str(out.private / attention.WORKBOOK) in text
    assert "1 accepted participant(s) in no group" in text
    assert "1 certificate name(s) in lower case or ALL CAPS" in text
    for secret in ("aino", "Kaisa", "p7@example.org", "m1@example.org"):
        assert secret not in text


def test_nothing_to_attend_to_removes_an_old_list(tmp_path, monkeypatch):
    monkeypatch.setenv("MENTORING_KEY", "5e" * 32)
    config = load_config(small_term(tmp_path))
    private = tmp_path / "private"
    (private / "tables").mkdir(parents=True)
    (private / attention.WORKBOOK).write_bytes(b"old")
    assert attention.write(private, config) == []
    assert not (private / attention.WORKBOOK).exists()
    lines: list[str] = []
    attention.echo_list([], private, lines.append)
    assert lines[-1] == "Needs your attention: nothing."


def test_the_run_details_record_the_list(small_run):
    config, out = small_run
    items = attention.write(out.private, config)
    assert [a.record()["count"] for a in items] == [1, 1, 1]
    assert types.SimpleNamespace(**items[0].record()).sheet == "Certificates"


def test_an_unchanged_run_repeats_the_recorded_list(tmp_path):
    details = tmp_path / "run-details.json"
    item = attention.Attention("Group sizes", 2, "group(s) outside groups.min_size..max_size", "move people")
    details.write_text(__import__("json").dumps({"needs_attention": [item.record()]}), encoding="utf-8")
    assert runner.attention_of(details) == [item]
    assert runner.attention_of(tmp_path / "missing.json") == []


def test_groups_outside_the_configured_sizes_are_listed_with_their_size(small_run):
    config, out = small_run
    # the small term forms two groups of three participants; a stricter rule finds both too small
    strict = config.model_copy(update={"groups": config.groups.model_copy(update={"min_size": 4, "max_size": 5})})
    items = attention.write(out.private, strict)
    assert [(a.sheet, a.count) for a in items if a.sheet == "Group sizes"] == [("Group sizes", 2)]
    wb = openpyxl.load_workbook(out.private / attention.WORKBOOK)
    rows = [[c.value for c in row] for row in wb["Group sizes"].iter_rows()]
    assert rows == [["Group", "Participants", "Allowed"], ["1", 3, "4-5"], ["2", 3, "4-5"]]
    attention.write(out.private, config)  # back to the term's own list for the other tests
