"""Exercises with immediate feedback. The answers come from the model, never from the widget.

* :class:`KindQuiz`: predict what a word is (file, anon, movable, KSM, NULL, invalid).
* :class:`NullHelperQuiz`: tick the helpers that return NULL (or false) for a folio.

A question may hold markup (``<code>``): pass it as :class:`~folioviz.render.markup.Markup`; a plain ``str``
is shown as text (escaped).
"""

from __future__ import annotations

from typing import Any

import ipywidgets as w

from ..kernel import decode
from ..kernel.errors import FolioVizError
from ..kernel.mapping import MappingDecode, MappingKind, Pointer
from ..kernel.races import VARIANTS, RaceModel, compare_variants, explore, unsafe_variants
from ..render.markup import Markup
from ..render.quizzes import (
    feedback_html,
    freed_step_question,
    harmful_variants_html,
    kind_question,
    ksm_bug_count_question,
    livelock_era_question,
    null_helpers_question,
    observed_kind_question,
    old_school_count_question,
    question_html,
    refcount_after_step_question,
    return_line_question,
    terminates_question,
    truncated_refcount_question,
    unsafe_variants_question,
)
from ..render.race_style import orders_text
from ..render.snapshot import quiz_html
from ..render.tables import style_html
from ..render.theme import KIND_STYLE
from .looks import part
from .snapshot import SnapshotMixin

__all__ = [
    "ChoiceQuiz",
    "KindQuiz",
    "NullHelperQuiz",
    "NumberQuiz",
    "freed_quiz",
    "history_release_quiz",
    "history_year_quiz",
    "ksm_bug_count_quiz",
    "livelock_era_quiz",
    "old_school_quiz",
    "real_kind_quiz",
    "refcount_quiz",
    "return_line_quiz",
    "terminates_quiz",
    "truncated_refcount_quiz",
]


def _head(question: Markup | str) -> list[w.HTML]:
    """The stylesheet and the question paragraph every quiz starts with (a plain ``str`` is escaped)."""
    return [part(w.HTML, style_html()), part(w.HTML, question_html(question))]


class KindQuiz(SnapshotMixin, w.VBox):
    """Predict the kind of a mapping word; the answer appears as soon as you pick."""

    def __init__(self, word: int | str, era: Any = None, *, prompt: Markup | str = "", **flags: Any) -> None:
        self.answer: MappingDecode = decode(word, era, **flags)
        kinds = [MappingKind.FILE, MappingKind.ANON, MappingKind.MOVABLE, MappingKind.KSM, MappingKind.NULL]
        if self.answer.folio.slab:
            kinds.append(MappingKind.SLAB)
        if not self.answer.era.movable_tag:
            kinds.append(MappingKind.INVALID)
        self._question = prompt or kind_question(
            self.answer.era.label, self.answer.word_text, self.answer.folio.swapcache
        )
        self._choices = part(
            w.ToggleButtons,
            options=[(KIND_STYLE[k.value].label, k.value) for k in kinds],
            value=None,
            style={"button_width": "auto"},
        )
        self._choices.add_class("fv-quiz-choices")
        self._out = part(w.HTML, "")
        self._choices.observe(self._on_pick, names="value")
        super().__init__([*_head(self._question), self._choices, self._out])
        self.add_class("folioviz")
        self.add_class("fv-quiz")

    def check(self, kind: str) -> bool:
        """Answer as if the learner picked ``kind``; returns whether it was right."""
        self._choices.value = kind
        return self.correct

    @property
    def correct(self) -> bool:
        return self._choices.value == self.answer.kind.value

    def _on_pick(self, change: dict[str, Any]) -> None:
        if change["new"] is None:
            self._out.value = ""
            return
        a = self.answer
        why = f"Tag 0b{a.tag:02b} in {a.era.label}: {a.explanation}"
        self._out.value = feedback_html(self.correct, why)

    def _snapshot_html(self) -> Markup:
        return quiz_html(self._question)  # the choices are the kinds the notebook has just taught

    def __repr__(self) -> str:
        return f"KindQuiz(word={self.answer.word_text}, era={self.answer.era.id!r})"


