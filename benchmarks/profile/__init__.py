"""Where Run All's time goes in JupyterLab, from Chrome performance traces (issue 22, item 1). ``make profile``.

Usage: python -m benchmarks.profile [--runs 3] [--untraced 1] [--nb NAME ...] [--clicks 30]
       [--no-clicks] [--no-run-all] [--no-nodelay --tag=-upstream] [--eager-figures] [--dump-trace DIR]

**Run All.** For each ready notebook (data/workbook.toml), a fresh chromium context opens it in JupyterLab (the
browser suite's server set-up: 127.0.0.1, a token, hermetic Jupyter dirs, a scratch copy of notebooks/), with a
fresh kernel and its outputs cleared. A Chrome trace (categories toplevel, devtools.timeline, v8.execute,
blink.user_timing) and a CPU profile (CDP ``Profiler``, one sample per SAMPLE_US µs, on the trace's clock) are
recorded around Run > Run All Cells, from the pointer-up on the menu item (``performance.mark("fv-run-all")``) to
the first animation frame in which the kernel is idle, no cell is at ``[*]``, every widget output shows a widget
view and every plotly output in view its SVG (``fv-done``): a figure out of view (folioviz-lazy-figures draws it
when it comes near the view) counts as ready, and is then scrolled into view and timed until it shows its traces
(*scroll to drawn*); the old condition, every figure drawn in view or not, is kept beside it (*all drawn*).
``--eager-figures`` is the experiment without folioviz's lab extension. That window (the wall time) is sorted
into columns that add up to it, by what the page's main thread was doing at each sample:

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
``benchmarks/results/profile-clicks<tag>.json``. The server loads folioviz.server_extension, as every server of the
environment does (its kernel websockets set TCP_NODELAY); ``--no-nodelay`` switches it off, for the server as
jupyter_server ships it.

Nothing is asserted; figures are printed with the commit and the machine's load average.

The modules, by job: ``server`` (the Lab server, the machine's CPU and load, the commit), ``frames`` (the kernel
websocket's frames and the kernel's side of the clock), ``trace`` (the Chrome trace and the columns its samples are
sorted into), ``session`` (pages, recordings, Run All), ``clicks`` (the bit clicks), ``report`` (the tables) and
``__main__`` (the command line).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The browser suite's harness and JupyterLab server helpers (tests/browser/conftest.py, playwright_harness.py):
# chromium and Lab set up as the tests set them up. On the path before any module of this package imports them.
sys.path[:0] = [str(ROOT / "tests" / "browser"), str(ROOT / "tests"), str(ROOT)]

#: The argparse description: the first line of this docstring.
DESCRIPTION = (__doc__ or "").splitlines()[0]
