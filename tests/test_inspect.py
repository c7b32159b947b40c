"""`mentoring inspect FILE`: structure and headers, never the answers."""
from __future__ import annotations

from pathlib import Path

import pytest

from mentoring_lib.errors import InputError
from mentoring_lib.io.inspect import describe_export
from mentoring_lib.io.readers import read_export

EXPORTS = Path(__file__).parent / "fixtures" / "exports"
CORPUS = Path(__file__).parent / "corpus"


def data_values(path: Path) -> set[str]:
    """Every non-trivial cell value of the data rows (what inspect must never print)."""
    e = read_export(path)
    values = {v.strip() for col in e.data.columns for v in e.data[col] if len(v.strip()) > 3}
    return values - set(e.data.columns) - set(e.question_texts.values())


@pytest.mark.parametrize("name", sorted(p.name for p in EXPORTS.iterdir()))
def test_inspect_prints_structure_not_answers(name):
    path = EXPORTS / name
    text = describe_export(path)
    e = read_export(path)
    assert f"Tool:        {e.tool_label}" in text
    assert f"Responses:   {len(e.data)}" in text and f"Columns:     {len(e.data.columns)}" in text
    for header in e.data.columns:
        assert f". {header}" in text
    leaked = [v for v in data_values(path) if v in text]
    assert not leaked, f"data values printed: {leaked}"


def test_inspect_text_export_details():
    text = describe_export(EXPORTS / "qualtrics_utf16.tsv")
    assert "Qualtrics" in text and "UTF-16 with byte-order mark" in text and "Delimiter:   tab" in text
    assert "Header rows: 3 (Excel rows 1-3); responses start at row 4" in text
    assert "18. Q1_1   [ImportId QID1_1; question: How often do you… - I am kind to myself when I fail]" in text
    assert "times in America/Denver" in text


def test_inspect_workbook_and_oddities():
    text = describe_export(CORPUS / "trailing_yhteensa_rows__reads.xlsx")
    assert "Excel workbook (.xlsx), sheet 'Sheet1'" in text
    assert "Responses:   5 (of 8 data rows read)" in text
    assert "dropped 2 summary row(s) at the end (Excel row(s) 8-9" in text
    assert "dropped 1 blank row(s) (Excel row(s) 7)" in text
    text = describe_export(CORPUS / "duplicated_column_names_unused__reads.csv")
    assert "'Comments' in columns C, D" in text
    text = describe_export(EXPORTS / "excel_cp1252_semicolon.csv")
    assert "Windows-1252" in text and "semicolon" in text
    text = describe_export(EXPORTS / "google_forms.csv")
    assert "nothing odd found" in text and "recognised by: first column Timestamp" in text


def test_inspect_of_an_unreadable_file_says_what_to_do():
    with pytest.raises(InputError) as err:
        describe_export(CORPUS / "legacy_excel_97_2003__exit2.xls")
    assert "save" in err.value.hint.lower()
