"""The registrations stage: read the exports, select first come first served, write the outputs.

The rules themselves (and the pure selection) are in :mod:`mentoring_lib.steps.registration_rules`;
reading an export is :mod:`mentoring_lib.steps.registration_inputs`, the tables, rosters, mail merges and
public summary :mod:`mentoring_lib.steps.registration_outputs`. This module reads every input of the term
(:func:`read_inputs`), writes the stage's outputs and data-quality records (:func:`save`), and makes the
aggregate tables the notebook shows. :func:`mentoring_lib.pipeline.drivers.run` runs it.
"""
from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd

from mentoring_lib.outputs.messages import language_code
from mentoring_lib.io.readers import NOT_SUBMITTED
from mentoring_lib.steps.registration_inputs import read_registration_input
from mentoring_lib.steps.registration_outputs import (
    identity_table,
    mailmerge,
    people_table,
    public_summary,
    roster_sheets,
    rows_table,
)
from mentoring_lib.steps.registration_rules import (
    KIND_OF_ROLE,
    NO_VALID_EMAIL,
    ROLES,
    STATUSES,
    SelectionRules,
    check_reconciles,
    status_counts,
)


def read_inputs(ctx) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """Read every mentor and participant registration export of the term, normalised and
    pseudonymised (``person_id``). Problems in several files are reported together.
    Returns (rows, notes per input)."""
    from mentoring_lib.errors import InputError, InputErrors
    from mentoring_lib.privacy.pseudonym import pseudonymise

    config = ctx.config
    frames, notes, errors = [], {}, []
    for role in ROLES:
        for item in config.inputs_of(KIND_OF_ROLE[role]):
            if not item.required and not config.input_path(item).exists():
                continue
            try:
                frame, item_notes = read_registration_input(config, item, role)
            except InputErrors as e:
                errors.extend(e.errors)
                continue
            except InputError as e:
                errors.append(e)
                continue
            frames.append(frame)
            notes[item.id] = item_notes
    if errors:
        raise errors[0] if len(errors) == 1 else InputErrors(errors)
    columns = ["source", "row", "role", "name", "email", "email_norm", "submitted_at", "missing", "complete",
               "school", "doctoral_programme", "doctoral_year", "languages", "availability"]
    rows = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    if rows.empty:  # every registration export is header-only (or none is configured)
        files = [config.input_path(i) for r in ROLES for i in config.inputs_of(KIND_OF_ROLE[r])]
        names = ", ".join(p.name for p in files) or "none configured"
        raise InputError(f"no registrations: the registration exports ({names}) have no responses (header only)",
                         file=files[0] if files else None,
                         hint="download the exports again once people have registered (mentoring inspect FILE "
                              "shows the number of responses), or check the files named in the config")
    rows["submitted_at"] = pd.to_datetime(rows["submitted_at"], utc=True).dt.tz_convert(config.term.tz)
    rows["person_id"] = pseudonymise(rows["email"], ctx.key).astype(object).to_numpy()
    rows["person_id"] = rows["person_id"].where(rows["email_norm"].notna(), None)
    return rows, notes


def accepted_in_both_roles(selected: pd.DataFrame) -> pd.DataFrame:
    """The accepted rows of people accepted both as mentor and as participant. The announced rules
    select each role on its own, so this can happen; which role such a person takes is the
    coordinator's decision (a withdrawal for the other role frees that place in queue order)."""
    accepted = selected[selected["status"] == "accepted"]
    key = "person_id" if "person_id" in accepted else "email_norm"
    return accepted[accepted.groupby(key)["role"].transform("nunique") > 1]


def both_roles_note(rows: pd.Series) -> str:
    """The data-quality note for participant ``rows`` (Excel rows of one export; no personal
    values) of people also accepted as mentors, with what to do."""
    rows = rows.astype(int).sort_values()
    return (f"{len(rows)} accepted participant(s) are also accepted as mentors (rows "
            f"{', '.join(map(str, rows))}): each role is selected on its own, so they hold two places. "
            "Decide which role each takes and add them to the withdrawals file for the other role; "
            "the freed place then goes to the next person on that wait-list")


