"""Helpers of the lite browser tests (tests/lite): the site, the server, a page that counts what leaves."""

from __future__ import annotations

import os
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Page

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT / "tools"))
from serve_lite import make_server  # noqa: E402  (tools/ is not a package)

__all__ = ["make_server"]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1400, "height": 900}
ALLOWED_HOSTS = frozenset({"127.0.0.1"})

OPEN_TIMEOUT_MS = 60_000
KERNEL_TIMEOUT_MS = 120_000
RUN_ALL_TIMEOUT_MS = 300_000

NOTEBOOK = ".jp-NotebookPanel .jp-Notebook"
KERNEL_NAME = ".jp-NotebookPanel-toolbar [data-jp-item-name='kernelName']"
KERNEL_IDLE = ".jp-NotebookPanel .jp-Notebook-ExecutionIndicator[data-status='idle']"
KERNEL_READY = f"""() => {{
  const name = document.querySelector("{KERNEL_NAME}");
  const label = name ? name.textContent.trim() : "";
  return document.querySelector("{KERNEL_IDLE}") !== null && label !== "" && label !== "No Kernel";
}}"""
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


def site_dir() -> Path:
    return Path(os.environ.get("FOLIOVIZ_LITE_DIR") or REPO_ROOT / "lite")


def notebooks() -> list[str]:
    """Every notebook the site ships (its files/ folder), else every notebook of the repository."""
    shipped = sorted(p.name for p in (site_dir() / "files").glob("*.ipynb"))
    return shipped or sorted(p.name for p in (REPO_ROOT / "notebooks").glob("*.ipynb"))


def is_local(url: str) -> bool:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme in {"data", "blob", "about", "chrome-extension"}:
        return True
    return parts.hostname in ALLOWED_HOSTS


@dataclass
class LitePage:
    """One browser context on the site: its page, and what it asked the network for."""

    page: Page
    base_url: str
    requests: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)  # aborted
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def url(self, name: str) -> str:
        return f"{self.base_url}lab/index.html?path={urllib.parse.quote(name)}"

    def open(self, name: str) -> dict[str, float]:
        """Open notebook ``name``; wait for it to show, then for its kernel. Returns the seconds each took."""
        started = time.monotonic()
        self.page.goto(self.url(name))
        self.page.wait_for_selector(NOTEBOOK, timeout=OPEN_TIMEOUT_MS)
        shown = time.monotonic() - started
        self.page.wait_for_function(KERNEL_READY, timeout=KERNEL_TIMEOUT_MS, polling=100)
        return {"shown": shown, "kernel": time.monotonic() - started}

    def run_all(self) -> float:
        """Run > Run All Cells, and wait until every cell has run. Returns the seconds it took."""
        started = time.monotonic()
        self.page.locator(NOTEBOOK).first.click(position={"x": 5, "y": 5})
        self.page.locator(".lm-MenuBar-item", has_text="Run").first.click()
        self.page.locator("li[data-command='runmenu:run-all']").click()
        # The first prompt turns to [*] at once; then wait for all of them to carry a number again.
        self.page.wait_for_timeout(500)
        self.page.wait_for_function(RUN_ALL_DONE, timeout=RUN_ALL_TIMEOUT_MS, polling=250)
        return time.monotonic() - started

    def error_outputs(self) -> list[str]:
        return [text.strip()[:2000] for text in self.page.locator(ERROR_OUTPUTS).all_text_contents()]
