"""The page's main thread in a Chrome trace and its CPU profile, and the columns its time is sorted into."""

from __future__ import annotations

import bisect
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

CATEGORIES = [
    "kernel",
    "comm",
    "widgets",
    "plotly",
    "layout",
    "gc",
    "other",
    "probe",
    "idle",
]
# The trace: what the main thread ran (tasks, events, style, layout, paint, GC, websocket frames) and the marks.
# Script is sampled by CDP's Profiler domain (SAMPLE_US apart) instead of the trace's own CPU profiler, which
# samples every ~0.2 ms and doubled Run All's time on this machine.
TRACE_CATEGORIES = ["toplevel", "devtools.timeline", "v8.execute", "blink.user_timing"]
SAMPLE_US = 500
LAYOUT_EVENTS = frozenset(
    {
        "Layout",
        "UpdateLayoutTree",
        "RecalculateStyles",
        "Paint",
        "PrePaint",
        "PaintImage",
        "Layerize",
        "Commit",
        "UpdateLayer",
        "UpdateLayerTree",
        "CompositeLayers",
        "Composite",
        "ScrollLayer",
        "HitTest",
        "ParseAuthorStyleSheet",
        "IntersectionObserverController::computeIntersections",
        "LocalFrameView::UpdateAllLifecyclePhases",
        "Document::updateStyle",
    }
)
GC_EVENTS = frozenset({"MinorGC", "MajorGC", "GCEvent", "BlinkGC.AtomicPhase", "ThreadState::CompleteSweep"})
GC_PREFIXES = ("V8.GC", "BlinkGC.", "CppGC.", "V8.Scavenge")
TASK_EVENTS = frozenset({"RunTask", "ThreadControllerImpl::RunTask", "ThreadPool_RunTask"})

# -------------------------------------------------------------------------------------------- the trace


@dataclass
class Sample:
    ts: float  # µs, trace clock
    dur: float  # µs, until the next sample
    kind: str  # "js", "idle", "gc", "program"
    urls: tuple[str, ...]  # the stack's script URLs, leaf first
    leaf: str  # "function url:line" of the leaf JS frame
    probe: bool = False  # this benchmark's own in-page probe (its functions are named __fv*) is on the stack


class Intervals:
    """A union of closed intervals, asked whether it holds a time."""

    def __init__(self, spans: list[tuple[float, float]]) -> None:
        merged: list[list[float]] = []
        for start, end in sorted(spans):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        self.starts = [m[0] for m in merged]
        self.ends = [m[1] for m in merged]

    def __contains__(self, t: float) -> bool:
        i = bisect.bisect_right(self.starts, t) - 1
        return i >= 0 and t <= self.ends[i]

    def overlap(self, lo: float, hi: float) -> float:
        return sum(max(0.0, min(e, hi) - max(s, lo)) for s, e in zip(self.starts, self.ends, strict=True))


