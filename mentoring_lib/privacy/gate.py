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
  "Rinteen" (see :func:`~mentoring_lib.privacy.names.name_stems`). Inflected stems are matched
  only at the start of a word and only when at least 4 letters long; shorter stems as whole
  inflected words ("Joki" -> "Joen", "Mäki" -> "Mäen", "Jukka" -> "Jukalle":
  :func:`~mentoring_lib.privacy.names.name_words`);
* ``phone number``    -- Finnish (040 123 4567, +358 40 1234567, 00358 40 ..., 040.765.4321,
  040/765 4321) and international (+44 20 ..., 0044 20 ...) numbers, whoever they belong to;
* ``personal identity code`` -- Finnish henkilötunnus (ddmmyy, century sign, nnn, check
  character; any dash, a space before the check character), only when the check character is right.

Both sides are compared folded (:func:`~mentoring_lib.privacy.names.fold_text`): case, diacritics
("Pöllökorpi" is found as "Pollokorpi" and "Meikalainen" as "Meikäläinen"), zero-width characters;
dashes and spaces are made plain before the number patterns. A file name in the text
("virtanen_export.xlsx") is also read word by word as if capitalised.

Where it looks: every piece of text :func:`~mentoring_lib.privacy.file_texts.file_texts` finds in
a file (HTML, PDF, XLSX, CSV and other text, SVG, PNG text chunks and EXIF); pixels are not read.

A hit raises :class:`~mentoring_lib.errors.PrivacyGateError` (exit 4) naming the file and the
kind of hit, never the value. First names alone are not searched for (too many are ordinary
words: Hope, Mark, Aino, Onni) and neither are school names (see ``resources/schools.yml``), so
"Aalto University" is not a hit for a participant called Aalto. A word that is both an ordinary
word in the report and a participant's surname can be allowed with ``allow=``.

Privacy domain: identity against public. The search terms
(:class:`~mentoring_lib.privacy.names.Identities`) hold the term's names and e-mail addresses; what
leaves this module names files and kinds of hit only.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from mentoring_lib.errors import PrivacyGateError
from mentoring_lib.privacy.file_texts import file_texts
from mentoring_lib.privacy.names import _TOKEN_RE, _WORD_RE, Identities, fold_text

KIND_EMAIL = "e-mail address"
KIND_FULL_NAME = "full name"
KIND_SURNAME = "surname"
KIND_PHONE = "phone number"
KIND_ID_CODE = "personal identity code"

_EMAIL_RE = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
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
_FILE_NAME_RE = re.compile(r"[\w.\-]+\.(?:xlsx|xlsm|xls|csv|tsv|txt|json|ya?ml|pdf|docx?|odt|ods|html?|png|svg|"
                           r"jpe?g|zip|parquet)(?!\w)", re.IGNORECASE)


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
        folded = word.casefold()
        cands = identities.match_word(folded)
        if cands:
            gap = text[prev_end:m.start()] if prev_end >= 0 else ""
            adjacent = prev_end >= 0 and len(gap) <= 3 and not re.search(r"[\n\u2029.;:|]", gap)
            if adjacent and prev and any(p in prev and prev[p] - {j} for p, j in cands):
                kinds.add(KIND_FULL_NAME)
            # a word of the fixed wording counts beside a first name, never alone
            if (word[0].isupper() and folded not in identities.fixed_words
                    and not cands.isdisjoint(identities.surname_parts)):
                kinds.add(KIND_SURNAME)
            if len(kinds) == 2:
                break
        prev = {}
        for p, j in cands:
            prev.setdefault(p, set()).add(j)
        prev_end = m.end()
    return kinds


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
