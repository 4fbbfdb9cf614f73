"""Step through ``do_page_mkwrite()``: code panel, state panel, outcome banner and "what if" toggles.

The model (:mod:`folioviz.kernel.mkwrite`) computes every path and outcome; these views only
render a :class:`~folioviz.kernel.scenario.Step`. :class:`MkwriteWidget` steps through one input
set, either line by line inside the function or around the caller's retry loop;
:class:`MkwriteSideBySide` runs the same input under ``folio->mapping`` and ``folio_mapping()``
so the livelock and its absence stand next to each other.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import ipywidgets as w
from traitlets import Bool, HasTraits, Unicode

from ..kernel.errors import FolioVizError
from ..kernel.mkwrite import (
    CALLERS,
    CHECKS,
    FOLIO_STATES,
    HANDLERS,
    MkwriteInputs,
    MkwriteRun,
    MkwriteState,
    PseudoLine,
    do_page_mkwrite_scenario,
    fault_loop_scenario,
    mkwrite_outcome,
    pseudo_code,
)
from ..kernel.scenario import Scenario, Step
from ..kernel.versions import default_era
from ..render.markup import Markup, escape
from ..render.mkwrite import (
    KERNELS,
    MKWRITE_STYLE,
    code_panel_html,
    kernel_options,
    outcome_html,
    pending_outcome_html,
    side_title,
    state_html,
)
from ..render.snapshot import mkwrite_inputs_html, mkwrite_pane_html, step_html
from ..render.tables import cell_note_html, style_html
from ..render.theme import is_presenter
from .base import InputProtocol, Plan
from .looks import dropdown, layout, part
from .snapshot import SnapshotMixin
from .stepper import Stepper

__all__ = ["MkwriteSideBySide", "MkwriteWidget"]


#: What the "what if" controls and ``update()`` may change.
_SETTINGS = tuple(MkwriteInputs.__dataclass_fields__)


def _refuse_unknown(changes: dict[str, Any]) -> None:
    unknown = sorted(set(changes) - set(_SETTINGS))
    if unknown:
        raise FolioVizError(f"unknown setting(s) {unknown}; allowed: {', '.join(_SETTINGS)}")


# --------------------------------------------------------------------------- widgets


class _Controls(w.VBox):
    """The "what if" inputs, shared by both widgets. ``on_change(inputs)`` fires with a validated input."""

    def __init__(self, inputs: MkwriteInputs, *, with_check: bool = True) -> None:
        self.handler = dropdown([(f"{k}: {v[:60]}", k) for k, v in HANDLERS.items()], inputs.handler, "handler")
        self.folio = dropdown([(f"{k}", k) for k in FOLIO_STATES], inputs.folio, "folio")
        self.check = part(
            w.ToggleButtons,
            options=list(CHECKS),
            value=inputs.check,
            description="check",
            style={"button_width": "auto"},
        )
        self.kernel = dropdown(kernel_options(inputs.kernel), inputs.kernel, "kernel")
        self.caller = dropdown(list(CALLERS), inputs.caller, "caller")
        spaced = {"width": "auto", "margin": "0 1em 0 0"}
        self.swapfile = part(w.Checkbox, value=inputs.swapfile, description="swapfile", indent=False, layout=spaced)
        self.beyond_eof = part(
            w.Checkbox,
            value=bool(inputs.truncated_beyond_eof) if inputs.truncated_beyond_eof is not None else True,
            description="truncated beyond EOF",
            indent=False,
        )
        # its own Layout: show() hides it unless the folio is truncated
        self.beyond_eof.layout = w.Layout(width="auto", margin="0 1em 0 0")
        self.debug_vm = part(
            w.Checkbox, value=inputs.debug_vm, description="CONFIG_DEBUG_VM", indent=False, layout=spaced
        )
        row1 = [self.kernel, self.handler]
        row2 = [self.folio, self.caller, self.swapfile, self.beyond_eof, self.debug_vm]
        self.era_label = part(w.HTML, "")
        rows = [
            part(w.HBox, [*row1, self.era_label], layout={"flex_flow": "row wrap", "align_items": "center"}),
            part(w.HBox, row2, layout={"flex_flow": "row wrap"}),
        ]
        if with_check:
            rows.append(self.check)
        super().__init__(rows, layout=layout())
        self.add_class("fv-mkwrite-controls")

    def widgets(self) -> list[w.Widget]:
        return [
            self.handler,
            self.folio,
            self.check,
            self.kernel,
            self.caller,
            self.swapfile,
            self.beyond_eof,
            self.debug_vm,
        ]

    def read(self) -> dict[str, Any]:
        return {
            "handler": self.handler.value,
            "folio": self.folio.value,
            "check": self.check.value,
            "kernel": self.kernel.value,
            "caller": self.caller.value,
            "swapfile": self.swapfile.value,
            "truncated_beyond_eof": self.beyond_eof.value if self.folio.value == "truncated" else None,
            "debug_vm": self.debug_vm.value,
        }

    def show(self, inputs: MkwriteInputs) -> None:
        self.handler.value = inputs.handler
        self.folio.value = inputs.folio
        self.check.value = inputs.check
        if inputs.kernel not in [value for _, value in self.kernel.options]:
            self.kernel.options = kernel_options(inputs.kernel)
        self.kernel.value = inputs.kernel
        self.caller.value = inputs.caller
        self.swapfile.value = inputs.swapfile
        self.debug_vm.value = inputs.debug_vm
        if inputs.truncated_beyond_eof is not None:
            self.beyond_eof.value = inputs.truncated_beyond_eof
        self.beyond_eof.layout.display = "" if inputs.folio == "truncated" else "none"
        self.era_label.value = cell_note_html(
            f"era {inputs.era.label} · {inputs.form.value} form · links to {inputs.release}"
        )


class _Pane(w.VBox):
    """Code, state and outcome for one input set; renders whatever step it is given."""

    def __init__(self, title: Markup | str = "", *, comments: bool = True) -> None:
        self.comments = comments
        self.title = part(w.HTML, escape(title))
        self.code = part(w.HTML, "")
        self.state = part(w.HTML, "")
        self.outcome = part(w.HTML, "")
        super().__init__(
            [self.title, self.outcome, part(w.HBox, [self.code, self.state], layout={"flex_flow": "row wrap"})],
            layout=layout(),
        )

    def render(
        self, lines: tuple[PseudoLine, ...], run: MkwriteRun, step: Step[Any], visited: tuple[int, ...], *, final: bool
    ) -> None:
        state = step.state
        line = state.line if isinstance(state, MkwriteState) else None
        self.code.value = code_panel_html(lines, line, visited, comments=self.comments)
        self.state.value = state_html(state)
        if final:
            self.outcome.value = outcome_html(run)
        else:
            self.outcome.value = pending_outcome_html()


_CHOICES = ("handler", "folio", "kernel", "caller", "swapfile", "truncated_beyond_eof", "debug_vm")
_VIEWS = ("function", "loop")


def _check_view(view: Any) -> str:
    if view not in _VIEWS:
        raise FolioVizError(f"view must be 'function' or 'loop', not {view!r}")
    return str(view)


def _input_traits(inputs: MkwriteInputs, names: tuple[str, ...], **extra: Any) -> dict[str, Any]:
    """A plan's traits, in the order a one-trait-at-a-time copy (``ipywidgets.link``) stays valid.

    Some kernels and a swapfile refuse a movable-tagged folio, so the folio turns to another state
    first and to ``movable-tagged`` last; ``truncated_beyond_eof`` (only for a truncated folio) follows it.
    """
    values = {name: getattr(inputs, name) for name in names if name not in extra} | extra
    folio_last = inputs.folio == "movable-tagged"
    rest = [name for name in names if name not in ("folio", "truncated_beyond_eof")]
    order = [*rest, "folio"] if folio_last else ["folio", *rest]
    return {name: values[name] for name in (*order, "truncated_beyond_eof")}


class _TrueFalseOrNone(Bool):
    """True, False or None, each through the widget's validator.

    traitlets runs no validator on ``None`` for a trait that allows it; the value would be corrected
    only after the observers (and any linked widget) had been told of it.
    """

    def validate(self, obj: Any, value: Any) -> Any:
        return None if value is None else super().validate(obj, value)


class _InputsMixin(InputProtocol[Any], HasTraits):
    """Shared by both widgets: the inputs as public traits, and the "what if" controls.

    Setting a trait is the same as picking that value in the controls: the views follow, a refused
    value is shown in the error box and raised, and the trait keeps its last good value.
    """

    handler = Unicode(help="the ->page_mkwrite handler: " + ", ".join(HANDLERS))
    folio = Unicode(help="the folio the fault holds: " + ", ".join(FOLIO_STATES))
    kernel = Unicode(help=f"the kernel, 'major.minor' ({', '.join(v for _, v in KERNELS)}); picks the code form")
    caller = Unicode(help="the fault path that calls do_page_mkwrite(): " + ", ".join(CALLERS))
    swapfile = Bool(False, help="the VMA's file has become an active swapfile (IS_SWAPFILE)")
    truncated_beyond_eof = _TrueFalseOrNone(
        None,
        help="folio='truncated' only: the page now lies wholly beyond EOF (True) or inside the file (False)",
    )
    debug_vm = Bool(False, help="the kernel is built with CONFIG_DEBUG_VM (VM_BUG_ON_*() checks at run time)")

    _controls: _Controls

    @property
    def inputs(self) -> MkwriteInputs:
        return self._shown.state.inputs

    def update(self, **changes: Any) -> bool:
        """Change inputs ("what if"). Returns ``True`` if applied, ``False`` if refused.

        An invalid combination is shown (and kept in :attr:`error`) and the last good state is kept.
        """
        return self._input(changes)

    def _watch_controls(self, read: Any) -> None:
        """Every control reads all of them back: the same path as ``update(...)``."""
        for control in self._controls.widgets():
            control.observe(lambda _: self._from_control(read()), names="value")

    def _next_inputs(self, changes: dict[str, Any]) -> MkwriteInputs:
        """The inputs ``changes`` lead to (raises :class:`FolioVizError`)."""
        _refuse_unknown(changes)
        return _inputs_with(self.inputs, **_with_folio_default(changes))


def _with_folio_default(changes: dict[str, Any]) -> dict[str, Any]:
    """A new folio state without a word on truncation: leave truncated_beyond_eof to its default."""
    if "folio" in changes and "truncated_beyond_eof" not in changes:
        return {**changes, "truncated_beyond_eof": None}
    return changes


def _inputs_with(inputs: MkwriteInputs, **changes: Any) -> MkwriteInputs:
    changed = replace(inputs, **changes) if changes else inputs
    return MkwriteInputs(**{f: getattr(changed, f) for f in _SETTINGS})


@dataclass(frozen=True)
class _Stepped:
    """What a plan of :class:`MkwriteWidget` holds: the inputs, the model's run, the code and the scenario."""

    inputs: MkwriteInputs
    run: MkwriteRun
    lines: tuple[PseudoLine, ...]
    view: str
    scenario: Scenario[Any]


