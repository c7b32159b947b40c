"""Certificate eligibility and the coordinator's overrides (pure rules on pseudonymous tables).

An accepted mentor earns a certificate when they attended at least ``certificates.min_trainings``
trainings and co-led at least ``certificates.min_meetings`` group meetings
(:func:`assess_eligibility`; the full rule is in :mod:`mentoring_lib.steps.certificates`). The
coordinator's overrides file (columns ``Email``, ``Eligible``, ``Reason``, optional ``Name checked``)
is read and validated by :func:`load_overrides` / :func:`parse_overrides` and applied by
:func:`apply_overrides`.
"""
from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from mentoring_lib.errors import ConfigError, InputError, InputErrors, WorkbookError

if TYPE_CHECKING:
    from mentoring_lib.config import TermConfig

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


def accepted_mentors(people: pd.DataFrame) -> pd.Index:
    """``person_id`` of every accepted mentor, each once, in table order."""
    keep = (people["role"] == "mentor") & (people["status"] == "accepted")
    return pd.Index(people.loc[keep, "person_id"].drop_duplicates().astype("str"), name="person_id")
