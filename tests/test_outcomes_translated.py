"""The outcomes section in Finnish and Swedish (term.language): sentences, key figure, Methods
texts and the outcome tables' captions and headers, with the same numbers as in English. Small
synthetic inputs (tests/test_evaluation.py's term), not the demo."""
from __future__ import annotations

import math
import re

import pandas as pd
import pytest

from mentoring_lib.analysis.codebook import load_codebook
from mentoring_lib.outputs import messages
from mentoring_lib.steps import evaluation as ev
from mentoring_lib.steps import outcomes
from mentoring_lib.steps.evaluation_result import Evaluation
from test_evaluation import CODEBOOK, make_config, synthetic_inputs
from test_mentor_outcomes import _scores
from test_outcomes import row

#: English words that must not appear in a Finnish or Swedish sentence (names of scales aside).
ENGLISH = (" the ", " of ", " and ", " was ", "participants", "change")
TRANSLATED = ["fi", "sv"]


def english_words(text: str) -> list[str]:
    padded = f" {text.casefold()} "
    return [w for w in ENGLISH if w in padded]


def decimals(text: str) -> list[str]:
    """The statistics a sentence prints (numbers with decimals, p-values such as <0.001)."""
    return re.findall(r"[<+−-]?\d+\.\d+", text)


def config_in(lang: str):
    base = make_config()
    return base.model_copy(update={"term": base.term.model_copy(update={"language": lang})})


@pytest.fixture(scope="module")
def codebook():
    return load_codebook(CODEBOOK)


@pytest.fixture(scope="module")
def evaluations(codebook):
    """The synthetic term evaluated in English, Finnish and Swedish (same inputs)."""
    return {lang: ev.evaluate(synthetic_inputs(codebook), config_in(lang), codebook, ev.Limits(5, 10))
            for lang in ("en", "fi", "sv")}


def scale_names(codebook) -> list[str]:
    """Names from the codebook (data, in the codebook's language), longest first."""
    names = {f"{inst.short_name}: {sc.name}" for inst in codebook.instruments.values() for sc in inst.scales}
    names |= {sc.name for inst in codebook.instruments.values() for sc in inst.scales}
    names |= {sc.missing_rule.rstrip(".") for inst in codebook.instruments.values() for sc in inst.scales}
    return sorted(names, key=len, reverse=True)


def without_names(text: str, names: list[str]) -> str:
    text = re.sub(r"Source: .*|Lähde: .*|Källa: .*", "", text)  # a bibliographic reference stays as published
    for name in names:
        text = text.replace(name, "NAME")
    return text


@pytest.mark.parametrize("lang", TRANSLATED)
def test_outcome_sentence_is_translated_with_the_english_numbers(lang):
    for over in ({}, {"t_p_holm": 0.01}, {"t_p_holm": 0.01, "mean_change": -0.17},
                 {"role": "exploratory", "family": False, "t_p": 0.03, "t_p_holm": math.nan},
                 {"role": "secondary", "tested": False, "pairs": "<5"}):
        english = outcomes.describe(row(**over), 9)
        translated = outcomes.describe(row(**over), 9, lang)
        assert not english_words(translated.replace("SCS-SF: Self-compassion", "NAME")), translated
        assert decimals(translated) == decimals(english)
        assert translated != english
    fi_sv = outcomes.describe(row(), 9, lang)
    assert messages.text("outcome.effect.negligible", lang) in fi_sv  # g = 0.196, label of the unrounded value
    assert messages.text("outcome.no_clear_change", lang) in fi_sv
    assert messages.text("outcome.higher", lang) in outcomes.describe(row(t_p_holm=0.01), 9, lang)
    assert messages.text("outcome.lower", lang) in outcomes.describe(row(t_p_holm=0.01, mean_change=-0.17), 9, lang)


