"""The release model and its disclosure audit (mentoring_lib.privacy.release, release_tables).

Each attack of issue 13 is reproduced on a small synthetic term (not the demo): first against the
tables as each one was protected on its own (the attack works), then against the release after
:func:`release_protect.protect` (it does not). The attacker (``conftest.status_quality_attack``) is
written independently of the module: it builds its own integer program from the published cells only.
"""
from __future__ import annotations

import itertools
import math
from types import SimpleNamespace

import pandas as pd
import pytest
from conftest import milp_range, status_quality_attack

from mentoring_lib.privacy import disclosure, release, release_files, release_protect
from mentoring_lib.steps import release_tables
from mentoring_lib.steps import evaluation_figures
from mentoring_lib.steps import evaluation_implementation
from mentoring_lib.steps import evaluation_reaction
from mentoring_lib.steps import evaluation_result
from mentoring_lib.errors import EXIT_PRIVACY
from mentoring_lib.privacy.limits import Limits
from mentoring_lib.steps.data_quality import quality_rows
from mentoring_lib.steps.summary_workbook import whole_percent

K = 5


# -- item 1: across tables ------------------------------------------------------------------------

STATUS = {  # rows of each registration export by status (mentor export, participant export)
    "accepted": (6, 20), "waitlisted": (6, 10), "withdrawn": (1, 2), "late": (1, 6),
    "duplicate": (4, 7), "excluded": (1, 1)}


def registration_rows() -> pd.DataFrame:
    rows = []
    for status, counts in STATUS.items():
        for (source, role), n in zip((("m_reg", "mentor"), ("p_reg", "participant")), counts):
            rows += [{"source": source, "role": role, "status": status}] * n
    return pd.DataFrame(rows)


def registration_quality() -> dict[str, dict]:
    out = {}
    for i, source in enumerate(("m_reg", "p_reg")):
        n = {s: c[i] for s, c in STATUS.items()}
        out[source] = {"rows_read": sum(n.values()),
                       "kept": n["accepted"] + n["waitlisted"] + n["withdrawn"] + n["late"],
                       "excluded": {"duplicate": n["duplicate"], "test submission": n["excluded"]}}
    return out


def test_cross_table_attack_recovers_test_submissions_and_duplicates_then_is_stopped():
    rows, quality = registration_rows(), registration_quality()
    status = rows.groupby(["status", "role"]).size().unstack(fill_value=0).reindex(list(STATUS))
    status.columns.name, status.index.name = None, None
    # each table protected on its own (as before the release audit)
    shown = disclosure.suppress_counts(status, K, margins=True)
    q_shown = quality_rows(quality, K)
    assert shown.loc["excluded", "mentor"] == "<5" and q_shown[0]["reasons"]["test submission"] == "<5"
    assert status_quality_attack(shown, q_shown, "excluded/mentor") == (1, 1)  # the attack works
    assert status_quality_attack(shown, q_shown, "duplicate/mentor") == (4, 4)

    rel = release_tables.build({}, quality, rows, K)
    found = {e.cell for e in release.audit(rel)}
    assert {"status/excluded/mentor", "status/duplicate/mentor", "quality/m_reg/test submission"} <= found
    release_protect.protect(rel)
    assert release.audit(rel) == []
    _, hide = release_tables.apply(rel, {})
    protected = pd.DataFrame({r: {s: rel.display(f"status/{s}/{r}") for s in [*STATUS, "Total"]}
                              for r in ("mentor", "participant", "Total")})
    q_after = quality_rows(quality, K, hide)
    for target in ("excluded/mentor", "duplicate/mentor", "excluded/participant", "duplicate/participant"):
        low, high = status_quality_attack(protected, q_after, target)
        assert high - low >= release.required_width(K), target


def test_an_equation_that_does_not_hold_is_a_bug():
    rel = release.Release(K)
    rel.count("a", 2, "<5")
    rel.count("t", 9, 9)
    with pytest.raises(ValueError, match="does not hold"):
        rel.total("t", ["a"])