class NullHelperQuiz(SnapshotMixin, w.VBox):
    """Tick every helper that returns NULL (or false) for this folio, then press Check."""

    def __init__(self, word: int | str, era: Any = None, **flags: Any) -> None:
        self.answer: MappingDecode = decode(word, era, **flags)
        self._boxes = {
            h.name: part(w.Checkbox, value=False, description=h.name, indent=False, layout={"width": "auto"})
            for h in self.answer.helpers
        }
        button = part(w.Button, description="Check", button_style="primary", tooltip="check your answer")
        button.on_click(lambda _: self._check())
        self._out = part(w.HTML, "")
        a = self.answer
        self._question = null_helpers_question(a.era.label, a.word_text, a.folio.swapcache, a.folio.slab)
        super().__init__([*_head(self._question), *self._boxes.values(), button, self._out])
        self.add_class("folioviz")
        self.add_class("fv-quiz")

    @property
    def expected(self) -> frozenset[str]:
        """The helpers whose answer is NULL or false (from the model)."""
        out = set()
        for h in self.answer.helpers:
            empty = h.value.is_null if isinstance(h.value, Pointer) else not h.value
            if empty:
                out.add(h.name)
        return frozenset(out)

    def check(self, ticked: set[str] | None = None) -> bool:
        """Tick ``ticked`` (if given) and check; returns whether the answer is right."""
        if ticked is not None:
            unknown = set(ticked) - set(self._boxes)
            if unknown:
                raise ValueError(f"no such helper(s) {sorted(unknown)}; choose from {sorted(self._boxes)}")
            for name, box in self._boxes.items():
                box.value = name in ticked
        return self._check()

    def _check(self) -> bool:
        ticked = {name for name, box in self._boxes.items() if box.value}
        ok = ticked == self.expected
        detail = "; ".join(f"{h.name} → {h.text}" for h in self.answer.helpers)
        self._out.value = feedback_html(ok, detail)
        return ok

    def _snapshot_html(self) -> Markup:
        return quiz_html(self._question, list(self._boxes), many=True)

    def __repr__(self) -> str:
        return f"NullHelperQuiz(word={self.answer.word_text}, era={self.answer.era.id!r})"


class NumberQuiz(SnapshotMixin, w.VBox):
    """Predict a number (a refcount, a step), then reveal: the answer and its reason come from the model.

    :param question: the question; markup (``<code>``) only as :class:`~folioviz.render.markup.Markup`
    """

    def __init__(self, question: Markup | str, answer: int, explanation: str) -> None:
        self._question = question
        self.answer = answer
        self._explanation = explanation
        self._box = part(
            w.BoundedIntText,
            value=0,
            min=-1,
            max=10_000,
            description="your answer",
            layout={"width": "14em"},
            style={"description_width": "initial"},
        )
        button = part(w.Button, description="Check", button_style="primary", tooltip="check your answer")
        button.on_click(lambda _: self.check())
        self._out = part(w.HTML, "")
        super().__init__([*_head(question), part(w.HBox, [self._box, button]), self._out])
        self.add_class("folioviz")
        self.add_class("fv-quiz")

    def check(self, value: int | None = None) -> bool:
        """Check ``value`` (or what is in the box); shows the feedback and returns whether it was right."""
        if value is not None:
            self._box.value = value
        ok = self._box.value == self.answer
        self._out.value = feedback_html(ok, f"The answer is {self.answer}. {self._explanation}")
        return ok

    def _snapshot_html(self) -> Markup:
        return quiz_html(self._question, answer_box=True)

    def __repr__(self) -> str:
        return "NumberQuiz()"


