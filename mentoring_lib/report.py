"""The end-of-term report: one model, two renderings (HTML and PDF), plus the public summary workbook.

The report is built ONCE from the evaluation stage's tables, the term config and the run's
provenance into a :class:`Report` made of sections, key figures, tables, figures and text.
Every number in the model is already a formatted string, so :mod:`render_html` and
:mod:`render_pdf` cannot disagree about a value: they only lay out the same strings.

Privacy domain: public. The model is built from aggregated, suppressed tables only.
"""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Union

from mentoring_lib import __version__

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from mentoring_lib.config import TermConfig
    from mentoring_lib.context import StageContext

MINUS = "\u2212"  # typographic minus: identical in HTML and PDF text


# --------------------------------------------------------------------------------------
# The model
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Paragraph:
    text: str
    kind: str = "paragraph"


@dataclass(frozen=True)
class BulletList:
    items: tuple[str, ...]
    kind: str = "bullets"


@dataclass(frozen=True)
class Quote:
    text: str
    source: str = ""
    kind: str = "quote"


@dataclass(frozen=True)
class Table:
    """A table of display strings; ``numeric[i]`` right-aligns column i."""

    id: str
    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...] = ()
    notes: tuple[str, ...] = ()
    number: int = 0
    kind: str = "table"

    @property
    def label(self) -> str:
        return f"Table {self.number}. {self.caption}" if self.number else self.caption


@dataclass(frozen=True)
class Figure:
    """A chart file (PNG or SVG) with its caption and the alt text every rendering carries."""

    id: str
    caption: str
    alt: str
    path: Path
    number: int = 0
    kind: str = "figure"

    @property
    def label(self) -> str:
        return f"Figure {self.number}. {self.caption}" if self.number else self.caption


Block = Union[Paragraph, BulletList, Quote, Table, Figure]


@dataclass(frozen=True)
class KeyFigure:
    label: str
    value: str
    note: str = ""


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Report:
    title: str
    subtitle: str
    organisation: str
    author: str
    term: str
    period: str
    key_figures: tuple[KeyFigure, ...]
    sections: tuple[Section, ...]
    footer: str = ""
    language: str = "en"

    def figures(self) -> list[Figure]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, Figure)]

    def tables(self) -> list[Table]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, Table)]

    def to_dict(self, figure_name=lambda f: str(f.path)) -> dict[str, Any]:
        """Plain data for templates (the Typst template reads this as JSON)."""
        d = asdict(self)
        for s_out, s in zip(d["sections"], self.sections):
            for b_out, b in zip(s_out["blocks"], s.blocks):
                if isinstance(b, Figure):
                    b_out["path"] = figure_name(b)
                    b_out["label"] = b.label
                elif isinstance(b, Table):
                    b_out["label"] = b.label
                    b_out["numeric"] = list(b.numeric) or [False] * len(b.columns)
        return d


def number_blocks(sections: Iterable[Section]) -> tuple[Section, ...]:
    """Number tables and figures in reading order (same numbers in both renderings)."""
    from dataclasses import replace

    t = f = 0
    out = []
    for s in sections:
        blocks = []
        for b in s.blocks:
            if isinstance(b, Table):
                t += 1
                b = replace(b, number=t)
            elif isinstance(b, Figure):
                f += 1
                b = replace(b, number=f)
            blocks.append(b)
        out.append(replace(s, blocks=tuple(blocks)))
    return tuple(out)


# --------------------------------------------------------------------------------------
# Formatting: every number becomes a string here, once
# --------------------------------------------------------------------------------------
def _missing(x: Any) -> bool:
    if x is None:
        return True
    try:
        return bool(isinstance(x, float) and math.isnan(x)) or str(x) in ("<NA>", "nan", "NaN", "None")
    except TypeError:
        return False


def fmt_count(x: Any) -> str:
    """A (possibly suppressed) count: 12 -> "12", "<5" stays "<5", missing -> "–"."""
    if _missing(x):
        return "–"
    if isinstance(x, str):
        return x.strip()  # already shown: "12", "<5", "x" or a ratio such as "1.4"
    return str(int(x))


def fmt_num(x: Any, digits: int = 2) -> str:
    """A number with fixed decimals and a typographic minus; missing -> "–"."""
    if _missing(x):
        return "–"
    if isinstance(x, str):
        return x
    v = round(float(x), digits)
    if v == 0:
        v = 0.0  # no "−0.00"
    s = f"{v:.{digits}f}"
    return s.replace("-", MINUS)


def fmt_signed(x: Any, digits: int = 2) -> str:
    s = fmt_num(x, digits)
    if s not in ("–",) and not s.startswith(MINUS) and float(s) != 0:
        s = "+" + s
    return s


