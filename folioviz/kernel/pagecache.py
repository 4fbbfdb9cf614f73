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

>>> s = email_scenario()
>>> [step.state.refcount for step in s]
[1, 2, 1, 1, 0]
>>> [is_the_window(step.state) for step in s]
[False, False, True, True, False]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Literal

from .errors import ContradictoryFolioError, FolioVizError, IllegalTransitionError, UnknownEraError
from .mapping import format_word, parse_word
from .scenario import Scenario, Step
from .sources import source_ref
from .versions import Era, get_era, release_kernel

__all__ = [
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

#: The page cache's references: ``folio_nr_pages()`` of them while the folio is in the cache.
PAGE_CACHE = "page cache"
#: One reference per page-table entry that maps the folio (kept by the PTE, dropped on unmap).
PAGE_TABLES = "page tables"
#: Truncation's temporary reference (``find_lock_entries()``), released by ``folio_batch_release()``.
TRUNCATE = "truncate"
#: The default adder: readahead allocates the folio, adds it, and drops its reference later.
READAHEAD = "readahead"

_RESERVED = (PAGE_CACHE, PAGE_TABLES)

#: An ``address_space`` address for the examples: a kernel pointer with both tag bits clear (R4).
DEFAULT_ADDRESS_SPACE = 0xFFFF888004A3C6E8

#: The largest page-cache folio modelled: PMD size, 512 pages of 4 KiB (order 9) on x86-64, the
#: ``MAX_PAGECACHE_ORDER`` that readahead uses in v6.1.4 (hugetlbfs folios can be larger; they are
#: not modelled).
MAX_NR_PAGES = 512

Holders = tuple[tuple[str, int], ...]


# --------------------------------------------------------------------------- the state


@dataclass(frozen=True, kw_only=True)
class PageCacheFolio:
    """One folio's page-cache state: who holds references, who holds the lock, what ``->mapping`` is.

    :param refcount: ``folio_ref_count()``, the folio's ``_refcount``
    :param nr_pages: ``folio_nr_pages()``: 1, or a power of two for a large folio
    :param holders: who holds each reference, as ``(holder, count)`` pairs in the order they were
        taken; the counts add up to ``refcount`` and each is at least 1
    :param locked_by: who holds the folio lock (``PG_locked``), or ``None``
    :param mapping: ``folio->mapping`` as a number: the ``struct address_space`` address, 0 for NULL
    :param index: ``folio->index``, kept after removal ("truncation relies upon it")
    :param in_xarray: the page cache's XArray (``mapping->i_pages``) points to this folio
    :param removed: ``page_cache_delete()`` has taken it out of the page cache
    :param freed: the count reached 0 and ``__folio_put()`` gave it back to the page allocator
    :param mapcount: ``folio_mapcount()``: page-table entries that map it, each holding a reference

    Construct states with :func:`filemap_alloc_folio` and the transitions; the constructor
    rejects states that no sequence of kernel operations could produce.
    """

    refcount: int
    nr_pages: int = 1
    holders: Holders = ()
    locked_by: str | None = None
    mapping: int = 0
    index: int = 0
    in_xarray: bool = False
    removed: bool = False
    freed: bool = False
    mapcount: int = 0

    def __post_init__(self) -> None:
        _check_nr_pages(self.nr_pages, error=ContradictoryFolioError)
        for name, value in (("refcount", self.refcount), ("index", self.index), ("mapcount", self.mapcount)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ContradictoryFolioError(f"{name} must be a whole number >= 0, not {value!r}")
        seen: set[str] = set()
        for pair in self.holders:
            if not (isinstance(pair, tuple) and len(pair) == 2):
                raise ContradictoryFolioError(f"each holder must be a (name, count) pair, not {pair!r}")
            name, count = pair
            if not isinstance(name, str) or not name.strip():
                raise ContradictoryFolioError(f"a holder's name must be a non-empty string, not {name!r}")
            if isinstance(count, bool) or not isinstance(count, int) or count < 1:
                raise ContradictoryFolioError(f"{name!r} holds {count!r} references; a holder holds at least 1")
            if name in seen:
                raise ContradictoryFolioError(f"{name!r} is listed twice among the holders; list it once")
            seen.add(name)
        total = sum(count for _, count in self.holders)
        if total != self.refcount:
            raise ContradictoryFolioError(
                f"the holders' references add up to {total}, but the refcount is {self.refcount}: "
                "every reference must have a holder"
            )
        if self.freed != (self.refcount == 0):
            raise ContradictoryFolioError(
                "a folio is freed exactly when its count reaches 0"
                + (" (this one is marked freed with references left)" if self.freed else "")
            )
        if self.freed and (self.locked_by is not None or self.in_xarray or self.mapping or self.mapcount):
            raise ContradictoryFolioError("a freed folio is unlocked, unmapped and in no page cache")
        if self.mapping & 0x3:
            raise ContradictoryFolioError(
                f"a page-cache folio's ->mapping has both tag bits clear (R4), not {format_word(self.mapping)}"
            )
        if self.in_xarray != (self.mapping != 0):
            raise ContradictoryFolioError(
                "in this model ->mapping is set exactly while the folio is in the page cache's XArray"
            )
        if self.removed and self.in_xarray:
            raise ContradictoryFolioError("a removed folio is no longer in the XArray")
        if self.in_xarray and self.refs_of(PAGE_CACHE) != self.nr_pages:
            raise ContradictoryFolioError(
                f"while in the page cache, the cache holds folio_nr_pages() = {self.nr_pages} references, "
                f"not {self.refs_of(PAGE_CACHE)} (B4)"
            )
        if self.refs_of(PAGE_CACHE) and not (self.in_xarray or self.removed):
            raise ContradictoryFolioError("the page cache holds references only to folios it has had")
        if self.refs_of(PAGE_TABLES) != self.mapcount:
            raise ContradictoryFolioError(
                f"each page-table mapping holds one reference: mapcount {self.mapcount}, "
                f"but the page tables hold {self.refs_of(PAGE_TABLES)}"
            )
        if self.mapcount and not self.in_xarray:
            raise ContradictoryFolioError("only a folio in the page cache can be mapped from it")
        if self.locked_by is not None and (not isinstance(self.locked_by, str) or not self.locked_by.strip()):
            raise ContradictoryFolioError(f"the lock holder must be a non-empty name, not {self.locked_by!r}")

    # ---- kernel-named readings

    @property
    def folio_ref_count(self) -> int:
        """``folio_ref_count(folio)``."""
        return self.refcount

    @property
    def folio_nr_pages(self) -> int:
        """``folio_nr_pages(folio)``."""
        return self.nr_pages

    @property
    def folio_test_locked(self) -> bool:
        """``folio_test_locked(folio)``: is ``PG_locked`` set?"""
        return self.locked_by is not None

    @property
    def folio_mapped(self) -> bool:
        """``folio_mapped(folio)``: does any page table map it?"""
        return self.mapcount > 0

    # ---- for views

    def refs_of(self, holder: str) -> int:
        """How many references ``holder`` holds (0 if none)."""
        for name, count in self.holders:
            if name == holder:
                return count
        return 0

    @property
    def holder_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.holders)

    @property
    def mapping_text(self) -> str:
        """``folio->mapping`` as the kernel would print it: ``NULL`` or a zero-padded hex pointer."""
        return format_word(self.mapping) if self.mapping else "NULL"

    @property
    def holders_text(self) -> str:
        """``page cache 1 + thread A 1``, or ``nobody`` for a freed folio."""
        return " + ".join(f"{name} {count}" for name, count in self.holders) or "nobody"

    @property
    def where(self) -> str:
        """Where the folio is: in the page cache, removed from it, never added, or freed."""
        if self.freed:
            return "freed"
        if self.in_xarray:
            return "in page cache"
        if self.removed:
            return "removed from page cache"
        return "not in page cache"

    @property
    def in_window(self) -> bool:
        """See :func:`is_the_window`."""
        return is_the_window(self)

    def describe(self) -> str:
        """One line: ``ref 3 (page cache 1 + thread A 1 + truncate 1) · mapping NULL · ...``."""
        lock = f"locked by {self.locked_by}" if self.locked_by else "unlocked"
        parts = [
            f"ref {self.refcount} ({self.holders_text})",
            f"mapping {self.mapping_text}",
            f"index {self.index}",
            lock,
            self.where,
        ]
        if self.nr_pages > 1:
            parts.insert(1, f"{self.nr_pages} pages")
        if self.mapcount:
            parts.append(f"mapped {self.mapcount}x")
        return " · ".join(parts)


def is_the_window(state: PageCacheFolio) -> bool:
    """True in "the window" of R9: removed from the page cache, ``->mapping`` NULL, count still > 0.

    In this window whoever still holds a reference can lock the folio and find ``->mapping`` NULL;
    a write fault's ``do_page_mkwrite()`` does exactly that, unlocks and returns 0 so the fault is
    retried (R9). A folio that was never added also has a NULL mapping, but it is not "truncated",
    so it does not count.
    """
    return state.removed and state.mapping == 0 and state.refcount > 0


def window_steps(scenario: Scenario[PageCacheFolio]) -> tuple[bool, ...]:
    """For each step of a page-cache scenario: is its state in the window? (see :func:`is_the_window`)"""
    return tuple(is_the_window(step.state) for step in scenario)


# --------------------------------------------------------------------------- helpers


def _check_nr_pages(nr_pages: object, *, error: type[FolioVizError] = FolioVizError) -> int:
    if isinstance(nr_pages, bool) or not isinstance(nr_pages, int):
        raise error(f"nr_pages must be a whole number (1, 2, 4, ... {MAX_NR_PAGES}), not {nr_pages!r}")
    if nr_pages < 1 or nr_pages & (nr_pages - 1):
        raise error(
            f"nr_pages must be a power of two >= 1 (a folio is 2**order pages: 1, 2, 4, 8, ... "
            f"{MAX_NR_PAGES}), not {nr_pages}"
        )
    if nr_pages > MAX_NR_PAGES:
        raise error(
            f"nr_pages {nr_pages} is larger than the largest page-cache folio modelled: "
            f"{MAX_NR_PAGES} pages (PMD size, order 9, on x86-64 with 4 KiB pages)"
        )
    return nr_pages


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
            "finds the empty slot. The lookup returns nothing (NULL in v6.1.4, ERR_PTR(-ENOENT) from "
            f"v6.4) and takes no reference. The story of this folio ended at its free; nothing may "
            "touch it any more.",
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
      lookup finds nothing and the state is unchanged. The caller gets NULL in v6.1.4
      (``ERR_PTR(-ENOENT)`` from v6.4, commit ``66dabbb65d67``).
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


# --------------------------------------------------------------------------- scenarios


Op = Callable[..., PageCacheFolio]


@dataclass(frozen=True)
class _OpSpec:
    func: Op
    actor: Literal["required", "optional", "none"]
    default_actor: str | None
    rule: str
    caption: Callable[[PageCacheFolio, PageCacheFolio, str | None, Era], str]


def _era_name(name: str, era: Era) -> str:
    """The name the era's pinned release gives a function the model calls by its later name.

    ``do_set_pte()`` became ``set_pte_range()``, ``folio_try_get_rcu()`` folded into ``folio_try_get()``:
    ``data/kernels.toml`` (``kernel_names``) says which release spells which, with the evidence.
    """
    return release_kernel(era.release).kernel_name(name)


def _refs(n: int) -> str:
    return f"{n} reference{'s' if n != 1 else ''}"


def _cache_refs(n: int) -> str:
    """``the page cache's reference`` for 1, ``the page cache's 4 references`` for 4."""
    return "the page cache's reference" if n == 1 else f"the page cache's {n} references"


def _who(actor: str | None) -> str:
    return "truncation" if actor == TRUNCATE else str(actor)


def _sentence(text: str) -> str:
    """Capitalise a caption, unless it starts with a kernel identifier such as ``filemap_free_folio()``."""
    first = text.split(" ", 1)[0]
    if "_" in first or "(" in first:
        return text
    return text[:1].upper() + text[1:]


def _cap_add(b: PageCacheFolio, a: PageCacheFolio, actor: str | None, era: Era) -> str:
    return (
        f"{_who(actor)} adds the folio to the page cache: filemap_add_folio() locks it, sets ->mapping and "
        f"->index, and the cache takes folio_nr_pages() = {_refs(a.nr_pages)}, on top of {_who(actor)}'s own "
        f"(count {a.refcount})."
    )


def _cap_lookup(b: PageCacheFolio, a: PageCacheFolio, actor: str | None, era: Era) -> str:
    if a == b:
        return (
            f"{_who(actor)} looks the folio up but finds nothing: it is no longer in the page cache, so no "
            "reference is taken (the lookup returns NULL in v6.1.4, ERR_PTR(-ENOENT) from v6.4)."
        )
    return (
        f"{_who(actor)} looks the folio up: {_era_name('folio_try_get', era)}() raises the count to "
        f"{a.refcount}, and "
        f"{_who(actor)}'s reference keeps the folio alive whatever happens next."
    )


def _cap_lock_lookup(b: PageCacheFolio, a: PageCacheFolio, actor: str | None, era: Era) -> str:
    if a == b:
        return _cap_lookup(b, a, actor, era)
    return (
        f"{_who(actor)} looks the folio up and locks it: a reference (count {a.refcount}) and the folio "
        "lock, then a check that ->mapping is still the file's."
    )


def _cap_try_get(b: PageCacheFolio, a: PageCacheFolio, actor: str | None, era: Era) -> str:
    return f"{_who(actor)} takes a reference with folio_get(): count {a.refcount}."


def _cap_lock(b: PageCacheFolio, a: PageCacheFolio, actor: str | None, era: Era) -> str:
    extra = " ->mapping is NULL: the folio was truncated (R9)." if is_the_window(a) else ""
    return f"{_who(actor)} takes the folio lock.{extra}"


def _cap_unlock(b: PageCacheFolio, a: PageCacheFolio, actor: str | None, era: Era) -> str:
    if is_the_window(a):
        return (
            f"{_who(b.locked_by)} unlocks the folio. It is out of the page cache but still referenced: a "
            "holder that locks it now finds ->mapping NULL, as do_page_mkwrite() does (R9)."
        )
    return f"{_who(b.locked_by)} unlocks the folio."


def _cap_put(b: PageCacheFolio, a: PageCacheFolio, actor: str | None, era: Era) -> str:
    if a.freed:
        return (
            f"{_who(actor)} puts its reference: that was the last, the count reaches 0 and __folio_put() "
            "gives the folio back to the page allocator."
        )
    return f"{_who(actor)} puts its reference: count {a.refcount} ({a.holders_text})."


def _cap_put_refs(b: PageCacheFolio, a: PageCacheFolio, actor: str | None, era: Era) -> str:
    tail = "the count reaches 0 and the folio is freed." if a.freed else f"count {a.refcount}."
    return f"{_who(actor)} drops {_refs(b.refcount - a.refcount)} at once with folio_put_refs(): {tail}"


def _cap_map(b: PageCacheFolio, a: PageCacheFolio, actor: str | None, era: Era) -> str:
    return (
        f"A fault by {_who(actor)} maps the folio into a page table: {_who(actor)}'s reference becomes "
        f"the page table's (mapped {a.mapcount}x, count {a.refcount})."
    )


def _cap_find_lock(b: PageCacheFolio, a: PageCacheFolio, actor: str | None, era: Era) -> str:
    if a == b:
        return "Truncation finds nothing at this index: the folio is no longer in the page cache."
    return (
        f"Truncation finds the folio, takes its own reference (count {a.refcount}) and trylocks it "
        "(find_lock_entries())."
    )


def _cap_find_get(b: PageCacheFolio, a: PageCacheFolio, actor: str | None, era: Era) -> str:
    if a == b:
        return "Truncation finds nothing at this index: the folio is no longer in the page cache."
    return f"Truncation's second pass takes a reference without locking (count {a.refcount})."


def _cap_cleanup(b: PageCacheFolio, a: PageCacheFolio, actor: str | None, era: Era) -> str:
    if b.mapcount:
        return (
            f"Truncation unmaps the folio from every page table, and the page tables' "
            f"{_refs(b.mapcount)} {'is' if b.mapcount == 1 else 'are'} dropped (count {a.refcount}); "
            "->mapping is still set."
        )
    return (
        "Truncation cleans the folio up under its lock; no page table maps it, so there is nothing to "
        "unmap, and ->mapping is still set."
    )


def _cap_delete(b: PageCacheFolio, a: PageCacheFolio, actor: str | None, era: Era) -> str:
    return (
        f"The folio is deleted from the page cache: its XArray slot is cleared and ->mapping becomes "
        f"NULL, but ->index stays {a.index} and the count is still {a.refcount} (R8)."
    )


def _cap_free(b: PageCacheFolio, a: PageCacheFolio, actor: str | None, era: Era) -> str:
    n = b.refs_of(PAGE_CACHE)
    if a.freed:
        return f"filemap_free_folio() drops {_cache_refs(n)}, the last, so the folio is freed."
    at_once = " at once" if n > 1 else ""
    return (
        f"filemap_free_folio() drops {_cache_refs(n)}{at_once} (folio_put_refs(folio, {n})): "
        f"count {a.refcount}, held by {a.holders_text}, with ->mapping NULL."
    )


def _cap_remove(b: PageCacheFolio, a: PageCacheFolio, actor: str | None, era: Era) -> str:
    n = b.refs_of(PAGE_CACHE)
    tail = "the folio is freed" if a.freed else f"count {a.refcount}"
    return (
        f"{_who(actor)} removes the folio from the page cache: ->mapping becomes NULL and "
        f"{_cache_refs(n)} {'is' if n == 1 else 'are'} dropped ({tail})."
    )


def _cap_release(b: PageCacheFolio, a: PageCacheFolio, actor: str | None, era: Era) -> str:
    if a.freed:
        return (
            "Truncation releases its own reference (folio_batch_release()): that was the last one, "
            "so the folio is freed here, by truncation."
        )
    return (
        f"Truncation releases its own reference (folio_batch_release()): count {a.refcount}, held by {a.holders_text}."
    )


_OPS: dict[str, _OpSpec] = {
    "filemap_add_folio": _OpSpec(filemap_add_folio, "optional", READAHEAD, "B4", _cap_add),
    "filemap_get_folio": _OpSpec(filemap_get_folio, "required", None, "R8", _cap_lookup),
    "filemap_lock_folio": _OpSpec(filemap_lock_folio, "required", None, "R8", _cap_lock_lookup),
    "folio_get": _OpSpec(folio_get, "required", None, "R8", _cap_try_get),
    "folio_lock": _OpSpec(folio_lock, "required", None, "R8", _cap_lock),
    "folio_unlock": _OpSpec(folio_unlock, "optional", None, "R8", _cap_unlock),
    "folio_put": _OpSpec(folio_put, "required", None, "R8", _cap_put),
    "folio_put_refs": _OpSpec(folio_put_refs, "required", None, "B4", _cap_put_refs),
    "do_set_pte": _OpSpec(do_set_pte, "required", None, "B4", _cap_map),
    "find_lock_entries": _OpSpec(find_lock_entries, "none", None, "B4", _cap_find_lock),
    "find_get_entries": _OpSpec(find_get_entries, "none", None, "B4", _cap_find_get),
    "truncate_cleanup_folio": _OpSpec(truncate_cleanup_folio, "optional", TRUNCATE, "B4", _cap_cleanup),
    "page_cache_delete": _OpSpec(page_cache_delete, "optional", TRUNCATE, "R8", _cap_delete),
    "filemap_free_folio": _OpSpec(filemap_free_folio, "none", None, "B4", _cap_free),
    "filemap_remove_folio": _OpSpec(filemap_remove_folio, "optional", TRUNCATE, "R8", _cap_remove),
    "folio_batch_release": _OpSpec(folio_batch_release, "none", None, "B4", _cap_release),
}

#: The operation names :func:`compose_scenario` accepts (the kernel's names).
COMPOSER_OPS: tuple[str, ...] = tuple(_OPS)

#: Short names a learner may type instead of the kernel's.
COMPOSER_ALIASES: dict[str, str] = {
    "add": "filemap_add_folio",
    "lookup": "filemap_get_folio",
    "get": "folio_get",
    "lock": "folio_lock",
    "unlock": "folio_unlock",
    "put": "folio_put",
    "put_refs": "folio_put_refs",
    "map": "do_set_pte",
    "cleanup": "truncate_cleanup_folio",
    "delete": "page_cache_delete",
    "free": "filemap_free_folio",
    "remove": "filemap_remove_folio",
    "release": "folio_batch_release",
}


def _lifecycle_era(era: Era | str | None) -> Era:
    resolved = get_era(era)
    if not resolved.folio_lifecycle:
        raise UnknownEraError(
            f"the page-cache lifecycle is modelled from v6.0 on, where the folio functions it mirrors "
            f"(filemap_add_folio(), filemap_remove_folio(), filemap_free_folio() ...) all exist; "
            f"{resolved.label} ({resolved.release}) used page-based functions. Pick 'email' "
            "(v6.0 - v6.16) or 'latest'."
        )
    return resolved


def _rule_for(op: str, before: PageCacheFolio, after: PageCacheFolio) -> str:
    """R8 for removal and for the put that ends the story, R9 inside the window, else the op's own."""
    if op in ("page_cache_delete", "filemap_remove_folio"):
        return "R8"
    if is_the_window(after):
        return "R9"
    if after.freed:
        return "R8"
    if after.nr_pages > 1 and op in ("filemap_add_folio", "filemap_free_folio"):
        return "B4"
    return _OPS[op].rule


class _Builder:
    """Applies operations one by one and records a :class:`Step` for each."""

    def __init__(self, era: Era, start: PageCacheFolio, function: str, caption: str, rule: str) -> None:
        self.era = era
        self.state = start
        self.steps: list[Step[PageCacheFolio]] = [
            Step(start, function, caption, rule, source_ref(function, era.release))
        ]

    def apply(
        self,
        op: str,
        *args: object,
        caption: str | None = None,
        function: str | None = None,
        rule: str | None = None,
    ) -> PageCacheFolio:
        spec = _OPS[op]
        before = self.state
        after = spec.func(before, *args)
        actor = args[0] if args and isinstance(args[0], str) else spec.default_actor
        if op == "folio_unlock":
            actor = before.locked_by
        shown = function or _era_name(op, self.era)
        self.steps.append(
            Step(
                after,
                shown,
                _sentence(caption or spec.caption(before, after, actor, self.era)),
                rule or _rule_for(op, before, after),
                source_ref(shown, self.era.release),
            )
        )
        self.state = after
        return after

    def scenario(self, name: str, title: str, description: str) -> Scenario[PageCacheFolio]:
        return Scenario(name, title, self.era.id, tuple(self.steps), description)


def _cached_start(nr_pages: int) -> PageCacheFolio:
    """The email's starting point: in the page cache, unlocked, only the cache's references."""
    state = filemap_add_folio(filemap_alloc_folio(nr_pages))
    return folio_unlock(folio_put(state, READAHEAD), READAHEAD)


def _cached_caption(state: PageCacheFolio) -> str:
    return (
        f"Start: the folio was read into the page cache at index {state.index}; its reader has let go, "
        f"so {_cache_refs(state.nr_pages)} {'is' if state.nr_pages == 1 else 'are'} all it has "
        f"(count {state.refcount})."
    )


def email_scenario(era: Era | str | None = None) -> Scenario[PageCacheFolio]:
    """(a) The email's three steps: in cache (1) -> lookup (2) -> remove (1) -> put (0, freed).

    One thread does all three, as in the email's "common case": it looks the folio up with
    ``filemap_lock_folio()`` (a reference and the lock, which removal needs), removes it with
    ``filemap_remove_folio()``, unlocks, and puts its reference, which is the last. Counts:
    1, 2, 1, 1, 0. :func:`truncation_scenario` shows the kernel's own sequence, where the
    looker-up and the remover are different and truncation holds a reference of its own.
    """
    era = _lifecycle_era(era)
    start = _cached_start(1)
    b = _Builder(era, start, "filemap_add_folio", _cached_caption(start), "R8")
    b.apply(
        "filemap_lock_folio",
        "thread A",
        caption="Thread A looks the folio up, which grabs a reference (count 2), and locks it: removal "
        "needs the folio lock.",
    )
    b.apply(
        "filemap_remove_folio",
        "thread A",
        caption="Thread A removes the folio from the page cache: ->mapping becomes NULL and the cache's "
        "reference is dropped (count 1). Only thread A's reference keeps the folio alive now.",
    )
    b.apply("folio_unlock", "thread A")
    b.apply(
        "folio_put",
        "thread A",
        caption="Thread A puts the folio. It was the last reference: the count reaches 0 and the folio is freed.",
    )
    return b.scenario(
        "email",
        "Lookup, remove, put: the email's version",
        "Matthew Wilcox's common case: look the folio up (a reference), remove it from the page cache "
        "(->mapping = NULL, the cache's reference dropped), then put it, which may be the last reference.",
    )


def _full_sequence(b: _Builder, nr_pages: int) -> None:
    n = _cache_refs(nr_pages) + (" remains" if nr_pages == 1 else " remain")
    b.apply(
        "folio_put",
        READAHEAD,
        function="readahead_folio",
        caption=f"Readahead hands the folio to the filesystem's read and drops its own reference "
        f"(readahead_folio() does the put): {n}, and the folio stays locked "
        "while the read runs.",
    )
    b.apply(
        "folio_unlock",
        READAHEAD,
        caption="The read completes and the folio is unlocked: an ordinary cached folio, referenced "
        "only by the page cache.",
    )
    b.apply("filemap_get_folio", "thread A")
    b.apply("find_lock_entries")
    b.apply("truncate_cleanup_folio")
    b.apply(
        "page_cache_delete",
        function="page_cache_delete_batch",
        caption="Truncation deletes the folio from the page cache (delete_from_page_cache_batch(), for "
        f"a whole batch): the XArray slot is cleared and ->mapping becomes NULL, but ->index is kept and "
        f"the count is still {b.state.refcount} (R8).",
    )
    b.apply("filemap_free_folio")
    b.apply(
        "folio_unlock",
        TRUNCATE,
        caption="Truncation unlocks the folio. If thread A now locks it, as do_page_mkwrite() would, it "
        "finds ->mapping NULL and must give up: the folio was truncated (R9).",
    )
    b.apply("folio_batch_release")
    b.apply(
        "folio_put",
        "thread A",
        caption="Thread A puts its reference, the last one: the count reaches 0 and __folio_put() gives "
        "the folio back to the page allocator.",
    )


def truncation_scenario(era: Era | str | None = None) -> Scenario[PageCacheFolio]:
    """(b) The kernel's full sequence, with truncation's own reference and lock (one-page folio).

    ========  ============================  =====  =========  =========
    step      kernel function               count  mapping    lock
    ========  ============================  =====  =========  =========
    0         filemap_add_folio             2      M          readahead
    1         readahead_folio (folio_put)   1      M          readahead
    2         folio_unlock                  1      M          -
    3         filemap_get_folio (thread A)  2      M          -
    4         find_lock_entries             3      M          truncate
    5         truncate_cleanup_folio        3      M          truncate
    6         page_cache_delete_batch       3      NULL       truncate
    7         filemap_free_folio            2      NULL       truncate
    8         folio_unlock                  2      NULL       -
    9         folio_batch_release           1      NULL       -
    10        folio_put (thread A)          0      NULL       - (freed)
    ========  ============================  =====  =========  =========

    Steps 0, 2, 3, 4, 6, 7, 9 and 10 end rows 0, 1, 2, 3a, 3b, 3c, 3d and 4 of the reference
    timeline (2, 1, 2, 3, 3 with mapping NULL, 2, 1, 0). Truncation's first pass in v6.1.4
    (``truncate_inode_pages_range()``) runs ``find_lock_entries()``, ``truncate_cleanup_folio()``,
    ``delete_from_page_cache_batch()`` (which deletes, then calls ``filemap_free_folio()``),
    ``folio_unlock()`` and ``folio_batch_release()``, in that order.
    """
    return _full(era, 1, large=False)


def large_folio_scenario(nr_pages: int = 4, era: Era | str | None = None) -> Scenario[PageCacheFolio]:
    """(c) The same sequence with a large folio: the page cache holds ``nr_pages`` references (B4).

    Counts: N+1, N, N, N+1, N+2, N+2, N+2 (mapping NULL), 2, 2, 1, 0. Removal drops N references
    at once (``folio_put_refs(folio, N)`` in ``filemap_free_folio()``), not 1.

    :param nr_pages: ``folio_nr_pages()``: a power of two from 1 to :data:`MAX_NR_PAGES`
    :raises FolioVizError: when ``nr_pages`` is not such a power of two
    """
    _check_nr_pages(nr_pages)
    return _full(era, nr_pages, large=True)


def _full(era: Era | str | None, nr_pages: int, *, large: bool) -> Scenario[PageCacheFolio]:
    era = _lifecycle_era(era)
    added = filemap_add_folio(filemap_alloc_folio(nr_pages))
    size = "" if nr_pages == 1 else f" of {nr_pages} pages"
    b = _Builder(
        era,
        added,
        "filemap_add_folio",
        f"Readahead adds a new folio{size} to the page cache: filemap_add_folio() locks it, sets ->mapping "
        f"and ->index, and the cache takes folio_nr_pages() = {_refs(nr_pages)} on top of readahead's own "
        f"(count {added.refcount}).",
        "B4",
    )
    _full_sequence(b, nr_pages)
    if not large:
        return b.scenario(
            "truncation",
            "Lookup, truncate, put: the kernel's sequence",
            "Thread A holds a reference while truncation takes its own reference and the lock, clears "
            "->mapping, and drops the page cache's reference. Thread A's final put frees the folio.",
        )
    if nr_pages == 1:
        title = "A one-page folio (compare a large one)"
        description = "With one page the page cache holds 1 reference; raise nr_pages to see it hold more (B4)."
    else:
        title = f"A large folio ({nr_pages} pages) in the page cache"
        description = (
            f"The page cache holds folio_nr_pages() = {nr_pages} references to a large folio, and removal "
            f"drops all {nr_pages} at once (B4)."
        )
    return b.scenario(f"large-folio-{nr_pages}", title, description)


def early_put_scenario(era: Era | str | None = None) -> Scenario[PageCacheFolio]:
    """(d) The looker-up puts before truncation: truncation's own put is the final one.

    Counts: 1 (cached), 2 (lookup), 1 (thread A puts), 2 (find_lock_entries), 2, 2 (mapping NULL),
    1, 1, 0 (``folio_batch_release()`` frees it). The order of the puts does not matter: the
    folio is freed by whichever put is last, and never while the page cache still holds it.
    """
    era = _lifecycle_era(era)
    start = _cached_start(1)
    b = _Builder(era, start, "filemap_add_folio", _cached_caption(start), "R8")
    b.apply("filemap_get_folio", "thread A")
    b.apply(
        "folio_put",
        "thread A",
        caption="Thread A is done and puts its reference before any truncation: the page cache's "
        "reference remains (count 1).",
    )
    b.apply("find_lock_entries")
    b.apply("truncate_cleanup_folio")
    b.apply(
        "page_cache_delete",
        function="page_cache_delete_batch",
        caption="Truncation deletes the folio from the page cache: ->mapping becomes NULL; the count "
        "is still 2 (the cache's reference and truncation's).",
    )
    b.apply("filemap_free_folio")
    b.apply("folio_unlock", TRUNCATE)
    b.apply("folio_batch_release")
    return b.scenario(
        "early-put",
        "The looker-up puts first",
        "When thread A's put comes before the removal, truncation's own reference is the last one, and "
        "truncation frees the folio.",
    )


#: The fixed scenarios by name, each a function of the era (``large-folio`` takes ``nr_pages`` too).
PAGECACHE_SCENARIOS: dict[str, Callable[..., Scenario[PageCacheFolio]]] = {
    "email": email_scenario,
    "truncation": truncation_scenario,
    "large-folio": large_folio_scenario,
    "early-put": early_put_scenario,
}


# --------------------------------------------------------------------------- the composer


class CompositionError(IllegalTransitionError):
    """A learner's operation that the kernel would not allow, with where it happened.

    :ivar step: the 1-based position of the failing operation (the index its step would have had)
    :ivar op: the operation as the learner wrote it
    :ivar partial: the scenario up to the last good state (the view keeps showing it)
    """

    def __init__(
        self,
        message: str,
        *,
        step: int,
        op: str,
        partial: Scenario[PageCacheFolio] | None,
        check: str = "",
        function: str = "",
    ) -> None:
        super().__init__(message, check=check, function=function)
        self.step = step
        self.op = op
        self.partial = partial


OpItem = str | tuple[str] | tuple[str, str] | tuple[str, str, int]


def _op_name(name: str) -> str:
    key = name.strip().lower()
    op = COMPOSER_ALIASES.get(key, key)
    if op not in _OPS:
        raise FolioVizError(
            f"unknown operation {name!r}. Allowed: {', '.join(COMPOSER_OPS)}; or the short names "
            f"{', '.join(COMPOSER_ALIASES)}."
        )
    return op


def _parse_item(item: object) -> tuple[str, str | None, int | None, str]:
    """Return (kernel op name, actor or None, refs or None, the text to show)."""
    refs: object = None
    actor: object = None
    if isinstance(item, str) and item.strip():
        text = " ".join(item.split())
        name, *rest = text.split(" ")
        op = _op_name(name)
        if op == "folio_put_refs" and rest and rest[-1].isdigit():
            refs = int(rest.pop())
        actor = " ".join(rest) or None
    elif isinstance(item, tuple) and 1 <= len(item) <= 3 and isinstance(item[0], str):
        op = _op_name(item[0])
        actor = item[1] if len(item) > 1 else None
        refs = item[2] if len(item) > 2 else None
        if actor is not None and not isinstance(actor, str):
            raise FolioVizError(f"the actor in {item!r} must be a name such as 'thread A'")
        if refs is not None and (isinstance(refs, bool) or not isinstance(refs, int)):
            raise FolioVizError(f"the count in {item!r} must be a whole number")
        text = " ".join(str(part) for part in item)
    else:
        raise FolioVizError(
            f"an operation is a string such as 'folio_put thread A' or a tuple ('folio_put', 'thread A'), not {item!r}"
        )
    assert actor is None or isinstance(actor, str)
    assert refs is None or isinstance(refs, int)
    return op, actor, refs, text


def _args_for(op: str, actor: str | None, refs: int | None) -> tuple[object, ...]:
    spec = _OPS[op]
    if op == "folio_put_refs":
        if actor is None or refs is None:
            raise FolioVizError("folio_put_refs needs an actor and a count, e.g. 'folio_put_refs thread A 2'")
        return (actor, refs)
    if refs is not None:
        raise FolioVizError(f"{op} takes no count; only folio_put_refs does")
    if spec.actor == "none":
        if actor is not None and actor != TRUNCATE:
            raise FolioVizError(
                f"{op} is truncation's own step and takes no actor (its reference is held by "
                f"{TRUNCATE!r}); write just '{op}'"
            )
        return ()
    if actor is None:
        if spec.actor == "required":
            raise FolioVizError(f"{op} needs an actor, e.g. '{op} thread A'")
        return ()
    return (actor,)


def compose_scenario(
    ops: Iterable[OpItem],
    *,
    start: Literal["cached", "allocated"] | PageCacheFolio = "cached",
    nr_pages: int = 1,
    era: Era | str | None = None,
    name: str = "composed",
    title: str = "Your sequence",
) -> Scenario[PageCacheFolio]:
    """Apply a learner's operations in order and return the scenario, or say which step the kernel forbids.

    Each operation is a string ``"<name> [actor] [count]"`` or a tuple ``(name, actor[, count])``.
    Names are the kernel's (:data:`COMPOSER_OPS`) or a short alias (:data:`COMPOSER_ALIASES`):
    ``"filemap_get_folio thread A"``, ``"lookup thread A"``, ``"find_lock_entries"``,
    ``"folio_unlock truncate"``, ``"folio_put_refs thread A 2"``. ``folio_unlock`` without an
    actor unlocks on behalf of whoever holds the lock.

    Step 0 is the starting state: ``"cached"`` (in the page cache, the cache's references only,
    as the email starts), ``"allocated"`` (just allocated by readahead, count 1), or any
    :class:`PageCacheFolio`. Operation *k* (1-based) becomes step *k*.

    :raises CompositionError: (an :class:`IllegalTransitionError`) naming the step number, the
        operation and the reason; ``partial`` holds the scenario up to the last good state
    """
    resolved = _lifecycle_era(era)
    if isinstance(start, PageCacheFolio):
        first, caption = start, f"Start: {start.describe()}."
        function = "filemap_add_folio" if start.in_xarray or start.removed else "filemap_alloc_folio"
        if start.freed:
            raise FolioVizError("a composed scenario cannot start from a freed folio")
    elif start == "cached":
        first = _cached_start(_check_nr_pages(nr_pages))
        function, caption = "filemap_add_folio", _cached_caption(first)
    elif start == "allocated":
        first = filemap_alloc_folio(_check_nr_pages(nr_pages))
        function = "filemap_alloc_folio"
        pages = f"{nr_pages} page{'s' if nr_pages > 1 else ''}"
        caption = f"Start: readahead has allocated a folio of {pages}; it holds the only reference (count 1)."
    else:
        raise FolioVizError(f"start must be 'cached', 'allocated' or a PageCacheFolio, not {start!r}")
    builder = _Builder(resolved, first, function, caption, "R8")
    if isinstance(ops, str):
        raise FolioVizError("ops must be a list of operations, e.g. ['filemap_get_folio thread A', ...]")
    for number, item in enumerate(ops, start=1):
        text = str(item)
        try:
            op, actor, refs, text = _parse_item(item)
            args = _args_for(op, actor, refs)
            builder.apply(op, *args)
        except FolioVizError as err:
            partial = builder.scenario(name, title, "")
            check = err.check if isinstance(err, IllegalTransitionError) else ""
            function = err.function if isinstance(err, IllegalTransitionError) else ""
            raise CompositionError(
                f"step {number} ({text}): {err}",
                step=number,
                op=text,
                partial=partial,
                check=check,
                function=function,
            ) from err
    return builder.scenario(
        name,
        title,
        "A sequence of page-cache operations composed step by step; each was checked against the kernel's rules.",
    )
