"""The term's release model (:mod:`mentoring_lib.privacy.release`), collected from the tables the public files are made of.

The report stage calls :func:`build` with the evaluation tables, the data-quality records and the
registration rows, protects the model (:func:`release.protect`), applies what it hid to the
tables (:func:`apply`) and writes every public file from them; the runner audits the saved model
again before publishing.

Modelled (cell ids in brackets; every equation is checked against the true values):

* ``registration_summary.xlsx``, sheet status: rows by status x role with both margins
  [``status/<status>/<role|Total>``], through the rows of each registration export
  [``reg/<source>/<status>``, not published];
* ``registration_summary.xlsx``, sheets school and doctoral_year: per role, applied = accepted +
  not accepted for each category and the Total row, each column's Total = the sum of its
  categories, and the Total row = applications (the held statuses), accepted (the status sheet's
  cells) and not accepted = wait-listed + withdrew + late [``<sheet>/<category>/<role>/<column>``,
  ``not_accepted/<role>``]: a small category cannot be recovered from the status sheet's role
  totals minus the other categories, nor from the other sheet's partition of the same applicants;
* the data-quality table and sheet: per input rows read = kept + excluded by reason
  [``quality/<source>/<rows_read|kept|reason>``]; for a registration export rows read = its rows,
  kept = accepted + wait-listed + withdrawn + late, duplicate = its duplicate rows and the other
  reasons = its excluded rows; the certificates step reads the accepted mentors;
* report table "Places and applications" and sheet Reach, the funnel's registered and accepted
  steps, and the key figures and sentences quoting them (same ids as the status sheet);
* Likert items (reaction, mentors): answered = below + at + above the midpoint, each group shown
  as a count marker or as a percentage of the answered (rounded as published)
  [``likert/<table>/<item>/<n|low|neutral|high>``];
* group meetings (table "Group meetings", sheet Meetings, the attendance chart and its alt text):
  attending + missing = participants placed in groups, the attending percentage, and the "still
  taking part" curve with the people whose last meeting was each one [``meetings/...``];
* survey response: respondents and their percentage of the accepted participants; the linkage
  table (a partition per role with its total), with respondents before = linked + answered only
  before, after = linked + answered only after, linked pairs = linked, and accepted participants
  = linked + answered only one survey + answered neither.
* reliable change: per outcome, pairs = improved + unchanged + deteriorated (:func:`individual_change`);
* the funnel's later steps, nested (:func:`funnel_steps`), the mentor trainings
  (:func:`training_cells`), the mean attendance (:func:`mean_attendance`), group_sizes.xlsx
  (:func:`group_size_cells`) and the themes (:func:`theme_cells`), these in :mod:`release_cells`;
* the charts showing counts are drawn again from the protected model (:mod:`release_charts`).

Published numbers that are not cells of the model are listed in :data:`NOT_MODELLED`, each with
the reason it cannot narrow a protected count (tests/test_release_walk.py walks every number of
the demo's public workbooks and chart texts and finds each in the model or in that list).
"""
from __future__ import annotations

import pandas as pd

from mentoring_lib.privacy import disclosure
from mentoring_lib.privacy.release import UNPUBLISHED, Release, cumulative_series
from mentoring_lib.steps.release_cells import (BREAKDOWNS, HELD, _pct, apply_individual_change, breakdowns,
                                               funnel_steps, group_size_cells, individual_change, mean_attendance,
                                               theme_cells, training_cells)

