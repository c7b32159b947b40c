"""The demo's file writers: a minimal deterministic .xlsx writer (same bytes on every run), CSV as each
survey tool writes it, and attendance sheets with the tick marks coordinators use."""
from __future__ import annotations

import csv
import datetime as dt
import io
import os
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl.utils import get_column_letter

from mentoring_lib.io.spreadsheets import STYLE_SHEET_BASE, STYLE_SHEET_END, STYLE_SHEET_START

# -- the demo term ------------------------------------------------------------------------------


FIXED_XLSX_TIME = dt.datetime(2026, 12, 20, 12, 0, 0)
MS_FORMS_DATETIME_FORMAT = "m/d/yy h:mm:ss"
TICKS = np.array(["x", "X", 1, "yes", "present", "✓"], dtype=object)
TICK_WEIGHTS = np.array([0.5, 0.14, 0.16, 0.07, 0.05, 0.08])


def tick_cells(rng: np.random.Generator, present: np.ndarray) -> np.ndarray:
    ticks = TICKS[rng.choice(len(TICKS), size=present.shape, p=TICK_WEIGHTS)]
    return np.where(present, ticks, np.array(None, dtype=object))


# -- writers ------------------------------------------------------------------------------------

_EXCEL_EPOCH = np.datetime64("1899-12-30T00:00:00", "s")
_XML_ILLEGAL = "[\x00-\x08\x0b\x0c\x0e-\x1f]"

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    '<Override PartName="/docProps/core.xml" '
    'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    '<Override PartName="/docProps/app.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
    '</Types>')
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/'
    'core-properties" Target="docProps/core.xml"/>'
    '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'extended-properties" Target="docProps/app.xml"/>'
    '</Relationships>')
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'styles" Target="styles.xml"/>'
    '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'sharedStrings" Target="sharedStrings.xml"/>'
    '</Relationships>')
