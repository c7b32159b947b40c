"""A second synthetic term, "spring": other tools, headers, date orders and languages than the demo.

``write_spring_term(out_dir, seed)`` writes a small term (spring 2027, deadlines in January) of
another, made-up university, in Stockholm time (so the deadline's last second is 00:59:59 in
Helsinki), into ``out_dir``, with its term config and survey codebook next to the data, so
``mentoring run --config OUT/spring.yml`` runs it as it is:

- ``mentor_applications.csv``: a Google Forms responses CSV from a sheet in the US English
  locale: ``Timestamp`` written month first, ``1/12/2027 17:03:09`` (config ``date_order: mdy``),
  then ``Email Address`` and questions worded unlike the demo's; checkboxes joined with ``, ``.
- ``participant_signups.csv``: a LimeSurvey "CSV (full answers, question codes)" export: ``;``,
  every field quoted, UTF-8 with BOM; ``id, submitdate, lastpage, startlanguage, seed,
  startdate, datestamp`` then codes (``firstname``, ``lastname`` -- the name in two fields --
  ``email``, ``school`` ...); ISO times (``date_order: iso``).
- ``withdrawals.csv``: the coordinator's list with a ``Role`` column and Finnish dates
  (``12.1.2027``, ``date_order: dmy``).
- ``training_attendance.xlsx``: one workbook, two sheets ("Intro days": Training 1 and 2;
  "Follow-up": Training 3), read as two inputs of one kind; a wait-listed mentor who came to the
  first training is on it too.
- ``group_attendance.csv``: a ``;``-separated sheet with Finnish headers (``Sähköposti``,
  ``Nimi``, ``Tapaaminen 1 (1.2.)`` ...) and ticks such as ``läsnä`` / ``poissa``; the session
  columns are found by their names (no ``session_columns`` in the config).
- ``before_survey.xlsx``, ``after_survey.xlsx``, ``mentor_survey.xlsx``: Microsoft Forms exports
  with text answer labels (English, some Finnish; a few "en osaa sanoa"), one column per statement.
- ``spring.yml`` (the term config, demo key: the term is named ``demo-spring``) and
  ``codebook.yml`` (the demo codebook's instruments with this term's survey columns).

The answer key is decided when people are made, never by running the pipeline's code:

- ``expected_statuses.csv``: each registration row's status (the generator knows which rows are
  tests, duplicates, late, withdrawn; places are filled in queue order; see
  :func:`mentoring_lib.demo.demodata._ground_truth`);
- ``expected_certificates.csv``: every accepted mentor, the trainings and meetings ticked for
  them and whether the rule (``MIN_TRAININGS`` of the trainings and ``MIN_MEETINGS`` meetings)
  gives a certificate;
- ``expected_results.yml``: rows per status and role, certificates, and the number of accepted
  participants who answered both the before and the after survey (linked pre/post pairs).

Deterministic for ``seed`` (numpy streams spawned from it; fixed document dates in the xlsx
files). The registration mess is the demo's (shared helpers of :mod:`mentoring_lib.demo.demodata_registrations`):
test submissions, duplicates whose e-mails differ in case, spaces or a zero-width space, a first
submission without consent, late ones at the first second after the deadline, ties.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from mentoring_lib.demo import demodata as dd
from mentoring_lib.demo import demodata_registrations as dr
from mentoring_lib.demo import files
from mentoring_lib.demo import demodata_surveys as ds
from mentoring_lib.analysis.codebook import load_codebook

TERM_NAME = "demo-spring"
SPRING_TERM = dd.DemoTerm(
    name=TERM_NAME,
    timezone="Europe/Stockholm",
    start=dt.date(2027, 1, 25),
    end=dt.date(2027, 4, 30),
    mentor_opens=dt.datetime(2026, 12, 1, 9, 0, 0),
    mentor_deadline=dt.date(2027, 1, 10),
    participant_opens=dt.datetime(2026, 12, 8, 9, 0, 0),
    participant_deadline=dt.date(2027, 1, 17),
    mentor_places=8,
    participant_places=36,
    groups=4,
    training_dates=(dt.date(2027, 1, 13), dt.date(2027, 1, 15), dt.date(2027, 1, 20)),
    meeting_dates=(dt.date(2027, 2, 1), dt.date(2027, 2, 15), dt.date(2027, 3, 1), dt.date(2027, 3, 22),
                   dt.date(2027, 4, 12)),
)
#: Withdrawals: the mentor before the first training, the participant before the first meeting.
MENTOR_WITHDRAWS_ON = dt.date(2027, 1, 12)
PARTICIPANT_WITHDRAWS_ON = dt.date(2027, 1, 22)
PROMOTE_UNTIL = dt.date(2027, 1, 31)
#: The certificate rule of this term.
MIN_TRAININGS = 2
MIN_MEETINGS = 3

MENTOR_ROWS = {"test": 1, "duplicate": 3, "late": 2, "queued": 17}        # + 1 incomplete = 24
PARTICIPANT_ROWS = {"test": 1, "duplicate": 4, "late": 4, "queued": 48}   # + 1 incomplete = 58

MENTOR_FILE = "mentor_applications.csv"
PARTICIPANT_FILE = "participant_signups.csv"
WITHDRAWALS_FILE = "withdrawals.csv"
TRAINING_FILE = "training_attendance.xlsx"
TRAINING_SHEETS = {"Intro days": (0, 1), "Follow-up": (2,)}
GROUP_FILE = "group_attendance.csv"
SURVEY_FILES = {"before_survey": "before_survey.xlsx", "after_survey": "after_survey.xlsx",
                "mentor_survey": "mentor_survey.xlsx"}
CONFIG_FILE = "spring.yml"
CODEBOOK_FILE = "codebook.yml"
EXPECTED_STATUSES = "expected_statuses.csv"
EXPECTED_CERTIFICATES = "expected_certificates.csv"
EXPECTED_RESULTS = "expected_results.yml"

LANGUAGES = ("English", "Finnish", "German", "Spanish")
SLOTS = ("Monday 16–18", "Tuesday 12–14", "Wednesday 16–18", "Thursday 9–11")

MENTOR_CONSENT = ("I consent to my answers being used to organise the programme and, without my name, "
                  "to evaluate it")
MENTOR_COLUMNS = {
    "submitted_at": "Timestamp",
    "email": "Email Address",
    "name": "Full name",
    "school": "Which school are you studying in?",
    "doctoral_programme": "Your doctoral programme",
    "doctoral_year": "Which year of your doctoral studies are you in?",
    "languages": "In which languages could you lead a group?",
    "availability": "Which time slots suit you? (tick all that apply)",
    "motivation": "Why do you want to become a peer mentor?",
    "consent": MENTOR_CONSENT,
}
LIME_META = ("id", "submitdate", "lastpage", "startlanguage", "seed", "startdate", "datestamp")
PARTICIPANT_COLUMNS = {
    "submitted_at": "submitdate",
    "first_name": "firstname",
    "last_name": "lastname",
    "email": "email",
    "school": "school",
    "doctoral_programme": "programme",
    "doctoral_year": "studyyear",
    "languages": "langs",
    "availability": "slots",
    "motivation": "hopes",
    "consent": "consent",
}
WITHDRAWAL_COLUMNS = {"email": "E-mail", "date": "Withdrawn on", "role": "Role", "reason": "Reason"}
TRAINING_COLUMNS = {"name": "Name", "email": "E-mail"}
GROUP_COLUMNS = {"email": "Sähköposti", "name": "Nimi"}

#: Attendance marks as this coordinator types them (the readers know each one).
TRAINING_TICKS = np.array(["x", "✔", 1, "yes", "kyllä"], dtype=object)
GROUP_TICKS = np.array(["läsnä", "x", "✓", "Läsnä"], dtype=object)
GROUP_ABSENT = np.array(["", "poissa", "-"], dtype=object)


# -- people and their answers -------------------------------------------------------------------

def _choices(rng: np.random.Generator, n: int, options, p_each: float, must: str | None) -> np.ndarray:
    """Multi-select answers joined with ", " (Google Forms / free text); ``must`` always chosen."""
    out = dr._multi_select(rng, options, n, p_each, ", ", "")
    if must is None:
        return out
    return np.array([a if must in a.split(", ") else ", ".join([must, *filter(None, a.split(", "))])
                     for a in out], dtype=object)


def _spring_answers(rows: pd.DataFrame, rng: np.random.Generator, role: str, n_pool: int) -> pd.DataFrame:
    """This university's languages and time slots, drawn per person (a duplicate repeats them).

    Every mentor speaks English and can meet at three or four of the slots, and every participant
    who answers the language question speaks English, so every accepted mentor can be paired and
    lead a group (the expected certificates then depend on the attendance ticks only).
    """
    rows = rows.copy()
    person = np.maximum(rows["person"].to_numpy(), 0)
    if role == "mentor":
        languages = _choices(rng, n_pool, LANGUAGES, 0.3, "English")
        drop = rng.integers(0, len(SLOTS) + 1, size=n_pool)  # == len(SLOTS): drops none
        availability = np.array([", ".join(s for j, s in enumerate(SLOTS) if j != d) for d in drop],
                                dtype=object)
        consent = "I agree"
    else:
        languages = _choices(rng, n_pool, LANGUAGES, 0.3, "English")
        languages[rng.random(n_pool) < 0.06] = ""
        availability = _choices(rng, n_pool, SLOTS, 0.55, None)
        consent = "Yes"
    rows["languages"] = languages[person]
    rows["availability"] = availability[person]
    rows["consent"] = consent
    return rows


def _finnish_date(d: dt.date) -> str:
    return f"{d.day}.{d.month}.{d.year}"


def _us_timestamps(values) -> pd.Series:
    """Google Sheets in the US English locale: ``1/12/2027 17:03:09`` (month first, no padding)."""
    t = pd.Series(pd.to_datetime(values))
    return (t.dt.month.astype(str) + "/" + t.dt.day.astype(str) + "/" + t.dt.year.astype(str) + " "
            + t.dt.hour.astype(str) + ":" + t.dt.strftime("%M:%S"))


def _write_mentors(path: Path, rows: pd.DataFrame) -> None:
    table = pd.DataFrame({"Timestamp": _us_timestamps(rows["submitted"].to_numpy())})
    for field, header in MENTOR_COLUMNS.items():
        if field != "submitted_at":
            table[header] = rows[field].to_numpy()
    files.write_csv(path, table)


def _write_participants(path: Path, rows: pd.DataFrame, rng: np.random.Generator) -> None:
    n = len(rows)
    iso = "%Y-%m-%d %H:%M:%S"
    submitted = pd.Series(pd.to_datetime(rows["submitted"].to_numpy()))
    started = pd.Series(pd.to_datetime(rows["started"].to_numpy()))
    name = rows["name"].astype(str).str.split(" ", n=1, expand=True).reindex(columns=[0, 1]).fillna("")
    table = pd.DataFrame({
        "id": np.arange(1, n + 1), "submitdate": submitted.dt.strftime(iso).to_numpy(),
        "lastpage": 3, "startlanguage": np.where(rng.random(n) < 0.2, "fi", "en"),
        "seed": rng.integers(10**8, 10**9, size=n), "startdate": started.dt.strftime(iso).to_numpy(),
        "datestamp": submitted.dt.strftime(iso).to_numpy(),
        "firstname": name[0].to_numpy(), "lastname": name[1].to_numpy(),
    })
    for field, code in PARTICIPANT_COLUMNS.items():
        if code not in table:
            table[code] = rows[field].to_numpy()
    table["comments"] = rows["comments"].to_numpy()
    files.write_csv(path, table, sep=";", bom=True, quote_all=True)


# -- attendance -----------------------------------------------------------------------------------

def _marks(rng: np.random.Generator, present: np.ndarray, ticks: np.ndarray,
           absent: np.ndarray | None = None) -> np.ndarray:
    cells = ticks[rng.integers(0, len(ticks), size=present.shape)]
    blank = (absent[rng.integers(0, len(absent), size=present.shape)] if absent is not None
             else np.full(present.shape, None, dtype=object))
    return np.where(present, cells, blank)


def _write_trainings(path: Path, names: np.ndarray, emails: np.ndarray, present: np.ndarray,
                     rng: np.random.Generator, headers: list[str]) -> None:
    from mentoring_lib.io.spreadsheets import write_xlsx

    cells = _marks(rng, present, TRAINING_TICKS)
    sheets = {}
    for sheet, sessions in TRAINING_SHEETS.items():
        frame = pd.DataFrame({TRAINING_COLUMNS["name"]: names, TRAINING_COLUMNS["email"]: emails})
        for j in sessions:
            frame[headers[j]] = cells[:, j]
        sheets[sheet] = frame
    write_xlsx(sheets, path, column_widths=False)


# -- the term config and codebook -------------------------------------------------------------------

def _survey_maps(cb_raw: dict) -> dict:
    """This term's Microsoft Forms columns: one per statement, headed by the statement itself."""
    instrument_items = {it["id"]: it["wording"] for inst in cb_raw["instruments"].values()
                        for it in inst["items"]}
    other = {it["id"]: it for it in cb_raw["items"]}
    reaction = {i: it["wording"] for i, it in other.items() if it.get("group") == "reaction"}
    mentor = {i: it["wording"] for i, it in other.items() if it.get("group") == "mentor"}
    common = {"email_column": "Email", "timestamp_column": "Completion time"}
    return {
        "before_survey": {"wave": "pre", "role": "participant", **common, "columns": dict(instrument_items)},
        "after_survey": {"wave": "post", "role": "participant", **common,
                         "columns": {**instrument_items, **reaction,
                                     "comment_participant": "Anything else you want to tell us?"}},
        "mentor_survey": {"wave": "end", "role": "mentor", **common,
                          "columns": {**mentor, "comment_mentor": "Comments on mentoring this spring"}},
    }


