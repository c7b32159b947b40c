"""Tables the release model covers beyond the registration and survey tables (issue 13, items 1-4):
the funnel's later steps, the mentor trainings, group sizes, the mean attendance, the attendance
and Likert charts drawn again from the protected model.

Each attack is reproduced on a small synthetic term (not the demo): the tables as each was
protected on its own give a small count away; after :func:`release_protect.protect` an independent
attacker (an integer program written here from the published figures only) finds it kept to at
least ``release.required_width`` values.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
from conftest import milp_range

from mentoring_lib.steps import evaluation_implementation
from mentoring_lib.steps import evaluation_reach
from mentoring_lib.steps import evaluation_result
from mentoring_lib.steps import grouping, release_cells, release_charts, release_tables
from mentoring_lib.privacy import release, release_files, release_protect
from mentoring_lib.outputs.formatting import fmt_pct
from mentoring_lib.privacy.limits import Limits

K = 5
LIMITS = Limits(K, 10)


def attacker_range(names: list[str], shown: dict, equations: list, target: str,
                   at_most: list = ()) -> tuple[int, int]:
    """Like conftest.milp_range, with inequalities ``sum(coef * x) <= rhs`` (shares, bounds)."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    idx = {n: i for i, n in enumerate(names)}
    lb, ub = np.zeros(len(names)), np.full(len(names), 10_000.0)
    for n, v in shown.items():
        if str(v).isdigit():
            lb[idx[n]] = ub[idx[n]] = float(v)
        elif str(v) == f"<{K}":
            lb[idx[n]], ub[idx[n]] = 1, K - 1
    rows, lo, hi = [], [], []
    for terms, rhs, kind in [(t, r, "eq") for t, r in equations] + [(t, r, "le") for t, r in at_most]:
        row = np.zeros(len(names))
        for n, c in terms.items():
            row[idx[n]] += c
        rows.append(row), lo.append(rhs if kind == "eq" else -np.inf), hi.append(rhs)
    out = []
    for sign in (1, -1):
        c = np.zeros(len(names))
        c[idx[target]] = sign
        res = milp(c, constraints=[LinearConstraint(np.array(rows), lo, hi)], integrality=np.ones(len(names)),
                   bounds=Bounds(lb, ub))
        assert res.status == 0, res.message
        out.append(round(res.x[idx[target]]))
    return out[0], out[1]


def whole_percent_rows(count: str, base_value: int, percent: float) -> list:
    """A share published to whole percent: p - 0.5 <= 100 * count / base <= p + 0.5 (base known)."""
    return [({count: 100}, (percent + 0.5) * base_value), ({count: -100}, -(percent - 0.5) * base_value)]


def meetings_tables(base: int, attending: list[int], still: list[int], planned: int,
                    still_shown: list[bool] | None = None) -> dict[str, pd.DataFrame]:
    names = [f"Meeting {j}" for j in range(1, len(attending) + 1)]
    shown = evaluation_implementation.attended_and_missed(pd.Series(attending, index=names), base, LIMITS)
    meetings = pd.DataFrame({"meeting": names, "groups_met": "4", "participants_attending": shown["attended"].to_numpy(),
                             "participants_missing": shown["missed"].to_numpy(),
                             "share_of_participants": shown["share"].to_numpy()})
    curve = pd.DataFrame({"meeting": names, "base": base, "attending_n": attending, "still_n": still,
                          "still_shown": still_shown or [False] * len(names), "attendances": sum(attending),
                          "planned": planned, "mean_shown": True})
    mean = sum(attending) / (planned * base)
    narrative = pd.DataFrame({"section": ["implementation"], "kind": ["paragraph"],
                              "text": [f"On average, participants attended {fmt_pct(mean)} of the planned meetings "
                                       "(median 4 meetings)."]})
    key_figures = pd.DataFrame({"key": ["attendance"], "label": ["of planned meetings attended"],
                                "value": [fmt_pct(mean)], "note": [""]})
    return {"meetings": meetings, "attendance_curve": curve, "narrative": narrative, "key_figures": key_figures}


# -- the mean attendance ---------------------------------------------------------------------------

