"""Evaluation: reach, attendance, Likert, effectiveness, reliability, themes; disclosure applied.

Every number is checked against an independent computation in the test (scipy, pingouin,
hand-counted values), never against the module's own helpers.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import mentoring_cli, stage_context
from scipy import stats as sps

from mentoring_lib.steps import evaluation as ev
from mentoring_lib.steps import evaluation_figures
from mentoring_lib.steps import evaluation_implementation
from mentoring_lib.steps import evaluation_reach
from mentoring_lib.steps import evaluation_reaction
from mentoring_lib.analysis.codebook import load_codebook
from mentoring_lib.config import TermConfig
from mentoring_lib.analysis.paired import paired_scores
from mentoring_lib.privacy.limits import Limits, shown_counts, shown_partition

ROOT = Path(__file__).resolve().parent.parent
CODEBOOK = ROOT / "config" / "codebooks" / "demo.yml"


def make_config(**privacy) -> TermConfig:
    return TermConfig.model_validate({
        "term": {"name": "synthetic", "title": "Autumn 2026", "start": "2026-09-01", "end": "2026-12-18"},
        "data_dir": ".",
        "registration": {"mentor_deadline": "2026-08-20", "participant_deadline": "2026-09-10",
                         "mentor_places": 8, "participant_places": 40},
        "groups": {"count": 4},
        "programme": {"trainings": 3, "meetings_planned": 6},
        "inputs": [],
        "privacy": {"key_source": "demo", **privacy},
        "report": {"organisation": "Example University"},
    })


@pytest.fixture(scope="module")
def codebook():
    return load_codebook(CODEBOOK)


def synthetic_inputs(codebook, n_part: int = 40, n_mentor: int = 8, seed: int = 7) -> dict[str, pd.DataFrame]:
    """A small term: 40 accepted participants (+ wait-listed, late, duplicate, excluded rows),
    8 mentors in 4 groups, attendance, pre/post answers to every instrument, reaction and mentor
    items, and comments."""
    rng = np.random.default_rng(seed)
    part = [f"P-{i:04d}" for i in range(n_part)]
    ment = [f"M-{i:04d}" for i in range(n_mentor)]
    people = pd.DataFrame(
        [{"person_id": p, "role": "participant", "status": "accepted"} for p in part]
        + [{"person_id": f"W-{i}", "role": "participant", "status": "waitlisted"} for i in range(6)]
        + [{"person_id": f"L-{i}", "role": "participant", "status": "late"} for i in range(2)]
        + [{"person_id": part[0], "role": "participant", "status": "duplicate"}]
        + [{"person_id": None, "role": "participant", "status": "excluded"}]
        + [{"person_id": m, "role": "mentor", "status": "accepted"} for m in ment]
        + [{"person_id": "MW-1", "role": "mentor", "status": "waitlisted"}])
    groups = [f"Group {chr(65 + i)}" for i in range(4)]
    members = pd.DataFrame(
        [{"person_id": p, "role": "participant", "group": groups[i % 4]} for i, p in enumerate(part)]
        + [{"person_id": m, "role": "mentor", "group": groups[i // 2]} for i, m in enumerate(ment)])
    # trainings: mentor 0 attended only 1 training (not "trained"); the rest all 3
    trainings = pd.DataFrame([{"person_id": m, "session": f"Training {s}", "attended": (i != 0 or s == 1)}
                              for i, m in enumerate(ment) for s in (1, 2, 3)])
    # meetings: participant i attends meetings 1..k_i; Group D meets only 5 times
    k = np.clip(6 - (np.arange(n_part) % 5), 0, 6)
    rows = []
    for i, p in enumerate(part):
        for s in range(1, 7):
            g = groups[i % 4]
            rows.append({"person_id": p, "session": f"Meeting {s}",
                         "attended": bool(s <= k[i] and not (g == "Group D" and s == 6))})
    for i, m in enumerate(ment):
        for s in range(1, 7):
            g = groups[i // 2]
            rows.append({"person_id": m, "session": f"Meeting {s}",
                         "attended": bool(i != 0 and not (g == "Group D" and s == 6))})
    meetings = pd.DataFrame(rows)
    # survey answers
    resp = []
    inst_items = {it.id: (inst_id, it) for inst_id, inst in codebook.instruments.items() for it in inst.items}
    for j, p in enumerate(part[:34]):  # 34 answer before
        level = rng.normal(0, 0.8)
        for wave, shift in (("pre", 0.0), ("post", 0.5)):
            if wave == "post" and j >= 30:  # 30 answer both, 4 only before
                continue
            for item_id, (inst_id, it) in inst_items.items():
                rs = codebook.response_set_of(item_id)
                mid = (rs.min_value + rs.max_value) / 2
                sign = -1 if it.reverse else 1
                v = np.clip(np.round(mid + sign * (level + shift) * (rs.max_value - rs.min_value) / 5
                                     + rng.normal(0, 0.7)), rs.min_value, rs.max_value)
                resp.append({"person_id": p, "wave": wave, "item": item_id, "value": float(v)})
    for p in part[:30]:
        for it in codebook.items:
            if it.group == "reaction":
                resp.append({"person_id": p, "wave": "post", "item": it.id,
                             "value": float(rng.choice([2, 3, 4, 4, 5, 5]))})
    for m in ment:
        for it in codebook.items:
            if it.group == "mentor":
                resp.append({"person_id": m, "wave": "end", "item": it.id, "value": float(rng.choice([4, 5]))})
    responses = pd.DataFrame(resp)
    from mentoring_lib.analysis.scoring import score_responses

    scores = score_responses(responses, codebook)
    comments = pd.DataFrame({"person_id": part[:8], "wave": "post", "item": "comment_participant",
                             "text": ["I felt safe and not alone with my stress.",
                                      "The mentors were great facilitators.",
                                      "More meetings please, it was too short.",
                                      "Learned to be kinder to myself.",
                                      "Ryhmässä oli turvallista puhua.",
                                      "Scheduling was hard, evenings were busy.",
                                      "Peer support helped with my workload.",
                                      "Nothing to add."]})
    return {"people": people, "members": members, "trainings": trainings, "meetings": meetings,
            "responses": responses, "scores": scores, "comments": comments}


@pytest.fixture(scope="module")
def inputs(codebook):
    return synthetic_inputs(codebook)


@pytest.fixture(scope="module")
def result(inputs, codebook, tmp_path_factory):
    figs = tmp_path_factory.mktemp("public") / "figures"
    figs.mkdir()
    out = ev.evaluate(inputs, make_config(), codebook, Limits(5, 10), figures_dir=figs,
                      approved=pd.Series(["Learned to be kinder to myself."]))
    out.figures_dir = figs
    return out


# -- reach ------------------------------------------------------------------------------------

def test_reach_counts_and_complementary_suppression(result):
    reach = result.tables["reach"].set_index("measure")
    assert reach.loc["places", "participants"] == "40"
    assert reach.loc["accepted", "participants"] == "40"
    assert reach.loc["late (after the deadline)", "participants"] == "<5"  # 2 people
    # 48 applications = 40 + 6 + 2 (duplicate and excluded rows are not applications)
    assert reach.loc["applications", "participants"] == "48"
    # the small "late" cell would follow from 48 - 40 - 6 - 0: the smallest other non-zero cell
    # (6 wait-listed) is hidden as "x"
    assert reach.loc["wait-listed", "participants"] == "x"
    assert reach.loc["withdrew", "participants"] == "0"
    assert reach.loc["applications per place", "participants"] == "1.2"
    # mentors: 8 accepted + 1 wait-listed = 9; "<5" and the complementary "x"
    assert reach.loc["wait-listed", "mentors"] == "<5"
    assert reach.loc["accepted", "mentors"] == "x"
    assert reach.loc["applications", "mentors"] == "9"


def test_funnel_steps_and_shares(result):
    f = result.tables["funnel"]
    m = f[f["role"] == "mentor"].set_index("step")
    assert list(m.index) == ["registered", "accepted", "trained", "active", "completed"]
    # the funnel repeats the reach table's protected cells (accepted mentors hidden there)
    assert m.loc["registered", "count"] == "9" and m.loc["accepted", "count"] == "x"
    assert m.loc["trained", "count"] == "7"  # mentor 0 attended 1 of 3 trainings
    assert m.loc["active", "count"] == "7"
    assert math.isnan(m.loc["trained", "share_of_accepted"])  # base hidden (and 8 < 10)
    # ... and the chart does not draw the hidden count either
    alt = next(f["alt"] for f in result.figures if f["id"] == "funnel-mentors")
    assert "Accepted x" in alt and "Accepted 8" not in alt
    p = f[f["role"] == "participant"].set_index("step")
    assert "trained" not in p.index
    # participant i attended min(6 - i % 5, Group D: 5) meetings; active = at least 1 (all 40)
    assert p.loc["active", "count"] == "40"
    k = np.clip(6 - (np.arange(40) % 5), 0, 6)
    k = np.where(np.arange(40) % 4 == 3, np.minimum(k, 5), k)
    assert p.loc["completed", "count"] == str(int((k >= 3).sum()))
    assert p.loc["completed", "share_of_accepted"] == pytest.approx((k >= 3).sum() / 40)


# -- implementation -----------------------------------------------------------------------------

def test_meetings_and_groups(result):
    g = result.tables["groups"].set_index("group")
    assert g.loc["Group D", "meetings_held"] == 5 and bool(g.loc["Group D", "below_plan"])
    assert g.loc["Group A", "meetings_held"] == 6
    mt = result.tables["meetings"].set_index("meeting")
    assert list(mt.index) == [f"Meeting {s}" for s in range(1, 7)]
    assert mt.loc["Meeting 6", "groups_met"] == 3
    k = np.clip(6 - (np.arange(40) % 5), 0, 6)
    k = np.where(np.arange(40) % 4 == 3, np.minimum(k, 5), k)
    assert mt.loc["Meeting 3", "participants_attending"] == str(int((k >= 3).sum()))
    assert mt.loc["Meeting 3", "share_of_participants"] == pytest.approx((k >= 3).sum() / 40)
    tr = result.tables["trainings"].set_index("session")
    # the reach table hides the number of accepted mentors (8), so the attendance counts, which
    # would bound it (8 attended: at least 8 accepted, so exactly 1 wait-listed), are hidden too
    assert tr["attended"].tolist() == ["x", "x", "x"] and (tr["missed"] == "x").all()
    assert tr["share"].isna().all()


def test_attended_and_missed_are_protected_together():
    L = Limits(5, 10)
    out = evaluation_implementation.attended_and_missed(pd.Series([13, 16, 10, 0]), 16, L)
    # 13 of 16: 3 missed -> "<5", and 13 hidden as its complement; 16 of 16: none missed
    assert out["attended"].tolist() == ["x", "16", "10", "0"]
    assert out["missed"].tolist() == ["<5", "0", "6", "16"]
    assert math.isnan(out["share"].iloc[0]) and out["share"].iloc[1] == pytest.approx(1.0)
    assert out["share"].iloc[2] == pytest.approx(10 / 16)
    hidden_base = evaluation_implementation.attended_and_missed(pd.Series([13, 0]), 16, L, base_shown=False)
    assert hidden_base["attended"].tolist() == ["x", "0"] and hidden_base["share"].isna().all()


# -- effectiveness against scipy / pingouin ------------------------------------------------------

def test_effectiveness_matches_scipy_and_pingouin(result, inputs):
    pg = pytest.importorskip("pingouin")
    eff = result.tables["effectiveness"].set_index(["instrument", "scale"])
    s = inputs["scores"]
    wide = s.pivot_table(index=["instrument", "scale", "person_id"], columns="wave", values="score")
    scs = wide.loc[("scs_sf", "total")].dropna()
    row = eff.loc[("scs_sf", "total")]
    assert row["n"] == len(scs) == 30
    d = scs["post"] - scs["pre"]
    assert row["mean_change"] == pytest.approx(d.mean())
    assert row["median_change"] == pytest.approx(d.median())
    t = sps.ttest_rel(scs["post"], scs["pre"])
    assert row["t"] == pytest.approx(t.statistic) and row["t_p"] == pytest.approx(t.pvalue)
    # the SCS-SF total is a mean of 12 items: the reference ranks the item sums (integers), so that
    # changes equal in exact arithmetic tie in its ranking as in ours
    w = pg.wilcoxon((scs["post"] * 12).round(), (scs["pre"] * 12).round())
    assert row["rank_biserial"] == pytest.approx(float(w["RBC"].iloc[0]))
    # Hedges' g_av: d_av = mean change / sqrt((SD_pre^2 + SD_post^2) / 2), exact J with df = n - 1
    # (pingouin's d_av agrees; its "hedges" uses the approximate J with df = 2n - 2, so J is by hand)
    from scipy.special import gamma

    d_av = pg.compute_effsize(scs["post"], scs["pre"], paired=True, eftype="cohen")
    n = len(scs)
    j = gamma((n - 1) / 2) / (math.sqrt((n - 1) / 2) * gamma((n - 2) / 2))
    assert row["hedges_g"] == pytest.approx(d_av * j, rel=1e-9)
    assert row["g_ci_low"] < row["hedges_g"] < row["g_ci_high"]
    # Holm across the one family (totals, and scales of instruments without a total), by hand;
    # the CS subscales are exploratory: no adjusted p
    tested = eff[eff["tested"] & eff["family"]]
    assert set(eff.loc[~eff["family"], "role"]) == {"exploratory"}
    assert eff.loc[~eff["family"], "t_p_holm"].isna().all()
    assert list(tested.index.get_level_values("scale")).count("total") == 3
    p = tested["t_p"].to_numpy()
    order = np.argsort(p)
    m = len(p)
    adj = np.minimum(1, np.maximum.accumulate((m - np.arange(m)) * p[order]))
    expect = np.empty(m)
    expect[order] = adj
    np.testing.assert_allclose(tested["t_p_holm"].to_numpy(), expect)
    # the primary outcome (evaluation.primary, default the SCS-SF total) comes first
    first = result.tables["effectiveness"].iloc[0]
    assert (first["outcome_id"], first["role"]) == ("scs_sf_total", "primary")


def test_reliability_matches_pingouin(result, inputs, codebook):
    pg = pytest.importorskip("pingouin")
    rel = result.tables["reliability"].set_index(["instrument", "scale", "wave"])
    r = inputs["responses"]
    pre = r[(r["wave"] == "pre")].pivot(index="person_id", columns="item", values="value")
    inst = codebook.instruments["scs_sf"]
    items = [i.id for i in inst.items]
    x = pre[items].copy()
    for it in inst.items:
        if it.reverse:
            x[it.id] = 6 - x[it.id]
    a, ci = pg.cronbach_alpha(x)
    row = rel.loc[("scs_sf", "total", "pre")]
    assert row["alpha"] == pytest.approx(a, abs=1e-9)
    assert row["n"] == 34 and not row["small_n"]  # 34 complete answers: not flagged
    del ci


def test_reliability_flag_below_30(result):
    rel = result.tables["reliability"]
    assert set(rel.loc[rel["n"] < 30, "small_n"]) <= {True}
    assert set(rel.loc[rel["n"] >= 30, "small_n"]) <= {False}


# -- Likert, mentors and suppression ------------------------------------------------------------

def test_reaction_shares(result, inputs):
    r = result.tables["reaction"].set_index("item")
    raw = inputs["responses"]
    v = raw[(raw["item"] == "react_would_recommend")]["value"]
    assert r.loc["react_would_recommend", "share_high"] == pytest.approx((v > 3).mean())
    assert r.loc["react_would_recommend", "answered"] == "30"
    assert any(k["key"] == "recommend" for k in result.key_figures)


def test_mentor_items_withheld_below_min_base(result):
    m = result.tables["mentors"]
    assert (m["answered"] == "8").all()
    assert m["share_high"].isna().all()  # 8 mentors < 10
    assert not any(f["section"] == "mentors" for f in result.figures)


def test_small_base_hides_tests(codebook, inputs):
    small = dict(inputs)
    s = inputs["scores"]
    keep = sorted(s["person_id"].unique())[:7]
    small["scores"] = s[s["person_id"].isin(keep)]
    out = ev.evaluate(small, make_config(), codebook, Limits(5, 10))
    eff = out.tables["effectiveness"]
    assert (~eff["tested"]).all() and eff["hedges_g"].isna().all()
    assert (eff["pairs"] == "7").all()
    assert any("too few to report" in n["text"] for n in out.narrative)


# -- open text -----------------------------------------------------------------------------------

def test_themes_counted_and_small_counts_suppressed(result):
    t = result.tables["themes"].set_index("theme")
    assert t.loc["safe_atmosphere", "n"] == 2  # "safe", "turvallista"
    assert t.loc["safe_atmosphere", "comments"] == "<5"
    assert t.loc["continuation", "n"] == 1
    assert t.loc["peer_support", "n"] == 2  # "not alone", "Peer support"


def test_only_approved_quotes(result):
    assert result.tables["quotes"]["quote"].tolist() == ["Learned to be kinder to myself."]


# -- wording ---------------------------------------------------------------------------------------

def test_no_causal_wording(result):
    text = " ".join(n["text"] for n in result.narrative).lower()
    for word in ("caused", "led to", "improved participants", "because of the programme", "effect of the programme"
                 " was"):
        assert word not in text
    assert "no control group" in text or "control group" in text
    lim = [n["text"] for n in result.narrative if n["section"] == "limitations"]
    assert any("30 participants answered both" in t for t in lim)
    assert any("response rate was 75%" in t for t in lim)  # 30 of 40


def test_figures_have_alt_text_and_files(result):
    assert {f["id"] for f in result.figures} >= {"funnel-participants", "funnel-mentors", "attendance",
                                                   "reaction-likert", "change"}
    for f in result.figures:
        assert len(f["alt"]) > 30
        assert (result.figures_dir.parent / f["file"]).is_file()


@pytest.mark.parametrize("k", [3, 5, 7])
def test_shown_counts_agrees_with_disclosure_single_cells(k):
    from mentoring_lib.privacy import disclosure

    n = pd.Series(range(0, 25))
    shown = shown_counts(n, Limits(k, 10))
    expect = [str(disclosure.suppress_counts(pd.DataFrame({"n": [v]}), k, margins=False).iloc[0, 0]) for v in n]
    assert shown.tolist() == expect


def test_quotes_for_review_and_approval_file(tmp_path, inputs):
    from mentoring_lib.errors import InputError
    from mentoring_lib.privacy.scrub import quote_hash

    cfg = make_config(approved_quotes_file="approved.txt").model_copy(
        update={"data_dir": str(tmp_path)})
    ctx = stage_context("evaluation", cfg, tmp_path / "out")
    comments = inputs["comments"].assign(quote_hash=lambda d: d["text"].map(quote_hash))
    path = ev.write_quotes_for_review(ctx, comments)
    review = pd.read_csv(path, encoding="utf-8-sig")
    assert len(review) == 8 and set(review["quote_hash"]) == set(comments["quote_hash"])
    assert path.is_relative_to(tmp_path / "out" / "private")
    with pytest.raises(InputError, match="approved-quotes file"):
        ev.approved_comment_texts(ctx, comments)
    wanted = comments["text"].iloc[3]
    (tmp_path / "approved.txt").write_text(f"# approved by the coordinator\n{quote_hash(wanted)}\n")
    assert ev.approved_comment_texts(ctx, comments).tolist() == [wanted]


def test_approved_quote_still_naming_someone_is_refused_and_flagged_for_review(tmp_path, inputs):
    """Issue 13: a quote the scrubber let through ("Jukalle", a surname without its diacritics)
    is approved by hash but not published; the review list says why."""
    from mentoring_lib.privacy.scrub import quote_hash

    cfg = make_config(approved_quotes_file="approved.txt").model_copy(update={"data_dir": str(tmp_path)})
    ctx = stage_context("evaluation", cfg, tmp_path / "out")
    out = ctx.out
    (out.private / "identity").mkdir(parents=True, exist_ok=True)
    pd.DataFrame({"person_id": ["P-1", "P-2"], "name": ["Jukka Joki", "Ilmatar Pöllökorpi"],
                  "first_name": [None, None], "email": ["jukka.joki@example.org", "ilmatar@example.fi"]}
                 ).to_parquet(out.private / "identity" / "people.parquet")
    texts = ["The group felt safe.", "Kiitos Jukalle!", "Pollokorpi listened well."]
    comments = pd.DataFrame({"survey": "post", "role": "participant", "text": texts,
                             "quote_hash": [quote_hash(t) for t in texts]})
    (tmp_path / "approved.txt").write_text("".join(quote_hash(t) + "\n" for t in texts))
    assert ev.approved_comment_texts(ctx, comments).tolist() == ["The group felt safe."]
    review = pd.read_csv(ev.write_quotes_for_review(ctx, comments), encoding="utf-8-sig")
    assert dict(zip(review["text"], review["names_someone"])) == {texts[0]: False, texts[1]: True, texts[2]: True}


def test_term_without_surveys_or_attendance(codebook, inputs, tmp_path):
    """Only registrations and groups: every section still renders, saying what is missing."""
    minimal = {"people": inputs["people"], "members": inputs["members"]}
    (tmp_path / "figures").mkdir()
    out = ev.evaluate(minimal, make_config(), codebook, Limits(5, 10), figures_dir=tmp_path / "figures")
    assert out.tables["effectiveness"].empty
    assert out.tables["reliability"].empty
    assert (out.tables["response"]["respondents"] == "0").all()
    assert out.tables["themes"]["n"].sum() == 0
    f = out.tables["funnel"].set_index(["role", "step"])
    assert f.loc[("participant", "active"), "count"] == "0"
    from mentoring_lib.steps import report as rp

    tables = out.all_tables()
    model = rp.build_report(tables, make_config(), public_dir=tmp_path)
    assert [s.id for s in model.sections][:3] == ["programme", "reach", "implementation"]
    from mentoring_lib.outputs.render_html import render_html
    from mentoring_lib.outputs.render_pdf import pdf_bytes

    assert "so no change can be reported" in render_html(model)
    assert pdf_bytes(model).startswith(b"%PDF")


# -- privacy decisions: slope charts, funnel differences, one definition of a meeting held ------

def test_slope_chart_needs_a_base_and_no_small_direction_group():
    L = Limits(5, 10)
    pre = pd.Series([3.0] * 12)
    assert evaluation_figures.slope_chart_allowed(pre[:9], pre[:9] + 1, L) == (False, "fewer than 10 complete pairs")
    up6_down6 = pd.Series([4.0] * 6 + [2.0] * 6)
    assert evaluation_figures.slope_chart_allowed(pre, up6_down6, L) == (True, "")
    three_lower = pd.Series([4.0] * 9 + [2.0] * 3)  # the legend would print "Lower (3)"
    ok, why = evaluation_figures.slope_chart_allowed(pre, three_lower, L)
    assert not ok and why == "fewer than 5 participants scored lower after than before"
    one_same = pd.Series([4.0] * 6 + [2.0] * 5 + [3.0])
    assert evaluation_figures.slope_chart_allowed(pre, one_same, L)[0] is False
    assert evaluation_figures.slope_chart_allowed(pre, one_same, Limits(3, 10))[0] is False
    assert evaluation_figures.slope_chart_allowed(pre, pd.Series([4.0] * 6 + [2.0] * 6), Limits(7, 10))[0] is False


def test_slope_chart_published_only_under_the_rules(codebook, inputs, tmp_path):
    """The synthetic scores have a few unchanged SCS-SF totals: no slope chart, a statement instead,
    and the aggregate chart (g with 95% CI) for every tested outcome. Shifted so that everyone's
    total rises, the slope chart is published and its alt text prints only counts >= 5."""
    figs = tmp_path / "a"
    figs.mkdir()
    out = ev.evaluate(inputs, make_config(), codebook, Limits(5, 10), figures_dir=figs)
    w = paired_scores(inputs["scores"])
    scs = w[(w["instrument"] == "scs_sf") & (w["scale"] == "total")].dropna(subset=["pre", "post"])
    d = scs["post"] - scs["pre"]
    counts = [int((d > 0).sum()), int((d < 0).sum()), int((d == 0).sum())]
    assert any(0 < c < 5 for c in counts)  # the fixture has a small direction group
    assert not any(f["id"] == "slope-scs-sf-total" for f in out.figures)
    assert any("slope) charts are not shown for SCS-SF" in n["text"] for n in out.narrative)
    change = next(f for f in out.figures if f["id"] == "change")
    tested = out.tables["effectiveness"]
    assert change["alt"].count("g ") >= int(tested["tested"].sum())
    # every participant higher after: published, and no count under 5 in its alt text
    up = dict(inputs)
    s = inputs["scores"].copy()
    s.loc[(s["wave"] == "post") & (s["instrument"] == "scs_sf"), "score"] = 5.5
    up["scores"] = s
    figs2 = tmp_path / "b"
    figs2.mkdir()
    out2 = ev.evaluate(up, make_config(), codebook, Limits(5, 10), figures_dir=figs2)
    slope = next(f for f in out2.figures if f["id"] == "slope-scs-sf-total")
    import re

    printed = [int(x) for x in re.findall(r"(\d+) (?:higher|lower|unchanged)", slope["alt"])]
    assert printed and all(x == 0 or x >= 5 for x in printed)
    assert (figs2 / "slope-scs-sf-total.png").is_file()


def _funnel(reach_vals, steps, k=5):
    L = Limits(k, 10)
    reach = pd.Series(reach_vals)
    shown = shown_partition(reach.reindex(list(evaluation_reach.REACH_STATUSES)).to_frame("r"), L)["r"]
    return shown, evaluation_reach.funnel_steps_shown(reach, shown, pd.Series(steps), L)


def test_funnel_hides_steps_whose_differences_are_small():
    # 16 accepted -> 14 trained -> 14 active -> 13 completed: 2 and 1 people between steps, 3 in all
    shown, steps = _funnel({"accepted": 16, "waitlisted": 16, "withdrawn": 2, "late": 2},
                           {"trained": 14, "active": 14, "completed": 13})
    assert shown["accepted"] == "16"
    assert steps.tolist() == ["x", "x", "x"]  # any one of them published gives a gap of 1..4 away
    # large differences: everything published
    shown, steps = _funnel({"accepted": 80, "waitlisted": 25, "withdrawn": 3, "late": 5},
                           {"active": 75, "completed": 66})
    assert steps.tolist() == ["75", "66"]
    # a small gap in the middle only: hide the fewest steps, earliest first
    shown, steps = _funnel({"accepted": 40, "waitlisted": 10, "withdrawn": 0, "late": 0},
                           {"trained": 30, "active": 28, "completed": 20})
    assert steps.tolist() == ["x", "28", "20"]  # 40 -> 28 -> 20: gaps 12 and 8
    # zero differences reveal nobody
    shown, steps = _funnel({"accepted": 20, "waitlisted": 0, "withdrawn": 0, "late": 0},
                           {"trained": 20, "active": 20, "completed": 20})
    assert steps.tolist() == ["20", "20", "20"]


@pytest.mark.parametrize("seed", range(25))
def test_funnel_published_steps_never_differ_by_a_small_count(seed):
    rng = np.random.default_rng(seed)
    k = int(rng.integers(3, 7))
    acc = int(rng.integers(5, 40))
    s1 = acc - int(rng.integers(0, 6))
    s2 = s1 - int(rng.integers(0, 6))
    s3 = max(s2 - int(rng.integers(0, 6)), 0)
    shown, steps = _funnel({"accepted": acc, "waitlisted": int(rng.integers(0, 8)), "withdrawn": int(rng.integers(0, 3)),
                            "late": int(rng.integers(0, 3))}, {"trained": s1, "active": s2, "completed": s3}, k)
    true = {"trained": s1, "active": s2, "completed": s3}
    chain = ([acc] if shown["accepted"].isdigit() else []) + [true[s] for s in steps.index if steps[s].isdigit()]
    for a, b in zip(chain, chain[1:]):
        assert not (1 <= a - b < k), (chain, k)
    for s, v in steps.items():  # a published step is the true count; a small one is "<k"
        assert v in ("x", f"<{k}", str(true[s]))
        if 0 < true[s] < k:
            assert v == f"<{k}"


def test_funnel_table_in_the_evaluation_uses_the_step_protection(inputs, codebook):
    people = inputs["people"]
    rc = evaluation_reach.reach_counts(people)
    fc = evaluation_reach.funnel_counts(people, inputs["trainings"], inputs["meetings"], make_config())
    f = evaluation_reach.funnel_table(fc, Limits(5, 10), evaluation_reach.protected_reach(rc, Limits(5, 10)), rc)
    p = f[f["role"] == "participant"].set_index("step")
    # 40 accepted, 40 active: the completed step is 40 - (those attending under 3 meetings)
    k = np.clip(6 - (np.arange(40) % 5), 0, 6)
    k = np.where(np.arange(40) % 4 == 3, np.minimum(k, 5), k)
    gap = 40 - int((k >= 3).sum())
    assert gap >= 5 and p.loc["completed", "count"] == str(40 - gap)
    assert math.isnan(f.set_index(["role", "step"]).loc[("mentor", "trained"), "share_of_accepted"])


def test_meeting_held_is_the_attendance_stage_definition(inputs, codebook):
    """A meeting where only the group's mentors turned up is not held (attendance.meetings_held)."""
    from mentoring_lib.steps import attendance

    m = inputs["meetings"].copy()
    members = inputs["members"]
    group_a = set(members.loc[members["group"] == "Group A", "person_id"])
    parts_a = set(members.loc[(members["group"] == "Group A") & (members["role"] == "participant"), "person_id"])
    m.loc[m["person_id"].isin(parts_a) & (m["session"] == "Meeting 2"), "attended"] = False
    assert m[m["person_id"].isin(group_a - parts_a) & (m["session"] == "Meeting 2")]["attended"].any()
    mt, gt, _ = evaluation_implementation.meeting_tables(m, members, make_config(), Limits(5, 10))
    assert mt.set_index("meeting").loc["Meeting 2", "groups_met"] == 3
    assert gt.set_index("group").loc["Group A", "meetings_held"] == 5
    # the attendance stage's own table gives the same numbers when passed in
    long = m.merge(members, on="person_id").assign(
        session_index=lambda d: d["session"].str.extract(r"(\d+)")[0].astype(int),
        group=lambda d: d["group"].astype("string"))
    held = attendance.meetings_held(long)
    mt2, gt2, _ = evaluation_implementation.meeting_tables(m, members, make_config(), Limits(5, 10), held=held)
    pd.testing.assert_frame_equal(mt, mt2)
    pd.testing.assert_frame_equal(gt, gt2)
    # and a held table that says otherwise is what the report follows (no recomputation)
    held3 = held.assign(held=True)
    _, gt3, _ = evaluation_implementation.meeting_tables(m, members, make_config(), Limits(5, 10), held=held3)
    assert (gt3["meetings_held"] == 6).all()


