"""The end-of-term report: one model, HTML and PDF carrying the same numbers; summary workbook."""
from __future__ import annotations

import io
import json
import re
from html.parser import HTMLParser

import pandas as pd
import pytest
from conftest import stage_context

from mentoring_lib.pipeline import drivers
from mentoring_lib.steps import evaluation as ev
from mentoring_lib.steps import evaluation_reaction
from mentoring_lib.steps import report as rp
from mentoring_lib.analysis.codebook import load_codebook
from mentoring_lib.outputs.render_html import render_html
from mentoring_lib.outputs.render_pdf import FIXED_TIMESTAMP, pdf_bytes
from mentoring_lib.outputs.document import Paragraph, Table
from mentoring_lib.outputs.formatting import fmt_ci, fmt_count, fmt_num, fmt_p, fmt_pct, fmt_signed
from mentoring_lib.privacy.limits import Limits
from mentoring_lib.steps.data_quality import load_quality, quality_table
from mentoring_lib.steps.summary_workbook import summary_sheets
from test_evaluation import CODEBOOK, make_config, synthetic_inputs

pypdf = pytest.importorskip("pypdf")


def pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return "\n".join(p.extract_text() for p in reader.pages)


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


class Page(HTMLParser):
    """Collects images, links, scripts and visible text of an HTML page."""

    def __init__(self):
        super().__init__()
        self.images, self.urls, self.tags, self.text, self.ids = [], [], [], [], set()
        self.toc = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "img":
            self.images.append(a)
        for key in ("src", "href", "action", "poster", "data"):
            if key in a:
                self.urls.append(a[key])
        if tag == "a" and a.get("href", "").startswith("#"):
            self.toc.append(a["href"][1:])

    def handle_data(self, data):
        self.text.append(data)


def parse(html: str) -> Page:
    p = Page()
    p.feed(html)
    return p


@pytest.fixture(scope="module")
def term(tmp_path_factory):
    """A synthetic term evaluated and reported: (ctx, report model, html, pdf bytes)."""
    codebook = load_codebook(CODEBOOK)
    cfg = make_config()
    ctx = stage_context("evaluation", cfg, tmp_path_factory.mktemp("run"))
    out = ctx.out
    result = ev.evaluate(synthetic_inputs(codebook), cfg, codebook, Limits(5, 10), figures_dir=out.figures,
                         approved=pd.Series(["Learned to be kinder to myself. <script>alert(1)</script>"]))
    for name, df in result.all_tables().items():
        ctx.write_table(name, df)
    ctx.for_stage("registrations").record_quality("participant_registrations", rows_read=52, kept=48,
                                                 excluded={"duplicate": 1, "test_submission": 1, "late": 2})
    rctx = ctx.for_stage("report")
    provenance = {"run_id": "20261218T120000-test", "source_date_epoch": 1797595200,
                  "inputs": {"feedback_after": {"file": "feedback_after.csv", "kind": "feedback_after",
                                                "sha256": "ab" * 32}},
                  "config": {"file": "demo.yml", "digest": "cd" * 32},
                  "code": {"package": "0.1.0", "git_commit": "ef" * 20, "git_dirty": False}}
    drivers.run(rctx, provenance=provenance)
    tables = rp.read_evaluation(rctx)
    model = rp.build_report(tables, cfg, public_dir=out.public, provenance=rp.with_report_date(provenance, cfg),
                            quality=load_quality(out.quality))
    html = (out.public / "report.html").read_text(encoding="utf-8")
    pdf = (out.public / "report.pdf").read_bytes()
    return rctx, model, html, pdf


# -- same numbers in both renderings -----------------------------------------------------------

def test_key_figures_identical_in_html_and_pdf(term):
    _, model, html, pdf = term
    text = squash(pdf_text(pdf))
    page = squash(" ".join(parse(html).text))
    assert len(model.key_figures) >= 6
    for k in model.key_figures:
        assert k.value in page, k
        assert k.value in text, k
    # the key figures are the evaluation's numbers: participants accepted = 40 in the synthetic term
    assert any(k.value == "40" and "accepted" in k.label for k in model.key_figures)
    assert any(k.value.startswith("+") and "change" in k.label for k in model.key_figures)


