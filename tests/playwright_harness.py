"""The one Playwright harness of the browser suites: tests/browser (JupyterLab, Notebook 7, Voila, the static
site) and tests/lite (the JupyterLite site).

Both suites drive Debian's chromium (``/usr/bin/chromium``, never ``playwright install``) and use from here:
  launch_chromium()        a headless chromium with the flags this machine needs (a context manager)
  require_browser(suite)   skip when chromium or playwright is missing (fail instead when CI is set)
  PageLog, open_page()     one context + page per test: every request, the requests that would leave the
                           machine (recorded, or aborted with ``block_external``), console and page errors;
                           a screenshot on the way out
  wait_for_function(), wait_for_selector(), wait_until()
                           every wait is on a condition, with a timeout and a message naming what was awaited;
                           no test waits a fixed time (tests/test_browser_suite_rules.py holds that)
  click_menu(), run_all_and_wait()
                           Edit > Clear Outputs, then Run > Run All Cells, waiting for the run to start and
                           then to finish (both JupyterLab and JupyterLite)
  press_plotly_slider_start()
                           rewind a plotly figure with its own slider, without plotly's press/redraw race
  KERNEL_READY, PLOTLY_IDLE, CODE_PROMPTS, ...   the page conditions they share

The module is imported as ``playwright_harness``: tests/conftest.py puts tests/ on sys.path (pytest's rootdir
conftest), as it does for every conftest-less helper of the suite.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page

REPO_ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS_DIR = REPO_ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")

# Needed on this machine: root needs --no-sandbox; without the background-networking flags chromium keeps
# dialling Google's hosts, which the closed network refuses. Playwright gives every launch() a fresh temporary
# profile itself (it rejects --user-data-dir in args).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1400, "height": 900}
DEFAULT_TIMEOUT_MS = 30_000  # any Playwright action or expect() without its own timeout (both set below)

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
LOCAL_SCHEMES = frozenset({"data", "blob", "about"})
WEB_SCHEMES = frozenset({"http", "https", "ws", "wss"})

# ------------------------------------------------------------------------------------ page conditions

NOTEBOOK = ".jp-NotebookPanel .jp-Notebook"
KERNEL_IDLE = ".jp-NotebookPanel .jp-Notebook-ExecutionIndicator[data-status='idle']"
# While the notebook loads, the indicator briefly says "idle" with "No Kernel" in the toolbar, before the
# kernel starts (initializing, connecting, unknown, idle): wait for idle *with* a kernel name.
KERNEL_NAME = ".jp-NotebookPanel-toolbar [data-jp-item-name='kernelName']"
KERNEL_READY = f"""() => {{
  const name = document.querySelector({json.dumps(KERNEL_NAME)});
  const label = name ? name.textContent.trim() : "";
  return document.querySelector({json.dumps(KERNEL_IDLE)}) !== null && label !== "" && label !== "No Kernel";
}}"""
CODE_PROMPTS = "[...document.querySelectorAll('.jp-NotebookPanel .jp-CodeCell .jp-InputPrompt')]"
PROMPTS_CLEARED = f"() => !{CODE_PROMPTS}.some(p => /\\[[*0-9]+\\]/.test(p.textContent))"
RUN_STARTED = f"() => {CODE_PROMPTS}.some(p => /\\[[*0-9]+\\]/.test(p.textContent))"
RUN_FINISHED = f"""() => {{
  const prompts = {CODE_PROMPTS};
  const idle = document.querySelector({json.dumps(KERNEL_IDLE)}) !== null;
  return idle && prompts.length > 0 && !prompts.some(p => p.textContent.includes("[*]"));
}}"""
# A plotly graph that is not animating: plotly's own bookkeeping (plotly.js: _transitionData._animationRaf is the
# pending animation frame, _frameQueue the frames still to play). The graph div is the element itself or a div
# inside it: the one plotly gave a _fullLayout.
_GRAPH = "(root._fullLayout ? root : [...root.querySelectorAll('div')].find(node => node._fullLayout))"
PLOTLY_IDLE = f"""root => {{
  const gd = {_GRAPH};
  const td = gd && gd._transitionData;
  return !!td && !td._animationRaf && !(td._frameQueue && td._frameQueue.length);
}}"""
# Resolves after the browser has painted twice: whatever the last event changed is on the screen.
PAINTED = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => done(true))))"

# -------------------------------------------------------------------------------------- availability


def unavailable_reason() -> str | None:
    """Why the browser suites cannot run here (None: they can)."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (Debian: apt-get install chromium; tools/ensure_chromium.sh)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the Python package playwright is not installed (pip install -e '.[lab,dev]')"
    return None


