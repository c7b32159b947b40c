"""Registration intake: first come, first served, exactly as announced.

The announced rules, applied to every row of every registration export (mentors and
participants separately, each with its own places and deadline):

1. **Test submissions are excluded.** A row whose (normalised) e-mail or name matches one of
   the configured regular expressions (``registration.test_submissions``, case-insensitive)
   is ``excluded`` and never counts for anything. A response the survey tool records as not
   submitted (LimeSurvey's empty ``submitdate``, Qualtrics' ``Finished`` 0) is ``excluded`` as
   "incomplete (not submitted)". A row without an e-mail address, or whose answer is not an
   address (a bare id, "anonymous", "name@uni"), is also ``excluded`` (nobody could be told the
   outcome), and so is a row whose consent answer is not one the term accepts as agreement
   (``registration.consent_accepted``, or the question's own text that a ticked box writes):
   reason "no consent". A blank consent answer is "unanswered" when ``complete_requires`` lists
   consent (rule 2), else no consent too.
2. **One queue place per person.** Rows are the same person when their e-mails agree after
   normalisation (case, spaces, Unicode NFC/NFD, zero-width characters:
   :func:`mentoring_lib.privacy.pseudonym.normalise_email`). A person keeps the place of their first
   *complete* submission made by the deadline (complete = every field in
   ``registration.complete_requires`` answered); if they have none by the deadline, their first
   complete late submission stands for them. Every other row of theirs is a ``duplicate`` naming
   the row that holds their place. A person with no complete submission at all is ``excluded``
   (incomplete).
3. **The deadline includes the whole deadline day** in the term's time zone (or
   ``registration.deadline_timezone``): a submission at 23:59:59.999999 local time on the
   deadline day is in time, one at 00:00:00 the next day is ``late``. Daylight-saving days are
   handled by comparing instants, never wall-clock strings. Late submissions are listed apart
   (``late_position``) and never take or wait for a place.
4. **Order is submission time.** Submissions with the very same timestamp keep the order of the
   inputs in the config, then the export's row order (the order the form tool wrote them in).
5. **Places fill in order.** The first ``places`` people in the queue are ``accepted``, the rest
   ``waitlisted`` with their wait-list position.
6. **Withdrawals promote from the wait-list in order.** A person on the withdrawals list is
   ``withdrawn`` (their queue place is recorded); the places they free go to the wait-list in
   queue order, and a promoted person's reason says so. Withdrawals dated after
   ``registration.promote_until`` (if set) free no place: the programme has started.

Mentors and participants are two queues. A person accepted in both holds two places; the rules
do not choose a role for them: the stage names their participant rows in the data-quality notes
(and warns), and the coordinator's withdrawal for one role (the withdrawals file's role column)
frees that place in queue order.

Every input row ends with exactly one status and a reason, and the counts reconcile::

    rows read = accepted + waitlisted + withdrawn + late + duplicate + excluded

``withdrawn`` counts people who held a queue place (accepted or wait-listed) and withdrew;
their other submissions stay ``duplicate``.

This module's selection (:func:`select_registrations`) is pure and vectorised; :func:`mentoring_lib.pipeline.drivers.run`
reads the exports, normalises, pseudonymises, selects and writes the stage's outputs.
"""
from __future__ import annotations

import datetime as dt
import re
import warnings
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from mentoring_lib.config import COLUMN_FIELDS
from mentoring_lib.io.readers import NOT_SUBMITTED

#: Every status a registration row can end with (report order).
STATUSES: tuple[str, ...] = ("accepted", "waitlisted", "withdrawn", "late", "duplicate", "excluded")
ROLES: tuple[str, ...] = ("mentor", "participant")
#: The input kind holding each role's registrations.
KIND_OF_ROLE = {"mentor": "mentor_registrations", "participant": "participant_registrations"}
#: Exclusion reason (the start of the reason text, and the data-quality record's label); the other one,
#: NOT_SUBMITTED ("incomplete (not submitted)"), is shared with the feedback stage.
NO_VALID_EMAIL = "no valid e-mail address"


