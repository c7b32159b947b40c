"""Open text: scrub identifying details from comments, and publish only approved quotes.

:func:`scrub_text` replaces, in every comment, e-mail addresses (also spelled "name at example
dot fi"), phone numbers (040 123 4567, 040.123.4567, 040/123 4567, +358 / 00358 ...), Finnish
personal identity codes (any dash, a space before the check character) and the term's names --
first names and surnames, with their Finnish inflected forms ("Virtanen" -> "Virtasen", "Aalto"
-> "Aallon", "Laura" -> "Lauralle", "Joki" -> "Joen", "Jukka" -> "Jukalle"), matched with case
and diacritics folded ("Pollokorpi" for "Pöllökorpi") -- by ``[removed]``. It errs on the side
of removing: a word that merely starts like a participant's name ("Hope" -> "hopefully") is
removed too. Names shorter than 4 letters are removed only as whole words (3 letters: any case,
with Finnish case endings; 1-2 letters: capitalised only).

Scrubbing is not anonymisation: a comment can identify its writer by what it tells. That is why
a quote reaches the public report only when the coordinator has read it and put its
:func:`quote_hash` (of the scrubbed text) on the approval list (``privacy.approved_quotes_file``):
:func:`approved_quotes`. An approved quote is checked once more against the term's people (first
names included, and with the privacy gate's own search): one that still names someone is
refused, not published (:func:`names_someone`).
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable

import pandas as pd

from mentoring_lib.privacy.gate import scan_text
from mentoring_lib.privacy.names import DASHES, MIN_STEM, SPACES, fold_text, identities_from, name_stems, name_words

REMOVED = "[removed]"

_DASH = f"\\-{DASHES}"
_SPACE = f" {SPACES}"
# name@example.fi, name(at)example.fi, name [at] example [dot] fi, name at example dot fi (spelled
# out only with a spelled or unspaced dot, so that "met at school. Then" stays)
_EMAIL_RE = re.compile(r"[\w.+'-]+(?:\s*(?:@|[(\[]\s*(?:at|ät)\s*[)\]])\s*[\w-]+(?:\s*(?:\.|[(\[]\s*(?:dot|piste)\s*[)\]])\s*[\w-]+)+"
                       r"|\s+(?:at|ät)\s+[\w-]+(?:(?:\.|\s*[(\[]\s*(?:dot|piste)\s*[)\]]\s*|\s+(?:dot|piste)\s+)[\w-]+)+(?![\w.@-]))",
                       re.IGNORECASE)
_HETU_RE = re.compile(rf"(?<!\w)\d{{6}}[{_SPACE}]?[{_DASH}+A-FU-Ya-fu-y][{_SPACE}]?\d{{3}}[{_SPACE}]?[0-9A-Ya-y](?!\w)")
# Phone numbers: + or 00 and a country code, or a Finnish 0-prefixed code, then groups of 2-4
# digits (3-4 after a "." or "/"); 7+ digits in all (checked below). Dates (2026-10-13,
# 13.10.2026, 01.10.2026) and times (09.30-10.30) do not match.
_PHONE_RE = re.compile(rf"(?<![\w+])(?:(?:\+|00)\d{{1,3}}|\(?0\d{{1,3}}\)?)"
                       rf"(?:[{_SPACE}{_DASH}]?\d{{2,4}}|[{_SPACE}]?[./][{_SPACE}]?\d{{3,4}}){{2,4}}(?!\w)")
_WORD_RE = re.compile(r"[^\W\d_]+")
# Finnish case endings a short name may carry (Ida -> Idan, Idalle, Idasta; Leo -> Leolla).
_SHORT_SUFFIXES = ("", "n", "a", "ä", "ta", "tä", "lla", "llä", "lle", "lta", "ltä", "ssa", "ssä", "sta", "stä",
                   "han", "hin", "hon", "kin", "kaan")
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")


class _NameMatcher:
    def __init__(self, names: Iterable[str]):
        self.stems: set[str] = set()     # case-folded prefixes of >= MIN_STEM letters
        self.whole: set[str] = set()     # case-folded whole words (3-letter names and endings)
        self.capital: set[str] = set()   # 1-2 letter names, removed only when capitalised
        for name in names:
            if name is None or (isinstance(name, float) and pd.isna(name)):
                continue
            for part in re.split(r"[\s\-,.]+", _fold(str(name))):
                if not part or not _WORD_RE.fullmatch(part):
                    continue
                if len(part) >= MIN_STEM:
                    self.stems |= {s for s in name_stems(part) if len(s) >= MIN_STEM}
                elif len(part) == 3:
                    self.whole |= {_fold(part + s) for s in _SHORT_SUFFIXES}
                else:
                    self.capital.add(part)
                self.whole |= name_words(part)
        self.lengths = sorted({len(s) for s in self.stems})

    def __bool__(self) -> bool:
        return bool(self.stems or self.whole or self.capital)

    def is_name(self, word: str) -> bool:
        folded = _fold(word)
        if folded in self.whole:
            return True
        if folded in self.capital and word[:1].isupper():
            return True
        return any(folded[:n] in self.stems for n in self.lengths if n <= len(folded))

    def replace(self, text: str) -> str:
        return _WORD_RE.sub(lambda m: REMOVED if self.is_name(m.group()) else m.group(), text)


def _fold(text: str) -> str:
    """Case and diacritics folded, as the privacy gate compares names (``names.fold_text``)."""
    return text.casefold() if text.isascii() else fold_text(text).casefold()


def _scrub_one(text: str, names: _NameMatcher) -> str:
    text = unicodedata.normalize("NFC", _ZERO_WIDTH.sub("", text))
    text = _EMAIL_RE.sub(REMOVED, text)
    text = _HETU_RE.sub(REMOVED, text)
    text = _PHONE_RE.sub(lambda m: REMOVED if sum(c.isdigit() for c in m.group()) >= 7 else m.group(), text)
    if names:
        text = names.replace(text)
    return text


def scrub_text(series: pd.Series, names: Iterable[str]) -> pd.Series:
    """Comments with e-mails, phone numbers, identity codes and the given names replaced by
    ``[removed]``; same index and name, missing values stay missing.

    ``names``: the term's full names (the identity table's ``name`` column).
    """
    matcher = _NameMatcher(names)
    s = pd.Series(series)
    out = s.map(lambda t: _scrub_one(t if isinstance(t, str) else str(t), matcher), na_action="ignore")
    return out.astype(s.dtype) if pd.api.types.is_string_dtype(s.dtype) else out


#: What an error message shows instead of a cell value that may be personal data.
HIDDEN_VALUE = "<a value that looks like personal data, not shown>"


def looks_personal(value: object, *, max_words: int = 4) -> bool:
    """True when a cell value may carry personal data: an e-mail address, a phone number, a
    Finnish identity code, a run of 5+ digits, or free text (more than ``max_words`` words)."""
    text = unicodedata.normalize("NFC", _ZERO_WIDTH.sub("", str(value)))
    if "@" in text or _EMAIL_RE.search(text) or _HETU_RE.search(text) or re.search(r"\d{5}", text):
        return True
    if any(sum(c.isdigit() for c in m.group()) >= 7 for m in _PHONE_RE.finditer(text)):
        return True
    return len(text.split()) > max_words


def shown_value(value: object, max_chars: int = 40, *, max_words: int = 4) -> str:
    """A cell value as an error message may quote it: in quotes and cut to ``max_chars``, or
    :data:`HIDDEN_VALUE` when :func:`looks_personal` (messages name files, rows and columns; the
    unknown *spelling* of a school or an answer label helps the coordinator, a pasted e-mail
    address or comment must never reach a console or a log)."""
    if looks_personal(value, max_words=max_words):
        return HIDDEN_VALUE
    text = str(value)
    return f"'{text[:max_chars]}'" + ("…" if len(text) > max_chars else "")


def _canonical(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def quote_hash(text: str) -> str:
    """The id a coordinator approves a quote by: first 12 hex of sha256 of the NFC-normalised,
    whitespace-collapsed text (so re-wrapping or trailing spaces do not change it)."""
    return hashlib.sha256(_canonical(str(text)).encode("utf-8")).hexdigest()[:12]


def _people_names(people: pd.DataFrame) -> list[str]:
    """Full names and, when the form asked for them apart, first names of an identity table."""
    names: list[str] = []
    for col in ("name", "first_name"):
        if col in people.columns:
            names += [str(v) for v in people[col].dropna()]
    return names


def names_someone(texts: Iterable[str], people: pd.DataFrame) -> pd.Series:
    """For each text: does it still name one of ``people`` (the identity table: ``name``,
    ``first_name``, ``email``) or hold contact details? True when scrubbing it again would change it
    (any name part in any case, inflected, diacritics folded; e-mails, phone numbers, identity
    codes) or when the privacy gate's search finds anything with every name part counting alone
    when capitalised (first names too)."""
    series = pd.Series(list(texts), dtype=object)
    if series.empty:
        return pd.Series([], dtype=bool)
    matcher = _NameMatcher(_people_names(people))
    ids = identities_from(people, every_part=True)

    def check(t) -> bool:
        if t is None or (not isinstance(t, str) and pd.isna(t)):
            return False
        t = str(t)
        return _scrub_one(t, matcher) != unicodedata.normalize("NFC", _ZERO_WIDTH.sub("", t)) or bool(scan_text(t, ids))

    return series.map(check).astype(bool)


def approved_quotes(texts: Iterable[str], approved_hashes: Iterable[str], *,
                    people: pd.DataFrame | None = None) -> list[str]:
    """The texts whose :func:`quote_hash` is on the approval list, in their order, without repeats
    (hashes compared case-insensitively; blank or missing texts skipped).

    ``people`` (the identity table): an approved text that still :func:`names_someone` is refused.
    """
    approved = {str(h).strip().lower() for h in approved_hashes if str(h).strip()}
    out, seen = [], set()
    for t in texts:
        if t is None or (not isinstance(t, str) and pd.isna(t)) or not str(t).strip():
            continue
        h = quote_hash(t)
        if h in approved and h not in seen:
            seen.add(h)
            out.append(_canonical(str(t)))
    if people is not None and out:
        out = [t for t, refused in zip(out, names_someone(out, people)) if not refused]
    return out