def refcount_quiz(scenario: Any, step: int) -> NumberQuiz:
    """ "What is the refcount after step ``step``?" for a page-cache scenario."""
    target = scenario.step(step)
    question = refcount_after_step_question(scenario.title, step, target.function)
    return NumberQuiz(question, target.state.refcount, f"{target.caption} Held by: {target.state.holders_text}.")


def freed_quiz(scenario: Any) -> NumberQuiz:
    """ "At which step is the folio freed?" for a page-cache scenario."""
    steps = [i for i, s in enumerate(scenario.steps) if s.state.freed]
    if not steps:
        raise ValueError(f"the folio is never freed in {scenario.name!r}")
    first = steps[0]
    question = freed_step_question(scenario.title)
    return NumberQuiz(question, first, scenario.step(first).caption)


class ChoiceQuiz(SnapshotMixin, w.VBox):
    """Pick one answer; feedback at once. The answer and its explanation come from the model.

    :param question: the question; markup (``<code>``) only as :class:`~folioviz.render.markup.Markup`
    """

    def __init__(self, question: Markup | str, options: list[tuple[str, Any]], answer: Any, explanation: str) -> None:
        if answer not in [value for _, value in options]:
            raise ValueError(f"the answer {answer!r} is not among the options")
        self._question = question
        self.answer = answer
        self._explanation = explanation
        self._choices = part(w.ToggleButtons, options=options, value=None, style={"button_width": "auto"})
        self._choices.add_class("fv-quiz-choices")
        self._out = part(w.HTML, "")
        self._choices.observe(self._on_pick, names="value")
        super().__init__([*_head(question), self._choices, self._out])
        self.add_class("folioviz")
        self.add_class("fv-quiz")

    def check(self, value: Any) -> bool:
        self._choices.value = value
        return self._choices.value == self.answer

    def _on_pick(self, change: dict[str, Any]) -> None:
        if change["new"] is None:
            self._out.value = ""
            return
        self._out.value = feedback_html(change["new"] == self.answer, self._explanation)

    def _snapshot_html(self) -> Markup:
        return quiz_html(self._question, [label for label, _ in self._choices.options])

    def __repr__(self) -> str:
        return "ChoiceQuiz()"


def return_line_quiz(**inputs: Any) -> ChoiceQuiz:
    """ "On which line does do_page_mkwrite() return (or stop)?" for one input set."""
    from ..kernel.mkwrite import MkwriteInputs, mkwrite_outcome

    given = MkwriteInputs(**inputs)
    run = mkwrite_outcome(given)
    options = [
        ("5: swapfile SIGBUS", 5),
        ("9: error or NOPAGE passed up", 9),
        ("14: return 0 (retry)", 14),
        ("16: VM_BUG_ON fires", 16),
        ("17: return, folio locked", 17),
    ]
    question = return_line_question(given)
    return ChoiceQuiz(
        question, options, run.path[-1], f"It runs lines {', '.join(map(str, run.path))}. {run.explanation}"
    )


def terminates_quiz(**inputs: Any) -> ChoiceQuiz:
    """ "Will this write fault ever finish?" for one input set."""
    from ..kernel.mkwrite import MkwriteInputs, Outcome, mkwrite_outcome

    given = MkwriteInputs(**inputs)
    run = mkwrite_outcome(given)
    question = terminates_question(given)
    answer = "no" if run.outcome is Outcome.LIVELOCK else "yes"
    return ChoiceQuiz(
        question,
        [("yes, it finishes", "yes"), ("no, it retries for ever", "no")],
        answer,
        f"{run.outcome.name}: {run.explanation}",
    )


# --------------------------------------------------------------------------- the race explorer's quizzes


