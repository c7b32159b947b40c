"""The report's tables in Finnish and Swedish: captions, column headers, notes and row labels from
the catalogue (resources/messages/<language>/tables.yml), on the synthetic term."""
from __future__ import annotations

import re

import pytest
from test_messages import translated  # noqa: F401  (the fi/sv report of the synthetic term)

from mentoring_lib.outputs import messages

#: English words that must not appear in a Finnish or Swedish caption or column header.
ENGLISH = ("participants", "mentors", "meeting", "share", "before", "after", " of ")


def english_words(text: str) -> list[str]:
    padded = f" {text.casefold()} "
    return [w for w in ENGLISH if (w in padded if w.startswith(" ") else re.search(rf"\b{w}\b", padded))]


def test_english_words_are_found_as_words():
    assert english_words("Share of accepted") == ["share", " of "]
    assert english_words("Mean after") == ["after"]
    assert english_words("Osuus hyväksytyistä") == []
    assert english_words("Ofelia") == []


def test_translated_tables_have_captions_headers_and_notes_in_the_report_language(translated):  # noqa: F811
    lang, model, page, pdf = translated
    tables = model.tables()  # the outcome tables (steps/outcome_tables.py) too
    ids = {t.id for t in tables}
    assert {"t-programme", "t-reach", "t-funnel", "t-meetings", "t-groups", "t-reaction", "t-response",
            "t-reliability", "t-mentors", "t-themes", "t-scales"} <= ids
    for table in tables:
        for text in (table.caption, *table.columns):
            assert english_words(text) == [], (lang, table.id, text)
    by_id = {t.id: t for t in tables}
    assert by_id["t-reach"].caption == messages.text("table.reach", lang)
    assert by_id["t-meetings"].columns[-1] == messages.text("table.meetings.share", lang)
    assert by_id["t-reaction"].notes[0].endswith(messages.text("table.reaction.note", lang, note="").strip())
    # row labels made by the evaluation read in the report language; names from the data stay
    reach_rows = [r[0] for r in by_id["t-reach"].rows]
    assert messages.text("row.applications per place", lang) in reach_rows and "places" not in reach_rows
    assert {r[1] for r in by_id["t-reliability"].rows} == {messages.text("row.pre", lang), messages.text("row.post", lang)}
    assert [r[0] for r in by_id["t-groups"].rows][0] == messages.text("row.group", lang, name="A")
    assert messages.text("row.both (linked pairs)", lang) in [r[0] for r in by_id["t-response"].rows]
    likert_cells = {cell for row in by_id["t-reaction"].rows for cell in row[2:5]}
    assert messages.text("table.fewer_people", lang, k=5) in likert_cells and "<5 people" not in likert_cells
    assert model.footer.count(messages.text("suppression.note", lang, c=5, b=10)) == 1
    assert "Produced by" not in model.footer


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_provenance_block_is_in_the_report_language(lang):
    from mentoring_lib.steps import report as rp
    from test_evaluation import make_config

    base = make_config()
    cfg = base.model_copy(update={"term": base.term.model_copy(update={"language": lang})})
    prov = {"report_date": "2026-12-18", "inputs": {"registrations": {"kind": "registrations", "sha256": "ab" * 32},
                                                    "meetings": {"kind": "meetings", "missing": True}}}
    bullets, table = rp.provenance_blocks(prov, cfg)
    assert bullets.items[0].startswith(messages.text("table.provenance.date", lang, date="2026-12-18")[:12])
    assert table.caption == messages.text("table.inputs", lang)
    assert table.columns[0] == messages.text("table.inputs.input", lang)
    assert (table.rows[0][3], table.rows[1][3]) == (messages.text("table.inputs.missing", lang), "ab" * 8)


def test_english_row_labels_are_the_evaluation_values_unchanged():
    from mentoring_lib.steps.report import group_label, row_labels

    values = ["places", "before (pre)", "Meeting 1", "linked", None]
    assert row_labels(values, "en") == values
    assert row_labels(values, "fi")[:4] == ["paikat", "alkukysely", "Meeting 1", "yhdistetty"]
    assert (group_label("Group B", "en"), group_label(3, "sv"), group_label("Group B", "fi")) == (
        "Group B", "Grupp 3", "Ryhmä B")
