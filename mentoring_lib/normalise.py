"""Normalise text answers read by :mod:`mentoring_lib.readers`: names, schools, multi-select lists.

All functions are vectorised over a pandas Series and keep its index (the Excel row numbers),
so errors can name the row. E-mail normalisation lives in :mod:`mentoring_lib.pseudonym`.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from importlib import resources
from pathlib import Path
from typing import Iterable, Mapping

import pandas as pd
import yaml

from mentoring_lib.errors import InputError, per_answer, raise_all

#: Zero-width and byte-order characters that sneak into copied names and answers.
ZERO_WIDTH = "[\u200b\u200c\u200d\u2060\ufeff\u00ad]"

SCHOOLS_RESOURCE = "schools.yml"

# A leading university name is not part of the school ("Aalto University School of Science").
_UNIVERSITY_PREFIX = re.compile(
    r"^(?:the\s+)?(?:aalto[\s-]*(?:university|yliopisto[n]?|universitetet|universitet|uni)?|university|"
    r"yliopisto[n]?|universitetet)\s*[,:/-]?\s*")


def _as_text(series: pd.Series) -> pd.Series:
    """Object Series of str with missing values kept as NA."""
    s = series.astype(object)
    return s.where(s.notna(), None)


def normalise_name(series: pd.Series) -> pd.Series:
    """Names as people typed them, tidied: Unicode NFC, zero-width characters removed, all runs of
    whitespace (incl. no-break spaces and line breaks) collapsed to one space, trimmed.

    Case and diacritics are kept ("Ärmänen" stays "Ärmänen"). Blank -> NA.
    """
    s = series.astype("string")
    s = s.str.normalize("NFC").str.replace(ZERO_WIDTH, "", regex=True)
    s = s.str.replace(r"\s+", " ", regex=True).str.strip()
    return s.mask(s.eq(""), pd.NA)


def greeting_names(names: pd.Series, first_names: pd.Series | None = None) -> pd.Series:
    """The name for "Dear ...": the first name the form asked for, else the full name's first word
    (which is the family name for people who write it first: a form with a first-name field
    avoids that)."""
    first = names.astype(object).where(names.notna(), "").astype(str).str.split().str[0].fillna("")
    if first_names is not None:
        given = first_names.astype(object).where(first_names.notna(), "").astype(str).str.strip()
        first = given.where(given != "", first)
    return first


def school_key(text: str) -> str:
    """Matching key for a school answer: case-folded, no diacritics, punctuation and university name dropped."""
    t = unicodedata.normalize("NFKD", str(text))
    t = "".join(c for c in t if not unicodedata.combining(c)).casefold()
    t = re.sub(ZERO_WIDTH, "", t)
    t = re.sub(r"[\s\u00a0]+", " ", t).strip()
    t = _UNIVERSITY_PREFIX.sub("", t, count=1) if _UNIVERSITY_PREFIX.sub("", t, count=1).strip() else t
    t = re.sub(r"[^\w\s]", " ", t)
    return re.sub(r"\s+", " ", t).strip()


@functools.lru_cache(maxsize=8)
def _load_table_file(path: str | None) -> tuple[tuple[str, str], ...]:
    if path is None:
        text = resources.files("mentoring_lib.resources").joinpath(SCHOOLS_RESOURCE).read_text(encoding="utf-8")
        where = f"mentoring_lib/resources/{SCHOOLS_RESOURCE}"
    else:
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except OSError:
            raise InputError("school table not found or unreadable", file=path,
                             hint="check the path of the school table") from None
        where = path
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError:
        raise InputError("school table is not valid YAML", file=where,
                         hint="fix the indentation; see mentoring_lib/resources/schools.yml") from None
    return tuple(_table_from_mapping(raw, where).items())


def _table_from_mapping(raw, where) -> dict[str, str]:
    schools = raw.get("schools") if isinstance(raw, dict) else None
    if not isinstance(schools, dict):
        raise InputError("school table must have a 'schools:' mapping of codes to names", file=where)
    table: dict[str, str] = {}
    for code, entry in schools.items():
        if not isinstance(entry, dict) or "name" not in entry:
            raise InputError(f"school '{code}' needs a 'name:'", file=where)
        canonical = str(entry["name"])
        spellings = [str(code), canonical] + [str(entry[k]) for k in ("fi", "sv", "en") if entry.get(k)]
        spellings += [str(a) for a in entry.get("aliases") or []]
        for s in spellings:
            key = school_key(s)
            if key in table and table[key] != canonical:
                raise InputError(f"the spelling '{s}' is listed under two schools ({table[key]} and {canonical})",
                                 file=where, hint="keep it under one school only")
            table[key] = canonical
    return table


def load_school_table(table: str | Path | Mapping | None = None) -> dict[str, str]:
    """Matching key -> canonical English school name.

    ``table`` is None (the packaged ``resources/schools.yml``), a path to a YAML file of the same
    shape, or an already-loaded mapping of that shape (``{"schools": {code: {name:, fi:, sv:, aliases:}}}``).
    """
    if isinstance(table, Mapping):
        return _table_from_mapping(table, "school table")
    return dict(_load_table_file(str(table) if table is not None else None))


def school_names(table: str | Path | Mapping | None = None) -> list[str]:
    """The canonical school names, sorted (for fixed category orders in reports)."""
    return sorted(set(load_school_table(table).values()))


def map_schools(series: pd.Series, *, file, column: str, table: str | Path | Mapping | None = None) -> pd.Series:
    """Map school answers to canonical English names (e.g. "SCI", "Perustieteiden korkeakoulu",
    "Högskolan för teknikvetenskaper" -> "School of Science"). Blank -> NA.

    Matching ignores case, diacritics, punctuation, spacing and a leading university name; an
    answer such as "School of Science (SCI)" also matches through its parts. Values that match no
    school raise an InputError per distinct unmapped answer at its first row, naming the other
    rows with the same answer but never the answer (a cell may hold a name or a note).
    """
    lookup = load_school_table(table)
    text = _as_text(series)
    present = text.notna() & text.astype(str).str.strip().ne("")
    distinct = pd.unique(text[present])
    mapping: dict[str, str | None] = {}
    for value in distinct:  # loop over distinct answers (a handful), not over rows
        key = school_key(value)
        hit = lookup.get(key)
        if hit is None:
            parts = [school_key(p) for p in re.split(r"[()\[\]/,;|–-]", str(value)) if school_key(p)]
            hits = {lookup[p] for p in parts if p in lookup}
            hit = hits.pop() if len(hits) == 1 else None
        mapping[value] = hit
    unmapped = [v for v, m in mapping.items() if m is None]
    if unmapped:
        # The answer is not shown: a school cell may hold a name or a note (errors.per_answer).
        raise_all(per_answer(
            (text.index[text.eq(v).fillna(False).to_numpy(dtype=bool)] for v in unmapped),
            "the answer matches no school in the school table", file=file, column=column,
            hint="open the export at this row and add its spelling as an alias under the right school "
                 "in the school table (mentoring_lib/resources/schools.yml, or your own table), or "
                 "correct the cell if it is not a school, then run again"))
    out = text.map(lambda v: mapping.get(v) if v is not None else None)
    return out.astype("string").rename(series.name)


def parse_choice_list(series: pd.Series, sep: str = ";", *, options: Iterable[str] | None = None) -> pd.Series:
    """Multi-select answers -> a list of chosen options per row (empty list if blank).

    Microsoft Forms writes ``"Monday;Tuesday;"`` (``sep=";"``, trailing separator), Google Forms
    ``"Monday, Tuesday"`` (``sep=", "``). If ``options`` are given, each answer is matched against
    them longest first, so an option that itself contains the separator ("Helsinki, Otaniemi")
    stays whole; text matching no option is kept as one "other" item. Items are trimmed (NFC,
    spaces collapsed), empties dropped, duplicates removed, order kept.
    """
    text = _as_text(series).fillna("")
    text = text.astype(str).str.normalize("NFC") if len(text) else text.astype(str)
    opts = sorted({re.sub(r"\s+", " ", unicodedata.normalize("NFC", o)).strip() for o in options or []},
                  key=len, reverse=True)

    def clean(items: list[str]) -> list[str]:
        out: list[str] = []
        for it in items:
            it = re.sub(r"\s+", " ", it).strip()
            if it and it not in out:
                out.append(it)
        return out

    if not opts:
        return text.str.split(re.escape(sep), regex=True).map(clean).rename(series.name)
    pattern = re.compile("|".join(re.escape(o) for o in opts))
    sep_re = re.compile(r"\s*" + re.escape(sep.strip() or sep) + r"\s*")

    def by_options(answer: str) -> list[str]:
        found = [m.group(0) for m in pattern.finditer(answer)]
        rest = pattern.sub(sep, answer)
        others = [r for r in sep_re.split(rest) if r.strip()]
        return clean(found + others)

    return text.map(by_options).rename(series.name)


def choice_indicators(lists: pd.Series, options: Iterable[str]) -> pd.DataFrame:
    """One boolean column per option: did the row choose it (from :func:`parse_choice_list`)."""
    options = list(options)
    exploded = lists.explode()
    dummies = pd.crosstab(exploded.index, exploded).reindex(index=lists.index, columns=options, fill_value=0)
    return dummies.fillna(0).astype(bool).rename_axis(index=lists.index.name, columns=None)
