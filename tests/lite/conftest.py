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

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from litekit import LitePage, make_server, new_log, site_dir
from playwright_harness import ARTIFACTS_DIR, artifact_name, launch_chromium, open_page, skip_or_fail

if TYPE_CHECKING:
    from playwright.sync_api import Browser


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # No test is re-run on failure: every wait is on the state it needs (notebook shown, kernel ready, run
    # started, run finished), so a slow machine waits longer instead of failing.
    here = Path(__file__).resolve().parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.lite)


@pytest.fixture(scope="session")
def lite_dir() -> Path:
    path = site_dir()
    if not (path / "lab" / "index.html").is_file():
        skip_or_fail("lite", f"no JupyterLite site in {path}: run `make lite` (or `make test-lite`)")
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
    with launch_chromium("lite") as chromium:
        yield chromium


@pytest.fixture
def lite_page(browser: Browser, lite_url: str, request: pytest.FixtureRequest) -> Iterator[LitePage]:
    log = new_log()
    shot = ARTIFACTS_DIR / f"lite-{artifact_name(request.node)}.png"
    with open_page(browser, log, block_external=True, screenshot=shot, console_location=False) as page:
        lite = LitePage(page, lite_url, log)
        try:
            yield lite
        finally:
            test = request.node.name
            ARTIFACTS_DIR.mkdir(exist_ok=True)
            with (ARTIFACTS_DIR / "lite-requests.txt").open("a") as requests:
                requests.writelines(f"{test}\t{url}\n" for url in lite.requests)
    assert lite.external == [], f"{len(lite.external)} request(s) tried to leave 127.0.0.1: {lite.external[:10]}"
