"""Name matching for the personal-data gate: folded text, Finnish name forms and a term's search terms.

:func:`fold_text` makes text comparable (diacritics stripped, zero-width characters removed, dashes
and spaces made plain). :func:`name_stems` and :func:`name_words` give the forms a name part takes
when inflected in Finnish, consonant gradation included (Virtanen -> Virtasen, Aalto -> Aallon,
Kangas -> Kankaan, Joki -> Joen). :func:`identities_from` turns a term's identity table (names,
e-mail addresses) into :class:`Identities`, the search terms of :mod:`~mentoring_lib.privacy.gate`
and :mod:`~mentoring_lib.privacy.scrub`; school names are always allowed (``resources/schools.yml``).

Privacy domain: identity. :class:`Identities` holds names and e-mail addresses, so it never shows
them (its repr gives the number of people only).
"""
from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

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
_TOKEN_RE = re.compile(r"[^\W_]+")
_GRADATION = (("kk", "k"), ("pp", "p"), ("tt", "t"), ("nk", "ng"), ("mp", "mm"), ("lt", "ll"),
              ("nt", "nn"), ("rt", "rr"), ("ht", "hd"), ("rp", "rv"), ("lp", "lv"))
#: Case endings put on a short inflection stem (after folding, "ä" is "a"): Joki -> Joen, Jokea;
#: Jukka -> Jukan, Jukalle; Aho -> Ahon, Aholla.
_ENDINGS = ("n", "a", "ta", "na", "ksi", "ssa", "sta", "lla", "lta", "lle", "t", "en", "kin", "han", "kaan")


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
    #: folded words of the workbook's own fixed texts that are no one's name part exactly: not a
    #: surname alone ("Testeihin" in a Finnish Methods text is not the surname "Testi"), but still
    #: part of a full name beside a first name
    fixed_words: frozenset[str] = frozenset()
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


def identities_from(people, *, allow: Iterable[str] = (), every_part: bool = False,
                    fixed_words: Iterable[str] = ()) -> Identities:
    """Build the gate's search terms from the identity table (columns ``name`` and/or ``email``,
    optionally ``first_name``).

    ``allow``: phrases that are never hits (removed from the text before the name search), for
    ordinary words that are also someone's surname; school names are always allowed.
    ``every_part``: every name part of 3 or more letters counts alone when capitalised, first names
    too (for re-checking an approved quote; a public report is searched for surnames only).
    ``fixed_words``: the words of the workbook's own fixed wording (the message catalogue of the
    report's language): one that is exactly someone's name part still counts; any other is not
    taken alone for a form of a surname, because it is in the report whoever took part (beside a
    first name it still makes a full name).
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
    ids.fixed_words = frozenset(w for w in (_fold(x).casefold() for x in fixed_words) if w and w not in ids.holders)
    ids.allow = tuple(sorted({_fold(a).strip() for a in (*_default_allow(), *allow) if a and a.strip()},
                             key=lambda s: (-len(s), s)))
    if ids.allow:
        ids.allow_re = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(a) for a in ids.allow) + r")(?!\w)",
                                  re.IGNORECASE)
    return ids
