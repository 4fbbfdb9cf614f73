"""Kernel-side Run All: each notebook's code cells executed in a fresh kernel, timed per cell.

Usage: ``python benchmarks/kernel_times.py [NAME ...] [--rounds N] [--top K]`` (default: every notebook, 3 rounds).
Medians printed, nothing asserted. A cell's time is the kernel's, from ``execute_input`` to
``execute_reply`` (nbclient's timing), so it leaves out the browser's rendering: what is left of
Run All in JupyterLab beyond these figures is the front-end's (widget views, plotly.js).

Also printed: the kernel's start (not part of a notebook's Run All in JupyterLab, where the kernel
is already up) and the slowest cells with their first line, to find what to make cheaper.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from datetime import datetime
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"


def _seconds(start: str, end: str) -> float:
    return (
        datetime.fromisoformat(end.replace("Z", "+00:00")) - datetime.fromisoformat(start.replace("Z", "+00:00"))
    ).total_seconds()


def run_once(name: str) -> tuple[float, list[float], list[str]]:
    """Execute ``name`` once in a fresh kernel: (kernel start, per-code-cell seconds, first lines)."""
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    client = NotebookClient(
        nb, timeout=300, kernel_name="python3", record_timing=True, resources={"metadata": {"path": str(NOTEBOOKS)}}
    )
    times: list[float] = []
    heads: list[str] = []
    started = time.perf_counter()
    with client.setup_kernel():
        kernel_start = time.perf_counter() - started
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            client.execute_cell(cell, index)
            timing = cell.metadata.get("execution", {})
            times.append(_seconds(timing["iopub.execute_input"], timing["shell.execute_reply"]))
            heads.append(cell.source.strip().splitlines()[-1][:70] if cell.source.strip() else "")
    return kernel_start, times, heads


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--top", type=int, default=4)
    args = parser.parse_args()
    os.environ.pop("FOLIOVIZ_ERA", None)
    names = args.names or sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb"))
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    print(f"{'notebook':34s} {'cells':>5s} {'Run All (kernel)':>17s} {'kernel start':>13s}   rounds={args.rounds}")
    for name in names:
        runs = [run_once(name) for _ in range(args.rounds)]
        totals = [sum(times) for _, times, _ in runs]
        per_cell = [statistics.median(run[1][i] for run in runs) for i in range(len(runs[0][1]))]
        starts = statistics.median(run[0] for run in runs)
        print(f"{name:34s} {len(per_cell):5d} {statistics.median(totals):15.3f} s {starts:11.2f} s")
        slowest = sorted(range(len(per_cell)), key=per_cell.__getitem__, reverse=True)[: args.top]
        for i in slowest:
            print(f"    cell {i:2d}  {per_cell[i] * 1000:7.0f} ms   {runs[0][2][i]}")


if __name__ == "__main__":
    main()