def fmt_p(p: Any) -> str:
    """p-values: three decimals, "<0.001" below that."""
    if _missing(p):
        return "–"
    p = float(p)
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def fmt_pct(x: Any, digits: int = 0) -> str:
    """A proportion (0–1) as a percentage; missing (base too small) -> "–"."""
    if _missing(x):
        return "–"
    return f"{float(x) * 100:.{digits}f}%"


def fmt_ci(lo: Any, hi: Any, digits: int = 2) -> str:
    if _missing(lo) or _missing(hi):
        return "–"
    return f"[{fmt_num(lo, digits)}, {fmt_num(hi, digits)}]"


# --------------------------------------------------------------------------------------
# Building the model from the evaluation tables
# --------------------------------------------------------------------------------------
SECTION_TITLES = {
    "programme": "The programme",
    "reach": "Reach",
    "implementation": "Implementation: trainings and group meetings",
    "reaction": "Reaction: how participants experienced the groups",
    "effectiveness": "Effectiveness: self-compassion and wellbeing before and after",
    "mentors": "Mentors' experience",
    "voices": "Participants' voices",
    "limitations": "Limitations",
    "methods": "Methods",
    "data_quality": "Data quality",
    "provenance": "Provenance",
}
WAVE_LABEL = {"pre": "before", "post": "after"}


def _frame(tables: dict, name: str) -> "pd.DataFrame | None":
    df = tables.get(name)
    return df if df is not None and len(df) else None


def _text_blocks(tables: dict, section: str) -> list[Block]:
    """The evaluation's generated text for a section: paragraphs, and bullets grouped into lists."""
    nar = _frame(tables, "narrative")
    if nar is None:
        return []
    blocks: list[Block] = []
    bullets: list[str] = []
    for kind, text in zip(nar.loc[nar["section"] == section, "kind"], nar.loc[nar["section"] == section, "text"]):
        if kind == "bullet":
            bullets.append(str(text))
            continue
        if bullets:
            blocks.append(BulletList(tuple(bullets)))
            bullets = []
        blocks.append(Paragraph(str(text)))
    if bullets:
        blocks.append(BulletList(tuple(bullets)))
    return blocks


def _figures(tables: dict, section: str, public_dir: Path) -> list[Block]:
    figs = _frame(tables, "figures")
    if figs is None:
        return []
    out: list[Block] = []
    for r in figs[figs["section"] == section].itertuples(index=False):
        path = Path(public_dir) / str(r.file)
        if not path.is_file():
            raise FileNotFoundError(f"figure '{r.id}' is missing: {path} (re-run the evaluation stage)")
        out.append(Figure(str(r.id), str(r.caption), str(r.alt), path))
    return out


def _table(tid: str, caption: str, df: "pd.DataFrame", spec: list[tuple[str, str, Any]],
           notes: Iterable[str] = ()) -> Table:
    """A display table: ``spec`` = [(column, header, formatter)], formatter None = text."""
    rows = []
    for rec in df.to_dict("records"):
        rows.append(tuple((fmt(rec.get(col)) if fmt else ("–" if _missing(rec.get(col)) else str(rec.get(col))))
                          for col, _, fmt in spec))
    numeric = tuple(fmt is not None for _, _, fmt in spec)
    return Table(tid, caption, tuple(h for _, h, _ in spec), tuple(rows), numeric, tuple(notes))


def _pct0(x):
    return fmt_pct(x, 0)


def _suppression_note(limits: tuple[int, int]) -> str:
    c, b = limits
    return (f"Counts under {c} are shown as <{c}, and x marks a count hidden so that a small one cannot be "
            f"worked out; percentages and means need a base of at least {b} (– = not shown).")


def quality_table(quality: dict[str, dict] | None, min_count: int,
                  hide: "frozenset[tuple[str, str]]" = frozenset()) -> "pd.DataFrame":
    """Rows read, kept and excluded by reason per input (from private/quality/*.json).

    Excluded rows are people (late, duplicate, test submissions...), protected as a partition of
    the rows excluded: small counts "<5" and a complementary "x" where a small count would follow
    from the others. Rows read and rows kept are usually published elsewhere (16 accepted mentors
    read by the certificates step, 10 mentors answering the feedback), and either one together
    with the number excluded gives the other. So when the number excluded cannot be published
    (it is small, or hidden to protect a small reason), rows read AND rows kept are hidden ("x",
    or "<5" when small): whichever of them a reader knows from elsewhere, the excluded count
    stays unknown. A small number kept is shown "<5" and then hides rows read too.

    ``hide``: (source, field) cells the release audit hides too ("x"); field is ``rows_read``,
    ``kept`` or a reason (see :mod:`mentoring_lib.release_tables`)."""
    import pandas as pd

    rows = [{"source": r["source"], "rows_read": r["rows_read"], "kept": r["kept"],
             "excluded": ", ".join(f"{kk.replace('_', ' ')} {v}" for kk, v in r["reasons"].items()) or "none"}
            for r in quality_rows(quality, min_count, hide)]
    return pd.DataFrame(rows, columns=["source", "rows_read", "kept", "excluded"])