def skip_or_fail(suite: str, reason: str) -> NoReturn:
    """Skip: the suite cannot run here. In CI that is a failure instead, so a broken runner cannot pass."""
    if os.environ.get("CI"):
        pytest.fail(f"{suite} tests cannot run: {reason} (CI is set, so this fails instead of skipping)")
    pytest.skip(f"{suite} tests skipped: {reason}")


def require_browser(suite: str) -> None:
    reason = unavailable_reason()
    if reason is not None:
        skip_or_fail(suite, reason)


@contextlib.contextmanager
def launch_chromium(suite: str) -> Iterator[Browser]:
    """Debian's chromium, headless, through Playwright; closed (and Playwright stopped) on the way out."""
    require_browser(suite)
    from playwright.sync_api import expect, sync_playwright

    # expect() keeps its own default (5 s), apart from the context's: give it the suite's, or an assertion that
    # waits for a kernel round trip fails on a loaded CI machine (one did: a value row opened after 5 s).
    expect.set_options(timeout=DEFAULT_TIMEOUT_MS)
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
    except Exception:
        playwright.stop()
        raise
    try:
        yield chromium
    finally:
        chromium.close()
        playwright.stop()


# ------------------------------------------------------------------------------ pages and what they do


def is_local(url: str, hosts: frozenset[str] = LOOPBACK_HOSTS, schemes: frozenset[str] = LOCAL_SCHEMES) -> bool:
    """A URL that stays on this machine: a local scheme (data:, blob:, ...), or http(s)/ws(s) to ``hosts``."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme in schemes:
        return True
    return parts.scheme in WEB_SCHEMES and parts.hostname in hosts


@dataclass
class PageLog:
    """What a test's page did: every request URL, the ones that would leave the machine, console and page errors.

    ``hosts``/``schemes`` say what is local (see :func:`is_local`).
    """

    hosts: frozenset[str] = LOOPBACK_HOSTS
    schemes: frozenset[str] = LOCAL_SCHEMES
    requests: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    page_error_stacks: list[str] = field(default_factory=list)  # same order as page_errors

    def is_local(self, url: str) -> bool:
        return is_local(url, self.hosts, self.schemes)

    def record_request(self, url: str) -> None:
        self.requests.append(url)
        if not self.is_local(url):
            self.external_requests.append(url)

    def errors(self) -> list[str]:
        return [f"console: {e}" for e in self.console_errors] + [f"page error: {e}" for e in self.page_errors]

    def assert_no_errors(self) -> None:
        errors = self.errors()
        assert not errors, "the page logged errors:\n  " + "\n  ".join(errors)

    def assert_no_external_requests(self) -> None:
        external = self.external_requests
        assert not external, "requests left loopback:\n  " + "\n  ".join(external)


def artifact_name(node: pytest.Item) -> str:
    """A file name for ``node``'s screenshot (without pytest-playwright's browser_name parameter)."""
    name = re.sub(r"(?<=[\[-])chromium(?=[\]-])", "", node.name).replace("[-", "[").replace("-]", "]")
    name = name.replace("[]", "")
    return re.sub(r"[^\w.-]+", "_", name).strip("_")


@contextlib.contextmanager
def open_page(
    browser: Browser,
    log: PageLog,
    *,
    block_external: bool = False,
    screenshot: Path | None = None,
    console_location: bool = True,
) -> Iterator[Page]:
    """A new context and page on ``browser`` that report to ``log``; the context is closed on the way out.

    Every request (and WebSocket) is recorded; one that would leave the machine goes to
    ``log.external_requests`` and, with ``block_external`` (the offline guard), is aborted too. Console errors
    (with their source URL when ``console_location``) and uncaught page errors (with their stacks) are kept.
    ``screenshot``: where to save a full-page screenshot before closing (for the record; failures ignored).
    """
    context = browser.new_context(viewport=VIEWPORT)  # type: ignore[arg-type]
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    if block_external:

        def guard(route: Any) -> None:
            url = route.request.url
            if log.is_local(url):
                route.continue_()
            else:
                log.external_requests.append(url)
                route.abort()

        context.route("**/*", guard)
        context.on("request", lambda request: log.requests.append(request.url))
    else:
        context.on("request", lambda request: log.record_request(request.url))
    page = context.new_page()
    if not block_external:
        page.on("websocket", lambda ws: log.record_request(ws.url))

    def on_console(msg: Any) -> None:
        if msg.type == "error":
            where = msg.location.get("url") if console_location else None
            log.console_errors.append(f"{msg.text} ({where})" if where else msg.text)

    def on_page_error(exc: Any) -> None:
        log.page_errors.append(str(exc))
        log.page_error_stacks.append(getattr(exc, "stack", None) or "")

    page.on("console", on_console)
    page.on("pageerror", on_page_error)
    try:
        yield page
    finally:
        if screenshot is not None:
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            try:
                page.screenshot(path=str(screenshot), full_page=True, timeout=10_000)
            except Exception as exc:  # the page may be gone
                print(f"[page] screenshot {screenshot} failed: {exc}")
        if log.errors():
            print("[page] errors logged by the page:\n  " + "\n  ".join(log.errors()))
        context.close()


# ---------------------------------------------------------------------------------------------- waits


def wait_for_function(
    page: Page,
    script: str,
    what: str,
    timeout_ms: int,
    *,
    arg: Any = None,
    polling: int = 100,
    describe: Callable[[], str] | None = None,
) -> Any:
    """Wait until ``script`` (a JS function of ``arg``) returns something truthy, and return its value.

    On timeout the test fails with ``what`` and, when given, ``describe()`` (the state of the page).
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    try:
        handle = page.wait_for_function(script, arg=arg, timeout=timeout_ms, polling=polling)
    except PlaywrightTimeoutError:
        state = f"\n  {describe()}" if describe else ""
        pytest.fail(f"timed out after {timeout_ms / 1000:.0f} s waiting for {what}{state}", pytrace=False)
    return handle.json_value()


