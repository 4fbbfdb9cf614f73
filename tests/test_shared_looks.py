"""Shared Layout and style models (folioviz.widgets.looks): one per look, frozen, and few models per widget."""

from __future__ import annotations

import ipywidgets as w
import pytest
from ipywidgets.widgets import widget as widget_module
from ipywidgets.widgets.widget_string import HTMLStyle

from folioviz.kernel import FolioVizError
from folioviz.kernel.pagecache import truncation_scenario
from folioviz.widgets import (
    MappingWordWidget,
    MkwriteSideBySide,
    MkwriteWidget,
    PageCacheWidget,
    RaceExplorer,
    refcount_quiz,
)
from folioviz.widgets.looks import SharedLookError, layout, part, shared_models, style


def _models(make):
    before = set(widget_module._instances)
    made = make()
    return made, len(set(widget_module._instances) - before)


def test_one_model_per_look():
    a = part(w.HTML, "a", layout={"width": "auto"})
    b = part(w.HTML, "b", layout={"width": "auto"})
    c = part(w.HTML, "c")
    assert a.layout is b.layout is layout(width="auto") and a.layout is not c.layout
    assert a.style is b.style is c.style is style(HTMLStyle)
    assert part(w.HBox, [a, b]).layout is layout()


def test_a_shared_model_refuses_a_write_and_keeps_its_value():
    box = part(w.Dropdown, options=["x"], layout={"width": "auto"}, style={"description_width": "initial"})
    with pytest.raises(SharedLookError, match="shared") as raised:
        box.layout.display = "none"
    assert isinstance(raised.value, FolioVizError)
    assert box.layout.display is None and box.layout.width == "auto"
    with pytest.raises(SharedLookError):
        box.style.description_width = "10em"
    assert box.style.description_width == "initial"
    # the way out: the part gets a model of its own
    box.layout = w.Layout(display="none")
    assert box.layout.display == "none" and layout(width="auto").display is None


def test_a_closed_shared_model_is_made_again():
    first = layout(width="3em")
    first.close()
    again = layout(width="3em")
    assert again is not first and again.comm is not None and again.width == "3em"


def test_parts_a_widget_hides_keep_their_own_layout():
    mk = MkwriteWidget()
    mk.update(folio="truncated")
    assert mk._controls.beyond_eof.layout.display == ""
    assert mk.update(folio="present")
    assert mk._controls.beyond_eof.layout.display == "none"
    pc = PageCacheWidget("large-folio")
    assert pc._size.layout.display == ""
    assert not any(getattr(m, "display", None) == "none" for m in shared_models())


def test_the_widgets_themselves_keep_their_own_layout():
    one, two = MkwriteWidget(), MkwriteWidget()
    assert one.layout is not two.layout
    one.layout.border = "1px solid"  # a reader may style a whole widget
    assert two.layout.border is None


@pytest.mark.parametrize(
    ("make", "budget"),
    [
        (MkwriteWidget, 50),  # 95 models before layouts and styles were shared
        (MkwriteSideBySide, 55),  # 110
        (PageCacheWidget, 50),  # 70
        (RaceExplorer, 40),  # 72
        (MappingWordWidget, 20),
        (lambda: refcount_quiz(truncation_scenario(), 2), 12),
    ],
)
def test_widget_model_budget(make, budget):
    make()  # the shared looks exist from here on, as after a notebook's first widget
    _, count = _models(make)
    assert count <= budget, f"{make} made {count} widget models"
