"""Report charts: diverging Likert bars, individual change, the reach funnel and attendance curves.

Every chart function draws with matplotlib's object API (``Figure``, no pyplot state and
no backend switch, so notebooks keep their inline backend), saves to ``path`` (format from the
suffix: .png, .svg or .pdf) and returns a :class:`ChartFile` ``(path, alt_text)``; the alt text
describes the chart with its numbers, for the report's accessibility text.

Output is byte-for-byte deterministic: no dates or software versions in the metadata, a fixed
SVG hash salt, text kept as text in SVG, fixed size and resolution. Colours are colour-blind
safe: ColorBrewer RdBu (diverging Likert) and Okabe-Ito (everything else).

Charts show whatever they are given: the caller (evaluation) applies the disclosure rules
(minimum base for distributions and means, suppressed small counts) before charting.
"""
from __future__ import annotations

import math
import textwrap
from pathlib import Path
from typing import Any, Mapping, NamedTuple, Sequence

import numpy as np
import pandas as pd
from matplotlib import rc_context
from matplotlib.axes import Axes
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from mentoring_lib.outputs.messages import FALLBACK, text

# Okabe & Ito (2008) colour-blind-safe palette.
OKABE_ITO = {
    "orange": "#E69F00", "sky_blue": "#56B4E9", "green": "#009E73", "yellow": "#F0E442",
    "blue": "#0072B2", "vermillion": "#D55E00", "purple": "#CC79A7", "grey": "#999999", "black": "#000000",
}
INCREASE, DECREASE, UNCHANGED = OKABE_ITO["blue"], OKABE_ITO["vermillion"], OKABE_ITO["grey"]
NEUTRAL_GREY = "#CCCCCC"
SERIES_COLOURS = [OKABE_ITO[c] for c in ("blue", "orange", "green", "purple", "sky_blue", "vermillion")]

CREATOR = "Compassion mentoring workbook"
_RC: dict[Any, Any] = {  # Any keys: matplotlib types rc_context's keys as a Literal of every rcParam
    "svg.hashsalt": "mentoring-workbook",
    "svg.fonttype": "none",  # text stays text: searchable, smaller, scanned by the privacy gate
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "pdf.compression": 6,
}
DPI = 150
#: The smallest text size any chart uses (points): the HTML keeps it at 11 px or more on a phone.
MIN_FONT_PT = 8
#: Characters per line of an item label in the Likert chart.
LABEL_WIDTH = 42


def _with_rc(func):
    """Run a chart function inside the workbook's rc settings (fonts, SVG salt, spines)."""
    import functools

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with rc_context(_RC):
            return func(*args, **kwargs)

    return wrapper


class ChartFile(NamedTuple):
    """A written chart: where it is and its alt text."""

    path: Path
    alt_text: str


def _metadata(fmt: str, title: str) -> dict[str, Any]:
    if fmt == "png":
        # The title travels in a text chunk (tEXt, or iTXt beyond Latin-1) so the privacy gate,
        # which cannot read pixels, still checks the words drawn as the chart's title.
        return {"Software": None, "Title": title}
    if fmt == "svg":
        return {"Date": None, "Creator": CREATOR, "Title": title}
    if fmt == "pdf":
        return {"CreationDate": None, "ModDate": None, "Creator": CREATOR, "Producer": None, "Title": title}
    raise ValueError(f"unsupported chart format '.{fmt}' (use .png, .svg or .pdf)")


def _new_figure(width: float, height: float) -> Figure:
    return Figure(figsize=(width, height), dpi=DPI, layout="constrained")


def save_figure(fig: Figure, path: str | Path, title: str) -> Path:
    """Save deterministically (format from the suffix); parent folders are created."""
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    meta = _metadata(fmt, title)
    path.parent.mkdir(parents=True, exist_ok=True)
    with rc_context(_RC):
        fig.savefig(path, format=fmt, dpi=DPI, metadata=meta)
    return path