def wait_for_selector(
    page: Page, selector: str, what: str, timeout_ms: int, *, describe: Callable[[], str] | None = None
) -> None:
    """Wait until ``selector`` is attached and visible; on timeout fail naming ``what``."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    try:
        page.wait_for_selector(selector, timeout=timeout_ms)
    except PlaywrightTimeoutError:
        state = f"\n  {describe()}" if describe else ""
        waited = f"timed out after {timeout_ms / 1000:.0f} s waiting for {what} ({selector!r})"
        pytest.fail(waited + state, pytrace=False)


def wait_until(condition: Callable[[], Any], what: str, timeout_s: float, interval_s: float = 0.2) -> Any:
    """Poll ``condition()`` (outside the browser: a server coming up, a log line) until it returns something
    truthy, and return it; raise TimeoutError naming ``what`` after ``timeout_s``.

    ``condition`` may raise ``OSError`` (connection refused, ...) while it is not met yet.
    """
    deadline = time.monotonic() + timeout_s
    last_error: BaseException | None = None
    while True:
        try:
            result = condition()
        except OSError as exc:
            result, last_error = None, exc
        if result:
            return result
        if time.monotonic() > deadline:
            detail = f" (last error: {last_error})" if last_error else ""
            raise TimeoutError(f"timed out after {timeout_s:.0f} s waiting for {what}{detail}")
        time.sleep(interval_s)


# ------------------------------------------------------------------------------------- running notebooks


def click_menu(page: Page, menu: str, item: str) -> None:
    """``menu`` > ``item`` in the menu bar of JupyterLab, Notebook 7 or JupyterLite."""
    # exact=True matters: a loose match for "Run All Cells" can hit a hidden item, and then nothing runs.
    page.get_by_role("menuitem", name=menu, exact=True).click()
    page.get_by_role("menuitem", name=item, exact=True).click()


# Armed before the press: set once plotly has drawn the frame the press asked for.
_ARM_REWIND = f"""root => {{ const gd = {_GRAPH}; window.__fvRewound = false;
  gd.once('plotly_animated', () => {{ window.__fvRewound = true; }}); }}"""
# The slider's own flag (plotly.js keeps it on the slider's options) that a press is still held.
_SLIDER_RELEASED = f"""root => {{ const gd = {_GRAPH};
  const group = gd && gd.querySelector('g.slider-group');
  return !!group && !!group.__data__ && !group.__data__._dragging; }}"""


def press_plotly_slider_start(page: Page, plot: Locator) -> None:
    """Rewind a plotly figure by pressing its slider at the first step, releasing once that frame is drawn.

    Not a plain ``click()``: plotly.js (seen with 4.1.1) marks its slider as held on mousedown and clears the mark on
    mouseup, on whichever slider options it has at that moment. The press redraws the figure (the steps animate with
    ``redraw: true``), and the redraw makes new options that copy the mark. A mouseup that arrives after the copy but
    before the slider is drawn from the new options clears the old ones, and from then on the slider ignores the
    animation: the figure plays while its label stays at the first step. Playwright's click sends its mouseup that
    soon on a busy machine (CI did once); a person's press lasts longer. Waiting for the frame before the release
    tests the slider without that race.
    """
    graph = plot.element_handle()
    label = plot.locator(".slider-container .slider-label-group").first
    label.scroll_into_view_if_needed()  # the mouse presses where the label is on the screen
    box = label.bounding_box()
    assert box is not None, "the figure has no slider to press"
    page.evaluate(_ARM_REWIND, graph)
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    wait_for_function(page, "() => window.__fvRewound === true", "plotly to draw the slider's first step", 30_000)
    page.mouse.up()
    wait_for_function(page, _SLIDER_RELEASED, "the slider to be released (plotly's _dragging unset)", 10_000, arg=graph)


def run_all_and_wait(
    page: Page,
    what: str,
    *,
    start: Callable[[], None] | None = None,
    finished: str = RUN_FINISHED,
    start_timeout_ms: int,
    finish_timeout_ms: int,
    describe: Callable[[], str] | None = None,
) -> float:
    """Run every cell of the open notebook and wait until the run has finished; return its seconds.

    Outputs are cleared first (Edit > Clear Outputs of All Cells), so every prompt is back to ``[ ]``: a prompt
    showing ``[*]`` or a number then means this run has started, and stale outputs never stand in for fresh
    ones. ``start`` starts the run (default: Run > Run All Cells); ``finished`` is the page condition for its end.
    """
    click_menu(page, "Edit", "Clear Outputs of All Cells")
    reset = f"Edit > Clear Outputs of All Cells to reset the prompts of {what}"
    wait_for_function(page, PROMPTS_CLEARED, reset, start_timeout_ms, describe=describe)
    started = time.monotonic()
    (start or (lambda: click_menu(page, "Run", "Run All Cells")))()
    began = f"the run of {what} to start (a code cell showing [*] or [n])"
    wait_for_function(page, RUN_STARTED, began, start_timeout_ms, describe=describe)
    ended = f"the run of {what} to finish"
    wait_for_function(page, finished, ended, finish_timeout_ms, polling=250, describe=describe)
    return time.monotonic() - started