def main_table_cells_in_both(model, page: str, text: str) -> int:
    """Assert every cell of the main tables is in the HTML page text and the PDF text; how many."""
    checked = 0
    for t in model.tables():
        if t.id not in ("t-change", "t-tests", "t-reach", "t-funnel", *OUTCOME_TABLES):
            continue
        for row in t.rows:
            for cell in row[1:]:
                assert cell in page and cell in text, (t.id, cell)
                checked += 1
    return checked


def test_table_cells_identical_in_html_and_pdf(term):
    _, model, html, pdf = term
    assert main_table_cells_in_both(model, squash(" ".join(parse(html).text)), squash(pdf_text(pdf))) > 100


OUTCOME_TABLES = ("t-wilcoxon", "t-sensitivity", "t-attrition", "t-rci", "t-dose", "t-response")


def test_outcome_tables_and_primary_outcome_in_html_and_pdf(term):
    """The outcomes section: titled by what it shows, the primary outcome first (key figures and
    first sentence), and every new table with its intervals in both renderings."""
    _, model, html, pdf = term
    text = squash(pdf_text(pdf))
    page = squash(" ".join(parse(html).text))
    ids = {t.id for t in model.tables()}
    assert set(OUTCOME_TABLES) <= ids
    section = next(s for s in model.sections if s.id == "effectiveness")
    assert section.title == "Outcomes (before–after change)"
    assert "Outcomes (before–after change)" in page and "Outcomes (before–after change)" in text
    assert "Effectiveness" not in page
    first = model.key_figures[0]
    assert first.label.startswith("primary outcome: mean change in Self-compassion")
    assert first.value in page and first.value in text and "95% CI" in first.note
    lead = next(b for b in section.blocks if hasattr(b, "text") and str(b.text).startswith("Primary outcome"))
    assert squash(lead.text)[:80] in page and squash(lead.text)[:80] in text
    tests = next(t for t in model.tables() if t.id == "t-tests")
    assert tests.columns == ("Outcome", "Paired t p", "Holm p (family)", "d_z", "d_z 95% CI", "Hedges' g", "g 95% CI")
    assert tests.rows[0][0].startswith("SCS-SF") and tests.rows[0][4].startswith("[")
    change = next(t for t in model.tables() if t.id == "t-change")
    assert change.rows[0][1] == "primary" and change.rows[0][7].startswith("[")
    sens = next(t for t in model.tables() if t.id == "t-sensitivity")
    assert sens.rows[0][0].startswith("All linked pairs") and any(r[0].startswith("Mixed model") for r in sens.rows)
    response = next(t for t in model.tables() if t.id == "t-response")
    assert all("%–" in r[3] for r in response.rows)  # Wilson intervals beside the published rates
    for phrase in ("Jacobson", "Holm 1979", "Bonett & Wright", "Wilson", "MixedLM"):
        assert phrase in page and phrase in text, phrase


def test_model_is_rendered_once_and_html_matches_stage_output(term):
    from mentoring_lib.outputs import summary_page

    _, model, html, _ = term
    assert render_html(model, summary_page.html_section(summary_page.build(model))) == html


# -- accessibility and self-containment ------------------------------------------------------------

def test_every_figure_has_alt_text_and_is_embedded(term):
    _, model, html, _ = term
    page = parse(html)
    # every figure once, and the one-page summary's chart (one of them) again at the top
    assert len(page.images) == len(model.figures()) + 1 and len(model.figures()) >= 5
    for img in page.images:
        assert len(img.get("alt", "")) > 30
        assert img["src"].startswith(("data:image/png;base64,", "data:image/svg+xml;base64,"))
    for f in model.figures():
        assert f.alt and f.number > 0


def test_no_external_urls_scripts_or_requests(term):
    _, _, html, _ = term
    page = parse(html)
    assert "script" not in page.tags and "link" not in page.tags and "iframe" not in page.tags
    for url in page.urls:
        assert url.startswith(("#", "data:")), url
    css = re.findall(r"<style>(.*?)</style>", html, re.S)[0]
    assert "url(" not in css and "@import" not in css
    assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", html)
    assert "default-src 'none'" in html  # the CSP forbids any request the page might try
    assert '<meta name="viewport"' in html


