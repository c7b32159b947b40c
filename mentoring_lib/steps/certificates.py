"""Mentor certificates: eligibility, coordinator overrides, verification codes, PDFs, mail merge.

The rule (term config): an accepted mentor earns a certificate when they attended at least
``certificates.min_trainings`` of the ``programme.trainings`` mentor trainings **and** co-led at
least ``certificates.min_meetings`` of the ``programme.meetings_planned`` group meetings. A
session counts once per person however many attendance rows record it; a person with no
attendance rows at all attended nothing (the reason says "no ... attendance recorded", so the
coordinator can tell a missing sheet from an absent mentor). More sessions than planned are
counted as held: the certificate then says "7 / 7", never "7 / 6". A mentor who led no group
(left unpaired, or in a reserve pair) co-led no group meetings, whatever a meeting sheet says.

The coordinator can override the rule for a mentor in a private file (``certificates.
overrides_file`` in the data folder; columns ``Email``, ``Eligible`` (yes/no), ``Reason``): every
override needs a reason of at least 5 characters and must name an accepted mentor.

Outputs, all in ``private/certificates/`` (identity domain): ``certificate_list.xlsx`` (eligible;
not eligible with the reason; overrides), ``certificate_register.csv`` (every verification code
once), ``pdf/<code>.pdf`` (one per eligible mentor; the file name carries no name),
``all_certificates.pdf`` (for printing), ``mail_merge.csv`` and, with ``mentor_hours:`` in the
config, ``credits_for_registrar.csv`` (hours and credits: :mod:`mentoring_lib.steps.mentor_hours`). The stage table
``certificates/eligibility`` holds pseudonyms and counts only.

A verification code is ``<prefix>-<year>-XXXX-XXXX``: 40 bits of HMAC-SHA256(key, term and
person_id) in Crockford base32, so it is stable across re-runs, unique in the term and cannot be
guessed or derived without the term's secret key.

Certificates are typeset by Typst from ``resources/certificate/certificate.typ``. Names travel as
JSON data (``sys.inputs``), never as markup, so ``#``, ``[``, ``$`` and friends print literally.
By default only the fonts built into Typst (plus ``certificates.fonts`` / ``font_paths``) are used,
so certificates look the same on every machine. Libertinus Serif covers Latin (Nordic letters,
accents, Vietnamese), Greek, Cyrillic and Hebrew; the fallbacks New Computer Modern and DejaVu Sans
Mono add Armenian, Georgian, Arabic and Devanagari (shown, but not in a book face). Chinese,
Japanese, Korean, Thai, Tamil, Bengali and Ethiopic are not covered: names in them are found
before rendering (:func:`uncovered_characters`) and rendered with the machine's fonts if one has
the characters (e.g. Debian's fonts-noto-cjk); names no font can show are marked in the
certificate list (column "Check") and a warning gives their number.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import re
import tempfile
import threading
import time
import unicodedata
import warnings
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from mentoring_lib.steps import mentor_hours
from mentoring_lib.errors import ConfigError, InputError, InputErrors, WorkbookError
from mentoring_lib.io.normalise import greeting_names

if TYPE_CHECKING:
    from mentoring_lib.config import TermConfig
    from mentoring_lib.pipeline.context import StageContext

RESOURCES = Path(__file__).resolve().parents[1] / "resources" / "certificate"
TEMPLATE = RESOURCES / "certificate.typ"
#: Fonts built into Typst, in fallback order (DejaVu Sans Mono carries Arabic script).
BUILTIN_FONTS: tuple[str, ...] = ("Libertinus Serif", "New Computer Modern", "DejaVu Sans Mono")
#: Crockford's base32 alphabet: no I, L, O or U, so a code read aloud or typed is unambiguous.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_PATTERN = re.compile(r"^[A-Z]{2,4}-\d{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")
MIN_REASON_CHARS = 5
#: Headers accepted in the overrides file (compared case-insensitively, spaces trimmed).
OVERRIDE_HEADERS: dict[str, tuple[str, ...]] = {
    "email": ("email", "e-mail", "email address", "e-mail address"),
    "eligible": ("eligible", "eligible (yes/no)"),
    "reason": ("reason",),
}
#: Optional column of the overrides file: "yes" sends a certificate held back for its name (characters
#: no font can show) after the coordinator has checked the printed PDF; Eligible may then stay blank.
NAME_CHECKED_HEADERS = ("name checked", "name checked (yes/no)")
_YES = ("yes", "y", "true", "1", "x", "kyllä", "ja")
_NO = ("no", "n", "false", "0", "ei", "nej")
#: Names up to this many characters never need shrinking at 36 pt on the 215 mm line.
_FIT_FREE_CHARS = 18
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")
CERT_DIR = "certificates"


# -- eligibility ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class EligibilityRules:
    """At least ``min_trainings`` of ``trainings_planned`` and ``min_meetings`` of ``meetings_planned``."""

    min_trainings: int
    trainings_planned: int
    min_meetings: int
    meetings_planned: int

    @classmethod
    def from_config(cls, config: "TermConfig") -> "EligibilityRules":
        """The term's rule; ConfigError when a minimum exceeds what the programme plans."""
        cert, prog = config.certificates, config.programme
        for key, minimum, planned, what in (
                ("certificates.min_trainings", cert.min_trainings, prog.trainings, "programme.trainings"),
                ("certificates.min_meetings", cert.min_meetings, prog.meetings_planned,
                 "programme.meetings_planned")):
            if minimum > planned:
                raise ConfigError(f"asks for {minimum} sessions but {what} is {planned}; nobody could "
                                  "earn a certificate", file=config.source, key=key,
                                  hint=f"lower it to at most {planned}, or correct {what}")
        return cls(cert.min_trainings, prog.trainings, cert.min_meetings, prog.meetings_planned)

    def describe(self) -> str:
        return (f"at least {self.min_trainings} of {self.trainings_planned} mentor trainings and at "
                f"least {self.min_meetings} of {self.meetings_planned} group meetings co-led")


