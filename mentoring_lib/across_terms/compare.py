"""``mentoring compare``: terms and universities side by side, from their public summaries only.

Reads nothing but ``public/summary.json`` files (:mod:`mentoring_lib.across_terms.summary`; validated against the
packaged schema), so it never touches personal data: one university's autumn and spring, or the
summaries of several universities sent by e-mail or put in a shared folder (the consortium view).

The comparison report (HTML and PDF through the term report's renderers) shows the reach,
implementation, reaction and outcome figures side by side with trend charts, notes where the
instruments (a scale's scoring fingerprint) or the rules (disclosure thresholds, certificate rule,
the plan) changed between terms, and, over two or more summaries:

* **pooled counts**: the sum over the summaries of a count every one of them publishes. A count
  suppressed ("<k") or hidden ("x") in any summary leaves the pooled count unpublished, since the
  pooled total minus the others would give it away; the pooled release is audited with the
  integer model of :mod:`mentoring_lib.privacy.release` (exit 4 if a suppressed count could be worked out);
* **pooled effects** per scale by inverse-variance meta-analysis (:mod:`mentoring_lib.analysis.meta_analysis`):
  the standardised mean change (fixed effect and DerSimonian–Laird random effects, I²) and, across
  summaries that score the scale the same way, the mean change in scale points.

Before anything is written in place, the output folder's files pass the personal-data gate
(phone numbers, identity codes and e-mail addresses; the summaries name no one).
"""
from __future__ import annotations

import json
import math
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from mentoring_lib.analysis import meta_analysis
from mentoring_lib.across_terms import summary
from mentoring_lib.errors import InputError, PrivacyGateError
from mentoring_lib.outputs.document import (Block, BulletList, Figure, KeyFigure, Paragraph, Report, Section, Table,
                                           number_blocks)
from mentoring_lib.outputs.formatting import fmt_ci, fmt_num, fmt_signed

COMPARISON_FILE = "comparison.json"
#: Counts pooled across summaries (ids of summary.json's reach and implementation figures).
POOLED_COUNTS = ("applications/participant", "accepted/participant", "waitlisted/participant", "withdrew/participant",
                 "active/participant", "completed/participant", "applications/mentor", "accepted/mentor",
                 "waitlisted/mentor", "withdrew/mentor", "respondents/before", "respondents/after",
                 "respondents/both", "groups_met")
#: Trend charts: (figure id, title, kind) one line per university across the terms.
TRENDS = (("reach", "applications/participant", "Participant applications", "count"),
          ("reach", "completed/participant/share", "Participants completing (share of accepted)", "share"),
          ("implementation", "attendance/mean_share", "Planned meetings attended (participants, on average)",
           "share"),
          ("reaction", "reaction/react_would_recommend/agree", "Would recommend the groups", "share"))


@dataclass(frozen=True)
class Term:
    """One term's summary."""

    data: dict

    @property
    def key(self) -> str:
        return f"{self.university}/{self.data['term']['id']}"

    @property
    def university(self) -> str:
        return self.data["university"]["id"]

    @property
    def label(self) -> str:
        return f"{self.data['term']['title']} · {self.data['university']['name']}"

    @property
    def min_count(self) -> int:
        return int(self.data["rules"]["min_count"])

    def figures(self) -> dict[str, dict]:
        return {e["id"]: e for s in ("reach", "implementation", "reaction") for e in self.data["figures"][s]}

    def outcomes(self) -> dict[str, dict]:
        return {o["id"]: o for o in self.data["figures"]["outcomes"]}


# -- finding and reading the summaries ----------------------------------------------------------------