class MkwriteWidget(SnapshotMixin, _InputsMixin, w.VBox):
    """Step through ``do_page_mkwrite()`` for one input set, and rebuild it with "what if" toggles.

    Every choice is a public trait (``handler``, ``folio``, ``check``, ``kernel``, ``caller``,
    ``swapfile``, ``truncated_beyond_eof``, ``debug_vm``, ``view``): set one, observe it or link it.

    :param view: ``"function"`` (line by line inside do_page_mkwrite) or ``"loop"`` (the caller's retries)
    :param inputs: any :class:`MkwriteInputs` field (``handler``, ``folio``, ``check``, ``kernel``...)
    """

    check = Unicode(help="the truncation test: 'folio->mapping' (as merged) or 'folio_mapping()' (the v1 patch)")
    view = Unicode("function", help="'function' (line by line inside do_page_mkwrite()) or 'loop' (the retried fault)")

    _INPUTS = (*_CHOICES, "check", "view")

    def __init__(self, *, view: str = "function", presenter: bool | None = None, **inputs: Any) -> None:
        presenter = is_presenter(presenter)
        view = _check_view(view)
        inputs.setdefault("kernel", default_era().example_kernel)
        first = self._stepped(MkwriteInputs(**inputs), view)
        self._controls = _Controls(first.state.inputs)
        self._view_picker = part(
            w.ToggleButtons,
            options=[("inside do_page_mkwrite()", "function"), ("the fault, retried", "loop")],
            value=view,
            style={"button_width": "auto"},
        )
        self._make_error_box()
        self._pane = _Pane()
        self._stepper: Stepper[Any] = Stepper(first.state.scenario, layout=layout())
        self._watch_controls(self._controls.read)
        self._view_picker.observe(lambda change: self._from_control({"view": change["new"]}), names="value")
        super().__init__(
            [
                part(w.HTML, style_html(presenter) + MKWRITE_STYLE),
                self._controls,
                self._view_picker,
                self._error_box,
                self._stepper,
                self._pane,
            ]
        )
        self.add_class("folioviz")
        self.add_class("folioviz-mkwrite")
        if presenter:
            self.add_class("fv-presenter")
        self._start(first)
        self._stepper.on_step(self._render)

    # ------------------------------------------------------------------ public API

    @property
    def run(self) -> MkwriteRun:
        """What the model says this input leads to (outcome, path, retries, explanation)."""
        return self._shown.state.run

    @property
    def stepper(self) -> Stepper[Any]:
        return self._stepper

    @property
    def _lines(self) -> tuple[PseudoLine, ...]:
        """The numbered pseudo-code of this kernel's form and check."""
        return self._shown.state.lines

    @property
    def scenario(self) -> Scenario[Any]:
        return self._stepper.scenario

    def set_view(self, view: str) -> None:
        self.view = view

    def _snapshot_html(self) -> Markup:
        stepper, steps = self.stepper, self.scenario.steps
        index = stepper.index
        visited = tuple(s.state.line for s in steps[: index + 1] if isinstance(s.state, MkwriteState))
        view = "the fault, retried" if self._shown.state.view == "loop" else "inside do_page_mkwrite()"
        lines = pseudo_code(self.inputs.kernel, self.inputs.check)
        return (
            mkwrite_inputs_html(self.inputs, view=view)
            + step_html(steps[index], index, len(steps))
            + mkwrite_pane_html(lines, self.run, steps[index], visited, final=index == len(steps) - 1, last=steps[-1])
        )

    def __repr__(self) -> str:
        i = self.inputs
        return (
            f"MkwriteWidget(handler={i.handler!r}, folio={i.folio!r}, check={i.check!r}, kernel={i.kernel!r}, "
            f"outcome={self.run.outcome.name})"
        )

    # ------------------------------------------------------------------ the protocol: plan, then show

    def _plan(self, **changes: Any) -> Plan[_Stepped]:
        view = _check_view(changes.pop("view", self._shown.state.view))
        return self._stepped(self._next_inputs(changes), view)

    @staticmethod
    def _stepped(inputs: MkwriteInputs, view: str) -> Plan[_Stepped]:
        """Run the model once for ``inputs``: its outcome, its code and the scenario ``view`` steps through."""
        run = mkwrite_outcome(inputs)
        scenario = fault_loop_scenario(inputs) if view == "loop" else do_page_mkwrite_scenario(inputs)
        state = _Stepped(inputs, run, pseudo_code(inputs.kernel, inputs.check), view, scenario)
        return Plan.of(_input_traits(inputs, MkwriteWidget._INPUTS, view=view), state)

    def _render_controls(self, plan: Plan[_Stepped]) -> None:
        self._controls.show(plan.state.inputs)
        self._view_picker.value = plan.state.view

    def _render_views(self, plan: Plan[_Stepped]) -> None:
        self._stepper.set_scenario(plan.state.scenario)

    def _render(self, step: Step[Any]) -> None:
        index = self._stepper.index
        steps = self._stepper.scenario.steps
        visited = tuple(s.state.line for s in steps[: index + 1] if isinstance(s.state, MkwriteState))
        self._pane.render(self._lines, self.run, step, visited, final=index == len(steps) - 1)


