"""Mentor certificates: the stage (eligibility, overrides, verification codes, PDFs, mail merge).

This module plans the certificates (:func:`prepare`), makes the verification codes and writes the
outputs; the eligibility rule and the overrides file are :mod:`mentoring_lib.steps.certificate_rules`,
names, fonts, texts and Typst rendering :mod:`mentoring_lib.steps.certificate_pdfs`.

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

import hashlib
import hmac
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from mentoring_lib.errors import WorkbookError
from mentoring_lib.io.normalise import greeting_names
from mentoring_lib.steps import mentor_hours
from mentoring_lib.steps.certificate_pdfs import (
    RenderResult,
    certificate_records,
    certificate_role,
    certificate_texts,
    clean_names,
    name_case,
    names_not_covered,
    render_certificates,
    uncovered_characters,
)
from mentoring_lib.steps.certificate_rules import (
    EligibilityRules,
    accepted_mentors,
    apply_overrides,
    assess_eligibility,
    load_overrides,
)

if TYPE_CHECKING:
    from mentoring_lib.config import TermConfig
    from mentoring_lib.pipeline.context import StageContext

#: Crockford's base32 alphabet: no I, L, O or U, so a code read aloud or typed is unambiguous.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_PATTERN = re.compile(r"^[A-Z]{2,4}-\d{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")
CERT_DIR = "certificates"


def check_overrides(ctx: "StageContext") -> int:
    """Validate the overrides file against the accepted mentors without rendering anything (for
    ``mentoring check``, after the registrations stage); records its quality and returns the
    number of overrides. Raises InputError/InputErrors like the stage would."""
    people = ctx.read("registrations/people")
    overrides, rows_read = load_overrides(ctx.config, accepted_mentors(people), ctx.key)
    if ctx.config.certificates.overrides_file:
        ctx.record_quality("certificate_overrides", rows_read=rows_read, kept=len(overrides), excluded={})
    return len(overrides)


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


# -- the stage --------------------------------------------------------------------------------------

def read_identity(ctx: "StageContext") -> pd.DataFrame:
    """Mentors' names, first names (when the form asked) and e-mails from the identity table (one
    row per mentor)."""
    ident = ctx.read("identity/people")
    assert ident is not None  # a required table: ctx.read raises when it is missing
    if "role" in ident.columns:
        ident = ident.loc[ident["role"] == "mentor"]
    if "first_name" not in ident.columns:  # an identity table from before first names were read
        ident = ident.assign(first_name=None)
    return ident.drop_duplicates("person_id").set_index("person_id")[["name", "first_name", "email"]]


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
    roster["role"] = certificate_role(cfg)
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
