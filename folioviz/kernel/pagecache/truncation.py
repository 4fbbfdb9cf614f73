"""Truncation's transitions: finding and locking the folio, unmapping it, taking it out of the page cache
(``->mapping`` becomes NULL, R8), the page cache's references put, and the batch release. Each is a pure
``op(state, ...) -> new_state`` named after the kernel function it mirrors.
"""

from __future__ import annotations

from dataclasses import replace

from ..errors import IllegalTransitionError
from .checks import add_holder, check_actor, drop_holder, put_references, refuse_lookup_of_freed, refuse_use_after_free
from .state import PAGE_CACHE, PAGE_TABLES, TRUNCATE, PageCacheFolio

__all__ = [
    "filemap_free_folio",
    "filemap_remove_folio",
    "find_get_entries",
    "find_lock_entries",
    "folio_batch_release",
    "page_cache_delete",
    "truncate_cleanup_folio",
]


# --------------------------------------------------------------------------- truncation


def _truncation_starts(state: PageCacheFolio, function: str) -> None:
    refuse_lookup_of_freed(state, function, "truncation")
    if state.refs_of(TRUNCATE):
        raise IllegalTransitionError(
            "a truncation is already in progress and holds a reference. Truncations of one file are "
            "serialised (by the inode's i_rwsem and invalidate_lock); this model runs one at a time. "
            "Finish it with folio_batch_release() first.",
            check="",
            function=function,
        )


def find_lock_entries(state: PageCacheFolio) -> PageCacheFolio:
    """``find_lock_entries()`` (``mm/filemap.c``): truncation's first pass takes a reference and trylocks.

    ``truncate_inode_pages_range()`` (``mm/truncate.c``) collects the folios of the range with a
    reference each (+1, held by ``"truncate"``) and ``folio_trylock()``. A folio that is already
    locked is skipped (its reference dropped again) and dealt with by the second pass, which
    waits for the lock (:func:`find_get_entries` then :func:`folio_lock`). A folio that is no
    longer in the page cache is not found: the state is unchanged.
    """
    function = "find_lock_entries"
    _truncation_starts(state, function)
    if not state.in_xarray:
        return state
    if state.locked_by is not None:
        raise IllegalTransitionError(
            f"{state.locked_by} holds the folio lock, so folio_trylock() fails and the first pass "
            "skips this folio (dropping the reference it took). The second pass would take a "
            "reference with find_get_entries() and sleep in folio_lock() until "
            f"{state.locked_by} unlocks: let {state.locked_by} unlock first.",
            check="",
            function=function,
        )
    return replace(
        state,
        refcount=state.refcount + 1,
        holders=add_holder(state.holders, TRUNCATE, 1),
        locked_by=TRUNCATE,
    )


def find_get_entries(state: PageCacheFolio) -> PageCacheFolio:
    """``find_get_entries()`` (``mm/filemap.c``): truncation's second pass takes a reference, no lock.

    ``truncate_inode_pages_range()`` then calls ``folio_lock()`` (which waits) and
    ``truncate_inode_folio()`` -> ``truncate_cleanup_folio()`` + ``filemap_remove_folio()``.
    A folio no longer in the page cache is not found (state unchanged).
    """
    function = "find_get_entries"
    _truncation_starts(state, function)
    if not state.in_xarray:
        return state
    return replace(state, refcount=state.refcount + 1, holders=add_holder(state.holders, TRUNCATE, 1))


def _must_hold_lock(state: PageCacheFolio, actor: str, function: str, check: str, why: str) -> None:
    if state.locked_by is None:
        raise IllegalTransitionError(
            f"the folio is not locked, but {function}() runs under the folio lock: {why}",
            check=check,
            function=function,
        )
    if state.locked_by != actor:
        raise IllegalTransitionError(
            f"{state.locked_by} holds the folio lock, not {actor}: {why} The kernel's check only sees "
            "that the folio is locked, not by whom.",
            check=check,
            function=function,
        )


def truncate_cleanup_folio(state: PageCacheFolio, actor: str = TRUNCATE) -> PageCacheFolio:
    """``truncate_cleanup_folio()`` (``mm/truncate.c``): unmap the folio if mapped, under its lock.

    If the folio is mapped, ``unmap_mapping_folio()`` (which asserts
    ``VM_BUG_ON(!folio_test_locked(folio))``) removes it from every page table; each entry's
    reference is dropped (the TLB gather releases them before the unmap returns), so the map
    count and the ``"page tables"`` references go to 0. It also invalidates private data and
    cancels dirty, which this model does not track: for an unmapped folio the state is unchanged.
    """
    function = "truncate_cleanup_folio"
    actor = check_actor(actor, function)
    check = "VM_BUG_ON(!folio_test_locked(folio)) in unmap_mapping_folio()"
    refuse_use_after_free(state, function, check)
    _must_hold_lock(
        state,
        actor,
        function,
        check,
        "truncation cleans a folio up under its lock, so no fault can map it again meanwhile.",
    )
    if not state.in_xarray:
        raise IllegalTransitionError(
            "the folio is no longer in the page cache: truncate_inode_folio() sees folio->mapping is not "
            "the file's and returns -EIO instead of cleaning it up.",
            check="",
            function=function,
        )
    if not state.mapcount:
        return state
    holders = drop_holder(state.holders, PAGE_TABLES, state.mapcount)
    return replace(state, refcount=state.refcount - state.mapcount, holders=holders, mapcount=0)


