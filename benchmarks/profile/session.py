"""One chromium and one Lab server: pages with their frames and CDP session, recordings, and Run All profiled."""

from __future__ import annotations

import contextlib
import json
import statistics
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conftest import WIDGET_OUTPUTS_JS, LabServer, committed_widget_outputs
from playwright_harness import CODE_PROMPTS, KERNEL_IDLE, VIEWPORT, click_menu

from . import ROOT
from .frames import Frames, IOPubListener, frames_between, kernel_intervals, transit_ms
from .server import cpu_seconds, load_average
from .trace import CATEGORIES, SAMPLE_US, TRACE_CATEGORIES, Trace, rounded_median

PLOTLY_MIME = "application/vnd.plotly.v1+json"
RUN_ALL_TIMEOUT_MS = 180_000

# ------------------------------------------------------------------------------------------- Run All


# Installed before the click on Run All Cells: marks the pointer-up on the menu item and the first animation
# frame in which the run is over and every widget is shown and every plotly output is either drawn (its SVG) or
# out of view (the notebook's scroller): a figure below the fold counts as ready when it draws after being
# scrolled into view, which _SCROLL_TO_DRAWN times. ``allDrawn`` keeps the old condition (every plotly output
# drawn, in view or not) for comparison; ``offscreen`` counts the figures undrawn and out of view at ``done``.
_WATCH = f"""([widgets, plots]) => {{
  const __fvWidgetState = {WIDGET_OUTPUTS_JS};
  const fig = window.__fvProfile = {{t0: null, done: null, allDrawn: null, wall0: null, views: 0, plots: 0,
    offscreen: 0}};
  document.addEventListener("pointerup", (event) => {{
    const item = event.target.closest && event.target.closest(".lm-Menu-item");
    const label = item && item.querySelector(".lm-Menu-itemLabel");
    if (fig.t0 === null && label && label.textContent.trim() === "Run All Cells") {{
      fig.t0 = performance.now(); fig.wall0 = performance.timeOrigin + fig.t0;
      performance.mark("fv-run-all");
    }}
  }}, true);
  const __fvTick = (now) => {{
    if (fig.t0 !== null) {{
      const state = __fvWidgetState(".jp-NotebookPanel");
      const outputs = [...document.querySelectorAll(".jp-NotebookPanel .jp-RenderedPlotly")];
      const drawn = outputs.filter(p => p.querySelector(".main-svg"));
      const port = (document.querySelector(".jp-NotebookPanel .jp-WindowedPanel-outer") ||
        document.documentElement).getBoundingClientRect();
      const inView = (p) => {{ const b = p.getBoundingClientRect();
        return b.height > 0 && b.bottom > port.top && b.top < port.bottom; }};
      const waiting = outputs.filter(p => !p.querySelector(".main-svg") && inView(p));
      const prompts = {CODE_PROMPTS};
      const idle = document.querySelector({json.dumps(KERNEL_IDLE)}) !== null;
      const started = prompts.some(p => /\\[[*0-9]+\\]/.test(p.textContent));
      const finished = started && idle && !prompts.some(p => p.textContent.includes("[*]"));
      const shown = finished && state.loading === 0 && state.views >= widgets && outputs.length >= plots;
      if (fig.done === null && shown && waiting.length === 0) {{
        fig.views = state.views; fig.plots = drawn.length; fig.offscreen = outputs.length - drawn.length;
        fig.done = now; performance.mark("fv-done");
      }}
      if (fig.allDrawn === null && shown && drawn.length >= plots) fig.allDrawn = now;
      if (fig.done !== null && fig.allDrawn !== null) return;
    }}
    requestAnimationFrame(__fvTick);
  }};
  requestAnimationFrame(__fvTick);
}}"""

# Run right after ``done``: each plotly output, top to bottom, scrolled into the middle of the notebook's view;
# ms from the scroll to the first animation frame that shows its SVG with its traces drawn, and whether it was
# already drawn when scrolled to (a reader scrolling down at once after Run All).
_SCROLL_TO_DRAWN = """async () => {
  const out = [];
  for (const plot of document.querySelectorAll(".jp-NotebookPanel .jp-RenderedPlotly")) {
    const before = plot.querySelector(".main-svg .trace") !== null;
    const t0 = performance.now();
    plot.scrollIntoView({block: "center"});
    const ms = await new Promise((resolve) => {
      const tick = () => plot.querySelector(".main-svg .trace") ? resolve(performance.now() - t0)
        : performance.now() - t0 > 10000 ? resolve(null) : requestAnimationFrame(tick);
      requestAnimationFrame(tick);
    });
    out.push({drawn_before: before, ms: ms === null ? null : Math.round(ms)});
  }
  return out;
}"""


