"""The one input protocol of every folioviz widget with inputs, its inline error box and its "quiet" guard.

A widget with inputs has public traits (``word``, ``era``, ...): a reader sets them, observes them or
joins them to another widget's with ``ipywidgets.link``. Every way in goes through one path:

1. ``_plan(**changes)`` computes the complete next state: every input trait's next value and what the
   model says about them. It runs the model **once**, touches no trait and no view, and raises
   :class:`~folioviz.kernel.FolioVizError` (the model's own errors) when the change is refused.
2. ``_show(plan)`` writes every input trait inside ``hold_trait_notifications()``, then re-renders the
   controls and the views from the plan (the model does not run again). Observers are told only once
   every trait holds the new state, so no observer, and no widget linked to this one, sees a state that
   no kernel has.

Every input takes one path, :meth:`InputProtocol._input` (plan, then show or refuse): the public
``update(...)``; the controls (dropdowns, check boxes, the word box, the bits), through
:meth:`InputProtocol._from_control`; and a direct trait write (``widget.era = "6.17"``), through one
validator, :meth:`InputProtocol._on_proposal`. The validator shows the plan itself, before traitlets
stores the value, so the written trait is announced in the plan's order with the traits that follow
from it (an observer of the trait alone would be told of it before the others, out of order).

While a plan is announced, a widget linked to this one may answer an earlier trait with its own value
for a later one (a truncated folio's ``truncated_beyond_eof`` defaults to True there); such an echo,
written back before this widget has announced that trait, is not taken as input: the announcement
that follows sets the linked widget right. The one observer, :meth:`InputProtocol._on_trait`,
registered before any reader's, keeps count of what has been announced, and takes as input a value
that reached a trait without the validator. (A reader's observer that writes, in answer to one trait,
a trait the same change is still to announce is overruled too.)

**A refusal** is the same in every widget: the error is shown in the widget's error box (``role="alert"``)
and kept in :attr:`~GuardedInputs.error`; the traits, the controls and the views keep the last good
state. ``update(...)`` returns ``False`` (``True`` when applied); a refused direct trait write raises the
:class:`~folioviz.kernel.FolioVizError` and the trait keeps its value.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, ClassVar, Generic, TypeVar

import ipywidgets as w
from ipywidgets.widgets.widget_string import HTMLStyle

from ..kernel.errors import FolioVizError
from ..render.tables import error_html
from .looks import layout, style

__all__ = ["GuardedInputs", "InputProtocol", "Plan"]

S = TypeVar("S")


class GuardedInputs:
    """Mixin for a widget with inputs: an error box, the last refusal, and a guard for its own writes."""

    _error: str = ""
    _syncing: bool = False
    _error_box: w.HTML

    def _make_error_box(self, **kwargs: Any) -> w.HTML:
        """Create the (empty) error box; put it where the widget's inputs are."""
        kwargs.setdefault("layout", layout())
        kwargs.setdefault("style", style(HTMLStyle))
        self._error_box = w.HTML("", **kwargs)
        self._error_box.add_class("fv-error-box")
        return self._error_box

    @contextmanager
    def _quietly(self) -> Iterator[None]:
        """Within this block the widget's own writes to its controls are not user input."""
        previous, self._syncing = self._syncing, True
        try:
            yield
        finally:
            self._syncing = previous

    @property
    def error(self) -> str:
        """The message of the last refused input, or ``""`` when the last input was applied."""
        return self._error

    def _show_error(self, message: str) -> None:
        self._error = message
        self._error_box.value = error_html(message)

    def _clear_error(self) -> None:
        self._error = ""
        if self._error_box.value:
            self._error_box.value = ""


@dataclass(frozen=True)
class Plan(Generic[S]):
    """A widget's complete next state, computed by ``_plan`` before anything is shown.

    :param traits: every input trait's value, in the order they are written (and observers told): a
        widget orders them so that a one-trait-at-a-time copy (``ipywidgets.link``) only passes through
        states its model accepts
    :param state: what the model computed for these inputs (the widget's own record)
    """

    traits: Mapping[str, Any]
    state: S

    @classmethod
    def of(cls, traits: Mapping[str, Any], state: S) -> Plan[S]:
        return cls(MappingProxyType(dict(traits)), state)


