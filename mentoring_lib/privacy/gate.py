"""The personal-data gate: nothing is published while a public file contains a term member's identity.

Before the runner publishes a run, :func:`check_public` scans every file under ``public/``
(and every file *name*) for:

* ``e-mail address``  -- any of the term's e-mail addresses (normalised: case, diacritics,
  zero-width characters; also written "name at example dot fi"), and their local parts in any
  spelling: "matti.meikalainen", "matti meikalainen", "matti(dot)meikalainen", "matti_meikalainen"
  (local parts of one word only when at least 6 characters long and not a name part);
* ``full name``       -- two adjacent words that are two different parts of one person's name,
  in either order, Finnish inflections included ("Anna Virtasen", "Virtasella Annalla");
* ``surname``         -- a capitalised word that is a person's surname (any name part after the
  first, at least 4 letters), or an inflected form of it: "Virtanen" -> "Virtasen",
  "Virtasta"; "Aalto" -> "Aallon"; "Lahti" -> "Lahden"; "Kangas" -> "Kankaan"; "Rinne" ->
  "Rinteen" (see :func:`name_stems`). Inflected stems are matched only at the
  start of a word and only when at least 4 letters long; shorter stems as whole inflected words
  ("Joki" -> "Joen", "Mäki" -> "Mäen", "Jukka" -> "Jukalle": :func:`name_words`);
* ``phone number``    -- Finnish (040 123 4567, +358 40 1234567, 00358 40 ..., 040.765.4321,
  040/765 4321) and international (+44 20 ..., 0044 20 ...) numbers, whoever they belong to;
* ``personal identity code`` -- Finnish henkilötunnus (ddmmyy, century sign, nnn, check
  character; any dash, a space before the check character), only when the check character is right.

Both sides are compared folded (:func:`fold_text`): case, diacritics ("Pöllökorpi" is found as
"Pollokorpi" and "Meikalainen" as "Meikäläinen"), zero-width characters; dashes and spaces are
made plain before the number patterns. A file name in the text ("virtanen_export.xlsx") is also
read word by word as if capitalised.

Where it looks: HTML (text, comments, alt/title/aria-label/href/content attributes, embedded
base64 images), PDF text and metadata (needs ``pypdf``: without it the gate fails closed), XLSX
cells, sheet names, comments and document properties, CSV and other text files, SVG text and
comments, PNG text chunks (tEXt, zTXt, iTXt) and EXIF. Pixels are not read: a name drawn only into
a PNG is not found, which is why charts are also written as SVG with real text.

A hit raises :class:`~mentoring_lib.errors.PrivacyGateError` (exit 4) naming the file and the
kind of hit, never the value. First names alone are not searched for (too many are ordinary
words: Hope, Mark, Aino, Onni) and neither are school names (see ``resources/schools.yml``), so
"Aalto University" is not a hit for a participant called Aalto. A word that is both an ordinary
word in the report and a participant's surname can be allowed with ``allow=``.
"""
from __future__ import annotations

import base64
import functools
import html
import re
import struct
import unicodedata
import urllib.parse
import zipfile
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from mentoring_lib.errors import PrivacyGateError

KIND_EMAIL = "e-mail address"
KIND_FULL_NAME = "full name"
KIND_SURNAME = "surname"
KIND_PHONE = "phone number"
KIND_ID_CODE = "personal identity code"

MIN_STEM = 4
#: A one-word e-mail local part ("mvirtanen") is searched for alone from this length on; shorter
#: ones only as part of the whole address.
MIN_LOCAL_WORD = 6
_VOWELS = set("aeiouyäöå")
_INVISIBLE_RE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_COMBINING_RE = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
#: Hyphens, dashes and minus signs people and word processors put where a "-" is meant.
DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
#: Spaces other than " " (no-break, thin, figure ...).
SPACES = "\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000"
_DASH_RE = re.compile(f"[{DASHES}]")
_SPACE_RE = re.compile(f"[{SPACES}]")
_LETTERS = str.maketrans({"ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ı": "i", "æ": "ae",
                          "Æ": "Ae", "œ": "oe", "Œ": "Oe"})  # letters NFKD does not take apart