def quality_rows(quality: dict[str, dict] | None, min_count: int,
                 hide: "frozenset[tuple[str, str]]" = frozenset()) -> list[dict]:
    """Per input: its true counts (``true``) and what the data-quality table shows of rows read,
    kept and each reason excluded (see :func:`quality_table`)."""
    import pandas as pd

    from mentoring_lib import disclosure

    k = int(min_count)
    small = disclosure.small_label(k)

    def hidden(n: int):
        return small if 0 < n < k else disclosure.HIDDEN

    out = []
    for source, rec in sorted((quality or {}).items()):
        excluded = {kk: int(v) for kk, v in sorted((rec.get("excluded") or {}).items()) if int(v)}
        kept = int(rec.get("kept") or 0)
        rows_read = int(rec.get("rows_read") or 0)
        unaccounted = rows_read - kept - sum(excluded.values())
        if unaccounted > 0:
            excluded["other (not itemised)"] = unaccounted
        if excluded:
            shown = disclosure.suppress_counts(pd.DataFrame([list(excluded.values())], columns=list(excluded)),
                                               k, margins=True).iloc[0]
            total_shown = not disclosure.is_small(shown["Total"] if "Total" in shown.index else shown.iloc[0])
        else:
            shown, total_shown = pd.Series(dtype=object), True
        reasons = {kk: (disclosure.HIDDEN if (source, kk) in hide and not disclosure.is_small(shown[kk])
                        else shown[kk]) for kk in excluded}
        if not total_shown:
            read_shown, kept_shown = hidden(rows_read), hidden(kept)
        elif 0 < kept < k:
            read_shown, kept_shown = hidden(rows_read), small
        else:
            read_shown, kept_shown = rows_read, kept
        if (source, "rows_read") in hide and not disclosure.is_small(read_shown):
            read_shown = disclosure.HIDDEN
        if (source, "kept") in hide and not disclosure.is_small(kept_shown):
            kept_shown = disclosure.HIDDEN
        out.append({"source": source, "rows_read": read_shown, "kept": kept_shown, "reasons": reasons,
                    "true": {"rows_read": rows_read, "kept": kept, "reasons": excluded}})
    return out


def load_quality(quality_dir: Path) -> dict[str, dict]:
    """The data-quality records of the stages the report depends on, keyed by input/source id.

    Only stages upstream of the report are read: a stage that runs beside it (certificates) may or
    may not have written its record when the report starts, and public outputs must not depend on
    scheduling."""
    from mentoring_lib import stages

    out: dict[str, dict] = {}
    quality_dir = Path(quality_dir)
    for stage in stages.upstream("report"):
        f = quality_dir / f"{stage}.json"
        if f.is_file():
            for source, rec in json.loads(f.read_text(encoding="utf-8")).items():
                out[source] = rec
    return out


