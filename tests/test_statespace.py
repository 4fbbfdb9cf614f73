"""The generic state-space search, on small toy graphs whose answers are known by hand."""

from __future__ import annotations

import pytest

from folioviz.kernel.errors import FolioVizError
from folioviz.kernel.statespace import can_finish, count_orders, doomed, lasso, path_to, search


def graph(edges: dict[str, list[tuple[int, str]]], start: str = "a"):
    return search(start, lambda s: edges.get(s, []))


def test_a_diamond_merges_the_shared_state_and_counts_both_orders():
    g = graph({"a": [(0, "b"), (1, "c")], "b": [(1, "d")], "c": [(0, "d")]})
    assert g.states == ("a", "b", "c", "d") and g.ends == (3,) and g.transitions == 4
    counts = count_orders(g, can_finish(g))
    assert counts.paths[3] == 2 and counts.stuck == 0
    assert path_to(g, 3) == (0, 1) and g.depth == (0, 1, 1, 2)


def test_two_threads_of_two_steps_interleave_six_ways():
    # state = (steps done by thread 0, steps done by thread 1); each thread makes two steps
    def successors(s):
        return [(t, tuple(n + (i == t) for i, n in enumerate(s))) for t in (0, 1) if s[t] < 2]

    g = search((0, 0), successors)
    assert len(g.states) == 9
    assert count_orders(g, can_finish(g)).paths[g.states.index((2, 2))] == 6  # C(4, 2)


def test_a_trap_is_a_livelock_with_its_point_of_no_return_and_its_loop():
    # a -> b (end) ; a -> c <-> d, never ending
    g = graph({"a": [(0, "b"), (1, "c")], "c": [(0, "d")], "d": [(1, "c")]})
    finish = can_finish(g)
    assert finish == (True, True, False, False)
    counts = count_orders(g, finish)
    assert counts.stuck == 1 and [g.states[i] for i in counts.entries] == ["c"]
    trapped = {i for i, ok in enumerate(finish) if not ok}
    assert lasso(g, counts.entries[0], trapped) == (0, 1)  # c -> d -> c
    assert doomed(g, g.states.index("c")) and not doomed(g, 0)


def test_a_start_that_cannot_finish_counts_the_empty_order():
    g = graph({"a": [(0, "a")]})
    counts = count_orders(g, can_finish(g))
    assert counts.stuck == 1 and counts.entries == (0,)
    assert lasso(g, 0, {0}) == (0,)


def test_a_cycle_that_can_still_finish_cannot_be_counted():
    g = graph({"a": [(0, "b")], "b": [(0, "a"), (1, "c")]})
    with pytest.raises(FolioVizError, match="cycle"):
        count_orders(g, can_finish(g), "toy")


def test_too_many_states_is_refused():
    with pytest.raises(FolioVizError, match="max_states=5"):
        search(0, lambda n: [(0, n + 1)], max_states=5, what="counting up")


def test_a_trap_without_a_cycle_is_an_internal_error():
    g = graph({"a": [(0, "b")]})
    with pytest.raises(FolioVizError, match="internal"):
        lasso(g, 0, {0})
