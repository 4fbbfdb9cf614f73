"""folioviz: learn, teach and demo the rules of ``folio->mapping`` in the Linux kernel.

The model lives in :mod:`folioviz.kernel` (plain Python); the widgets in :mod:`folioviz.widgets`
are imported lazily, so ``import folioviz`` stays light for scripts and the CLI.
"""

from __future__ import annotations

from typing import Any

from .browser import browser_note, in_browser
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

if in_browser():  # plotly's own display needs nbformat, which Pyodide cannot load
    from .browser import show_figures_without_nbformat

    show_figures_without_nbformat()

#: The one place the package version is written (pyproject.toml reads it from here).
__version__ = "0.1.0"

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
    "presenter_mode",
    "set_default_era",
]


def presenter_mode(on: bool | None = None) -> bool:
    """Presenter mode for a projector: every widget and figure created afterwards uses large type."""
    from .widgets.theme import presenter_mode as switch

    return switch(on)


def __getattr__(name: str) -> Any:
    if name == "MappingWordWidget":
        from .widgets.mapping_word import MappingWordWidget

        return MappingWordWidget
    raise AttributeError(f"module 'folioviz' has no attribute {name!r}")
