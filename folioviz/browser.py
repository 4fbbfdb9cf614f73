"""Where folioviz runs: a native Python, or Pyodide in a web browser (the JupyterLite build, ``make lite``).

Everything that teaches works in both. What needs a machine around the Python does not exist in the
browser: a terminal (the ``folioviz`` command), ``make``, environment variables set before JupyterLab
starts. Notebooks call :func:`browser_note` where they mention those; it prints a short note in the browser
and nothing elsewhere, so a native run's outputs stay as they were.

In the browser, ``import folioviz`` also calls :func:`show_figures_without_nbformat`, so that a plotly figure
a reader builds in a cell draws as folioviz's own figures do.
"""

from __future__ import annotations

import json
import sys
from typing import Any

__all__ = ["BROWSER_NOTES", "browser_note", "in_browser", "show_figures_without_nbformat"]

BROWSER_NOTES = {
    "era": (
        "In the browser: there is no `make lab ERA=...` and no FOLIOVIZ_ERA environment variable, so every "
        "notebook starts in the email's era. Run set_default_era('latest') (or '5.10', '6.4') in a cell to "
        "switch the widgets created after it; each widget's own era menu works as usual."
    ),
    "cli": (
        "In the browser: there is no terminal, so the `folioviz decode` command is not available here. "
        "The same decode in a cell: from folioviz import decode; decode('0xffff888003a1c002', '6.4')."
    ),
}


def in_browser() -> bool:
    """True in Pyodide (CPython compiled to WebAssembly, as JupyterLite runs it)."""
    return sys.platform == "emscripten"


def browser_note(topic: str) -> None:
    """Print what differs in the browser about ``topic`` ("era" or "cli"); print nothing on a native Python."""
    from .kernel.errors import FolioVizError, quote

    if not isinstance(topic, str) or topic not in BROWSER_NOTES:
        topics = ", ".join(sorted(BROWSER_NOTES))
        raise FolioVizError(f"no browser note about {quote(topic)}; the topics are {topics}")
    if in_browser():
        print(BROWSER_NOTES[topic])


def _show_figure(fig: Any) -> None:
    """Display a plotly figure as its plotly JSON (what JupyterLab's plotly extension draws) and one line."""
    from IPython.display import display

    from .render.figures import PLOTLY_MIME, FolioFigure

    if isinstance(fig, FolioFigure):  # its own bundle, with the static fallback
        fig._ipython_display_()
        return
    from plotly.io import to_json

    figure = json.loads(to_json(fig.to_dict(), validate=False, remove_uids=False))
    display({PLOTLY_MIME: figure, "text/plain": "Figure: a plotly chart."}, raw=True)


def show_figures_without_nbformat() -> bool:
    """Display every plotly figure through its plotly JSON bundle, as :class:`FolioFigure` does.

    For Pyodide's IPython in the browser: plotly's own display refuses to run without ``nbformat`` (which cannot load in
    Pyodide), and its HTML version reads plotly.js from the plotly package (which the site leaves out; the
    site's plotly extension draws the figures). Registers an IPython display printer for plotly's
    ``BaseFigure`` by name, so plotly is not imported here. Returns False outside IPython.
    """
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None:
        return False
    formatter = shell.display_formatter.ipython_display_formatter
    formatter.for_type_by_name("plotly.basedatatypes", "BaseFigure", _show_figure)
    return True
