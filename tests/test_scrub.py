"""Open-text scrubbing and quote approval."""
from __future__ import annotations

import hashlib
import unicodedata

import pandas as pd
import pytest

from mentoring_lib.privacy.scrub import REMOVED, approved_quotes, quote_hash, scrub_text

NAMES = pd.Series(["Kanerva Ylitalo-Canary", "Otso Mäkinen", "Anna Virtanen", "Kalle Aalto", "Ida Li", None])


@pytest.mark.parametrize("text,expected", [
    ("Thanks to Anna Virtanen!", f"Thanks to {REMOVED} {REMOVED}!"),
    ("Kiitos Virtaselle ja Annalle", f"Kiitos {REMOVED} ja {REMOVED}"),
    ("Otson ryhmä oli paras, Mäkisen ansiosta", f"{REMOVED} ryhmä oli paras, {REMOVED} ansiosta"),
    ("Aallon kanssa", f"{REMOVED} kanssa"),
    ("mail me at anna.virtanen@example.fi or KANERVA.canary@Example.FI", f"mail me at {REMOVED} or {REMOVED}"),
    ("call 040 123 4567 or +358 40 1234567", f"call {REMOVED} or {REMOVED}"),
    ("my hetu 131052-308T", f"my hetu {REMOVED}"),
    ("Idan ryhmä ja Li", f"{REMOVED} ryhmä ja {REMOVED}"),
    ("li is lower case", "li is lower case"),
    ("Met on 13.10.2026 and 2026-10-13, 12 people, 3/5 stars", "Met on 13.10.2026 and 2026-10-13, 12 people, 3/5 stars"),
    ("The group felt safe.", "The group felt safe."),
    ("CANARY in capitals", f"{REMOVED} in capitals"),
])
def test_scrub_examples(text, expected):
    assert scrub_text(pd.Series([text]), NAMES).tolist() == [expected]


def test_scrub_keeps_index_and_missing():
    s = pd.Series(["Anna was kind", None, "ok"], index=[5, 7, 9], name="text")
    out = scrub_text(s, NAMES)
    assert list(out.index) == [5, 7, 9] and out.name == "text"
    assert out.iloc[0] == f"{REMOVED} was kind" and pd.isna(out.iloc[1]) and out.iloc[2] == "ok"


def test_scrub_nfd_and_zero_width_names():
    text = unicodedata.normalize("NFD", "Mäkinen") + " and Vir\u200btanen"
    out = scrub_text(pd.Series([text]), NAMES).iloc[0]
    assert out == f"{REMOVED} and {REMOVED}"


def test_no_canary_survives_a_corpus():
    canaries = ["Kanerva", "Ylitalo", "Canary", "Otso", "Mäkinen", "Mäkisen", "Virtanen", "Virtasen", "Aalto",
                "Aallon", "anna.virtanen@example.fi", "040 123 4567"]
    corpus = pd.Series([f"{a} said hi to {b}." for a in canaries for b in canaries])
    out = scrub_text(corpus, NAMES)
    for text in out:
        for c in canaries:
            assert c.casefold() not in text.casefold(), text


def test_quote_hash_hand_computed_and_normalised():
    expected = hashlib.sha256("The group felt safe.".encode()).hexdigest()[:12]
    assert quote_hash("The group felt safe.") == expected
    assert quote_hash("  The group\n felt   safe. ") == expected
    nfc = "Ryhmä oli hyvä"
    assert quote_hash(unicodedata.normalize("NFD", nfc)) == quote_hash(nfc)
    assert quote_hash("The group felt safe!") != expected


def test_approved_quotes():
    texts = pd.Series(["The group felt safe.", "Not approved", None, "The  group felt safe.", "Second one"])
    approved = {quote_hash("The group felt safe.").upper(), quote_hash("Second one"), "", "ffffffffffff"}
    assert approved_quotes(texts, approved) == ["The group felt safe.", "Second one"]
    assert approved_quotes(texts, []) == []


