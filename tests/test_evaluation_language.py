"""The evaluation's generated text in Finnish and Swedish (term.language): the sentences, key
figures, Methods and limitations of the evaluation modules come from messages/<lang>/evaluation.yml,
with the same numbers as in English, and the release stage still finds them by their key."""
from __future__ import annotations

import re

import pandas as pd
import pytest

from mentoring_lib.outputs import messages
from mentoring_lib.privacy import disclosure, release
from mentoring_lib.steps import evaluation as ev
from mentoring_lib.steps import evaluation_reach, release_tables
from mentoring_lib.steps.evaluation_result import wording
from test_evaluation import CODEBOOK, make_config, synthetic_inputs

#: English words that would give an untranslated sentence away (padded: whole words only).
ENGLISH = (" the ", " of ", " and ", " were ", " was ", " is ", " are ", " to ", " for ", " not ", "participant",
           " mentors ", " groups ", " meetings ", " survey", " answered ")
#: Methods topics the evaluation modules write (other topics belong to the outcome modules).
TOPICS = [messages.text(k, "en") for k in messages.catalogue("en") if k.startswith("evaluation.topic.")]
KEY_FIGURES = ("applications", "participants", "mentors", "attendance", "groups", "recommend", "linked")


def in_language(lang: str, **update):
    base = make_config()
    return base.model_copy(update={"term": base.term.model_copy(update={"language": lang, **update})})


@pytest.fixture(scope="module")
def codebook():
    from mentoring_lib.analysis.codebook import load_codebook

    return load_codebook(CODEBOOK)


@pytest.fixture(scope="module")
def by_language(codebook):
    """The synthetic term's evaluation tables in English, Finnish and Swedish."""
    inputs = synthetic_inputs(codebook)
    return {lang: ev.evaluate(inputs, in_language(lang), codebook, ev.Limits(5, 10),
                              approved=pd.Series(["Learned to be kinder to myself."])).all_tables()
            for lang in ("en", "fi", "sv")}


@pytest.fixture(scope="module")
def missing_inputs(codebook):
    """The synthetic term's evaluation in Finnish and Swedish with every later input missing but the
    before survey, and no quote approved."""
    from mentoring_lib.steps.availability import TRACKED

    missing = frozenset(TRACKED) - {"feedback_before"}
    return {lang: ev.evaluate(synthetic_inputs(codebook), in_language(lang), codebook, ev.Limits(5, 10),
                              missing=missing).all_tables() for lang in ("fi", "sv")}


