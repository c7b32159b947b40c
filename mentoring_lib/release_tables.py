"""The term's release model (:mod:`mentoring_lib.release`), collected from the tables the public files are made of.

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

Not modelled (each is protected table by table by :mod:`disclosure`): trainings, the funnel's later
steps, themes, group sizes.
"""
from __future__ import annotations

import math
from typing import Any

import pandas as pd

from mentoring_lib import disclosure
from mentoring_lib.release import UNPUBLISHED, Release, cumulative_series

HELD = ("accepted", "waitlisted", "withdrawn", "late")
REACH_ROWS = {"applications": "Total", "accepted": "accepted", "wait-listed": "waitlisted",
              "withdrew": "withdrawn", "late (after the deadline)": "late"}
ROLE_COLUMNS = {"mentor": "mentors", "participant": "participants"}


def _pct(x: Any) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else round(float(x) * 100)


def status_counts(rows: pd.DataFrame) -> pd.DataFrame:
    """Registration rows by (source, role) and status (the status sheet's source)."""
    from mentoring_lib.registration import STATUSES

    return (rows.groupby(["source", "role"])["status"].value_counts().unstack(fill_value=0)
            .reindex(columns=list(STATUSES), fill_value=0).astype(int))


def build(tables: dict[str, pd.DataFrame], quality: dict[str, dict] | None, rows: pd.DataFrame | None,
          min_count: int, *, reach_true: pd.DataFrame | None = None, linkage: pd.DataFrame | None = None,
          hide_quality: frozenset = frozenset(), people: pd.DataFrame | None = None) -> Release:
    """The release model of a term from the tables its public files are written from.

    ``rows``: the registrations stage's ``rows`` table (status per registration row);
    ``reach_true``: :func:`evaluation.reach_counts` (people by status and role), the true counts
    behind the reach table and the funnel's first steps; ``linkage``: the feedback stage's
    linkage table (one row per person and role with its outcome); ``people``: the registrations
    stage's ``people`` table (the school and doctoral-year sheets). A cross-table identity is modelled only
    where the true values agree (so a definition that differs on some term is never assumed)."""
    from mentoring_lib import report
    from mentoring_lib.registration import ROLES, STATUSES

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
    for q in report.quality_rows(quality, k, hide_quality):
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
        for cid in rel.cells:
            if cid.startswith("meetings/curve/still/") and rel.cells[cid].kind == "exact":
                rel.cells[cid].known = True  # drawn in a chart: protected where it is drawn

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
    return rel


BREAKDOWNS = ("school", "doctoral_year")  # sheets of registration_summary.xlsx: applicants by category
BREAKDOWN_COLUMNS = ("applied", "accepted", "not accepted")


def breakdowns(rel: Release, people: pd.DataFrame) -> None:
    """The school and doctoral-year sheets: per role, the applicants by category, accepted or not.

    Each is a partition of the same role totals the status sheet and the reach table publish:
    applied = accepted + not accepted in every row; each column's Total row = the sum of its
    categories; and the Total row is applications (the held statuses), accepted, and not accepted
    = wait-listed + withdrew + late (the last an unpublished cell ``not_accepted/<role>`` shared by
    both sheets). Cells ``<sheet>/<category>/<role>/<applied|accepted|not accepted>``; the Total
    row uses the status sheet's ids where the true values agree."""
    from mentoring_lib import registration
    from mentoring_lib.registration import ROLES

    raw = registration.summary_counts(people)
    shown = registration.public_summary(people, rel.k)
    for field in BREAKDOWNS:
        counts, sheet = raw[field], shown[field]
        for role in ROLES:
            per_col: dict[str, list[str]] = {col: [] for col in BREAKDOWN_COLUMNS}
            totals = {}
            for cat in [*counts.index, disclosure.TOTAL]:
                part = counts if cat != disclosure.TOTAL else counts.sum().to_frame(cat).T
                acc, rest = int(part.loc[cat, f"{role}s accepted"]), int(part.loc[cat, f"{role}s not accepted"])
                ids = {}
                for col, n in zip(BREAKDOWN_COLUMNS, (acc + rest, acc, rest)):
                    cid = f"{field}/{cat}/{role}/{col}"
                    if cat == disclosure.TOTAL:  # the same quantity as in the status sheet, when it agrees
                        same = {"applied": f"applications/{role}", "accepted": f"status/accepted/{role}",
                                "not accepted": f"not_accepted/{role}"}[col]
                        cid = same if same not in rel.cells or rel.cells[same].value == n else cid
                        totals[col] = cid
                    ids[col] = rel.count(cid, n, sheet.loc[cat, f"{role}s {col}"],
                                         ("registration_summary.xlsx", field, str(cat), f"{role}s {col}"))
                    if cat != disclosure.TOTAL:
                        per_col[col].append(ids[col])
                rel.total(ids["applied"], [ids["accepted"], ids["not accepted"]], f"{field} {cat} {role}: applied")
            for col in ("accepted", "not accepted"):
                rel.total(totals[col], per_col[col], f"{field} {role} {col}: Total = sum of the categories")
            links = (({totals["applied"]: 1, **{f"status/{st}/{role}": -1 for st in HELD}}, "applications"),
                     ({totals["not accepted"]: 1, **{f"status/{st}/{role}": -1 for st in HELD[1:]}}, "not accepted"))
            for terms, label in links:
                if len(terms) > 1 and all(c in rel.cells for c in terms):
                    rel.equation(terms, 0, f"{field} {role}: {label} = the status sheet's", strict=False)


