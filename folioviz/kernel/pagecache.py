"""A page-cache folio's life: its references, its lock and ``->mapping`` (rules R8, R9, B4).

The email's point (R8): removing a folio from the page cache sets ``folio->mapping`` to NULL, and
this usually happens while other people still hold references to the folio. Lookup takes a
reference, removal drops the page cache's reference(s), and whoever puts the last reference,
later, frees it. So a thread that still holds a reference, such as ``do_page_mkwrite()`` on the
write-fault path, can lock the folio and find ``->mapping`` NULL (R9). The page cache holds
``folio_nr_pages()`` references, not one, and truncation holds its own reference and the folio
lock while it clears ``->mapping`` (B4).

This module models one folio as an immutable :class:`PageCacheFolio` and each kernel operation as
a pure transition ``op(state, ...) -> new_state``, named after the kernel function it mirrors.
A step the kernel would not allow raises :class:`~folioviz.kernel.errors.IllegalTransitionError`
whose ``check`` names the kernel's debug check (empty when no check in the kernel would notice)
and whose ``function`` names the kernel function.

Every reference has a named holder (``"page cache"``, ``"page tables"``, ``"truncate"``,
``"thread A"`` ...), and the holders always add up to the reference count. The kernel keeps no
such list: a reference count has no owners. The model keeps one so that a learner can see whose
reference is whose, and so that a put by someone who holds nothing (which in the kernel would
silently steal another holder's reference) is caught.

The transitions follow the kernel's logic, read in the era's pinned release (``v6.1.4`` for the
email's era, v6.0 - v6.16) and re-read in v6.12.8; each docstring says where they differ.
What the model leaves out: the XArray itself (one folio, one slot), ``mapping->nrpages``,
writeback, dirty and private data, shadow entries, RCU and the lock's wait queue. Lookups and
locks run one after another: a lock that is held by someone else is a blocking wait, which a
step-by-step scenario reports as an error naming the holder.

The scenarios built from these transitions (:mod:`.pagecache_scenarios`), their captions
(:mod:`.pagecache_captions`) and the learner's composer (:mod:`.pagecache_composer`) live next to this
module; their names are importable from here too.

>>> from folioviz.kernel.pagecache_scenarios import email_scenario
>>> s = email_scenario()
>>> [step.state.refcount for step in s]
[1, 2, 1, 1, 0]
>>> [is_the_window(step.state) for step in s]
[False, False, True, True, False]
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from .errors import FolioVizError, IllegalTransitionError
from .mapping import format_word, parse_word
from .pagecache_state import (
    _RESERVED,
    DEFAULT_ADDRESS_SPACE,
    MAX_NR_PAGES,
    PAGE_CACHE,
    PAGE_TABLES,
    READAHEAD,
    TRUNCATE,
    Holders,
    PageCacheFolio,
    _check_nr_pages,
    is_the_window,
    window_steps,
)

__all__ = [  # noqa: F822 (the scenarios' and composer's names are re-exported by __getattr__)
    "COMPOSER_ALIASES",
    "COMPOSER_OPS",
    "DEFAULT_ADDRESS_SPACE",
    "MAX_NR_PAGES",
    "PAGECACHE_SCENARIOS",
    "PAGE_CACHE",
    "PAGE_TABLES",
    "READAHEAD",
    "TRUNCATE",
    "CompositionError",
    "PageCacheFolio",
    "compose_scenario",
    "do_set_pte",
    "early_put_scenario",
    "email_scenario",
    "filemap_add_folio",
    "filemap_alloc_folio",
    "filemap_free_folio",
    "filemap_get_folio",
    "filemap_lock_folio",
    "filemap_remove_folio",
    "find_get_entries",
    "find_lock_entries",
    "folio_batch_release",
    "folio_get",
    "folio_lock",
    "folio_put",
    "folio_put_refs",
    "folio_try_get",
    "folio_unlock",
    "is_the_window",
    "large_folio_scenario",
    "page_cache_delete",
    "truncate_cleanup_folio",
    "truncation_scenario",
    "window_steps",
]

# --------------------------------------------------------------------------- helpers


def _add(holders: Holders, name: str, count: int) -> Holders:
    if any(holder == name for holder, _ in holders):
        return tuple((holder, held + count if holder == name else held) for holder, held in holders)
    return (*holders, (name, count))


def _drop(holders: Holders, name: str, count: int) -> Holders:
    result = []
    for holder, held in holders:
        if holder == name:
            held -= count
        if held:
            result.append((holder, held))
    return tuple(result)


def _check_actor(actor: object, function: str) -> str:
    if not isinstance(actor, str) or not actor.strip():
        raise FolioVizError(f"{function}() needs an actor: a non-empty name such as 'thread A', not {actor!r}")
    actor = actor.strip()
    if actor in _RESERVED:
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


def _lookup_freed(state: PageCacheFolio, function: str, who: str) -> None:
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


def _freed_error(state: PageCacheFolio, function: str, check: str = "", extra: str = "") -> None:
    if state.freed:
        raise IllegalTransitionError(
            f"the folio was freed when its count reached 0 (__folio_put() gave it back to the page "
            f"allocator, which may already have reused it); {function}() on it is a use-after-free. "
            f"Nothing may touch a freed folio.{(' ' + extra) if extra else ''}",
            check=check,
            function=function,
        )


def _blocked(state: PageCacheFolio, actor: str, function: str) -> None:
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


def _put(state: PageCacheFolio, holder: str, refs: int, function: str, check_zero: str) -> PageCacheFolio:
    """Drop ``refs`` references held by ``holder``; free the folio if that was the last."""
    _freed_error(state, function, check_zero)
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
    return replace(state, refcount=remaining, holders=_drop(state.holders, holder, refs))


# --------------------------------------------------------------------------- allocation and adding


def filemap_alloc_folio(nr_pages: int = 1, *, actor: str = READAHEAD) -> PageCacheFolio:
    """``filemap_alloc_folio()`` (``mm/filemap.c``): a new folio of ``nr_pages`` pages, count 1.

    The page allocator hands the folio out with one reference, held by whoever allocated it
    (here ``actor``). It is unlocked, in no page cache, and its ``->mapping`` is NULL.

    :param nr_pages: ``folio_nr_pages()``: a power of two, 1 to :data:`MAX_NR_PAGES`
    :raises FolioVizError: for an ``nr_pages`` that is not a power of two in that range
    """
    _check_nr_pages(nr_pages)
    actor = _check_actor(actor, "filemap_alloc_folio")
    return PageCacheFolio(refcount=1, nr_pages=nr_pages, holders=((actor, 1),))


def filemap_add_folio(
    state: PageCacheFolio,
    actor: str = READAHEAD,
    *,
    mapping: int | str = DEFAULT_ADDRESS_SPACE,
    index: int = 0,
) -> PageCacheFolio:
    """``filemap_add_folio()`` / ``__filemap_add_folio()`` (``mm/filemap.c``, v6.1.4): into the page cache.

    ``filemap_add_folio()`` sets the folio lock itself (non-atomically, with
    ``__folio_set_locked()``, since nobody else can see the folio yet), and
    ``__filemap_add_folio()`` asserts it is locked. Then it adds ``nr = folio_nr_pages()``
    references for the page cache (``folio_ref_add(folio, nr)``), sets ``->mapping`` and
    ``->index`` and stores the folio in the XArray. The adder keeps its own reference and the
    lock (B4). On success the folio is returned locked: it stays locked until its read completes.

    Differences: in v6.1.4 a **hugetlb** folio got a single reference and a single XArray entry;
    from about v6.7 (Sidhartha Kumar's "mm/filemap: remove hugetlb special casing in filemap.c";
    verified in v6.12.8) every folio gets ``nr``. This model follows the ``nr`` rule, which holds for
    every non-hugetlb folio across the whole era.

    :param actor: the adder, who must hold a reference (normally the allocator's)
    :param mapping: the ``struct address_space`` address; non-NULL, with both tag bits clear (R4)
    :param index: ``folio->index``, a multiple of ``nr_pages``
    """
    function = "filemap_add_folio"
    actor = _check_actor(actor, function)
    _freed_error(state, function)
    word = parse_word(mapping)
    if word == 0 or word & 0x3:
        raise FolioVizError(
            f"a page-cache folio's ->mapping points to a struct address_space: non-NULL with both tag "
            f"bits clear (R4), not {format_word(word)}"
        )
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < 1 << 64:
        raise FolioVizError(f"index must be a page offset (a whole number >= 0), not {index!r}")
    if state.in_xarray:
        raise IllegalTransitionError(
            "the folio is already in the page cache; __filemap_add_folio() would find the XArray slot "
            "taken and fail with -EEXIST.",
            check="",
            function=function,
        )
    if state.removed:
        raise IllegalTransitionError(
            "this folio was removed from the page cache (truncated); it is not added back: its holders "
            "drop their references and it is freed. A new read allocates a new folio.",
            check="",
            function=function,
        )
    if state.locked_by is not None and state.locked_by != actor:
        raise IllegalTransitionError(
            f"{state.locked_by} holds the lock of a folio that {actor} is adding. A folio being added is "
            "private to its adder: filemap_add_folio() sets the lock bit non-atomically because "
            "nobody else can see the folio yet.",
            check="",
            function=function,
        )
    if not state.refs_of(actor):
        raise IllegalTransitionError(
            f"{actor} holds no reference to this folio; the adder is whoever allocated it and holds "
            f"its reference ({state.holders_text}).",
            check="",
            function=function,
        )
    if index & (state.nr_pages - 1):
        raise IllegalTransitionError(
            f"index {index} is not a multiple of the folio's {state.nr_pages} pages: a large folio "
            "sits at an index aligned to its size.",
            check="VM_BUG_ON_FOLIO(index & (folio_nr_pages(folio) - 1), folio) in __filemap_add_folio()",
            function=function,
        )
    return replace(
        state,
        refcount=state.refcount + state.nr_pages,
        holders=_add(state.holders, PAGE_CACHE, state.nr_pages),
        locked_by=actor,
        mapping=word,
        index=index,
        in_xarray=True,
    )


# --------------------------------------------------------------------------- taking references


def folio_try_get(state: PageCacheFolio, actor: str) -> PageCacheFolio | None:
    """``folio_try_get()`` (``include/linux/page_ref.h``): +1 unless the count is 0.

    Returns the new state, or ``None`` when the count is 0: the folio has been freed (or is
    being freed), and ``folio_ref_add_unless(folio, 1, 0)`` refuses it. This is the one call
    that is safe on a freed folio, and the reason a lookup under RCU never resurrects one: the
    ``struct folio`` outlives the folio's use, so the lookup can try, fail, and look again.

    In v6.1.4 the page-cache lookup calls the variant ``folio_try_get_rcu()``, which behaves
    the same on SMP kernels; it was removed around v6.10 and lookups call ``folio_try_get()``.
    """
    actor = _check_actor(actor, "folio_try_get")
    if state.refcount == 0:
        return None
    return replace(state, refcount=state.refcount + 1, holders=_add(state.holders, actor, 1))


def folio_get(state: PageCacheFolio, actor: str) -> PageCacheFolio:
    """``folio_get()`` (``include/linux/mm.h``): +1 on a folio the caller knows is alive.

    The caller must already be sure the count cannot be 0, for example because a page-table
    entry it holds the lock of maps the folio: ``wp_page_shared()`` takes its reference this way
    before calling ``do_page_mkwrite()`` (``folio_get()`` in v6.12.8, ``get_page()`` in v6.1.4).
    On a freed folio it trips ``VM_BUG_ON_FOLIO(folio_ref_zero_or_close_to_overflow(folio), folio)``.
    """
    function = "folio_get"
    actor = _check_actor(actor, function)
    _freed_error(state, function, "VM_BUG_ON_FOLIO(folio_ref_zero_or_close_to_overflow(folio), folio) in folio_get()")
    return replace(state, refcount=state.refcount + 1, holders=_add(state.holders, actor, 1))


def filemap_get_folio(state: PageCacheFolio, actor: str) -> PageCacheFolio:
    """``filemap_get_folio()`` -> ``__filemap_get_folio()`` (``mm/filemap.c``): look up and take a reference.

    The lookup loads the folio from the XArray slot and takes a reference with
    ``folio_try_get_rcu()`` (v6.1.4; ``folio_try_get()`` from about v6.10). If that fails
    because the count is 0, the folio is being freed: the lookup goes back to the XArray and
    tries again, and once the slot is empty it finds nothing.

    * Folio in the page cache: ``actor`` gets a reference (+1).
    * Folio removed but still alive (the window): the slot no longer points to it, so the
      lookup finds nothing and the state is unchanged. The caller gets NULL in v6.1.4 and
      ``ERR_PTR(-ENOENT)`` in v6.12.8.
      Since Linux kernel commit 66dabbb65d67 ("mm: return an ERR_PTR from __filemap_get_folio") (in v6.4):
      a release inferred [I] from the commit's date (data/commits.toml), bounded by those two trees.
    * Folio freed: raises; the freed folio is out of the model (a real lookup would find the
      slot empty, or fail ``folio_try_get()`` on count 0 and retry, and return nothing).
    """
    function = "filemap_get_folio"
    actor = _check_actor(actor, function)
    _lookup_freed(state, function, actor)
    if not state.in_xarray:
        return state
    got = folio_try_get(state, actor)
    assert got is not None  # a folio in the cache holds the cache's references
    return got


def filemap_lock_folio(state: PageCacheFolio, actor: str) -> PageCacheFolio:
    """``filemap_lock_folio()`` (``include/linux/pagemap.h``): look up, take a reference, lock.

    It is ``__filemap_get_folio(mapping, index, FGP_LOCK, 0)``: the lookup of
    :func:`filemap_get_folio`, then ``folio_lock()``, then a check that ``->mapping`` still is
    the file's (a truncation may have won the race while we slept on the lock; if so it unlocks,
    puts and looks again). A lock held by someone else is a wait, reported as an error here.
    """
    function = "filemap_lock_folio"
    actor = _check_actor(actor, function)
    _lookup_freed(state, function, actor)
    if not state.in_xarray:
        return state
    _blocked(state, actor, function)
    got = filemap_get_folio(state, actor)
    return replace(got, locked_by=actor)


# --------------------------------------------------------------------------- the folio lock


def folio_lock(state: PageCacheFolio, actor: str) -> PageCacheFolio:
    """``folio_lock()`` (``include/linux/pagemap.h``): take ``PG_locked``, sleeping while someone else has it.

    The caller must hold a reference, or the folio could be freed and reused while it sleeps
    (no debug check catches this; every kernel path takes a reference first). If someone else
    holds the lock, the caller sleeps until they unlock; a step-by-step scenario reports that as
    an error naming the holder. The lock is not recursive.
    """
    function = "folio_lock"
    actor = _check_actor(actor, function)
    _freed_error(state, function)
    if not state.refs_of(actor):
        raise IllegalTransitionError(
            f"{actor} holds no reference to this folio. Without one, the folio could be freed and "
            f"reused while {actor} waits for its lock; the kernel always takes a reference first "
            "(filemap_get_folio(), find_get_entries(), the fault path).",
            check="",
            function=function,
        )
    _blocked(state, actor, function)
    return replace(state, locked_by=actor)


def folio_unlock(state: PageCacheFolio, actor: str | None = None) -> PageCacheFolio:
    """``folio_unlock()`` (``mm/filemap.c``): clear ``PG_locked`` and wake any waiters.

    Unlocking an unlocked folio trips ``VM_BUG_ON_FOLIO(!folio_test_locked(folio), folio)``.
    The kernel's lock has no owner field, so it cannot tell who unlocks; the model requires the
    holder (``actor``; ``None`` means "whoever holds it"). The unlock need not come from a
    thread that holds a reference: after a read, the I/O completion unlocks a folio whose adder
    has already dropped its reference, and the page cache's reference keeps it alive.
    """
    function = "folio_unlock"
    check = "VM_BUG_ON_FOLIO(!folio_test_locked(folio), folio) in folio_unlock()"
    if actor is not None:
        actor = _check_actor(actor, function)
    _freed_error(state, function, check)
    if state.locked_by is None:
        raise IllegalTransitionError(
            "the folio is not locked; unlocking it would break the lock for whoever takes it next.",
            check=check,
            function=function,
        )
    if actor is not None and actor != state.locked_by:
        raise IllegalTransitionError(
            f"{state.locked_by} holds the folio lock, not {actor}. The kernel records no lock owner, "
            f"so nothing would catch this, but {state.locked_by} would then run unprotected.",
            check="",
            function=function,
        )
    return replace(state, locked_by=None)


# --------------------------------------------------------------------------- dropping references


def folio_put(state: PageCacheFolio, actor: str) -> PageCacheFolio:
    """``folio_put()`` (``include/linux/mm.h``): drop one of ``actor``'s references; free at zero.

    ``folio_put_testzero()`` decrements the count and, if it reached 0, ``__folio_put()`` frees
    the folio. A put on a count that is already 0 trips
    ``VM_BUG_ON_PAGE(page_ref_count(page) == 0, page)`` in ``put_page_testzero()``, which
    ``folio_put_testzero()`` calls (v6.1.4 and v6.12.8 alike).
    """
    function = "folio_put"
    actor = _check_actor(actor, function)
    return _put(
        state,
        actor,
        1,
        function,
        "VM_BUG_ON_PAGE(page_ref_count(page) == 0, page) in put_page_testzero(), via folio_put_testzero()",
    )


def folio_put_refs(state: PageCacheFolio, actor: str, refs: int) -> PageCacheFolio:
    """``folio_put_refs()`` (``include/linux/mm.h``): drop ``refs`` of ``actor``'s references at once.

    ``folio_ref_sub_and_test()`` subtracts and frees the folio if the count reached 0. Unlike
    :func:`folio_put` there is no debug check for a count that goes below zero: the model
    refuses a holder dropping more than it holds.
    """
    function = "folio_put_refs"
    actor = _check_actor(actor, function)
    if isinstance(refs, bool) or not isinstance(refs, int) or refs < 1:
        raise FolioVizError(f"folio_put_refs() drops a number of references >= 1, not {refs!r}")
    return _put(state, actor, refs, function, "")


# --------------------------------------------------------------------------- page tables


def do_set_pte(state: PageCacheFolio, actor: str) -> PageCacheFolio:
    """``do_set_pte()`` via ``finish_fault()`` (``mm/memory.c``, v6.1.4): map one page into a page table.

    A read fault on a file mapping looks the folio up (``filemap_fault()`` returns it locked with
    a reference); ``finish_fault()`` installs the PTE, and the fault's reference becomes the page
    table's: ``actor``'s reference moves to ``"page tables"`` and the map count goes up by one.
    ``filemap_fault()`` re-checks ``->mapping`` under the folio lock, so a truncated folio is never
    mapped. In v6.12.8 and later the function is ``set_pte_range()``, which can map several pages
    of a large folio at once (the rename came with the page-table range API, about v6.6).
    """
    function = "do_set_pte"
    actor = _check_actor(actor, function)
    _freed_error(state, function)
    if not state.in_xarray:
        raise IllegalTransitionError(
            "the folio is no longer in the page cache. A fault re-checks folio->mapping under the folio "
            "lock (filemap_fault()) and never maps a truncated folio: it retries the lookup, or returns "
            "VM_FAULT_SIGBUS beyond the end of the file.",
            check="",
            function=function,
        )
    if state.locked_by != actor:
        who = f"{state.locked_by} holds it" if state.locked_by else "nobody holds it"
        raise IllegalTransitionError(
            f"{actor} must hold the folio lock while it installs the page-table entry ({who}): "
            "filemap_fault() returns the folio locked (VM_FAULT_LOCKED), and that lock is what stops "
            "truncation from removing the folio between the check and the mapping.",
            check="",
            function=function,
        )
    if not state.refs_of(actor):
        raise IllegalTransitionError(
            f"{actor} holds no reference to give to the page table; the fault's own reference "
            "(from the lookup) is the one the page-table entry keeps.",
            check="",
            function=function,
        )
    holders = _add(_drop(state.holders, actor, 1), PAGE_TABLES, 1)
    return replace(state, holders=holders, mapcount=state.mapcount + 1)


# --------------------------------------------------------------------------- truncation


def _truncation_starts(state: PageCacheFolio, function: str) -> None:
    _lookup_freed(state, function, "truncation")
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
        holders=_add(state.holders, TRUNCATE, 1),
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
    return replace(state, refcount=state.refcount + 1, holders=_add(state.holders, TRUNCATE, 1))


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
    actor = _check_actor(actor, function)
    check = "VM_BUG_ON(!folio_test_locked(folio)) in unmap_mapping_folio()"
    _freed_error(state, function, check)
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
    holders = _drop(state.holders, PAGE_TABLES, state.mapcount)
    return replace(state, refcount=state.refcount - state.mapcount, holders=holders, mapcount=0)


def _check_removal(state: PageCacheFolio, actor: str, function: str, check: str, not_cached: str) -> str:
    """What every removal from the page cache requires: a live folio, locked by the caller, still cached."""
    actor = _check_actor(actor, function)
    _freed_error(state, function, check)
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
    _freed_error(state, function)
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
    return _put(state, PAGE_CACHE, state.refs_of(PAGE_CACHE), function, "")


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
    return _put(
        state,
        TRUNCATE,
        1,
        function,
        "VM_BUG_ON_PAGE(page_ref_count(page) == 0, page) (release_pages() puts each folio)",
    )


# The scenarios, captions and composer live in their own modules and are re-exported from here lazily
# (they import this module, so an eager import at the top would be circular).
_MOVED = {
    **dict.fromkeys(("COMPOSER_ALIASES", "COMPOSER_OPS"), "pagecache_captions"),
    **dict.fromkeys(
        ("PAGECACHE_SCENARIOS", "early_put_scenario", "email_scenario", "large_folio_scenario", "truncation_scenario"),
        "pagecache_scenarios",
    ),
    **dict.fromkeys(("CompositionError", "compose_scenario"), "pagecache_composer"),
}


def __getattr__(name: str) -> Any:
    module = _MOVED.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f"{__package__}.{module}"), name)
