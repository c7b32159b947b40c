"""The public summary workbook (``public/summary.xlsx``): which evaluation tables become sheets, the
meaning of every column (the data dictionary), and the disclosure note shared with the report.

Privacy domain: public. Sheets are built from aggregated, protected tables only;
:mod:`mentoring_lib.io.people_workbooks` writes them for people (headers, number formats).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from mentoring_lib.outputs.formatting import _missing
from mentoring_lib.outputs.messages import FALLBACK, catalogue, text
from mentoring_lib.steps.data_quality import quality_table

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from mentoring_lib.config import TermConfig


def suppression_note(limits: tuple[int, int], lang: str = "en") -> str:
    c, b = limits
    return text("suppression.note", lang, c=c, b=b)


# --------------------------------------------------------------------------------------
# Public summary workbook
# --------------------------------------------------------------------------------------
#: evaluation table -> (sheet, columns kept (None: all)); what each sheet holds is in the catalogue
#: (``workbook.about.<table>``).
_SHEETS: dict[str, tuple[str, list[str] | None]] = {
    "reach": ("Reach", None),
    "funnel": ("Funnel", ["role", "step", "count", "share_of_accepted"]),
    "trainings": ("Trainings", ["session", "attended", "missed", "share"]),
    "meetings": ("Meetings", None),
    "groups": ("Groups", None),
    "response": ("Survey response", ["survey", "respondents", "response_rate", "rate_ci_low", "rate_ci_high"]),
    "linkage": ("Linkage", None),
    "reaction": ("Reaction", ["item", "wording", "answered", "share_low", "share_neutral", "share_high",
                              "high_ci_low", "high_ci_high", "median", "median_label"]),
    "effectiveness": ("Outcomes", None),
    "reliability": ("Reliability", ["instrument", "scale", "outcome", "wave", "cases", "items", "alpha",
                                    "ci_low", "ci_high", "small_n"]),
    "mentors": ("Mentors", ["item", "wording", "answered", "share_low", "share_neutral", "share_high", "median",
                            "median_label"]),
    "curriculum": ("Curriculum", ["topic", "groups_delivered", "groups", "share_of_groups", "meetings"]),
    "mentor_effectiveness": ("Mentor outcomes", ["instrument", "scale", "outcome", "range", "pairs", "mean_pre",
                                                 "mean_post", "mean_change", "sd_change", "median_change",
                                                 "wilcoxon_p", "rank_biserial", "t", "df", "t_p", "hedges_g",
                                                 "g_ci_low", "g_ci_high", "t_p_holm", "wilcoxon_p_holm"]),
    "themes": ("Themes", ["theme", "label", "comments"]),
    "instruments": ("Instruments", None),
}
#: evaluation table -> (sheet, columns kept, what the sheet holds in English)
SUMMARY_SHEETS = {name: (sheet, cols, text(f"workbook.about.{name}")) for name, (sheet, cols) in _SHEETS.items()}


def meanings(lang: str = FALLBACK) -> dict[str, str]:
    """Column (machine name) -> its meaning in the data dictionary, in ``lang`` (the catalogue's
    ``workbook.meaning.<column>``)."""
    prefix = "workbook.meaning."
    return {key[len(prefix):]: text(key, lang) for key in catalogue(FALLBACK) if key.startswith(prefix)}


COLUMN_MEANINGS = meanings()  # in English


def _xlsx_value_frame(df: "pd.DataFrame") -> "pd.DataFrame":
    """Count columns held as text ("12", "<5") become numbers where they are numbers."""
    import pandas as pd

    out = df.copy()
    for c in out.columns:
        if out[c].dtype == object or str(out[c].dtype) in ("str", "string"):
            s = out[c].astype(object)
            num = pd.to_numeric(s, errors="coerce")
            is_int_text = s.map(lambda v: isinstance(v, str) and v.isdigit())
            if is_int_text.any():
                out[c] = [int(n) if flag else v for v, n, flag in zip(s, num, is_int_text)]
    return out


def likert_sheet(df: "pd.DataFrame") -> "pd.DataFrame":
    """Likert shares for the workbook: the proportion where it is published, else the table's
    marker ("<5 people" for a small group, "x" for one hidden so the small one cannot be worked
    out) -- the same cells the report's tables withhold."""
    out = df.copy()
    for g in ("low", "neutral", "high"):
        share, shown = f"share_{g}", f"{g}_shown"
        if share in out and shown in out:
            out[share] = [v if not _missing(v) else (None if _missing(t) or str(t) == "–" else str(t))
                          for v, t in zip(out[share].astype(object), out[shown])]
    return out