_WORD_RE = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)?")
_EMAIL_RE = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_TOKEN_RE = re.compile(r"[^\W_]+")
# "name(dot)last at example dot fi": spelled-out separators, in the folded text
_SPELLED_DOT_RE = re.compile(r"\s*[(\[{<]\s*(?:dot|piste|punkt)\s*[)\]}>]\s*|\s+(?:dot|piste|punkt)\s+")
_SPELLED_AT_RE = re.compile(r"\s*[(\[{<]\s*(?:at|miukumauku)\s*[)\]}>]\s*|\s+at\s+")
_LOCAL_GAP_RE = re.compile(r"\s*[._+\-]?\s*")
_JOINER = "._+-"
# Finnish numbers: 0 + area/operator code written together ("040", "(09)"), or +358 / 00358 and
# the code, then the subscriber number in groups of 2-4 digits (3-4 after a "." or "/", so that
# dates and times such as 01.10.2026 and 09.30-10.30 are not numbers); 7-12 digits after the 0.
# Count tables ("0 12 15 7") do not match: a lone 0 is never followed by a space in a number.
_PHONE_GROUP = r"(?:[ \-]?\d{2,4}|[ ]?[./][ ]?\d{3,4})"
_PHONE_FI_RE = re.compile(r"(?<![\w+.,/])(?:(?:\+358|00358)[ \-]?\(?0?\)?[1-9]\d{0,2}|\(?0[1-9]\d{0,2}\)?)"
                          + _PHONE_GROUP + r"{2,3}(?!\w)(?![.,/]\d)")
_PHONE_INTL_RE = re.compile(r"(?<![\w+])(?:\+[1-9]\d{0,2}(?:[ \-]?\(?\d+\)?|[ ]?[./][ ]?\d{3,4}){2,6}"
                            r"|00[1-9]\d{0,2}(?:[ \-]\d{2,4}|[ ]?[./][ ]?\d{3,4}){2,5})(?!\w)")
_HETU_RE = re.compile(r"(?<![\w])(\d{2})(\d{2})(\d{2}) ?([-+A-FU-Y]) ?(\d{3}) ?([0-9A-Y])(?![\w])")
_HETU_CHECK = "0123456789ABCDEFHJKLMNPRSTUVWXY"
_GRADATION = (("kk", "k"), ("pp", "p"), ("tt", "t"), ("nk", "ng"), ("mp", "mm"), ("lt", "ll"),
              ("nt", "nn"), ("rt", "rr"), ("ht", "hd"), ("rp", "rv"), ("lp", "lv"))
#: Case endings put on a short inflection stem (after folding, "ä" is "a"): Joki -> Joen, Jokea;
#: Jukka -> Jukan, Jukalle; Aho -> Ahon, Aholla.
_ENDINGS = ("n", "a", "ta", "na", "ksi", "ssa", "sta", "lla", "lta", "lle", "t", "en", "kin", "han", "kaan")
_FILE_NAME_RE = re.compile(r"[\w.\-]+\.(?:xlsx|xlsm|xls|csv|tsv|txt|json|ya?ml|pdf|docx?|odt|ods|html?|png|svg|"
                           r"jpe?g|zip|parquet)(?!\w)", re.IGNORECASE)
_TEXT_SUFFIXES = {".html", ".htm", ".csv", ".txt", ".md", ".json", ".tsv", ".xml", ".typ", ".yml",
                  ".yaml", ".js", ".css", ".tex"}


# -- identities -----------------------------------------------------------------------------------

