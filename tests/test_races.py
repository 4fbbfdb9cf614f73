"""The race explorer's model: outcome sets per variant, counts against brute force, replays, inputs."""

from __future__ import annotations

import math
import time
from collections import Counter

import pytest

from folioviz.kernel import races
from folioviz.kernel.errors import ContradictoryFolioError, FolioVizError, UnknownEraError
from folioviz.kernel.mkwrite import MkwriteInputs, Outcome, mkwrite_outcome
from folioviz.kernel.pagecache import PageCacheFolio
from folioviz.kernel.races import (
    DONE,
    VARIANTS,
    RaceInputError,
    RaceModel,
    RaceOutcome,
    compare_variants,
    enabled_threads,
    explore,
    folio_view,
    initial_state,
    is_final,
    run_outcome,
    step,
    successors,
    unsafe_variants,
    waiting_for,
)

# --------------------------------------------------------------------------- brute force (no merging)


def brute_force(model: RaceModel) -> Counter[str]:
    """Every order of steps, one by one, with no merging of states and no counting along a graph.

    An order ends when the run ends (every thread done, or a broken rule), or when no continuation
    of it can finish any more (a livelock, counted at that point). Whether some continuation can
    finish is asked by a plain search from the order's current state.
    """
    counts: Counter[str] = Counter()

    def can_finish(state: races.RaceState) -> bool:
        stack, seen = [state], {state}
        while stack:
            here = stack.pop()
            nexts = successors(model, here)
            if not nexts:
                return True
            for _, new in nexts:
                if new not in seen:
                    seen.add(new)
                    stack.append(new)
        return False

    def walk(state: races.RaceState) -> None:
        nexts = successors(model, state)
        if not nexts:
            counts[run_outcome(model, state).name] += 1
            return
        if not can_finish(state):
            counts["LIVELOCK"] += 1
            return
        for _, new in nexts:
            walk(new)

    walk(initial_state(model))
    return counts


SMALL_MODELS = [
    RaceModel(variant=v, handler=h, folio=f)
    for v in VARIANTS
    for h in ("old-school", "modern")
    for f in ("file", "driver")
] + [
    RaceModel(variant="folio_mapping", folio="driver", kernel="5.10"),
    RaceModel(variant="folio_mapping", folio="driver", kernel="6.12"),
    RaceModel(variant="kernel", folio="driver", readers=1),
    RaceModel(variant="folio_mapping", folio="driver", readers=1),
    RaceModel(variant="no-check", folio="driver", faults=2),
]


@pytest.mark.parametrize("model", SMALL_MODELS, ids=lambda m: m.describe())
def test_exploration_counts_every_order_as_brute_force_does(model):
    exploration = explore(model)
    assert exploration.counts == dict(brute_force(model))
    assert exploration.total == sum(exploration.counts.values())


def test_brute_force_on_a_three_thread_file_model():
    model = RaceModel(variant="check-before-lock", readers=1)
    counts = brute_force(model)
    assert explore(model).counts == dict(counts)
    assert sum(counts.values()) > 1000  # a reader multiplies the orders


# --------------------------------------------------------------------------- outcome sets


FILE_OLD_SCHOOL = {
    "kernel": ("WRITE_OK", "RETRY", "MISSED"),
    "no-lock": ("WRITE_OK", "RETRY", "MISSED", "WRITE_ON_TRUNCATED", "WRITE_DURING_TRUNCATION"),
    "check-before-lock": ("WRITE_OK", "RETRY", "MISSED", "WRITE_ON_TRUNCATED"),
    "no-check": ("WRITE_OK", "MISSED", "WRITE_ON_TRUNCATED"),
    "folio_mapping": ("WRITE_OK", "RETRY", "MISSED"),
}


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_each_variants_outcome_set_on_a_file_folio(variant):
    assert explore(RaceModel(variant=variant)).outcome_names == FILE_OLD_SCHOOL[variant]


