"""folioviz: learn, teach and demo the rules of ``folio->mapping`` in the Linux kernel.

Three layers, each importing only the ones below it (docs/architecture.md draws them):

* :mod:`folioviz.kernel`, the model: the kernel's rules in plain Python (no Jupyter, no plotly);
* :mod:`folioviz.render`: pure renderers from model states to text, SVG, HTML and plotly figures;
* :mod:`folioviz.widgets`: the widget classes, imported lazily, so ``import folioviz`` stays light for
  scripts and the CLI.

Beside them, :mod:`folioviz.cli` and the drgn bridge :mod:`folioviz.drgn` use the model and the renderers only.
"""

from __future__ import annotations

from typing import Any

from ._version import __version__
from .browser import browser_note, in_browser, install_site_packages_on_import

if in_browser():  # before any folioviz module imports plotly (the lite build installs it on first import)
    install_site_packages_on_import()

from .kernel import (
    DEFAULT_ERA,
    FolioVizError,
    MappingKind,
    decode,
    default_era,
    era,
    eras,
    get_era,
    set_default_era,
)
from .render.theme import presenter, presenter_mode

if in_browser():  # plotly's own display needs nbformat, which Pyodide cannot load
    from .browser import show_figures_without_nbformat

    show_figures_without_nbformat()


__all__ = [
    "DEFAULT_ERA",
    "FolioVizError",
    "MappingKind",
    "MappingWordWidget",
    "__version__",
    "browser_note",
    "decode",
    "default_era",
    "era",
    "eras",
    "get_era",
    "in_browser",
    "presenter",
    "presenter_mode",
    "set_default_era",
]


def __getattr__(name: str) -> Any:
    if name == "MappingWordWidget":
        from .widgets.mapping_word import MappingWordWidget

        return MappingWordWidget
    raise AttributeError(f"module 'folioviz' has no attribute {name!r}")