def build_report(tables: dict[str, "pd.DataFrame"], config: "TermConfig", *, public_dir: Path,
                 provenance: dict | None = None, quality: dict[str, dict] | None = None,
                 quality_hide: frozenset = frozenset()) -> Report:
    """The report model, built once from the evaluation tables, the config and the provenance.
    ``quality_hide``: data-quality cells the release audit hides (:func:`quality_table`)."""
    limits = (config.privacy.min_count, config.privacy.min_base)
    note = _suppression_note(limits)
    sections: list[Section] = []

    def add(sid: str, blocks: list[Block]) -> None:
        sections.append(Section(sid, SECTION_TITLES[sid], tuple(blocks)))

    # programme
    prog = config.programme
    facts = [("Term", f"{config.term.title} ({config.term.start.isoformat()} to {config.term.end.isoformat()})"),
             ("Mentor trainings", f"{prog.trainings}" + (
                 " (" + ", ".join(d.isoformat() for d in prog.training_dates) + ")" if prog.training_dates else "")),
             ("Groups", str(config.groups.count)),
             ("Meetings planned per group", f"{prog.meetings_planned} ({prog.meeting_period})"),
             ("Language", prog.language)]
    add("programme", _text_blocks(tables, "programme") + [
        Table("t-programme", "The programme at a glance", ("Item", "Detail"), tuple(facts), (False, False))])

    # reach
    blocks: list[Block] = _text_blocks(tables, "reach")
    if (df := _frame(tables, "reach")) is not None:
        blocks.append(_table("t-reach", "Places and applications", df,
                             [("measure", "", None), ("participants", "Participants", fmt_count),
                              ("mentors", "Mentors", fmt_count)], [note]))
    if (df := _frame(tables, "funnel")) is not None:
        blocks.append(_table("t-funnel", "From registration to completion", df,
                             [("role", "Role", None), ("step", "Step", None), ("count", "People", fmt_count),
                              ("share_of_accepted", "Share of accepted", _pct0)], [note]))
    blocks += _figures(tables, "reach", public_dir)
    add("reach", blocks)

    # implementation
    blocks = _text_blocks(tables, "implementation")
    if (df := _frame(tables, "trainings")) is not None:
        blocks.append(_table("t-trainings", "Mentor trainings", df,
                             [("session", "Training", None), ("attended", "Mentors attending", fmt_count),
                              ("missed", "Missed it", fmt_count),
                              ("share", "Share of accepted mentors", _pct0)], [note]))
    if (df := _frame(tables, "meetings")) is not None:
        blocks.append(_table("t-meetings", "Group meetings", df,
                             [("meeting", "Meeting", None), ("groups_met", "Groups that met", fmt_count),
                              ("participants_attending", "Participants attending", fmt_count),
                              ("participants_missing", "Missed it", fmt_count),
                              ("share_of_participants", "Share of participants", _pct0)], [note]))
    if (df := _frame(tables, "groups")) is not None:
        blocks.append(_table("t-groups", "Meetings held per group", df,
                             [("group", "Group", None), ("meetings_held", "Meetings held", fmt_count),
                              ("meetings_planned", "Planned", fmt_count)]))
    blocks += _figures(tables, "implementation", public_dir)
    add("implementation", blocks)

    # reaction
    blocks = _text_blocks(tables, "reaction") + _figures(tables, "reaction", public_dir)
    likert_spec = [("wording", "Statement", None), ("answered", "n", fmt_count),
                   ("high_shown", "Agree", fmt_count), ("neutral_shown", "Neutral", fmt_count),
                   ("low_shown", "Disagree", fmt_count), ("median_label", "Median answer", None)]
    if (df := _frame(tables, "reaction")) is not None:
        blocks.append(_table("t-reaction", "Participants' answers after the programme", df, likert_spec, [note]))
    add("reaction", blocks or [Paragraph("No reaction items were asked.")])

    # effectiveness
    blocks = []
    if (df := _frame(tables, "response")) is not None:
        blocks.append(_table("t-response", "Survey response (accepted participants)", df,
                             [("survey", "Survey", None), ("respondents", "Respondents", fmt_count),
                              ("response_rate", "Response rate", _pct0)], [note]))
    if (df := _frame(tables, "linkage")) is not None:
        blocks.append(_table("t-linkage", "Linking the before and after surveys", df,
                             [("role", "Role", None), ("reason", "Outcome", None), ("people", "People", fmt_count)],
                             [note]))
    blocks += _text_blocks(tables, "effectiveness")
    if (df := _frame(tables, "effectiveness")) is not None:
        df = df.assign(g_ci=[fmt_ci(lo, hi) for lo, hi in zip(df["g_ci_low"], df["g_ci_high"])])
        blocks.append(_table("t-change", "Scores before and after (participants who answered both surveys)", df,
                             [("outcome", "Outcome", None), ("range", "Range", None), ("pairs", "Pairs", fmt_count),
                              ("mean_pre", "Mean before", fmt_num), ("mean_post", "Mean after", fmt_num),
                              ("mean_change", "Mean change", fmt_signed),
                              ("median_change", "Median change", fmt_signed)],
                             ["Change = after − before. " + note]))
        blocks.append(_table("t-tests", "Paired tests and effect sizes", df,
                             [("outcome", "Outcome", None), ("wilcoxon_p", "Wilcoxon p", fmt_p),
                              ("rank_biserial", "Rank-biserial r", fmt_num), ("t_p", "Paired t p", fmt_p),
                              ("hedges_g", "Hedges' g", fmt_num), ("g_ci", "g 95% CI", lambda x: x),
                              ("t_p_holm", "Holm p (t)", fmt_p), ("wilcoxon_p_holm", "Holm p (Wilcoxon)", fmt_p)],
                             ["Two-sided tests; Holm adjustment across the outcomes tested. See Methods for "
                              "the conventions."]))
    blocks += _figures(tables, "effectiveness", public_dir)
    if (df := _frame(tables, "reliability")) is not None:
        df = df.assign(when=df["wave"].map(WAVE_LABEL).fillna(df["wave"]),
                       ci=[fmt_ci(lo, hi) for lo, hi in zip(df["ci_low"], df["ci_high"])],
                       flag=["n < 30" if s else "" for s in df["small_n"]])
        blocks.append(_table("t-reliability", "Internal consistency (Cronbach's alpha)", df,
                             [("outcome", "Scale", None), ("when", "Survey", None), ("cases", "Complete answers", fmt_count),
                              ("items", "Items", fmt_count), ("alpha", "Alpha", fmt_num), ("ci", "95% CI", lambda x: x),
                              ("flag", "Flag", None)],
                             ["Estimates from fewer than 30 complete answers are imprecise (flagged). " + note]))
    add("effectiveness", blocks or [Paragraph("No outcome scores were available.")])

    # mentors
    blocks = _text_blocks(tables, "mentors") + _figures(tables, "mentors", public_dir)
    if (df := _frame(tables, "mentors")) is not None:
        blocks.append(_table("t-mentors", "Mentors' answers at the end of term", df, likert_spec, [note]))
    add("mentors", blocks or [Paragraph("No mentor feedback was collected.")])

    # voices
    blocks = _text_blocks(tables, "voices")
    if (df := _frame(tables, "themes")) is not None:
        blocks.append(_table("t-themes", "Themes in the open comments", df,
                             [("label", "Theme", None), ("comments", "Comments", fmt_count)], [note]))
    if (df := _frame(tables, "quotes")) is not None:
        sources = df["source"] if "source" in df else [""] * len(df)
        blocks += [Quote(str(q), "" if _missing(src) else str(src)) for q, src in zip(df["quote"], sources)]
    add("voices", blocks)

    # limitations
    add("limitations", _text_blocks(tables, "limitations"))

    # methods
    blocks = []
    if (df := _frame(tables, "methods")) is not None:
        for topic in dict.fromkeys(df["topic"]):
            texts = df.loc[df["topic"] == topic, "text"].tolist()
            blocks.append(Paragraph(f"{topic}. " + " ".join(texts)) if len(texts) == 1
                          else BulletList(tuple(f"{topic}: {t}" for t in texts)))
    if (df := _frame(tables, "instruments")) is not None:
        inst = df.drop_duplicates("instrument")
        blocks.append(Paragraph("Instruments, their scoring and their licences:"))
        blocks.append(BulletList(tuple(
            f"{r['instrument_name']} ({r['short_name']}). {r['citation']} Licence: {r['licence']}"
            for r in inst.to_dict("records"))))
        blocks.append(_table("t-scales", "Scales and missing-item rules", df,
                             [("short_name", "Instrument", None), ("scale_name", "Scale", None),
                              ("n_items", "Items", fmt_count), ("response_range", "Answers", None),
                              ("missing_rule", "Missing-item rule", None)]))
    add("methods", blocks)

    # data quality
    q = quality_table(quality, config.privacy.min_count, quality_hide)
    if len(q):
        add("data_quality", [_table("t-quality", "Rows read, kept and excluded, per input and step", q,
                                    [("source", "Input", None), ("rows_read", "Rows read", fmt_count),
                                     ("kept", "Kept", fmt_count), ("excluded", "Excluded (by reason)", None)],
                                    ["Rows read from each export (and people passed on by each step), rows "
                                     "kept and rows excluded, by reason. Nothing was edited by hand. Rows read and kept "
                                     "are also counted elsewhere in this report, so both are hidden (x) where the "
                                     "number excluded is small. " + note])])
    else:
        add("data_quality", [Paragraph("No data-quality records were found for this run.")])

    # provenance
    add("provenance", provenance_blocks(provenance, config))

    kf = _frame(tables, "key_figures")
    key_figures = tuple(KeyFigure(str(r["label"]), str(r["value"]), str(r["note"] or ""))
                        for r in kf.to_dict("records")) if kf is not None else ()
    rep = config.report
    footer = (f"{rep.author}, {rep.organisation}" + (f" · {rep.contact}" if rep.contact else "")
              + f" · Produced by the mentoring workbook {__version__}. " + note)
    return Report(title=rep.title, subtitle=rep.subtitle or f"End-of-term report, {config.term.title}",
                  organisation=rep.organisation, author=rep.author, term=config.term.title,
                  period=f"{config.term.start.isoformat()} – {config.term.end.isoformat()}",
                  key_figures=key_figures, sections=number_blocks(sections), footer=footer)