def test_mean_attendance_gives_a_hidden_meeting_count_away_then_is_withdrawn():
    """20 placed, 6 meetings: meeting 1's 3 absentees are "<5" (its attending "x"), but "on average
    62% of the planned meetings" with the other meetings' counts pins the attendances to 74 or 75,
    and so the absentees to 2 or 3."""
    attending = [17, 12, 10, 15, 11, 9]
    still = [19, 18, 17, 15, 11, 9]
    tables = meetings_tables(20, attending, still, 6)
    assert tables["meetings"]["participants_missing"].iloc[0] == "<5"
    mt = tables["meetings"]
    names = ["base", "total", *[f"a{j}" for j in range(6)], *[f"m{j}" for j in range(6)]]

    def attack(meetings: pd.DataFrame, mean_shown: bool) -> tuple[int, int]:
        shown = {"base": 20, **{f"a{j}": meetings["participants_attending"].iloc[j] for j in range(6)},
                 **{f"m{j}": meetings["participants_missing"].iloc[j] for j in range(6)}}
        eqs = [({f"a{j}": 1, f"m{j}": 1, "base": -1}, 0) for j in range(6)]
        eqs.append(({"total": 1, **{f"a{j}": -1 for j in range(6)}}, 0))
        share = whole_percent_rows("total", 120, 62) if mean_shown else []
        return attacker_range(names, shown, eqs, "m0", share)

    low, high = attack(mt, True)
    assert (low, high) == (2, 3)
    rel = release_tables.build(tables, None, None, K)
    assert "meetings/Meeting 1/missing" in {e.cell for e in release.audit(rel)}
    release_protect.protect(rel)
    assert release.audit(rel) == []
    out, _ = release_tables.apply(rel, tables)
    mean_said = out["narrative"]["text"].str.startswith("On average").any()
    low, high = attack(out["meetings"], mean_said)
    assert high - low >= release.required_width(K)
    assert mean_said == (out["key_figures"]["key"] == "attendance").any()  # sentence and key figure go together


# -- the funnel's later steps and the attendance chart ---------------------------------------------

REACH = {"accepted": (16, 80), "waitlisted": (10, 25), "withdrawn": (2, 2), "late": (1, 6)}


def reach_parts():
    true = pd.DataFrame({"mentor": {s: c[0] for s, c in REACH.items()},
                         "participant": {s: c[1] for s, c in REACH.items()}}).reindex(list(evaluation_reach.REACH_STATUSES))
    shown = evaluation_reach.protected_reach(true, LIMITS)
    labels = {"Total": "applications", "accepted": "accepted", "waitlisted": "wait-listed", "withdrawn": "withdrew",
              "late": "late (after the deadline)"}
    reach = pd.DataFrame([{"measure": lab, "mentors": shown.loc[key, "mentor"],
                           "participants": shown.loc[key, "participant"]} for key, lab in labels.items()])
    rows = pd.DataFrame([{"source": f"{role[0]}_reg", "role": role, "status": st}
                         for st, c in REACH.items() for role, n in zip(("mentor", "participant"), c) for _ in range(n)])
    return true, shown, reach, rows


def funnel(steps: dict[str, dict[str, int]], true, shown) -> pd.DataFrame:
    counts = pd.DataFrame([{"role": role, "step": step, "order": i, "n": n}
                           for role, s in steps.items() for i, (step, n) in enumerate(s.items())])
    return evaluation_reach.funnel_table(counts, LIMITS, shown, true)