_Sides = tuple[tuple[Any, ...], tuple[Any, ...]]


class MkwriteSideBySide(SnapshotMixin, _InputsMixin, w.VBox):
    """The same input under ``folio->mapping`` (left) and ``folio_mapping()`` (right), one stepper for both.

    Every choice is a public trait (``handler``, ``folio``, ``kernel``, ``caller``, ``swapfile``,
    ``truncated_beyond_eof``, ``debug_vm``): set one, observe it or link it.
    """

    _INPUTS = _CHOICES

    def __init__(self, *, presenter: bool | None = None, **inputs: Any) -> None:
        presenter = is_presenter(presenter)
        inputs.pop("check", None)
        inputs.setdefault("kernel", default_era().example_kernel)
        first = self._both(MkwriteInputs(**inputs))
        first_inputs = first.state[0]
        self._controls = _Controls(first_inputs, with_check=False)
        self._make_error_box()
        self._left = _Pane(side_title(first_inputs.kernel, next(iter(CHECKS))))
        self._right = _Pane(side_title(first_inputs.kernel, list(CHECKS)[1]))
        for pane in (self._left, self._right):
            pane.add_class("fv-side")
        self._stepper: Stepper[Any] = Stepper(self._longest(first.state[1]), layout=layout())
        self._watch_controls(self._read_controls)
        super().__init__(
            [
                part(w.HTML, style_html(presenter) + MKWRITE_STYLE),
                self._controls,
                self._error_box,
                self._stepper,
                part(w.HBox, [self._left, self._right], layout={"flex_flow": "row wrap"}),
            ]
        )
        self.add_class("folioviz")
        self.add_class("folioviz-mkwrite-compare")
        self._start(first)
        self._stepper.on_step(self._render)

    @property
    def inputs(self) -> MkwriteInputs:
        return self._shown.state[0]

    @property
    def _sides(self) -> _Sides:
        return self._shown.state[1]

    @property
    def runs(self) -> tuple[MkwriteRun, MkwriteRun]:
        """(raw-word run, folio_mapping() run)."""
        return self._sides[0][1], self._sides[1][1]

    @property
    def stepper(self) -> Stepper[Any]:
        return self._stepper

    def update(self, **changes: Any) -> bool:
        """Change inputs ("what if") for both sides. Returns ``True`` if applied, ``False`` if refused.

        An invalid combination is shown (and kept in :attr:`error`) and the last good state is kept.
        """
        changes.pop("check", None)
        return self._input(changes)

    def _snapshot_html(self) -> Markup:
        index = self.stepper.index
        panes = []
        for check, (lines, run, scenario) in zip(CHECKS, self._sides, strict=True):
            i = min(index, len(scenario) - 1)
            visited = tuple(s.state.line for s in scenario.steps[: i + 1])
            heading = side_title(self.inputs.kernel, check)
            panes.append(
                mkwrite_pane_html(
                    lines,
                    run,
                    scenario.steps[i],
                    visited,
                    final=i == len(scenario) - 1,
                    title=heading,
                    last=scenario.steps[-1],
                )
            )
        steps = self.stepper.scenario.steps
        return (
            mkwrite_inputs_html(self.inputs, check=False)
            + step_html(steps[index], index, len(steps))
            + Markup("").join(panes)
        )

    def __repr__(self) -> str:
        raw, fm = self.runs
        return f"MkwriteSideBySide(folio->mapping: {raw.outcome.name}, folio_mapping(): {fm.outcome.name})"

    # ------------------------------------------------------------------ the protocol: plan, then show

    def _plan(self, **changes: Any) -> Plan[tuple[MkwriteInputs, _Sides]]:
        return self._both(self._next_inputs(changes))

    @staticmethod
    def _both(inputs: MkwriteInputs) -> Plan[tuple[MkwriteInputs, _Sides]]:
        """Run the model once per side: the raw word's check and folio_mapping()'s."""
        out = []
        for check in CHECKS:
            variant = replace(inputs, check=check)
            variant = MkwriteInputs(**{f: getattr(variant, f) for f in MkwriteInputs.__dataclass_fields__})
            out.append(
                (pseudo_code(variant.kernel, check), mkwrite_outcome(variant), do_page_mkwrite_scenario(variant))
            )
        sides: _Sides = (tuple(out[0]), tuple(out[1]))
        return Plan.of(_input_traits(inputs, _CHOICES), (inputs, sides))

    @staticmethod
    def _longest(sides: _Sides) -> Scenario[Any]:
        a, b = sides[0][2], sides[1][2]
        return a if len(a) >= len(b) else b

    def _read_controls(self) -> dict[str, Any]:
        values = self._controls.read()
        values.pop("check", None)
        return values

    def _render_controls(self, plan: Plan[tuple[MkwriteInputs, _Sides]]) -> None:
        self._controls.show(plan.state[0])

    def _render_views(self, plan: Plan[tuple[MkwriteInputs, _Sides]]) -> None:
        self._stepper.set_scenario(self._longest(plan.state[1]))

    def _render(self, step: Step[Any]) -> None:
        index = self._stepper.index
        for pane, check in zip((self._left, self._right), CHECKS, strict=True):
            pane.title.value = side_title(self.inputs.kernel, check)
        for pane, (lines, run, scenario) in zip((self._left, self._right), self._sides, strict=True):
            i = min(index, len(scenario) - 1)
            visited = tuple(s.state.line for s in scenario.steps[: i + 1])
            pane.render(lines, run, scenario.steps[i], visited, final=i == len(scenario) - 1)
