"""Public workbooks for people: human headers, Excel number formats, no "<5" in a number column.

The public spreadsheets (``summary.xlsx``, ``registration_summary.xlsx``, ``group_sizes.xlsx``) are
read by coordinators and funders in Excel. The tables they are built from keep machine names
(``share_of_participants``, ``wilcoxon_p_holm``); :func:`write` turns them into sheets for people
and :func:`read` turns such a sheet back into the machine form (the release audit and the tests
read the files the same way they were built).

Design of a withheld value (stated in the workbooks' data dictionary): a number column holds only
numbers. Where a count is withheld, its cell is empty and the column right after it,
``<header> (withheld)``, says why: ``<5`` (fewer than 5; the threshold is the term's) or ``x``
(hidden so a small count cannot be worked out from the totals); a share based on a small group
says ``<5 people``. The companion column exists only where a sheet withholds something in that
column. Shares are stored as proportions (0.82) with a percent format (shows 82%); means, SDs and
effect sizes with two decimals, p-values with three (``<0.001`` below that).

The researchers' tidy tables, pseudonymised and in the private area
(``private/tables/<stage>/<table>.parquet``), keep the machine names; the data dictionary gives
both names for every column.

Language: headers, sheet titles and the withheld suffix come from the message catalogue
(``workbook.*`` in resources/messages/<language>/workbook.yml); :func:`write` takes ``lang`` (the
public summary workbook is written in the term's language, the registration workbooks in English so
far) and :func:`read` reads a workbook in any of the languages back to the same machine form. The
machine names and the withheld markers ("<5", "<5 people", "x") are the same in every language.
"""
from __future__ import annotations

import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from mentoring_lib.io import spreadsheets
from mentoring_lib.outputs.messages import FALLBACK, LANGUAGES, catalogue, text

WITHHELD = text("workbook.withheld")  # " (withheld)"; withheld_suffix(lang) in the workbook's language
PERCENT, ONE_DECIMAL, TWO_DECIMALS, WHOLE = "0%", "0.0", "0.00", "0"
P_VALUE = '[<0.001]"<0.001";0.000'
_DECIMALS = {ONE_DECIMAL: 1, TWO_DECIMALS: 2, WHOLE: 0, P_VALUE: 4}
#: A cell marking a withheld value: "<5", "<5 people", "x".
_MARKER_RE = re.compile(r"^(<\d+( people)?|x)$")
_NUMBER_TEXT_RE = re.compile(r"^\d+(\.\d+)?$")

#: machine column name -> number format (columns not listed: none). The headers people read are in
#: the message catalogue (``workbook.header.<machine name>`` in resources/messages/<language>/workbook.yml).
FORMATS: dict[str, str] = {
    "share_of_accepted": PERCENT, "share": PERCENT, "share_of_participants": PERCENT, "response_rate": PERCENT,
    "share_low": PERCENT, "share_neutral": PERCENT, "share_high": PERCENT, "median": ONE_DECIMAL,
    "mean_pre": TWO_DECIMALS, "mean_post": TWO_DECIMALS, "mean_change": TWO_DECIMALS,
    "sd_change": TWO_DECIMALS, "median_change": TWO_DECIMALS, "wilcoxon_p": P_VALUE,
    "rank_biserial": TWO_DECIMALS, "t": TWO_DECIMALS, "df": WHOLE, "t_p": P_VALUE, "hedges_g": TWO_DECIMALS,
    "g_ci_low": TWO_DECIMALS, "g_ci_high": TWO_DECIMALS, "t_p_holm": P_VALUE, "wilcoxon_p_holm": P_VALUE,
    "alpha": TWO_DECIMALS, "ci_low": TWO_DECIMALS, "ci_high": TWO_DECIMALS,
}


def headers(lang: str = FALLBACK) -> dict[str, str]:
    """Machine column name -> the header people read, in ``lang``."""
    prefix = "workbook.header."
    return {key[len(prefix):]: text(key, lang) for key in catalogue(FALLBACK) if key.startswith(prefix)}


#: machine column name -> (header for people in English, number format or None).
HEADERS: dict[str, tuple[str, str | None]] = {m: (h, FORMATS.get(m)) for m, h in headers().items()}
#: Any language's header or sheet title -> its machine name (a workbook is read back in any language).
_MACHINE_OF = {human: machine for lang in LANGUAGES for machine, human in headers(lang).items()}
_SHEET_OF = {text(key, lang): key[len("workbook.sheet."):] for lang in LANGUAGES for key in catalogue(FALLBACK)
             if key.startswith("workbook.sheet.")}
_WITHHELD_SUFFIXES = tuple(dict.fromkeys(text("workbook.withheld", lang) for lang in LANGUAGES))


def sheet_title(name: str, lang: str = FALLBACK) -> str:
    """The sheet title people read for a machine sheet name ("doctoral_year" -> "Doctoral year";
    "Reach" -> "Tavoittavuus" in Finnish); a name the catalogue does not list is kept."""
    return text(f"workbook.sheet.{name}", lang) if f"workbook.sheet.{name}" in catalogue(FALLBACK) else name


WITHHELD_NOTE = text("workbook.withheld_note")  # English; in a language: text("workbook.withheld_note", lang)
TIDY_NOTE = text("workbook.tidy_note")