def write_codebook(path: Path, demo_codebook: Path | None = None) -> Path:
    """The demo codebook's response sets, instruments and items with this term's survey columns."""
    raw = yaml.safe_load(Path(demo_codebook or ds.default_codebook_path()).read_text(encoding="utf-8"))
    raw["title"] = "Compassion mentoring surveys, spring term (Microsoft Forms)"
    raw["surveys"] = _survey_maps(raw)
    path.write_text("# Written by `mentoring demo-data DIR --variant spring` (mentoring_lib/demo/demodata_spring.py).\n"
                    + yaml.safe_dump(raw, allow_unicode=True, sort_keys=False, width=120), encoding="utf-8")
    return path


def term_config(term: dd.DemoTerm = SPRING_TERM) -> dict:
    """The spring term's config (data, codebook and reports next to the config file)."""
    return {
        "term": {"name": term.name, "title": "Spring 2027 (synthetic)", "start": term.start, "end": term.end,
                 "timezone": term.timezone, "language": "English"},
        "data_dir": ".",
        "reports_dir": "reports",
        "registration": {
            "mentor_deadline": term.mentor_deadline, "participant_deadline": term.participant_deadline,
            "deadline_includes_whole_day": True, "mentor_places": term.mentor_places,
            "participant_places": term.participant_places, "promote_until": PROMOTE_UNTIL,
            "complete_requires": ["name", "email", "consent"]},
        "groups": {"count": term.groups, "target_size": 9, "min_size": 5, "max_size": 12, "mix_schools": True},
        "programme": {"trainings": len(term.training_dates), "meetings_planned": len(term.meeting_dates),
                      "training_dates": list(term.training_dates), "meeting_period": "February–April",
                      "language": "English"},
        "inputs": [
            {"id": "mentor_applications", "kind": "mentor_registrations", "file": MENTOR_FILE,
             "tool": "google_forms", "date_order": "mdy", "columns": MENTOR_COLUMNS},
            {"id": "participant_signups", "kind": "participant_registrations", "file": PARTICIPANT_FILE,
             "tool": "limesurvey", "date_order": "iso", "columns": PARTICIPANT_COLUMNS},
            {"id": "withdrawals", "kind": "withdrawals", "file": WITHDRAWALS_FILE, "tool": "csv",
             "date_order": "dmy", "columns": WITHDRAWAL_COLUMNS},
            *({"id": f"training_{i}", "kind": "training_attendance", "file": TRAINING_FILE, "tool": "xlsx",
               "sheet": sheet, "columns": TRAINING_COLUMNS} for i, sheet in enumerate(TRAINING_SHEETS, 1)),
            {"id": "group_meetings", "kind": "group_attendance", "file": GROUP_FILE, "tool": "csv",
             "columns": GROUP_COLUMNS},
            *({"id": sid, "kind": kind, "file": SURVEY_FILES[sid], "tool": "microsoft_forms"}
              for sid, kind in (("before_survey", "feedback_before"), ("after_survey", "feedback_after"),
                                ("mentor_survey", "mentor_feedback"))),
        ],
        "codebook": CODEBOOK_FILE,
        "certificates": {"min_trainings": MIN_TRAININGS, "min_meetings": MIN_MEETINGS,
                         "role": "Peer group co-mentor", "signatory": "Student wellbeing coordinator",
                         "signatory_title": "Student Services", "code_prefix": "SPR"},
        "privacy": {"key_source": "demo", "min_count": 5, "min_base": 10},
        "report": {"title": "Compassion mentoring in peer groups for doctoral students",
                   "subtitle": "Spring 2027 (synthetic data)", "organisation": "Example University of Technology",
                   "author": "Student Services", "contact": "wellbeing@example.org"},
    }


