"""Where folioviz runs: a native Python, or Pyodide in a web browser (the JupyterLite build, ``make lite``).

Everything that teaches works in both. What needs a machine around the Python does not exist in the
browser: a terminal (the ``folioviz`` command), ``make``, environment variables set before JupyterLab
starts. Notebooks call :func:`browser_note` where they mention those; it prints a short note in the browser
and nothing elsewhere, so a native run's outputs stay as they were.

In the browser, ``import folioviz`` also calls :func:`show_figures_without_nbformat`, so that a plotly figure
a reader builds in a cell draws as folioviz's own figures do, and :func:`install_site_packages_on_import`, so that
a package the site ships but has not installed yet (plotly: the lite build leaves it out of folioviz's dependencies,
see :class:`SiteWheelFinder`) is installed when a module first imports it.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import io
import json
import sys
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

__all__ = [
    "BROWSER_NOTES",
    "SiteWheelFinder",
    "browser_note",
    "in_browser",
    "install_site_packages_on_import",
    "show_figures_without_nbformat",
]

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


class SiteWheelFinder(importlib.abc.MetaPathFinder):
    """Installs a package of the site's lock (pure-Python wheels only) when a module first imports it.

    For the lite build (tools/lite): Pyodide installs the packages a cell names in its imports before the cell runs,
    with their dependencies as the site's lock lists them. The build leaves plotly out of folioviz's dependencies
    there, so that a notebook's first cells, which draw no figure, do not wait for plotly and its dependencies
    (narwhals, packaging: 4.7 MB of wheels, 21 MB unpacked). A folioviz module that draws a figure imports plotly
    in the middle of a cell, after Pyodide's step; this finder, placed right after Python's path finder, then
    installs it there and then: each missing wheel of the package and its dependencies is fetched from the site
    (``fetch``), checked against the lock's sha256, unpacked into ``site_packages`` and recorded as loaded
    (``mark_loaded``), so Pyodide does not install it again.

    ``packages`` is the lock's ``packages`` table ({name: {"file_name", "sha256", "imports", "depends"}});
    ``loaded()`` the names already installed. Only top-level names are looked up; a name no package of the lock
    provides, or one whose package is installed, is left to the other finders (Python's ModuleNotFoundError).
    """

    def __init__(
        self,
        packages: Mapping[str, Mapping[str, Any]],
        fetch: Callable[[str], bytes],
        site_packages: Path,
        loaded: Callable[[], set[str]],
        mark_loaded: Callable[[str], None],
    ) -> None:
        self.packages = packages
        self.fetch = fetch
        self.site_packages = site_packages
        self.loaded = loaded
        self.mark_loaded = mark_loaded
        self.by_import = {module: name for name, package in packages.items() for module in package.get("imports", ())}

    def missing(self, name: str) -> list[str]:
        """``name`` and its dependencies that are not installed, dependencies first."""
        loaded, order, seen = self.loaded(), [], set()

        def visit(package: str) -> None:
            if package in seen or package in loaded or package not in self.packages:
                return
            seen.add(package)
            for dependency in self.packages[package].get("depends", ()):
                visit(dependency)
            order.append(package)

        visit(name)
        return order

    def install(self, name: str) -> None:
        entry = self.packages[name]
        file_name = entry["file_name"]
        if not file_name.endswith("-none-any.whl"):
            raise ImportError(f"{name} ({file_name}) is not a pure-Python wheel: load it with the cell's own import")
        data = self.fetch(file_name)
        if hashlib.sha256(data).hexdigest() != entry["sha256"]:
            raise ImportError(f"{file_name} does not match the sha256 of the site's lock; rebuild the site")
        with zipfile.ZipFile(io.BytesIO(data)) as wheel:
            wheel.extractall(self.site_packages)
        self.mark_loaded(name)

    def find_spec(
        self, fullname: str, path: Any = None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        name = self.by_import.get(fullname) if path is None else None
        todo = self.missing(name) if name else []
        if not todo:
            return None
        for package in todo:
            self.install(package)
        importlib.invalidate_caches()
        return importlib.machinery.PathFinder.find_spec(fullname)


def _fetch_from_site(file_name: str) -> bytes:  # pragma: no cover - Pyodide in a browser's worker only
    """A file of the site's package folder, read synchronously (a kernel worker may; an import cannot wait)."""
    import js  # type: ignore[import-not-found]
    import pyodide_js  # type: ignore[import-not-found]

    base = js.URL.new(pyodide_js.lockfileBaseUrl, js.location.href)
    url = js.URL.new(file_name, base).href
    request = js.XMLHttpRequest.new()
    request.open("GET", url, False)
    request.responseType = "arraybuffer"
    request.send()
    if request.status != 200:
        raise ImportError(f"{url}: HTTP {request.status} (is the site complete?)")
    return bytes(request.response.to_bytes())


def install_site_packages_on_import() -> bool:  # pragma: no cover - Pyodide only (SiteWheelFinder is tested natively)
    """Put a :class:`SiteWheelFinder` for Pyodide's lock right after Python's path finder (once). Returns False
    outside Pyodide or when the lock cannot be read (the finder is then not installed)."""
    if not in_browser():
        return False
    if any(isinstance(finder, SiteWheelFinder) for finder in sys.meta_path):
        return True
    try:
        import sysconfig

        import pyodide_js

        packages = pyodide_js.lockfile.packages.to_py()
        site_packages = Path(sysconfig.get_paths()["purelib"])
    except Exception:
        return False
    finder = SiteWheelFinder(
        packages,
        _fetch_from_site,
        site_packages,
        lambda: set(pyodide_js.loadedPackages.object_keys()),
        lambda name: setattr(pyodide_js.loadedPackages, name, "default channel"),
    )
    after = next(
        (i + 1 for i, f in enumerate(sys.meta_path) if f is importlib.machinery.PathFinder), len(sys.meta_path)
    )
    sys.meta_path.insert(after, finder)
    return True