def fold_text(text: str) -> str:
    """Text as the gate compares it, case kept: diacritics stripped ("Pöllökorpi" -> "Pollokorpi",
    and compatibility forms taken apart), zero-width characters removed, every dash made "-" and
    every space " "."""
    text = _INVISIBLE_RE.sub("", text)
    if text.isascii():
        return text
    text = _COMBINING_RE.sub("", unicodedata.normalize("NFKD", text)).translate(_LETTERS)
    return unicodedata.normalize("NFC", _SPACE_RE.sub(" ", _DASH_RE.sub("-", text)))


def _fold(text: str) -> str:
    return fold_text(text).casefold()


def _weak_grade(stem: str) -> str:
    """Finnish consonant gradation of a stem's final cluster (Aalt -> Aall, Lahd <- Laht)."""
    for strong, weak in _GRADATION:
        if stem.endswith(strong):
            return stem[: -len(strong)] + weak
    return stem


def _strong_grade(stem: str) -> str:
    """The strong grade of a stem's final cluster, for words that strengthen when inflected
    (Kangas -> Kankaan: kang -> kank; Rinne -> Rinteen: rinn -> rint; Rikas -> Rikkaan; Tehdas ->
    Tehtaan)."""
    for strong, weak in _GRADATION:
        if stem.endswith(weak) and not stem.endswith(strong):
            if len(weak) == 1 and stem[-2:-1] not in _VOWELS:
                continue  # a single k, p or t doubles only after a vowel
            return stem[: -len(weak)] + strong
    return stem


def _weak_forms(stem: str) -> set[str]:
    """A stem and its weak grades: gradation, a single k dropping (Mäk -> Mä), t -> d (Laht -> Lahd)."""
    out = {stem, _weak_grade(stem)}
    if stem[-1:] == "t" and stem[-2:-1] in _VOWELS | {"h", "l", "n", "r"}:
        out.add(stem[:-1] + "d")
    if stem[-1:] == "k" and stem[-2:-1] in _VOWELS | {"h", "l", "r"}:
        out.add(stem[:-1])
    return out


@functools.lru_cache(maxsize=65536)
def name_stems(part: str) -> frozenset[str]:
    """Folded forms (see :func:`fold_text`; lower case, no diacritics) a name part starts with when
    inflected (prefixes of >= 4 letters).

    The part itself always counts. "-nen" surnames inflect on "-s-" (Virtanen -> Virtasen,
    Virtasta: stem "virtas"); parts ending in a vowel lose it and may weaken their consonants
    (Aalto -> Aallon: "aall"; Heikki -> Heikin: "heik"; Lahti -> Lahden: "lahd"; Korpela ->
    Korpelan; Korpi -> Korven: "korv"; Kivimäki -> Kivimäen: "kivima"). Parts ending in a vowel
    and "s" lose the "s" and may strengthen (Kangas -> Kankaan: "kanka"; Rastas -> Rastaan:
    "rasta"; Hietamies -> Hietamiehen), and parts ending in "e" may strengthen before it (Rinne ->
    Rinteen: "rinte"). Every form is added beside the plain one, so a wrong guess only makes the
    gate stricter. Stems shorter than 4 letters are left to :func:`name_words`.
    """
    p = _fold(part)
    out = {p}
    if len(p) >= 6 and p.endswith("nen"):
        out.add(p[:-3] + "s")
    elif len(p) >= MIN_STEM + 1 and p[-1] == "s" and p[-2] in _VOWELS:
        out.add(p[:-1])
        out.add(_strong_grade(p[:-2]) + p[-2])
    elif len(p) >= MIN_STEM + 1 and p[-1] in _VOWELS:
        stem = p[:-1]
        out |= _weak_forms(stem)
        if p[-1] == "e":
            out.add(_strong_grade(stem) + "e")
    return frozenset(s for s in out if len(s) >= MIN_STEM or s == p)


