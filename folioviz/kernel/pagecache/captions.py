"""The page-cache operations a scenario or a learner may use, and the caption each step gets.

:data:`COMPOSER_OPS` names them as the kernel does (``filemap_get_folio`` ...), :data:`COMPOSER_ALIASES`
gives the short names a learner may type, and each operation's caption function says, in our words,
what the step did to the folio: who took or dropped which reference, and why it matters.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from ..versions import Era, release_kernel
from .state import PAGE_CACHE, READAHEAD, TRUNCATE, PageCacheFolio, is_the_window
from .transitions import (
    do_set_pte,
    filemap_add_folio,
    filemap_get_folio,
    filemap_lock_folio,
    folio_get,
    folio_lock,
    folio_put,
    folio_put_refs,
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
    "OP_SPECS",
    "Op",
    "OpSpec",
    "cache_refs_text",
    "cap_lookup",
    "era_name",
    "refs_text",
    "sentence",
]


#: A page-cache transition: ``op(state, *args) -> new state``.
Op = Callable[..., PageCacheFolio]


@dataclass(frozen=True)
class OpSpec:
    """One operation a scenario or the composer may apply: the transition, whether it takes an actor (and
    whose it is when none is given), the rule it illustrates and the function that captions its step."""

    func: Op
    actor: Literal["required", "optional", "none"]
    default_actor: str | None
    rule: str
    caption: Callable[[PageCacheFolio, PageCacheFolio, str | None, Era], str]


def era_name(name: str, era: Era) -> str:
    """The name the era's pinned release gives a function the model calls by its later name.

    ``do_set_pte()`` became ``set_pte_range()``, ``folio_try_get_rcu()`` folded into ``folio_try_get()``:
    ``data/kernels.toml`` (``kernel_names``) says which release spells which, with the evidence.
    """
    return release_kernel(era.release).kernel_name(name)


def refs_text(n: int) -> str:
    """``1 reference``, ``4 references``."""
    return f"{n} reference{'s' if n != 1 else ''}"


def cache_refs_text(n: int) -> str:
    """``the page cache's reference`` for 1, ``the page cache's 4 references`` for 4."""
    return "the page cache's reference" if n == 1 else f"the page cache's {n} references"


def _who(actor: str | None) -> str:
    return "truncation" if actor == TRUNCATE else str(actor)


def sentence(text: str) -> str:
    """Capitalise a caption, unless it starts with a kernel identifier such as ``filemap_free_folio()``."""
    first = text.split(" ", 1)[0]
    if "_" in first or "(" in first:
        return text
    return text[:1].upper() + text[1:]


def _cap_add(b: PageCacheFolio, a: PageCacheFolio, actor: str | None, era: Era) -> str:
    return (
        f"{_who(actor)} adds the folio to the page cache: filemap_add_folio() locks it, sets ->mapping and "
        f"->index, and the cache takes folio_nr_pages() = {refs_text(a.nr_pages)}, on top of {_who(actor)}'s own "
        f"(count {a.refcount})."
    )


def cap_lookup(b: PageCacheFolio, a: PageCacheFolio, actor: str | None, era: Era) -> str:
    if a == b:
        return (
            f"{_who(actor)} looks the folio up but finds nothing: it is no longer in the page cache, so no "
            "reference is taken (the lookup returns NULL in v6.1.4, ERR_PTR(-ENOENT) in v6.12.8 and, by "
            "inference from the change's date, from v6.4)."
        )
    return (
        f"{_who(actor)} looks the folio up: {era_name('folio_try_get', era)}() raises the count to "
        f"{a.refcount}, and "
        f"{_who(actor)}'s reference keeps the folio alive whatever happens next."
    )


def _cap_lock_lookup(b: PageCacheFolio, a: PageCacheFolio, actor: str | None, era: Era) -> str:
    if a == b:
        return cap_lookup(b, a, actor, era)
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
    return f"{_who(actor)} drops {refs_text(b.refcount - a.refcount)} at once with folio_put_refs(): {tail}"


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
            f"{refs_text(b.mapcount)} {'is' if b.mapcount == 1 else 'are'} dropped (count {a.refcount}); "
            "->mapping is still set."
        )
    return (
        "Truncation cleans the folio up under its lock; no page table maps it, so there is nothing to "
        "unmap, and ->mapping is still set."
    )


def _cap_delete(b: PageCacheFolio, a: PageCacheFolio, actor: str | None, era: Era) -> str:
    return (
        f"page_cache_delete() takes the folio out of the page cache: its XArray slot is cleared and "
        f"->mapping becomes NULL, but ->index stays {a.index} and the count is still {a.refcount}; the "
        "cache's references are dropped next, by filemap_free_folio() (R8)."
    )


def _cap_free(b: PageCacheFolio, a: PageCacheFolio, actor: str | None, era: Era) -> str:
    n = b.refs_of(PAGE_CACHE)
    if a.freed:
        return f"filemap_free_folio() drops {cache_refs_text(n)}, the last, so the folio is freed."
    at_once = " at once" if n > 1 else ""
    return (
        f"filemap_free_folio() drops {cache_refs_text(n)}{at_once} (folio_put_refs(folio, {n})): "
        f"count {a.refcount}, held by {a.holders_text}, with ->mapping NULL."
    )


def _cap_remove(b: PageCacheFolio, a: PageCacheFolio, actor: str | None, era: Era) -> str:
    n = b.refs_of(PAGE_CACHE)
    tail = "the folio is freed" if a.freed else f"count {a.refcount}"
    return (
        f"{_who(actor)} removes the folio from the page cache: page_cache_delete() sets ->mapping to NULL, "
        f"then filemap_free_folio() drops {cache_refs_text(n)} ({tail})."
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


#: Every operation by its kernel name (read-only).
OP_SPECS: Mapping[str, OpSpec] = MappingProxyType(
    {
        "filemap_add_folio": OpSpec(filemap_add_folio, "optional", READAHEAD, "B4", _cap_add),
        "filemap_get_folio": OpSpec(filemap_get_folio, "required", None, "R8", cap_lookup),
        "filemap_lock_folio": OpSpec(filemap_lock_folio, "required", None, "R8", _cap_lock_lookup),
        "folio_get": OpSpec(folio_get, "required", None, "R8", _cap_try_get),
        "folio_lock": OpSpec(folio_lock, "required", None, "R8", _cap_lock),
        "folio_unlock": OpSpec(folio_unlock, "optional", None, "R8", _cap_unlock),
        "folio_put": OpSpec(folio_put, "required", None, "R8", _cap_put),
        "folio_put_refs": OpSpec(folio_put_refs, "required", None, "B4", _cap_put_refs),
        "do_set_pte": OpSpec(do_set_pte, "required", None, "B4", _cap_map),
        "find_lock_entries": OpSpec(find_lock_entries, "none", None, "B4", _cap_find_lock),
        "find_get_entries": OpSpec(find_get_entries, "none", None, "B4", _cap_find_get),
        "truncate_cleanup_folio": OpSpec(truncate_cleanup_folio, "optional", TRUNCATE, "B4", _cap_cleanup),
        "page_cache_delete": OpSpec(page_cache_delete, "optional", TRUNCATE, "R8", _cap_delete),
        "filemap_free_folio": OpSpec(filemap_free_folio, "none", None, "B4", _cap_free),
        "filemap_remove_folio": OpSpec(filemap_remove_folio, "optional", TRUNCATE, "R8", _cap_remove),
        "folio_batch_release": OpSpec(folio_batch_release, "none", None, "B4", _cap_release),
    }
)

#: The operation names :func:`compose_scenario` accepts (the kernel's names).
COMPOSER_OPS: tuple[str, ...] = tuple(OP_SPECS)

#: Short names a learner may type instead of the kernel's.
COMPOSER_ALIASES: Mapping[str, str] = MappingProxyType(
    {
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
)