def test_table_of_contents_links_every_section(term):
    _, model, html, _ = term
    page = parse(html)
    assert {s.id for s in model.sections} <= set(page.toc)
    assert set(page.toc) <= page.ids
    titles = [s.title for s in model.sections]
    assert titles[:2] == ["The programme", "Reach"]
    assert titles[-3:] == ["Methods", "Data quality", "Provenance"]
    assert html.index("Key figures") < html.index('id="programme"')


def test_text_is_escaped(term):
    _, _, html, pdf = term
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "alert(1)" in pdf_text(pdf)  # typeset as plain text, never as Typst markup


# -- suppression ----------------------------------------------------------------------------------

def test_small_cells_shown_as_lt5_in_both(term):
    _, model, html, pdf = term
    reach = next(t for t in model.tables() if t.id == "t-reach")
    late = next(r for r in reach.rows if r[0].startswith("late"))
    assert late[1] == "<5"  # 2 late participant applications
    assert "<td class=\"num\">&lt;5</td>" in html
    themes = next(t for t in model.tables() if t.id == "t-themes")
    assert all(r[1] == "<5" for r in themes.rows if r[1] not in ("0",))
    assert "<5" in pdf_text(pdf)
    # the methods text states the thresholds
    assert "counts below 5 are shown as \u201c<5\u201d" in squash(pdf_text(pdf))


def test_quality_counts_suppressed(term):
    _, model, _, _ = term
    q = next(t for t in model.tables() if t.id == "t-quality")
    # 52 read and 48 kept would say that 4 were excluded: both hidden
    assert q.rows == (("participant_registrations", "x", "x", "duplicate <5, late <5, test submission <5"),)


# -- PDF properties -----------------------------------------------------------------------------------

def test_pdf_deterministic_dated_and_paginated(term):
    _, model, _, pdf = term
    assert pdf_bytes(model, timestamp=1797595200) == pdf
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    n = len(reader.pages)
    assert "Page 1 of" in reader.pages[0].extract_text()
    assert f"Page {n} of {n}" in reader.pages[-1].extract_text()
    meta = reader.metadata
    assert meta.title == model.title
    raw = pdf.decode("latin-1")
    dates = re.findall(r"/CreationDate\s*\(D:(\d{8})", raw)
    assert dates == ["20261218"]  # the SOURCE_DATE_EPOCH date, never the wall clock
    assert pdf_bytes(model) != pdf  # the timestamp is what dates it
    assert re.findall(r"/CreationDate\s*\(D:(\d{8})", pdf_bytes(model).decode("latin-1")) == [
        "20000101"] and FIXED_TIMESTAMP == 946684800


def test_pdf_fonts_embedded(term):
    _, _, _, pdf = term
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    fonts = {}
    for page in reader.pages:
        res = page.get("/Resources") or {}
        for _, ref in (res.get("/Font") or {}).items():
            font = ref.get_object()
            desc = font.get("/FontDescriptor")
            if desc is None and "/DescendantFonts" in font:
                desc = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            desc = desc.get_object() if desc is not None else {}
            fonts[str(font.get("/BaseFont"))] = any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3"))
    assert fonts and all(fonts.values()), fonts


# -- provenance and data quality ---------------------------------------------------------------------

def test_provenance_section(term):
    _, model, html, pdf = term
    prov = next(s for s in model.sections if s.id == "provenance")
    text = " ".join(b.text if isinstance(b, Paragraph) else " ".join(getattr(b, "items", ())) for b in prov.blocks)
    assert "20261218T120000-test" in text and "Report date: 2026-12-18" in text
    assert "commit efefefefefef" in text
    assert "abababababababab" in squash(pdf_text(pdf))