def sessions_attended(attendance: pd.DataFrame, people: pd.Index) -> pd.DataFrame:
    """Per person of ``people``: ``attended`` (distinct sessions marked attended) and ``recorded``
    (whether the attendance table has any row for them). Missing ``attended`` counts as absent."""
    missing = {"person_id", "session", "attended"} - set(attendance.columns)
    if missing:
        raise WorkbookError(f"the attendance table lacks the column(s) {', '.join(sorted(missing))}",
                            hint="re-run the attendance stage (mentoring run --from attendance)")
    att = attendance.loc[attendance["person_id"].isin(people), ["person_id", "session", "attended"]]
    present = att["attended"].astype("boolean").fillna(False).astype(bool)
    attended = att.loc[present].drop_duplicates(["person_id", "session"])["person_id"].value_counts()
    out = pd.DataFrame(index=pd.Index(people, name="person_id"))
    out["attended"] = attended.reindex(out.index, fill_value=0).astype("int64").to_numpy()
    out["recorded"] = out.index.isin(att["person_id"].unique())
    return out


def _counted(n: pd.Series) -> pd.Series:
    return n.astype("int64").astype(str)


def assess_eligibility(mentors: Sequence[str] | pd.Index, trainings: pd.DataFrame,
                       meetings: pd.DataFrame, rules: EligibilityRules,
                       without_group: Iterable[str] = ()) -> pd.DataFrame:
    """Apply the rule to every mentor (index ``person_id``, in the order given).

    ``without_group``: mentors who led no group; they co-led no meetings (their meeting-sheet
    rows, if any, are not counted) and the reason says so.

    Columns: ``trainings_attended``, ``trainings_total`` (planned, or more if more were attended),
    ``meetings_coled``, ``meetings_total``, ``trainings_recorded``, ``meetings_recorded``,
    ``eligible_by_rule`` (bool) and ``rule_reason`` (why, in words; no personal data).
    """
    people = pd.Index(pd.unique(pd.Series(list(mentors), dtype="str")), name="person_id")
    no_group = people.isin(pd.Index(list(without_group), dtype="str"))
    t = sessions_attended(trainings, people)
    m = sessions_attended(meetings, people[~no_group]).reindex(people)
    m = m.fillna({"attended": 0, "recorded": False}).astype({"attended": "int64", "recorded": bool})
    out = pd.DataFrame(index=people)
    out["trainings_attended"] = t["attended"]
    out["trainings_total"] = np.maximum(t["attended"], rules.trainings_planned).astype("int64")
    out["meetings_coled"] = m["attended"]
    out["meetings_total"] = np.maximum(m["attended"], rules.meetings_planned).astype("int64")
    out["trainings_recorded"] = t["recorded"]
    out["meetings_recorded"] = m["recorded"]
    t_ok = out["trainings_attended"] >= rules.min_trainings
    m_ok = out["meetings_coled"] >= rules.min_meetings
    out["eligible_by_rule"] = t_ok & m_ok

    t_need = f" (at least {rules.min_trainings} needed)"
    m_need = f" (at least {rules.min_meetings} needed)"
    t_short = pd.Series(np.where(
        out["trainings_recorded"],
        "attended " + _counted(out["trainings_attended"]) + " of " + _counted(out["trainings_total"])
        + " trainings" + t_need,
        f"no training attendance recorded{t_need}"), index=people)
    m_short = pd.Series(np.select([no_group, out["meetings_recorded"]], [
        f"led no group, so co-led no group meetings{m_need}",
        "co-led " + _counted(out["meetings_coled"]) + " of " + _counted(out["meetings_total"])
        + " group meetings" + m_need], f"no group-meeting attendance recorded{m_need}"), index=people)
    short = (t_short.where(~t_ok, "") + np.where(~t_ok & ~m_ok, "; ", "") + m_short.where(~m_ok, ""))
    met = ("meets the rule: " + _counted(out["trainings_attended"]) + " of "
           + _counted(out["trainings_total"]) + " trainings, " + _counted(out["meetings_coled"])
           + " of " + _counted(out["meetings_total"]) + " group meetings")
    out["rule_reason"] = met.where(out["eligible_by_rule"], short).astype("str")
    return out


# -- overrides ------------------------------------------------------------------------------------

def _find_header(columns: Iterable, names: tuple[str, ...]) -> str | None:
    for col in columns:
        if str(col).strip().casefold() in names:
            return col
    return None


