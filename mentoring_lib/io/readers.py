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

import difflib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

from mentoring_lib.errors import InputError, InputErrors, row_ranges
from mentoring_lib.io.datetimes import parse_datetimes  # noqa: F401  (part of the readers' API)
from mentoring_lib.io.raw_files import (OLE_MAGIC, OTHER_MAGIC, ZIP_EMPTY_MAGIC, ZIP_MAGIC, blank_cell, check_file, check_ole,
                                        check_zip, clean_header, column_letter, header_key, read_text_grid,
                                        read_xlsx_grid)
from mentoring_lib.io.tool_detection import TOOL_LABELS, TOOLS, fingerprint, is_import_id, is_surveymonkey, surveymonkey_headers

DEFAULT_MAX_BYTES = 50_000_000


#: Trailing rows whose first filled cell is one of these are summary rows, not responses.
SUMMARY_WORDS = frozenset({
    "total", "totals", "grand total", "sum", "yhteensä", "kaikki yhteensä", "summa", "totalt",
    "summa yhteensä", "average", "mean", "keskiarvo", "medeltal", "count", "lukumäärä", "antal",
})

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
    check_file(path, max_bytes)
    notes: list[str] = []
    try:
        with path.open("rb") as fh:
            raw = fh.read(max_bytes + 1)
    except OSError as e:
        raise InputError(f"cannot be read ({e.strerror or type(e).__name__})", file=path,
                         hint="check the file's permissions, and close it in Excel if it is open there") from None
    if raw.startswith((ZIP_MAGIC, ZIP_EMPTY_MAGIC)):
        zf = check_zip(path, max_bytes)
        grid, meta = read_xlsx_grid(path, zf, sheet, notes)
    elif raw.startswith(OLE_MAGIC):
        check_ole(path)
        raise AssertionError("unreachable")
    else:
        for magic, what in OTHER_MAGIC.items():
            if raw.startswith(magic):
                raise InputError(f"is {what}, not a spreadsheet export", file=path,
                                 hint="export the survey responses as .xlsx or .csv")
        grid, meta = read_text_grid(path, raw, notes)
        if path.suffix.lower() in (".xlsx", ".xls", ".xlsm"):
            notes.append(f"named {path.suffix} but is delimited text; read by its content")
        if sheet is not None:
            notes.append("sheet: is ignored for a text export")
    return _build_export(path, grid, meta, tool, notes)


def _build_export(path: Path, grid: list[list[str]], meta: dict, tool: str, notes: list[str]) -> Export:
    offset = meta.get("row_offset", 0)
    first = next((i for i, r in enumerate(grid) if any(not blank_cell(c) for c in r)), None)
    if first is None:
        raise InputError("has no header row (the sheet is empty)", file=path,
                         hint="download the export again from the survey tool, or pick the right sheet (sheet:)")
    # the header row is the first row about as wide as the widest of the first rows (title rows are narrower)
    filled = [sum(1 for c in r if not blank_cell(c)) for r in grid[:first + 20]]
    widest = max(filled[first:first + 20])
    threshold = max(2, int(np.ceil(0.6 * widest))) if widest >= 2 else 1
    # SurveyMonkey's question row is sparse (a question's text spans its option columns): never a title
    h = first if is_surveymonkey(grid, first) else next(i for i, n in enumerate(filled) if n >= threshold)
    if h:
        skipped = [i + 1 + offset for i in range(h) if filled[i]]
        if skipped:
            notes.append(f"skipped {len(skipped)} title row(s) above the header (Excel row(s) {row_ranges(skipped)})")

    detected, header_rows, why = fingerprint(grid, h)
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
        header_cells = surveymonkey_headers(grid[h], extra[0] if extra else [])
        notes.append("SurveyMonkey's two header rows combined: a question's columns are named "
                     "'<question> - <answer label>' (a one-column answer keeps the question's text)")
    body = grid[h + header_rows:]
    first_row = h + header_rows + 1 + offset

    width = max([len(header_cells)] + [len(r) for r in body]) if body else len(header_cells)
    headers = [clean_header(c) for c in header_cells] + [""] * (width - len(header_cells))
    ncol_header = len(header_cells)

    # rows longer than the header: blank extras are trailing delimiters, filled ones misaligned rows
    long_bad = [first_row + i for i, r in enumerate(body)
                if len(r) > ncol_header and any(not blank_cell(c) for c in r[ncol_header:])
                and meta.get("encoding") is not None]
    if long_bad:
        raise InputError(
            f"row(s) {row_ranges(long_bad)} have more cells than the header row ({ncol_header}); a comment "
            "probably contains the delimiter without quotes, so the columns are shifted",
            file=path, row=long_bad[0],
            hint="re-export the file from the survey tool (it quotes such cells), or open it in Excel and save as .xlsx")
    short = [first_row + i for i, r in enumerate(body)
             if 0 < len(r) < ncol_header and any(not blank_cell(c) for c in r)]
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
        if any(not blank_cell(r[j]) for r in rows):
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
                question_texts[name] = clean_header(extra[0][j])
            if header_rows >= 3 and len(extra) >= 2 and j < len(extra[1]) and is_import_id(extra[1][j]):
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
    cleaned = clean_header(wanted)
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
        if clean_header(wanted) in export.duplicate_headers:
            cols = export.duplicate_headers[clean_header(wanted)]
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
            columns = {c: label for c, label in found.items() if c is not None}
            if len(columns) == len(found):  # no option column is missing
                combined[field_name] = _chosen_options(export, columns)
                resolved[field_name] = " + ".join(columns)
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