@functools.lru_cache(maxsize=65536)
def name_words(part: str) -> frozenset[str]:
    """Whole inflected words (folded) of a name part whose inflection stem is too short to be
    matched as a prefix: Joki -> joen, jokea, joella; Mäki -> mäen (folded "maen"); Jukka ->
    jukan, jukalle; Matti -> matin; Aho -> ahon, aholla; Kim -> kimin. Words that start with one
    of :func:`name_stems` are left out (the prefix search finds them)."""
    p = _fold(part)
    if len(p) < 3 or not _WORD_RE.fullmatch(p):
        return frozenset()
    stems: set[str] = set()
    if len(p) == 3:
        stems.add(p if p[-1] in _VOWELS else p + "i")
    elif p[-1] in _VOWELS:
        base = p[:-1]
        stems |= {w + p[-1] for w in {base, _weak_grade(base)} | ({base[:-1] + "d"} if base.endswith("t") else set())}
        if p[-1] == "i" and base[-1] not in _VOWELS:  # old i-words take an e-stem: Joki -> Joen, Jokea
            stems |= {w + "e" for w in _weak_forms(base)}
    covered = [s for s in name_stems(part) if len(s) >= MIN_STEM]
    return frozenset(w for w in (s + e for s in stems for e in _ENDINGS)
                     if not any(w.startswith(c) for c in covered))


@dataclass(repr=False)
class Identities:
    """The search terms of one term's people; holds personal data, so it never shows it."""

    emails: set[str] = field(default_factory=set)
    #: first token -> token sequences of e-mail local parts ("matti.meikalainen" -> (matti, meikalainen))
    local_words: dict[str, set[tuple[str, ...]]] = field(default_factory=dict)
    #: whole folded word -> name parts it is a form of (short parts and short inflection stems)
    exact: dict[str, set[str]] = field(default_factory=dict)
    #: stem (>= MIN_STEM letters, matched as a word prefix) -> name parts
    stems: dict[str, set[str]] = field(default_factory=dict)
    #: folded name part -> {(person, part number)}
    holders: dict[str, set[tuple[int, int]]] = field(default_factory=dict)
    #: (person, part number) of parts that count alone (surnames of >= MIN_STEM letters)
    surname_parts: set[tuple[int, int]] = field(default_factory=set)
    allow: tuple[str, ...] = ()
    allow_re: re.Pattern | None = None
    people: int = 0

    def __repr__(self) -> str:
        return f"Identities(<{self.people} people; values hidden>)"

    __str__ = __repr__

    def match_word(self, word: str) -> set[tuple[int, int]]:
        """The (person, part) pairs a word (folded) may be a form of."""
        parts = set(self.exact.get(word, ()))
        for n in range(MIN_STEM, len(word) + 1):
            hit = self.stems.get(word[:n])
            if hit:
                parts |= hit
        if len(parts) == 1:
            return self.holders[parts.pop()]
        found: set[tuple[int, int]] = set()
        for part in parts:
            found |= self.holders[part]
        return found


def _default_allow() -> tuple[str, ...]:
    """School names and their spellings (resources/schools.yml) and the university's name."""
    try:
        import yaml

        path = Path(__file__).resolve().parents[1] / "resources" / "schools.yml"
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, ImportError, ValueError):
        return ()
    # The university's names, not its short aliases ("Aalto" is also a surname); a term's own
    # school table (schools_file) is added by the runner.
    university = data.get("university")
    if not isinstance(university, dict):
        university = {}
    phrases = {str(university[k]) for k in ("name", "fi", "sv", "en") if university.get(k)}
    for school in (data.get("schools") or {}).values():
        if not isinstance(school, dict):
            continue
        for key in ("name", "fi", "sv"):
            if isinstance(school.get(key), str):
                phrases.add(school[key])
        phrases.update(a for a in school.get("aliases") or [] if isinstance(a, str))
    return tuple(sorted(phrases, key=lambda s: (-len(s), s)))


