"""Voilà app mode, for demos: the workbook's widgets as a standalone page, offline, in a real browser.

One Voilà server per module (``voila <scratch copy of notebooks/>`` on 127.0.0.1, a free port, a token, no
browser), started and stopped here. Voilà runs each notebook in a fresh kernel when its page is requested
and shows only the outputs.

Offline, Voilà's stock ``lab`` template links two Font Awesome 5 stylesheets from cdn.jsdelivr.net. They are
redundant: Voilà's own bundle (``voila/templates/lab/static/index.css``) already declares the Font Awesome
5 faces and ships the font files, so the icons (the stepper's play button) render from 127.0.0.1. No
``VoilaConfiguration`` setting drops those two links (``file_allowlist`` only filters local static files),
but a template that extends ``lab`` does: the ``folioviz-offline`` template folioviz ships, served from the
hermetic Jupyter data dir and picked per page with ``?template=folioviz-offline`` (Voilà's ``allow_template_override``
is "YES" by default; a demo would pass ``--template=folioviz-offline``). With it a page makes no request
outside 127.0.0.1. ``test_stock_template_needs_the_cdn_for_nothing`` keeps the stock template honest: its only
non-loopback requests are those CDN stylesheets (or MathJax), and the page renders and works with them
refused.

``--VoilaConfiguration.extension_denylist=@jupyter-notebook/lab-extension``: Voilà loads every installed
JupyterLab extension; Notebook 7's lab-extension fails to load in Voilà's page ("The getter for the shared
module is not a function ... #RUNTIME-012", a console error) and is of no use there. jupytext's
extension (jupytext builds the notebooks) fails the same way, and plotly's is not needed (the template draws
the figures): the test takes ``make app``'s denylist from the Makefile.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import (
    ARTIFACTS_DIR,
    NOTEBOOKS_DIR,
    REPO_ROOT,
    VIEWPORT,
    PageLog,
    _child_pids,
    _free_port,
    _require_browser,
    committed_widget_outputs,
    hermetic_jupyter_env,
    wait_for_widgets,
)
from playwright.sync_api import Page, expect
from playwright_harness import wait_until

from tools.makefile_vars import app_flags

sys.path.insert(0, str(REPO_ROOT / "tools"))
from app_assets import install as install_plotly_js

MAPPING_WORD = "01_the_mapping_word.ipynb"
DEMO = "demo_10_minutes.ipynb"
MKWRITE = "03_do_page_mkwrite.ipynb"
TEMPLATE = "folioviz-offline"
START_TIMEOUT_S = 60.0
RENDER_TIMEOUT_MS = 120_000  # the page arrives as the kernel runs the notebook, cell by cell

# Voilà's lab template minus its two Font Awesome <link>s: the same notebook_css block, with the
# grandparent's (nbconvert's lab template) content instead of the parent's.
# The template folioviz ships for `make app`: Voilà's lab template without its two Font Awesome
# <link>s (folioviz/_jupyter/voila/templates/folioviz-offline).
SHIPPED_TEMPLATES = REPO_ROOT / "folioviz" / "_jupyter" / "voila" / "templates"

# What the stock template may ask the network for, and nothing else.
CDN_ALLOWED = re.compile(
    r"^https://(cdn\.jsdelivr\.net/npm/@fortawesome/fontawesome-free@[^/]+/css/[\w.-]+\.css"
    r"|cdnjs\.cloudflare\.com/ajax/libs/(mathjax|font-awesome)/.*"
    r"|cdn\.jsdelivr\.net/npm/mathjax@.*)$"
)


@dataclass
class VoilaServer:
    base_url: str
    token: str
    log_path: Path
    proc: subprocess.Popen[bytes]

    def render_url(self, name: str, **query: str) -> str:
        query = {"token": self.token, **query}
        return f"{self.base_url}/voila/render/{urllib.parse.quote(name)}?{urllib.parse.urlencode(query)}"

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError as exc:
            return f"(no Voilà log: {exc})"


@pytest.fixture(scope="module")
def voila_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VoilaServer]:
    _require_browser()
    base = tmp_path_factory.mktemp("voila")
    root = base / "notebooks"
    shutil.copytree(NOTEBOOKS_DIR, root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    env = hermetic_jupyter_env(base)
    # on jupyter_path(): Voilà finds the shipped template there
    shutil.copytree(SHIPPED_TEMPLATES / TEMPLATE, base / "data" / "voila" / "templates" / TEMPLATE)
    install_plotly_js(base / "data")  # as `make app` does into .venv/share/jupyter

    token = secrets.token_hex(16)
    port = _free_port()
    cmd = [
        sys.executable,
        "-m",
        "voila",
        str(root),
        "--no-browser",
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
        "--Voila.port_retries=0",
        f"--Voila.token={token}",
        # `make app`'s own extension denylist (Makefile APP_FLAGS), so the two cannot drift apart
        *(flag for flag in app_flags() if flag.startswith("--VoilaConfiguration.extension_denylist=")),
    ]
    log_path = base / "voila.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=base, start_new_session=True)
    server = VoilaServer(f"http://127.0.0.1:{port}", token, log_path, proc)
    try:
        _wait_until_ready(server)
        yield server
    finally:
        _stop(server)


def _wait_until_ready(server: VoilaServer) -> None:
    started = time.monotonic()

    def answered() -> bool:
        if server.proc.poll() is not None:
            raise RuntimeError(f"voila exited with code {server.proc.returncode}\n{server.log_tail()}")
        with urllib.request.urlopen(f"{server.base_url}/voila/tree?token={server.token}", timeout=2):
            return True  # URLError (an OSError) until the server answers

    try:
        wait_until(answered, f"voila to answer at {server.base_url}", START_TIMEOUT_S)
    except TimeoutError as exc:
        raise RuntimeError(f"{exc}\n{server.log_tail()}") from None
    print(f"[voila] ready in {time.monotonic() - started:.1f} s at {server.base_url}")


def _stop(server: VoilaServer) -> None:
    children = _child_pids(server.proc.pid)
    if server.proc.poll() is None:
        server.proc.terminate()  # Voilà shuts its kernels down on SIGTERM
        try:
            server.proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(server.proc.pid, signal.SIGKILL)
            server.proc.wait(5)
    for pid in children:  # kernels left behind, if any: only ours, by pid
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


# --------------------------------------------------------------------------------------------- helpers


def _render(page: Page, server: VoilaServer, name: str, **query: str) -> dict:
    """Open ``name`` in Voilà, wait until every widget output shows a widget, check for errors."""
    if not (NOTEBOOKS_DIR / name).exists():
        pytest.skip(f"notebooks/{name} does not exist yet")
    started = time.monotonic()
    page.goto(server.render_url(name, **query), wait_until="commit", timeout=RENDER_TIMEOUT_MS)
    page.wait_for_selector(".folioviz", timeout=RENDER_TIMEOUT_MS)
    first = time.monotonic() - started
    # Voilà reveals the cells once the whole notebook has run (the spinner goes away).
    page.wait_for_selector("#rendered_cells", state="visible", timeout=RENDER_TIMEOUT_MS)
    state = wait_for_widgets(page, committed_widget_outputs(name), f"{name} in Voilà", root="body")
    print(
        f"[voila] {name}: first widget {first:.1f} s, all {state['views']} widget views "
        f"{time.monotonic() - started:.1f} s after the request"
    )
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    assert errors.count() == 0, "Voilà shows stderr/tracebacks:\n" + "\n".join(errors.all_text_contents())
    code = page.locator(".jp-CodeCell .jp-InputArea, .jp-InputArea-editor")
    assert code.count() == 0, "Voilà should show no code, only outputs and markdown (strip_sources)"
    return state


def _font_awesome_is_local(page: Page, requests: list[str]) -> None:
    """The play button's icon is drawn with Font Awesome, and that font came from 127.0.0.1."""
    icon = page.locator(".fv-play button i.fa").first
    expect(icon).to_be_attached()
    family = icon.evaluate("el => getComputedStyle(el, '::before').fontFamily")
    assert "Font Awesome" in family, f"the play icon is not drawn with Font Awesome ({family})"
    loaded = page.evaluate(
        "async () => { await document.fonts.ready; return [...document.fonts]"
        ".filter(f => /Font Awesome/.test(f.family) && f.status === 'loaded').map(f => f.family); }"
    )
    assert loaded, "no Font Awesome face was loaded for the play icon"
    fonts = [url for url in requests if re.search(r"\.(woff2?|ttf|eot)(\?|$)", url)]
    assert fonts, "no font file was requested"
    assert all(url.startswith("http://127.0.0.1:") for url in fonts), f"fonts from elsewhere: {fonts}"


