"""Registration outputs: the pseudonymous tables, the private roster and mail merges, and the public summary.

Pure functions of the selected rows (:func:`mentoring_lib.steps.registration_rules.select_term`);
:func:`mentoring_lib.steps.registration.save` writes what they return.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from mentoring_lib.steps.registration_rules import ROLES, STATUSES


def people_table(selected: pd.DataFrame) -> pd.DataFrame:
    """One row per person and role who holds a registration (accepted, wait-listed, withdrawn or
    late): the row holding their place. Pseudonymous (no names or e-mails)."""
    held = selected[selected["status"].isin(["accepted", "waitlisted", "withdrawn", "late"])]
    order = {s: i for i, s in enumerate(STATUSES)}
    held = held.assign(_r=held["role"].map({r: i for i, r in enumerate(ROLES)}),
                       _s=held["status"].map(order)).sort_values(
        ["_r", "_s", "queue_position", "late_position"], kind="stable")
    return pd.DataFrame({
        "person_id": held["person_id"].astype(str),
        "role": held["role"].astype(str),
        "status": held["status"].astype(str),
        "reason": held["reason"].astype(str),
        "queue_position": held["queue_position"].astype("Int64"),
        "waitlist_position": held["waitlist_position"].astype("Int64"),
        "late_position": held["late_position"].astype("Int64"),
        "promoted": held["promoted"].astype(bool),
        "school": held["school"].astype(object),
        "doctoral_programme": held["doctoral_programme"].astype(object),
        "doctoral_year": held["doctoral_year"].astype(object),
        "languages": held["languages"].astype(str),
        "availability": held["availability"].astype(str),
        "submitted_at": held["submitted_at"],
        "source": held["source"].astype(str),
        "source_row": held["row"].astype("int64"),
    }).reset_index(drop=True)


def rows_table(selected: pd.DataFrame) -> pd.DataFrame:
    """Every input row's status and reason, by source file and Excel row. Pseudonymous."""
    return pd.DataFrame({
        "source": selected["source"].astype(str),
        "source_row": selected["row"].astype("int64"),
        "role": selected["role"].astype(str),
        "person_id": selected["person_id"].astype(object),
        "status": selected["status"].astype(str),
        "reason": selected["reason"].astype(str),
        "queue_position": selected["queue_position"].astype("Int64"),
        "waitlist_position": selected["waitlist_position"].astype("Int64"),
        "late_position": selected["late_position"].astype("Int64"),
        "promoted": selected["promoted"].astype(bool),
        "duplicate_of_source": selected["duplicate_of_source"].astype(object),
        "duplicate_of_row": selected["duplicate_of_row"].astype("Int64"),
        "submitted_at": selected["submitted_at"],
    }).sort_values(["source", "source_row"], kind="stable").reset_index(drop=True)


def identity_table(selected: pd.DataFrame) -> pd.DataFrame:
    """The only identity table: person_id, name, first_name, email, role, status. Private: written to
    the identity dataset (``stages.IDENTITY``).

    One row per person and role: the row holding their place (its status); people whose every row
    was excluded (incomplete, no e-mail) appear too, with status ``excluded``, so the privacy gate
    knows their names. Test submissions are not people and are left out (their made-up names, such
    as "Test Test", would only make the gate flag ordinary words).
    """
    real = selected[selected["test_rule"].isna()]
    held = real["status"].isin(["accepted", "waitlisted", "withdrawn", "late"])
    has_holder = real["person_id"].isin(real.loc[held, "person_id"]) & real["person_id"].notna()
    keyed = real[~held & ~has_holder & real["person_id"].notna()].sort_values(["submitted_at", "source", "row"],
                                                                            kind="stable")
    others = pd.concat([keyed.drop_duplicates(["person_id", "role"]), real[real["person_id"].isna()]])
    rows = pd.concat([real[held], others])
    return pd.DataFrame({
        "person_id": rows["person_id"].astype(object),
        "name": rows["name"].astype(object),
        "first_name": (rows["first_name"] if "first_name" in rows else pd.Series(None, index=rows.index)
                       ).astype(object),
        "email": rows["email_norm"].astype(object),
        "role": rows["role"].astype(str),
        "status": np.where(rows["status"].isin(["accepted", "waitlisted", "withdrawn", "late"]), rows["status"],
                           "excluded"),
    }).sort_values(["role", "person_id"], kind="stable", na_position="last").reset_index(drop=True)