def _say(key: str, lang: str, **values: Any) -> str:
    """A chart text (``chart.<key>`` of the message catalogue) in ``lang``."""
    return text(f"chart.{key}", lang, **values)


def _fmt_num(x: float, digits: int = 1) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return f"{x:.{digits}f}".rstrip("0").rstrip(".") if digits else f"{x:.0f}"


# -- diverging Likert ----------------------------------------------------------------------

def diverging_palette(n_levels: int, neutral: bool) -> list[str]:
    """ColorBrewer RdBu colours from most negative (red) to most positive (blue); grey neutral."""
    from matplotlib import colormaps

    side = n_levels // 2
    cmap = colormaps["RdBu"]
    # Skip the near-white centre of RdBu so the mildest levels stay visible on white.
    neg = [to_hex(cmap(0.06 + 0.24 * i / max(side - 1, 1))) for i in range(side)] if side else []
    pos = [to_hex(cmap(0.94 - 0.24 * i / max(side - 1, 1))) for i in range(side)][::-1] if side else []
    return neg + ([NEUTRAL_GREY] if neutral else []) + pos


def _likert_percents(dist_df: pd.DataFrame) -> pd.DataFrame:
    df = dist_df.apply(pd.to_numeric, errors="raise").astype(float)
    if (df < 0).any().any():
        raise ValueError("Likert counts/percentages cannot be negative")
    totals = df.sum(axis=1)
    return df.div(totals.where(totals > 0), axis=0) * 100


def draw_diverging_likert(ax: Axes, dist_df: pd.DataFrame, *, neutral: str | None = "auto",
                          min_count: int | None = None) -> pd.DataFrame:
    """Draw stacked horizontal bars, negative levels left of zero, positive right, the neutral
    level (the middle column when the number of levels is odd) centred on zero.

    ``dist_df``: one row per item (index = item label, first row drawn at the top), one column per
    response level ordered from most negative to most positive; counts or percentages (rows are
    rescaled to 100%). Returns the segment table (item, level, left, width) as drawn.

    With ``min_count`` the values must be counts of people, and a segment of 1..min_count-1 people
    never gets a percentage label (the caller merges or leaves out such answers; this is the
    last guard).
    """
    pct = _likert_percents(dist_df)
    raw = dist_df.apply(pd.to_numeric, errors="raise").astype(float).to_numpy()
    unlabelled = ((raw > 0) & (raw < min_count)) if min_count is not None else np.zeros(raw.shape, dtype=bool)
    levels = [str(c) for c in pct.columns]
    k = len(levels)
    if k < 2:
        raise ValueError("a Likert chart needs at least two response levels")
    if neutral == "auto":
        neutral_idx = k // 2 if k % 2 else None
    elif neutral is None:
        neutral_idx = None
    else:
        neutral_idx = levels.index(str(neutral))
    if neutral_idx is not None and neutral_idx != k // 2:
        raise ValueError("the neutral level must be the middle column")
    colours = diverging_palette(k, neutral_idx is not None)
    n_neg = k // 2
    values = pct.to_numpy()
    half_neutral = values[:, neutral_idx] / 2 if neutral_idx is not None else np.zeros(len(pct))
    neg = values[:, :n_neg]
    pos = values[:, k - n_neg:]
    rows = []
    y = np.arange(len(pct))[::-1]  # first item at the top
    # Negative levels: the one nearest neutral starts at -neutral/2, extremes go furthest left.
    right_edge = -half_neutral
    for j in range(n_neg - 1, -1, -1):
        left = right_edge - neg[:, j]
        rows.append((j, left, neg[:, j]))
        right_edge = left
    if neutral_idx is not None:
        rows.append((neutral_idx, -half_neutral, values[:, neutral_idx]))
    left_edge = half_neutral.copy()
    for j in range(n_neg):
        rows.append((k - n_neg + j, left_edge.copy(), pos[:, j]))
        left_edge = left_edge + pos[:, j]
    segments = []
    for j, left, width in sorted(rows, key=lambda r: r[0]):
        ax.barh(y, width, left=left, height=0.62, color=colours[j], edgecolor="white", linewidth=0.8,
                label=levels[j])
        for yi, lf, w, quiet in zip(y, left, width, unlabelled[:, j]):
            if w >= 8 and not quiet:
                dark = j in (0, k - 1)
                ax.text(lf + w / 2, yi, f"{w:.0f}%", ha="center", va="center", fontsize=8,
                        color="white" if dark else "black")
        segments += [(item, levels[j], float(lf), float(w)) for item, lf, w in zip(pct.index, left, width)]
    ax.axvline(0, color="#333333", linewidth=0.8)
    ax.set_yticks(y, [str(i) for i in pct.index])
    # Fixed +-100% axis: every Likert chart in the report reads on the same scale.
    ax.set_xlim(-100, 100)
    ticks = np.arange(-100, 101, 25)
    ax.set_xticks(ticks, [f"{abs(t)}%" for t in ticks])
    ax.spines["left"].set_visible(False)
    ax.tick_params(axis="y", length=0)
    ax.figure.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncol=min(k, 5),
                     frameon=False, fontsize=8)
    return pd.DataFrame(segments, columns=["item", "level", "left", "width"])


