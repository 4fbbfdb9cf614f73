"""Race explorer views: the timeline follows the stepper; controls rebuild from the model; chart and table numbers."""

from __future__ import annotations

import json
import re
from html import escape

import plotly.graph_objects as go
import pytest

from folioviz.kernel import set_default_era
from folioviz.kernel.races import VARIANTS, RaceModel, compare_variants, explore, folio_view
from folioviz.render.race_figure import race_summary_figure
from folioviz.render.svg import race_timeline_svg
from folioviz.render.tables import growth_table_html, outcome_banner_html, race_table_html
from folioviz.widgets.exercises import UnsafeVariantsQuiz, orders_quiz
from folioviz.widgets.races import RaceExplorer


def current_row(svg: str) -> str:
    match = re.search(r'<g class="fv-race-row fv-race-current" data-step="(\d+)">(.*?)</g>', svg)
    assert match, "no current row"
    return match.group(1) + "|" + re.sub(r"<[^>]+>", " ", match.group(2))


def test_the_timeline_follows_the_stepper_step_by_step():
    widget = RaceExplorer(outcome="RETRY")
    replay = widget.replay
    assert replay.outcome.name == "RETRY"
    for i, step in enumerate(replay.scenario):
        widget.stepper.go(i)
        svg = widget._timeline.value
        row = current_row(svg)
        assert row.startswith(f"{i}|")
        if i:
            assert escape(replay.moves[i - 1].function) in row
        assert svg.count('opacity="0.3"') == len(replay.scenario) - 1 - i  # later rows are faint
        assert folio_view(widget.model, step.state).line() in widget._state.value
    widget.stepper._back.click()
    assert current_row(widget._timeline.value).startswith(f"{len(replay.scenario) - 2}|")


def test_waiting_threads_are_drawn_where_the_model_says():
    replay = explore(RaceModel()).replay("RETRY")
    svg = race_timeline_svg(replay)
    rows = re.findall(r'<g class="fv-race-row[^"]*" data-step="(\d+)">(.*?)</g>', svg)
    waits = {int(i) for i, body in rows if "waits for the lock" in body}
    assert waits == {i for i in range(len(replay.scenario)) if replay.waiting(i)}
    assert waits  # the fault waits for truncation's lock in this order
    assert 'role="img"' in svg and "aria-label=" in svg and "<title>" in svg


def test_controls_rebuild_from_the_model_and_keep_the_outcome_when_they_can():
    widget = RaceExplorer(outcome="MISSED")
    widget._variant.value = "no-check"
    assert widget.model.variant == "no-check" and widget.outcome == "MISSED"  # no-check has MISSED too
    assert [value for _, value in widget._outcome_picker.options] == list(explore(widget.model).outcome_names)
    widget._outcome_picker.value = "WRITE_ON_TRUNCATED"
    assert widget.replay.outcome.name == "WRITE_ON_TRUNCATED"
    assert 'data-outcome="WRITE_ON_TRUNCATED"' in widget._banner.value
    assert 'class="fv-race-cell-current" aria-current="true" data-variant="no-check"' in widget._table.value
    assert widget.stepper.index == 0
    widget._variant.value = "kernel"  # the kernel's code never writes to a truncated folio
    assert widget.outcome == "WRITE_OK"
    widget._folio.value = "driver"
    widget._variant.value = "folio_mapping"
    assert widget.outcome == "LIVELOCK" and widget.replay.loops_to is not None


def test_a_refused_input_is_shown_and_the_last_good_state_stays():
    widget = RaceExplorer(folio="driver", variant="folio_mapping")
    before = (widget.model, widget.replay)
    widget._kernel.value = "6.17"
    assert "movable tag" in widget.error and 'role="alert"' in widget._error_box.value
    assert (widget.model, widget.replay) == before
    assert widget._kernel.value == "6.4"  # the menu is put back
    assert widget.update(kernel="5.10") is True and widget.error == "" and widget._error_box.value == ""
    assert widget.outcome == "WRITE_OK"  # before v6.0 page_mapping() masked the tag (B2)
    assert widget.show(outcome="LIVELOCK") is False and "is not reached" in widget.error
    assert widget.update(colour="red") is False and "unknown setting" in widget.error


def test_a_third_thread_adds_a_lane():
    widget = RaceExplorer()
    widget._threads.value = (2, 0)
    assert widget.model.lanes == ("fault", "truncate", "fault 2")
    svg = widget._timeline.value
    assert ">fault 2</text>" in svg and ">truncate</text>" in svg
    assert widget.exploration.states == explore(RaceModel(faults=2)).states
    assert "WRITE_OK+RETRY" in {value for _, value in widget._outcome_picker.options}
    widget._threads.value = (1, 1)
    assert widget.model.lanes == ("fault", "truncate", "reader")