# Style 0: plain; 1: the date-time format; 2: bold (the header row).
_STYLES = (
    STYLE_SHEET_START
    + '<numFmts count="1"><numFmt numFmtId="164" formatCode="{fmt}"/></numFmts>'
    + STYLE_SHEET_BASE
    + '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    + STYLE_SHEET_END)


def _xml_text(s: pd.Series) -> pd.Series:
    return (s.str.replace(_XML_ILLEGAL, "", regex=True).str.replace("&", "&amp;", regex=False)
            .str.replace("<", "&lt;", regex=False).str.replace(">", "&gt;", regex=False))


def write_xlsx(path: Path, headers: list[str], columns: list, datetime_columns: frozenset[int] | set[int] = frozenset(),
                sheet: str = "Sheet1", creator: str = "Microsoft Forms") -> None:
    """A one-sheet xlsx written directly as SpreadsheetML, vectorised over cells.

    openpyxl's pure-Python XML writer needs ~10 s for the 100x term; building the sheet XML with
    pandas string operations takes a fraction of that, and every byte is under our control (fixed
    document dates and zip member times), so the same content gives the same file. Text goes
    through the shared-string table as Excel writes it; ints and floats are numbers; datetime64
    columns become Excel serial numbers with the ``m/d/yy h:mm:ss`` format; None / '' / NaN cells
    are left out (skipped questions are empty cells).
    """
    n = len(columns[0]) if columns else 0
    rows = pd.Series(np.arange(2, n + 2)).astype(str)
    cell_texts = []
    strings: list[pd.Series] = [pd.Series(headers, dtype=object)]
    for j, values in enumerate(columns):
        ref = get_column_letter(j + 1)
        if j in datetime_columns:
            serial = (pd.to_datetime(pd.Series(values)).to_numpy().astype("datetime64[s]") - _EXCEL_EPOCH
                      ).astype("int64") / 86400.0
            cell_texts.append('<c r="' + ref + rows + '" s="1"><v>' + pd.Series(serial).map(repr)
                              + "</v></c>")
            continue
        col = pd.Series(values, dtype=object)
        empty = col.isna() | (col.astype(str) == "")
        numeric = col.map(lambda v: isinstance(v, (int, float, np.integer, np.floating))
                          and not isinstance(v, bool)).astype(bool)
        text = ~empty & ~numeric
        out = pd.Series("", index=col.index, dtype=object)
        if numeric.any():
            out[numeric] = '<c r="' + ref + rows[numeric] + '"><v>' + col[numeric].astype(str) + "</v></c>"
        if text.any():
            strings.append(col[text].astype(str))
            out[text] = col[text].astype(str)                 # replaced by the index below
        cell_texts.append((out, text, ref))
    # The shared-string table: first appearance order.
    all_strings = pd.concat(strings, ignore_index=True)
    codes, uniques = pd.factorize(all_strings)
    index_of = pd.Series(np.arange(len(uniques)), index=uniques)
    body: list[pd.Series] = []
    for item in cell_texts:
        if isinstance(item, tuple):
            out, text, ref = item
            if text.any():
                out[text] = ('<c r="' + ref + rows[text] + '" t="s"><v>'
                             + out[text].map(index_of).astype(str) + "</v></c>")
            body.append(out)
        else:
            body.append(item)
    header_xml = "".join(f'<c r="{get_column_letter(j + 1)}1" s="2" t="s"><v>{index_of[h]}</v></c>'
                         for j, h in enumerate(headers))
    row_xml = pd.Series("", index=rows.index, dtype=object)
    for col in body:
        row_xml = row_xml + col.astype(str).to_numpy()
    row_xml = '<row r="' + rows + '">' + row_xml + "</row>"
    last = f"{get_column_letter(len(headers))}{n + 1}"
    sheet_xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="A1:{last}"/><sheetViews><sheetView workbookViewId="0"/></sheetViews>'
        '<sheetFormatPr defaultRowHeight="15"/><sheetData>'
        f'<row r="1">{header_xml}</row>' + "".join(row_xml.tolist()) + "</sheetData></worksheet>")
    uniq = pd.Series(uniques, dtype=object).astype(str)
    spaced = uniq.str.match(r"^\s|.*\s$")
    escaped = _xml_text(uniq)
    si = np.where(spaced, '<si><t xml:space="preserve">' + escaped + "</t></si>",
                  "<si><t>" + escaped + "</t></si>")
    shared_xml = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                  '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                  f'count="{len(all_strings)}" uniqueCount="{len(uniques)}">' + "".join(si.tolist())
                  + "</sst>")
    stamp = FIXED_XLSX_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    core_xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<cp:coreProperties '
        'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:creator>{creator}</dc:creator><cp:lastModifiedBy>{creator}</cp:lastModifiedBy>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified>'
        "</cp:coreProperties>")
    app_xml = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
               '<Properties '
               'xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
               "<Application>Microsoft Excel</Application></Properties>")
    workbook_xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f'<sheets><sheet name="{sheet}" sheetId="1" r:id="rId1"/></sheets></workbook>')
    parts = {
        "[Content_Types].xml": _CONTENT_TYPES, "_rels/.rels": _ROOT_RELS,
        "docProps/app.xml": app_xml, "docProps/core.xml": core_xml,
        "xl/workbook.xml": workbook_xml, "xl/_rels/workbook.xml.rels": _WORKBOOK_RELS,
        "xl/styles.xml": _STYLES.format(fmt=MS_FORMS_DATETIME_FORMAT),
        "xl/sharedStrings.xml": shared_xml, "xl/worksheets/sheet1.xml": sheet_xml,
    }
    buffer = io.BytesIO()
    stamp_tuple = FIXED_XLSX_TIME.timetuple()[:6]
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            info = zipfile.ZipInfo(name, date_time=stamp_tuple)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            archive.writestr(info, text.encode("utf-8"))
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(buffer.getvalue())
    os.replace(tmp, path)


def xlsx_cells(values) -> list:
    """Empty answers as empty cells (None), as the tools write skipped questions."""
    return [None if (v is None or v == "") else v for v in values]


def google_timestamps(values: np.ndarray) -> pd.Series:
    t = pd.Series(pd.to_datetime(values))
    # strftime's %-d is not portable; build the Finnish-locale text from parts.
    return (t.dt.day.astype(str) + "." + t.dt.month.astype(str) + "." + t.dt.year.astype(str) + " "
            + t.dt.hour.astype(str) + "." + t.dt.strftime("%M.%S"))


def write_csv(path: Path, table: pd.DataFrame, *, bom: bool = False, sep: str = ",",
               quote_all: bool = False) -> None:
    text = table.to_csv(index=False, sep=sep, lineterminator="\r\n",
                        quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8"))
    os.replace(tmp, path)


def write_attendance(path: Path, names, emails, headers: list[str], cells: np.ndarray) -> None:
    cols = [list(names), list(emails), *[cells[:, j].tolist() for j in range(cells.shape[1])]]
    write_xlsx(path, ["Name", "Email", *headers], cols, sheet="Sheet1", creator="Coordinator")


# -- the term -----------------------------------------------------------------------------------
