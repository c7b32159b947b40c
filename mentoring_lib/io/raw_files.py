"""Opening a raw export safely and reading it into a grid of text cells.

Container sniffing (zip workbook, OLE, other file types), zip-bomb and macro checks, text decoding
(BOMs, UTF-16, cp1252, double-encoded UTF-8), delimiter detection and workbook cells as text. The
normalisations are listed in :mod:`mentoring_lib.io.readers`."""
from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import re
import unicodedata
import warnings
import zipfile
import zlib
from pathlib import Path


from mentoring_lib.errors import InputError

SAVE_AS_XLSX = "open it in Excel and use File > Save As > 'Excel Workbook (*.xlsx)', or download the export again as .xlsx or .csv"

ZIP_MAGIC = b"PK\x03\x04"
ZIP_EMPTY_MAGIC = b"PK\x05\x06"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_BOM_UTF8 = b"\xef\xbb\xbf"
OTHER_MAGIC = {
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"GIF8": "a GIF image",
    b"\xff\xd8\xff": "a JPEG image",
    b"\x1f\x8b": "a gzip archive",
    b"Rar!": "a RAR archive",
    b"7z\xbc\xaf": "a 7-Zip archive",
}


#: Zip members larger than this and compressed more than _BOMB_RATIO times are refused.
_BOMB_MEMBER_BYTES = 20_000_000
_BOMB_RATIO = 100


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


def clean_header(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", str(text))).strip()


def blank_cell(cell: str) -> bool:
    return not cell or cell.isspace()


# ---------------------------------------------------------------------------------------------
# container sniffing

def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 100_000 else f"{n:,} bytes"


def check_file(path: Path, max_bytes: int) -> int:
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


def check_zip(path: Path, max_bytes: int) -> zipfile.ZipFile:
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


def check_ole(path: Path) -> None:
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
        counts = [len(r) for r in rows[:50] if any(not blank_cell(c) for c in r)]
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


def read_text_grid(path: Path, raw: bytes, notes: list[str]) -> tuple[list[list[str]], dict]:
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

def cell_text(v) -> str:
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


def read_xlsx_grid(path: Path, zf: zipfile.ZipFile, sheet, notes: list[str]) -> tuple[list[list[str]], dict]:
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
            grid = [[cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
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
