"""Nothing leaves the machine: every front-end, opened in chromium with every request off 127.0.0.1 aborted and
counted, asks nothing of another host once its widgets are up.

One guard for all three (``Guard``): a context-wide route that lets through http(s) to 127.0.0.1 / localhost / ::1
and the host-less schemes (file:, data:, blob:, about:), and aborts and counts everything else; web sockets, which
routes do not see, are counted from the page's ``websocket`` event. The count must be 0:

* JupyterLab (the session's ``lab_server``): a notebook that shows a folioviz widget and a plotly figure, run;
* Voilà as ``make app`` starts it: ``tools/voila_app.py`` with the Makefile's APP_FLAGS on ``demo_10_minutes``
  (the Makefile's default NB), its token read from the URL it prints;
* the static site (``make site``, built as tests/browser/test_static_site.py builds it): a notebook's page.

The lite site has the same guard in tests/lite/conftest.py (``make test-lite``). ``test_the_guard_counts`` checks
the guard itself sees and stops an outside request.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
import sys
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import pytest
from conftest import (
    NOTEBOOKS_DIR,
    REPO_ROOT,
    VIEWPORT,
    committed_widget_outputs,
    hermetic_jupyter_env,
    require_browser,
    wait_for_widgets,
)
from playwright.sync_api import Browser, BrowserContext, Page
from playwright_harness import wait_until
from servers import child_pids, free_port, stop_process
from test_static_site import READY_IDS, WIDGET_FAILURES, WIDGETS_RENDERED, static_site  # noqa: F401  (a fixture)

sys.path.insert(0, str(REPO_ROOT / "tools"))
from app_assets import install as install_plotly_js
from makefile_vars import app_flags

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
HOSTLESS = frozenset({"file", "data", "blob", "about"})
DEMO = "demo_10_minutes.ipynb"
TIMEOUT_MS = 180_000


def is_local(url: str) -> bool:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme in HOSTLESS:
        return True
    return parts.scheme in {"http", "https", "ws", "wss"} and parts.hostname in LOOPBACK


@dataclass
class Guard:
    """Every request of one browser context: the outside ones are aborted and listed in ``outside``."""

    requests: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)

    def route(self, route: Any) -> None:
        url = route.request.url
        self.requests.append(url)
        if is_local(url):
            route.continue_()
        else:
            self.outside.append(url)
            route.abort("blockedbyclient")

    def websocket(self, ws: Any) -> None:
        self.requests.append(ws.url)
        if not is_local(ws.url):
            self.outside.append(ws.url)

    def settle(self, page: Page) -> None:
        """Let what the widgets start once they are up (plotly.js after the first widget, fonts) be asked for."""
        with contextlib.suppress(Exception):
            page.wait_for_load_state("networkidle", timeout=15_000)
        page.evaluate("() => document.fonts.ready.then(() => true)")


@contextlib.contextmanager
def guarded_page(browser: Browser) -> Iterator[tuple[Page, Guard]]:
    guard = Guard()
    context: BrowserContext = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(TIMEOUT_MS)
    context.route("**/*", guard.route)
    page = context.new_page()
    page.on("websocket", guard.websocket)
    try:
        yield page, guard
    finally:
        context.close()
    print(f"[outside] {len(guard.requests)} request(s), {len(guard.outside)} outside: {guard.outside[:10]}")


def _assert_none_outside(guard: Guard, what: str) -> None:
    assert len(guard.requests) > 0, f"{what}: the guard saw no request at all"
    assert len(guard.outside) == 0, f"{what}: {len(guard.outside)} request(s) left 127.0.0.1:\n  " + "\n  ".join(
        guard.outside
    )


# ------------------------------------------------------------------------------------------- the guard


def test_the_guard_counts(browser: Browser) -> None:
    """An image and a fetch to another host are aborted and counted; a data: URL is not."""
    with guarded_page(browser) as (page, guard):
        page.set_content('<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">')
        page.evaluate("() => fetch('https://cdn.example.org/x.js').catch(() => null)")
        page.evaluate("() => fetch('http://127.0.0.1.nip.io/y.js').catch(() => null)")
    assert guard.outside == ["https://cdn.example.org/x.js", "http://127.0.0.1.nip.io/y.js"]


# ---------------------------------------------------------------------------------------------- JupyterLab


def test_jupyterlab(browser: Browser, lab_server: Any, run_all: Any) -> None:
    name = "outside_requests.ipynb"
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.cells = [
        nbformat.v4.new_code_cell("import folioviz\nfolioviz.MappingWordWidget()"),
        nbformat.v4.new_code_cell("from folioviz.render import refcount_figure\nrefcount_figure('truncation')"),
    ]
    lab_server.write_notebook(name, notebook)
    with guarded_page(browser) as (page, guard):
        run_all(page, name)
        wait_for_widgets(page, 1, f"{name} in JupyterLab")
        # folioviz-lazy-figures draws a figure once it comes near the view: bring it there first
        page.locator(".jp-NotebookPanel .jp-RenderedPlotly").first.scroll_into_view_if_needed(timeout=TIMEOUT_MS)
        page.locator(".jp-NotebookPanel .js-plotly-plot").first.wait_for(timeout=TIMEOUT_MS)
        guard.settle(page)
    _assert_none_outside(guard, "JupyterLab")


# --------------------------------------------------------------------------------- Voilà, as make app


@dataclass
class App:
    url: str
    proc: subprocess.Popen[bytes]
    log: Path


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    require_browser("browser")
    if not (NOTEBOOKS_DIR / DEMO).exists():
        pytest.skip(f"notebooks/{DEMO} does not exist")
    base = tmp_path_factory.mktemp("app")
    root = base / "notebooks"
    shutil.copytree(NOTEBOOKS_DIR, root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    env = hermetic_jupyter_env(base)
    env["JUPYTER_PATH"] = str(REPO_ROOT / "folioviz" / "_jupyter")  # as make app: the folioviz-offline template
    install_plotly_js(base / "data")  # as make app does into .venv/share/jupyter
    port = free_port()
    cmd = [sys.executable, str(REPO_ROOT / "tools" / "voila_app.py"), "--no-browser", f"--port={port}"]
    cmd += ["--Voila.port_retries=0", *app_flags(), str(root / DEMO)]
    log = base / "voila.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=base, start_new_session=True)
    try:

        def printed_url() -> str:
            assert proc.poll() is None, log.read_text(errors="replace")
            found = re.search(rf"http://127\.0\.0\.1:{port}/\?token=[\w-]+", log.read_text(errors="replace"))
            return found.group(0) if found else ""

        try:
            url = wait_until(printed_url, "make app to print its URL with a token", 90)
        except TimeoutError:
            pytest.fail("make app printed no URL with a token:\n" + log.read_text(errors="replace"), pytrace=False)
        yield App(url, proc, log)
    finally:
        stop_process(proc, child_pids(proc.pid))


def test_voila_as_make_app(browser: Browser, app: App) -> None:
    with guarded_page(browser) as (page, guard):
        page.goto(app.url, wait_until="commit")
        page.wait_for_selector("#rendered_cells", state="visible", timeout=TIMEOUT_MS)
        wait_for_widgets(page, committed_widget_outputs(DEMO), f"{DEMO} in make app", TIMEOUT_MS, root="body")
        guard.settle(page)
    _assert_none_outside(guard, "make app (Voilà)")


# ------------------------------------------------------------------------------------------ the static site


def test_static_site(browser: Browser, static_site: Any) -> None:  # noqa: F811  (the imported fixture)
    with_widgets = [n for n in READY_IDS if "widget-view+json" in static_site.html(f"{n}.html")]
    assert with_widgets, "no page of the static site embeds a widget"
    name = with_widgets[0]
    with guarded_page(browser) as (page, guard):
        page.goto(static_site.url(f"{name}.html"), wait_until="load")
        page.wait_for_function(WIDGETS_RENDERED, timeout=TIMEOUT_MS, polling=100)
        assert page.evaluate(WIDGET_FAILURES) == []
        guard.settle(page)
    _assert_none_outside(guard, f"the static site's {name}.html")
    assert any(url.startswith("file:") for url in guard.requests)
