"""Bit clicks in notebook 01, traced: each click's main-thread columns, frames and path (issue 22, item 2)."""

from __future__ import annotations

import json
import statistics
from typing import Any

from playwright_harness import CODE_PROMPTS, KERNEL_IDLE, click_menu

from .frames import Frames, IOPubListener, click_path, frames_between, kernel_busy, transit_ms
from .server import load_average
from .session import RUN_ALL_TIMEOUT_MS, Session
from .trace import CATEGORIES, Trace, rounded_median

CLICK_NOTEBOOK = "01_the_mapping_word.ipynb"
SLOW_CLICK_MS = 30.0

# ------------------------------------------------------------------------------------------- bit clicks


# One click on bit 0 of the first mapping-word widget, timed in the page; marks its start and end for the trace.
_CLICK = """async function __fvClick(i) {
  const w = document.querySelector(".folioviz-mapping-word");
  const box = w.querySelector("input[type=text]");
  const bit = w.querySelector(".fv-bit-0");
  const before = {box: box.value, bit: bit.getAttribute("aria-label")};
  return await new Promise((resolve) => {
    let poll;
    const t0 = performance.now();
    performance.mark("fv-click-" + i);
    const __fvCheck = () => {
      if (box.value === before.box) return;
      clearInterval(poll);
      const t1 = performance.now();
      performance.mark("fv-click-end-" + i);
      resolve({ms: t1 - t0, bit: bitMs, word: box.value, wall0: performance.timeOrigin + t0});
    };
    poll = setInterval(__fvCheck, 1);
    bit.click();
    const bitMs = bit.getAttribute("aria-label") !== before.bit ? performance.now() - t0 : null;
  });
}"""


def profile_clicks(session: Session, clicks: int, *, traced: bool = True) -> dict[str, Any]:
    """``clicks`` clicks on bit 0 of notebook 01's first widget, each timed in the page.

    With ``traced`` (``make profile``) the clicks run under a Chrome trace and a CPU profile sampled every
    0.5 ms, and each is sorted into main-thread columns and a path; the recording slows the page, so
    ``make bench`` times them untraced, as it times Run All.
    """
    with session.tab() as tab:
        page, frames = tab.page, tab.frames
        session.open_cleared(page, CLICK_NOTEBOOK)
        click_menu(page, "Run", "Run All Cells")
        page.wait_for_function(
            f"() => {CODE_PROMPTS}.some(p => /\\[[0-9]+\\]/.test(p.textContent)) && "
            f"document.querySelector({json.dumps(KERNEL_IDLE)}) !== null && "
            f"!{CODE_PROMPTS}.some(p => p.textContent.includes('[*]')) && "
            "document.querySelector('.folioviz-mapping-word .fv-bit-0') !== null",
            timeout=RUN_ALL_TIMEOUT_MS,
            polling=100,
        )
        widget = page.locator(".folioviz-mapping-word").first
        widget.evaluate("el => el.scrollIntoView({block: 'start'})")
        page.wait_for_timeout(1000)
        load = load_average()
        if not traced:
            results = []
            for i in range(clicks):
                results.append(page.evaluate(_CLICK, i))
                page.wait_for_timeout(150)
            return click_times(results, load)
        listener = session.iopub_listener(CLICK_NOTEBOOK)
        frames.clear()
        results = []
        with session.record(tab) as recording:
            for i in range(clicks):
                results.append(page.evaluate(_CLICK, i))
                page.wait_for_timeout(150)
        if listener:
            listener.stopping.set()
            listener.join(5)
        if session.dump:
            recording.dump(session.dump / "clicks.json")
    return sort_clicks(recording.trace(), frames, results, load, listener)


def click_times(results: list[dict[str, Any]], load: str) -> dict[str, Any]:
    """Median and 90th percentile of untraced clicks (ms, click to word box)."""
    times = sorted(round(r["ms"], 1) for r in results)
    return {
        "notebook": CLICK_NOTEBOOK,
        "clicks": len(times),
        "traced": False,
        "load": load,
        "median_ms": round(statistics.median(times), 1),
        "p90_ms": _p90(times),
        "slow": [i + 1 for i, r in enumerate(results) if r["ms"] > SLOW_CLICK_MS],
        "times_ms": [round(r["ms"], 1) for r in results],
    }


def _p90(times: list[float]) -> float:
    return round(times[min(len(times) - 1, int(0.9 * len(times)))], 1)


def sort_clicks(
    trace: Trace, frames: Frames, results: list[dict[str, Any]], load: str, listener: IOPubListener | None
) -> dict[str, Any]:
    offset_us = trace.marks["fv-click-0"] - results[0]["wall0"] * 1e3
    kernel = kernel_busy(frames, offset_us, "comm_msg")
    rows = []
    for i, result in enumerate(results):
        lo = trace.marks[f"fv-click-{i}"]
        hi = trace.marks.get(f"fv-click-end-{i}", lo + result["ms"] * 1e3)
        seconds, leaves = trace.sorted_time(lo, hi, kernel)
        row = {
            "click": i + 1,
            "ms": round(result["ms"], 1),
            "bit_ms": None if result["bit"] is None else round(result["bit"], 2),
            "main_thread_ms": {k: round(v * 1e3, 1) for k, v in seconds.items() if v},
            "kernel_busy_ms": round(kernel.overlap(lo, hi) / 1e3, 1),
            "frames_received": frames_between(frames.received, lo, hi),
            "frames_sent": frames_between(frames.sent, lo, hi),
            "longest_task_ms": round(trace.longest_task_ms(lo, hi), 1),
            "path_ms": click_path(frames, offset_us, lo, hi, listener),
        }
        if result["ms"] > SLOW_CLICK_MS:
            row["top"] = {
                col: [[leaf, round(us / 1e3, 1)] for leaf, us in c.most_common(5)] for col, c in leaves.items()
            }
        rows.append(row)
    times = sorted(r["ms"] for r in rows)
    return {
        "notebook": CLICK_NOTEBOOK,
        "clicks": len(rows),
        "load": load,
        "median_ms": round(statistics.median(times), 1),
        "p90_ms": _p90(times),
        "slow": [r["click"] for r in rows if r["ms"] > SLOW_CLICK_MS],
        "trip_ms": transit_ms(frames, offset_us, listener),
        "bit_ms_median": rounded_median([r["bit_ms"] for r in rows if r["bit_ms"] is not None]),
        "fast": _group(rows, slow=False),
        "slow_group": _group(rows, slow=True),
        "rows": rows,
    }


def _group(rows: list[dict[str, Any]], *, slow: bool) -> dict[str, Any]:
    """Medians over the fast (or the slow) clicks: the click's time, each main-thread column, each path step."""
    group = [r for r in rows if (r["ms"] > SLOW_CLICK_MS) == slow]
    columns = {c: rounded_median([r["main_thread_ms"].get(c, 0.0) for r in group]) for c in CATEGORIES} if group else {}
    steps = sorted({k for r in group for k in r["path_ms"]})
    return {
        "clicks": len(group),
        "ms": rounded_median([r["ms"] for r in group]),
        "main_thread_ms": columns,
        "path_ms": {k: rounded_median([r["path_ms"][k] for r in group if k in r["path_ms"]]) for k in steps},
        "frames_received": rounded_median([r["frames_received"]["count"] for r in group]),
        "longest_task_ms": rounded_median([r["longest_task_ms"] for r in group]),
    }