class UnsafeVariantsQuiz(SnapshotMixin, w.VBox):
    """Tick every variant under which some order writes to a truncated folio; the answer comes from the explorer."""

    def __init__(self, handler: str = "old-school", folio: str = "file", kernel: str | None = None) -> None:
        self.model = RaceModel(handler=handler, folio=folio, kernel=kernel or "default")
        kernel = self.model.kernel
        self.answer = frozenset(unsafe_variants(handler, folio, kernel))
        self._comparison = compare_variants(handler, folio, kernel)
        self._boxes = {
            v: part(w.Checkbox, value=False, description=VARIANTS[v].label, indent=False, layout={"width": "auto"})
            for v in VARIANTS
        }
        button = part(w.Button, description="Check", button_style="primary", tooltip="check your answer")
        button.on_click(lambda _: self._check())
        self._out = part(w.HTML, "")
        folio_text = "a file's folio" if folio == "file" else "an old driver's movable-tagged page"
        self._question = unsafe_variants_question(handler, folio_text, kernel)
        super().__init__([*_head(self._question), *self._boxes.values(), button, self._out])
        self.add_class("folioviz")
        self.add_class("fv-quiz")

    def check(self, ticked: set[str] | None = None) -> bool:
        """Tick ``ticked`` (variant ids) if given, then check; returns whether the answer is right."""
        if ticked is not None:
            unknown = set(ticked) - set(self._boxes)
            if unknown:
                raise FolioVizError(f"no such variant(s) {sorted(unknown)}; choose from {list(self._boxes)}")
            for name, box in self._boxes.items():
                box.value = name in ticked
        return self._check()

    def _check(self) -> bool:
        ticked = frozenset(name for name, box in self._boxes.items() if box.value)
        ok = ticked == self.answer
        verdicts = []
        for e in self._comparison:
            bad = [r for r in e.outcomes if r.outcome.harmful]
            verdict = ", ".join(f"{r.name} in {orders_text(r)}" for r in bad) if bad else "never"
            verdicts.append((VARIANTS[e.model.variant].label, verdict))
        self._out.value = feedback_html(ok, harmful_variants_html(verdicts))
        return ok

    def _snapshot_html(self) -> Markup:
        return quiz_html(self._question, [VARIANTS[v].label for v in self._boxes], many=True)

    def __repr__(self) -> str:
        m = self.model
        return f"UnsafeVariantsQuiz(handler={m.handler!r}, folio={m.folio!r}, kernel={m.kernel!r})"


def orders_quiz(variant: str, outcome: str, question: Markup | str, *, hint: str = "", **inputs: Any) -> Any:
    """ "How many orders end in ``outcome``?" for one variant: a NumberQuiz whose answer is the explorer's count."""
    exploration = explore(RaceModel(variant=variant, **inputs))
    report = exploration.report(outcome)
    explanation = (
        f"The explorer counts {report.interleavings} of the {exploration.total} orders of "
        f"{VARIANTS[exploration.model.variant].label}; the shortest takes {len(report.shortest)} steps."
    )
    if hint:
        explanation = f"{explanation} {hint}"
    return NumberQuiz(question, report.interleavings, explanation)


# --------------------------------------------------------------------------- the survey's and history's quizzes


def old_school_quiz(release: str, question: Markup | str = "") -> NumberQuiz:
    """ "How many registered ->page_mkwrite handlers in ``release`` are old-school?" from the survey.

    The explanation names them and, for each that returns 0 only on some calls, says on which: the
    survey's ``old_school_when`` (``data/page_mkwrite_survey.toml``).
    """
    from ..kernel.survey import old_school

    rows = old_school(release)
    tag_ = rows[0].release if rows else release
    question = question or old_school_count_question(tag_)
    names = ", ".join(row.handler for row in rows) or "none"
    conditions = " ".join(f"{row.handler} is old-school {row.old_school_when}." for row in rows if row.old_school_when)
    return NumberQuiz(question, len(rows), f"Old-school in {tag_}: {names}. {conditions}".strip())


