"""The end-of-term report: one model, two renderings (HTML and PDF), plus the public summary workbook
(:mod:`summary_workbook`).

The report is built ONCE from the evaluation stage's tables, the term config and the run's
provenance into a :class:`Report` made of sections, key figures, tables, figures and text.
Every number in the model is already a formatted string, so :mod:`render_html` and
:mod:`render_pdf` cannot disagree about a value: they only lay out the same strings.

Privacy domain: public. The model is built from aggregated, suppressed tables only.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

from mentoring_lib import __version__
from mentoring_lib.outputs.document import (
    Block, BulletList, Figure, KeyFigure, Paragraph, Quote, Report, Section, Table, number_blocks)
from mentoring_lib.steps.data_quality import quality_table
from mentoring_lib.steps import summary_workbook
from mentoring_lib.steps.summary_workbook import suppression_note
from mentoring_lib.outputs.formatting import (
    _missing, display_table, fmt_ci, fmt_count, fmt_num, fmt_p, fmt_pct, fmt_signed, table_frame)


if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from mentoring_lib.config import TermConfig
    from mentoring_lib.pipeline.context import StageContext

# --------------------------------------------------------------------------------------
# Building the model from the evaluation tables
# --------------------------------------------------------------------------------------
_PEOPLE = re.compile(r"^<(\d+) people$")  # a share withheld: the group holds fewer than k people


def _text_blocks(tables: dict, section: str) -> list[Block]:
    """The evaluation's generated text for a section: paragraphs, and bullets grouped into lists."""
    nar = table_frame(tables, "narrative")
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
    figs = table_frame(tables, "figures")
    if figs is None:
        return []
    out: list[Block] = []
    for r in figs[figs["section"] == section].itertuples(index=False):
        path = Path(public_dir) / str(r.file)
        if not path.is_file():
            raise FileNotFoundError(f"figure '{r.id}' is missing: {path} (re-run the evaluation stage)")
        out.append(Figure(str(r.id), str(r.caption), str(r.alt), path))
    return out


def _any_count_shown(values) -> bool:
    """Whether a column of published counts shows any number (not only "<5" / "x")."""
    return any(str(v).isdigit() for v in values)


def _pct0(x):
    return fmt_pct(x, 0)