# -- an answer the codebook does not know: exit 2 naming file, column and value ------------------

@pytest.mark.e2e
def test_unknown_likert_label_exits_2_naming_file_row_and_column_never_the_value(tmp_path):
    """End to end: the demo term with one after-survey answer replaced by a label no response set
    knows. `mentoring run` stops with exit 2 and a message naming the file, the row and the column,
    without a traceback, and without the answer itself (it may be free text that names someone)."""
    import csv
    import shutil

    shutil.copytree(ROOT / "config", tmp_path / "config")
    shutil.copytree(ROOT / "data" / "demo", tmp_path / "data" / "demo")
    path = tmp_path / "data" / "demo" / "feedback_after.csv"
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Webropol-like: UTF-8 with BOM, ";"
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines(), delimiter=";"))
    header = rows[0]
    column = next(h for h in header if h.startswith("2.3 "))  # SWEMWBS "relaxed" (None of the time..All of the time)
    j = header.index(column)
    row = next(i for i, r in enumerate(rows[1:], 1) if r[j].strip())
    known = {r[j] for r in rows[1:]}
    unknown = "Quite relaxed"
    assert unknown not in known
    rows[row][j] = unknown
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f, delimiter=";", lineterminator="\r\n" if b"\r\n" in raw else "\n").writerows(rows)
    proc = mentoring_cli("run", "--config", str(tmp_path / "config" / "demo.yml"), reports=tmp_path / "reports",
                         cwd=tmp_path, timeout=600)
    err = proc.stderr
    assert proc.returncode == 2, proc.stdout[-2000:] + err[-2000:]
    assert "Traceback" not in err and "Traceback" not in proc.stdout
    assert "feedback_after.csv" in err
    assert column[:40] in err
    assert f"row {row + 1}," in err  # the header is Excel row 1
    assert unknown not in err and unknown not in proc.stdout
    assert not (tmp_path / "reports" / "demo" / "public" / "report.html").exists()


