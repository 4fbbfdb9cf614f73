"""The JupyterLite site (``make lite``) in a real browser, with the network cut.

The site folder (``lite/``, or ``$FOLIOVIZ_LITE_DIR``) is served by tools/serve_lite.py on 127.0.0.1. Debian's
chromium opens it through Playwright; every request that would leave 127.0.0.1 (from the page, its service
worker or the kernel's web worker) is aborted and counted, and each test ends by asserting the count is 0.

These tests need the built site: ``make test-lite`` builds it and runs them (``make test`` runs the other
tests first, then ``make test-lite``). Run alone without a site, they skip (in CI they fail).

Fixtures
  lite_dir     session  the built site (Path)
  lite_url     session  http://127.0.0.1:<port>/ serving it
  browser      session  playwright Browser
  lite_page    test     LitePage: page, requests, external (aborted) requests, console/page errors,
                        open(name), run_all(), error_outputs()
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from litekit import CHROMIUM, CHROMIUM_ARGS, REPO_ROOT, VIEWPORT, LitePage, is_local, make_server, site_dir

if TYPE_CHECKING:
    from playwright.sync_api import Browser


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # A real browser on a busy 2-core machine can stall once (a worker that boots late); one visible rerun keeps
    # such a stall from failing CI, while a real bug fails both runs.
    reruns = config.pluginmanager.hasplugin("rerunfailures")
    here = Path(__file__).resolve().parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.lite)
            if reruns and "lite_page" in getattr(item, "fixturenames", ()):
                item.add_marker(pytest.mark.flaky(reruns=1, reruns_delay=2))


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"lite tests cannot run: {reason} (CI is set, so this fails instead of skipping)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def lite_dir() -> Path:
    path = site_dir()
    if not (path / "lab" / "index.html").is_file():
        _unavailable(f"no JupyterLite site in {path}: run `make lite` (or `make test-lite`)")
    return path


@pytest.fixture(scope="session")
def lite_url(lite_dir: Path) -> Iterator[str]:
    server = make_server(lite_dir)
    thread = threading.Thread(target=server.serve_forever, name="lite-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing (tools/ensure_chromium.sh installs it)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the Python package playwright is not installed (pip install -e '.[dev]')")
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


@pytest.fixture
def lite_page(browser: Browser, lite_url: str) -> Iterator[LitePage]:
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    lite = LitePage(page, lite_url)

    def route(route):  # type: ignore[no-untyped-def]
        url = route.request.url
        if is_local(url):
            route.continue_()
        else:
            lite.external.append(url)
            route.abort()

    context.route("**/*", route)
    context.on("request", lambda request: lite.requests.append(request.url))
    page.on("console", lambda msg: lite.console_errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda error: lite.page_errors.append(str(error)))
    try:
        yield lite
    finally:
        artifacts = REPO_ROOT / "test-artifacts"
        artifacts.mkdir(exist_ok=True)
        test = os.environ.get("PYTEST_CURRENT_TEST", "lite").split(" ")[0].split("::")[-1]
        with contextlib.suppress(Exception):  # a screenshot for the record; the page may be gone
            page.screenshot(path=str(artifacts / f"lite-{re.sub(r'[^A-Za-z0-9_.-]', '_', test)}.png"))
        with (artifacts / "lite-requests.txt").open("a") as log:
            log.writelines(f"{test}\t{url}\n" for url in lite.requests)
        context.close()
    assert lite.external == [], f"{len(lite.external)} request(s) tried to leave 127.0.0.1: {lite.external[:10]}"
