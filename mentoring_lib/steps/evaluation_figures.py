"""The evaluation's charts (drawn through :mod:`mentoring_lib.outputs.charts`): the funnel, meeting
attendance, diverging Likert charts, individual (slope) and aggregate change. Each is added to the
:class:`Evaluation`'s figures.

Privacy domain: analysis (pseudonyms in, aggregates out).
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from mentoring_lib.analysis.paired import POST, PRE, paired_scores
from mentoring_lib.outputs.formatting import fmt_ci, fmt_num
from mentoring_lib.outputs.messages import FALLBACK, catalogue, text
from mentoring_lib.privacy.limits import Limits, enough, share
from mentoring_lib.steps.evaluation_reach import ROLES
from mentoring_lib.steps.evaluation_reaction import LIKERT_CHART_RULE, likert_chart_counts
from mentoring_lib.steps.evaluation_result import Evaluation


# --------------------------------------------------------------------------------------
# Charts (through charts.py), their texts in the report's language (``lang``: en, fi, sv)
# --------------------------------------------------------------------------------------
def _say(key: str, lang: str, **values) -> str:
    """A figure text (``figure.<key>`` of the message catalogue) in ``lang``."""
    return text(f"figure.{key}", lang, **values)


def _language(ev: Evaluation, lang: str | None) -> str:
    """The language to draw in: ``lang`` when given, else the evaluation's own (``ev.lang``, the
    term's language the evaluation writes in)."""
    return lang or ev.lang or FALLBACK


def _step_label(step: str, lang: str) -> str:
    """A funnel step as the chart names it: "Accepted" ("Hyväksytyt")."""
    return catalogue(lang).get(f"row.{step}", step).capitalize()


def _funnel_chart(ev: Evaluation, fc: pd.DataFrame, figures_dir: Path, lang: str | None = None) -> None:
    """One funnel per role; suppressed counts are drawn as text without a bar."""
    from mentoring_lib.outputs import charts

    lang = _language(ev, lang)
    shown = ev.tables["funnel"]
    for role in ROLES:
        f = fc[fc["role"] == role]
        if f.empty:
            continue
        labels = shown[shown["role"] == role]["count"].tolist()
        if sum(str(lab).isdigit() for lab in labels[2:]) == 0:
            continue  # nothing after "accepted" can be shown: the reach table says it all
        # a bar only for a count the funnel table shows as a number ("<5" and "x" stay text)
        stages = {_step_label(step, lang): (int(n) if str(lab).isdigit() else lab)
                  for step, n, lab in zip(f["step"], f["n"], labels)}
        title = _say(f"funnel.{role}", lang)
        # percentages of the accepted, as the funnel table gives them (none where it gives none)
        with_shares = shown.loc[shown["role"] == role, "share_of_accepted"].notna().any()
        cf = charts.funnel(stages, figures_dir / f"funnel-{role}s.png", title=title,
                           base_step=1 if with_shares else None, lang=lang)
        ev.figure("reach", f"funnel-{role}s", _rel(cf.path),
                  title + _say("funnel.shares" if with_shares else "funnel.counts", lang), cf.alt_text)


def _attendance_chart(ev: Evaluation, mt: pd.DataFrame, figures_dir: Path, summ: dict | None = None,
                      limits: Limits | None = None, lang: str | None = None) -> None:
    """Share of participants attending each meeting and, when given, the share still taking part
    (attended this meeting or a later one): the drop-out curve."""
    lang = _language(ev, lang)

    if mt["share_of_participants"].isna().all():
        return
    index = mt["meeting"].astype(str).to_numpy()
    series = {_say("attendance.attending", lang): pd.Series((mt["share_of_participants"] * 100).to_numpy(),
                                                           index=index)}
    retained = (summ or {}).get("retained")
    if summ is not None and limits is not None and retained is not None and len(retained):
        from mentoring_lib.privacy.release_protect import protected_cumulative

        base = summ["participants"]
        still = retained.reindex(index).fillna(0).astype(int).tolist()
        attending = summ["per_meeting"].reindex(index).fillna(0).astype(int).tolist()
        # Consecutive points of a cumulative curve give the people whose last meeting was each one:
        # only points that keep every such difference protected are drawn (release audit).
        shown = protected_cumulative(still, attending, base, limits.min_count)
        summ["retained_shown"] = shown
        if any(shown):
            series[_say("attendance.still", lang)] = pd.Series(
                [share(n, base, limits) * 100 if ok else math.nan for n, ok in zip(still, shown)], index=index)
    draw_attendance_figure(ev, series, figures_dir, lang)


