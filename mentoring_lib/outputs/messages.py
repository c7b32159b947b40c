"""The report's fixed texts in English, Finnish and Swedish, from a message catalogue.

The texts live in ``resources/messages/<language>/<part>.yml`` (key -> text with ``{name}``
placeholders), not in code; each language has the same parts (``report.yml``, ...), and a key may
appear in one part only. Rules:

* The language is ``term.language`` of the config: a code (``en``, ``fi``, ``sv``) or a name in
  English or in the language itself ("Finnish", "suomi", "Swedish", "svenska"). Any other value
  gives English (the programme may run in a language the report has no catalogue for).
* A key missing from the Finnish or Swedish catalogue falls back to the English text (a test
  keeps every key in all three, so this only matters for a catalogue edited by hand); a key missing
  from English is a bug (KeyError).

What this covers so far: the report's section titles, "Contents" and "Key figures", table and
figure labels, the programme table, the subtitle and the disclosure note (``report.yml``); the
evaluation's generated sentences (``evaluation.yml``); the outcomes section's sentences, key figure,
Methods texts and outcome tables (``outcomes.yml``); the other tables of the report (``tables.yml``:
captions, column headers, notes, row labels the evaluation makes, provenance); chart texts
(``charts.yml``: axis titles, legends, titles, captions, alt texts); the public summary workbook for
people (``workbook.yml``: sheet titles, headers, About sheet, data dictionary; field names stay
English); the one-page summary (``summary.yml``); dates written out (``dates.yml``,
:func:`formatting.written_date`); the certificates' fixed wording and default role. Still English:
the mail merges' column headers (merge field names stay the same in every language on purpose) and
the registration workbooks' headers (``workbook.yml`` has them; their stages write English so far).
"""
from __future__ import annotations

import re
import string
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

LANGUAGES = ("en", "fi", "sv")
FALLBACK = "en"
_NAMES = {"en": "en", "english": "en", "englanti": "en", "engelska": "en",
          "fi": "fi", "finnish": "fi", "suomi": "fi", "finska": "fi",
          "sv": "sv", "swedish": "sv", "svenska": "sv", "ruotsi": "sv"}


def language_code(value: str | None) -> str:
    """``en``, ``fi`` or ``sv`` for a config's language (a code or a name); English otherwise."""
    return _NAMES.get(str(value or "").strip().casefold(), FALLBACK)


@lru_cache(maxsize=None)
def catalogue(lang: str) -> dict[str, str]:
    """Key -> text of one language's catalogue (all its parts)."""
    if lang not in LANGUAGES:
        raise ValueError(f"no message catalogue for '{lang}' (have: {', '.join(LANGUAGES)})")
    folder = resources.files("mentoring_lib").joinpath("resources", "messages", lang)
    merged: dict[str, str] = {}
    for part in sorted((f for f in folder.iterdir() if f.name.endswith(".yml")), key=lambda f: f.name):
        data = yaml.safe_load(part.read_text(encoding="utf-8")) or {}
        for key, value in data.items():
            if str(key) in merged:
                raise ValueError(f"message '{key}' is in more than one part of the '{lang}' catalogue "
                                 f"(again in {part.name})")
            merged[str(key)] = str(value)
    return merged


def parts(lang: str) -> list[str]:
    """The part files of one language's catalogue (``report.yml``, ...)."""
    folder = resources.files("mentoring_lib").joinpath("resources", "messages", lang)
    return sorted(f.name for f in folder.iterdir() if f.name.endswith(".yml"))


def text(key: str, lang: str = FALLBACK, **values: Any) -> str:
    """The text of ``key`` in ``lang`` (English when that catalogue lacks it), placeholders filled."""
    found = catalogue(lang).get(key)
    if found is None:
        found = catalogue(FALLBACK)[key]
    return found.format(**values) if values else found


def language_name(value: str, lang: str) -> str:
    """A language (code or name) named in ``lang``: "Swedish" in Finnish is "ruotsi"; a language
    without a catalogue entry keeps the name it was given."""
    code = _NAMES.get(str(value).strip().casefold())
    return text(f"language.{code}", lang) if code else str(value)


_WORD = re.compile(r"[^\W\d_]+")


@lru_cache(maxsize=None)
def fixed_words(lang: str) -> frozenset[str]:
    """Every word of the fixed texts of ``lang`` and of English (placeholders left out): words the
    report carries whoever took part (the privacy gate does not take them for forms of a name)."""
    words: set[str] = set()
    for code in {lang, FALLBACK}:
        for value in catalogue(code).values():
            literal = "".join(part for part, _, _, _ in string.Formatter().parse(value))
            words.update(_WORD.findall(literal))
    return frozenset(words)