def test_provenance_names_inputs_by_id_never_by_file_name(term):
    """Issue 13: a file name can hold a person's name; the public provenance shows config ids only."""
    _, _, html, pdf = term
    for public in (html, squash(pdf_text(pdf))):
        assert "feedback_after.csv" not in public and "demo.yml" not in public
    cfg = make_config()
    prov = {"inputs": {"participants": {"file": "virtanen_anna_registrations.xlsx", "kind": "participant_registrations",
                                        "tool": "google_forms", "sha256": "ab" * 32}},
            "config": {"file": "/home/coordinator/virtanen-term.yml", "digest": "cd" * 32}}
    blocks = rp.provenance_blocks(prov, cfg)
    table = next(b for b in blocks if isinstance(b, Table))
    assert table.rows == (("participants", "participant registrations", "google forms", "ab" * 8),)
    shown = repr(blocks).casefold()
    assert "virtanen" not in shown and "cdcdcdcdcdcdcdcd" in shown


def test_provenance_fallback_without_run_json(tmp_path):
    cfg = make_config()
    ctx = stage_context("report", cfg, tmp_path)
    prov = rp.collect_provenance(ctx)
    assert prov["report_date"] == "2026-12-18"  # noon UTC on the term's last day
    assert prov["config"]["digest"] == cfg.digest()
    (tmp_path / "run.json").write_text(json.dumps({"run_id": "r1", "source_date_epoch": 946684800}))
    prov = rp.collect_provenance(ctx)
    assert prov["run_id"] == "r1" and prov["report_date"] == "2000-01-01"
    blocks = rp.provenance_blocks(None, cfg)
    assert "No run record" in " ".join(blocks[0].items)


def test_missing_figure_file_is_an_error(term, tmp_path):
    ctx, _, _, _ = term
    tables = rp.read_evaluation(ctx)
    with pytest.raises(FileNotFoundError, match="re-run the evaluation"):
        rp.build_report(tables, ctx.config, public_dir=tmp_path)


# -- summary workbook -------------------------------------------------------------------------------

def test_summary_workbook(term):
    """The workbook for people: human headers, numbers only in number columns (withheld values in
    a "(withheld)" column), shares as percentages, means and p-values with their decimals, and a
    data dictionary giving every header its field name."""
    ctx, _, _, _ = term
    from openpyxl import load_workbook

    from mentoring_lib.io import people_workbooks as pw

    wb = load_workbook(ctx.out.public / "summary.xlsx")
    assert {"About", "Reach", "Funnel", "Outcomes", "Reliability", "Sensitivity", "Reliable change",
            "Data quality", "Data dictionary"} <= set(wb.sheetnames)
    dq = list(wb["Data quality"].iter_rows(values_only=True))
    assert dq == [("Input", "Rows read", "Rows read (withheld)", "Rows kept", "Rows kept (withheld)",
                   "Rows excluded, by reason"),
                  ("participant_registrations", None, "x", None, "x", "duplicate <5, late <5, test submission <5")]
    reach = wb["Reach"]
    assert [c.value for c in reach[1]] == ["Measure", "Mentors", "Mentors (withheld)", "Participants",
                                           "Participants (withheld)"]
    values = {r[0]: r[1:] for r in reach.iter_rows(min_row=2, values_only=True)}
    assert values["places"] == (8, None, 40, None)
    assert values["accepted"][2] == 40 and values["late (after the deadline)"][2:] == (None, "<5")
    dd = wb["Data dictionary"]
    assert [c.value for c in dd[1]] == ["Sheet", "Column", "Field name in the tidy tables", "Meaning", "Table"]
    described = {(r[0], r[1]): r[2] for r in dd.iter_rows(min_row=2, values_only=True)}
    for sheet in wb.sheetnames:
        if sheet in ("About", "Data dictionary"):
            continue
        header = [c.value for c in wb[sheet][1]]
        assert all((sheet, h) in described for h in header), sheet
        for col in wb[sheet].iter_cols(min_row=2):  # no "<5" or "x" in a column that holds numbers
            kinds = {type(c.value) for c in col if c.value is not None}
            assert not (kinds & {int, float} and kinds & {str}), (sheet, col[0].column_letter)
    eff = wb["Outcomes"]
    header = [c.value for c in eff[1]]
    assert "person_id" not in header and "hedges_g" not in header and "Hedges' g" in header
    row = {h: c for h, c in zip(header, eff[2])}
    assert row["Mean before"].number_format == "0.00" and row["Mean before"].value == round(row["Mean before"].value, 2)
    assert row["Wilcoxon p"].number_format == pw.P_VALUE
    # the intervals the Methods text promises are published (item 3 of the evaluation design)
    outcomes = pw.read(ctx.out.public / "summary.xlsx", "Outcomes")
    assert {"mean_change_ci_low", "mean_change_ci_high", "d_z", "d_z_ci_low", "d_z_ci_high", "r_ci_low",
            "r_ci_high", "role", "t_p_holm"} <= set(outcomes.columns)
    assert outcomes.iloc[0]["role"] == "primary" and outcomes.iloc[0]["outcome_id"] == "scs_sf_total"
    rci = pw.read(ctx.out.public / "summary.xlsx", "Reliable change")
    assert "improved_n" not in rci.columns and "improved" in rci.columns  # true counts stay private