def test_meeting_shares_are_of_the_participants_placed_in_groups(inputs):
    """Someone accepted but not placed in a group (group missing) is not in the base, even when
    the coordinator ticked them on the sheet (their ticks belong to no group's meeting)."""
    members = pd.concat([inputs["members"], pd.DataFrame({"person_id": ["U-1"], "role": ["participant"],
                                                          "group": [None]})], ignore_index=True)
    meetings = pd.concat([inputs["meetings"], pd.DataFrame({"person_id": "U-1", "session": [f"Meeting {s}" for s in
                                                                                           range(1, 7)],
                                                            "attended": True})], ignore_index=True)
    mt, _, summ = evaluation_implementation.meeting_tables(meetings, members, make_config(), Limits(5, 10))
    assert summ["participants"] == 40
    m1 = mt.set_index("meeting").loc["Meeting 1"]
    k = np.clip(6 - (np.arange(40) % 5), 0, 6)
    attending = int((k >= 1).sum())
    assert m1["participants_attending"] == str(attending)
    assert m1["share_of_participants"] == pytest.approx(attending / 40)


# -- Likert shares and charts: a group of 1..k-1 people is never given away ------------------------

def _likert_rows(codebook, item_id: str, values: list[float]):
    item = next(it for it in codebook.items if it.id == item_id)
    responses = pd.DataFrame({"person_id": [f"P-{i}" for i in range(len(values))], "wave": "post",
                              "item": item_id, "value": values})
    return item, responses