@_with_rc
def diverging_likert(dist_df: pd.DataFrame, title: str, path: str | Path, *,
                     neutral: str | None = "auto", bases: Mapping[str, int] | None = None,
                     min_count: int | None = None, lang: str = FALLBACK) -> ChartFile:
    """Diverging stacked Likert chart (neutral centred on zero) saved to ``path``.

    ``min_count``: ``dist_df`` holds counts of people; a segment of 1..min_count-1 people gets no
    label on the chart, and the alt text gives no percentage of it.

    Items whose row is all missing or sums to zero are left out and named in the alt text.
    ``bases`` (item -> number of respondents), if given, is added to the item labels and alt text.
    ``lang``: the language of the alt text (the title, items and answers come translated).
    """
    pct = _likert_percents(dist_df)
    shown = pct.dropna(how="any")
    left_out = [str(i) for i in pct.index if i not in shown.index]
    if shown.empty:
        raise ValueError("no item has a distribution to chart")
    labelled = shown.copy()
    labels = [f"{i} (n={bases[i]})" if bases and i in bases else str(i) for i in shown.index]
    # Item wordings are sentences: wrap them so the bars keep their width.
    labelled.index = [textwrap.fill(lab, LABEL_WIDTH) for lab in labels]
    lines = sum(lab.count("\n") + 1 for lab in labelled.index)
    fig = _new_figure(8.0, 1.3 + 0.42 * len(shown) + 0.16 * lines)
    ax = fig.add_subplot()
    raw = dist_df.apply(pd.to_numeric, errors="raise").astype(float).loc[shown.index]
    draw_diverging_likert(ax, raw.set_axis(labelled.index, axis=0) if min_count is not None else labelled,
                          neutral=neutral, min_count=min_count)
    ax.set_title(title, loc="left", fontsize=11)
    save_figure(fig, path, title)

    levels = [str(c) for c in shown.columns]
    k = len(levels)
    n_neg = k // 2
    has_neutral = (neutral == "auto" and k % 2 == 1) or (neutral not in ("auto", None))
    parts = []

    def said(pct_value: float, count: float) -> str:
        if min_count is not None and 0 < count < min_count:
            return _say("likert.fewer", lang, k=min_count)
        return f"{_fmt_num(pct_value, 0)}%"

    for item, row in shown.iterrows():
        c = raw.loc[item] if min_count is not None else row
        neg = row.iloc[:n_neg].sum()
        pos = row.iloc[k - n_neg:].sum()
        base = f" (n={bases[item]})" if bases and item in bases else ""
        either = _say("likert.or", lang)
        line = f"{item}{base}: {said(pos, c.iloc[k - n_neg:].sum())} {either.join(levels[k - n_neg:])}"
        if has_neutral:
            line += f", {said(row.iloc[n_neg], c.iloc[n_neg])} {levels[n_neg]}"
        line += f", {said(neg, c.iloc[:n_neg].sum())} {either.join(levels[:n_neg])}"
        parts.append(line)
    alt = (_say("likert.alt", lang, title=title, k=k, first=levels[0], last=levels[-1])
           + (_say("likert.alt_neutral", lang, neutral=levels[n_neg]) if has_neutral else "")
           + ". " + "; ".join(parts) + ".")
    if left_out:
        alt += _say("likert.not_shown", lang, items=", ".join(left_out))
    return ChartFile(Path(path), alt)