# -- the audit's ranges against brute force ---------------------------------------------------------

@pytest.mark.parametrize("cells,shown", [
    ((2, 7, 3, 8), ("<5", "x", "<5", "x")),
    ((1, 1, 6, 9), ("<5", "<5", "x", "x")),
    ((0, 4, 6, 6), (0, "<5", "x", 6)),
])
def test_audit_ranges_match_brute_force_enumeration(cells, shown):
    """A 2x2 table with both margins published: the audit's [low, high] per hidden cell equals the
    smallest and largest value over every whole-number table that fits what is shown."""
    a, b, c, d = cells
    rel = release.Release(K)
    ids = ["a", "b", "c", "d"]
    for i, v, s in zip(ids, cells, shown):
        rel.count(i, v, s)
    for t, parts, v in (("r1", "ab", a + b), ("r2", "cd", c + d), ("c1", "ac", a + c), ("c2", "bd", b + d)):
        rel.count(t, v, v)
        rel.total(t, list(parts))
    comp = {i: (v if isinstance(s, int) else None, s) for i, v, s in zip(ids, cells, shown)}

    def fits(x):
        for (i, (v, s)), xv in zip(comp.items(), x):
            if v is not None and xv != v or s == "<5" and not 1 <= xv <= 4:
                return False
        return x[0] + x[1] == a + b and x[2] + x[3] == c + d and x[0] + x[2] == a + c and x[1] + x[3] == b + d

    top = a + b + c + d
    tables = [x for x in itertools.product(range(top + 1), repeat=4) if fits(x)]
    found = {e.cell: (e.low, e.high) for e in release.audit(rel)}
    for pos, i in enumerate(ids):
        if isinstance(comp[i][1], int):
            continue
        low, high = min(t[pos] for t in tables), max(t[pos] for t in tables)
        exposed = release._exposed(rel.cells[i], low, high, K)
        assert (i in found) == exposed
        if exposed:
            assert found[i] == (low, high)


# -- item 2: full-precision shares ------------------------------------------------------------------

def likert_release(share_decimals: int | None, high_pct: float, neutral_pct: float) -> release.Release:
    """37 answers: 1 below the midpoint ("<5"), 5 at it, 31 above, published as shares."""
    rel = release.Release(K)
    n = rel.count("n", 37, 37)
    low = rel.count("low", 1, "<5")
    neutral = rel.count("neutral", 5)
    high = rel.count("high", 31)
    rel.total(n, [low, neutral, high])
    rel.share("high%", high, n, high_pct, share_decimals, ("likert", "item", "high"))
    rel.share("neutral%", neutral, n, neutral_pct, share_decimals, ("likert", "item", "neutral"))
    return rel


def test_full_precision_share_gives_the_small_count_away_and_is_withdrawn():
    rel = likert_release(None, 100 * 31 / 37, 100 * 5 / 37)
    [e] = release.audit(rel)
    assert (e.cell, e.low, e.high) == ("low", 1, 1)
    # rounded to whole percent the shares still pin the counts (a base under 100): the audit
    # withdraws one, and what remains keeps the small group's range wide
    rel = likert_release(0, 84, 14)
    assert [e.cell for e in release.audit(rel)] == ["low"]
    changed = release_protect.protect(rel)
    assert changed and release.audit(rel) == []
    assert any(p == ("likert", "item", "neutral") or p == ("likert", "item", "high")
               for p in release.hidden_places(rel))


def test_summary_workbook_shares_are_whole_percent():
    df = pd.DataFrame({"item": ["a", "b"], "share_high": [31 / 37, "<5 people"], "share_of_participants": [61 / 74, None],
                       "answered": [37, 12]})
    out = whole_percent(df)
    assert out["share_high"].tolist() == [0.84, "<5 people"]
    assert out["share_of_participants"].iloc[0] == 0.82 and out["answered"].tolist() == [37, 12]