def summaries_in(config_dir: str | Path) -> list[Path]:
    """The published summaries of the terms configured in ``config_dir`` (``*.yml``); a config
    that is not a term config, or a term with no published summary yet, is left out; configs of the
    same term (a copy in another report language) give its summary once."""
    from mentoring_lib.config import load_config
    from mentoring_lib.errors import ConfigError

    folder = Path(config_dir)
    if not folder.is_dir():
        raise InputError("folder not found", file=folder, hint="give the folder holding the terms' configs")
    found: list[Path] = []
    for path in sorted([*folder.glob("*.yml"), *folder.glob("*.yaml")]):
        try:
            cfg = load_config(path)
        except ConfigError:
            continue
        candidate = cfg.term_dir / "public" / summary.SUMMARY_FILE
        # several configs of one term (e.g. config/local-demo-fi.yml beside demo.yml) publish one summary
        if candidate.is_file() and candidate.resolve() not in {f.resolve() for f in found}:
            found.append(candidate)
    if not found:
        raise InputError("no term configured here has a published public/summary.json", file=folder,
                         hint="run the terms first (mentoring run --config FILE), or give the summaries with --terms")
    return found


def load_terms(paths: Iterable[str | Path]) -> list[Term]:
    """Validated summaries in time order (start date, then university); the same term twice is an error."""
    terms = [Term(summary.load(p)) for p in paths]
    seen: dict[str, int] = {}
    for t in terms:
        seen[t.key] = seen.get(t.key, 0) + 1
    twice = sorted(k for k, n in seen.items() if n > 1)
    if twice:
        raise InputError(f"the same term is given more than once: {', '.join(twice)}",
                         hint="give each term's summary once")
    if not terms:
        raise InputError("no summaries given", hint="give at least one public/summary.json")
    return sorted(terms, key=lambda t: (t.data["term"]["start"], t.university, t.data["term"]["id"]))


# -- display ---------------------------------------------------------------------------------------

def shown(fig: dict | None, kind: str = "count", k: int = 5) -> str:
    """A summary figure as the report shows it: 12, 82%, <5, x, – (not shown or not asked)."""
    if fig is None:
        return "–"
    status = fig["status"]
    if status == summary.SUPPRESSED:
        return f"<{k}"
    if status == summary.HIDDEN:
        return "x"
    if status != summary.PUBLISHED:
        return "–"
    if kind == "share":
        return f"{round(fig['value'] * 100)}%"
    return str(int(fig["value"]))


def _value(fig: dict | None) -> float | None:
    return fig["value"] if fig is not None and fig["status"] == summary.PUBLISHED else None


def first_seen(terms: list[Term], section: str) -> dict[str, dict]:
    """Figure id -> its first entry, over the terms' ``section`` in order (union of the ids)."""
    order: dict[str, dict] = {}
    for t in terms:
        for e in t.data["figures"][section]:
            order.setdefault(e["id"], e)
    return order


def side_by_side(terms: list[Term], section: str) -> Table:
    """One row per figure of ``section``, one column per term."""
    order = first_seen(terms, section)
    rows = tuple((first["label"], *(shown(t.figures().get(fid), first["kind"], t.min_count) for t in terms))
                 for fid, first in order.items())
    return Table(f"t-{section}", f"{section.capitalize()}, term by term", ("Figure", *(t.label for t in terms)),
                 rows, (False, *([True] * len(terms))),
                 ("<k: a count under the term's minimum count; x: hidden so that a small count cannot be "
                  "worked out; –: not shown (base too small) or not asked.",))


def outcomes_table(terms: list[Term]) -> Table:
    order = first_seen(terms, "outcomes")
    rows = []
    for oid, first in order.items():
        cells = []
        for t in terms:
            o = t.outcomes().get(oid)
            if o is None or _value(o["mean_change"]) is None:
                cells.append("–")
                continue
            cells.append(f"{fmt_signed(o['mean_change']['value'])} (SD {fmt_num(_value(o['sd_change']))}, "
                         f"n {shown(o['pairs'], 'count', t.min_count)}); g {fmt_num(_value(o['hedges_g']))}")
        rows.append((first["label"], *cells))
    return Table("t-outcomes", "Mean change after − before (SD of the change, pairs); Hedges' g",
                 ("Scale", *(t.label for t in terms)), tuple(rows), (False, *([True] * len(terms))),
                 ("Participants who answered both surveys of their term.",))


# -- what changed between terms ---------------------------------------------------------------------

