"""The page-cache scenarios: the email's three steps, truncation as the kernel does it, a large folio,
and the final put coming from truncation. Each is an immutable :class:`~folioviz.kernel.scenario.Scenario`
of :class:`~folioviz.kernel.pagecache.PageCacheFolio` snapshots, built by applying the transitions of
:mod:`folioviz.kernel.pagecache` one by one.

>>> [step.state.refcount for step in email_scenario()]
[1, 2, 1, 1, 0]
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from ..errors import UnknownEraError
from ..scenario import Scenario, Step
from ..sources import source_ref
from ..versions import Era, get_era
from .captions import OP_SPECS, cache_refs_text, era_name, refs_text, sentence
from .state import READAHEAD, TRUNCATE, PageCacheFolio, check_nr_pages, is_the_window
from .transitions import filemap_add_folio, filemap_alloc_folio, folio_put, folio_unlock

__all__ = [
    "PAGECACHE_SCENARIOS",
    "ScenarioBuilder",
    "cached_caption",
    "cached_start",
    "early_put_scenario",
    "email_scenario",
    "large_folio_scenario",
    "lifecycle_era",
    "truncation_scenario",
]


def lifecycle_era(era: Era | str | None) -> Era:
    """The era ``era`` names, when the page-cache lifecycle is modelled in it (v6.0 on).

    :raises UnknownEraError: for an era before v6.0 (its functions were page-based)
    """
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
    return OP_SPECS[op].rule


class ScenarioBuilder:
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
        spec = OP_SPECS[op]
        before = self.state
        after = spec.func(before, *args)
        actor = args[0] if args and isinstance(args[0], str) else spec.default_actor
        if op == "folio_unlock":
            actor = before.locked_by
        shown = function or era_name(op, self.era)
        self.steps.append(
            Step(
                after,
                shown,
                sentence(caption or spec.caption(before, after, actor, self.era)),
                rule or _rule_for(op, before, after),
                source_ref(shown, self.era.release),
            )
        )
        self.state = after
        return after

    def scenario(self, name: str, title: str, description: str) -> Scenario[PageCacheFolio]:
        return Scenario(name, title, self.era.id, tuple(self.steps), description)


def cached_start(nr_pages: int) -> PageCacheFolio:
    """The email's starting point: in the page cache, unlocked, only the cache's references."""
    state = filemap_add_folio(filemap_alloc_folio(nr_pages))
    return folio_unlock(folio_put(state, READAHEAD), READAHEAD)


def cached_caption(state: PageCacheFolio) -> str:
    """The caption of :func:`cached_start`'s step."""
    return (
        f"Start: the folio was read into the page cache at index {state.index}; its reader has let go, "
        f"so {cache_refs_text(state.nr_pages)} {'is' if state.nr_pages == 1 else 'are'} all it has "
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
    era = lifecycle_era(era)
    start = cached_start(1)
    b = ScenarioBuilder(era, start, "filemap_add_folio", cached_caption(start), "R8")
    b.apply(
        "filemap_lock_folio",
        "thread A",
        caption="Thread A looks the folio up, which grabs a reference (count 2), and locks it: removal "
        "needs the folio lock.",
    )
    b.apply(
        "filemap_remove_folio",
        "thread A",
        caption="Thread A removes the folio from the page cache: page_cache_delete() sets ->mapping to NULL, "
        "then filemap_free_folio() drops the cache's reference (count 1). Only thread A's reference keeps the "
        "folio alive now.",
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


def _full_sequence(b: ScenarioBuilder, nr_pages: int) -> None:
    n = cache_refs_text(nr_pages) + (" remains" if nr_pages == 1 else " remain")
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
        caption="Truncation deletes the folio from the page cache: page_cache_delete_batch(), the batch twin "
        "of page_cache_delete(), clears the XArray slot and sets ->mapping to NULL, but ->index is kept and "
        f"the count is still {b.state.refcount}; filemap_free_folio() drops the cache's references next (R8).",
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
    check_nr_pages(nr_pages)
    return _full(era, nr_pages, large=True)


def _full(era: Era | str | None, nr_pages: int, *, large: bool) -> Scenario[PageCacheFolio]:
    era = lifecycle_era(era)
    added = filemap_add_folio(filemap_alloc_folio(nr_pages))
    size = "" if nr_pages == 1 else f" of {nr_pages} pages"
    b = ScenarioBuilder(
        era,
        added,
        "filemap_add_folio",
        f"Readahead adds a new folio{size} to the page cache: filemap_add_folio() locks it, sets ->mapping "
        f"and ->index, and the cache takes folio_nr_pages() = {refs_text(nr_pages)} on top of readahead's own "
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
    era = lifecycle_era(era)
    start = cached_start(1)
    b = ScenarioBuilder(era, start, "filemap_add_folio", cached_caption(start), "R8")
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
        caption="Truncation deletes the folio from the page cache: page_cache_delete_batch() (the batch twin "
        "of page_cache_delete()) sets ->mapping to NULL; the count is still 2 (the cache's reference and "
        "truncation's) until filemap_free_folio().",
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
PAGECACHE_SCENARIOS: Mapping[str, Callable[..., Scenario[PageCacheFolio]]] = MappingProxyType(
    {
        "email": email_scenario,
        "truncation": truncation_scenario,
        "large-folio": large_folio_scenario,
        "early-put": early_put_scenario,
    }
)
