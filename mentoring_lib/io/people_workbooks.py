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
"""
from __future__ import annotations

import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from mentoring_lib.io import spreadsheets

WITHHELD = " (withheld)"
PERCENT, ONE_DECIMAL, TWO_DECIMALS, WHOLE = "0%", "0.0", "0.00", "0"
P_VALUE = '[<0.001]"<0.001";0.000'
_DECIMALS = {ONE_DECIMAL: 1, TWO_DECIMALS: 2, WHOLE: 0, P_VALUE: 4}
#: A cell marking a withheld value: "<5", "<5 people", "x".
_MARKER_RE = re.compile(r"^(<\d+( people)?|x)$")
_NUMBER_TEXT_RE = re.compile(r"^\d+(\.\d+)?$")

#: machine column name -> (header for people, number format or None).
HEADERS: dict[str, tuple[str, str | None]] = {
    # summary.xlsx
    "field": ("Field", None), "value": ("Value", None),
    "measure": ("Measure", None), "mentors": ("Mentors", None), "participants": ("Participants", None),
    "role": ("Role", None), "step": ("Step", None), "count": ("People at this step", None),
    "share_of_accepted": ("Share of accepted", PERCENT),
    "session": ("Training", None), "attended": ("Mentors attending", None), "missed": ("Mentors missing it", None),
    "share": ("Share of accepted mentors", PERCENT),
    "meeting": ("Meeting", None), "groups_met": ("Groups that met", None),
    "participants_attending": ("Participants attending", None),
    "participants_missing": ("Participants missing it", None),
    "share_of_participants": ("Share of participants attending", PERCENT),
    "group": ("Group", None), "meetings_held": ("Meetings held", None),
    "meetings_planned": ("Meetings planned", None), "below_plan": ("Met fewer times than planned", None),
    "survey": ("Survey", None), "respondents": ("Respondents", None), "response_rate": ("Response rate", PERCENT),
    "reason": ("Linkage outcome", None), "people": ("People", None),
    "item": ("Item id", None), "wording": ("Statement", None), "answered": ("Answered", None),
    "share_low": ("Share who disagree", PERCENT), "share_neutral": ("Share neutral", PERCENT),
    "share_high": ("Share who agree", PERCENT), "median": ("Median answer (number)", ONE_DECIMAL),
    "median_label": ("Median answer", None),
    "instrument": ("Instrument id", None), "scale": ("Scale id", None), "outcome": ("Outcome", None),
    "range": ("Score range", None), "pairs": ("Pairs (answered both surveys)", None),
    "mean_pre": ("Mean before", TWO_DECIMALS), "mean_post": ("Mean after", TWO_DECIMALS),
    "mean_change": ("Mean change", TWO_DECIMALS), "sd_change": ("SD of change", TWO_DECIMALS),
    "median_change": ("Median change", TWO_DECIMALS), "wilcoxon_p": ("Wilcoxon p", P_VALUE),
    "rank_biserial": ("Rank-biserial r", TWO_DECIMALS), "t": ("Paired t", TWO_DECIMALS),
    "df": ("Degrees of freedom", WHOLE), "t_p": ("Paired t-test p", P_VALUE),
    "hedges_g": ("Hedges' g", TWO_DECIMALS), "g_ci_low": ("g 95% CI lower", TWO_DECIMALS),
    "g_ci_high": ("g 95% CI upper", TWO_DECIMALS), "t_p_holm": ("Holm-adjusted t-test p", P_VALUE),
    "wilcoxon_p_holm": ("Holm-adjusted Wilcoxon p", P_VALUE),
    "wave": ("Wave (before or after)", None), "cases": ("Complete answers", None), "items": ("Items", None),
    "alpha": ("Cronbach's alpha", TWO_DECIMALS), "ci_low": ("Alpha 95% CI lower", TWO_DECIMALS),
    "ci_high": ("Alpha 95% CI upper", TWO_DECIMALS), "small_n": ("Fewer than 30 answers", None),
    "theme": ("Theme id", None), "label": ("Theme", None), "comments": ("Comments", None),
    "instrument_name": ("Instrument", None), "short_name": ("Abbreviation", None), "scale_name": ("Scale", None),
    "rule": ("Scoring rule", None), "n_items": ("Items in the scale", None),
    "response_range": ("Answer values", None), "missing_rule": ("Missing-item rule", None),
    "citation": ("Citation", None), "licence": ("Licence", None),
    "source": ("Input", None), "rows_read": ("Rows read", None), "kept": ("Rows kept", None),
    "excluded": ("Rows excluded, by reason", None),
    "sheet": ("Sheet", None), "column": ("Column", None), "name": ("Field name in the tidy tables", None),
    "meaning": ("Meaning", None), "table": ("Table", None),
    # registration_summary.xlsx
    "status": ("Status", None), "school": ("School", None), "doctoral year": ("Doctoral year", None),
    "mentor": ("Mentor", None), "participant": ("Participant", None),
    "mentors applied": ("Mentors applied", None), "mentors accepted": ("Mentors accepted", None),
    "mentors not accepted": ("Mentors not accepted", None),
    "participants applied": ("Participants applied", None),
    "participants accepted": ("Participants accepted", None),
    "participants not accepted": ("Participants not accepted", None),
}
#: machine sheet name -> sheet title for people (sheets not listed keep their name).
SHEET_TITLES = {"status": "Status", "school": "School", "doctoral_year": "Doctoral year",
                "group sizes": "Group sizes"}
_MACHINE_OF = {human: machine for machine, (human, _) in HEADERS.items()}
_SHEET_OF = {title: name for name, title in SHEET_TITLES.items()}

WITHHELD_NOTE = ("A number column holds numbers only. Where a value is withheld, its cell is empty and the "
                 "column after it, '<header> (withheld)', says why: '<{k}' = fewer than {k} people; "
                 "'<{k} people' = a share of a group of fewer than {k}; 'x' = hidden so that a small count "
                 "cannot be worked out from the totals.")
TIDY_NOTE = ("Researchers' tidy tables (pseudonymised, private area: private/tables/<stage>/<table>.parquet) "
             "keep the field names given in the data dictionary.")


def group_name(group: Any) -> str:
    """A group as every file names it: "Group 1" (a number, "1" or "1.0"; a name already starting
    with "Group" is kept)."""
    text = str(group).strip()
    if isinstance(group, (int, float)) and float(group).is_integer():
        text = str(int(group))
    return text if text.casefold().startswith("group") else f"Group {text}"


def header(machine: str) -> str:
    """The header people see for a machine column name (unknown names are kept)."""
    return HEADERS.get(machine, (machine, None))[0]


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


def for_people(df: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """``df`` (machine names, markers mixed into number columns) as people read it: human headers,
    markers moved into ``<header> (withheld)`` columns, values rounded to their format. Returns the
    table and its number formats (header -> format code)."""
    columns: dict[str, list] = {}
    formats: dict[str, str] = {}
    for machine in df.columns:
        human, fmt = HEADERS.get(str(machine), (str(machine), None))
        values = [_number(v) for v in df[machine].astype(object).tolist()]
        markers = [v if is_marker(v) else None for v in values]
        if any(markers):  # a count or share column (even one withheld throughout)
            columns[human] = [None if m else _rounded(v, fmt) for v, m in zip(values, markers)]
            columns[human + WITHHELD] = markers
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
          epoch: int | None = None) -> Path:
    """Write machine-form ``sheets`` as a workbook for people (see the module notes); ``epoch``: the
    document date (:func:`spreadsheets.write_xlsx`)."""
    out: dict[str, pd.DataFrame] = {}
    formats: dict[str, dict[str, str]] = {}
    for name, df in sheets.items():
        title = SHEET_TITLES.get(name, name)
        table, formats[title] = for_people(df.reset_index() if index else df)
        out[title] = table
    return spreadsheets.write_xlsx(out, path, number_formats=formats, epoch=epoch)


def from_people(df: pd.DataFrame) -> pd.DataFrame:
    """A sheet read from a people's workbook back in machine form: withheld markers back in their
    number columns, machine column names."""
    out = df.copy()
    for col in [c for c in out.columns if str(c).endswith(WITHHELD) and str(c)[: -len(WITHHELD)] in out.columns]:
        base = str(col)[: -len(WITHHELD)]
        marks = out[col].astype(object)
        out[base] = [m if isinstance(m, str) and m else v for v, m in zip(out[base].astype(object), marks)]
        out = out.drop(columns=col)
    return out.rename(columns=lambda c: _MACHINE_OF.get(str(c), c))


def read(path: str | Path, sheet_name: str | None = None, *, index_col: int | None = None,
         ) -> dict[str, pd.DataFrame] | pd.DataFrame:
    """Read a workbook written by :func:`write` in machine form: every sheet (keyed by its machine
    name) or the one ``sheet_name`` (machine or people's name)."""
    if sheet_name is not None:
        title = SHEET_TITLES.get(sheet_name, sheet_name)
        return _machine(pd.read_excel(path, sheet_name=title, dtype=object), index_col)
    raw = pd.read_excel(path, sheet_name=None, dtype=object)
    return {_SHEET_OF.get(title, title): _machine(df, index_col) for title, df in raw.items()}


def _machine(df: pd.DataFrame, index_col: int | None) -> pd.DataFrame:
    df = from_people(df)
    if index_col is not None:
        df = df.set_index(df.columns[index_col])
    return df