def _check_removal(state: PageCacheFolio, actor: str, function: str, check: str, not_cached: str) -> str:
    """What every removal from the page cache requires: a live folio, locked by the caller, still cached."""
    actor = check_actor(actor, function)
    refuse_use_after_free(state, function, check)
    _must_hold_lock(
        state,
        actor,
        function,
        check,
        "only the folio lock stops a concurrent lookup-and-lock from using ->mapping while it changes.",
    )
    if not state.in_xarray:
        already = "was already removed" if state.removed else "was never added"
        raise IllegalTransitionError(
            f"the folio {already}: {not_cached}",
            check="NULL pointer dereference (folio->mapping is NULL)",
            function=function,
        )
    return actor


def page_cache_delete(state: PageCacheFolio, actor: str = TRUNCATE) -> PageCacheFolio:
    """``page_cache_delete()`` (``mm/filemap.c``): out of the XArray, ``->mapping`` = NULL, ``->index`` kept.

    Called from ``__filemap_remove_folio()`` (after ``filemap_unaccount_folio()``, which asserts
    the folio is no longer mapped). The folio must be locked:
    ``VM_BUG_ON_FOLIO(!folio_test_locked(folio), folio)``. Truncation's first pass does the same
    for a whole batch in ``page_cache_delete_batch()`` (there the check is a
    ``WARN_ON_ONCE``). The page cache's references are **not** dropped here: that is
    :func:`filemap_free_folio`, a moment later. From here on the folio is in the window (R9).
    """
    function = "page_cache_delete"
    actor = _check_removal(
        state,
        actor,
        function,
        "VM_BUG_ON_FOLIO(!folio_test_locked(folio), folio) in page_cache_delete()",
        "it is not in the page cache, and its ->mapping is NULL, so __filemap_remove_folio() would work "
        "on a NULL address_space (a NULL-pointer oops).",
    )
    if state.mapcount:
        raise IllegalTransitionError(
            f"the folio is still mapped by {state.mapcount} page-table entr"
            f"{'y' if state.mapcount == 1 else 'ies'}; truncation unmaps it first "
            "(truncate_cleanup_folio()).",
            check="VM_BUG_ON_FOLIO(folio_mapped(folio), folio) in filemap_unaccount_folio()",
            function=function,
        )
    return replace(state, mapping=0, in_xarray=False, removed=True)


def filemap_free_folio(state: PageCacheFolio) -> PageCacheFolio:
    """``filemap_free_folio()`` (``mm/filemap.c``): drop the page cache's references after removal.

    It calls ``a_ops->free_folio`` if the filesystem has one, then ``folio_put_refs(folio, refs)``
    with ``refs = folio_nr_pages()`` for a large folio and 1 otherwise: all of the page cache's
    references at once (B4). In v6.1.4 a large **hugetlb** folio dropped 1 (it held only 1);
    in v6.12.8 the hugetlb exception is gone. Whoever removed the folio still holds its own
    reference, so this put is normally not the last.
    """
    function = "filemap_free_folio"
    refuse_use_after_free(state, function)
    if state.in_xarray:
        raise IllegalTransitionError(
            "the folio is still in the page cache: dropping the cache's references now would leave "
            "the XArray pointing to a folio that can be freed. filemap_free_folio() runs only after "
            "page_cache_delete() has taken the folio out.",
            check="",
            function=function,
        )
    if not state.refs_of(PAGE_CACHE):
        why = "were already dropped" if state.removed else "do not exist: it was never added"
        raise IllegalTransitionError(
            f"the page cache's references to this folio {why}. folio_ref_sub_and_test() does not "
            "check: the count would drop below what its holders hold.",
            check="",
            function=function,
        )
    return put_references(state, PAGE_CACHE, state.refs_of(PAGE_CACHE), function, "")


def filemap_remove_folio(state: PageCacheFolio, actor: str = TRUNCATE) -> PageCacheFolio:
    """``filemap_remove_folio()`` (``mm/filemap.c``): remove from the page cache and drop its references.

    "Must be called only on folios that are locked and have been verified to be in the page
    cache": ``BUG_ON(!folio_test_locked(folio))``. It runs ``__filemap_remove_folio()`` (see
    :func:`page_cache_delete`) and then :func:`filemap_free_folio`, so the count drops by
    ``folio_nr_pages()`` and ``->mapping`` becomes NULL in one call. Truncation's second pass
    reaches it through ``truncate_inode_folio()``; its first pass uses the batch form
    (``delete_from_page_cache_batch()``), shown as two steps in :func:`truncation_scenario`.
    """
    function = "filemap_remove_folio"
    actor = _check_removal(
        state,
        actor,
        function,
        "BUG_ON(!folio_test_locked(folio)) in filemap_remove_folio()",
        "its ->mapping is NULL, and filemap_remove_folio() starts by locking folio->mapping->host "
        "(a NULL-pointer oops).",
    )
    try:
        return filemap_free_folio(page_cache_delete(state, actor))
    except IllegalTransitionError as err:
        raise IllegalTransitionError(str(err), check=err.check, function=function) from err


def folio_batch_release(state: PageCacheFolio) -> PageCacheFolio:
    """``folio_batch_release()`` (``include/linux/pagevec.h`` in v6.1.4): truncation drops its reference.

    At the end of each batch ``truncate_inode_pages_range()`` unlocks the folios and releases
    the batch's references (``release_pages()``). If the looker-up has already put its
    reference, this is the last one and frees the folio.
    """
    function = "folio_batch_release"
    if not state.freed and not state.refs_of(TRUNCATE):
        raise IllegalTransitionError(
            "truncation holds no reference to release: it takes one in find_lock_entries() (or "
            "find_get_entries()) and releases it here, at the end of the batch.",
            check="",
            function=function,
        )
    return put_references(
        state,
        TRUNCATE,
        1,
        function,
        "VM_BUG_ON_PAGE(page_ref_count(page) == 0, page) (release_pages() puts each folio)",
    )
