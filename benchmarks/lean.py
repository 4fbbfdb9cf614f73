"""How lean the widgets and notebooks are (``make bench``): figures printed, nothing asserted.

* widget models per widget: ipywidgets' registry of live models (``ipywidgets.widgets.widget._instances``)
  before and after building one widget, so every layout, style and child model counts;
* the committed notebooks' sizes, each and together, and how much of each is stored widget state;
* each notebook executed in a fresh kernel (nbclient, as Run All does): the widget models it opens
  (``comm_open`` messages) by model class, the IOPub messages it sends, the first cell's kernel time (its
  imports, mostly), and ``import folioviz`` in a fresh interpreter (``-X importtime``'s cumulative figure).

Usage: ``python benchmarks/lean.py [--notebooks NAME ...] [--skip-notebooks]``.

Goals from issue 10: at most 20 models per ``MappingWordWidget``; notebooks at most 150 KB each, 1 MB together.
Issue 22: fewer models per cell (Layout and style models have no view of their own) and a cheap first cell.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def models_made(make: Callable[[], object]) -> int:
    from ipywidgets.widgets.widget import _instances

    before = set(_instances)
    make()
    return len(set(_instances) - before)


def _seconds(start: str, end: str) -> float:
    parse = datetime.fromisoformat
    return (parse(end.replace("Z", "+00:00")) - parse(start.replace("Z", "+00:00"))).total_seconds()


def notebook_messages(name: str) -> tuple[Counter[str], int, float]:
    """Execute ``notebooks/<name>.ipynb`` in a fresh kernel: (comm_open by model class, IOPub messages, first
    code cell's kernel seconds)."""
    import nbformat
    from nbclient import NotebookClient

    opened: Counter[str] = Counter()
    iopub = 0

    class Counting(NotebookClient):  # type: ignore[misc]
        def process_message(self, msg: dict[str, Any], cell: Any, cell_index: int) -> Any:
            nonlocal iopub
            iopub += 1
            if msg["msg_type"] == "comm_open":
                state = msg["content"].get("data", {}).get("state", {})
                opened[state.get("_model_name", msg["content"].get("target_name", "?"))] += 1
            return super().process_message(msg, cell, cell_index)

    nb = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    client = Counting(
        nb,
        timeout=300,
        kernel_name="python3",
        record_timing=True,
        resources={"metadata": {"path": str(ROOT / "notebooks")}},
    )
    client.execute()
    first = next(c for c in nb.cells if c.cell_type == "code").metadata.get("execution", {})
    return opened, iopub, _seconds(first["iopub.execute_input"], first["shell.execute_reply"])


def import_seconds(module: str = "folioviz", rounds: int = 3) -> float:
    """Median over fresh interpreters of ``-X importtime``'s cumulative time for ``module``."""
    times = []
    for _ in range(rounds):
        err = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", f"import {module}"],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            cwd=ROOT,
        ).stderr
        last = [line for line in err.splitlines() if line.rstrip().endswith(f"| {module}")][-1]
        times.append(int(last.split("|")[1]) / 1e6)
    return statistics.median(times)


def notebooks_report(names: list[str]) -> None:
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"import folioviz (fresh interpreter, median of 3): {import_seconds() * 1000:.0f} ms   load {load}")
    print("notebooks executed (nbclient, fresh kernel): widget models opened, IOPub messages, first cell")
    total = 0
    for name in names:
        opened, iopub, first = notebook_messages(name)
        total += sum(opened.values())
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
        print(
            f"  {name:30s} comm_open {sum(opened.values()):4d}  iopub {iopub:5d}  "
            f"first cell {first * 1000:5.0f} ms   load {load}"
        )
        print("      " + ", ".join(f"{model.removesuffix('Model')} {n}" for model, n in opened.most_common()))
    print(f"  {'together':30s} comm_open {total:4d}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notebooks", nargs="*", help="notebook stems to execute (default: all)")
    parser.add_argument("--skip-notebooks", action="store_true", help="do not execute the notebooks")
    args = parser.parse_args()
    os.environ.pop("FOLIOVIZ_ERA", None)
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    from folioviz.widgets import (
        MappingWordWidget,
        MkwriteSideBySide,
        MkwriteWidget,
        PageCacheWidget,
        RaceExplorer,
    )

    print("widget models per widget (live ipywidgets models created)")
    for label, make in (
        ("MappingWordWidget()", MappingWordWidget),
        ("MappingWordWidget(word_bits=32)", lambda: MappingWordWidget(0xC0000000, word_bits=32)),
        ("MappingWordWidget(presenter=True)", lambda: MappingWordWidget(presenter=True)),
        ("PageCacheWidget()", PageCacheWidget),
        ("MkwriteWidget()", MkwriteWidget),
        ("MkwriteSideBySide()", MkwriteSideBySide),
        ("RaceExplorer()", RaceExplorer),
    ):
        print(f"  {label:36s} {models_made(make):4d}")

    print("committed notebooks (goal: <= 150 KB each, <= 1 MB together)")
    total = 0
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        size = path.stat().st_size
        total += size
        notebook = json.loads(path.read_text())
        state = notebook.get("metadata", {}).get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
        models = state.get("state", {})
        # as the builder writes it: one line per model (tools/notebooks/build.py, dumps_notebook)
        stored = sum(
            len(json.dumps(m, ensure_ascii=False, separators=(", ", ": ")).encode()) + 20 for m in models.values()
        )
        kb = f"{size / 1000:7.1f} KB   widget state {stored / 1000:6.1f} KB"
        print(f"  {path.name:36s} {kb} in {len(models):3d} models")
    print(f"  {'together':36s} {total / 1000:7.1f} KB")
    if not args.skip_notebooks:
        names = args.notebooks or sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))
        notebooks_report(names)


if __name__ == "__main__":
    main()