RULE_NAMES = {"min_count": "smallest count shown", "min_base": "smallest base for a percentage or mean",
              "trainings_planned": "trainings planned", "meetings_planned": "meetings planned per group",
              "groups_planned": "groups planned"}


def _rule_changes(a: dict, b: dict) -> list[str]:
    out = []
    for key, name in RULE_NAMES.items():
        if a.get(key) != b.get(key):
            out.append(f"{name} {a.get(key, '–')} → {b.get(key, '–')}")
    ca, cb = a["certificate"], b["certificate"]
    if ca != cb:
        out.append(f"certificate rule: at least {ca['min_trainings']} trainings and {ca['min_meetings']} meetings → "
                   f"{cb['min_trainings']} and {cb['min_meetings']}")
    return out


def _instrument_changes(a: dict, b: dict) -> list[str]:
    out = []
    changed = sorted(s for s in set(a) & set(b) if a[s] != b[s])
    if changed:
        out.append("scored differently: " + ", ".join(changed))
    if set(b) - set(a):
        out.append("added: " + ", ".join(sorted(set(b) - set(a))))
    if set(a) - set(b):
        out.append("dropped: " + ", ".join(sorted(set(a) - set(b))))
    return out


def change_notes(terms: list[Term]) -> list[str]:
    """Where the instruments or rules differ: between consecutive terms of one university, and
    between universities (each against the first summary of the comparison)."""
    notes = []
    pairs = []
    by_uni: dict[str, list[Term]] = {}
    for t in terms:
        by_uni.setdefault(t.university, []).append(t)
    for ts in by_uni.values():
        pairs += list(zip(ts, ts[1:]))
    firsts = [ts[0] for ts in by_uni.values()]
    pairs += [(firsts[0], other) for other in firsts[1:]]
    for a, b in pairs:
        rules = _rule_changes(a.data["rules"], b.data["rules"])
        scales = _instrument_changes(a.data["instruments"], b.data["instruments"])
        if rules:
            notes.append(f"Rules, {a.label} → {b.label}: " + "; ".join(rules) + ".")
        if scales:
            notes.append(f"Instruments, {a.label} → {b.label}: " + "; ".join(scales) + ".")
    return notes


# -- pooling ----------------------------------------------------------------------------------------

def pooled_counts(terms: list[Term], ids: Iterable[str] = POOLED_COUNTS) -> dict[str, dict]:
    """Per count id every summary has: the sum when every summary publishes it, else unpublished
    (status "hidden": the pooled total minus the others would give a suppressed count away).
    The pooled release is audited (:func:`audit_pooled`) before it is used."""
    out = {}
    for fid in ids:
        figs = [f for t in terms if (f := t.figures().get(fid)) is not None]
        if len(figs) < len(terms):
            continue
        label = figs[0]["label"]
        if all(f["status"] == summary.PUBLISHED for f in figs):
            out[fid] = {"label": label, "value": int(sum(f["value"] for f in figs)), "status": summary.PUBLISHED}
        else:
            out[fid] = {"label": label, "value": None, "status": summary.HIDDEN}
    return out


def pooled_release(terms: list[Term], pooled: dict[str, dict]):
    """The pooled release as a :class:`release.Release`: each summary's cell as it shows it and the
    pooled cell = the sum of the summaries' cells. A summary's suppressed value is unknown here; it
    is modelled at the value that makes it easiest to pin (1 for "<k", 0 for "x"), so the audit's
    ranges are the reader's."""
    from mentoring_lib.privacy.release import UNPUBLISHED, Release

    k = max(t.min_count for t in terms)
    rel = Release(k)
    for fid, p in pooled.items():
        parts = []
        for i, t in enumerate(terms):
            f = t.figures()[fid]
            stand_in = {summary.PUBLISHED: f["value"], summary.SUPPRESSED: 1}.get(f["status"], 0)
            display = {summary.PUBLISHED: f["value"], summary.SUPPRESSED: f"<{k}", summary.HIDDEN: "x"}.get(
                f["status"], UNPUBLISHED)
            parts.append(rel.count(f"{fid}/{i}", int(stand_in), display))
        total = sum(rel.cells[c].value for c in parts)
        rel.count(f"{fid}/pooled", total, p["value"] if p["status"] == summary.PUBLISHED else UNPUBLISHED)
        rel.total(f"{fid}/pooled", parts, f"pooled {fid} = sum over the summaries")
    return rel