def write_registration_summary(rel: Release, path) -> None:
    """Write the status, school and doctoral-year sheets of registration_summary.xlsx as the
    protected model shows them (the registration stage wrote each protected on its own)."""
    from mentoring_lib import spreadsheets

    if not path.is_file():
        return
    sheets = pd.read_excel(path, sheet_name=None, index_col=0, dtype=object)
    for c in rel.cells.values():
        for place in c.places:
            if place[0] == "registration_summary.xlsx" and place[1] in sheets:
                sheets[place[1]].loc[place[2], place[3]] = rel.display(c.id)
    spreadsheets.write_xlsx(sheets, path, index=True)


def apply(rel: Release, tables: dict[str, pd.DataFrame]) -> tuple[dict[str, pd.DataFrame], frozenset]:
    """What the protected model hides, applied to the tables the report and summary.xlsx are
    written from: (tables, data-quality cells to hide)."""
    from mentoring_lib.release import hidden_places

    original = tables
    tables = {k: v.copy() for k, v in tables.items()}
    hide_quality = set()
    likert_changed: set[tuple[str, str]] = set()
    x = disclosure.HIDDEN
    for place in hidden_places(rel):
        where = place[0]
        if where == "quality":
            hide_quality.add((place[1], place[2]))
        elif where == "reach":
            df = tables["reach"]
            df.loc[df["measure"] == place[1], place[2]] = x
        elif where == "funnel":
            df = tables["funnel"]
            role, step = place[1].split("/", 1)
            df.loc[(df["role"] == role) & (df["step"] == step), "count"] = x
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
            if str(place[1]).startswith("after") and "narrative" in tables:  # the limitation quoting it
                nar = tables["narrative"]
                tables["narrative"] = nar[~nar["text"].astype(str).str.startswith(
                    "The after survey's response rate was")].reset_index(drop=True)
    for where, item in sorted(likert_changed):
        _retell_likert(tables, original[where], where, item)
    return tables, frozenset(hide_quality)


def _retell_likert(tables: dict[str, pd.DataFrame], before: pd.DataFrame, where: str, item: str) -> None:
    """The sentences and the key figure quoting a Likert item's shares, told again from what the
    protected table shows (the evaluation wrote them from the unprotected one)."""
    from mentoring_lib.evaluation import likert_bullet

    old = likert_bullet(before[before["item"] == item].iloc[0])
    row = tables[where][tables[where]["item"] == item].iloc[0]
    new = likert_bullet(row) if (row["high_phrase"] or row["low_phrase"]) else None
    nar = tables.get("narrative")
    if nar is not None and len(nar):
        hit = nar["text"] == old
        tables["narrative"] = (nar[~hit] if new is None else nar.assign(text=nar["text"].mask(hit, new))
                               ).reset_index(drop=True)
    kf = tables.get("key_figures")
    if kf is not None and len(kf) and where == "reaction" and "recommend" in item and not row["high_phrase"]:
        tables["key_figures"] = kf[kf["key"] != "recommend"].reset_index(drop=True)