# -- item 3: a cumulative series ---------------------------------------------------------------------

STILL = [70, 66, 62, 54, 44, 40]  # still taking part at meetings 1..6, of 74 placed
ATTENDING = [61, 51, 55, 44, 44, 40]


def test_every_point_of_the_still_taking_part_curve_gives_the_last_meeting_counts():
    rel = release.Release(K)
    base = rel.count("base", 74, 74)
    att = [rel.count(f"att/{j}", n, n) for j, n in enumerate(ATTENDING, 1)]
    release.cumulative_series(rel, "curve", base, att, STILL, [True] * 6)
    found = {e.cell: (e.low, e.high) for e in release.audit(rel)}
    # 3, 4 and 4 in the words: here 4 came to none, 4 last came to meeting 1, 4 to meeting 2
    assert found["curve/never"] == (4, 4)
    assert found["curve/last/1"] == (4, 4) and found["curve/last/2"] == (4, 4)
    assert found["curve/last/5"] == (4, 4)


def test_published_points_of_the_curve_leave_no_small_difference():
    shown = release_protect.protected_cumulative(STILL, ATTENDING, 74, K)
    assert shown[-1]  # the last point is attending the last meeting, published anyway
    # independent check: consecutive published points (with the base before them and 0 after the
    # last meeting) differ by 0 or at least K
    points = [74] + [s for s, ok in zip(STILL, shown) if ok] + [0]
    diffs = [a - b for a, b in zip(points, points[1:])]
    assert all(d == 0 or d >= K for d in diffs), diffs


def test_attendance_chart_alt_text_names_only_protected_points(tmp_path):
    mt = pd.DataFrame({"meeting": [f"Meeting {j}" for j in range(1, 7)],
                       "share_of_participants": [a / 74 for a in ATTENDING]})
    summ = {"participants": 74, "retained": pd.Series(STILL, index=mt["meeting"]),
            "per_meeting": pd.Series(ATTENDING, index=mt["meeting"])}
    result = evaluation_result.Evaluation()
    evaluation_figures._attendance_chart(result, mt, tmp_path, summ, Limits(K, 10))
    alt = result.figures[0]["alt"]
    still_part = alt.split("Still taking part:")[1]
    shown = [f"Meeting {j} not shown" not in still_part for j in range(1, 7)]
    assert shown == summ["retained_shown"] and not all(shown)
    assert "Meeting 1 95%" not in still_part  # 70 of 74: would give the 4 who never came


# -- item 4: a group smaller than min_count ---------------------------------------------------------

def test_group_of_one_participant_does_not_give_their_attendance_away():
    members = pd.DataFrame({"person_id": [f"P{i}" for i in range(11)], "role": "participant",
                            "group": ["A"] * 5 + ["B"] * 5 + ["C"]})
    sessions = [f"Meeting {j}" for j in range(1, 7)]
    lone = [True, False, True, False, False, True]  # the only member of group C
    meetings = pd.DataFrame([{"person_id": p, "session": s, "attended": (lone[j] if p == "P10" else True)}
                             for p in members["person_id"] for j, s in enumerate(sessions)])
    config = SimpleNamespace(programme=SimpleNamespace(meetings_planned=6))
    mt, gt, summ = evaluation_implementation.meeting_tables(meetings, members, config, Limits(K, 10))
    assert gt.set_index("group").loc["C", "meetings_held"] == disclosure.HIDDEN
    assert gt.set_index("group").loc["A", "meetings_held"] == "6"
    assert (mt["groups_met"] == disclosure.HIDDEN).all()  # 2 + (the lone member came) per meeting
    assert summ["small_groups"] == 1 and summ["min_held"] == 6  # the summary leaves group C out


