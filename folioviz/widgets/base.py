"""What every folioviz widget with inputs shares: the inline error box and the "syncing" guard.

A widget keeps its last good state when an input is refused: it shows why in its error box
(``role="alert"``, so screen readers announce it) and puts its controls back. While it puts them
back, or shows a new good state, its own writes to its controls must not be taken as new input:
:meth:`GuardedInputs._quietly` marks those writes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import ipywidgets as w

from ..render.tables import error_html

__all__ = ["GuardedInputs"]


class GuardedInputs:
    """Mixin for a widget with inputs: an error box, the last refusal, and a guard for its own writes."""

    _error: str = ""
    _syncing: bool = False
    _error_box: w.HTML

    def _make_error_box(self, **kwargs: Any) -> w.HTML:
        """Create the (empty) error box; put it where the widget's inputs are."""
        self._error_box = w.HTML("", **kwargs)
        self._error_box.add_class("fv-error-box")
        return self._error_box

    @contextmanager
    def _quietly(self) -> Iterator[None]:
        """Within this block the widget's own writes to its controls and traits are not user input."""
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