def parse_overrides(table: pd.DataFrame, *, file: str | os.PathLike, mentors: pd.Index,
                    key: bytes) -> pd.DataFrame:
    """Validate the coordinator's override rows and key them by ``person_id``.

    ``table``: the overrides file as read (text columns, index = the row number seen in Excel).
    Returns columns ``person_id``, ``eligible`` (bool), ``reason`` and ``row``. Every problem is
    reported at once (InputErrors), by row and column, never with the cell's value: a missing or
    unknown e-mail, an ``Eligible`` other than yes/no, a reason shorter than 5 characters, or two
    rows for the same mentor.
    """
    from mentoring_lib.privacy.pseudonym import pseudonymise

    file = str(file)
    cols = {}
    for fieldname, names in OVERRIDE_HEADERS.items():
        col = _find_header(table.columns, names)
        if col is None:
            raise InputError(f"the overrides file has no '{names[0].capitalize()}' column", file=file,
                             hint="its columns are Email, Eligible (yes/no) and Reason, one row per mentor")
        cols[fieldname] = col
    checked_col = _find_header(table.columns, NAME_CHECKED_HEADERS)
    if checked_col is not None:
        cols["name_checked"] = checked_col
    text = pd.DataFrame({f: table[c].astype("string").str.strip() for f, c in cols.items()},
                        index=table.index)
    if checked_col is None:
        text["name_checked"] = pd.Series(pd.NA, index=text.index, dtype="string")
    text = text.mask(text == "")
    text = text.loc[text.notna().any(axis=1)]  # blank rows are not overrides

    email_missing = text["email"].isna()
    person = pseudonymise(text["email"], key)
    decision = text["eligible"].str.casefold()
    is_yes, is_no = decision.isin(_YES).fillna(False), decision.isin(_NO).fillna(False)
    name_checked = text["name_checked"].str.casefold().isin(_YES).fillna(False)
    # A row that only releases a checked name keeps the rule's decision: Eligible and Reason may be blank.
    only_checked = name_checked & text["eligible"].isna()
    bad_decision = ~(is_yes | is_no) & ~only_checked
    reason_len = text["reason"].fillna("").str.len()
    short_reason = (reason_len < MIN_REASON_CHARS) & ~only_checked
    unknown = ~email_missing & ~person.isin(mentors)
    dup = ~email_missing & ~unknown & person.duplicated(keep="first")
    first_row = pd.Series(text.index, index=text.index).groupby(person.fillna("")).transform("first")

    errors: list[InputError] = []
    hint_email = "use the e-mail address the mentor registered with"
    for row in text.index[email_missing]:
        errors.append(InputError("the e-mail address is missing", file=file, row=int(row),
                                 column=str(cols["email"]), hint=hint_email))
    for row in text.index[unknown]:
        errors.append(InputError("this e-mail address is not one of the term's accepted mentors", file=file,
                                 row=int(row), column=str(cols["email"]),
                                 hint=hint_email + "; overrides apply only to accepted mentors"))
    for row in text.index[dup]:
        errors.append(InputError(f"this mentor already has an override in row {int(first_row[row])}",
                                 file=file, row=int(row), column=str(cols["email"]),
                                 hint="keep one row per mentor"))
    for row in text.index[bad_decision]:
        errors.append(InputError("must be yes or no", file=file, row=int(row), column=str(cols["eligible"]),
                                 hint="write yes to give a certificate, no to withhold it"))
    for row in text.index[short_reason]:
        errors.append(InputError(f"an override needs a reason of at least {MIN_REASON_CHARS} characters",
                                 file=file, row=int(row), column=str(cols["reason"]),
                                 hint="say why the rule does not decide for this mentor"))
    if errors:
        errors.sort(key=lambda e: (e.row or 0, e.column or ""))
        raise errors[0] if len(errors) == 1 else InputErrors(errors)
    return pd.DataFrame({
        "person_id": person.astype("str").to_numpy(),
        "eligible": pd.array(is_yes.mask(only_checked).to_numpy(), dtype="boolean"),
        "reason": text["reason"].astype("str").to_numpy(),
        "row": text.index.to_numpy(dtype="int64"),
        "name_checked": name_checked.to_numpy(dtype=bool),
    })


def load_overrides(config: "TermConfig", mentors: pd.Index, key: bytes) -> tuple[pd.DataFrame, int]:
    """Read and validate ``certificates.overrides_file`` (none configured: no overrides).

    Returns the overrides and the number of data rows read."""
    empty = pd.DataFrame({"person_id": pd.Series(dtype="str"), "eligible": pd.Series(dtype="boolean"),
                          "reason": pd.Series(dtype="str"), "row": pd.Series(dtype="int64"),
                          "name_checked": pd.Series(dtype=bool)})
    name = config.certificates.overrides_file
    if not name:
        return empty, 0
    path = Path(name) if Path(name).is_absolute() else config.data_path / name
    if not path.is_file():
        raise InputError("the certificate overrides file does not exist", file=path,
                         hint="create it (columns Email, Eligible, Reason) or remove "
                              "certificates.overrides_file from the config")
    from mentoring_lib.io.readers import read_export

    export = read_export(path)
    return parse_overrides(export.data, file=path, mentors=mentors, key=key), len(export.data)


def check_overrides(ctx: "StageContext") -> int:
    """Validate the overrides file against the accepted mentors without rendering anything (for
    ``mentoring check``, after the registrations stage); records its quality and returns the
    number of overrides. Raises InputError/InputErrors like the stage would."""
    people = ctx.read("registrations/people")
    overrides, rows_read = load_overrides(ctx.config, accepted_mentors(people), ctx.key)
    if ctx.config.certificates.overrides_file:
        ctx.record_quality("certificate_overrides", rows_read=rows_read, kept=len(overrides), excluded={})
    return len(overrides)


def apply_overrides(assessment: pd.DataFrame, overrides: pd.DataFrame) -> pd.DataFrame:
    """The assessment with the coordinator's decisions: adds ``eligible``, ``basis`` ("rule" or
    "override"), ``override_reason`` and ``override_row``."""
    out = assessment.copy()
    ov = overrides.set_index("person_id").reindex(out.index)
    has = ov["eligible"].notna().to_numpy()
    out["eligible"] = np.where(has, ov["eligible"].fillna(False).astype(bool), out["eligible_by_rule"])
    out["basis"] = np.where(has, "override", "rule")
    out["override_reason"] = ov["reason"].astype("string").where(has)
    out["override_row"] = ov["row"].astype("Int64")
    checked = ov["name_checked"] if "name_checked" in ov else pd.Series(False, index=out.index)
    out["name_checked"] = checked.fillna(False).astype(bool).to_numpy()
    return out


# -- verification codes ---------------------------------------------------------------------------

def _code_of(person_id: str, key: bytes, term: str, year: int, prefix: str) -> str:
    digest = hmac.new(key, f"certificate\x1f{term}\x1f{person_id}".encode("utf-8"), hashlib.sha256).digest()
    n = int.from_bytes(digest[:5], "big")  # 40 bits -> 8 base32 characters
    chars = "".join(CODE_ALPHABET[(n >> (5 * (7 - i))) & 31] for i in range(8))
    return f"{prefix}-{year:04d}-{chars[:4]}-{chars[4:]}"


def verification_codes(person_ids: pd.Series, key: bytes, *, term: str, year: int,
                       prefix: str = "CM") -> pd.Series:
    """Each person's certificate code ``<prefix>-<year>-XXXX-XXXX`` (same index).

    Deterministic (same key, term and person give the same code on every run) and keyed, so a
    code cannot be forged or linked to a person without the key; the key never appears in it.
    """
    k = bytes(key)
    codes = pd.Series([_code_of(p, k, term, year, prefix) for p in person_ids], index=person_ids.index,
                      dtype="str", name="code")
    if codes.duplicated().any():  # 40 bits: about one chance in a million for 1,000 mentors
        raise WorkbookError("two certificates received the same verification code",
                            hint="report this; changing certificates.code_prefix gives new codes")
    return codes


