"""Registration inputs: read one export (or the withdrawals file) into normalised rows.

Field mapping, multi-select and consent answers, e-mail checks; the errors name the file, the
Excel row and the column, never a personal value.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from mentoring_lib.config import COLUMN_FIELDS
from mentoring_lib.io.readers import NOT_SUBMITTED
from mentoring_lib.steps.registration_rules import NO_VALID_EMAIL, ROLES, SelectionRules, _first_match

#: Registration fields the stage reads when the input maps them (the config refuses any other).
REGISTRATION_FIELDS: tuple[str, ...] = COLUMN_FIELDS["mentor_registrations"]
#: Fields every registration export must map (select_columns reports the closest headers). A form
#: that asks for the first and last name separately maps ``first_name`` and ``last_name`` instead
#: of ``name``; a form with a full name may also map ``first_name`` (e.g. "Preferred first name").
REQUIRED_FIELDS: tuple[str, ...] = ("name", "email", "submitted_at")
#: Multi-select answers: Microsoft Forms joins with ";" (and ends with one), Google Forms with ", ".
_MULTI_SPLIT = r"\s*[;,]\s*"
#: Columns of the mail-merge lists.


def multi_select(series: pd.Series) -> pd.Series:
    """Canonical multi-select text: options trimmed, inner spaces collapsed, de-duplicated,
    sorted case-insensitively and joined with "; " ('' when nothing was chosen)."""
    text = series.astype(object).where(series.notna(), "").astype(str)
    parts = text.str.split(_MULTI_SPLIT, regex=True).explode()
    parts = parts.str.replace(r"\s+", " ", regex=True).str.strip()
    parts = parts[parts != ""]
    frame = pd.DataFrame({"i": parts.index, "opt": parts.to_numpy(dtype=object)})
    frame["k"] = frame["opt"].str.casefold()
    frame = frame.drop_duplicates(["i", "k"])
    table = frame.pivot(index="i", columns="k", values="opt")
    # One pass per distinct option (a form has a handful), vectorised over the rows.
    joined = pd.Series("", index=table.index, dtype=object)
    for key in sorted(table.columns):
        value = table[key]
        has = value.notna().to_numpy()
        glued = np.where(joined == "", value, joined + "; " + value.fillna(""))
        joined = joined.where(~has, pd.Series(glued, index=joined.index, dtype=object))
    return pd.Series(joined.reindex(series.index).fillna("").to_numpy(dtype=object), index=series.index,
                     name=series.name, dtype=object)


def _answer_key(text: pd.Series) -> pd.Series:
    """Matching key of a short answer: NFKC, zero-width characters dropped, case-folded, spaces
    collapsed, and the separator Microsoft Forms appends to choice answers ("Yes;") trimmed."""
    from mentoring_lib.io.normalise import ZERO_WIDTH

    s = text.astype(object).where(text.notna(), "").astype(str).str.normalize("NFKC")
    s = s.str.replace(ZERO_WIDTH, "", regex=True).str.casefold().str.replace(r"\s+", " ", regex=True)
    return s.str.strip(" ;,.")


def consent_given(answers: pd.Series, accepted, statement: str | None = None) -> pd.Series:
    """True where the consent answer is one of ``accepted`` or repeats ``statement`` (the question's
    own text, which a ticked box in Microsoft or Google Forms writes), compared case-insensitively
    after trimming. Anything else, blank included, is False."""
    keys = {*_answer_key(pd.Series(list(accepted), dtype=object)), *(
        _answer_key(pd.Series([statement], dtype=object)) if statement else [])} - {""}
    return _answer_key(answers).isin(keys) & ~_blank(answers)


#: Refusals and non-answers a consent question's options use; shown in the no-consent note even
#: when one person gave them (any other answer one or two people typed may be free text).
CLOSED_REFUSALS = frozenset({"no", "n", "ei", "nej", "false", "0", "maybe", "disagree", "i disagree",
                             "i do not agree", "i don't agree", "en hyväksy", "en suostu", "jag godkänner inte"})


def _refused_answers_note(answers: pd.Series, refused: pd.Series) -> str:
    """Data-quality note on rows excluded for no consent: how many, and the answers given where they
    are an option's label, so that an agreeing answer the config does not list is noticed. Other
    answers (possibly free text, a name, a phone number) are named by their Excel rows only."""
    from mentoring_lib.errors import rows_text
    from mentoring_lib.privacy.scrub import shown_value

    given = answers[refused & ~_blank(answers)].astype(str).str.strip()
    counts = given.value_counts(sort=False)
    # An answer several people gave word for word is an option's label (e.g. a consent box whose
    # text the config does not list), not free text: it may be long and still shown.
    label = {v: n >= 3 or v.casefold() in CLOSED_REFUSALS for v, n in counts.items()}
    listed = "; ".join(f"{shown_value(v, 60, max_words=30)} ({n})"
                       for v, n in sorted(counts.items(), key=str) if label[v])
    other_rows = given.index[~given.map(label).astype(bool)]
    blank = int((refused & _blank(answers)).sum())
    parts = (([f"answers {listed}"] if listed else [])
             + ([f"{len(other_rows)} other answer(s), not shown ({rows_text([int(r) for r in other_rows])})"] if len(other_rows) else [])
             + ([f"{blank} blank"] if blank else []))
    return (f"{int(refused.sum())} row(s) excluded for no consent ({'; '.join(parts)}); if an answer means "
            "agreement, add it to registration.consent_accepted in the term config")


def _blank(series: pd.Series) -> pd.Series:
    return series.isna() | (series.astype(object).where(series.notna(), "").astype(str).str.strip() == "")


def _missing_text(data: pd.DataFrame, fields: list[str]) -> pd.Series:
    """For each row, the required fields left unanswered, as 'a, b' ('' when complete)."""
    out = pd.Series("", index=data.index, dtype=object)
    for f in fields:
        if f in data:
            miss = _blank(data[f])
            out = out.mask(miss, np.where(out == "", f, out + ", " + f))
    return out


def read_registration_input(config, item, role: str) -> tuple[pd.DataFrame, list[str]]:
    """Read one registration export into a tidy frame (one row per input row).

    Columns: source, row (Excel row), role, name, first_name (when the form asks for it, else
    missing), email, email_norm, submitted_at (tz-aware in the term's time zone), complete, missing,
    school, doctoral_programme, doctoral_year, languages, availability. Schools are mapped except
    on test submissions (a test may type anything); the doctoral year is one of
    ``normalise.DOCTORAL_YEARS`` or "Other" (:func:`~mentoring_lib.io.normalise.doctoral_year`).
    Raises InputError/InputErrors naming file, Excel row and column for unreadable input.
    """
    from mentoring_lib.errors import InputError, InputErrors
    from mentoring_lib.io.normalise import doctoral_year, map_schools, normalise_name
    from mentoring_lib.io.readers import not_submitted, parse_datetimes, read_export, select_columns
    from mentoring_lib.privacy.pseudonym import normalise_email, valid_email

    path = config.input_path(item)
    export = read_export(path, tool=item.tool, sheet=item.sheet)
    mapping = {f: h for f, h in item.columns.items() if f in REGISTRATION_FIELDS}
    split_name = "name" not in mapping and {"first_name", "last_name"} <= set(mapping)
    base = [f for f in REQUIRED_FIELDS if f != "name"] + (["first_name", "last_name"] if split_name else ["name"])
    # A mapped field the term requires (consent) must be in the file: a missing column is not "answered".
    required = [*base, *(f for f in config.registration.complete_requires
                         if f in mapping and f not in base)]
    data = select_columns(export, mapping, required=required)
    if split_name:  # "First name" + "Last name" -> the full name, as printed on a certificate
        parts = [normalise_name(data[f]).fillna("") for f in ("first_name", "last_name")]
        data = data.assign(name=(parts[0] + " " + parts[1]).str.strip().mask(lambda s: s == ""))
    headers = data.attrs.get("source_columns", mapping)
    idx = data.index
    submitted = parse_datetimes(data["submitted_at"], file=path, column=headers["submitted_at"],
                                tz=config.term.tz, date_order=item.date_order, tool=export.tool,
                                date_system=export.date_system)
    unsent, unsent_column = not_submitted(export)
    unsent = unsent.reindex(idx, fill_value=False) if unsent is not None else pd.Series(False, index=idx)
    if (submitted.isna() & ~unsent).any():
        rows = [int(r) for r in idx[submitted.isna() & ~unsent]]
        errors = [InputError(
            "the submission time is empty", file=path, row=r, column=headers["submitted_at"],
            hint="the queue is in submission order, so every registration needs its time: check that "
                 "submitted_at is mapped to the tool's submission-time column, and fill in the time or delete "
                 "the row if it is not a real registration") for r in rows[:50]]
        raise errors[0] if len(errors) == 1 else InputErrors(errors)
    name = normalise_name(data["name"])
    email_norm = normalise_email(data["email"])
    email_invalid = email_norm.notna() & ~valid_email(email_norm)
    email_norm = email_norm.mask(email_invalid)
    frame = pd.DataFrame({
        "source": item.id,
        "row": idx.to_numpy(dtype="int64"),
        "role": role,
        "name": name.astype(object).where(name.notna(), None),
        "email": data["email"].astype(object).where(data["email"].notna(), "").astype(str).str.strip(),
        "email_norm": email_norm.astype(object).where(email_norm.notna(), None),
        "submitted_at": submitted.dt.tz_convert(config.term.tz),
    }, index=idx)
    first = normalise_name(data["first_name"]) if "first_name" in data else pd.Series(pd.NA, index=idx)
    frame["first_name"] = first.astype(object).where(first.notna(), None)
    missing = _missing_text(data, list(config.registration.complete_requires))
    frame["missing"] = missing
    frame["complete"] = missing == ""
    notes = list(export.notes) + list(data.attrs.get("notes", []))
    frame["not_submitted"] = unsent.to_numpy(dtype=bool)
    frame["email_invalid"] = email_invalid.to_numpy(dtype=bool)
    rules = SelectionRules.from_config(config, role)
    is_test = (_first_match(frame["email_norm"], rules.email_patterns).notna()
               | _first_match(frame["name"], rules.name_patterns).notna())
    if "consent" in data:
        # A blank answer is "unanswered" when the term requires consent for a complete submission
        # (a later complete one may hold the place); otherwise it is no consent either.
        skipped = _blank(data["consent"]) & ("consent" in config.registration.complete_requires)
        refused = ~consent_given(data["consent"], config.registration.consent_accepted, headers["consent"]) & ~skipped
        frame["no_consent"] = refused
        # tests, unfinished responses and rows without a valid address come first
        counted = refused & ~is_test & ~unsent & frame["email_norm"].notna()
        if counted.any():
            notes.append(_refused_answers_note(data["consent"], counted))
    school = pd.Series(pd.NA, index=idx, dtype=object)
    if "school" in data:
        answered = ~is_test & ~unsent & ~_blank(data["school"])  # an unfinished response may hold anything
        if answered.any():
            mapped = map_schools(data.loc[answered, "school"], file=path, column=headers["school"],
                                 table=config.schools_path)
            school.loc[answered] = mapped.astype(object).to_numpy()
    frame["school"] = school
    frame["doctoral_programme"] = (data["doctoral_programme"].astype(object)
                                   .where(~_blank(data["doctoral_programme"]), None).str.strip()
                                   if "doctoral_programme" in data else None)
    # A closed list: free text ("3rd year, on sick leave") never becomes a public category.
    year = doctoral_year(data["doctoral_year"]) if "doctoral_year" in data else None
    frame["doctoral_year"] = year.astype(object).where(year.notna(), None) if year is not None else None
    for f in ("languages", "availability"):
        frame[f] = multi_select(data[f]) if f in data else ""
    notes += list((submitted.attrs or {}).get("notes", []))
    notes += _email_notes(frame, headers["email"], unsent, unsent_column, config.registration.email_domains)
    return frame.reset_index(drop=True), notes


def _email_notes(frame: pd.DataFrame, email_column: str, unsent: pd.Series, unsent_column: str | None,
                 domains: list[str]) -> list[str]:
    """Data-quality notes on unfinished responses, answers that are not e-mail addresses and
    addresses outside the university's domains (Excel rows only: never an address)."""
    from mentoring_lib.errors import row_ranges
    from mentoring_lib.privacy.pseudonym import email_in_domains

    notes = []
    if unsent.any():
        notes.append(f"{int(unsent.sum())} response(s) never submitted ('{unsent_column}'; rows "
                     f"{row_ranges(unsent.index[unsent.to_numpy()])}): excluded as {NOT_SUBMITTED}")
    invalid = frame["email_invalid"]
    if invalid.any():
        notes.append(f"{int(invalid.sum())} answer(s) in '{email_column}' are not e-mail addresses (rows "
                     f"{row_ranges(frame.loc[invalid, 'row'])}; e.g. a bare id, 'anonymous' or a cut-off "
                     f"domain): excluded as {NO_VALID_EMAIL}")
    if domains:
        has = frame["email_norm"].notna()
        outside = has & ~email_in_domains(frame["email_norm"], domains)
        if outside.any():
            message = (f"{int(outside.sum())} registration(s) use an e-mail domain outside "
                       f"registration.email_domains ({', '.join(domains)}); rows "
                       f"{row_ranges(frame.loc[outside, 'row'])}: kept, but check the addresses before the "
                       "mail merge")
            notes.append(message)
            warnings.warn(message, stacklevel=3)
    return notes


def read_withdrawals(config) -> tuple[pd.DataFrame, dict[str, int]]:
    """The withdrawals inputs: email_norm, withdrawn_on (date), role (or None = both roles), source, row."""
    from mentoring_lib.errors import InputError, InputErrors
    from mentoring_lib.io.readers import parse_datetimes, read_export, select_columns
    from mentoring_lib.privacy.pseudonym import normalise_email

    frames, read, notes = [], {}, {}
    for item in config.inputs_of("withdrawals"):
        path = config.input_path(item)
        if not item.required and not path.exists():
            continue
        export = read_export(path, tool=item.tool, sheet=item.sheet)
        mapping = dict(item.columns) or {"email": "Email", "date": "Date"}
        data = select_columns(export, {k: v for k, v in mapping.items() if k in ("email", "date", "role")},
                              required=("email", "date"))
        headers = data.attrs.get("source_columns", mapping)
        when = parse_datetimes(data["date"], file=path, column=headers["date"], tz=config.term.tz,
                               date_order=item.date_order, tool=export.tool, date_system=export.date_system)
        problems = [InputError("the withdrawal date is empty", file=path, row=int(r), column=headers["date"],
                               hint="write the date the person withdrew, e.g. 2026-09-18")
                    for r in data.index[when.isna()]]
        problems += [InputError("the e-mail address is empty", file=path, row=int(r), column=headers["email"],
                                hint="write the address the person registered with")
                     for r in data.index[_blank(data["email"])]]
        if problems:
            raise problems[0] if len(problems) == 1 else InputErrors(problems)
        role = None
        if "role" in data:
            role = data["role"].astype(object).where(data["role"].notna(), "").astype(str).str.strip().str.casefold()
            bad = ~role.isin(["", *ROLES])
            if bad.any():
                errs = [InputError("role must be 'mentor', 'participant' or empty (both)", file=path, row=int(r),
                                   column=headers["role"], hint="correct the cell") for r in data.index[bad]]
                raise errs[0] if len(errs) == 1 else InputErrors(errs)
            role = role.where(role != "", None)
        frames.append(pd.DataFrame({
            "source": item.id, "row": data.index.to_numpy(dtype="int64"),
            "email_norm": normalise_email(data["email"]).astype(object).to_numpy(),
            "withdrawn_on": when.dt.tz_convert(config.term.tz).dt.date.to_numpy(),
            "role": role.to_numpy() if role is not None else None,
        }))
        read[item.id] = len(data)
        notes[item.id] = list(export.notes) + list(data.attrs.get("notes", [])) \
            + list((when.attrs or {}).get("notes", []))
    if not frames:
        return pd.DataFrame(columns=["source", "row", "email_norm", "withdrawn_on", "role"]), read
    out = pd.concat(frames, ignore_index=True)
    out.attrs["notes"] = notes  # the readers' normalisations, for the data-quality record
    return out, read