def test_likert_small_group_is_not_given_away_by_the_other_shares(codebook):
    # 38 answers: 1 disagrees, nobody is neutral, 37 agree. "97% agree, 0% neutral" would say 1 disagreed.
    item, responses = _likert_rows(codebook, "react_would_recommend", [2.0] + [4.0] * 20 + [5.0] * 17)
    tbl, dists = evaluation_reaction.likert_summary(responses, [item], codebook, Limits(5, 10))
    r = tbl.iloc[0]
    assert r["answered"] == "38" and "missing" not in tbl.columns
    assert math.isnan(r["share_low"]) and r["low_shown"] == "<5 people"
    assert r["share_neutral"] == 0 and r["neutral_shown"] == "0%"
    assert math.isnan(r["share_high"]) and r["high_shown"] == "x"  # else 1 - 0.97 - 0 = 1/38
    # the bullet gives the bound the table allows: at least 38 - 0 - 4 = 34 of 38 (89.5%)
    assert r["high_phrase"] == "at least 89%"
    bullet = evaluation_reaction.likert_bullet(r)
    assert "fewer than 5 people disagree" in bullet and "3%" not in bullet and "97%" not in bullet


def test_likert_mentor_shares_of_ten_never_show_a_small_count(codebook):
    # 10 mentors: one disagrees, one is neutral, 8 agree: 10% each would name a single mentor
    item, responses = _likert_rows(codebook, "mentor_facilitation_skills", [2.0, 3.0] + [4.0] * 4 + [5.0] * 4)
    tbl, _ = evaluation_reaction.likert_summary(responses, [item], codebook, Limits(5, 10))
    r = tbl.iloc[0]
    assert r["low_shown"] == r["neutral_shown"] == "<5 people"
    assert r["high_shown"] == "x"  # 80% would make the two small groups 1 + 1
    assert tbl[["share_low", "share_neutral", "share_high"]].isna().all(axis=None)
    # every published share is of 0 or at least 5 people
    for counts in ([3, 3, 4], [0, 2, 8], [5, 0, 5], [0, 0, 10], [4, 1, 33]):
        n = sum(counts)
        out = evaluation_reaction.likert_group_shares(dict(zip(evaluation_reaction.LIKERT_GROUPS, counts)), n, Limits(5, 10))
        for g, c in zip(evaluation_reaction.LIKERT_GROUPS, counts):
            if not math.isnan(out[g]["share"]):
                assert c == 0 or c >= 5
                assert out[g]["share"] == pytest.approx(c / n)
        shown = [g for g in evaluation_reaction.LIKERT_GROUPS if not math.isnan(out[g]["share"])]
        assert len(shown) != 2 or all(c == 0 or c >= 5 for c in counts)  # two shown give the third


