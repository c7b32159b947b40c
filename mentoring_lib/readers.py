"""Read survey-tool exports exactly as the tools (or Excel) wrote them.

``read_export`` takes a raw export and returns an :class:`Export`: every cell as text, the
tool's headers as column names, and the index set to the row number the coordinator sees in
Excel (named ``row``), so every later message can point at a cell. The format is detected
from the content, never from the file name:

* container: zip (``.xlsx``) vs OLE (legacy ``.xls`` or a password-protected workbook) vs
  HTML / XML saved with a spreadsheet extension vs plain text;
* text: UTF-8 with or without BOM, UTF-16 ("Unicode text" from Excel), and a Windows-1252
  (cp1252) fallback that is recorded in ``notes``; delimiter ``,`` ``;`` or tab;
* tool, from header fingerprints: Microsoft Forms (``ID, Start time, Completion time``),
  Google Forms (``Timestamp`` first), Qualtrics (three header rows: names, question texts and
  ``{"ImportId": ...}``; or the legacy two-row form), LimeSurvey (``id, submitdate, lastpage,
  startlanguage``), Webropol (``Response date`` / ``Vastauspäivämäärä``), SurveyMonkey (``Respondent
  ID, Collector ID, ...`` with answer labels in a second header row), or plain CSV/XLSX.

Documented normalisations (each one is written to ``Export.notes``):

* title rows above the header row are skipped; fully blank rows are dropped; trailing summary
  rows ("Total", "Yhteensä", "Summa", "Totalt", "Average", ...) are dropped;
* headers are trimmed and their inner whitespace (including line breaks) collapsed to one space;
* a blank header over a column with data is named ``Column <letter>``; empty unnamed columns
  (trailing delimiters) are dropped;
* a header that appears more than once is renamed ``<header> [<column letter>]`` for each
  occurrence, so nothing is silently chosen: mapping the bare header then fails in
  :func:`select_columns` with a message naming both columns;
* SurveyMonkey's two header rows become one name per column: the question, or "question - label"
  for the columns of a question that spans several (its options, "Other (please specify)");
* NUL bytes are removed; UTF-8 text that was double-encoded ("Ã¤" for "ä") is repaired;
* rows shorter than the header are padded with blanks; rows longer than the header are an error
  unless the extra cells are blank;
* Excel cells holding dates are written as ISO text ``YYYY-MM-DD HH:MM:SS``, truncated to the second
  (never rounded up: 23:59:59.7 on a deadline day stays on that day).

Everything a user can get wrong raises :class:`~mentoring_lib.errors.InputError` (exit 2)
with the file, the row as seen in Excel, the column and what to do; never a personal value.
"""
from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import json
import re
import unicodedata
import warnings
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from mentoring_lib.errors import InputError, InputErrors, row_ranges

DEFAULT_MAX_BYTES = 50_000_000

TOOL_LABELS = {
    "microsoft_forms": "Microsoft Forms",
    "google_forms": "Google Forms",
    "qualtrics": "Qualtrics",
    "limesurvey": "LimeSurvey",
    "webropol": "Webropol",
    "surveymonkey": "SurveyMonkey",
    "csv": "plain CSV",
    "xlsx": "plain Excel workbook",
}
TOOLS = frozenset(TOOL_LABELS) | {"auto"}

SAVE_AS_XLSX = "open it in Excel and use File > Save As > 'Excel Workbook (*.xlsx)', or download the export again as .xlsx or .csv"

_ZIP = b"PK\x03\x04"
_ZIP_EMPTY = b"PK\x05\x06"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_BOM_UTF8 = b"\xef\xbb\xbf"
_OTHER_MAGIC = {
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"GIF8": "a GIF image",
    b"\xff\xd8\xff": "a JPEG image",
    b"\x1f\x8b": "a gzip archive",
    b"Rar!": "a RAR archive",
    b"7z\xbc\xaf": "a 7-Zip archive",
}

#: Trailing rows whose first filled cell is one of these are summary rows, not responses.
SUMMARY_WORDS = frozenset({
    "total", "totals", "grand total", "sum", "yhteensä", "kaikki yhteensä", "summa", "totalt",
    "summa yhteensä", "average", "mean", "keskiarvo", "medeltal", "count", "lukumäärä", "antal",
})

#: Zip members larger than this and compressed more than _BOMB_RATIO times are refused.
_BOMB_MEMBER_BYTES = 20_000_000
_BOMB_RATIO = 100


@dataclass
class Export:
    """One export as read: text cells, the tool's headers, Excel row numbers as the index."""

    path: Path
    tool: str
    encoding: str | None
    delimiter: str | None
    header_rows: int
    data: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    #: Excel row of the (first) header row; 1 unless title rows were skipped.
    header_row: int = 1
    sheet: str | None = None
    sheets: tuple[str, ...] = ()
    #: Excel date system of a workbook ("1900" or "1904"); serial numbers in text use it.
    date_system: str = "1900"
    #: How the tool was recognised (header fingerprint), for `mentoring inspect`.
    detected_by: str = ""
    #: Qualtrics: ImportId (e.g. "QID3") -> header, header -> question text, header -> time zone.
    import_ids: dict[str, str] = field(default_factory=dict)
    question_texts: dict[str, str] = field(default_factory=dict)
    source_timezones: dict[str, str] = field(default_factory=dict)
    #: Header as written -> the column letters where it appears (when it appears twice or more).
    duplicate_headers: dict[str, list[str]] = field(default_factory=dict)
    blank_rows: list[int] = field(default_factory=list)
    summary_rows: list[int] = field(default_factory=list)
    #: Data rows in the file before blank and summary rows were dropped.
    rows_read: int = 0

    @property
    def tool_label(self) -> str:
        return TOOL_LABELS.get(self.tool, self.tool)

    @property
    def first_data_row(self) -> int:
        return self.header_row + self.header_rows


# ---------------------------------------------------------------------------------------------
# helpers

def _workbook_error(e: Exception, path: Path) -> InputError:
    """The coordinator's message for a workbook openpyxl could not open or read."""
    if type(e).__module__.startswith(("defusedxml", "xml.", "lxml")):
        return InputError("contains XML that is refused for safety or cannot be parsed", file=path,
                          hint="do not open this file; download the export again from the survey tool")
    return InputError(f"is a damaged Excel workbook ({type(e).__name__})", file=path,
                      hint="download the export again; if Excel can open it, " + SAVE_AS_XLSX)


def column_letter(i: int) -> str:
    """0-based column position -> Excel letters (0 -> A, 26 -> AA)."""
    from openpyxl.utils import get_column_letter

    return get_column_letter(i + 1)


def header_key(text: str) -> str:
    """Loose comparison key for headers: NFC, case-folded, whitespace collapsed, no trailing ':' or '*'."""
    t = unicodedata.normalize("NFC", str(text)).casefold()
    t = re.sub(r"\s+", " ", t).strip()
    return t.rstrip(" :*").strip()