def provenance_blocks(provenance: dict | None, config: "TermConfig") -> list[Block]:
    """Input hashes, config digest, code version and the report date, as text and a table."""
    p = provenance or {}
    blocks: list[Block] = []
    code = p.get("code") or {}
    cfg = p.get("config") or {}
    items = [f"Report date: {p.get('report_date', 'not recorded')} (a fixed date, not the day of the run, "
             "so that running the workbook again on the same inputs gives identical files)",
             f"Term configuration: digest {str(cfg.get('digest') or config.digest())[:16]}",
             "Code: mentoring workbook " + str(code.get("package", __version__))
             + (f", commit {str(code['git_commit'])[:12]}" + (" (with local changes)" if code.get("git_dirty") else "")
                if code.get("git_commit") else "")
             + (f", code digest {str(code['digest'])[:16]}" if code.get("digest") else "")]
    if p.get("run_id"):
        items.insert(0, f"Run: {p['run_id']}")
    if not provenance:
        items.append("No run record (run.json) was available; figures above were computed from the inputs listed.")
    blocks.append(BulletList(tuple(items)))
    inputs = p.get("inputs") or {}
    if inputs:
        # Input ids from the term config only: a file name can hold a person's name ("virtanen.xlsx").
        rows = tuple((str(k), str(v.get("kind", "") or "–").replace("_", " "),
                      str(v.get("tool", "") or "–").replace("_", " "),
                      "missing" if v.get("missing") else str(v.get("sha256", ""))[:16])
                     for k, v in sorted(inputs.items()))
        blocks.append(Table("t-inputs", "Input files", ("Input", "Kind", "Exported by", "SHA-256 (first 16 hex digits)"),
                            rows, (False, False, False, False),
                            ("Inputs are named by their id in the term configuration, not by file name. The "
                             "SHA-256 hash identifies the exact file read: a changed export gives a different "
                             "hash. The files themselves hold personal data and are not published.",)))
    return blocks