# -- individual change (slope chart) -----------------------------------------------------------

@_with_rc
def slope_chart(pre: Sequence[float], post: Sequence[float], title: str, path: str | Path, *,
                labels: tuple[str, str] | None = None, ylabel: str | None = None,
                ylim: tuple[float, float] | None = None, lang: str = FALLBACK) -> ChartFile:
    """One line per person from before to after (blue up, vermillion down, grey unchanged) and the
    mean change in black. Pairs with a missing side are left out (counted in the alt text).
    ``labels`` and ``ylabel`` default to "Before", "After" and "Score" in ``lang``."""
    labels = labels or (_say("slope.before", lang), _say("slope.after", lang))
    ylabel = ylabel or _say("slope.score", lang)
    a = pd.to_numeric(pd.Series(list(pre), dtype=object), errors="raise").to_numpy(dtype=float)
    b = pd.to_numeric(pd.Series(list(post), dtype=object), errors="raise").to_numpy(dtype=float)
    if a.shape != b.shape:
        raise ValueError("pre and post must have the same length")
    keep = ~(np.isnan(a) | np.isnan(b))
    a, b = a[keep], b[keep]
    n = a.size
    if n == 0:
        raise ValueError("no complete pairs to chart")
    up, down = b > a, b < a
    same = ~(up | down)
    fig = _new_figure(4.5, 4.8)
    ax = fig.add_subplot()
    # Draw in a fixed order (unchanged, down, up) so the output does not depend on row order ties.
    # One LineCollection and one marker artist per colour, not one Line2D per person: the same
    # picture, but a 100x term (thousands of pairs) draws in well under a second instead of a minute.
    from matplotlib.collections import LineCollection

    for mask, colour in ((same, UNCHANGED), (down, DECREASE), (up, INCREASE)):
        idx = np.flatnonzero(mask)
        if idx.size:
            segments = np.stack([np.column_stack([np.zeros(idx.size), a[idx]]),
                                 np.column_stack([np.ones(idx.size), b[idx]])], axis=1)
            ax.add_collection(LineCollection(list(segments), colors=colour, alpha=0.45, linewidths=1.1))
            ax.plot(np.repeat([[0.0, 1.0]], idx.size, axis=0).ravel(), np.column_stack([a[idx], b[idx]]).ravel(),
                    linestyle="none", color=colour, alpha=0.45, marker="o", markersize=3)
    mean_a, mean_b = float(a.mean()), float(b.mean())
    ax.plot([0, 1], [mean_a, mean_b], color="black", linewidth=3, marker="o", markersize=6, label=_say("slope.mean", lang))
    ax.set_xticks([0, 1], list(labels))
    ax.set_xlim(-0.25, 1.25)
    if ylim:
        ax.set_ylim(*ylim)
    ax.set_ylabel(ylabel)
    ax.set_title(title, loc="left", fontsize=11)
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], color=INCREASE, label=_say("slope.higher", lang, n=int(up.sum()))),
               Line2D([], [], color=DECREASE, label=_say("slope.lower", lang, n=int(down.sum()))),
               Line2D([], [], color=UNCHANGED, label=_say("slope.unchanged", lang, n=int(same.sum()))),
               Line2D([], [], color="black", linewidth=3, label=_say("slope.mean", lang))]
    fig.legend(handles=handles, frameon=False, fontsize=8, loc="outside lower center", ncol=2)
    save_figure(fig, path, title)
    dropped = int((~keep).sum())
    alt = _say("slope.alt", lang, title=title, n=n, up=int(up.sum()), down=int(down.sum()), same=int(same.sum()),
               before=labels[0].lower(), after=labels[1].lower(), mean_before=_fmt_num(mean_a, 2),
               mean_after=_fmt_num(mean_b, 2), change=_fmt_num(mean_b - mean_a, 2))
    if dropped:
        alt += _say("slope.dropped", lang, n=dropped)
    return ChartFile(Path(path), alt)


