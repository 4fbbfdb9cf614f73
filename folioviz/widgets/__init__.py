"""The widget layer: ipywidgets and anywidget classes that put the renderers on screen and take input.

What may live here: widget classes (and the mixins and base they share), the one anywidget front-end
(``static/``), and small functions that build a configured widget (the quizzes, the drgn conveniences of
:mod:`folioviz.widgets.from_drgn`). No HTML, SVG or figure is built here: that is :mod:`folioviz.render`
(``tests/test_code_health.py`` fails on a tag literal or a ``tag()``/``element()`` call in this package).

What it may import: ipywidgets, anywidget, traitlets, :mod:`folioviz.render` and the model
(:mod:`folioviz.kernel`); :mod:`folioviz.widgets.from_drgn` also imports the drgn bridge. Nothing below this
layer imports it (``lint-imports`` holds the layers; see ``[tool.importlinter]`` in pyproject.toml).

The classes are imported lazily, so that ``import folioviz.widgets`` stays light until one is used.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "BitField",
    "ChoiceQuiz",
    "HistoryExplorer",
    "KindQuiz",
    "MappingWordWidget",
    "MkwriteSideBySide",
    "MkwriteWidget",
    "NullHelperQuiz",
    "NumberQuiz",
    "PageCacheWalkWidget",
    "PageCacheWidget",
    "RaceExplorer",
    "Stepper",
    "SurveyExplorer",
    "UnsafeVariantsQuiz",
    "freed_quiz",
    "refcount_quiz",
    "return_line_quiz",
    "terminates_quiz",
]

#: Where each exported name is defined (imported on first use).
_LAZY = {
    "BitField": ".bitfield",
    "ChoiceQuiz": ".exercises",
    "HistoryExplorer": ".history",
    "KindQuiz": ".exercises",
    "MappingWordWidget": ".mapping_word",
    "MkwriteSideBySide": ".mkwrite",
    "MkwriteWidget": ".mkwrite",
    "NullHelperQuiz": ".exercises",
    "NumberQuiz": ".exercises",
    "PageCacheWalkWidget": ".pagecache_walk",
    "PageCacheWidget": ".pagecache",
    "RaceExplorer": ".races",
    "Stepper": ".stepper",
    "SurveyExplorer": ".survey",
    "UnsafeVariantsQuiz": ".exercises",
    "freed_quiz": ".exercises",
    "refcount_quiz": ".exercises",
    "return_line_quiz": ".exercises",
    "terminates_quiz": ".exercises",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module 'folioviz.widgets' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