def test_effect_words_and_roles_are_translated():
    assert [outcomes.effect_word(g, "fi") for g in (0.1, 0.3, 0.6, 0.9)] == ["merkityksetön", "pieni", "keskisuuri",
                                                                          "suuri"]
    assert [outcomes.effect_word(g, "sv") for g in (0.1, 0.3, 0.6, 0.9)] == ["försumbar", "liten", "medelstor", "stor"]
    assert outcomes.role_label("exploratory", "sv") == "explorativt (delskala)"
    assert outcomes.role_label("primary") == outcomes.ROLE_LABEL["primary"] == "primary"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_outcomes_section_sentences_key_figure_and_methods_in_the_term_language(evaluations, codebook, lang):
    names = scale_names(codebook)
    english, translated = evaluations["en"], evaluations[lang]
    said = [n["text"] for n in english.narrative if n["section"] == "effectiveness"]
    said_here = [n["text"] for n in translated.narrative if n["section"] == "effectiveness"]
    assert len(said_here) == len(said) >= 8
    ours = [i for i, s in enumerate(said) if s in OUTCOME_SENTENCES(english)]
    assert len(ours) >= 8  # primary, secondary outcomes, subscales note, no control group, sensitivity, ...
    for i in ours:
        assert not english_words(without_names(said_here[i], names)), said_here[i]
        assert decimals(said_here[i]) == decimals(said[i]), said_here[i]
    key, key_here = english.key_figures[0], translated.key_figures[0]
    assert key_here["key"] == "primary" and key_here["value"] == key["value"]
    assert not english_words(without_names(key_here["label"] + " " + key_here["note"], names))
    assert decimals(key_here["note"]) == decimals(key["note"])
    topics = {m["topic"] for m in translated.methods}
    for topic in ("outcomes", "statistics", "sensitivity", "individual_change", "attrition"):
        assert messages.text(f"topic.{topic}", lang) in topics
    ours_methods = [m["text"] for m in translated.methods if m["topic"] in {
        messages.text(f"topic.{t}", lang) for t in ("outcomes", "statistics", "sensitivity", "individual_change",
                                                    "attrition")}]
    assert len(ours_methods) >= 11
    for text in ours_methods:
        assert not english_words(without_names(text, names)), text


def OUTCOME_SENTENCES(result: Evaluation) -> set[str]:
    """The English sentences this module family writes (not the evaluation step's own)."""
    starts = ("Primary outcome", "Secondary outcome", "Subscales of", "These are within-group", "Attrition:",
              "Sensitivity of", "Individual change", "Exploratory dose", "Every linked", "The per-protocol",
              "Too few participants answered only")
    return {n["text"] for n in result.narrative if n["section"] == "effectiveness"
            and (n["text"].startswith(starts) or "minimal important difference" in n["text"]
                 or "linked participants have a score" in n["text"])}


@pytest.mark.parametrize("lang", TRANSLATED)
def test_outcome_tables_have_translated_captions_and_headers_and_the_same_cells(evaluations, lang):
    from mentoring_lib.steps.outcome_tables import attrition_blocks, outcome_blocks

    tables = {lang_: e.all_tables() for lang_, e in evaluations.items()}
    english = outcome_blocks(tables["en"], "N.") + attrition_blocks(tables["en"], "N.")
    translated = outcome_blocks(tables[lang], "N.", lang) + attrition_blocks(tables[lang], "N.", lang)
    assert [t.id for t in translated] == [t.id for t in english]
    assert {"t-change", "t-tests", "t-wilcoxon", "t-sensitivity", "t-rci"} <= {t.id for t in english}
    for en, tr in zip(english, translated):
        words = " ".join([tr.caption, *tr.columns, *tr.notes])
        assert not english_words(words), (tr.id, words)
        assert tr.caption != en.caption and len(tr.columns) == len(en.columns)
        assert tr.notes[-1].endswith("N.") == en.notes[-1].endswith("N.")
        for en_row, tr_row in zip(en.rows, tr.rows):  # the same numbers: only the role and analysis words differ
            assert [decimals(c) for c in tr_row] == [decimals(c) for c in en_row]
    change = next(t for t in translated if t.id == "t-change")
    assert change.rows[0][1] == messages.text("outcome.role.primary", lang)
    analyses = [r[0] for r in next(t for t in translated if t.id == "t-sensitivity").rows]
    assert analyses[0] == messages.text("analysis.primary", lang)
    assert not any(english_words(a) for a in analyses)