def test_the_kernels_code_never_writes_to_a_truncated_folio_and_the_others_can():
    assert unsafe_variants() == ("no-lock", "check-before-lock", "no-check")
    assert not explore(RaceModel()).harmful
    # folio_mapping() reads a file folio's word exactly as folio->mapping does: same graph, same counts
    assert explore(RaceModel(variant="folio_mapping")).counts == explore(RaceModel()).counts


def test_with_a_modern_handler_the_variants_do_not_matter():
    comparison = compare_variants(handler="modern")
    first = comparison.explorations[0]
    assert first.outcome_names == ("WRITE_OK", "RETRY", "MISSED")
    for exploration in comparison:
        assert exploration.counts == first.counts
        assert exploration.states == first.states
    assert unsafe_variants(handler="modern") == ()


def test_the_livelock_needs_folio_mapping_a_driver_page_and_the_email_era():
    driver = compare_variants(folio="driver")
    for exploration in driver:
        expected = ("LIVELOCK",) if exploration.model.variant == "folio_mapping" else ("WRITE_OK",)
        assert exploration.outcome_names == expected
    livelock = driver["folio_mapping"].report("LIVELOCK")
    assert livelock.certain and livelock.interleavings == 1  # doomed before any step
    assert explore(RaceModel(variant="folio_mapping", folio="driver", kernel="6.12")).outcome_names == ("LIVELOCK",)
    # before v6.0 page_mapping() masked the tag and returned a pointer (B2): no livelock
    assert explore(RaceModel(variant="folio_mapping", folio="driver", kernel="5.10")).outcome_names == ("WRITE_OK",)
    # a modern driver handler takes the lock itself; do_page_mkwrite() never runs its check
    assert explore(RaceModel(variant="folio_mapping", folio="driver", handler="modern")).outcome_names == ("WRITE_OK",)


@pytest.mark.parametrize("kernel", ["5.10", "5.19", "6.0", "6.4", "6.6", "6.12", "6.16"])
@pytest.mark.parametrize("variant,check", [("kernel", "folio->mapping"), ("folio_mapping", "folio_mapping()")])
def test_the_livelock_agrees_with_the_do_page_mkwrite_model(kernel, variant, check):
    inputs = MkwriteInputs(handler="old-school", folio="movable-tagged", kernel=kernel, check=check)
    loops = mkwrite_outcome(inputs).outcome is Outcome.LIVELOCK
    race = explore(RaceModel(variant=variant, folio="driver", kernel=kernel))
    assert (race.outcome_names == ("LIVELOCK",)) is loops
    assert loops is (variant == "folio_mapping" and kernel not in ("5.10", "5.19"))


# --------------------------------------------------------------------------- counts by hand


def test_counts_worked_out_by_hand_for_the_kernels_code():
    """Fault: F1 ->fault, F2 ->page_mkwrite, F3 lock, F4 check, F5 map, F6 unlock. Truncation's first
    step T1 decides. T1 before F1: the fault's lookup waits on the lock until the deletion, then misses,
    and can run after the delete, the free, the unlock or the release: 4 orders (MISSED). T1 after F1 or
    F2: truncation holds the lock when the fault wants it, so the fault sees NULL and retries. T1 after
    F6: 1 order. T1 after F3, F4 or F5: the trylock fails, the second pass's find_get_entries() goes in
    any slot up to just after F6 (4, 3 or 2 ways) and its folio_lock() waits for F6: 9 orders.
    WRITE_OK = 1 + 9 = 10."""
    counts = explore(RaceModel()).counts
    assert counts["MISSED"] == 4
    assert counts["WRITE_OK"] == 10
    assert counts == {"WRITE_OK": 10, "RETRY": 37, "MISSED": 4}