# -- reach funnel ------------------------------------------------------------------------------

@_with_rc
def funnel(stages: Mapping[str, int | str], path: str | Path, *, title: str | None = None,
           base_step: int | None = 0, lang: str = FALLBACK) -> ChartFile:
    """Horizontal funnel: one bar per stage (in the given order, first at the top), labelled with the
    count and, for the stages after ``base_step``, the share of that stage (``None``: counts only;
    the report uses the accepted, as its funnel table does). A text value (a suppressed count such
    as "<5") is shown as text with no bar, so the hidden number cannot be read off the bar length."""
    if not stages:
        raise ValueError("the funnel needs at least one stage")
    title = title or _say("funnel.title", lang)
    names = [str(k) for k in stages]
    raw = list(stages.values())
    numeric = [v if isinstance(v, (int, np.integer, float)) and not isinstance(v, bool) else None
               for v in raw]
    first = numeric[base_step] if base_step is not None and numeric[base_step] else None
    fig = _new_figure(6.5, 0.9 + 0.55 * len(names))
    ax = fig.add_subplot()
    y = np.arange(len(names))[::-1]
    widths = [float(v) if v is not None else 0.0 for v in numeric]
    ax.barh(y, widths, height=0.6, color=OKABE_ITO["blue"])
    top = max(widths) if max(widths) > 0 else 1.0
    parts = []
    for i, (yi, name, value, num) in enumerate(zip(y, names, raw, numeric)):
        if num is None:
            label = str(value)
        elif first and base_step is not None and (i > base_step or i == base_step == 0):
            # the base itself: 100% only as the first bar
            label = f"{_fmt_num(float(num), 0)} ({_fmt_num(100 * num / first, 0)}%)"
        else:
            label = _fmt_num(float(num), 0)
        ax.text((num or 0) + top * 0.01, yi, label, va="center", fontsize=9)
        parts.append(f"{name} {label}")
    ax.set_yticks(y, names)
    ax.set_xlim(0, top * 1.25)
    ax.set_xlabel(_say("funnel.people", lang))
    ax.tick_params(axis="y", length=0)
    ax.set_title(title, loc="left", fontsize=11)
    save_figure(fig, path, title)
    alt = (_say("funnel.alt", lang, title=title) + "; ".join(parts)
           + (_say("funnel.alt_base", lang, base=names[base_step].lower()) if first and base_step is not None
              else "."))
    return ChartFile(Path(path), alt)


# -- attendance curves -------------------------------------------------------------------------

