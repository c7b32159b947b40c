"""The demo term's three survey exports, written the way the survey tools write them.

``write_survey_exports(out_dir, people, rng, term)`` writes, into ``out_dir``:

- ``feedback_before.csv``: Qualtrics "choice text" CSV (UTF-8 with BOM, comma, three header rows:
  short names, question texts, ``{"ImportId": ...}``), metadata columns StartDate, EndDate, Status,
  IPAddress, Progress, Duration (in seconds), Finished, RecordedDate, ResponseId,
  RecipientLastName, RecipientFirstName, RecipientEmail, ExternalReference, LocationLatitude,
  LocationLongitude, DistributionChannel, UserLanguage; then SCS-SF, SWEMWBS, CS-16 and the three
  CEAS scales as answer labels;
- ``feedback_after.csv``: Webropol-like (``;``, UTF-8 with BOM): ``Response date``,
  ``Email address``, the same instruments, the reaction items and an open comment; some
  respondents answer in Finnish or Swedish labels, some cells say "en osaa sanoa" / "vet ej" / "N/A";
- ``mentor_feedback.xlsx``: Microsoft Forms layout (ID, Start time, Completion time, Email, Name,
  then the mentor items and a comment).

Headers, wordings and labels come from the demo codebook (``config/codebooks/demo.yml``), so the
exports and the codebook cannot drift apart. Respondents are accepted people: about 75 % of the
participants answer before and about 60 % after, overlapping only partly (so some do not link),
with a small positive change on average. Deliberate mess: duplicate and incomplete Qualtrics
responses, an anonymous-link response, a few wait-listed people and a mentor who answered the
participants' survey, an address nobody registered with, e-mails in other letter case, skipped
items, and open comments that mention a name or an e-mail address (to exercise scrubbing).

Deterministic for ``rng``; vectorised (the 100x term takes seconds). Synthetic e-mails only
(example.org / example.fi); IP addresses from the documentation ranges (RFC 5737).
"""
from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd

from mentoring_lib.analysis.codebook import Codebook, ResponseSet, load_codebook

BEFORE_FILE = "feedback_before.csv"
AFTER_FILE = "feedback_after.csv"
MENTOR_FILE = "mentor_feedback.xlsx"

#: Response probabilities (participants): before; after given before / not before.
P_BEFORE = 0.75
P_AFTER_GIVEN_BEFORE = 0.75
P_AFTER_GIVEN_NONE = 0.35
P_MENTOR = 0.80
#: Share of cells left blank, and (after-survey) answered with a missing-answer code.
P_SKIP = 0.008
P_MISSING_CODE = 0.012
#: Mean true change (in SD of the latent trait) between before and after.
MEAN_CHANGE = 0.25

QUALTRICS_TZ = "Europe/Helsinki"
QUALTRICS_META = [  # short header, question text, ImportId
    ("StartDate", "Start Date", {"ImportId": "startDate", "timeZone": QUALTRICS_TZ}),
    ("EndDate", "End Date", {"ImportId": "endDate", "timeZone": QUALTRICS_TZ}),
    ("Status", "Response Type", {"ImportId": "status"}),
    ("IPAddress", "IP Address", {"ImportId": "ipAddress"}),
    ("Progress", "Progress", {"ImportId": "progress"}),
    ("Duration (in seconds)", "Duration (in seconds)", {"ImportId": "duration"}),
    ("Finished", "Finished", {"ImportId": "finished"}),
    ("RecordedDate", "Recorded Date", {"ImportId": "recordedDate", "timeZone": QUALTRICS_TZ}),
    ("ResponseId", "Response ID", {"ImportId": "_recordId"}),
    ("RecipientLastName", "Recipient Last Name", {"ImportId": "recipientLastName"}),
    ("RecipientFirstName", "Recipient First Name", {"ImportId": "recipientFirstName"}),
    ("RecipientEmail", "Recipient Email", {"ImportId": "recipientEmail"}),
    ("ExternalReference", "External Data Reference", {"ImportId": "externalDataReference"}),
    ("LocationLatitude", "Location Latitude", {"ImportId": "locationLatitude"}),
    ("LocationLongitude", "Location Longitude", {"ImportId": "locationLongitude"}),
    ("DistributionChannel", "Distribution Channel", {"ImportId": "distributionChannel"}),
    ("UserLanguage", "User Language", {"ImportId": "userLanguage"}),
]

