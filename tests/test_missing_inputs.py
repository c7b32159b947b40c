"""Missing is not zero (issue 14): a small term whose attendance or surveys are not there yet
reports those sections as not available and draws nothing for them. Small fixtures, not the demo."""
from __future__ import annotations

import pandas as pd
import pytest
from conftest import small_term

from mentoring_lib.steps import availability, report
from mentoring_lib.pipeline import stages
from mentoring_lib.config import load_config
from mentoring_lib.pipeline.context import OutputPaths, StageContext, run_in_process


def run_small_term(folder, *, absent: tuple[str, ...], through: str = "evaluation"):
    """A small term whose ``absent`` files are marked ``required: false`` and not there, run in-process."""
    config_path = small_term(folder)
    text = config_path.read_text(encoding="utf-8")
    for name in absent:
        text = text.replace(f"file: {name},", f"file: {name}, required: false,")
        (folder / "data" / name).unlink()
    config_path.write_text(text, encoding="utf-8")
    config = load_config(config_path)
    ctx = StageContext(stages.STAGES[0].name, config, OutputPaths(folder / "out").ensure())
    names = [s.name for s in stages.STAGES]
    for name in names[:names.index(through) + 1]:
        if name != "certificates":
            run_in_process(ctx.for_stage(name))
    return ctx


def tables_of(ctx) -> dict[str, pd.DataFrame]:
    return report.read_evaluation(ctx.for_stage("report"))


def narrative(tables) -> str:
    return "\n".join(tables["narrative"]["text"])


@pytest.fixture(autouse=True)
def key(monkeypatch):
    monkeypatch.setenv("MENTORING_KEY", "5e" * 32)


def test_missing_kinds_are_the_tracked_inputs_without_a_file(tmp_path):
    config = load_config(small_term(tmp_path))
    assert availability.missing_kinds(config) == frozenset()
    (tmp_path / "data" / "meetings.csv").unlink()
    assert availability.missing_kinds(config) == {"group_attendance"}


def test_without_the_meeting_sheet_no_meeting_figure_is_reported(tmp_path):
    tables = tables_of(run_small_term(tmp_path, absent=("meetings.csv",)))
    text = narrative(tables)
    assert "Group-meeting attendance is not yet available (no export was read)" in text
    assert "met 0 times" not in text and "of the planned meetings" not in text and "held all" not in text
    assert "meetings" not in tables and "groups" not in tables and "attendance_curve" not in tables
    assert "attendance" not in set(tables["figures"]["id"])
    keys = tables["key_figures"].set_index("key")
    assert "attendance" not in keys.index
    assert keys.loc["groups", "label"] == "groups formed" and keys.loc["groups", "value"] == "2"
    # the funnel stops at accepted: "active" and "completed" rest on the meeting sheet
    assert set(tables["funnel"]["step"]) == {"registered", "accepted", "trained"}
    # the training sheet is there: its table still is
    assert "trainings" in tables


def test_without_the_after_survey_no_reaction_or_change_is_reported(tmp_path):
    tables = tables_of(run_small_term(tmp_path, absent=("after.csv",)))
    text = narrative(tables)
    assert "The after survey is not yet available" in text
    assert "effectiveness" not in tables and "reaction" not in tables
    assert tables["response"]["survey"].tolist() == ["before (pre)"]
    assert not {"linked", "change", "recommend"} & set(tables["key_figures"]["key"])
    assert not {"change", "slope", "reaction-likert"} & set(tables["figures"]["id"])
    assert "response rate was" not in text


def test_the_report_says_which_inputs_are_missing_and_draws_nothing_for_them(tmp_path):
    ctx = run_small_term(tmp_path, absent=("meetings.csv", "after.csv", "mentor_end.csv"), through="report")
    html = (ctx.out.public / "report.html").read_text(encoding="utf-8")
    for words in ("Group-meeting attendance is not yet available", "The after survey is not yet available",
                  "The mentors&#x27; end-of-term survey is not yet available"):
        assert words in html or words.replace("&#x27;", "'") in html
    assert "Participants attending each group meeting" not in html
    assert "groups met" not in html


def test_only_registrations_does_not_need_the_later_stages_inputs(tmp_path):
    need = {k for s in stages.select(["registrations"]) for k in s.inputs}
    assert "group_attendance" not in need and "feedback_after" not in need
    assert {"mentor_registrations", "participant_registrations"} <= need


@pytest.mark.e2e
def test_a_run_of_the_notebooks_without_the_meeting_sheet_reports_it_missing(tmp_path, monkeypatch):
    """The same through ``mentoring run`` (the stage notebooks, not only the library functions)."""
    from mentoring_lib.pipeline import runner

    config_path = small_term(tmp_path)
    config_path.write_text(config_path.read_text(encoding="utf-8").replace(
        "file: meetings.csv,", "file: meetings.csv, required: false,"), encoding="utf-8")
    (tmp_path / "data" / "meetings.csv").unlink()
    monkeypatch.delenv("MENTORING_REPORTS_ROOT", raising=False)
    result = runner.run_term(config_path, echo=lambda _: None)
    assert result.exit_code == 0, result.message
    html = (result.public / "report.html").read_text(encoding="utf-8")
    assert "Group-meeting attendance is not yet available" in html
    assert "of planned meetings attended" not in html and (result.public / "summary.pdf").is_file()