def test_likert_chart_merges_small_answers_and_leaves_out_small_groups(codebook):
    limits = Limits(5, 10)
    items = [it for it in codebook.items if it.id in ("react_safe_atmosphere", "react_peer_led",
                                                      "react_would_recommend")]
    values = {"react_safe_atmosphere": [3.0] * 7 + [4.0] * 27 + [5.0] * 4,   # 4 strongly agree: merge
              "react_peer_led": [3.0] * 12 + [4.0] * 20 + [5.0] * 6,
              "react_would_recommend": [2.0] + [4.0] * 20 + [5.0] * 17}       # 1 disagrees: left out
    responses = pd.concat([_likert_rows(codebook, i, v)[1] for i, v in values.items()])
    _, dists = evaluation_reaction.likert_summary(responses, items, codebook, limits)
    frame, merged, left_out = evaluation_reaction.likert_chart_counts(dists, limits)
    assert merged and len(frame.columns) == 3
    assert len(left_out) == 1 and "recommend" in left_out[0]
    assert not ((frame > 0) & (frame < 5)).to_numpy().any()
    assert frame.sum(axis=1).tolist() == [38, 38]


def test_responses_read_as_categoricals_give_the_same_evaluation(result, inputs, codebook, tmp_path):
    """The stage reads the long answer table with its identifiers as categoricals (memory at 100
    times the demo); every table and chart must be what the plain string table gives."""
    compact = dict(inputs)
    compact["responses"] = inputs["responses"][ev.RESPONSE_COLUMNS].astype(
        {"person_id": "category", "wave": "category", "item": "category"})
    figs = tmp_path / "figures"
    figs.mkdir()
    other = ev.evaluate(compact, make_config(), codebook, Limits(5, 10), figures_dir=figs,
                        approved=pd.Series(["Learned to be kinder to myself."]))
    assert set(other.tables) == set(result.tables)
    for name, table in result.tables.items():
        pd.testing.assert_frame_equal(other.tables[name], table, obj=name)
    assert other.narrative == result.narrative
    pngs = sorted(p.name for p in result.figures_dir.glob("*.png"))
    assert pngs and pngs == sorted(p.name for p in figs.glob("*.png"))
    for name in pngs:
        assert (figs / name).read_bytes() == (result.figures_dir / name).read_bytes(), name


