"""A synthetic term of exports, shaped and messed up the way the real survey tools write them.

``write_demo_term(out_dir, seed, scale)`` writes, into ``out_dir``:

- ``mentor_registrations.xlsx``: a Microsoft Forms export (sheet "Sheet1"; ID, Start time,
  Completion time, Email, Name, then the questions; times are Excel datetimes in Helsinki local
  time shown as ``m/d/yy h:mm:ss``; multi-select answers joined with ``;`` and ending in ``;``).
- ``participant_registrations.csv``: a Google Forms responses CSV (UTF-8 without BOM, comma,
  CRLF; "Timestamp" first, written by a Finnish-locale sheet as ``20.9.2026 14.15.07`` -- day
  first, dots in the time -- then "Email address"; checkbox answers joined with ``, ``).
- ``withdrawals.csv`` (Email, Date, Reason): the coordinator's list.
- ``training_attendance.xlsx`` / ``group_attendance.xlsx``: the coordinator's sheets, a row a
  person, a column a session, ticks spelled in several ways.
- the three survey exports, written by :mod:`mentoring_lib.demo.demodata_surveys` (if present).
- ``expected_statuses.csv``: the status every registration row must get under the announced
  rules (the answer key; see :func:`mentoring_lib.demo.answer_key.hand_applied_statuses`).

The mess is deliberate and known by construction: duplicate submissions whose e-mails differ in
case, surrounding spaces or a zero-width space; a first submission that skipped the consent
question, followed by a complete one (the complete one holds the place); test submissions; late submissions, one exactly at
the first second after the deadline and one at the deadline day's last second (in time); two
different people with the very same submission time; names with ä, ö, å, accents and one
non-Latin script; skipped optional questions; multi-line open-text answers; schools spelled in
Finnish, Swedish, English and abbreviations.

Deterministic: everything comes from ``numpy.random.Generator`` streams spawned from ``seed``;
nothing reads the clock; xlsx files get fixed document dates and zip member times, so the same
seed and scale give byte-identical files.

``scale=K`` multiplies people, places, groups and every quirk by K (K=100: 4,100 mentor
applications, 12,100 participant registrations); the summary's ``places`` says which places the
ground truth assumes, and :func:`write_scaled_config` writes the matching term config.
"""
from __future__ import annotations

import datetime as dt
import importlib
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from mentoring_lib.demo.demodata_registrations import (_add_incomplete_first, _people_pool, _registrations,
                                                     write_mentor_xlsx, write_participant_csv)
from mentoring_lib.demo.files import tick_cells, write_attendance, write_csv


# -- the demo term ------------------------------------------------------------------------------

TIMEZONE = "Europe/Helsinki"

MENTOR_FILE = "mentor_registrations.xlsx"
PARTICIPANT_FILE = "participant_registrations.csv"
WITHDRAWALS_FILE = "withdrawals.csv"
TRAINING_FILE = "training_attendance.xlsx"
GROUP_FILE = "group_attendance.xlsx"
EXPECTED_FILE = "expected_statuses.csv"
SURVEY_FILES = ("feedback_before.csv", "feedback_after.csv", "mentor_feedback.xlsx")


@dataclass(frozen=True)
class DemoTerm:
    """The demo term's calendar and sizes (at scale 1; ``scaled`` multiplies the sizes)."""

    name: str = "demo"
    timezone: str = TIMEZONE
    start: dt.date = dt.date(2026, 10, 1)
    end: dt.date = dt.date(2026, 12, 18)
    mentor_opens: dt.datetime = dt.datetime(2026, 8, 24, 9, 0, 0)
    mentor_deadline: dt.date = dt.date(2026, 9, 13)
    participant_opens: dt.datetime = dt.datetime(2026, 8, 31, 9, 0, 0)
    participant_deadline: dt.date = dt.date(2026, 9, 27)
    mentor_places: int = 16
    participant_places: int = 80
    groups: int = 8
    training_dates: tuple[dt.date, ...] = (dt.date(2026, 9, 22), dt.date(2026, 9, 29), dt.date(2026, 10, 6))
    meeting_dates: tuple[dt.date, ...] = (
        dt.date(2026, 10, 13), dt.date(2026, 10, 27), dt.date(2026, 11, 3),
        dt.date(2026, 11, 17), dt.date(2026, 12, 1), dt.date(2026, 12, 15))
    scale: int = 1

    def scaled(self, k: int) -> "DemoTerm":
        return DemoTerm(mentor_places=self.mentor_places * k, participant_places=self.participant_places * k,
                        groups=self.groups * k, scale=k)

    @property
    def training_headers(self) -> list[str]:
        return [f"Training {i} ({d.isoformat()})" for i, d in enumerate(self.training_dates, 1)]

    @property
    def meeting_headers(self) -> list[str]:
        return [f"Meeting {i} ({d.isoformat()})" for i, d in enumerate(self.meeting_dates, 1)]


