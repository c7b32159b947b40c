"""The HTML report in a real headless browser (Chromium through the DevTools protocol).

Checks that the page loads, every image decodes (naturalWidth > 0), nothing is logged as an
error (console, uncaught exceptions, blocked requests, CSP violations), no request leaves the
file, and the layout fits a phone's width. Screenshots are kept in the test's tmp folder.
The harness is checked against a deliberately broken page, so it can fail.

Needs Chromium (``apt-get install chromium``; CI installs it). Skipped with a reason otherwise.
"""
from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = next((p for p in (os.environ.get("CHROMIUM"), shutil.which("chromium"), shutil.which("chromium-browser"),
                             shutil.which("google-chrome"), "/usr/bin/chromium") if p and Path(p).is_file()), None)
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)")

PAGE_CHECK = """
(() => {
  const imgs = Array.from(document.images).map(i => ({alt: i.alt, complete: i.complete,
      width: i.naturalWidth, src: i.src.slice(0, 30)}));
  const external = performance.getEntriesByType('resource').map(r => r.name)
      .filter(n => !n.startsWith('data:') && !n.startsWith('file:'));
  const tables = Array.from(document.querySelectorAll('.table-wrap')).map(w => ({
      id: (w.querySelector('table') || {}).id || '', scrollWidth: w.scrollWidth, clientWidth: w.clientWidth,
      firstColumn: w.querySelector('tr > :first-child') ?
          getComputedStyle(w.querySelector('tr > :first-child')).position : ''}));
  const charts = Array.from(document.images).map(i => ({alt: i.alt.slice(0, 40), natural: i.naturalWidth,
      shown: i.getBoundingClientRect().width}));
  return JSON.stringify({title: document.title, images: imgs, external: external,
      sections: document.querySelectorAll('main section').length, tables: tables, charts: charts,
      scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth});
})()
"""


class DevTools:
    """A minimal Chrome DevTools Protocol client over --remote-debugging-pipe (fds 3 and 4)."""

    def __init__(self, chromium: str, profile: Path):
        to_chrome_r, self._to_chrome_w = os.pipe()
        self._from_chrome_r, from_chrome_w = os.pipe()

        def fds():  # in the child: fd 3 = what we write, fd 4 = where chrome writes
            a, b = os.dup(to_chrome_r), os.dup(from_chrome_w)  # out of the way of 3 and 4 first
            os.dup2(a, 3)
            os.dup2(b, 4)

        # close_fds=False: subprocess would close fds 3 and 4 after preexec_fn has made them
        self.proc = subprocess.Popen(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-extensions", "--disable-sync", "--no-first-run", "--mute-audio", "--hide-scrollbars",
             f"--user-data-dir={profile}", "--remote-debugging-pipe", "about:blank"],
            close_fds=False, preexec_fn=fds, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buf = b""
        self._id = 0
        self.events: list[dict] = []

    def _read_message(self, deadline: float) -> dict:
        import select

        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("Chromium did not answer in time")
            ready, _, _ = select.select([self._from_chrome_r], [], [], left)
            if ready:
                chunk = os.read(self._from_chrome_r, 1 << 20)
                if not chunk:
                    raise RuntimeError("Chromium closed the DevTools pipe")
                self._buf += chunk
        msg, self._buf = self._buf.split(b"\0", 1)
        return json.loads(msg)

    def send(self, method: str, params: dict | None = None, session: str | None = None,
             timeout: float = 30) -> dict:
        self._id += 1
        msg = {"id": self._id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._to_chrome_w, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str, timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        for i, e in enumerate(self.events):
            if e.get("method") == method:
                return self.events.pop(i)
        while True:
            e = self._read_message(deadline)
            if e.get("method") == method:
                return e
            self.events.append(e)

    def drain(self, seconds: float = 0.5) -> None:
        deadline = time.monotonic() + seconds
        try:
            while True:
                self.events.append(self._read_message(deadline))
        except TimeoutError:
            pass

    def close(self) -> None:
        try:
            self.send("Browser.close", timeout=5)
        except Exception:  # noqa: BLE001 - closing a browser that already went away
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        os.close(self._to_chrome_w)
        os.close(self._from_chrome_r)


def inspect_page(html_path: Path, out_dir: Path, *, width: int = 1200, height: int = 900,
                 mobile: bool = False, name: str = "page") -> dict:
    """Load a page; return the DOM check, the error events and the screenshot's path."""
    browser = DevTools(CHROMIUM, out_dir / f"profile-{name}")
    try:
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            browser.send(f"{domain}.enable", session=session)
        browser.send("Emulation.setDeviceMetricsOverride",
                     {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile}, session=session)
        browser.send("Page.navigate", {"url": html_path.resolve().as_uri()}, session=session)
        browser.wait_for("Page.loadEventFired", timeout=60)
        browser.drain(0.5)
        check = json.loads(browser.send("Runtime.evaluate", {"expression": PAGE_CHECK, "returnByValue": True},
                                        session=session)["result"]["value"])
        shot = browser.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": False},
                            session=session)
        shot_path = out_dir / f"{name}.png"
        shot_path.write_bytes(base64.b64decode(shot["data"]))
        browser.drain(0.2)
        errors = []
        requests = []
        for e in browser.events:
            m, p = e.get("method"), e.get("params", {})
            if m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                errors.append(("console", str(p.get("args"))[:200]))
            elif m == "Runtime.exceptionThrown":
                errors.append(("exception", str(p.get("exceptionDetails", {}).get("text"))[:200]))
            elif m == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                errors.append(("log", p["entry"].get("text", "")[:200]))
            elif m == "Network.loadingFailed":
                errors.append(("network", p.get("errorText", "")))
            elif m == "Network.requestWillBeSent":
                requests.append(p.get("request", {}).get("url", "")[:60])
        return {"check": check, "errors": errors, "requests": requests, "screenshot": shot_path}
    finally:
        browser.close()