def committed_plots(name: str) -> int:
    notebook = json.loads((ROOT / "notebooks" / name).read_text())
    return sum(PLOTLY_MIME in out.get("data", {}) for cell in notebook["cells"] for out in cell.get("outputs", []))


@dataclass
class Recording:
    """What one traced stretch left: the trace's events and the CPU profile (filled in when it stops)."""

    events: list[dict[str, Any]] = field(default_factory=list)
    profile: dict[str, Any] = field(default_factory=dict)

    def trace(self) -> Trace:
        return Trace(self.events, self.profile)

    def dump(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"traceEvents": self.events, "profile": self.profile}))


@dataclass
class Tab:
    page: Any
    cdp: Any
    frames: Frames


@dataclass
class Session:
    """One chromium, one Lab server, and how this benchmark opens pages."""

    browser: Any
    lab: LabServer
    dump: Path | None

    @contextlib.contextmanager
    def tab(self) -> Iterator[Tab]:
        context = self.browser.new_context(viewport=VIEWPORT)
        context.set_default_timeout(60_000)
        page = context.new_page()
        frames = Frames()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.on("Network.webSocketFrameReceived", frames.on_received)
        cdp.on("Network.webSocketFrameSent", frames.on_sent)
        cdp.send("Profiler.enable")
        cdp.send("Profiler.setSamplingInterval", {"interval": SAMPLE_US})
        try:
            yield Tab(page, cdp, frames)
        finally:
            context.close()

    def open_cleared(self, page: Any, name: str) -> None:
        self.lab.open_notebook(page, name)
        click_menu(page, "Edit", "Clear Outputs of All Cells")
        page.wait_for_function(f"() => !{CODE_PROMPTS}.some(p => /\\[[*0-9]+\\]/.test(p.textContent))")

    def iopub_listener(self, name: str) -> IOPubListener | None:
        """Listen to the IOPub socket of ``name``'s kernel (its connection file is in the server's runtime dir)."""
        kernels = [s["kernel"]["id"] for s in self.lab.api("GET", "api/sessions") if s.get("path") == name]
        runtime = self.lab.root_dir.parent / "runtime"
        files = [f for k in kernels for f in runtime.glob(f"kernel-{k}.json")]
        if not files:
            print(f"[profile] no connection file for {name}'s kernel in {runtime}: no IOPub timing", flush=True)
            return None
        listener = IOPubListener(files[0])
        listener.start()
        listener.ready.wait(5)
        time.sleep(0.5)  # a SUB socket misses what is published before its subscription lands
        return listener

    @contextlib.contextmanager
    def record(self, tab: Tab) -> Iterator[Recording]:
        """A Chrome trace and a CPU profile of the page, from entry to exit."""
        recording = Recording()
        self.browser.start_tracing(page=tab.page, categories=TRACE_CATEGORIES)
        tab.cdp.send("Profiler.start")
        try:
            yield recording
        finally:
            recording.profile = tab.cdp.send("Profiler.stop")["profile"]
            loaded = json.loads(self.browser.stop_tracing())
            recording.events.extend(loaded["traceEvents"] if isinstance(loaded, dict) else loaded)


def run_all_once(session: Session, name: str, *, traced: bool, label: str) -> dict[str, Any]:
    widgets, plots = committed_widget_outputs(name) or 0, committed_plots(name)
    with session.tab() as tab:
        page, frames = tab.page, tab.frames
        session.open_cleared(page, name)
        listener = session.iopub_listener(name) if traced else None
        page.evaluate(_WATCH, [widgets, plots])
        frames.clear()
        load = load_average()
        with contextlib.ExitStack() as stack:
            recording = stack.enter_context(session.record(tab)) if traced else Recording()
            cpu_before = cpu_seconds(session.lab.proc.pid)
            click_menu(page, "Run", "Run All Cells")
            page.wait_for_function("() => window.__fvProfile.done !== null", timeout=RUN_ALL_TIMEOUT_MS, polling=100)
            cpu = {k: round(v - cpu_before[k], 2) for k, v in cpu_seconds(session.lab.proc.pid).items()}
            scrolls = page.evaluate(_SCROLL_TO_DRAWN)
            page.wait_for_function("() => window.__fvProfile.allDrawn !== null", timeout=30_000, polling=100)
            fig = page.evaluate("() => window.__fvProfile")
            page.wait_for_timeout(300)  # the last frame's paint lands in the trace
        if listener:
            listener.stopping.set()
            listener.join(5)
        wall = (fig["done"] - fig["t0"]) / 1e3
        summary: dict[str, Any] = {"notebook": name, "traced": traced, "wall_s": round(wall, 3), "load": load}
        summary.update({"widgets": fig["views"], "plots": fig["plots"], "offscreen": fig["offscreen"], "cpu_s": cpu})
        summary["all_drawn_s"] = round((fig["allDrawn"] - fig["t0"]) / 1e3, 3)
        summary["scroll_to_drawn_ms"] = scrolls
        if traced:
            if session.dump:
                recording.dump(session.dump / f"{label}.json")
            summary.update(sort_run(recording.trace(), frames, fig, listener))
    print(f"[profile] {label}: {json.dumps({k: v for k, v in summary.items() if k != 'top'})}", flush=True)
    return summary


