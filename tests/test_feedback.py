"""The feedback stage on small hand-made exports (every expected number worked out by hand),
plus one run on the synthetic demo surveys."""
from __future__ import annotations

import csv
import hashlib
import importlib.util
import json
import sys
import types
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import stage_context

from mentoring_lib.pipeline import drivers
from mentoring_lib.steps import feedback
from mentoring_lib.config import load_config
from mentoring_lib.errors import InputError, InputErrors
from mentoring_lib.privacy.pseudonym import pseudonymise

ROOT = Path(__file__).resolve().parents[1]
REAL_SCRUB = importlib.util.find_spec("mentoring_lib.privacy.scrub") is not None

CODEBOOK = {
    "missing_codes": ["N/A", "-", "en osaa sanoa", "vet ej", "Don't know"],
    "response_sets": {
        "five": {"options": [
            {"value": 1, "label": "Never", "fi": "Ei koskaan", "sv": "Aldrig"},
            {"value": 2, "label": "Rarely", "fi": "Harvoin", "sv": "Sällan"},
            {"value": 3, "label": "Sometimes", "fi": "Joskus", "sv": "Ibland"},
            {"value": 4, "label": "Often", "fi": "Usein", "sv": "Ofta"},
            {"value": 5, "label": "Always", "fi": "Aina", "sv": "Alltid"}]},
        "agree": {"options": [
            {"value": 1, "label": "Disagree", "fi": "Eri mieltä"},
            {"value": 2, "label": "Neutral", "fi": "Ei samaa eikä eri mieltä"},
            {"value": 3, "label": "Agree", "fi": "Täysin samaa mieltä"}]},
    },
    "instruments": {"toy": {
        "name": "Toy scale", "short_name": "TOY", "citation": "Author, A. (2020). A toy scale. J. Toys, 1, 1-2.",
        "licence": "CC0", "response_set": "five",
        "items": [{"id": "t_1", "wording": "One"}, {"id": "t_2", "wording": "Two", "reverse": True},
                  {"id": "t_3", "wording": "Three"}],
        "scales": [{"id": "total", "name": "Total", "items": "all", "rule": "mean", "min_items": 2,
                    "missing_rule": "mean of at least 2 of the 3 items"}]}},
    "items": [{"id": "react_ok", "wording": "OK?", "response_set": "agree", "group": "reaction"},
              {"id": "comment", "wording": "Comments", "kind": "text", "group": "comments"}],
    "surveys": {
        "feedback_before": {"wave": "pre", "role": "participant", "email_column": "RecipientEmail",
                            "timestamp_column": "RecordedDate", "finished_column": "Finished",
                            "columns": {"t_1": "QID1_1", "t_2": "QID1_2", "t_3": "QID1_3"}},
        "feedback_after": {"wave": "post", "role": "participant", "email_column": "Email address",
                           "timestamp_column": "Response date",
                           "columns": {"t_1": "1. One", "t_2": "2. Two", "t_3": "3. Three", "react_ok": "4. OK?",
                                       "comment": "5. Comments"}},
    },
}

