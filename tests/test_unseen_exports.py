"""Terms nobody tuned for (issue 12): exports of other tools and forms run end to end, or stop with a clear message.

Small terms built here (never the demo term) with one registration export each: unfinished responses,
e-mail answers that are not addresses, SurveyMonkey's two header rows, questions exported one column
per option, and Excel times with milliseconds on the deadline day.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import stage_context

from mentoring_lib.pipeline import drivers
from mentoring_lib.steps import feedback, registration_inputs, registration_rules
from mentoring_lib.config import load_config
from mentoring_lib.pipeline.context import StageContext
from mentoring_lib.errors import ConfigError, InputError
from mentoring_lib.io.inspect import describe_export
from mentoring_lib.privacy.pseudonym import email_in_domains, normalise_email, valid_email
from mentoring_lib.io.raw_files import cell_text
from mentoring_lib.io.readers import NOT_SUBMITTED, parse_datetimes, read_export, select_columns

CORPUS = Path(__file__).parent / "corpus"
TZ = "Europe/Helsinki"
KEY = "6b" * 32


@pytest.fixture(autouse=True)
def _key(monkeypatch):
    monkeypatch.setenv("MENTORING_KEY", KEY)


def write_csv(path: Path, rows: list[list[str]], *, delimiter=",", newline="\r\n") -> Path:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator=newline).writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8", newline="")
    return path


def term(tmp_path: Path, file: Path, columns: dict, *, tool: str = "auto", places: int = 10,
         deadline: str = "2026-09-27", **registration_extra) -> StageContext:
    """A one-export term (participant registrations) around ``file``; the registrations stage context."""
    reg = {"mentor_deadline": "2026-09-13", "participant_deadline": deadline, "mentor_places": 2,
           "participant_places": places, **registration_extra}
    doc = {"term": {"name": "unseen", "title": "Unseen", "start": "2026-10-01", "end": "2026-12-18"},
           "data_dir": str(file.parent), "registration": reg, "groups": {"count": 1},
           "inputs": [{"id": "applicants", "kind": "participant_registrations", "file": file.name, "tool": tool,
                       "columns": columns}],
           "report": {"organisation": "Test"}}
    path = tmp_path / "term.yml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return stage_context("registrations", load_config(path), tmp_path / "out")


def run(ctx: StageContext) -> tuple[pd.DataFrame, dict]:
    """Run the registrations stage: (every row's status and reason, the input's data-quality record)."""
    drivers.run(ctx)
    rows = pd.read_parquet(ctx.table_path("rows")).set_index("source_row")
    quality = json.loads((ctx.out.quality / "registrations.json").read_text())["applicants"]
    assert quality["rows_read"] == quality["kept"] + sum(quality["excluded"].values()), quality
    return rows, quality


def corpus_copy(tmp_path: Path, name: str) -> Path:
    target = tmp_path / "data" / name
    target.parent.mkdir(exist_ok=True)
    target.write_bytes((CORPUS / name).read_bytes())
    return target


LIME_COLUMNS = {"name": "name", "email": "email", "submitted_at": "submitdate", "school": "school",
                "availability": {"columns": {"slot[SQ001]": "Mon 16-18", "slot[SQ002]": "Wed 12-14",
                                             "slot[SQ003]": "Fri 10-12"}},
                "languages": {"columns": {"lang[SQ001]": "English", "lang[SQ002]": "Finnish"}}}


# -- 6. unfinished responses ------------------------------------------------------------------------

def test_limesurvey_unfinished_responses_are_excluded_as_incomplete_and_reconcile(tmp_path):
    ctx = term(tmp_path, corpus_copy(tmp_path, "limesurvey_incomplete_responses__reads.csv"), LIME_COLUMNS)
    rows, quality = run(ctx)
    # rows 4 and 6 have an empty submitdate (one without e-mail, both with a half-typed school)
    assert rows.loc[[4, 6], "status"].tolist() == ["excluded", "excluded"]
    assert all(r.startswith(NOT_SUBMITTED) for r in rows.loc[[4, 6], "reason"])
    assert rows.loc[[2, 3, 5], "status"].tolist() == ["accepted"] * 3
    assert quality == {**quality, "rows_read": 5, "kept": 3,
                       "excluded": {"duplicate": 0, NOT_SUBMITTED: 2}}
    assert any("never submitted ('submitdate'; rows 4, 6)" in n for n in quality["notes"])


def test_qualtrics_finished_false_or_zero_is_excluded_as_incomplete(tmp_path):
    columns = {"name": "Q1", "email": "RecipientEmail", "submitted_at": "RecordedDate", "school": "Q2",
               "availability": {"columns": ["Q5_1", "Q5_2", "Q5_3"]}}
    ctx = term(tmp_path, corpus_copy(tmp_path, "qualtrics_finished_false__reads.csv"), columns)
    rows, quality = run(ctx)
    # Finished: True, False, 1, 0, TRUE in Excel rows 4-8
    assert rows["status"].tolist() == ["accepted", "excluded", "accepted", "excluded", "accepted"]
    assert quality["excluded"] == {"duplicate": 0, NOT_SUBMITTED: 2}


def test_a_blank_submission_time_elsewhere_stops_with_a_truthful_hint(tmp_path):
    file = write_csv(tmp_path / "form.csv", [["Timestamp", "Email", "Name"],
                                            ["2026-09-01 10:00", "pat.one@uni.example.fi", "Pat One"],
                                            ["", "kim.two@uni.example.fi", "Kim Two"]])
    ctx = term(tmp_path, file, {"name": "Name", "email": "Email", "submitted_at": "Timestamp"})
    with pytest.raises(InputError) as e:
        run(ctx)
    assert (e.value.row, e.value.column) == (3, "Timestamp")
    assert "always fills" not in str(e.value) and "submission order" in e.value.hint
    assert "kim.two" not in str(e.value)


def test_feedback_drops_unfinished_limesurvey_and_qualtrics_responses(tmp_path):
    """The feedback stage leaves out the same unfinished responses, with the same reason."""
    from mentoring_lib.analysis.codebook import load_codebook

    codebook = tmp_path / "codebook.yml"
    codebook.write_text(yaml.safe_dump({
        "response_sets": {"agree": {"options": [{"value": 1, "label": "No"}, {"value": 2, "label": "Maybe"},
                                                {"value": 3, "label": "Yes"}]}},
        "items": [{"id": "useful", "wording": "Was it useful?", "response_set": "agree", "group": "reaction"}],
        "surveys": {"after": {"wave": "post", "role": "participant", "email_column": "email",
                              "timestamp_column": "submitdate", "columns": {"useful": "G01Q01"}}},
    }), encoding="utf-8")
    rows = [["id", "submitdate", "lastpage", "startlanguage", "email", "G01Q01"],
            ["1", "2026-12-01 10:00:00", "2", "en", "pat.one@uni.example.fi", "Yes"],
            ["2", "", "1", "en", "kim.two@uni.example.fi", "No"],
            ["3", "2026-12-02 11:00:00", "2", "en", "anonymous", "Maybe"],
            ["4", "2026-12-03 12:00:00", "2", "en", "lee.three@uni.example.fi", "Maybe"]]
    file = write_csv(tmp_path / "after.csv", rows, delimiter=";")
    ctx = term(tmp_path, file, {"name": "email", "email": "email", "submitted_at": "submitdate"})
    item = ctx.config.inputs[0].model_copy(update={"id": "after", "kind": "feedback_after", "columns": {}})
    read = feedback.read_survey(ctx.config, item, load_codebook(codebook), bytes.fromhex(KEY))
    assert read.rows_read == 4
    assert read.excluded == {feedback.NOT_SUBMITTED: 1, feedback.NO_EMAIL: 1}
    assert feedback.UNFINISHED == NOT_SUBMITTED == "incomplete (not submitted)"
    assert len(read.values) == 2 and sorted(read.values["useful"]) == [2.0, 3.0]


# -- 7. e-mail values ---------------------------------------------------------------------------------

def test_valid_email_refuses_ids_placeholders_and_cut_off_domains():
    values = pd.Series(["pat.one@uni.example.fi", "Pat.One@Helsinki.example.fi ", "anonymous", "Anonymous", "123456",
                        "name@uni", "name@uni.", "@uni.example.fi", "a..b@uni.example.fi", "ä.ö@yliopisto.example.fi", None, ""])
    assert valid_email(normalise_email(values)).tolist() == [True, True, False, False, False, False, False,
                                                              False, False, True, False, False]


def test_email_domains_include_subdomains_only():
    emails = normalise_email(pd.Series(["a@uni.example.fi", "b@cs.helsinki.example.fi", "c@example.org", "d@nothelsinki.example.fi"]))
    assert email_in_domains(emails, ["uni.example.fi", "helsinki.example.fi"]).tolist() == [True, True, False, False]


def test_answers_that_are_not_addresses_are_excluded_each_on_their_own(tmp_path):
    """187 "anonymous" rows once became one mentor: each such row is now excluded by itself, never reaches the
    mail merge, and no message shows the answer."""
    rows = [["Timestamp", "Email", "Name"]]
    answers = ["pat.one@uni.example.fi", "anonymous", "anonymous", "anonymous", "1234567", "kim.two@uni", "lee.three@uni.example.fi"]
    for i, answer in enumerate(answers):
        rows.append([f"2026-09-0{i + 1} 10:00", answer, f"Person Number{i}"])
    ctx = term(tmp_path, write_csv(tmp_path / "form.csv", rows),
               {"name": "Name", "email": "Email", "submitted_at": "Timestamp"}, places=10)
    out, quality = run(ctx)
    assert out["status"].tolist() == ["accepted", "excluded", "excluded", "excluded", "excluded", "excluded",
                                      "accepted"]
    assert all(r.startswith(registration_rules.NO_VALID_EMAIL) for r in out.loc[3:7, "reason"])
    assert quality["excluded"] == {"duplicate": 0, registration_rules.NO_VALID_EMAIL: 5}
    merge = pd.read_csv(ctx.out.private / "mailmerge_accepted.csv", encoding="utf-8-sig", dtype=str)
    assert sorted(merge["E-mail"]) == ["lee.three@uni.example.fi", "pat.one@uni.example.fi"]
    text = json.dumps(quality)
    assert "anonymous'" not in text.replace("'anonymous' or", "") and "kim.two" not in text and "1234567" not in text


def test_addresses_outside_the_university_domains_are_kept_and_noted(tmp_path):
    rows = [["Timestamp", "Email", "Name"], ["2026-09-01 10:00", "pat.one@cs.uni.example.fi", "Pat One"],
            ["2026-09-02 10:00", "kim.two@example.org", "Kim Two"], ["2026-09-03 10:00", "lee@helsinki.example.fi", "Lee Three"]]
    ctx = term(tmp_path, write_csv(tmp_path / "form.csv", rows),
               {"name": "Name", "email": "Email", "submitted_at": "Timestamp"},
               email_domains=["uni.example.fi", "@Helsinki.example.fi"])
    assert ctx.config.registration.email_domains == ["uni.example.fi", "helsinki.example.fi"]
    with pytest.warns(UserWarning, match="outside registration.email_domains"):
        out, quality = run(ctx)
    assert out["status"].tolist() == ["accepted"] * 3
    note = next(n for n in quality["notes"] if "email_domains" in n)
    assert note.startswith("1 registration(s)") and "rows 3" in note and "example.org" not in note and "kim" not in note


def test_an_email_domain_that_is_not_a_domain_is_a_config_error(tmp_path):
    file = write_csv(tmp_path / "form.csv", [["Timestamp", "Email", "Name"]])
    with pytest.raises(ConfigError, match="'uni' is not an e-mail domain"):
        term(tmp_path, file, {"name": "Name", "email": "Email", "submitted_at": "Timestamp"}, email_domains=["uni"])


# -- 11. Excel times with milliseconds ----------------------------------------------------------------

def test_excel_date_cells_are_truncated_to_the_second_never_rounded_up():
    assert cell_text(dt.datetime(2026, 9, 27, 23, 59, 59, 700_000)) == "2026-09-27 23:59:59"
    assert cell_text(dt.datetime(2026, 9, 27, 10, 0, 0, 999_000)) == "2026-09-27 10:00:00"


def test_excel_serial_at_23_59_59_7_stays_on_its_day():
    day = (dt.date(2026, 9, 27) - dt.date(1899, 12, 30)).days  # 46292
    serials = pd.Series([repr(day + 86_399.7 / 86_400), repr(day + 0.5), "46254.67196759"], index=[2, 3, 4])
    got = parse_datetimes(serials, file="f.csv", column="Submitted", tz=TZ)
    assert got.tolist() == [pd.Timestamp("2026-09-27 23:59:59", tz=TZ), pd.Timestamp("2026-09-27 12:00:00", tz=TZ),
                            # 8 decimals of a day are 58057.99978 s: Excel's millisecond is 16:07:38.000
                            pd.Timestamp("2026-08-20 16:07:38", tz=TZ)]


@pytest.mark.parametrize("name", ["excel_serial_with_milliseconds_on_deadline__reads.csv",
                                  "excel_time_with_milliseconds_on_deadline__reads.xlsx"])
def test_a_submission_at_23_59_59_7_on_the_deadline_day_is_in_time(tmp_path, name):
    ctx = term(tmp_path, corpus_copy(tmp_path, name),
               {"name": "Full name", "email": "Email Address", "submitted_at": "Submitted", "school": "School"},
               places=1, deadline="2026-09-27")
    out, _ = run(ctx)
    # row 2: 23:59:59.7 on the deadline day (in time); row 3: the same time a day later (late)
    assert out["status"].tolist() == ["accepted", "late"]


# -- 12. SurveyMonkey ----------------------------------------------------------------------------------

def test_inspect_recognises_surveymonkey_and_its_two_header_rows():
    text = describe_export(CORPUS / "surveymonkey_two_header_rows_cr_only__reads.csv")
    assert "Tool:        SurveyMonkey" in text and "plain CSV" not in text
    assert "Header rows: 2 (Excel rows 1-2); responses start at row 3" in text
    assert "Responses:   5" in text and "title row" not in text
    assert "14. Which times suit you? - Friday 10-12" in text
    assert "16. What is your school? - Other (please specify)" in text


def test_surveymonkey_xlsx_and_a_question_with_only_a_response_column(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address", "Name", "Languages", None])
    ws.append([None, None, None, None, None, "Response", "English", "Finnish"])
    ws.append([1, 2, dt.datetime(2026, 9, 1, 10, 0), dt.datetime(2026, 9, 1, 10, 5), "198.51.100.1", "Pat",
               "English", "Finnish"])
    wb.save(tmp_path / "sm.xlsx")
    export = read_export(tmp_path / "sm.xlsx", tool="surveymonkey")
    assert export.tool == "surveymonkey" and export.header_rows == 2 and export.first_data_row == 3
    assert list(export.data.columns)[5:] == ["Name", "Languages - English", "Languages - Finnish"]
    picked = select_columns(export, {"languages": {"columns": ["Languages - English", "Languages - Finnish"]}})
    assert picked.loc[3, "languages"] == "English; Finnish"


def test_surveymonkey_registrations_run_end_to_end(tmp_path):
    columns = {"name": "Your name", "email": "Your e-mail address", "submitted_at": "End Date",
               "school": "What is your school?",
               "availability": {"columns": ["Which times suit you? - Monday 16-18",
                                            "Which times suit you? - Wednesday 12-14",
                                            "Which times suit you? - Friday 10-12"]}}
    ctx = term(tmp_path, corpus_copy(tmp_path, "surveymonkey_two_header_rows_cr_only__reads.csv"), columns,
               tool="surveymonkey", places=3)
    out, quality = run(ctx)
    assert out["status"].tolist() == ["accepted", "accepted", "accepted", "waitlisted", "waitlisted"]
    people = pd.read_parquet(ctx.table_path("people")).set_index("source_row")
    assert people.loc[3, "availability"] == "Friday 10-12; Monday 16-18"  # as multi_select writes one column
    assert people.loc[6, "availability"] == ""


# -- 14. one column per option -------------------------------------------------------------------------

def test_option_columns_give_the_same_value_as_one_multi_select_column(tmp_path):
    lime = read_export(CORPUS / "limesurvey_incomplete_responses__reads.csv")
    picked = select_columns(lime, {"availability": LIME_COLUMNS["availability"]})
    assert picked["availability"].tolist() == ["Mon 16-18; Fri 10-12", "Wed 12-14", "Mon 16-18", "Fri 10-12", ""]
    one_column = pd.Series(["Mon 16-18;Fri 10-12;", "Wed 12-14;", "Mon 16-18;", "Fri 10-12;", ""])
    assert registration_inputs.multi_select(picked["availability"].reset_index(drop=True)).tolist() == \
        registration_inputs.multi_select(one_column).tolist()
    assert picked.attrs["source_columns"]["availability"] == "slot[SQ001] + slot[SQ002] + slot[SQ003]"


def test_qualtrics_option_columns_take_the_option_from_the_question_text():
    export = read_export(CORPUS / "qualtrics_finished_false__reads.csv")
    picked = select_columns(export, {"availability": {"columns": ["Q5_1", "Q5_2", "Q5_3"]}})
    assert picked["availability"].tolist() == ["Mon 16-18; Fri 10-12", "Wed 12-14", "Mon 16-18; Wed 12-14; Fri 10-12",
                                               "", "Fri 10-12"]


def test_not_chosen_values_and_option_text_cells(tmp_path):
    rows = [["id", "A", "B", "C"], ["1", "Not selected", "Evening", "0"], ["2", "No", "N", "x"],
            ["3", "Yes", "", "FALSE"]]
    export = read_export(write_csv(tmp_path / "f.csv", rows))
    picked = select_columns(export, {"slots": {"columns": {"A": "Morning", "B": "Evening", "C": "Night"}},
                                     "raw": {"columns": ["A", "B", "C"]}})
    assert picked["slots"].tolist() == ["Evening", "Night", "Morning"]
    assert picked["raw"].tolist() == ["Evening", "C", "A"]  # a bare mark names the column when no option is given


def test_a_missing_option_column_is_exit_2_with_did_you_mean(tmp_path):
    export = read_export(CORPUS / "option_column_missing__exit2.csv")
    with pytest.raises(InputError) as e:
        select_columns(export, {"availability": {"columns": {"slot[SQ001]": "Mon", "slot[SQ03]": "Fri"}}})
    assert e.value.exit_code == 2 and e.value.row == 1 and e.value.column == "slot[SQ03]"
    assert "option column 'slot[SQ03]' (field 'availability') not found" in str(e.value)
    assert "'slot[SQ002]'" in str(e.value)


def test_the_config_takes_option_columns_and_explains_a_wrong_form(tmp_path):
    file = write_csv(tmp_path / "form.csv", [["Timestamp", "Email", "Name"]])
    base = {"name": "Name", "email": "Email", "submitted_at": "Timestamp"}
    ctx = term(tmp_path, file, {**base, "availability": {"columns": {"slot[SQ001]": "Mon 16-18"}},
                                "languages": {"columns": ["lang[SQ001]"]}})
    columns = ctx.config.inputs[0].columns
    assert columns["availability"].columns == {"slot[SQ001]": "Mon 16-18"} and columns["name"] == "Name"
    for wrong, says in (({"colums": {"a": "b"}}, "the only key is 'columns'"), ({"columns": []}, "list its columns"),
                        (5, "write the column header as text")):
        with pytest.raises(ConfigError, match=says) as e:
            term(tmp_path, file, {**base, "availability": wrong})
        assert "availability" in str(e.value)


def test_inspect_counts_the_responses_never_submitted():
    text = describe_export(CORPUS / "limesurvey_incomplete_responses__reads.csv")
    assert "2 response(s) not submitted ('submitdate')" in text
    text = describe_export(CORPUS / "qualtrics_finished_false__reads.csv")
    assert "2 response(s) not submitted ('Finished')" in text
