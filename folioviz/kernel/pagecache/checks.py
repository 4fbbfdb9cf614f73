"""The checks every page-cache transition shares: named holders, a named actor, and the steps the kernel refuses.

Each helper either returns the new holders or raises :class:`~folioviz.kernel.errors.IllegalTransitionError`
naming the kernel function and the debug check (empty when no check in the kernel would notice).
"""

from __future__ import annotations

from dataclasses import replace

from ..errors import FolioVizError, IllegalTransitionError
from .state import PAGE_CACHE, PAGE_TABLES, RESERVED_HOLDERS, Holders, PageCacheFolio

__all__ = [
    "add_holder",
    "check_actor",
    "drop_holder",
    "put_references",
    "refuse_if_blocked",
    "refuse_lookup_of_freed",
    "refuse_use_after_free",
]


def add_holder(holders: Holders, name: str, count: int) -> Holders:
    """``holders`` with ``count`` more references for ``name`` (added at the end when new)."""
    if any(holder == name for holder, _ in holders):
        return tuple((holder, held + count if holder == name else held) for holder, held in holders)
    return (*holders, (name, count))


def drop_holder(holders: Holders, name: str, count: int) -> Holders:
    """``holders`` with ``count`` fewer references for ``name`` (gone when it holds none)."""
    result = []
    for holder, held in holders:
        if holder == name:
            held -= count
        if held:
            result.append((holder, held))
    return tuple(result)


def check_actor(actor: object, function: str) -> str:
    """``actor`` stripped, when it names a thread that may call ``function``; the page cache and the page
    tables drop their references only through their own functions."""
    if not isinstance(actor, str) or not actor.strip():
        raise FolioVizError(f"{function}() needs an actor: a non-empty name such as 'thread A', not {actor!r}")
    actor = actor.strip()
    if actor in RESERVED_HOLDERS:
        why = {
            PAGE_CACHE: "the page cache's references are dropped only by filemap_free_folio(), after "
            "page_cache_delete() has taken the folio out of the cache",
            PAGE_TABLES: "page-table references are dropped only by unmapping the folio "
            "(truncate_cleanup_folio() -> unmap_mapping_folio())",
        }[actor]
        raise IllegalTransitionError(
            f"{actor!r} is not a thread that can call {function}(): {why}.",
            check="",
            function=function,
        )
    return actor


def refuse_lookup_of_freed(state: PageCacheFolio, function: str, who: str) -> None:
    """A lookup cannot reach a freed folio: say what the kernel's lookup does instead."""
    if state.freed:
        raise IllegalTransitionError(
            f"the folio has been freed, so {who} cannot get it: its XArray slot is empty, and a lookup "
            "that raced with the final put fails folio_try_get() on the count of 0, retries and then "
            "finds the empty slot. The lookup returns nothing (NULL in v6.1.4, ERR_PTR(-ENOENT) in "
            "v6.12.8 and, by inference from the change's date, from v6.4) and takes no reference. The story "
            "of this folio ended at its free; nothing may touch it any more.",
            check="",
            function=function,
        )


def refuse_use_after_free(state: PageCacheFolio, function: str, check: str = "", extra: str = "") -> None:
    """Raise when ``state`` is freed: ``function`` on it would be a use-after-free."""
    if state.freed:
        raise IllegalTransitionError(
            f"the folio was freed when its count reached 0 (__folio_put() gave it back to the page "
            f"allocator, which may already have reused it); {function}() on it is a use-after-free. "
            f"Nothing may touch a freed folio.{(' ' + extra) if extra else ''}",
            check=check,
            function=function,
        )


def refuse_if_blocked(state: PageCacheFolio, actor: str, function: str) -> None:
    """Raise if ``actor`` would have to sleep on (or would deadlock on) the folio lock."""
    if state.locked_by == actor:
        raise IllegalTransitionError(
            f"{actor} already holds the folio lock; the folio lock is not recursive, so {function}() "
            f"would sleep for ever waiting for {actor} itself (a self-deadlock no debug check reports).",
            check="",
            function=function,
        )
    if state.locked_by is not None:
        raise IllegalTransitionError(
            f"{state.locked_by} holds the folio lock, so {actor} would sleep in {function}() until "
            f"{state.locked_by} calls folio_unlock(). In a step-by-step scenario nobody else runs while "
            f"{actor} waits: let {state.locked_by} unlock first.",
            check="",
            function=function,
        )


def put_references(state: PageCacheFolio, holder: str, refs: int, function: str, check_zero: str) -> PageCacheFolio:
    """Drop ``refs`` references held by ``holder``; free the folio if that was the last."""
    refuse_use_after_free(state, function, check_zero)
    held = state.refs_of(holder)
    if held < refs:
        have = f"holds only {held}" if held else "holds no reference"
        raise IllegalTransitionError(
            f"{holder} {have} to this folio, so it cannot drop {refs}. The kernel keeps no owner per "
            "reference: such a put would silently drop somebody else's reference, and the folio "
            "would be freed while they still use it (a use-after-free).",
            check="",
            function=function,
        )
    remaining = state.refcount - refs
    if remaining == 0 and state.locked_by is not None:
        raise IllegalTransitionError(
            f"this would put the last reference while {state.locked_by} still holds the folio lock: "
            "the folio would be freed locked. The page allocator reports that as a bad page "
            "(PG_locked is among the flags it checks at free time) and leaks it; unlock first, then put.",
            check='bad_page(page, "PAGE_FLAGS_CHECK_AT_FREE flag(s) set") for PG_locked, from free_page_is_bad() '
            "in free_pages_prepare()",
            function=function,
        )
    if remaining == 0:
        return replace(state, refcount=0, holders=(), freed=True)
    return replace(state, refcount=remaining, holders=drop_holder(state.holders, holder, refs))
