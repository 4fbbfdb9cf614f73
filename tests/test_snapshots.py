"""Static snapshots: every widget's display bundle carries text/html with the facts its live view shows.

Readers without a kernel (GitHub's preview, nbviewer, ``nbconvert --to html`` without widget state)
see this text/html instead of the widget; quizzes show their question and never their answer.
"""

from __future__ import annotations

import re
import subprocess
import sys
from html import escape

import pytest

from folioviz.kernel import MappingKind
from folioviz.kernel.mkwrite import MkwriteState
from folioviz.kernel.pagecache import early_put_scenario, truncation_scenario
from folioviz.kernel.races import compare_variants
from folioviz.render import refcount_figure
from folioviz.render.figures import PLOTLY_MIME, FolioFigure
from folioviz.render.history import history_figure
from folioviz.render.race_figure import race_summary_figure
from folioviz.render.snapshot import MARK, SNAPSHOT_NOTE
from folioviz.render.survey import survey_figure
from folioviz.widgets import (
    ChoiceQuiz,
    KindQuiz,
    MappingWordWidget,
    MkwriteSideBySide,
    MkwriteWidget,
    NullHelperQuiz,
    NumberQuiz,
    PageCacheWidget,
    RaceExplorer,
    Stepper,
    UnsafeVariantsQuiz,
    freed_quiz,
    refcount_quiz,
    return_line_quiz,
    terminates_quiz,
)
from folioviz.widgets.exercises import orders_quiz
from folioviz.widgets.history import HistoryExplorer
from folioviz.widgets.snapshot import SnapshotMixin
from folioviz.widgets.survey import SurveyExplorer

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
FEEDBACK = ("✔ Right.", "✘ Not quite.", "fv-feedback", "The answer is")