def audit_pooled(terms: list[Term], pooled: dict[str, dict]) -> None:
    """DisclosureAuditError (exit 4) if a suppressed count of a summary can be worked out from the pooled release."""
    from mentoring_lib.privacy import release

    release.check(pooled_release(terms, pooled), where="comparison (pooled counts)")


def pooled_effects(terms: list[Term]) -> list[dict]:
    """Per scale published by two or more summaries (pairs, mean change and SD shown, SD > 0):
    the standardised mean change pooled (fixed, DerSimonian–Laird random, I²) and, when every one
    scores the scale the same way, the mean change in scale points."""
    order = first_seen(terms, "outcomes")
    out = []
    for oid, first in order.items():
        usable = []
        for t in terms:
            o = t.outcomes().get(oid)
            if o is None:
                continue
            n, m, sd = _value(o["pairs"]), _value(o["mean_change"]), _value(o["sd_change"])
            if n is not None and m is not None and sd is not None and sd > 0 and n >= 3:
                usable.append((t, int(n), float(m), float(sd)))
        if len(usable) < 2:
            continue
        g = [meta_analysis.standardised_change(m, sd, n) for _, n, m, sd in usable]
        pooled_g = meta_analysis.pool([e for e, _ in g], [v for _, v in g])
        same_scoring = len({t.data["instruments"].get(oid) for t, *_ in usable}) == 1
        raw = None
        if same_scoring:
            r = [meta_analysis.raw_change(m, sd, n) for _, n, m, sd in usable]
            raw = meta_analysis.pool([e for e, _ in r], [v for _, v in r])
        out.append({"id": oid, "label": first["label"], "primary": bool(first.get("primary", False)),
                    "k": len(usable), "pairs": sum(n for _, n, _, _ in usable), "terms": [t.key for t, *_ in usable],
                    "same_scoring": same_scoring, "g": pooled_g, "change": raw})
    return out


def pooled_table(pooled: dict[str, dict], k: int) -> Table:
    rows = tuple((p["label"], shown(p, "count", k)) for p in pooled.values())
    return Table("t-pooled-counts", "Pooled counts (sum over the summaries)", ("Figure", "All summaries"), rows,
                 (False, True), ("x: a count some summary does not publish (the pooled total minus the others would "
                                 "give it away). People who took part in more than one term count once per term.",))


def effects_table(effects: list[dict]) -> Table:
    rows = []
    for e in effects:
        g = e["g"]
        ch = e["change"]
        rows.append((e["label"], str(e["k"]), str(e["pairs"]),
                     f"{fmt_num(g.fixed)} {fmt_ci(*g.ci('fixed'))}", f"{fmt_num(g.random)} {fmt_ci(*g.ci('random'))}",
                     f"{round(g.i2 * 100)}%",
                     f"{fmt_signed(ch.random)} {fmt_ci(*ch.ci('random'))}" if ch is not None else "– (scored differently)"))
    return Table("t-pooled-effects", "Pooled change per scale (inverse-variance meta-analysis)",
                 ("Scale", "Terms", "Pairs", "g_z fixed [95% CI]", "g_z random [95% CI]", "I²",
                  "Mean change, random [95% CI]"), tuple(rows), (False, True, True, True, True, True, True),
                 ("g_z: standardised mean change (change / SD of the change, Hedges-corrected); random: "
                  "DerSimonian–Laird. Mean change in scale points only where every term scores the scale the same "
                  "way.",))


# -- charts -------------------------------------------------------------------------------------------