@dataclass(frozen=True)
class SelectionRules:
    """The announced rules for one role: deadline, places, test-submission patterns, withdrawals."""

    deadline: dt.date
    places: int
    timezone: str = "Europe/Helsinki"
    whole_day: bool = True
    email_patterns: tuple[str, ...] = ()
    name_patterns: tuple[str, ...] = ()
    #: Withdrawals dated after this day free no place (None: every withdrawal promotes).
    promote_until: dt.date | None = None

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def cutoff(self) -> pd.Timestamp:
        """The first instant that is too late (exclusive bound).

        Whole day: local midnight that starts the day after the deadline day, so
        23:59:59.999999 on the deadline day is in time. Otherwise local midnight that starts
        the deadline day (the deadline date is the first day that is too late).
        """
        day = self.deadline + dt.timedelta(days=1) if self.whole_day else self.deadline
        # Midnight can be missing (spring-forward at 00:00 in some zones) or doubled; take the
        # first instant of the local day in both cases.
        return pd.Timestamp(day).tz_localize(self.timezone, nonexistent="shift_forward", ambiguous=True)

    def describe_deadline(self) -> str:
        if self.whole_day:
            return f"end of {self.deadline.isoformat()}, {self.timezone} time"
        return f"start of {self.deadline.isoformat()}, {self.timezone} time"

    @classmethod
    def from_config(cls, config, role: str) -> "SelectionRules":
        """The rules for ``role`` ("mentor" or "participant") from a TermConfig."""
        reg = config.registration
        deadline = reg.mentor_deadline if role == "mentor" else reg.participant_deadline
        places = reg.mentor_places if role == "mentor" else reg.participant_places
        return cls(
            deadline=deadline,
            places=int(places),
            timezone=getattr(reg, "deadline_timezone", None) or config.term.timezone,
            whole_day=reg.deadline_includes_whole_day,
            email_patterns=tuple(reg.test_submissions.email_patterns),
            name_patterns=tuple(reg.test_submissions.name_patterns),
            promote_until=getattr(reg, "promote_until", None),
        )


def _first_match(values: pd.Series, patterns: tuple[str, ...]) -> pd.Series:
    """The first pattern each value matches (case-insensitive), or NA."""
    out = pd.Series(pd.NA, index=values.index, dtype="object")
    text = values.astype("object").where(values.notna(), "").astype(str)
    for pattern in patterns:
        with warnings.catch_warnings():  # "has match groups": the rules may use groups, we only test
            warnings.simplefilter("ignore", UserWarning)
            hit = text.str.contains(pattern, regex=True, flags=re.IGNORECASE) & out.isna()
        out = out.mask(hit, pattern)
    return out


def _flag(rows: pd.DataFrame, column: str) -> pd.Series:
    """An optional boolean column of ``rows`` (False where absent or missing)."""
    if column not in rows:
        return pd.Series(False, index=rows.index)
    return rows[column].astype(object).where(rows[column].notna(), False).astype(bool)


def _int_text(s: pd.Series) -> pd.Series:
    """Integer-valued Series (possibly with NA) as text, '' where missing."""
    return s.astype("Int64").astype("string").fillna("").astype(object)


