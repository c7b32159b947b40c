"""Normalise text answers read by :mod:`mentoring_lib.io.readers`: names, schools, multi-select lists.

All functions are vectorised over a pandas Series and keep its index (the Excel row numbers),
so errors can name the row. E-mail normalisation lives in :mod:`mentoring_lib.privacy.pseudonym`.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Iterable, Mapping

import pandas as pd
import yaml

from mentoring_lib.errors import InputError, per_answer, raise_all

#: Zero-width and byte-order characters that sneak into copied names and answers.
ZERO_WIDTH = "[\u200b\u200c\u200d\u2060\ufeff\u00ad]"

SCHOOLS_RESOURCE = "schools.yml"

#: Words for "the university" in any university's name; the table's ``university:`` entry adds
#: its own name and spellings (a leading university name is not part of the school).
_GENERIC_UNIVERSITY = (r"university", r"yliopisto[n]?", r"universitetet")


def _fold(text: str) -> str:
    """Case-folded, without diacritics or zero-width characters, spaces collapsed and trimmed."""
    t = unicodedata.normalize("NFKD", str(text))
    t = "".join(c for c in t if not unicodedata.combining(c)).casefold()
    t = re.sub(ZERO_WIDTH, "", t)
    return re.sub(r"[\s\u00a0]+", " ", t).strip()


def university_prefix(spellings: Iterable[str] = ()) -> re.Pattern:
    """The leading university name a school answer may carry ("Aalto University School of
    Science", "Aalto-yliopiston perustieteiden korkeakoulu"): the university's ``spellings`` (with
    spaces and hyphens interchangeable and the Finnish genitive -n) or a generic word."""
    own = sorted({_fold(x) for x in spellings if str(x).strip()}, key=len, reverse=True)
    alternatives = [r"[\s-]*".join(map(re.escape, re.split(r"[\s-]+", x))) + "n?" for x in own]
    return re.compile(r"^(?:the\s+)?(?:" + "|".join([*alternatives, *_GENERIC_UNIVERSITY]) + r")\s*[,:/-]?\s*")


_GENERIC_PREFIX = university_prefix()


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


def school_key(text: str, prefix: re.Pattern | None = None) -> str:
    """Matching key for a school answer: case-folded, no diacritics, punctuation and a leading
    university name (``prefix``, from :func:`university_prefix`; default: generic words) dropped."""
    t = _fold(text)
    stripped = (prefix or _GENERIC_PREFIX).sub("", t, count=1)
    t = stripped if stripped.strip() else t
    t = re.sub(r"[^\w\s]", " ", t)
    return re.sub(r"\s+", " ", t).strip()


@dataclass(frozen=True)
class SchoolTable:
    """A loaded school table: matching key -> canonical name, and the university's leading name."""

    lookup: dict[str, str]
    prefix: re.Pattern
    #: The school names and spellings and the university's names, as written (the privacy gate
    #: never counts them as a person's name).
    phrases: tuple[str, ...] = ()


def _spellings(entry: dict, *extra: str) -> list[str]:
    out = [*extra, *(str(entry[k]) for k in ("name", "fi", "sv", "en") if entry.get(k))]
    return out + [str(a) for a in entry.get("aliases") or []] + [str(c) for c in entry.get("codes") or []]


@functools.lru_cache(maxsize=8)
def _load_table_file(path: str | None) -> SchoolTable:
    if path is None:
        text = resources.files("mentoring_lib.resources").joinpath(SCHOOLS_RESOURCE).read_text(encoding="utf-8")
        where = f"mentoring_lib/resources/{SCHOOLS_RESOURCE}"
    else:
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            raise InputError("school table not found or unreadable (it must be UTF-8 text)", file=path,
                             hint="check the path of the school table") from None
        where = path
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError:
        raise InputError("school table is not valid YAML", file=where,
                         hint="fix the indentation; see mentoring_lib/resources/schools.yml") from None
    return _table_from_mapping(raw, where)


def _table_from_mapping(raw, where) -> SchoolTable:
    schools = raw.get("schools") if isinstance(raw, dict) else None
    if not isinstance(schools, dict) or not schools:
        raise InputError("school table must have a 'schools:' mapping of codes to names", file=where,
                         hint="see mentoring_lib/resources/schools.yml for the shape")
    university = raw.get("university") or {}
    if not isinstance(university, dict) or (university and not university.get("name")):
        raise InputError("'university:' needs a 'name:' (and optionally fi, sv, en, aliases)", file=where)
    prefix = university_prefix(_spellings(university))
    table: dict[str, str] = {}
    # The university's names, not its short aliases ("Aalto" is also a surname).
    phrases = {str(university[k]) for k in ("name", "fi", "sv", "en") if university.get(k)}
    for code, entry in schools.items():
        if not isinstance(entry, dict) or not entry.get("name"):
            raise InputError(f"school '{code}' needs a 'name:'", file=where)
        for key in ("aliases", "codes"):
            if not isinstance(entry.get(key) or [], list):
                raise InputError(f"school '{code}': '{key}:' must be a list", file=where,
                                 hint=f"write {key}: [A, B] or one '- A' line each")
        canonical = str(entry["name"])
        spellings = _spellings(entry, str(code))
        phrases.update(spellings[1:])
        for s in spellings:
            key = school_key(s, prefix)
            if key in table and table[key] != canonical:
                raise InputError(f"the spelling '{s}' is listed under two schools ({table[key]} and {canonical})",
                                 file=where, hint="keep it under one school only")
            table[key] = canonical
    return SchoolTable(table, prefix, tuple(sorted(phrases, key=lambda p: (-len(p), p))))


