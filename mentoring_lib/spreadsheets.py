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
bytes. XLSX document dates and zip member times come from ``SOURCE_DATE_EPOCH`` (if set) or a
fixed epoch (2000-01-01), never the wall clock.

CSV files are UTF-8 with a byte-order mark (so Excel opens ä/ö/å correctly), comma-separated,
CRLF line ends (RFC 4180).
"""
from __future__ import annotations

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

#: Characters that make a spreadsheet treat a cell as a formula (OWASP list + full-width forms).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_FORMULA_START_RE = re.compile("^[" + re.escape("".join(FORMULA_START)) + "]")
_PLAIN_NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
# Control characters XML 1.0 cannot hold (openpyxl refuses them); tab, LF and CR are allowed.
_ILLEGAL_XML_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
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
        with open(tmp, "w", encoding="utf-8-sig", newline="") as fh:
            safe.to_csv(fh, index=False, lineterminator="\r\n")
        _commit(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


# -- XLSX ---------------------------------------------------------------------------------------

def _epoch() -> int:
    raw = os.environ.get("SOURCE_DATE_EPOCH")
    try:
        return int(raw) if raw else FIXED_EPOCH
    except ValueError:
        return FIXED_EPOCH


def _fixed_datetime() -> dt.datetime:
    return dt.datetime.fromtimestamp(max(_epoch(), 315532800), tz=dt.timezone.utc).replace(tzinfo=None)


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
    return _ILLEGAL_XML_RE.sub("", neutralise_text(v if isinstance(v, str) else str(v)))


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
               index: bool = False) -> Path:
    """Write one or more tables as a formula-safe, deterministic XLSX workbook, atomically.

    ``sheets`` maps sheet name -> table (order kept). Headers are bold and the first row frozen;
    ``column_widths`` sizes columns to their content (capped at 60 characters). ``index=True``
    writes each table's index as its first column(s). Returns the path.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.writer.excel import ExcelWriter

    if not sheets:
        raise ValueError("write_xlsx needs at least one sheet")
    wb = Workbook()
    wb.remove(wb.active)
    bold = Font(bold=True)
    for title, (_, df) in zip(_sheet_titles(list(sheets)), sheets.items()):
        ws = wb.create_sheet(title)
        table = df.reset_index() if index else df
        headers = [_cell_value(_flat_label(c)) for c in table.columns]
        widths = [_text_width(h) for h in headers]
        ws.append(headers)
        for c in ws[1]:
            c.font = bold
            if isinstance(c.value, str):
                c.data_type = "s"
        columns = [table.iloc[:, i].astype(object).tolist() for i in range(table.shape[1])]
        for r, row in enumerate(zip(*columns), start=2):
            values = [_cell_value(v) for v in row]
            ws.append(values)
            for j, v in enumerate(values):
                if isinstance(v, str):
                    ws.cell(row=r, column=j + 1).data_type = "s"  # never "f", whatever the text
                if column_widths:
                    widths[j] = max(widths[j], _text_width(v))
        if column_widths:
            for j, w in enumerate(widths, start=1):
                ws.column_dimensions[get_column_letter(j)].width = min(max(w, 6) + 2, MAX_COLUMN_WIDTH)
        if table.shape[1]:
            ws.freeze_panes = "A2"
    when = _fixed_datetime()
    wb.properties.created = when
    wb.properties.modified = when
    wb.properties.creator = "mentoring workbook"
    wb.properties.lastModifiedBy = None

    buf = io.BytesIO()
    archive = zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
    ExcelWriter(wb, archive).save()  # not save_workbook(): it stamps 'modified' with the clock
    data = _fix_zip_times(buf.getvalue(), when)

    path, tmp = _atomic_target(Path(path))
    try:
        tmp.write_bytes(data)
        _commit(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def _fix_zip_times(data: bytes, when: dt.datetime) -> bytes:
    """Re-pack a zip with every member's timestamp set to ``when`` (zip stores local times)."""
    stamp = (max(when.year, 1980), when.month, when.day, when.hour, when.minute, when.second)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as dst:
        for info in src.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=stamp)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o644 << 16
            member.create_system = 0
            dst.writestr(member, src.read(info.filename))
    return out.getvalue()
