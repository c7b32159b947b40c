"""Charts: files written, byte-identical across calls, alt text with the numbers, Likert geometry."""
from __future__ import annotations

import hashlib
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from mentoring_lib.outputs import charts as C


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def likert():
    return pd.DataFrame(
        {"Strongly disagree": [1, 0], "Disagree": [2, 1], "Neutral": [3, 2], "Agree": [10, 8],
         "Strongly agree": [4, 9]},
        index=["Satisfied", "Safe atmosphere"])


@pytest.mark.parametrize("ext", ["png", "svg", "pdf"])
def test_diverging_likert_written_and_deterministic(tmp_path, likert, ext):
    first = C.diverging_likert(likert, "Reaction", tmp_path / f"a.{ext}")
    second = C.diverging_likert(likert, "Reaction", tmp_path / f"b.{ext}")
    assert first.path.exists() and first.path.stat().st_size > 1000
    assert _digest(first.path) == _digest(second.path)
    data = first.path.read_bytes()
    if ext == "svg":
        assert b"<dc:date>" not in data and b"Reaction" in data  # text kept as text, no date
    if ext == "pdf":
        assert b"CreationDate" not in data and b"Matplotlib" not in data
    if ext == "png":
        assert b"Software" not in data and b"matplotlib" not in data.lower()
        assert b"tEXtTitle\x00Reaction" in data  # the title, for the privacy gate (no pixels read)


def test_png_title_metadata_is_read_by_the_privacy_gate(tmp_path, likert):
    import pandas as pd

    from mentoring_lib.privacy.file_texts import file_texts
    from mentoring_lib.privacy.gate import KIND_FULL_NAME, scan_public
    from mentoring_lib.privacy.names import identities_from

    title = "Ryhmä of Åländ Pöllökorpi – Ilmatar Pöllökorpi"  # beyond Latin-1 ("–"): an iTXt chunk
    path = C.diverging_likert(likert, title, tmp_path / "public" / "chart.png").path
    assert title in file_texts(path)
    ids = identities_from(pd.DataFrame({"name": ["Ilmatar Pöllökorpi"], "email": ["i.p@example.org"]}))
    assert [str(h) for h in scan_public(tmp_path / "public", ids)] == [f"chart.png: {KIND_FULL_NAME}",
                                                                        "chart.png: surname"]


def test_diverging_likert_alt_text_has_numbers(tmp_path, likert):
    path, alt = C.diverging_likert(likert, "Reaction", tmp_path / "l.svg", bases={"Satisfied": 20})
    # Satisfied: 14/20 = 70% agree, 3/20 = 15% neutral, 3/20 = 15% disagree
    assert "Satisfied (n=20): 70% Agree or Strongly agree, 15% Neutral, 15% Strongly disagree or Disagree" in alt
    assert "Safe atmosphere: 85% Agree or Strongly agree, 10% Neutral, 5% " in alt
    assert "5-point scale" in alt and "centred on zero" in alt


def test_neutral_segment_straddles_zero(likert):
    fig = Figure()
    ax = fig.add_subplot()
    segs = C.draw_diverging_likert(ax, likert)
    neutral = segs[segs["level"] == "Neutral"]
    assert (neutral["left"] < 0).all() and ((neutral["left"] + neutral["width"]) > 0).all()
    assert np.allclose(neutral["left"] + neutral["width"] / 2, 0)
    # from the drawn patches themselves: the grey rectangles are centred on x = 0
    grey = [p for p in ax.patches if p.get_facecolor()[:3] == pytest.approx((0.8, 0.8, 0.8), abs=0.01)]
    assert len(grey) == 2
    for p in grey:
        assert p.get_x() < 0 < p.get_x() + p.get_width()
        assert p.get_x() + p.get_width() / 2 == pytest.approx(0)
    # negatives end where neutral begins; positives start where it ends; widths are percentages
    sat = segs[segs["item"] == "Satisfied"].set_index("level")
    assert sat.loc["Disagree", "left"] + sat.loc["Disagree", "width"] == pytest.approx(-7.5)
    assert sat.loc["Strongly disagree", "left"] == pytest.approx(-7.5 - 10 - 5)
    assert sat.loc["Agree", "left"] == pytest.approx(7.5)
    assert sat.loc["Strongly agree", "left"] == pytest.approx(7.5 + 50)
    assert sat["width"].sum() == pytest.approx(100)


def test_even_scale_has_no_neutral_and_starts_at_zero():
    df = pd.DataFrame({"No": [1], "Rather no": [1], "Rather yes": [2], "Yes": [4]}, index=["Q"])
    fig = Figure()
    segs = C.draw_diverging_likert(fig.add_subplot(), df).set_index("level")
    assert segs.loc["Rather yes", "left"] == 0
    assert segs.loc["Rather no", "left"] + segs.loc["Rather no", "width"] == pytest.approx(0)