def collect_provenance(ctx: "StageContext") -> dict:
    """Provenance for the report: run.json if the runner left one, else computed from the inputs.

    The report date is the deterministic SOURCE_DATE_EPOCH date (never the wall clock).
    """
    from mentoring_lib import provenance as prov

    record: dict = {}
    for candidate in (ctx.out.root / "run.json",):
        if candidate.is_file():
            try:
                record = json.loads(candidate.read_text(encoding="utf-8"))
            except ValueError:
                record = {}
            break
    if not record.get("inputs"):
        record["inputs"] = prov.input_fingerprints(ctx.config)
    record.setdefault("config", {"file": str(ctx.config.source or ""), "digest": ctx.config.digest()})
    if not record.get("code"):
        record["code"] = {**prov.code_version(), "digest": prov.code_digest()}
    return with_report_date(record, ctx.config)


def with_report_date(record: dict, config: "TermConfig") -> dict:
    """Add ``source_date_epoch`` (if absent) and ``report_date`` (its UTC date) to a provenance dict."""
    import datetime as dt

    from mentoring_lib import provenance as prov

    record = dict(record)
    epoch = int(record.get("source_date_epoch") or prov.source_date_epoch(config))
    record["source_date_epoch"] = epoch
    record["report_date"] = dt.datetime.fromtimestamp(epoch, dt.timezone.utc).date().isoformat()
    return record


# --------------------------------------------------------------------------------------
# Public summary workbook
# --------------------------------------------------------------------------------------
SUMMARY_SHEETS = {
    # evaluation table -> (sheet, columns kept, description)
    "reach": ("Reach", None, "Places and applications per role; outcome of every application."),
    "funnel": ("Funnel", ["role", "step", "count", "share_of_accepted"],
               "People at each step from registration to completion."),
    "trainings": ("Trainings", None, "Mentors attending each training and the share of accepted mentors."),
    "meetings": ("Meetings", None, "Groups that met and participants attending, per meeting."),
    "groups": ("Groups", None, "Meetings held per group against the plan."),
    "response": ("Survey response", ["survey", "respondents", "response_rate"],
                 "Survey respondents among accepted participants."),
    "linkage": ("Linkage", None, "People per role by before/after linkage outcome."),
    "reaction": ("Reaction", ["item", "wording", "answered", "share_low", "share_neutral",
                              "share_high", "median", "median_label"], "Participants' reaction items."),
    "effectiveness": ("Effectiveness", ["instrument", "scale", "outcome", "range", "pairs", "mean_pre",
                                        "mean_post", "mean_change", "sd_change", "median_change", "wilcoxon_p",
                                        "rank_biserial", "t", "df", "t_p", "hedges_g", "g_ci_low", "g_ci_high",
                                        "t_p_holm", "wilcoxon_p_holm"],
                      "Paired before/after change per scale with tests and effect sizes."),
    "reliability": ("Reliability", ["instrument", "scale", "outcome", "wave", "cases", "items", "alpha",
                                    "ci_low", "ci_high", "small_n"], "Cronbach's alpha per scale and wave."),
    "mentors": ("Mentors", ["item", "wording", "answered", "share_low", "share_neutral",
                            "share_high", "median", "median_label"], "Mentors' end-of-term items."),
    "themes": ("Themes", ["theme", "label", "comments"], "Open comments per theme (keyword codebook)."),
    "instruments": ("Instruments", None, "Instruments, scales, missing-item rules, citations and licences."),
}