def test_groups_min_size_below_min_count_is_warned():
    from mentoring_lib.config import TermConfig

    cfg = {"term": {"name": "t", "title": "T", "start": "2026-09-01", "end": "2026-12-18"}, "data_dir": ".",
           "registration": {"mentor_deadline": "2026-08-20", "participant_deadline": "2026-09-10",
                            "mentor_places": 8, "participant_places": 40},
           "groups": {"count": 4, "min_size": 3, "target_size": 5}, "inputs": [],
           "privacy": {"key_source": "demo"}, "report": {"organisation": "Example University"}}
    with pytest.warns(UserWarning, match="groups.min_size .3. is below privacy.min_count .5."):
        TermConfig.model_validate(cfg)


# -- the runner's step: exit 4 -----------------------------------------------------------------------

def test_check_run_fails_with_exit_4_naming_cells_not_values(tmp_path):
    rel = likert_release(None, 100 * 31 / 37, 100 * 5 / 37)
    rel.save(tmp_path / release_files.RELEASE_FILE)
    with pytest.raises(release.DisclosureAuditError) as err:
        release_files.check_run(tmp_path)
    assert err.value.exit_code == EXIT_PRIVACY
    assert "low (shown <5)" in err.value.message and "1..1" not in err.value.message


def test_check_run_fails_closed_on_a_report_without_a_model(tmp_path):
    (tmp_path / "public").mkdir()
    assert release_files.check_run(tmp_path) is None
    (tmp_path / "public" / "report.html").write_text("<html></html>")
    with pytest.raises(release.DisclosureAuditError, match="no release model"):
        release_files.check_run(tmp_path)


def test_release_round_trips_through_json(tmp_path):
    rel = likert_release(0, 84, 14)
    rel.at_most({"low": 1, "high": -1}, 0, "low <= high")
    path = rel.save(tmp_path / "r.json")
    back = release.Release.load(path)
    assert back.to_dict() == rel.to_dict()
    assert [e.cell for e in release.audit(back)] == ["low"]
    assert math.isclose(back.shares["high%"].percent, 84)


def test_withdrawn_likert_share_leaves_no_sentence_or_key_figure_quoting_it():
    row = {"item": "react_would_recommend", "wording": "I would recommend it.", "answered": "37", "n": 37,
           "share_low": math.nan, "share_neutral": 5 / 37, "share_high": 31 / 37,
           "low_shown": "<5 people", "neutral_shown": "14%", "high_shown": "84%",
           "low_phrase": "fewer than 5 people", "neutral_phrase": "14%", "high_phrase": "84%",
           "high_labels": "agree", "low_labels": "disagree", "low_n": 1, "neutral_n": 5, "high_n": 31}
    reaction = pd.DataFrame([row])
    sentence = evaluation_reaction.likert_bullet(reaction.iloc[0])
    tables = {"reaction": reaction,
              "narrative": pd.DataFrame({"section": ["reaction"], "kind": ["bullet"], "text": [sentence]}),
              "key_figures": pd.DataFrame({"key": ["recommend"], "label": ["would recommend"], "value": ["84%"],
                                           "note": [""]})}
    rel = release_tables.build(tables, None, None, K)
    assert [e.cell for e in release.audit(rel)] == ["likert/reaction/react_would_recommend/low"]
    release_protect.protect(rel)
    assert release.audit(rel) == []
    out, _ = release_tables.apply(rel, tables)
    shown = out["reaction"].iloc[0]
    withdrawn = [g for g in ("neutral", "high") if shown[f"{g}_shown"] == disclosure.HIDDEN]
    assert withdrawn == ["high"] and math.isnan(shown["share_high"])
    text = " ".join(out["narrative"]["text"])
    for g in withdrawn:
        assert row[f"{g}_shown"] not in text
    if "high" in withdrawn:
        assert out["key_figures"].empty


