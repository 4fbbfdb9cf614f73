"""The offline static site (python -m tools.site) in a real browser, opened from file:// with the network cut.

The site is built once per session into a temporary directory (or taken from ``$FOLIOVIZ_SITE``, e.g.
``FOLIOVIZ_SITE=site`` after ``python -m tools.site``). Every page is opened in chromium with the
context offline and every non-file request aborted: a request that is not a file inside the site (or a
data:/blob:/about: URL) fails the test, and so does any console error.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from playwright_harness import PLOTLY_IDLE, press_plotly_slider_start  # PLOTLY_IDLE: no animation frame pending

from folioviz.kernel.datafiles import workbook_notebooks

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

REPO_ROOT = Path(__file__).resolve().parents[2]
BUILDER = [sys.executable, "-m", "tools.site"]  # run from REPO_ROOT
ARTIFACTS_DIR = REPO_ROOT / "test-artifacts"
# the first test pays for the site build (given 900 s)
pytestmark = pytest.mark.timeout(1200)
EXIT_ASSETS_UNAVAILABLE = 3  # tools.site: the npm assets are neither cached nor downloadable
VIEWPORT = {"width": 1400, "height": 900}
RENDER_TIMEOUT_MS = 30_000

READY = workbook_notebooks("ready")
READY_IDS = [entry.id for entry in READY]

WIDGET_VIEW = 'script[type="application/vnd.jupyter.widget-view+json"]'
# Every widget view the page embeds has been rendered by the html-manager into its .widget-subarea
# (a failed view says "Error displaying widget" there, and only console.log()s why).
WIDGETS_RENDERED = f"""() => [...document.querySelectorAll({WIDGET_VIEW!r})].every(script => {{
  const sub = script.parentElement.querySelector(':scope > .widget-subarea');
  return sub !== null && sub.childElementCount > 0;
}})"""
WIDGET_FAILURES = f"""() => [...document.querySelectorAll({WIDGET_VIEW!r})]
  .map(script => script.parentElement)
  .filter(div => div.textContent.includes('Error displaying widget'))
  .map(div => div.id)"""


# ---------------------------------------------------------------------------------------------- the site


@dataclass(frozen=True)
class Site:
    root: Path
    built_in_s: float | None
    report: str

    def url(self, page: str) -> str:
        return (self.root / page).as_uri()

    def html(self, page: str) -> str:
        return (self.root / page).read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def static_site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    given = os.environ.get("FOLIOVIZ_SITE")
    if not given and not (REPO_ROOT / "tools" / "site").exists():
        pytest.skip("tools/site is not here (an sdist?) and FOLIOVIZ_SITE is not set")
    if given:
        root = Path(given).resolve()
        if not (root / "index.html").is_file():
            pytest.fail(f"FOLIOVIZ_SITE={given}: no index.html there (build it: python -m tools.site)")
        return Site(root, None, f"(reused {root})")
    root = tmp_path_factory.mktemp("static-site") / "site"
    started = time.monotonic()
    done = subprocess.run(
        [*BUILDER, "--out", str(root)], capture_output=True, text=True, cwd=REPO_ROOT, check=False, timeout=900
    )
    elapsed = time.monotonic() - started
    output = (done.stdout + done.stderr).strip()
    if done.returncode == EXIT_ASSETS_UNAVAILABLE and not os.environ.get("CI"):
        pytest.skip(f"the static site cannot be built here (no npm assets):\n{output}")
    if done.returncode != 0:
        pytest.fail(
            f"python -m tools.site failed (exit {done.returncode}) after {elapsed:.1f} s:\n{output}", pytrace=False
        )
    print(f"\n[static-site] built in {elapsed:.1f} s\n{done.stdout}")
    return Site(root, elapsed, done.stdout)


# ----------------------------------------------------------------------------------------- offline page


@dataclass
class OfflineLog:
    site_root: Path
    requests: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def record(self, url: str) -> None:
        self.requests.append(url)
        if not self.inside_site(url):
            self.outside.append(url)

    def inside_site(self, url: str) -> bool:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme in {"data", "blob", "about"}:
            return True
        if parts.scheme != "file":
            return False
        path = Path(urllib.parse.unquote(parts.path)).resolve()
        return path == self.site_root or self.site_root in path.parents

    def problems(self) -> list[str]:
        return (
            [f"request outside the site: {u}" for u in self.outside]
            + [f"failed request: {f}" for f in self.failed]
            + [f"console error: {e}" for e in self.console_errors]
            + [f"page error: {e}" for e in self.page_errors]
        )


def _shot_name(node: pytest.Item) -> str:
    return "static-site-" + re.sub(r"[^\w.-]+", "_", node.name).strip("_")


@pytest.fixture
def offline_page(
    browser: Browser, static_site: Site, request: pytest.FixtureRequest
) -> Iterator[tuple[Page, OfflineLog]]:
    """A page in a fresh context with the network cut: offline, and every non-local request aborted."""
    log = OfflineLog(static_site.root)
    context = browser.new_context(viewport=VIEWPORT, offline=True)
    context.set_default_timeout(RENDER_TIMEOUT_MS)
    context.on("request", lambda req: log.record(req.url))
    context.on("requestfailed", lambda req: log.failed.append(f"{req.url} ({req.failure})"))

    def abort(route: Any) -> None:  # belt and braces: offline already refuses, this also records
        route.abort("internetdisconnected")

    context.route(re.compile(r"^(?!file:|data:|blob:|about:)"), abort)
    page = context.new_page()
    page.on("websocket", lambda ws: log.record(ws.url))

    def on_console(msg: Any) -> None:
        if msg.type == "error":
            where = msg.location.get("url")
            log.console_errors.append(f"{msg.text} ({where})" if where else msg.text)

    page.on("console", on_console)
    page.on("pageerror", lambda exc: log.page_errors.append(str(exc)))
    try:
        yield page, log
    finally:
        ARTIFACTS_DIR.mkdir(exist_ok=True)
        try:
            page.screenshot(path=str(ARTIFACTS_DIR / f"{_shot_name(request.node)}.png"), timeout=10_000)
        except Exception as exc:
            print(f"[static-site] screenshot failed: {exc}")
        context.close()
    problems = log.problems()
    if problems:
        pytest.fail(
            "the page did not stay inside the site, or logged errors:\n  " + "\n  ".join(problems), pytrace=False
        )


def _open(page: Page, site: Site, name: str) -> float:
    started = time.monotonic()
    page.goto(site.url(name), wait_until="load")
    return time.monotonic() - started


# ---------------------------------------------------------------------------------------------- the tests


def test_one_copy_of_each_shared_asset(static_site: Site) -> None:
    files = [p for p in static_site.root.rglob("*") if p.is_file()]
    for asset in ("plotly.min.js", "embed-amd.js", "require.js", "index.css"):
        copies = [p.relative_to(static_site.root).as_posix() for p in files if p.name == asset]
        assert len(copies) == 1, f"expected one copy of {asset} in the site, found {copies}"
    for name in READY_IDS:
        html = static_site.html(f"{name}.html")
        figures = html.count('class="plotly-graph-div"')
        srcs = re.findall(r'<script[^>]*\bsrc="([^"]*)"', html)
        expected = ["static/plotly.min.js", "static/require.js"] if figures else ["static/require.js"]
        assert srcs == expected, f"{name}.html loads scripts {srcs}, expected {expected}"
        assert "plotly.js v" not in html, f"{name}.html inlines plotly.js"
        for css in re.findall(r'<link[^>]*\bhref="([^"]*\.css)"', html):
            assert (static_site.root / css).is_file(), f"{name}.html links {css}, which is not in the site"
        if "application/vnd.jupyter.widget-state+json" in html:
            assert "var widgetRendererSrc = 'static/widgets/embed-amd.js';" in html
        assert not re.search(r"unpkg\.com|cdn\.jsdelivr|cdnjs\.", html), f"{name}.html names a CDN"
        assert len(html.encode()) < 3_000_000, f"{name}.html is {len(html.encode())} bytes: something got inlined"


def test_index_lists_the_ready_notebooks_in_order(offline_page: tuple[Page, OfflineLog], static_site: Site) -> None:
    page, _ = offline_page
    _open(page, static_site, "index.html")
    links = page.locator("ol.notebooks a")
    assert links.evaluate_all("els => els.map(a => a.getAttribute('href'))") == [f"{i}.html" for i in READY_IDS]
    assert [t.strip() for t in links.all_inner_texts()] == [entry.title for entry in READY]
    for name in READY_IDS:
        assert (static_site.root / f"{name}.html").is_file()
    note = page.locator(".note")
    assert "make lab" in note.inner_text()
    assert "static" in note.inner_text()
    style = page.evaluate(
        "() => { const s = getComputedStyle(document.body); return [parseFloat(s.fontSize), s.fontFamily]; }"
    )
    assert style[0] >= 18, f"the index's body type is {style[0]}px"
    assert "system-ui" in style[1]
    # a link works from file://
    links.first.click()
    page.wait_for_load_state("load")
    assert page.url == static_site.url(f"{READY_IDS[0]}.html")


@pytest.mark.parametrize("name", READY_IDS)
def test_notebook_page_renders_offline(offline_page: tuple[Page, OfflineLog], static_site: Site, name: str) -> None:
    page, log = offline_page
    loaded = _open(page, static_site, f"{name}.html")
    started = time.monotonic()
    views = page.locator(WIDGET_VIEW).count()
    figures = page.locator(".plotly-graph-div").count()
    if views:
        page.wait_for_function(WIDGETS_RENDERED, timeout=RENDER_TIMEOUT_MS, polling=100)
        assert page.evaluate(WIDGET_FAILURES) == []
        page.locator(".jupyter-widgets .widget-subarea > *").first.wait_for(state="visible")
    if figures:
        page.wait_for_function(
            f"() => document.querySelectorAll('.js-plotly-plot .main-svg').length >= {figures}",
            timeout=RENDER_TIMEOUT_MS,
            polling=100,
        )
        assert page.locator(".js-plotly-plot").count() == figures
    assert page.locator("nav.fv-site-nav a[href='index.html']").count() == 1
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").all_inner_texts()
    assert not [e for e in errors if "Traceback" in e or "Error" in e], errors
    print(
        f"[static-site] {name}: load {loaded:.2f} s, {views} widget views + {figures} plotly figures rendered "
        f"{time.monotonic() - started:.2f} s later; {len(log.requests)} requests, all inside the site"
    )


def test_mapping_word_bits_render_their_stored_state(offline_page: tuple[Page, OfflineLog], static_site: Site) -> None:
    page, _ = offline_page
    name = "01_the_mapping_word"
    if name not in READY_IDS:
        pytest.skip(f"{name} is not ready")
    _open(page, static_site, f"{name}.html")
    bits = page.locator(".fv-bit")
    bits.first.wait_for(state="visible")
    assert bits.count() >= 64
    first_widget_bits = page.locator(".jupyter-widgets").filter(has=page.locator(".fv-bit")).first.locator(".fv-bit")
    texts = first_widget_bits.all_inner_texts()
    assert len(texts) in (32, 64), f"the first mapping-word widget shows {len(texts)} bits"
    assert set(texts) <= {"0", "1"} and "1" in texts, "the stored word's set bits are not shown"
    assert page.locator(".widget-dropdown select").first.is_visible()


def test_plotly_animation_plays_offline(offline_page: tuple[Page, OfflineLog], static_site: Site) -> None:
    page, _ = offline_page
    name = "02_page_cache_refcounts"
    if name not in READY_IDS:
        pytest.skip(f"{name} is not ready")
    _open(page, static_site, f"{name}.html")
    from playwright.sync_api import expect

    plot = page.locator(".js-plotly-plot").first
    plot.scroll_into_view_if_needed()
    expect(plot.locator(".main-svg").first).to_be_visible()
    # what the slider says at its first and last step, read from the figure itself
    prefix, first, last, frames = plot.evaluate(
        """gd => { const s = gd.layout.sliders[0]; const p = (s.currentvalue || {}).prefix || '';
                   return [p, p + s.steps[0].label, p + s.steps[s.steps.length - 1].label,
                           (gd._transitionData._frames || []).length]; }"""
    )
    assert frames == len(plot.evaluate("gd => gd.layout.sliders[0].steps")), "the frames were not added"
    slider_label = plot.locator(".slider-container .slider-label").first
    # The page plays the figure once when it is drawn (plotly's auto_play); a rewind or a play clicked while that
    # runs is overtaken by it (seen under pytest-xdist's load). Wait for plotly's animation queue to be empty.
    graph = plot.element_handle()
    page.wait_for_function(PLOTLY_IDLE, arg=graph, timeout=30_000)
    press_plotly_slider_start(page, plot)  # rewind with the figure's own slider
    expect(slider_label).to_have_text(first, timeout=10_000)
    page.wait_for_function(PLOTLY_IDLE, arg=graph, timeout=30_000)
    page.evaluate(
        """() => { window.__fvFrames = 0; window.__fvStop = false;
                   const tick = () => { window.__fvFrames++; if (!window.__fvStop) requestAnimationFrame(tick); };
                   requestAnimationFrame(tick); }"""
    )
    started = time.monotonic()
    plot.locator(".updatemenu-button").first.click()  # the figure's own play button
    expect(slider_label, "the plotly animation did not reach its last step").to_have_text(last, timeout=30_000)
    elapsed = time.monotonic() - started
    painted = page.evaluate("() => { window.__fvStop = true; return window.__fvFrames; }")
    print(
        f"[static-site] play: {first!r} -> {last!r} over {frames} frames in {elapsed:.2f} s "
        f"({(frames - 1) / elapsed:.2f} steps/s); chromium painted {painted / elapsed:.0f} frames/s meanwhile"
    )
    assert prefix == "" or last.startswith(prefix)


# ------------------------------------------------------------------------------------ an anywidget widget

# A tiny anywidget (folioviz's bit field is one): its front-end must come from the site, not a CDN.
ANYWIDGET_CELL = '''
import anywidget, traitlets

class Tiny(anywidget.AnyWidget):
    _esm = """export default { render({ model, el }) {
      const b = document.createElement("button");
      b.className = "fv-any-test";
      b.setAttribute("aria-label", "word " + model.get("word"));
      b.textContent = model.get("word");
      el.appendChild(b);
    } };"""
    word = traitlets.Unicode("0xffff888003a1c001").tag(sync=True)

Tiny()
'''


def _load_builder() -> Any:
    from tools.site import build

    return build


def _unavailable() -> type[Exception]:
    from tools.pinned import DownloadUnavailableError

    return DownloadUnavailableError


def test_an_anywidget_renders_offline_from_the_site(
    browser: Browser, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The site serves anywidget's AMD front-end itself: an anywidget's stored state renders from file://, offline."""
    pytest.importorskip("anywidget")
    import nbformat
    from nbclient import NotebookClient

    bs = _load_builder()
    DownloadUnavailableError = _unavailable()
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(ANYWIDGET_CELL)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    assert "anywidget" in bs.widget_modules(nb)
    nbformat.write(nb, notebooks / "tiny_anywidget.ipynb")
    monkeypatch.setattr(bs, "NOTEBOOKS", notebooks)
    monkeypatch.setattr(bs, "ready_notebooks", lambda: [bs.Notebook("tiny_anywidget", "A tiny anywidget", "")])
    try:
        summary = bs.build_site(tmp_path / "site")
    except DownloadUnavailableError as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"the static site cannot be built here: {exc}")
    root = summary["out"]
    assert (root / "static/widgets/anywidget.js").is_file()
    html = (root / "tiny_anywidget.html").read_text()
    assert '"anywidget":"static/widgets/anywidget"' in html.replace(" ", "")

    log = OfflineLog(root)
    context = browser.new_context(viewport=VIEWPORT, offline=True)
    context.on("request", lambda req: log.record(req.url))
    context.on("requestfailed", lambda req: log.failed.append(f"{req.url} ({req.failure})"))
    context.route(re.compile(r"^(?!file:|data:|blob:|about:)"), lambda route: route.abort("internetdisconnected"))
    try:
        page = context.new_page()
        page.on("console", lambda msg: msg.type == "error" and log.console_errors.append(msg.text))
        page.on("pageerror", lambda exc: log.page_errors.append(str(exc)))
        page.goto((root / "tiny_anywidget.html").as_uri(), wait_until="load")
        button = page.locator("button.fv-any-test")
        button.wait_for(state="visible", timeout=RENDER_TIMEOUT_MS)
        assert button.inner_text() == "0xffff888003a1c001"
        assert page.evaluate(WIDGET_FAILURES) == []
        assert any(u.endswith("/static/widgets/anywidget.js") for u in log.requests)
    finally:
        context.close()
    assert not log.problems(), "\n".join(log.problems())