@pytest.mark.parametrize(
    "model,fault_steps,other_steps",
    [
        # straight-line threads that never wait: truncation finds no driver page in the page cache
        (RaceModel(folio="driver", handler="modern"), 5, (1,)),  # ->fault, lock, check, map, unlock
        (RaceModel(folio="driver"), 6, (1,)),  # ->fault, ->page_mkwrite, lock, check, map, unlock
        (RaceModel(folio="driver", variant="no-lock"), 4, (1,)),  # ->fault, ->page_mkwrite, check, map
        (RaceModel(folio="driver", variant="no-check"), 5, (1,)),
        (RaceModel(folio="driver", readers=1), 6, (1, 1)),  # the reader finds nothing either
    ],
    ids=lambda x: x.describe() if isinstance(x, RaceModel) else str(x),
)
def test_straight_line_threads_give_the_multinomial_count(model, fault_steps, other_steps):
    total = fault_steps + sum(other_steps)
    expected = math.factorial(total) // math.prod(math.factorial(k) for k in (fault_steps, *other_steps))
    exploration = explore(model)
    assert exploration.counts == {"WRITE_OK": expected}
    assert exploration.report("WRITE_OK").certain


# --------------------------------------------------------------------------- the lock and the check, as invariants


def test_under_the_kernels_code_the_checked_lock_means_the_folio_is_in_the_cache():
    model = RaceModel()
    for state in explore(model).state_space:
        if state.pcs[0] in ("write", "unlock") and state.folio.locked_by == "fault":
            assert state.folio.in_xarray  # (the word is then non-NULL: PageCacheFolio enforces that)
        # while the fault holds the lock, truncation cannot have deleted the folio since the check
        if state.pcs[0] == "write":
            assert state.folio.locked_by == "fault"


def test_every_state_is_a_valid_page_cache_state_and_ends_are_final():
    for model in (RaceModel(), RaceModel(variant="no-lock"), RaceModel(faults=2)):
        exploration = explore(model)
        for state in exploration.state_space:
            assert isinstance(state.folio, PageCacheFolio)  # re-validated on every transition
            # what PageCacheFolio cannot know: a thread that has finished keeps no reference and no lock
            for lane, pc in zip(model.lanes, state.pcs, strict=True):
                if pc == DONE and state.broken is None:
                    assert state.folio.refs_of(lane) == 0, (lane, state.folio.holders)
                    assert state.folio.locked_by != lane
            if not enabled_threads(model, state):
                assert is_final(state) or run_outcome(model, state).name == "DEADLOCK"
        assert "DEADLOCK" not in exploration.outcome_set


def test_the_bugs_are_the_page_cache_models_refusals():
    check_first = explore(RaceModel(variant="check-before-lock")).replay("WRITE_ON_TRUNCATED")
    end = check_first.scenario[-1].state
    assert end.broken is not None and end.broken.function == "finish_fault"
    assert end.broken.check == ""  # no kernel check would notice
    assert "no longer in the page cache" in end.broken.message
    during = explore(RaceModel(variant="no-lock")).replay("WRITE_DURING_TRUNCATION")
    end = during.scenario[-1].state
    assert end.broken.function == "page_cache_delete_batch" and "folio_mapped" in end.broken.check
    assert during.moves[-1].lane == "truncate"


# --------------------------------------------------------------------------- replays


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_every_outcome_replays_to_its_end_in_its_shortest_order(variant):
    exploration = explore(RaceModel(variant=variant))
    for report in exploration.outcomes:
        replay = exploration.replay(report.name)
        assert len(replay.scenario) == len(report.shortest) + 1
        assert [m.thread for m in replay.moves] == list(report.shortest)
        last = replay.scenario[-1].state
        assert run_outcome(replay.model, last) == report.outcome
        # no shorter order reaches it: breadth-first depth of every end state with this outcome
        assert len(report.shortest) == min(
            len(brute) for brute in _orders_ending_in(replay.model, report.name, len(report.shortest))
        )
        for index, s in enumerate(replay.scenario):
            assert s.source is None or s.source.release in ("v6.1.4",)
            if index:
                assert s.caption.startswith(replay.moves[index - 1].lane + ": ")