DEMO_TERM = DemoTerm()

#: Row counts at scale 1, by kind of row (multiplied by ``scale``).
MENTOR_ROWS = {"test": 1, "duplicate": 3, "late": 3, "queued": 33}          # 40 applications
PARTICIPANT_ROWS = {"test": 1, "duplicate": 6, "late": 7, "queued": 106}    # 120 registrations
#: Accepted people who withdraw, per role (so each wait-list promotes), at scale 1.
WITHDRAWALS_PER_ROLE = 1
#: People per role whose first submission skipped the consent question (incomplete) and who
#: submitted again, completely, later (at scale 1; on top of the rows above).
INCOMPLETE_FIRST_PER_ROLE = 1

def _ground_truth(rows: pd.DataFrame, places: int, withdrawn_people: np.ndarray) -> pd.DataFrame:
    """Status of every row by construction: the kinds are known, so no matching is needed."""
    kind = rows["kind"].to_numpy()
    queued = np.flatnonzero(kind == "queued")            # already in submission order
    queue_position = pd.Series(pd.NA, index=rows.index, dtype="Int64")
    queue_position.iloc[queued] = np.arange(1, len(queued) + 1)
    person = rows["person"].to_numpy()
    is_withdrawn = np.isin(person, withdrawn_people) & (kind == "queued")
    is_duplicate = (kind == "duplicate") | (kind == "incomplete")
    status = np.select([kind == "test", is_duplicate, kind == "late"],
                       ["excluded", "duplicate", "late"], "").astype(object)
    # Places fill in queue order, skipping the people who withdrew (each promotes the next).
    still = (kind == "queued") & ~is_withdrawn
    rank = np.cumsum(still) * still
    status[still & (rank <= places)] = "accepted"
    status[still & (rank > places)] = "waitlisted"
    status[is_withdrawn] = "withdrawn"
    promoted = still & (rank <= places) & (queue_position.fillna(0).to_numpy() > places)
    waitlist_position = pd.Series(pd.NA, index=rows.index, dtype="Int64")
    wl = status == "waitlisted"
    waitlist_position[wl] = rank[wl] - places
    reason = np.select(
        [kind == "test", kind == "duplicate", kind == "incomplete", kind == "late", is_withdrawn, promoted,
         status == "accepted", status == "waitlisted"],
        ["test submission", "a later submission by someone already in the queue",
         "incomplete (consent not given); the person's later complete submission holds the place",
         "after the deadline",
         "withdrew after being accepted", "promoted from the wait-list after a withdrawal",
         "within the places", "places full"], "")
    return pd.DataFrame({"status": status, "reason": reason, "queue_position": queue_position,
                         "waitlist_position": waitlist_position, "promoted": promoted})