PARTICIPANT_COMMENTS = (
    "It was a relief to hear that others struggle with the same things.",
    "The meetings helped me to be a bit kinder to myself when experiments fail.",
    "More meetings, please! Six felt too few.",
    "Thank you {mentor} for creating such a warm atmosphere.",
    "I liked the breathing exercises; the homework was harder to fit in.",
    "{mentor} and the other mentor were great listeners.",
    "Could the group continue in the spring? Contact me at {email} if you need volunteers.",
    "Ryhmä oli tosi hyvä, kiitos!",
    "Gruppen gav mig mycket stöd under en tung höst.",
    "Sometimes the discussions drifted, but overall it was worth it.",
    "The room was hard to find the first time.",
    "I would have liked more structure in the later meetings.",
)
MENTOR_COMMENTS = (
    "Co-mentoring with {mentor} worked really well.",
    "The second training session was the most useful one.",
    "More supervision between meetings would help new mentors.",
    "It was sometimes hard to keep to time when someone was in a crisis.",
    "Happy to share my materials: {email}",
    "Kiitos koulutuksesta, opin paljon.",
    "Two participants dropped out after the third meeting; a reminder system would help.",
)


# -- helpers -------------------------------------------------------------------------------------

def default_codebook_path() -> Path:
    """The demo codebook: in the repository next to the package, else under the working folder."""
    here = Path(__file__).resolve().parents[2] / "config" / "codebooks" / "demo.yml"
    if here.exists():
        return here
    return Path.cwd() / "config" / "codebooks" / "demo.yml"


def _term_dates(term) -> tuple[dt.date, dt.date, str]:
    """(first meeting, last meeting, time zone) from a DemoTerm, TermConfig or TermSection."""
    section = getattr(term, "term", term)
    tz = getattr(term, "timezone", None) or getattr(section, "timezone", None) or "Europe/Helsinki"
    meetings = tuple(getattr(term, "meeting_dates", ()) or ())
    start = getattr(section, "start", None) or (meetings[0] if meetings else dt.date(2026, 10, 1))
    end = getattr(section, "end", None) or (meetings[-1] if meetings else dt.date(2026, 12, 18))
    first = meetings[0] if meetings else start
    last = meetings[-1] if meetings else end
    return first, last, tz


def _times(rng: np.random.Generator, n: int, first: dt.date, last: dt.date) -> pd.Series:
    """Naive local times spread over [first, last] (days), mostly in working hours."""
    days = (last - first).days + 1
    day = rng.integers(0, days, size=n)
    seconds = rng.integers(8 * 3600, 22 * 3600, size=n)
    base = np.datetime64(first.isoformat(), "s")
    return pd.Series(base + day.astype("timedelta64[D]").astype("timedelta64[s]")
                     + seconds.astype("timedelta64[s]"))


def _labels(rs: ResponseSet, language: str) -> dict[float, str]:
    out = {}
    for o in rs.options:
        spell = {"fi": o.fi, "sv": o.sv}.get(language) or []
        out[o.value] = spell[0] if spell else o.label
    return out


def _answers(rng: np.random.Generator, theta: np.ndarray, reverse: np.ndarray, rs: ResponseSet) -> np.ndarray:
    """Integer answers (n x k) from a latent trait: higher theta -> higher on normal items."""
    lo, hi = rs.min_value, rs.max_value
    mid, spread = (lo + hi) / 2, (hi - lo) / 4
    sign = np.where(reverse, -1.0, 1.0)
    # People lean to the compassionate / well side: the offset is in the scored direction, so a
    # reverse-keyed item leans low in its raw answers.
    raw = mid + spread * (sign[None, :] * (0.35 + 0.8 * theta[:, None])
                          + rng.normal(0.0, 0.75, size=(len(theta), len(reverse))))
    return np.clip(np.rint(raw), lo, hi)


