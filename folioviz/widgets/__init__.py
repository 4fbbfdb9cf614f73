"""Views: widgets, SVG diagrams and figures that render model states.

Pure renderers (``svg``, ``text``, ``tables``, ``theme``) import no Jupyter code; the widget
classes are imported lazily so that the CLI and scripts stay light.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ChoiceQuiz",
    "DecodeCard",
    "KindQuiz",
    "MappingWordWidget",
    "MkwriteSideBySide",
    "MkwriteWidget",
    "NullHelperQuiz",
    "NumberQuiz",
    "PageCacheWidget",
    "RaceExplorer",
    "Stepper",
    "UnsafeVariantsQuiz",
    "explain",
    "freed_quiz",
    "race_summary_figure",
    "refcount_figure",
    "refcount_quiz",
    "return_line_quiz",
    "terminates_quiz",
]

_LAZY = {
    "MappingWordWidget": ".mapping_word",
    "KindQuiz": ".exercises",
    "NullHelperQuiz": ".exercises",
    "DecodeCard": ".cards",
    "explain": ".cards",
    "NumberQuiz": ".exercises",
    "freed_quiz": ".exercises",
    "refcount_quiz": ".exercises",
    "PageCacheWidget": ".pagecache",
    "Stepper": ".stepper",
    "RaceExplorer": ".races",
    "UnsafeVariantsQuiz": ".races",
    "race_summary_figure": ".races",
    "MkwriteWidget": ".mkwrite",
    "MkwriteSideBySide": ".mkwrite",
    "ChoiceQuiz": ".exercises",
    "return_line_quiz": ".exercises",
    "terminates_quiz": ".exercises",
    "refcount_figure": ".figures",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module 'folioviz.widgets' has no attribute {name!r}")