def _orders_ending_in(model, name, limit):
    """Orders of at most ``limit`` moves that end in outcome ``name`` (a small brute-force search)."""
    found = []

    def walk(state, path):
        nexts = successors(model, state)
        if not nexts:
            if run_outcome(model, state).name == name:
                found.append(path)
            return
        if len(path) >= limit:
            return
        for move, new in nexts:
            walk(new, (*path, move.thread))

    walk(initial_state(model), ())
    return found


def test_the_kernels_shortest_retry_and_write_tell_the_story():
    exploration = explore(RaceModel())
    write = exploration.replay("WRITE_OK")
    assert [m.lane for m in write.moves] == ["fault"] * 6 + ["truncate"] * 6
    assert write.scenario[-1].state.folio.freed
    retry = exploration.replay("RETRY")
    functions = [m.function for m in retry.moves]
    assert functions.index("page_cache_delete_batch") < functions.index("do_page_mkwrite")
    waits = [retry.waiting(i) for i in range(len(retry.scenario))]
    assert {0: "truncate"} in waits  # the fault waited for truncation's lock
    assert any("NULL → retry" in m.label for m in retry.moves)


def test_the_livelock_replay_shows_the_loop_closing():
    replay = explore(RaceModel(folio="driver", variant="folio_mapping")).replay("LIVELOCK")
    assert replay.decided_at == 0
    assert replay.loops_to is not None and replay.loops_to < len(replay.scenario) - 1
    assert replay.scenario[-1].state == replay.scenario[replay.loops_to].state
    assert "exactly the state of step" in replay.scenario[-1].caption
    assert {m.lane for m in replay.moves} == {"fault"}  # the loop needs no truncation at all


def test_waiting_and_stepping_rules():
    model = RaceModel()
    state = initial_state(model)
    state, move = step(model, state, 1)  # truncation locks first
    assert move.function == "find_lock_entries" and state.folio.locked_by == "truncate"
    assert waiting_for(model, state, 0) == "truncate"
    assert enabled_threads(model, state) == (1,)
    with pytest.raises(FolioVizError, match="waiting for the folio lock, which truncate holds"):
        step(model, state, 0)
    with pytest.raises(RaceInputError, match="lane index from 0 to 1"):
        step(model, state, 2)


def test_a_locked_folio_sends_truncation_to_its_second_pass():
    model = RaceModel()
    state = initial_state(model)
    for _ in range(3):  # ->fault, ->page_mkwrite, lock
        state, _ = step(model, state, 0)
    assert state.folio.locked_by == "fault"
    moves = []
    for lane in (1, 1, 0, 0, 0):  # trylock fails, find_get_entries, then the fault checks, maps, unlocks
        state, move = step(model, state, lane)
        moves.append(move)
    assert [m.function for m in moves[:2]] == ["find_lock_entries", "find_get_entries"]
    assert "trylock fails" in moves[0].label and state.folio.refs_of("truncate") == 1
    while not is_final(state):
        state, move = step(model, state, enabled_threads(model, state)[0])
        moves.append(move)
    functions = [m.function for m in moves if m.lane == "truncate"]
    assert functions == [
        "find_lock_entries",
        "find_get_entries",
        "folio_lock",
        "truncate_cleanup_folio",
        "page_cache_delete",  # inside filemap_remove_folio(), not the batch
        "filemap_free_folio",
        "folio_unlock",
        "folio_batch_release",
    ]
    assert run_outcome(model, state).name == "WRITE_OK" and state.folio.freed


def test_folio_view_shows_the_driver_word():
    model = RaceModel(folio="driver")
    view = folio_view(model, initial_state(model))
    assert view.mapping.endswith("2 (movable)") and view.where == "driver's page"
    assert folio_view(RaceModel(), initial_state(RaceModel())).line().startswith("ref 1 · unlocked · mapping 0x")


