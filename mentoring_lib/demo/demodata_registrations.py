"""The registration exports of a synthetic term: people, their submissions (mess included), the writers.

:func:`_registrations` makes one role's registration rows in submission order, each row's kind
(queued / duplicate / late / test) and quirk known by construction; :func:`_add_incomplete_first`
gives some people an earlier submission that skipped the consent question.
:func:`write_mentor_xlsx` writes the mentors' rows as a Microsoft Forms export and
:func:`write_participant_csv` the participants' as a Google Forms responses CSV (see
:mod:`mentoring_lib.demo.demodata`, which builds the term from these, and
:mod:`mentoring_lib.demo.demodata_spring`, which reuses the mess for another term).
"""
from __future__ import annotations

import datetime as dt
import unicodedata
from pathlib import Path
from typing import Protocol

import numpy as np
import pandas as pd

from mentoring_lib.demo.files import google_timestamps, write_csv, write_xlsx, xlsx_cells


class RegistrationCalendar(Protocol):
    """What :func:`_registrations` needs of a term (a :class:`mentoring_lib.demo.demodata.DemoTerm`)."""

    @property
    def scale(self) -> int: ...
    @property
    def mentor_opens(self) -> dt.datetime: ...
    @property
    def mentor_deadline(self) -> dt.date: ...
    @property
    def participant_opens(self) -> dt.datetime: ...
    @property
    def participant_deadline(self) -> dt.date: ...


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

def _registrations(rng: np.random.Generator, pool: pd.DataFrame, role: str, term: RegistrationCalendar,
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


# -- the forms' exports ----------------------------------------------------------------------

def write_mentor_xlsx(path: Path, rows: pd.DataFrame) -> None:
    cols = [
        np.arange(1, len(rows) + 1).tolist(),
        rows["started"].to_numpy(),
        rows["submitted"].to_numpy(),
        rows["email"].tolist(),
        rows["name"].tolist(),
        *[xlsx_cells(rows[f].tolist()) for f in MENTOR_QUESTIONS],
    ]
    write_xlsx(path, MENTOR_HEADERS, cols, datetime_columns={1, 2})


def write_participant_csv(path: Path, rows: pd.DataFrame) -> None:
    table = pd.DataFrame({"Timestamp": google_timestamps(rows["submitted"].to_numpy()),
                          "Email address": rows["email"].to_numpy()})
    for f, header in PARTICIPANT_QUESTIONS.items():
        table[header] = rows[f].to_numpy()
    write_csv(path, table)