#: Published numbers that are not cells of the release model: (sheet of summary.xlsx, column or
#: row) -> why they cannot narrow a protected count.
NOT_MODELLED: dict[tuple[str, str], str] = {
    ("Reach", "places"): "places offered: from the call (the term's config), public before the term",
    ("Reach", "applications per place"): "applications (a model cell) divided by the places (public): "
                                         "shown only where the applications are shown",
    ("Meetings", "groups_met"): "groups, not people: a meeting held by a group; hidden while a group has "
                                "fewer than min_count participants (evaluation_implementation.meeting_tables)",
    ("Groups", "meetings_held"): "meetings, not people; hidden for a group under min_count participants",
    ("Groups", "meetings_planned"): "the programme's plan (config)",
    ("Groups", "group"): "the group's number",
    ("Reaction", "median"): "an order statistic of an item answered by at least min_base people: it says "
                            "on which side of the median answer at least half of them lie, no count",
    ("Mentors", "median"): "as for Reaction",
    ("Outcomes", "*"): "statistics of at least min_base complete pairs (means, tests, effect sizes); "
                            "'pairs' counts people with a complete score on a scale. NOT modelled: it is at "
                            "most the linked pairs, and their difference (linked people who left items blank "
                            "on that scale) is published by difference; item non-response, not a property "
                            "of people the release protects (a decision for the maintainers)",
    ("Reliability", "*"): "statistics of at least min_base complete answers; 'cases' as Outcomes' pairs",
    ("Mentor outcomes", "*"): "the mentors' own before/after statistics, under the same rules as Outcomes",
    ("Attrition", "*"): "before-survey means, SDs and standardised differences of groups of at least min_base; "
                        "its per-outcome linked and before-only counts are, like Outcomes' pairs, at most the "
                        "published respondents (item non-response, NOT modelled)",
    ("Sensitivity", "*"): "the primary outcome's mean change under each analysis set; 'people' as Outcomes' pairs",
    ("Dose-response", "*"): "an exploratory correlation over at least min_base pairs",
    ("Reliable change", "alpha"): "a scale's reliability (statistic)",
    ("Reliable change", "sd_baseline"): "a statistic of the baseline scores",
    ("Reliable change", "se_diff"): "a statistic (SD and alpha)",
    ("Reliable change", "threshold"): "a statistic (1.96 x se_diff)",
    **{(sheet, col): "a Wilson interval of a published count over its published base (a function of two "
                     "published numbers), left blank where the audit withdraws the share"
       for sheet, col in (("Survey response", "rate_ci_low"), ("Survey response", "rate_ci_high"),
                          ("Reaction", "high_ci_low"), ("Reaction", "high_ci_high"),
                          ("Mentors", "high_ci_low"), ("Mentors", "high_ci_high"))},
    ("Instruments", "*"): "the instruments' items and answer ranges (the codebook)",
    ("figure", "funnel %"): "a funnel step as a percentage of the registered, both published numbers",
    ("figure", "change"): "effect sizes and their intervals (statistics, as Effectiveness)",
    ("report", "groups"): "the number of groups (the programme section): NOT modelled; with two mentors per "
                          "group it gives the mentors placed, which the model leaves unknown",
}

REACH_ROWS = {"applications": "Total", "accepted": "accepted", "wait-listed": "waitlisted",
              "withdrew": "withdrawn", "late (after the deadline)": "late"}
ROLE_COLUMNS = {"mentor": "mentors", "participant": "participants"}


def status_counts(rows: pd.DataFrame) -> pd.DataFrame:
    """Registration rows by (source, role) and status (the status sheet's source)."""
    from mentoring_lib.steps.registration_rules import STATUSES

    return (rows.groupby(["source", "role"])["status"].value_counts().unstack(fill_value=0)
            .reindex(columns=list(STATUSES), fill_value=0).astype(int))


