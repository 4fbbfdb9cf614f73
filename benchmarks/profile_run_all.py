"""Where Run All's time goes in JupyterLab, from Chrome performance traces (issue 22, item 1). ``make profile``.

Usage: python benchmarks/profile_run_all.py [--runs 3] [--untraced 1] [--nb NAME ...] [--clicks 30]
       [--no-clicks] [--no-run-all] [--nodelay --tag=-nodelay] [--dump-trace DIR]

**Run All.** For each ready notebook (data/workbook.toml), a fresh chromium context opens it in JupyterLab (the
browser suite's server set-up: 127.0.0.1, a token, hermetic Jupyter dirs, a scratch copy of notebooks/), with a
fresh kernel and its outputs cleared. A Chrome trace (categories toplevel, devtools.timeline, v8.execute,
blink.user_timing) and a CPU profile (CDP ``Profiler``, one sample per SAMPLE_US µs, on the trace's clock) are
recorded around Run > Run All Cells, from the pointer-up on the menu item (``performance.mark("fv-run-all")``) to
the first animation frame in which the kernel is idle, no cell is at ``[*]``, every widget output shows a widget
view and every plotly output its SVG (``fv-done``). That window (the wall time) is sorted into columns that add
up to it, by what the page's main thread was doing at each sample:

* ``layout``  the sample falls in a Layout, UpdateLayoutTree (style), Paint, PrePaint, Layerize, Commit,
  HitTest or IntersectionObserver event, even when script forced it;
* ``gc``      a V8 or Blink garbage collection (the ``(garbage collector)`` node or a GC event);
* ``widgets`` script with a frame of the widget manager (@jupyter-widgets), anywidget, or an anywidget module
  (``blob:`` URLs: folioviz's bit field) anywhere on its stack;
* ``plotly``  script with a frame of jupyterlab-plotly (plotly.js) on its stack;
* ``comm``    other script in a task that received a kernel websocket frame (the trace's ``WebSocketReceive``):
  JupyterLab decoding, dispatching and handling messages, output models and their (non-widget) rendering;
* ``other``   the rest of JupyterLab's script, and the browser's own work inside a task;
* ``probe``   this benchmark's own in-page check (functions named ``__fv*``, and the built-ins they call);
* ``kernel``  the main thread idle while the kernel executes a cell (each ``execute_reply``, from
  ``metadata.started`` to its ``header.date``, put on the trace's clock through ``performance.timeOrigin``);
* ``idle``    the main thread idle and the kernel not executing (messages in flight, timers, waiting for frames).

Beside those: ``kernel exec`` (the kernel's execution time summed over cells, whatever the page did), the
websocket frames received and sent (count, bytes, message types; CDP's Network domain), the message tasks' count
and time, the longest task, the leaf frames of each script column, and the median delay from a message's kernel
header date to its frame reaching the page. Median of ``--runs`` traced runs per notebook; ``--untraced`` runs are
timed the same way without trace or profiler, to show the recording's overhead. Per-run summaries go to
``benchmarks/results/profile-run-all<tag>.json``; raw traces are never kept (``--dump-trace DIR`` writes them).

**Bit clicks** (item 2). Notebook 01 is run, its first MappingWordWidget scrolled into view, and ``--clicks``
clicks on bit 0 of its bit field are made in the page's own script (``click()``, then the word box polled every
1 ms, ``performance.now()``), 150 ms apart, with a trace and profile recorded. Per click: the same columns over
the click's window, the frames received (by message type, models updated), the longest task, and the path:
ms from the click to the ``comm_msg`` frame leaving the page, to the kernel's ``busy`` and ``idle`` for it, to
the first update reaching a second ZeroMQ subscriber of the kernel's IOPub socket on this machine, to the first
and last update frame reaching the page, and to the word box. Written to
``benchmarks/results/profile-clicks<tag>.json``. ``--nodelay`` is an experiment: the server's kernel websockets
set TCP_NODELAY (see NODELAY_CONFIG).

Nothing is asserted; figures are printed with the commit and the machine's load average.
"""

from __future__ import annotations

import argparse
import base64
import bisect
import contextlib
import datetime
import json
import os
import platform
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests" / "browser"), str(ROOT / "tests"), str(ROOT)]