def whole_percent(df: "pd.DataFrame") -> "pd.DataFrame":
    """Shares (proportions 0-1) rounded to whole percent, as every rendering shows them: a share
    with many digits and its base would give the count away (31/37 = 0.8378378...)."""
    out = df.copy()
    for c in out.columns:
        if c in SHARE_COLUMNS:
            out[c] = [round(float(v), 2) if isinstance(v, (int, float)) and not _missing(v) else v
                      for v in out[c].astype(object)]
    return out


SHARE_COLUMNS = ("share_of_accepted", "share", "share_of_participants", "response_rate", "share_low",
                 "share_neutral", "share_high")


def summary_sheets(tables: dict[str, "pd.DataFrame"], config: "TermConfig",
                   quality: dict[str, dict] | None = None,
                   quality_hide: frozenset = frozenset()) -> dict[str, "pd.DataFrame"]:
    """The public summary workbook's sheets (machine column names; :mod:`people_workbooks` writes
    them for people): aggregated tables, data quality and a data dictionary giving each column's
    header, its field name in the tidy tables and its meaning. What a person reads (the About
    sheet, the dictionary's sheet titles, headers, meanings and descriptions) is in the term's
    language; the field names stay English in every language (they name the tidy tables' columns)."""
    import pandas as pd

    from mentoring_lib.outputs.messages import language_code

    from mentoring_lib.steps import outcome_tables
    from mentoring_lib.steps.outcome_tables import mask_unpublished_ci
    from mentoring_lib.io import people_workbooks as pw

    sheets: dict[str, pd.DataFrame] = {}
    dictionary = []
    k = config.privacy.min_count
    lang = language_code(config.term.language)
    fields = ["report", "term", "organisation", "suppression", "withheld values", "tidy tables"]
    about = pd.DataFrame({"field": [text(f"workbook.field.{f}", lang) for f in fields],
                          "value": [config.report.title, config.term.title, config.report.organisation,
                                    suppression_note((config.privacy.min_count, config.privacy.min_base), lang),
                                    text("workbook.withheld_note", lang, k=k), text("workbook.tidy_note", lang)]})
    sheets["About"] = about

    def describe(sheet: str, df: "pd.DataFrame", desc: str, meaning: dict[str, str]) -> None:
        title = pw.sheet_title(sheet, lang)
        for c in df.columns:
            dictionary.append({"sheet": title, "column": pw.header(c, lang), "name": c,
                               "meaning": meaning.get(c, c.replace("_", " ")), "table": desc})
            if any(pw.is_marker(v) for v in df[c].astype(object)):
                dictionary.append({"sheet": title, "column": pw.header(c, lang) + pw.withheld_suffix(lang),
                                   "name": "", "table": desc,
                                   "meaning": text("workbook.withheld_meaning", lang, header=pw.header(c, lang), k=k)})

    specs = {**SUMMARY_SHEETS, "effectiveness": (SUMMARY_SHEETS["effectiveness"][0],
                                                 outcome_tables.EFFECTIVENESS_COLUMNS, SUMMARY_SHEETS["effectiveness"][2])}
    specs.update(outcome_tables.SUMMARY_SHEETS)
    words = catalogue(lang)
    meaning = {**meanings(lang), **outcome_tables.COLUMN_MEANINGS}  # the outcome module's English first
    if lang != "en":  # ... and its meanings in the language (workbook.outcome_meaning.<column>)
        meaning.update({c: text(f"workbook.outcome_meaning.{c}", lang) for c in outcome_tables.COLUMN_MEANINGS
                        if f"workbook.outcome_meaning.{c}" in words})
    for name, (sheet, cols, desc) in specs.items():
        df = tables.get(name)
        if df is None or df.empty:
            continue
        df = mask_unpublished_ci(df)
        if name in ("reaction", "mentors"):
            df = likert_sheet(df)
        df = df.reindex(columns=[c for c in (cols or list(df.columns)) if c in df.columns])
        if "group" in df:
            df = df.assign(group=[v if _missing(v) else pw.group_name(v) for v in df["group"]])
        sheets[sheet] = _xlsx_value_frame(whole_percent(df))
        describe(sheet, sheets[sheet], desc if lang == "en" else words.get(f"workbook.about.{name}", desc), meaning)
    q = quality_table(quality, config.privacy.min_count, quality_hide)
    if len(q):
        sheets["Data quality"] = _xlsx_value_frame(q.astype({c: str for c in ("rows_read", "kept")}))
        describe("Data quality", sheets["Data quality"], text("workbook.about.quality", lang), meaning)
    sheets["Data dictionary"] = pd.DataFrame(dictionary, columns=["sheet", "column", "name", "meaning", "table"])
    return sheets