def draw_attendance_figure(ev: Evaluation, series: dict[str, pd.Series], figures_dir: Path,
                           lang: str | None = None) -> None:
    """Draw the attendance chart (series label -> percent per meeting, labels already in ``lang``)
    and add it to ``ev``'s figures."""
    from mentoring_lib.outputs import charts

    lang = _language(ev, lang)
    title = _say("attendance.title", lang)
    cf = charts.attendance_curve(series, title, figures_dir / "attendance.png",
                                 xlabel=_say("attendance.xlabel", lang), lang=lang)
    ev.figure("implementation", "attendance", _rel(cf.path), title + _say("attendance.caption", lang), cf.alt_text)




def _likert_chart(ev: Evaluation, section: str, fig_id: str, dists: dict, title: str, figures_dir: Path,
                  limits: Limits, lang: str | None = None) -> None:
    """One diverging chart per response set. The items left out of the charts (a group of 1 to
    k-1 people) are named once for the whole section, the same list in every caption, or in one
    sentence when no chart is drawn. ``title``: the English title; a section the catalogue has a
    title for (``figure.likert.<section>``) gets it in ``lang``."""
    lang = _language(ev, lang)
    title = catalogue(lang).get(f"figure.likert.{section}", title)
    by_set: list[dict] = []
    for k, v in dists.items():  # one response set per chart, in the items' order
        same = next((d for d in by_set if next(iter(d.values()))[2] is v[2]), None)
        if same is None:
            by_set.append({k: v})
        else:
            same[k] = v
    counted = [(same, *likert_chart_counts(same, limits)) for same in by_set]
    left_out = [item for *_, items in counted for item in items]
    rule = LIKERT_CHART_RULE.format(k=limits.min_count, k1=limits.min_count - 1)
    ev.method("Likert items", rule)
    not_charted = _say("likert.not_charted", lang, k=limits.min_count, items="; ".join(left_out)) if left_out else ""
    if not any(len(frame) for _, frame, _, _ in counted):
        if left_out:
            ev.say(section, not_charted.strip())
        return
    for same, frame, merged, _ in counted:
        if not len(frame):
            continue
        bases = {same[k][0].wording: same[k][1].n for k in same}
        note = (_say("likert.merged", lang, k=limits.min_count) if merged else "") + not_charted
        draw_likert_figure(ev, section, fig_id, frame, bases, title, note, rule, figures_dir, limits.min_count,
                           lang)
        item_of = {same[k][0].wording: k for k in same}
        # what was drawn, for the report stage to draw again from the protected tables (private)
        drawn = pd.DataFrame([{"fig_id": fig_id, "section": section, "title": title, "item": item_of[w],
                               "wording": w, "answer": str(a), "n": float(frame.loc[w, a]), "base": int(bases[w]),
                               "note": note, "rule": rule} for w in frame.index for a in frame.columns])
        ev.tables["likert_charts"] = pd.concat([ev.tables.get("likert_charts"), drawn], ignore_index=True)
        fig_id, title = fig_id + "-2", title + _say("likert.continued", lang)


def draw_likert_figure(ev: Evaluation, section: str, fig_id: str, frame: pd.DataFrame, bases: dict, title: str,
                       note: str, rule: str, figures_dir: Path, min_count: int, lang: str | None = None) -> None:
    """Draw a diverging Likert chart of ``frame`` (counts, items x answers) and add it to ``ev``'s figures."""
    from mentoring_lib.outputs import charts

    lang = _language(ev, lang)
    cf = charts.diverging_likert(frame, title, figures_dir / f"{fig_id}.png", bases=bases, min_count=min_count,
                                 lang=lang)
    ev.figure(section, fig_id, _rel(cf.path), title + _say("likert.caption", lang) + note,
              cf.alt_text + note + " " + rule)


def slope_chart_allowed(pre: pd.Series, post: pd.Series, limits: Limits, lang: str = FALLBACK) -> tuple[bool, str]:
    """Whether an individual-change (slope) chart of these pairs may be published, and why not.

    A slope chart draws every pair, so it is a distribution: it needs ``min_base`` complete pairs.
    Its legend and alt text also print how many people rose, fell or stayed the same (and the
    lines can be counted), so each of those groups must be empty or at least ``min_count``."""
    d = (pd.to_numeric(post, errors="coerce") - pd.to_numeric(pre, errors="coerce")).dropna()
    n = len(d)
    if not enough(n, limits):
        return False, _say("slope.few_pairs", lang, b=limits.min_base)
    groups = {"higher": int((d > 0).sum()), "lower": int((d < 0).sum()), "unchanged": int((d == 0).sum())}
    small = [_say(f"slope.small_{g}", lang) for g, c in groups.items() if 0 < c < limits.min_count]
    if small:
        return False, _say("slope.small", lang, k=limits.min_count, groups=_say("slope.or", lang).join(small))
    return True, ""


