"""The one writer for every CSV and XLSX the workbook produces: formula-safe, atomic, deterministic.

Formula safety (OWASP "CSV injection"): a text cell that starts with ``=``, ``+``, ``-``, ``@``,
tab, CR or LF (or their full-width forms ``＝＋－＠``, which some Excel locales also treat as
formula starters) is written with a leading single quote, so Excel shows it as text and never
runs it -- in CSV and in XLSX alike, so a sheet later saved as CSV stays safe. Text that is a
plain number (``-5``, ``+3.2``, ``1e-3``) is left alone: it cannot run anything. Real numbers
(int/float columns or values) are written as numbers, negative ones included. In XLSX every text
cell is stored as a string (``data_type "s"``); no formula is ever written.

Atomic: each file is written to a temporary file in the same folder and moved into place with
``os.replace``, so a reader never sees half a file. Deterministic: the same tables give the same
bytes. XLSX document dates and zip member times come from the ``epoch`` the caller passes (a stage
passes its context's ``source_date_epoch``), else ``SOURCE_DATE_EPOCH`` (if set) or a fixed epoch
(2000-01-01), never the wall clock.

CSV files are UTF-8 with a byte-order mark (so Excel opens ä/ö/å correctly), comma-separated,
CRLF line ends (RFC 4180). Excel in Finnish (and other decimal-comma locales) splits a CSV on ``;``
instead, so a cell holding either separator is quoted, and the text after every ``,`` or ``;``
inside a cell is neutralised as if it began a cell (see :func:`_csv_field`): ``text;=1+1`` is written ``"text;'=1+1"``, which
gives no formula whether a program splits it on ``,`` or ``;``, honouring the quotes or not.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import math
import os
import re
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl.utils import get_column_letter

#: Characters that make a spreadsheet treat a cell as a formula (OWASP list + full-width forms).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_FORMULA_START_RE = re.compile("^[" + re.escape("".join(FORMULA_START)) + "]")
_PLAIN_NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
# Control characters XML 1.0 cannot hold (openpyxl refuses them); tab, LF and CR are allowed.
_ILLEGAL_XML_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
#: Separators a spreadsheet may split a CSV line on (comma; semicolon in decimal-comma locales).
_CSV_SEPARATORS_RE = re.compile(r"([,;])")
_CSV_SPECIAL_RE = re.compile(r'[,;"\r\n]')
_SHEET_BAD_RE = re.compile(r"[\[\]:*?/\\]")
#: Used when SOURCE_DATE_EPOCH is not set: 2000-01-01T00:00:00Z.
FIXED_EPOCH = 946684800
MAX_COLUMN_WIDTH = 60


# -- cell values --------------------------------------------------------------------------------

def neutralise_text(value: str) -> str:
    """Prefix a single quote to text that a spreadsheet would run as a formula."""
    if _FORMULA_START_RE.match(value) and not _PLAIN_NUMBER_RE.match(value):
        return "'" + value
    return value


def _neutralise_series(s: pd.Series) -> pd.Series:
    if pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s) or \
            pd.api.types.is_datetime64_any_dtype(s):
        return s
    if pd.api.types.is_string_dtype(s) and not pd.api.types.is_object_dtype(s):
        starts = s.str.match(_FORMULA_START_RE.pattern, na=False)
        if not starts.any():
            return s
        plain = s.str.match(_PLAIN_NUMBER_RE.pattern, na=False)
        fix = starts & ~plain
        return s.mask(fix, "'" + s)
    # object / categorical: mixed cells (e.g. ints and "<5"); only text cells change
    return s.map(lambda v: neutralise_text(v) if isinstance(v, str) else v, na_action="ignore") \
        if not isinstance(s.dtype, pd.CategoricalDtype) else \
        s.astype(object).map(lambda v: neutralise_text(v) if isinstance(v, str) else v, na_action="ignore")


def _flat_label(label: Any) -> str:
    if isinstance(label, tuple):
        return " / ".join(str(x) for x in label if str(x) != "")
    return str(label)


def neutralise_frame(df: pd.DataFrame, *, index: bool = False) -> pd.DataFrame:
    """A copy of ``df`` (index moved into columns when ``index``) with every text cell and header
    neutralised; numbers stay numbers."""
    if index:
        df = df.reset_index()
    out = df.copy()
    out.columns = [neutralise_text(_flat_label(c)) for c in df.columns]
    for i in range(out.shape[1]):
        out.isetitem(i, _neutralise_series(df.iloc[:, i]))
    return out


# -- CSV ----------------------------------------------------------------------------------------

def _atomic_target(path: Path) -> tuple[Path, Path]:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    return path, Path(tmp)


def _commit(tmp: Path, path: Path) -> None:
    os.chmod(tmp, 0o644 & ~_umask())
    os.replace(tmp, path)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_csv(df: pd.DataFrame, path: str | os.PathLike, *, index: bool = False) -> Path:
    """Write ``df`` as a formula-safe UTF-8 (with BOM) CSV, atomically; returns the path.

    ``index=True`` writes the index (its name as header) as the first column(s).
    """
    path, tmp = _atomic_target(Path(path))
    try:
        safe = neutralise_frame(df, index=index)
        for i in range(safe.shape[1]):  # tz-aware times as local ISO text; naive ones unchanged
            col = safe.iloc[:, i]
            if isinstance(col.dtype, pd.DatetimeTZDtype):
                safe.isetitem(i, col.dt.strftime("%Y-%m-%d %H:%M:%S%z"))
        rendered = io.StringIO(newline="")
        safe.to_csv(rendered, index=False, lineterminator="\r\n")
        rendered.seek(0)
        with open(tmp, "w", encoding="utf-8-sig", newline="") as fh:
            for row in csv.reader(rendered):
                fields = [_csv_field(f) for f in row]
                fh.write((",".join(fields) if fields != [""] else '""') + "\r\n")
        _commit(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def _csv_field(text: str) -> str:
    """One CSV field (as pandas rendered it) made safe for either separator: text after a ``,``/``;``
    that starts like a formula gets a quote (a plain number too: split without honouring quotes it
    runs on to the next separator, ``-5",8``), and the field is quoted when it holds a separator, a
    quote or a line break. Numbers and text without separators come out unchanged."""
    if not _CSV_SPECIAL_RE.search(text):
        return text
    if "," in text or ";" in text:
        parts = _CSV_SEPARATORS_RE.split(text)
        text = parts[0] + "".join(sep + ("'" + seg if _FORMULA_START_RE.match(seg) else seg)
                                  for sep, seg in zip(parts[1::2], parts[2::2]))
    return '"' + text.replace('"', '""') + '"'


# -- XLSX ---------------------------------------------------------------------------------------

def _epoch(epoch: int | None = None) -> int:
    if epoch is not None:
        return int(epoch)
    raw = os.environ.get("SOURCE_DATE_EPOCH")
    try:
        return int(raw) if raw else FIXED_EPOCH
    except ValueError:
        return FIXED_EPOCH


def _fixed_datetime(epoch: int | None = None) -> dt.datetime:
    return dt.datetime.fromtimestamp(max(_epoch(epoch), 315532800), tz=dt.timezone.utc).replace(tzinfo=None)


def _sheet_titles(names: list[str]) -> list[str]:
    """Valid, unique Excel sheet names (<= 31 chars, no []:*?/\\, no quote at either end), deterministic.

    Sheet names are never evaluated, so they need no formula neutralisation."""
    out: list[str] = []
    seen: set[str] = set()
    for name in names:
        base = _SHEET_BAD_RE.sub("_", _ILLEGAL_XML_RE.sub("", str(name))).strip("'") or "Sheet"
        base = base[:31]
        title, n = base, 2
        while title.casefold() in seen:
            suffix = f" ({n})"
            title, n = base[: 31 - len(suffix)] + suffix, n + 1
        seen.add(title.casefold())
        out.append(title)
    return out


def _cell_value(v: Any) -> Any:
    """A Python value openpyxl stores as a number, bool, date or string -- never a formula."""
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return None if math.isnan(v) else (float(v) if math.isfinite(v) else str(v))
    if isinstance(v, pd.Timestamp):
        v = v.to_pydatetime()
    if isinstance(v, dt.datetime) and v.tzinfo is not None:
        v = v.replace(tzinfo=None)  # local wall-clock time; Excel has no time zones
    if isinstance(v, (int, dt.datetime, dt.date, dt.time)):
        return v
    if isinstance(v, dt.timedelta):
        return str(v)
    # characters XML cannot hold go first: removed after neutralising, "\x01=cmd()" would become "=cmd()"
    return neutralise_text(_ILLEGAL_XML_RE.sub("", v if isinstance(v, str) else str(v)))


def _text_width(v: Any) -> int:
    if v is None:
        return 0
    if isinstance(v, float):
        return len(f"{v:.6g}")
    if isinstance(v, (dt.datetime,)):
        return 19
    text = str(v)
    return max((len(line) for line in text.splitlines()), default=0)


def write_xlsx(sheets: Mapping[str, pd.DataFrame], path: str | os.PathLike, *, column_widths: bool = True,
               index: bool = False, number_formats: Mapping[str, Mapping[str, str]] | None = None,
               epoch: int | None = None) -> Path:
    """Write one or more tables as a formula-safe, deterministic XLSX workbook, atomically.

    ``sheets`` maps sheet name -> table (order kept). Headers are bold and the first row frozen;
    ``column_widths`` sizes columns to their content (capped at 60 characters). ``index=True``
    writes each table's index as its first column(s). ``number_formats`` maps sheet name -> column
    header -> Excel number format code (``"0%"``, ``"0.00"``) for that column's number cells.
    ``epoch``: the document date (seconds since 1970; see the module docstring). Returns the path.

    The SpreadsheetML is written here directly, a column at a time (see :func:`_column_cells`),
    not through openpyxl's cell objects: a 100x term's rosters (~200,000 cells) take well under a
    second instead of several. Text cells are inline strings (``t="inlineStr"``, read back as
    data type "s"); no cell is ever a formula; times are Excel serial numbers with a date format.
    """
    if not sheets:
        raise ValueError("write_xlsx needs at least one sheet")
    titles = _sheet_titles(list(sheets))
    codes = sorted({code for per in (number_formats or {}).values() for code in per.values()})
    style_of: dict[str | None, int] = {code: _FIRST_CUSTOM_STYLE + i for i, code in enumerate(codes)}
    parts: list[tuple[str, bytes]] = []
    for n, (name, title, df) in enumerate(zip(sheets, titles, sheets.values()), start=1):
        table = df.reset_index() if index else df
        formats = (number_formats or {}).get(name, {})
        styles = [style_of.get(formats.get(_flat_label(c)), 0) for c in table.columns]
        parts.append((f"xl/worksheets/sheet{n}.xml", _sheet_xml(table, column_widths, styles).encode("utf-8")))
    when = _fixed_datetime(epoch)
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    files = [("[Content_Types].xml", _content_types(len(titles))), ("_rels/.rels", _ROOT_RELS),
             ("docProps/app.xml", _APP), ("docProps/core.xml", _CORE.format(when=stamp)),
             ("xl/workbook.xml", _workbook_xml(titles)), ("xl/_rels/workbook.xml.rels", _workbook_rels(len(titles))),
             ("xl/styles.xml", _styles(codes))]
    data = _zip_parts([(name, text.encode("utf-8")) for name, text in files] + parts, when)

    path, tmp = _atomic_target(Path(path))
    try:
        tmp.write_bytes(data)
        _commit(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_ROOT_RELS = (_XML_DECL + f'<Relationships xmlns="{_PKG_REL_NS}">'
              f'<Relationship Id="rId1" Type="{_REL_NS}/officeDocument" Target="xl/workbook.xml"/>'
              f'<Relationship Id="rId2" Type="{_PKG_REL_NS}/metadata/core-properties" Target="docProps/core.xml"/>'
              f'<Relationship Id="rId3" Type="{_REL_NS}/extended-properties" Target="docProps/app.xml"/>'
              '</Relationships>')
_APP = (_XML_DECL + '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
        '<Application>Microsoft Excel Compatible</Application></Properties>')
_CORE = (_XML_DECL + '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
         'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
         'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:creator>mentoring workbook</dc:creator>'
         '<dcterms:created xsi:type="dcterms:W3CDTF">{when}</dcterms:created>'
         '<dcterms:modified xsi:type="dcterms:W3CDTF">{when}</dcterms:modified></cp:coreProperties>')
#: Cell styles (``s=`` index): 0 plain, 1 bold header, 2 date and time, 3 date, 4 time of day.
_STYLE_BOLD, _STYLE_DATETIME, _STYLE_DATE, _STYLE_TIME = 1, 2, 3, 4
#: The parts of a minimal style sheet every workbook written here shares (also the demo exports
#: in :mod:`mentoring_lib.demo.demodata`): font 0 plain and font 1 bold Calibri 11, no fills or borders.
STYLE_SHEET_START = _XML_DECL + f'<styleSheet xmlns="{_NS}">'
STYLE_SHEET_BASE = ('<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
                    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
                    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
                    '<fill><patternFill patternType="gray125"/></fill></fills>'
                    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
                    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>')
STYLE_SHEET_END = ('<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
                   '</styleSheet>')
_STYLES = (STYLE_SHEET_START
           + '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd h:mm:ss"/>'
           '<numFmt numFmtId="165" formatCode="yyyy-mm-dd"/></numFmts>'
           + STYLE_SHEET_BASE
           + '<cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
           '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
           '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
           '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
           '<xf numFmtId="21" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
           + STYLE_SHEET_END)
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)
_FIRST_CUSTOM_STYLE = 5  # styles 5, 6, ... are the number formats a workbook asks for, in sorted order


def _styles(codes: list[str]) -> str:
    """The style sheet: the five fixed styles, then one style per number format code."""
    if not codes:
        return _STYLES
    fmts = "".join(f'<numFmt numFmtId="{170 + i}" formatCode="{_xml_attr(c)}"/>' for i, c in enumerate(codes))
    xfs = "".join(f'<xf numFmtId="{170 + i}" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
                  for i in range(len(codes)))
    return (_STYLES.replace('<numFmts count="2">', f'<numFmts count="{2 + len(codes)}">')
            .replace('</numFmts>', fmts + '</numFmts>', 1)
            .replace('<cellXfs count="5">', f'<cellXfs count="{5 + len(codes)}">')
            .replace('</cellXfs>', xfs + '</cellXfs>', 1))


def _content_types(n: int) -> str:
    ws = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
    return (_XML_DECL + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            '<Override PartName="/docProps/core.xml" '
            'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
            '<Override PartName="/docProps/app.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
            + "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{ws}"/>'
                      for i in range(1, n + 1)) + "</Types>")


def _workbook_xml(titles: list[str]) -> str:
    sheets = "".join(f'<sheet name="{_xml_attr(t)}" sheetId="{i}" r:id="rId{i}"/>'
                     for i, t in enumerate(titles, start=1))
    return (_XML_DECL + f'<workbook xmlns="{_NS}" xmlns:r="{_REL_NS}"><bookViews><workbookView activeTab="0"/>'
            f'</bookViews><sheets>{sheets}</sheets></workbook>')


def _workbook_rels(n: int) -> str:
    rels = "".join(f'<Relationship Id="rId{i}" Type="{_REL_NS}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                   for i in range(1, n + 1))
    return (_XML_DECL + f'<Relationships xmlns="{_PKG_REL_NS}">{rels}'
            f'<Relationship Id="rId{n + 1}" Type="{_REL_NS}/styles" Target="styles.xml"/></Relationships>')


def _xml_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _xml_attr(text: str) -> str:
    return _xml_text(text).replace('"', "&quot;")


def _cell_xml(ref: str, v: Any, style: int = 0) -> str:
    """One cell's XML for a value already passed through :func:`_cell_value` ('' when empty)."""
    s = f' s="{style}"' if style else ""
    if v is None:
        return ""
    if isinstance(v, bool):
        return f'<c r="{ref}"{s} t="b"><v>{int(v)}</v></c>'
    if isinstance(v, (int, float)):
        return f'<c r="{ref}"{s}><v>{v!r}</v></c>'
    if isinstance(v, dt.datetime):
        return f'<c r="{ref}" s="{_STYLE_DATETIME}"><v>{(v - _EXCEL_EPOCH) / dt.timedelta(days=1)!r}</v></c>'
    if isinstance(v, dt.date):
        return f'<c r="{ref}" s="{_STYLE_DATE}"><v>{(v - _EXCEL_EPOCH.date()).days}</v></c>'
    if isinstance(v, dt.time):
        secs = v.hour * 3600 + v.minute * 60 + v.second + v.microsecond / 1e6
        return f'<c r="{ref}" s="{_STYLE_TIME}"><v>{secs / 86400!r}</v></c>'
    return _string_cell(ref, str(v), s)


def _string_cell(ref: str, text: str, s: str = "") -> str:
    space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
    return f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{_xml_text(text)}</t></is></c>'


def _column_cells(col: pd.Series, letter: str, rows: list[str]) -> tuple[list[str], int]:
    """The XML of one column's cells (row 2 onwards; '' for an empty cell) and its text width.

    Plain number and text columns are converted column-wise (vectorised neutralisation, escaping
    and concatenation); any other column goes cell by cell through :func:`_cell_value`, which
    defines the conversion."""
    n = len(col)
    if n == 0:
        return [], 0
    dtype = col.dtype
    if pd.api.types.is_bool_dtype(dtype) and not col.isna().any() and dtype == np.bool_:
        values = col.to_numpy()
        cells = [f'<c r="{letter}{r}" t="b"><v>{int(v)}</v></c>' for r, v in zip(rows, values)]
        return cells, max(len(str(bool(v))) for v in values)
    if dtype.kind == "i" and isinstance(dtype, np.dtype):
        values = col.to_numpy().tolist()
        return ([f'<c r="{letter}{r}"><v>{v}</v></c>' for r, v in zip(rows, values)],
                max(len(str(v)) for v in values))
    if dtype.kind == "f" and isinstance(dtype, np.dtype) and np.isfinite(col.to_numpy()[~np.isnan(col.to_numpy())]).all():
        values = col.to_numpy().tolist()
        cells = ["" if v != v else f'<c r="{letter}{r}"><v>{v!r}</v></c>' for r, v in zip(rows, values)]
        return cells, max((len(f"{v:.6g}") for v in values if v == v), default=0)
    if pd.api.types.is_string_dtype(dtype) and not pd.api.types.is_object_dtype(dtype) \
            and not isinstance(dtype, pd.CategoricalDtype):
        text = _neutralise_series(col.str.replace(_ILLEGAL_XML_RE.pattern, "", regex=True))
        widths = text.str.split("\n").map(lambda parts: max(len(p) for p in parts), na_action="ignore") \
            if text.str.contains("\n", regex=False, na=False).any() else text.str.len()
        width = int(widths.max()) if widths.notna().any() else 0
        escaped = text.str.replace("&", "&amp;", regex=False).str.replace("<", "&lt;", regex=False) \
            .str.replace(">", "&gt;", regex=False)
        padded = text.str.match(r"\s", na=False) | text.str.contains(r"\s$", regex=True, na=False)
        space = pd.Series(np.where(padded, ' xml:space="preserve"', ""), index=col.index, dtype="str")
        ref = pd.Series([f'<c r="{letter}{r}" t="inlineStr"><is><t' for r in rows], index=col.index, dtype="str")
        cells = (ref + space + ">" + escaped + "</t></is></c>").fillna("")
        return cells.tolist(), width
    values = [_cell_value(v) for v in col.astype(object).tolist()]
    return ([_cell_xml(f"{letter}{r}", v) for r, v in zip(rows, values)],
            max((_text_width(v) for v in values), default=0))


_PLAIN_NUMBER_CELL_RE = re.compile(r'^(<c r="[A-Z]+\d+")(><v>)')


def _sheet_xml(table: pd.DataFrame, column_widths: bool, styles: list[int] | None = None) -> str:
    n_rows, n_cols = table.shape
    letters = [get_column_letter(j + 1) for j in range(n_cols)]
    rows = [str(r) for r in range(2, n_rows + 2)]
    headers = [_cell_value(_flat_label(c)) for c in table.columns]
    header_cells = "".join(_cell_xml(f"{L}1", h, _STYLE_BOLD) if not isinstance(h, str)
                           else _string_cell(f"{L}1", h, f' s="{_STYLE_BOLD}"') for L, h in zip(letters, headers))
    widths = [_text_width(h) for h in headers]
    columns = []
    for j in range(n_cols):
        cells, width = _column_cells(table.iloc[:, j], letters[j], rows)
        if styles and styles[j]:  # a number format: plain number cells only (not text, dates or booleans)
            cells = [_PLAIN_NUMBER_CELL_RE.sub(rf'\1 s="{styles[j]}"\2', c, count=1) for c in cells]
        columns.append(cells)
        widths[j] = max(widths[j], width)
    body = [f'<row r="1">{header_cells}</row>']
    body += [f'<row r="{r}">{"".join(cells)}</row>' for r, *cells in zip(rows, *columns)] if n_cols else \
        [f'<row r="{r}"/>' for r in rows]
    dim = f"A1:{letters[-1]}{n_rows + 1}" if n_cols else "A1"
    view = ('<sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
            'state="frozen"/><selection pane="bottomLeft" activeCell="A1" sqref="A1"/></sheetView>') if n_cols \
        else '<sheetView workbookViewId="0"/>'
    cols = ("<cols>" + "".join(f'<col min="{j}" max="{j}" width="{min(max(w, 6) + 2, MAX_COLUMN_WIDTH)}" '
                               f'customWidth="1"/>' for j, w in enumerate(widths, start=1)) + "</cols>") \
        if column_widths and n_cols else ""
    return (_XML_DECL + f'<worksheet xmlns="{_NS}"><dimension ref="{dim}"/><sheetViews>{view}</sheetViews>'
            f'<sheetFormatPr defaultRowHeight="15"/>{cols}<sheetData>{"".join(body)}</sheetData>'
            '<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/></worksheet>')


def _zip_parts(parts: list[tuple[str, bytes]], when: dt.datetime) -> bytes:
    """A zip of ``parts`` in the given order, every member stamped ``when`` (zip stores local times)."""
    stamp = (max(when.year, 1980), when.month, when.day, when.hour, when.minute, when.second)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as dst:
        for name, data in parts:
            member = zipfile.ZipInfo(name, date_time=stamp)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o644 << 16
            member.create_system = 0
            dst.writestr(member, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=6)
    return out.getvalue()
