"""The render layer: pure functions from the model's states to text, SVG, HTML and plotly figures.

What may live here: renderers (text for a terminal, SVG diagrams, HTML tables and cards, the static snapshots'
HTML, plotly figure factories), and the look they share (:mod:`folioviz.render.theme`: the Okabe–Ito palette,
glyphs, presenter sizes). A renderer takes model objects (or plain values) and returns text, markup (HTML and
SVG as :class:`~folioviz.render.markup.Markup`: text put into it is escaped by construction), a display object or
a figure; it keeps no widget state and takes no input.

What it may import: the model (:mod:`folioviz.kernel`), plotly, bitstring and IPython's display helpers. Never
ipywidgets, anywidget or traitlets, and never :mod:`folioviz.widgets`: the CLI and the drgn bridge use this
layer without Jupyter (``lint-imports`` holds it; see ``[tool.importlinter]`` in pyproject.toml).

The names below are imported lazily, so ``import folioviz.render`` loads no plotly.
"""

from __future__ import annotations

from typing import Any

__all__ = ["DecodeCard", "SequenceCard", "decode_text", "explain", "race_summary_figure", "refcount_figure"]

#: Where each exported name is defined (imported on first use).
_LAZY = {
    "DecodeCard": ".cards",
    "SequenceCard": ".cards",
    "decode_text": ".text",
    "explain": ".cards",
    "race_summary_figure": ".race_figure",
    "refcount_figure": ".pagecache_figure",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module 'folioviz.render' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