def _clean_header(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", str(text))).strip()


def _blank(cell: str) -> bool:
    return not cell or cell.isspace()


# ---------------------------------------------------------------------------------------------
# container sniffing

def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 100_000 else f"{n:,} bytes"


def _check_file(path: Path, max_bytes: int) -> int:
    if not path.exists():
        raise InputError("file not found", file=path,
                         hint="check the file name in the config (inputs: file:) and that the export is in data_dir")
    if not path.is_file():
        raise InputError("is not a file", file=path, hint="point the config at the export file itself")
    size = path.stat().st_size
    if size > max_bytes:
        raise InputError(
            f"is {_size(size)}, over the size limit of {_size(max_bytes)}", file=path,
            hint="check that this is the right export (a form's responses are usually well under 10 MB); "
                 "if it is, raise the size limit (max_bytes)")
    if size == 0:
        raise InputError("is empty (0 bytes)", file=path,
                         hint="download the export again from the survey tool")
    return size


def _check_zip(path: Path, max_bytes: int) -> zipfile.ZipFile:
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise InputError("is a damaged zip/xlsx file and cannot be opened", file=path,
                         hint="download the export again; if Excel can open it, " + SAVE_AS_XLSX) from None
    try:
        _inspect_zip(zf, path, max_bytes)
    except InputError:
        zf.close()
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, OSError, ValueError, RuntimeError,
            KeyError) as e:
        zf.close()
        raise InputError(f"is a damaged zip/xlsx file ({type(e).__name__})", file=path,
                         hint="download the export again; if Excel can open it, " + SAVE_AS_XLSX) from None
    return zf


def _xml_prolog_declares_entities(fh) -> bool:
    """True if an XML member declares a DOCTYPE/ENTITY before its root element (or has an endless prolog)."""
    head = fh.read(65536)
    root = re.search(rb"<[A-Za-z_]", head)
    prolog = head if root is None else head[:root.start()]
    return b"<!DOCTYPE" in prolog or b"<!ENTITY" in prolog or (root is None and len(head) == 65536)


def _inspect_zip(zf: zipfile.ZipFile, path: Path, max_bytes: int) -> None:
    names = set(zf.namelist())
    total = 0
    for info in zf.infolist():
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if (info.file_size > _BOMB_MEMBER_BYTES and ratio > _BOMB_RATIO) or total > 10 * max_bytes:
            raise InputError(
                f"unpacks to far more data than a survey export holds ({info.filename} alone is "
                f"{info.file_size / 1e6:.0f} MB, compressed {ratio:.0f} times): it looks like a zip bomb "
                "and was not opened", file=path,
                hint="do not open this file; download the export again from the survey tool")
    if "mimetype" in names:
        mime = zf.read("mimetype")[:100]
        if b"opendocument" in mime:
            raise InputError("is an OpenDocument spreadsheet (.ods), not an Excel workbook", file=path,
                             hint="open it in LibreOffice or Excel and save as .xlsx (Excel 2007-365)")
    if "xl/vbaProject.bin" in names or _content_types_macro(zf):
        raise InputError("is a macro-enabled workbook (.xlsm); macros are never run or read", file=path,
                         hint="open it in Excel and save as 'Excel Workbook (*.xlsx)' (without macros)")
    if "xl/workbook.xml" not in names:
        what = "a Word document" if "word/document.xml" in names else (
            "a PowerPoint file" if "ppt/presentation.xml" in names else "a zip archive")
        raise InputError(f"is {what}, not an Excel workbook", file=path,
                         hint="export the survey responses as .xlsx or .csv and point the config at that file")
    for info in zf.infolist():
        if info.filename.endswith((".xml", ".rels", ".vml")):
            with zf.open(info) as fh:
                unsafe = _xml_prolog_declares_entities(fh)
            if unsafe:
                raise InputError(
                    f"contains XML entity declarations in {info.filename} (Excel never writes them; this is "
                    "how 'XML bomb' files look) and was not opened", file=path,
                    hint="do not open this file; download the export again from the survey tool")


def _content_types_macro(zf: zipfile.ZipFile) -> bool:
    try:
        ct = zf.read("[Content_Types].xml")[:200_000]
    except KeyError:
        return False
    return b"macroEnabled" in ct


def _check_ole(path: Path) -> None:
    raw = path.read_bytes()
    if "EncryptedPackage".encode("utf-16-le") in raw:
        raise InputError("is a password-protected (encrypted) workbook and cannot be read", file=path,
                         hint="open it in Excel, remove the password (File > Info > Protect Workbook > "
                              "Encrypt with Password, clear it), save as .xlsx and keep it in the private data folder")
    if "Workbook".encode("utf-16-le") in raw or "Book".encode("utf-16-le") in raw:
        raise InputError("is a legacy Excel 97-2003 workbook (.xls), which is not read", file=path,
                         hint=SAVE_AS_XLSX)
    raise InputError("is an old-style Office file (OLE compound document), not a spreadsheet export",
                     file=path, hint=SAVE_AS_XLSX)


# ---------------------------------------------------------------------------------------------
# text decoding

_MOJIBAKE = re.compile("[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e"
                       "\u0192\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a"
                       "\u20ac\u2122]+")


#: Unmistakable double-encoding: "Ã¤" (ä), "Ã¶" (ö), "Ã¥" (å), "Ã„" (Ä), "Ã–" (Ö), "Ã©" (é), "â€" (dashes/quotes).
_MOJIBAKE_SIGNAL = re.compile("Ã[\u0080-\u00bf\u201e\u2013\u2026\u2030\u0160\u0178\u017d]|â€")


def _unmojibake(match: re.Match) -> str:
    s = match.group(0)
    try:
        b = bytes(ord(c) if ord(c) < 256 else c.encode("cp1252")[0] for c in s)
        return b.decode("utf-8")
    except (UnicodeError, ValueError):
        return s