# -- formatting -------------------------------------------------------------------------------------

@pytest.mark.parametrize("value,digits,expected", [
    (-0.4251, 2, "\u22120.43"), (0.004, 2, "0.00"), (-0.004, 2, "0.00"), (3.14159, 1, "3.1"),
    (float("nan"), 2, "–"), (None, 2, "–")])
def test_fmt_num(value, digits, expected):
    assert fmt_num(value, digits) == expected


def test_other_formatters():
    assert fmt_p(0.0004) == "<0.001" and fmt_p(0.0456) == "0.046"
    assert fmt_count("<5") == "<5" and fmt_count(12) == "12" and fmt_count("x") == "x"
    assert fmt_signed(0.5) == "+0.50" and fmt_signed(-0.5) == "\u22120.50" and fmt_signed(0) == "0.00"
    assert fmt_pct(0.755) == "76%" and fmt_ci(-0.1, 0.3) == "[\u22120.10, 0.30]"


def test_quality_complementary_suppression():
    q = quality_table({"participant_registrations": {"rows_read": 121, "kept": 113,
                                                     "excluded": {"duplicate": 7, "test_submission": 1}},
                       "withdrawals": {"rows_read": 2, "kept": 2, "excluded": {}}}, 5)
    rows = q.set_index("source")
    # 121 - 113 - 7 would give the single test submission away: 7 is hidden too
    assert rows.loc["participant_registrations", "excluded"] == "duplicate x, test submission <5"
    assert rows.loc["participant_registrations", "rows_read"] == 121
    assert rows.loc["withdrawals", "rows_read"] == "<5" and rows.loc["withdrawals", "excluded"] == "none"


# -- participants' voices: only approved quotes reach the public outputs ------------------------------

@pytest.mark.slow
def test_only_approved_quotes_reach_the_public_report(tmp_path):
    """Through both stages (evaluation, report) with an approval file in the demo's format: the
    approved comment is in report.html, report.pdf and nowhere else than as a quote; the others
    never appear in any public file."""
    from mentoring_lib.privacy.scrub import quote_hash
    from mentoring_lib.io.spreadsheets import write_xlsx  # noqa: F401  (public files written through it)

    codebook = load_codebook(CODEBOOK)
    inputs = synthetic_inputs(codebook)
    data = tmp_path / "data"
    data.mkdir()
    cfg = make_config(approved_quotes_file="approved_quotes.txt").model_copy(update={"data_dir": str(data)})
    comments = inputs["comments"].assign(role="participant", survey="feedback_after",
                                         quote_hash=lambda d: d["text"].map(quote_hash))
    approved = "Peer support helped with my workload."
    refused = [t for t in comments["text"] if t != approved]
    (data / "approved_quotes.txt").write_text(
        "# approved by the coordinator\n" + f"{quote_hash(approved)}  # peer support\n", encoding="utf-8")
    ctx = stage_context("evaluation", cfg, tmp_path / "run")
    out = ctx.out
    for stage, tables in {"registrations": {"people": inputs["people"]}, "groups": {"members": inputs["members"]},
                          "attendance": {"trainings": inputs["trainings"], "meetings": inputs["meetings"]},
                          "feedback": {"scores": inputs["scores"], "responses": inputs["responses"],
                                       "comments": comments}}.items():
        sctx = ctx.for_stage(stage)
        for name, df in tables.items():
            sctx.write_table(name, df)
    drivers.run(ctx)
    drivers.run(ctx.for_stage("report"), provenance={"source_date_epoch": FIXED_TIMESTAMP})
    html = (out.public / "report.html").read_text(encoding="utf-8")
    pdf = squash(pdf_text((out.public / "report.pdf").read_bytes()))
    assert approved in html and approved in pdf
    assert "A participant, after the programme" in html
    import openpyxl

    texts = [html, pdf]
    for path in out.public.rglob("*.xlsx"):
        wb = openpyxl.load_workbook(path, read_only=True)
        texts += [str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row]
    public = "\n".join(texts)
    for t in refused:
        assert t not in public, t
    # the coordinator's review list (private) has all of them, with their hashes
    review = pd.read_csv(out.private / "quotes_for_review.csv", encoding="utf-8-sig")
    assert set(review["text"]) == set(comments["text"])