PRE_ROWS = [  # StartDate, EndDate, Finished, RecordedDate, RecipientEmail, Q1_1..Q1_3
    ("a@example.fi", "True", "2026-10-01 10:00:00", "Never", "Always", "Sometimes"),
    ("b@example.fi", "True", "2026-10-01 11:00:00", "Always", "Always", "Always"),
    (" B@Example.fi ", "True", "2026-10-02 09:00:00", "Often", "Rarely", "Often"),
    ("c@example.fi", "False", "2026-10-03 09:00:00", "Never", "", ""),
    ("", "True", "2026-10-03 10:00:00", "Often", "Often", "Often"),
    ("d@example.fi", "True", "2026-10-03 11:00:00", "Sometimes", "Sometimes", "Sometimes"),
    ("e@example.org", "True", "2026-10-03 12:00:00", "Sometimes", "N/A", "Sometimes"),
    ("w@example.fi", "True", "2026-10-04 12:00:00", "Often", "Often", "Often"),
    ("z@example.fi", "True", "2026-10-04 13:00:00", "", "", ""),
]
POST_ROWS = [
    ("15.12.2026 10:00", "a@example.fi", "Usein", "Harvoin", "Usein", "Täysin samaa mieltä",
     "Kiitos Aino Mäkinen! Write to aino.makinen@example.fi"),
    ("16.12.2026 11:00", "b@example.fi", "Always", "Never", "Always", "Agree", ""),
    ("17.12.2026 12:00", "f@example.fi", "Ofta", "en osaa sanoa", "Ofta", "vet ej", "Bra grupp"),
]
PEOPLE = [  # email, name, role, status
    ("a@example.fi", "Anna Alpha", "participant", "accepted"),
    ("b@example.fi", "Bertil Beta", "participant", "accepted"),
    ("c@example.fi", "Cecilia Gamma", "participant", "accepted"),
    ("f@example.fi", "Frans Foxtrot", "participant", "accepted"),
    ("g@example.fi", "Greta Golf", "participant", "accepted"),
    ("d@example.fi", "Aino Mäkinen", "mentor", "accepted"),
    ("w@example.fi", "Wilma Whiskey", "participant", "waitlisted"),
]


def _write_qualtrics(path: Path, rows) -> None:
    meta = [("StartDate", "Start Date", {"ImportId": "startDate", "timeZone": "Europe/Helsinki"}),
            ("EndDate", "End Date", {"ImportId": "endDate", "timeZone": "Europe/Helsinki"}),
            ("Finished", "Finished", {"ImportId": "finished"}),
            ("RecordedDate", "Recorded Date", {"ImportId": "recordedDate", "timeZone": "Europe/Helsinki"}),
            ("RecipientEmail", "Recipient Email", {"ImportId": "recipientEmail"})]
    items = [(f"Q1_{i}", f"How often? - {w}", {"ImportId": f"QID1_{i}"}) for i, w in enumerate(["One", "Two", "Three"], 1)]
    cols = meta + items
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow([c[0] for c in cols])
        w.writerow([c[1] for c in cols])
        w.writerow([json.dumps(c[2]) for c in cols])
        for email, fin, t, *answers in rows:
            w.writerow([t, t, fin, t, email, *answers])


def _write_webropol(path: Path, rows) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f, delimiter=";")
        w.writerow(["Response date", "Email address", "1. One", "2. Two", "3. Three", "4. OK?", "5. Comments"])
        w.writerows(rows)