# The browser suite's harness and JupyterLab server helpers: chromium and Lab set up as the tests set them up.
from conftest import (  # noqa: E402
    LIGHT,
    QUIET_SETTINGS,
    THEMES_PLUGIN,
    WIDGET_OUTPUTS_JS,
    LabServer,
    _free_port,
    _stop,
    _wait_until_ready,
    _write_settings,
    committed_widget_outputs,
    hermetic_jupyter_env,
    ready_notebooks,
)
from playwright_harness import CODE_PROMPTS, KERNEL_IDLE, VIEWPORT, click_menu, launch_chromium  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
PLOTLY_MIME = "application/vnd.plotly.v1+json"
CLICK_NOTEBOOK = "01_the_mapping_word.ipynb"
SLOW_CLICK_MS = 30.0
RUN_ALL_TIMEOUT_MS = 180_000

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


# ------------------------------------------------------------------------------------------ the machine


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f}"


def _proc_table() -> dict[int, tuple[int, float]]:
    """pid -> (parent pid, CPU seconds used so far: user + system) of every process readable in /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    table = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        table[int(stat.parent.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / ticks)
    return table


def _descendants(table: dict[int, tuple[int, float]], root: int) -> set[int]:
    found, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, (ppid, _) in table.items() if ppid == parent]
        found.update(children)
        frontier.extend(children)
    return found


def cpu_seconds(server_pid: int) -> dict[str, float]:
    """CPU seconds used so far by the Lab server itself, its kernels, and this script's browser (the Playwright
    driver and chromium: this process's other descendants). Differences over a run say who kept the cores busy."""
    table = _proc_table()
    server_tree = _descendants(table, server_pid)
    browser = _descendants(table, os.getpid()) - server_tree - {os.getpid()}
    kernels = server_tree - {server_pid}
    return {
        "server": table.get(server_pid, (0, 0.0))[1],
        "kernel": sum(table[p][1] for p in kernels if p in table),
        "browser": sum(table[p][1] for p in browser if p in table),
    }


def git_commit() -> str:
    out = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False, timeout=30
    )
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
    return out.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")


# ------------------------------------------------------------------------------------ server and browser


# --nodelay (an experiment, not a fix): the server's kernel websockets set TCP_NODELAY, so that a small frame is
# not held back by Nagle's algorithm until the browser's delayed ACK (40 ms on Linux) comes. jupyter_server never
# sets it (tornado's WebSocketHandler.set_nodelay defaults to off).
NODELAY_CONFIG = """
from jupyter_server.services.kernels.websocket import KernelWebsocketHandler

_open = KernelWebsocketHandler.open


async def _open_nodelay(self, kernel_id):
    self.set_nodelay(True)
    return await _open(self, kernel_id)


KernelWebsocketHandler.open = _open_nodelay
print("folioviz profile: TCP_NODELAY on kernel websockets", flush=True)
"""