class InputProtocol(GuardedInputs, Generic[S]):
    """Mixin (before the ipywidgets base class) for a widget whose inputs are public traits.

    A widget names its input traits in ``_INPUTS`` and defines ``_plan``, ``_render_controls`` and
    ``_render_views``; its ``__init__`` ends with ``self._start(plan)``. Its public ``update(...)``,
    its controls (:meth:`_from_control`) and its traits (:meth:`_on_proposal`) all go through :meth:`_input`.
    """

    _INPUTS: ClassVar[tuple[str, ...]] = ()
    _shown: Plan[S]
    _unannounced: frozenset[str] = frozenset()

    # ------------------------------------------------------------------ what each widget defines

    def _plan(self, **changes: Any) -> Plan[S]:
        """The complete state these changes lead to; raises :class:`FolioVizError`; changes nothing."""
        raise NotImplementedError

    def _render_controls(self, plan: Plan[S]) -> None:
        """Put the controls to the plan's values (called quietly: these writes are not input)."""
        raise NotImplementedError

    def _render_views(self, plan: Plan[S]) -> None:
        """Re-render every view from the plan (pure renderers; the model does not run)."""
        raise NotImplementedError

    # ------------------------------------------------------------------ the protocol

    def _start(self, plan: Plan[S]) -> None:
        """Show the first plan, then take trait writes as input (the end of the widget's ``__init__``)."""
        self.observe(self._on_trait, names=list(self._INPUTS))  # type: ignore[attr-defined]
        self._show(plan)
        # traitlets calls a validator registered this way as validator(owner, proposal)
        self._register_validator(type(self)._on_proposal, self._INPUTS)  # type: ignore[attr-defined]

    def _show(self, plan: Plan[S]) -> None:
        """Make ``plan`` the widget's state: every trait at once, then the controls and the views."""
        self._shown = plan
        self._clear_error()
        try:
            with self.hold_trait_notifications():  # type: ignore[attr-defined]
                self._write(plan)
                self._render_views(plan)
            # Observers are told here, when every trait, control and view holds the plan.
        finally:
            self._unannounced = frozenset()  # told (or, if an observer failed, never to be)

    def _write(self, plan: Plan[S]) -> None:
        """Write the plan's traits and controls (quietly: the widget's own writes are not input)."""
        changed = []
        with self._quietly():
            for name, value in plan.traits.items():
                if getattr(self, name) != value:
                    setattr(self, name, value)
                    changed.append(name)
            self._render_controls(plan)
        self._unannounced = frozenset(changed)

    def _refuse(self, error: FolioVizError) -> None:
        """Show why ``error`` refused an input; put the traits and the controls back to the last good state."""
        self._show_error(str(error))
        with self.hold_trait_notifications():  # type: ignore[attr-defined]
            self._write(self._shown)

    def _input(self, changes: Mapping[str, Any], *, raise_errors: bool = False) -> bool:
        """Plan ``changes`` and show them: ``True``; or show the refusal and keep the state: ``False``.

        With ``raise_errors=True`` a refusal raises the :class:`FolioVizError` too (after showing it).
        """
        try:
            plan = self._plan(**changes)
        except FolioVizError as error:
            self._refuse(error)
            if raise_errors:
                raise
            return False
        self._show(plan)
        return True

    def _from_control(self, changes: Mapping[str, Any]) -> None:
        """A control moved: the same path as ``update(...)`` (the widget's own writes are ignored)."""
        if not self._syncing:
            self._input(changes)

    def _pending(self) -> dict[str, Any]:
        """Trait values that differ from the state shown (set while someone held notifications)."""
        shown = self._shown.traits
        return {name: getattr(self, name) for name in self._INPUTS if getattr(self, name) != shown[name]}

    def _on_proposal(self, proposal: Any) -> Any:
        """The one validator: a trait write takes the path of ``update(...)``; a refused one is raised.

        The plan is shown here, before traitlets stores the value (the same value, so it tells nobody
        again): every observer, and every widget linked to this one, is told of the written trait and of
        the traits that follow from it together, in the plan's order, once all of them hold the plan.
        """
        name, value = proposal["trait"].name, proposal["value"]
        current = self._shown.traits[name]
        if type(value) is type(current) and value == current:
            return value  # the state already has it (our own write, or a write of the same value)
        if name in self._unannounced:
            # An echo: a widget linked to this one, told of an earlier trait of the plan, chose its own
            # value for this one; this trait's announcement, still to come, will set it right there.
            return current
        self._input({**self._pending(), name: value}, raise_errors=True)
        return self._shown.traits[name]

    def _on_trait(self, change: Any) -> None:
        """The one observer (the first one told): the trait is announced; a value not validated is input.

        traitlets does not validate ``None`` for a trait that allows it (``truncated_beyond_eof``), so
        such a write reaches the widget here, and takes the same path as any other.
        """
        name = change["name"]
        self._unannounced = self._unannounced - {name}
        if getattr(self, name) != self._shown.traits[name]:  # the newest value, not change["new"]
            self._input(self._pending(), raise_errors=True)