@pytest.fixture(scope="module")
def report_html(tmp_path_factory):
    """The report of the synthetic term (same set-up as test_report)."""
    import pandas as pd

    from mentoring_lib.steps import evaluation as ev
    from mentoring_lib.steps import report as rp
    from mentoring_lib.analysis.codebook import load_codebook
    from mentoring_lib.privacy.limits import Limits
    from conftest import stage_context
    from test_evaluation import CODEBOOK, make_config, synthetic_inputs

    codebook = load_codebook(CODEBOOK)
    cfg = make_config()
    ctx = stage_context("evaluation", cfg, tmp_path_factory.mktemp("browser-run"))
    out = ctx.out
    result = ev.evaluate(synthetic_inputs(codebook), cfg, codebook, Limits(5, 10), figures_dir=out.figures,
                         approved=pd.Series(["Learned to be kinder to myself."]))
    for name, df in result.all_tables().items():
        ctx.write_table(name, df)
    rctx = ctx.for_stage("report")
    tables = rp.read_evaluation(rctx)
    model = rp.build_report(tables, cfg, public_dir=out.public, provenance=None, quality={})
    from mentoring_lib.outputs.render_html import write_html

    path = write_html(model, out.public / "report.html")
    # the page must not need its figures folder: move it away
    shutil.move(str(out.figures), str(out.root / "figures-moved"))
    return path, len(model.figures())


@needs_chromium
def test_report_loads_with_every_image_and_no_errors(report_html, tmp_path):
    path, n_figures = report_html
    res = inspect_page(path, tmp_path, name="desktop")
    check = res["check"]
    assert check["title"].startswith("Compassion mentoring")
    assert len(check["images"]) == n_figures >= 5
    for img in check["images"]:
        assert img["complete"] and img["width"] > 0, img
        assert img["alt"]
    assert check["external"] == []
    assert [u for u in res["requests"] if not u.startswith(("file:", "data:"))] == []
    assert res["errors"] == []
    assert check["sections"] >= 10
    assert res["screenshot"].stat().st_size > 10_000


PHONE_WIDTH = 390


def fits_phone(check: dict) -> bool:
    """The page is laid out at the phone's width and nothing makes it wider. Under mobile emulation
    a too-wide page widens the layout viewport (innerWidth) instead of scrolling, so both are
    compared with the device width, not with each other."""
    return check["innerWidth"] <= PHONE_WIDTH and check["scrollWidth"] <= PHONE_WIDTH + 1


