"""A page-cache folio's life: its references, its lock and ``->mapping`` (rules R8, R9, B4).

The email's point (R8): removing a folio from the page cache sets ``folio->mapping`` to NULL, and
this usually happens while other people still hold references to the folio. Lookup takes a
reference, removal drops the page cache's reference(s), and whoever puts the last reference,
later, frees it. So a thread that still holds a reference, such as ``do_page_mkwrite()`` on the
write-fault path, can lock the folio and find ``->mapping`` NULL (R9). The page cache holds
``folio_nr_pages()`` references, not one, and truncation holds its own reference and the folio
lock while it clears ``->mapping`` (B4).

This package models one folio as an immutable :class:`PageCacheFolio` and each kernel operation as
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

One module per job, every public name importable from here:

* :mod:`.state`: :class:`PageCacheFolio`, its holders and "the window" (:func:`is_the_window`);
* :mod:`.checks`: what every transition checks (named holders and actors, use-after-free, the lock);
* :mod:`.transitions`: allocation, adding, lookup, the folio lock, references, mapping;
* :mod:`.truncation`: truncation, removal from the page cache and the final puts;
* :mod:`.captions`: the operations a scenario may apply and each step's caption;
* :mod:`.scenarios`: the fixed scenarios (the email's, truncation, a large folio, an early put);
* :mod:`.composer`: a learner's own sequence of operations.

>>> s = email_scenario()
>>> [step.state.refcount for step in s]
[1, 2, 1, 1, 0]
>>> [is_the_window(step.state) for step in s]
[False, False, True, True, False]
"""

from __future__ import annotations

from .captions import COMPOSER_ALIASES, COMPOSER_OPS
from .composer import CompositionError, compose_scenario
from .scenarios import (
    PAGECACHE_SCENARIOS,
    early_put_scenario,
    email_scenario,
    large_folio_scenario,
    truncation_scenario,
)
from .state import (
    DEFAULT_ADDRESS_SPACE,
    MAX_NR_PAGES,
    PAGE_CACHE,
    PAGE_TABLES,
    READAHEAD,
    TRUNCATE,
    PageCacheFolio,
    is_the_window,
    window_steps,
)
from .transitions import (
    do_set_pte,
    filemap_add_folio,
    filemap_alloc_folio,
    filemap_get_folio,
    filemap_lock_folio,
    folio_get,
    folio_lock,
    folio_put,
    folio_put_refs,
    folio_try_get,
    folio_unlock,
)
from .truncation import (
    filemap_free_folio,
    filemap_remove_folio,
    find_get_entries,
    find_lock_entries,
    folio_batch_release,
    page_cache_delete,
    truncate_cleanup_folio,
)

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
