"""Page-cache views: the widget follows the stepper, the figure animates the model's numbers."""

from __future__ import annotations

import json
import re

import pytest

from folioviz.kernel.pagecache import PAGECACHE_SCENARIOS, early_put_scenario, truncation_scenario, window_steps
from folioviz.render import refcount_figure
from folioviz.render.cards import SequenceCard
from folioviz.render.pagecache import build_scenario
from folioviz.render.svg import pagecache_svg
from folioviz.widgets import PageCacheWidget, freed_quiz, refcount_quiz


def refcount_shown(widget: PageCacheWidget) -> int:
    return int(re.search(r'class="fv-refcount">(\d+)<', widget._diagram.value).group(1))


def test_stepping_redraws_the_folio_from_the_model():
    widget = PageCacheWidget("truncation")
    scenario = widget.scenario
    for i in range(len(scenario)):
        widget.stepper.go(i)
        assert refcount_shown(widget) == scenario[i].state.refcount
        assert f"after {scenario[i].function}()" in widget._diagram.value
        assert scenario[i].function in widget.stepper._caption.value
    widget.stepper._back.click()  # step back: the earlier snapshot, unchanged
    assert refcount_shown(widget) == scenario[len(scenario) - 2].state.refcount


def test_the_window_is_called_out_exactly_on_its_steps():
    widget = PageCacheWidget("truncation")
    for i, in_window in enumerate(window_steps(widget.scenario)):
        widget.stepper.go(i)
        assert ("can meet this folio (R9)" in widget._diagram.value) is in_window


def test_scenario_picker_and_large_folio_size():
    widget = PageCacheWidget("email")
    assert widget.scenario.name == "email"
    widget._picker.value = "large-folio"
    assert widget._size.layout.display == ""
    widget._size.value = 16
    assert widget.scenario[0].state.refcount == 17  # 16 cache references + the adder's
    assert widget.stepper.index == 0
    widget._picker.value = "early-put"
    assert widget._size.layout.display == "none"


def test_composer_runs_a_legal_sequence_and_refuses_an_illegal_one():
    widget = PageCacheWidget("truncation")
    widget._ops.value = "lookup thread A\nfind_lock_entries\nremove\nunlock truncate\nput truncate\nput thread A"
    widget._run.click()
    assert widget.error == "" and widget.scenario.name == "composed" and len(widget.scenario) == 7
    assert widget.scenario[-1].state.freed
    good = widget.scenario
    widget._ops.value = "lookup thread A\nremove"
    widget._run.click()
    assert "step 2" in widget.error and "lock" in widget.error
    assert 'role="alert"' in widget._error_box.value
    assert widget.scenario is good  # the last good scenario stays
    assert widget.compose([]) is False and "at least one operation" in widget.error


def test_unknown_scenario_is_explained():
    widget = PageCacheWidget()
    assert widget.show("no-such") is False and "choose from" in widget.error
    with pytest.raises(Exception, match="unknown scenario"):
        build_scenario("no-such")


def test_figure_has_a_frame_per_step_and_numbers_from_the_model():
    scenario = truncation_scenario()
    fig = refcount_figure(scenario)
    assert len(fig.frames) == len(scenario)
    totals = [0] * len(scenario)
    for trace in fig.data:
        if trace.type == "bar":
            for i, y in enumerate(trace.y):
                totals[i] += y or 0
    assert totals == [s.state.refcount for s in scenario]
    # frame k reveals steps 0..k only
    frame3 = fig.frames[3]
    bar_ys = [d.y for d in frame3.data if d.type == "bar"]
    assert all(y[4] is None for y in bar_ys)
    assert fig.layout.updatemenus[0].buttons[0].method == "animate"
    shaded = [s for s in fig.layout.shapes if s.fillcolor]
    assert shaded and {(s.x0, s.x1) for s in shaded} == {(5.5, 9.5)}  # steps 6..9, in both subplots


@pytest.mark.parametrize("name", list(PAGECACHE_SCENARIOS))
def test_every_scenario_renders_and_stays_small(name):
    scenario = build_scenario(name)
    fig = refcount_figure(scenario)
    size = len(fig.to_json())
    assert size < 80_000, f"{name}: figure JSON is {size} bytes"
    json.loads(fig.to_json())
    for step in scenario:
        svg = pagecache_svg(step.state, function=step.function)
        assert svg.startswith("<svg") and svg.endswith("</svg>") and "aria-label" in svg


def test_quizzes_take_their_answers_from_the_model():
    scenario = truncation_scenario()
    quiz = refcount_quiz(scenario, 4)
    assert quiz.answer == 3
    assert quiz.check(2) is False and "The answer is 3" in quiz._out.value
    assert quiz.check(3) is True
    freed = freed_quiz(early_put_scenario())
    assert early_put_scenario()[freed.answer].state.freed
    assert not early_put_scenario()[freed.answer - 1].state.freed


def test_sequence_card_text_and_html():
    bad = SequenceCard(["lookup thread A", "remove"])
    assert repr(bad).startswith("Not allowed at step 2")
    assert 'role="alert"' in bad._repr_html_()
    good = SequenceCard(["lookup thread A", "put thread A"])
    assert "filemap_get_folio" in repr(good) and "<table" in good._repr_html_()


def test_a_given_scenario_is_labelled_as_such_and_survives_an_era_switch():
    from folioviz.kernel.pagecache import compose_scenario

    given = compose_scenario(["lookup thread A", "put thread A"])
    widget = PageCacheWidget(given)
    assert widget.scenario is given
    assert widget._picker.value != "truncation"
    assert "given" in dict((v, k) for k, v in widget._picker.options)[widget._picker.value].lower()
    widget._era_picker.value = "v6.17+"
    assert widget.scenario.name == given.name, "switching the era replaced the given scenario"
    # a composed one is recomposed in the new era
    widget = PageCacheWidget()
    assert widget.compose(["lookup thread A", "put thread A"])
    composed = widget.scenario
    widget._era_picker.value = "v6.17+"
    assert [s.function for s in widget.scenario] == [s.function for s in composed]
    assert widget.scenario.era == "v6.17+"