# -- the audit's attacks (issue 13) -----------------------------------------------------------------

AUDIT = pd.DataFrame({
    "name": ["Ilmatar Pöllökorpi", "Matti Meikalainen", "Jukka Joki", "Saara Mäki"],
    "first_name": [None, None, None, "Sanni"],
    "email": ["ilmatar.pollokorpi@example.fi", "matti.meikalainen@example.fi", "jukka.joki@example.org",
              "saara.maki@example.org"],
})


@pytest.mark.parametrize("text,expected", [
    ("Kiitos Pollokorpi!", f"Kiitos {REMOVED}!"),                     # registered with diacritics
    ("Meikäläisen kanssa", f"{REMOVED} kanssa"),                      # registered without them
    ("Joen ja Mäen ryhmä, maella", f"{REMOVED} ja {REMOVED} ryhmä, {REMOVED}"),  # short stems
    ("Kiitos Jukalle ja Jukan ryhmälle", f"Kiitos {REMOVED} ja {REMOVED} ryhmälle"),  # gradation
    ("write to x.y at example dot fi please", f"write to {REMOVED} please"),
    ("write to x.y(at)example(dot)fi", f"write to {REMOVED}"),
    ("call 040.765.4321, 040/765 4322 or 00358 40 765 4321",
     f"call {REMOVED}, {REMOVED} or {REMOVED}"),
    ("hetu 131052\u2013308T and 131052-308 T", f"hetu {REMOVED} and {REMOVED}"),
    ("We met at school. Then on 01.10.2026 from 09.30\u201310.30.",
     "We met at school. Then on 01.10.2026 from 09.30\u201310.30."),
])
def test_scrub_audit_attacks(text, expected):
    assert scrub_text(pd.Series([text]), AUDIT["name"]).tolist() == [expected]


def test_names_someone_catches_what_the_scrubber_would_remove_and_first_names():
    from mentoring_lib.privacy.scrub import names_someone

    texts = ["The group felt safe.", "Pollokorven ryhmä oli paras.", "Sanni was kind.",
             "matti meikalainen helped", "Call 040 765 4321.", f"{REMOVED} was kind.", None]
    assert names_someone(texts, AUDIT).tolist() == [False, True, True, True, True, False, False]


def test_approved_quote_that_still_names_someone_is_refused():
    texts = pd.Series(["The group felt safe.", "Thanks to Jukalle for everything.", "Sanni was kind."])
    approved = [quote_hash(t) for t in texts]
    assert approved_quotes(texts, approved) == texts.tolist()  # without the identity table: as approved
    assert approved_quotes(texts, approved, people=AUDIT) == ["The group felt safe."]


# -- values in error messages ----------------------------------------------------------------------

@pytest.mark.parametrize("value", ["x?", "late", "Taik", "School of Alchemy", "10 = Always", "2026-10-13",
                                   "vet ej"])
def test_shown_value_quotes_ordinary_spellings(value):
    from mentoring_lib.privacy.scrub import shown_value

    assert shown_value(value) == f"'{value}'"


@pytest.mark.parametrize("value", ["quirin.zwolfstein@example.org", "mail: a.b (at) example.fi",
                                   "+358 40 765 4321", "040 765 4321", "040-7654321", "hetu 150395-9187", "student 1234567",
                                   "I was ill that week, sorry about it"])
def test_shown_value_hides_what_may_be_personal(value):
    from mentoring_lib.privacy.scrub import HIDDEN_VALUE, shown_value

    assert shown_value(value) == HIDDEN_VALUE
    assert "example" not in shown_value(value) and "765" not in shown_value(value)


def test_shown_value_cuts_long_values_and_allows_longer_labels_when_asked():
    from mentoring_lib.privacy.scrub import HIDDEN_VALUE, shown_value

    assert shown_value("Mostly", 3) == "'Mos'…"
    label = "Varken av samma eller annan åsikt"
    assert shown_value(label) == HIDDEN_VALUE and shown_value(label, 60, max_words=8) == f"'{label}'"
