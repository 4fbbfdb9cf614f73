"""Helpers of the lite browser tests (tests/lite): the site, its server, a page that counts what leaves.

Chromium, the page and its log, the offline guard and the waits come from tests/playwright_harness.py, shared
with the JupyterLab suite (tests/browser).
"""

from __future__ import annotations

import os
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from playwright_harness import (
    KERNEL_IDLE,
    KERNEL_READY,
    LOCAL_SCHEMES,
    NOTEBOOK,
    PageLog,
    run_all_and_wait,
    wait_for_function,
    wait_for_selector,
)

if TYPE_CHECKING:
    from playwright.sync_api import Page

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT / "tools"))
from serve_lite import make_server  # noqa: E402  (tools/ is not a package)

__all__ = ["make_server"]

# The site is served on 127.0.0.1 only; the kernel's web worker and the service worker ask nothing else.
ALLOWED_HOSTS = frozenset({"127.0.0.1"})
LOCAL = LOCAL_SCHEMES | {"chrome-extension"}

OPEN_TIMEOUT_MS = 60_000
KERNEL_TIMEOUT_MS = 120_000
RUN_START_TIMEOUT_MS = 30_000
RUN_ALL_TIMEOUT_MS = 300_000

STDERR = ".jp-NotebookPanel .jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
# Run All has finished when no prompt shows [*] and the kernel is idle again, or when a cell failed (Run All
# stops there; the execution indicator may then stay busy).
RUN_ALL_DONE = f"""() => ![...document.querySelectorAll(".jp-NotebookPanel .jp-InputPrompt")]
    .some(p => p.textContent.includes("*"))
  && (document.querySelector("{KERNEL_IDLE}") !== null
      || document.querySelector("{STDERR}") !== null)"""
ERROR_OUTPUTS = (
    ".jp-NotebookPanel .jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr'],"
    " .jp-NotebookPanel .jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']"
)


def new_log() -> PageLog:
    """A page log for the site: only 127.0.0.1 is local."""
    return PageLog(hosts=ALLOWED_HOSTS, schemes=LOCAL)


def site_dir() -> Path:
    return Path(os.environ.get("FOLIOVIZ_LITE_DIR") or REPO_ROOT / "lite")


def notebooks() -> list[str]:
    """Every notebook the site ships (its files/ folder), else every notebook of the repository."""
    shipped = sorted(p.name for p in (site_dir() / "files").glob("*.ipynb"))
    return shipped or sorted(p.name for p in (REPO_ROOT / "notebooks").glob("*.ipynb"))


@dataclass
class LitePage:
    """One browser context on the site: its page, and what it asked the network for (``log``)."""

    page: Page
    base_url: str
    log: PageLog = field(default_factory=new_log)

    @property
    def requests(self) -> list[str]:
        return self.log.requests

    @property
    def external(self) -> list[str]:
        """Requests that tried to leave 127.0.0.1 (aborted by the offline guard)."""
        return self.log.external_requests

    @property
    def console_errors(self) -> list[str]:
        return self.log.console_errors

    @property
    def page_errors(self) -> list[str]:
        return self.log.page_errors

    def url(self, name: str) -> str:
        return f"{self.base_url}lab/index.html?path={urllib.parse.quote(name)}"

    def open(self, name: str) -> dict[str, float]:
        """Open notebook ``name``; wait for it to show, then for its kernel. Returns the seconds each took."""
        started = time.monotonic()
        self.page.goto(self.url(name))
        wait_for_selector(self.page, NOTEBOOK, f"the notebook {name} to show", OPEN_TIMEOUT_MS)
        shown = time.monotonic() - started
        wait_for_function(self.page, KERNEL_READY, f"the kernel of {name} to be ready", KERNEL_TIMEOUT_MS)
        return {"shown": shown, "kernel": time.monotonic() - started}

    def run_all(self) -> float:
        """Clear the outputs, Run > Run All Cells, and wait until every cell has run. Returns its seconds."""
        self.page.locator(NOTEBOOK).first.click(position={"x": 5, "y": 5})
        name = urllib.parse.unquote(urllib.parse.urlsplit(self.page.url).query.partition("path=")[2])
        return run_all_and_wait(
            self.page,
            name or "the notebook",
            finished=RUN_ALL_DONE,
            start_timeout_ms=RUN_START_TIMEOUT_MS,
            finish_timeout_ms=RUN_ALL_TIMEOUT_MS,
        )

    def error_outputs(self) -> list[str]:
        return [text.strip()[:2000] for text in self.page.locator(ERROR_OUTPUTS).all_text_contents()]