COLUMN_MEANINGS = {
    "role": "mentor or participant", "step": "funnel step (see Methods)", "count": "number of people (<k = suppressed)",
    "share_of_accepted": "proportion of the accepted (0–1)", "measure": "what the row counts",
    "mentors": "mentors (count; <k = suppressed)", "participants": "participants (count; <k = suppressed)",
    "session": "training", "attended": "people attending (count)", "share": "proportion (0–1)",
    "missed": "accepted mentors missing the training (count)",
    "participants_missing": "participants placed in groups missing the meeting (count)",
    "meeting": "group meeting", "groups_met": "groups with at least one attendee",
    "participants_attending": "participants attending (count)", "share_of_participants": "proportion of participants (0–1)",
    "group": "group", "meetings_held": "meetings with at least one attendee", "meetings_planned": "meetings planned",
    "below_plan": "met fewer times than planned", "survey": "survey", "respondents": "respondents (count)",
    "response_rate": "proportion of accepted participants (0–1)", "item": "item id in the codebook",
    "wording": "item wording", "answered": "respondents answering (count)", "missing": "missing answers (count)",
    "share_low": "proportion below the neutral midpoint (<k people = a small group; x = hidden so it cannot be worked out)",
    "share_neutral": "proportion at the midpoint (<k people / x as for share_low)",
    "share_high": "proportion above the midpoint (<k people / x as for share_low)", "median": "median answer (numeric)",
    "median_label": "median answer (label)", "instrument": "instrument id", "scale": "scale id",
    "outcome": "instrument and scale", "range": "possible score range", "pairs": "complete before/after pairs",
    "mean_pre": "mean before", "mean_post": "mean after", "mean_change": "mean of after − before",
    "sd_change": "SD of after − before", "median_change": "median of after − before",
    "wilcoxon_p": "Wilcoxon signed-rank p (two-sided)", "rank_biserial": "matched-pairs rank-biserial r",
    "t": "paired t statistic", "df": "degrees of freedom", "t_p": "paired t-test p (two-sided)",
    "hedges_g": "Hedges' g_av", "g_ci_low": "g 95% CI lower", "g_ci_high": "g 95% CI upper",
    "t_p_holm": "Holm-adjusted t-test p", "wilcoxon_p_holm": "Holm-adjusted Wilcoxon p", "wave": "pre or post",
    "cases": "complete answers (count)", "items": "number of items", "alpha": "Cronbach's alpha",
    "ci_low": "alpha 95% CI lower", "ci_high": "alpha 95% CI upper", "small_n": "fewer than 30 complete answers",
    "theme": "theme id", "reason": "linkage outcome", "people": "people (count)", "label": "theme", "comments": "comments mentioning the theme (count)",
    "instrument_name": "instrument", "short_name": "abbreviation", "scale_name": "scale", "rule": "scoring rule",
    "n_items": "items in the scale", "response_range": "answer values", "missing_rule": "missing-item rule",
    "citation": "citation", "licence": "licence line",
}


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
    """The public summary workbook's sheets: aggregated tables, data quality and a data dictionary."""
    import pandas as pd

    sheets: dict[str, pd.DataFrame] = {}
    dictionary = []
    about = pd.DataFrame({"field": ["report", "term", "organisation", "suppression"],
                          "value": [config.report.title, config.term.title, config.report.organisation,
                                    _suppression_note((config.privacy.min_count, config.privacy.min_base))]})
    sheets["About"] = about
    for name, (sheet, cols, desc) in SUMMARY_SHEETS.items():
        df = tables.get(name)
        if df is None or df.empty:
            continue
        if name in ("reaction", "mentors"):
            df = likert_sheet(df)
        df = df.reindex(columns=[c for c in (cols or list(df.columns)) if c in df.columns])
        sheets[sheet] = _xlsx_value_frame(whole_percent(df))
        for c in df.columns:
            dictionary.append({"sheet": sheet, "column": c, "meaning": COLUMN_MEANINGS.get(c, c.replace("_", " ")),
                               "table": desc})
    q = quality_table(quality, config.privacy.min_count, quality_hide)
    if len(q):
        sheets["Data quality"] = _xlsx_value_frame(q.astype({c: str for c in ("rows_read", "kept")}))
        dictionary += [{"sheet": "Data quality", "column": c, "meaning": m,
                        "table": "Rows read, kept and excluded by reason, per input (small counts suppressed)."}
                       for c, m in (("source", "input id in the term config"), ("rows_read", "rows read"),
                                    ("kept", "rows kept"), ("excluded", "rows excluded, by reason"))]
    sheets["Data dictionary"] = pd.DataFrame(dictionary, columns=["sheet", "column", "meaning", "table"])
    return sheets


