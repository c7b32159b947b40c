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