# -- names and fonts ------------------------------------------------------------------------------

def clean_names(names: pd.Series) -> pd.Series:
    """Names as printed: Unicode NFC, runs of whitespace as one space, trimmed; empty -> missing."""
    s = names.astype("string").str.normalize("NFC").str.replace(r"\s+", " ", regex=True).str.strip()
    return s.mask(s == "")


def _font_list(fonts: Sequence[str]) -> list[str]:
    extra = [f for f in fonts if f not in BUILTIN_FONTS]
    return [BUILTIN_FONTS[0], *extra, *BUILTIN_FONTS[1:]]


def _compiler(source: Path, root: Path, font_paths: Sequence[str], system_fonts: bool = False):
    import typst

    return typst.Compiler(str(source), root=str(root), font_paths=[str(p) for p in font_paths],
                          ignore_system_fonts=not system_fonts)


_PROBE = '#set text(font: json(bytes(sys.inputs.fonts)))\n#sys.inputs.probe\n'
#: Characters per probe compilation: small documents compile in a few milliseconds.
_PROBE_CHUNK = 48


def uncovered_characters(texts: Iterable[str], *, fonts: Sequence[str] = (), font_paths: Sequence[str] = (),
                         system_fonts: bool = False, max_compiles: int = 1000) -> set[str]:
    """The characters of ``texts`` that none of the certificate fonts can show.

    Typst prints a box for such a character without a warning, but refuses it in PDF/A, so each
    probe compiles candidate characters as PDF/A-2b; the error names the first missing one (if a
    future Typst words it differently, the probe is bisected instead). ASCII, spaces and control
    characters are never probed. Each missing character costs one small compilation; after
    ``max_compiles`` the characters still unchecked are reported as missing (the safe side).
    ``system_fonts``: also use the machine's fonts (the fallback for names the built-in fonts miss).
    """
    import typst

    candidates = sorted({ch for t in texts if isinstance(t, str) for ch in t
                         if ord(ch) > 0x7E and unicodedata.category(ch)[0] not in "CZ"})
    if not candidates:
        return set()
    fonts_json = json.dumps(_font_list(fonts))
    with tempfile.TemporaryDirectory(prefix="font-probe-") as tmp:
        src = Path(tmp) / "probe.typ"
        src.write_text(_PROBE, encoding="utf-8")
        compiler = _compiler(src, Path(tmp), font_paths, system_fonts)
        budget = [max_compiles]

        def probe(chars: list[str]) -> tuple[bool, str | None]:
            budget[0] -= 1
            try:
                _, warns = compiler.compile_with_warnings(
                    format="pdf", pdf_standards="a-2b",
                    sys_inputs={"fonts": fonts_json, "probe": " ".join(chars)})
            except typst.TypstError as e:
                found = re.search(r'text `"(.+?)"` could not be displayed', str(e))
                return False, found.group(1) if found else None
            if any("unknown font family" in str(w) for w in warns):
                raise ConfigError("a font named in certificates.fonts is not available",
                                  key="certificates.fonts",
                                  hint="add the folder with its font files to certificates.font_paths, "
                                       "or check the family name's spelling")
            return True, None

        def missing_in(chars: list[str]) -> set[str]:
            out: set[str] = set()
            todo = list(chars)
            while todo:
                if budget[0] <= 0:
                    return out | set(todo)
                ok, culprit = probe(todo)
                if ok:
                    break
                if culprit and set(culprit) <= set(todo):
                    out |= set(culprit)
                    todo = [c for c in todo if c not in culprit]
                elif len(todo) == 1:
                    out.add(todo[0])
                    break
                else:  # unrecognised message: bisect
                    half = len(todo) // 2
                    return out | missing_in(todo[:half]) | missing_in(todo[half:])
            return out

        missing: set[str] = set()
        for i in range(0, len(candidates), _PROBE_CHUNK):
            missing |= missing_in(candidates[i:i + _PROBE_CHUNK])
        return missing


def names_not_covered(names: pd.Series, missing: set[str]) -> pd.Series:
    """True where a name contains one of the ``missing`` characters."""
    if not missing:
        return pd.Series(False, index=names.index)
    pattern = "[" + re.escape("".join(sorted(missing))) + "]"
    return names.fillna("").str.contains(pattern, regex=True)


def name_case(names: pd.Series) -> pd.Series:
    """"lower case" or "ALL CAPS" for a name written so (as a registration form gives it), "" otherwise.

    Only names with letters that have case count: a name in a script without case is never flagged."""
    def one(name) -> str:
        if not isinstance(name, str) or name.lower() == name.upper():
            return ""
        if name == name.lower():
            return "lower case"
        letters = [c for c in name if c.isalpha() and c.lower() != c.upper()]
        return "ALL CAPS" if len(letters) > 1 and name == name.upper() else ""

    return pd.Series([one(n) for n in names.astype(object).where(names.notna(), None)], index=names.index,
                     dtype="str")


#: What the attention table says per issue of a certificate (private/needs_attention.xlsx).
ATTENTION_ISSUES = {
    "held_back": "held back from mail_merge.csv: the name has characters no certificate font can show",
    "lower case": "name in lower case on the certificate",
    "ALL CAPS": "name in ALL CAPS on the certificate",
}


def attention_table(roster: pd.DataFrame) -> pd.DataFrame:
    """Certificates the coordinator must look at (pseudonyms and issues only): ``person_id``, ``issue``."""
    rows = [(p, ATTENTION_ISSUES["held_back"]) for p in roster.index[roster["held_back"]]]
    rows += [(p, ATTENTION_ISSUES[c]) for p, c in roster["name_case"].items() if c]
    return pd.DataFrame(rows, columns=["person_id", "issue"]).astype("str")


# -- texts ------------------------------------------------------------------------------------------

