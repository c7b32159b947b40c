"""The public summary workbook (summary.xlsx) in the term's language: sheet titles, headers, the
About sheet and the data dictionary for people; field names stay English; a workbook in any
language reads back as the same machine tables (the release audit reads it that way)."""
from __future__ import annotations

import pandas as pd
import pytest
from openpyxl import load_workbook
from test_messages_tables import english_words

from mentoring_lib.io import people_workbooks as pw
from mentoring_lib.outputs.messages import LANGUAGES, text
from mentoring_lib.steps.summary_workbook import SUMMARY_SHEETS, summary_sheets

#: Sheets another module describes (steps/outcome_tables.py) and the outcome table's columns.
OUTCOME_SHEETS = {"Outcomes", "Sensitivity", "Attrition", "Reliable change", "Dose-response"}


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory):
    """summary.xlsx of the synthetic term in every language: {lang: (path, machine sheets)}."""
    from mentoring_lib.analysis.codebook import load_codebook
    from mentoring_lib.steps import evaluation as ev
    from test_evaluation import CODEBOOK, make_config, synthetic_inputs

    codebook = load_codebook(CODEBOOK)
    base = make_config()
    tables = ev.evaluate(synthetic_inputs(codebook), base, codebook, ev.Limits(5, 10)).all_tables()
    quality = {"registrations": {"rows_read": 60, "kept": 57, "excluded": {"duplicate": 3}}}
    out = {}
    for lang in LANGUAGES:
        cfg = base.model_copy(update={"term": base.term.model_copy(update={"language": lang})})
        sheets = summary_sheets(tables, cfg, quality)
        path = pw.write(sheets, tmp_path_factory.mktemp(lang) / "summary.xlsx", lang=lang)
        out[lang] = path, sheets
    return out


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_sheet_titles_and_headers_are_in_the_term_language(workbooks, lang):
    path, sheets = workbooks[lang]
    wb = load_workbook(path)
    assert wb.sheetnames == [pw.sheet_title(name, lang) for name in sheets]
    assert {text("workbook.sheet.Reach", lang), text("workbook.sheet.Data dictionary", lang)} <= set(wb.sheetnames)
    assert "Reach" not in wb.sheetnames and "About" not in wb.sheetnames
    ours = {v[0] for v in SUMMARY_SHEETS.values()} - OUTCOME_SHEETS | {"About", "Data quality", "Data dictionary"}
    checked = 0
    for name, df in sheets.items():
        headers = [c.value for c in wb[pw.sheet_title(name, lang)][1]]
        assert headers[0] == pw.header(str(df.columns[0]), lang)
        if name in ours:
            for h in headers:
                assert english_words(h) == [] and h not in {e for e, _ in pw.HEADERS.values()} - {"Status", "n"}, (
                    name, h)
                checked += 1
    assert checked > 60
    meetings = [c.value for c in wb[pw.sheet_title("Meetings", lang)][1]]
    assert pw.header("share_of_participants", lang) in meetings
    withheld = [h for name in ours & set(sheets) for h in (c.value for c in wb[pw.sheet_title(name, lang)][1])
                if h.endswith(pw.withheld_suffix(lang))]
    assert withheld, "the synthetic term withholds counts: their columns are named in the language"


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_about_and_data_dictionary_are_translated_but_field_names_stay_english(workbooks, lang):
    path, sheets = workbooks[lang]
    about = pd.read_excel(path, sheet_name=pw.sheet_title("About", lang))
    assert about.iloc[:, 0].tolist()[-2:] == [text("workbook.field.withheld values", lang),
                                              text("workbook.field.tidy tables", lang)]
    assert about.iloc[4, 1] == text("workbook.withheld_note", lang, k=5)
    dd = pd.read_excel(path, sheet_name=pw.sheet_title("Data dictionary", lang))
    assert list(dd.columns) == [pw.header(c, lang) for c in ("sheet", "column", "name", "meaning", "table")]
    sheet, column, name, meaning, table = dd.columns
    reach = dd[dd[sheet] == text("workbook.sheet.Reach", lang)]
    assert reach[name].dropna().tolist()[:2] == ["measure", "mentors"]  # machine names: English by design
    assert reach[column].tolist()[:2] == [pw.header("measure", lang), pw.header("mentors", lang)]
    assert reach[meaning].iloc[0] == text("workbook.meaning.measure", lang)
    assert reach[table].iloc[0] == text("workbook.about.reach", lang)
    quality = dd[dd[sheet] == text("workbook.sheet.Data quality", lang)]
    assert quality[table].iloc[0] == text("workbook.about.quality", lang)
    assert "(" in pw.header("name", lang) and pw.header("name", lang) != pw.header("name")