# -- the meeting-held definition and a term without groups (issue 12) -------------------------------

def test_methods_state_the_meeting_held_definition_with_the_mentors_only_sheet(result):
    text = {m["topic"]: m["text"] for m in result.methods}["Attendance"]
    assert text == evaluation_implementation.MEETING_HELD_METHOD
    assert "at least one of the group's participants was marked present" in text
    assert "(a sheet that lists only the mentors), a meeting counts as held when at least one of its mentors" in text


def test_no_groups_text_says_why():
    assert evaluation_implementation.no_groups_text(pd.Index([])) == ("No groups were formed this term, so no group meetings were held: "
                                               "no mentor was accepted.")
    assert "no two accepted mentors could be paired" in evaluation_implementation.no_groups_text(pd.Index(["P-1"]))


def test_term_themes_file_replaces_the_packaged_themes(codebook, inputs, tmp_path):
    lookups = Path(__file__).parent / "fixtures" / "lookups"
    config = make_config().model_copy(update={"themes_file": str(lookups / "themes_in_finnish__reads.yml"),
                                              "source": tmp_path / "term.yml"})
    comments = pd.DataFrame({"text": ["Vertaistuki auttoi paljon.", "Oli kiire, en ehtinyt kaikkiin.",
                                      "Yhdessä oli helpompaa.", "Safe and warm."]})
    out = ev.evaluate({**inputs, "comments": comments}, config, codebook, Limits(5, 10))
    themes = out.tables["themes"].set_index("theme")
    assert themes["n"].to_dict() == {"vertaistuki": 2, "ajanpuute": 1}
    assert themes.loc["vertaistuki", "label"] == "Vertaistuki"