def sort_run(trace: Trace, frames: Frames, fig: dict[str, Any], listener: IOPubListener | None) -> dict[str, Any]:
    lo, hi = trace.marks["fv-run-all"], trace.marks["fv-done"]
    offset_us = lo - fig["wall0"] * 1e3  # trace µs minus wall-clock µs
    kernel, kernel_total, cells = kernel_intervals(frames, offset_us)
    seconds, leaves = trace.sorted_time(lo, hi, kernel)
    received, sent = frames_between(frames.received, lo, hi), frames_between(frames.sent, lo, hi)
    return {
        "trace_wall_s": round((hi - lo) / 1e6, 3),
        "seconds": {k: round(v, 4) for k, v in seconds.items()},
        "kernel_exec_s": round(kernel_total, 3),
        "cells_ms": [c["ms"] for c in cells],
        "frames_received": received,
        "frames_sent": sent,
        "message_tasks": trace.message_task_count(lo, hi),
        "message_task_s": round(trace.message_tasks.overlap(lo, hi) / 1e6, 3),
        "longest_task_ms": round(trace.longest_task_ms(lo, hi), 1),
        "trip_ms": transit_ms(frames, offset_us, listener),
        "samples": sum(1 for s in trace.samples if lo <= s.ts < hi),
        "top": {col: [[leaf, round(us / 1e3, 1)] for leaf, us in c.most_common(8)] for col, c in leaves.items()},
    }


def profile_notebook(session: Session, name: str, runs: int, untraced: int) -> dict[str, Any]:
    stem = name.removesuffix(".ipynb")
    untimed = [run_all_once(session, name, traced=False, label=f"{stem}-untraced{i + 1}") for i in range(untraced)]
    traced = [run_all_once(session, name, traced=True, label=f"{stem}-run{i + 1}") for i in range(runs)]
    median = {col: round(statistics.median(r["seconds"][col] for r in traced), 3) for col in CATEGORIES}
    return {
        "notebook": name,
        "untraced_wall_s": round(statistics.median(r["wall_s"] for r in untimed), 3) if untimed else None,
        "wall_s_median": round(statistics.median(r["wall_s"] for r in traced), 3),
        "kernel_exec_s_median": round(statistics.median(r["kernel_exec_s"] for r in traced), 3),
        "frames_received_median": statistics.median(r["frames_received"]["count"] for r in traced),
        "bytes_received_median": statistics.median(r["frames_received"]["bytes"] for r in traced),
        "message_task_s_median": round(statistics.median(r["message_task_s"] for r in traced), 3),
        "seconds_median": median,
        "cpu_s_median": {
            k: rounded_median([r["cpu_s"][k] for r in (untimed or traced)], 2) for k in ("server", "kernel", "browser")
        },
        "trip_ms_median": {
            k: rounded_median([r["trip_ms"][k] for r in traced if r["trip_ms"].get(k) is not None])
            for k in ("to_page_median", "to_zmq_median", "zmq_to_page_median")
        },
        "comm_open_median": statistics.median(r["frames_received"]["types"].get("comm_open", 0) for r in traced),
        "all_drawn_s_median": round(statistics.median(r["all_drawn_s"] for r in (untimed or traced)), 3),
        "scroll_to_drawn_ms": _scroll_summary(untimed + traced),
        "runs": traced,
        "untraced": untimed,
    }


def _scroll_summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The slowest scroll-to-drawn, over every run: of the figures undrawn when scrolled to, and of all."""
    scrolls = [s for r in runs for s in r["scroll_to_drawn_ms"]]
    undrawn = [s["ms"] for s in scrolls if not s["drawn_before"]]
    slowest = max((s["ms"] for s in scrolls), default=None, key=lambda ms: float("inf") if ms is None else ms)
    return {"undrawn": len(undrawn), "of": len(scrolls), "max_undrawn": max(undrawn, default=None), "max": slowest}