@contextlib.contextmanager
def lab_server(*, nodelay: bool = False, settings: dict[str, dict[str, Any]] | None = None) -> Iterator[LabServer]:
    """JupyterLab as the browser suite starts it (tests/browser/conftest.py ``lab_server``), for this script."""
    with tempfile.TemporaryDirectory(prefix="fv-profile-") as tmp:
        base = Path(tmp)
        root = base / "notebooks"
        shutil.copytree(ROOT / "notebooks", root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        settings_dir, workspaces_dir = base / "user-settings", base / "workspaces"
        workspaces_dir.mkdir()
        for plugin_id, values in {**QUIET_SETTINGS, **(settings or {})}.items():
            _write_settings(settings_dir, plugin_id, values)
        _write_settings(settings_dir, THEMES_PLUGIN, {"theme": LIGHT})
        token, port = secrets.token_hex(16), _free_port()
        cmd = [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            f"--port={port}",
            "--ServerApp.port_retries=0",
            "--ServerApp.ip=127.0.0.1",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={root}",
            f"--LabApp.user_settings_dir={settings_dir}",
            f"--LabApp.workspaces_dir={workspaces_dir}",
            "--ServerApp.terminals_enabled=False",
        ]
        if os.geteuid() == 0:
            cmd.insert(3, "--allow-root")
        log_path = base / "server.log"
        env = hermetic_jupyter_env(base)
        if nodelay:
            (base / "config" / "jupyter_server_config.py").write_text(NODELAY_CONFIG)
        with log_path.open("wb") as log:
            proc = subprocess.Popen(
                cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=base, start_new_session=True
            )
        lab = LabServer(f"http://127.0.0.1:{port}", token, root, settings_dir, log_path, proc)
        try:
            _wait_until_ready(lab)
            if nodelay and "TCP_NODELAY on kernel websockets" not in lab.log_tail(400):
                raise RuntimeError(f"--nodelay: the server did not load {base / 'config'}:\n{lab.log_tail()}")
            yield lab
        finally:
            _stop(lab)


@dataclass
class Frames:
    """The kernel websocket's frames seen through CDP's Network domain (timestamps on the trace's clock, in µs)."""

    received: list[tuple[float, int, dict[str, Any]]] = field(default_factory=list)
    sent: list[tuple[float, int, dict[str, Any]]] = field(default_factory=list)

    def on_received(self, event: dict[str, Any]) -> None:
        self._add(self.received, event)

    def on_sent(self, event: dict[str, Any]) -> None:
        self._add(self.sent, event)

    @staticmethod
    def _add(into: list[tuple[float, int, dict[str, Any]]], event: dict[str, Any]) -> None:
        response = event["response"]
        raw = response.get("payloadData", "")
        data = base64.b64decode(raw) if response.get("opcode") == 2 else raw.encode()
        into.append((event["timestamp"] * 1e6, len(data), decode_message(data, binary=response.get("opcode") == 2)))

    def clear(self) -> None:
        self.received.clear()
        self.sent.clear()


def decode_message(data: bytes, *, binary: bool) -> dict[str, Any]:
    """A Jupyter kernel message from a websocket frame: the v1 binary protocol (offsets, channel, header, parent
    header, metadata, content, buffers) or the legacy JSON text frame. Returns channel, header, parent_header,
    metadata and content (what is readable)."""
    try:
        if not binary:
            return dict(json.loads(data))
        count = int.from_bytes(data[:8], "little")
        offsets = [int.from_bytes(data[8 * (i + 1) : 8 * (i + 2)], "little") for i in range(count)]
        parts = [data[offsets[i] : offsets[i + 1]] for i in range(len(offsets) - 1)]
        message: dict[str, Any] = {"channel": parts[0].decode()}
        for key, part in zip(("header", "parent_header", "metadata", "content"), parts[1:5], strict=False):
            message[key] = json.loads(part) if part else {}
        return message
    except (ValueError, IndexError, UnicodeDecodeError):
        return {}


class IOPubListener(threading.Thread):
    """A second subscriber to the kernel's IOPub socket, beside the server's: when each message left the kernel's
    IOPub thread and reached a ZeroMQ socket on this machine (wall clock, seconds), by msg_id. Splits a click's
    return trip into the kernel's side and the server + websocket side."""

    def __init__(self, connection_file: Path) -> None:
        super().__init__(daemon=True)
        info = json.loads(connection_file.read_text())
        self.address = f"{info.get('transport', 'tcp')}://{info['ip']}:{info['iopub_port']}"
        self.arrived: dict[str, float] = {}
        self.stopping = threading.Event()
        self.ready = threading.Event()

    def run(self) -> None:
        import zmq

        context = zmq.Context()
        socket = context.socket(zmq.SUB)
        socket.setsockopt(zmq.SUBSCRIBE, b"")
        socket.connect(self.address)
        self.ready.set()
        try:
            while not self.stopping.is_set():
                if not socket.poll(50):
                    continue
                parts = socket.recv_multipart()
                now = time.time()
                if b"<IDS|MSG>" in parts:
                    header = json.loads(parts[parts.index(b"<IDS|MSG>") + 2])
                    self.arrived[header.get("msg_id", "")] = now
        finally:
            socket.close(0)
            context.term()


def iso_seconds(stamp: str) -> float:
    return datetime.datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


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


# ---------------------------------------------------------------------------------------- the kernel side


def kernel_intervals(frames: Frames, offset_us: float) -> tuple[Intervals, float, list[dict[str, Any]]]:
    """The kernel's execution of each cell on the trace's clock, and its total seconds."""
    spans, cells = [], []
    for _, _, msg in frames.received:
        if msg.get("header", {}).get("msg_type") != "execute_reply":
            continue
        started = msg.get("metadata", {}).get("started")
        if not started:
            continue
        begin, end = iso_seconds(started), iso_seconds(msg["header"]["date"])
        spans.append((begin * 1e6 + offset_us, end * 1e6 + offset_us))
        cells.append({"ms": round((end - begin) * 1e3, 1), "status": msg.get("content", {}).get("status")})
    return Intervals(spans), sum(e - s for s, e in spans) / 1e6, cells


def kernel_busy(frames: Frames, offset_us: float, parent_type: str) -> Intervals:
    """busy -> idle status spans of the kernel for requests of ``parent_type`` (e.g. comm_msg), trace clock."""
    busy: dict[str, float] = {}
    spans = []
    for _, _, msg in frames.received:
        header, parent = msg.get("header", {}), msg.get("parent_header", {})
        if header.get("msg_type") != "status" or parent.get("msg_type") != parent_type:
            continue
        when = iso_seconds(header["date"]) * 1e6 + offset_us
        state = msg.get("content", {}).get("execution_state")
        if state == "busy":
            busy[parent.get("msg_id", "")] = when
        elif state == "idle" and parent.get("msg_id", "") in busy:
            spans.append((busy.pop(parent.get("msg_id", "")), when))
    return Intervals(spans)


def click_path(
    frames: Frames, offset_us: float, lo: float, hi: float, listener: IOPubListener | None
) -> dict[str, float]:
    """Where one click's time went on its way: ms from the click to the comm_msg frame leaving the page, to the
    kernel's ``busy`` for it, the kernel's busy time, to the first and last update frame back in the page, and to
    the word box showing the new word; ``first_update_zmq``: the first update reaching a ZeroMQ subscriber."""
    sent = [(ts, msg) for ts, _, msg in frames.sent if lo <= ts <= hi and _msg_type(msg) == "comm_msg"]
    if not sent:
        return {}
    sent_ts, request = sent[0]
    msg_id = request.get("header", {}).get("msg_id")
    replies = [(ts, msg) for ts, _, msg in frames.received if msg.get("parent_header", {}).get("msg_id") == msg_id]
    states = {
        msg["content"].get("execution_state"): iso_seconds(msg["header"]["date"]) * 1e6 + offset_us
        for _, msg in replies
        if _msg_type(msg) == "status"
    }
    updates = [(ts, msg) for ts, msg in replies if _msg_type(msg) == "comm_msg"]
    path = {"sent": (sent_ts - lo) / 1e3, "box": (hi - lo) / 1e3}
    if updates and listener is not None and updates[0][1]["header"]["msg_id"] in listener.arrived:
        path["first_update_zmq"] = (listener.arrived[updates[0][1]["header"]["msg_id"]] * 1e6 + offset_us - lo) / 1e3
    if "busy" in states and "idle" in states:
        path.update({"kernel_busy": (states["busy"] - lo) / 1e3, "kernel_idle": (states["idle"] - lo) / 1e3})
    if updates:
        path.update({"first_update": (updates[0][0] - lo) / 1e3, "last_update": (updates[-1][0] - lo) / 1e3})
    return {k: round(v, 1) for k, v in path.items()}


def transit_ms(frames: Frames, offset_us: float, listener: IOPubListener | None = None) -> dict[str, float | None]:
    """Median and 90th percentile ms of an IOPub message's trip: from its kernel header date to its frame reaching
    the page (``to_page``), split at a ZeroMQ subscriber on this machine when there is one (``to_zmq``: the
    kernel's IOPub thread; ``zmq_to_page``: jupyter_server and the websocket)."""
    trips: dict[str, list[float]] = defaultdict(list)
    for ts, _, msg in frames.received:
        header = msg.get("header", {})
        if not header.get("date") or msg.get("channel") != "iopub":
            continue
        made = iso_seconds(header["date"]) * 1e6 + offset_us
        trips["to_page"].append((ts - made) / 1e3)
        arrived = listener.arrived.get(header.get("msg_id", "")) if listener else None
        if arrived is not None:
            trips["to_zmq"].append((arrived * 1e6 + offset_us - made) / 1e3)
            trips["zmq_to_page"].append((ts - (arrived * 1e6 + offset_us)) / 1e3)
    out: dict[str, float | None] = {}
    for key, values in trips.items():
        values.sort()
        out[f"{key}_median"] = round(statistics.median(values), 1)
        out[f"{key}_p90"] = round(values[int(0.9 * (len(values) - 1))], 1)
    return out


def _msg_type(msg: dict[str, Any]) -> str:
    return str(msg.get("header", {}).get("msg_type", ""))


def frames_between(frames: list[tuple[float, int, dict[str, Any]]], lo: float, hi: float) -> dict[str, Any]:
    inside = [(size, msg) for ts, size, msg in frames if lo <= ts <= hi]
    types = Counter(msg.get("header", {}).get("msg_type", "?") for _, msg in inside)
    models = Counter(
        msg["content"].get("data", {}).get("state", {}).get("_model_name", "?")
        for _, msg in inside
        if _msg_type(msg) == "comm_open" and isinstance(msg.get("content"), dict)
    )
    comms = {
        msg["content"].get("comm_id")
        for _, msg in inside
        if msg.get("header", {}).get("msg_type") == "comm_msg" and isinstance(msg.get("content"), dict)
    }
    return {
        "count": len(inside),
        "bytes": sum(size for size, _ in inside),
        "types": dict(types),
        "comms": len(comms),
        "models_opened": dict(models.most_common(12)),
    }


# ------------------------------------------------------------------------------------------- Run All


# Installed before the click on Run All Cells: marks the pointer-up on the menu item and the first animation
# frame in which the run is over and every widget and plot is shown (the figures test's watch, plus plots).
_WATCH = f"""([widgets, plots]) => {{
  const __fvWidgetState = {WIDGET_OUTPUTS_JS};
  const fig = window.__fvProfile = {{t0: null, done: null, wall0: null, views: 0, plots: 0}};
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
      fig.views = state.views;
      fig.plots = [...document.querySelectorAll(".jp-NotebookPanel .jp-RenderedPlotly")]
        .filter(p => p.querySelector(".main-svg")).length;
      const prompts = {CODE_PROMPTS};
      const idle = document.querySelector({json.dumps(KERNEL_IDLE)}) !== null;
      const started = prompts.some(p => /\\[[*0-9]+\\]/.test(p.textContent));
      const finished = started && idle && !prompts.some(p => p.textContent.includes("[*]"));
      if (finished && state.loading === 0 && state.views >= widgets && fig.plots >= plots) {{
        fig.done = now; performance.mark("fv-done"); return;
      }}
    }}
    requestAnimationFrame(__fvTick);
  }};
  requestAnimationFrame(__fvTick);
}}"""


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
            fig = page.evaluate("() => window.__fvProfile")
            cpu = {k: round(v - cpu_before[k], 2) for k, v in cpu_seconds(session.lab.proc.pid).items()}
            page.wait_for_timeout(300)  # the last frame's paint lands in the trace
        if listener:
            listener.stopping.set()
            listener.join(5)
        wall = (fig["done"] - fig["t0"]) / 1e3
        summary: dict[str, Any] = {"notebook": name, "traced": traced, "wall_s": round(wall, 3), "load": load}
        summary.update({"widgets": fig["views"], "plots": fig["plots"], "cpu_s": cpu})
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
            k: _median([r["cpu_s"][k] for r in (untimed or traced)], 2) for k in ("server", "kernel", "browser")
        },
        "trip_ms_median": {
            k: _median([r["trip_ms"][k] for r in traced if r["trip_ms"].get(k) is not None])
            for k in ("to_page_median", "to_zmq_median", "zmq_to_page_median")
        },
        "comm_open_median": statistics.median(r["frames_received"]["types"].get("comm_open", 0) for r in traced),
        "runs": traced,
        "untraced": untimed,
    }


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