def ours(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The narrative rows the evaluation modules wrote (each with a key of evaluation.yml's sentences)."""
    nar = tables["narrative"]
    return nar[nar["key"] != ""].reset_index(drop=True)


def without_codebook_words(text: str, codebook) -> str:
    """The text without quoted item wording and the codebook's answer labels (they come from the
    term's codebook, in the language it was written in)."""
    text = re.sub(r"[“”][^“”]*[“”]", " ", text)
    for label in sorted({o.label.lower() for rs in codebook.response_sets.values() for o in rs.options},
                        key=len, reverse=True):
        text = text.replace(label, " ")
    return f" {text} "


def numbers(text: str) -> list[str]:
    return sorted(re.findall(r"\d+(?:\.\d+)?", text))


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_translated_sentences_key_figures_and_methods_have_no_english(by_language, codebook, lang):
    tables = by_language[lang]
    nar = ours(tables)
    assert len(nar) >= 15 and set(nar["language"]) == {lang}
    kf = tables["key_figures"]
    kf = kf[kf["key"].isin(KEY_FIGURES)]
    methods = tables["methods"]
    methods = methods[methods["topic"].isin([messages.text(f"evaluation.topic.{k.split('.')[-1]}", lang)
                                             for k in messages.catalogue("en") if k.startswith("evaluation.topic.")])]
    assert len(kf) == len(KEY_FIGURES) and len(methods) >= 7
    texts = [*nar["text"], *kf["label"], *kf["note"], *methods["topic"], *methods["text"],
             *tables["quotes"]["source"]]
    for text in texts:
        plain = without_codebook_words(str(text), codebook).lower()
        found = [w for w in ENGLISH if w in plain]
        assert not found, (lang, found, text)


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_missing_input_notices_are_translated_too(missing_inputs, codebook, lang):
    nar = ours(missing_inputs[lang])
    assert {"missing.training_attendance", "missing.group_attendance", "missing.feedback_after",
            "missing.mentor_feedback", "voices.no_quotes"} <= set(nar["key"])
    for text in nar["text"]:
        plain = without_codebook_words(str(text), codebook).lower()
        assert not [w for w in ENGLISH if w in plain], (lang, text)


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_translated_sentences_give_the_same_numbers_as_english(by_language, lang):
    english, other = ours(by_language["en"]), ours(by_language[lang])
    assert list(other["key"]) == list(english["key"]) and list(other["section"]) == list(english["section"])
    for en_text, text in zip(english["text"], other["text"]):
        assert numbers(text) == numbers(en_text), (en_text, text)
        assert text != en_text
    en_kf, kf = (t["key_figures"].set_index("key") for t in (by_language["en"], by_language[lang]))
    assert list(kf.index) == list(en_kf.index) and list(kf["value"]) == list(en_kf["value"])
    for key in KEY_FIGURES:
        assert numbers(kf.loc[key, "label"] + " " + kf.loc[key, "note"]) == \
            numbers(en_kf.loc[key, "label"] + " " + en_kf.loc[key, "note"]), key
    en_m, m = by_language["en"]["methods"], by_language[lang]["methods"]
    assert len(m) == len(en_m)
    for (en_topic, en_text), text in zip(en_m[["topic", "text"]].itertuples(index=False), m["text"]):
        if en_topic in TOPICS:
            assert numbers(text) == numbers(en_text), (en_text, text)


def test_finnish_and_swedish_sentences_read_as_written(by_language):
    def said(lang: str, key: str) -> str:
        nar = by_language[lang]["narrative"]
        return nar.loc[nar["key"] == key, "text"].iloc[0]

    assert said("fi", "limitations.after_rate") == "Loppukyselyn vastausosuus oli 75%."
    assert said("sv", "limitations.after_rate") == "Svarsandelen i efterenkäten var 75%."
    assert said("fi", "reach.funnel/participant") == ("Osallistujat: ilmoittautuneet 48 → hyväksytyt 40 → "
                                                     "aktiiviset 40 → ohjelman suorittaneet 32.")
    assert said("sv", "implementation.met") == ("De 4 grupperna träffades mellan 5 och 6 gånger (median 6) av de 6 "
                                                "planerade; 1 av dem träffades färre gånger än planerat.")
    intro = said("fi", "programme.intro")
    assert "1. syyskuuta 2026 – 18. joulukuuta 2026" in intro and "Ohjelman kieli oli englanti" in intro
    assert said("sv", "programme.intro").count("1 september 2026 till 18 december 2026") == 1
    assert by_language["fi"]["quotes"]["source"].tolist() == by_language["en"]["quotes"]["source"].tolist() == [""]


def test_the_language_may_be_named_and_an_unknown_one_gives_english(codebook):
    inputs = synthetic_inputs(codebook)
    for name, lang in (("suomi", "fi"), ("Estonian", "en")):
        out = ev.evaluate(inputs, in_language(name), codebook, ev.Limits(5, 10))
        assert out.lang == lang
        assert {n["language"] for n in out.narrative if n.get("key")} == {lang}


@pytest.mark.parametrize("lang, one, many", [
    ("en", "Mentors took part in 1 training.", "Mentors took part in 3 trainings."),
    ("fi", "Mentoreille järjestettiin 1 koulutus.", "Mentoreille järjestettiin 3 koulutusta."),
    ("sv", "Mentorerna deltog i 1 utbildning.", "Mentorerna deltog i 3 utbildningar.")])
def test_a_count_of_one_takes_the_singular(lang, one, many):
    assert wording("programme.trainings", lang, 1, n=1) == one
    assert wording("programme.trainings", lang, 3, n=3) == many
    assert wording("key.groups", lang, 1) != wording("key.groups", lang, 2)


def test_the_english_catalogue_says_what_the_modules_it_stands_for_say():
    """Texts the catalogue holds for another module (the missing-input notice, the statistics'
    method texts, the disclosure thresholds) stay word for word the same in English."""
    import numpy as np

    from mentoring_lib.analysis import intervals, stats
    from mentoring_lib.steps.availability import TRACKED, notice

    result = ev.Evaluation()
    for kind in TRACKED:
        assert ev.missing_notice(result, kind, "report") == notice(kind, "this report is incomplete")
    assert wording("method.likert_distribution") == stats.likert_distribution([], [1, 2]).method
    items = pd.DataFrame(np.random.default_rng(3).integers(1, 5, (40, 4)))
    assert wording("method.alpha", min_n=stats.ALPHA_MIN_N) == stats.cronbach_alpha(items).method
    assert wording("method.wilson", pct="95%") == intervals.WILSON_METHOD.format(pct="95%")
    assert wording("method.disclosure", min_count=5, min_base=10, hidden=disclosure.HIDDEN) == (
        disclosure.Thresholds(5, 10).methods_text() + " Tests and effect sizes follow the same rule as means.")


# -- the release stage finds the sentences by key, in any language -----------------------------------

def hidden(places: list[tuple]) -> release.Release:
    """A release model hiding the given places (as :func:`release.protect` would)."""
    rel = release.Release(5)
    for i, place in enumerate(places):
        rel.count(f"c{i}", 7, "7", place)
        rel.cells[f"c{i}"].kind = "hidden"
    return rel


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_a_withdrawn_share_drops_or_retells_the_translated_sentences(by_language, lang):
    tables = {k: v.copy() for k, v in by_language[lang].items()}
    item = tables["reaction"]["item"].iloc[1]
    rel = hidden([("response", "after (post)", "respondents"), ("narrative", "implementation", "mean"),
                  ("narrative", "voices", "comments"), ("funnel", "participant/completed", "count"),
                  ("reaction", item, "high")])
    out, _ = release_tables.apply(rel, tables)
    before, after = tables["narrative"], out["narrative"]
    gone = set(before["key"]) - set(after["key"])
    assert gone == {"limitations.after_rate", "implementation.mean_attendance"}
    assert "attendance" not in set(out["key_figures"]["key"])

    def said(key: str) -> str:
        return after.loc[after["key"] == key, "text"].iloc[0]

    assert said("voices.comments").startswith("x ") and said("voices.comments")[2:] == \
        before.loc[before["key"] == "voices.comments", "text"].iloc[0][2:]
    completed = wording("funnel.step.completed", lang)
    assert said("reach.funnel/participant").endswith(f"{completed} x.")
    assert said("reach.funnel/participant") == evaluation_reach.funnel_bullet(out["funnel"], "participant", lang)
    notes = after[after["key"] == "reach.funnel_x_note"]
    assert len(notes) == 1 and notes["text"].iloc[0] == wording("funnel.x_note", lang, k=5)
    retold = said(f"reaction.likert/{item}")
    old = before.loc[before["key"] == f"reaction.likert/{item}", "text"].iloc[0]
    high = tables["reaction"].set_index("item").loc[item, "high_phrase"]
    assert high in old and high not in retold and retold.endswith("(n = 30).")
    assert retold.startswith("”") and set(after["language"]) == {lang}
