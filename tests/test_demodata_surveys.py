"""The demo survey exports: tool layouts, codebook coverage, response rates, determinism."""
from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from mentoring_lib.analysis.codebook import load_codebook, map_answers
from mentoring_lib.demo.demodata_surveys import (AFTER_FILE, BEFORE_FILE, MENTOR_FILE, QUALTRICS_META,
                                            write_survey_exports)
from mentoring_lib.io.readers import read_export, select_columns

ROOT = Path(__file__).resolve().parents[1]
CODEBOOK = load_codebook(ROOT / "config" / "codebooks" / "demo.yml")
TERM = SimpleNamespace(start=dt.date(2026, 10, 1), end=dt.date(2026, 12, 18),
                       meeting_dates=(dt.date(2026, 10, 13), dt.date(2026, 12, 15)), timezone="Europe/Helsinki")


def make_people(n_participants: int = 400, n_mentors: int = 40, n_waitlisted: int = 30) -> pd.DataFrame:
    rows = []
    for role, n, status in (("participant", n_participants, "accepted"), ("mentor", n_mentors, "accepted"),
                            ("participant", n_waitlisted, "waitlisted")):
        for i in range(n):
            k = len(rows)
            rows.append({"name": f"Testi{k} Henkilö{k}", "email": f"person{k}@example.fi", "role": role,
                         "status": status, "active": k % 4 != 0})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    out = tmp_path_factory.mktemp("surveys")
    people = make_people()
    write_survey_exports(out, people, np.random.default_rng(11), TERM)
    return out, people


def test_three_files_in_the_tools_layouts(exports):
    out, _ = exports
    before = read_export(out / BEFORE_FILE)
    after = read_export(out / AFTER_FILE)
    mentor = read_export(out / MENTOR_FILE)
    assert (before.tool, before.header_rows) == ("qualtrics", 3)
    assert (after.tool, after.delimiter) == ("webropol", ";")
    assert mentor.tool == "microsoft_forms"
    assert list(mentor.data.columns[:5]) == ["ID", "Start time", "Completion time", "Email", "Name"]
    assert (out / AFTER_FILE).read_bytes().startswith(b"\xef\xbb\xbf")
    assert (out / BEFORE_FILE).read_bytes().startswith(b"\xef\xbb\xbf")
    assert list(before.data.columns[:len(QUALTRICS_META)]) == [m[0] for m in QUALTRICS_META]
    assert list(after.data.columns[:2]) == ["Response date", "Email address"]
    third = (out / BEFORE_FILE).read_text(encoding="utf-8-sig").splitlines()[2]
    assert '{""ImportId"":""QID1_1""}' in third and '{""ImportId"":""recipientEmail""}' in third
    assert before.import_ids["QID6_13"] == "Q6_13"


@pytest.mark.parametrize("survey, file", [("feedback_before", BEFORE_FILE), ("feedback_after", AFTER_FILE),
                                          ("mentor_feedback", MENTOR_FILE)])
def test_every_codebook_column_is_present_and_every_answer_maps(exports, survey, file):
    out, _ = exports
    sm = CODEBOOK.surveys[survey]
    export = read_export(out / file)
    df = select_columns(export, {"email": sm.email_column, "t": sm.timestamp_column, **sm.columns},
                        required=["email", "t", *sm.columns])
    likert = [c for c in sm.columns if CODEBOOK.item(c).kind == "likert"]
    values = map_answers(df[likert], {}, CODEBOOK, file=file)
    assert values.notna().to_numpy().mean() > 0.9
    for inst_id, inst in CODEBOOK.instruments.items():
        cols = [i.id for i in inst.items if i.id in values]
        if cols:
            rs = CODEBOOK.response_sets[inst.response_set]
            v = values[cols].to_numpy()
            v = v[~np.isnan(v)]
            assert v.min() >= rs.min_value and v.max() <= rs.max_value
            # Answers use more than one option (not a constant).
            assert len(np.unique(v)) >= 3