def build_report(tables: dict[str, "pd.DataFrame"], config: "TermConfig", *, public_dir: Path,
                 provenance: dict | None = None, quality: dict[str, dict] | None = None,
                 quality_hide: frozenset = frozenset()) -> Report:
    """The report model, built once from the evaluation tables, the config and the provenance.
    ``quality_hide``: data-quality cells the release audit hides (:func:`quality_table`)."""
    from mentoring_lib.steps.outcome_tables import attrition_blocks, outcome_blocks, pct_ci_cells

    from mentoring_lib.outputs.messages import language_code, language_name, text

    lang = language_code(config.term.language)
    limits = (config.privacy.min_count, config.privacy.min_base)
    note = suppression_note(limits, lang)
    sections: list[Section] = []

    def add(sid: str, blocks: list[Block]) -> None:
        sections.append(Section(sid, text(f"section.{sid}", lang), tuple(blocks)))

    # programme
    prog = config.programme
    facts = [(text("programme.term", lang),
              f"{config.term.title} ({config.term.start.isoformat()} – {config.term.end.isoformat()})"),
             (text("programme.trainings", lang), f"{prog.trainings}" + (
                 " (" + ", ".join(d.isoformat() for d in prog.training_dates) + ")" if prog.training_dates else "")),
             (text("programme.groups", lang), str(config.groups.count)),
             (text("programme.meetings_planned", lang), f"{prog.meetings_planned} ({prog.meeting_period})"),
             (text("programme.language", lang), language_name(prog.language, lang))]
    if (langs := table_frame(tables, "group_languages")) is not None:  # each group's language, as it ran
        facts.append((text("programme.group_languages", lang), "; ".join(
            text("programme.groups_in", lang, count=int(n),
                 language=", ".join(language_name(x.strip(), lang) for x in str(spoken).split(",")))
            for spoken, n in zip(langs["languages"], langs["groups"]))))
    add("programme", _text_blocks(tables, "programme") + [
        Table("t-programme", text("programme.caption", lang),
              (text("programme.item", lang), text("programme.detail", lang)), tuple(facts), (False, False))])

    def t(key: str, **values) -> str:
        return text(f"table.{key}", lang, **values)

    def rows(df: "pd.DataFrame", *columns: str) -> "pd.DataFrame":
        return df.assign(**{c: row_labels(df[c], lang) for c in columns if c in df})

    def likert(df: "pd.DataFrame") -> "pd.DataFrame":
        """The shares' "<5 people" marker (a share of fewer than 5 people) in the report's language."""
        return df.assign(**{c: [t("fewer_people", k=m.group(1)) if isinstance(v, str) and (m := _PEOPLE.match(v))
                                else v for v in df[c]] for c in ("high_shown", "neutral_shown", "low_shown") if c in df})

    # reach
    blocks: list[Block] = _text_blocks(tables, "reach")
    if (df := table_frame(tables, "reach")) is not None:
        blocks.append(display_table("t-reach", t("reach"), rows(df, "measure"),
                             [("measure", "", None), ("participants", t("reach.participants"), fmt_count),
                              ("mentors", t("reach.mentors"), fmt_count)], [note]))
    if (df := table_frame(tables, "funnel")) is not None:
        blocks.append(display_table("t-funnel", t("funnel"), rows(df, "role", "step"),
                             [("role", t("role"), None), ("step", t("step"), None), ("count", t("people"), fmt_count),
                              ("share_of_accepted", t("funnel.share"), _pct0)], [note]))
    blocks += _figures(tables, "reach", public_dir)
    add("reach", blocks)

    # implementation
    blocks = _text_blocks(tables, "implementation")
    if (df := table_frame(tables, "trainings")) is not None and _any_count_shown(df["attended"]):
        # a table with no count shown (all "x" / "<5") says nothing the text does not: left out
        blocks.append(display_table("t-trainings", t("trainings"), df,
                             [("session", t("trainings.session"), None), ("attended", t("trainings.attended"), fmt_count),
                              ("missed", t("missed"), fmt_count),
                              ("share", t("trainings.share"), _pct0)], [note]))
    if (df := table_frame(tables, "meetings")) is not None:
        blocks.append(display_table("t-meetings", t("meetings"), df,
                             [("meeting", t("meetings.meeting"), None), ("groups_met", t("meetings.groups_met"), fmt_count),
                              ("participants_attending", t("meetings.attending"), fmt_count),
                              ("participants_missing", t("missed"), fmt_count),
                              ("share_of_participants", t("meetings.share"), _pct0)], [note]))
    if (df := table_frame(tables, "groups")) is not None:
        df = df.assign(group=[v if _missing(v) else group_label(v, lang) for v in df["group"]])
        blocks.append(display_table("t-groups", t("groups"), df,
                             [("group", t("groups.group"), None), ("meetings_held", t("groups.held"), fmt_count),
                              ("meetings_planned", t("groups.planned"), fmt_count)]))
    if (df := table_frame(tables, "curriculum")) is not None:  # the fidelity log (counts of groups, not people)
        blocks.append(display_table("t-curriculum", t("curriculum"), df,
                             [("topic", t("curriculum.topic"), None),
                              ("groups_delivered", t("curriculum.delivered"), fmt_count),
                              ("groups", t("curriculum.groups"), fmt_count),
                              ("meetings", t("curriculum.meetings"), fmt_count)]))
    blocks += _figures(tables, "implementation", public_dir)
    add("implementation", blocks)

    # reaction
    blocks = _text_blocks(tables, "reaction") + _figures(tables, "reaction", public_dir)
    likert_spec = [("wording", t("likert.statement"), None), ("answered", t("likert.n"), fmt_count),
                   ("high_shown", t("likert.agree"), fmt_count), ("neutral_shown", t("likert.neutral"), fmt_count),
                   ("low_shown", t("likert.disagree"), fmt_count), ("median_label", t("likert.median"), None)]
    if (df := table_frame(tables, "reaction")) is not None:
        df = likert(df).assign(high_ci=pct_ci_cells(df, "share_high", "high_ci_low", "high_ci_high"))
        blocks.append(display_table("t-reaction", t("reaction"), df,
                             [*likert_spec, ("high_ci", t("reaction.agree_ci"), lambda x: x)],
                             [t("reaction.note", note=note)]))
    add("reaction", blocks or [Paragraph(t("reaction.none"))])

    # effectiveness
    blocks = []
    if (df := table_frame(tables, "response")) is not None:
        df = df.assign(rate_ci=pct_ci_cells(df, "response_rate", "rate_ci_low", "rate_ci_high"))
        blocks.append(display_table("t-response", t("response"), rows(df, "survey"),
                             [("survey", t("response.survey"), None), ("respondents", t("response.respondents"), fmt_count),
                              ("response_rate", t("response.rate"), _pct0), ("rate_ci", t("response.ci"), lambda x: x)],
                             [note]))
    if (df := table_frame(tables, "linkage")) is not None:
        blocks.append(display_table("t-linkage", t("linkage"), rows(df, "role", "reason"),
                             [("role", t("role"), None), ("reason", t("linkage.reason"), None),
                              ("people", t("people"), fmt_count)],
                             [note]))
    blocks += _text_blocks(tables, "effectiveness")
    blocks += outcome_blocks(tables, note, lang)
    blocks += _figures(tables, "effectiveness", public_dir)
    blocks += attrition_blocks(tables, note, lang)
    if (df := table_frame(tables, "reliability")) is not None:
        df = df.assign(when=row_labels(df["wave"], lang),
                       ci=[fmt_ci(lo, hi) for lo, hi in zip(df["ci_low"], df["ci_high"])],
                       flag=[t("reliability.small") if s else "" for s in df["small_n"]])
        blocks.append(display_table("t-reliability", t("reliability"), df,
                             [("outcome", t("reliability.scale"), None), ("when", t("reliability.when"), None),
                              ("cases", t("reliability.cases"), fmt_count), ("items", t("items"), fmt_count),
                              ("alpha", t("reliability.alpha"), fmt_num), ("ci", t("ci"), lambda x: x),
                              ("flag", t("reliability.flag"), None)],
                             [t("reliability.note", note=note)]))
    add("effectiveness", blocks or [Paragraph(t("effectiveness.none"))])

    # mentors
    blocks = _text_blocks(tables, "mentors") + _figures(tables, "mentors", public_dir)
    if (df := table_frame(tables, "mentors")) is not None:
        blocks.append(display_table("t-mentors", t("mentors"), likert(df), likert_spec, [note]))
    if (df := table_frame(tables, "mentor_effectiveness")) is not None:  # mentors' own before/after survey
        blocks.append(display_table("t-mentor-change", t("mentor_change"), df,
                             [(c, t(f"mentor_change.{k}"), f) for c, k, f in (
                                 ("outcome", "outcome", None), ("range", "range", None), ("pairs", "pairs", fmt_count),
                                 ("mean_pre", "mean_pre", fmt_num), ("mean_post", "mean_post", fmt_num),
                                 ("mean_change", "mean_change", fmt_signed), ("hedges_g", "g", fmt_num),
                                 ("t_p_holm", "holm", fmt_p))],
                             [t("mentor_change.note", note=note)]))
    add("mentors", blocks or [Paragraph(t("mentors.none"))])

    # voices
    blocks = _text_blocks(tables, "voices")
    if (df := table_frame(tables, "themes")) is not None:
        blocks.append(display_table("t-themes", t("themes"), df,
                             [("label", t("themes.theme"), None), ("comments", t("themes.comments"), fmt_count)], [note]))
    if (df := table_frame(tables, "quotes")) is not None:
        sources = df["source"] if "source" in df else [""] * len(df)
        blocks += [Quote(str(q), "" if _missing(src) else str(src)) for q, src in zip(df["quote"], sources)]
    add("voices", blocks)

    # limitations
    add("limitations", _text_blocks(tables, "limitations"))

    # methods
    blocks = []
    if (df := table_frame(tables, "methods")) is not None:
        for topic in dict.fromkeys(df["topic"]):
            texts = df.loc[df["topic"] == topic, "text"].tolist()
            blocks.append(Paragraph(f"{topic}. " + " ".join(texts)) if len(texts) == 1
                          else BulletList(tuple(f"{topic}: {line}" for line in texts)))
    if (df := table_frame(tables, "instruments")) is not None:
        inst = df.drop_duplicates("instrument")
        blocks.append(Paragraph(t("instruments.intro")))
        blocks.append(BulletList(tuple(
            t("instruments.line", name=r["instrument_name"], short=r["short_name"], citation=r["citation"],
              licence=r["licence"]) for r in inst.to_dict("records"))))
        blocks.append(display_table("t-scales", t("scales"), df,
                             [("short_name", t("scales.instrument"), None), ("scale_name", t("scales.scale"), None),
                              ("n_items", t("items"), fmt_count), ("response_range", t("scales.answers"), None),
                              ("missing_rule", t("scales.rule"), None)]))
    add("methods", blocks)

    # data quality
    q = quality_table(quality, config.privacy.min_count, quality_hide)
    if len(q):
        add("data_quality", [display_table("t-quality", t("quality"), q,
                                    [("source", t("quality.input"), None), ("rows_read", t("quality.read"), fmt_count),
                                     ("kept", t("quality.kept"), fmt_count), ("excluded", t("quality.excluded"), None)],
                                    [t("quality.note", note=note)])])
    else:
        add("data_quality", [Paragraph(t("quality.none"))])

    # provenance
    add("provenance", provenance_blocks(provenance, config))

    kf = table_frame(tables, "key_figures")
    key_figures = tuple(KeyFigure(str(r["label"]), str(r["value"]), str(r["note"] or ""), str(r.get("key") or ""))
                        for r in kf.to_dict("records")) if kf is not None else ()
    rep = config.report
    footer = t("footer", author=rep.author, organisation=rep.organisation,
               contact=f" · {rep.contact}" if rep.contact else "", version=__version__, note=note)
    return Report(title=rep.title, subtitle=rep.subtitle or text("report.subtitle", lang, term=config.term.title),
                  organisation=rep.organisation, author=rep.author, term=config.term.title,
                  period=f"{config.term.start.isoformat()} – {config.term.end.isoformat()}",
                  key_figures=key_figures, sections=number_blocks(sections, lang), footer=footer, language=lang)