def test_not_placed_participants_let_the_attendance_chart_give_the_hidden_active_step_away(tmp_path):
    """80 accepted, 77 placed in groups: the funnel hides "active" (77: 3 accepted came to no
    meeting), but every placed participant came to a meeting, so the chart's "still taking part
    at meeting 1" is 77 of 77 (100%), and active = still taking part at meeting 1 gives the 3."""
    true, shown, reach, rows = reach_parts()
    fn = funnel({"mentor": {"registered": 29, "accepted": 16, "trained": 16, "active": 16, "completed": 16},
                 "participant": {"registered": 113, "accepted": 80, "active": 77, "completed": 65}}, true, shown)
    assert fn.set_index(["role", "step"]).loc[("participant", "active"), "count"] == "x"
    tables = {"reach": reach, "funnel": fn, **meetings_tables(77, [70, 60, 55, 50], [77, 70, 62, 50], 4,
                                                               [True] * 4)}
    rel = release_tables.build(tables, None, rows, K, reach_true=true)
    assert "funnel/participant/active/before" in {e.cell for e in release.audit(rel)}
    changed = release_protect.protect(rel)
    assert release.audit(rel) == []
    out, _ = release_tables.apply(rel, tables)
    series = release_charts.attendance_series(rel, out["meetings"], out["attendance_curve"], LIMITS)
    still = series.get("Still taking part", pd.Series(math.nan, index=out["meetings"]["meeting"]))
    published_still1 = not math.isnan(still.iloc[0])
    active = out["funnel"].set_index(["role", "step"]).loc[("participant", "active"), "count"]
    # the independent attacker: accepted = active + came to none; active = still at meeting 1;
    # attending meeting 1 <= still 1 <= placed
    names = ["accepted", "active", "none", "still1", "att1", "placed"]
    published = {"accepted": 80, "active": active, "placed": 77, "att1": out["meetings"]["participants_attending"].iloc[0],
                 **({"still1": 77} if published_still1 else {})}
    low, high = attacker_range(names, published, [({"accepted": 1, "active": -1, "none": -1}, 0),
                                                  ({"active": 1, "still1": -1}, 0)], "none",
                               [({"att1": 1, "still1": -1}, 0), ({"still1": 1, "placed": -1}, 0)])
    assert high - low >= release.required_width(K)
    assert changed  # the chart is drawn again from the model: the hidden point is not drawn
    tables["figures"] = pd.DataFrame([{"section": "implementation", "id": "attendance", "file": "figures/attendance.png",
                                       "caption": "", "alt": "Still taking part: Meeting 1 100%"}])
    out["figures"] = tables["figures"]
    (tmp_path / "figures").mkdir()
    redrawn = release_charts.redraw(rel, out, tmp_path, K, 10, changed)
    alt = redrawn["figures"].set_index("id").loc["attendance", "alt"]
    assert ("Meeting 1 100%" in alt.split("Still taking part:")[-1]) == published_still1


def test_the_trained_step_gives_a_training_count_away_and_is_then_protected():
    """One training, a mentor is trained after attending it: the funnel's trained step (shown as
    13, as a funnel protected apart from the trainings table might) is the training's attendance,
    hidden there ("x", 3 missing "<5")."""
    true, shown, reach, rows = reach_parts()
    fn = funnel({"mentor": {"registered": 29, "accepted": 16, "trained": 13, "active": 13, "completed": 13},
                 "participant": {"registered": 113, "accepted": 80, "active": 80, "completed": 80}}, true, shown)
    fn.loc[(fn["role"] == "mentor") & (fn["step"] == "trained"), "count"] = "13"  # protected on its own
    trainings = evaluation_implementation.training_table(pd.DataFrame({"person_id": [f"M{i}" for i in range(16)], "session": "Training 1",
                                                "attended": [True] * 13 + [False] * 3}),
                                  pd.Index([f"M{i}" for i in range(16)]), LIMITS)
    assert trainings["missed"].iloc[0] == "<5" and trainings["attended"].iloc[0] == "x"
    tables = {"reach": reach, "funnel": fn, "trainings": trainings}
    rel = release_tables.build(tables, None, rows, K, reach_true=true, min_trainings=1)
    assert "trainings/Training 1/missed" in {e.cell for e in release.audit(rel)}
    release_protect.protect(rel)
    assert release.audit(rel) == []
    out, _ = release_tables.apply(rel, tables)
    f = out["funnel"].set_index(["role", "step"])["count"]
    # attacker: trained = attended (one training, needed once); attended + missed = 16
    names = ["trained", "attended", "missed", "accepted"]
    published = {"trained": f[("mentor", "trained")], "attended": out["trainings"]["attended"].iloc[0],
                 "missed": out["trainings"]["missed"].iloc[0], "accepted": 16}
    low, high = milp_range(names, published, [({"trained": 1, "attended": -1}, 0),
                                              ({"attended": 1, "missed": 1, "accepted": -1}, 0)], "missed")
    assert high - low >= release.required_width(K)
    bullet = out["narrative"] if "narrative" in out else None
    assert bullet is None or not bullet["text"].str.contains("trained 13").any()