def group_name(group: Any) -> str:
    """A group as every file names it: "Group 1" (a number, "1" or "1.0"; a name already starting
    with "Group" is kept)."""
    text = str(group).strip()
    if isinstance(group, (int, float)) and float(group).is_integer():
        text = str(int(group))
    return text if text.casefold().startswith("group") else f"Group {text}"


def header(machine: str, lang: str = FALLBACK) -> str:
    """The header people see for a machine column name, in ``lang`` (unknown names are kept)."""
    return text(f"workbook.header.{machine}", lang) if machine in HEADERS else machine


def withheld_suffix(lang: str = FALLBACK) -> str:
    """The suffix of a withheld-value column: " (withheld)" in English."""
    return text("workbook.withheld", lang)


def is_marker(value: Any) -> bool:
    """A cell standing for a withheld value ("<5", "<5 people", "x")."""
    return isinstance(value, str) and bool(_MARKER_RE.match(value))


def _number(value: Any) -> Any:
    """A count or ratio held as text ("12", "1.2") becomes a number; other values are kept."""
    if isinstance(value, str) and _NUMBER_TEXT_RE.match(value):
        return int(value) if value.isdigit() else float(value)
    return value


def _rounded(value: Any, fmt: str | None) -> Any:
    if fmt is None and isinstance(value, float) and value.is_integer():
        return int(value)  # a count that went through a float column (read back, NaN beside it)
    if fmt in _DECIMALS and isinstance(value, float) and math.isfinite(value):
        return round(value, _DECIMALS[fmt]) if fmt != P_VALUE else float(f"{value:.4g}")
    return value


def for_people(df: pd.DataFrame, lang: str = FALLBACK) -> tuple[pd.DataFrame, dict[str, str]]:
    """``df`` (machine names, markers mixed into number columns) as people read it: human headers
    in ``lang``, markers moved into ``<header> (withheld)`` columns, values rounded to their format.
    Returns the table and its number formats (header -> format code)."""
    columns: dict[str, list] = {}
    formats: dict[str, str] = {}
    for machine in df.columns:
        human, fmt = header(str(machine), lang), FORMATS.get(str(machine))
        values = [_number(v) for v in df[machine].astype(object).tolist()]
        markers = [v if is_marker(v) else None for v in values]
        if any(markers):  # a count or share column (even one withheld throughout)
            columns[human] = [None if m else _rounded(v, fmt) for v, m in zip(values, markers)]
            columns[human + withheld_suffix(lang)] = markers
        else:
            columns[human] = [None if _blank(v) else _rounded(v, fmt) for v in values]
        if fmt:
            formats[human] = fmt
    # object columns: a count column with an empty cell must stay integers, not become 36.0
    return pd.DataFrame({h: pd.Series(v, index=df.index, dtype=object) for h, v in columns.items()},
                        index=df.index), formats


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA or v is pd.NaT


def write(sheets: Mapping[str, pd.DataFrame], path: str | Path, *, index: bool = False,
          epoch: int | None = None, lang: str = FALLBACK) -> Path:
    """Write machine-form ``sheets`` as a workbook for people (see the module notes), its sheet
    titles and headers in ``lang``; ``epoch``: the document date (:func:`spreadsheets.write_xlsx`)."""
    out: dict[str, pd.DataFrame] = {}
    formats: dict[str, dict[str, str]] = {}
    for name, df in sheets.items():
        title = sheet_title(name, lang)
        table, formats[title] = for_people(df.reset_index() if index else df, lang)
        out[title] = table
    return spreadsheets.write_xlsx(out, path, number_formats=formats, epoch=epoch)


def from_people(df: pd.DataFrame) -> pd.DataFrame:
    """A sheet read from a people's workbook back in machine form: withheld markers back in their
    number columns, machine column names (a workbook in any of the report's languages)."""
    out = df.copy()
    withheld = {str(c): str(c)[: -len(suffix)] for c in out.columns for suffix in _WITHHELD_SUFFIXES
                if str(c).endswith(suffix) and str(c)[: -len(suffix)] in out.columns}
    for col, base in withheld.items():
        marks = out[col].astype(object)
        out[base] = [m if isinstance(m, str) and m else v for v, m in zip(out[base].astype(object), marks)]
        out = out.drop(columns=col)
    return out.rename(columns=lambda c: _MACHINE_OF.get(str(c), c))


def read(path: str | Path, sheet_name: str | None = None, *, index_col: int | None = None,
         ) -> dict[str, pd.DataFrame] | pd.DataFrame:
    """Read a workbook written by :func:`write` in machine form: every sheet (keyed by its machine
    name) or the one ``sheet_name`` (machine or people's name)."""
    if sheet_name is not None:
        with pd.ExcelFile(path) as book:
            titles = book.sheet_names
        title = next((t for t in titles if _SHEET_OF.get(t, t) == _SHEET_OF.get(sheet_name, sheet_name)), sheet_name)
        return _machine(pd.read_excel(path, sheet_name=title, dtype=object), index_col)
    raw = pd.read_excel(path, sheet_name=None, dtype=object)
    return {_SHEET_OF.get(title, title): _machine(df, index_col) for title, df in raw.items()}


def _machine(df: pd.DataFrame, index_col: int | None) -> pd.DataFrame:
    df = from_people(df)
    if index_col is not None:
        df = df.set_index(df.columns[index_col])
    return df
