"""Where folioviz runs: a native Python, or Pyodide in a web browser (the JupyterLite build, ``make lite``).

Everything that teaches works in both. What needs a machine around the kernel does not exist in the
browser: a terminal (the ``folioviz`` command), ``make``, environment variables set before JupyterLab
starts. Notebooks call :func:`browser_note` where they mention those; it prints a short note in the browser
and nothing elsewhere, so a native run's outputs stay as they were.
"""

from __future__ import annotations

import sys

__all__ = ["BROWSER_NOTES", "browser_note", "in_browser"]

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
    if topic not in BROWSER_NOTES:
        raise ValueError(f"no browser note about {topic!r}; the topics are {', '.join(sorted(BROWSER_NOTES))}")
    if in_browser():
        print(BROWSER_NOTES[topic])