def _training_headers(term: dd.DemoTerm) -> list[str]:
    return [f"Training {i} ({d.day} {d:%b})" for i, d in enumerate(term.training_dates, 1)]


def _meeting_headers(term: dd.DemoTerm) -> list[str]:
    return [f"Tapaaminen {i} ({d.day}.{d.month}.)" for i, d in enumerate(term.meeting_dates, 1)]


def write_config(path: Path, term: dd.DemoTerm = SPRING_TERM) -> Path:
    raw = term_config(term)
    header = ("# The spring term (synthetic): written by `mentoring demo-data DIR --variant spring`\n"
              "# (mentoring_lib/demo/demodata_spring.py) next to its exports. Every name and e-mail is invented.\n")
    path.write_text(header + yaml.safe_dump(raw, allow_unicode=True, sort_keys=False, width=120),
                    encoding="utf-8")
    return path


# -- surveys ----------------------------------------------------------------------------------------

def _write_forms(path: Path, cb, survey: str, emails: np.ndarray, names: np.ndarray, done: pd.Series,
                 answers: dict[str, np.ndarray], rng: np.random.Generator) -> None:
    """A Microsoft Forms export: ID, Start time, Completion time, Email, Name, the questions."""
    order = np.argsort(done.to_numpy(), kind="stable")
    started = done - pd.to_timedelta(rng.integers(180, 1500, size=len(done)), unit="s")
    headers = list(cb.surveys[survey].columns.values())
    columns = [list(range(1, len(done) + 1)), started.to_numpy()[order], done.to_numpy()[order],
               list(emails[order]), list(names[order]),
               *[files.xlsx_cells(answers[h][order]) for h in headers]]
    files.write_xlsx(path, ["ID", "Start time", "Completion time", "Email", "Name", *headers], columns,
                   datetime_columns={1, 2})


