"""do_page_mkwrite() views: the code panel follows the stepper; toggles rebuild; the outcome is the model's."""

from __future__ import annotations

import re

import pytest

from folioviz.kernel.mkwrite import MkwriteInputs, Outcome, mkwrite_outcome, pseudo_code
from folioviz.render.mkwrite import code_panel_html, history_table_html, outcome_html
from folioviz.widgets import MkwriteSideBySide, MkwriteWidget, return_line_quiz, terminates_quiz


def current_line(widget) -> int | None:
    match = re.search(r'class="fv-line fv-line-current" data-line="(\d+)"', widget._pane.code.value)
    return int(match.group(1)) if match else None


def test_the_code_panel_marks_the_running_line_at_every_step():
    widget = MkwriteWidget(handler="old-school", folio="truncated")
    for i, step in enumerate(widget.scenario):
        widget.stepper.go(i)
        assert current_line(widget) == step.state.line
    widget.stepper._back.click()
    assert current_line(widget) == widget.scenario[len(widget.scenario) - 2].state.line


def test_the_outcome_is_revealed_at_the_end_and_comes_from_the_model():
    widget = MkwriteWidget(handler="old-school", folio="movable-tagged", check="folio_mapping()")
    assert "predict it" in widget._pane.outcome.value
    widget.stepper._last.click()
    assert 'data-outcome="LIVELOCK"' in widget._pane.outcome.value
    assert widget.run.outcome is Outcome.LIVELOCK
    assert widget.run == mkwrite_outcome(
        MkwriteInputs(handler="old-school", folio="movable-tagged", check="folio_mapping()")
    )


def test_flipping_the_check_toggles_the_livelock():
    widget = MkwriteWidget(handler="old-school", folio="movable-tagged", check="folio_mapping()")
    assert widget.run.outcome is Outcome.LIVELOCK
    widget._controls.check.value = "folio->mapping"
    assert widget.run.outcome is Outcome.WRITE_PROCEEDS
    assert "!page-&gt;mapping" in widget._pane.code.value  # the page form of v6.4, as merged later in folio form
    widget._controls.kernel.value = "6.12"
    assert "!folio-&gt;mapping" in widget._pane.code.value


def test_loop_view_counts_retries():
    widget = MkwriteWidget(handler="old-school", folio="movable-tagged", check="folio_mapping()", view="loop")
    widget.stepper._last.click()
    assert "fv-retries" in widget._pane.state.value
    assert widget.scenario[-1].state.outcome is Outcome.LIVELOCK
    assert widget.run.retries >= 1
    widget.set_view("function")
    assert widget.scenario[0].state.line == 1


def test_an_impossible_input_is_refused_and_the_last_good_state_kept():
    widget = MkwriteWidget(handler="old-school", folio="movable-tagged", kernel="6.4")
    before = (widget.inputs, widget.run)
    widget._controls.kernel.value = "6.17"  # no movable tag in v6.17+
    assert "movable" in widget.error and 'role="alert"' in widget._error_box.value
    assert (widget.inputs, widget.run) == before
    assert widget._controls.kernel.value == "6.4"
    assert widget.update(folio="present") is True and widget.error == ""


def test_truncated_beyond_eof_toggle():
    widget = MkwriteWidget(handler="old-school", folio="truncated")
    assert widget._controls.beyond_eof.layout.display == ""
    assert widget.run.outcome is Outcome.RETRY_THEN_SIGBUS
    widget._controls.beyond_eof.value = False
    assert widget.run.outcome is Outcome.RETRY_THEN_NEW_PAGE
    widget._controls.folio.value = "present"
    assert widget._controls.beyond_eof.layout.display == "none"


def test_side_by_side_shows_both_outcomes_and_follows_the_era():
    pair = MkwriteSideBySide(handler="old-school", folio="movable-tagged", kernel="6.4")
    raw, fm = pair.runs
    assert (raw.outcome, fm.outcome) == (Outcome.WRITE_PROCEEDS, Outcome.LIVELOCK)
    pair.stepper._last.click()
    assert 'data-outcome="WRITE_PROCEEDS"' in pair._left.outcome.value
    assert 'data-outcome="LIVELOCK"' in pair._right.outcome.value
    pair._controls.kernel.value = "5.10"
    assert {r.outcome for r in pair.runs} == {Outcome.WRITE_PROCEEDS}


def test_pure_renderers():
    lines = pseudo_code("6.4", "folio->mapping")
    html = code_panel_html(lines, 12, (1, 2, 3))
    assert html.count("fv-line-current") == 1 and html.count("fv-line-visited") == 3
    assert "https://elixir.bootlin.com/linux/v6.1.4/source/mm/memory.c#L2984" in html
    run = mkwrite_outcome(MkwriteInputs(handler="old-school", folio="movable-tagged", check="folio_mapping()"))
    assert "detected at retry" in outcome_html(run) and "fv-outcome-bad" in outcome_html(run)
    history = history_table_html()
    assert "d0217ac04ca6" in history and "b827e496c893" in history and "unverified" in history


def test_quizzes():
    assert return_line_quiz(handler="old-school", folio="truncated").answer == 14
    assert return_line_quiz(handler="modern", folio="present", swapfile=True).answer == 5
    quiz = terminates_quiz(handler="old-school", folio="movable-tagged", check="folio_mapping()", kernel="6.4")
    assert quiz.answer == "no" and quiz.check("no") is True and "LIVELOCK" in quiz._out.value
    assert (
        terminates_quiz(handler="old-school", folio="movable-tagged", check="folio_mapping()", kernel="5.10").answer
        == "yes"
    )


def test_a_kernel_the_menu_lacks_is_shown_and_kept_after_an_unrelated_click():
    """MkwriteWidget(kernel="6.10") shows 6.10, and the next click does not switch the model to 6.4."""
    widget = MkwriteWidget(kernel="6.10")
    assert widget._controls.kernel.value == "6.10"
    assert widget.inputs.release == "v6.12.8" and widget.inputs.form.value == "folio"
    widget._controls.debug_vm.value = True  # an unrelated click reads every control back
    assert widget.inputs.kernel == "6.10" and widget.inputs.debug_vm
    assert widget.inputs.release == "v6.12.8" and widget.inputs.form.value == "folio"
    side = MkwriteSideBySide(kernel="6.10")
    side._controls.debug_vm.value = True
    assert side.runs[0].inputs.kernel == "6.10"


def test_update_refuses_unknown_settings_and_lets_programming_errors_through(monkeypatch):
    widget = MkwriteWidget()
    assert widget.update(colour="red") is False
    assert "colour" in widget.error and "handler" in widget.error

    def broken(inputs):
        raise TypeError("a bug in the model")

    monkeypatch.setattr("folioviz.widgets.mkwrite.mkwrite_outcome", broken)
    with pytest.raises(TypeError, match="a bug in the model"):
        widget.update(handler="old-school")