def test_funnel_sentence_is_told_again_from_the_protected_funnel():
    fn = pd.DataFrame({"role": "mentor", "step": ["registered", "accepted", "trained"], "order": [0, 1, 2],
                       "count": ["29", "16", "13"], "share_of_accepted": [math.nan, math.nan, 0.81], "n": [29, 16, 13]})
    before = evaluation_reach.funnel_bullet(fn, "mentor")
    assert before == "Mentors: registered 29 → accepted 16 → trained 13."
    tables = {"funnel": fn, "narrative": pd.DataFrame({"section": ["reach"], "kind": ["bullet"], "text": [before]})}
    rel = release.Release(K)
    rel.count("funnel/mentor/trained", 13, "13", ("funnel", "mentor/trained", "count"))
    rel.cells["funnel/mentor/trained"].kind = "hidden"
    out, _ = release_tables.apply(rel, tables)
    assert out["narrative"]["text"].tolist() == ["Mentors: registered 29 → accepted 16 → trained x.",
                                                 evaluation_reach.funnel_x_note(K)]
    assert math.isnan(out["funnel"]["share_of_accepted"].iloc[2])


# -- group sizes ---------------------------------------------------------------------------------------

def test_two_small_groups_are_pinned_by_the_group_sizes_sheet_then_protected():
    """Groups of 3, 4 and 10: the sheet shows "<5", "<5", 10 and Total 17 (also the meetings
    table's base), so 3 + 4 = 7 with each 1..4 leaves 3 or 4 for each."""
    sizes = pd.Series([3, 4, 10], index=["Group 1", "Group 2", "Group 3"])
    sheet = grouping.public_group_sizes_from(sizes, K)["participants"]
    names = ["g1", "g2", "g3", "total"]
    eq = [({"g1": 1, "g2": 1, "g3": 1, "total": -1}, 0)]
    low, high = milp_range(names, dict(zip(names, sheet.tolist())), eq, "g1")
    assert high - low < release.required_width(K)
    tables = meetings_tables(17, [15, 14], [16, 14], 2)
    rel = release_tables.build(tables, None, None, K, group_sizes=sizes)
    assert {"groups/Group 1", "groups/Group 2"} <= {e.cell for e in release.audit(rel)}
    release_protect.protect(rel)
    assert release.audit(rel) == []
    shown = {n: rel.display(c) for n, c in zip(names, ["groups/Group 1", "groups/Group 2", "groups/Group 3",
                                                       "meetings/base"])}
    assert shown["total"] == 17  # the meetings table publishes the placed participants anyway
    low, high = milp_range(names, {n: v for n, v in shown.items() if v is not None}, eq, "g1")
    assert high - low >= release.required_width(K)


def test_group_sizes_workbook_is_rewritten_as_the_model_shows_it(tmp_path):
    from mentoring_lib.io import people_workbooks

    sizes = pd.Series([3, 4, 10], index=["Group 1", "Group 2", "Group 3"])
    path = tmp_path / "group_sizes.xlsx"
    people_workbooks.write({"group sizes": grouping.public_group_sizes_from(sizes, K)}, path, index=True)
    rel = release_tables.build(meetings_tables(17, [15, 14], [16, 14], 2), None, None, K, group_sizes=sizes)
    release_protect.protect(rel)
    release_tables.write_registration_summary(rel, path)
    sheet = next(iter(people_workbooks.read(path, index_col=0).values()))  # read back in machine form
    written = sheet["participants"].astype(str).tolist()
    assert written == [str(rel.display(f"groups/Group {i}")) for i in (1, 2, 3)] + ["17"]
    assert release_files.files_showing_more(tmp_path, rel) == []