def format_date(d: dt.date) -> str:
    """``18 December 2026`` (English month names, whatever the machine's locale)."""
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


def format_period(start: dt.date, end: dt.date) -> str:
    """``7 September – 18 December 2026`` (the year once when both dates share it)."""
    if start.year == end.year:
        return f"{start.day} {_MONTHS[start.month - 1]} – {format_date(end)}"
    return f"{format_date(start)} – {format_date(end)}"


def certificate_texts(config: "TermConfig") -> dict:
    """The texts every certificate of the term shares (the template's ``common``); the fixed
    wording comes from the message catalogue in the term's language (:mod:`messages`)."""
    from mentoring_lib.outputs.messages import language_code, text

    cert, term, report = config.certificates, config.term, config.report
    contact = cert.verify_contact or report.contact
    lang = language_code(term.language)
    return {
        "document_title": f"{cert.heading} — {report.title}",
        "organiser": report.organisation,
        "fonts": _font_list(cert.fonts),
        "heading": cert.heading,
        "certify_line": text("cert.certify_line", lang),
        "role_before": text("cert.role_before", lang),
        "role_after": text("cert.role_after", lang),
        "programme": report.title,
        "term": term.title,
        "period": format_period(term.start, term.end),
        "trainings_label": text("cert.trainings_label", lang),
        "meetings_label": text("cert.meetings_label", lang),
        "signatory": cert.signatory,
        "signatory_title": cert.signatory_title,
        "issued": format_date(cert.issue_date or term.end),
        "issued_label": text("cert.issued_label", lang),
        "code_label": text("cert.code_label", lang),
        "verify_line": text("cert.verify_line", lang, contact=contact) if contact else "",
        "seal_top": "Compassion",
        "seal_middle": str(term.start.year),
        "seal_bottom": "Mentoring",
    }


# -- rendering --------------------------------------------------------------------------------------

def certificate_records(roster: pd.DataFrame) -> list[dict]:
    """The per-page data the template needs, from rows with ``name``, ``role``, ``code`` and counts."""
    fit = (roster["name"].str.len() > _FIT_FREE_CHARS) | roster["name"].str.contains(
        r"[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\uff00-\uff60]", regex=True)
    frame = pd.DataFrame({
        "name": roster["name"].astype(str), "role": roster["role"].astype(str),
        "trainings": roster["trainings_attended"].astype(int),
        "trainings_total": roster["trainings_total"].astype(int),
        "meetings": roster["meetings_coled"].astype(int),
        "meetings_total": roster["meetings_total"].astype(int),
        "code": roster["code"].astype(str), "fit": fit.astype(bool),
        "system_fonts": (roster["system_fonts"].astype(bool) if "system_fonts" in roster.columns
                         else pd.Series(False, index=roster.index)),
        "hours_line": (roster["hours_line"].astype(str) if "hours_line" in roster.columns
                       else pd.Series("", index=roster.index)),
    })
    return json.loads(frame.to_json(orient="records", force_ascii=False))


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass
class RenderResult:
    files: list[Path]
    combined: Path | None
    seconds: float
    pages: int
    timings: dict[str, float] = field(default_factory=dict)


#: Certificates typeset together for the combined PDF. Typst holds a whole document's layout in
#: memory (some 270 MiB for 1,300 certificates), so a large term's combined PDF is typeset in parts
#: of this size and the parts are joined with pypdf.
COMBINED_PART = 200


def join_pdfs(parts: Sequence[bytes]) -> bytes:
    """One PDF with the pages of ``parts`` in order, and the first part's document information
    (title, creator, dates): the same bytes for the same parts (pypdf writes no random file ID
    unless asked to)."""
    import io

    from pypdf import PdfReader, PdfWriter

    if len(parts) == 1:
        return parts[0]
    writer = PdfWriter()
    first = PdfReader(io.BytesIO(parts[0]))
    for data in parts:
        writer.append(PdfReader(io.BytesIO(data)))
    if first.metadata:
        writer.add_metadata({k: v for k, v in first.metadata.items()})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def render_certificates(records: list[dict], common: dict, *, pdf_dir: Path, combined: Path | None,
                        font_paths: Sequence[str] = (), workers: int = 2, chunk: int = 25,
                        combined_part: int | None = None) -> RenderResult:
    """Typeset one PDF per record as ``pdf_dir/<code>.pdf`` and, unless ``combined`` is None, every
    page in one PDF for printing (typeset ``combined_part`` certificates at a time, by default
    :data:`COMBINED_PART`). Returns the files written and the time taken.

    Each PDF is its own small compilation (fonts subset to the one name), done on ``workers``
    threads with one Typst compiler each (Typst caches the template across compilations). Only
    the fonts built into Typst (and ``font_paths``) are used, except for records marked
    ``system_fonts`` (names those fonts cannot show), which may fall back to the machine's. Old
    ``*.pdf`` files in ``pdf_dir`` that no record names are removed, so a withdrawn certificate
    does not linger.
    """
    import typst

    started = time.perf_counter()
    local = threading.local()

    def compiler(system_fonts: bool):
        cache = local.__dict__.setdefault("compilers", {})
        if system_fonts not in cache:
            cache[system_fonts] = _compiler(TEMPLATE, RESOURCES, font_paths, system_fonts)
        return cache[system_fonts]

    def compile_pdf(items: list[dict]) -> bytes:
        system_fonts = any(item.get("system_fonts") for item in items)
        payload = json.dumps({"common": common, "certificates": items}, ensure_ascii=False)
        try:
            return compiler(system_fonts).compile(format="pdf", sys_inputs={"data": payload})
        except typst.TypstError as e:  # a template fault; the data cannot cause one
            raise WorkbookError(f"the certificate template failed to compile: {getattr(e, 'message', e)}",
                                hint="report this with the template file resources/certificate/"
                                     "certificate.typ") from None

    def one_batch(batch: list[dict]) -> list[Path]:
        paths = []
        for item in batch:
            path = pdf_dir / f"{item['code']}.pdf"
            _write_atomic(path, compile_pdf([item]))
            paths.append(path)
        return paths

    def all_in_one(target: Path) -> float:
        t0 = time.perf_counter()
        step = max(1, combined_part or COMBINED_PART)
        _write_atomic(target, join_pdfs([compile_pdf(records[i:i + step])
                                           for i in range(0, len(records), step)]))
        return time.perf_counter() - t0

    pdf_dir.mkdir(parents=True, exist_ok=True)
    batches = [records[i:i + chunk] for i in range(0, len(records), chunk)]
    timings: dict[str, float] = {}
    files: list[Path] = []
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="certificates") as pool:
        combined_job = pool.submit(all_in_one, combined) if combined is not None and records else None
        for paths in pool.map(one_batch, batches):
            files.extend(paths)
        if combined_job is not None:
            timings["combined_seconds"] = combined_job.result()
    if combined is not None and not records:
        combined.unlink(missing_ok=True)
    keep = {p.name for p in files}
    for old in pdf_dir.glob("*.pdf"):
        if old.name not in keep:
            old.unlink()
    seconds = time.perf_counter() - started
    timings["total_seconds"] = seconds
    return RenderResult(files, combined if records else None, seconds, len(records), timings)


