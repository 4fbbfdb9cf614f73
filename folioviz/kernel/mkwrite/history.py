"""The history of ``do_page_mkwrite()``'s old-school path, from ``data/mkwrite_history.toml``."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from ..datafiles import load_toml, records
from ..errors import FolioVizError
from ..sources import lore_url

__all__ = ["HistoryEvent", "history_event", "mkwrite_history"]


@dataclass(frozen=True)
class HistoryEvent:
    """One dated change to ``do_page_mkwrite()`` or to what it relies on (``data/mkwrite_history.toml``).

    ``evidence`` tags the event as a whole; ``uncertain`` names the fields that are [U] (not verified),
    which a view must not present as certain.
    """

    id: str
    date: str
    date_is: str
    title: str
    what: str
    evidence: str
    rules: tuple[str, ...]
    commit: str = ""
    author: str = ""
    version: str = ""
    message_id: str = ""
    uncertain: tuple[str, ...] = ()
    note: str = ""

    @property
    def year(self) -> int:
        return int(self.date[:4])

    @property
    def lore(self) -> str:
        """A lore.kernel.org link for the mail, or ""."""
        return lore_url(self.message_id) if self.message_id else ""

    def is_certain(self, field_name: str) -> bool:
        return field_name not in self.uncertain


_EVIDENCE = ("V", "V-diff", "V-mirror", "I", "U")


@cache
def mkwrite_history() -> tuple[HistoryEvent, ...]:
    """The history of ``do_page_mkwrite()``'s old-school path, oldest first (from ``data/mkwrite_history.toml``)."""
    events = []
    rows = records(HistoryEvent, load_toml("mkwrite_history.toml")["event"], "mkwrite_history.toml")
    for event in rows:
        if event.evidence not in _EVIDENCE:
            raise FolioVizError(f"history event {event.id!r} has evidence {event.evidence!r}; allowed: {_EVIDENCE}")
        events.append(event)
    return tuple(sorted(events, key=lambda e: e.date))


def history_event(event_id: str) -> HistoryEvent:
    """The event of :func:`mkwrite_history` with id ``event_id`` (``"swapfile-2019"``).

    :raises FolioVizError: for an id the history does not hold, naming the ids it does
    """
    for event in mkwrite_history():
        if event.id == event_id:
            return event
    known = ", ".join(event.id for event in mkwrite_history())
    raise FolioVizError(f"no history event {event_id!r} in data/mkwrite_history.toml; the events are: {known}")
