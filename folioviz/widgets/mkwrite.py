"""Step through ``do_page_mkwrite()``: code panel, state panel, outcome banner and "what if" toggles.

The model (:mod:`folioviz.kernel.mkwrite`) computes every path and outcome; these views only
render a :class:`~folioviz.kernel.scenario.Step`. :class:`MkwriteWidget` steps through one input
set, either line by line inside the function or around the caller's retry loop;
:class:`MkwriteSideBySide` runs the same input under ``folio->mapping`` and ``folio_mapping()``
so the livelock and its absence stand next to each other.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import ipywidgets as w
from traitlets import Bool, HasTraits, Unicode, observe, validate

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
from ..render.markup import Markup, escape, tag
from ..render.mkwrite import (
    KERNELS,
    MKWRITE_STYLE,
    code_panel_html,
    kernel_options,
    outcome_html,
    side_title,
    state_html,
)
from ..render.snapshot import mkwrite_inputs_html, mkwrite_pane_html, step_html
from ..render.tables import style_html
from ..render.theme import is_presenter
from .base import GuardedInputs
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


def _dropdown(options: Any, value: Any, description: str) -> w.Dropdown:
    box = w.Dropdown(options=options, value=value, description=description, layout=w.Layout(width="auto"))
    box.style.description_width = "initial"
    return box


class _Controls(w.VBox):
    """The "what if" inputs, shared by both widgets. ``on_change(inputs)`` fires with a validated input."""

    def __init__(self, inputs: MkwriteInputs, *, with_check: bool = True) -> None:
        self.handler = _dropdown([(f"{k}: {v[:60]}", k) for k, v in HANDLERS.items()], inputs.handler, "handler")
        self.folio = _dropdown([(f"{k}", k) for k in FOLIO_STATES], inputs.folio, "folio")
        self.check = w.ToggleButtons(options=list(CHECKS), value=inputs.check, description="check")
        self.check.style.button_width = "auto"
        self.kernel = _dropdown(kernel_options(inputs.kernel), inputs.kernel, "kernel")
        self.caller = _dropdown(list(CALLERS), inputs.caller, "caller")
        self.swapfile = w.Checkbox(value=inputs.swapfile, description="swapfile", indent=False)
        self.beyond_eof = w.Checkbox(
            value=bool(inputs.truncated_beyond_eof) if inputs.truncated_beyond_eof is not None else True,
            description="truncated beyond EOF",
            indent=False,
        )
        self.debug_vm = w.Checkbox(value=inputs.debug_vm, description="CONFIG_DEBUG_VM", indent=False)
        for box in (self.swapfile, self.beyond_eof, self.debug_vm):
            box.layout = w.Layout(width="auto", margin="0 1em 0 0")
        row1 = [self.kernel, self.handler]
        row2 = [self.folio, self.caller, self.swapfile, self.beyond_eof, self.debug_vm]
        self.era_label = w.HTML("")
        rows = [
            w.HBox([*row1, self.era_label], layout=w.Layout(flex_flow="row wrap", align_items="center")),
            w.HBox(row2, layout=w.Layout(flex_flow="row wrap")),
        ]
        if with_check:
            rows.append(self.check)
        super().__init__(rows)
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
        self.era_label.value = tag(
            "span",
            f"era {inputs.era.label} · {inputs.form.value} form · links to {inputs.release}",
            class_="fv-cell-note",
        )


class _Pane(w.VBox):
    """Code, state and outcome for one input set; renders whatever step it is given."""

    def __init__(self, title: Markup | str = "", *, comments: bool = True) -> None:
        self.comments = comments
        self.title = w.HTML(escape(title))
        self.code = w.HTML("")
        self.state = w.HTML("")
        self.outcome = w.HTML("")
        super().__init__(
            [self.title, self.outcome, w.HBox([self.code, self.state], layout=w.Layout(flex_flow="row wrap"))]
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
            self.outcome.value = Markup(
                '<div class="fv-outcome" role="status">Outcome: predict it, then step to the end '
                "(or press ▶|) to see it.</div>"
            )


_CHOICES = ("handler", "folio", "kernel", "caller", "swapfile", "truncated_beyond_eof", "debug_vm")


class _InputsMixin(GuardedInputs, HasTraits):
    """Shared by both widgets: the inputs as public traits; show a refused input and put the controls back.

    Setting a trait is the same as picking that value in the controls: the views follow, a refused
    value is shown in the error box and raised, and the trait keeps its last good value.
    """

    handler = Unicode(help="the ->page_mkwrite handler: " + ", ".join(HANDLERS))
    folio = Unicode(help="the folio the fault holds: " + ", ".join(FOLIO_STATES))
    kernel = Unicode(help=f"the kernel, 'major.minor' ({', '.join(v for _, v in KERNELS)}); picks the code form")
    caller = Unicode(help="the fault path that calls do_page_mkwrite(): " + ", ".join(CALLERS))
    swapfile = Bool(False, help="the VMA's file has become an active swapfile (IS_SWAPFILE)")
    truncated_beyond_eof = Bool(
        None,
        allow_none=True,
        help="folio='truncated' only: the page now lies wholly beyond EOF (True) or inside the file (False)",
    )
    debug_vm = Bool(False, help="the kernel is built with CONFIG_DEBUG_VM (VM_BUG_ON_*() checks at run time)")

    _controls: _Controls
    _inputs: MkwriteInputs

    def _try(self, **changes: Any) -> MkwriteInputs:
        """The inputs these changes lead to (raises :class:`FolioVizError`; changes nothing)."""
        raise NotImplementedError

    def update(self, **changes: Any) -> bool:
        """Change inputs ("what if"); each widget defines it."""
        raise NotImplementedError

    @validate(*_CHOICES, "check")
    def _valid_choice(self, proposal: Any) -> Any:
        value = proposal["value"]
        if self._syncing:
            return value
        name = proposal["trait"].name
        try:
            inputs = self._try(**_with_folio_default({name: value}))
        except FolioVizError as error:
            self._refuse(str(error))
            raise
        return getattr(inputs, name)

    @observe(*_CHOICES, "check")
    def _on_choice(self, change: Any) -> None:
        if not self._syncing:
            self.update(**{change["name"]: change["new"]})

    def _show_controls(self, inputs: MkwriteInputs) -> None:
        with self._quietly():
            self._controls.show(inputs)
            for name in self._choice_names():
                value = getattr(inputs, name)
                if getattr(self, name) != value:
                    setattr(self, name, value)

    def _choice_names(self) -> tuple[str, ...]:
        return _CHOICES

    def _refuse(self, message: str) -> bool:
        self._show_error(message)
        self._show_controls(self._inputs)
        return False

    def _accept(self, inputs: MkwriteInputs) -> None:
        self._clear_error()
        self._show_controls(inputs)


def _with_folio_default(changes: dict[str, Any]) -> dict[str, Any]:
    """A new folio state without a word on truncation: leave truncated_beyond_eof to its default."""
    if "folio" in changes and "truncated_beyond_eof" not in changes:
        return {**changes, "truncated_beyond_eof": None}
    return changes


def _inputs_with(inputs: MkwriteInputs, **changes: Any) -> MkwriteInputs:
    changed = replace(inputs, **changes) if changes else inputs
    return MkwriteInputs(**{f: getattr(changed, f) for f in _SETTINGS})


class MkwriteWidget(SnapshotMixin, _InputsMixin, w.VBox):
    """Step through ``do_page_mkwrite()`` for one input set, and rebuild it with "what if" toggles.

    Every choice is a public trait (``handler``, ``folio``, ``check``, ``kernel``, ``caller``,
    ``swapfile``, ``truncated_beyond_eof``, ``debug_vm``, ``view``): set one, observe it or link it.

    :param view: ``"function"`` (line by line inside do_page_mkwrite) or ``"loop"`` (the caller's retries)
    :param inputs: any :class:`MkwriteInputs` field (``handler``, ``folio``, ``check``, ``kernel``...)
    """

    check = Unicode(help="the truncation test: 'folio->mapping' (as merged) or 'folio_mapping()' (the v1 patch)")
    view = Unicode("function", help="'function' (line by line inside do_page_mkwrite()) or 'loop' (the retried fault)")

    def __init__(self, *, view: str = "function", presenter: bool | None = None, **inputs: Any) -> None:
        presenter = is_presenter(presenter)
        if view not in ("function", "loop"):
            raise FolioVizError(f"view must be 'function' or 'loop', not {view!r}")
        inputs.setdefault("kernel", default_era().example_kernel)
        self._inputs = MkwriteInputs(**inputs)
        self._view = view
        self._controls = _Controls(self._inputs)
        self._view_picker = w.ToggleButtons(
            options=[("inside do_page_mkwrite()", "function"), ("the fault, retried", "loop")], value=view
        )
        self._view_picker.style.button_width = "auto"
        self._make_error_box()
        self._pane = _Pane()
        self._run = mkwrite_outcome(self._inputs)
        self._lines = pseudo_code(self._inputs.kernel, self._inputs.check)
        self._stepper: Stepper[Any] = Stepper(self._build())
        self._stepper.on_step(self._render)
        for control in self._controls.widgets():
            control.observe(self._on_input, names="value")
        self._view_picker.observe(self._on_view, names="value")
        super().__init__(
            [
                w.HTML(style_html(presenter) + MKWRITE_STYLE),
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
        self._show_controls(self._inputs)
        with self._quietly():
            self.view = view

    # ------------------------------------------------------------------ public API

    @property
    def inputs(self) -> MkwriteInputs:
        return self._inputs

    @property
    def run(self) -> MkwriteRun:
        """What the model says this input leads to (outcome, path, retries, explanation)."""
        return self._run

    @property
    def stepper(self) -> Stepper[Any]:
        return self._stepper

    @property
    def scenario(self) -> Scenario[Any]:
        return self._stepper.scenario

    def update(self, **changes: Any) -> bool:
        """Change inputs ("what if"); invalid combinations are shown and the last good state is kept."""
        try:
            _refuse_unknown(changes)
            inputs = self._try(**changes)
            run = mkwrite_outcome(inputs)
        except FolioVizError as error:
            return self._refuse(str(error))
        self._inputs, self._run = inputs, run
        self._lines = pseudo_code(inputs.kernel, inputs.check)
        self._accept(inputs)
        self._stepper.set_scenario(self._build())
        return True

    def set_view(self, view: str) -> None:
        self.view = view

    def _snapshot_html(self) -> Markup:
        stepper, steps = self.stepper, self.scenario.steps
        index = stepper.index
        visited = tuple(s.state.line for s in steps[: index + 1] if isinstance(s.state, MkwriteState))
        view = "the fault, retried" if self._view == "loop" else "inside do_page_mkwrite()"
        lines = pseudo_code(self.inputs.kernel, self.inputs.check)
        return (
            mkwrite_inputs_html(self.inputs, view=view)
            + step_html(steps[index], index, len(steps))
            + mkwrite_pane_html(lines, self.run, steps[index], visited, final=index == len(steps) - 1, last=steps[-1])
        )

    def __repr__(self) -> str:
        i = self._inputs
        return (
            f"MkwriteWidget(handler={i.handler!r}, folio={i.folio!r}, check={i.check!r}, kernel={i.kernel!r}, "
            f"outcome={self._run.outcome.name})"
        )

    # ------------------------------------------------------------------ internals

    def _try(self, **changes: Any) -> MkwriteInputs:
        inputs = _inputs_with(self._inputs, **_with_folio_default(changes))
        mkwrite_outcome(inputs)
        return inputs

    def _choice_names(self) -> tuple[str, ...]:
        return (*_CHOICES, "check")

    @validate("view")
    def _valid_view(self, proposal: Any) -> str:
        if proposal["value"] not in ("function", "loop"):
            raise FolioVizError(f"view must be 'function' or 'loop', not {proposal['value']!r}")
        return proposal["value"]

    @observe("view")
    def _on_view_trait(self, change: Any) -> None:
        if self._syncing:
            return
        with self._quietly():
            self._view_picker.value = change["new"]
        self._view = change["new"]
        self._stepper.set_scenario(self._build())

    def _build(self) -> Scenario[Any]:
        if self._view == "loop":
            return fault_loop_scenario(self._inputs)
        return do_page_mkwrite_scenario(self._inputs)

    def _on_input(self, change: dict[str, Any]) -> None:
        if self._syncing:
            return
        self.update(**self._controls.read())

    def _on_view(self, change: dict[str, Any]) -> None:
        if not self._syncing:
            self.view = change["new"]

    def _render(self, step: Step[Any]) -> None:
        index = self._stepper.index
        steps = self._stepper.scenario.steps
        visited = tuple(s.state.line for s in steps[: index + 1] if isinstance(s.state, MkwriteState))
        self._pane.render(self._lines, self._run, step, visited, final=index == len(steps) - 1)


class MkwriteSideBySide(SnapshotMixin, _InputsMixin, w.VBox):
    """The same input under ``folio->mapping`` (left) and ``folio_mapping()`` (right), one stepper for both.

    Every choice is a public trait (``handler``, ``folio``, ``kernel``, ``caller``, ``swapfile``,
    ``truncated_beyond_eof``, ``debug_vm``): set one, observe it or link it.
    """

    def __init__(self, *, presenter: bool | None = None, **inputs: Any) -> None:
        presenter = is_presenter(presenter)
        inputs.pop("check", None)
        inputs.setdefault("kernel", default_era().example_kernel)
        self._inputs = MkwriteInputs(**inputs)
        self._controls = _Controls(self._inputs, with_check=False)
        self._make_error_box()
        self._left = _Pane(side_title(self._inputs.kernel, next(iter(CHECKS))))
        self._right = _Pane(side_title(self._inputs.kernel, list(CHECKS)[1]))
        for pane in (self._left, self._right):
            pane.add_class("fv-side")
        self._sides = self._compute(self._inputs)
        self._stepper: Stepper[Any] = Stepper(self._longest())
        self._stepper.on_step(self._render)
        for control in self._controls.widgets():
            control.observe(self._on_input, names="value")
        super().__init__(
            [
                w.HTML(style_html(presenter) + MKWRITE_STYLE),
                self._controls,
                self._error_box,
                self._stepper,
                w.HBox([self._left, self._right], layout=w.Layout(flex_flow="row wrap")),
            ]
        )
        self.add_class("folioviz")
        self.add_class("folioviz-mkwrite-compare")
        self._show_controls(self._inputs)

    @property
    def runs(self) -> tuple[MkwriteRun, MkwriteRun]:
        """(raw-word run, folio_mapping() run)."""
        return self._sides[0][1], self._sides[1][1]

    @property
    def stepper(self) -> Stepper[Any]:
        return self._stepper

    def update(self, **changes: Any) -> bool:
        """Change inputs ("what if") for both sides; invalid combinations are shown and the last good kept."""
        changes.pop("check", None)
        try:
            _refuse_unknown(changes)
            inputs = _inputs_with(self._inputs, **_with_folio_default(changes))
            sides = self._compute(inputs)
        except FolioVizError as error:
            return self._refuse(str(error))
        self._inputs, self._sides = inputs, sides
        self._accept(inputs)
        self._stepper.set_scenario(self._longest())
        return True

    def _snapshot_html(self) -> Markup:
        index = self.stepper.index
        panes = []
        for check, (lines, run, scenario) in zip(CHECKS, self._sides, strict=True):
            i = min(index, len(scenario) - 1)
            visited = tuple(s.state.line for s in scenario.steps[: i + 1])
            heading = side_title(self._inputs.kernel, check)
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
            mkwrite_inputs_html(self._inputs, check=False)
            + step_html(steps[index], index, len(steps))
            + Markup("").join(panes)
        )

    def __repr__(self) -> str:
        raw, fm = self.runs
        return f"MkwriteSideBySide(folio->mapping: {raw.outcome.name}, folio_mapping(): {fm.outcome.name})"

    def _try(self, **changes: Any) -> MkwriteInputs:
        inputs = _inputs_with(self._inputs, **_with_folio_default(changes))
        self._compute(inputs)
        return inputs

    @staticmethod
    def _compute(inputs: MkwriteInputs) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
        out = []
        for check in CHECKS:
            variant = replace(inputs, check=check)
            variant = MkwriteInputs(**{f: getattr(variant, f) for f in MkwriteInputs.__dataclass_fields__})
            out.append(
                (pseudo_code(variant.kernel, check), mkwrite_outcome(variant), do_page_mkwrite_scenario(variant))
            )
        return tuple(out[0]), tuple(out[1])

    def _longest(self) -> Scenario[Any]:
        a, b = self._sides[0][2], self._sides[1][2]
        return a if len(a) >= len(b) else b

    def _on_input(self, change: dict[str, Any]) -> None:
        if not self._syncing:
            values = self._controls.read()
            values.pop("check", None)
            self.update(**values)

    def _render(self, step: Step[Any]) -> None:
        index = self._stepper.index
        for pane, check in zip((self._left, self._right), CHECKS, strict=True):
            pane.title.value = side_title(self._inputs.kernel, check)
        for pane, (lines, run, scenario) in zip((self._left, self._right), self._sides, strict=True):
            i = min(index, len(scenario) - 1)
            visited = tuple(s.state.line for s in scenario.steps[: i + 1])
            pane.render(lines, run, scenario.steps[i], visited, final=i == len(scenario) - 1)
