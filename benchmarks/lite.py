"""Benchmarks of the JupyterLite site (``make bench-lite``; builds ``lite/`` first): medians printed, nothing asserted.

* site size: bytes and files on disk, and gzip-compressed (what a web server that compresses sends);
* page load -> kernel ready: from navigating to notebook 01 until its kernel is idle (cold: a fresh browser
  context each time, so no HTTP cache, service worker or stored files carry over);
* page load -> first widget of notebook 01: the reader asks for Run All as soon as the notebook shows; until the
  first mapping-word widget is drawn;
* a bit click's round trip in the browser kernel: a click on bit 0 until the kind badge changes, timed in the
  page (performance.now() around the click and a MutationObserver), median of 10 clicks per load.

Every request that would leave 127.0.0.1 is aborted and counted (the count is printed; it should be 0).
Usage: python benchmarks/lite.py [--loads 3] [--dir lite] [--timeline]
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import sys
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "lite"))

from playwright_harness import CHROMIUM, CHROMIUM_ARGS, KERNEL_READY, NOTEBOOK, VIEWPORT, is_local  # noqa: E402
from serve_lite import make_server  # noqa: E402

NOTEBOOK_01 = "01_the_mapping_word.ipynb"
WIDGET = ".folioviz-mapping-word"

# Click bit 0 of the first mapping word n times; each time, wait for the kind badge to change.
CLICK_ROUND_TRIPS = """async ([n, selector]) => {
  const widget = document.querySelector(selector);
  const bit = () => widget.querySelector('button[aria-label^="bit 0,"], .fv-bit-0');
  const kind = () => widget.querySelector(".fv-kind");
  const times = [];
  for (let i = 0; i < n; i++) {
    const before = kind().textContent;
    const changed = new Promise((resolve, reject) => {
      const observer = new MutationObserver(() => {
        if (kind() && kind().textContent !== before) { observer.disconnect(); resolve(); }
      });
      observer.observe(widget, {subtree: true, childList: true, characterData: true});
      setTimeout(() => { observer.disconnect(); reject(new Error("no change within 10 s")); }, 10000);
    });
    const t0 = performance.now();
    bit().click();
    await changed;
    times.push(performance.now() - t0);
    await new Promise(r => setTimeout(r, 100));
  }
  return times;
}"""


def site_size(site: Path) -> tuple[int, int, int]:
    files = [p for p in site.rglob("*") if p.is_file()]
    raw = sum(p.stat().st_size for p in files)
    compressed = sum(len(gzip.compress(p.read_bytes(), compresslevel=6)) for p in files)
    return raw, compressed, len(files)


def cold_load(browser, base: str) -> dict[str, float]:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=VIEWPORT)
    external: list[str] = []

    def route(route):  # type: ignore[no-untyped-def]
        if is_local(route.request.url):
            route.continue_()
        else:
            external.append(route.request.url)
            route.abort()

    context.route("**/*", route)
    page = context.new_page()
    try:
        started = time.monotonic()
        page.goto(f"{base}lab/index.html?path={urllib.parse.quote(NOTEBOOK_01)}")
        page.wait_for_selector(NOTEBOOK, timeout=60_000)
        shown = time.monotonic() - started
        # The reader asks for Run All at once; the cells wait for the kernel.
        page.locator(NOTEBOOK).first.click(position={"x": 5, "y": 5})
        page.locator(".lm-MenuBar-item", has_text="Run").first.click()
        page.locator("li[data-command='runmenu:run-all']").click()
        page.wait_for_selector(f"{WIDGET} .fv-kind", timeout=120_000)
        widget = time.monotonic() - started
        clicks = page.evaluate(CLICK_ROUND_TRIPS, [10, WIDGET])
        return {
            "shown": shown,
            "widget": widget,
            "click_ms": statistics.median(clicks),
            "external": len(external),
        }
    finally:
        context.close()


# The kernel's drive requests (JupyterLite's DriveFS: synchronous, from the kernel's worker through the service worker
# to the page's main thread), as the page receives them: [when (ms), method].
WATCH_DRIVE = """(() => {
  window.__fvDrive = [];
  new BroadcastChannel("/sw-api.v1").addEventListener("message", (event) => {
    const message = event.data;
    if (message && !("response" in message) && message.data && message.data.method) {
      window.__fvDrive.push([performance.now(), message.data.method]);
    }
  });
})();"""


def timeline(browser, base: str) -> list[tuple[float, str]]:  # type: ignore[no-untyped-def]
    """One cold load of notebook 01 with Run All asked at once: when each runtime file and wheel finished loading
    (the page's and the kernel worker's requests), when the kernel was ready, when the first widget showed, and how
    many requests the kernel had sent its drive by then."""
    context = browser.new_context(viewport=VIEWPORT)
    context.route("**/*", lambda r: r.continue_() if is_local(r.request.url) else r.abort())
    context.add_init_script(WATCH_DRIVE)
    events: list[tuple[float, str]] = []
    started = time.monotonic()

    def finished(request):  # type: ignore[no-untyped-def]
        # JupyterLite's service worker passes every request through: its own fetch of the file is the same load.
        if request.service_worker is not None:
            return
        name = request.url.rsplit("/", 1)[-1].split("?", 1)[0]
        if name.endswith((".whl", ".wasm", ".zip", "pyodide.mjs", "pyodide.asm.mjs", "pyodide-lock.json")):
            events.append((time.monotonic() - started, f"loaded {name}"))

    context.on("requestfinished", finished)
    page = context.new_page()
    try:
        page.goto(f"{base}lab/index.html?path={urllib.parse.quote(NOTEBOOK_01)}")
        page.wait_for_selector(NOTEBOOK, timeout=60_000)
        events.append((time.monotonic() - started, "notebook shown"))
        page.locator(NOTEBOOK).first.click(position={"x": 5, "y": 5})
        page.locator(".lm-MenuBar-item", has_text="Run").first.click()
        page.locator("li[data-command='runmenu:run-all']").click()
        page.wait_for_function(KERNEL_READY, timeout=120_000, polling=50)
        events.append((time.monotonic() - started, "kernel ready"))
        page.wait_for_selector(f"{WIDGET} .fv-kind", timeout=120_000)
        events.append((time.monotonic() - started, "first widget"))
        drive = page.evaluate("() => window.__fvDrive")
        methods = ", ".join(f"{m} {sum(1 for _, x in drive if x == m)}" for m in sorted({x for _, x in drive}))
        events.append((time.monotonic() - started, f"drive requests by the first widget: {len(drive)} ({methods})"))
    finally:
        context.close()
    return sorted(events)


def kernel_ready_alone(browser, base: str) -> float:  # type: ignore[no-untyped-def]
    """Page load -> kernel idle, running nothing (a reader who only reads)."""
    context = browser.new_context(viewport=VIEWPORT)
    context.route("**/*", lambda r: r.continue_() if is_local(r.request.url) else r.abort())
    page = context.new_page()
    try:
        started = time.monotonic()
        page.goto(f"{base}lab/index.html?path={urllib.parse.quote(NOTEBOOK_01)}")
        page.wait_for_function(KERNEL_READY, timeout=120_000, polling=50)
        return time.monotonic() - started
    finally:
        context.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--loads", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=ROOT / "lite")
    parser.add_argument("--timeline", action="store_true", help="one more cold load: when each file loaded")
    args = parser.parse_args(argv)
    if not (args.dir / "lab" / "index.html").is_file():
        print(f"no JupyterLite site in {args.dir}: run `make lite`", file=sys.stderr)
        return 1
    raw, compressed, count = site_size(args.dir)
    print(f"site size: {raw / 1e6:.1f} MB on disk, {count} files; {compressed / 1e6:.1f} MB gzip-compressed")

    from playwright.sync_api import sync_playwright

    server = make_server(args.dir)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    results, ready = [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            for i in range(args.loads):
                ready.append(kernel_ready_alone(browser, base))
                results.append(cold_load(browser, base))
                r = results[-1]
                print(
                    f"  load {i + 1}: notebook shown {r['shown']:.1f} s, kernel ready {ready[-1]:.1f} s, "
                    f"first widget {r['widget']:.1f} s, bit click {r['click_ms']:.0f} ms, "
                    f"external requests {r['external']}"
                )
            if args.timeline:
                print("timeline of one cold load (s after the page was asked for; 'loaded': read by page or kernel):")
                for at, what in timeline(browser, base):
                    print(f"  {at:6.2f}  {what}")
        finally:
            browser.close()
            server.shutdown()
            server.server_close()

    def med(key: str) -> float:
        return statistics.median(r[key] for r in results)

    print(f"medians of {args.loads} cold loads (notebook 01):")
    print(f"  page load -> notebook shown       {med('shown'):6.1f} s")
    print(f"  page load -> kernel ready         {statistics.median(ready):6.1f} s   (target <= 10 s)")
    print(f"  page load -> first widget         {med('widget'):6.1f} s   (target <= 12 s; Run All asked at once)")
    print(f"  bit click round trip              {med('click_ms'):6.0f} ms  (target <= 50 ms)")
    print(f"  requests that tried to leave 127.0.0.1: {sum(r['external'] for r in results)}")
    print(f"  site size                         {raw / 1e6:6.1f} MB   (target <= 30 MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