def row_labels(values, lang: str) -> list:
    """Row labels of the evaluation tables in the report's language (``row.<value>`` in the
    catalogue); a value the catalogue does not list (a name from the data) is kept."""
    from mentoring_lib.outputs.messages import catalogue

    words = catalogue(lang)
    return [words.get(f"row.{v}", v) if isinstance(v, str) else v for v in values]


def group_label(group, lang: str) -> str:
    """A group as the report names it: "Group A" in English, "Ryhmä A" in Finnish."""
    from mentoring_lib.io.people_workbooks import group_name
    from mentoring_lib.outputs.messages import text

    name = group_name(group)
    return text("row.group", lang, name=name[len("Group "):]) if name.startswith("Group ") else name


def provenance_blocks(provenance: dict | None, config: "TermConfig") -> list[Block]:
    """Input hashes, config digest, code version and the report date, as text and a table."""
    from mentoring_lib.outputs.messages import language_code, text

    lang = language_code(config.term.language)

    def t(key: str, **values) -> str:
        return text(f"table.{key}", lang, **values)

    p = provenance or {}
    blocks: list[Block] = []
    code = p.get("code") or {}
    cfg = p.get("config") or {}
    items = [t("provenance.date", date=p.get("report_date", t("provenance.not_recorded"))),
             t("provenance.config", digest=str(cfg.get("digest") or config.digest())[:16]),
             t("provenance.code", version=str(code.get("package", __version__)))
             + (t("provenance.commit", commit=str(code["git_commit"])[:12])
                + (t("provenance.dirty") if code.get("git_dirty") else "") if code.get("git_commit") else "")
             + (t("provenance.code_digest", digest=str(code["digest"])[:16]) if code.get("digest") else "")]
    if p.get("run_id"):
        items.insert(0, t("provenance.run", run=p["run_id"]))
    if not provenance:
        items.append(t("provenance.no_record"))
    blocks.append(BulletList(tuple(items)))
    inputs = p.get("inputs") or {}
    if inputs:
        # Input ids from the term config only: a file name can hold a person's name ("virtanen.xlsx").
        rows = tuple((str(k), str(v.get("kind", "") or "–").replace("_", " "),
                      str(v.get("tool", "") or "–").replace("_", " "),
                      t("inputs.missing") if v.get("missing") else str(v.get("sha256", ""))[:16])
                     for k, v in sorted(inputs.items()))
        blocks.append(Table("t-inputs", t("inputs"), (t("inputs.input"), t("inputs.kind"), t("inputs.tool"),
                                                      t("inputs.sha")),
                            rows, (False, False, False, False), (t("inputs.note"),)))
    return blocks


