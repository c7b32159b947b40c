"""The one-page summary in Finnish and Swedish (the report's language): headings, sentences, bases and
what to improve, with the English version's numbers. Small report models, not the demo."""
from __future__ import annotations

import re
from dataclasses import replace

import pytest
from test_outcomes_translated import english_words
from test_summary_page import KF, REACH, RESPONSE, model

from mentoring_lib.outputs import messages, summary_page
from mentoring_lib.steps.report import KeyFigure, Paragraph, Section

#: The key figures as the evaluation writes them in each language (labels are the evaluation's).
LABELS = {
    "fi": ["osallistujahakemusta", "osallistujaa hyväksyttiin", "suunnitelluista tapaamisista osallistuttu",
           "ryhmää kokoontui", "vastasi molempiin kyselyihin", "keskimuutos: Rauhallisuus"],
    "sv": ["deltagaransökningar", "deltagare antogs", "av de planerade träffarna besöktes",
           "grupper träffades", "besvarade båda enkäterna", "medelförändring i Lugn"],
}
NOTES = {"fi": ["80 paikkaan", "", "osallistujat, keskimäärin", "mediaani 6/6", "alussa ja lopussa", "asteikolla 1–5"],
         "sv": ["till 80 platser", "", "deltagare, i genomsnitt", "median 6 av 6", "före och efter", "på skalan 1–5"]}


def figures(lang: str) -> list[KeyFigure]:
    return [replace(k, label=label, note=note) for k, label, note in zip(KF, LABELS[lang], NOTES[lang])]


def page_in(lang: str, sections=()) -> summary_page.OnePage:
    sections = [Section("reach", "R", (REACH,)), Section("effectiveness", "E", (RESPONSE,)), *sections]
    return summary_page.build(replace(model(figures(lang) if lang != "en" else KF, sections), language=lang))


def own_words(page: summary_page.OnePage, lang: str) -> str:
    """The page's own text: sentences and improvements without the evaluation's key-figure labels."""
    text = " ".join([page.subtitle, *page.sentences, *page.improve])
    for label in LABELS.get(lang, []) + NOTES.get(lang, []):
        text = text.replace(label, "") if label else text
    return text


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_summary_sentences_and_improvements_are_in_the_report_language(lang):
    english, page = page_in("en"), page_in(lang)
    assert page.language == lang and page.subtitle == messages.text("summary.subtitle", lang)
    assert len(page.improve) == len(english.improve) == 3
    assert not english_words(own_words(page, lang)), own_words(page, lang)
    # the same numbers ("46 %" in Finnish and Swedish typography is the English "46%")
    assert [n.rstrip("%") for n in summary_page.numbers(page)] == [n.rstrip("%") for n in summary_page.numbers(english)]
    assert page.sentences[0].startswith(messages.text("summary.reach", lang, parts="").rstrip("."))
    assert page.improve[2] == messages.text("summary.after_response", lang, share=46)
    html = summary_page.html_section(page)
    assert f">{messages.text('summary.title', lang)}</h2>" in html
    assert f"<h3>{messages.text('summary.improve_title', lang)}</h3>" in html
    assert "Summary" not in html and "What to improve" not in html


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_nothing_to_improve_and_no_outcome_are_said_in_the_language(lang):
    page = summary_page.build(replace(model([]), language=lang))
    assert page.sentences == (messages.text("summary.no_reach", lang), messages.text("summary.no_implementation", lang),
                              messages.text("summary.no_outcome", lang))
    assert page.improve == (messages.text("summary.nothing", lang),)
    assert not english_words(" ".join(page.sentences + page.improve))


def test_a_missing_input_is_found_by_the_languages_own_wording():
    from mentoring_lib.steps.evaluation import missing_notice
    from mentoring_lib.steps.evaluation_result import Evaluation

    # the notice exactly as the evaluation stage writes it in Finnish
    notice = missing_notice(Evaluation(lang="fi"), "group_attendance", "meetings")
    assert notice.startswith("Ryhmätapaamisten läsnäololista ei ole vielä käytettävissä")
    page = summary_page.build(replace(model([], [Section("implementation", "T", (Paragraph(notice),))]), language="fi"))
    assert page.sentences[1] == "Toteutus: " + notice
    assert page.improve == ("Kerää ja lue ryhmätapaamisten läsnäololista ennen kuin raportti viimeistellään.",)


def test_translated_headers_still_find_the_cells_the_suggestions_rest_on():
    reach = replace(REACH, columns=("", "Osallistujat", "Mentorit"))
    response = replace(RESPONSE, columns=("Kysely", "Vastaajat", "Vastausaste"))
    translated = replace(model(figures("fi"), [Section("reach", "R", (reach,)), Section("effectiveness", "E", (response,))]),
                         language="fi")
    improve = summary_page.build(translated).improve
    assert improve[0] == messages.text("summary.demand", "fi", demand="1.4")
    assert improve[2] == messages.text("summary.after_response", "fi", share=46)


def test_summary_pdf_is_typeset_in_the_language(tmp_path):
    from pypdf import PdfReader

    page = page_in("sv")
    pdf = summary_page.write_pdf(page, tmp_path / "summary.pdf", timestamp=946684800)
    reader = PdfReader(str(pdf))
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in reader.pages))
    assert len(reader.pages) == 1
    assert "Att förbättra nästa termin" in text and "What to improve" not in text
    assert "Sammanfattning på en sida" in text
    assert reader.metadata.title == "Pilot — sammanfattning"


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_translated_row_labels_still_find_the_cells_the_suggestions_rest_on(lang):
    """The report names the rows in its language ("hakemuksia paikkaa kohden", "loppukysely"), as
    report.row_labels makes them: the demand and after-survey suggestions are still made."""
    from mentoring_lib.steps.report import row_labels

    def translated(t):
        labels = row_labels([r[0] for r in t.rows], lang)
        return replace(t, rows=tuple((label, *r[1:]) for label, r in zip(labels, t.rows)))

    reach, response = translated(REACH), translated(RESPONSE)
    assert reach.rows[1][0] != "applications per place" and response.rows[1][0] != "after (post)"
    page = summary_page.build(replace(model(KF, [Section("reach", "R", (reach,)), Section("effectiveness", "E", (response,))]),
                                      language=lang))
    assert messages.text("summary.demand", lang, demand="1.4") in page.improve
    assert messages.text("summary.after_response", lang, share=46) in page.improve
