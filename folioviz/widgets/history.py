"""``HistoryExplorer``: pick a moment in the history of the rules; the widgets switch to that era in place.

For each event of ``data/mkwrite_history.toml`` it shows the event (what changed, when, the commit or
mail, what is unverified), a :class:`MappingWordWidget` switched to the era of the kernel it landed in,
and what the model says the email's driver page would do there under each truncation check.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as w

from ..kernel.errors import FolioVizError
from ..kernel.mkwrite import HistoryEvent, mkwrite_history
from ..render.history import event_era, event_html, livelock_html
from ..render.markup import Markup, instance_salt
from ..render.snapshot import decode_snapshot_html
from ..render.tables import style_html
from ..render.theme import is_presenter
from .looks import part
from .mapping_word import MappingWordWidget
from .snapshot import SnapshotMixin

__all__ = ["HistoryExplorer"]

DRIVER_WORD = 0xFFFFFFFFC0A04042
"""A driver page's word tagged movable (0b10), as in notebook 03 (an example address, not a real one)."""

#: What the mapping-word widget shows for each event (presentation choices, not kernel facts).
_SHOWCASE: dict[str, dict[str, Any]] = {
    "swap-space-6.18": {"word": 0xFFFF888003A1C001, "swapcache": True},
    "movable-flag-6.17": {"word": DRIVER_WORD},
}


class HistoryExplorer(SnapshotMixin, w.VBox):
    """Choose an event; the event card, the mapping-word widget and the livelock table follow."""

    def __init__(self, start: str = "email-2023", *, presenter: bool | None = None) -> None:
        presenter = is_presenter(presenter)
        self._id_salt = instance_salt(self)  # its snapshot's diagram has ids of its own
        self._events = {e.id: e for e in mkwrite_history()}
        if start not in self._events:
            raise FolioVizError(f"unknown event {start!r}; choose from {', '.join(self._events)}")
        self._picker = part(
            w.Dropdown,
            options=[(f"{e.date[:7]} · {e.version or '—'} · {e.title[:48]}", e.id) for e in self._events.values()],
            value=start,
            description="Moment",
            layout={"width": "auto"},
            style={"description_width": "initial"},
        )
        self._card = part(w.HTML, "")
        self._livelock = part(w.HTML, "")
        self._word = MappingWordWidget(DRIVER_WORD, presenter=presenter)
        self._picker.observe(lambda change: self.show(change["new"]), names="value")
        super().__init__([part(w.HTML, style_html(presenter)), self._picker, self._card, self._livelock, self._word])
        self.add_class("folioviz")
        self.add_class("folioviz-history")
        self.show(start)

    @property
    def event(self) -> HistoryEvent:
        return self._events[self._picker.value]

    @property
    def word_widget(self) -> MappingWordWidget:
        return self._word

    def show(self, event_id: str) -> None:
        """Switch to an event: its card, and every widget to its era."""
        if event_id not in self._events:
            raise FolioVizError(f"unknown event {event_id!r}; choose from {', '.join(self._events)}")
        if self._picker.value != event_id:
            self._picker.value = event_id  # comes back here through the observer
            return
        event = self._events[event_id]
        era, note = event_era(event)
        self._card.value = event_html(event, era, note)
        self._livelock.value = livelock_html(era)
        showcase = {"word": DRIVER_WORD, "swapcache": False, **_SHOWCASE.get(event_id, {})}
        if era.movable_ops_flag and showcase["word"] == DRIVER_WORD:
            showcase["movable_ops"] = True
            showcase["word"] = 0  # v6.17+: the flag marks the page; the word no longer does
        else:
            showcase["movable_ops"] = False
        self._word.update(era=era.id, raise_errors=True, **showcase)

    def _snapshot_html(self) -> Markup:
        era, note = event_era(self.event)
        return (
            event_html(self.event, era, note)
            + livelock_html(era)
            + decode_snapshot_html(self.word_widget.result, diagram=True, id_salt=self._id_salt)
        )

    def __repr__(self) -> str:
        return f"HistoryExplorer(event={self._picker.value!r})"