def _decode(raw: bytes, path: Path, notes: list[str]) -> tuple[str, str]:
    if raw.startswith(_BOM_UTF8):
        try:
            return raw[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            raw = raw[3:]
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise InputError("starts like UTF-16 text but is not valid UTF-16", file=path,
                             hint="save it again from Excel as 'CSV UTF-8' or 'Unicode Text'") from None
    sample = raw[:4000]
    if len(sample) >= 4:
        even_nul = sample[0::2].count(0) / len(sample[0::2])
        odd_nul = sample[1::2].count(0) / len(sample[1::2])
        if odd_nul > 0.3 and even_nul < 0.05 or even_nul > 0.3 and odd_nul < 0.05:
            enc = "utf-16-le" if odd_nul > even_nul else "utf-16-be"
            try:
                text = raw.decode(enc)
                notes.append(f"read as {enc.upper()} text without a byte-order mark")
                return text, enc
            except UnicodeDecodeError:
                pass
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as e:
        line = raw[:e.start].count(b"\n") + 1
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError:
        raise InputError("is neither UTF-8 nor Windows-1252 text (nor a workbook)", file=path,
                         hint="save it from Excel as 'CSV UTF-8 (Comma delimited)' or as .xlsx") from None
    notes.append(
        f"not valid UTF-8 (first at line {line}); read as Windows-1252 (cp1252), which is what Excel writes "
        "for 'CSV (Comma delimited)' on Western-European Windows; check that ä, ö and å look right "
        "(mentoring inspect), or save the file as 'CSV UTF-8'")
    return text, "cp1252"


def _detect_delimiter(text: str) -> str:
    sample = text[:65536]
    truncated = len(text) > len(sample)
    best, best_key = ",", None
    for d in (",", ";", "\t"):
        try:
            rows = list(csv.reader(io.StringIO(sample), delimiter=d))
        except csv.Error:
            continue
        if truncated and rows:
            rows = rows[:-1]
        counts = [len(r) for r in rows[:50] if any(not _blank(c) for c in r)]
        if not counts:
            continue
        mode = max(set(counts), key=lambda n: (counts.count(n), n))
        consistency = counts.count(mode) / len(counts)
        if mode < 2:
            continue
        key = (consistency >= 0.9, mode, consistency)
        if best_key is None or key > best_key:
            best, best_key = d, key
    return best


def _read_text_grid(path: Path, raw: bytes, notes: list[str]) -> tuple[list[list[str]], dict]:
    text, encoding = _decode(raw, path, notes)
    if text.startswith("\ufeff"):
        text = text[1:]
    head = text.lstrip()[:2048].lower()
    if head.startswith("<?xml"):
        if "urn:schemas-microsoft-com:office:spreadsheet" in text[:5000]:
            raise InputError("is an 'XML Spreadsheet 2003' file, which is not read", file=path,
                             hint=SAVE_AS_XLSX)
        raise InputError("is an XML file, not a spreadsheet export", file=path,
                         hint="export the responses as .xlsx or .csv")
    if head.startswith(("<!doctype html", "<html", "<table", "<head", "<meta", "<body")) or (
            head.startswith("<") and "<table" in head):
        raise InputError("is a web page (HTML) saved with a spreadsheet name, not a real workbook or CSV",
                         file=path, hint=SAVE_AS_XLSX)
    nuls = text.count("\x00")
    if nuls:
        text = text.replace("\x00", "")
        notes.append(f"removed {nuls} NUL byte(s) (a damaged or wrongly saved file); check the counts")
    controls = sum(text[:4000].count(chr(c)) for c in range(32) if chr(c) not in "\t\r\n")
    if controls > 20:
        raise InputError("looks like a binary file, not a spreadsheet export", file=path,
                         hint="export the responses as .xlsx or .csv and point the config at that file")
    if encoding.startswith("utf-8") and _MOJIBAKE_SIGNAL.search(text):
        fixed = _MOJIBAKE.sub(_unmojibake, text)
        if fixed != text:
            text = fixed
            notes.append("the text had been double-encoded (UTF-8 read as Windows-1252 and saved again, "
                         "e.g. 'Ã¤' for 'ä'); repaired")
    if not text.strip():
        raise InputError("has no content (only blank lines)", file=path,
                         hint="download the export again from the survey tool")
    row_offset = 0
    first_line, _, rest = text.partition("\n")
    m = re.fullmatch(r'"?sep=(.)"?\r?', first_line)
    if m:
        delimiter = m.group(1)
        text = rest
        notes.append(f"first line 'sep={delimiter}' (an Excel hint) used as the delimiter and skipped")
    else:
        delimiter = _detect_delimiter(text)
    try:
        grid = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as e:
        raise InputError(f"cannot be read as delimited text ({e})", file=path,
                         hint="open it in Excel and save as 'CSV UTF-8', or as .xlsx") from None
    return grid, {"encoding": encoding, "delimiter": delimiter, "row_offset": row_offset}


# ---------------------------------------------------------------------------------------------
# workbooks

def _cell_text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if v != v:
            return ""
        # 15 significant digits: what Excel itself stores and shows (0.1 + 0.2 -> "0.3")
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else format(v, ".15g")
    if isinstance(v, dt.datetime):
        # truncated, never rounded up: 23:59:59.7 on the deadline day is still that day
        v = v.replace(microsecond=0)
        if v.time() == dt.time(0):
            return v.date().isoformat()
        return v.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, dt.time):
        return v.strftime("%H:%M:%S")
    if isinstance(v, dt.timedelta):
        return str(v)
    return str(v)