def identities_from(people, *, allow: Iterable[str] = (), every_part: bool = False) -> Identities:
    """Build the gate's search terms from the identity table (columns ``name`` and/or ``email``,
    optionally ``first_name``).

    ``allow``: phrases that are never hits (removed from the text before the name search), for
    ordinary words that are also someone's surname; school names are always allowed.
    ``every_part``: every name part of 3 or more letters counts alone when capitalised, first names
    too (for re-checking an approved quote; a public report is searched for surnames only).
    """
    import pandas as pd

    from mentoring_lib.privacy.pseudonym import normalise_email

    ids = Identities()
    names = people["name"] if "name" in people.columns else pd.Series([], dtype=object)
    if "first_name" in people.columns and len(names):
        # A first name the form asked for apart ("Kim" for "Kimberly Smith") is one more name part.
        # Only beside a full name: a first name alone would be searched like a surname.
        given = people["first_name"].astype(object).where(people["first_name"].notna(), "").astype(str).str.strip()
        full = names.astype(object).where(names.notna(), "").astype(str)
        extra = names.notna() & (given != "") & ~pd.Series(
            [g.casefold() in f.casefold().split() for g, f in zip(given, full)], index=given.index)
        names = names.astype(object).where(~extra, full + " " + given)
    person = 0
    for name in names.dropna().astype(str):
        parts = [p for p in re.split(r"[\s\-,]+", _fold(name)) if p and _WORD_RE.fullmatch(p)]
        if not parts:
            continue
        for j, part in enumerate(parts):
            key = (person, j)
            holders = ids.holders.get(part)
            if holders is None:  # the part's forms, once per distinct part
                holders = ids.holders[part] = set()
                if len(part) < MIN_STEM:
                    ids.exact.setdefault(part, set()).add(part)
                else:
                    for stem in name_stems(part):
                        ids.stems.setdefault(stem, set()).add(part)
                for word in name_words(part):
                    ids.exact.setdefault(word, set()).add(part)
            holders.add(key)
            if (len(part) >= MIN_STEM and (j > 0 or len(parts) == 1)) or (every_part and len(part) >= 3):
                ids.surname_parts.add(key)
        person += 1
    ids.people = person
    if "email" in people.columns:
        emails = normalise_email(pd.Series(people["email"]).astype("object")).dropna()
        ids.emails = {_fold(e) for e in emails}
        for e in ids.emails:
            tokens = tuple(_TOKEN_RE.findall(e.split("@", 1)[0]))
            if len(tokens) >= 2 and sum(map(len, tokens)) >= 5 or (
                    len(tokens) == 1 and len(tokens[0]) >= MIN_LOCAL_WORD and tokens[0] not in ids.holders):
                ids.local_words.setdefault(tokens[0], set()).add(tokens)
    ids.allow = tuple(sorted({_fold(a).strip() for a in (*_default_allow(), *allow) if a and a.strip()},
                             key=lambda s: (-len(s), s)))
    if ids.allow:
        ids.allow_re = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(a) for a in ids.allow) + r")(?!\w)",
                                  re.IGNORECASE)
    return ids


# -- text scanning ---------------------------------------------------------------------------------

def valid_identity_code(code: str) -> bool:
    """True for a Finnish personal identity code with a valid date and check character."""
    m = _HETU_RE.fullmatch(fold_text(code).strip().upper())
    return m is not None and _hetu_ok(m)


def _hetu_ok(m: re.Match) -> bool:
    dd, mm, yy, _sign, nnn, check = m.groups()
    if not (1 <= int(dd) <= 31 and 1 <= int(mm) <= 12):
        return False
    return _HETU_CHECK[int(dd + mm + yy + nnn) % 31] == check


def _phone_found(text: str) -> bool:
    for m in _PHONE_FI_RE.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        national = digits[5:] if digits.startswith("00358") else digits[3:] if "+" in m.group() else digits
        if 7 <= len(national.removeprefix("0")) <= 12:
            return True
    return any(sum(ch.isdigit() for ch in m.group()) >= (8 if m.group().startswith("+") else 10)
               for m in _PHONE_INTL_RE.finditer(text))