def trend_figures(terms: list[Term], folder: Path) -> list[tuple[str, Figure]]:
    """(section, line chart) across the terms, one line per university; none for a single term."""
    from mentoring_lib.outputs import charts

    if len(terms) < 2:
        return []
    labels = [f"{t.data['term']['title']}" + (f" ({t.university})" if len({x.university for x in terms}) > 1 else "")
              for t in terms]
    figs = []
    for i, (section, fid, title, kind) in enumerate(TRENDS):
        series: dict[str, dict[str, float | None]] = {}
        for t, lab in zip(terms, labels):
            v = _value(t.figures().get(fid))
            series.setdefault(t.data["university"]["name"], {})[lab] = (
                None if v is None else v * 100 if kind == "share" else v)
        if not any(v is not None for s in series.values() for v in s.values()):
            continue
        chart = charts.trend_chart(series, labels, title, folder / f"trend-{i + 1}.png",
                                   ylabel="Share (%)" if kind == "share" else "People",
                                   percent=kind == "share")
        figs.append((section, Figure(f"trend-{i + 1}", title, chart.alt_text, chart.path)))
    primary = [oid for oid, o in terms[0].outcomes().items() if o.get("primary")]
    series = {}
    for oid in primary:
        label = terms[0].outcomes()[oid]["label"]
        series[label] = {lab: _value(t.outcomes().get(oid, {}).get("hedges_g")) if t.outcomes().get(oid) else None
                         for t, lab in zip(terms, labels)}
    if series:
        chart = charts.trend_chart(series, labels, "Change per primary scale (Hedges' g)",
                                   folder / "trend-outcomes.png", ylabel="Hedges' g", percent=False, zero_line=True)
        figs.append(("outcomes", Figure("trend-outcomes", "Change per primary scale (Hedges' g), term by term",
                                        chart.alt_text, chart.path)))
    return figs


# -- the report -------------------------------------------------------------------------------------

def build_comparison(terms: list[Term], figures_dir: Path) -> tuple[Report, dict]:
    """The comparison report model and its machine-readable results (comparison.json)."""
    universities = {t.university: t.data["university"]["name"] for t in terms}
    consortium = len(universities) > 1
    k = max(t.min_count for t in terms)
    sections = []
    notes = change_notes(terms)
    intro: list[Block] = [Paragraph(f"{len(terms)} term(s) of {len(universities)} universit{'y' if len(universities) == 1 else 'ies'}, "
                       "compared from their public summaries (summary.json) only: no personal data was read. Each "
                       "figure is shown as its term published it.")]
    intro.append(BulletList(tuple(notes)) if notes else Paragraph("The instruments and rules are the same in every term."))
    sections.append(Section("terms", "Terms compared and what changed", tuple(intro)))
    figs = trend_figures(terms, figures_dir)
    for sid, title in (("reach", "Reach"), ("implementation", "Implementation"), ("reaction", "Reaction")):
        blocks: list[Block] = [side_by_side(terms, sid), *(f for s, f in figs if s == sid)]
        sections.append(Section(sid, title, tuple(blocks)))
    sections.append(Section("outcomes", "Outcomes", tuple([outcomes_table(terms)] +
                                                         [f for s, f in figs if s == "outcomes"])))
    pooled = pooled_counts(terms) if len(terms) > 1 else {}
    effects = pooled_effects(terms) if len(terms) > 1 else []
    if pooled:
        audit_pooled(terms, pooled)
    if pooled or effects:
        blocks = [Paragraph("Pooled over every summary compared" + (" (the consortium view)" if consortium else "")
                            + ". A pooled count is shown only when every summary publishes the count; the pooled "
                              "release passed the disclosure audit.")]
        if pooled:
            blocks.append(pooled_table(pooled, k))
        if effects:
            blocks.append(effects_table(effects))
        sections.append(Section("pooled", "Pooled across terms" + (" and universities" if consortium else ""),
                                tuple(blocks)))
    key = []
    if "applications/participant" in pooled:
        key.append(KeyFigure("participant applications, all terms", shown(pooled["applications/participant"])))
    key.append(KeyFigure("terms compared", str(len(terms))))
    key.append(KeyFigure("universities", str(len(universities))))
    report = Report(title="Compassion mentoring: terms compared",
                    subtitle="Consortium view" if consortium else "Across terms",
                    organisation=", ".join(universities.values()), author="Compassion mentoring workbook",
                    term=" – ".join([terms[0].data["term"]["title"], terms[-1].data["term"]["title"]])
                    if len(terms) > 1 else terms[0].data["term"]["title"],
                    period=f"{terms[0].data['term']['start']} – {terms[-1].data['term']['end']}",
                    key_figures=tuple(key), sections=number_blocks(sections),
                    footer="Built from public summaries only. " + f"Counts under {k} are shown as <{k}.")
    results = {"schema_version": 1, "terms": [t.key for t in terms], "notes": notes,
               "pooled_counts": pooled,
               "pooled_effects": [{**{x: e[x] for x in ("id", "label", "k", "pairs", "terms", "same_scoring")},
                                   "g_fixed": e["g"].fixed, "g_fixed_se": e["g"].fixed_se, "g_random": e["g"].random,
                                   "g_random_se": e["g"].random_se, "tau2": e["g"].tau2, "i2": e["g"].i2,
                                   "change_random": e["change"].random if e["change"] else None,
                                   "change_random_se": e["change"].random_se if e["change"] else None}
                                  for e in effects]}
    return report, results