def _read_xlsx_grid(path: Path, zf: zipfile.ZipFile, sheet, notes: list[str]) -> tuple[list[list[str]], dict]:
    import openpyxl

    zf.close()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about harmless oddities of generated files
            # a file object, not the path: openpyxl would refuse a workbook by its file name alone
            wb = openpyxl.load_workbook(io.BytesIO(path.read_bytes()), read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many types for damaged parts; defusedxml refuses unsafe XML
        raise _workbook_error(e, path) from None
    try:
        names = list(wb.sheetnames)
        visible = [ws.title for ws in wb.worksheets if getattr(ws, "sheet_state", "visible") == "visible"]
        if sheet is None:
            chosen = (visible or names)[0]
        elif isinstance(sheet, int) and not isinstance(sheet, bool):
            if not 0 <= sheet < len(names):
                raise InputError(f"has no sheet number {sheet} (it has {len(names)}: {', '.join(names)})",
                                 file=path, hint="set sheet: to one of the sheet names in the config")
            chosen = names[sheet]
        else:
            if sheet not in names:
                close = difflib.get_close_matches(str(sheet), names, n=1)
                raise InputError(f"has no sheet '{sheet}'; its sheets are: {', '.join(names)}", file=path,
                                 hint=f"did you mean '{close[0]}'?" if close else
                                 "set sheet: to one of the sheet names in the config")
            chosen = sheet
        ws = wb[chosen]
        if hasattr(ws, "reset_dimensions"):
            ws.reset_dimensions()  # some generators write a wrong dimension; read every cell
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            grid = [[_cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
        epoch = getattr(wb, "epoch", None)
    except InputError:
        raise
    except Exception as e:
        raise _workbook_error(e, path) from None
    finally:
        wb.close()
    if len(names) > 1 and sheet is None:
        others = [n for n in names if n != chosen]
        notes.append(f"workbook has {len(names)} sheets; read '{chosen}' (others: {', '.join(others)}); "
                     "set sheet: in the config to read another")
    date_system = "1904" if epoch is not None and epoch.year == 1904 else "1900"
    if date_system == "1904":
        notes.append("workbook uses the 1904 date system (Mac Excel); dates were converted with it")
    return grid, {"encoding": None, "delimiter": None, "row_offset": 0, "sheet": chosen,
                  "sheets": tuple(names), "date_system": date_system}


# ---------------------------------------------------------------------------------------------
# tool fingerprints

_MS_START = {"start time", "aloitusaika", "starttid", "startzeit"}
_MS_END = {"completion time", "valmistumisaika", "tid för slutförande", "slutförandetid", "sluttid",
           "fertigstellungszeit"}
_GOOGLE_FIRST = {"timestamp", "aikaleima", "tidstämpel", "tidsstämpel", "zeitstempel", "marca temporal"}
_LIME_CODES = {"id", "submitdate", "lastpage", "startlanguage"}
_LIME_TEXTS = {"response id", "date submitted", "last page", "start language"}
_WEBROPOL = {"response date", "vastauspäivämäärä", "vastauspäivä", "svarsdatum", "vastausaika"}
_QUALTRICS = {"startdate", "enddate", "recordeddate", "responseid", "distributionchannel", "userlanguage",
              "ipaddress", "finished", "progress", "duration (in seconds)", "externalreference"}
_QUALTRICS_LEGACY = {"responseid", "responseset", "externaldatareference", "emailaddress", "ipaddress"}
_SURVEYMONKEY = {"respondent id", "collector id", "start date", "end date", "ip address", "email address",
                 "first name", "last name", "custom data 1"}
#: SurveyMonkey's second header row labels a one-column answer "Response" or "Open-Ended Response".
_SM_ANSWER = {"response", "open-ended response"}


def _is_surveymonkey(grid: list[list[str]], h: int) -> bool:
    """Row h holds SurveyMonkey's metadata headers and row h+1 its answer labels."""
    keys = {header_key(c) for c in grid[h]}
    nxt = {header_key(c) for c in grid[h + 1]} if h + 1 < len(grid) else set()
    return len(keys & {"respondent id", "collector id"}) >= 1 and len(keys & _SURVEYMONKEY) >= 3 \
        and bool(nxt & _SM_ANSWER)


def _surveymonkey_headers(top: list[str], labels: list[str]) -> list[str]:
    """One name per column from SurveyMonkey's two header rows.

    A question's text is in row 1 over its first column only; row 2 labels each column ("Response",
    "Open-Ended Response", an option, "Other (please specify)"). A one-column answer is named by the
    question; a column of a multi-column question by "question - label" ("Which times suit you? -
    Monday 16-18"), except its "Response" column, which is the question itself.
    """
    width = max(len(top), len(labels))
    top = [_clean_header(c) for c in top] + [""] * (width - len(top))
    labels = [_clean_header(c) for c in labels] + [""] * (width - len(labels))
    starts = [j for j in range(width) if top[j]]
    names = []
    for j in range(width):
        start = max((k for k in starts if k <= j), default=None)
        question = top[start] if start is not None else ""
        end = next((k for k in starts if k > j), width)
        single = start is None or end - start == 1
        label = labels[j]
        if not question or not label or header_key(label) == "response" or (
                single and header_key(label) in _SM_ANSWER):
            names.append(question or label)
        else:
            names.append(f"{question} - {label}")
    return names


def _is_import_id(cell: str) -> bool:
    c = cell.strip()
    return c.startswith("{") and '"importid"' in c.casefold()


def _fingerprint(grid: list[list[str]], h: int) -> tuple[str, int, str]:
    """(tool, header rows, why) from the header row at grid index h."""
    keys = [header_key(c) for c in grid[h]]
    nonblank = [k for k in keys if k]
    keyset = set(nonblank)
    nxt = grid[h + 1] if h + 1 < len(grid) else []
    nxt2 = grid[h + 2] if h + 2 < len(grid) else []
    if _is_surveymonkey(grid, h):
        return "surveymonkey", 2, ("SurveyMonkey columns (Respondent ID, Collector ID, ...) with answer labels "
                                   "(Response, Open-Ended Response, options) in row 2")
    if nxt2 and sum(_is_import_id(c) for c in nxt2) >= max(1, len([c for c in nxt2 if c.strip()]) // 2):
        return "qualtrics", 3, "third row holds {\"ImportId\": ...} cells"
    if len(keyset & _QUALTRICS_LEGACY) >= 3 or (nonblank and all(re.fullmatch(r"v\d+", k) for k in nonblank[:5])
                                                and len(nonblank) >= 5):
        return "qualtrics", 2, "legacy Qualtrics column names (ResponseID, ResponseSet, ...) with question texts in row 2"
    if len(keyset & _QUALTRICS) >= 3:
        second = [header_key(c) for c in nxt]
        labelled = sum(1 for k in second if k in {"start date", "end date", "response id", "recorded date",
                                                   "response type", "ip address", "finished", "progress"})
        return "qualtrics", (2 if labelled >= 2 else 1), "Qualtrics column names (StartDate, ResponseId, ...)"
    if len(keys) >= 3 and keys[0] in {"id", "tunnus"} and keys[1] in _MS_START and keys[2] in _MS_END:
        return "microsoft_forms", 1, "first columns ID, Start time, Completion time"
    if nonblank and keys[0] in _GOOGLE_FIRST:
        return "google_forms", 1, "first column Timestamp"
    if len(keyset & _LIME_CODES) >= 3 or len(keyset & _LIME_TEXTS) >= 3:
        return "limesurvey", 1, "LimeSurvey columns (id, submitdate, lastpage, startlanguage)"
    if keyset & _WEBROPOL:
        return "webropol", 1, "Webropol column 'Response date'"
    return "", 1, "no survey tool's header fingerprint"


# ---------------------------------------------------------------------------------------------
# the reader

def read_export(path, tool: str = "auto", sheet=None, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Export:
    """Read one raw export as text; see the module docstring for what is detected and normalised.

    ``tool`` ("auto" or one of :data:`TOOL_LABELS`) overrides the detected tool name (a
    disagreement is noted); the number of header rows is always taken from the content.
    ``sheet`` picks a workbook sheet by name or 0-based position (default: the first visible one).
    """
    path = Path(path)
    if tool not in TOOLS:
        raise InputError(f"unknown survey tool '{tool}'", file=path,
                         hint=f"use one of: {', '.join(sorted(TOOLS))}")
    _check_file(path, max_bytes)
    notes: list[str] = []
    try:
        with path.open("rb") as fh:
            raw = fh.read(max_bytes + 1)
    except OSError as e:
        raise InputError(f"cannot be read ({e.strerror or type(e).__name__})", file=path,
                         hint="check the file's permissions, and close it in Excel if it is open there") from None
    if raw.startswith((_ZIP, _ZIP_EMPTY)):
        zf = _check_zip(path, max_bytes)
        grid, meta = _read_xlsx_grid(path, zf, sheet, notes)
    elif raw.startswith(_OLE):
        _check_ole(path)
        raise AssertionError("unreachable")
    else:
        for magic, what in _OTHER_MAGIC.items():
            if raw.startswith(magic):
                raise InputError(f"is {what}, not a spreadsheet export", file=path,
                                 hint="export the survey responses as .xlsx or .csv")
        grid, meta = _read_text_grid(path, raw, notes)
        if path.suffix.lower() in (".xlsx", ".xls", ".xlsm"):
            notes.append(f"named {path.suffix} but is delimited text; read by its content")
        if sheet is not None:
            notes.append("sheet: is ignored for a text export")
    return _build_export(path, grid, meta, tool, notes)


def _build_export(path: Path, grid: list[list[str]], meta: dict, tool: str, notes: list[str]) -> Export:
    offset = meta.get("row_offset", 0)
    first = next((i for i, r in enumerate(grid) if any(not _blank(c) for c in r)), None)
    if first is None:
        raise InputError("has no header row (the sheet is empty)", file=path,
                         hint="download the export again from the survey tool, or pick the right sheet (sheet:)")
    # the header row is the first row about as wide as the widest of the first rows (title rows are narrower)
    filled = [sum(1 for c in r if not _blank(c)) for r in grid[:first + 20]]
    widest = max(filled[first:first + 20])
    threshold = max(2, int(np.ceil(0.6 * widest))) if widest >= 2 else 1
    # SurveyMonkey's question row is sparse (a question's text spans its option columns): never a title
    h = first if _is_surveymonkey(grid, first) else next(i for i, n in enumerate(filled) if n >= threshold)
    if h:
        skipped = [i + 1 + offset for i in range(h) if filled[i]]
        if skipped:
            notes.append(f"skipped {len(skipped)} title row(s) above the header (Excel row(s) {row_ranges(skipped)})")

    detected, header_rows, why = _fingerprint(grid, h)
    if tool == "auto":
        tool_name = detected or ("xlsx" if meta.get("encoding") is None else "csv")
    else:
        tool_name = tool
        if detected and detected != tool and tool not in ("csv", "xlsx"):
            notes.append(f"config says {TOOL_LABELS.get(tool, tool)} but the headers look like "
                         f"{TOOL_LABELS[detected]} ({why})")
    header_cells = grid[h]
    extra = grid[h + 1:h + header_rows]
    if detected == "surveymonkey":
        header_cells = _surveymonkey_headers(grid[h], extra[0] if extra else [])
        notes.append("SurveyMonkey's two header rows combined: a question's columns are named "
                     "'<question> - <answer label>' (a one-column answer keeps the question's text)")
    body = grid[h + header_rows:]
    first_row = h + header_rows + 1 + offset

    width = max([len(header_cells)] + [len(r) for r in body]) if body else len(header_cells)
    headers = [_clean_header(c) for c in header_cells] + [""] * (width - len(header_cells))
    ncol_header = len(header_cells)

    # rows longer than the header: blank extras are trailing delimiters, filled ones misaligned rows
    long_bad = [first_row + i for i, r in enumerate(body)
                if len(r) > ncol_header and any(not _blank(c) for c in r[ncol_header:])
                and meta.get("encoding") is not None]
    if long_bad:
        raise InputError(
            f"row(s) {row_ranges(long_bad)} have more cells than the header row ({ncol_header}); a comment "
            "probably contains the delimiter without quotes, so the columns are shifted",
            file=path, row=long_bad[0],
            hint="re-export the file from the survey tool (it quotes such cells), or open it in Excel and save as .xlsx")
    short = [first_row + i for i, r in enumerate(body)
             if 0 < len(r) < ncol_header and any(not _blank(c) for c in r)]
    if short and meta.get("encoding") is not None:
        notes.append(f"{len(short)} row(s) had fewer cells than the header (Excel row(s) {row_ranges(short)}); "
                     "the missing cells were read as blank")
    rows = [r + [""] * (width - len(r)) if len(r) < width else r[:width] for r in body]

    # unnamed columns: drop if empty, name by letter if they carry data
    keep = []
    dropped_empty = 0
    for j, name in enumerate(headers):
        if name:
            keep.append(j)
            continue
        if any(not _blank(r[j]) for r in rows):
            headers[j] = f"Column {column_letter(j)}"
            notes.append(f"column {column_letter(j)} has no header but holds data; named '{headers[j]}'")
            keep.append(j)
        else:
            dropped_empty += 1
    if dropped_empty:
        notes.append(f"dropped {dropped_empty} empty column(s) without a header (e.g. trailing delimiters)")

    # duplicated headers: rename every occurrence by its column letter; select_columns refuses the bare name
    positions: dict[str, list[int]] = {}
    for j in keep:
        positions.setdefault(headers[j], []).append(j)
    duplicates = {name: [column_letter(j) for j in js] for name, js in positions.items() if len(js) > 1}
    for name, js in positions.items():
        if len(js) > 1:
            for j in js:
                headers[j] = f"{name} [{column_letter(j)}]"
    if duplicates:
        listed = "; ".join(f"'{n}' in columns {', '.join(c)}" for n, c in duplicates.items())
        notes.append(f"duplicated header(s): {listed}; renamed to '<header> [<column>]' "
                     "(map the one you mean in the config)")

    names = [headers[j] for j in keep]
    index = pd.RangeIndex(first_row, first_row + len(rows), name="row")
    if rows:
        data = pd.DataFrame(rows, index=index, dtype=str)
        if keep != list(range(width)):
            data = data.iloc[:, keep]
        data.columns = names
    else:
        data = pd.DataFrame({n: pd.Series([], dtype=str) for n in names}, index=index)
    data.index = pd.Index(data.index, name="row")
    rows_read = len(data)

    # Qualtrics header rows: question texts and ImportId / time zone
    import_ids: dict[str, str] = {}
    question_texts: dict[str, str] = {}
    source_tz: dict[str, str] = {}
    if tool_name == "qualtrics" or detected == "qualtrics":
        for k, j in enumerate(keep):
            name = names[k]
            if header_rows >= 2 and len(extra) >= 1 and j < len(extra[0]) and extra[0][j].strip():
                question_texts[name] = _clean_header(extra[0][j])
            if header_rows >= 3 and len(extra) >= 2 and j < len(extra[1]) and _is_import_id(extra[1][j]):
                try:
                    meta_cell = json.loads(extra[1][j])
                except ValueError:
                    continue
                if isinstance(meta_cell, dict):
                    iid = meta_cell.get("ImportId")
                    if iid:
                        import_ids.setdefault(str(iid), name)
                    if meta_cell.get("timeZone"):
                        source_tz[name] = str(meta_cell["timeZone"])

    # blank rows anywhere, then trailing summary rows
    blank_mask = data.apply(lambda col: col.str.strip().eq(""), axis=0).all(axis=1) if len(data.columns) \
        else pd.Series(True, index=data.index)
    summary_rows: list[int] = []
    order = list(data.index)
    for r in reversed(order):
        if blank_mask.loc[r]:
            continue
        first_text = next((c.strip() for c in data.loc[r].tolist() if c.strip()), "")
        if first_text.casefold().rstrip(":").strip() in SUMMARY_WORDS:
            summary_rows.append(r)
        else:
            break
    blank_rows = [int(r) for r in data.index[blank_mask.to_numpy()]]
    if blank_rows:
        notes.append(f"dropped {len(blank_rows)} blank row(s) (Excel row(s) {row_ranges(blank_rows)})")
    if summary_rows:
        notes.append(f"dropped {len(summary_rows)} summary row(s) at the end (Excel row(s) "
                     f"{row_ranges(summary_rows)}, e.g. 'Total' / 'Yhteensä'); they are not responses")
    drop = set(blank_rows) | set(summary_rows)
    if drop:
        data = data.loc[~data.index.isin(sorted(drop))]
    if len(data) == 0:
        notes.append("no responses: the export holds only the header row(s)")

    data.attrs = {"file": str(path), "date_system": meta.get("date_system", "1900"),
                  "source_timezones": dict(source_tz)}
    return Export(
        path=path, tool=tool_name, encoding=meta.get("encoding"), delimiter=meta.get("delimiter"),
        header_rows=header_rows, data=data, notes=notes, header_row=h + 1 + offset,
        sheet=meta.get("sheet"), sheets=meta.get("sheets", ()), date_system=meta.get("date_system", "1900"),
        detected_by=why, import_ids=import_ids, question_texts=question_texts, source_timezones=source_tz,
        duplicate_headers=duplicates, blank_rows=blank_rows, summary_rows=sorted(summary_rows),
        rows_read=rows_read,
    )


# ---------------------------------------------------------------------------------------------
# unfinished responses

#: Why a response the survey tool records as not submitted is left out (registrations and feedback).
NOT_SUBMITTED = "incomplete (not submitted)"
#: LimeSurvey's submission-time column (code and text headers); blank until the respondent submits.
_LIME_SUBMITDATE = {"submitdate", "date submitted"}
#: Qualtrics' Finished column: 1/True when the respondent reached the end of the survey.
_QUALTRICS_FINISHED = {"finished"}
_FALSE_WORDS = {"0", "false", "no", "ei", "nej"}


def not_submitted(export: Export) -> tuple[pd.Series | None, str | None]:
    """(rows the tool records as never submitted, the column that says so), or (None, None).

    LimeSurvey keeps unfinished responses with an empty ``submitdate``; Qualtrics writes
    ``Finished`` 0 / False for them (recorded when the survey closes). Such a row is an
    unfinished response, not a broken export: the stages leave it out with the reason
    :data:`NOT_SUBMITTED`. Other tools export submitted responses only.
    """
    if export.tool == "limesurvey":
        keys, unfinished = _LIME_SUBMITDATE, lambda s: s.eq("")
    elif export.tool == "qualtrics":
        keys, unfinished = _QUALTRICS_FINISHED, lambda s: s.str.casefold().isin(_FALSE_WORDS)
    else:
        return None, None
    column = next((c for c in export.data.columns if header_key(c) in keys), None)
    if column is None:
        return None, None
    text = export.data[column].astype(object).where(export.data[column].notna(), "").astype(str).str.strip()
    return unfinished(text).astype(bool), column


# ---------------------------------------------------------------------------------------------
# column mapping

def _resolve(export: Export, wanted: str) -> tuple[str | None, str | None]:
    """(column, how) for a configured header; how is None for an exact match."""
    cols = list(export.data.columns)
    if wanted in cols:
        return wanted, None
    cleaned = _clean_header(wanted)
    if cleaned in cols:
        return cleaned, None
    key = header_key(wanted)
    loose = [c for c in cols if header_key(c) == key]
    if len(loose) == 1:
        return loose[0], "matched ignoring case and spacing"
    if wanted in export.import_ids:
        return export.import_ids[wanted], "matched by Qualtrics ImportId"
    by_text = [c for c, t in export.question_texts.items() if header_key(t) == key]
    if len(by_text) == 1:
        return by_text[0], "matched by question text"
    return None, None


#: A cell of a one-column-per-option export that means "not chosen" (LimeSurvey writes N, Qualtrics 0).
_NOT_CHOSEN = frozenset({"n", "no", "0", "false", "not selected", "not chosen", "unchecked", "not checked", "ei",
                         "nej", "-"})
#: A cell that says "chosen" without naming the option (LimeSurvey Y, Qualtrics 1, Excel TRUE).
_CHOSEN_MARK = frozenset({"y", "yes", "1", "true", "x", "selected", "checked", "kyllä", "ja"})


def option_columns(wanted) -> dict[str, str | None] | None:
    """The columns of a field answered in one column per option, or None for a one-column field.

    The config form is ``{columns: {header: option, ...}}`` (each column and the option it stands
    for) or ``{columns: [header, ...]}`` (the option read from the cell or the header); a config
    object with a ``columns`` attribute is taken the same way.
    """
    cols = wanted.get("columns") if isinstance(wanted, Mapping) else getattr(wanted, "columns", None)
    if cols is None:
        return None
    if isinstance(cols, Mapping):
        return {str(c): (str(o) if o is not None else None) for c, o in cols.items()}
    return {str(c): None for c in cols}


def _option_label(export: Export, column: str) -> str:
    """The option a column stands for when the config does not say: SurveyMonkey's and Qualtrics'
    "question - option" (header or question text), else the header itself."""
    text = export.question_texts.get(column, column)
    return text.rpartition(" - ")[2].strip() if " - " in text else column


def _chosen_options(export: Export, columns: Mapping[str, str | None]) -> pd.Series:
    """The options chosen in each row, joined with "; " in the listed order ('' when none): the same
    text a multi-select question written in one column gives. A column counts as chosen when its
    cell is not blank and not a no-value (N, No, 0, Not selected, ...); the option is the configured
    label, else the cell's text, else (for Y / 1 / TRUE) the column's option label."""
    joined = pd.Series("", index=export.data.index, dtype=object)
    for column, label in columns.items():
        cell = export.data[column].astype(object).where(export.data[column].notna(), "").astype(str).str.strip()
        key = cell.str.casefold()
        chosen = cell.ne("") & ~key.isin(_NOT_CHOSEN)
        if label is None:
            value = cell.where(~key.isin(_CHOSEN_MARK), _option_label(export, column))
        else:
            value = pd.Series(label, index=cell.index, dtype=object)
        glued = np.where(joined == "", value, joined + "; " + value)
        joined = joined.where(~chosen, pd.Series(glued, index=joined.index, dtype=object))
    return joined


def select_columns(export: Export, mapping: Mapping[str, object], required: Iterable[str] = ()) -> pd.DataFrame:
    """Columns of ``export`` renamed to workbook fields, same row index.

    ``mapping`` is field -> header as written in the export (or a Qualtrics ImportId, or the
    question text of Qualtrics' second header row), or ``{columns: {header: option, ...}}`` for a
    question exported as one column per option (see :func:`option_columns`): the field is then the
    chosen options joined with "; ", and every listed column must exist. Matching is exact first, then ignoring case
    and spacing. A required field that is not mapped, or whose header is missing, raises
    :class:`InputError` naming the closest headers found; several at once raise
    :class:`InputErrors`. Optional fields whose header is missing are left out of the result
    (check with ``"field" in df``). ``df.attrs["source_columns"]`` maps field -> header.
    """
    required = list(required)
    file = export.path
    errors: list[InputError] = []
    resolved: dict[str, str] = {}
    combined: dict[str, pd.Series] = {}
    how_notes: list[str] = []
    headers = list(export.data.columns)

    def find(field_name: str, wanted: str, needed: bool, what: str = "required column") -> str | None:
        if _clean_header(wanted) in export.duplicate_headers:
            cols = export.duplicate_headers[_clean_header(wanted)]
            errors.append(InputError(
                f"header '{wanted}' (field '{field_name}') appears {len(cols)} times, in columns {', '.join(cols)}",
                file=file, row=export.header_row, column=wanted,
                hint="map the one you mean, e.g. " + " or ".join(f"'{wanted} [{c}]'" for c in cols)
                     + ", or rename one question in the survey tool"))
            return None
        col, how = _resolve(export, wanted)
        if col is None:
            if needed:
                errors.append(_missing(export, field_name, wanted, headers, what))
            return None
        if how:
            how_notes.append(f"field '{field_name}': header '{wanted}' {how} ('{col}')")
        return col

    for field_name, wanted in mapping.items():
        if wanted is None:
            continue
        options = option_columns(wanted)
        if options is not None:  # one column per option: every listed column must be there
            found = {find(field_name, c, True, "option column"): label for c, label in options.items()}
            present = {c: label for c, label in found.items() if c is not None}
            if len(present) == len(found):
                combined[field_name] = _chosen_options(export, present)
                resolved[field_name] = " + ".join(present)
            continue
        col = find(field_name, str(wanted), field_name in required)
        if col is not None:
            resolved[field_name] = col
    for field_name in required:
        if field_name not in mapping:
            errors.append(InputError(
                f"no column is mapped to the required field '{field_name}'", file=file,
                hint=f"add '{field_name}: <column header>' under columns: for this input in the term config"))
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise InputErrors(errors)
    out = pd.DataFrame({f: combined[f] if f in combined else export.data[c] for f, c in resolved.items()},
                       index=export.data.index)
    out.index.name = "row"
    out.attrs = {
        "file": str(file),
        "date_system": export.date_system,
        "source_columns": dict(resolved),
        "source_timezones": {f: export.source_timezones[c] for f, c in resolved.items()
                             if c in export.source_timezones},
        "notes": how_notes,
    }
    return out


def _missing(export: Export, field_name: str, wanted: str, headers: list[str],
             what: str = "required column") -> InputError:
    keys = {header_key(h): h for h in headers}
    close = difflib.get_close_matches(header_key(wanted), list(keys), n=3, cutoff=0.0)
    closest = ", ".join(f"'{keys[k]}'" for k in close)
    found = f"; closest headers in the file: {closest}" if closest else "; the file has no headers"
    return InputError(
        f"{what} '{wanted}' (field '{field_name}') not found{found}",
        file=export.path, row=export.header_row, column=wanted,
        hint="correct the header under columns: in the term config (copy it from `mentoring inspect FILE`), "
             "or check that this is the right export")


# ---------------------------------------------------------------------------------------------
# dates and times

_TIME = (r"(?:(?:[T ]|\s+(?:klo\s+)?)(?P<H>\d{1,2})[:.](?P<M>\d{2})(?:[:.](?P<S>\d{2})(?:[.,](?P<F>\d{1,9}))?)?"
         r"\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?)?"
         r"\s*(?P<tz>Z|(?:GMT|UTC)(?:[+-]\d{1,2}(?::?\d{2})?)?|[+-]\d{2}:?\d{2}|EET|EEST|CET|CEST|WET|WEST)?")
_FORMATS = {
    "iso": re.compile(r"(?P<Y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})" + _TIME),
    "ymd": re.compile(r"(?P<Y>\d{4})/(?P<m>\d{1,2})/(?P<d>\d{1,2})" + _TIME),
    "dotted": re.compile(r"(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<Y>\d{4})" + _TIME),
    "slash": re.compile(r"(?P<a>\d{1,2})[/-](?P<b>\d{1,2})[/-](?P<Y>\d{4}|\d{2})" + _TIME),
}
_SERIAL = re.compile(r"\d{5}(?:[.,]\d+)?")
_SERIAL_RANGE = (18264, 73051)  # 1950-01-01 .. 2100-01-01 in the 1900 system
_ABBREV_OFFSETS = {"Z": 0, "UTC": 0, "GMT": 0, "EET": 120, "EEST": 180, "CET": 60, "CEST": 120,
                   "WET": 0, "WEST": 60}
_EXPECTED = "expected e.g. 2026-09-01 14:05, 1.9.2026 14:05, 9/1/2026 2:05 PM or an Excel date number"


def _extract(text: pd.Series, pattern: str) -> pd.DataFrame:
    """Named regex groups of every value, vectorised with pyarrow (RE2); NaN where absent."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(text.astype(object).to_numpy(), type=pa.string())
    res = pc.extract_regex(arr, pattern)
    matched = res.is_valid().to_numpy(zero_copy_only=False)
    cols = {}
    for i in range(res.type.num_fields):
        name = res.type.field(i).name
        values = pd.Series(res.field(i).to_numpy(zero_copy_only=False), index=text.index, dtype=object)
        cols[name] = values.where(matched & values.notna().to_numpy() & (values != "").to_numpy(), np.nan)
    return pd.DataFrame(cols, index=text.index)


def _shape(value: str) -> str:
    """The form of a value without its content: digits -> 9, letters -> a (safe to print)."""
    s = re.sub(r"\d", "9", value.strip())
    s = re.sub(r"[^\W\d_]", "a", s)
    return s if len(s) <= 24 else s[:24] + "…"


def _offset_minutes(tz: pd.Series) -> pd.Series:
    tz = tz.fillna("").str.upper()
    out = pd.Series(np.nan, index=tz.index)
    named = tz.isin(list(_ABBREV_OFFSETS))
    out[named] = tz[named].map(_ABBREV_OFFSETS).astype(float)
    num = tz.str.extract(r"^(?:GMT|UTC)?(?P<sign>[+-])(?P<h>\d{1,2}):?(?P<mm>\d{2})?$")
    has = num["sign"].notna()
    if has.any():
        mins = num.loc[has, "h"].astype(int) * 60 + num.loc[has, "mm"].fillna("0").astype(int)
        out[has] = np.where(num.loc[has, "sign"] == "-", -mins, mins)
    return out


def _zone(name, file, column, what: str) -> ZoneInfo:
    if not isinstance(name, str):
        return name
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(f"{what} '{name}' is not a known time zone", file=file, column=column,
                         hint="use an IANA time-zone name such as Europe/Helsinki") from None


def parse_datetimes(series: pd.Series, *, file, column: str, tz, date_order: str = "auto",
                    tool: str | None = None, date_system: str | None = None,
                    source_tz: str | None = None) -> pd.Series:
    """Parse a text column of dates/times into tz-aware timestamps in ``tz`` (blank -> NaT).

    Accepted forms: Excel serial numbers (1900 system, or 1904 when the workbook uses it —
    taken from ``series.attrs["date_system"]`` unless ``date_system`` is given), ISO
    ``2026-09-01[ 14:05[:09]]`` (with optional offset), ``2026/09/01 2:05:09 PM GMT+3``
    (Google Forms), ``1.9.2026 [klo] 14.05[.09]`` (always day first), and ``9/1/2026`` /
    ``01-09-2026`` (day/month order from ``date_order``: "dmy", "mdy", or "auto" = decided per
    column: a value with a first number above 12 means day first, a second number above 12 month
    first; if every value could be both, it is an error, never a guess). "iso" accepts only ISO
    and serials. Naive times are local times in ``source_tz`` (Qualtrics' ImportId time zone,
    taken from ``series.attrs["source_timezones"]``) or else in ``tz``. A local time that does not
    exist (spring-forward gap) is an error; one that occurs twice (autumn fold) is read as the first
    occurrence (summer time), and ``result.attrs["notes"]`` says so. Unreadable values raise
    InputError(s) with the row (the series index) and the value's shape, never the value.
    """
    tz = _zone(tz, file, column, "the term's time zone")
    if date_order not in ("auto", "dmy", "mdy", "iso"):
        raise InputError(f"unknown date_order '{date_order}'", file=file, column=column,
                         hint="use auto, dmy, mdy or iso")
    attrs = getattr(series, "attrs", {}) or {}
    system = date_system or attrs.get("date_system") or "1900"
    src_tz_name = source_tz or (attrs.get("source_timezones") or {}).get(series.name)
    src = _zone(src_tz_name, file, column, "the export's time zone") if src_tz_name else tz
    notes: list[str] = []
    # pyarrow strings: the regex extraction below runs in C++ (re2), not per row in Python
    original_index = series.index
    series = series.reset_index(drop=True)  # positions inside; the caller's index (Excel rows) comes back at the end

    def row_of(pos) -> int | None:
        try:
            return int(original_index[int(pos)])
        except (TypeError, ValueError):
            return None

    text = series.astype(object).where(series.notna(), "").astype(str).astype("string[pyarrow]").str.strip()
    index = series.index
    naive = pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
    offset = pd.Series(np.nan, index=index)
    todo = text.ne("")
    errors: list[InputError] = []
    label = TOOL_LABELS.get(tool or "", tool or "the tool")

    # Excel serial numbers
    is_serial = todo & text.str.fullmatch(_SERIAL.pattern)
    if is_serial.any():
        vals = text[is_serial].str.replace(",", ".", regex=False).astype(float)
        origin = pd.Timestamp("1904-01-01") if system == "1904" else pd.Timestamp("1899-12-30")
        low, high = _SERIAL_RANGE
        if system == "1904":
            low, high = low - 1462, high - 1462
        bad = (vals < low) | (vals > high)
        for r in vals.index[bad][:50]:
            errors.append(InputError(f"number {_shape(text[r])} is not a plausible Excel date (1950-2100)",
                                     file=file, row=row_of(r), column=column,
                                     hint="check the cell; dates must be real dates or Excel date numbers"))
        ok = vals[~bad]
        # Excel keeps milliseconds: round to them (as openpyxl does for date cells, which absorbs a
        # serial's float noise and cut decimals), then truncate to the second, never round up:
        # 23:59:59.7 on the deadline day stays in time.
        seconds = np.floor(np.round(ok * 86_400_000) / 1000)
        naive[ok.index] = (origin + pd.to_timedelta(seconds, unit="s")).to_numpy()
        todo &= ~is_serial

    formats = ["iso"] if date_order == "iso" else list(_FORMATS)
    for name in formats:
        if not todo.any():
            break
        pat = _FORMATS[name]
        part = _extract(text[todo], "^" + pat.pattern + "$")
        hit = part.notna().any(axis=1) & part.iloc[:, 0].notna()
        if not hit.any():
            continue
        p = part[hit]
        if name == "slash":
            a = p["a"].astype(int)
            b = p["b"].astype(int)
            order = date_order
            if order == "auto":
                dmy = (a > 12) & (b <= 12)
                mdy = (b > 12) & (a <= 12)
                if dmy.any() and mdy.any():
                    raise InputError(
                        f"mixes day-first dates (e.g. row {row_of(dmy[dmy].index[0])}) and month-first dates "
                        f"(e.g. row {row_of(mdy[mdy].index[0])})", file=file, column=column,
                        hint="check the export's language settings; set date_order (dmy or mdy) for this input "
                             "in the config and correct the rows that differ")
                if dmy.any():
                    order = "dmy"
                    notes.append(f"{column}: dates read day first (row {row_of(dmy[dmy].index[0])} has a day above 12)")
                elif mdy.any():
                    order = "mdy"
                    notes.append(f"{column}: dates read month first (row {row_of(mdy[mdy].index[0])} has a day above 12)")
                elif (a == b).all():
                    order = "dmy"
                else:
                    raise InputError(
                        f"all {len(p)} dates could be read day-first or month-first (e.g. 03/04/2026 is 3 April "
                        "or March 4), so the order cannot be decided from the data", file=file, column=column,
                        row=row_of(p.index[0]),
                        hint=f"set date_order: dmy (day first) or mdy (month first) for this input in the config; "
                             f"{label} writes dates in the language/locale of the account that exported them")
            day, month = (a, b) if order == "dmy" else (b, a)
            year = p["Y"].astype(int)
            year = year.where(year >= 100, year + 2000)
        else:
            day, month, year = p["d"].astype(int), p["m"].astype(int), p["Y"].astype(int)
        hour = p["H"].fillna("0").astype(int)
        ampm = p["ampm"].fillna("").str.upper().str.replace(".", "", regex=False)
        bad_hour = (ampm.ne("") & ((hour < 1) | (hour > 12)))
        hour = hour.where(ampm.eq(""), (hour % 12) + np.where(ampm.eq("PM"), 12, 0))
        frac = p["F"].fillna("0").str.ljust(9, "0").str[:9].astype(np.int64)
        parts = pd.DataFrame({"year": year, "month": month, "day": day, "hour": hour,
                              "minute": p["M"].fillna("0").astype(int),
                              "second": p["S"].fillna("0").astype(int)})
        stamp = pd.to_datetime(parts, errors="coerce") + pd.to_timedelta(frac, unit="ns")
        stamp[bad_hour] = pd.NaT
        invalid = stamp.isna()
        for r in stamp.index[invalid][:50]:
            errors.append(InputError(
                f"value of the form {_shape(text[r])} is not a valid calendar date/time"
                + (f" when read {'day' if date_order == 'dmy' else 'month'} first (date_order: {date_order})"
                   if name == "slash" and date_order in ("dmy", "mdy") else ""),
                file=file, row=row_of(r), column=column,
                hint="correct the cell in the export, or check date_order for this input in the config"))
        naive[stamp.index[~invalid]] = stamp[~invalid].to_numpy()
        offset[p.index] = _offset_minutes(p["tz"])
        todo &= ~text.index.isin(p.index)

    for r in text.index[todo][:50]:
        errors.append(InputError(f"value of the form {_shape(text[r])} is not a date/time ({_EXPECTED})",
                                 file=file, row=row_of(r), column=column,
                                 hint="correct the cell, or map the right column in the config"))
    if todo.sum() > 50:
        errors.append(InputError(f"... and {int(todo.sum()) - 50} more unreadable dates", file=file, column=column))
    if errors:
        errors.sort(key=lambda e: e.row if e.row is not None else 10**9)
        raise errors[0] if len(errors) == 1 else InputErrors(errors)

    out = pd.Series(pd.NaT, index=index, dtype=pd.DatetimeTZDtype(unit="ns", tz=tz), name=series.name)
    with_offset = naive.notna() & offset.notna()
    if with_offset.any():
        utc = (naive[with_offset] - pd.to_timedelta(offset[with_offset], unit="m")).dt.tz_localize("UTC")
        out[with_offset] = utc.dt.tz_convert(tz)
    local = naive.notna() & offset.isna()
    if local.any():
        vals = naive[local]
        first = vals.dt.tz_localize(src, ambiguous=np.ones(len(vals), dtype=bool), nonexistent="NaT")
        gap = first.isna()
        if gap.any():
            gap_errors = [InputError(
                f"local time does not exist in {src.key}: the clocks jump forward an hour at the start of "
                "daylight-saving time", file=file, row=row_of(r), column=column,
                hint="check the time in the export (was it written in another time zone?); correct the cell")
                for r in gap[gap].index[:50]]
            raise gap_errors[0] if len(gap_errors) == 1 else InputErrors(gap_errors)
        amb = vals.dt.tz_localize(src, ambiguous="NaT", nonexistent="NaT").isna()
        if amb.any():
            notes.append(f"{column}: {int(amb.sum())} time(s) fall in the repeated hour when daylight-saving time "
                         f"ends (rows {row_ranges(n for n in map(row_of, amb[amb].index) if n is not None)}); read as the first occurrence "
                         "(summer time)")
        out[local] = first.dt.tz_convert(tz)
    if src_tz_name and src.key != getattr(tz, "key", None):
        notes.append(f"{column}: times were written in {src.key} (Qualtrics' export time zone); converted to {tz}")
    out.index = original_index
    out.attrs = {"notes": notes}
    return out