def _click_bit0(page: Page) -> None:
    widget = page.locator(".folioviz-mapping-word").first
    widget.scroll_into_view_if_needed()
    kind = widget.locator(".fv-kind").first
    expect(kind).to_have_text("file")
    widget.locator(".fv-bit-0").first.click()
    expect(kind, "clicking bit 0 in Voilà").to_have_text("anon")


# ----------------------------------------------------------------------------------------------- tests


def test_mapping_word_click_in_app_mode(voila_server, page, page_log):
    """Notebook 01 as an app, with the offline template: the widget renders, a bit click works, and not one
    request leaves 127.0.0.1 (the ``page`` fixture fails the test otherwise)."""
    _render(page, voila_server, MAPPING_WORD, template=TEMPLATE)
    _click_bit0(page)
    widget = page.locator(".folioviz-mapping-word").first
    labels = widget.locator("button.fv-bit").evaluate_all("els => els.map(e => e.getAttribute('aria-label'))")
    assert len(labels) == 64 and all(re.fullmatch(r"bit \d+, (pointer|tag|slab data), [01]", x or "") for x in labels)
    expect(widget.locator("input[type=text]").first).to_have_value("0xffff888003a1c001")
    widget.locator(".fv-bit-0").focus()
    page.keyboard.press("ArrowLeft")
    assert page.evaluate("() => document.activeElement.getAttribute('aria-label')") == "bit 1, tag, 0"
    page.keyboard.press("Home")
    assert page.evaluate("() => document.activeElement.getAttribute('aria-label')") == "bit 63, pointer, 1"
    page.keyboard.press("End")
    page.keyboard.press("Space")
    expect(widget.locator(".fv-kind").first, "Space on bit 0 in Voilà").to_have_text("file")
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    page.locator(".folioviz-mapping-word").first.screenshot(path=str(ARTIFACTS_DIR / "voila-mapping-word.png"))
    page_log.assert_no_errors()
    page_log.assert_no_external_requests()