# -- themes ------------------------------------------------------------------------------------------

def test_themes_are_each_at_most_the_comments_and_a_small_theme_stays_small():
    themes = pd.DataFrame({"theme": ["a", "b", "c"], "label": ["A", "B", "C"], "comments": ["9", "<5", "<5"],
                           "n": [9, 2, 1], "comments_total": 12})
    rel = release_tables.build({"themes": themes}, None, None, K)
    assert [t for t, _, _ in rel.inequalities] == [{"themes/a": 1, "themes/comments": -1},
                                                   {"themes/b": 1, "themes/comments": -1},
                                                   {"themes/c": 1, "themes/comments": -1}]
    assert release.audit(rel) == []  # themes overlap: no total pins a small one


# -- the Likert chart ----------------------------------------------------------------------------------

def test_likert_chart_leaves_out_an_item_the_model_hides_something_of(tmp_path):
    drawn = pd.DataFrame([{"fig_id": "reaction-likert", "section": "reaction", "title": "Reactions", "item": item,
                           "wording": wording, "answer": a, "n": n, "base": 20, "note": "", "rule": "Rule."}
                          for item, wording, counts in (("safe", "It felt safe.", (0, 5, 15)),
                                                        ("useful", "It was useful.", (0, 6, 14)))
                          for a, n in zip(("Disagree", "Neutral", "Agree"), counts)])
    rel = release.Release(K)
    for item, counts in (("safe", (0, 5, 15)), ("useful", (0, 6, 14))):
        n = rel.count(f"likert/reaction/{item}/n", 20, 20)
        parts = [rel.count(f"likert/reaction/{item}/{g}", c) for g, c in zip(("low", "neutral", "high"), counts)]
        rel.total(n, parts)
        rel.share(f"likert/reaction/{item}/high%", parts[2], n, 100 * counts[2] / 20, 0)
    rel.shares["likert/reaction/useful/high%"].withdrawn = True
    assert release_charts.likert_items_hidden(rel, "reaction") == {"useful"}
    fresh = evaluation_result.Evaluation()
    release_charts.likert_figure(rel, fresh, drawn, tmp_path, K)
    [fig] = fresh.figures
    assert "It felt safe." in fig["alt"] and "75%" in fig["alt"]
    assert "70%" not in fig["alt"] and "Not charted" in fig["alt"] and "It was useful" in fig["alt"]


def test_one_group_has_no_total_row_and_is_its_own_total():
    sizes = pd.Series([3], index=["Group 1"])
    assert "Total" not in grouping.public_group_sizes_from(sizes, K).index
    rel = release_tables.build(meetings_tables(3, [3, 2], [3, 2], 2), None, None, K, group_sizes=sizes)
    assert rel.cells["groups/Group 1"].kind == "small" and rel.cells["meetings/base"].value == 3
    release_protect.protect(rel)
    assert release.audit(rel) == []


def test_a_session_missed_and_attended_by_under_5_each_of_8_is_not_shown():
    """4 of 8 accepted mentors at a training: "<5" attended and "<5" missed of a published 8 leave one
    possible value each (found on the spring term by the release audit), so neither count is shown;
    of 6 both "<5" still leave 2..4 and stay."""
    from mentoring_lib.privacy.limits import Limits
    from mentoring_lib.steps.evaluation_implementation import attended_and_missed

    shown = attended_and_missed(pd.Series([4, 3, 8]), 8, Limits(5, 10))
    assert shown[["attended", "missed"]].values.tolist() == [["–", "–"], ["<5", "x"], ["8", "0"]]
    assert attended_and_missed(pd.Series([3]), 6, Limits(5, 10))[["attended", "missed"]].values.tolist() == [
        ["<5", "<5"]]
    rel = release.Release(K)
    rel.count("status/accepted/mentor", 8, 8, ("reach", "accepted", "mentors"))
    tr = pd.DataFrame({"session": ["Training 1"], "attended": ["–"], "missed": ["–"], "share": [float("nan")],
                       "attended_n": [4]})
    release_cells.training_cells(rel, tr, "status/accepted/mentor", None)
    assert release.audit(rel) == []