def _slope_chart(ev: Evaluation, scores: pd.DataFrame, main: pd.DataFrame, figures_dir: Path,
                 limits: Limits, lang: str | None = None) -> None:
    """Individual change for each tested total score, where :func:`slope_chart_allowed`."""
    from mentoring_lib.outputs import charts

    lang = _language(ev, lang)
    wide = paired_scores(scores)
    totals = main[main["scale"] == "total"]
    withheld = []
    for _, row in (totals if len(totals) else main.head(1)).iterrows():
        w = wide[(wide["instrument"] == row["instrument"]) & (wide["scale"] == row["scale"])].dropna(
            subset=[PRE, POST])
        ok, why = slope_chart_allowed(w[PRE], w[POST], limits, lang)
        if not ok:
            withheld.append(f"{row['outcome']} ({why})")
            continue
        fig_id = f"slope-{row['instrument']}-{row['scale']}".replace("_", "-")
        cf = charts.slope_chart(w[PRE], w[POST], str(row["scale_name"]), figures_dir / f"{fig_id}.png",
                                ylabel=_say("slope.ylabel", lang, range=row["range"]), lang=lang)
        ev.figure("effectiveness", fig_id, _rel(cf.path), _say("slope.caption", lang, outcome=row["outcome"]),
                  cf.alt_text)
    if withheld:
        ev.say("effectiveness", _say("slope.withheld", lang, outcomes="; ".join(withheld)))


def _change_chart(ev: Evaluation, main: pd.DataFrame, figures_dir: Path, lang: str | None = None) -> None:
    """Aggregate change of every tested outcome: Hedges' g with its 95% CI (a forest plot), so
    scales with different ranges share one axis. Only outcomes with at least min_base pairs."""
    lang = _language(ev, lang)
    from matplotlib import rc_context
    from matplotlib.figure import Figure as MplFigure

    from mentoring_lib.outputs import charts

    import textwrap

    from matplotlib.ticker import MaxNLocator

    rows = main.reset_index(drop=True)
    n = len(rows)
    title = _say("change.title", lang)
    with rc_context(charts._RC):
        fig = MplFigure(figsize=(7.0, 1.3 + 0.42 * n), dpi=charts.DPI, layout="constrained")
        ax = fig.add_subplot()
        y = np.arange(n)[::-1]
        g = rows["hedges_g"].astype(float).to_numpy()
        lo = rows["g_ci_low"].astype(float).to_numpy()
        hi = rows["g_ci_high"].astype(float).to_numpy()
        primary = (rows["role"] == "primary").to_numpy()
        colours = np.where(primary, charts.OKABE_ITO["blue"], charts.OKABE_ITO["grey"])
        ax.axvline(0, color="black", linewidth=0.8)
        ax.hlines(y, lo, hi, colors=colours.tolist(), linewidth=2)
        ax.scatter(g, y, c=colours, s=28, zorder=3)
        labels = ["\n".join(textwrap.wrap(f"{o} (n = {p})", 34)) for o, p in zip(rows["outcome"], rows["pairs"])]
        ax.set_yticks(y, labels, fontsize=8)
        ax.tick_params(axis="y", length=0)
        span = max(0.5, float(np.nanmax(np.abs(np.concatenate([lo, hi])))) * 1.15) if n else 1.0
        ax.set_xlim(-span, span)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5, symmetric=True))
        ax.set_xlabel(_say("change.xlabel", lang))
        ax.grid(axis="x", color="#e5e5e5", linewidth=0.6)
        ax.set_axisbelow(True)
        fig.suptitle(title + _say("change.suptitle", lang), x=0.01, ha="left", fontsize=11)
        path = charts.save_figure(fig, figures_dir / "change.png", title)
    parts = [f"{o}: g {fmt_num(gi)} {fmt_ci(a, b)}" for o, gi, a, b in zip(rows["outcome"], g, lo, hi)]
    alt = _say("change.alt", lang, title=title) + "; ".join(parts) + "."
    ev.figure("effectiveness", "change", _rel(path), _say("change.caption", lang)
              + (_say("change.subscales", lang) if (~primary).any() else ""), alt)


def _rel(path) -> str:
    """Figure path relative to public/."""
    return f"figures/{Path(path).name}"