def _gate(folder: Path) -> None:
    """Phone numbers, identity codes (the gate's patterns) and any e-mail address: exit 4 on a hit."""
    from mentoring_lib.privacy import gate
    from mentoring_lib.privacy.file_texts import file_texts
    from mentoring_lib.privacy.names import Identities

    hits = gate.scan_public(folder, Identities())
    email = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if any(email.search(text) for text in file_texts(path)):
            hits.append(gate.Hit(path.relative_to(folder).as_posix(), gate.KIND_EMAIL))
    if hits:
        raise PrivacyGateError("the privacy gate found personal data in the comparison; nothing was written: "
                               + "; ".join(str(h) for h in sorted(set(hits))),
                               hint="a summary carries text it should not (a term title or organisation?); fix "
                                    "that term's config and run its report again")


def write_comparison(paths: Iterable[str | Path], out_dir: str | Path) -> dict[str, Path]:
    """Build the comparison of ``paths`` (summary.json files or term folders) into ``out_dir``:
    report.html, report.pdf, comparison.json and the charts; built aside, checked by the gate,
    then moved in place (a failed comparison leaves the previous one as it was)."""
    from mentoring_lib.outputs.render_html import write_html
    from mentoring_lib.outputs.render_pdf import write_pdf

    terms = load_terms(paths)
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    try:
        report, results = build_comparison(terms, stage / "figures")
        write_html(report, stage / "report.html")
        write_pdf(report, stage / "report.pdf")
        (stage / COMPARISON_FILE).write_text(json.dumps(results, indent=1, ensure_ascii=False, sort_keys=True,
                                                        default=_json_default) + "\n", encoding="utf-8")
        _gate(stage)
        if out_dir.exists():
            old = out_dir.with_name(f".{out_dir.name}-old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(out_dir, old)
            os.replace(stage, out_dir)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(stage, out_dir)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    os.chmod(out_dir, 0o755)
    return {"html": out_dir / "report.html", "pdf": out_dir / "report.pdf", "json": out_dir / COMPARISON_FILE}


def _json_default(x):
    if isinstance(x, float) and not math.isfinite(x):
        return None
    raise TypeError(type(x).__name__)



def as_frame(table: Table):
    """A report table as a DataFrame (for notebooks)."""
    import pandas as pd

    return pd.DataFrame(list(table.rows), columns=list(table.columns))


def effects_frame(effects: list[dict]):
    """The pooled effects (:func:`pooled_effects`) as a DataFrame with unrounded numbers (for notebooks)."""
    import pandas as pd

    return pd.DataFrame([{"scale": e["id"], "terms": e["k"], "pairs": e["pairs"], "g_fixed": e["g"].fixed,
                          "g_random": e["g"].random, "tau2": e["g"].tau2, "i2": e["g"].i2,
                          "change_random": e["change"].random if e["change"] else None} for e in effects])
