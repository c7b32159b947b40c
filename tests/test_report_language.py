"""The whole report in Finnish and Swedish: every generated text translated, every number kept.

Compares the report model of one synthetic term (not the demo) built in English with the same term
built with ``term.language: fi`` and ``sv``: the models have the same structure; every text an
English reader would read in a sentence is different in the other language unless it is data
(the codebook's item wording, instrument names and citations, an approved quote, the config's
titles); and the same numbers appear in the same places.
"""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from conftest import synthetic_report

from mentoring_lib.outputs.document import BulletList, Figure, Paragraph, Quote, Table
from test_evaluation import CODEBOOK

WORD = re.compile(r"[^\W\d_]{3,}")
NUMBER = re.compile(r"\d+")
DIGEST = re.compile(r"\b[0-9a-f]{12,}\b")  # the config's digest differs with its language: not a figure


def numbers(text: str) -> Counter:
    return Counter(NUMBER.findall(DIGEST.sub("", text)))


def texts(model) -> list[tuple[str, str]]:
    """(where, text) for every string a reader sees, in reading order."""
    out = [("title", model.subtitle)]
    out += [(f"key figure {k.key or i}", t) for i, k in enumerate(model.key_figures) for t in (k.label, k.note)]
    for s in model.sections:
        out.append((f"{s.id} title", s.title))
        for i, b in enumerate(s.blocks):
            where = f"{s.id}[{i}] {type(b).__name__}"
            if isinstance(b, Paragraph):
                out.append((where, b.text))
            elif isinstance(b, BulletList):
                out += [(where, t) for t in b.items]
            elif isinstance(b, Quote):
                out += [(where + " quote", b.text), (where + " source", b.source)]
            elif isinstance(b, Table):
                out += [(where + " caption", b.caption)] + [(where + " column", c) for c in b.columns]
                out += [(where + " cell", c) for r in b.rows for c in r] + [(where + " note", n) for n in b.notes]
            elif isinstance(b, Figure):
                out += [(where + " caption", b.caption), (where + " alt", b.alt)]
    return out


def data_texts(config) -> set[str]:
    """Strings that come from the term's data and lookups and stay as they were given, in any report
    language: the codebook (item wording, scale names, missing-item rules, citations), the keyword
    codebook of themes (its labels are written for the comments' language), the config's titles and
    meeting period, the approved quote."""
    import yaml

    from mentoring_lib.io.lookups import THEMES_RESOURCE

    found = {config.report.title, config.term.title, config.report.organisation, config.programme.meeting_period,
             "Learned to be kinder to myself."}
    themes = Path(__file__).resolve().parents[1] / "mentoring_lib" / Path(*THEMES_RESOURCE)
    for path in (CODEBOOK, themes):
        found.update(_strings(yaml.safe_load(Path(path).read_text(encoding="utf-8"))))
    return {s for s in found if s}


def _strings(obj):
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from _strings(v)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            yield from _strings(v)


@pytest.fixture(scope="module")
def english(tmp_path_factory):
    model, config, _, _ = synthetic_report("en", tmp_path_factory.mktemp("report-en"))
    return model, config


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_every_generated_text_is_translated_and_every_number_kept(lang, english, tmp_path_factory):
    model_en, config = english
    model, _, _, _ = synthetic_report(lang, tmp_path_factory.mktemp(f"report-{lang}"))
    en, other = texts(model_en), texts(model)
    assert [w for w, _ in other] == [w for w, _ in en], "the translated report has another structure"
    data = data_texts(config)
    untranslated = [(w, e) for (w, e), (_, o) in zip(en, other)
                    if e == o and len(WORD.findall(e)) >= 2 and not any(d and d in e for d in data)]
    assert untranslated == [], f"{len(untranslated)} English texts in the {lang} report: {untranslated[:30]}"
    moved = [(w, e, o) for (w, e), (_, o) in zip(en, other)
             if numbers(e) != numbers(o)]
    assert moved == [], f"numbers differ between English and {lang}: {moved[:5]}"


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_the_translated_report_passes_the_gate_against_the_demo_terms_names(lang, demo_pipeline, tmp_path):
    """Finnish and Swedish fixed wording is not taken for someone's name: the synthetic term's
    translated report, checked as the runner checks a release against the demo's 160 people. Without
    the catalogue's words the gate stops it ("Testeihin", "Lainauksia" read as surnames)."""
    import dataclasses

    import pandas as pd

    from mentoring_lib.pipeline import stages
    from mentoring_lib.pipeline.runner import _identities
    from mentoring_lib.privacy.gate import scan_public
    from mentoring_lib.privacy.names import identities_from

    demo_pipeline.through("registrations")
    config = demo_pipeline.config.model_copy(
        update={"term": demo_pipeline.config.term.model_copy(update={"language": lang})})
    ids = _identities(demo_pipeline.root, config)
    assert ids is not None and ids.people >= 100 and ids.fixed_words
    synthetic_report(lang, tmp_path)
    assert scan_public(tmp_path / "public", ids) == []
    if lang == "fi":
        people = pd.read_parquet(demo_pipeline.root / stages.IDENTITY.path)
        without = dataclasses.replace(identities_from(people, allow=config.privacy.gate_allow))
        assert scan_public(tmp_path / "public", without) != []


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_translated_html_and_pdf_show_the_same_key_figures_and_table_cells(lang, tmp_path):
    """The consistency checks of the English report (test_report.py), on the Finnish and Swedish one:
    every key figure and every cell of the main tables is in both renderings, and each table's label."""
    import html as html_lib
    import io

    import pypdf
    from test_report import main_table_cells_in_both

    model, _, page, pdf = synthetic_report(lang, tmp_path)
    squash = " ".join
    page_text = squash(html_lib.unescape(re.sub(r"<[^>]+>", " ", page)).split())
    pdf_text = squash("\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages).split())
    for k in model.key_figures:
        assert k.value in page_text and k.value in pdf_text, k
    assert main_table_cells_in_both(model, page_text, pdf_text) > 100


@pytest.mark.e2e
def test_the_demo_in_finnish_runs_end_to_end_through_the_gate_and_the_release_audit(tmp_path):
    """`make demo LANG=fi` as the runner does it: the demo config with term.language fi (paths made
    absolute), published with exit 0 -- the gate passes the Finnish wording and the release audit reads
    the Finnish workbooks back -- and every public file speaks Finnish."""
    import json

    import yaml
    from conftest import mentoring_cli
    from openpyxl import load_workbook

    root = Path(__file__).resolve().parent.parent
    config = yaml.safe_load((root / "config" / "demo.yml").read_text(encoding="utf-8"))
    config["term"]["language"] = "fi"
    config["data_dir"] = str(root / "data" / "demo")
    config["codebook"] = str(root / "config" / config["codebook"])
    path = tmp_path / "demo-fi.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    reports = tmp_path / "reports"
    done = mentoring_cli("run", "--config", str(path), reports=reports, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    public = reports / "demo" / "public"
    page = (public / "report.html").read_text(encoding="utf-8")
    assert '<html lang="fi">' in page and "Keskeiset luvut" in page and "Key figures" not in page
    for name in ("summary.xlsx", "registration_summary.xlsx", "group_sizes.xlsx"):
        titles = load_workbook(public / name).sheetnames
        assert not {"About", "status", "group sizes", "Data dictionary"} & set(titles), (name, titles)
    assert json.loads((reports / "demo" / "run.json").read_text(encoding="utf-8"))["status"] == "ok"
