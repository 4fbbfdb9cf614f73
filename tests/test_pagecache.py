"""The page-cache lifecycle model: scenarios, illegal moves, the composer, and random sequences.

The expected numbers come from shared/reference/kernel-facts.md §4.2 (the refcount timeline) and
from the kernel functions' own checks in v6.1.4 (see kernel-verification.md item 6).
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from folioviz.kernel import (
    COMPOSER_ALIASES,
    COMPOSER_OPS,
    DEFAULT_ADDRESS_SPACE,
    PAGE_CACHE,
    PAGE_TABLES,
    PAGECACHE_SCENARIOS,
    READAHEAD,
    TRUNCATE,
    CompositionError,
    ContradictoryFolioError,
    FolioVizError,
    IllegalTransitionError,
    PageCacheFolio,
    UnknownEraError,
    compose_scenario,
    do_set_pte,
    early_put_scenario,
    email_scenario,
    filemap_add_folio,
    filemap_alloc_folio,
    filemap_free_folio,
    filemap_get_folio,
    filemap_lock_folio,
    filemap_remove_folio,
    find_get_entries,
    find_lock_entries,
    folio_batch_release,
    folio_get,
    folio_lock,
    folio_put,
    folio_put_refs,
    folio_try_get,
    folio_unlock,
    get_era,
    is_the_window,
    large_folio_scenario,
    page_cache_delete,
    truncate_cleanup_folio,
    truncation_scenario,
    window_steps,
)
from folioviz.kernel import pagecache as pc

M = DEFAULT_ADDRESS_SPACE
NULL = 0
A = "thread A"
B = "thread B"


def rows(scenario):
    """(refcount, mapping, lock holder, freed) per step."""
    return [(s.state.refcount, s.state.mapping, s.state.locked_by, s.state.freed) for s in scenario]


# --------------------------------------------------------------------------- helpers to reach states


def cached(nr: int = 1) -> PageCacheFolio:
    """In the page cache, unlocked, only the cache's references (the email's start)."""
    return folio_unlock(folio_put(filemap_add_folio(filemap_alloc_folio(nr)), READAHEAD), READAHEAD)


def looked_up(nr: int = 1) -> PageCacheFolio:
    return filemap_get_folio(cached(nr), A)


def truncating(nr: int = 1) -> PageCacheFolio:
    """Thread A holds a reference; truncation has its reference and the lock."""
    return find_lock_entries(looked_up(nr))


def deleted(nr: int = 1) -> PageCacheFolio:
    return page_cache_delete(truncate_cleanup_folio(truncating(nr)))


def window(nr: int = 1) -> PageCacheFolio:
    """Removed, unlocked, thread A's and truncation's references left."""
    return folio_unlock(filemap_free_folio(deleted(nr)), TRUNCATE)


def freed(nr: int = 1) -> PageCacheFolio:
    return folio_put(folio_batch_release(window(nr)), A)


def mapped() -> PageCacheFolio:
    """Thread A faulted the folio in (one PTE), then unlocked."""
    return folio_unlock(do_set_pte(folio_lock(looked_up(), A), A), A)


# --------------------------------------------------------------------------- scenarios


EMAIL = [
    # refcount, mapping, lock, freed
    (1, M, None, False),  # in the page cache: the cache's reference only
    (2, M, A, False),  # lookup (filemap_lock_folio): + thread A's reference, and the lock
    (1, NULL, A, False),  # filemap_remove_folio: mapping NULL, the cache's reference dropped
    (1, NULL, None, False),  # unlock
    (0, NULL, None, True),  # put: the last reference, freed
]

TRUNCATION = [
    (2, M, READAHEAD, False),  # 0 filemap_add_folio
    (1, M, READAHEAD, False),  # 1 readahead_folio drops the adder's reference
    (1, M, None, False),  # 2 the read completes: unlocked
    (2, M, None, False),  # 3 thread A: filemap_get_folio
    (3, M, TRUNCATE, False),  # 4 find_lock_entries: +1 and trylock
    (3, M, TRUNCATE, False),  # 5 truncate_cleanup_folio
    (3, NULL, TRUNCATE, False),  # 6 page_cache_delete_batch: mapping NULL, count unchanged
    (2, NULL, TRUNCATE, False),  # 7 filemap_free_folio: the cache's reference dropped
    (2, NULL, None, False),  # 8 truncation unlocks
    (1, NULL, None, False),  # 9 folio_batch_release: truncation's reference
    (0, NULL, None, True),  # 10 thread A's folio_put: freed
]

EARLY_PUT = [
    (1, M, None, False),
    (2, M, None, False),  # thread A looks up
    (1, M, None, False),  # thread A puts first
    (2, M, TRUNCATE, False),  # find_lock_entries
    (2, M, TRUNCATE, False),  # truncate_cleanup_folio
    (2, NULL, TRUNCATE, False),  # page_cache_delete_batch
    (1, NULL, TRUNCATE, False),  # filemap_free_folio
    (1, NULL, None, False),  # unlock
    (0, NULL, None, True),  # folio_batch_release: truncation frees it
]

#: Which step of truncation_scenario() ends each row of kernel-facts.md §4.2.
ROW_ENDS = {"0": 0, "1": 2, "2": 3, "3a": 4, "3b": 6, "3c": 7, "3d": 9, "4": 10}


def row_counts(n: int) -> dict[str, tuple[int, int]]:
    """§4.2, as (refcount, mapping) per row, for a folio of n pages."""
    return {
        "0": (n + 1, M),
        "1": (n, M),
        "2": (n + 1, M),
        "3a": (n + 2, M),
        "3b": (n + 2, NULL),
        "3c": (2, NULL),
        "3d": (1, NULL),
        "4": (0, NULL),
    }


@pytest.mark.parametrize(
    ("build", "expected"),
    [(email_scenario, EMAIL), (truncation_scenario, TRUNCATION), (early_put_scenario, EARLY_PUT)],
    ids=["email", "truncation", "early-put"],
)
def test_scenario_refcount_mapping_lock_sequence(build, expected):
    assert rows(build()) == expected


def test_email_scenario_is_one_two_one_zero():
    counts = [s.state.refcount for s in email_scenario()]
    # The email's lookup (2), remove (1), put (0), with the unlock removal needs in between.
    assert counts == [1, 2, 1, 1, 0]
    assert [s.function for s in email_scenario()] == [
        "filemap_add_folio",
        "filemap_lock_folio",
        "filemap_remove_folio",
        "folio_unlock",
        "folio_put",
    ]


@pytest.mark.parametrize("nr", [1, 2, 4, 16, 512])
def test_full_sequence_matches_kernel_facts_table(nr):
    scenario = truncation_scenario() if nr == 1 else large_folio_scenario(nr)
    for row, (count, mapping) in row_counts(nr).items():
        state = scenario[ROW_ENDS[row]].state
        assert (row, state.refcount, state.mapping) == (row, count, mapping)


def test_truncation_scenario_functions_and_holders():
    s = truncation_scenario()
    assert [step.function for step in s] == [
        "filemap_add_folio",
        "readahead_folio",
        "folio_unlock",
        "filemap_get_folio",
        "find_lock_entries",
        "truncate_cleanup_folio",
        "page_cache_delete_batch",
        "filemap_free_folio",
        "folio_unlock",
        "folio_batch_release",
        "folio_put",
    ]
    assert s[0].state.holders == ((READAHEAD, 1), (PAGE_CACHE, 1))
    assert s[4].state.holders == ((PAGE_CACHE, 1), (A, 1), (TRUNCATE, 1))
    assert s[7].state.holders == ((A, 1), (TRUNCATE, 1))
    assert s[9].state.holders == ((A, 1),)
    assert s[10].state.holders == ()
    # ->index is kept after removal ("truncation relies upon it")
    assert all(step.state.index == 0 for step in s)
    assert [step.state.in_xarray for step in s] == [True] * 6 + [False] * 5


def test_large_folio_cache_holds_and_drops_nr_references():
    s = large_folio_scenario(8)
    assert [step.state.refcount for step in s] == [9, 8, 8, 9, 10, 10, 10, 2, 2, 1, 0]
    assert s[0].state.refs_of(PAGE_CACHE) == 8
    assert s[6].state.refcount - s[7].state.refcount == 8  # filemap_free_folio drops nr at once
    assert all(step.state.nr_pages == 8 for step in s)
    assert s.name == "large-folio-8"
    assert "8" in s[7].caption


@pytest.mark.parametrize("bad", [0, 3, 6, 12, -4, 1024, 1 << 20])
def test_large_folio_rejects_nr_pages_that_is_not_a_power_of_two_in_range(bad):
    with pytest.raises(FolioVizError, match=r"power of two|larger than"):
        large_folio_scenario(bad)


@pytest.mark.parametrize("bad", [True, 2.0, "4", None])
def test_large_folio_rejects_non_integer_nr_pages(bad):
    with pytest.raises(FolioVizError, match="whole number"):
        large_folio_scenario(bad)


def test_windows_per_scenario():
    assert window_steps(email_scenario()) == (False, False, True, True, False)
    assert window_steps(truncation_scenario()) == (False,) * 6 + (True,) * 4 + (False,)
    assert window_steps(early_put_scenario()) == (False,) * 5 + (True,) * 3 + (False,)


def test_window_needs_removal_not_just_a_null_mapping():
    fresh = filemap_alloc_folio()
    assert fresh.mapping == 0 and fresh.refcount == 1
    assert not is_the_window(fresh)  # never added: NULL, but not truncated
    assert is_the_window(window())
    assert window().in_window
    assert not is_the_window(freed())


ALL_SCENARIOS: list[Callable[[], object]] = [
    email_scenario,
    truncation_scenario,
    early_put_scenario,
    lambda: large_folio_scenario(4),
]


@pytest.mark.parametrize("build", ALL_SCENARIOS, ids=["email", "truncation", "early-put", "large"])
def test_every_step_is_annotated(build):
    era = get_era(None)
    scenario = build()
    assert scenario.era == era.id
    for step in scenario:
        assert step.rule in ("R8", "R9", "B4")
        assert step.caption and step.caption.endswith(".") and "None" not in step.caption
        assert step.caption[0].isupper() or step.caption.split(" ")[0].endswith("()")
        assert step.source is not None
        assert step.source.release == era.release == "v6.1.4"
        assert step.source.identifier == step.function
        assert era.release in step.source.url
    # the steps in the window are tagged R9 unless they are the removal itself (R8)
    for step, in_window in zip(scenario, window_steps(scenario), strict=True):
        if in_window and "delete" not in step.function and "remove" not in step.function:
            assert step.rule == "R9"


def test_registry_names_the_fixed_scenarios():
    assert set(PAGECACHE_SCENARIOS) == {"email", "truncation", "large-folio", "early-put"}
    for name, build in PAGECACHE_SCENARIOS.items():
        assert build().name.startswith(name)


def test_scenarios_follow_the_era():
    latest = truncation_scenario("latest")
    assert latest.era == get_era("latest").id
    assert all(step.source.release == get_era("latest").release for step in latest)
    assert rows(latest) == TRUNCATION  # the lifecycle itself is the same in every modelled era
    # the lookup's try-get has its era's name
    assert "folio_try_get_rcu()" in truncation_scenario()[3].caption
    assert "folio_try_get()" in latest[3].caption


def test_scenarios_refuse_the_pre_folio_era():
    with pytest.raises(UnknownEraError, match=r"from v6\.0"):
        truncation_scenario("5.10")
    with pytest.raises(UnknownEraError):
        compose_scenario([], era="pre-v6.0")


# --------------------------------------------------------------------------- the state


def test_describe_and_holders_are_render_friendly():
    s = truncating()
    assert s.holders == ((PAGE_CACHE, 1), (A, 1), (TRUNCATE, 1))
    assert s.holder_names == (PAGE_CACHE, A, TRUNCATE)
    assert (s.refs_of(A), s.refs_of(B)) == (1, 0)
    assert s.describe() == (
        "ref 3 (page cache 1 + thread A 1 + truncate 1) · mapping 0xffff888004a3c6e8 · index 0 · "
        "locked by truncate · in page cache"
    )
    assert deleted().describe().startswith("ref 3 (page cache 1 + thread A 1 + truncate 1) · mapping NULL")
    assert freed().describe() == "ref 0 (nobody) · mapping NULL · index 0 · unlocked · freed"
    assert "4 pages" in cached(4).describe()
    assert "mapped 1x" in mapped().describe()
    assert (s.folio_ref_count, s.folio_nr_pages, s.folio_test_locked, s.folio_mapped) == (3, 1, True, False)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"refcount": 2, "holders": (("a", 1),)}, "add up to 1"),
        ({"refcount": 0, "holders": ()}, "freed exactly"),
        ({"refcount": 1, "holders": (("a", 1),), "freed": True}, "add up|freed exactly"),
        ({"refcount": 1, "holders": (("a", 0), ("b", 1))}, "at least 1"),
        ({"refcount": 2, "holders": (("a", 1), ("a", 1))}, "twice"),
        ({"refcount": 1, "holders": (("a", 1),), "mapping": M | 1, "in_xarray": True}, "tag bits"),
        ({"refcount": 1, "holders": (("a", 1),), "mapping": M, "in_xarray": True}, "nr_pages"),
        ({"refcount": 1, "holders": (("page tables", 1),), "mapcount": 1}, "page cache"),
        ({"refcount": 1, "holders": (("a", 1),), "nr_pages": 3}, "power of two"),
        ({"refcount": 1, "holders": (("a", 1),), "removed": True, "mapping": M, "in_xarray": True}, "XArray"),
    ],
)
def test_state_rejects_contradictions(kwargs, match):
    with pytest.raises(ContradictoryFolioError, match=match):
        PageCacheFolio(**kwargs)


def test_alloc_gives_one_reference_to_the_allocator():
    s = filemap_alloc_folio(4, actor="thread C")
    assert (s.refcount, s.holders, s.nr_pages, s.mapping, s.locked_by) == (1, (("thread C", 1),), 4, 0, None)
    assert s.where == "not in page cache"


def test_add_sets_mapping_index_lock_and_nr_references():
    s = filemap_add_folio(filemap_alloc_folio(4), READAHEAD, mapping="0xffff888012345678", index=8)
    assert (s.refcount, s.mapping, s.index, s.locked_by) == (5, 0xFFFF888012345678, 8, READAHEAD)
    assert s.refs_of(PAGE_CACHE) == 4 and s.in_xarray


@pytest.mark.parametrize("word", [0, "NULL", M | 1, M | 2, "0xffff888003a1c003"])
def test_add_rejects_a_mapping_that_is_not_an_address_space(word):
    with pytest.raises(FolioVizError, match="address_space"):
        filemap_add_folio(filemap_alloc_folio(), mapping=word)


def test_lookup_of_a_removed_folio_finds_nothing_and_takes_no_reference():
    w = window()
    assert filemap_get_folio(w, B) == w
    assert filemap_lock_folio(w, B) == w
    assert find_lock_entries(folio_batch_release(w)) == folio_batch_release(w)
    assert find_get_entries(folio_batch_release(w)) == folio_batch_release(w)


def test_folio_try_get_fails_only_on_a_count_of_zero():
    assert folio_try_get(freed(), B) is None
    got = folio_try_get(window(), B)
    assert got is not None and got.refcount == 3 and got.refs_of(B) == 1


def test_unmap_drops_the_page_table_references():
    m = mapped()
    assert (m.refcount, m.mapcount, m.refs_of(PAGE_TABLES), m.refs_of(A)) == (2, 1, 1, 0)
    t = truncate_cleanup_folio(find_lock_entries(m))
    assert (t.refcount, t.mapcount, t.refs_of(PAGE_TABLES)) == (2, 0, 0)
    # the page tables' reference was thread A's fault reference: truncation's put frees it
    end = folio_batch_release(folio_unlock(filemap_free_folio(page_cache_delete(t)), TRUNCATE))
    assert end.freed


def test_filemap_remove_folio_is_delete_plus_free():
    s = folio_lock(looked_up(4), A)
    assert filemap_remove_folio(s, A) == filemap_free_folio(page_cache_delete(s, A))
    assert filemap_remove_folio(s, A).refcount == 1


def test_second_pass_truncation_waits_for_the_lock():
    s = find_get_entries(folio_lock(looked_up(), A))
    assert (s.refcount, s.locked_by) == (3, A)
    with pytest.raises(IllegalTransitionError, match="thread A holds the folio lock"):
        folio_lock(s, TRUNCATE)
    s = folio_lock(folio_unlock(s, A), TRUNCATE)
    s = filemap_remove_folio(truncate_cleanup_folio(s))
    assert (s.refcount, s.mapping, s.locked_by) == (2, 0, TRUNCATE)


# --------------------------------------------------------------------------- illegal moves


ILLEGAL: list[tuple[str, Callable[[], object], str, str, str]] = [
    # id, the move, kernel function, check (substring; "" = no kernel check), message (substring)
    (
        "delete-unlocked",
        lambda: page_cache_delete(looked_up(), A),
        "page_cache_delete",
        "VM_BUG_ON_FOLIO(!folio_test_locked(folio), folio) in page_cache_delete()",
        "not locked",
    ),
    (
        "remove-unlocked",
        lambda: filemap_remove_folio(looked_up(), A),
        "filemap_remove_folio",
        "BUG_ON(!folio_test_locked(folio)) in filemap_remove_folio()",
        "not locked",
    ),
    (
        "remove-someone-elses-lock",
        lambda: filemap_remove_folio(truncating(), A),
        "filemap_remove_folio",
        "BUG_ON(!folio_test_locked(folio))",
        "truncate holds the folio lock, not thread A",
    ),
    (
        "put-on-freed",
        lambda: folio_put(freed(), A),
        "folio_put",
        "VM_BUG_ON_PAGE(page_ref_count(page) == 0, page) in put_page_testzero()",
        "was freed",
    ),
    (
        "put-refs-on-freed",
        lambda: folio_put_refs(freed(), A, 1),
        "folio_put_refs",
        "",
        "use-after-free",
    ),
    ("unlock-unlocked", lambda: folio_unlock(cached(), A), "folio_unlock", "in folio_unlock()", "not locked"),
    ("unlock-on-freed", lambda: folio_unlock(freed()), "folio_unlock", "in folio_unlock()", "was freed"),
    ("unlock-not-holder", lambda: folio_unlock(truncating(), A), "folio_unlock", "", "truncate holds"),
    (
        "lock-held-by-other",
        lambda: folio_lock(truncating(), A),
        "folio_lock",
        "",
        "truncate holds the folio lock, so thread A would sleep",
    ),
    ("lock-recursive", lambda: folio_lock(folio_lock(looked_up(), A), A), "folio_lock", "", "not recursive"),
    ("lock-without-reference", lambda: folio_lock(cached(), B), "folio_lock", "", "holds no reference"),
    ("lock-on-freed", lambda: folio_lock(freed(), A), "folio_lock", "", "was freed"),
    ("put-without-reference", lambda: folio_put(looked_up(), B), "folio_put", "", "holds no reference"),
    ("put-refs-too-many", lambda: folio_put_refs(looked_up(), A, 2), "folio_put_refs", "", "holds only 1"),
    (
        "last-put-while-locked",
        lambda: folio_put(filemap_remove_folio(folio_lock(looked_up(), A), A), A),
        "folio_put",
        "PAGE_FLAGS_CHECK_AT_FREE",
        "freed locked",
    ),
    (
        "remove-frees-a-locked-folio",
        # thread A locks, then drops its reference: the cache's is the only one left
        lambda: filemap_remove_folio(folio_put(folio_lock(looked_up(), A), A), A),
        "filemap_remove_folio",
        "PAGE_FLAGS_CHECK_AT_FREE",
        "freed locked",
    ),
    ("page-cache-is-not-a-thread", lambda: folio_put(cached(), PAGE_CACHE), "folio_put", "", "filemap_free_folio"),
    (
        "page-tables-are-not-a-thread",
        lambda: folio_put(mapped(), PAGE_TABLES),
        "folio_put",
        "",
        "unmapping",
    ),
    (
        "delete-while-mapped",
        lambda: page_cache_delete(find_lock_entries(mapped())),
        "page_cache_delete",
        "VM_BUG_ON_FOLIO(folio_mapped(folio), folio) in filemap_unaccount_folio()",
        "still mapped",
    ),
    (
        "delete-twice",
        lambda: page_cache_delete(deleted()),
        "page_cache_delete",
        "NULL pointer",
        "already removed",
    ),
    (
        "remove-removed",
        lambda: filemap_remove_folio(filemap_free_folio(deleted())),
        "filemap_remove_folio",
        "NULL pointer",
        "already removed",
    ),
    (
        "add-misaligned",
        lambda: filemap_add_folio(filemap_alloc_folio(4), index=6),
        "filemap_add_folio",
        "VM_BUG_ON_FOLIO(index & (folio_nr_pages(folio) - 1), folio) in __filemap_add_folio()",
        "not a multiple",
    ),
    (
        "add-twice",
        lambda: filemap_add_folio(filemap_add_folio(filemap_alloc_folio())),
        "filemap_add_folio",
        "",
        "EEXIST",
    ),
    ("add-after-removal", lambda: filemap_add_folio(window(), A), "filemap_add_folio", "", "not added back"),
    ("add-by-non-holder", lambda: filemap_add_folio(filemap_alloc_folio(), A), "filemap_add_folio", "", "holds no"),
    ("free-while-in-cache", lambda: filemap_free_folio(truncating()), "filemap_free_folio", "", "still in the page"),
    ("free-twice", lambda: filemap_free_folio(filemap_free_folio(deleted())), "filemap_free_folio", "", "already"),
    (
        "find-lock-entries-locked",
        lambda: find_lock_entries(folio_lock(looked_up(), A)),
        "find_lock_entries",
        "",
        "folio_trylock() fails",
    ),
    ("truncate-twice", lambda: find_lock_entries(truncating()), "find_lock_entries", "", "already in progress"),
    (
        "cleanup-unlocked",
        lambda: truncate_cleanup_folio(find_get_entries(mapped())),
        "truncate_cleanup_folio",
        "VM_BUG_ON(!folio_test_locked(folio)) in unmap_mapping_folio()",
        "not locked",
    ),
    ("cleanup-removed", lambda: truncate_cleanup_folio(deleted()), "truncate_cleanup_folio", "", "-EIO"),
    ("map-unlocked", lambda: do_set_pte(looked_up(), A), "do_set_pte", "", "must hold the folio lock"),
    (
        "map-truncated",
        lambda: do_set_pte(folio_lock(window(), A), A),
        "do_set_pte",
        "",
        "no longer in the page cache",
    ),
    (
        "release-without-truncation",
        lambda: folio_batch_release(looked_up()),
        "folio_batch_release",
        "",
        "truncation holds no reference",
    ),
    (
        "get-on-freed",
        lambda: folio_get(freed(), A),
        "folio_get",
        "folio_ref_zero_or_close_to_overflow",
        "was freed",
    ),
    ("lookup-freed", lambda: filemap_get_folio(freed(), B), "filemap_get_folio", "", "ERR_PTR(-ENOENT)"),
]


@pytest.mark.parametrize(
    ("move", "function", "check", "message"), [c[1:] for c in ILLEGAL], ids=[c[0] for c in ILLEGAL]
)
def test_illegal_move_names_the_kernel_check(move, function, check, message):
    with pytest.raises(IllegalTransitionError) as info:
        move()
    err = info.value
    assert err.function == function
    if check:
        assert check in err.check
    else:
        assert err.check == ""
    assert message in str(err)
    assert len(str(err)) > 40  # an explanation, not a code


def test_illegal_move_leaves_the_state_as_it_was():
    before = truncating()
    snapshot = (before.refcount, before.holders, before.locked_by, before.mapping)
    with pytest.raises(IllegalTransitionError):
        folio_lock(before, A)
    assert (before.refcount, before.holders, before.locked_by, before.mapping) == snapshot


ON_FREED: list[tuple[str, Callable[[PageCacheFolio], object]]] = [
    ("filemap_add_folio", lambda s: filemap_add_folio(s, A)),
    ("filemap_get_folio", lambda s: filemap_get_folio(s, A)),
    ("filemap_lock_folio", lambda s: filemap_lock_folio(s, A)),
    ("folio_get", lambda s: folio_get(s, A)),
    ("folio_lock", lambda s: folio_lock(s, A)),
    ("folio_unlock", lambda s: folio_unlock(s)),
    ("folio_put", lambda s: folio_put(s, A)),
    ("folio_put_refs", lambda s: folio_put_refs(s, A, 1)),
    ("do_set_pte", lambda s: do_set_pte(s, A)),
    ("find_lock_entries", find_lock_entries),
    ("find_get_entries", find_get_entries),
    ("truncate_cleanup_folio", truncate_cleanup_folio),
    ("page_cache_delete", page_cache_delete),
    ("filemap_free_folio", filemap_free_folio),
    ("filemap_remove_folio", filemap_remove_folio),
    ("folio_batch_release", folio_batch_release),
]


@pytest.mark.parametrize("op", [f for _, f in ON_FREED], ids=[n for n, _ in ON_FREED])
@pytest.mark.parametrize("nr", [1, 4])
def test_nothing_touches_a_freed_folio(op, nr):
    with pytest.raises(IllegalTransitionError, match=r"(was|has been) freed"):
        op(freed(nr))


def test_every_composer_op_is_covered_on_a_freed_folio():
    assert {name for name, _ in ON_FREED} == set(COMPOSER_OPS)


# --------------------------------------------------------------------------- the composer


TRUNCATION_OPS = [
    "filemap_add_folio",
    "folio_put readahead",
    "folio_unlock readahead",
    "filemap_get_folio thread A",
    "find_lock_entries",
    "truncate_cleanup_folio",
    "page_cache_delete",
    "filemap_free_folio",
    "folio_unlock truncate",
    "folio_batch_release",
    "folio_put thread A",
]


def test_composer_reproduces_the_kernel_sequence():
    composed = compose_scenario(TRUNCATION_OPS, start="allocated")
    assert len(composed) == len(TRUNCATION_OPS) + 1
    assert composed[0].state == filemap_alloc_folio()
    assert composed.states[1:] == truncation_scenario().states
    assert composed.era == get_era(None).id
    assert window_steps(composed)[1:] == window_steps(truncation_scenario())


def test_composer_accepts_aliases_tuples_and_counts():
    composed = compose_scenario(
        [
            ("lookup", A),
            "LOCK   thread A",
            ("remove", A),
            "unlock",
            ("put", A),
        ]
    )
    assert [s.state.refcount for s in composed] == [1, 2, 2, 1, 1, 0]
    assert [s.function for s in composed][1:] == [
        "filemap_get_folio",
        "folio_lock",
        "filemap_remove_folio",
        "folio_unlock",
        "folio_put",
    ]
    big = compose_scenario(["get thread A", "get thread A", "folio_put_refs thread A 2"], nr_pages=4)
    assert [s.state.refcount for s in big] == [4, 5, 6, 4]
    assert compose_scenario([("folio_put_refs", A, 1)], start=looked_up())[-1].state.refcount == 1
    # an actor called "thread 2" is a name, not a count, outside folio_put_refs
    assert compose_scenario(["lookup thread 2"])[-1].state.refs_of("thread 2") == 1


def test_composer_miss_is_a_step_that_says_so():
    composed = compose_scenario(["lookup thread A", "lock thread A", "remove thread A", "lookup thread B"])
    assert composed[4].state == composed[3].state
    assert "finds nothing" in composed[4].caption


def test_composer_latest_era_uses_its_names():
    ops = ["lookup thread A", "lock thread A", "map thread A"]
    assert compose_scenario(ops)[-1].function == "do_set_pte"  # v6.1.4
    latest = compose_scenario(ops, era="latest")
    assert latest[-1].function == "set_pte_range"
    assert latest[-1].source.release == get_era("latest").release


@pytest.mark.parametrize(
    ("ops", "step", "function", "message"),
    [
        (["lookup thread A", "find_lock_entries", "folio_lock thread A"], 3, "folio_lock", "truncate holds"),
        (["put thread A"], 1, "folio_put", "holds no reference"),
        (["lookup thread A", "remove thread A"], 2, "filemap_remove_folio", "not locked"),
        (["lookup thread A", "free"], 2, "filemap_free_folio", "still in the page cache"),
        (["lookup A", "lock A", "remove A", "put A"], 4, "folio_put", "freed locked"),
        (["lookup A", "lock A", "remove A", "unlock A", "put A", "put A"], 6, "folio_put", "was freed"),
        (["lookup A", "lock A", "remove A", "unlock A", "put A", "lookup B"], 6, "filemap_get_folio", "has been freed"),
    ],
)
def test_composer_names_the_failing_step(ops, step, function, message):
    with pytest.raises(CompositionError) as info:
        compose_scenario(ops)
    err = info.value
    assert isinstance(err, IllegalTransitionError)
    assert (err.step, err.function) == (step, function)
    assert str(err).startswith(f"step {step} (")
    assert message in str(err)
    assert err.op in str(err)
    # the last good state is kept: steps 0 .. step-1
    assert err.partial is not None and len(err.partial) == step
    assert err.partial.states == compose_scenario(ops[: step - 1]).states


def test_composer_passes_the_kernel_check_through():
    with pytest.raises(CompositionError) as info:
        compose_scenario(
            [
                "lookup thread A",
                "lock thread A",
                "map thread A",  # thread A's reference becomes the page table's
                "unlock",
                "lookup thread B",
                "lock thread B",
                "delete thread B",
            ]
        )
    assert info.value.check == "VM_BUG_ON_FOLIO(folio_mapped(folio), folio) in filemap_unaccount_folio()"


@pytest.mark.parametrize(
    ("ops", "message"),
    [
        (["folio_frobnicate thread A"], "unknown operation 'folio_frobnicate'"),
        (["folio_put"], "needs an actor"),
        (["folio_put thread A 2"], "holds no reference"),  # "thread A 2" is an actor name here
        (["folio_put_refs thread A"], "needs an actor and a count"),
        (["find_lock_entries thread A"], "truncation's own step"),
        ([42], "is a string"),
        ([""], "is a string"),
    ],
)
def test_composer_explains_bad_input(ops, message):
    with pytest.raises(CompositionError, match="step 1") as info:
        compose_scenario(ops)
    assert message in str(info.value)


def test_composer_rejects_bad_arguments():
    with pytest.raises(FolioVizError, match="list of operations"):
        compose_scenario("folio_put thread A")
    with pytest.raises(FolioVizError, match="start must be"):
        compose_scenario([], start="somewhere")  # type: ignore[arg-type]
    with pytest.raises(FolioVizError, match="freed"):
        compose_scenario([], start=freed())
    with pytest.raises(FolioVizError, match="power of two"):
        compose_scenario([], nr_pages=3)


def test_composer_aliases_point_at_real_ops():
    assert set(COMPOSER_ALIASES.values()) <= set(COMPOSER_OPS)
    for op in COMPOSER_OPS:
        assert hasattr(pc, op), op


def test_composer_empty_is_just_the_start():
    composed = compose_scenario([])
    assert len(composed) == 1 and composed[0].state == cached()


# --------------------------------------------------------------------------- the module stays plain


def test_module_imports_only_the_standard_library_and_the_model():
    here = Path(pc.__file__).parent
    modules = sorted(here.glob("*.py"))
    assert {m.stem for m in modules} >= {"__init__", "state", "checks", "transitions", "truncation", "captions"}
    for module in modules:
        name = module.stem
        tree = ast.parse(module.read_text(encoding="utf-8"))
        imported = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                imported.add((node.module or "").split(".")[0])
        assert imported <= {"__future__", "collections", "dataclasses", "importlib", "re", "types", "typing"}, name


# --------------------------------------------------------------------------- random sequences


ACTORS = st.sampled_from([READAHEAD, A, B, TRUNCATE, PAGE_CACHE, PAGE_TABLES])


class PageCacheMachine(RuleBasedStateMachine):
    """Random sequences of operations; illegal ones must raise, legal ones must keep the books."""

    state: PageCacheFolio

    @initialize(
        nr=st.sampled_from([1, 2, 4, 512]),
        start=st.sampled_from(["allocated", "cached", "looked up", "mapped", "window", "freed"]),
    )
    def start(self, nr: int, start: str) -> None:
        starts: dict[str, Callable[[int], PageCacheFolio]] = {
            "allocated": filemap_alloc_folio,
            "cached": cached,
            "looked up": looked_up,
            "mapped": lambda n: folio_unlock(do_set_pte(folio_lock(looked_up(n), A), A), A),
            "window": window,
            "freed": freed,
        }
        self.state = starts[start](nr)
        self.was_removed = self.state.removed
        self.index = self.state.index

    def _apply(self, op: Callable[..., PageCacheFolio], *args: object) -> PageCacheFolio | None:
        before = self.state
        try:
            after = op(before, *args)
        except IllegalTransitionError as err:
            assert str(err).strip(), "an illegal move needs an explanation"
            assert err.function, "an illegal move names the kernel function"
            assert self.state is before
            return None
        assert isinstance(after, PageCacheFolio)
        self.state = after
        return after

    # ---- references

    @rule(actor=ACTORS)
    def add(self, actor: str) -> None:
        before = self.state
        after = self._apply(filemap_add_folio, actor)
        if after is not None:
            assert after.refcount == before.refcount + before.nr_pages
            assert (after.locked_by, after.in_xarray, after.mapping) == (actor, True, M)

    @rule(actor=ACTORS)
    def lookup(self, actor: str) -> None:
        before = self.state
        after = self._apply(filemap_get_folio, actor)
        if after is not None:
            if before.in_xarray:
                assert after.refcount == before.refcount + 1
                assert after.refs_of(actor) == before.refs_of(actor) + 1
            else:
                assert after == before  # nothing found, nothing taken

    @rule(actor=ACTORS)
    def lock_lookup(self, actor: str) -> None:
        before = self.state
        after = self._apply(filemap_lock_folio, actor)
        if after is not None and before.in_xarray:
            assert after.refcount == before.refcount + 1 and after.locked_by == actor

    @rule(actor=ACTORS)
    def try_get(self, actor: str) -> None:
        before = self.state
        try:
            after = folio_try_get(before, actor)
        except IllegalTransitionError as err:
            assert actor in (PAGE_CACHE, PAGE_TABLES) and str(err)
            return
        if before.freed:
            assert after is None
        else:
            assert after is not None and after.refcount == before.refcount + 1
            self.state = after

    @rule(actor=ACTORS)
    def get(self, actor: str) -> None:
        before = self.state
        after = self._apply(folio_get, actor)
        if after is not None:
            assert after.refcount == before.refcount + 1

    @rule(actor=ACTORS)
    def put(self, actor: str) -> None:
        before = self.state
        after = self._apply(folio_put, actor)
        if after is not None:
            assert after.refcount == before.refcount - 1
            assert after.freed == (before.refcount == 1)

    @rule(actor=ACTORS, n=st.integers(min_value=1, max_value=3))
    def put_refs(self, actor: str, n: int) -> None:
        before = self.state
        after = self._apply(folio_put_refs, actor, n)
        if after is not None:
            assert after.refcount == before.refcount - n
            assert after.freed == (before.refcount == n)
        else:
            assert (
                before.freed
                or before.refs_of(actor) < n
                or actor in (PAGE_CACHE, PAGE_TABLES)
                or (before.refcount == n and before.locked_by is not None)
            )

    # ---- lock and page tables

    @rule(actor=ACTORS)
    def lock(self, actor: str) -> None:
        before = self.state
        after = self._apply(folio_lock, actor)
        if after is not None:
            assert before.locked_by is None and after.locked_by == actor
            assert after.refcount == before.refcount

    @rule(actor=st.one_of(st.none(), ACTORS))
    def unlock(self, actor: str | None) -> None:
        before = self.state
        after = self._apply(folio_unlock, actor)
        if after is not None:
            assert before.locked_by is not None and after.locked_by is None
            assert after.refcount == before.refcount

    @rule(actor=ACTORS)
    def map(self, actor: str) -> None:
        before = self.state
        after = self._apply(do_set_pte, actor)
        if after is not None:
            assert after.refcount == before.refcount
            assert after.mapcount == before.mapcount + 1

    # ---- truncation

    @rule()
    def find_lock(self) -> None:
        before = self.state
        after = self._apply(find_lock_entries)
        if after is not None and before.in_xarray:
            assert after.refcount == before.refcount + 1 and after.locked_by == TRUNCATE

    @rule()
    def find_get(self) -> None:
        before = self.state
        after = self._apply(find_get_entries)
        if after is not None and before.in_xarray:
            assert after.refcount == before.refcount + 1

    @rule(actor=ACTORS)
    def cleanup(self, actor: str) -> None:
        before = self.state
        after = self._apply(truncate_cleanup_folio, actor)
        if after is not None:
            assert after.mapcount == 0
            assert after.refcount == before.refcount - before.mapcount

    @rule(actor=ACTORS)
    def delete(self, actor: str) -> None:
        before = self.state
        after = self._apply(page_cache_delete, actor)
        if after is None:
            assert before.locked_by != actor or not before.in_xarray or before.mapcount or before.freed
        else:
            assert before.locked_by == actor
            assert after.refcount == before.refcount  # the cache's references go a step later
            assert (after.mapping, after.in_xarray, after.index) == (0, False, before.index)

    @rule()
    def free(self) -> None:
        before = self.state
        after = self._apply(filemap_free_folio)
        if after is not None:
            assert after.refcount == before.refcount - before.nr_pages  # nr at once, not 1

    @rule(actor=ACTORS)
    def remove(self, actor: str) -> None:
        before = self.state
        after = self._apply(filemap_remove_folio, actor)
        if after is not None:
            assert before.locked_by == actor and before.in_xarray
            assert after.refcount == before.refcount - before.nr_pages
            assert after.mapping == 0

    @rule()
    def release(self) -> None:
        before = self.state
        after = self._apply(folio_batch_release)
        if after is not None:
            assert after.refcount == before.refcount - 1

    @rule(actor=ACTORS)
    def let_go(self, actor: str) -> None:
        """``actor`` unlocks if it holds the lock and puts every reference it holds."""
        s = self.state
        if actor in (PAGE_CACHE, PAGE_TABLES) or s.freed or not s.refs_of(actor):
            return
        if s.locked_by == actor:
            s = folio_unlock(s, actor)
        held = s.refs_of(actor)
        after = folio_put_refs(s, actor, held) if s.refcount > held or s.locked_by is None else None
        if after is not None:
            assert after.refs_of(actor) == 0 and after.refcount == s.refcount - held
            self.state = after

    @rule()
    def whole_truncation(self) -> None:
        """Run truncation's first pass when it can (so random runs reach removal and freeing)."""
        s = self.state
        if s.freed or not s.in_xarray or s.locked_by is not None or s.refs_of(TRUNCATE):
            return
        for step in (find_lock_entries, truncate_cleanup_folio, page_cache_delete, filemap_free_folio):
            s = step(s)
        s = folio_unlock(s, TRUNCATE)
        holders_before_release = s.refcount
        s = folio_batch_release(s)
        assert s.refcount == holders_before_release - 1
        self.state = s

    # ---- a freed folio is final

    @precondition(lambda self: self.state.freed)
    @rule(data=st.data())
    def everything_on_freed_raises(self, data: st.DataObject) -> None:
        name, op = data.draw(st.sampled_from(ON_FREED))
        with pytest.raises(IllegalTransitionError) as info:
            op(self.state)
        assert "was freed" in str(info.value) or "has been freed" in str(info.value), name
        assert folio_try_get(self.state, A) is None

    # ---- invariants

    @invariant()
    def books_balance(self) -> None:
        """Every reference and the lock belong to an actor this machine drives.

        (PageCacheFolio itself already refuses holders that do not add up to the refcount, a freed folio
        with holders, or page tables without mapcount; this checks what it cannot know: who is real.)
        """
        s = self.state
        known = {READAHEAD, A, B, TRUNCATE, PAGE_CACHE, PAGE_TABLES}
        assert {name for name, _ in s.holders} <= known, s.holders
        assert s.locked_by in known | {None}
        assert s.locked_by not in (PAGE_CACHE, PAGE_TABLES), "only a task can hold the folio lock"
        for name, count in s.holders:
            assert f"{name} {count}" in s.holders_text

    @invariant()
    def removal_is_for_good(self) -> None:
        s = self.state
        if s.removed:
            self.was_removed = True
        if self.was_removed:
            assert s.removed and s.mapping == 0 and not s.in_xarray
            assert s.index == self.index  # ->index survives removal
        if s.in_xarray:
            self.index = s.index
        assert is_the_window(s) == (s.removed and not s.freed)
        event(f"reached: {s.where}" + (", mapped" if s.mapcount else ""))


PageCacheMachine.TestCase.settings = settings(
    max_examples=300,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestPageCacheMachine = PageCacheMachine.TestCase