def collect_provenance(ctx: "StageContext") -> dict:
    """Provenance for the report: what the runner handed the stage (computed once per run), else
    run.json if one is there, else computed from the inputs (a notebook run alone).

    The report date is the run's fixed date (never the wall clock).
    """
    from mentoring_lib.pipeline import provenance as prov

    if ctx.provenance:
        return with_report_date(ctx.provenance, ctx.config, ctx.source_date_epoch)
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
    return with_report_date(record, ctx.config, ctx.source_date_epoch)


def with_report_date(record: dict, config: "TermConfig", epoch: int | None = None) -> dict:
    """Add ``source_date_epoch`` (if absent: ``epoch``, else the config's) and ``report_date`` (its
    UTC date) to a provenance dict."""
    import datetime as dt

    from mentoring_lib.pipeline import provenance as prov

    record = dict(record)
    epoch = int(record.get("source_date_epoch") or epoch or prov.source_date_epoch(config))
    record["source_date_epoch"] = epoch
    record["report_date"] = dt.datetime.fromtimestamp(epoch, dt.timezone.utc).date().isoformat()
    return record


# --------------------------------------------------------------------------------------
# Stage
# --------------------------------------------------------------------------------------
from mentoring_lib.pipeline.stages import EVALUATION_TABLES  # noqa: E402 - declared in the stage catalogue