def test_table_numbers_come_from_the_model():
    comparison = compare_variants()
    html = race_table_html(comparison, variant="kernel", outcome="RETRY")
    for exploration in comparison:
        v = exploration.model.variant
        for name in comparison.outcome_names:
            cell = re.search(rf'data-variant="{v}" data-outcome="{name}">([^<]*)<', html).group(1)
            counts = exploration.counts
            assert cell == (f"{counts[name]:,} order{'s' if counts[name] != 1 else ''}" if name in counts else "—")
    assert html.count("(hypothetical)") == len(VARIANTS) - 1
    modern = race_table_html(compare_variants(handler="modern"))
    assert "fv-race-bad" not in modern


def test_the_summary_figure_is_a_plain_figure_with_the_models_shares():
    file_, driver = compare_variants(), compare_variants(folio="driver")
    fig = race_summary_figure(file_, driver)
    assert isinstance(fig, go.Figure) and not isinstance(fig, go.FigureWidget) and not fig.frames
    totals: dict[tuple[str, str], float] = {}
    for trace in fig.data:
        axis = trace.yaxis
        for label, x in zip(trace.y, trace.x, strict=True):
            totals[(axis, label)] = totals.get((axis, label), 0) + x
    assert all(abs(total - 100) < 0.05 for total in totals.values())
    kernel_retry = next(t for t in fig.data if t.legendgroup == "RETRY" and t.yaxis == "y")
    assert kernel_retry.text[0] == "↻ 37"
    livelock = next(t for t in fig.data if t.legendgroup == "LIVELOCK")
    assert livelock.text[-1] == "⟳ every order" and livelock.marker.pattern.shape == "+"
    legend = [t.name for t in fig.data if t.showlegend]
    assert legend == [
        "✔ WRITE_OK",
        "↻ RETRY",
        "∅ MISSED",
        "✘ WRITE_ON_TRUNCATED",
        "⚠ WRITE_DURING_TRUNCATION",
        "⟳ LIVELOCK",
    ]
    size = len(fig.to_json())
    assert size < 40_000
    json.loads(fig.to_json())
    assert fig.to_json() == race_summary_figure(file_, driver).to_json()  # deterministic
    with pytest.raises(Exception, match="at least one comparison"):
        race_summary_figure()


def test_banner_growth_quizzes_and_reprs():
    exploration = explore(RaceModel(variant="no-lock"))
    banner = outcome_banner_html(exploration.report("WRITE_DURING_TRUNCATION"), exploration.model)
    assert "fv-outcome-bad" in banner and 'data-outcome="WRITE_DURING_TRUNCATION"' in banner
    growth = growth_table_html()
    for kwargs in ({}, {"readers": 1}, {"faults": 2}, {"faults": 2, "readers": 1}):
        assert f"<td>{explore(RaceModel(**kwargs)).states:,}</td>" in growth
    quiz = UnsafeVariantsQuiz()
    assert quiz.answer == {"no-lock", "check-before-lock", "no-check"}
    assert quiz.check({"no-check"}) is False and "Not quite" in quiz._out.value
    assert quiz.check({"no-lock", "check-before-lock", "no-check"}) is True
    assert "WRITE_DURING_TRUNCATION" in quiz._out.value
    assert UnsafeVariantsQuiz(folio="driver").check(set()) is True  # the livelock writes nothing
    with pytest.raises(Exception, match="no such variant"):
        quiz.check({"sometimes"})
    number = orders_quiz("kernel", "MISSED", "How many?")
    assert number.answer == explore(RaceModel()).counts["MISSED"]
    assert number.check(number.answer) is True
    assert repr(RaceExplorer()) == (
        "RaceExplorer(variant='kernel', handler='old-school', folio='file', kernel='6.4', threads=(1, 0), "
        "outcome='WRITE_OK', steps=13)"
    )
    assert repr(quiz) == "UnsafeVariantsQuiz(handler='old-school', folio='file', kernel='6.4')"


def test_bad_constructor_arguments_raise_clear_errors():
    with pytest.raises(Exception, match="threads must be one of"):
        RaceExplorer(threads=(3, 3))
    with pytest.raises(Exception, match="variant must be one of"):
        RaceExplorer(variant="sometimes")


def test_the_workbook_default_era_and_explicit_kernels():
    set_default_era("latest")
    widget = RaceExplorer()
    assert widget.model.kernel == "6.17" and widget._kernel.value == "6.17"
    assert widget.replay.scenario[3].source.release == "v7.2.8"
    assert widget.update(folio="driver") is False and "movable tag" in widget.error
    set_default_era("5.10")
    assert RaceModel().kernel == "5.10" and RaceExplorer(kernel="6.12").model.kernel == "6.12"
    set_default_era(None)
    odd = RaceExplorer(kernel="6.1")  # not in the menu: added to it
    assert odd._kernel.value == "6.1" and odd.model.release == "v6.1.4"
    assert odd.update(kernel="6.10") is True and odd._kernel.value == "6.10"


def test_update_shows_input_errors_but_lets_programming_errors_through(monkeypatch):
    explorer = RaceExplorer()
    assert explorer.update(kernel="4.4") is False and "older" in explorer.error

    def broken(*args, **kwargs):
        raise TypeError("a bug in the model")

    monkeypatch.setattr("folioviz.widgets.races.compare_variants", broken)
    with pytest.raises(TypeError, match="a bug in the model"):
        explorer.update(handler="modern")