@pytest.mark.parametrize("lang", TRANSLATED)
def test_mentor_outcome_sentences_follow_the_language(codebook, lang):
    from mentoring_lib.steps.mentor_outcomes import add_mentor_outcomes

    scores = pd.concat([_scores("participant", 12, 3.0, 4.0, "P"), _scores("mentor", 12, 3.5, 3.0, "M")])
    english, translated = Evaluation(), Evaluation()
    add_mentor_outcomes(english, scores, codebook, ev.Limits(5, 10))
    add_mentor_outcomes(translated, scores, codebook, ev.Limits(5, 10), lang=lang)
    said = [n["text"] for n in english.narrative]
    said_here = [n["text"] for n in translated.narrative]
    assert len(said_here) == len(said) >= 2
    assert said_here[0] == messages.text("outcome.mentors_intro", lang)
    names = scale_names(codebook)
    for en, tr in zip(said, said_here):
        assert not english_words(without_names(tr, names)), tr
        assert decimals(tr) == decimals(en)


# -- dates and the certificate's role ----------------------------------------------------------------

@pytest.mark.parametrize("lang, written, period", [
    ("en", "18 December 2026", "7 September – 18 December 2026"),
    ("fi", "18. joulukuuta 2026", "7. syyskuuta – 18. joulukuuta 2026"),
    ("sv", "18 december 2026", "7 september – 18 december 2026")])
def test_dates_are_written_out_in_the_language(lang, written, period):
    import datetime as dt

    from mentoring_lib.outputs.formatting import written_date
    from mentoring_lib.steps import certificate_pdfs as CP

    assert written_date(dt.date(2026, 12, 18), lang) == written
    assert CP.format_period(dt.date(2026, 9, 7), dt.date(2026, 12, 18), lang) == period
    assert [written_date(dt.date(2027, m, 1), lang, year=False) for m in (1, 5)] == {
        "en": ["1 January", "1 May"], "fi": ["1. tammikuuta", "1. toukokuuta"], "sv": ["1 januari", "1 maj"]}[lang]


@pytest.mark.parametrize("lang, role, issued", [
    ("en", "Peer mentor (co-mentor)", "18 December 2026"),
    ("fi", "vertaismentorina (työparimentorina)", "18. joulukuuta 2026"),
    ("sv", "kamratmentor (i mentorpar)", "18 december 2026")])
def test_certificate_role_and_dates_follow_the_term_language(lang, role, issued):
    from mentoring_lib.steps.certificate_pdfs import certificate_role, certificate_texts

    cfg = config_in(lang)
    assert certificate_role(cfg) == role
    common = certificate_texts(cfg)
    assert common["issued"] == issued and common["period"].endswith(issued)
    if lang == "fi":  # "… on toiminut vertaismentorina (työparimentorina) ohjelmassa"
        assert (common["role_before"], common["role_after"]) == ("on toiminut", "ohjelmassa")
    # a role the config writes itself is printed as written, in any language
    named = cfg.model_copy(update={"certificates": cfg.certificates.model_copy(update={"role": "Vertaisohjaaja"})})
    assert certificate_role(named) == "Vertaisohjaaja"
    # the term template writes the default role out: it is still the default, in the term's language
    template = cfg.model_copy(update={"certificates": cfg.certificates.model_copy(
        update={"role": "Peer mentor (co-mentor)"})})
    assert certificate_role(template) == role


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_variant_of_the_test_method_texts_is_translated(lang):
    from mentoring_lib.analysis import stats

    pre, post = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], [1.0, 2.5, 4.0, 4.0, 7.0, 9.0]  # zeros, no ties: exact p
    many = [float(i % 7) for i in range(40)]  # ties: normal approximation
    p_methods = set()
    for zero_method in ("wilcox", "pratt"):
        for a, b in ((pre, post), (many, [x + (i % 3) for i, x in enumerate(many)])):
            english = stats.wilcoxon_signed_rank(a, b, zero_method=zero_method)
            translated = stats.wilcoxon_signed_rank(a, b, zero_method=zero_method, lang=lang)
            assert translated.p == english.p and translated.method != english.method
            p_methods.add(english.p_method)
            assert not english_words(translated.method), translated.method
    assert p_methods == {"exact", "normal approximation"}
    for method in (stats.paired_t(pre, post, lang=lang).method, stats.paired_change(pre, post, lang).method):
        assert not english_words(method), method