def _to_text(values: np.ndarray, rs: ResponseSet, language: np.ndarray) -> np.ndarray:
    """Numbers -> answer labels in each respondent's language (vectorised per language)."""
    out = np.empty(values.shape, dtype=object)
    for lang in np.unique(language):
        rows = language == lang
        table = _labels(rs, str(lang))
        keys = np.array(sorted(table))
        labels = np.array([table[k] for k in keys], dtype=object)
        idx = np.searchsorted(keys, values[rows])
        out[rows] = labels[np.clip(idx, 0, len(keys) - 1)]
    return out


def _instrument_block(rng, cb: Codebook, survey: str, theta: dict[str, np.ndarray],
                      language: np.ndarray, *, missing_codes: bool) -> tuple[dict[str, np.ndarray], dict]:
    """Answer texts for every instrument item the survey maps: column header -> values."""
    sm = cb.surveys[survey]
    cols: dict[str, np.ndarray] = {}
    values: dict[str, np.ndarray] = {}

    for inst_id, inst in cb.instruments.items():
        items = [i for i in inst.items if i.id in sm.columns]
        if not items:
            continue
        rs = cb.response_sets[inst.response_set]
        v = _answers(rng, theta[inst_id], np.array([i.reverse for i in items]), rs)
        text = _to_text(v, rs, language)
        skip = rng.random(v.shape) < P_SKIP
        text[skip] = ""
        if missing_codes:
            code = rng.random(v.shape) < P_MISSING_CODE
            text[code & ~skip] = _missing_text(rng, language, code & ~skip)
        for j, it in enumerate(items):
            cols[sm.columns[it.id]] = text[:, j]
            values[it.id] = v[:, j]
    return cols, values


def _missing_text(rng, language: np.ndarray, mask: np.ndarray) -> np.ndarray:
    rows = np.nonzero(mask)[0]
    lang = language[rows]
    out = np.where(lang == "fi", "en osaa sanoa", np.where(lang == "sv", "vet ej", "N/A")).astype(object)
    return out


def _likert_items(rng, cb: Codebook, survey: str, group: str, level: np.ndarray, language: np.ndarray):
    sm = cb.surveys[survey]
    cols = {}
    for it in cb.items:
        if it.group != group or it.id not in sm.columns or it.response_set is None:  # None: a text item
            continue
        rs = cb.response_sets[it.response_set]
        v = _answers(rng, level + 0.9, np.array([False]), rs)
        text = _to_text(v, rs, language)
        text[rng.random(v.shape) < P_SKIP] = ""
        cols[sm.columns[it.id]] = text[:, 0]
    return cols


def _fill(texts: pd.Series, placeholder: str, values: np.ndarray) -> pd.Series:
    """Replace ``placeholder`` in each text by that row's value (vectorised split and join)."""
    parts = texts.str.split(placeholder, n=1, regex=False, expand=True).reindex(columns=[0, 1])
    has = parts[1].notna()
    vals = pd.Series(values, index=texts.index, dtype=object).astype(str)
    rest = parts[1].astype(object).where(has, "").astype(str)
    return parts[0].astype(str) + vals.where(has, "") + rest


def _comments(rng, n: int, p: float, templates: tuple[str, ...], mentor_names: np.ndarray,
              emails: np.ndarray) -> np.ndarray:
    """Open comments for ``n`` respondents (blank for about 1 - p); some name a mentor or an e-mail."""
    has = rng.random(n) < p
    pick = rng.integers(0, len(templates), size=n)
    first_names = np.array([str(x).split()[0] if str(x).split() else "the mentor" for x in mentor_names],
                           dtype=object)
    if len(first_names) == 0:
        first_names = np.array(["the mentor"], dtype=object)
    mentor = first_names[rng.integers(0, len(first_names), size=n)]
    out = pd.Series(np.asarray(templates, dtype=object)[pick], dtype=object).astype(str)
    out = _fill(_fill(out, "{mentor}", mentor), "{email}", emails)
    return out.where(has, "").to_numpy(dtype=object)


def _vary_case(rng, emails: np.ndarray) -> np.ndarray:
    """Some people type their address differently in a survey (case, surrounding space)."""
    e = pd.Series(emails, dtype=object).astype(str)
    r = rng.random(len(e))
    e = e.where(r >= 0.06, e.str.upper())
    e = e.where((r < 0.06) | (r >= 0.10), " " + e + " ")
    return e.to_numpy(dtype=object)