def profile_clicks(session: Session, clicks: int) -> dict[str, Any]:
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
        listener = session.iopub_listener(CLICK_NOTEBOOK)
        frames.clear()
        load = load_average()
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
        "p90_ms": round(times[min(len(times) - 1, int(0.9 * len(times)))], 1),
        "slow": [r["click"] for r in rows if r["ms"] > SLOW_CLICK_MS],
        "trip_ms": transit_ms(frames, offset_us, listener),
        "bit_ms_median": _median([r["bit_ms"] for r in rows if r["bit_ms"] is not None]),
        "fast": _group(rows, slow=False),
        "slow_group": _group(rows, slow=True),
        "rows": rows,
    }


def _median(values: list[float], digits: int = 1) -> float | None:
    return round(statistics.median(values), digits) if values else None


def _group(rows: list[dict[str, Any]], *, slow: bool) -> dict[str, Any]:
    """Medians over the fast (or the slow) clicks: the click's time, each main-thread column, each path step."""
    group = [r for r in rows if (r["ms"] > SLOW_CLICK_MS) == slow]
    columns = {c: _median([r["main_thread_ms"].get(c, 0.0) for r in group]) for c in CATEGORIES} if group else {}
    steps = sorted({k for r in group for k in r["path_ms"]})
    return {
        "clicks": len(group),
        "ms": _median([r["ms"] for r in group]),
        "main_thread_ms": columns,
        "path_ms": {k: _median([r["path_ms"][k] for r in group if k in r["path_ms"]]) for k in steps},
        "frames_received": _median([r["frames_received"]["count"] for r in group]),
        "longest_task_ms": _median([r["longest_task_ms"] for r in group]),
    }