def livelock_era_quiz() -> ChoiceQuiz:
    """ "In which era would a folio_mapping() check in do_page_mkwrite() livelock an old driver's movable page?" """
    from ..kernel.versions import eras

    options = [(era.label, era.id) for era in eras()]
    hits = [era for era in eras() if era.folio_mapping_check_livelocks]
    if len(hits) != 1:
        raise FolioVizError(f"expected exactly one era where a folio_mapping() check livelocks, found {len(hits)}")
    question = livelock_era_question()
    return ChoiceQuiz(question, options, hits[0].id, hits[0].summary)


def _event_explanation(event: Any) -> str:
    return f'{event.commit[:12]}, "{event.title}": {event.what}'


def history_year_quiz(event_id: str, question: Markup | str) -> NumberQuiz:
    """ "In which year ...?" about one event of ``do_page_mkwrite()``'s history (``data/mkwrite_history.toml``)."""
    from ..kernel.mkwrite import history_event

    event = history_event(event_id)
    return NumberQuiz(question, event.year, _event_explanation(event))


def history_release_quiz(event_id: str, question: Markup | str, releases: tuple[str, ...]) -> ChoiceQuiz:
    """ "In which release ...?" about one history event; ``releases`` are the choices and must hold its version."""
    from ..kernel.mkwrite import history_event

    event = history_event(event_id)
    if event.version not in releases:
        raise FolioVizError(f"{event_id!r} landed in {event.version}, which is not among the choices {releases}")
    return ChoiceQuiz(question, [(release, release) for release in releases], event.version, _event_explanation(event))


# --------------------------------------------------------------------------- notebook 07: real kernels


def real_kind_quiz(version: str, scenario: str, role: str | None = None) -> ChoiceQuiz:
    """ "What does folioviz make of this recorded page?" The choices are kinds; the answer is folioviz's decode
    of the kernel lab's record, and the explanation says what the kernel itself showed."""
    from ..kernel.observed import compare, record

    rec = record(version)
    obs = rec.observation(scenario, role)
    result = compare(obs, rec)
    page = result.folioviz.decode.folio.mapping
    flags = "|".join(obs.page.pgp) or "(none)"
    question = observed_kind_question(rec.kernel.version, obs.name, page, flags, obs.page.page_type or "")
    kinds = ("file", "anon", "KSM", "movable", "slab", "NULL")
    options = [(KIND_STYLE[k].label, k) for k in kinds]
    explanation = (
        f"folioviz decodes it as {result.folioviz.kind}; the kernel said {result.kernel.kind or 'nothing'} "
        f"({result.kernel.evidence})."
    )
    return ChoiceQuiz(question, options, result.folioviz.kind, explanation)


def ksm_bug_count_quiz(version: str) -> NumberQuiz:
    """ "How many plain anonymous pages did kpageflags call KSM?" on one recorded build (B7)."""
    from ..kernel.observed import record

    rec = record(version)
    whole = rec.whole_memory
    question = ksm_bug_count_question(whole.compared, rec.kernel.version)
    explanation = (
        f"{whole.kpf_ksm_on_plain_anon}: folioviz agreed with kpageflags on {whole.agree} pages, and the rest were "
        "plain anonymous pages that this build's kpageflags calls KSM (B7)."
        if whole.kpf_ksm_on_plain_anon
        else f"None: this build's kpageflags agrees with folioviz on all {whole.compared} pages (no B7 bug)."
    )
    return NumberQuiz(question, whole.kpf_ksm_on_plain_anon, explanation)


def truncated_refcount_quiz(version: str) -> NumberQuiz:
    """ "What refcount did the truncated page still have in the dump?" (R8, on a real kernel)."""
    from ..kernel.observed import record

    rec = record(version)
    page = rec.observation("truncated").page
    question = truncated_refcount_question(rec.kernel.version, page.pfn)
    explanation = (
        f"{page.refcount}: the page left its file, but the pipe it was spliced into still held it. A NULL word "
        "says 'truncated', not 'freed' (R8)."
    )
    return NumberQuiz(question, page.refcount, explanation)