def build(tables: dict[str, pd.DataFrame], quality: dict[str, dict] | None, rows: pd.DataFrame | None,
          min_count: int, *, reach_true: pd.DataFrame | None = None, linkage: pd.DataFrame | None = None,
          hide_quality: frozenset = frozenset(), people: pd.DataFrame | None = None,
          group_sizes: pd.Series | None = None, min_trainings: int | None = None) -> Release:
    """The release model of a term from the tables its public files are written from.

    ``rows``: the registrations stage's ``rows`` table (status per registration row);
    ``reach_true``: :func:`evaluation_reach.reach_counts` (people by status and role), the true counts
    behind the reach table and the funnel's first steps; ``linkage``: the feedback stage's
    linkage table (one row per person and role with its outcome); ``people``: the registrations
    stage's ``people`` table (the school and doctoral-year sheets); ``group_sizes``: participants
    per group (:func:`grouping.group_sizes`, group_sizes.xlsx); ``min_trainings``: trainings a mentor
    needs to count as trained (the funnel's trained step). A cross-table identity is modelled only
    where the true values agree (so a definition that differs on some term is never assumed)."""
    from mentoring_lib.steps import data_quality
    from mentoring_lib.steps.registration_rules import ROLES, STATUSES

    k = int(min_count)
    rel = Release(k)
    by_source = status_counts(rows) if rows is not None and len(rows) else None
    role_of: dict[str, str] = {}
    if by_source is not None:
        status = by_source.groupby(level="role").sum().T.reindex(columns=list(ROLES), fill_value=0)
        shown = disclosure.suppress_counts(status, k, margins=True)
        for (source, role), counts in by_source.iterrows():
            role_of[source] = role
            for st in STATUSES:
                rel.count(f"reg/{source}/{st}", int(counts[st]))
        for st in [*STATUSES, "Total"]:
            for role in [*ROLES, "Total"]:
                value = (int(status.loc[st, role]) if st != "Total" and role != "Total" else
                         int(status[role].sum()) if st == "Total" and role != "Total" else
                         int(status.loc[st].sum()) if st != "Total" else int(status.to_numpy().sum()))
                rel.count(f"status/{st}/{role}", value, shown.loc[st, role],
                          ("registration_summary.xlsx", "status", st, role))
        for st in STATUSES:
            for role in ROLES:
                srcs = [s for s, r in role_of.items() if r == role]
                rel.total(f"status/{st}/{role}", [f"reg/{s}/{st}" for s in srcs], f"status {st} {role}")
            rel.total(f"status/{st}/Total", [f"status/{st}/{r}" for r in ROLES], f"status {st}")
        for role in [*ROLES, "Total"]:
            rel.total(f"status/Total/{role}", [f"status/{st}/{role}" for st in STATUSES], f"status total {role}")
        for role in ROLES:  # applications = the held statuses (reach table, funnel, key figures)
            rel.count(f"applications/{role}", int(sum(status.loc[st, role] for st in HELD)))
            rel.total(f"applications/{role}", [f"status/{st}/{role}" for st in HELD], f"applications {role}")

    if people is not None and len(people) and set(BREAKDOWNS) <= set(people.columns):
        breakdowns(rel, people)

    # -- data quality --------------------------------------------------------------------------
    for q in data_quality.quality_rows(quality, k, hide_quality):
        src, true = q["source"], q["true"]
        place = ("quality", src)
        read = rel.count(f"quality/{src}/rows_read", true["rows_read"], q["rows_read"], (*place, "rows_read"))
        kept = rel.count(f"quality/{src}/kept", true["kept"], q["kept"], (*place, "kept"))
        reasons = [rel.count(f"quality/{src}/{r}", n, q["reasons"][r], (*place, r)) for r, n in true["reasons"].items()]
        rel.total(read, [kept, *reasons], f"quality {src}: read = kept + excluded")
        if src in role_of:  # the registration stage's record of this export (links checked, not assumed)
            dup = [c for r, c in zip(true["reasons"], reasons) if r == "duplicate"]
            other = [c for r, c in zip(true["reasons"], reasons) if r != "duplicate"]
            for terms, label in (({read: 1, **{f"reg/{src}/{st}": -1 for st in STATUSES}}, "rows read"),
                                 ({kept: 1, **{f"reg/{src}/{st}": -1 for st in HELD}}, "kept"),
                                 ({**{c: 1 for c in dup}, f"reg/{src}/duplicate": -1}, "duplicates"),
                                 ({**{c: 1 for c in other}, f"reg/{src}/excluded": -1}, "excluded")):
                rel.equation(terms, 0, f"quality {src}: {label}", strict=False)
        elif src == "certificates" and "status/accepted/mentor" in rel.cells \
                and rel.cells["status/accepted/mentor"].value == true["rows_read"]:
            rel.total(read, ["status/accepted/mentor"], "certificates read the accepted mentors")


    # -- reach table, funnel, key figures -------------------------------------------------------
    reach = tables.get("reach")
    reach_ids: dict[tuple[str, str], str] = {}
    if reach is not None and reach_true is not None:
        for role in ROLE_COLUMNS:
            counts = {st: int(reach_true.loc[st, role]) for st in HELD}
            for st, n in [*counts.items(), ("Total", sum(counts.values()))]:
                same = f"applications/{role}" if st == "Total" else f"status/{st}/{role}"
                cid = same if same in rel.cells and rel.cells[same].value == n else f"reach/{st}/{role}"
                reach_ids[st, role] = rel.count(cid, n)
            if reach_ids["Total", role].startswith("reach/"):
                rel.total(reach_ids["Total", role], [reach_ids[st, role] for st in HELD], f"reach {role}")
        for _, r in reach.iterrows():
            row_status = REACH_ROWS.get(str(r["measure"]))
            for role, col in ROLE_COLUMNS.items():
                if row_status is not None and (row_status, role) in reach_ids:
                    cid = reach_ids[row_status, role]
                    rel.count(cid, rel.cells[cid].value, r[col], ("reach", str(r["measure"]), col),
                              known=row_status in ("Total", "accepted"))  # quoted in sentences and key figures
    funnel = tables.get("funnel")
    if funnel is not None and reach_ids:
        for _, r in funnel.iterrows():
            step = {"registered": "Total", "accepted": "accepted"}.get(str(r["step"]))
            step_cid = reach_ids.get((step, str(r["role"]))) if step is not None else None
            if step_cid is not None:
                rel.count(step_cid, rel.cells[step_cid].value, r["count"],
                          ("funnel", f"{r['role']}/{r['step']}", "count"), known=True)

    # -- the funnel's later steps: nested, each within the step before ---------------------------
    if funnel is not None and reach_ids and "n" in funnel:
        funnel_steps(rel, funnel, reach_ids)

    # -- mentor trainings: attending + missing = accepted mentors, and the share ---------------
    trainings = tables.get("trainings")
    if trainings is not None and len(trainings) and "attended_n" in trainings and ("accepted", "mentor") in reach_ids:
        training_cells(rel, trainings, reach_ids[("accepted", "mentor")], min_trainings)

    # -- Likert items -----------------------------------------------------------------------------
    for name in ("reaction", "mentors"):
        df = tables.get(name)
        if df is None or not len(df) or "high_n" not in df:
            continue
        for _, r in df.iterrows():
            pre = f"likert/{name}/{r['item']}"
            n = rel.count(f"{pre}/n", int(r["n"]), r["answered"], (name, r["item"], "answered"))
            parts = []
            for g in ("low", "neutral", "high"):
                text = str(r[f"{g}_shown"])
                is_pct = text.endswith("%")
                parts.append(rel.count(f"{pre}/{g}", int(r[f"{g}_n"]),
                                       UNPUBLISHED if is_pct or text == "–" else text, (name, r["item"], g)))
                if is_pct:
                    rel.share(f"{pre}/{g}%", parts[-1], n, _pct(r[f"share_{g}"]), 0, (name, r["item"], g))
            rel.total(n, parts, f"{pre}: answered = below + at + above")

    # -- group meetings and the attendance curve -------------------------------------------------
    curve = tables.get("attendance_curve")
    meetings = tables.get("meetings")
    if curve is not None and len(curve) and meetings is not None:
        base_n = int(curve["base"].iloc[0])
        # the group sizes sheet's total: "<k" below k
        base = rel.count("meetings/base", base_n, base_n if base_n >= k or base_n == 0 else f"<{k}",
                         known=base_n >= k)
        attending = []
        for (_, c), (_, m) in zip(curve.iterrows(), meetings.iterrows()):
            mid = str(c["meeting"])
            att = rel.count(f"meetings/{mid}/attending", int(c["attending_n"]), m["participants_attending"],
                            ("meetings", mid, "participants_attending"))
            miss = rel.count(f"meetings/{mid}/missing", base_n - int(c["attending_n"]), m["participants_missing"],
                             ("meetings", mid, "participants_missing"))
            rel.total(base, [att, miss], f"meetings {mid}: attending + missing = placed")
            rel.share(f"meetings/{mid}/attending%", att, base, _pct(m["share_of_participants"]), 0,
                      ("meetings", mid, "share_of_participants"))
            attending.append(att)
        cumulative_series(rel, "meetings/curve", base, attending, curve["still_n"].astype(int).tolist(),
                          [bool(v) for v in curve["still_shown"]])
        mean_attendance(rel, curve, attending)
        if "funnel/participant/active" in rel.cells:  # attended a meeting = still taking part at meeting 1
            rel.equation({"funnel/participant/active": 1, "meetings/curve/still/1": -1}, 0,
                         "active participants = still taking part at meeting 1", strict=False)
        if "status/accepted/participant" in rel.cells:
            rel.equation({"meetings/base": 1, "status/accepted/participant": -1}, 0,
                         "placed in groups = accepted participants", strict=False)
    if group_sizes is not None and len(group_sizes):
        group_size_cells(rel, group_sizes, quality)

    # -- themes of the open comments ---------------------------------------------------------------
    themes = tables.get("themes")
    if themes is not None and len(themes) and "n" in themes and "comments_total" in themes:
        theme_cells(rel, themes)

    # -- survey response ---------------------------------------------------------------------------
    resp = tables.get("response")
    if resp is not None and "n" in resp and "status/accepted/participant" in rel.cells:
        for _, r in resp.iterrows():
            cid = rel.count(f"response/{r['survey']}", int(r["n"]), r["respondents"],
                            ("response", str(r["survey"]), "respondents"),
                            known=str(r["survey"]).startswith("both"))  # the linked pairs are a key figure
            rel.share(f"response/{r['survey']}%", cid, "status/accepted/participant", _pct(r["response_rate"]), 0,
                      ("response", str(r["survey"]), "response_rate"))

    # -- survey linkage: a partition per role, and the survey response of accepted participants ---
    shown_link = tables.get("linkage")
    if linkage is not None and len(linkage) and shown_link is not None and len(shown_link):
        true = linkage.groupby(["role", "reason"]).size()
        for role, part in shown_link.groupby("role", sort=False):
            ids = []
            for _, r in part.iterrows():
                reason = str(r["reason"])
                n = int(true.get((role, reason), 0)) if reason != "Total" else int(true.get(role, pd.Series()).sum())
                cid = rel.count(f"linkage/{role}/{reason}", n, r["people"], ("linkage", f"{role}/{reason}", "people"))
                if reason != "Total":
                    ids.append(cid)
            if f"linkage/{role}/Total" in rel.cells:
                rel.total(f"linkage/{role}/Total", ids, f"linkage {role}")
        # respondents before = linked + answered only before; after = linked + answered only after
        pre_only, post_only = "no after-survey response", "no before-survey response"
        for survey, only in (("before (pre)", pre_only), ("after (post)", post_only)):
            terms = {f"response/{survey}": 1, "linkage/participant/linked": -1, f"linkage/participant/{only}": -1}
            if all(c in rel.cells for c in terms):
                rel.equation(terms, 0, f"respondents {survey} = linked + {only}", strict=False)
        terms = {"response/both (linked pairs)": 1, "linkage/participant/linked": -1}
        if all(c in rel.cells for c in terms):
            rel.equation(terms, 0, "linked pairs = linked", strict=False)
        # the accepted participants: linked, answered only one survey, or neither
        accepted = next((c for c in ("status/accepted/participant", "reach/accepted/participant") if c in rel.cells), None)
        parts = [f"linkage/participant/{r}" for r in ("linked", pre_only, post_only, "answered neither survey")]
        if accepted and all(c in rel.cells for c in parts):
            rel.equation({accepted: 1, **{c: -1 for c in parts}}, 0, "accepted participants = their linkage outcomes",
                         strict=False)
    individual_change(rel, tables)
    return rel


