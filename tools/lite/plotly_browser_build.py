"""Shipped in the browser build's plotly wheel as ``plotly/_browser_build.py`` (tools/lite/plotly_slim.py): the error
and the stand-ins for the parts of plotly that the browser build does not ship. Not imported on the desktop.

The browser build's plotly draws the 2-D trace types of ``TRACES`` only (those the site's plotly.js draws); the
classes of the others, of the layout's subplot kinds only they use, and the packages that need numpy or matplotlib
(which the site does not ship) are replaced by these stand-ins, which say so where plotly would have built them.
"""

from __future__ import annotations

from typing import Any, NoReturn

TRACES: tuple[str, ...] = ()  # the trace types kept: written in by tools/lite/plotly_slim.py


class PlotlyNotInBrowserBuildError(ImportError):
    """A part of plotly that the browser build does not ship."""


def message(what: str, why: str = "") -> str:
    because = why or "its plotly draws 2-D charts only, of the trace types " + ", ".join(TRACES)
    return (
        f"{what} is not in this browser build of folioviz: {because}. "
        "Run the workbook in JupyterLab (`make lab`) for all of plotly."
    )


def unavailable_class(name: str, what: str, why: str = "") -> type:
    """A class named ``name`` (so ``go.Scatter3d`` still names a class) that raises when called."""

    def refuse(cls: type, *args: Any, **kwargs: Any) -> NoReturn:
        raise PlotlyNotInBrowserBuildError(message(what, why))

    return type(name, (), {"__new__": refuse, "__doc__": message(what, why)})


def unavailable_layout_class(name: str, kind: str, what: str, why: str = "") -> type:
    """A layout subplot class named ``name`` with no properties. plotly builds an empty one of every subplot kind
    on its own (``make_subplots`` updates the layout with a whole Layout, ``"polar" in fig.layout``), which works;
    giving one any property raises."""
    from plotly.basedatatypes import BaseLayoutHierarchyType

    def refuse(*args: Any, **kwargs: Any) -> NoReturn:
        raise PlotlyNotInBrowserBuildError(message(what, why))

    def init(self: Any, arg: Any = None, **kwargs: Any) -> None:
        BaseLayoutHierarchyType.__init__(self, kind)
        if "_parent" in kwargs:  # plotly building the layout's own (empty) one
            self._parent = kwargs["_parent"]
            return
        self._skip_invalid = kwargs.pop("skip_invalid", False)
        self._validate = kwargs.pop("_validate", True)
        if arg or kwargs:
            refuse()

    def update(self: Any, dict1: Any = None, overwrite: bool = False, **kwargs: Any) -> Any:
        if dict1 or kwargs:
            refuse()
        return self

    namespace = {
        "_parent_path_str": "layout",
        "_path_str": "layout." + kind,
        "_valid_props": set(),
        "__init__": init,
        "update": update,
        "_raise_on_invalid_property_error": lambda self, _error_to_raise=None: refuse,
        "__doc__": message(what, why),
    }
    return type(name, (BaseLayoutHierarchyType,), namespace)


def unavailable_module(what: str, why: str = "") -> NoReturn:
    """Raise, from a stand-in package's ``__init__``: importing the package fails with the message."""
    raise PlotlyNotInBrowserBuildError(message(what, why))
