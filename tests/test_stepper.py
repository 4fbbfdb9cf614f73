"""The shared stepper: buttons, slider and bounds, on a tiny scenario of ints."""

from __future__ import annotations

import pytest

from folioviz.kernel.errors import FolioVizError
from folioviz.kernel.scenario import Scenario, Step
from folioviz.widgets.stepper import Stepper

SCENARIO = Scenario(
    name="count",
    title="Counting",
    era="v6.0-v6.16",
    steps=tuple(Step(state=i, function=f"fn{i}", caption=f"now {i}", rule="R8") for i in range(5)),
)


def test_buttons_move_and_render_is_called():
    seen: list[int] = []
    stepper = Stepper(SCENARIO, render=lambda step: seen.append(step.state))
    assert seen == [0] and stepper._back.disabled and stepper._first.disabled
    stepper._next.click()
    stepper._next.click()
    assert stepper.index == 2 and seen[-1] == 2
    assert "fn2" in stepper._caption.value and "step 2 of 4" in stepper._caption.value
    stepper._back.click()
    assert stepper.index == 1
    stepper._last.click()
    assert stepper.index == 4 and stepper._next.disabled and stepper._last.disabled
    stepper._first.click()
    assert stepper.index == 0 and seen[-1] == 0


def test_slider_and_index_stay_in_step():
    stepper = Stepper(SCENARIO)
    stepper._slider.value = 3  # what dragging, or the Play button through jslink, does
    assert stepper.index == 3 and stepper.current.state == 3
    stepper.index = 1
    assert stepper._slider.value == 1


def test_going_past_the_ends_stops_there_and_bad_indices_are_refused():
    stepper = Stepper(SCENARIO)
    stepper.go(99)
    assert stepper.index == 4
    stepper.go(-5)
    assert stepper.index == 0
    with pytest.raises(Exception, match="out of range"):
        stepper.index = 5
    assert stepper.index == 0


def test_set_scenario_rebuilds_the_controls():
    stepper = Stepper(SCENARIO, start=4)
    short = Scenario(name="s", title="s", era="x", steps=SCENARIO.steps[:2])
    stepper.set_scenario(short, keep_index=True)
    assert stepper.index == 1 and stepper._slider.max == 1 and stepper._play.max == 1
    stepper.set_scenario(SCENARIO)
    assert stepper.index == 0 and stepper._slider.max == 4


def test_empty_scenarios_are_rejected():
    with pytest.raises(FolioVizError, match="no steps"):
        Scenario(name="e", title="e", era="x", steps=())


def test_an_out_of_range_step_is_shown_in_the_error_box_and_the_last_good_step_kept():
    seen: list[int] = []
    stepper = Stepper(SCENARIO, render=lambda step: seen.append(step.state), start=2)
    assert stepper.error == "" and stepper._error_box in stepper.children
    with pytest.raises(FolioVizError, match="out of range"):
        stepper.step = 7
    assert "step 7 is out of range" in stepper.error
    assert 'role="alert"' in stepper._error_box.value and "steps 0 to 4" in stepper._error_box.value
    assert stepper.step == 2 and stepper._slider.value == 2 and seen[-1] == 2
    assert "step 2 of 4" in stepper._caption.value
    stepper.step = 3  # a good step clears the box
    assert stepper.error == "" and stepper._error_box.value == ""


def test_the_slider_has_no_readout_the_caption_says_the_step():
    """The caption's "step i of n" is the slider's readout (a readout would re-measure itself on every move)."""
    stepper = Stepper(SCENARIO)
    assert stepper._slider.readout is False and stepper._slider.description == "step"
    stepper._slider.value = 3  # the slider (keyboard: arrows, Home, End) still moves the steps
    assert stepper.index == 3 and "step 3 of 4" in stepper._caption.value