def select_registrations(rows: pd.DataFrame, rules: SelectionRules,
                         withdrawals: pd.DataFrame | None = None) -> pd.DataFrame:
    """Apply the announced rules to one role's registration rows.

    ``rows`` columns: ``row`` (the Excel row), ``email_norm`` (normalised e-mail or NA),
    ``submitted_at`` (tz-aware), ``complete`` (bool); optional ``source`` (input id; ties between
    inputs follow their first appearance in ``rows``), ``person_id`` (the key identifying a person;
    defaults to ``email_norm``), ``name`` (for the test rules), ``missing`` (text naming the
    unanswered required fields, used in the incomplete reason), ``no_consent`` (bool: the row's
    consent answer is not agreement; the row is excluded, whatever the person's other rows),
    ``not_submitted`` (bool: the tool records the response as unfinished; its ``submitted_at`` may
    be missing), ``email_invalid`` (bool: an answer was given but it is not an e-mail address;
    ``email_norm`` is NA there).

    ``withdrawals`` (optional) columns: ``person_id`` or ``email_norm`` (whichever ``rows`` keys
    people by) and ``withdrawn_on`` (a date).

    Returns a frame with ``rows``' index and columns ``status``, ``reason``, ``queue_position``,
    ``waitlist_position``, ``late_position`` (Int64), ``promoted`` (bool), ``withdrawn_on``,
    ``duplicate_of_source``, ``duplicate_of_row``, ``test_rule``. Pure: no I/O, no loops over rows.
    """
    if rows.index.has_duplicates:
        raise ValueError("rows must have a unique index")
    n = len(rows)
    idx = rows.index
    source = rows["source"].astype(str) if "source" in rows else pd.Series("input", index=idx)
    excel_row = rows["row"].astype("int64")
    submitted = pd.to_datetime(rows["submitted_at"])
    if submitted.dt.tz is None:
        raise ValueError("submitted_at must be timezone-aware")
    unsent = _flag(rows, "not_submitted")
    if (submitted.isna() & ~unsent).any():
        raise ValueError("submitted_at has missing values; report them as input errors first")
    email_invalid = _flag(rows, "email_invalid")
    email = rows["email_norm"].astype(object).where(rows["email_norm"].notna(), None)
    has_email = email.notna() & (email.astype(str).str.len() > 0)
    key_col = "person_id" if "person_id" in rows else "email_norm"
    key = rows[key_col].astype(object).where(has_email, None)
    complete = rows["complete"].fillna(False).astype(bool) if "complete" in rows else pd.Series(True, index=idx)
    refused = (rows["no_consent"].astype("boolean").fillna(False).astype(bool) if "no_consent" in rows
               else pd.Series(False, index=idx))
    name = rows["name"] if "name" in rows else pd.Series(pd.NA, index=idx, dtype="object")

    # Submission order: time, then input order, then the export's row order.
    src_rank = pd.Series(pd.factorize(source)[0], index=idx)
    # A response never submitted has no time; it takes no place, so its order does not matter.
    t_ns = submitted.fillna(rules.cutoff).dt.tz_convert("UTC").astype("int64")
    order = np.lexsort((excel_row.to_numpy(), src_rank.to_numpy(), t_ns.to_numpy()))
    seq = pd.Series(np.empty(n, dtype="int64"), index=idx)
    seq.iloc[order] = np.arange(n)

    # 1. Test submissions, responses never submitted and rows without a (valid) e-mail.
    email_rule = _first_match(email, rules.email_patterns)
    name_rule = _first_match(name, rules.name_patterns)
    is_test = email_rule.notna() | name_rule.notna()
    unsent = ~is_test & unsent
    no_email = ~is_test & ~unsent & ~has_email
    no_consent = ~is_test & ~unsent & has_email & refused
    eligible = ~is_test & ~unsent & has_email & ~refused

    # 2. The row that holds each person's place: first complete in-time, else first complete late.
    on_time = submitted < rules.cutoff
    cand = pd.DataFrame({"key": key, "late": ~on_time, "seq": seq})[eligible & complete]
    cand = cand.sort_values(["late", "seq"], kind="stable")
    anchor_of_key = cand.drop_duplicates("key").reset_index(names="_anchor").set_index("key")["_anchor"]
    is_anchor = pd.Series(False, index=idx)
    is_anchor.loc[anchor_of_key.to_numpy()] = True
    anchor_label = key.map(anchor_of_key)
    person_has_anchor = anchor_label.notna()
    incomplete = eligible & ~person_has_anchor
    duplicate = eligible & person_has_anchor & ~is_anchor

    # 3./4. The queue (in-time anchors by submission order) and the late list.
    queued = is_anchor & on_time
    late = is_anchor & ~on_time
    queue_pos = pd.Series(pd.NA, index=idx, dtype="Int64")
    qidx = seq[queued].sort_values().index
    queue_pos.loc[qidx] = np.arange(1, len(qidx) + 1)
    late_pos = pd.Series(pd.NA, index=idx, dtype="Int64")
    lidx = seq[late].sort_values().index
    late_pos.loc[lidx] = np.arange(1, len(lidx) + 1)

    # 6. Withdrawals (earliest date per person), matched to queued people.
    withdrawn_on = pd.Series(pd.NaT, index=idx, dtype="datetime64[s]")
    if withdrawals is not None and len(withdrawals):
        # Match on the pseudonym when both sides have it, else on the normalised e-mail.
        by_id = key_col == "person_id" and "person_id" in withdrawals
        wkey, row_key = ("person_id", key) if by_id else ("email_norm", email)
        w = withdrawals[[wkey, "withdrawn_on"]].dropna(subset=[wkey])
        w_dates = pd.to_datetime(w["withdrawn_on"]).astype("datetime64[s]")
        first = w_dates.groupby(w[wkey].astype(object).to_numpy()).min()
        withdrawn_on = row_key.map(first).astype("datetime64[s]").where(queued)
    is_withdrawn = queued & withdrawn_on.notna()
    if rules.promote_until is not None:
        frees_place = is_withdrawn & (withdrawn_on <= pd.Timestamp(rules.promote_until))
    else:
        frees_place = is_withdrawn
    # 5. Places: the first `places` of the queue without the place-freeing withdrawals; a late
    # withdrawal (after promote_until) keeps its place empty.
    remaining = queued & ~frees_place
    rem_rank = pd.Series(pd.NA, index=idx, dtype="Int64")
    ridx = seq[remaining].sort_values().index
    rem_rank.loc[ridx] = np.arange(1, len(ridx) + 1)
    within = remaining & (rem_rank <= rules.places).fillna(False)
    accepted = within & ~is_withdrawn
    waitlisted = remaining & ~within & ~is_withdrawn
    wl_pos = pd.Series(pd.NA, index=idx, dtype="Int64")
    widx = seq[waitlisted].sort_values().index
    wl_pos.loc[widx] = np.arange(1, len(widx) + 1)
    promoted = accepted & (queue_pos > rules.places).fillna(False)

    status = pd.Series(np.select(
        [is_test.to_numpy(), unsent.to_numpy(), no_email.to_numpy(), no_consent.to_numpy(), incomplete.to_numpy(),
         duplicate.to_numpy(), late.to_numpy(), is_withdrawn.to_numpy(), accepted.to_numpy(), waitlisted.to_numpy()],
        ["excluded", "excluded", "excluded", "excluded", "excluded", "duplicate", "late", "withdrawn", "accepted",
         "waitlisted"],
        default="",
    ), index=idx, dtype=object)
    if (status == "").any():  # an internal inconsistency, never a user error
        raise AssertionError("a registration row got no status")

    # Reasons (no personal values: positions, rules, row numbers, dates of withdrawal only).
    places = str(rules.places)
    q = _int_text(queue_pos)
    anchor_src = anchor_label.map(source).astype(object)
    anchor_row = anchor_label.map(excel_row).astype("Int64")
    missing = (rows["missing"].astype(object).where(rows["missing"].notna(), "")
               if "missing" in rows else pd.Series("", index=idx, dtype=object))
    missing_text = pd.Series(np.where(missing != "", " (unanswered: " + missing + ")", ""), index=idx,
                             dtype=object)
    w_date = withdrawn_on.dt.strftime("%Y-%m-%d").astype(object)
    reason_when = {
        "test_email": "test submission: e-mail matches the rule '" + email_rule.astype(object).fillna("") + "'",
        "test_name": "test submission: name matches the rule '" + name_rule.astype(object).fillna("") + "'",
        "not_submitted": pd.Series(NOT_SUBMITTED + ": the survey tool records the response as unfinished",
                                   index=idx, dtype=object),
        "no_valid_email": pd.Series(NO_VALID_EMAIL + ": the answer is not an address such as name@university.example.fi, "
                                    "so the person cannot be identified or told the outcome", index=idx, dtype=object),
        "no_email": pd.Series("no e-mail address, so the person cannot be identified or told the outcome",
                              index=idx, dtype=object),
        "no_consent": pd.Series("no consent: the consent answer is not one that the term accepts as agreement",
                                index=idx, dtype=object),
        "incomplete": "incomplete submission" + missing_text + "; the person sent no complete one",
        "incomplete_dup": ("incomplete submission" + missing_text + "; the person's complete submission, row "
                           + _int_text(anchor_row) + " of " + anchor_src.fillna("") + ", holds their place"),
        "duplicate": ("repeat submission by the same person (same e-mail after normalisation); their "
                      "registration is row " + _int_text(anchor_row) + " of " + anchor_src.fillna("")),
        "late": ("submitted after the deadline (" + rules.describe_deadline() + "); late list position "
                 + _int_text(late_pos)),
        "withdrawn": ("withdrew on " + w_date.fillna("") + " (queue position " + q + ")"
                      + np.where(is_withdrawn & ~frees_place,
                                 "; after " + str(rules.promote_until) + ", so nobody was promoted", "")),
        "accepted": ("place in submission order: queue position " + q + ", within the " + places
                     + " places"),
        "promoted": ("promoted from the wait-list after withdrawals freed a place (queue position " + q
                     + ", wait-list position " + _int_text(queue_pos - rules.places) + " before withdrawals)"),
        "waitlisted": ("wait-list position " + _int_text(wl_pos) + " (queue position " + q
                       + "; all " + places + " places taken by earlier submissions)"),
    }
    conditions = [
        email_rule.notna(), is_test, unsent, no_email & email_invalid, no_email, no_consent, incomplete,
        duplicate & ~complete, duplicate, late, is_withdrawn, promoted, accepted, waitlisted,
    ]
    keys = ["test_email", "test_name", "not_submitted", "no_valid_email", "no_email", "no_consent", "incomplete",
            "incomplete_dup", "duplicate", "late", "withdrawn", "promoted", "accepted", "waitlisted"]
    reason = pd.Series(np.select([c.to_numpy() for c in conditions],
                                 [reason_when[k].astype(object).to_numpy() for k in keys], default=""),
                       index=idx, dtype=object)

    return pd.DataFrame({
        "status": status,
        "reason": reason,
        "queue_position": queue_pos,
        "waitlist_position": wl_pos,
        "late_position": late_pos,
        "promoted": promoted.astype(bool),
        "withdrawn_on": withdrawn_on.where(is_withdrawn).dt.date.astype(object).where(is_withdrawn, None),
        "duplicate_of_source": anchor_src.where(duplicate, None),
        "duplicate_of_row": anchor_row.where(duplicate),
        "test_rule": email_rule.fillna(name_rule).where(is_test, None),
    }, index=idx)