# ---------------------------------------------------------------------------------------------- report


SHORT = {
    "00_start_here": "00",
    "00_the_primer": "primer",
    "01_the_mapping_word": "01",
    "02_page_cache_refcounts": "02",
    "03_do_page_mkwrite": "03",
    "04_page_mkwrite_in_the_wild": "04",
    "05_how_the_rules_changed": "05",
    "06_races": "06",
    "07_on_a_real_kernel": "07",
    "demo_10_minutes": "demo",
}


def table(notebooks: list[dict[str, Any]]) -> str:
    head = ["notebook", "wall", "untraced", *CATEGORIES, "kernel exec", "frames in", "kB in", "load 1 min"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for nb in notebooks:
        stem = nb["notebook"].removesuffix(".ipynb")
        cells = [SHORT.get(stem, stem), f"{nb['wall_s_median']:.2f}", f"{nb['untraced_wall_s'] or float('nan'):.2f}"]
        cells += [f"{nb['seconds_median'][c]:.2f}" for c in CATEGORIES]
        cells += [
            f"{nb['kernel_exec_s_median']:.2f}",
            f"{nb['frames_received_median']:.0f}",
            f"{nb['bytes_received_median'] / 1e3:.0f}",
            _load_range(nb["runs"] + nb["untraced"]),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _load_range(runs: list[dict[str, Any]]) -> str:
    """The 1-minute load average at the start of the runs: lowest-highest."""
    loads = sorted(float(r["load"].split(",")[0]) for r in runs)
    return f"{loads[0]:.1f}-{loads[-1]:.1f}"


def flow_table(notebooks: list[dict[str, Any]]) -> str:
    """Who kept the two cores busy (CPU seconds during Run All, untraced) and how long an IOPub message took to
    reach the page (median ms, traced runs)."""
    head = ["notebook", "wall", "CPU server", "CPU kernel", "CPU browser", "comm_open", "trip", "to zmq", "zmq->page"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for nb in notebooks:
        stem = nb["notebook"].removesuffix(".ipynb")
        cpu, trip = nb["cpu_s_median"], nb["trip_ms_median"]
        wall = nb["untraced_wall_s"] or nb["wall_s_median"]
        cells = [SHORT.get(stem, stem), f"{wall:.2f}", *(f"{cpu[k]:.2f}" for k in ("server", "kernel", "browser"))]
        cells.append(f"{nb['comm_open_median']:.0f}")
        cells += [f"{trip[k]:.0f}" if trip[k] is not None else "-" for k in trip]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def click_table(clicks: dict[str, Any]) -> str:
    lines = [
        f"{clicks['clicks']} clicks: median {clicks['median_ms']} ms, p90 {clicks['p90_ms']} ms, "
        f"over {SLOW_CLICK_MS:.0f} ms: {len(clicks['slow'])} (load {clicks['load']})"
    ]
    for key in ("fast", "slow_group"):
        group = clicks[key]
        lines.append(
            f"  {key.removesuffix('_group')} clicks ({group['clicks']}): median {group['ms']} ms; main thread "
            f"{group['main_thread_ms']}; path {group['path_ms']}; longest task {group['longest_task_ms']} ms"
        )
    for row in clicks["rows"]:
        if row["ms"] <= SLOW_CLICK_MS:
            continue
        parts = ", ".join(f"{k} {v}" for k, v in sorted(row["main_thread_ms"].items(), key=lambda kv: -kv[1]))
        received = row["frames_received"]
        lines.append(
            f"  click {row['click']}: {row['ms']} ms = {parts}; kernel busy {row['kernel_busy_ms']} ms; "
            f"{received['count']} frames in ({received['bytes']} B, {received['comms']} models); "
            f"longest task {row['longest_task_ms']} ms; path {row['path_ms']}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="traced Run All runs per notebook (default 3)")
    parser.add_argument("--nb", nargs="*", help="notebook names (default: every ready one)")
    parser.add_argument("--untraced", type=int, default=1, help="untraced runs per notebook (default 1)")
    parser.add_argument("--clicks", type=int, default=30)
    parser.add_argument("--no-clicks", action="store_true")
    parser.add_argument("--no-run-all", action="store_true")
    parser.add_argument("--dump-trace", type=Path, help="write each raw trace here (not committed)")
    parser.add_argument(
        "--nodelay", action="store_true", help="experiment: the server sets TCP_NODELAY on kernel websockets"
    )
    parser.add_argument("--tag", default="", help="suffix of the result files (e.g. -nodelay)")
    parser.add_argument(
        "--setting",
        nargs=3,
        action="append",
        default=[],
        metavar=("PLUGIN", "KEY", "JSON"),
        help="experiment: a JupyterLab user setting (JSON value), e.g. PLUGIN=@jupyterlab/notebook-extension:tracker "
        "KEY=windowingMode JSON='\"none\"'",
    )
    args = parser.parse_args()
    names = [n if n.endswith(".ipynb") else f"{n}.ipynb" for n in args.nb] if args.nb else ready_notebooks()
    machine: dict[str, Any] = {"cpus": os.cpu_count(), "platform": platform.platform(), "load_at_start": load_average()}
    header = {"commit": git_commit(), "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")}
    print(f"[profile] commit {header['commit']}, {header['date']}, {machine}", flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    machine["nodelay_experiment"] = args.nodelay
    settings: dict[str, dict[str, Any]] = defaultdict(dict)
    for plugin, key, value in args.setting:
        settings[plugin][key] = json.loads(value)
    machine["settings_experiment"] = dict(settings)
    with lab_server(nodelay=args.nodelay, settings=settings) as lab, launch_chromium("profile") as browser:
        session = Session(browser, lab, args.dump_trace)
        notebooks = (
            [] if args.no_run_all else [profile_notebook(session, name, args.runs, args.untraced) for name in names]
        )
        clicks = None if args.no_clicks else profile_clicks(session, args.clicks)
    machine["load_at_end"] = load_average()
    if notebooks:
        (RESULTS / f"profile-run-all{args.tag}.json").write_text(
            json.dumps({**header, "machine": machine, "runs": args.runs, "notebooks": notebooks}, separators=(",", ":"))
            + "\n"
        )
        print(f"\nRun All, JupyterLab, median of {args.runs} traced runs, seconds (load {machine['load_at_end']}):")
        print(table(notebooks))
        print("\nCPU seconds during Run All (untraced) and an IOPub message's trip to the page (ms, median):")
        print(flow_table(notebooks))
    if clicks:
        (RESULTS / f"profile-clicks{args.tag}.json").write_text(
            json.dumps({**header, "machine": machine, **clicks}, separators=(",", ":")) + "\n"
        )
        print("\nBit clicks, notebook 01, in-page:")
        print(click_table(clicks))


if __name__ == "__main__":
    main()
