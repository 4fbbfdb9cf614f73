"""Presenter mode: one call makes every widget and figure created afterwards projector-sized."""

from __future__ import annotations

import re

import pytest

import folioviz
from folioviz.kernel.pagecache import truncation_scenario
from folioviz.widgets import MappingWordWidget, MkwriteWidget, PageCacheWidget, refcount_figure
from folioviz.widgets.tables import style_html


def _svg_width(svg: str) -> float:
    return float(re.search(r'width="(\d+)"', svg).group(1))


def test_one_call_switches_every_widget():
    normal = (MappingWordWidget(), PageCacheWidget(), refcount_figure(truncation_scenario()))
    assert folioviz.presenter_mode(True) is True
    big = (MappingWordWidget(), PageCacheWidget(), refcount_figure(truncation_scenario()))
    assert "fv-presenter" in big[0]._dom_classes and "fv-presenter" in big[1]._dom_classes
    assert "fv-presenter" in MkwriteWidget()._dom_classes
    assert _svg_width(big[0]._diagram.value) > _svg_width(normal[0]._diagram.value)
    assert _svg_width(big[1]._diagram.value) > _svg_width(normal[1]._diagram.value)
    assert big[2].layout.height > normal[2].layout.height and big[2].layout.font.size > normal[2].layout.font.size
    assert "font-size: 20px" in style_html() and "font-size: 13px" in style_html(False)


def test_an_explicit_choice_wins_and_bad_values_are_refused():
    folioviz.presenter_mode(True)
    assert "fv-presenter" not in MappingWordWidget(presenter=False)._dom_classes
    with pytest.raises(ValueError, match="True or False"):
        folioviz.presenter_mode("yes")
    assert folioviz.presenter_mode() is True