@_with_rc
def attendance_curve(series: Mapping[str, pd.Series], title: str, path: str | Path, *,
                     ylabel: str | None = None, xlabel: str | None = None, lang: str = FALLBACK) -> ChartFile:
    """One line per series (label -> Series indexed by session label, values in percent), e.g.
    "Attended" and "Still taking part" across the group meetings. Missing points (NaN, e.g. a base
    too small to publish) leave a gap and are named in the alt text. The axis titles default to
    "Share of people (%)" and "Session" in ``lang``."""
    if not series:
        raise ValueError("no series to chart")
    sessions: list[str] = []
    for s in series.values():
        for label in s.index:
            if str(label) not in sessions:
                sessions.append(str(label))
    x = np.arange(len(sessions))
    fig = _new_figure(6.5, 3.8)
    ax = fig.add_subplot()
    parts = []
    markers = ["o", "s", "^", "D", "v", "P"]
    for i, (label, s) in enumerate(series.items()):
        vals = pd.to_numeric(pd.Series(s.to_numpy(), index=[str(v) for v in s.index]), errors="coerce")
        vals = vals.reindex(sessions)
        ax.plot(x, vals.to_numpy(dtype=float), color=SERIES_COLOURS[i % len(SERIES_COLOURS)],
                marker=markers[i % len(markers)], linewidth=2, label=str(label))
        parts.append(f"{label}: " + ", ".join(f"{sess} {_fmt_num(v, 0)}%" if not math.isnan(v) else
                                              f"{sess} " + _say("not_shown", lang) for sess, v in vals.items()))
    ax.set_xticks(x, sessions)
    ax.set_ylim(0, 105)
    ax.set_ylabel(ylabel or _say("attendance.ylabel", lang))
    ax.set_xlabel(xlabel or _say("attendance.xlabel", lang))
    ax.set_title(title, loc="left", fontsize=11)
    ax.legend(frameon=False, fontsize=8, loc="lower left")
    ax.grid(axis="y", color="#e5e5e5", linewidth=0.6)
    ax.set_axisbelow(True)
    save_figure(fig, path, title)
    alt = _say("line.alt", lang, title=title) + "; ".join(parts) + "."
    return ChartFile(Path(path), alt)


# -- trends across terms ------------------------------------------------------------------------

@_with_rc
def trend_chart(series: Mapping[str, Mapping[str, float | None]], terms: Sequence[str], title: str,
                path: str | Path, *, ylabel: str, percent: bool = False, zero_line: bool = False,
                lang: str = FALLBACK) -> ChartFile:
    """One line per series (label -> {term label: value}) across ``terms`` in order; a value that is
    not published (None) leaves a gap and is named "not shown" in the alt text (in ``lang``)."""
    x = np.arange(len(terms))
    legend_rows = math.ceil(len(series) / 2) if len(series) > 1 else 0
    fig = _new_figure(6.5, 3.6 + 0.22 * legend_rows)
    ax = fig.add_subplot()
    markers = ["o", "s", "^", "D", "v", "P"]
    parts = []
    for i, (label, values) in enumerate(series.items()):
        ys = np.array([np.nan if (v := values.get(t)) is None else float(v) for t in terms])
        # colour and marker together tell the lines apart (6 colours x 6 markers, no pair repeated)
        ax.plot(x, ys, color=SERIES_COLOURS[i % len(SERIES_COLOURS)],
                marker=markers[(i + i // len(SERIES_COLOURS)) % len(markers)],
                linewidth=2, label=str(label))
        parts.append(f"{label}: " + ", ".join(
            f"{t} " + (_say("not_shown", lang) if math.isnan(v) else f"{_fmt_num(v, 0)}%" if percent else _fmt_num(v, 2))
            for t, v in zip(terms, ys) if t in values))
    ax.set_xticks(x, [textwrap.fill(str(t), 18) for t in terms], fontsize=8)
    if percent:
        ax.set_ylim(0, 105)
    if zero_line:
        ax.axhline(0, color=UNCHANGED, linewidth=0.8)
    ax.set_ylabel(ylabel)
    ax.set_title(title, loc="left", fontsize=11)
    if len(series) > 1:
        fig.legend(frameon=False, fontsize=7, loc="outside lower center", ncols=2)
    ax.grid(axis="y", color="#e5e5e5", linewidth=0.6)
    ax.set_axisbelow(True)
    save_figure(fig, path, title)
    return ChartFile(Path(path), _say("line.alt", lang, title=title) + "; ".join(parts) + ".")