def _choose_withdrawn(rows: pd.DataFrame, places: int, rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` accepted people (within the places, not the tied pair, nobody with a duplicate) who
    withdraw before the programme starts; each frees a place for the wait-list."""
    queued = rows[rows["kind"] == "queued"].head(places)
    has_dup = queued["person"].isin(rows.loc[rows["kind"] == "duplicate", "person"])
    eligible = queued.loc[(queued["quirk"] == "") & ~has_dup, "person"].to_numpy()
    return np.sort(rng.choice(eligible, size=n, replace=False))


def _role_truth(rows: pd.DataFrame, role: str, places: int, withdrawn: np.ndarray, input_id: str,
                timezone: str = TIMEZONE) -> pd.DataFrame:
    """One role's ground truth: every registration row (Excel row from 2, the file order) with
    what was done to it and the status it must get (:func:`_ground_truth`)."""
    gt = _ground_truth(rows, places, withdrawn)
    submitted = pd.Series(pd.to_datetime(rows["submitted"].to_numpy())).dt.tz_localize(timezone)
    return pd.concat([pd.DataFrame({
        "input": input_id, "row": np.arange(2, len(rows) + 2), "role": role,
        "email": rows["email"].to_numpy(), "name": rows["name"].to_numpy(), "submitted_at": submitted,
        "kind": rows["kind"].to_numpy(), "quirk": rows["quirk"].to_numpy(),
        "person": rows["person"].to_numpy()}), gt.reset_index(drop=True)], axis=1)


# -- attendance ---------------------------------------------------------------------------------

def _attendance(rng: np.random.Generator, n: int, sessions: int, p_attend: float, p_stay: float,
                p_never: float) -> tuple[np.ndarray, np.ndarray]:
    """Attendance matrix (bool, n x sessions) with drop-out, and each person's last session (0..)."""
    stays = rng.random(n) < p_stay
    last = np.where(stays, sessions, rng.integers(1, sessions, size=n))
    last[rng.random(n) < p_never] = 0
    present = (rng.random((n, sessions)) < p_attend) & (np.arange(1, sessions + 1)[None, :] <= last[:, None])
    return present, last


def _scaled(counts: dict[str, int], k: int) -> dict[str, int]:
    return {key: v * k for key, v in counts.items()}


def write_demo_term(out_dir, seed: int = 2026, scale: int = 1) -> dict:
    """Write a synthetic term of exports into ``out_dir`` and return what was written.

    The summary holds ``seed``, ``scale``, ``term`` (the :class:`DemoTerm` as a dict), ``places``,
    ``files`` (name -> rows), ``counts`` (role -> status -> rows), ``ground_truth`` (a DataFrame: one
    row per registration row with ``input``, ``row`` (the Excel row number), ``role``, ``email``,
    ``name``, ``submitted_at`` (tz-aware), ``kind``, ``quirk``, ``status``, ``reason``,
    ``queue_position``, ``waitlist_position``, ``promoted``) and ``people`` (one row per person;
    see :func:`people_table`). Deterministic for ``seed`` and ``scale``.
    """
    if int(scale) != scale or scale < 1:
        raise ValueError("scale must be a whole number >= 1")
    scale = int(scale)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    term = DEMO_TERM.scaled(scale)
    # One stream per concern (spawn(n) extends, never changes, the first streams).
    streams = np.random.SeedSequence(seed).spawn(7)
    rng_people, rng_mentor, rng_participant, rng_attend, rng_surveys, rng_incomplete, rng_mentor_own = (
        np.random.default_rng(s) for s in streams)

    m_counts = _scaled(MENTOR_ROWS, scale)
    p_counts = _scaled(PARTICIPANT_ROWS, scale)
    n_m = m_counts["queued"] + m_counts["late"]
    n_p = p_counts["queued"] + p_counts["late"]
    pool = _people_pool(rng_people, n_m + n_p, n_non_latin=scale)
    mentor_pool = pool.iloc[:n_m].reset_index(drop=True)
    participant_pool = pool.iloc[n_m:].reset_index(drop=True)

    mentors = _registrations(rng_mentor, mentor_pool, "mentor", term, m_counts, zw_space=True)
    participants = _registrations(rng_participant, participant_pool, "participant", term, p_counts,
                                  zw_space=False)

    # Withdrawals: accepted people (not the tied pair, nobody with a duplicate) withdraw before
    # the programme starts; each frees a place for the wait-list.
    n_w = WITHDRAWALS_PER_ROLE * scale
    withdrawn = {"mentor": _choose_withdrawn(mentors, term.mentor_places, rng_mentor, n_w),
                 "participant": _choose_withdrawn(participants, term.participant_places, rng_participant, n_w)}
    mentors = _add_incomplete_first(mentors, rng_incomplete, INCOMPLETE_FIRST_PER_ROLE * scale,
                                    term.mentor_opens, withdrawn["mentor"])
    participants = _add_incomplete_first(participants, rng_incomplete, INCOMPLETE_FIRST_PER_ROLE * scale,
                                         term.participant_opens, withdrawn["participant"])

    truth = pd.concat([
        _role_truth(mentors, "mentor", term.mentor_places, withdrawn["mentor"], "mentor_registrations"),
        _role_truth(participants, "participant", term.participant_places, withdrawn["participant"],
                    "participant_registrations")], ignore_index=True)

    # Withdrawals file: the mentor before trainings start, participants before the groups start;
    # the e-mail as the coordinator typed it (case differs from the form's).
    w_rows = truth[truth["status"] == "withdrawn"]
    w_date = np.where(w_rows["role"] == "mentor", "2026-09-18", "2026-10-02")
    reasons = np.array(["Started a new job and has no time this autumn", "Moving abroad for a research visit",
                        "Health reasons", "Schedule clash with teaching"], dtype=object)
    withdrawals = pd.DataFrame({
        "Email": [e.strip().title() if i % 2 == 0 else e.strip() for i, e in enumerate(w_rows["email"])],
        "Date": w_date,
        "Reason": reasons[np.arange(len(w_rows)) % len(reasons)],
    }).sort_values(["Date", "Email"], kind="stable")

    # Attendance of the people accepted after withdrawals.
    final = truth[truth["status"] == "accepted"]
    acc_m = final[final["role"] == "mentor"]
    acc_p = final[final["role"] == "participant"]
    t_present, t_last = _attendance(rng_attend, len(acc_m), len(term.training_dates), 0.9, 0.97, 0.0)
    # The mentor withdrawal (18 Sept) comes before the first training, so a promoted mentor can
    # attend them all. The forced cases below make certificate eligibility interesting.
    m_present, m_last = _attendance(rng_attend, len(acc_m), len(term.meeting_dates), 0.93, 0.92, 0.0)
    p_present, p_last = _attendance(rng_attend, len(acc_p), len(term.meeting_dates), 0.82, 0.7, 0.05)
    forced = {}
    if len(acc_m) >= 3:
        # Mentor 1: exactly the minimum (2 trainings, 4 meetings); mentor 2: one training only;
        # mentor 3: three meetings only.
        t_present[0] = [True, True, False]
        m_present[0] = [True, True, False, True, True, False]
        t_present[1] = [True, False, False]
        m_present[2] = [True, True, True, False, False, False]
        m_last[2] = 3
        forced = {"exactly_minimum": 0, "one_training": 1, "three_meetings": 2}

    def sheet_emails(emails: pd.Series) -> list[str]:
        # The coordinator pasted most addresses from the roster; one in capitals, one with a space.
        e = emails.str.strip().tolist()
        if len(e) > 3:
            e[1] = e[1].upper()
            e[3] = e[3] + " "
        return e

    mentor_people = acc_m.assign(email_clean=acc_m["email"].str.strip())
    order_m = np.argsort(mentor_people["name"].str.casefold().to_numpy(), kind="stable")
    write_attendance(out / TRAINING_FILE, mentor_people["name"].to_numpy()[order_m],
                      sheet_emails(mentor_people["email"].iloc[order_m].reset_index(drop=True)),
                      term.training_headers, tick_cells(rng_attend, t_present)[order_m])
    group_names = np.concatenate([acc_m["name"].to_numpy(), acc_p["name"].to_numpy()])
    group_emails = pd.Series(np.concatenate([acc_m["email"].to_numpy(), acc_p["email"].to_numpy()]))
    group_present = np.vstack([m_present, p_present])
    order_g = np.argsort(pd.Series(group_names).str.casefold().to_numpy(), kind="stable")
    write_attendance(out / GROUP_FILE, group_names[order_g],
                      sheet_emails(group_emails.iloc[order_g].reset_index(drop=True)),
                      term.meeting_headers, tick_cells(rng_attend, group_present)[order_g])

    write_mentor_xlsx(out / MENTOR_FILE, mentors)
    write_participant_csv(out / PARTICIPANT_FILE, participants)
    write_csv(out / WITHDRAWALS_FILE, withdrawals)

    people = people_table(truth)
    sessions = len(term.meeting_dates)
    attended = pd.DataFrame({
        "person": np.concatenate([acc_m["person"], acc_p["person"]]),
        "role": ["mentor"] * len(acc_m) + ["participant"] * len(acc_p),
        "trainings_attended": np.concatenate([t_present.sum(axis=1), np.zeros(len(acc_p), int)]),
        "meetings_attended": group_present.sum(axis=1),
        "last_meeting": np.concatenate([m_last, p_last]),
        # Still taking part at the end of the term: attended one of the last two meetings.
        "active": group_present[:, sessions - 2:].any(axis=1),
    })
    people = people.merge(attended, on=["person", "role"], how="left")
    for c in ("trainings_attended", "meetings_attended", "last_meeting"):
        people[c] = people[c].fillna(0).astype(int)
    people["active"] = people["active"].fillna(False).astype(bool)

    expected = truth[["input", "row", "role", "status", "queue_position", "waitlist_position", "reason"]]
    write_csv(out / EXPECTED_FILE, expected)

    surveys_written = _write_surveys(out, people, rng_surveys, term)
    # The mentors' own before/after survey and support meetings (demodata_mentors), from a stream of
    # their own: the participants' exports stay as they were.
    from mentoring_lib.demo.demodata_mentors import write_mentor_exports

    mentor_files = write_mentor_exports(out, people.drop(columns="person"), rng_mentor_own,
                                        first_training=term.training_dates[0], last_meeting=term.meeting_dates[-1])

    counts = {role: truth[truth["role"] == role]["status"].value_counts().sort_index().to_dict()
              for role in ("mentor", "participant")}
    files = {MENTOR_FILE: len(mentors), PARTICIPANT_FILE: len(participants),
             WITHDRAWALS_FILE: len(withdrawals),
             TRAINING_FILE: len(acc_m), GROUP_FILE: len(acc_m) + len(acc_p), EXPECTED_FILE: len(expected)}
    return {
        "seed": seed, "scale": scale, "term": asdict(term),
        "places": {"mentor": term.mentor_places, "participant": term.participant_places,
                   "groups": term.groups},
        "files": files, "surveys_written": surveys_written, "mentor_files": mentor_files, "counts": counts,
        "certificate_cases": {k: acc_m["email"].iloc[v].strip() for k, v in forced.items()},
        "ground_truth": truth.drop(columns="person"), "people": people.drop(columns="person"),
    }


def people_table(truth: pd.DataFrame) -> pd.DataFrame:
    """One row per person (their first submission): name, email, role, status, person.

    A person's status is that of the row holding their place (duplicates collapse into it); test
    submissions are people with status ``excluded``. ``email`` is the address as first submitted,
    without surrounding spaces.
    """
    first = truth[truth["status"] != "duplicate"]
    return pd.DataFrame({
        "name": first["name"].to_numpy(), "email": first["email"].str.strip().to_numpy(),
        "role": first["role"].to_numpy(), "status": first["status"].to_numpy(),
        "person": first["person"].to_numpy(),
    })


def _write_surveys(out: Path, people: pd.DataFrame, rng: np.random.Generator, term: DemoTerm) -> bool:
    """Call the survey engineer's writer when it exists.

    TODO(lead): mentoring_lib/demo/demodata_surveys.py is owned by the survey engineer; until it exists the
    three survey exports are not written (the config lists them, so a run needs them).
    """
    try:
        module = importlib.import_module("mentoring_lib.demo.demodata_surveys")
    except ModuleNotFoundError as e:
        if e.name != "mentoring_lib.demo.demodata_surveys":
            raise
        return False
    module.write_survey_exports(out, people.drop(columns="person"), rng, term)
    return True


def write_scaled_config(config_path, demo_config, data_dir, scale: int) -> Path:
    """Write a term config for a ``scale``-times demo term (benchmarks), derived from ``demo_config``.

    Places and groups are multiplied by ``scale``, the term is named ``demo-x<scale>``,
    ``data_dir`` points at the folder ``write_demo_term(data_dir, scale=scale)`` wrote, and the
    demo config's other relative paths (codebook, reports) are made absolute so the new file can
    live anywhere. The demo's certificate overrides and approved quotes are copied for scale 1
    and left out of larger terms (they name demo people). Returns the path written.
    """
    import yaml

    demo_config = Path(demo_config).resolve()
    raw = yaml.safe_load(demo_config.read_text(encoding="utf-8"))
    base = demo_config.parent
    raw["term"]["name"] = f"demo-x{int(scale)}"
    raw["term"]["title"] = f"{raw['term']['title']} x{int(scale)}"
    demo_data_dir = raw.get("data_dir")
    raw["data_dir"] = str(Path(data_dir).resolve())
    raw["reports_dir"] = str((base / raw.get("reports_dir", "../reports")).resolve())
    if raw.get("codebook"):
        raw["codebook"] = str((base / raw["codebook"]).resolve())
    raw["registration"]["mentor_places"] *= int(scale)
    raw["registration"]["participant_places"] *= int(scale)
    raw["groups"]["count"] *= int(scale)
    # The coordinator's files kept in the demo data folder (certificate overrides, approved quotes)
    # name the demo term's people: copied for scale 1 (the same people), left out otherwise.
    demo_data = (base / demo_data_dir).resolve() if demo_data_dir else None
    for section, key in (("certificates", "overrides_file"), ("privacy", "approved_quotes_file")):
        name = (raw.get(section) or {}).get(key)
        if not name:
            continue
        source = demo_data / name if demo_data is not None else None
        if int(scale) == 1 and source is not None and source.is_file():
            shutil.copyfile(source, Path(data_dir) / name)
        else:
            del raw[section][key]
    path = Path(config_path)
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path
