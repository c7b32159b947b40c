"""Mentor hours and credits: support-meeting sheets, the certificate list, the registrar's list."""
from __future__ import annotations

import pandas as pd
import pytest
import yaml
from conftest import small_term
from openpyxl import load_workbook

from mentoring_lib.config import MentorHoursSection, load_config
from mentoring_lib.errors import InputError
from mentoring_lib.pipeline import stages
from mentoring_lib.pipeline.context import OutputPaths, StageContext, run_in_process
from mentoring_lib.steps import certificate_pdfs as CP
from mentoring_lib.steps import certificates as C
from mentoring_lib.steps import mentor_hours as H


def test_credits_round_down_to_the_step():
    hours = pd.Series([0.0, 13.0, 26.5, 27.0, 40.0, 41.0, 54.0])  # / 27 = 0, .48, .98, 1, 1.48, 1.52, 2
    assert H.credits_for(hours, 27, 0.5).tolist() == [0.0, 0.0, 0.5, 1.0, 1.0, 1.5, 2.0]
    assert H.credits_for(hours, 27, 1).tolist() == [0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 2.0]
    assert H.credits_for(hours, None, 0.5).isna().all()


def test_hours_are_sessions_times_their_durations():
    section = MentorHoursSection(training_hours=3, meeting_hours=2, support_meeting_hours=1.5)
    h = H.hours_of(pd.Series([3, 1]), pd.Series([6, 0]), pd.Series([2, 4]), section)
    assert h.tolist() == [3 * 3 + 6 * 2 + 2 * 1.5, 3 + 4 * 1.5]  # 24.0 and 9.0


def test_hours_line_names_hours_and_credits():
    line = H.hours_line(pd.Series([40.0, 27.0, 9.0]), pd.Series([1.0, 1.0, float("nan")]))
    assert line.tolist() == ["40 hours of mentoring and training (1 study credit)",
                             "27 hours of mentoring and training (1 study credit)",
                             "9 hours of mentoring and training"]


def _term(tmp_path, support_rows: list[str], hours: dict | None) -> StageContext:
    config = small_term(tmp_path)
    (tmp_path / "data" / "support.csv").write_text(
        "\n".join(["Name,Email,Support meeting 1,Support meeting 2,Support meeting 3", *support_rows]) + "\n",
        encoding="utf-8")
    data = yaml.safe_load(config.read_text())
    data["inputs"].append({"id": "support", "kind": "support_attendance", "file": "support.csv", "tool": "csv",
                           "columns": {"name": "Name", "email": "Email"}})
    if hours is not None:
        data["mentor_hours"] = hours
    config.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    cfg = load_config(config)
    ctx = StageContext("registrations", cfg, OutputPaths(tmp_path / "out").ensure())
    for name in stages.upstream("certificates") + ["certificates"]:
        run_in_process(ctx.for_stage(name))
    return ctx.for_stage("certificates")


SUPPORT = ["M1,m1@example.org,x,x,x", "M2,m2@example.org,x,,", "P1,p1@example.org,x,x,x",
           "Stranger,someone@example.org,x,x,x"]


def test_certificate_list_and_registrar_list_carry_hours_and_credits(tmp_path, monkeypatch):
    monkeypatch.setenv("MENTORING_KEY", "5e" * 32)
    ctx = _term(tmp_path, SUPPORT, {"training_hours": 4, "meeting_hours": 2, "support_meeting_hours": 3,
                                    "hours_per_credit": 9, "credit_step": 0.5})
    # The small term: every mentor at both trainings and all 3 meetings of their group.
    roster = C.prepare(ctx).roster.set_index("email")
    assert roster.loc["m1@example.org", ["trainings_attended", "meetings_coled", "support_meetings"]].tolist() \
        == [2, 3, 3]
    assert roster.loc["m1@example.org", "hours"] == 2 * 4 + 3 * 2 + 3 * 3       # 23 h
    assert roster.loc["m1@example.org", "credits"] == 2.5                        # 23 / 9 = 2.55...
    assert roster.loc["m2@example.org", "hours"] == 2 * 4 + 3 * 2 + 1 * 3       # 17 h
    assert roster.loc["m2@example.org", "credits"] == 1.5                        # 1.88...
    assert roster.loc["m3@example.org", "support_meetings"] == 0                 # not on the sheet
    base = ctx.out.private / C.CERT_DIR
    sheet = load_workbook(base / "certificate_list.xlsx")["Eligible"]
    header = [c.value for c in sheet[1]]
    assert {"Support meetings", "Hours", "Credits"} <= set(header)
    registrar = pd.read_csv(base / H.CREDITS_FILE).set_index("Email")
    assert registrar.loc["m1@example.org", ["Hours", "Credits", "Certificate"]].tolist() == [23, 2.5, "yes"]
    assert len(registrar) == 4  # the four mentors; the participant and the stranger are not listed
    quality = (ctx.out.quality / "certificates.json").read_text()
    assert '"not an accepted mentor": 2' in quality


