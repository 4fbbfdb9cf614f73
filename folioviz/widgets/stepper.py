"""One stepper for every scenario: first / back / play / next / last, a step slider and a speed.

The stepper knows nothing about kernels: it holds an index into a
:class:`folioviz.kernel.scenario.Scenario` and calls ``render(step)`` whenever the index changes.
Because scenarios are immutable tuples of snapshots, stepping back is just a smaller index.

Keyboard: every control is reachable with Tab and the buttons take Enter or Space, in every
frontend. In JupyterLab and Voilà the focused slider also steps with ← and → and jumps with Home and
End; Notebook 7 keeps the arrow keys for moving between cells, so there use the buttons.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

import ipywidgets as w
from traitlets import Int

from ..kernel.errors import FolioVizError
from ..kernel.scenario import Scenario, Step
from ..render.markup import Markup
from ..render.snapshot import stepper_snapshot_html
from ..render.tables import step_caption_html
from .base import InputProtocol, Plan
from .looks import part
from .snapshot import SnapshotMixin

__all__ = ["SPEEDS", "Stepper"]

S = TypeVar("S")

#: Play speeds offered, as (label, milliseconds per step).
SPEEDS = (("slow", 2200), ("normal", 1300), ("fast", 600))


class Stepper(SnapshotMixin, InputProtocol[int], w.VBox, Generic[S]):
    """Controls for stepping through a scenario.

    The public state is the ``step`` trait (an int; ``index`` is the same number, ``current`` the
    :class:`Step`): set it, ``observe`` it or ``ipywidgets.link`` it to another stepper's. A step out
    of range is shown in the error box and raised, and the stepper stays at its last good step.

    :param scenario: the immutable scenario to step through
    :param render: called with the current :class:`Step` on every change (and once at start)
    :param start: the initial step index
    """

    step = Int(0, help="the current step, 0-based; setting it moves the stepper and re-renders the view")

    _INPUTS = ("step",)

    def __init__(
        self,
        scenario: Scenario[S],
        render: Callable[[Step[S]], None] | None = None,
        *,
        start: int = 0,
        **kwargs: Any,
    ) -> None:
        self._scenario = scenario
        self._render_cb = render
        last = len(scenario) - 1
        self._first = self._button("|◀ first", "first step (Home on the slider)", "fv-first")
        self._back = self._button("◀ back", "step back (← on the slider)", "fv-back")
        self._next = self._button("next ▶", "next step (→ on the slider)", "fv-next")
        self._last = self._button("last ▶|", "last step (End on the slider)", "fv-last")
        self._play = part(
            w.Play, value=0, min=0, max=last, step=1, interval=SPEEDS[1][1], show_repeat=False, description="play"
        )
        self._play.add_class("fv-play")
        self._slider = part(
            w.IntSlider,
            value=0,
            min=0,
            max=last,
            description="step",
            continuous_update=True,
            # No readout: the caption's "step i of n" says the same, and a readout measures itself on
            # every move (ipywidgets' readout_overflow, a forced layout in the page).
            readout=False,
            layout={"width": "22em"},
        )
        self._slider.add_class("fv-step-slider")
        self._speed = part(
            w.Dropdown,
            options=SPEEDS,
            value=SPEEDS[1][1],
            description="speed",
            layout={"width": "11em"},
            style={"description_width": "initial"},
        )
        self._caption = part(w.HTML, "")
        w.jslink((self._play, "value"), (self._slider, "value"))
        self._speed.observe(lambda change: setattr(self._play, "interval", change["new"]), names="value")
        self._slider.observe(lambda change: self._from_control({"step": change["new"]}), names="value")
        self._first.on_click(lambda _: self.go(0))
        self._back.on_click(lambda _: self.go(self.index - 1))
        self._next.on_click(lambda _: self.go(self.index + 1))
        self._last.on_click(lambda _: self.go(len(self._scenario) - 1))
        controls = part(
            w.HBox,
            [self._first, self._back, self._play, self._next, self._last, self._slider, self._speed],
            layout={"flex_flow": "row wrap", "align_items": "center"},
        )
        super().__init__([controls, self._make_error_box(), self._caption], **kwargs)
        self.add_class("fv-stepper")
        self._start(self._plan(step=start))

    @staticmethod
    def _button(glyph: str, label: str, cls: str) -> w.Button:
        button = part(w.Button, description=glyph, tooltip=label, layout={"width": "auto"})
        button.add_class("fv-step-button")
        button.add_class(cls)
        return button

    # ------------------------------------------------------------------ public API

    @property
    def scenario(self) -> Scenario[S]:
        return self._scenario

    @property
    def index(self) -> int:
        """The current step's number: the same as the ``step`` trait."""
        return self.step

    @index.setter
    def index(self, value: int) -> None:
        self.step = value

    @property
    def current(self) -> Step[S]:
        """The current :class:`Step` of the scenario."""
        return self._scenario.steps[self.step]

    def on_step(self, render: Callable[[Step[S]], None]) -> None:
        """Set (or replace) the render callback and call it at once with the current step."""
        self._render_cb = render
        self._render_views(self._shown)

    def go(self, index: int) -> None:
        """Go to step ``index``; out-of-range requests stop at the first or last step."""
        self.index = max(0, min(len(self._scenario) - 1, index))

    def set_scenario(self, scenario: Scenario[S], *, keep_index: bool = False) -> None:
        """Show another scenario (a "what if" toggle rebuilt it); start again unless ``keep_index``."""
        self._scenario = scenario
        last = len(scenario) - 1
        new_index = min(self.index, last) if keep_index else 0
        with self._quietly():  # a smaller maximum moves the slider: that is not the reader's input
            self._play.playing = False
            self._slider.max = last
            self._play.max = last
        self._show(self._plan(step=new_index))

    def _snapshot_html(self) -> Markup:
        return stepper_snapshot_html(self._scenario.steps, self.index)

    # ------------------------------------------------------------------ internals

    def _plan(self, **changes: Any) -> Plan[int]:
        """The step ``changes`` ask for, checked against the scenario (raises :class:`FolioVizError`)."""
        unknown = sorted(set(changes) - {"step"})
        if unknown:
            raise FolioVizError(f"unknown input(s) {unknown}; a stepper takes only step")
        value = changes.get("step", self.step)
        if isinstance(value, bool) or not isinstance(value, int):
            raise FolioVizError(f"step must be a step number, not {value!r}")
        if not 0 <= value < len(self._scenario):
            raise FolioVizError(f"step {value} is out of range: this scenario has steps 0 to {len(self._scenario) - 1}")
        return Plan.of({"step": value}, value)

    def _render_controls(self, plan: Plan[int]) -> None:
        i, last = plan.state, len(self._scenario) - 1
        if self._slider.value != i:
            self._slider.value = i
        self._first.disabled = self._back.disabled = i == 0
        self._next.disabled = self._last.disabled = i == last

    def _render_views(self, plan: Plan[int]) -> None:
        i = plan.state
        step = self._scenario.steps[i]
        self._caption.value = step_caption_html(step, i, len(self._scenario))
        if self._render_cb is not None:
            self._render_cb(step)