def status_counts(selected: pd.DataFrame) -> dict[str, int]:
    """Rows per status, in report order (every status present, zeros included)."""
    counts = selected["status"].value_counts()
    return {s: int(counts.get(s, 0)) for s in STATUSES}


def check_reconciles(selected: pd.DataFrame, rows_read: int) -> None:
    """Raise AssertionError unless the status counts add up to the rows read."""
    counts = status_counts(selected)
    if sum(counts.values()) != rows_read or len(selected) != rows_read:
        raise AssertionError(f"registration counts do not reconcile: {counts} vs {rows_read} rows read")


# ---------------------------------------------------------------------------------------------
# The stage: read, normalise, pseudonymise, select, write.

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
    from mentoring_lib.privacy.pseudonym import normalise_email, valid_email
    from mentoring_lib.io.readers import not_submitted, parse_datetimes, read_export, select_columns

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
    from mentoring_lib.privacy.pseudonym import email_in_domains
    from mentoring_lib.errors import row_ranges

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
    from mentoring_lib.privacy.pseudonym import normalise_email
    from mentoring_lib.io.readers import parse_datetimes, read_export, select_columns

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


def select_term(rows: pd.DataFrame, config, withdrawals: pd.DataFrame | None = None) -> pd.DataFrame:
    """Select every role of a term: ``rows`` (from :func:`read_registration_input`, all roles) with the
    selection columns added. Each role has its own deadline, places and queue."""
    parts = []
    for role in ROLES:
        mine = rows[rows["role"] == role]
        w = None
        if withdrawals is not None and len(withdrawals):
            w = withdrawals[withdrawals["role"].isna() | (withdrawals["role"] == role)]
        parts.append(select_registrations(mine, SelectionRules.from_config(config, role), w))
    selected = pd.concat(parts).reindex(rows.index)
    return rows.join(selected)


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
                           index=True, epoch=ctx.source_date_epoch)

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
