"""The page-cache views' pieces: a named scenario of the model, and the table of a page-cache walk.

The walk's entries come from :func:`folioviz.drgn.pagecache` (a real kernel); the table only reads their fields.
"""

from __future__ import annotations

from html import escape
from typing import Any

from ..kernel.errors import FolioVizError
from ..kernel.pagecache import PAGECACHE_SCENARIOS, PageCacheFolio, large_folio_scenario
from ..kernel.scenario import Scenario

__all__ = ["build_scenario", "pagecache_table_html"]


def build_scenario(name: str, *, nr_pages: int = 4, era: Any = None) -> Scenario[PageCacheFolio]:
    """One of the model's named scenarios (``email``, ``truncation``, ``large-folio``, ``early-put``)."""
    if name not in PAGECACHE_SCENARIOS:
        raise FolioVizError(f"unknown scenario {name!r}; choose from {', '.join(PAGECACHE_SCENARIOS)}")
    if name == "large-folio":
        return large_folio_scenario(nr_pages, era=era)
    return PAGECACHE_SCENARIOS[name](era=era)


def pagecache_table_html(entries: tuple[Any, ...], selected: int | None = None) -> str:
    """The walk as an HTML table (also the widget's static snapshot)."""
    rows = []
    for i, e in enumerate(entries):
        if e.kind == "folio":
            what = escape(e.summary)
            refcount = str(e.refcount)
            order = str(e.order)
        else:
            what = f"<b>value entry</b> <code>{e.value:#x}</code>: {escape(e.note)}"
            refcount = order = "—"
        mark = ' class="fv-disagree" aria-current="true"' if selected == i else ""
        rows.append(
            f"<tr{mark}><td>{i}</td><td><code>{e.index}</code></td><td><code>{e.entry:#x}</code></td>"
            f"<td>{refcount}</td><td>{order}</td><td>{what}</td></tr>"
        )
    body = "".join(rows) or '<tr><td colspan="6">the page cache is empty</td></tr>'
    return (
        '<table class="fv-table fv-pagecache-walk"><caption>Page cache (address_space-&gt;i_pages), '
        "one row per entry; a large folio is listed once, at its first index</caption>"
        "<thead><tr><th>row</th><th>index</th><th>entry</th><th>refcount</th><th>order</th><th>what</th></tr>"
        f"</thead><tbody>{body}</tbody></table>"
    )
