"""PDF figures are sized to their image (issue 14, item 9): a wide short chart gets no blank band
above and below it, a tall chart is capped in height, and each placed image keeps its aspect
ratio. Measured from the PDFs themselves: where each image XObject is drawn (the content stream's
transforms) and where the text lines next to it sit."""
from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pytest

from mentoring_lib.outputs import summary_page
from mentoring_lib.outputs.document import Figure, Paragraph, Report, Section, number_blocks
from mentoring_lib.outputs.render_pdf import pdf_bytes

pypdf = pytest.importorskip("pypdf")
Image = pytest.importorskip("PIL.Image")

CM = 72 / 2.54
#: Widest blank band allowed between a figure and the text line next to it (a line's ascent or
#: descent and the paragraph spacing fit in it; a box of fixed height around a short chart does not).
MAX_GAP = 1.0 * CM
#: Pixels of the test charts: a wide short one (5:1) and a tall one (2:5).
WIDE, TALL = (1800, 360), (600, 1500)


@dataclass(frozen=True)
class Placed:
    """An image as drawn on a page, in points (PDF coordinates: y grows upwards)."""
    page: int
    pixels: tuple[int, int]
    left: float
    bottom: float
    width: float
    height: float

    @property
    def top(self) -> float:
        return self.bottom + self.height


def _times(m: tuple, n: tuple) -> tuple:
    """The product of two PDF matrices [a b c d e f] (m applied first)."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def layout_of(pdf: bytes) -> tuple[list[Placed], dict[int, list[float]], list[float]]:
    """Every image drawn (following q/Q, cm and form XObjects), the baselines of the text drawn per
    page, and each page's height."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    images: list[Placed] = []
    baselines: dict[int, list[float]] = {}

    def walk(index: int, contents, resources, ctm: tuple) -> None:
        saved: list[tuple] = []
        text_matrix = None
        xobjects = resources.get("/XObject", {}) if resources else {}
        for args, op in pypdf.generic.ContentStream(contents, reader).operations:
            if op == b"q":
                saved.append(ctm)
            elif op == b"Q":
                ctm = saved.pop()
            elif op == b"cm":
                ctm = _times(tuple(float(x) for x in args), ctm)
            elif op == b"Tm":
                text_matrix = tuple(float(x) for x in args)
            elif op in (b"Tj", b"TJ") and text_matrix is not None:
                baselines.setdefault(index, []).append(_times(text_matrix, ctm)[5])
            elif op == b"Do":
                xo = xobjects[args[0]].get_object()
                if xo["/Subtype"] == "/Image":  # drawn into the unit square under the current matrix
                    corners = [_times((1, 0, 0, 1, x, y), ctm)[4:] for x in (0, 1) for y in (0, 1)]
                    xs, ys = [c[0] for c in corners], [c[1] for c in corners]
                    images.append(Placed(index, (int(xo["/Width"]), int(xo["/Height"])), min(xs), min(ys),
                                         max(xs) - min(xs), max(ys) - min(ys)))
                elif xo["/Subtype"] == "/Form":
                    matrix = tuple(float(x) for x in xo.get("/Matrix", (1, 0, 0, 1, 0, 0)))
                    walk(index, xo, xo.get("/Resources", resources), _times(matrix, ctm))

    for index, page in enumerate(reader.pages):
        walk(index, page.get_contents(), page["/Resources"], (1, 0, 0, 1, 0, 0))
    return images, baselines, [float(p.mediabox.height) for p in reader.pages]


def gaps(image: Placed, baselines: dict[int, list[float]], text_top: float) -> tuple[float, float]:
    """Blank space above the image (to the baseline of the line above it, or to the top of the text
    area when it opens the page) and below it (to the baseline of its caption)."""
    lines = baselines.get(image.page, [])
    above = min([y for y in lines if image.top < y <= text_top], default=text_top)
    below = max(y for y in lines if y < image.bottom)
    return above - image.top, image.bottom - below


def assert_fits_its_image(image: Placed) -> None:
    """The drawn box has the image's own aspect ratio (within 1%): no box with blank sides."""
    px_w, px_h = image.pixels
    assert image.height / image.width == pytest.approx(px_h / px_w, rel=0.01)


@pytest.fixture(scope="module")
def charts(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("charts")
    out = {}
    for name, size in (("wide", WIDE), ("tall", TALL)):
        out[name] = folder / f"{name}.png"
        Image.new("RGB", size, (0, 114, 178)).save(out[name])
    return out


def report_with(charts: dict[str, Path]) -> Report:
    blocks = (Paragraph("The paragraph before the wide chart."),
              Figure("wide", "A wide short chart", "A wide short chart.", charts["wide"]),
              Paragraph("The paragraph after the wide chart."),
              Figure("tall", "A tall chart", "A tall chart.", charts["tall"]),
              Paragraph("The paragraph after the tall chart."))
    return Report("Sizing test", "Figures", "Test", "Tester", "Small term", "2026", (),
                  number_blocks([Section("charts", "Charts", blocks)]))


def test_report_pdf_wide_chart_fills_the_width_without_blank_bands_and_tall_chart_is_capped(charts):
    images, baselines, heights = layout_of(pdf_bytes(report_with(charts)))
    assert [i.pixels for i in images] == [WIDE, TALL]
    wide, tall = images
    text_width = 21.0 * CM - 2 * 2.2 * CM  # A4 less the report's side margins (report.typ)
    for image in images:
        assert_fits_its_image(image)
        above, below = gaps(image, baselines, heights[image.page] - 2.2 * CM)
        assert 0 <= above < MAX_GAP and 0 < below < MAX_GAP, (image, above, below)
    assert wide.width == pytest.approx(0.85 * text_width, rel=0.01)  # 85% of the text width ...
    assert wide.height == pytest.approx(0.85 * text_width / 5, rel=0.01)  # ... and only as high as the chart
    assert tall.height == pytest.approx(11.5 * CM, rel=0.01) and tall.width < 0.85 * text_width / 2


def one_page_with(chart: Path) -> summary_page.OnePage:
    return summary_page.OnePage(title="Sizing test", subtitle="One-page summary", organisation="Test",
                                term="Small term", figures=(), sentences=("One.", "Two.", "Three."),
                                improve=("Nothing.",), chart=Figure("funnel-participants", "The chart", "The chart.",
                                                                    chart), footer="Test")


@pytest.mark.parametrize("name", ["wide", "tall"])
def test_summary_pdf_chart_box_fits_the_chart_without_blank_bands(charts, name):
    images, baselines, heights = layout_of(summary_page.pdf_bytes(one_page_with(charts[name]), timestamp=0))
    assert len(images) == 1 and len(heights) == 1
    chart = images[0]
    assert_fits_its_image(chart)
    above, below = gaps(chart, baselines, heights[0] - 1.5 * CM)
    assert 0 <= above < MAX_GAP and 0 < below < MAX_GAP, (chart, above, below)
    text_width = 21.0 * CM - 2 * 1.8 * CM  # A4 less the summary's side margins (summary.typ)
    if name == "wide":
        assert chart.width == pytest.approx(0.8 * text_width, rel=0.01)
    else:
        assert chart.height == pytest.approx(7.5 * CM, rel=0.01)
