"""The page-cache folio as the lifecycle model holds it: :class:`PageCacheFolio` and its holders.

An immutable snapshot of one folio (reference count with a named holder for every reference, the
lock, ``->mapping``, ``->index``, and whether it is in the page cache's XArray). It refuses, when built,
any state no kernel could produce; the transitions in :mod:`folioviz.kernel.pagecache` build new ones.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ContradictoryFolioError, FolioVizError
from ..mapping import format_word
from ..scenario import Scenario

__all__ = [
    "DEFAULT_ADDRESS_SPACE",
    "MAX_NR_PAGES",
    "PAGE_CACHE",
    "PAGE_TABLES",
    "READAHEAD",
    "RESERVED_HOLDERS",
    "TRUNCATE",
    "Holders",
    "PageCacheFolio",
    "check_nr_pages",
    "is_the_window",
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

#: The holders no thread may act as: their references come and go only through their own functions.
RESERVED_HOLDERS = (PAGE_CACHE, PAGE_TABLES)

#: An ``address_space`` address for the examples: a kernel pointer with both tag bits clear (R4).
DEFAULT_ADDRESS_SPACE = 0xFFFF888004A3C6E8

#: The largest page-cache folio modelled: PMD size, 512 pages of 4 KiB (order 9) on x86-64, the
#: ``MAX_PAGECACHE_ORDER`` that readahead uses in v6.1.4 (hugetlbfs folios can be larger; they are
#: not modelled).
MAX_NR_PAGES = 512

#: Who holds the folio's references: ``(name, count)`` pairs, in the order they were taken.
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
        """Refuse a state no kernel could produce (each message says which rule it breaks)."""
        self._check_fields()
        self._check_references()
        self._check_cache_and_mappings()

    def _check_fields(self) -> None:
        check_nr_pages(self.nr_pages, error=ContradictoryFolioError)
        for name, value in (("refcount", self.refcount), ("index", self.index), ("mapcount", self.mapcount)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ContradictoryFolioError(f"{name} must be a whole number >= 0, not {value!r}")
        if self.locked_by is not None and (not isinstance(self.locked_by, str) or not self.locked_by.strip()):
            raise ContradictoryFolioError(f"the lock holder must be a non-empty name, not {self.locked_by!r}")

    def _check_references(self) -> None:
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

    def _check_cache_and_mappings(self) -> None:
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


def check_nr_pages(nr_pages: object, *, error: type[FolioVizError] = FolioVizError) -> int:
    """``nr_pages`` when it is a folio's size: a power of two from 1 to :data:`MAX_NR_PAGES`
    (``folio_nr_pages()``); else raise ``error`` saying what is allowed."""
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
