"""A file's page cache read from a real kernel (:func:`folioviz.drgn.pagecache`), as a table whose
rows open in the mapping-word widget.

The widget takes the walk's plain entries, so it needs drgn only to make them, not to show them.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as w

from ..kernel import FolioVizError
from ..render.pagecache import pagecache_table_html, value_entry_html, walk_entry_note_html, walk_error_html
from ..render.tables import style_html
from ..render.theme import is_presenter
from .looks import part
from .mapping_word import MappingWordWidget

__all__ = ["PageCacheWalkWidget"]


class PageCacheWalkWidget(w.VBox):
    """The page-cache table, a row picker, and the picked folio in a :class:`MappingWordWidget`."""

    def __init__(self, entries: tuple[Any, ...], *, presenter: bool | None = None, **kwargs: Any) -> None:
        self.entries = tuple(entries)
        self._presenter = is_presenter(presenter)
        self._error = ""
        self._table = part(w.HTML, pagecache_table_html(self.entries))
        options = [
            (f"row {i}: index {e.index} — {e.summary if e.kind == 'folio' else 'value entry'}", i)
            for i, e in enumerate(self.entries)
        ]
        self._picker = part(
            w.Dropdown,
            options=options,
            value=options[0][1] if options else None,
            description="Entry",
            layout={"width": "auto"},
            style={"description_width": "initial"},
        )
        self._open = part(w.Button, description="Open in mapping-word widget", layout={"width": "auto"})
        self._open.add_class("fv-open-row")
        self._message = part(w.HTML, "")
        self._detail = part(w.VBox, [])
        self._open.on_click(lambda _button: self.open_row(self._picker.value))
        super().__init__(
            [
                part(w.HTML, style_html(self._presenter)),
                self._table,
                part(w.HBox, [self._picker, self._open], layout={"flex_flow": "row wrap"}),
                self._message,
                self._detail,
            ],
            **kwargs,
        )
        self.add_class("folioviz")
        self.add_class("folioviz-pagecache-walk")
        self.opened: MappingWordWidget | None = None

    @property
    def error(self) -> str:
        return self._error

    def open_row(self, row: int | None) -> MappingWordWidget | None:
        """Show row ``row`` below the table; a value entry is explained instead (it has no word)."""
        if row is None or isinstance(row, bool) or not isinstance(row, int) or not 0 <= row < len(self.entries):
            self._error = f"row must be an int from 0 to {len(self.entries) - 1}, not {row!r}"
            self._message.value = walk_error_html(self._error)
            return None
        self._error = ""
        entry = self.entries[row]
        self._table.value = pagecache_table_html(self.entries, selected=row)
        if entry.kind != "folio" or entry.decode is None:
            self._message.value = value_entry_html(entry)
            self._detail.children = ()
            self.opened = None
            return None
        d = entry.decode
        try:
            widget = MappingWordWidget(
                d.word,
                d.era,
                slab=d.folio.slab,
                swapcache=d.folio.swapcache,
                movable_ops=d.folio.movable_ops,
                presenter=self._presenter,
            )
        except FolioVizError as error:  # pragma: no cover - the walk only holds valid decodes
            self._error = str(error)
            self._message.value = walk_error_html(self._error)
            return None
        self._message.value = walk_entry_note_html(entry)
        self._detail.children = (widget,)
        self.opened = widget
        return widget

    def __repr__(self) -> str:
        return f"PageCacheWalkWidget(entries={len(self.entries)})"