def test_after_survey_has_finnish_swedish_labels_and_missing_codes(exports):
    out, _ = exports
    text = (out / AFTER_FILE).read_text(encoding="utf-8-sig")
    for label in ("Lähes aina", "Nästan alltid", "Täysin samaa mieltä", "en osaa sanoa", "vet ej", "N/A"):
        assert label in text, label


def test_response_rates_overlap_and_mess(exports):
    out, people = exports
    norm = lambda s: s.astype(str).str.strip().str.casefold()
    before = read_export(out / BEFORE_FILE).data
    after = read_export(out / AFTER_FILE).data
    accepted_p = set(norm(people.loc[(people.status == "accepted") & (people.role == "participant"), "email"]))
    b_done = before[before["Finished"] == "True"]
    pre = set(norm(b_done["RecipientEmail"])) & accepted_p
    post = set(norm(after["Email address"])) & accepted_p
    assert 0.68 <= len(pre) / len(accepted_p) <= 0.82
    assert 0.50 <= len(post) / len(accepted_p) <= 0.68
    both = pre & post
    assert 0 < len(both) < min(len(pre), len(post))          # partial overlap: some do not link
    assert (before["Finished"] == "False").sum() >= 1          # abandoned attempts
    assert norm(b_done["RecipientEmail"]).duplicated().any()   # answered twice
    assert (before["RecipientEmail"].fillna("") == "").sum() >= 1   # anonymous link
    assert not set(norm(before["RecipientEmail"]).dropna()) - {""} <= set(norm(people["email"]))
    waitlisted = set(norm(people.loc[people.status == "waitlisted", "email"]))
    assert set(norm(before["RecipientEmail"])) & waitlisted
    emails = pd.concat([before["RecipientEmail"], after["Email address"]]).dropna().str.strip()
    emails = emails[emails != ""]
    assert emails.str.fullmatch(r"(?i)[^@\s]+@example\.(org|fi)").all()
    assert (emails != emails.str.lower()).any()                # typed in capitals sometimes


def test_small_positive_change_on_average(exports):
    out, _ = exports
    sm_b, sm_a = CODEBOOK.surveys["feedback_before"], CODEBOOK.surveys["feedback_after"]
    cols = [f"swemwbs_{i}" for i in range(1, 8)]

    def mean_sum(file, sm):
        export = read_export(out / file)
        df = select_columns(export, {c: sm.columns[c] for c in cols}, required=cols)
        return map_answers(df, {}, CODEBOOK).sum(axis=1, min_count=7).mean()

    change = mean_sum(AFTER_FILE, sm_a) - mean_sum(BEFORE_FILE, sm_b)
    assert 0.2 < change < 4.0


def test_comments_mention_names_or_emails_sometimes(exports):
    out, people = exports
    after = read_export(out / AFTER_FILE).data
    col = CODEBOOK.surveys["feedback_after"].columns["comment_participant"]
    comments = after[col].fillna("")
    assert 0.25 < (comments != "").mean() < 0.65
    firsts = set(people.loc[people.role == "mentor", "name"].str.split().str[0])
    assert comments.str.contains("@example.").any()
    assert comments.map(lambda c: any(f in c for f in firsts)).any()


def test_deterministic_for_the_rng(tmp_path):
    people = make_people(60, 8, 5)
    digests = []
    for run in ("a", "b"):
        d = tmp_path / run
        write_survey_exports(d, people, np.random.default_rng(5), TERM)
        digests.append({f: hashlib.sha256((d / f).read_bytes()).hexdigest() for f in
                        (BEFORE_FILE, AFTER_FILE, MENTOR_FILE)})
    assert digests[0] == digests[1]
    d = tmp_path / "c"
    write_survey_exports(d, people, np.random.default_rng(6), TERM)
    assert hashlib.sha256((d / BEFORE_FILE).read_bytes()).hexdigest() != digests[0][BEFORE_FILE]