# -- the stage --------------------------------------------------------------------------------------

def read_identity(ctx: "StageContext") -> pd.DataFrame:
    """Mentors' names, first names (when the form asked) and e-mails from the identity table (one
    row per mentor)."""
    ident = ctx.read("identity/people")
    if "role" in ident.columns:
        ident = ident.loc[ident["role"] == "mentor"]
    if "first_name" not in ident.columns:  # an identity table from before first names were read
        ident = ident.assign(first_name=None)
    return ident.drop_duplicates("person_id").set_index("person_id")[["name", "first_name", "email"]]


def accepted_mentors(people: pd.DataFrame) -> pd.Index:
    """``person_id`` of every accepted mentor, each once, in table order."""
    keep = (people["role"] == "mentor") & (people["status"] == "accepted")
    return pd.Index(people.loc[keep, "person_id"].drop_duplicates().astype("str"), name="person_id")


def _read_members(ctx: "StageContext") -> pd.DataFrame | None:
    """The groups stage's members table (None when it is missing or lacks person_id / group)."""
    members = ctx.read("groups/members", optional=True)
    if members is None:
        return None
    return members if {"person_id", "group"} <= set(members.columns) else None


def mentors_without_group(members: pd.DataFrame | None, mentors: pd.Index) -> pd.Index:
    """Mentors the groups stage placed in no group (unpaired, or in a reserve pair)."""
    if members is None:
        return pd.Index([], dtype="str", name="person_id")
    in_group = members.loc[members["group"].notna(), "person_id"].astype("str")
    listed = members["person_id"].astype("str")
    return mentors[mentors.isin(listed) & ~mentors.isin(in_group)]


def _group_order(col: pd.Series) -> pd.Series:
    """Sort key: group numbers numerically ("2" before "10"), anything else as text."""
    return pd.to_numeric(col, errors="coerce") if col.name == "group" else col


def _mentor_groups(members: pd.DataFrame | None, mentors: pd.Index) -> pd.Series:
    """The group each mentor co-led ("" when unknown or when the mentor led no group, e.g. was left
    unpaired; several groups joined by ", ")."""
    if members is None:
        return pd.Series("", index=mentors, dtype="str")
    # A mentor without a group has a missing group: no group led, not a group called "nan".
    m = members.loc[members["person_id"].isin(mentors) & members["group"].notna(), ["person_id", "group"]]
    m = m.astype({"group": "str"})
    joined = (m.drop_duplicates().sort_values(["person_id", "group"], key=_group_order)
              .groupby("person_id")["group"].agg(", ".join))
    return joined.reindex(mentors).fillna("").astype("str")


@dataclass
class CertificatePlan:
    """Everything decided before rendering: one row per accepted mentor (``roster``)."""

    rules: EligibilityRules
    roster: pd.DataFrame
    overrides: pd.DataFrame
    override_rows_read: int
    #: Characters of certificate names that no available font (built-in, configured or the
    #: machine's) can show.
    uncovered: set[str]


def prepare(ctx: "StageContext") -> CertificatePlan:
    """Read the upstream tables, apply the rule and the overrides, assign verification codes and
    check the names against the fonts. ``roster`` (index ``person_id``) has the assessment
    columns plus ``name``, ``email``, ``first_name``, ``group``, ``role``, ``code`` (eligible
    mentors with a name), ``file`` and ``check``, sorted by name."""
    cfg = ctx.config
    rules = EligibilityRules.from_config(cfg)
    people = ctx.read("registrations/people")
    mentors = accepted_mentors(people)
    trainings = ctx.read("attendance/trainings")
    meetings = ctx.read("attendance/meetings")
    members = _read_members(ctx)
    assessed = assess_eligibility(mentors, trainings, meetings, rules,
                                  without_group=mentors_without_group(members, mentors))
    overrides, rows_read = load_overrides(cfg, assessed.index, ctx.key)
    roster = apply_overrides(assessed, overrides)

    ident = read_identity(ctx).reindex(roster.index)
    roster["name"] = clean_names(ident["name"])
    roster["email"] = ident["email"].astype("string").str.strip()
    first = greeting_names(roster["name"], ident["first_name"])
    roster["first_name"] = first.astype("string").mask(first == "")
    roster["group"] = _mentor_groups(members, roster.index)
    roster["role"] = cfg.certificates.role
    certify = roster["eligible"] & roster["name"].notna()
    codes = verification_codes(pd.Series(roster.index[certify], index=roster.index[certify]), ctx.key,
                               term=cfg.term.name, year=cfg.term.start.year,
                               prefix=cfg.certificates.code_prefix)
    roster["code"] = codes.reindex(roster.index).astype("string")
    roster["file"] = ("pdf/" + roster["code"] + ".pdf").astype("string")

    font_paths = [str(cfg.resolve(p)) for p in cfg.certificates.font_paths]
    uncovered = uncovered_characters(roster.loc[certify, "name"].dropna(), fonts=cfg.certificates.fonts,
                                     font_paths=font_paths)
    # Names the built-in fonts cannot show may still be shown by a font installed on this machine
    # (e.g. Noto CJK); only those certificates use the machine's fonts.
    still = uncovered_characters(uncovered, fonts=cfg.certificates.fonts, font_paths=font_paths,
                                 system_fonts=True) if uncovered else set()
    roster["system_fonts"] = certify & names_not_covered(roster["name"], uncovered)
    bad_glyphs = certify & names_not_covered(roster["name"], still)
    roster["check"] = pd.Series(np.select(
        [roster["eligible"] & roster["name"].isna(), bad_glyphs],
        ["no name in the registration: no certificate was made",
         "the name has characters the certificate fonts cannot show: check the printed certificate "
         "or add a font (certificates.fonts, certificates.font_paths)"], ""), index=roster.index, dtype="str")

    # Held back from the mail merge until the coordinator has checked the printed name (or added a font).
    roster["held_back"] = bad_glyphs & ~roster["name_checked"]
    roster["name_case"] = name_case(roster["name"]).where(certify, "")

    roster = mentor_hours.add_hours(ctx, roster)  # hours and credits, when the config asks for them
    order = pd.DataFrame({"k": roster["name"].fillna("").str.casefold(), "p": roster.index},
                         index=roster.index)
    roster = roster.loc[order.sort_values(["k", "p"]).index]
    return CertificatePlan(rules, roster, overrides, rows_read, still)