@needs_chromium
def test_report_fits_a_phone(report_html, tmp_path):
    path, _ = report_html
    res = inspect_page(path, tmp_path, width=PHONE_WIDTH, height=844, mobile=True, name="phone")
    check = res["check"]
    # no sideways scrolling of the page (wide tables scroll inside their own box)
    assert fits_phone(check), {k: check[k] for k in ("scrollWidth", "innerWidth")}
    assert res["errors"] == []
    assert all(img["width"] > 0 for img in check["images"])


def smallest_chart_text_px(chart: dict) -> float:
    """The on-screen size (CSS px) of a chart's smallest text: its size in the image's pixels
    scaled by how wide the image is shown."""
    from mentoring_lib.outputs.charts import DPI, MIN_FONT_PT

    return MIN_FONT_PT / 72 * DPI * chart["shown"] / chart["natural"]


@needs_chromium
def test_desktop_tables_show_every_column_at_1280px(report_html, tmp_path):
    """At 1280 px the content column is wide enough for every table: none scrolls (clips) a column."""
    path, _ = report_html
    res = inspect_page(path, tmp_path, width=1280, height=900, name="desktop-1280")
    tables = res["check"]["tables"]
    assert len(tables) >= 8
    clipped = [t for t in tables if t["scrollWidth"] > t["clientWidth"] + 1]
    assert clipped == [], clipped
    assert res["screenshot"].is_file()


@needs_chromium
def test_phone_charts_keep_text_readable_and_tables_their_first_column(report_html, tmp_path):
    """On a phone every chart's smallest text is at least 11 px (a chart scrolls sideways in its
    own box rather than shrink) and a wide table keeps its first column in view (sticky)."""
    path, _ = report_html
    res = inspect_page(path, tmp_path, width=PHONE_WIDTH, height=844, mobile=True, name="phone-charts")
    check = res["check"]
    assert check["charts"]
    small = [(c["alt"], round(smallest_chart_text_px(c), 1)) for c in check["charts"] if smallest_chart_text_px(c) < 11]
    assert small == []
    assert all(t["firstColumn"] == "sticky" for t in check["tables"])
    assert fits_phone(check)


@needs_chromium
def test_chart_text_check_catches_a_chart_shrunk_to_a_phone(tmp_path):
    """The same page with the charts' minimum width removed shrinks them below 11 px: caught."""
    from mentoring_lib.outputs import charts
    from mentoring_lib.outputs.render_html import data_uri

    png = charts.funnel({"Registered": 113, "Accepted": 80, "Active": 75}, tmp_path / "funnel.png").path
    page = tmp_path / "shrunk.html"
    page.write_text('<!DOCTYPE html><html><head><title>c</title><meta name="viewport" content="width=device-width, '
                    f'initial-scale=1"></head><body><img src="{data_uri(png)}" alt="c" style="max-width:100%">'
                    '</body></html>', encoding="utf-8")
    res = inspect_page(page, tmp_path, width=PHONE_WIDTH, height=844, mobile=True, name="shrunk")
    chart = res["check"]["charts"][0]
    assert chart["natural"] > PHONE_WIDTH * 2  # a wide chart, shown at the phone's width
    assert smallest_chart_text_px(chart) < 11


@needs_chromium
def test_phone_check_catches_a_page_wider_than_the_phone(tmp_path):
    page = tmp_path / "wide.html"
    page.write_text('<!DOCTYPE html><html><head><title>wide</title>'
                    '<meta name="viewport" content="width=device-width, initial-scale=1"></head><body>'
                    '<table><tr><td style="min-width: 900px">a wide table cell</td></tr></table>'
                    '</body></html>', encoding="utf-8")
    res = inspect_page(page, tmp_path, width=PHONE_WIDTH, height=844, mobile=True, name="wide")
    assert not fits_phone(res["check"]), res["check"]


@needs_chromium
def test_harness_catches_broken_pages(tmp_path):
    page = tmp_path / "broken.html"
    page.write_text('<!DOCTYPE html><html><head><title>broken</title></head><body>'
                    '<img src="missing.png" alt="x"><script>console.error("boom"); undefined_call();</script>'
                    '</body></html>', encoding="utf-8")
    res = inspect_page(page, tmp_path, name="broken")
    assert res["check"]["images"][0]["width"] == 0
    kinds = {k for k, _ in res["errors"]}
    assert "console" in kinds and "exception" in kinds