def _write_surveys(out: Path, cb, people: pd.DataFrame, rng: np.random.Generator, term: dd.DemoTerm,
                   mentor_names: np.ndarray) -> dict:
    """The three Microsoft Forms exports; returns who answered (positions in ``people``)."""
    status, role = people["status"].to_numpy(), people["role"].to_numpy()
    part = np.flatnonzero((status == "accepted") & (role == "participant"))
    ment = np.flatnonzero((status == "accepted") & (role == "mentor"))
    waiting = np.flatnonzero((status == "waitlisted") & (role == "participant"))
    pre = rng.random(len(part)) < 0.75
    post = rng.random(len(part)) < np.where(pre, 0.75, 0.3)
    # Strays: a wait-listed participant answers both surveys, a mentor the before-survey.
    stray = waiting[:1]
    who_pre = np.concatenate([part[pre], stray, ment[:1]])
    who_post = np.concatenate([part[post], stray])
    # One participant answers the before-survey twice (the later one counts).
    twice = part[pre][:1]
    who_pre_rows = np.concatenate([who_pre, twice])

    n_all = len(people)
    base = rng.normal(0.0, 1.0, size=n_all)
    change = rng.normal(ds.MEAN_CHANGE, 0.45, size=n_all)
    theta_pre = {i: 0.8 * base + rng.normal(0.0, 0.6, size=n_all) for i in cb.instruments}
    theta_post = {i: theta_pre[i] + change for i in cb.instruments}
    emails = people["email"].astype(str).str.strip().to_numpy(dtype=object)
    names = people["name"].astype(str).to_numpy(dtype=object)
    first, last = term.meeting_dates[0], term.meeting_dates[-1]

    def language(n: int) -> np.ndarray:
        return rng.choice(np.array(["en", "fi"], dtype=object), size=n, p=[0.8, 0.2])

    # Before: in the ten days before the first meeting; the repeated answer a day after the first.
    cols, _ = ds._instrument_block(rng, cb, "before_survey", {k: v[who_pre_rows] for k, v in theta_pre.items()},
                                   language(len(who_pre_rows)), missing_codes=False)
    done = ds._times(rng, len(who_pre_rows), first - dt.timedelta(days=10), first - dt.timedelta(days=1))
    if len(twice):
        original = int(np.flatnonzero(who_pre == twice[0])[0])
        done.iloc[-1] = done.iloc[original] + pd.Timedelta(days=1)
    _write_forms(out / SURVEY_FILES["before_survey"], cb, "before_survey",
                 ds._vary_case(rng, emails[who_pre_rows]), names[who_pre_rows], done, cols, rng)

    # After: around the last meeting, with the reaction block, missing-answer codes and comments.
    lang = language(len(who_post))
    cols, _ = ds._instrument_block(rng, cb, "after_survey", {k: v[who_post] for k, v in theta_post.items()},
                                   lang, missing_codes=True)
    cols.update(ds._likert_items(rng, cb, "after_survey", "reaction", change[who_post], lang))
    comment_header = cb.surveys["after_survey"].columns["comment_participant"]
    cols[comment_header] = ds._comments(rng, len(who_post), 0.4, ds.PARTICIPANT_COMMENTS, mentor_names,
                                        emails[who_post])
    done = ds._times(rng, len(who_post), last - dt.timedelta(days=2), last + dt.timedelta(days=10))
    _write_forms(out / SURVEY_FILES["after_survey"], cb, "after_survey", ds._vary_case(rng, emails[who_post]),
                 names[who_post], done, cols, rng)

    # Mentors: after the last meeting.
    answer = ment[rng.random(len(ment)) < 0.8]
    lang = language(len(answer))
    cols = ds._likert_items(rng, cb, "mentor_survey", "mentor", rng.normal(0.3, 0.6, size=len(answer)), lang)
    cols[cb.surveys["mentor_survey"].columns["comment_mentor"]] = ds._comments(
        rng, len(answer), 0.5, ds.MENTOR_COMMENTS, mentor_names, emails[answer])
    done = ds._times(rng, len(answer), last + dt.timedelta(days=1), last + dt.timedelta(days=14))
    _write_forms(out / SURVEY_FILES["mentor_survey"], cb, "mentor_survey", emails[answer], names[answer], done,
                 cols, rng)
    return {"pre": set(who_pre.tolist()), "post": set(who_post.tolist())}