def test_check_run_fails_when_a_file_shows_more_than_the_audited_model(tmp_path):
    """E.g. `mentoring run --only registrations` rewrites registration_summary.xlsx protected on its
    own, after the report stage protected the release: the runner catches the difference (exit 4)."""
    from mentoring_lib.io import spreadsheets

    rel = release_tables.build({}, registration_quality(), registration_rows(), K)
    release_protect.protect(rel)
    rel.save(tmp_path / release_files.RELEASE_FILE)
    status = pd.DataFrame({r: {s: rel.display(f"status/{s}/{r}") for s in [*STATUS, "Total"]}
                           for r in ("mentor", "participant", "Total")})
    status.index.name = "status"
    path = tmp_path / "public" / "registration_summary.xlsx"
    path.parent.mkdir(parents=True)
    spreadsheets.write_xlsx({"status": status}, path, index=True)
    assert release_files.check_run(tmp_path) is not None  # the files agree with the model
    hidden = next(f"{s}/{r}" for s in STATUS for r in ("mentor", "participant", "Total")
                  if rel.cells[f"status/{s}/{r}"].kind == "hidden")
    s, r = hidden.split("/")
    status.loc[s, r] = rel.cells[f"status/{s}/{r}"].value  # the stage's own protection showed it
    spreadsheets.write_xlsx({"status": status}, path, index=True)
    with pytest.raises(release.DisclosureAuditError, match="show more than the audited release model") as err:
        release_files.check_run(tmp_path)
    assert err.value.exit_code == EXIT_PRIVACY


def test_linkage_small_outcome_is_not_given_away_by_the_response_table():
    """37 answered after, 34 are linked pairs: the 3 who answered only after ("<5" in the linkage
    table) follow from the response table, unless the release hides one more cell."""
    people = {"linked": 34, "no after-survey response": 20, "no before-survey response": 3,
              "answered neither survey": 23}
    linkage = pd.DataFrame([{"role": "participant", "reason": r} for r, n in people.items() for _ in range(n)])
    shown = evaluation_implementation.linkage_table(linkage, Limits(K, 10))
    assert shown.set_index("reason").loc["no before-survey response", "people"] == "<5"
    response = pd.DataFrame({"survey": ["before (pre)", "after (post)", "both (linked pairs)"],
                             "respondents": ["54", "37", "34"], "response_rate": [54 / 80, 37 / 80, 34 / 80],
                             "n": [54, 37, 34]})
    rows = pd.DataFrame([{"source": "p_reg", "role": "participant", "status": "accepted"}] * 80)
    tables = {"linkage": shown, "response": response}
    rel = release_tables.build(tables, None, rows, K, linkage=linkage)
    assert "linkage/participant/no before-survey response" in {e.cell for e in release.audit(rel)}
    release_protect.protect(rel)
    assert release.audit(rel) == []
    out, _ = release_tables.apply(rel, tables)
    after = out["linkage"].set_index("reason")["people"]
    resp = out["response"].set_index("survey")
    # the independent attacker: after = linked + only after, and linked = the linked pairs, with
    # what the tables now show (a response rate still shown would pin the respondents: 80 accepted)
    assert math.isnan(resp.loc["after (post)", "response_rate"])
    names = ["after", "both", "linked", "only_after"]
    published = {"after": resp.loc["after (post)", "respondents"], "both": resp.loc["both (linked pairs)", "respondents"],
                 "linked": after["linked"], "only_after": after["no before-survey response"]}
    low, high = milp_range(names, published, [({"after": 1, "linked": -1, "only_after": -1}, 0),
                                              ({"both": 1, "linked": -1}, 0)], "only_after")
    assert high - low >= release.required_width(K)


def test_an_x_that_can_only_be_zero_is_shown_as_zero():
    rel = release.Release(K)
    rel.count("none", 0, disclosure.HIDDEN)
    rel.count("some", 7, 7)
    rel.count("total", 7, 7)
    rel.total("total", ["none", "some"])
    assert [(e.cell, e.low, e.high) for e in release.audit(rel)] == [("none", 0, 0)]
    assert release_protect.protect(rel) == ["none"]
    assert rel.display("none") == 0 and release.audit(rel) == []


