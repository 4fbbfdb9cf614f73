"""The page-cache transitions of a folio's life: allocation, adding, lookup, the folio lock, references and
mapping into a page table. Each is a pure ``op(state, ...) -> new_state`` named after the kernel function it
mirrors (read in the era's pinned release: ``v6.1.4`` for the email's era, re-read in v6.12.8); removal is in
:mod:`.truncation`. See :mod:`folioviz.kernel.pagecache` for the model as a whole.
"""

from __future__ import annotations

from dataclasses import replace

from ..errors import FolioVizError, IllegalTransitionError
from ..mapping import format_word, parse_word
from .checks import (
    add_holder,
    check_actor,
    drop_holder,
    put_references,
    refuse_if_blocked,
    refuse_lookup_of_freed,
    refuse_use_after_free,
)
from .state import (
    DEFAULT_ADDRESS_SPACE,
    PAGE_CACHE,
    PAGE_TABLES,
    READAHEAD,
    PageCacheFolio,
    check_nr_pages,
)

__all__ = [
    "do_set_pte",
    "filemap_add_folio",
    "filemap_alloc_folio",
    "filemap_get_folio",
    "filemap_lock_folio",
    "folio_get",
    "folio_lock",
    "folio_put",
    "folio_put_refs",
    "folio_try_get",
    "folio_unlock",
]


# --------------------------------------------------------------------------- allocation and adding


def filemap_alloc_folio(nr_pages: int = 1, *, actor: str = READAHEAD) -> PageCacheFolio:
    """``filemap_alloc_folio()`` (``mm/filemap.c``): a new folio of ``nr_pages`` pages, count 1.

    The page allocator hands the folio out with one reference, held by whoever allocated it
    (here ``actor``). It is unlocked, in no page cache, and its ``->mapping`` is NULL.

    :param nr_pages: ``folio_nr_pages()``: a power of two, 1 to :data:`MAX_NR_PAGES`
    :raises FolioVizError: for an ``nr_pages`` that is not a power of two in that range
    """
    check_nr_pages(nr_pages)
    actor = check_actor(actor, "filemap_alloc_folio")
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
    actor = check_actor(actor, function)
    refuse_use_after_free(state, function)
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
        holders=add_holder(state.holders, PAGE_CACHE, state.nr_pages),
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
    actor = check_actor(actor, "folio_try_get")
    if state.refcount == 0:
        return None
    return replace(state, refcount=state.refcount + 1, holders=add_holder(state.holders, actor, 1))


def folio_get(state: PageCacheFolio, actor: str) -> PageCacheFolio:
    """``folio_get()`` (``include/linux/mm.h``): +1 on a folio the caller knows is alive.

    The caller must already be sure the count cannot be 0, for example because a page-table
    entry it holds the lock of maps the folio: ``wp_page_shared()`` takes its reference this way
    before calling ``do_page_mkwrite()`` (``folio_get()`` in v6.12.8, ``get_page()`` in v6.1.4).
    On a freed folio it trips ``VM_BUG_ON_FOLIO(folio_ref_zero_or_close_to_overflow(folio), folio)``.
    """
    function = "folio_get"
    actor = check_actor(actor, function)
    refuse_use_after_free(
        state, function, "VM_BUG_ON_FOLIO(folio_ref_zero_or_close_to_overflow(folio), folio) in folio_get()"
    )
    return replace(state, refcount=state.refcount + 1, holders=add_holder(state.holders, actor, 1))


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
    actor = check_actor(actor, function)
    refuse_lookup_of_freed(state, function, actor)
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
    actor = check_actor(actor, function)
    refuse_lookup_of_freed(state, function, actor)
    if not state.in_xarray:
        return state
    refuse_if_blocked(state, actor, function)
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
    actor = check_actor(actor, function)
    refuse_use_after_free(state, function)
    if not state.refs_of(actor):
        raise IllegalTransitionError(
            f"{actor} holds no reference to this folio. Without one, the folio could be freed and "
            f"reused while {actor} waits for its lock; the kernel always takes a reference first "
            "(filemap_get_folio(), find_get_entries(), the fault path).",
            check="",
            function=function,
        )
    refuse_if_blocked(state, actor, function)
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
        actor = check_actor(actor, function)
    refuse_use_after_free(state, function, check)
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
    actor = check_actor(actor, function)
    return put_references(
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
    actor = check_actor(actor, function)
    if isinstance(refs, bool) or not isinstance(refs, int) or refs < 1:
        raise FolioVizError(f"folio_put_refs() drops a number of references >= 1, not {refs!r}")
    return put_references(state, actor, refs, function, "")


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
    actor = check_actor(actor, function)
    refuse_use_after_free(state, function)
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
    holders = add_holder(drop_holder(state.holders, actor, 1), PAGE_TABLES, 1)
    return replace(state, holders=holders, mapcount=state.mapcount + 1)
