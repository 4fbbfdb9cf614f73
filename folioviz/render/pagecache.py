"""The page-cache views' pieces: a named scenario of the model, and the table of a page-cache walk.

The walk's entries come from :func:`folioviz.drgn.pagecache` (a real kernel); the table only reads their fields.
"""

from __future__ import annotations

from typing import Any

from ..kernel.errors import FolioVizError
from ..kernel.pagecache import PAGECACHE_SCENARIOS, PageCacheFolio, large_folio_scenario
from ..kernel.scenario import Scenario
from .markup import Markup, tag

__all__ = [
    "build_scenario",
    "composer_note_html",
    "pagecache_table_html",
    "value_entry_html",
    "walk_entry_note_html",
    "walk_error_html",
]


def build_scenario(name: str, *, nr_pages: int = 4, era: Any = None) -> Scenario[PageCacheFolio]:
    """One of the model's named scenarios (``email``, ``truncation``, ``large-folio``, ``early-put``)."""
    if name not in PAGECACHE_SCENARIOS:
        raise FolioVizError(f"unknown scenario {name!r}; choose from {', '.join(PAGECACHE_SCENARIOS)}")
    if name == "large-folio":
        return large_folio_scenario(nr_pages, era=era)
    return PAGECACHE_SCENARIOS[name](era=era)


def pagecache_table_html(entries: tuple[Any, ...], selected: int | None = None) -> Markup:
    """The walk as an HTML table (also the widget's static snapshot)."""
    rows = []
    for i, e in enumerate(entries):
        if e.kind == "folio":
            what: Markup | str = e.summary
            refcount = str(e.refcount)
            order = str(e.order)
        else:
            what = Markup("<b>value entry</b> <code>{:#x}</code>: {}").format(e.value, e.note)
            refcount = order = "—"
        cells = (i, tag("code", e.index), tag("code", f"{e.entry:#x}"), refcount, order, what)
        current = {"class_": "fv-disagree", "aria_current": "true"} if selected == i else {}
        rows.append(tag("tr", *(tag("td", cell) for cell in cells), **current))
    body = rows or [Markup('<tr><td colspan="6">the page cache is empty</td></tr>')]
    return tag(
        "table",
        Markup(
            "<caption>Page cache (address_space-&gt;i_pages), "
            "one row per entry; a large folio is listed once, at its first index</caption>"
            "<thead><tr><th>row</th><th>index</th><th>entry</th><th>refcount</th><th>order</th><th>what</th></tr>"
            "</thead>"
        ),
        tag("tbody", *body),
        class_="fv-table fv-pagecache-walk",
    )


def composer_note_html(names: str, aliases: str) -> Markup:
    """The page-cache composer's heading: what a sequence starts from, its operations and their short names."""
    return Markup(
        "<b>Compose your own</b> (starts from a cached folio; an actor such as <code>thread A</code> "
        'follows the name):<div class="fv-cell-note">operations: {}<br>short names: {}</div>'
    ).format(names, aliases)


def value_entry_html(entry: Any) -> Markup:
    """A walk's value entry, picked: there is no folio there, so no mapping word to show."""
    return tag(
        "div",
        Markup("Index {} holds a value entry (<code>{:#x}</code>): {}. There is no folio, so no mapping word.").format(
            entry.index, entry.value, entry.note
        ),
        class_="fv-note",
        role="status",
    )


def walk_error_html(message: str) -> Markup:
    """The walk's refusal (a row that is not there), announced at once."""
    return tag("div", message, class_="fv-error", role="alert")


def walk_entry_note_html(entry: Any) -> Markup:
    """The opened folio entry's index, refcount and order, above its MappingWordWidget."""
    return tag(
        "div", f"Index {entry.index}: refcount {entry.refcount}, order {entry.order}.", class_="fv-note", role="status"
    )