class Trace:
    """The page's renderer main thread in a Chrome trace, with the CPU profile of the same time."""

    def __init__(self, events: list[dict[str, Any]], profile: dict[str, Any]) -> None:
        self.events = events
        marks = [e for e in events if e.get("cat") == "blink.user_timing" and str(e.get("name", "")).startswith("fv-")]
        if not marks:
            raise RuntimeError("the trace holds none of the benchmark's performance marks (fv-*)")
        self.pid, self.tid = marks[0]["pid"], marks[0]["tid"]
        self.marks: dict[str, float] = {}
        for mark in marks:
            self.marks.setdefault(mark["name"], mark["ts"])
        spans = self._main_thread_spans()
        self.layout = Intervals([(s, e) for name, s, e, _ in spans if name in LAYOUT_EVENTS])
        self.gc = Intervals([(s, e) for name, s, e, _ in spans if name in GC_EVENTS or name.startswith(GC_PREFIXES)])
        self.tasks = [(s, e) for name, s, e, _ in spans if name in TASK_EVENTS]
        self.in_task = Intervals(self.tasks)
        received = [
            (e["ts"], e["ts"])
            for e in events
            if e.get("name") == "WebSocketReceive" and e.get("pid") == self.pid and e.get("tid") == self.tid
        ]
        self.message_tasks = Intervals(self._tasks_holding(received))
        self.samples = profile_samples(profile)

    def _main_thread_spans(self) -> list[tuple[str, float, float, dict[str, Any]]]:
        spans, open_events = [], defaultdict(list)
        for e in self.events:
            if e.get("pid") != self.pid or e.get("tid") != self.tid:
                continue
            ph = e.get("ph")
            if ph == "X":
                spans.append((e["name"], e["ts"], e["ts"] + e.get("dur", 0), e.get("args", {})))
            elif ph == "B":
                open_events[e["name"]].append(e)
            elif ph == "E" and open_events[e["name"]]:
                begin = open_events[e["name"]].pop()
                spans.append((e["name"], begin["ts"], e["ts"], begin.get("args", {})))
        return spans

    def message_task_count(self, lo: float, hi: float) -> int:
        return sum(1 for s, e in zip(self.message_tasks.starts, self.message_tasks.ends, strict=True) if lo <= s < hi)

    def _tasks_holding(self, inner: list[tuple[float, float]]) -> list[tuple[float, float]]:
        tasks = sorted(self.tasks)
        starts = [t[0] for t in tasks]
        found = []
        for s, e in inner:
            i = bisect.bisect_right(starts, s) - 1
            found.append(tasks[i] if i >= 0 and tasks[i][1] >= e else (s, e))
        return found

    def sorted_time(self, lo: float, hi: float, kernel: Intervals) -> tuple[dict[str, float], dict[str, Counter[str]]]:
        """Seconds of [lo, hi] (µs) in each column of CATEGORIES; and the leaf frames of each script column."""
        seconds = dict.fromkeys(CATEGORIES, 0.0)
        leaves: dict[str, Counter[str]] = defaultdict(Counter)
        covered = 0.0
        for sample in self.samples:
            if sample.ts < lo or sample.ts >= hi:
                continue
            dur = min(sample.dur, hi - sample.ts)
            what = self.classify(sample, kernel)
            seconds[what] += dur / 1e6
            covered += dur
            if sample.kind == "js":
                leaves[what][sample.leaf] += round(dur)
        # Before the first sample and after the last: the profiler had nothing to say; call it idle or kernel.
        gap = max(0.0, (hi - lo) - covered)
        if gap:
            seconds["idle"] += gap / 1e6
        return seconds, leaves

    def classify(self, sample: Sample, kernel: Intervals) -> str:
        t = sample.ts
        if sample.kind == "gc" or t in self.gc:
            return "gc"
        if t in self.layout:
            return "layout"
        if sample.kind == "js":
            return "probe" if sample.probe else _script_column(sample.urls, t in self.message_tasks)
        if sample.kind == "program" and t in self.in_task:
            return "other"
        return "kernel" if t in kernel else "idle"

    def longest_task_ms(self, lo: float, hi: float) -> float:
        inside = [min(e, hi) - max(s, lo) for s, e in self.tasks if e > lo and s < hi]
        return max(inside, default=0.0) / 1e3


def profile_samples(profile: dict[str, Any]) -> list[Sample]:
    """The samples of a CDP ``Profiler.stop`` profile (µs on the trace's clock), each with its stack."""
    nodes = {node["id"]: node for node in profile.get("nodes", [])}
    for node in profile.get("nodes", []):
        for child in node.get("children", []):
            nodes[child]["parent"] = node["id"]
    times, t = [], float(profile.get("startTime", 0))
    for delta in profile.get("timeDeltas", []):
        t += delta
        times.append(t)
    ids = profile.get("samples", [])
    return [
        _sample(nodes, node_id, ts, (times[i + 1] - ts) if i + 1 < len(times) else 0.0)
        for i, (ts, node_id) in enumerate(zip(times, ids, strict=True))
    ]


def _sample(nodes: dict[int, dict[str, Any]], node_id: int, ts: float, dur: float) -> Sample:
    node = nodes.get(node_id, {})
    name = node.get("callFrame", {}).get("functionName", "")
    if name in ("(idle)", "(program)", "(garbage collector)", "(root)"):
        kind = {"(idle)": "idle", "(garbage collector)": "gc"}.get(name, "program")
        return Sample(ts, dur, kind, (), name)
    urls: list[str] = []
    leaf, probe = "", False
    current: dict[str, Any] | None = node
    while current:
        frame = current.get("callFrame", {})
        url = frame.get("url", "")
        # the probe's own time: a __fv* frame comes before (nearer the leaf than) any page script's frame; what
        # the probe calls into (the bit's click handler, JupyterLab) is the page's time
        probe = probe or (not urls and frame.get("functionName", "").startswith("__fv"))
        if url:
            urls.append(url)
            if not leaf:
                leaf = f"{frame.get('functionName') or '(anonymous)'} {_short(url)}:{frame.get('lineNumber', -1) + 1}"
        current = nodes.get(current.get("parent", -1))
    return Sample(ts, dur, "js", tuple(urls), leaf or name or "(native)", probe)


def _short(url: str) -> str:
    for marker in ("/labextensions/", "/extensions/", "/static/"):
        if marker in url:
            return url.split(marker, 1)[1].split("?")[0]
    return url[:60]


def _script_column(urls: tuple[str, ...], in_message_task: bool) -> str:
    if any("jupyterlab-plotly" in u for u in urls):
        return "plotly"
    if any("@jupyter-widgets" in u or "/anywidget/" in u or u.startswith("blob:") for u in urls):
        return "widgets"
    return "comm" if in_message_task else "other"


def rounded_median(values: list[float], digits: int = 1) -> float | None:
    """The median of ``values`` rounded to ``digits``, or None when there are none."""
    return round(statistics.median(values), digits) if values else None