def write_registration_summary(rel: Release, path, *, epoch: int | None = None, lang: str = "en") -> None:
    """Write the cells of a public workbook an earlier stage wrote (registration_summary.xlsx: the
    status, school and doctoral-year sheets; group_sizes.xlsx) as the protected model shows them
    (the stage wrote each table protected on its own). Places (file name, sheet, row, column)."""
    from mentoring_lib.io import people_workbooks

    if not path.is_file():
        return
    # object columns: a cell may become a number or a marker ("<5", "x") whatever its column held
    sheets = {name: df.astype(object) for name, df in people_workbooks.read(path, index_col=0).items()}
    for c in rel.cells.values():
        for place in c.places:
            if place[0] == path.name and place[1] in sheets:
                sheets[place[1]].loc[place[2], place[3]] = rel.display(c.id)
    people_workbooks.write(sheets, path, index=True, epoch=epoch, lang=lang)


def apply(rel: Release, tables: dict[str, pd.DataFrame]) -> tuple[dict[str, pd.DataFrame], frozenset]:
    """What the protected model hides, applied to the tables the report and summary.xlsx are
    written from: (tables, data-quality cells to hide)."""
    from mentoring_lib.privacy.release import hidden_places
    from mentoring_lib.steps import release_text

    original = tables
    tables = {k: v.copy() for k, v in tables.items()}
    hide_quality = set()
    likert_changed: set[tuple[str, str]] = set()
    funnel_changed: set[str] = set()
    x = disclosure.HIDDEN
    for place in hidden_places(rel):
        where = place[0]
        if apply_individual_change(place, tables):
            continue
        if where == "quality":
            hide_quality.add((place[1], place[2]))
        elif where == "reach":
            df = tables["reach"]
            df.loc[df["measure"] == place[1], place[2]] = x
        elif where in ("reaction", "mentors"):
            df = tables[where]
            rows = df["item"] == place[1]
            if place[2] in ("low", "neutral", "high") and not df.loc[rows, f"{place[2]}_shown"].astype(str).str.endswith(
                    "%").any():
                continue  # hidden by the evaluation already (its "at least ..%" bound stays)
            likert_changed.add((where, place[1]))
            if place[2] in ("low", "neutral", "high"):
                df[f"share_{place[2]}"] = df[f"share_{place[2]}"].astype("float64").mask(rows)
                df[f"{place[2]}_shown"] = df[f"{place[2]}_shown"].astype(object).mask(rows, x)
                df[f"{place[2]}_phrase"] = df[f"{place[2]}_phrase"].astype(object).mask(rows, "")
            else:
                df["answered"] = df["answered"].astype(object).mask(rows, x)
        elif where == "meetings":
            df = tables["meetings"]
            rows = df["meeting"] == place[1]
            if place[2] == "share_of_participants":
                df[place[2]] = df[place[2]].astype("float64").mask(rows)
            else:
                df[place[2]] = df[place[2]].astype(object).mask(rows, x)
        elif where == "funnel":
            df = tables["funnel"]
            role, step = place[1].split("/", 1)
            rows = (df["role"] == role) & (df["step"] == step)
            if place[2] == "count":
                df["count"] = df["count"].astype(object).mask(rows, x)
            df["share_of_accepted"] = df["share_of_accepted"].astype("float64").mask(rows)
            funnel_changed.add(role)
        elif where == "trainings":
            df = tables["trainings"]
            rows = df["session"].astype(str) == place[1]
            df["share"] = df["share"].astype("float64").mask(rows)
            if place[2] != "share":
                df[place[2]] = df[place[2]].astype(object).mask(rows, x)
        elif where == "themes":
            df = tables["themes"]
            df["comments"] = df["comments"].astype(object).mask(df["theme"].astype(str) == place[1], x)
        elif place == ("narrative", "implementation", "mean"):
            release_text.drop_text(tables, "implementation.mean_attendance", "On average, participants attended",
                                   "attendance")
        elif place == ("narrative", "voices", "comments"):
            release_text.hide_comment_count(tables)
        elif where == "linkage":
            df = tables["linkage"]
            role, reason = place[1].split("/", 1)
            df.loc[(df["role"] == role) & (df["reason"] == reason), "people"] = x
        elif where == "response":
            df = tables["response"]
            rows = df["survey"] == place[1]
            df["response_rate"] = df["response_rate"].astype("float64").mask(rows)
            if place[2] == "respondents":
                df["respondents"] = df["respondents"].astype(object).mask(rows, x)
            if str(place[1]).startswith("after"):  # the limitation quoting it
                release_text.drop_text(tables, "limitations.after_rate", "The after survey's response rate was")
    for where, item in sorted(likert_changed):
        release_text.retell_likert(tables, original[where], where, item)
    for role in sorted(funnel_changed):
        release_text.retell_funnel(tables, original["funnel"], role, rel.k)
    return tables, frozenset(hide_quality)
