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
- the three survey exports, written by :mod:`mentoring_lib.demodata_surveys` (if present).
- ``expected_statuses.csv``: the status every registration row must get under the announced
  rules (the answer key; see :func:`hand_applied_statuses`).

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

import csv
import datetime as dt
import importlib
import io
import os
import re
import shutil
import unicodedata
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl.utils import get_column_letter

from mentoring_lib.spreadsheets import STYLE_SHEET_BASE, STYLE_SHEET_END, STYLE_SHEET_START

# -- the demo term ------------------------------------------------------------------------------

TIMEZONE = "Europe/Helsinki"
#: Document dates written into every xlsx and zip member time (no wall clock).
FIXED_XLSX_TIME = dt.datetime(2026, 12, 20, 12, 0, 0)

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

# -- the forms' headers -------------------------------------------------------------------------

CONSENT_QUESTION = ("I agree to the processing of my data for organising the mentoring programme "
                    "and for its anonymised evaluation")

MENTOR_QUESTIONS = {
    "school": "School",
    "doctoral_programme": "Doctoral programme",
    "doctoral_year": "Year of doctoral studies",
    "languages": "Languages you could mentor in",
    "availability": "Availability (select all that apply)",
    "motivation": "Why would you like to become a compassion mentor?",
    "consent": CONSENT_QUESTION,
}
MENTOR_COLUMNS = {"name": "Name", "email": "Email", "submitted_at": "Completion time", **MENTOR_QUESTIONS}
MENTOR_HEADERS = ["ID", "Start time", "Completion time", "Email", "Name", *MENTOR_QUESTIONS.values()]

PARTICIPANT_QUESTIONS = {
    "name": "Full name",
    "school": "School / Koulu / Skola",
    "doctoral_programme": "Doctoral programme",
    "doctoral_year": "Year of doctoral studies",
    "languages": "Languages you can take part in",
    "availability": "When could you attend group meetings?",
    "motivation": "What do you hope to get from the group?",
    "comments": "Anything else you would like us to know?",
    "consent": CONSENT_QUESTION,
}
PARTICIPANT_COLUMNS = {"email": "Email address", "submitted_at": "Timestamp",
                       **{k: v for k, v in PARTICIPANT_QUESTIONS.items() if k != "comments"}}
PARTICIPANT_HEADERS = ["Timestamp", "Email address", *PARTICIPANT_QUESTIONS.values()]
#: Google Sheets in the Finnish locale writes "20.9.2026 14.15.07" (config: date_order dmy).
GOOGLE_TIMESTAMP_FORMAT = "%-d.%-m.%Y %-H.%M.%S"
MS_FORMS_DATETIME_FORMAT = "m/d/yy h:mm:ss"

# -- answer banks -------------------------------------------------------------------------------

#: School spellings as people type them: English, Finnish, Swedish, the school's code and a
#: colloquial alias. Every one is listed in mentoring_lib/resources/schools.yml (the readers'
#: table; tests/test_demodata.py checks it).
SCHOOL_SPELLINGS: dict[str, tuple[str, ...]] = {
    "School of Business": ("School of Business", "Kauppakorkeakoulu", "Handelshögskolan", "BIZ",
                           "Kauppakorkea"),
    "School of Chemical Engineering": ("School of Chemical Engineering", "Kemian tekniikan korkeakoulu",
                                       "Högskolan för kemiteknik", "CHEM", "Kemian tekniikka"),
    "School of Electrical Engineering": ("School of Electrical Engineering", "Sähkötekniikan korkeakoulu",
                                         "Högskolan för elektroteknik", "ELEC",
                                         "School of Electrical Engineering (ELEC)"),
    "School of Engineering": ("School of Engineering", "Insinööritieteiden korkeakoulu",
                              "Högskolan för ingenjörsvetenskaper", "ENG", "Insinööritieteet"),
    "School of Science": ("School of Science", "Perustieteiden korkeakoulu",
                          "Högskolan för teknikvetenskaper", "SCI", "Aalto University School of Science"),
    "School of Arts, Design and Architecture": ("School of Arts, Design and Architecture",
                                                "Taiteiden ja suunnittelun korkeakoulu",
                                                "Högskolan för konst, design och arkitektur", "ARTS", "Taik"),
    # Someone from outside the six schools.
    "Other": ("Other", "Muu", "Annan", "Other", "External"),
}
SCHOOL_WEIGHTS = np.array([0.14, 0.14, 0.18, 0.17, 0.24, 0.11, 0.02])
#: How often each spelling style is used (English, Finnish, Swedish, code, alias).
SPELLING_WEIGHTS = np.array([0.45, 0.28, 0.08, 0.1, 0.09])