def summary(plan: CertificatePlan) -> pd.DataFrame:
    """Counts for the notebook and the log (no names): decisions by basis."""
    r = plan.roster
    rows = {
        "accepted mentors": len(r),
        "eligible by the rule": int(r["eligible_by_rule"].sum()),
        "overrides: certificate given": int(((r["basis"] == "override") & r["eligible"]).sum()),
        "overrides: certificate withheld": int(((r["basis"] == "override") & ~r["eligible"]).sum()),
        "eligible in the end": int(r["eligible"].sum()),
        "not eligible": int((~r["eligible"]).sum()),
        "certificates to make": int(r["code"].notna().sum()),
        "names to check (fonts or missing)": int((r["check"] != "").sum()),
    }
    return pd.DataFrame({"mentors": pd.Series(rows, dtype="int64")})


def attendance_distribution(plan: CertificatePlan) -> pd.DataFrame:
    """Mentors by trainings attended (rows) and meetings co-led (columns)."""
    r = plan.roster
    return pd.crosstab(r["trainings_attended"].rename("trainings attended"),
                       r["meetings_coled"].rename("meetings co-led"))


def certificate_list_sheets(plan: CertificatePlan) -> dict[str, pd.DataFrame]:
    """The sheets of certificate_list.xlsx: Eligible, Not eligible, Overrides."""
    from mentoring_lib.steps.mailmerge import group_numbers

    r = plan.roster
    eligible = r.loc[r["eligible"]]
    not_eligible = r.loc[~r["eligible"]]
    why_not = not_eligible["rule_reason"].where(
        not_eligible["basis"] == "rule",
        "coordinator override: " + not_eligible["override_reason"].fillna(""))
    overridden = r.loc[r["basis"] == "override"]
    yes_no = {True: "eligible", False: "not eligible"}
    return {
        "Eligible": pd.DataFrame({
            "Name": eligible["name"], "E-mail": eligible["email"], "Group": group_numbers(eligible["group"]),
            "Trainings attended": eligible["trainings_attended"],
            "Meetings co-led": eligible["meetings_coled"], **mentor_hours.list_columns(eligible),
            "Basis": eligible["basis"], "Verification code": eligible["code"],
            "Certificate file": eligible["file"], "Check": eligible["check"]}).reset_index(drop=True),
        "Not eligible": pd.DataFrame({
            "Name": not_eligible["name"], "E-mail": not_eligible["email"], "Group": group_numbers(not_eligible["group"]),
            "Trainings attended": not_eligible["trainings_attended"],
            "Meetings co-led": not_eligible["meetings_coled"], **mentor_hours.list_columns(not_eligible),
            "Reason": why_not}).reset_index(drop=True),
        "Overrides": pd.DataFrame({
            "Name": overridden["name"], "E-mail": overridden["email"],
            "By the rule": overridden["eligible_by_rule"].map(yes_no),
            "Decision": overridden["eligible"].map(yes_no), "Reason": overridden["override_reason"],
            "Row in overrides file": overridden["override_row"]}).reset_index(drop=True),
    }


def register_table(plan: CertificatePlan, config: "TermConfig") -> pd.DataFrame:
    """The certificate register: one row per certificate made, by verification code."""
    r = plan.roster.loc[plan.roster["code"].notna()]
    issued = (config.certificates.issue_date or config.term.end).isoformat()
    return pd.DataFrame({
        "Verification code": r["code"], "Name": r["name"], "Role": r["role"],
        "Programme": config.report.title, "Term": config.term.title, "Issued": issued,
        "Trainings attended": r["trainings_attended"], "Meetings co-led": r["meetings_coled"],
        "Basis": r["basis"], "Certificate file": r["file"],
    }).sort_values("Verification code").reset_index(drop=True)


def mail_merge_table(plan: CertificatePlan) -> pd.DataFrame:
    """One row per certificate to send: first name, e-mail, file (relative to certificates/), code.

    Certificates held back for their name (characters no font can show) are left out until the
    name is fixed, a font added, or the overrides file says "Name checked: yes"."""
    r = plan.roster.loc[plan.roster["code"].notna() & ~plan.roster["held_back"]]
    return pd.DataFrame({"First name": r["first_name"], "Name": r["name"], "E-mail": r["email"],
                         "Certificate file": r["file"], "Verification code": r["code"]}
                        ).reset_index(drop=True)


