"""Dates and times as the survey tools and Excel write them, parsed into the term's time zone.

ISO, d.m.yyyy, m/d/yyyy with AM/PM, Excel serial numbers (1900 and 1904 systems) and offsets or zone
abbreviations; an ambiguous or unreadable value is an InputError naming the row, never a guess."""
from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from mentoring_lib.errors import InputError, InputErrors, row_ranges
from mentoring_lib.io.tool_detection import TOOL_LABELS

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
                         f"ends (rows {row_ranges(n for r in amb[amb].index if (n := row_of(r)) is not None)}); read as the first occurrence "
                         "(summer time)")
        out[local] = first.dt.tz_convert(tz)
    if src_tz_name and src.key != getattr(tz, "key", None):
        notes.append(f"{column}: times were written in {src.key} (Qualtrics' export time zone); converted to {tz}")
    out.index = original_index
    out.attrs = {"notes": notes}
    return out