def test_mkwrite_steps_in_app_mode(voila_server, page, page_log):
    """Notebook 03 as an app: the first mkwrite widget steps forward and to the end; the stepper's icons
    come from Voilà's own Font Awesome."""
    _render(page, voila_server, MKWRITE, template=TEMPLATE)
    widget = page.locator(".folioviz-mkwrite").first
    widget.scroll_into_view_if_needed()
    current = widget.locator(".fv-line-current").first
    expect(current).to_have_attribute("data-line", "1")
    widget.locator("button.fv-next").first.click()
    expect(current, "next in Voilà").to_have_attribute("data-line", "2")
    widget.locator("button.fv-next").first.click()
    expect(current).to_have_attribute("data-line", "3")
    widget.locator("button.fv-last").first.click()
    expect(widget.locator(".fv-outcome").first).to_have_attribute("data-outcome", "WRITE_PROCEEDS")
    _font_awesome_is_local(page, page_log.requests)
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    widget.screenshot(path=str(ARTIFACTS_DIR / "voila-mkwrite.png"))
    page_log.assert_no_errors()
    page_log.assert_no_external_requests()


def test_stock_template_needs_the_cdn_for_nothing(voila_server, browser):
    """Voilà's stock ``lab`` template, with every non-loopback request refused as on a machine offline:
    the only such requests are the Font Awesome (or MathJax) CDN, and the page renders and works without."""
    if not (NOTEBOOKS_DIR / MAPPING_WORD).exists():
        pytest.skip(f"notebooks/{MAPPING_WORD} does not exist yet")
    log = PageLog()
    refused: list[str] = []
    context = browser.new_context(viewport=VIEWPORT)
    try:
        context.set_default_timeout(30_000)

        def refuse(route) -> None:
            refused.append(route.request.url)
            route.abort("internetdisconnected")

        context.route(lambda url: not url.startswith(voila_server.base_url + "/"), refuse)
        context.on("request", lambda req: log.record_request(req.url))
        page = context.new_page()
        page.on("console", lambda msg: msg.type == "error" and log.console_errors.append(msg.text))
        page.on("pageerror", lambda exc: log.page_errors.append(str(exc)))
        _render(page, voila_server, MAPPING_WORD)
        _click_bit0(page)
        ARTIFACTS_DIR.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS_DIR / "voila-stock-template-offline.png"))
    finally:
        context.close()
    print(f"[voila] stock template: refused {refused}")
    unexpected = [url for url in refused if not CDN_ALLOWED.match(url)]
    assert not unexpected, "the stock template asked the network for more than its CDN stylesheets:\n  " + (
        "\n  ".join(unexpected)
    )
    # The refused stylesheets show up as console errors ("net::ERR_INTERNET_DISCONNECTED"); nothing else may.
    others = [e for e in log.console_errors if "ERR_INTERNET_DISCONNECTED" not in e] + log.page_errors
    assert not others, "the page logged errors:\n  " + "\n  ".join(others)


def test_figures_draw_and_animate_in_app_mode(voila_server, page, page_log):
    """The demo as an app, without the jupyterlab-plotly extension: the folioviz-offline template draws each
    figure with the installed plotly's plotly.js, served from 127.0.0.1, once the widgets are up; the first
    figure keeps its frames (its play button animates it)."""
    _render(page, voila_server, DEMO, template=TEMPLATE)
    figures = page.locator(".fv-voila-plotly")
    assert figures.count() == sum(
        "application/vnd.plotly.v1+json" in o.get("data", {}) for o in _outputs(NOTEBOOKS_DIR / DEMO)
    )
    first = figures.first
    first.scroll_into_view_if_needed()
    expect(first.locator(".main-svg").first).to_be_visible(timeout=60_000)
    frames = first.locator(".plotly-graph-div").evaluate("gd => (gd._transitionData._frames || []).length")
    assert frames > 0, "the figure lost its animation frames"
    assert any(u.endswith("/voila/templates/folioviz-offline/static/plotly.min.js") for u in page_log.requests)
    assert not page.locator(".fv-figure-fallback").count(), "the static fallback shows instead of the figure"
    page_log.assert_no_errors()
    page_log.assert_no_external_requests()


def _outputs(path: Path) -> list[dict]:
    import json

    nb = json.loads(path.read_text())
    return [o for c in nb["cells"] for o in c.get("outputs", [])]