def _write_text(path: Path, text: str, *, bom: bool) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    os.replace(tmp, path)


# -- the exports ------------------------------------------------------------------------------------

def write_survey_exports(out_dir, people: pd.DataFrame, rng: np.random.Generator, term,
                         *, codebook: Codebook | str | Path | None = None) -> None:
    """Write ``feedback_before.csv``, ``feedback_after.csv`` and ``mentor_feedback.xlsx``.

    ``people``: DataFrame(name, email, role, status, active, ...), one row per person (the demo
    engineer's people table). ``term``: the demo term (``DemoTerm``) or a config/term section with
    ``start``/``end`` (and optionally ``meeting_dates``). Deterministic for ``rng``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    cb = codebook if isinstance(codebook, Codebook) else load_codebook(codebook or default_codebook_path())
    first_meeting, last_meeting, _ = _term_dates(term)
    people = people.reset_index(drop=True)
    active = people["active"].astype(bool).to_numpy() if "active" in people else np.ones(len(people), bool)
    accepted = people["status"].eq("accepted").to_numpy()
    role = people["role"].to_numpy()
    part = np.nonzero(accepted & (role == "participant"))[0]
    ment = np.nonzero(accepted & (role == "mentor"))[0]
    waitlisted = np.nonzero(people["status"].isin(["waitlisted", "late"]).to_numpy()
                            & (role == "participant"))[0]
    scale = max(1, round(len(part) / 80))

    # Who answers: participants, plus a few people the link reached by mistake.
    n_p = len(part)
    pre = rng.random(n_p) < P_BEFORE
    p_post = np.where(pre, P_AFTER_GIVEN_BEFORE, P_AFTER_GIVEN_NONE) * np.where(active[part], 1.0, 0.7)
    post = rng.random(n_p) < p_post
    stray_wait = rng.choice(waitlisted, size=min(2 * scale, len(waitlisted)), replace=False) \
        if len(waitlisted) else np.array([], int)
    stray_mentor = (rng.choice(ment, size=min(scale, len(ment)), replace=False) if len(ment)
                    else np.array([], int))
    who_pre = np.concatenate([part[pre], np.sort(stray_wait), np.sort(stray_mentor)])
    who_post = np.concatenate([part[post], np.sort(stray_wait[: len(stray_wait) // 2])])

    # A latent trait per person and instrument; the after-survey adds a small positive change.
    n_all = len(people)
    base = rng.normal(0.0, 1.0, size=n_all)
    change = rng.normal(MEAN_CHANGE, 0.45, size=n_all)
    inst_ids = list(cb.instruments)
    specific = {i: rng.normal(0.0, 0.6, size=n_all) for i in inst_ids}
    theta_pre = {i: 0.8 * base + specific[i] for i in inst_ids}
    theta_post = {i: theta_pre[i] + change for i in inst_ids}

    mentor_names = people["name"].to_numpy()[ment]
    emails = people["email"].astype(str).str.strip().to_numpy(dtype=object)

    _write_before(out / BEFORE_FILE, rng, cb, people, who_pre, theta_pre, first_meeting, scale)
    _write_after(out / AFTER_FILE, rng, cb, emails, who_post, theta_post, change, last_meeting,
                 mentor_names, scale)
    _write_mentor(out / MENTOR_FILE, rng, cb, people, ment, last_meeting, mentor_names)


def _write_before(path: Path, rng, cb: Codebook, people: pd.DataFrame, who: np.ndarray,
                  theta: dict[str, np.ndarray], first_meeting: dt.date, scale: int) -> None:
    sm = cb.surveys["feedback_before"]
    # Duplicates (answered twice, both complete) and abandoned attempts (incomplete, recorded
    # later when the session expired) are extra rows of the same people.
    n0 = len(who)
    dup = rng.choice(n0, size=min(3 * scale, n0), replace=False) if n0 else np.array([], int)
    inc = rng.choice(n0, size=min(3 * scale, n0), replace=False) if n0 else np.array([], int)
    rows = np.concatenate([np.arange(n0), dup, inc])
    kind = np.array(["complete"] * n0 + ["duplicate"] * len(dup) + ["incomplete"] * len(inc), dtype=object)
    person = who[rows]
    n = len(rows)
    theta_rows = {k: v[person] for k, v in theta.items()}
    language = np.full(n, "en", dtype=object)
    cols, _ = _instrument_block(rng, cb, "feedback_before", theta_rows, language, missing_codes=False)

    recorded = _times(rng, n, first_meeting - dt.timedelta(days=12), first_meeting - dt.timedelta(days=1))
    later = recorded.to_numpy().copy()
    # A duplicate comes a day or two after the first answer; an incomplete one is recorded a week later.
    later[kind == "duplicate"] = later[rows[kind == "duplicate"]] + np.timedelta64(30 * 3600, "s")
    later[kind == "incomplete"] = later[rows[kind == "incomplete"]] + np.timedelta64(7 * 86400, "s")
    recorded = pd.Series(later)
    duration = rng.integers(240, 1500, size=n)
    progress = np.where(kind == "incomplete", rng.integers(20, 70, size=n), 100)
    start = recorded - pd.to_timedelta(np.where(kind == "incomplete", 7 * 86400, 0) + duration, unit="s")
    end = recorded - pd.to_timedelta(np.where(kind == "incomplete", 7 * 86400 - duration, 0), unit="s")
    # Incomplete responses stop part-way: blank every item after the progress point.
    headers = list(cols)
    cut = np.floor(progress / 100 * len(headers)).astype(int)
    for j, h in enumerate(headers):
        cols[h] = np.where(j >= cut, "", cols[h])

    names = people["name"].astype(str).to_numpy(dtype=object)[person]
    split = pd.Series(names, dtype=object).str.split(" ", n=1, expand=True).reindex(columns=[0, 1]).fillna("")
    email = _vary_case(rng, people["email"].astype(str).str.strip().to_numpy(dtype=object)[person])
    # An anonymous-link response (no recipient) and a person nobody registered.
    anon = rng.choice(n, size=min(scale, n), replace=False) if n else np.array([], int)
    email[anon] = ""
    split.loc[anon, 0] = ""
    split.loc[anon, 1] = ""
    stranger = rng.choice(np.setdiff1d(np.arange(n), anon), size=min(scale, max(n - len(anon), 0)),
                          replace=False)
    email[stranger] = [f"visiting.researcher{i + 1}@example.org" for i in range(len(stranger))]

    fmt = "%Y-%m-%d %H:%M:%S"
    table = {
        "StartDate": start.dt.strftime(fmt).to_numpy(), "EndDate": end.dt.strftime(fmt).to_numpy(),
        "Status": np.full(n, "IP Address", dtype=object),
        "IPAddress": np.char.add("192.0.2.", rng.integers(1, 255, size=n).astype(str)).astype(object),
        "Progress": progress.astype(str), "Duration (in seconds)": duration.astype(str),
        "Finished": np.where(kind == "incomplete", "False", "True").astype(object),
        "RecordedDate": recorded.dt.strftime(fmt).to_numpy(),
        "ResponseId": np.array([f"R_{h}" for h in _response_ids(rng, n)], dtype=object),
        "RecipientLastName": split[1].to_numpy(dtype=object),
        "RecipientFirstName": split[0].to_numpy(dtype=object),
        "RecipientEmail": email, "ExternalReference": np.full(n, "", dtype=object),
        "LocationLatitude": np.full(n, "60.1699", dtype=object),
        "LocationLongitude": np.full(n, "24.9384", dtype=object),
        "DistributionChannel": np.where(np.isin(np.arange(n), anon), "anonymous", "email").astype(object),
        "UserLanguage": np.full(n, "EN", dtype=object),
    }
    short, texts, ids = [m[0] for m in QUALTRICS_META], [m[1] for m in QUALTRICS_META], \
        [json.dumps(m[2], separators=(",", ":")) for m in QUALTRICS_META]
    item_by_import = {v: k for k, v in sm.columns.items()}
    for import_id, values in cols.items():
        item = cb.item(item_by_import[import_id])
        inst_id = cb.item_index[item.id][0]
        assert inst_id is not None  # the Qualtrics export holds the instruments' items only
        stem = cb.instruments[inst_id].stem or cb.instruments[inst_id].name
        short.append(import_id.replace("QID", "Q"))
        texts.append(f"{stem} - {item.wording}")
        ids.append(json.dumps({"ImportId": import_id}, separators=(",", ":")))
        table[import_id.replace("QID", "Q")] = values
    df = pd.DataFrame(table)
    order = np.argsort(recorded.to_numpy(), kind="stable")
    df = df.iloc[order]
    header = pd.DataFrame([texts, ids], columns=short)
    text = pd.concat([header, df[short]], ignore_index=True).to_csv(index=False, lineterminator="\r\n")
    _write_text(path, text, bom=True)


def _response_ids(rng, n: int) -> list[str]:
    alphabet = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"))
    chars = alphabet[rng.integers(0, len(alphabet), size=(n, 15))]
    return ["".join(r) for r in chars]


def _write_after(path: Path, rng, cb: Codebook, emails: np.ndarray, who: np.ndarray,
                 theta: dict[str, np.ndarray], change: np.ndarray, last_meeting: dt.date,
                 mentor_names: np.ndarray, scale: int) -> None:
    sm = cb.surveys["feedback_after"]
    n = len(who)
    language = rng.choice(np.array(["en", "fi", "sv"], dtype=object), size=n, p=[0.72, 0.18, 0.10])
    theta_rows = {k: v[who] for k, v in theta.items()}
    cols, _ = _instrument_block(rng, cb, "feedback_after", theta_rows, language, missing_codes=True)
    reaction = _likert_items(rng, cb, "feedback_after", "reaction", change[who], language)
    comment_header = sm.columns["comment_participant"]
    own = emails[who]
    comment = _comments(rng, n, 0.45, PARTICIPANT_COMMENTS, mentor_names, own)
    when = _times(rng, n, last_meeting - dt.timedelta(days=2), last_meeting + dt.timedelta(days=10))
    stamp = (when.dt.day.astype(str) + "." + when.dt.month.astype(str) + "." + when.dt.year.astype(str)
             + " " + when.dt.strftime("%H:%M"))
    table = {"Response date": stamp.to_numpy(), "Email address": _vary_case(rng, own)}
    table.update(cols)
    table.update(reaction)
    table[comment_header] = comment
    df = pd.DataFrame(table).iloc[np.argsort(when.to_numpy(), kind="stable")]
    _write_text(path, df.to_csv(index=False, sep=";", lineterminator="\r\n"), bom=True)


def _write_mentor(path: Path, rng, cb: Codebook, people: pd.DataFrame, ment: np.ndarray,
                  last_meeting: dt.date, mentor_names: np.ndarray) -> None:
    from mentoring_lib.demo.files import write_xlsx  # the demo engineer's deterministic xlsx writer

    sm = cb.surveys["mentor_feedback"]
    answer = ment[rng.random(len(ment)) < P_MENTOR]
    # One mentor submits twice (the later answer counts).
    twice = answer[:1]
    who = np.concatenate([answer, twice])
    n = len(who)
    language = rng.choice(np.array(["en", "fi"], dtype=object), size=n, p=[0.8, 0.2])
    level = rng.normal(0.3, 0.6, size=n)
    items = _likert_items(rng, cb, "mentor_feedback", "mentor", level, language)
    emails = people["email"].astype(str).str.strip().to_numpy(dtype=object)[who]
    comment = _comments(rng, n, 0.5, MENTOR_COMMENTS, mentor_names, emails)
    done = _times(rng, n, last_meeting + dt.timedelta(days=1), last_meeting + dt.timedelta(days=14))
    done = done.where(np.arange(n) < len(answer), done + pd.Timedelta(days=2))
    order = np.argsort(done.to_numpy(), kind="stable")
    started = done - pd.to_timedelta(rng.integers(120, 900, size=n), unit="s")
    headers = ["ID", "Start time", "Completion time", "Email", "Name", *items.keys(),
               sm.columns["comment_mentor"]]
    columns = [
        list(range(1, n + 1)),
        started.to_numpy()[order], done.to_numpy()[order],
        list(emails[order]), list(people["name"].astype(str).to_numpy()[who][order]),
        *[[None if v == "" else v for v in col[order]] for col in items.values()],
        [None if v == "" else v for v in comment[order]],
    ]
    write_xlsx(path, headers, columns, datetime_columns={1, 2})
