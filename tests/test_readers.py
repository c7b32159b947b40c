"""Readers on exports shaped like the tools write them (tests/fixtures/exports, made by make_fixtures.py)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from mentoring_lib.errors import InputError, InputErrors
from mentoring_lib.io.readers import Export, column_letter, parse_datetimes, read_export, select_columns

EXPORTS = Path(__file__).parent / "fixtures" / "exports"
CORPUS = Path(__file__).parent / "corpus"
HEL = ZoneInfo("Europe/Helsinki")
PERSONAL = ["Aino", "Virtanen", "Lindqvist", "Mäkelä", "Östman", "Berg", "@example"]


def no_personal(message: str) -> None:
    for value in PERSONAL:
        assert value not in message, f"personal value {value!r} in message: {message}"


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz=HEL)


def parse(e: Export, column: str, **kw) -> pd.Series:
    return parse_datetimes(e.data[column], file=e.path, column=column, tz=HEL, tool=e.tool, **kw)


# -- each tool ---------------------------------------------------------------------------------

def test_microsoft_forms_xlsx():
    e = read_export(EXPORTS / "ms_forms.xlsx")
    assert (e.tool, e.encoding, e.delimiter, e.header_rows) == ("microsoft_forms", None, None, 1)
    assert list(e.data.columns[:5]) == ["ID", "Start time", "Completion time", "Email", "Name"]
    assert list(e.data.index) == [2, 3, 4, 5, 6] and e.data.index.name == "row"
    assert e.data.loc[2, "ID"] == "1"  # an Excel number read as text, no ".0"
    assert e.data.loc[2, "Start time"] == "2026-08-20 09:01:05"
    assert e.data.loc[2, "Why would you like to be a mentor?"] == "I want to help others\nand learn."
    assert e.data.loc[3, "When are you available?"] == "Monday morning;Wednesday afternoon;"
    assert all(str(t) in ("str", "string", "object") for t in e.data.dtypes)
    assert e.notes == []


def test_google_forms_csv_and_its_timestamp_format():
    e = read_export(EXPORTS / "google_forms.csv")
    assert (e.tool, e.encoding, e.delimiter, e.header_rows) == ("google_forms", "utf-8", ",", 1)
    assert e.data.loc[3, "Anything else?"] == 'She said "hello", then left.\nSecond line.'
    assert e.data.loc[2, "Timestamp"] == "2026/09/01 10:15:22 AM GMT+3"
    got = parse(e, "Timestamp")
    assert got.loc[2] == ts("2026-09-01 10:15:22")
    assert got.loc[3] == ts("2026-09-02 13:15:22")  # 1:15:22 PM GMT+3
    assert str(got.dtype).startswith("datetime64") and str(got.dt.tz) == "Europe/Helsinki"


def test_qualtrics_three_header_rows():
    e = read_export(EXPORTS / "qualtrics.csv")
    assert (e.tool, e.encoding, e.header_rows, e.first_data_row) == ("qualtrics", "utf-8-sig", 3, 4)
    assert list(e.data.index) == [4, 5, 6, 7]
    assert e.import_ids["QID1_1"] == "Q1_1" and e.import_ids["recipientEmail"] == "RecipientEmail"
    assert e.question_texts["Q2"] == "What did you hope to get from the programme?"
    assert e.source_timezones["RecordedDate"] == "Europe/Helsinki"
    # a config may name a column by header, ImportId or question text
    df = select_columns(e, {"email": "RecipientEmail", "kind": "QID1_1",
                            "hope": "What did you hope to get from the programme?"}, ["email", "kind", "hope"])
    assert list(df.columns) == ["email", "kind", "hope"] and list(df.index) == [4, 5, 6, 7]
    assert df["kind"].tolist() == e.data["Q1_1"].tolist()
    assert df.attrs["source_columns"] == {"email": "RecipientEmail", "kind": "Q1_1", "hope": "Q2"}


def test_qualtrics_tsv_utf16_and_its_time_zone():
    e = read_export(EXPORTS / "qualtrics_utf16.tsv")
    assert (e.tool, e.encoding, e.delimiter, e.header_rows) == ("qualtrics", "utf-16", "\t", 3)
    df = select_columns(e, {"submitted_at": "RecordedDate"}, ["submitted_at"])
    got = parse_datetimes(df["submitted_at"], file=e.path, column="RecordedDate", tz=HEL)
    # 08:06 in Denver (MDT, UTC-6) is 14:06 UTC = 17:06 in Helsinki (EEST, UTC+3)
    assert got.iloc[0] == ts("2026-09-02 17:06:00")
    assert "America/Denver" in got.attrs["notes"][0]


def test_qualtrics_legacy_two_rows():
    e = read_export(EXPORTS / "qualtrics_legacy.csv")
    assert (e.tool, e.header_rows, list(e.data.index)) == ("qualtrics", 2, [3, 4, 5])
    assert e.question_texts["Q1"] == "I am kind to myself when I fail"
    assert e.data.loc[3, "ResponseSet"] == "Default Response Set"


def test_limesurvey_semicolon_quoted():
    e = read_export(EXPORTS / "limesurvey.csv")
    assert (e.tool, e.delimiter, len(e.data)) == ("limesurvey", ";", 4)
    assert e.data.loc[2, "G01Q02"] == "Kyllä; ehkä"   # quoted delimiter stays in the cell
    assert e.data.loc[5, "submitdate"] == ""          # incomplete response kept, blank stays blank


@pytest.mark.parametrize("name", ["webropol.csv", "webropol.xlsx"])
def test_webropol(name):
    e = read_export(EXPORTS / name)
    assert e.tool == "webropol"
    if name.endswith(".csv"):
        assert (e.encoding, e.delimiter) == ("utf-8-sig", ";")
    assert e.data.columns[0] == "Respondent"  # the BOM is not part of the first header
    assert parse(e, "Response date").loc[2] == ts("2026-12-01 09:05")


@pytest.mark.parametrize("name, tool", [("plain.csv", "csv"), ("plain.xlsx", "xlsx")])
def test_plain_files(name, tool):
    e = read_export(EXPORTS / name)
    assert e.tool == tool
    assert list(e.data.columns) == ["Name", "Email", "Training 1", "Training 2", "Training 3"]
    assert e.data["Training 2"].tolist() == ["x", "", "x", "", "x"]


def test_excel_unicode_text_utf16_tab():
    e = read_export(EXPORTS / "excel_unicode_text.txt")
    assert (e.encoding, e.delimiter) == ("utf-16", "\t")
    assert e.data.loc[4, "Name"] == "Siiri Mäkelä"


def test_cp1252_fallback_is_reported_and_correct():
    e = read_export(EXPORTS / "excel_cp1252_semicolon.csv")
    assert (e.encoding, e.delimiter) == ("cp1252", ";")
    assert "Sähköposti" in e.data.columns
    assert e.data.loc[6, "Nimi"] == "Åsa Berg"
    assert any("Windows-1252" in n for n in e.notes)


def test_tool_is_detected_from_content_not_name(tmp_path):
    renamed = tmp_path / "responses.bin"
    renamed.write_bytes((EXPORTS / "ms_forms.xlsx").read_bytes())
    assert read_export(renamed).tool == "microsoft_forms"
    as_txt = tmp_path / "export.xlsx"
    as_txt.write_bytes((EXPORTS / "google_forms.csv").read_bytes())
    e = read_export(as_txt)
    assert e.tool == "google_forms" and any("read by its content" in n for n in e.notes)


def test_configured_tool_wins_but_a_mismatch_is_noted():
    e = read_export(EXPORTS / "google_forms.csv", tool="webropol")
    assert e.tool == "webropol"
    assert any("look like Google Forms" in n for n in e.notes)
    with pytest.raises(InputError, match="unknown survey tool"):
        read_export(EXPORTS / "google_forms.csv", tool="typeform")


# -- delimiters, rows, headers -----------------------------------------------------------------

@pytest.mark.parametrize("sep", [",", ";", "\t"])
def test_delimiter_detection(tmp_path, sep):
    f = tmp_path / "x.csv"
    f.write_text(sep.join(["Name", "Score", "Note"]) + "\n"
                 + sep.join(["A", "3,5" if sep != "," else "3.5", "a; b" if sep != ";" else "a, b"]) + "\n"
                 + sep.join(["B", "4,0" if sep != "," else "4.0", "c"]) + "\n", encoding="utf-8")
    e = read_export(f)
    assert e.delimiter == sep and list(e.data.columns) == ["Name", "Score", "Note"]


def test_only_comma_semicolon_tab_are_delimiters(tmp_path):
    f = tmp_path / "pipes.csv"
    f.write_text("a|b|c\n1|2|3\n", encoding="utf-8")
    e = read_export(f)
    assert list(e.data.columns) == ["a|b|c"] and e.data.iloc[0, 0] == "1|2|3"


def test_blank_and_summary_rows_are_dropped_with_notes_and_rows_keep_excel_numbers():
    e = read_export(CORPUS / "trailing_yhteensa_rows__reads.xlsx")
    assert list(e.data.index) == [2, 3, 4, 5, 6]
    assert e.blank_rows == [7] and e.summary_rows == [8, 9] and e.rows_read == 8
    assert any("summary row" in n for n in e.notes)
    e = read_export(CORPUS / "blank_rows__reads.csv")
    assert list(e.data.index) == [2, 4, 6] and e.blank_rows == [3, 5]


def test_title_rows_shift_the_row_numbers():
    e = read_export(CORPUS / "extra_title_rows_above_header__reads.xlsx")
    assert e.header_row == 4 and list(e.data.index)[:2] == [5, 6]
    assert any("title row" in n for n in e.notes)
    e = read_export(CORPUS / "merged_header_cells__reads.xlsx")
    assert e.header_row == 2 and e.data.columns[0] == "Name" and e.data.index[0] == 3


def test_duplicate_headers_are_renamed_and_refused_when_mapped():
    e = read_export(CORPUS / "duplicated_column_names_unused__reads.csv")
    assert list(e.data.columns) == ["Name", "Email", "Comments [C]", "Comments [D]"]
    assert e.duplicate_headers == {"Comments": ["C", "D"]}
    df = select_columns(e, {"a": "Comments [D]"}, ["a"])
    assert df["a"].iloc[0] == "b"
    with pytest.raises(InputError) as err:
        select_columns(e, {"comment": "Comments"}, ["comment"])
    msg = str(err.value)
    assert "appears 2 times, in columns C, D" in msg and "Comments [C]" in msg and err.value.row == 1


def test_sheets():
    f = CORPUS / "several_sheets__reads.xlsx"
    assert read_export(f).sheet == "Responses"
    assert list(read_export(f, sheet="Summary").data.columns) == ["Trainings", "Count"]
    assert list(read_export(f, sheet=1).data.columns) == ["Trainings", "Count"]
    with pytest.raises(InputError, match="has no sheet 'Sumary'.*Responses, Summary, Notes") as err:
        read_export(f, sheet="Sumary")
    assert "did you mean 'Summary'" in str(err.value)
    assert read_export(CORPUS / "hidden_first_sheet__reads.xlsx").sheet == "Responses"


def test_ragged_rows():
    e = read_export(CORPUS / "ragged_short_rows__reads.csv")
    assert e.data.loc[3, "Training 3"] == "" and any("fewer cells" in n for n in e.notes)
    with pytest.raises(InputError) as err:
        read_export(CORPUS / "ragged_long_rows_unquoted_comma__exit2.csv")
    assert err.value.row == 4 and "more cells than the header" in str(err.value)
    no_personal(str(err.value))


def test_header_only_reads_as_zero_responses():
    e = read_export(CORPUS / "header_only__reads.csv")
    assert len(e.data) == 0 and e.data.columns[0] == "Timestamp"
    df = select_columns(e, {"t": "Timestamp"}, ["t"])
    assert len(parse_datetimes(df["t"], file=e.path, column="Timestamp", tz=HEL)) == 0


@pytest.mark.parametrize("name, needle", [
    ("html_page_saved_as_xlsx__exit2.xlsx", "web page"),
    ("legacy_excel_97_2003__exit2.xls", "legacy Excel 97-2003"),
    ("password_protected__exit2.xlsx", "password-protected"),
    ("macro_enabled__exit2.xlsm", "macro-enabled"),
    ("zip_bomb__exit2.xlsx", "zip bomb"),
    ("xml_entity_bomb__exit2.xlsx", "entity"),
    ("empty_file__exit2.csv", "empty"),
])
def test_files_that_are_refused_say_what_to_do(name, needle):
    with pytest.raises(InputError) as err:
        read_export(CORPUS / name)
    assert needle in str(err.value) and name in str(err.value) and err.value.hint
    assert type(err.value) is InputError


def test_size_cap(tmp_path):
    with pytest.raises(InputError, match="over the size limit"):
        read_export(EXPORTS / "google_forms.csv", max_bytes=100)


def test_column_letter():
    assert [column_letter(i) for i in (0, 25, 26, 27, 701, 702)] == ["A", "Z", "AA", "AB", "ZZ", "AAA"]


# -- select_columns ----------------------------------------------------------------------------

def test_missing_required_column_names_the_closest_headers():
    e = read_export(EXPORTS / "google_forms.csv")
    with pytest.raises(InputError) as err:
        select_columns(e, {"email": "Email adress", "name": "Full name"}, ["email", "name"])
    msg = str(err.value)
    assert "required column 'Email adress' (field 'email') not found" in msg
    assert "closest headers in the file: 'Email Address'" in msg
    assert err.value.file == str(e.path) and err.value.row == 1 and err.value.column == "Email adress"
    assert err.value.hint and "mentoring inspect" in err.value.hint
    no_personal(msg)


def test_several_missing_columns_are_reported_together():
    e = read_export(EXPORTS / "google_forms.csv")
    with pytest.raises(InputErrors) as err:
        select_columns(e, {"email": "Mail", "school": "Faculty"}, ["email", "school", "consent"])
    assert len(err.value.errors) == 3
    assert "no column is mapped to the required field 'consent'" in str(err.value)


def test_select_is_tolerant_of_case_and_spacing_and_leaves_out_missing_optionals():
    e = read_export(EXPORTS / "google_forms.csv")
    df = select_columns(e, {"email": "email  address", "school": "School", "extra": "Not there"},
                        ["email"])
    assert list(df.columns) == ["email", "school"]
    assert df.index.equals(e.data.index)
    assert df.attrs["notes"] and "ignoring case" in df.attrs["notes"][0]


# -- parse_datetimes ---------------------------------------------------------------------------

def _s(values, start=2, **attrs):
    s = pd.Series(values, index=pd.Index(range(start, start + len(values)), name="row"), dtype=str)
    s.attrs.update(attrs)
    return s


def pdt(values, **kw):
    return parse_datetimes(_s(values), file="f.csv", column="When", tz=kw.pop("tz", HEL), **kw)


@pytest.mark.parametrize("text, expected", [
    ("2026-09-01", "2026-09-01 00:00"),
    ("2026-09-01 14:05", "2026-09-01 14:05"),
    ("2026-09-01T14:05:09", "2026-09-01 14:05:09"),
    ("2026-09-01 14:05:09.250", "2026-09-01 14:05:09.250"),
    ("2026-09-01T11:05:09Z", "2026-09-01 14:05:09"),
    ("2026-09-01 13:05:09+02:00", "2026-09-01 14:05:09"),
    ("1.9.2026", "2026-09-01 00:00"),
    ("01.09.2026 14:05", "2026-09-01 14:05"),
    ("1.9.2026 klo 14.05.09", "2026-09-01 14:05:09"),
    ("2026/09/01 2:05:09 PM GMT+3", "2026-09-01 14:05:09"),
    ("2026/09/01 12:05:09 AM GMT+3", "2026-09-01 00:05:09"),
    ("2026/09/01 12:05:09 PM GMT+3", "2026-09-01 12:05:09"),
    ("  2026-09-01 14:05  ", "2026-09-01 14:05"),
])
def test_formats(text, expected):
    assert pdt([text]).iloc[0] == ts(expected)


def test_blank_is_missing_not_an_error():
    got = pdt(["2026-09-01 10:00", "", "  "])
    assert got.isna().tolist() == [False, True, True]


@pytest.mark.parametrize("order, expected", [("dmy", "2026-04-03 10:00"), ("mdy", "2026-03-04 10:00")])
def test_configured_order_resolves_ambiguous_dates(order, expected):
    assert pdt(["03/04/2026 10:00", "05/06/2026"], date_order=order).iloc[0] == ts(expected)


def test_auto_order_is_decided_by_an_unambiguous_value():
    got = pdt(["03/04/2026 10:00", "25/04/2026 09:00"])
    assert got.iloc[0] == ts("2026-04-03 10:00") and "day first" in got.attrs["notes"][0]
    got = pdt(["03/04/2026 10:00", "4/25/2026 9:00:00 PM"])
    assert got.iloc[0] == ts("2026-03-04 10:00") and got.iloc[1] == ts("2026-04-25 21:00")


def test_all_ambiguous_is_an_error_never_a_guess():
    with pytest.raises(InputError) as err:
        pdt(["03/04/2026 10:00", "05/06/2026 11:00"], tool="google_forms")
    e = err.value
    assert e.column == "When" and e.file == "f.csv" and "date_order" in e.hint and "Google Forms" in e.hint


def test_conflicting_orders_are_an_error():
    with pytest.raises(InputError, match=r"mixes day-first dates \(e.g. row 2\) and month-first dates \(e.g. row 3\)"):
        pdt(["13/09/2026", "09/14/2026"])


def test_wrong_configured_order_is_caught_per_row():
    with pytest.raises(InputError) as err:
        pdt(["09/14/2026"], date_order="dmy")
    assert err.value.row == 2 and "day first" in str(err.value)


def test_iso_order_accepts_only_iso():
    assert pdt(["2026-09-01"], date_order="iso").iloc[0] == ts("2026-09-01")
    with pytest.raises(InputError):
        pdt(["1.9.2026"], date_order="iso")


def test_excel_serials_1900_and_1904():
    # 46266.4375 = 2026-09-01 10:30 (1900 system); the same day is 44804.4375 in the 1904 system
    assert pdt(["46266.4375"]).iloc[0] == ts("2026-09-01 10:30")
    assert pdt(["44804.4375"], date_system="1904").iloc[0] == ts("2026-09-01 10:30")
    s = _s(["44804.4375"], date_system="1904")  # the reader's attrs carry the workbook's system
    assert parse_datetimes(s, file="f", column="c", tz=HEL).iloc[0] == ts("2026-09-01 10:30")


@pytest.mark.parametrize("name", ["ms_forms_serials_1900.xlsx", "ms_forms_1904.xlsx"])
def test_workbook_serials_agree_with_date_cells(name):
    e = read_export(EXPORTS / name)
    df = select_columns(e, {"a": "Completion time", "b": "Completion time (number)"}, ["a", "b"])
    a = parse_datetimes(df["a"], file=e.path, column="Completion time", tz=HEL)
    b = parse_datetimes(df["b"], file=e.path, column="Completion time (number)", tz=HEL)
    assert a.tolist() == b.tolist()
    assert a.iloc[0] == ts("2026-08-20 09:04:37")
    assert e.date_system == ("1904" if "1904" in name else "1900")


def test_dst_gap_is_an_error_with_row_and_column():
    with pytest.raises(InputError) as err:
        pdt(["2026-03-29 02:59:59", "2026-03-29 03:30:00", "2026-03-29 04:00:00"])
    assert err.value.row == 3 and err.value.column == "When" and "does not exist" in str(err.value)
    got = pdt(["2026-03-29 02:59:59", "2026-03-29 04:00:00"])
    assert (got.iloc[1] - got.iloc[0]) == pd.Timedelta(seconds=1)


def test_dst_fold_is_the_first_occurrence_and_noted():
    got = pdt(["2026-10-25 03:30:00", "2026-10-25 02:59:00", "2026-10-25 04:00:00"])
    assert got.iloc[0].utcoffset() == dt.timedelta(hours=3)  # summer time, the first 03:30
    assert got.iloc[0].tz_convert("UTC") == pd.Timestamp("2026-10-25 00:30", tz="UTC")
    assert "repeated hour" in got.attrs["notes"][0] and "rows 2" in got.attrs["notes"][0]


def test_unreadable_values_name_row_and_shape_not_value():
    with pytest.raises(InputErrors) as err:
        pdt(["2026-09-01", "Aino Virtanen", "31.2.2026", "2026-13-01"])
    rows = [e.row for e in err.value.errors]
    assert rows == [3, 4, 5]
    msg = str(err.value)
    assert "aaaa aaaaaaa" in msg
    no_personal(msg)


def test_implausible_serial():
    with pytest.raises(InputError, match="not a plausible Excel date"):
        pdt(["12345"])


def test_result_is_in_the_term_time_zone_whatever_the_source():
    got = pdt(["2026-09-01 12:00"], tz="UTC", source_tz="Europe/Helsinki")
    assert str(got.dt.tz) == "UTC" and got.iloc[0] == pd.Timestamp("2026-09-01 09:00", tz="UTC")


def test_vectorised_on_a_large_term():
    # ~25k rows, the size of the 100x benchmark term, in several formats at once
    n = 25_000
    base = pd.Timestamp("2026-08-20 08:00")
    stamps = base + pd.to_timedelta(np.arange(n) * 97, unit="s")
    forms = np.where(np.arange(n) % 3 == 0, stamps.strftime("%Y-%m-%d %H:%M:%S"),
                     np.where(np.arange(n) % 3 == 1, stamps.strftime("%-d.%-m.%Y %H:%M"),
                              stamps.strftime("%d/%m/%Y %H:%M:%S")))
    got = pdt(list(forms))
    assert got.notna().all() and got.iloc[0] == ts("2026-08-20 08:00")
    assert got.iloc[2] == ts("2026-08-20 08:03:14")


def test_reading_a_large_csv_keeps_every_row(tmp_path):
    n = 25_000
    f = tmp_path / "big.csv"
    lines = ["Timestamp,Email Address,Name,School,Comment"]
    lines += [f"2026/09/01 10:{i % 60:02d}:00 AM GMT+3,p{i}@example.org,Person {i},SCI,\"a, b\"" for i in range(n)]
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    e = read_export(f)
    assert len(e.data) == n and e.data.index[-1] == n + 1


# -- never another exception ---------------------------------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


def _read_or_input_error(path: Path) -> None:
    try:
        read_export(path)
    except InputError:
        pass


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=400))
def test_arbitrary_bytes_read_or_input_error(tmp_path, data):
    f = tmp_path / "x.csv"
    f.write_bytes(data)
    _read_or_input_error(f)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(alphabet=st.sampled_from(list('ab1,;\t"\n\r \x00äÃ¤{}:Total')), max_size=300))
def test_arbitrary_delimited_text_reads_or_input_error(tmp_path, text):
    f = tmp_path / "x.csv"
    f.write_text(text, encoding="utf-8")
    _read_or_input_error(f)


def test_damaged_workbooks_are_input_errors(tmp_path):
    import io
    import random
    import zipfile

    rnd = random.Random(7)
    src = (EXPORTS / "ms_forms.xlsx").read_bytes()
    names = zipfile.ZipFile(io.BytesIO(src)).namelist()
    for i in range(40):
        out = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(src)) as zin, zipfile.ZipFile(out, "w") as zout:
            victim = names[i % len(names)]
            for n in names:
                blob = bytearray(zin.read(n))
                if n == victim and blob:
                    k = rnd.randrange(len(blob))
                    blob[k:k + rnd.randrange(1, 30)] = rnd.choice([b"<", b'"', b"</c>", b'r="ZZ0"', b"", b"&x;"])
                zout.writestr(n, bytes(blob))
        f = tmp_path / f"d{i}.xlsx"
        f.write_bytes(out.getvalue())
        _read_or_input_error(f)
        cut = tmp_path / f"cut{i}.xlsx"
        cut.write_bytes(src[: rnd.randrange(10, len(src))])
        _read_or_input_error(cut)


def test_everything_stays_text(tmp_path):
    f = tmp_path / "x.csv"
    f.write_text("Id,Answer,Score\n0012,NA,3.50\n0013,null,1e3\n0014,N/A,\n", encoding="utf-8")
    e = read_export(f)
    assert e.data.to_dict("list") == {"Id": ["0012", "0013", "0014"], "Answer": ["NA", "null", "N/A"],
                                      "Score": ["3.50", "1e3", ""]}
    assert not e.data.isna().any().any()


def test_workbook_numbers_as_excel_shows_them(tmp_path):
    import openpyxl
    wb = openpyxl.Workbook()
    wb.active.append(["a", "b", "c", "d"])
    wb.active.append([0.1 + 0.2, 3.0, True, 1234567.125])
    f = tmp_path / "n.xlsx"
    wb.save(f)
    assert read_export(f).data.iloc[0].tolist() == ["0.3", "3", "TRUE", "1234567.125"]


def test_a_directory_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="is not a file"):
        read_export(tmp_path)
    with pytest.raises(InputError, match="file not found"):
        read_export(tmp_path / "nope.csv")


def test_unknown_time_zones_are_input_errors():
    with pytest.raises(InputError, match="export's time zone 'Mars/Olympus' is not a known time zone"):
        parse_datetimes(_s(["2026-09-01 10:00"], source_timezones={None: "Mars/Olympus"}), file="f", column="c",
                        tz=HEL)
    with pytest.raises(InputError, match="term's time zone"):
        pdt(["2026-09-01"], tz="Europe/Helsingfors")


def test_duplicate_row_labels_from_concatenated_exports():
    s = pd.Series(["2026-09-01 10:00", "1.9.2026 11:00", "bad"], index=pd.Index([2, 2, 3], name="row"))
    with pytest.raises(InputError) as err:
        parse_datetimes(s, file="f", column="c", tz=HEL)
    assert err.value.row == 3
    got = parse_datetimes(s.iloc[:2], file="f", column="c", tz=HEL)
    assert list(got.index) == [2, 2] and got.tolist() == [ts("2026-09-01 10:00"), ts("2026-09-01 11:00")]


def test_serial_with_a_decimal_comma():
    assert pdt(["46266,4375"]).iloc[0] == ts("2026-09-01 10:30")


@pytest.mark.parametrize("first_headers, tool", [
    (["Tunnus", "Aloitusaika", "Valmistumisaika", "Sähköposti", "Nimi"], "microsoft_forms"),
    (["Aikaleima", "Sähköpostiosoite"], "google_forms"),
    (["Response ID", "Date submitted", "Last page", "Start language", "Seed"], "limesurvey"),
    (["Vastaaja", "Vastauspäivämäärä", "Sähköposti"], "webropol"),
    (["Name", "Email"], "csv"),
])
def test_fingerprints_in_other_languages(tmp_path, first_headers, tool):
    f = tmp_path / "x.csv"
    f.write_text(";".join(first_headers) + "\n" + ";".join("v" for _ in first_headers) + "\n", encoding="utf-8")
    assert read_export(f).tool == tool