def group_languages(pairs: "pd.DataFrame") -> "pd.DataFrame":
    """Groups per language they ran in (the languages the co-mentors share, as the groups stage
    formed them): columns languages, groups; most groups first. Groups, not people: no threshold."""
    formed = pairs.dropna(subset=["group"])
    counts = formed["languages"].fillna("").astype(str).value_counts()
    out = counts.rename_axis("languages").reset_index(name="groups")
    return out.sort_values(["groups", "languages"], ascending=[False, True], kind="stable").reset_index(drop=True)


def read_evaluation(ctx: "StageContext") -> dict[str, "pd.DataFrame"]:
    """Every evaluation table that exists, and the groups' languages (from the groups stage)."""
    tables = {name: ctx.read(f"evaluation/{name}", optional=True) for name in EVALUATION_TABLES}
    tables = {name: df for name, df in tables.items() if df is not None}
    pairs = ctx.read("groups/pairs", optional=True)
    if pairs is not None:
        tables["group_languages"] = group_languages(pairs)
    return tables


def protect_release(ctx: "StageContext", tables: dict[str, "pd.DataFrame"], quality: dict[str, dict]
                    ) -> tuple[dict[str, "pd.DataFrame"], frozenset]:
    """Collect the term's published counts into one release model (:mod:`release_tables`), hide
    further cells until no suppressed count can be worked out across files, and apply that to the
    tables the public files are written from (the status, school and doctoral-year sheets of
    registration_summary.xlsx are rewritten here). The model is saved to private/release/release.json for the runner's audit."""
    from mentoring_lib.outputs.messages import language_code
    from mentoring_lib.privacy.release_protect import protect
    from mentoring_lib.steps import grouping, release_charts, release_tables
    from mentoring_lib.steps.evaluation_reach import reach_counts

    rows, people = ctx.read("registrations/rows", optional=True), ctx.read("registrations/people", optional=True)
    linkage = ctx.read("feedback/linkage", optional=True)
    members = ctx.read("groups/members", optional=True)
    sizes = None
    if members is not None and len(members) and ctx.public_file("group_sizes.xlsx").is_file():
        sizes = grouping.group_sizes(members)["participants"]
    rel = release_tables.build(tables, quality, rows, ctx.config.privacy.min_count,
                               reach_true=reach_counts(people) if people is not None else None, linkage=linkage,
                               people=people, group_sizes=sizes,
                               min_trainings=ctx.config.certificates.min_trainings)
    changed = protect(rel)
    tables, quality_hide = release_tables.apply(rel, tables)
    tables = release_charts.redraw(rel, tables, ctx.out.public, ctx.config.privacy.min_count,
                                   ctx.config.privacy.min_base, changed, lang=language_code(ctx.config.term.language))
    for name in ("registration_summary.xlsx", "group_sizes.xlsx"):
        if any(p[0] == name for c in changed if c in rel.cells for p in rel.cells[c].places):
            release_tables.write_registration_summary(rel, ctx.public_file(name), epoch=ctx.source_date_epoch,
                                                     lang=language_code(ctx.config.term.language))
    rel.save(ctx.private_file("release/release.json"))
    return tables, quality_hide