def roster_sheets(selected: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The coordinator's roster: a sheet per status (with names and e-mails; private)."""
    sheets = {}
    for status in STATUSES:
        part = selected[selected["status"] == status]
        part = part.sort_values(["role", "queue_position", "late_position", "submitted_at", "source", "row"],
                                kind="stable")
        sheets[status.capitalize()] = pd.DataFrame({
            "Role": part["role"], "Queue position": part["queue_position"],
            "Wait-list position": part["waitlist_position"], "Late list position": part["late_position"],
            "Name": part["name"], "E-mail": part["email_norm"], "School": part["school"],
            "Submitted at": _wall_clock(part["submitted_at"]),
            "Input": part["source"], "Row": part["row"], "Reason": part["reason"],
        })
    return sheets


def _wall_clock(times: pd.Series) -> pd.Series:
    """Times as the form's local wall clock, without a zone: Excel dates (Excel has no time zones)."""
    return times.dt.tz_localize(None) if isinstance(times.dtype, pd.DatetimeTZDtype) else times


def mailmerge(selected: pd.DataFrame, status: str) -> pd.DataFrame:
    """Mail-merge rows for one status: First name, E-mail, Role and the queue position (accepted)
    or wait-list position (wait-listed); the groups stage adds each accepted person's group
    (:mod:`mentoring_lib.steps.mailmerge`)."""
    from mentoring_lib.steps import mailmerge as mm

    part = selected[selected["status"] == status].sort_values(["role", "queue_position"], kind="stable")
    columns = mm.ACCEPTED_COLUMNS if status == "accepted" else mm.WAITLISTED_COLUMNS
    position = part["queue_position"] if status == "accepted" else part["waitlist_position"]
    first = mm.first_names(part["name"], part["first_name"] if "first_name" in part else None)
    return pd.DataFrame(dict(zip(columns, (first, part["email_norm"], part["role"], position.astype("Int64")))),
                        columns=columns)


def summary_counts(selected: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Raw counts for the public summary (before suppression).

    ``status``: registration rows by status and role (reconciles with the rows read);
    ``school`` / ``doctoral_year``: people who applied (a queue place or late) per role, split into
    accepted and not accepted (columns ``"<role>s accepted"``, ``"<role>s not accepted"``): the two
    parts of the applicants, so that applied = accepted + not accepted is a real partition.
    """
    status = pd.crosstab(pd.Categorical(selected["status"], categories=list(STATUSES)),
                         pd.Categorical(selected["role"], categories=list(ROLES)), dropna=False)
    status.index.name, status.columns.name = "status", None
    out = {"status": status.astype(int)}
    applied = selected[selected["status"].isin(["accepted", "waitlisted", "withdrawn", "late"])]
    accepted = applied["status"] == "accepted"
    from mentoring_lib.io.normalise import DOCTORAL_YEARS, OTHER

    for field, label in (("school", "school"), ("doctoral_year", "doctoral year")):
        value = applied[field].astype(object).where(applied[field].notna(), "(not answered)")
        if field == "doctoral_year":  # only the closed list is ever a row label (read_registration_input)
            value = value.where(value.isin([*DOCTORAL_YEARS, OTHER, "(not answered)"]), OTHER)
        cols = {}
        for role in ROLES:
            mine = applied["role"] == role
            cols[f"{role}s accepted"] = value[mine & accepted].value_counts()
            cols[f"{role}s not accepted"] = value[mine & ~accepted].value_counts()
        table = pd.DataFrame(cols).fillna(0).astype(int)
        table = table.sort_index(key=lambda s: s.str.casefold())
        table.index.name = label
        out[field] = table
    return out


def public_summary(selected: pd.DataFrame, min_count: int) -> dict[str, pd.DataFrame]:
    """The sheets of public/registration_summary.xlsx, protected with :mod:`disclosure`.

    ``status`` is one partition of the registration rows (margins over roles and statuses).
    ``school`` / ``doctoral_year`` are protected per role (mentors and participants are different
    people, and a total adding both roles' applied and accepted would mean nothing): each role's
    accepted / not accepted by category is a partition of its applicants, whose row totals are
    the "applied" column and whose column totals are the "Total" row. In a category with fewer than
    ``min_count`` applicants of a role a zero is hidden too ("x"): "<5 applied, 0 accepted" would
    say that none of those few was accepted."""
    from mentoring_lib.privacy import disclosure

    raw = summary_counts(selected)
    out = {"status": disclosure.suppress_counts(raw["status"], min_count, margins=True)}
    for field in ("school", "doctoral_year"):
        table = raw[field]
        parts = []
        for role in ROLES:
            part = table[[f"{role}s accepted", f"{role}s not accepted"]]
            shown = disclosure.suppress_counts(part, min_count, margins=True)
            if disclosure.TOTAL not in shown.index:  # a single category: its row is the total
                shown.loc[disclosure.TOTAL] = shown.iloc[0]
            # A true zero next to a small number applied would say what happened to each of those
            # few applicants ("<5 applied, 0 accepted": none was accepted); hide it too ("x").
            few = shown[disclosure.TOTAL].map(lambda v: v == disclosure.small_label(min_count))
            for col in part.columns:
                shown.loc[few & shown[col].map(lambda v: v == 0), col] = disclosure.HIDDEN
            shown = shown.rename(columns={disclosure.TOTAL: f"{role}s applied"})
            parts.append(shown[[f"{role}s applied", f"{role}s accepted", f"{role}s not accepted"]])
        sheet = pd.concat(parts, axis=1)
        sheet.index.name = table.index.name
        out[field] = sheet
    return out