# -- the school and doctoral-year sheets: partitions of the status sheet's role totals ---------------

HELD = ("accepted", "waitlisted", "withdrawn", "late")
SHEET_COLUMNS = ("applied", "accepted", "not accepted")


def breakdown_attack(status_shown: pd.DataFrame, sheet: pd.DataFrame, role: str, target: str) -> tuple[int, int]:
    """The reader's attack on one role of a school (or doctoral-year) sheet: its categories x
    applied / accepted / not accepted with the Total row, against that role's column of the status
    sheet (applied = the held statuses, accepted, not accepted = wait-listed + withdrew + late).
    ``target`` = "<category>/<column>"."""
    statuses = [s for s in status_shown.index if s != "Total"]
    cats = list(sheet.index)  # the Total row included
    names = [f"s/{s}" for s in [*statuses, "Total"]] + [f"{c}/{col}" for c in cats for col in SHEET_COLUMNS]
    shown = {f"s/{s}": status_shown.loc[s, role] for s in [*statuses, "Total"]}
    shown.update({f"{c}/{col}": sheet.loc[c, f"{role}s {col}"] for c in cats for col in SHEET_COLUMNS})
    eqs = [({**{f"s/{s}": 1 for s in statuses}, "s/Total": -1}, 0)]
    eqs += [({f"{c}/applied": 1, f"{c}/accepted": -1, f"{c}/not accepted": -1}, 0) for c in cats]
    eqs += [({**{f"{c}/{col}": 1 for c in cats if c != "Total"}, f"Total/{col}": -1}, 0) for col in SHEET_COLUMNS]
    eqs += [({"Total/applied": 1, **{f"s/{s}": -1 for s in HELD}}, 0), ({"Total/accepted": 1, "s/accepted": -1}, 0),
            ({"Total/not accepted": 1, **{f"s/{s}": -1 for s in HELD[1:]}}, 0)]
    return milp_range(names, shown, eqs, target)


def applicants(mentors: dict[tuple[str, str], int], field: str = "school") -> pd.DataFrame:
    """The people table: mentors by (category of ``field``, status) as given (the other field one
    category), and 20 accepted participants."""
    other = {"school": "doctoral_year", "doctoral_year": "school"}[field]
    fixed = {"school": "A", "doctoral_year": "1st year"}
    rows = [{"source": "m_reg", "role": "mentor", "status": st, field: cat, other: fixed[other]}
            for (cat, st), n in mentors.items() for _ in range(n)]
    rows += [{"source": "p_reg", "role": "participant", "status": "accepted", **fixed}] * 20
    return pd.DataFrame(rows)


#: mentors by (category, status): category a 10 applied, 6 accepted; category b 21 applied, 1 accepted
SCHOOL_ATTACK = {("a", "accepted"): 6, ("a", "waitlisted"): 1, ("a", "withdrawn"): 2, ("a", "late"): 1,
                 ("b", "accepted"): 1, ("b", "waitlisted"): 8, ("b", "withdrawn"): 6, ("b", "late"): 6}
CATEGORIES = {"school": {"a": "A", "b": "B"}, "doctoral_year": {"a": "1st year", "b": "2nd year"}}


