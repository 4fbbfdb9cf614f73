"""``HistoryExplorer``: pick a moment in the history of the rules; the widgets switch to that era in place.

For each event of ``data/mkwrite_history.toml`` it shows the event (what changed, when, the commit or
mail, what is unverified), a :class:`MappingWordWidget` switched to the era of the kernel it landed in,
and what the model says the email's driver page would do there under each truncation check.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as w

from ..kernel.errors import FolioVizError
from ..kernel.mkwrite import CHECKS, HistoryEvent, MkwriteInputs, mkwrite_history, mkwrite_outcome
from ..kernel.sources import commit_url, lore_url
from ..kernel.versions import Era, eras, get_era
from .mapping_word import MappingWordWidget
from .markup import Markup, tag
from .snapshot import SnapshotMixin, decode_snapshot_html
from .tables import style_html
from .theme import is_presenter

__all__ = ["HistoryExplorer", "event_era"]

DRIVER_WORD = 0xFFFFFFFFC0A04042
"""A driver page's word tagged movable (0b10), as in notebook 03 (an example address, not a real one)."""

#: What the mapping-word widget shows for each event (presentation choices, not kernel facts).
_SHOWCASE: dict[str, dict[str, Any]] = {
    "swap-space-6.18": {"word": 0xFFFF888003A1C001, "swapcache": True},
    "movable-flag-6.17": {"word": DRIVER_WORD},
}


def event_era(event: HistoryEvent) -> tuple[Era, str]:
    """The era folioviz models for the kernel an event landed in, and a note when that is approximate.

    Events before the oldest modelled era (the 2007/2009 changes) are shown in the oldest era,
    v5.x, whose do_page_mkwrite() keeps the check those changes introduced.
    """
    if not event.version:
        return get_era("email"), "posted during the email's era (v6.4 was current)"
    try:
        return get_era(event.version), ""
    except FolioVizError:
        oldest = eras()[0]
        return oldest, (
            f"{event.version} is older than folioviz models; shown in {oldest.label} ({oldest.release}), "
            "whose do_page_mkwrite() still has the check this change introduced"
        )


def _event_html(event: HistoryEvent, era: Era, note: str) -> Markup:
    links = []
    if event.commit:
        links.append(
            tag("a", "commit ", tag("code", event.commit[:12]), href=commit_url(event.commit), target="_blank")
        )
    if event.message_id:
        links.append(tag("a", "mail", href=lore_url(event.message_id), target="_blank"))
    unsure = (
        tag("div", tag("i", f"Not verified: {', '.join(event.uncertain)}."), class_="fv-cell-note")
        if event.uncertain
        else ""
    )
    version = event.version + (" (≈)" if "version" in event.uncertain else "") if event.version else "—"
    return tag(
        "div",
        Markup("<div><b>{}</b> ({}) · release {} · {}</div>").format(event.date, event.date_is, version, event.author),
        tag("div", event.title, class_="fv-kind"),
        tag("div", event.what, class_="fv-note"),
        Markup("<div>{} · rules {}</div>").format(Markup(" · ").join(links), ", ".join(event.rules)),
        unsure,
        tag(
            "div",
            f"Widgets below: {era.label}, links to {era.release}" + (f" ({note})" if note else ""),
            class_="fv-cell-note",
        ),
        class_="fv-event",
        role="region",
        aria_label="the selected event",
    )


def _livelock_html(era: Era) -> Markup:
    """The email's driver page in this era, under both checks, as the model says."""
    rows = []
    for check in CHECKS:
        try:
            run = mkwrite_outcome(
                MkwriteInputs(handler="old-school", folio="movable-tagged", check=check, kernel=era.example_kernel)
            )
            verdict = tag("b", run.outcome.name)
        except FolioVizError as error:
            verdict = tag("i", f"no such page: {str(error).split('.')[0]}")
        rows.append(Markup("<tr><td><code>{}</code></td><td>{}</td></tr>").format(check, verdict))
    return tag(
        "table",
        Markup("<caption>An old driver's movable-tagged page, old-school handler, kernel {}</caption>").format(
            era.example_kernel
        ),
        Markup("<tr><th>truncation check</th><th>outcome</th></tr>"),
        *rows,
        class_="fv-table fv-history-livelock",
        aria_label="the email's driver page in this era",
    )


class HistoryExplorer(SnapshotMixin, w.VBox):
    """Choose an event; the event card, the mapping-word widget and the livelock table follow."""

    def __init__(self, start: str = "email-2023", *, presenter: bool | None = None) -> None:
        presenter = is_presenter(presenter)
        self._events = {e.id: e for e in mkwrite_history()}
        if start not in self._events:
            raise FolioVizError(f"unknown event {start!r}; choose from {', '.join(self._events)}")
        self._picker = w.Dropdown(
            options=[(f"{e.date[:7]} · {e.version or '—'} · {e.title[:48]}", e.id) for e in self._events.values()],
            value=start,
            description="Moment",
            layout=w.Layout(width="auto"),
        )
        self._picker.style.description_width = "initial"
        self._card = w.HTML("")
        self._livelock = w.HTML("")
        self._word = MappingWordWidget(DRIVER_WORD, presenter=presenter)
        self._picker.observe(lambda change: self.show(change["new"]), names="value")
        super().__init__([w.HTML(style_html(presenter)), self._picker, self._card, self._livelock, self._word])
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
        self._card.value = _event_html(event, era, note)
        self._livelock.value = _livelock_html(era)
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
            _event_html(self.event, era, note)
            + _livelock_html(era)
            + decode_snapshot_html(self.word_widget.result, diagram=True)
        )

    def __repr__(self) -> str:
        return f"HistoryExplorer(event={self._picker.value!r})"