def _email_found(folded: str, identities: Identities) -> bool:
    """A registered address, also spelled out, or a registered local part in any spelling
    ("matti.meikalainen", "matti meikalainen", "matti(dot)meikalainen") that is not part of a
    longer address ("matti.meikalainen.other")."""
    text = _SPELLED_DOT_RE.sub(".", folded)
    if identities.emails:
        spelled = _SPELLED_AT_RE.sub("@", text)
        if "@" in spelled and any(m.group().strip(".") in identities.emails for m in _EMAIL_RE.finditer(spelled)):
            return True
    if not identities.local_words:
        return False
    tokens = list(_TOKEN_RE.finditer(text))
    for i, first in enumerate(tokens):
        for seq in identities.local_words.get(first.group(), ()):
            run = tokens[i:i + len(seq)]
            if len(run) < len(seq) or any(t.group() != s for t, s in zip(run, seq)):
                continue
            if not all(_LOCAL_GAP_RE.fullmatch(text, a.end(), b.start()) for a, b in zip(run, run[1:])):
                continue
            start, end = run[0].start(), run[-1].end()
            joined_before = start >= 2 and text[start - 1] in _JOINER and text[start - 2].isalnum()
            joined_after = end + 1 < len(text) and text[end] in _JOINER and text[end + 1].isalnum()
            if not (joined_before or joined_after):
                return True
    return False


def scan_text(text: str, identities: Identities) -> set[str]:
    """The kinds of personal data found in a piece of text (never the values)."""
    if not text:
        return set()
    text = fold_text(text)
    kinds: set[str] = set()
    for m in _HETU_RE.finditer(text.upper()):
        if _hetu_ok(m):
            kinds.add(KIND_ID_CODE)
            break
    if _phone_found(text):
        kinds.add(KIND_PHONE)
    if (identities.emails or identities.local_words) and _email_found(text.casefold(), identities):
        kinds.add(KIND_EMAIL)
    if identities.stems or identities.exact:
        kinds |= _scan_names(text, identities)
        for m in _FILE_NAME_RE.finditer(text):  # file names are often lower case: "virtanen_notes.xlsx"
            kinds |= _scan_names(re.sub(r"[_./\\-]+", " ", m.group()).title(), identities)
    return kinds


def _scan_names(text: str, identities: Identities) -> set[str]:
    """Full names and surnames in folded text (:func:`fold_text`)."""
    if identities.allow_re is not None:
        text = identities.allow_re.sub(" \u2029 ", text)  # a paragraph break: no pair across it
    kinds: set[str] = set()
    prev: dict[int, set[int]] = {}
    prev_end = -1
    for m in _WORD_RE.finditer(text):
        word = m.group()
        cands = identities.match_word(word.casefold())
        if cands:
            gap = text[prev_end:m.start()] if prev_end >= 0 else ""
            adjacent = prev_end >= 0 and len(gap) <= 3 and not re.search(r"[\n\u2029.;:|]", gap)
            if adjacent and prev and any(p in prev and prev[p] - {j} for p, j in cands):
                kinds.add(KIND_FULL_NAME)
            if word[0].isupper() and not cands.isdisjoint(identities.surname_parts):
                kinds.add(KIND_SURNAME)
            if len(kinds) == 2:
                break
        prev = {}
        for p, j in cands:
            prev.setdefault(p, set()).add(j)
        prev_end = m.end()
    return kinds


# -- file readers --------------------------------------------------------------------------------

_ATTR_RE = re.compile(r"""\b(?:alt|title|aria-label|aria-description|href|content|value|label|placeholder|"""
                      r"""data-[\w-]+|download|name|id|class)\s*=\s*("[^"]*"|'[^']*')""", re.IGNORECASE)