@pytest.mark.parametrize("field", ["school", "doctoral_year"])
def test_small_school_or_year_count_is_not_recovered_from_the_status_totals_after_protect(tmp_path, field):
    """The school (or doctoral-year) sheet protected on its own hides its Total accepted ("x") as a
    complement of the small counts; the status sheet publishes the accepted mentors (7), so
    category b's one accepted mentor follows: 7 minus category a's accepted, which is at least
    10 - 4. The release model links the sheets to the status totals and hides more."""
    from mentoring_lib.steps import registration_outputs, registration_rules
    from mentoring_lib.io import spreadsheets
    from mentoring_lib.io import people_workbooks

    names = CATEGORIES[field]
    people = applicants({(names[c], st): n for (c, st), n in SCHOOL_ATTACK.items()}, field)
    rows = people[["source", "role", "status"]]
    status = rows.groupby(["status", "role"]).size().unstack(fill_value=0).reindex(
        list(registration_rules.STATUSES), fill_value=0)[["mentor", "participant"]]
    status.columns.name, status.index.name = None, None
    sheets = registration_outputs.public_summary(people, K)
    status_shown = disclosure.suppress_counts(status, K, margins=True)
    school = sheets[field]
    target = (names["b"], "accepted")
    assert school.loc[target[0], f"mentors {target[1]}"] in ("<5", disclosure.HIDDEN)
    unknown = status_shown.map(lambda v: disclosure.HIDDEN)
    low, high = breakdown_attack(unknown, school, "mentor", "/".join(target))
    assert high - low >= release.required_width(K)  # the school sheet alone keeps it
    assert breakdown_attack(status_shown, school, "mentor", "/".join(target)) == (1, 1)  # with the status sheet

    rel = release_tables.build({}, None, rows, K, people=people)
    cid = f"{field}/{target[0]}/mentor/{target[1]}"
    assert cid in {e.cell for e in release.audit(rel)}
    release_protect.protect(rel)
    assert release.audit(rel) == []
    # the files as the report stage rewrites them from the protected model, read back as a reader would
    path = tmp_path / "public" / "registration_summary.xlsx"
    path.parent.mkdir()
    spreadsheets.write_xlsx({**sheets, "status": status_shown.rename_axis("status")}, path, index=True)
    release_tables.write_registration_summary(rel, path)
    public = people_workbooks.read(path, index_col=0)
    checked = []
    for sheet_name in ("school", "doctoral_year"):
        sheet = public[sheet_name]
        for cat in sheet.index:
            for col in SHEET_COLUMNS:
                for role in ("mentor", "participant"):
                    v = sheet.loc[cat, f"{role}s {col}"]
                    if isinstance(v, str) and not v.isdigit():
                        low, high = breakdown_attack(public["status"], sheet, role, f"{cat}/{col}")
                        assert high - low >= release.required_width(K) or (v == "x" and low >= K), (cat, col)
                        checked.append((sheet_name, cat, role, col))
    assert (field, *target[:1], "mentor", target[1]) in checked
    # the runner's check: the files agree with the model, and a school sheet showing more is caught
    rel.save(tmp_path / release_files.RELEASE_FILE)
    assert release_files.check_run(tmp_path) is not None
    public[field].loc[target[0], f"mentors {target[1]}"] = rel.cells[cid].value
    people_workbooks.write(public, path, index=True)
    with pytest.raises(release.DisclosureAuditError, match="show more than the audited release model"):
        release_files.check_run(tmp_path)


@pytest.mark.parametrize("model", ["cross-table", "school", "doctoral_year"])
def test_protect_auditing_only_the_touched_component_hides_what_a_full_audit_each_step_hides(model, monkeypatch):
    """protect() audits again only the linked component a change touched; with a full audit after
    every change (the reference) it must hide exactly the same cells, in the same order."""
    import copy

    if model == "cross-table":
        rel = release_tables.build({}, registration_quality(), registration_rows(), K)
    else:
        names = CATEGORIES[model]
        people = applicants({(names[c], st): n for (c, st), n in SCHOOL_ATTACK.items()}, model)
        rel = release_tables.build({}, None, people[["source", "role", "status"]], K, people=people)
    reference = copy.deepcopy(rel)
    fast = release_protect.protect(rel)
    monkeypatch.setattr(release_protect, "_audit_again", lambda r, exposures, before, touched: release.audit(r))
    slow = release_protect.protect(reference)
    assert fast == slow and fast  # something was hidden, the same way
    assert {c: x.kind for c, x in rel.cells.items()} == {c: x.kind for c, x in reference.cells.items()}
    assert release.audit(rel) == []
