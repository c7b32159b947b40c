"""The charts that show counts, drawn again at the report stage from the protected release model.

The evaluation stage draws every chart before the release is protected (:mod:`release_tables`):
a count or share the audit hides afterwards would still be drawn, and told in the alt text. So the
report stage draws the charts that show people counts again from the protected tables and model
(:func:`redraw`), and the public files, alt text and captions show only what the audit allows:

* the funnels (``funnel-<role>s``): a bar and a number only for a step the protected funnel
  table shows as a number;
* the attendance chart: "Attending" from the protected meetings table's shares, "Still taking
  part" only at the points the model shows (``meetings/curve/still/<j>``; a point the audit hid
  leaves a gap, named in the alt text);
* the Likert charts: an item is drawn only when the model hides nothing of it (no count "x", no
  share withdrawn). Its answer levels are then not modelled cells, and need not be: the
  evaluation charts only items whose three groups are each 0 or at least ``min_count`` (merging
  the answers into the groups when any answer holds fewer), so a charted item has no protected
  cell, and its bars and alt text (whole percent) describe groups the tables publish.

Charts that show no counts of people (the change chart: effect sizes; the slope charts: drawn
only when every group of people they count is 0 or at least ``min_count``, see
:func:`evaluation_figures.slope_chart_allowed`) are left as the evaluation drew them.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

import pandas as pd

from mentoring_lib.outputs.messages import FALLBACK
from mentoring_lib.privacy.release import Release


def redraw(rel: Release, tables: dict[str, pd.DataFrame], public_dir: Path, min_count: int,
           min_base: int, changed: Iterable[str] | None = None, lang: str = FALLBACK) -> dict[str, pd.DataFrame]:
    """Draw the funnel, attendance and Likert charts again from the protected ``tables`` and ``rel``;
    returns the tables with their ``figures`` rows replaced (a chart left with nothing to show is
    dropped, and its file deleted).

    ``changed``: the cells and shares :func:`release.protect` hid (None = all may have changed). A
    chart none of whose figures changed is left as the evaluation drew it: it drew the same values
    (drawing takes seconds). ``lang``: the term's language, the one the evaluation drew in (its titles
    and notes, kept in the ``likert_charts`` table, are already in it)."""
    from mentoring_lib.privacy.limits import Limits
    from mentoring_lib.steps import evaluation_figures
    from mentoring_lib.steps.evaluation_result import Evaluation

    figs = tables.get("figures")
    if figs is None or not len(figs):
        return tables
    figures_dir = Path(public_dir) / "figures"
    limits = Limits(min_count, min_base)
    fresh = Evaluation()
    redrawn: set[str] = set()

    touched = None if changed is None else {c.split("/", 1)[0] + "/" + c.split("/", 2)[1] if c.startswith("likert/")
                                            else c.split("/", 1)[0] for c in changed}

    def stale(prefix: str) -> bool:
        return touched is None or prefix in touched

    funnel = tables.get("funnel")
    if funnel is not None and len(funnel) and "n" in funnel and stale("funnel"):
        fresh.tables["funnel"] = funnel
        evaluation_figures._funnel_chart(fresh, funnel, figures_dir, lang)
        redrawn |= {f"funnel-{role}s" for role in funnel["role"].unique()}

    meetings, curve = tables.get("meetings"), tables.get("attendance_curve")
    if meetings is not None and len(meetings) and (figs["id"] == "attendance").any() and stale("meetings"):
        redrawn.add("attendance")
        series = attendance_series(rel, meetings, curve, limits, lang)
        if series:
            evaluation_figures.draw_attendance_figure(fresh, series, figures_dir, lang)

    drawn = tables.get("likert_charts")
    if drawn is not None and len(drawn):
        for fig_id, part in drawn.groupby("fig_id", sort=False):
            if not stale("likert/" + ("mentors" if part["section"].iloc[0] == "mentors" else "reaction")):
                continue
            redrawn.add(str(fig_id))
            likert_figure(rel, fresh, part, figures_dir, min_count, lang)

    new = pd.DataFrame(fresh.figures, columns=list(figs.columns))
    by_id = {str(r["id"]): r for _, r in new.iterrows()}
    rows = []
    for _, r in figs.iterrows():
        fid = str(r["id"])
        if fid not in redrawn:
            rows.append(r)
        elif fid in by_id:
            rows.append(by_id[fid])
        else:
            (Path(public_dir) / str(r["file"])).unlink(missing_ok=True)  # nothing left the audit allows
    return {**tables, "figures": pd.DataFrame(rows, columns=list(figs.columns)).reset_index(drop=True)}


def attendance_series(rel: Release, meetings: pd.DataFrame, curve: pd.DataFrame | None, limits,
                      lang: str = FALLBACK) -> dict:
    """The attendance chart's series (percent per meeting) as the protected model shows them,
    labelled in ``lang``."""
    from mentoring_lib.outputs.messages import text
    from mentoring_lib.privacy.limits import share

    index = meetings["meeting"].astype(str).to_numpy()
    shares = pd.to_numeric(meetings["share_of_participants"], errors="coerce")
    if shares.isna().all():
        return {}
    series = {text("figure.attendance.attending", lang): pd.Series((shares * 100).to_numpy(), index=index)}
    if curve is not None and len(curve) and "meetings/base" in rel.cells:
        base = rel.cells["meetings/base"].value
        points = []
        for j in range(1, len(index) + 1):
            cell = rel.cells.get(f"meetings/curve/still/{j}")
            points.append(share(cell.value, base, limits) * 100 if cell is not None and cell.kind == "exact"
                          else float("nan"))
        if any(p == p for p in points):
            series[text("figure.attendance.still", lang)] = pd.Series(points, index=index)
    return series


def likert_items_hidden(rel: Release, table: str) -> set[str]:
    """Likert items of ``table`` (reaction, mentors) of which the protected model hides something."""
    prefix = f"likert/{table}/"
    out = {c.id[len(prefix):].rsplit("/", 1)[0] for c in rel.cells.values()
           if c.id.startswith(prefix) and c.kind == "hidden"}
    out |= {s.id[len(prefix):].rsplit("/", 1)[0] for s in rel.shares.values()
            if s.id.startswith(prefix) and s.withdrawn}
    return out


def likert_figure(rel: Release, fresh, drawn: pd.DataFrame, figures_dir: Path, min_count: int,
                  lang: str = FALLBACK) -> None:
    """One Likert chart again, without the items the model hides something of."""
    from mentoring_lib.outputs.messages import text
    from mentoring_lib.steps.evaluation_figures import draw_likert_figure

    first = drawn.iloc[0]
    hidden = likert_items_hidden(rel, "mentors" if first["section"] == "mentors" else "reaction")
    keep = drawn[~drawn["item"].astype(str).isin(hidden)]
    if keep.empty:
        return
    words = list(dict.fromkeys(keep["wording"]))
    answers = list(dict.fromkeys(keep["answer"]))
    frame = keep.pivot(index="wording", columns="answer", values="n").reindex(index=words, columns=answers)
    bases = dict(zip(keep["wording"], keep["base"].astype(int)))
    note = str(first["note"])
    left = [f"\u201c{str(w).rstrip('.')}\u201d" for w in dict.fromkeys(drawn["wording"]) if w not in words]
    if left:
        note += text("figure.likert.hidden", lang, items="; ".join(left))
    draw_likert_figure(fresh, str(first["section"]), str(first["fig_id"]), frame, bases, str(first["title"]),
                       note, str(first["rule"]), figures_dir, min_count, lang)
