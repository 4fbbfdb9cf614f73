"""Widgets on a real kernel: the drgn bridge's readings (:mod:`folioviz.drgn`) put into the widgets.

The bridge reads and decodes (it returns model objects and never imports a widget); the widgets take its
readings (:meth:`MappingWordWidget.from_reading`, :class:`PageCacheWalkWidget`) and never import the bridge.
This module joins the two, one way: it imports the bridge, nothing in the bridge imports it.
"""

from __future__ import annotations

from typing import Any

from ..drgn import decode, pagecache
from ..kernel.versions import Era
from .mapping_word import MappingWordWidget
from .pagecache_walk import PageCacheWalkWidget

__all__ = ["mapping_word_widget", "pagecache_widget"]


def mapping_word_widget(obj: Any, era: Era | str | None = None, **kwargs: Any) -> MappingWordWidget:
    """A :class:`MappingWordWidget` showing the folio of drgn's ``obj`` (a ``struct folio *`` or
    ``struct page *``), with what was read from the kernel listed under it (see :func:`folioviz.drgn.decode`)."""
    return MappingWordWidget.from_reading(decode(obj, era), **kwargs)


def pagecache_widget(target: Any, prog: Any = None, era: Era | str | None = None, **kwargs: Any) -> PageCacheWalkWidget:
    """A file's page cache as a table whose rows open in the mapping-word widget (see
    :func:`folioviz.drgn.pagecache` for what ``target`` may be)."""
    return PageCacheWalkWidget(pagecache(target, prog, era), **kwargs)