# -- the term ----------------------------------------------------------------------------------------

def _sheet_order(names: np.ndarray) -> np.ndarray:
    return np.argsort(pd.Series(names, dtype=object).astype(str).str.casefold().to_numpy(), kind="stable")


def write_spring_term(out_dir, seed: int = 2027) -> dict:
    """Write the spring term (exports, config, codebook, answer key) into ``out_dir``.

    Returns ``seed``, ``ground_truth`` (one row per registration row, as in
    :func:`mentoring_lib.demo.demodata.write_demo_term`), ``people``, ``certificates`` (one row per
    accepted mentor) and ``expected`` (the content of ``expected_results.yml``).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    term = SPRING_TERM
    rng_people, rng_mentor, rng_participant, rng_attend, rng_surveys, rng_incomplete = (
        np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(6))

    n_m = MENTOR_ROWS["queued"] + MENTOR_ROWS["late"]
    n_p = PARTICIPANT_ROWS["queued"] + PARTICIPANT_ROWS["late"]
    pool = dr._people_pool(rng_people, n_m + n_p, n_non_latin=1)
    mentors = _spring_answers(dr._registrations(rng_mentor, pool.iloc[:n_m].reset_index(drop=True), "mentor",
                                                term, MENTOR_ROWS, zw_space=True), rng_mentor, "mentor", n_m)
    participants = _spring_answers(dr._registrations(rng_participant, pool.iloc[n_m:].reset_index(drop=True),
                                                     "participant", term, PARTICIPANT_ROWS, zw_space=False),
                                   rng_participant, "participant", n_p)
    withdrawn = {"mentor": dd._choose_withdrawn(mentors, term.mentor_places, rng_mentor, 1),
                 "participant": dd._choose_withdrawn(participants, term.participant_places, rng_participant, 1)}
    mentors = dr._add_incomplete_first(mentors, rng_incomplete, 1, term.mentor_opens, withdrawn["mentor"])
    participants = dr._add_incomplete_first(participants, rng_incomplete, 1, term.participant_opens,
                                            withdrawn["participant"])
    truth = pd.concat([
        dd._role_truth(mentors, "mentor", term.mentor_places, withdrawn["mentor"], "mentor_applications",
                       term.timezone),
        dd._role_truth(participants, "participant", term.participant_places, withdrawn["participant"],
                       "participant_signups", term.timezone)], ignore_index=True)

    # Withdrawals as the coordinator typed them: the mentor's address in other letter case.
    w = truth[truth["status"] == "withdrawn"]
    is_mentor = (w["role"] == "mentor").to_numpy()
    withdrawals = pd.DataFrame({
        WITHDRAWAL_COLUMNS["email"]: np.where(is_mentor, w["email"].str.strip().str.title(), w["email"].str.strip()),
        WITHDRAWAL_COLUMNS["date"]: np.where(is_mentor, _finnish_date(MENTOR_WITHDRAWS_ON),
                                             _finnish_date(PARTICIPANT_WITHDRAWS_ON)),
        WITHDRAWAL_COLUMNS["role"]: w["role"].to_numpy(),
        WITHDRAWAL_COLUMNS["reason"]: np.where(is_mentor, "Got a teaching job for the spring",
                                               "Fieldwork abroad from February"),
    })

    # Attendance of the people accepted after the withdrawals.
    people = dd.people_table(truth)
    acc_m = people[(people["status"] == "accepted") & (people["role"] == "mentor")].reset_index(drop=True)
    acc_p = people[(people["status"] == "accepted") & (people["role"] == "participant")].reset_index(drop=True)
    n_t, n_s = len(term.training_dates), len(term.meeting_dates)
    t_present, _ = dd._attendance(rng_attend, len(acc_m), n_t, 0.88, 0.97, 0.0)
    m_present, _ = dd._attendance(rng_attend, len(acc_m), n_s, 0.9, 0.9, 0.0)
    p_present, _ = dd._attendance(rng_attend, len(acc_p), n_s, 0.8, 0.7, 0.05)
    # By construction: exactly the minimum; one training only; two meetings only; and a mentor the
    # coordinator left off the training workbook (no training recorded), who led every meeting.
    t_present[0], m_present[0] = [True, True, False], [True, False, True, True, False]
    t_present[1], m_present[1] = [True, False, False], [True] * n_s
    t_present[2], m_present[2] = [True, True, True], [True, True, False, False, False]
    t_present[3], m_present[3] = [False] * n_t, [True] * n_s
    on_training_sheet = np.arange(len(acc_m)) != 3

    # Training workbook: the mentors (but one), alphabetical, and a wait-listed mentor who came to
    # the first training (not linked: not accepted).
    waiting_m = people[(people["status"] == "waitlisted") & (people["role"] == "mentor")].head(1)
    t_names = np.concatenate([acc_m["name"].to_numpy()[on_training_sheet], waiting_m["name"].to_numpy()])
    t_emails = np.concatenate([acc_m["email"].to_numpy()[on_training_sheet], waiting_m["email"].to_numpy()])
    t_cells = np.vstack([t_present[on_training_sheet], np.tile([True, False, False], (len(waiting_m), 1))])
    order = _sheet_order(t_names)
    t_emails = t_emails[order].copy()
    t_emails[0] = t_emails[0].upper()
    _write_trainings(out / TRAINING_FILE, t_names[order], t_emails, t_cells[order], rng_attend,
                     _training_headers(term))

    # Group meetings: a ';' CSV with Finnish headers, everyone accepted, alphabetical.
    g_names = np.concatenate([acc_m["name"].to_numpy(), acc_p["name"].to_numpy()])
    g_emails = np.concatenate([acc_m["email"].to_numpy(), acc_p["email"].to_numpy()]).astype(object)
    g_present = np.vstack([m_present, p_present])
    order = _sheet_order(g_names)
    g_emails = g_emails[order]
    g_emails[2] = " " + g_emails[2].upper() + " "
    group = pd.DataFrame({GROUP_COLUMNS["email"]: g_emails, GROUP_COLUMNS["name"]: g_names[order]})
    cells = _marks(rng_attend, g_present[order], GROUP_TICKS, GROUP_ABSENT)
    for j, header in enumerate(_meeting_headers(term)):
        group[header] = cells[:, j]
    files.write_csv(out / GROUP_FILE, group, sep=";", bom=True)

    _write_mentors(out / MENTOR_FILE, mentors)
    _write_participants(out / PARTICIPANT_FILE, participants, rng_participant)
    files.write_csv(out / WITHDRAWALS_FILE, withdrawals)

    write_codebook(out / CODEBOOK_FILE)
    cb = load_codebook(out / CODEBOOK_FILE)
    answered = _write_surveys(out, cb, people, rng_surveys, term, acc_m["name"].to_numpy())
    write_config(out / CONFIG_FILE, term)

    # The answer key, from the plan above.
    certificates = pd.DataFrame({
        "email": acc_m["email"].to_numpy(), "name": acc_m["name"].to_numpy(),
        "trainings_attended": t_present.sum(axis=1), "meetings_attended": m_present.sum(axis=1)})
    certificates["eligible"] = ((certificates["trainings_attended"] >= MIN_TRAININGS)
                                & (certificates["meetings_attended"] >= MIN_MEETINGS))
    certificates = certificates.sort_values("email", kind="stable").reset_index(drop=True)
    files.write_csv(out / EXPECTED_CERTIFICATES, certificates)
    files.write_csv(out / EXPECTED_STATUSES, truth[["input", "row", "role", "status", "queue_position",
                                                  "waitlist_position", "reason"]])
    accepted_participants = set(people.index[(people["status"] == "accepted")
                                             & (people["role"] == "participant")].tolist())
    linked = len(accepted_participants & answered["pre"] & answered["post"])
    expected = {
        "term": term.name, "seed": int(seed),
        "rows": {role: {k: int(v) for k, v in truth.loc[truth["role"] == role, "status"].value_counts()
                        .sort_index().items()} for role in ("mentor", "participant")},
        "certificates": int(certificates["eligible"].sum()),
        "mentors_assessed": int(len(certificates)),
        "linked_pairs": int(linked),
    }
    (out / EXPECTED_RESULTS).write_text(
        "# The spring term's answer key, decided by the generator (not computed by the pipeline).\n"
        + yaml.safe_dump(expected, sort_keys=False), encoding="utf-8")
    return {"seed": seed, "ground_truth": truth.drop(columns="person"), "people": people.drop(columns="person"),
            "certificates": certificates, "expected": expected}