_COMMENT_RE = re.compile(r"<!--(.*?)-->", re.DOTALL)
_TAG_RE = re.compile(r"<[^>]*>")
_DATA_URI_RE = re.compile(r"data:image/(png|svg\+xml)(;base64)?,([A-Za-z0-9+/=%\s]+)")


def _markup_texts(markup: str) -> list[str]:
    """Text content, comments and human-readable attribute values of HTML/SVG/XML."""
    texts = [m.group(1) for m in _COMMENT_RE.finditer(markup)]
    texts += [html.unescape(m.group(1)[1:-1]) for m in _ATTR_RE.finditer(markup)]
    body = _TAG_RE.sub("\n", _COMMENT_RE.sub(" ", markup))
    texts.append(html.unescape(body))
    return texts


def _html_texts(raw: bytes) -> list[str]:
    markup = raw.decode("utf-8", errors="replace")
    texts = _markup_texts(markup)
    for m in _DATA_URI_RE.finditer(markup):  # images embedded in the page carry metadata too
        kind, is_b64, payload = m.groups()
        try:
            data = (base64.b64decode("".join(payload.split())) if is_b64
                    else urllib.parse.unquote(payload).encode("utf-8"))
        except (ValueError, TypeError):
            continue
        texts += _png_texts(data) if kind == "png" else _markup_texts(data.decode("utf-8", errors="replace"))
    return texts


def _png_texts(data: bytes) -> list[str]:
    """Text chunks (tEXt, zTXt, iTXt) and EXIF of a PNG."""
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        return [data.decode("latin-1")]  # not a PNG after all: scan whatever is there
    texts, pos = [], 8
    while pos + 8 <= len(data):
        length, ctype = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        try:
            if ctype == b"tEXt":
                key, _, value = body.partition(b"\0")
                texts += [key.decode("latin-1"), value.decode("latin-1")]
            elif ctype == b"zTXt":
                key, _, rest = body.partition(b"\0")
                texts += [key.decode("latin-1"), zlib.decompress(rest[1:]).decode("latin-1")]
            elif ctype == b"iTXt":
                key, _, rest = body.partition(b"\0")
                compressed, _method = rest[0], rest[1]
                lang, _, rest = rest[2:].partition(b"\0")
                translated, _, value = rest.partition(b"\0")
                if compressed:
                    value = zlib.decompress(value)
                texts += [key.decode("latin-1"), lang.decode("latin-1", errors="replace"),
                          translated.decode("utf-8", errors="replace"), value.decode("utf-8", errors="replace")]
            elif ctype == b"eXIf":
                texts.append(body.decode("latin-1"))
                texts.append(body.decode("utf-8", errors="replace"))
        except (zlib.error, IndexError, UnicodeDecodeError):
            texts.append(body.decode("latin-1"))
        if ctype == b"IEND":
            break
    return texts


def _xlsx_texts(path: Path) -> list[str]:
    """Cell values (one text per cell), sheet names, comments, properties, defined names."""
    texts: list[str] = []
    with zipfile.ZipFile(path) as z:
        for name in sorted(z.namelist()):
            if not name.endswith((".xml", ".rels", ".vml")):
                continue
            xml = z.read(name).decode("utf-8", errors="replace")
            if name.startswith("xl/worksheets/sheet"):
                # inline strings and numbers: one text per cell so neighbours never join
                texts += [html.unescape(_TAG_RE.sub("", c))
                          for c in re.findall(r"<c\b[^>]*?(?:/>|>.*?</c>)", xml, re.DOTALL)]
            elif name == "xl/sharedStrings.xml":
                texts += [html.unescape(_TAG_RE.sub("", s)) for s in re.findall(r"<si>.*?</si>", xml, re.DOTALL)]
            elif name == "xl/workbook.xml":
                texts += [html.unescape(v) for v in re.findall(r'<sheet\b[^>]*\bname="([^"]*)"', xml)]
                texts += [html.unescape(v) for v in re.findall(r'<definedName\b[^>]*\bname="([^"]*)"', xml)]
                texts.append(html.unescape(_TAG_RE.sub("\n", xml)))
            else:
                texts += _markup_texts(xml)
    return texts


