"""Chart texts in the term's language (en/fi/sv): axis titles, legends, titles, captions and alt
texts drawn by outputs/charts.py, at the evaluation stage (steps/evaluation_figures.py) and again at
the report stage (steps/release_charts.py). The texts are read from the matplotlib figures as they
are saved (PNG cannot be read back) and from the SVG files."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from mentoring_lib.outputs import charts
from mentoring_lib.outputs.messages import text


@pytest.fixture
def drawn(monkeypatch):
    """Every text of every figure saved while the test runs: {file name: [texts]}."""
    from matplotlib.text import Text

    seen: dict[str, list[str]] = {}
    save = charts.save_figure

    def recording(fig, path, title):
        seen[Path(path).name] = [t.get_text() for t in fig.findobj(Text) if t.get_text()]
        return save(fig, path, title)

    monkeypatch.setattr(charts, "save_figure", recording)
    return seen


def svg_text(path: Path) -> str:
    import html

    return html.unescape(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("lang", ["en", "fi", "sv"])
def test_chart_axis_titles_legends_and_alt_texts_are_in_the_given_language(lang, tmp_path):
    funnel = charts.funnel({"Registered": 20, "Accepted": 12, "Completed": 9}, tmp_path / "f.svg", lang=lang)
    curve = charts.attendance_curve({"A": pd.Series([90.0, float("nan")], index=["M1", "M2"])}, "T",
                                    tmp_path / "a.svg", lang=lang)
    slope = charts.slope_chart([1, 2, 3, 2, 2], [2, 3, 3, 1, 4], "S", tmp_path / "s.svg", lang=lang)
    likert = charts.diverging_likert(pd.DataFrame({"No": [6, 1], "Maybe": [0, 0], "Yes": [4, 9]}, index=["I1", "I2"]),
                                     "L", tmp_path / "l.svg", min_count=5, lang=lang)
    svg = {name: svg_text(tmp_path / f"{name}.svg") for name in "fasl"}
    assert text("chart.funnel.title", lang) in svg["f"] and text("chart.funnel.people", lang) in svg["f"]
    assert funnel.alt_text.startswith(text("chart.funnel.alt", lang, title=text("chart.funnel.title", lang)))
    assert text("chart.attendance.ylabel", lang) in svg["a"] and text("chart.attendance.xlabel", lang) in svg["a"]
    assert curve.alt_text.endswith(f"M2 {text('chart.not_shown', lang)}.")
    for key, n in (("slope.higher", 3), ("slope.lower", 1), ("slope.unchanged", 1)):
        assert text(f"chart.{key}", lang, n=n) in svg["s"], key
    assert text("chart.slope.before", lang) in svg["s"] and text("chart.slope.mean", lang) in svg["s"]
    assert slope.alt_text.startswith(text("chart.slope.alt", lang, title="S", n=5, up=3, down=1, same=1,
                                          before="", after="", mean_before="", mean_after="", change="")[:12])
    assert text("chart.likert.fewer", lang, k=5) in likert.alt_text  # the 1 "No" of I2 gets no percentage
    assert likert.alt_text.startswith(text("chart.likert.alt", lang, title="L", k=3, first="No", last="Yes"))
    trend = charts.trend_chart({"A": {"T1": 50.0, "T2": None}}, ["T1", "T2"], "Tr", tmp_path / "t.svg", ylabel="y",
                               percent=True, lang=lang)
    assert trend.alt_text == text("chart.line.alt", lang, title="Tr") + f"A: T1 50%, T2 {text('chart.not_shown', lang)}."


def test_english_chart_texts_are_unchanged(tmp_path):
    cf = charts.slope_chart([1, 2, 3], [2, 2, 4], "S", tmp_path / "s.svg")
    assert cf.alt_text == ("Slope chart: S. 3 people with scores at both time points; 2 higher after, 0 lower, "
                           "1 unchanged. Mean 2 before and 2.67 after (mean change 0.67).")
    f = charts.funnel({"Registered": 20, "Accepted": 10}, tmp_path / "f.svg", base_step=1)
    assert f.alt_text == "Funnel chart: Reach. Registered 20; Accepted 10 (percentages of accepted)."


def _evaluate(lang: str, figures: Path):
    """The synthetic term's evaluation with ``term.language = lang`` (its charts are drawn in the
    evaluation's language, ``Evaluation.lang``)."""
    from mentoring_lib.analysis.codebook import load_codebook
    from mentoring_lib.steps import evaluation as ev
    from test_evaluation import CODEBOOK, make_config, synthetic_inputs

    base = make_config()
    cfg = base.model_copy(update={"term": base.term.model_copy(update={"language": lang})})
    codebook = load_codebook(CODEBOOK)
    return cfg, ev.evaluate(synthetic_inputs(codebook), cfg, codebook, ev.Limits(5, 10), figures_dir=figures)


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_evaluation_figures_are_drawn_and_captioned_in_the_term_language(lang, tmp_path, drawn):
    _, result = _evaluate(lang, tmp_path)
    figures = pd.DataFrame(result.figures).set_index("id")
    assert {"funnel-participants", "attendance", "reaction-likert", "change"} <= set(figures.index)
    said = {name: " ".join(texts) for name, texts in drawn.items()}
    assert text("figure.funnel.participant", lang) in said["funnel-participants.png"]
    assert text("row.accepted", lang).capitalize() in drawn["funnel-participants.png"]
    assert text("chart.funnel.people", lang) in drawn["funnel-participants.png"]
    for key in ("figure.attendance.title", "figure.attendance.attending", "figure.attendance.still",
                "figure.attendance.xlabel", "chart.attendance.ylabel"):
        assert text(key, lang) in drawn["attendance.png"], key
    assert text("figure.likert.reaction", lang) in drawn["reaction-likert.png"]
    assert text("figure.change.xlabel", lang) in drawn["change.png"]
    assert text("figure.change.title", lang) + text("figure.change.suptitle", lang) in drawn["change.png"]
    # the synthetic term's slope charts are withheld (small groups of people): said in the language
    withheld = [n["text"] for n in result.narrative if n["section"] == "effectiveness"
                and n["text"].startswith(text("figure.slope.withheld", lang, outcomes="")[:25])]
    assert len(withheld) == 1 and text("figure.slope.small", lang, k=5, groups="")[:8] in withheld[0]
    assert not [name for name in drawn if name.startswith("slope-")]
    assert figures.loc["attendance", "caption"] == (text("figure.attendance.title", lang)
                                                     + text("figure.attendance.caption", lang))
    assert figures.loc["funnel-participants", "alt"].startswith(text("chart.funnel.alt", lang, title=text("figure.funnel.participant", lang)))
    assert figures.loc["change", "caption"].startswith(text("figure.change.caption", lang))
    assert text("figure.likert.caption", lang) in figures.loc["reaction-likert", "caption"]
    for caption in figures["caption"]:
        assert " of the " not in caption and "participants" not in caption.casefold(), caption
    assert text("figure.likert.not_charted", lang, k=5, items="")[:12] in figures.loc["reaction-likert", "caption"]


