"""A generic search of a finite state space: every state reachable, orders counted, livelocks found.

Nothing here knows about folios or threads. A *state* is any hashable value; ``successors(state)``
gives ``(label, next_state)`` pairs (the label says who moved: a thread's lane). A state with no
successors is an *end*. :func:`search` builds the graph breadth-first, merging identical states;
then, on that graph:

* :func:`can_finish` marks the states from which some order still reaches an end;
* :func:`count_orders` counts the orders (paths from the start) that reach each end, along the
  states that can finish (they must form a DAG), and the orders that step into a state that cannot
  finish any more (a *livelock*: its *point of no return*);
* :func:`path_to` gives a shortest order to a state, :func:`lasso` the shortest walk from a point of
  no return that comes back to a state it has visited, and :func:`doomed` says whether a state can
  never finish.

>>> g = search("a", lambda s: {"a": [(0, "b"), (1, "c")], "b": [(0, "d")], "c": [(0, "d")]}.get(s, []))
>>> g.states, [len(out) for out in g.edges]
(('a', 'b', 'c', 'd'), [2, 1, 1, 0])
>>> count_orders(g, can_finish(g)).paths
(1, 1, 1, 2)
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from .errors import FolioVizError

__all__ = ["Graph", "OrderCounts", "can_finish", "count_orders", "doomed", "lasso", "path_to", "search"]

S = TypeVar("S", bound=Hashable)
Edge = tuple[int, int]
"""``(label, successor id)``."""


@dataclass(frozen=True)
class Graph(Generic[S]):
    """The reachable states (id = position; 0 is the start), their edges, and a shortest-path tree.

    :param states: the distinct states, in breadth-first order
    :param edges: per state, its ``(label, successor id)`` pairs, in the order ``successors`` gave them
    :param depth: per state, the length of a shortest order reaching it
    :param parent: per state, ``(parent id, label)`` on one shortest order (``None`` for the start)
    """

    states: tuple[S, ...]
    edges: tuple[tuple[Edge, ...], ...]
    depth: tuple[int, ...]
    parent: tuple[tuple[int, int] | None, ...]

    @property
    def ends(self) -> tuple[int, ...]:
        """The states with no successors."""
        return tuple(i for i, out in enumerate(self.edges) if not out)

    @property
    def transitions(self) -> int:
        return sum(len(out) for out in self.edges)


def search(
    initial: S, successors: Callable[[S], Iterable[tuple[int, S]]], max_states: int = 200_000, what: str = "the model"
) -> Graph[S]:
    """Every state reachable from ``initial``, breadth-first, identical states merged.

    :raises FolioVizError: more than ``max_states`` states
    """
    index: dict[S, int] = {initial: 0}
    states: list[S] = [initial]
    edges: list[tuple[Edge, ...]] = []
    depth = [0]
    parent: list[tuple[int, int] | None] = [None]
    queue = deque([0])
    while queue:
        u = queue.popleft()
        out = []
        for label, new in successors(states[u]):
            v = index.get(new)
            if v is None:
                v = len(states)
                if v >= max_states:
                    raise FolioVizError(f"{what} has more than max_states={max_states} states; explore fewer threads")
                index[new] = v
                states.append(new)
                depth.append(depth[u] + 1)
                parent.append((u, label))
                queue.append(v)
            out.append((label, v))
        edges.append(tuple(out))
    return Graph(tuple(states), tuple(edges), tuple(depth), tuple(parent))


def can_finish(g: Graph[S]) -> tuple[bool, ...]:
    """Per state: can some order from it still reach an end? (Reverse reachability from the ends.)"""
    reverse: list[list[int]] = [[] for _ in g.states]
    for u, out in enumerate(g.edges):
        for _, v in out:
            reverse[v].append(u)
    finish = [False] * len(g.states)
    stack = list(g.ends)
    for i in stack:
        finish[i] = True
    while stack:
        v = stack.pop()
        for u in reverse[v]:
            if not finish[u]:
                finish[u] = True
                stack.append(u)
    return tuple(finish)


@dataclass(frozen=True)
class OrderCounts:
    """Orders counted from the start.

    :param paths: per state, how many orders from the start reach it along states that can finish
    :param stuck: how many orders step into a state that cannot finish (1 when the start cannot: the
        empty order)
    :param entries: the states those orders step into (their points of no return)
    """

    paths: tuple[int, ...]
    stuck: int
    entries: tuple[int, ...]


def count_orders(g: Graph[S], finish: tuple[bool, ...], what: str = "the model") -> OrderCounts:
    """Count orders along the states that can finish, in Kahn's topological order.

    :raises FolioVizError: a cycle among states that can finish (orders could not be counted)
    """
    n = len(g.states)
    if not finish[0]:
        return OrderCounts((0,) * n, 1, (0,))
    indegree = [0] * n
    for u in range(n):
        if finish[u]:
            for _, v in g.edges[u]:
                indegree[v] += finish[v]
    paths = [0] * n
    paths[0] = 1
    stuck, entries = 0, []
    ready = deque(i for i in range(n) if finish[i] and indegree[i] == 0)
    seen = 0
    while ready:
        u = ready.popleft()
        seen += 1
        for _, v in g.edges[u]:
            if not finish[v]:
                stuck += paths[u]
                entries.append(v)
                continue
            paths[v] += paths[u]
            indegree[v] -= 1
            if indegree[v] == 0:
                ready.append(v)
    if seen != sum(finish):
        raise FolioVizError(f"{what}: a cycle among states that can still finish; orders cannot be counted")
    return OrderCounts(tuple(paths), stuck, tuple(entries))


def path_to(g: Graph[S], target: int) -> tuple[int, ...]:
    """The labels of one shortest order from the start to ``target``."""
    labels = []
    at = target
    while (link := g.parent[at]) is not None:
        at, label = link
        labels.append(label)
    return tuple(reversed(labels))


def _bfs(g: Graph[S], start: int, allowed: set[int]) -> dict[int, tuple[int, int] | None]:
    """Shortest-path tree from ``start`` inside ``allowed``: node -> (parent, label)."""
    tree: dict[int, tuple[int, int] | None] = {start: None}
    queue = deque([start])
    while queue:
        u = queue.popleft()
        for label, v in g.edges[u]:
            if v in allowed and v not in tree:
                tree[v] = (u, label)
                queue.append(v)
    return tree


def _walk(tree: dict[int, tuple[int, int] | None], target: int) -> list[int]:
    labels = []
    while (link := tree[target]) is not None:
        target, label = link
        labels.append(label)
    return list(reversed(labels))


def _shortest_cycle(g: Graph[S], s: int, allowed: set[int]) -> list[int] | None:
    """The labels of a shortest cycle through ``s`` inside ``allowed``, or None."""
    back = _bfs(g, s, allowed)
    for u in sorted(back, key=lambda x: (len(_walk(back, x)), x)):
        for label, v in g.edges[u]:
            if v == s:
                return [*_walk(back, u), label]
    return None


def lasso(g: Graph[S], entry: int, trapped: set[int]) -> tuple[int, ...]:
    """From ``entry``, the shortest walk inside ``trapped`` that comes back to a state it has visited.

    :raises FolioVizError: no such walk (``trapped`` states that lead into no cycle)
    """
    tree = _bfs(g, entry, trapped)
    best: tuple[int, ...] | None = None
    for s in sorted(tree, key=lambda x: (len(_walk(tree, x)), x)):
        lead = _walk(tree, s)
        if best is not None and len(lead) >= len(best):
            break
        cycle = _shortest_cycle(g, s, trapped)
        if cycle is not None and (best is None or len(lead) + len(cycle) < len(best)):
            best = tuple(lead + cycle)
    if best is None:
        raise FolioVizError("internal: a state that cannot finish but leads into no cycle")
    return best


def doomed(g: Graph[S], start: int) -> bool:
    """True when no order from ``start`` reaches an end."""
    stack, seen = [start], {start}
    while stack:
        u = stack.pop()
        if not g.edges[u]:
            return False
        for _, v in g.edges[u]:
            if v not in seen:
                seen.add(v)
                stack.append(v)
    return True