@pytest.mark.parametrize("lang", TRANSLATED)
def test_translated_report_html_opens_with_the_summary_and_states_the_primary_result(evaluations, lang, tmp_path):
    import html as html_lib

    from mentoring_lib.outputs import summary_page
    from mentoring_lib.outputs.render_html import render_html
    from mentoring_lib.pipeline.context import OutputPaths, StageContext
    from mentoring_lib.steps import report as rp

    cfg = config_in(lang)
    out = OutputPaths(tmp_path).ensure()
    ctx = StageContext("evaluation", cfg, out)
    for name, df in evaluations[lang].all_tables().items():
        ctx.write_table(name, df)
    model = rp.build_report(rp.read_evaluation(ctx.for_stage("report")), cfg, public_dir=out.public,
                            provenance=None, quality={})
    page = summary_page.build(model)
    text = html_lib.unescape(render_html(model, summary_page.html_section(page)))
    assert f'<a href="#summary">{messages.text("summary.title", lang)}</a>' in text
    assert f"<h3>{messages.text('summary.improve_title', lang)}</h3>" in text
    primary = next(n["text"] for n in evaluations[lang].narrative if n["section"] == "effectiveness")
    assert primary.startswith(messages.text("outcome.lead.primary", lang, outcome="")) and primary in text
    assert evaluations[lang].key_figures[0]["label"] in text
    assert not english_words(page.sentences[2]), page.sentences[2]


@pytest.mark.parametrize("lang", ["en", "fi", "sv"])
def test_a_hidden_reliable_change_count_drops_its_sentence_in_any_language(lang):
    """The release finds the reliable-change sentence by its key, not by English words: in Finnish
    and Swedish it is left out too when the protected model hides one of its primary counts."""
    import pandas as pd

    from mentoring_lib.outputs.messages import text
    from mentoring_lib.steps import release_cells

    sentence = text("outcome.rci", lang, outcome="SCS-SF", threshold="0.58", pairs=30,
                    improved="14", deteriorated="<5", unchanged="14")
    tables = {
        "reliable_change": pd.DataFrame({"outcome_id": ["scs_total", "swemwbs"], "role": ["primary", "secondary"],
                                         "improved": [14, 9], "unchanged": [14, 19], "deteriorated": [2, 2]}),
        "narrative": pd.DataFrame({"section": ["effectiveness"] * 2, "kind": ["paragraph"] * 2,
                                   "text": [sentence, "Another sentence."], "key": ["outcome.rci", "outcome.none"],
                                   "language": [lang, lang]})}
    assert release_cells.apply_individual_change(("reliable_change", "swemwbs", "improved"), tables)
    assert list(tables["narrative"]["key"]) == ["outcome.rci", "outcome.none"]  # a secondary cell: kept
    assert release_cells.apply_individual_change(("reliable_change", "scs_total", "unchanged"), tables)
    assert list(tables["narrative"]["text"]) == ["Another sentence."]
    assert tables["reliable_change"].loc[0, "unchanged"] == "x"