def test_a_chart_function_without_lang_draws_in_the_evaluations_language(tmp_path, drawn):
    from mentoring_lib.steps.evaluation_figures import _attendance_chart
    from mentoring_lib.steps.evaluation_result import Evaluation

    meetings = pd.DataFrame({"meeting": ["Meeting 1", "Meeting 2"], "share_of_participants": [0.9, 0.7]})
    for lang in ("sv", "en"):
        ev = Evaluation(lang=lang)
        _attendance_chart(ev, meetings, tmp_path)
        assert text("figure.attendance.attending", lang) in drawn["attendance.png"]
        assert ev.figures[0]["caption"].startswith(text("figure.attendance.title", lang))
    assert "Attending" in drawn["attendance.png"] and "Participants attending each group meeting" in drawn[
        "attendance.png"]


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_charts_redrawn_at_the_report_stage_keep_the_term_language(lang, tmp_path, drawn):
    from mentoring_lib.steps import release_charts, release_tables

    cfg, result = _evaluate(lang, tmp_path / "figures")
    tables = result.all_tables()
    drawn.clear()
    rel = release_tables.build(tables, {}, None, 5)
    out = release_charts.redraw(rel, tables, tmp_path, 5, 10, None, lang=lang)  # None: every chart again
    assert {"funnel-participants.png", "attendance.png", "reaction-likert.png"} <= set(drawn)
    assert text("figure.attendance.still", lang) in drawn["attendance.png"]
    assert text("figure.funnel.participant", lang) in drawn["funnel-participants.png"]
    assert text("figure.likert.reaction", lang) in drawn["reaction-likert.png"]
    caption = out["figures"].set_index("id").loc["attendance", "caption"]
    assert caption == text("figure.attendance.title", lang) + text("figure.attendance.caption", lang)


def test_the_report_stage_redraws_in_the_configured_language(monkeypatch, tmp_path):
    from mentoring_lib.pipeline.context import OutputPaths, StageContext
    from mentoring_lib.steps import release_charts
    from mentoring_lib.steps import report as rp

    seen = {}

    def redraw(*args, **kwargs):
        seen.update(kwargs)
        return args[1]

    monkeypatch.setattr(release_charts, "redraw", redraw)
    cfg, result = _evaluate("sv", tmp_path / "figures")
    ctx = StageContext("report", cfg, OutputPaths(tmp_path / "out").ensure())
    rp.protect_release(ctx, result.all_tables(), {})
    assert seen["lang"] == "sv"