# --------------------------------------------------------------------------------------
# Stage
# --------------------------------------------------------------------------------------
EVALUATION_TABLES = ("key_figures", "narrative", "methods", "figures", "reach", "funnel", "trainings", "meetings",
                     "groups", "response", "linkage", "reaction", "effectiveness", "reliability", "mentors", "themes",
                     "quotes", "instruments", "attendance_curve")


def read_evaluation(ctx: "StageContext") -> dict[str, "pd.DataFrame"]:
    """Every evaluation table that exists."""
    return {name: ctx.read_table(name, stage="evaluation") for name in EVALUATION_TABLES
            if ctx.table_path(name, "evaluation").exists()}


def run_stage(ctx: "StageContext", provenance: dict | None = None) -> None:
    """Build the report model once; write report.html, report.pdf and summary.xlsx to public/."""
    tables = read_evaluation(ctx)
    prov = with_report_date(provenance, ctx.config) if provenance is not None else collect_provenance(ctx)
    quality = load_quality(ctx.out.quality)
    tables, quality_hide = protect_release(ctx, tables, quality)
    report = build_report(tables, ctx.config, public_dir=ctx.out.public, provenance=prov, quality=quality,
                          quality_hide=quality_hide)
    write_outputs(ctx, report, tables, prov, quality, quality_hide)


def protect_release(ctx: "StageContext", tables: dict[str, "pd.DataFrame"], quality: dict[str, dict]
                    ) -> tuple[dict[str, "pd.DataFrame"], frozenset]:
    """Collect the term's published counts into one release model (:mod:`release_tables`), hide
    further cells until no suppressed count can be worked out across files, and apply that to the
    tables the public files are written from (the status, school and doctoral-year sheets of
    registration_summary.xlsx are rewritten here). The model is saved to private/release/release.json for the runner's audit."""
    from mentoring_lib import release, release_tables

    from mentoring_lib.evaluation import reach_counts

    def table(name: str):
        return ctx.read_table(name, stage="registrations") if ctx.table_path(name, "registrations").exists() else None

    rows, people = table("rows"), table("people")
    linkage = ctx.read_table("linkage", stage="feedback") if ctx.table_path("linkage", "feedback").exists() else None
    rel = release_tables.build(tables, quality, rows, ctx.config.privacy.min_count,
                               reach_true=reach_counts(people) if people is not None else None, linkage=linkage,
                               people=people)
    release.protect(rel)
    tables, quality_hide = release_tables.apply(rel, tables)
    release_tables.write_registration_summary(rel, ctx.public_file("registration_summary.xlsx"))
    rel.save(ctx.private_file("release/release.json"))
    return tables, quality_hide


def write_outputs(ctx: "StageContext", report: Report, tables: dict[str, "pd.DataFrame"],
                  provenance: dict, quality: dict[str, dict] | None = None,
                  quality_hide: frozenset = frozenset()) -> dict[str, Path]:
    """Render the model to public/report.html and public/report.pdf; write public/summary.xlsx."""
    from mentoring_lib import spreadsheets
    from mentoring_lib.render_html import write_html
    from mentoring_lib.render_pdf import write_pdf

    out = {"html": write_html(report, ctx.public_file("report.html")),
           "pdf": write_pdf(report, ctx.public_file("report.pdf"),
                            timestamp=int(provenance.get("source_date_epoch") or 946684800))}
    out["xlsx"] = spreadsheets.write_xlsx(summary_sheets(tables, ctx.config, quality, quality_hide),
                                          ctx.public_file("summary.xlsx"))
    return out


def outline(report: Report) -> "pd.DataFrame":
    """Sections with their numbers of paragraphs, tables and figures (the notebook shows it)."""
    import pandas as pd

    return pd.DataFrame([{"section": s.title,
                          "text blocks": sum(isinstance(b, (Paragraph, BulletList, Quote)) for b in s.blocks),
                          "tables": sum(isinstance(b, Table) for b in s.blocks),
                          "figures": sum(isinstance(b, Figure) for b in s.blocks)} for s in report.sections])