PROGRAMMES = {
    "School of Business": ("Doctoral Programme in Business, Economics and Management",),
    "School of Chemical Engineering": ("Doctoral Programme in Chemical Engineering",),
    "School of Electrical Engineering": ("Doctoral Programme in Electrical Engineering",),
    "School of Engineering": ("Doctoral Programme in Engineering",),
    "School of Science": ("Doctoral Programme in Science",),
    "School of Arts, Design and Architecture": ("Doctoral Programme in Arts, Design and Architecture",),
    "Other": ("Doctoral Programme in Philosophy, Arts and Society",),
}
YEARS = ("1st year", "2nd year", "3rd year", "4th year", "5th year or later")
YEAR_WEIGHTS = np.array([0.22, 0.26, 0.22, 0.17, 0.13])
LANGUAGES = ("English", "Finnish", "Swedish")
SLOTS = ("Monday afternoon", "Tuesday morning", "Tuesday afternoon", "Wednesday afternoon",
         "Thursday morning", "Thursday afternoon", "Friday morning")

MENTOR_MOTIVATIONS = (
    "I struggled alone in my second year and would have loved a group like this.",
    "I took the compassion course last spring and want to pass it on.",
    "Peer support helped me a lot, so I want to give something back.",
    "I'd like to practise facilitating groups, and I care about wellbeing in research.",
    "Doctoral studies can be lonely; I want to help build a kinder research culture.",
    "My supervisor recommended this. I think I'd be good at listening.",
    "Ich habe in Berlin ähnliche Gruppen geleitet – happy to do it in English here.",
    "Haluan tukea muita väitöskirjatutkijoita; olen itse saanut paljon vertaistuesta.",
    "Jag vill stödja andra doktorander, och jag talar både svenska och finska.",
    'As my PI says, "a PhD is a marathon, not a sprint" -- company helps, though.',
)
PARTICIPANT_HOPES = (
    "Peer support and less stress.",
    "To meet other doctoral researchers outside my own lab.",
    "Tools for self-compassion when experiments fail, which is often!",
    "I'm in my final year and feeling overwhelmed; I hope to find calm and company.",
    "Vertaistukea ja uusia ystäviä.",
    "Att orka bättre med avhandlingen.",
    "Honestly, I don't know yet. A friend said it was good.",
    "Better balance between work, family and the thesis.",
    "To learn to be kinder to myself, and, if possible, to others too.",
)
COMMENTS = (
    "I can't attend in the first week of November.",
    "I use a wheelchair, so an accessible room please.",
    "Could the group be in Finnish? Muuten englanti käy myös.",
    "Thanks for organising this!",
    "I might be on a research visit in December.",
    "Please don't put me in the same group as people from my own research group, if possible.",
)

FINNISH_FIRST = ("Aino", "Eero", "Liisa", "Mikko", "Päivi", "Jyrki", "Sanna", "Tuomas", "Hanna", "Ville",
                 "Riikka", "Jussi", "Katja", "Ilkka", "Satu", "Oskari", "Elina", "Antti", "Minna", "Väinö",
                 "Säde", "Jöns", "Tiina", "Juho", "Emmi", "Lauri", "Noora", "Pekka", "Iida", "Topi")
FINNISH_LAST = ("Mäkinen", "Hämäläinen", "Järvinen", "Väisänen", "Kärkkäinen", "Törmä", "Ylönen", "Virtanen",
                "Korhonen", "Nieminen", "Laine", "Heikkinen", "Koskinen", "Pääkkönen", "Lehtonen", "Räsänen",
                "Mäkelä", "Salonen", "Kääriäinen", "Saarinen")
SWEDISH_FIRST = ("Åsa", "Björn", "Göran", "Linnéa", "Mårten", "Sofia", "Ebba", "Henrik")
SWEDISH_LAST = ("Söderström", "Åberg", "Öhman", "Lindström", "Nyström", "Sjöberg", "Åkerlund", "Lindqvist")
INTERNATIONAL_FIRST = ("José", "Zoë", "François", "Inês", "Łukasz", "Ángel", "Chloé", "Søren", "Priya",
                       "Chen", "Amélie", "Mehmet", "Ana", "Jiří", "Nuño", "Kwame", "Oğuz", "Héloïse")
INTERNATIONAL_LAST = ("García", "Müller", "Dvořák", "Núñez", "Gonçalves", "Čapek", "Ólafsdóttir", "Kowalski",
                      "Nguyen", "Sharma", "Rossi", "Yılmaz", "Brontë", "Lefèvre", "Øster", "Mensah")
#: Names in non-Latin scripts with the transliteration their e-mail uses.
NON_LATIN = (("王芳", "wang.fang"), ("Анна Смирнова", "anna.smirnova"), ("佐藤 健", "sato.ken"),
             ("Ελένη Παπαδοπούλου", "eleni.papadopoulou"))

