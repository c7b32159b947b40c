"""The message catalogue (mentoring_lib.outputs.messages) and the report in Finnish and Swedish."""
from __future__ import annotations

import re
import string

import pandas as pd
import pytest

from mentoring_lib.outputs import messages


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_message_exists_in_all_three_languages_with_the_same_placeholders():
    english = messages.catalogue("en")
    assert messages.parts("fi") == messages.parts("sv") == messages.parts("en")
    assert len(english) >= 30
    for lang in ("fi", "sv"):
        other = messages.catalogue(lang)
        assert set(other) == set(english), lang
        for key, text in english.items():
            assert placeholders(other[key]) == placeholders(text), (lang, key)
            assert other[key].strip(), (lang, key)


@pytest.mark.parametrize("value, code", [("English", "en"), ("fi", "fi"), ("Finnish", "fi"), ("suomi", "fi"),
                                         ("Svenska", "sv"), ("sv", "sv"), ("Estonian", "en"), (None, "en")])
def test_language_code_reads_codes_and_names_and_falls_back_to_english(value, code):
    assert messages.language_code(value) == code


def test_a_key_in_two_parts_of_a_catalogue_is_refused(monkeypatch, tmp_path):
    for part, body in (("a.yml", "x.one: One\n"), ("b.yml", "x.one: Again\n")):
        (tmp_path / "messages" / "en").mkdir(parents=True, exist_ok=True)
        (tmp_path / "messages" / "en" / part).write_text(body, encoding="utf-8")

    class Root:
        def joinpath(self, *names):
            return tmp_path.joinpath(*names[1:])

    monkeypatch.setattr(messages.resources, "files", lambda package: Root())
    messages.catalogue.cache_clear()
    try:
        with pytest.raises(ValueError, match="x.one.*more than one part"):
            messages.catalogue("en")
    finally:
        messages.catalogue.cache_clear()


def test_a_key_missing_from_a_translation_falls_back_to_english(monkeypatch):
    fi = dict(messages.catalogue("fi"))
    del fi["ui.contents"]
    original = messages.catalogue
    monkeypatch.setattr(messages, "catalogue", lambda lang: fi if lang == "fi" else original(lang))
    assert messages.text("ui.contents", "fi") == "Contents"
    assert messages.text("ui.key_figures", "fi") == "Keskeiset luvut"
    with pytest.raises(KeyError):
        messages.text("no.such.key", "fi")


def test_languages_are_named_in_the_report_language():
    assert messages.language_name("Swedish", "fi") == "ruotsi"
    assert messages.language_name("English", "sv") == "engelska"
    assert messages.language_name("Estonian", "fi") == "Estonian"


def test_group_languages_count_groups_per_language():
    from mentoring_lib.steps.report import group_languages

    pairs = pd.DataFrame({"group": pd.array([1, 2, 3, None], dtype="Int64"),
                          "languages": ["Swedish", "English, Finnish", "Swedish", "English"]})
    out = group_languages(pairs)
    assert out.to_dict("records") == [{"languages": "Swedish", "groups": 2}, {"languages": "English, Finnish", "groups": 1}]


@pytest.fixture(scope="module", params=["fi", "sv"])
def translated(request, tmp_path_factory):
    """The synthetic term's report with term.language set: (language, model, html, pdf text)."""
    import io

    import pypdf
    from conftest import synthetic_report

    lang = request.param
    model, _, html, pdf = synthetic_report(lang, tmp_path_factory.mktemp(f"report-{lang}"))
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    return lang, model, html, text


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_translated_report_has_its_headings_labels_and_language_in_html_and_pdf(translated):
    import html as html_lib

    lang, model, page, pdf = translated
    page_text = squash(html_lib.unescape(re.sub(r"<[^>]+>", " ", page)))
    pdf_text = squash(pdf)
    assert model.language == lang and f'<html lang="{lang}">' in page
    for key in ("section.programme", "section.reach", "section.methods", "ui.key_figures", "ui.contents"):
        title = messages.text(key, lang)
        assert title in page_text and title in pdf_text, (lang, key)
    assert [s.title for s in model.sections][0] == messages.text("section.programme", lang)
    first_table = model.tables()[0]
    assert first_table.label.startswith(messages.text("ui.table", lang, number=1, caption="").strip())
    assert squash(first_table.label) in page_text
    groups = messages.text("programme.groups_in", lang, count=3, language=messages.text("language.sv", lang))
    assert groups in page_text and groups in pdf_text
    # the same numbers in both renderings, as in English
    for k in model.key_figures:
        assert k.value in page_text and k.value in pdf_text


@pytest.mark.parametrize("lang", ["en", "fi", "sv"])
def test_certificate_wording_follows_the_term_language(lang):
    from mentoring_lib.steps.certificate_pdfs import certificate_texts
    from test_evaluation import make_config

    base = make_config()
    cfg = base.model_copy(update={"term": base.term.model_copy(update={"language": lang})})
    common = certificate_texts(cfg)
    for key in ("certify_line", "role_before", "trainings_label", "meetings_label", "issued_label", "code_label"):
        assert common[key] == messages.text(f"cert.{key}", lang)