def school_table(table: str | Path | Mapping | None = None) -> SchoolTable:
    """The school table: None (the packaged ``resources/schools.yml``), a path to a YAML file of the
    same shape (a term's ``schools_file``), or an already-loaded mapping of that shape::

        university: {name:, fi:, sv:, aliases: []}        # optional
        schools: {CODE: {name:, fi:, sv:, en:, aliases: [], codes: []}}
    """
    if isinstance(table, Mapping):
        return _table_from_mapping(table, "school table")
    return _load_table_file(str(table) if table is not None else None)


def load_school_table(table: str | Path | Mapping | None = None) -> dict[str, str]:
    """Matching key -> canonical English school name (see :func:`school_table`)."""
    return dict(school_table(table).lookup)


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
    schools = school_table(table)
    lookup = schools.lookup
    text = _as_text(series)
    present = text.notna() & text.astype(str).str.strip().ne("")
    distinct = pd.unique(text[present])
    mapping: dict[str, str | None] = {}
    for value in distinct:  # loop over distinct answers (a handful), not over rows
        key = school_key(value, schools.prefix)
        hit = lookup.get(key)
        if hit is None:
            parts = [school_key(p, schools.prefix) for p in re.split(r"[()\[\]/,;|–-]", str(value))
                     if school_key(p, schools.prefix)]
            hits = {lookup[p] for p in parts if p in lookup}
            hit = hits.pop() if len(hits) == 1 else None
        mapping[value] = hit
    unmapped = [v for v, m in mapping.items() if m is None]
    if unmapped:
        # The answer is not shown: a school cell may hold a name or a note (errors.per_answer).
        raise_all(per_answer(
            (text.index[text.eq(v).fillna(False).to_numpy(dtype=bool)] for v in unmapped),
            "the answer matches no school in the school table", file=file, column=column,
            hint="open the export at this row and add its spelling (or answer code) as an alias under the "
                 "right school in the school table (the term config's schools_file, by default "
                 "mentoring_lib/resources/schools.yml), or correct the cell if it is not a school, "
                 "then run again"))
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


# -- doctoral year: a closed list --------------------------------------------------------------------

#: The categories a doctoral-year answer is published as (public tables count people by these).
DOCTORAL_YEARS = ("1st year", "2nd year", "3rd year", "4th year", "5th year or later")
#: Any answer that names no one year (free text, ranges, "final year") is counted here.
OTHER = "Other"

_ORDINAL_WORDS = {
    # English, Finnish, Swedish (folded: no diacritics)
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ensimmainen": 1, "toinen": 2, "kolmas": 3, "neljas": 4, "viides": 5, "kuudes": 6, "seitsemas": 7,
    "kahdeksas": 8, "forsta": 1, "andra": 2, "tredje": 3, "fjarde": 4, "femte": 5, "sjatte": 6, "sjunde": 7,
    "attonde": 8,
}
# "3rd", "3.", "3:e", "year 3", "vuosi 3", "år 3": a number marked as the year of studies
_MARKED_YEAR_RE = re.compile(r"(?<![\d.])(\d{1,2})\s*(?:st|nd|rd|th|\.(?!\d)|:\s*[ae])(?![a-z])"
                             r"|\b(?:year|vuosi|ar)\s*(\d{1,2})(?![\d.,])")
_BARE_YEAR_RE = re.compile(r"(\d{1,2})\s*(?:\+|or more|or later|tai enemman|eller mer)?")


def _year_category(answer: str) -> str:
    t = "".join(c for c in unicodedata.normalize("NFKD", answer) if not unicodedata.combining(c)).casefold()
    t = re.sub(r"\s+", " ", re.sub(ZERO_WIDTH, "", t)).strip()
    bare = _BARE_YEAR_RE.fullmatch(t)
    if bare:
        years = {int(bare.group(1))}
    else:
        years = {int(a or b) for a, b in _MARKED_YEAR_RE.findall(t)} or {
            _ORDINAL_WORDS[w] for w in re.findall(r"[a-z]+", t) if w in _ORDINAL_WORDS}
    if len(years) != 1:
        return OTHER
    year = years.pop()
    return DOCTORAL_YEARS[min(year, 5) - 1] if 1 <= year <= 15 else OTHER


def doctoral_year(series: pd.Series) -> pd.Series:
    """Doctoral-year answers -> one of :data:`DOCTORAL_YEARS` or :data:`OTHER` (blank -> NA).

    An answer is read for the one year it names -- "3rd year", "3", "year 3", "3. vuosi", "kolmas
    vuosi", "tredje året", "6th" (-> "5th year or later"), "5+" -- and anything else around it is
    dropped: "3rd year, on sick leave" -> "3rd year". An answer naming no year or several
    ("final year", "2-3", "between 3rd and 4th") is "Other". Free text never becomes a category
    label of a public table.
    """
    text = _as_text(series)
    present = text.notna() & text.astype(str).str.strip().ne("")
    mapping = {v: _year_category(str(v)) for v in pd.unique(text[present])}  # distinct answers only
    out = text.where(present, None).map(lambda v: mapping.get(v) if v is not None else None)
    return out.astype("string").rename(series.name)