def test_demo_approval_list_is_well_formed():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    lines = [ln.split("#", 1)[0].strip() for ln in
             (root / "data" / "demo" / "approved_quotes.txt").read_text(encoding="utf-8").splitlines()]
    hashes = [ln for ln in lines if ln]
    assert 3 <= len(hashes) <= 4 and len(set(hashes)) == len(hashes)
    assert all(re.fullmatch(r"[0-9a-f]{12}", h) for h in hashes)


def test_quality_rows_read_and_kept_never_give_a_small_exclusion_away():
    q = quality_table({
        # 10 mentors answered (published as the Mentors n): 11 read would say 1 earlier response
        "mentor_feedback": {"rows_read": 11, "kept": 10, "excluded": {"earlier response": 1}},
        # 16 accepted mentors are published in Reach: 14 kept would say 2 not eligible
        "certificates": {"rows_read": 16, "kept": 14, "excluded": {"not eligible": 2}},
        "groups": {"rows_read": 96, "kept": 90, "excluded": {"participant not placed": 6}},
        "mentor_registrations": {"rows_read": 41, "kept": 36, "excluded": {"duplicate": 4, "test submission": 1}},
        "tiny": {"rows_read": 9, "kept": 3, "excluded": {"duplicate": 6}}}, 5).set_index("source")
    assert q.loc["mentor_feedback"].tolist() == ["x", "x", "earlier response <5"]
    assert q.loc["certificates"].tolist() == ["x", "x", "not eligible <5"]
    assert q.loc["groups"].tolist() == [96, 90, "participant not placed 6"]
    assert q.loc["mentor_registrations"].tolist() == [41, 36, "duplicate <5, test submission <5"]
    assert q.loc["tiny"].tolist() == ["x", "<5", "duplicate 6"]  # 9 read would give the 3 kept away
    for source, r in q.iterrows():  # wherever both are shown, their difference is 0 or at least 5
        if isinstance(r["rows_read"], int) and isinstance(r["kept"], int):
            assert r["rows_read"] - r["kept"] == 0 or r["rows_read"] - r["kept"] >= 5


def test_summary_likert_sheets_and_report_table_show_the_markers_not_small_shares(tmp_path):
    codebook = load_codebook(CODEBOOK)
    item = next(it for it in codebook.items if it.id == "react_would_recommend")
    responses = pd.DataFrame({"person_id": [f"P-{i}" for i in range(38)], "wave": "post", "item": item.id,
                              "value": [2.0] + [4.0] * 20 + [5.0] * 17})
    tbl, _ = evaluation_reaction.likert_summary(responses, [item], codebook, Limits(5, 10))
    sheet = summary_sheets({"reaction": tbl}, make_config())["Reaction"]
    assert "missing" not in sheet.columns
    row = sheet.iloc[0]
    # 1 of 38 disagrees: no 1/38, and no 37/38 from which it would follow
    assert row["share_low"] == "<5 people" and row["share_high"] == "x" and row["share_neutral"] == 0
    model = rp.build_report({"reaction": tbl}, make_config(), public_dir=tmp_path)
    table = next(t for t in model.tables() if t.id == "t-reaction")
    assert table.rows[0][1:5] == ("38", "x", "0%", "<5 people")