def write_outputs(ctx: "StageContext", report: Report, tables: dict[str, "pd.DataFrame"],
                  provenance: dict, quality: dict[str, dict] | None = None,
                  quality_hide: frozenset = frozenset()) -> dict[str, Path]:
    """Render the model to public/report.html (the one-page summary first), public/report.pdf and
    public/summary.pdf; write public/summary.xlsx and public/summary.json
    (:mod:`mentoring_lib.across_terms.summary`)."""
    from mentoring_lib.across_terms import summary
    from mentoring_lib.io import people_workbooks
    from mentoring_lib.outputs import summary_page
    from mentoring_lib.outputs.messages import language_code
    from mentoring_lib.outputs.render_html import write_html
    from mentoring_lib.outputs.render_pdf import write_pdf

    assert ctx.source_date_epoch is not None  # StageContext.__post_init__ sets it
    timestamp = int(provenance.get("source_date_epoch") or ctx.source_date_epoch)
    page = summary_page.build(report)
    out = {"html": write_html(report, ctx.public_file("report.html"), summary_page.html_section(page)),
           "pdf": write_pdf(report, ctx.public_file("report.pdf"), timestamp=timestamp),
           "summary_pdf": summary_page.write_pdf(page, ctx.public_file("summary.pdf"), timestamp=timestamp)}
    out["xlsx"] = people_workbooks.write(summary_workbook.summary_sheets(tables, ctx.config, quality, quality_hide),
                                         ctx.public_file("summary.xlsx"), epoch=ctx.source_date_epoch,
                                         lang=language_code(ctx.config.term.language))
    # the machine-readable summary for comparisons across terms: the same protected tables
    out["json"] = summary.write_summary(summary.build_summary(tables, ctx.config, provenance),
                                        ctx.public_file(summary.SUMMARY_FILE))
    return out


def outline(report: Report) -> "pd.DataFrame":
    """Sections with their numbers of paragraphs, tables and figures (the notebook shows it)."""
    import pandas as pd

    return pd.DataFrame([{"section": s.title,
                          "text blocks": sum(isinstance(b, (Paragraph, BulletList, Quote)) for b in s.blocks),
                          "tables": sum(isinstance(b, Table) for b in s.blocks),
                          "figures": sum(isinstance(b, Figure) for b in s.blocks)} for s in report.sections])
