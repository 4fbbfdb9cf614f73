"""How lean the widgets and notebooks are (``make bench``): figures printed, nothing asserted.

* widget models per widget: ipywidgets' registry of live models (``ipywidgets.widgets.widget._instances``)
  before and after building one widget, so every layout, style and child model counts;
* the committed notebooks' sizes, each and together, and how much of each is stored widget state.

Goals from issue 10: at most 20 models per ``MappingWordWidget``; notebooks at most 150 KB each, 1 MB together.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def models_made(make: Callable[[], object]) -> int:
    from ipywidgets.widgets.widget import _instances

    before = set(_instances)
    make()
    return len(set(_instances) - before)


def main() -> None:
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


if __name__ == "__main__":
    main()
