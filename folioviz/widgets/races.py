"""The race explorer's widget, and the names of its views (each lives with its kind and is re-exported here).

The model (:mod:`folioviz.kernel.races`) explores every interleaving; these views only render its
results (the styles they share are in :mod:`.race_style`):

* :func:`race_summary_figure` (:mod:`.figures`): a plain plotly ``go.Figure`` (no ``FigureWidget``), one bar per
  variant, split by outcome (share of all orders; each segment has a colour, a pattern and a label);
* :func:`race_table_html` (:mod:`.tables`): the same numbers as a table (variants × outcomes, states explored);
* :func:`race_timeline_svg` (:mod:`.svg`): one interleaving as lanes (the fault, then the folio's state, then
  truncation, then any extra threads), one row per step, the current step highlighted;
* :class:`RaceExplorer`: controls → model → re-render, with the shared :class:`~folioviz.widgets.stepper.Stepper`;
* :class:`UnsafeVariantsQuiz` (:mod:`.exercises`): tick the variants that can write to a truncated folio
  (the answer comes from the model).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ipywidgets as w
from traitlets import Int, Tuple, Unicode

from ..kernel.errors import FolioVizError
from ..kernel.races import (
    HANDLERS,
    VARIANTS,
    Comparison,
    Exploration,
    RaceModel,
    Replay,
    compare_variants,
    folio_view,
)
from ..kernel.scenario import Step
from ..render.markup import Markup
from ..render.mkwrite import kernel_options
from ..render.race_style import (
    THREAD_CHOICES,
    VARIANT_SHORT,
    counts_text,
    orders_text,
    outcome_glyphs,
    race_explorer_style,
)
from ..render.snapshot import race_folio_line_html, race_inputs_html, race_last_step_html, step_html
from ..render.svg import race_timeline_svg
from ..render.tables import outcome_banner_html, race_state_html, race_table_html, style_html
from ..render.theme import is_presenter
from .base import InputProtocol, Plan
from .looks import dropdown, layout, part
from .snapshot import SnapshotMixin
from .stepper import Stepper

__all__ = ["RaceExplorer"]

# --------------------------------------------------------------------------- the widget


_kernel_options = kernel_options


def _dropdown(options: Any, value: Any, description: str, cls: str) -> w.Dropdown:
    box = dropdown(options, value, description)
    box.add_class(cls)
    return box


_RACE_CHOICES = ("variant", "handler", "folio", "kernel", "threads", "outcome")


@dataclass(frozen=True)
class _Explored:
    """What a plan of the explorer holds: the inputs, all variants explored, the outcome and its replay."""

    model: RaceModel
    comparison: Comparison
    outcome: str
    replay: Replay


def _race_traits(model: RaceModel, outcome: str, old: Any = None) -> dict[str, Any]:
    """The traits of a plan, in the order a one-trait-at-a-time copy (``ipywidgets.link``) stays valid.

    A driver page is refused in some kernels, so the folio turns to ``file`` first and to ``driver``
    last; the outcome, which depends on all the others, comes at the end.
    """
    new = {
        "variant": model.variant,
        "handler": model.handler,
        "folio": model.folio,
        "kernel": model.kernel,
        "threads": (model.faults, model.readers),
        "outcome": outcome,
    }
    folio_last = old is not None and new["folio"] == "driver"
    order = [
        name for name in ("folio", "handler", "kernel", "threads", "variant") if not (folio_last and name == "folio")
    ]
    order += ["folio"] if folio_last else []
    return {name: new[name] for name in (*order, "outcome")}


class RaceExplorer(SnapshotMixin, InputProtocol[_Explored], w.VBox):
    """Explore every interleaving of a write fault against truncation, and replay any outcome.

    Pick the handler, the folio, the kernel and the threads; the table compares all five variants
    (how many orders end in each outcome); pick a variant and one of its outcomes to replay its
    shortest interleaving, step by step, as a timeline. Bad combinations (a driver page in v6.17+)
    are explained and the last good exploration stays on screen.

    :param variant: one of :data:`~folioviz.kernel.races.VARIANTS`
    :param handler: ``"old-school"`` or ``"modern"``
    :param folio: ``"file"`` or ``"driver"``
    :param kernel: a version offered by the menu (``"5.10"``, ``"6.4"``, ``"6.6"``, ``"6.12"``, ``"6.17"``);
        default: the workbook's default era (the email's, v6.4, unless changed)
    :param threads: ``(faults, readers)``, one of :data:`THREAD_CHOICES`
    :param outcome: the outcome to replay (default: the variant's first)

    Every choice is a public trait (``variant``, ``handler``, ``folio``, ``kernel``, ``threads``,
    ``outcome``): set one, observe it or link it. A refused value is shown, raised, and not kept.
    """

    variant = Unicode(help="how do_page_mkwrite()'s old-school path is written: " + ", ".join(VARIANTS))
    handler = Unicode(help="the ->page_mkwrite handler: 'old-school' or 'modern'")
    folio = Unicode(help="'file' (a file's folio) or 'driver' (an old driver's movable-tagged page)")
    kernel = Unicode(help="the kernel version, 'major.minor'; decides what folio_mapping() returns")
    threads = Tuple(Int(), Int(), default_value=(1, 0), help="(write faults, readers) racing one truncation")
    outcome = Unicode(help="the outcome replayed, step by step, as a timeline")

    _INPUTS = _RACE_CHOICES

    def __init__(
        self,
        *,
        variant: str = "kernel",
        handler: str = "old-school",
        folio: str = "file",
        kernel: str | None = None,
        threads: tuple[int, int] = (1, 0),
        outcome: str | None = None,
        presenter: bool | None = None,
        **kwargs: Any,
    ) -> None:
        presenter = is_presenter(presenter)
        self._presenter = presenter
        threads = _check_threads(threads)
        model = RaceModel(
            variant=variant,
            handler=handler,
            folio=folio,
            kernel=kernel or "default",
            faults=threads[0],
            readers=threads[1],
        )
        first = self._explored(None, model, None, outcome)

        self._handler = _dropdown(
            [(f"{k}: {v[:48]}…", k) for k, v in HANDLERS.items()], model.handler, "handler", "fv-race-handler"
        )
        self._folio = _dropdown(
            [("a file's folio", "file"), ("an old driver's movable-tagged page", "driver")],
            model.folio,
            "folio",
            "fv-race-folio",
        )
        self._kernel = _dropdown(_kernel_options(model.kernel), model.kernel, "kernel", "fv-race-kernel")
        self._threads = _dropdown(list(THREAD_CHOICES), threads, "threads", "fv-race-threads")
        self._variant = part(
            w.ToggleButtons,
            options=[(VARIANT_SHORT[v], v) for v in VARIANTS],
            value=model.variant,
            description="variant",
            style={"button_width": "auto"},
        )
        self._variant.add_class("fv-race-variant")
        self._outcome_picker = _dropdown(
            self._outcome_options(first), first.state.outcome, "replay", "fv-race-outcome-picker"
        )
        self._make_error_box()
        self._table = part(w.HTML, "")
        self._banner = part(w.HTML, "")
        self._state = part(w.HTML, "")
        self._timeline = part(w.HTML, "")
        self._timeline.add_class("fv-race-timeline-box")
        self._stepper: Stepper[Any] = Stepper(first.state.replay.scenario, layout=layout())
        for control in (self._handler, self._folio, self._kernel, self._threads):
            control.observe(lambda _: self._from_control(self._explored_inputs()), names="value")
        self._variant.observe(lambda change: self._from_control({"variant": change["new"]}), names="value")
        self._outcome_picker.observe(self._on_outcome, names="value")
        controls = part(
            w.HBox, [self._handler, self._folio, self._kernel, self._threads], layout={"flex_flow": "row wrap"}
        )
        super().__init__(
            [
                part(w.HTML, style_html(presenter) + race_explorer_style()),
                controls,
                self._error_box,
                self._table,
                self._variant,
                self._outcome_picker,
                self._banner,
                self._stepper,
                self._state,
                self._timeline,
            ],
            **kwargs,
        )
        self.add_class("folioviz")
        self.add_class("folioviz-races")
        if presenter:
            self.add_class("fv-presenter")
        self._start(first)
        self._stepper.on_step(self._render)

    # ------------------------------------------------------------------ public API

    @property
    def model(self) -> RaceModel:
        return self._shown.state.model

    @property
    def comparison(self) -> Comparison:
        return self._shown.state.comparison

    @property
    def exploration(self) -> Exploration:
        return self.comparison[self.model.variant]

    @property
    def replay(self) -> Replay:
        return self._shown.state.replay

    @property
    def stepper(self) -> Stepper[Any]:
        return self._stepper

    def update(self, **changes: Any) -> bool:
        """Change ``handler``, ``folio``, ``kernel``, ``threads``, ``variant`` or ``outcome``.

        Returns ``True`` if applied; ``False`` when the combination is not allowed: the reason is shown
        (and in :attr:`error`) and the last good exploration stays on screen.
        """
        return self._input(changes)

    def show(self, variant: str | None = None, outcome: str | None = None) -> bool:
        """Replay ``outcome`` of ``variant`` (either may be left as it is)."""
        changes: dict[str, Any] = {}
        if variant is not None:
            changes["variant"] = variant
        if outcome is not None:
            changes["outcome"] = outcome
        return self.update(**changes)

    def _snapshot_html(self) -> Markup:
        m, index = self.model, self.stepper.index
        outcome, replay = self._shown.state.outcome, self.replay
        step = replay.scenario.steps[index]
        view = folio_view(m, step.state)
        return (
            race_inputs_html(m, outcome, counts_text(self.exploration))
            + outcome_banner_html(replay.report, m, static=True)
            + step_html(step, index, len(replay.scenario))
            + race_folio_line_html(view.line(), view.holders)
            + self._last_step_html(index)
        )

    def _last_step_html(self, index: int) -> Markup:
        """Before the last step, the last step's folio and the outcome: a static reader sees how it ends."""
        steps = self.replay.scenario.steps
        if index == len(steps) - 1:
            return Markup("")
        last = folio_view(self.model, steps[-1].state)
        return race_last_step_html(len(steps) - 1, last.line(), last.holders, self._shown.state.outcome)

    def __repr__(self) -> str:
        m, explored = self.model, self._shown.state
        return (
            f"RaceExplorer(variant={m.variant!r}, handler={m.handler!r}, folio={m.folio!r}, kernel={m.kernel!r}, "
            f"threads={(m.faults, m.readers)}, outcome={explored.outcome!r}, steps={len(explored.replay.scenario)})"
        )

    # ------------------------------------------------------------------ the protocol: plan, then show

    def _plan(self, **changes: Any) -> Plan[_Explored]:
        """What these changes lead to (raises :class:`FolioVizError`; changes nothing)."""
        allowed = set(_RACE_CHOICES)
        unknown = set(changes) - allowed
        if unknown:
            raise FolioVizError(f"unknown setting(s) {sorted(unknown)}; allowed: {sorted(allowed)}")
        shown = self._shown.state
        model = shown.model
        threads = _check_threads(changes.pop("threads", (model.faults, model.readers)))
        outcome = changes.pop("outcome", None)
        new = model.replace(**changes, faults=threads[0], readers=threads[1])
        return self._explored(self._shown, new, shown.comparison, outcome)

    @staticmethod
    def _explored(
        base: Plan[_Explored] | None, model: RaceModel, comparison: Comparison | None, outcome: str | None
    ) -> Plan[_Explored]:
        """Explore ``model`` (once: the comparison is kept when only the variant or outcome changes)."""
        old = None if base is None else base.state.model
        if (
            comparison is None
            or old is None
            or (model.handler, model.folio, model.kernel, model.faults, model.readers)
            != (old.handler, old.folio, old.kernel, old.faults, old.readers)
        ):
            comparison = compare_variants(
                model.handler, model.folio, model.kernel, faults=model.faults, readers=model.readers
            )
        exploration = comparison[model.variant]
        if outcome is None:
            keep = base is not None and base.state.outcome in exploration.outcome_set
            outcome = base.state.outcome if base is not None and keep else exploration.outcomes[0].name
        name = exploration.report(outcome).name
        explored = _Explored(model, comparison, name, exploration.replay(name))
        return Plan.of(_race_traits(model, name, base), explored)

    def _explored_inputs(self) -> dict[str, Any]:
        return {
            "handler": self._handler.value,
            "folio": self._folio.value,
            "kernel": self._kernel.value,
            "threads": self._threads.value,
        }

    def _on_outcome(self, change: dict[str, Any]) -> None:
        if change["new"] is not None:
            self._from_control({"outcome": change["new"]})

    @staticmethod
    def _outcome_options(plan: Plan[_Explored]) -> list[tuple[str, str]]:
        exploration = plan.state.comparison[plan.state.model.variant]
        return [(f"{outcome_glyphs(r.outcome)} {r.name} · {orders_text(r)}", r.name) for r in exploration.outcomes]

    def _render_controls(self, plan: Plan[_Explored]) -> None:
        m, outcome = plan.state.model, plan.state.outcome
        self._handler.value = m.handler
        self._folio.value = m.folio
        if m.kernel not in [value for _, value in self._kernel.options]:
            self._kernel.options = _kernel_options(m.kernel)
        self._kernel.value = m.kernel
        self._threads.value = (m.faults, m.readers)
        self._variant.value = m.variant
        self._outcome_picker.options = self._outcome_options(plan)
        self._outcome_picker.value = outcome

    def _render_views(self, plan: Plan[_Explored]) -> None:
        explored = plan.state
        self._stepper.set_scenario(explored.replay.scenario)
        self._table.value = race_table_html(
            explored.comparison, variant=explored.model.variant, outcome=explored.outcome
        )
        self._banner.value = outcome_banner_html(explored.replay.report, explored.model)

    def _render(self, step: Step[Any]) -> None:
        index = self._stepper.index
        replay = self.replay
        if len(replay.scenario) <= index:  # a new scenario is being installed
            return
        view = folio_view(self.model, step.state)
        self._state.value = race_state_html(view)
        self._timeline.value = race_timeline_svg(replay, index, presenter=self._presenter)


def _check_threads(threads: Any) -> tuple[int, int]:
    """``(faults, readers)``, one of :data:`THREAD_CHOICES` (raises :class:`FolioVizError`)."""
    allowed = [v for _, v in THREAD_CHOICES]
    if not isinstance(threads, (tuple, list)) or tuple(threads) not in allowed:
        raise FolioVizError(f"threads must be one of {allowed}, not {threads!r}")
    return (threads[0], threads[1])