TICKS = np.array(["x", "X", 1, "yes", "present", "✓"], dtype=object)
TICK_WEIGHTS = np.array([0.5, 0.14, 0.16, 0.07, 0.05, 0.08])
_FOLD = str.maketrans({"ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "ı": "i", "ß": "ss", "đ": "d"})


# -- helpers ------------------------------------------------------------------------------------

def _ascii(text: str) -> str:
    """Plain-ASCII form of a name part for a synthetic e-mail address."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).encode("ascii", "ignore").decode()


def _pick(rng: np.random.Generator, options, n: int, p=None) -> np.ndarray:
    arr = np.empty(len(options), dtype=object)
    arr[:] = list(options)
    return arr[rng.choice(len(options), size=n, p=None if p is None else np.asarray(p) / np.sum(p))]


def _multi_select(rng: np.random.Generator, options, n: int, p_each: float, sep: str, trailing: str,
                  at_least_one: bool = True) -> np.ndarray:
    """Multi-select answers as the tool joins them (vectorised over people, looped over options)."""
    chosen = rng.random((n, len(options))) < p_each
    if at_least_one:
        none = ~chosen.any(axis=1)
        chosen[np.flatnonzero(none), rng.integers(0, len(options), size=int(none.sum()))] = True
    out = pd.Series([""] * n, dtype=object)
    for j, opt in enumerate(options):
        col = pd.Series(np.where(chosen[:, j], opt, ""), dtype=object)
        out = out.where(col == "", np.where(out == "", col, out + sep + col))
    return np.where(out == "", "", out + trailing).astype(object)


def _people_pool(rng: np.random.Generator, n: int, n_non_latin: int) -> pd.DataFrame:
    """``n`` distinct synthetic people: name and a unique e-mail at example.fi / example.org."""
    style = rng.choice(3, size=n, p=[0.62, 0.12, 0.26])
    first = np.select([style == 0, style == 1], [_pick(rng, FINNISH_FIRST, n), _pick(rng, SWEDISH_FIRST, n)],
                      _pick(rng, INTERNATIONAL_FIRST, n))
    last = np.select([style == 0, style == 1], [_pick(rng, FINNISH_LAST, n), _pick(rng, SWEDISH_LAST, n)],
                     _pick(rng, INTERNATIONAL_LAST, n))
    people = pd.DataFrame({"first": first, "last": last})
    parts = pd.unique(np.concatenate([first, last]))
    fold = {p: _ascii(p).lower().replace(" ", "") for p in parts}
    local = people["first"].map(fold) + "." + people["last"].map(fold)
    name = people["first"] + " " + people["last"]
    if n_non_latin:
        where = rng.choice(n, size=n_non_latin, replace=False)
        nl = np.arange(n_non_latin) % len(NON_LATIN)
        name.iloc[where] = [NON_LATIN[i][0] for i in nl]
        local.iloc[where] = [NON_LATIN[i][1] for i in nl]
    # Unique addresses: a running number from the second holder of the same local part on.
    nth = local.groupby(local).cumcount()
    local = local.where(nth == 0, local + (nth + 1).astype(str))
    domain = np.where(rng.random(n) < 0.85, "example.fi", "example.org")
    return pd.DataFrame({"name": name.to_numpy(), "email": (local + "@" + domain).to_numpy()})


def _local_times(rng: np.random.Generator, n: int, first_day: dt.date, last_day: dt.date,
                 opens: dt.datetime, front_loaded: bool = True) -> np.ndarray:
    """Local wall-clock submission times (datetime64[s]) between ``opens`` and 23:58:59 on ``last_day``."""
    days = (last_day - first_day).days + 1
    u = rng.beta(0.9, 1.6, size=n) if front_loaded else rng.random(n)
    day = np.minimum((u * days).astype(int), days - 1)
    seconds = np.clip(rng.normal(13.5 * 3600, 3.6 * 3600, size=n), 7 * 3600, 23 * 3600 + 58 * 60 + 59)
    t = (np.datetime64(first_day, "s") + day.astype("timedelta64[D]").astype("timedelta64[s]")
         + seconds.astype("int64").astype("timedelta64[s]"))
    return np.maximum(t, np.datetime64(opens, "s") + rng.integers(0, 3600, size=n).astype("timedelta64[s]"))


# -- registrations ------------------------------------------------------------------------------

def _registrations(rng: np.random.Generator, pool: pd.DataFrame, role: str, term: DemoTerm,
                   counts: dict[str, int], zw_space: bool) -> pd.DataFrame:
    """One role's registration rows in submission order, with the kind of each row known.

    Columns: the answers (workbook field names), ``submitted`` (local naive datetime64[s]),
    ``started`` (mentors), ``person`` (index into ``pool``, -1 for test rows), ``kind`` (queued /
    duplicate / late / test) and ``quirk`` (what was done to the row, '' for plain rows).
    """
    k = term.scale
    opens = term.mentor_opens if role == "mentor" else term.participant_opens
    deadline = term.mentor_deadline if role == "mentor" else term.participant_deadline
    n_q, n_d, n_l, n_t = counts["queued"], counts["duplicate"], counts["late"], counts["test"]
    deadline_last_second = np.datetime64(dt.datetime.combine(deadline, dt.time(23, 59, 59)), "s")

    # People in the queue (one complete in-time submission each) and late-only people.
    q_people = np.arange(n_q)
    l_people = np.arange(n_q, n_q + n_l)
    t_q = _local_times(rng, n_q, opens.date(), deadline, opens)
    # Exactly at the deadline day's last second: still in time.
    t_q[rng.choice(n_q, size=k, replace=False)] = deadline_last_second
    order = np.argsort(t_q, kind="stable")
    t_q = t_q[order]
    # Two different people with the very same second (early in the queue, both accepted).
    tie_at = min(2, n_q - 2)
    t_q[tie_at + 1] = t_q[tie_at]
    quirk_q = np.full(n_q, "", dtype=object)
    quirk_q[tie_at:tie_at + 2] = "same time as another person"
    quirk_q[t_q == deadline_last_second] = "deadline's last second"

    # Late people: the first second after the deadline (k of them), the rest within four days.
    after = deadline_last_second + np.timedelta64(1, "s")
    t_l = after + rng.integers(3600, 4 * 86400, size=n_l).astype("timedelta64[s]")
    t_l[:k] = after
    quirk_l = np.where(np.arange(n_l) < k, "first second after the deadline",
                       "after the deadline").astype(object)

    # Duplicates: a second submission by someone already queued, later but still in time.
    candidates = np.flatnonzero((t_q < deadline_last_second - np.timedelta64(2 * 86400, "s"))
                                & (quirk_q == ""))
    dup_of = np.sort(rng.choice(candidates, size=n_d, replace=False))
    gap = rng.integers(600, 2 * 86400, size=n_d).astype("timedelta64[s]")
    t_d = t_q[dup_of] + gap
    third = "e-mail with a zero-width space" if zw_space else "e-mail with case and spaces"
    variants = np.array(["e-mail in different case", "e-mail with spaces around it", third], dtype=object)
    quirk_d = variants[np.arange(n_d) % len(variants)]

    # Test submissions: the coordinator tries the form out before it opens.
    t_t = (np.datetime64(opens, "s") - np.timedelta64(2 * 86400, "s")
           + (np.arange(n_t) * 97 + 120).astype("timedelta64[s]"))

    rows = pd.DataFrame({
        "person": np.concatenate([q_people, q_people[dup_of], l_people,
                                  np.full(n_t, -1)]),
        "submitted": np.concatenate([t_q, t_d, t_l, t_t]),
        "kind": np.repeat(["queued", "duplicate", "late", "test"], [n_q, n_d, n_l, n_t]),
        "quirk": np.concatenate([quirk_q, quirk_d, quirk_l, np.full(n_t, "test submission", dtype=object)]),
    })
    n = len(rows)
    person = rows["person"].to_numpy()
    people = pool.iloc[np.maximum(person, 0)].reset_index(drop=True)
    name = people["name"].astype(object).to_numpy().copy()
    email = people["email"].astype(object).to_numpy().copy()
    is_test = rows["kind"].to_numpy() == "test"
    name[is_test] = "Test Test"
    email[is_test] = ["test@example.org" if i == 0 else f"test+{i}@example.org" for i in range(n_t)]

    # The e-mail variants of duplicate rows.
    q = rows["quirk"].to_numpy()
    case = (q == "e-mail in different case") | (q == "e-mail with case and spaces")
    email[case] = [e[:e.index("@")].title() + e[e.index("@"):] if i % 2 else e.upper()
                   for i, e in enumerate(email[case])]
    spaces = (q == "e-mail with spaces around it") | (q == "e-mail with case and spaces")
    email[spaces] = [" " + e + " " for e in email[spaces]]
    zw = q == "e-mail with a zero-width space"
    email[zw] = [e.replace("@", "\u200b@") for e in email[zw]]

    # Names as typed: some all in lower case, a few with a double space (not in test rows).
    typed = rng.random(n)
    lower = (typed < 0.05) & ~is_test
    name[lower] = [s.lower() for s in name[lower]]
    double = (typed > 0.97) & ~is_test
    name[double] = [s.replace(" ", "  ", 1) for s in name[double]]
    # A duplicate typed on a Mac: the name in decomposed Unicode (NFD).
    dups = np.flatnonzero(rows["kind"].to_numpy() == "duplicate")
    if len(dups):
        name[dups[0]] = unicodedata.normalize("NFD", name[dups[0]])

    # Answers: drawn per person, so a duplicate repeats them, then partly changed.
    m = len(pool)
    school = _pick(rng, list(SCHOOL_SPELLINGS), m, SCHOOL_WEIGHTS)
    style = rng.choice(len(SPELLING_WEIGHTS), size=m, p=SPELLING_WEIGHTS)
    spelled = np.array([SCHOOL_SPELLINGS[s][i] for s, i in zip(school, style)], dtype=object)
    programme = np.array([PROGRAMMES[s][0] for s in school], dtype=object)
    year = _pick(rng, YEARS, m, YEAR_WEIGHTS)
    languages = _multi_select(rng, LANGUAGES, m, 0.45, ";" if role == "mentor" else ", ",
                              ";" if role == "mentor" else "")
    availability = _multi_select(rng, SLOTS, m, 0.35, ";" if role == "mentor" else ", ",
                                 ";" if role == "mentor" else "")
    bank = MENTOR_MOTIVATIONS if role == "mentor" else PARTICIPANT_HOPES
    motivation = _pick(rng, bank, m)
    second = np.array(bank, dtype=object)[(pd.Index(bank).get_indexer(motivation)
                                           + rng.integers(1, len(bank), size=m)) % len(bank)]
    two = rng.random(m) < 0.25
    motivation[two] = motivation[two] + np.where(rng.random(int(two.sum())) < 0.5, "\n\n", " ") + second[two]
    comments = _pick(rng, COMMENTS, m)

    pidx = np.maximum(person, 0)
    answers = pd.DataFrame({
        "school": spelled[pidx], "doctoral_programme": programme[pidx], "doctoral_year": year[pidx],
        "languages": languages[pidx], "availability": availability[pidx],
        "motivation": motivation[pidx], "comments": comments[pidx],
    })
    # Skipped optional questions and unanswered open text.
    skip = rng.random((n, 3))
    answers.loc[skip[:, 0] < 0.08, "doctoral_programme"] = ""
    answers.loc[skip[:, 1] < 0.15, "motivation"] = ""
    answers.loc[skip[:, 2] < 0.8, "comments"] = ""
    answers.loc[(skip[:, 0] > 0.95) & (role == "participant"), "languages"] = ""
    # A changed mind in a duplicate: different availability.
    changed = (rows["kind"].to_numpy() == "duplicate") & (rng.random(n) < 0.5)
    answers.loc[changed, "availability"] = _multi_select(rng, SLOTS, int(changed.sum()), 0.35,
                                                         ";" if role == "mentor" else ", ",
                                                         ";" if role == "mentor" else "")
    answers.loc[is_test, ["school", "doctoral_programme", "doctoral_year", "languages", "availability"]] = [
        SCHOOL_SPELLINGS["School of Science"][0], "", YEARS[0], "English" + (";" if role == "mentor" else ""),
        SLOTS[0] + (";" if role == "mentor" else "")]
    answers.loc[is_test, ["motivation", "comments"]] = ["testing the form, please ignore", ""]
    answers["consent"] = "Yes" if role == "mentor" else "I agree"

    out = pd.concat([rows, answers], axis=1)
    out["name"] = name
    out["email"] = email
    out["role"] = role
    # Started 1-20 minutes before submitting; the tied pair also started in row order.
    out["started"] = out["submitted"] - rng.integers(60, 1200, size=n).astype("timedelta64[s]")
    out = out.sort_values("submitted", kind="stable").reset_index(drop=True)
    tied = np.flatnonzero(out["quirk"].to_numpy() == "same time as another person")
    if len(tied) == 2:
        out.loc[tied[1], "started"] = out.loc[tied[0], "started"] + np.timedelta64(30, "s")
    return out


def _add_incomplete_first(rows: pd.DataFrame, rng: np.random.Generator, n: int, opens: dt.datetime,
                          avoid_people: np.ndarray) -> pd.DataFrame:
    """Give ``n`` queued people an earlier submission that skipped the consent question.

    Their place is that of their later, complete submission (the announced rule: the first
    *complete* submission counts); the incomplete row is a duplicate of it.
    """
    kind = rows["kind"].to_numpy()
    submitted = rows["submitted"].to_numpy()
    queued = np.flatnonzero(kind == "queued")
    # Each person's previous one in the queue: the incomplete row goes before that person's
    # submission, so holding the place by the first (incomplete) row would change the queue.
    previous = np.full(len(rows), -1)
    previous[queued[1:]] = queued[:-1]
    prev_time = np.where(previous >= 0, submitted[np.maximum(previous, 0)], np.datetime64(opens, "s"))
    candidates = np.flatnonzero((kind == "queued") & (rows["quirk"].to_numpy() == "")
                                & ~rows["person"].isin(rows.loc[kind != "queued", "person"]).to_numpy()
                                & ~rows["person"].isin(avoid_people).to_numpy()
                                & (previous >= 0)
                                & (prev_time > np.datetime64(opens, "s") + np.timedelta64(2 * 3600, "s"))
                                & (prev_time < submitted))
    chosen = np.sort(rng.choice(candidates, size=n, replace=False))
    extra = rows.iloc[chosen].copy()
    extra["kind"] = "incomplete"
    extra["quirk"] = "incomplete (consent skipped); submitted again later"
    extra["consent"] = ""
    extra["submitted"] = prev_time[chosen] - rng.integers(60, 3600, size=n).astype("timedelta64[s]")
    extra["started"] = extra["submitted"] - rng.integers(60, 600, size=n).astype("timedelta64[s]")
    # Stable sort: a new row sharing a second with an old one goes after it (file order).
    return pd.concat([rows, extra], ignore_index=True).sort_values("submitted", kind="stable") \
        .reset_index(drop=True)


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


def _tick_cells(rng: np.random.Generator, present: np.ndarray) -> np.ndarray:
    ticks = TICKS[rng.choice(len(TICKS), size=present.shape, p=TICK_WEIGHTS)]
    return np.where(present, ticks, np.array(None, dtype=object))


# -- writers ------------------------------------------------------------------------------------

_EXCEL_EPOCH = np.datetime64("1899-12-30T00:00:00", "s")
_XML_ILLEGAL = "[\x00-\x08\x0b\x0c\x0e-\x1f]"

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    '<Override PartName="/docProps/core.xml" '
    'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    '<Override PartName="/docProps/app.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
    '</Types>')
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/'
    'core-properties" Target="docProps/core.xml"/>'
    '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'extended-properties" Target="docProps/app.xml"/>'
    '</Relationships>')
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'styles" Target="styles.xml"/>'
    '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'sharedStrings" Target="sharedStrings.xml"/>'
    '</Relationships>')
# Style 0: plain; 1: the date-time format; 2: bold (the header row).
_STYLES = (
    STYLE_SHEET_START
    + '<numFmts count="1"><numFmt numFmtId="164" formatCode="{fmt}"/></numFmts>'
    + STYLE_SHEET_BASE
    + '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    + STYLE_SHEET_END)


def _xml_text(s: pd.Series) -> pd.Series:
    return (s.str.replace(_XML_ILLEGAL, "", regex=True).str.replace("&", "&amp;", regex=False)
            .str.replace("<", "&lt;", regex=False).str.replace(">", "&gt;", regex=False))


def _write_xlsx(path: Path, headers: list[str], columns: list, datetime_columns: frozenset[int] | set[int] = frozenset(),
                sheet: str = "Sheet1", creator: str = "Microsoft Forms") -> None:
    """A one-sheet xlsx written directly as SpreadsheetML, vectorised over cells.

    openpyxl's pure-Python XML writer needs ~10 s for the 100x term; building the sheet XML with
    pandas string operations takes a fraction of that, and every byte is under our control (fixed
    document dates and zip member times), so the same content gives the same file. Text goes
    through the shared-string table as Excel writes it; ints and floats are numbers; datetime64
    columns become Excel serial numbers with the ``m/d/yy h:mm:ss`` format; None / '' / NaN cells
    are left out (skipped questions are empty cells).
    """
    n = len(columns[0]) if columns else 0
    rows = pd.Series(np.arange(2, n + 2)).astype(str)
    cell_texts = []
    strings: list[pd.Series] = [pd.Series(headers, dtype=object)]
    for j, values in enumerate(columns):
        ref = get_column_letter(j + 1)
        if j in datetime_columns:
            serial = (pd.to_datetime(pd.Series(values)).to_numpy().astype("datetime64[s]") - _EXCEL_EPOCH
                      ).astype("int64") / 86400.0
            cell_texts.append('<c r="' + ref + rows + '" s="1"><v>' + pd.Series(serial).map(repr)
                              + "</v></c>")
            continue
        col = pd.Series(values, dtype=object)
        empty = col.isna() | (col.astype(str) == "")
        numeric = col.map(lambda v: isinstance(v, (int, float, np.integer, np.floating))
                          and not isinstance(v, bool)).astype(bool)
        text = ~empty & ~numeric
        out = pd.Series("", index=col.index, dtype=object)
        if numeric.any():
            out[numeric] = '<c r="' + ref + rows[numeric] + '"><v>' + col[numeric].astype(str) + "</v></c>"
        if text.any():
            strings.append(col[text].astype(str))
            out[text] = col[text].astype(str)                 # replaced by the index below
        cell_texts.append((out, text, ref))
    # The shared-string table: first appearance order.
    all_strings = pd.concat(strings, ignore_index=True)
    codes, uniques = pd.factorize(all_strings)
    index_of = pd.Series(np.arange(len(uniques)), index=uniques)
    body: list = [None] * len(cell_texts)
    for j, item in enumerate(cell_texts):
        if isinstance(item, tuple):
            out, text, ref = item
            if text.any():
                out[text] = ('<c r="' + ref + rows[text] + '" t="s"><v>'
                             + out[text].map(index_of).astype(str) + "</v></c>")
            body[j] = out
        else:
            body[j] = item
    header_xml = "".join(f'<c r="{get_column_letter(j + 1)}1" s="2" t="s"><v>{index_of[h]}</v></c>'
                         for j, h in enumerate(headers))
    row_xml = pd.Series("", index=rows.index, dtype=object)
    for col in body:
        row_xml = row_xml + col.astype(str).to_numpy()
    row_xml = '<row r="' + rows + '">' + row_xml + "</row>"
    last = f"{get_column_letter(len(headers))}{n + 1}"
    sheet_xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="A1:{last}"/><sheetViews><sheetView workbookViewId="0"/></sheetViews>'
        '<sheetFormatPr defaultRowHeight="15"/><sheetData>'
        f'<row r="1">{header_xml}</row>' + "".join(row_xml.tolist()) + "</sheetData></worksheet>")
    uniq = pd.Series(uniques, dtype=object).astype(str)
    spaced = uniq.str.match(r"^\s|.*\s$")
    escaped = _xml_text(uniq)
    si = np.where(spaced, '<si><t xml:space="preserve">' + escaped + "</t></si>",
                  "<si><t>" + escaped + "</t></si>")
    shared_xml = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                  '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                  f'count="{len(all_strings)}" uniqueCount="{len(uniques)}">' + "".join(si.tolist())
                  + "</sst>")
    stamp = FIXED_XLSX_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    core_xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<cp:coreProperties '
        'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:creator>{creator}</dc:creator><cp:lastModifiedBy>{creator}</cp:lastModifiedBy>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified>'
        "</cp:coreProperties>")
    app_xml = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
               '<Properties '
               'xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
               "<Application>Microsoft Excel</Application></Properties>")
    workbook_xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f'<sheets><sheet name="{sheet}" sheetId="1" r:id="rId1"/></sheets></workbook>')
    parts = {
        "[Content_Types].xml": _CONTENT_TYPES, "_rels/.rels": _ROOT_RELS,
        "docProps/app.xml": app_xml, "docProps/core.xml": core_xml,
        "xl/workbook.xml": workbook_xml, "xl/_rels/workbook.xml.rels": _WORKBOOK_RELS,
        "xl/styles.xml": _STYLES.format(fmt=MS_FORMS_DATETIME_FORMAT),
        "xl/sharedStrings.xml": shared_xml, "xl/worksheets/sheet1.xml": sheet_xml,
    }
    buffer = io.BytesIO()
    stamp_tuple = FIXED_XLSX_TIME.timetuple()[:6]
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            info = zipfile.ZipInfo(name, date_time=stamp_tuple)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            archive.writestr(info, text.encode("utf-8"))
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(buffer.getvalue())
    os.replace(tmp, path)


def _cell(values) -> list:
    """Empty answers as empty cells (None), as the tools write skipped questions."""
    return [None if (v is None or v == "") else v for v in values]


def _write_mentor_xlsx(path: Path, rows: pd.DataFrame) -> None:
    cols = [
        np.arange(1, len(rows) + 1).tolist(),
        rows["started"].to_numpy(),
        rows["submitted"].to_numpy(),
        rows["email"].tolist(),
        rows["name"].tolist(),
        *[_cell(rows[f].tolist()) for f in MENTOR_QUESTIONS],
    ]
    _write_xlsx(path, MENTOR_HEADERS, cols, datetime_columns={1, 2})


def _google_timestamps(values: np.ndarray) -> pd.Series:
    t = pd.Series(pd.to_datetime(values))
    # strftime's %-d is not portable; build the Finnish-locale text from parts.
    return (t.dt.day.astype(str) + "." + t.dt.month.astype(str) + "." + t.dt.year.astype(str) + " "
            + t.dt.hour.astype(str) + "." + t.dt.strftime("%M.%S"))


def _write_csv(path: Path, table: pd.DataFrame, *, bom: bool = False, sep: str = ",",
               quote_all: bool = False) -> None:
    text = table.to_csv(index=False, sep=sep, lineterminator="\r\n",
                        quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8"))
    os.replace(tmp, path)


def _write_participant_csv(path: Path, rows: pd.DataFrame) -> None:
    table = pd.DataFrame({"Timestamp": _google_timestamps(rows["submitted"].to_numpy()),
                          "Email address": rows["email"].to_numpy()})
    for f, header in PARTICIPANT_QUESTIONS.items():
        table[header] = rows[f].to_numpy()
    _write_csv(path, table)


def _write_attendance(path: Path, names, emails, headers: list[str], cells: np.ndarray) -> None:
    cols = [list(names), list(emails), *[cells[:, j].tolist() for j in range(cells.shape[1])]]
    _write_xlsx(path, ["Name", "Email", *headers], cols, sheet="Sheet1", creator="Coordinator")


# -- the term -----------------------------------------------------------------------------------

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
    streams = np.random.SeedSequence(seed).spawn(6)
    rng_people, rng_mentor, rng_participant, rng_attend, rng_surveys, rng_incomplete = (
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
    _write_attendance(out / TRAINING_FILE, mentor_people["name"].to_numpy()[order_m],
                      sheet_emails(mentor_people["email"].iloc[order_m].reset_index(drop=True)),
                      term.training_headers, _tick_cells(rng_attend, t_present)[order_m])
    group_names = np.concatenate([acc_m["name"].to_numpy(), acc_p["name"].to_numpy()])
    group_emails = pd.Series(np.concatenate([acc_m["email"].to_numpy(), acc_p["email"].to_numpy()]))
    group_present = np.vstack([m_present, p_present])
    order_g = np.argsort(pd.Series(group_names).str.casefold().to_numpy(), kind="stable")
    _write_attendance(out / GROUP_FILE, group_names[order_g],
                      sheet_emails(group_emails.iloc[order_g].reset_index(drop=True)),
                      term.meeting_headers, _tick_cells(rng_attend, group_present)[order_g])

    _write_mentor_xlsx(out / MENTOR_FILE, mentors)
    _write_participant_csv(out / PARTICIPANT_FILE, participants)
    _write_csv(out / WITHDRAWALS_FILE, withdrawals)

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
    _write_csv(out / EXPECTED_FILE, expected)

    surveys_written = _write_surveys(out, people, rng_surveys, term)

    counts = {role: truth[truth["role"] == role]["status"].value_counts().sort_index().to_dict()
              for role in ("mentor", "participant")}
    files = {MENTOR_FILE: len(mentors), PARTICIPANT_FILE: len(participants),
             WITHDRAWALS_FILE: len(withdrawals),
             TRAINING_FILE: len(acc_m), GROUP_FILE: len(acc_m) + len(acc_p), EXPECTED_FILE: len(expected)}
    return {
        "seed": seed, "scale": scale, "term": asdict(term),
        "places": {"mentor": term.mentor_places, "participant": term.participant_places,
                   "groups": term.groups},
        "files": files, "surveys_written": surveys_written, "counts": counts,
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

    TODO(lead): mentoring_lib/demodata_surveys.py is owned by the survey engineer; until it exists the
    three survey exports are not written (the config lists them, so a run needs them).
    """
    try:
        module = importlib.import_module("mentoring_lib.demodata_surveys")
    except ModuleNotFoundError as e:
        if e.name != "mentoring_lib.demodata_surveys":
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


# -- the hand-applied expectation (a test oracle) -----------------------------------------------

_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad\u00a0\\s]")


def _plain_email(text) -> str:
    return unicodedata.normalize("NFC", _INVISIBLE.sub("", str(text or ""))).casefold()


def hand_applied_statuses(data_dir, *, mentor_places: int = 16, participant_places: int = 80,
                          mentor_deadline: dt.date = DEMO_TERM.mentor_deadline,
                          participant_deadline: dt.date = DEMO_TERM.participant_deadline) -> pd.DataFrame:
    """The announced rules applied by hand, row by row, to the files in ``data_dir``.

    Written as plainly as a person would do it in a spreadsheet (a deliberately naive reference,
    independent of :mod:`mentoring_lib.registration`): read the rows in submission order (ties keep
    the file's order). A test submission (e-mail starting ``test@``/``test+``, name starting
    "test") is excluded. Rows are the same person when their e-mails agree ignoring case, spaces and
    invisible characters; a person's place is held by their first complete submission (name, e-mail
    and consent answered) made by the end of the deadline day, else by their first complete late
    one (then they are late); their other rows are duplicates, and a person with no complete row is
    excluded. The queue is the in-time place holders in order: the first ``places`` are accepted,
    the others wait-listed. Each withdrawal marks its person withdrawn and gives the place to the
    first person still waiting. Returns input, row, role, status, queue_position, waitlist_position.
    """
    from openpyxl import load_workbook

    data_dir = Path(data_dir)
    wb = load_workbook(data_dir / MENTOR_FILE, read_only=True)
    ws = wb["Sheet1"]
    it = ws.iter_rows(values_only=True)
    header = list(next(it))
    m_rows = [(i, r[header.index("Completion time")], r[header.index("Email")], r[header.index("Name")],
               r[header.index(CONSENT_QUESTION)]) for i, r in enumerate(it, start=2)]
    wb.close()
    with open(data_dir / PARTICIPANT_FILE, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        p_rows = [(i, dt.datetime.strptime(r["Timestamp"], "%d.%m.%Y %H.%M.%S"), r["Email address"],
                   r["Full name"], r[CONSENT_QUESTION]) for i, r in enumerate(reader, start=2)]
    with open(data_dir / WITHDRAWALS_FILE, encoding="utf-8", newline="") as fh:
        withdrawals = sorted(csv.DictReader(fh), key=lambda r: r["Date"])

    results = []
    for input_id, role, rows, places, deadline in (
            ("mentor_registrations", "mentor", m_rows, mentor_places, mentor_deadline),
            ("participant_registrations", "participant", p_rows, participant_places, participant_deadline)):
        end_of_deadline_day = dt.datetime.combine(deadline, dt.time(23, 59, 59))
        ordered = sorted(rows, key=lambda r: (r[1], r[0]))

        def is_test(email, name):
            return (bool(re.match(r"test[@+]", _plain_email(email)))
                    or str(name).strip().lower().startswith("test"))

        def is_complete(email, name, consent):
            return all(str(v or "").strip() for v in (email, name, consent))

        place_holder = {}
        for want_late in (False, True):
            for row, submitted, email, name, consent in ordered:
                key = _plain_email(email)
                late = submitted > end_of_deadline_day
                if (late == want_late and not is_test(email, name) and is_complete(email, name, consent)
                        and key not in place_holder):
                    place_holder[key] = row
        queue, status = [], {}
        for row, submitted, email, name, consent in ordered:
            key = _plain_email(email)
            if is_test(email, name) or key not in place_holder:
                status[row] = "excluded"
            elif place_holder[key] != row:
                status[row] = "duplicate"
            elif submitted > end_of_deadline_day:
                status[row] = "late"
            else:
                queue.append((row, key))
        accepted = [q for q in queue[:places]]
        waiting = [q for q in queue[places:]]
        for w in withdrawals:
            key = _plain_email(w["Email"])
            for q in list(accepted):
                if q[1] == key:
                    accepted.remove(q)
                    status[q[0]] = "withdrawn"
                    if waiting:
                        accepted.append(waiting.pop(0))
        position = {q[0]: i for i, q in enumerate(queue, start=1)}
        for q in accepted:
            status[q[0]] = "accepted"
        for i, q in enumerate(waiting, start=1):
            status[q[0]] = "waitlisted"
        wl_position = {q[0]: i for i, q in enumerate(waiting, start=1)}
        for row, *_ in rows:
            results.append({"input": input_id, "row": row, "role": role, "status": status[row],
                            "queue_position": position.get(row), "waitlist_position": wl_position.get(row)})
    out = pd.DataFrame(results)
    for c in ("queue_position", "waitlist_position"):
        out[c] = out[c].astype("Int64")
    return out