def _pdf_texts(path: Path) -> list[str]:
    try:
        from pypdf import PdfReader
    except ImportError:
        raise PrivacyGateError(
            f"cannot check {path.name}: reading PDF text needs the 'pypdf' package",
            hint="install the project with its dependencies (pip install -e .), then run again; "
                 "nothing was published") from None
    import logging

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    reader = PdfReader(str(path))
    texts = []
    meta: Mapping = reader.metadata or {}
    texts += [str(v) for v in meta.values()]
    for page in reader.pages:
        texts.append(page.extract_text() or "")
    try:
        xmp = reader.xmp_metadata
        if xmp is not None:
            texts += _markup_texts(xmp.stream.get_data().decode("utf-8", errors="replace"))
    except Exception:  # noqa: BLE001 - malformed XMP: the page text is what matters
        pass
    return texts


def file_texts(path: Path) -> list[str]:
    """The pieces of text a public file shows or carries, by file type."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return _xlsx_texts(path)
    if suffix == ".pdf":
        return _pdf_texts(path)
    raw = path.read_bytes()
    if suffix == ".png":
        return _png_texts(raw)
    if suffix in (".svg", ".xml"):
        return _markup_texts(raw.decode("utf-8", errors="replace"))
    if suffix in (".html", ".htm"):
        return _html_texts(raw)
    if suffix in _TEXT_SUFFIXES:
        return [raw.decode("utf-8-sig", errors="replace")]
    # anything else (fonts, other images): its bytes as text, so no format slips through
    return [raw.decode("utf-8", errors="replace"), raw.decode("latin-1")]


# -- the gate -------------------------------------------------------------------------------------

@dataclass(frozen=True, order=True)
class Hit:
    """One kind of personal data in one public file (the value is deliberately not kept)."""

    file: str
    kind: str

    def __str__(self) -> str:
        return f"{self.file}: {self.kind}"


def scan_public(public_dir: str | Path, identities: Identities) -> list[Hit]:
    """Every (file, kind) of personal data under ``public_dir``, sorted; file names count too."""
    root = Path(public_dir)
    hits: set[Hit] = set()
    if not root.exists():
        return []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root).as_posix()
        # file names are often lower case ("virtanen.pdf"): capitalise words for the surname check
        spaced = re.sub(r"[_./\\-]+", " ", rel)
        for kind in scan_text(spaced, identities) | scan_text(spaced.title(), identities):
            hits.add(Hit(rel, f"{kind} in the file name"))
        kinds: set[str] = set()
        try:
            texts = file_texts(path)
        except PrivacyGateError:
            raise
        except Exception:  # noqa: BLE001 - unreadable means unchecked: fail closed
            hits.add(Hit(rel, "unreadable file (cannot be checked)"))
            continue
        for text in texts:
            kinds |= scan_text(text, identities)
        hits.update(Hit(rel, k) for k in kinds)
    return sorted(hits)


def check_public(public_dir: str | Path, identities: Identities) -> None:
    """Raise PrivacyGateError (exit 4) if any public file holds personal data; the message names
    files and kinds of hit, never the values."""
    hits = scan_public(public_dir, identities)
    if not hits:
        return
    lines = [f"the privacy gate found personal data in {len({h.file for h in hits})} public file(s); "
             "nothing was published:"]
    lines += [f"  - {h.file}: {h.kind}" for h in hits[:50]]
    if len(hits) > 50:
        lines.append(f"  ... and {len(hits) - 50} more")
    raise PrivacyGateError(
        "\n".join(lines),
        hint="find where the text enters that output (a chart title, a quote, a group or file name) "
             "and remove it; if a hit is an ordinary word that is also a participant's surname, allow "
             "it with privacy.gate_allow in the term config")