# --------------------------------------------------------------------------- inputs


@pytest.mark.parametrize(
    "kwargs,error,match",
    [
        ({"variant": "sometimes-lock"}, RaceInputError, "variant must be one of 'kernel', 'no-lock'"),
        ({"handler": "lazy"}, RaceInputError, "handler must be one of 'old-school', 'modern'"),
        ({"folio": "anon"}, RaceInputError, "folio must be one of 'file', 'driver', not 'anon'"),
        ({"faults": 0}, RaceInputError, "faults must be a whole number from 1 to 3"),
        ({"faults": True}, RaceInputError, "faults must be a whole number"),
        ({"readers": 5}, RaceInputError, "readers must be a whole number from 0 to 2"),
        ({"kernel": "4.19"}, UnknownEraError, "older than the oldest"),
        ({"kernel": 6.4}, UnknownEraError, "must be a version string"),
        ({"folio": "driver", "kernel": "6.17"}, ContradictoryFolioError, "movable tag is gone"),
    ],
)
def test_bad_inputs_say_what_is_allowed(kwargs, error, match):
    with pytest.raises(error, match=match):
        RaceModel(**kwargs)


def test_aliases_and_normalisation():
    assert RaceModel(variant="folio_mapping()").variant == "folio_mapping"
    assert RaceModel(variant="No lock").variant == "no-lock"
    assert RaceModel(handler="legacy").handler == "old-school"
    assert RaceModel(kernel="v6.12.8").kernel == "6.12"
    assert RaceModel(kernel="6.12").release == "v6.12.8" and RaceModel(kernel="5.10").pagecache_release == "v6.1.4"
    with pytest.raises(RaceInputError, match="outcome 'LIVELOCK' is not reached"):
        explore(RaceModel()).report("LIVELOCK")
    with pytest.raises(RaceInputError, match="explore\\(\\) takes a RaceModel"):
        explore("kernel")


def test_kernel_folio_form_links_follow_the_release():
    replay = explore(RaceModel(kernel="6.12")).replay("RETRY")
    lock = next(s for s in replay.scenario if s.function == "do_page_mkwrite")
    assert lock.source.release == "v6.12.8" and lock.source.line
    assert "folio_lock(folio)" in lock.caption
    assert "!folio->mapping" in " ".join(s.caption for s in replay.scenario)


# --------------------------------------------------------------------------- growth


def test_threads_multiply_states_and_the_two_thread_model_is_fast():
    sizes = {}
    for kwargs in ({}, {"readers": 1}, {"faults": 2}, {"faults": 2, "readers": 1}):
        sizes[tuple(kwargs.items())] = explore(RaceModel(**kwargs)).states
    assert sizes[()] < sizes[(("readers", 1),)] < sizes[(("faults", 2),)] < sizes[(("faults", 2), ("readers", 1))]
    start = time.perf_counter()
    for variant in VARIANTS:
        explore.__wrapped__(RaceModel(variant=variant))  # uncached
    assert time.perf_counter() - start < 1.0


def test_max_states_guard():
    with pytest.raises(FolioVizError, match="more than max_states=50 states"):
        explore(RaceModel(faults=2), max_states=50)


def test_comparison_lookup_and_reprs():
    comparison = compare_variants()
    assert comparison["no check"].model.variant == "no-check"
    assert comparison.outcome_names == (
        "WRITE_OK",
        "RETRY",
        "MISSED",
        "WRITE_ON_TRUNCATED",
        "WRITE_DURING_TRUNCATION",
    )
    assert repr(explore(RaceModel())) == "Exploration('kernel', states=62, WRITE_OK:10, RETRY:37, MISSED:4)"
    assert RaceOutcome.WRITE_ON_TRUNCATED.harmful and not RaceOutcome.RETRY.harmful
    two = explore(RaceModel(faults=2))
    assert "RETRY+WRITE_OK" in two.outcome_set and "WRITE_OK+RETRY" in two.outcome_set