@pytest.fixture
def term(tmp_path, monkeypatch):
    """A tiny demo-keyed term with hand-made exports; returns (ctx, pid) with pid(email)."""
    if not REAL_SCRUB:  # until the privacy engineer's scrub module lands: a stand-in
        fake = types.ModuleType("mentoring_lib.privacy.scrub")

        def scrub_text(series, names):
            out = series.str.replace(r"[^\s@]+@[^\s@]+", "[e-mail]", regex=True)
            for n in names:
                out = out.str.replace(str(n), "[name]", regex=False)
            return out
        fake.scrub_text = scrub_text
        fake.quote_hash = lambda t: hashlib.sha256(t.encode()).hexdigest()[:16]
        monkeypatch.setitem(sys.modules, "mentoring_lib.privacy.scrub", fake)
    data = tmp_path / "data"
    data.mkdir()
    (tmp_path / "cb.yml").write_text(yaml.safe_dump(CODEBOOK, allow_unicode=True), encoding="utf-8")
    _write_qualtrics(data / "before.csv", PRE_ROWS)
    _write_webropol(data / "after.csv", POST_ROWS)
    config = {
        "term": {"name": "demo-feedback-test", "title": "Test", "start": "2026-10-01", "end": "2026-12-18"},
        "data_dir": "data",
        "registration": {"mentor_deadline": "2026-09-13", "participant_deadline": "2026-09-27",
                         "mentor_places": 2, "participant_places": 6},
        "groups": {"count": 1, "target_size": 4, "min_size": 2, "max_size": 8},
        "inputs": [
            {"id": "feedback_before", "kind": "feedback_before", "file": "before.csv", "tool": "qualtrics"},
            {"id": "feedback_after", "kind": "feedback_after", "file": "after.csv", "tool": "webropol",
             "date_order": "dmy"},
        ],
        "codebook": "cb.yml",
        "privacy": {"key_source": "demo"},
        "report": {"organisation": "Example University"},
    }
    (tmp_path / "term.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    cfg = load_config(tmp_path / "term.yml")
    ctx = stage_context("feedback", cfg, tmp_path / "out")
    emails = pd.Series([p[0] for p in PEOPLE])
    ids = pseudonymise(emails, ctx.key)
    people = pd.DataFrame({"person_id": ids.to_numpy(), "role": [p[2] for p in PEOPLE],
                           "status": [p[3] for p in PEOPLE]})
    ctx.for_stage("registrations").write_table("people", people)
    identity = ctx.private_file("identity/people.parquet")
    pd.DataFrame({"person_id": ids.to_numpy(), "name": [p[1] for p in PEOPLE], "email": emails,
                  "role": [p[2] for p in PEOPLE]}).to_parquet(identity, index=False)
    return ctx, lambda e: pseudonymise(pd.Series([e]), ctx.key).iloc[0]


def test_stage_scores_dedupes_and_excludes_by_hand(term):
    ctx, pid = term
    drivers.run(ctx)
    scores = ctx.read_table("scores")
    got = scores.set_index(["person_id", "wave"])["score"]
    # pre: a = (1 + (6-5) + 3) / 3; b's later answer (4, 6-2, 4); d 3s; e two answered (3, 3); w (4, 2, 4)
    assert got[(pid("a@example.fi"), "pre")] == pytest.approx(5 / 3)
    assert got[(pid("b@example.fi"), "pre")] == 4.0
    assert got[(pid("d@example.fi"), "pre")] == 3.0
    assert got[(pid("e@example.org"), "pre")] == 3.0
    assert got[(pid("w@example.fi"), "pre")] == pytest.approx(10 / 3)
    # post: a in Finnish (4, 6-2, 4); b (5, 6-1, 5); f in Swedish with item 2 "don't know" (4, 4)
    assert got[(pid("a@example.fi"), "post")] == 4.0
    assert got[(pid("b@example.fi"), "post")] == 5.0
    assert got[(pid("f@example.fi"), "post")] == 4.0
    assert scores.set_index(["person_id", "wave"])["n_items"][(pid("f@example.fi"), "post")] == 2
    assert len(scores) == 8
    assert {"person_id", "role", "wave", "instrument", "scale", "subscale", "score", "n_items"} <= set(scores)
    assert scores.loc[scores.person_id == pid("d@example.fi"), "role"].item() == "mentor"

    quality = json.loads((ctx.out.quality / "feedback.json").read_text())
    pre = quality["feedback_before"]
    assert pre["rows_read"] == 9 and pre["kept"] == 5
    assert pre["excluded"] == {feedback.NO_EMAIL: 1, feedback.UNFINISHED: 1, feedback.EMPTY: 1,
                               feedback.DUPLICATE: 1}
    assert quality["feedback_after"]["kept"] == 3 and quality["feedback_after"]["excluded"] == {}
    assert any("not found in the registrations" in n for n in pre["notes"])


def test_linkage_reasons(term):
    ctx, pid = term
    drivers.run(ctx)
    link = ctx.read_table("linkage").set_index("person_id")
    expected = {
        "a@example.fi": feedback.LINKED, "b@example.fi": feedback.LINKED,
        "c@example.fi": feedback.NEITHER,           # only an unfinished before-survey
        "g@example.fi": feedback.NEITHER, "f@example.fi": feedback.NO_PRE,
        "d@example.fi": "not a participant (registered as mentor)",
        "e@example.org": feedback.NOT_REGISTERED, "w@example.fi": "not accepted (waitlisted)",
    }
    assert {pid(e): r for e, r in expected.items()} == link["reason"].to_dict()
    assert link["linked"].sum() == 2
    summary = feedback.linkage_summary(link.reset_index())
    assert summary.iloc[0].tolist() == ["participant", feedback.LINKED, 2]
    assert summary["people"].sum() == 8


def test_responses_are_long_and_pseudonymous(term):
    ctx, pid = term
    drivers.run(ctx)
    r = ctx.read_table("responses")
    assert list(r.columns) == feedback.RESPONSE_COLUMNS
    assert r["person_id"].str.fullmatch(r"P-[0-9a-f]{16}").all()
    a_post = r[(r.person_id == pid("a@example.fi")) & (r.wave == "post")].set_index("item")["value"]
    assert a_post.to_dict() == {"react_ok": 3.0, "t_1": 4.0, "t_2": 2.0, "t_3": 4.0}  # raw, not reversed
    f_post = r[(r.person_id == pid("f@example.fi")) & (r.wave == "post")].set_index("item")["value"]
    assert np.isnan(f_post["t_2"]) and np.isnan(f_post["react_ok"])
    text = pd.concat([ctx.read_table(t).astype(str) for t in ("responses", "scores", "linkage")]).to_csv()
    for email, name, *_ in PEOPLE:
        assert email not in text and name not in text


def test_comments_are_scrubbed_and_hashed(term):
    ctx, pid = term
    drivers.run(ctx)
    c = ctx.read_table("comments")
    assert list(c.columns) == feedback.COMMENT_COLUMNS
    assert len(c) == 2                       # blank comments are dropped
    joined = " ".join(c["text"])
    assert "Aino" not in joined and "aino.makinen@example.fi" not in joined and "Mäkinen" not in joined
    assert "Bra grupp" in joined
    assert c["quote_hash"].notna().all() and c["quote_hash"].nunique() == 2


def test_unknown_label_names_file_row_and_column_not_the_values(term):
    ctx, _ = term
    rows = [list(r) for r in POST_ROWS]
    rows[1][3] = "Maybe"
    rows[2][3] = "Sort of"
    _write_webropol(ctx.config.data_path / "after.csv", rows)
    with pytest.raises(InputErrors) as e:
        drivers.run(ctx)
    maybe, sort_of = e.value.errors
    assert e.value.exit_code == 2 and {maybe.column, sort_of.column} == {"2. Two"}
    assert maybe.file.endswith("after.csv") and (maybe.row, sort_of.row) == (3, 4)
    text = e.value.render()
    assert "Maybe" not in text and "Sort of" not in text and "b@example.fi" not in text


def test_missing_column_is_an_input_error(term):
    ctx, _ = term
    path = ctx.config.data_path / "after.csv"
    text = path.read_text(encoding="utf-8-sig").replace("3. Three", "3. Thre")
    path.write_text(text, encoding="utf-8-sig")
    with pytest.raises(InputError, match="3. Three"):
        drivers.run(ctx)


def test_demo_surveys_run_through_the_stage(demo_pipeline):
    """The synthetic demo term end to end (registrations, then feedback; the committed demo data is
    what the generator writes, see test_demodata)."""
    ctx = demo_pipeline.through("feedback")
    link = ctx.read_table("linkage")
    part = link[link.role == "participant"]
    assert 0.3 < part["linked"].mean() < 0.7
    assert set(part["reason"]) >= {feedback.LINKED, feedback.NO_POST, feedback.NO_PRE, feedback.NOT_REGISTERED}
    scores = ctx.read_table("scores")
    assert set(scores["instrument"]) == {"scs_sf", "swemwbs", "cs16", "ceas_self", "ceas_others", "ceas_from"}
    assert scores.duplicated(["person_id", "survey", "wave", "instrument", "scale"]).sum() == 0
    # One score a person and wave, except a mentor who answered the participants' before-survey by
    # mistake and the mentors' own too (evaluation pairs each role's surveys apart).
    twice = scores[scores.duplicated(["person_id", "wave", "instrument", "scale"], keep=False)]
    assert set(twice["role"]) <= {"mentor"} and set(twice["survey"]) <= {"feedback_before", "mentor_before"}
    assert scores["score"].notna().mean() > 0.8
    responses = ctx.read_table("responses")
    assert set(responses["wave"]) == {"pre", "post", "end"}
    assert set(responses.loc[responses.wave == "end", "role"]) == {"mentor"}
    quality = json.loads((ctx.out.quality / "feedback.json").read_text())
    assert set(quality) == {"feedback_before", "feedback_after", "mentor_feedback", "mentor_before", "mentor_after"}
    assert quality["mentor_feedback"]["excluded"] == {feedback.DUPLICATE: 1}


def test_stage_scores_equal_scoring_the_long_responses(term):
    """The stage scores each survey's wide answers; scoring the long table must agree."""
    from mentoring_lib.analysis.codebook import load_codebook
    from mentoring_lib.analysis.scoring import score_responses

    ctx, _ = term
    drivers.run(ctx)
    cb = load_codebook(ctx.config.resolve(ctx.config.codebook))
    keys = ["person_id", "role", "wave", "survey"]
    again = score_responses(ctx.read_table("responses"), cb, keys=keys)
    stage = ctx.read_table("scores")
    cols = keys + ["instrument", "scale", "score", "n_items"]
    pd.testing.assert_frame_equal(stage[cols].sort_values(keys).reset_index(drop=True),
                                  again[cols].sort_values(keys).reset_index(drop=True), check_dtype=False)


def test_same_wave_in_two_exports_keeps_the_latest(term):
    """A survey run as two exports (e.g. Finnish and English versions): one response per person and wave."""
    ctx, pid = term
    data = ctx.config.data_path
    _write_webropol(data / "after_fi.csv", [
        ("20.12.2026 10:00", "b@example.fi", "Joskus", "Joskus", "Joskus", "Eri mieltä", ""),   # later: kept
        ("01.12.2026 10:00", "a@example.fi", "Aina", "Aina", "Aina", "Eri mieltä", ""),         # earlier: dropped
    ])
    raw = yaml.safe_load((ctx.config.source).read_text(encoding="utf-8"))
    raw["inputs"].append({"id": "feedback_after_fi", "kind": "feedback_after", "file": "after_fi.csv",
                          "tool": "webropol", "date_order": "dmy"})
    ctx.config.source.write_text(yaml.safe_dump(raw), encoding="utf-8")
    cfg = load_config(ctx.config.source)
    ctx = stage_context("feedback", cfg, ctx.out)
    drivers.run(ctx)
    scores = ctx.read_table("scores")
    post = scores[scores.wave == "post"].set_index("person_id")
    assert not post.index.duplicated().any()
    assert post.loc[pid("b@example.fi"), "score"] == 3.0 and post.loc[pid("b@example.fi"), "survey"] == "feedback_after_fi"
    assert post.loc[pid("a@example.fi"), "score"] == 4.0 and post.loc[pid("a@example.fi"), "survey"] == "feedback_after"
    q = json.loads((ctx.out.quality / "feedback.json").read_text())
    assert q["feedback_after"]["excluded"] == {feedback.DUPLICATE_ACROSS: 1}
    assert q["feedback_after_fi"]["excluded"] == {feedback.DUPLICATE_ACROSS: 1}
    r = ctx.read_table("responses")
    assert not r.duplicated(["person_id", "wave", "item"]).any()
    assert ctx.read_table("linkage").set_index("person_id").loc[pid("b@example.fi"), "reason"] == feedback.LINKED
