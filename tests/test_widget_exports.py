"""``folioviz.widgets`` exports every widget class it defines and every widget the README and the docs name."""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import ipywidgets

import folioviz.widgets

ROOT = Path(__file__).resolve().parents[1]
#: Widget-like names the docs use for other libraries' classes.
NOT_OURS = {"FigureWidget"}  # plotly's (the docs say folioviz does not use it)
WIDGET_NAME = re.compile(r"\b[A-Z][A-Za-z]*(?:Widget|Explorer|Quiz|SideBySide)\b|\bStepper\b|\bBitField\b")


def _widget_classes() -> dict[str, type]:
    """Every public ipywidgets class defined in a module of folioviz/widgets."""
    found = {}
    for path in sorted((ROOT / "folioviz" / "widgets").glob("*.py")):
        module = importlib.import_module(f"folioviz.widgets.{path.stem}") if path.stem != "__init__" else None
        for name, obj in inspect.getmembers(module, inspect.isclass) if module else ():
            if obj.__module__ == module.__name__ and issubclass(obj, ipywidgets.Widget) and not name.startswith("_"):
                found[name] = obj
    return found


def test_every_widget_class_is_exported():
    classes = _widget_classes()
    assert {"MappingWordWidget", "HistoryExplorer", "SurveyExplorer", "PageCacheWalkWidget"} <= set(classes)
    assert sorted(set(classes) - set(folioviz.widgets.__all__)) == []
    for name, cls in classes.items():
        assert getattr(folioviz.widgets, name) is cls


def test_every_widget_the_docs_name_is_exported():
    named = set()
    for doc in ("README.md", "docs/architecture.md"):
        named |= set(WIDGET_NAME.findall((ROOT / doc).read_text(encoding="utf-8")))
    named -= NOT_OURS
    assert {"HistoryExplorer", "SurveyExplorer", "PageCacheWalkWidget"} <= named
    assert sorted(named - set(folioviz.widgets.__all__)) == []
    for name in named:
        assert issubclass(getattr(folioviz.widgets, name), ipywidgets.Widget), name


def test_every_exported_name_resolves():
    for name in folioviz.widgets.__all__:
        assert getattr(folioviz.widgets, name) is not None
    assert set(folioviz.widgets.__all__) <= set(dir(folioviz.widgets))