def test_a_workbook_in_any_language_reads_back_as_the_english_one(workbooks):
    english = pw.read(workbooks["en"][0])
    for lang in ("fi", "sv"):
        back = pw.read(workbooks[lang][0])
        assert list(back) == list(english)
        for name in set(english) - {"About", "Data dictionary"}:
            pd.testing.assert_frame_equal(back[name], english[name], obj=f"{lang} {name}")
        assert pw.read(workbooks[lang][0], "Meetings").columns.tolist() == english["Meetings"].columns.tolist()


def test_every_header_and_sheet_title_names_one_machine_name_in_every_language():
    owner: dict[str, str] = {}
    for lang in LANGUAGES:
        for machine, human in pw.headers(lang).items():
            assert owner.setdefault(human, machine) == machine, (lang, human)
    titles: dict[str, str] = {}
    for lang in LANGUAGES:
        for name in ("Reach", "Funnel", "Meetings", "Mentors", "status", "group sizes", "About"):
            title = pw.sheet_title(name, lang)
            assert titles.setdefault(title, name) == name and len(title) <= 31, (lang, title)


def test_english_headers_are_the_catalogue_ones():
    assert pw.header("share_of_participants") == "Share of participants attending" == pw.HEADERS[
        "share_of_participants"][0]
    assert pw.HEADERS["share_of_participants"][1] == pw.PERCENT and pw.withheld_suffix() == pw.WITHHELD == " (withheld)"
    assert pw.header("no_such_column", "fi") == "no_such_column"


def test_the_outcome_sheets_english_in_the_catalogue_is_the_outcome_modules():
    """The outcome sheets' descriptions and meanings are written in steps/outcome_tables.py (English)
    and translated in workbook.yml: the catalogue's English must be that module's, word for word."""
    from mentoring_lib.outputs.messages import catalogue
    from mentoring_lib.steps import outcome_tables

    english = catalogue("en")
    for name, (_, _, desc) in outcome_tables.SUMMARY_SHEETS.items():
        assert english[f"workbook.about.{name}"] == desc, name
    for column, meaning in outcome_tables.COLUMN_MEANINGS.items():
        assert english[f"workbook.outcome_meaning.{column}"] == meaning, column


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_the_outcome_sheets_are_described_in_the_language(workbooks, lang):
    path, sheets = workbooks[lang]
    dd = pd.read_excel(path, sheet_name=pw.sheet_title("Data dictionary", lang))
    sheet, column, name, meaning, table = dd.columns
    rci = dd[dd[sheet] == pw.sheet_title("Reliable change", lang)].set_index(name)
    assert rci.loc["improved", meaning] == text("workbook.outcome_meaning.improved", lang)
    assert rci.loc["improved", column] == pw.header("improved", lang) != "improved"
    assert rci[table].iloc[0] == text("workbook.about.reliable_change", lang)


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_the_registration_and_group_workbooks_of_a_small_term_are_in_its_language(lang, tmp_path, monkeypatch):
    """registration_summary.xlsx and group_sizes.xlsx, written by their own stages (not the demo),
    have sheet titles and headers in the term's language and read back to the English machine form."""
    from conftest import run_through, small_term

    from mentoring_lib.config import load_config

    monkeypatch.setenv("MENTORING_KEY", "k" * 64)
    base = load_config(small_term(tmp_path / "term"))
    config = base.model_copy(update={"term": base.term.model_copy(update={"language": lang})})
    ctx = run_through("groups", config, tmp_path / "out")
    for name, sheet in (("registration_summary.xlsx", "status"), ("group_sizes.xlsx", "group sizes")):
        path = ctx.out.public / name
        titles = load_workbook(path).sheetnames
        assert text(f"workbook.sheet.{sheet}", lang) in titles and sheet not in titles, (name, titles)
        assert sheet in pw.read(path, index_col=0)
