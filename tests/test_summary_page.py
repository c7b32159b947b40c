"""The one-page summary (issue 14): built from the protected report model only. Small fixtures."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_missing_inputs import run_small_term

from mentoring_lib.steps import report as rp
from mentoring_lib.outputs import messages, summary_page
from mentoring_lib.outputs.document import KeyFigure, Paragraph, Report, Section, Table
from mentoring_lib.steps.data_quality import load_quality


def model(key_figures, sections=()) -> Report:
    return Report(title="Pilot", subtitle="", organisation="Test University", author="A", term="Spring",
                  period="2027-01-10 – 2027-05-01", key_figures=tuple(key_figures),
                  sections=tuple(sections), footer="footer")


KF = [KeyFigure("participant applications", "113", "for 80 places", "applications"),
      KeyFigure("participants accepted", "80", "", "participants"),
      KeyFigure("of planned meetings attended", "66%", "participants, on average", "attendance"),
      KeyFigure("groups met", "8", "median 6 of 6 meetings", "groups"),
      KeyFigure("participants answered both surveys", "32", "before and after", "linked"),
      KeyFigure("mean change in Calm (total)", "+0.17", "on its 1–5 scale", "primary")]
REACH = Table("t-reach", "Places", ("", "Participants", "Mentors"),
              (("places", "80", "16"), ("applications per place", "1.4", "2.2")))
RESPONSE = Table("t-response", "Survey response", ("Survey", "Respondents", "Response rate"),
                 (("before (pre)", "53", "66%"), ("after (post)", "37", "46%"), ("both (linked pairs)", "32", "40%")))


def test_three_sentences_reach_implementation_and_the_headline_outcome():
    page = summary_page.build(model(KF))
    assert page.sentences[0] == ("Reach: 113 participant applications (for 80 places); 80 participants accepted.")
    assert page.sentences[1] == ("Implementation: 66% of planned meetings attended (participants, on average); "
                                 "8 groups met (median 6 of 6 meetings).")
    assert page.sentences[2].startswith("Outcome: +0.17 mean change in Calm (total) (on its 1–5 scale), among the "
                                        "32 participants who answered both surveys")


def test_the_outcome_sentence_is_a_hook(monkeypatch):
    monkeypatch.setattr(summary_page, "OUTCOME_SENTENCE", lambda report: "Primary outcome: stated here.")
    assert summary_page.build(model(KF)).sentences[2] == "Primary outcome: stated here."


def test_improvements_follow_the_published_figures():
    sections = [Section("reach", "Reach", (REACH,)), Section("effectiveness", "Effectiveness", (RESPONSE,))]
    improve = summary_page.build(model(KF, sections)).improve
    assert improve == (
        "Demand exceeded the places (1.4 participant applications per place): consider more groups and mentors.",
        "Keep attendance up (66% of planned meetings attended on average): agree the meeting times with the "
        "group and send reminders.",
        "Raise the after-survey response (46% of accepted participants answered): give time for it in the "
        "last meeting.")
    # protected cells say nothing: no suggestion rests on "<5" or "x"
    hidden = [KeyFigure("of planned meetings attended", "x", "", "attendance")]
    hidden_response = Table("t-response", "r", RESPONSE.columns, (("after (post)", "<5", "x"),))
    page = summary_page.build(model(hidden, [Section("effectiveness", "E", (hidden_response,))]))
    assert page.improve == ("The figures point to nothing specific to change; run the programme as it ran.",)


def test_missing_inputs_are_named_in_the_sentences_and_the_improvements():
    notice = "Group-meeting attendance is not yet available (no export was read), so no meetings are reported."
    sections = [Section("implementation", "Implementation", (Paragraph(notice),))]
    page = summary_page.build(model(KF[:2] + [KeyFigure("groups formed", "2", "", "groups")], sections))
    assert page.sentences[1] == "Implementation: " + notice
    assert page.sentences[2] == "Outcome: no change from before to after can be reported for this term."
    assert "Collect and read group-meeting attendance before the report is final." in page.improve


@pytest.fixture(scope="module")
def small_report(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("MENTORING_KEY", "5e" * 32)
    ctx = run_small_term(tmp_path_factory.mktemp("summary"), absent=(), through="report")
    yield ctx
    mp.undo()


def _report_model(ctx) -> Report:
    """The report model as the report stage built it (same protected tables, same provenance)."""
    tables = rp.read_evaluation(ctx.for_stage("report"))
    quality = load_quality(ctx.out.quality)
    tables, hide = rp.protect_release(ctx.for_stage("report"), tables, quality)
    return rp.build_report(tables, ctx.config, public_dir=ctx.out.public, provenance={}, quality=quality,
                           quality_hide=hide)


def _pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return " ".join(p.extract_text() for p in PdfReader(str(path)).pages)


def test_summary_pdf_is_one_page_and_every_number_is_the_reports(small_report):
    ctx = small_report
    pdf = ctx.out.public / "summary.pdf"
    from pypdf import PdfReader

    assert len(PdfReader(str(pdf)).pages) == 1
    page = summary_page.build(_report_model(ctx))
    report_text = re.sub(r"\s+", " ", _pdf_text(ctx.out.public / "report.pdf"))
    html = (ctx.out.public / "report.html").read_text(encoding="utf-8")
    for k in page.figures:  # the key figures, with their bases, are the report's
        assert k.value in report_text and k.label in report_text
    for n in summary_page.numbers(page):
        assert n in report_text or n in html, n
    summary_text = re.sub(r"\s+", " ", _pdf_text(pdf))
    for sentence in page.sentences:
        assert sentence.split(":")[0] in summary_text
    assert "What to improve next term" in summary_text


def test_report_html_opens_with_the_summary_and_its_chart(small_report):
    html = (small_report.out.public / "report.html").read_text(encoding="utf-8")
    assert html.index('id="summary"') < html.index('id="key-figures"')
    section = html[html.index('id="summary"'):html.index('id="key-figures"')]
    assert section.count("<img") == 1 and "What to improve next term" in section
    assert section.count("<p>") == 3


def test_summary_pdf_is_in_the_public_folder_the_gate_scans(small_report, tmp_path):
    from mentoring_lib.privacy import gate, names

    public = small_report.out.public
    assert (public / "summary.pdf").is_file()
    idents = names.identities_from(__import__("pandas").DataFrame(
        {"name": ["Eeva Ekholm"], "email": ["p1@example.org"], "person_id": ["x"], "role": ["participant"]}))
    assert gate.scan_public(public, idents) == []
    # a name in the summary would stop the run like one in the report
    page = summary_page.build(_report_model(small_report))
    leaky = summary_page.OnePage(**{**page.__dict__, "sentences": ("Eeva Ekholm led.", *page.sentences[1:])})
    summary_page.write_pdf(leaky, tmp_path / "summary.pdf", timestamp=946684800)
    assert {h.file for h in gate.scan_public(tmp_path, idents)} == {"summary.pdf"}


def test_the_summary_states_the_primary_outcome_of_a_real_evaluation(tmp_path):
    """Built from the evaluation's own key figures (not hand-made ones): the outcome sentence gives
    the primary outcome's change, never "no change ... can be reported" when one was reported."""
    from conftest import synthetic_report

    model, _, _, _ = synthetic_report("en", tmp_path)
    primary = next(k for k in model.key_figures if k.key == "primary")
    sentence = summary_page.headline_outcome_sentence(model)
    assert sentence.startswith("Outcome: " + primary.value) and primary.label in sentence
    assert sentence != messages.text("summary.no_outcome", "en")