def write_outputs(ctx: "StageContext", plan: CertificatePlan, *, workers: int = 2) -> RenderResult:
    """Write the certificate list, register, mail merge, PDFs and the pseudonymous stage table."""
    from mentoring_lib.io import spreadsheets

    cfg = ctx.config
    base = ctx.out.private / CERT_DIR
    base.mkdir(parents=True, exist_ok=True)
    r = plan.roster
    spreadsheets.write_xlsx(certificate_list_sheets(plan), base / "certificate_list.xlsx", epoch=ctx.source_date_epoch)
    spreadsheets.write_csv(register_table(plan, cfg), base / "certificate_register.csv")
    spreadsheets.write_csv(mail_merge_table(plan), base / "mail_merge.csv")
    mentor_hours.write_credits_list(ctx, r, base)
    made = r.loc[r["code"].notna()]
    result = render_certificates(
        certificate_records(made), certificate_texts(cfg), pdf_dir=base / "pdf",
        combined=base / "all_certificates.pdf",
        font_paths=[str(cfg.resolve(p)) for p in cfg.certificates.font_paths], workers=workers)

    ctx.write("certificates/eligibility", r.reset_index()[[
        "person_id", "trainings_attended", "trainings_total", "meetings_coled", "meetings_total",
        "eligible_by_rule", "eligible", "basis", "rule_reason"]].assign(
            certificate=r["code"].notna().to_numpy()))
    ctx.write("certificates/attention", attention_table(r))
    if cfg.certificates.overrides_file:
        ctx.record_quality("certificate_overrides", rows_read=plan.override_rows_read,
                           kept=len(plan.overrides), excluded={})
    n_check = int((r["check"] != "").sum())
    notes = [f"{len(made)} certificates made for {len(r)} accepted mentors ({plan.rules.describe()})"]
    n_machine = int((r["system_fonts"] & r["code"].notna() & (r["check"] == "")).sum())
    if n_machine:
        notes.append(f"{n_machine} certificate(s) use a font installed on this machine for characters the "
                     "fonts built into Typst lack (they look the same only where that font is installed)")
    n_held = int(r["held_back"].sum())
    if n_held:
        notes.append(f"{n_held} certificate(s) held back from mail_merge.csv until the name is checked "
                     "(column 'Name checked' of the overrides file) or a font is added")
    if n_check:
        notes.append(f"{n_check} eligible mentor(s) need a check: see column Check in certificate_list.xlsx")
        warnings.warn(f"{n_check} certificate(s) need a check (a missing name, or characters the fonts "
                      "cannot show): see column Check in private/certificates/certificate_list.xlsx",
                      stacklevel=2)
    excluded = {"not eligible": int((~r["eligible"]).sum()),
                "eligible without a name": int((r["eligible"] & r["name"].isna()).sum())}
    ctx.record_quality("certificates", rows_read=len(r), kept=len(made),
                       excluded={k: v for k, v in excluded.items() if v}, notes=notes)
    return result


def _csv_rows(path: Path) -> int:
    return len(pd.read_csv(path, dtype=str)) if path.exists() else 0


def outputs_overview(ctx: "StageContext", result: RenderResult) -> pd.DataFrame:
    """What the stage wrote (paths relative to the private area) and how many certificates: no names."""
    base = ctx.out.private / CERT_DIR
    rows = [("certificate_list.xlsx", "eligible / not eligible (with reason) / overrides"),
            ("certificate_register.csv", f"{result.pages} verification codes"),
            ("mail_merge.csv", f"{_csv_rows(base / 'mail_merge.csv')} rows (held-back certificates left out)"),
            ("pdf/<code>.pdf", f"{len(result.files)} certificates"),
            ("all_certificates.pdf", f"{result.pages} pages for printing")]
    return pd.DataFrame({"file": [f"{CERT_DIR}/{name}" for name, _ in rows],
                         "contents": [what for _, what in rows],
                         "exists": [(base / name).exists() if "<" not in name else bool(result.files)
                                    for name, _ in rows]})


def benchmark_render(n: int, out_dir: str | os.PathLike, *, workers: int = 2) -> int:
    """Render ``n`` synthetic certificates (one PDF each and the combined PDF) into ``out_dir``;
    returns the number made. Used by ``benchmarks/run.py`` (issue 8: 1,000 in under 20 s)."""
    from mentoring_lib.privacy.pseudonym import DEMO_KEY

    given = ["Äino", "Åsa-Maria", "Jean-Pierre", "Иван", "Ελένη", "Nguyễn Thị", "Zoë", "Mikko"]
    family = ["Öhman-Ålander", "Lindqvist", "Dupont-Moreau", "Петров", "Παπαδοπούλου", "Ánh", "Ørsted"]
    idx = np.arange(n)
    names = pd.Series(np.array(given)[idx % len(given)], dtype="str") + " " + \
        pd.Series(np.array(family)[idx % len(family)], dtype="str")
    ids = pd.Series([f"P-{i:016x}" for i in range(n)])
    roster = pd.DataFrame({"name": names, "role": "Peer mentor (co-mentor)",
                           "trainings_attended": 2 + idx % 2, "trainings_total": 3,
                           "meetings_coled": 4 + idx % 3, "meetings_total": 6,
                           "code": verification_codes(ids, DEMO_KEY, term="benchmark", year=2026)})
    day = dt.date(2026, 12, 18)
    common = {
        "document_title": "Certificate of Participation", "organiser": "Example University",
        "fonts": _font_list(()), "heading": "Certificate of Participation",
        "certify_line": "This is to certify that", "role_before": "took part as", "role_after": "in",
        "programme": "Compassion mentoring in peer groups for doctoral students", "term": "Autumn 2026",
        "period": format_period(dt.date(2026, 9, 7), day), "trainings_label": "mentor trainings attended",
        "meetings_label": "group meetings co-led", "signatory": "Programme coordinator",
        "signatory_title": "Wellbeing Services", "issued": format_date(day), "issued_label": "Date of issue",
        "code_label": "Verification code", "verify_line": "verify with wellbeing@example.org",
        "seal_top": "Compassion", "seal_middle": "2026", "seal_bottom": "Mentoring"}
    out = Path(out_dir)
    result = render_certificates(certificate_records(roster), common, pdf_dir=out / "pdf",
                                 combined=out / "all_certificates.pdf", workers=workers)
    return len(result.files)