def text_of(html: str) -> str:
    """The snapshot's visible text, roughly: tags dropped, entities kept as the renderers escape them."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def every_widget() -> list[SnapshotMixin]:
    return [
        MappingWordWidget(),
        PageCacheWidget("truncation"),
        Stepper(truncation_scenario()),
        MkwriteWidget(handler="old-school", folio="truncated"),
        MkwriteWidget(handler="old-school", folio="truncated", view="loop"),
        MkwriteSideBySide(handler="old-school", folio="movable-tagged", kernel="6.4"),
        HistoryExplorer("email-2023"),
        SurveyExplorer(),
        RaceExplorer(),
        KindQuiz("ffff88810a2b3c41", "email"),
        NullHelperQuiz("0xffff88810a2b3c42", "6.4"),
        refcount_quiz(truncation_scenario(), 4),
        return_line_quiz(handler="old-school", folio="truncated"),
        UnsafeVariantsQuiz(),
    ]


def test_every_widget_bundle_has_the_live_view_and_a_snapshot():
    for widget in every_widget():
        bundle = widget._repr_mimebundle_()
        name = type(widget).__name__
        assert set(bundle) == {"text/plain", WIDGET_VIEW, "text/html"}, name
        assert bundle["text/plain"] == repr(widget)[:110] or bundle["text/plain"].endswith("…"), name
        html = bundle["text/html"]
        assert f'data-fv-snapshot="{name}"' in html and SNAPSHOT_NOTE in html
        assert "IPY_MODEL" not in html and widget.model_id not in html, f"{name}: no ids in a snapshot"
        limit = 8_000 if name in ("MappingWordWidget", "HistoryExplorer") else 4_000
        assert len(html.encode()) < limit, f"{name}'s snapshot is {len(html.encode())} bytes; keep it compact"


def test_snapshots_are_deterministic():
    """The same widgets give the same snapshots; only the diagrams' id prefixes differ, since each widget salts its
    ids with its own instance counter (two identical widgets on one page must not share an id)."""

    def unsalted(html: str) -> str:
        return re.sub(r"fv-[0-9a-f]{8}-", "fv-", html)

    first = [unsalted(w.snapshot) for w in every_widget()]
    second = [unsalted(w.snapshot) for w in every_widget()]
    assert first == second


def test_snapshots_are_byte_identical_in_a_fresh_process():
    """What nbval and `make notebooks` rely on: a kernel started afresh builds the same widgets with the same ids."""
    import subprocess
    import sys

    code = (
        "from folioviz.widgets import HistoryExplorer, MappingWordWidget, PageCacheWidget\n"
        "ws = [MappingWordWidget(), MappingWordWidget(), HistoryExplorer(), PageCacheWidget()]\n"
        "def html(n):\n"
        "    return ''.join(map(html, n.children)) if hasattr(n, 'children') else str(getattr(n, 'value', ''))\n"
        "print(''.join(str(w.snapshot) + html(w) for w in ws))"
    )
    runs = [
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120).stdout
        for _ in range(2)
    ]
    assert runs[0] == runs[1] and "fv-" in runs[0]


def test_a_closed_widget_has_no_bundle():
    widget = MappingWordWidget()
    widget.close()
    assert widget._repr_mimebundle_ is None  # ipywidgets' own behaviour is kept


def test_mapping_word_snapshot_holds_the_word_kind_bits_and_every_helper():
    widget = MappingWordWidget(0xFFFF888003A1C000)
    for word, kind in ((0xFFFF888003A1C000, MappingKind.FILE), (0xFFFF888003A1C001, MappingKind.ANON)):
        widget.update(word=word)
        snap, r = widget.snapshot, widget.result
        assert r.kind is kind
        assert r.word_text in snap
        assert f'data-kind="{kind.value}"' in snap and escape(r.explanation) in snap
        assert escape(r.target or "nothing") in snap
        assert "<svg" not in snap  # the diagram stays in the live view (the notebooks' size budget)
        assert escape(r.era.label) in snap
        bits = format(r.word, "064b")
        shown = re.search(r"<code>([01 ·<>/b]+)</code>", snap).group(1)
        assert re.sub(r"[ ·]|</?b>", "", shown) == bits  # every bit, byte by byte
        assert f"·<b>{bits[-2:]}</b>" in shown  # the tag bits apart
        for helper in r.helpers:
            row = re.search(rf"<td><code>{re.escape(escape(helper.name))}</code></td><td>(.*?)</td>", snap, re.S)
            assert row, helper.name
            shown = "NULL" if getattr(helper.value, "is_null", False) else escape(helper.text)
            assert shown in row.group(1), (helper.name, row.group(1))
    widget.update(era="6.17", word=0, movable_ops=True)
    assert "folio flags: movable_ops" in widget.snapshot


def test_a_rejected_input_leaves_the_last_good_snapshot():
    widget = MappingWordWidget(0xFFFF888003A1C001)
    before = widget.snapshot
    assert widget.paste("0xnot-a-word") is False
    assert widget.snapshot == before


def test_pagecache_snapshot_follows_the_step():
    widget = PageCacheWidget("truncation")
    for index in (0, 4, len(widget.scenario) - 1):
        widget.stepper.go(index)
        snap, step = widget.snapshot, widget.step
        assert f"step {index} of {len(widget.scenario) - 1}" in snap
        assert escape(step.function) in snap and escape(step.caption) in snap
        current = f"<tr><td>▶</td><td>{MARK}{index}</mark></td><td><code>{escape(step.function)}</code></td>"
        assert current + f"<td>{escape(step.state.describe())}</td></tr>" in snap  # its row, marked
        assert snap.count("<tr>") == len(widget.scenario) + 1  # and every other step
    assert escape(widget.scenario.title) in snap


def test_stepper_snapshot_is_its_caption():
    stepper = Stepper(early_put_scenario(), start=2)
    assert "step 2 of" in stepper.snapshot and escape(stepper.scenario.steps[2].caption) in stepper.snapshot


def test_mkwrite_snapshot_holds_the_step_the_running_line_and_the_state():
    widget = MkwriteWidget(handler="old-school", folio="truncated")
    steps = widget.scenario.steps
    for index in range(len(steps)):
        widget.stepper.go(index)
        snap, state = widget.snapshot, steps[index].state
        assert f"step {index} of {len(steps) - 1}" in snap
        assert isinstance(state, MkwriteState)
        line = next(line for line in widget._lines if line.number == state.line)
        assert f"▶ line {line.number}: {MARK}<code>{escape(line.text.strip())}</code></mark>" in snap
        assert "<th>vmf-&gt;flags</th>" in snap and escape(state.mapping_word) in snap
        final = index == len(steps) - 1
        # The outcome shows at every step; before the last, beside the last step's state (issue 19).
        assert f'data-outcome="{widget.run.outcome.name}"' in snap
        assert ("<b>At the last step</b>" in snap) == (not final)
    assert "handler <b>old-school</b>" in snap and "folio <b>truncated</b>" in snap


def test_side_by_side_snapshot_shows_both_checks_and_their_outcomes_at_the_end():
    widget = MkwriteSideBySide(handler="old-school", folio="movable-tagged", kernel="6.4")
    widget.stepper.go(len(widget.stepper.scenario) - 1)
    snap = widget.snapshot
    raw, helper = widget.runs
    # v6.4 is the page form: the titles spell its tests (issue 19), not the folio form merged in v6.6.
    assert "the raw word, as released: <code>!page-&gt;mapping</code>" in snap
    assert "the helper, as the v1 patch tested: <code>!folio_mapping(folio)</code>" in snap
    assert f'data-outcome="{raw.outcome.name}"' in snap and f'data-outcome="{helper.outcome.name}"' in snap
    assert helper.outcome.name == "LIVELOCK"


def test_history_survey_and_race_snapshots():
    history = HistoryExplorer("movable-flag-6.17")
    snap = history.snapshot
    assert escape(history.event.title) in snap and "An old driver" in snap and "<svg" in snap
    assert escape(history.word_widget.result.word_text) in snap

    survey = SurveyExplorer()
    shown = survey.filter(convention="old-school")
    snap = survey.snapshot
    assert f"{shown} of" in snap and snap.count("<tr>") == shown + 1
    assert all(f"<code>{escape(r.handler)}</code>" in snap for r in survey.rows)

    race = RaceExplorer(variant="check-before-lock", outcome="WRITE_ON_TRUNCATED")
    race.stepper.go(2)
    snap = race.snapshot
    assert "replaying <b>WRITE_ON_TRUNCATED</b>" in snap and "step 2 of" in snap
    counts = " · ".join(f"{r.name} " for r in race.exploration.outcomes)
    assert all(f" {r.name} " in snap for r in race.exploration.outcomes), counts
    assert "class=" not in snap.split("</i></p>", 1)[1]


QUIZZES = [
    pytest.param(lambda: KindQuiz("ffff88810a2b3c41", "email"), id="kind"),
    pytest.param(lambda: NullHelperQuiz("0xffff88810a2b3c41", "6.4", swapcache=True), id="null-helper"),
    pytest.param(lambda: refcount_quiz(truncation_scenario(), 4), id="number"),
    pytest.param(lambda: freed_quiz(early_put_scenario()), id="freed"),
    pytest.param(lambda: return_line_quiz(handler="old-school", folio="truncated"), id="return-line"),
    pytest.param(
        lambda: terminates_quiz(handler="old-school", folio="movable-tagged", check="folio_mapping()", kernel="6.4"),
        id="terminates",
    ),
    pytest.param(lambda: UnsafeVariantsQuiz(), id="unsafe-variants"),
    pytest.param(lambda: orders_quiz("kernel", "RETRY", "<b>How many orders retry?</b>"), id="orders"),
]


def _explanation(quiz) -> str:
    """The text the quiz reveals once answered (the answer and why)."""
    if isinstance(quiz, KindQuiz):
        return quiz.answer.explanation
    if isinstance(quiz, NullHelperQuiz):
        helper = quiz.answer.helpers[1]
        return f"{helper.name} → {helper.text}"
    if isinstance(quiz, NumberQuiz | ChoiceQuiz):
        return quiz._explanation
    return "Harmful outcomes per variant"


@pytest.mark.parametrize("make", QUIZZES)
def test_a_quiz_snapshot_shows_the_question_and_never_the_answer(make):
    quiz = make()
    question = next(c.value for c in quiz.children if getattr(c, "value", "").startswith("<p>"))
    reveal = _explanation(quiz)
    for attempt in range(2):  # before and after the learner answered
        snap = quiz.snapshot
        assert question in snap
        assert not any(mark in snap for mark in FEEDBACK), snap
        assert escape(reveal) not in snap and reveal not in snap
        if isinstance(quiz, NumberQuiz):
            assert "Your answer" in snap
        if attempt == 0:
            if isinstance(quiz, NumberQuiz):
                quiz.check(quiz.answer)
            elif isinstance(quiz, KindQuiz | ChoiceQuiz):
                quiz.check(quiz.answer.kind.value if isinstance(quiz, KindQuiz) else quiz.answer)
            else:
                quiz.check(None)


def test_a_quiz_snapshot_lists_its_choices_unticked():
    quiz = NullHelperQuiz("0xffff88810a2b3c42", "6.4")
    for helper in quiz.answer.helpers:
        assert f"<li>☐ {escape(helper.name)}</li>" in quiz.snapshot  # unticked
    choice = return_line_quiz(handler="old-school", folio="truncated")
    assert all(f"<li>○ {escape(label)}</li>" in choice.snapshot for label, _ in choice._choices.options)


# ------------------------------------------------------------------------------------------- figures


def figures() -> list[FolioFigure]:
    return [
        refcount_figure(truncation_scenario()),
        history_figure(),
        survey_figure("convention"),
        race_summary_figure(compare_variants()),
    ]


def test_figures_carry_plotly_json_a_static_table_and_a_sentence():
    for fig in figures():
        assert isinstance(fig, FolioFigure)
        bundle = fig._repr_mimebundle_()
        assert set(bundle) == {PLOTLY_MIME, "text/html", "text/plain"}
        data = bundle[PLOTLY_MIME]
        assert set(data) >= {"data", "layout"} and len(data["data"]) == len(fig.data)
        assert len(data.get("frames", [])) == len(fig.frames)
        assert bundle["text/plain"].startswith("Figure: ") and "fv-figure-fallback" in bundle["text/html"]
        assert bundle == fig._repr_mimebundle_()  # deterministic


def test_the_refcount_figure_fallback_holds_every_steps_count():
    scenario = truncation_scenario()
    html = refcount_figure(scenario)._repr_mimebundle_()["text/html"]
    for i, state in enumerate(scenario.states):
        count = "freed" if state.freed else str(state.refcount)
        assert f"{i}: {count}" in html


def test_the_race_figure_fallback_holds_every_variants_counts():
    comparisons = compare_variants(), compare_variants(folio="driver")
    html = race_summary_figure(*comparisons)._repr_mimebundle_()["text/html"]
    for comparison in comparisons:
        for e in comparison:
            for r in e.outcomes:
                assert f"{r.name} " in html
            assert f"(of {e.total:,} orders, {e.states} states)" in html


def test_figures_display_without_nbformat():
    """In a kernel that cannot import nbformat (JupyterLite's), display(fig) still publishes the bundle."""
    code = """
import sys
sys.modules["nbformat"] = None  # as if it could not be imported
from IPython.core.interactiveshell import InteractiveShell
from IPython.display import display
shell = InteractiveShell.instance()
published = []
shell.display_pub.publish = lambda data, metadata=None, **kw: published.append(data)
from folioviz.render import refcount_figure
from folioviz.kernel.pagecache import truncation_scenario
fig = refcount_figure(truncation_scenario())
display(fig)
fig.show()
assert len(published) == 2, published
assert sorted(published[0]) == ["application/vnd.plotly.v1+json", "text/html", "text/plain"], sorted(published[0])
print("ok")
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0 and done.stdout.strip().endswith("ok"), done.stderr[-2000:]


def test_a_decode_card_is_one_line_of_plain_text_in_a_kernel(monkeypatch):
    """Notebooks store text/plain beside the card's HTML: one line there; a terminal still gets the whole decode."""
    from folioviz.render import cards, explain

    card = explain("0xffff888003a1c002", "6.4")
    assert card._repr_mimebundle_()["text/plain"] == repr(card) and "\n" in repr(card)
    monkeypatch.setattr(cards, "_in_jupyter", lambda: True)
    line = card._repr_mimebundle_()["text/plain"]
    assert "\n" not in line and "movable" in line and "struct movable_operations" in line