def test_diverging_likert_skips_empty_items(tmp_path):
    df = pd.DataFrame({"1": [1, np.nan], "2": [2, np.nan], "3": [3, np.nan]}, index=["Q1", "Q2"])
    _, alt = C.diverging_likert(df, "T", tmp_path / "x.png")
    assert "Not shown (no responses to show): Q2" in alt
    with pytest.raises(ValueError):
        C.diverging_likert(df.loc[["Q2"]], "T", tmp_path / "y.png")


def test_slope_chart(tmp_path):
    pre = [3, 2, 4, 3.5, None]
    post = [3.5, 2, 3.8, 4.0, 1]
    first = C.slope_chart(pre, post, "Self-compassion", tmp_path / "s1.png")
    second = C.slope_chart(pre, post, "Self-compassion", tmp_path / "s2.png")
    assert _digest(first.path) == _digest(second.path)
    alt = first.alt_text
    assert "4 people" in alt and "2 higher" in alt and "1 lower" in alt and "1 unchanged" in alt
    assert "Mean 3.12 before and 3.33 after" in alt and "(mean change 0.2)" in alt
    assert "1 without both time points" in alt


def test_funnel_with_suppressed_stage(tmp_path):
    stages = {"Registered": 40, "Accepted": 30, "Trained": "<5", "Completed": 22}
    path, alt = C.funnel(stages, tmp_path / "f.svg")
    assert "Registered 40 (100%)" in alt and "Accepted 30 (75%)" in alt
    assert "Trained <5" in alt and "Completed 22 (55%)" in alt
    assert _digest(path) == _digest(C.funnel(stages, tmp_path / "g.svg").path)
    svg = path.read_text()
    assert "&lt;5" in svg


def test_attendance_curve(tmp_path):
    s = {"Attended": pd.Series([90.0, 80.0, math.nan], index=["M1", "M2", "M3"]),
         "Still taking part": pd.Series([95.0, 85.0, 70.0], index=["M1", "M2", "M3"])}
    path, alt = C.attendance_curve(s, "Group meetings", tmp_path / "a.pdf")
    assert path.exists()
    assert "Attended: M1 90%, M2 80%, M3 not shown" in alt and "Still taking part: M1 95%" in alt
    assert _digest(path) == _digest(C.attendance_curve(s, "Group meetings", tmp_path / "b.pdf").path)


def test_unknown_format_rejected(tmp_path, likert):
    with pytest.raises(ValueError, match="unsupported"):
        C.diverging_likert(likert, "T", tmp_path / "x.jpg")


def test_package_import_does_not_load_matplotlib():
    import subprocess
    import sys

    code = "import sys, mentoring_lib; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.slow
def test_bytes_identical_across_processes(tmp_path):
    """Same bytes from fresh interpreters with different hash seeds (what a re-run does)."""
    import os
    import subprocess
    import sys

    code = ("import sys, pandas as pd; from mentoring_lib.outputs import charts as C; "
            "df = pd.DataFrame({'No': [1, 2], 'Maybe': [2, 2], 'Yes': [5, 1]}, index=['Q1', 'Q2']); "
            "C.diverging_likert(df, 'T', sys.argv[1] + '.svg'); C.diverging_likert(df, 'T', sys.argv[1] + '.png'); "
            "C.slope_chart([1, 2, 3], [2, 2, 1], 'S', sys.argv[1] + '-s.pdf')")
    digests = []
    for seed in ("1", "2"):
        out = tmp_path / f"run{seed}"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-c", code, str(out)], check=True, env=env)
        digests.append([_digest(Path(f"{out}{suffix}")) for suffix in (".svg", ".png", "-s.pdf")])
    assert digests[0] == digests[1]


def test_likert_segments_of_fewer_than_min_count_people_are_never_labelled(tmp_path):
    # 1 of 10 is a 10% segment: wide enough for a label, but it is one person
    counts = pd.DataFrame({"Disagree": [1], "Neutral": [0], "Agree": [9]}, index=["Item"])
    fig = Figure()
    ax = fig.add_subplot()
    C.draw_diverging_likert(ax, counts, min_count=5)
    labels = [t.get_text() for t in ax.texts]
    assert labels == ["90%"]  # the 9 are labelled, the 1 is not
    _, alt = C.diverging_likert(counts, "Mentors", tmp_path / "m.svg", min_count=5)
    assert "fewer than 5 people Disagree" in alt and "10%" not in alt
    assert "10%" not in (tmp_path / "m.svg").read_text(encoding="utf-8")