def save(ctx, selected: pd.DataFrame, notes: dict[str, list[str]], withdrawals: pd.DataFrame,
         withdrawal_reads: dict[str, int]) -> None:
    """Write the stage's outputs: tables registrations/people and registrations/rows, the identity
    table, private roster.xlsx and mail merges, public registration_summary.xlsx, quality records."""
    from mentoring_lib.io import people_workbooks, spreadsheets

    config = ctx.config
    check_reconciles(selected, len(selected))

    ctx.write("registrations/people", people_table(selected))
    ctx.write("registrations/rows", rows_table(selected))
    ctx.write("identity/people", identity_table(selected))
    spreadsheets.write_xlsx(roster_sheets(selected), ctx.private_file("roster.xlsx"), epoch=ctx.source_date_epoch)
    spreadsheets.write_csv(mailmerge(selected, "accepted"), ctx.private_file("mailmerge_accepted.csv"))
    spreadsheets.write_csv(mailmerge(selected, "waitlisted"), ctx.private_file("mailmerge_waitlisted.csv"))
    min_count = config.privacy.min_count
    people_workbooks.write(public_summary(selected, min_count), ctx.public_file("registration_summary.xlsx"),
                           index=True, epoch=ctx.source_date_epoch, lang=language_code(config.term.language))

    # Data quality, per input.
    twice = accepted_in_both_roles(selected).query("role == 'participant'")
    notes = {k: list(v) for k, v in notes.items()}
    for source, part in twice.groupby("source", sort=True):
        notes.setdefault(source, []).append(both_roles_note(part["row"]))
    if len(twice):
        warnings.warn(f"{len(twice)} people are accepted both as mentors and as participants: see the "
                      "data-quality notes of the participant registrations", stacklevel=2)
    for source, part in selected.groupby("source", sort=True):
        counts = status_counts(part)
        excluded = {"duplicate": counts["duplicate"]}
        reasons = part.loc[part["status"] == "excluded", "reason"]
        kinds = np.select([reasons.str.startswith("test submission"), reasons.str.startswith(NOT_SUBMITTED),
                           reasons.str.startswith(NO_VALID_EMAIL), reasons.str.startswith("no e-mail"),
                           reasons.str.startswith("no consent"), reasons.str.startswith("incomplete")],
                          ["test submission", NOT_SUBMITTED, NO_VALID_EMAIL, "no e-mail address", "no consent",
                           "incomplete"], "other")
        excluded.update(pd.Series(kinds, dtype=object).value_counts().to_dict())
        kept = counts["accepted"] + counts["waitlisted"] + counts["withdrawn"] + counts["late"]
        ctx.record_quality(source, rows_read=len(part), kept=kept, excluded=excluded,
                           notes=[", ".join(f"{s}: {counts[s]}" for s in STATUSES)] + notes.get(source, []))
    for source in sorted(set(notes) - set(selected["source"])):  # an export with no responses yet
        ctx.record_quality(source, rows_read=0, kept=0, notes=notes[source])
    if len(withdrawals):
        held = selected[selected["status"] == "withdrawn"]
        matched = withdrawals["email_norm"].isin(held["email_norm"])
        for source, part in withdrawals.assign(matched=matched.to_numpy()).groupby("source", sort=True):
            unmatched = int((~part["matched"]).sum())
            read_notes = list(withdrawals.attrs.get("notes", {}).get(source, []))
            ctx.record_quality(source, rows_read=withdrawal_reads.get(source, len(part)),
                               kept=int(part["matched"].sum()),
                               excluded={"not a queued registration": unmatched} if unmatched else {},
                               notes=read_notes + ([] if not unmatched else [
                                   "rows " + ", ".join(str(r) for r in part.loc[~part["matched"], "row"])
                                   + " match nobody holding a queue place (not registered, late, or a typo)"]))


# -- what the notebook shows (aggregates only) ---------------------------------------------------

def rules_table(config) -> pd.DataFrame:
    """The announced rules of the term, one row per role: deadline, last instant in time, places."""
    out = []
    for role in ROLES:
        r = SelectionRules.from_config(config, role)
        last = r.cutoff - pd.Timedelta(microseconds=1)
        out.append({"role": role, "deadline day": r.deadline.isoformat(), "time zone": r.timezone,
                    "last instant in time": last.strftime("%Y-%m-%d %H:%M:%S.%f %Z"),
                    "first instant too late": r.cutoff.strftime("%Y-%m-%d %H:%M:%S %Z"), "places": r.places,
                    "withdrawals promote until": str(r.promote_until or "always")})
    return pd.DataFrame(out).set_index("role")


def reconciliation(selected: pd.DataFrame) -> pd.DataFrame:
    """Per input: rows read and rows per status; ``reconciles`` checks that they add up."""
    table = pd.crosstab(selected["source"], pd.Categorical(selected["status"], categories=list(STATUSES)),
                        dropna=False)
    table.columns = list(STATUSES)
    table.index.name = "input"
    table.insert(0, "rows read", selected.groupby("source").size())
    table["reconciles"] = table["rows read"] == table[list(STATUSES)].sum(axis=1)
    return table


def reason_counts(selected: pd.DataFrame) -> pd.DataFrame:
    """Rows by role and kind of reason (the reason text without positions and row numbers)."""
    sources = "|".join(re.escape(x) for x in sorted(selected["source"].astype(str).unique(), key=len, reverse=True))
    kind = selected["reason"].str.replace(r"'[^']*'", "'rule'", regex=True)
    if sources:
        kind = kind.str.replace(rf"\b(?:{sources})\b", "<input>", regex=True)
    kind = kind.str.replace(r"\d+", "N", regex=True)
    kind = kind.str.replace(r"\(end of .*?time\)", "(deadline)", regex=True)
    kind = kind.str.replace(r"withdrew on N-N-N", "withdrew on <date>", regex=True)
    table = pd.crosstab([selected["status"], kind.rename("reason")], selected["role"])
    order = {s: i for i, s in enumerate(STATUSES)}
    return table.sort_index(key=lambda ix: ix.map(order) if ix.name == "status" else ix)


def quality_table(ctx) -> pd.DataFrame:
    """This stage's data-quality records as a table (rows read, kept, excluded by reason)."""
    import json

    path = ctx.out.quality / f"{ctx.stage}.json"
    records = json.loads(path.read_text()) if path.exists() else {}
    return pd.DataFrame([{"input": k, "rows read": v["rows_read"], "kept": v["kept"],
                          "excluded": ", ".join(f"{r}: {n}" for r, n in v["excluded"].items()) or "-"}
                         for k, v in sorted(records.items())]).set_index("input")