def test_without_mentor_hours_nothing_changes(tmp_path, monkeypatch):
    monkeypatch.setenv("MENTORING_KEY", "5e" * 32)
    ctx = _term(tmp_path, SUPPORT, None)
    assert "hours" not in C.prepare(ctx).roster.columns
    assert not (ctx.out.private / C.CERT_DIR / H.CREDITS_FILE).exists()
    header = [c.value for c in load_workbook(ctx.out.private / C.CERT_DIR / "certificate_list.xlsx")["Eligible"][1]]
    assert "Hours" not in header


def test_hours_on_the_certificate_when_asked(tmp_path, monkeypatch):
    monkeypatch.setenv("MENTORING_KEY", "5e" * 32)
    ctx = _term(tmp_path, SUPPORT, {"hours_per_credit": 27, "on_certificate": True})
    plan = C.prepare(ctx)
    records = CP.certificate_records(plan.roster[plan.roster["code"].notna()])
    m1 = next(r for r in records if r["name"] == "Aino Aaltonen")
    # defaults: 3 h a training, 2 h a meeting, 1.5 h a support meeting: 6 + 6 + 4.5 = 16.5 h; / 27 = 0.61
    assert m1["hours_line"] == "16.5 hours of mentoring and training (0.5 study credits)"
    from pypdf import PdfReader

    pdf = ctx.out.private / C.CERT_DIR / "pdf" / f"{plan.roster.set_index('name').loc['Aino Aaltonen', 'code']}.pdf"
    [page] = PdfReader(str(pdf)).pages
    assert "16.5 hours of mentoring and training (0.5 study credits)" in " ".join(page.extract_text().split())


def test_unknown_mark_on_a_support_sheet_exit2(tmp_path, monkeypatch):
    monkeypatch.setenv("MENTORING_KEY", "5e" * 32)
    with pytest.raises(InputError) as e:
        _term(tmp_path, ["M1,m1@example.org,x,maybe,x"], {"hours_per_credit": 27})
    assert e.value.exit_code == 2 and "support.csv" in e.value.render() and "maybe" not in e.value.render()


def test_demo_certificate_list_carries_hours_and_credits(tmp_path):
    """The demo term: support meetings counted from the sheet itself, hours by the demo's durations
    (3 h a training, 3 h a meeting with its preparation, 1.5 h a support meeting), 27 h a credit."""
    from conftest import DEMO_CONFIG, ROOT

    cfg = load_config(DEMO_CONFIG)
    ctx = StageContext("registrations", cfg, OutputPaths(tmp_path / "out").ensure())
    for name in stages.upstream("certificates"):
        run_in_process(ctx.for_stage(name))
    roster = C.prepare(ctx.for_stage("certificates")).roster.set_index("email")
    sheet = pd.read_excel(ROOT / "data" / "demo" / "support_meetings.xlsx")
    ticks = sheet.filter(like="Support meeting").notna().sum(axis=1)
    support = dict(zip(sheet["Email"].str.strip().str.lower(), ticks))
    assert len(roster) == 16 and sum(support.values()) > 0
    for email, row in roster.iterrows():
        assert row["support_meetings"] == support.get(email.lower(), 0), email
        hours = 3 * row["trainings_attended"] + 3 * row["meetings_coled"] + 1.5 * row["support_meetings"]
        assert row["hours"] == hours
        assert row["credits"] == int(hours / 27 * 2) / 2
    assert set(roster["credits"]) == {0.5, 1.0}  # the demo shows both
