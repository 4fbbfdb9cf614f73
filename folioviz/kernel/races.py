"""Every interleaving of a write fault against truncation (rules R8–R11, B4, B5).

``do_page_mkwrite()`` takes the folio lock and then tests ``folio->mapping`` for an old-school
``->page_mkwrite`` handler (R10). Why both? Because truncation can run between any two steps of the
fault. This module runs two (or more) threads as sequences of atomic steps, explores **every**
order in which their steps can interleave, merges identical states, and reports the distinct
outcomes: for each one a shortest interleaving that reaches it and how many interleavings do.

The threads
-----------
**The write fault** mirrors ``do_shared_fault()`` (``mm/memory.c``; read in v6.1.4, v6.12.8 and
v7.2.8): a store to a shared file mapping whose page-table entry is empty.

1. ``->fault`` (``filemap_fault()``) finds the folio in the page cache, takes a reference, locks it,
   checks that ``->mapping`` is still the file's and returns it locked; ``do_shared_fault()`` then
   unlocks it before calling ``do_page_mkwrite()``. *One atomic step in the model*: it waits while
   someone else holds the lock, and finds nothing once truncation has deleted the folio (the fault
   then ends: beyond the new end of file ``filemap_fault()`` returns ``VM_FAULT_SIGBUS``).
2. ``->page_mkwrite``: an **old-school** handler returns 0 without the lock; a **modern** one
   (``filemap_page_mkwrite()``) locks the folio, checks ``->mapping`` and returns ``VM_FAULT_LOCKED``,
   or unlocks and returns ``VM_FAULT_NOPAGE`` if the folio was truncated.
3. For an old-school handler, ``do_page_mkwrite()`` takes the lock and checks for truncation (the
   *variant* decides how; see :data:`VARIANTS`). A truncated folio: unlock, return 0.
4. Retry: ``do_shared_fault()`` drops its reference and returns; the store runs again, so the
   thread goes back to step 1.
5. Proceed: ``finish_fault()`` maps the folio into the page table (the fault's reference becomes the
   page table's: :func:`~folioviz.kernel.pagecache.do_set_pte`), ``fault_dirty_shared_page()``
   dirties it and unlocks it.

**Truncation** mirrors ``truncate_inode_pages_range()`` (``mm/truncate.c``; the same two passes in
v5.10.223, page-based there, and in v6.1.4, v6.12.8 and v7.2.8). Its first pass takes a reference and
*trylocks* (:func:`~folioviz.kernel.pagecache.find_lock_entries`); a folio that is locked is skipped
and the second pass takes a reference (``find_get_entries()``) and waits in ``folio_lock()``. Then:
unmap (``truncate_cleanup_folio()``), delete from the cache (``->mapping`` = NULL), drop the cache's
references (``filemap_free_folio()``), unlock, and release its own reference.

Optional extra threads make the model grow: a second (or third) **write fault** on the same folio,
and **readers** that look the folio up and put it again, as ``read()`` does (a second lookup).

Every step on the folio is a transition of :mod:`folioviz.kernel.pagecache`, so the two models
agree: a step that the page-cache model refuses (an
:class:`~folioviz.kernel.errors.IllegalTransitionError`) is a **bug**, and the order ends there.
Two steps bend that model, and say so: the *no-lock* variant maps the folio without the lock
(``do_set_pte()`` is asked everything but its lock rule), and a driver page's page-table reference
is handed to a holder of its own (the page-cache model counts page-table references only for
page-cache folios).

Outcomes (:class:`RaceOutcome`)
-------------------------------
``WRITE_OK`` the write proceeds on a folio still in the page cache; ``RETRY`` the fault saw the
truncation and was retried; ``MISSED`` truncation deleted the folio before the fault found it;
``WRITE_ON_TRUNCATED`` the fault maps a folio already removed from the cache (the page-cache model
refuses it, and no kernel check would notice); ``WRITE_DURING_TRUNCATION`` the fault maps the folio
after truncation unmapped it and before it deleted it (the deletion then trips a debug check);
``LIVELOCK`` no order can ever finish (``folio_mapping()`` on an old driver's movable-tagged page);
``DEADLOCK`` no thread can move (never reached by the modelled variants).

An order ends when every thread is done, when a step breaks a page-cache rule, or, for a livelock,
at its **point of no return**: the first state from which no continuation can finish. Counts are of
such orders; a livelock that is certain before any step counts one order (the empty one).

What the model leaves out (it is coarser than the kernel)
---------------------------------------------------------
One folio of one page, wholly inside the truncated range; one truncation (truncations of a file are
serialised by its ``i_rwsem`` and ``invalidate_lock``), which starts at its page-cache pass (the new
``i_size`` is already set); no XArray, RCU, writeback, dirty or private data; the lock's wait queue
is "a blocked thread waits". ``filemap_fault()`` and the unlock in ``do_shared_fault()`` are one
step. The other caller, ``wp_page_shared()``, is not modelled: it reaches the folio through a
present page-table entry, and after ``do_page_mkwrite()`` its ``finish_mkwrite_fault()`` re-checks
that entry under the page-table lock, a second guard that ``do_shared_fault()`` lacks (its
``finish_fault()`` only re-checks that the entry is still empty, which truncation leaves empty; read
in v6.1.4 and v6.12.8). All variants
but ``kernel`` are hypothetical code (``folio_mapping`` is the never-merged v1 patch of July 2023).

The module's parts: :mod:`.race_model` (the inputs, outcomes and states), :mod:`.race_threads` (each
thread's step program) and :mod:`folioviz.kernel.statespace` (the generic search); this module explores,
replays and compares, and re-exports the names of the other two.

>>> e = explore(RaceModel())
>>> e.outcome_names
('WRITE_OK', 'RETRY', 'MISSED')
>>> explore(RaceModel(variant="no-check")).outcome_names
('WRITE_OK', 'MISSED', 'WRITE_ON_TRUNCATED')
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import cache

from . import statespace
from .mapping import format_word
from .race_model import (
    DONE,
    FOLIOS,
    HANDLERS,
    MAX_FAULTS,
    MAX_READERS,
    MAX_STATES,
    OUTCOME_ORDER,
    VARIANT_ALIASES,
    VARIANTS,
    Broken,
    FolioView,
    Move,
    RaceInputError,
    RaceModel,
    RaceOutcome,
    RaceState,
    RunOutcome,
    ThreadSpec,
    Variant,
    choose,
)
from .race_threads import (
    enabled_threads,
    folio_view,
    initial_state,
    is_final,
    run_outcome,
    step,
    successors,
    thread_plan,
    waiting_for,
)
from .scenario import Scenario, Step
from .versions import get_era

__all__ = [
    "DONE",
    "FOLIOS",
    "HANDLERS",
    "MAX_FAULTS",
    "MAX_READERS",
    "MAX_STATES",
    "OUTCOME_ORDER",
    "VARIANTS",
    "Broken",
    "Comparison",
    "Exploration",
    "FolioView",
    "Move",
    "OutcomeReport",
    "RaceInputError",
    "RaceModel",
    "RaceOutcome",
    "RaceState",
    "Replay",
    "RunOutcome",
    "ThreadSpec",
    "Variant",
    "compare_variants",
    "enabled_threads",
    "explore",
    "folio_view",
    "initial_state",
    "is_final",
    "run_outcome",
    "step",
    "successors",
    "unsafe_variants",
    "waiting_for",
]


# --------------------------------------------------------------------------- exploration


@dataclass(frozen=True)
class OutcomeReport:
    """One distinct outcome of an exploration.

    :param outcome: the outcome
    :param interleavings: how many orders of steps end in it (for a livelock: orders up to their
        point of no return; 1 when no step can avoid it, the empty order)
    :param shortest: the lane of each move of one shortest such order (for a livelock, continued until
        the run comes back to a state it was in, so the loop shows)
    :param certain: the outcome is reached whatever the order (every order ends in it)
    """

    outcome: RunOutcome
    interleavings: int
    shortest: tuple[int, ...]
    certain: bool = False

    @property
    def name(self) -> str:
        return self.outcome.name


@dataclass(frozen=True, eq=False)
class Exploration:
    """The result of exploring every interleaving of one :class:`RaceModel`.

    :param states: distinct states reached (identical states merged)
    :param transitions: moves between them
    :param outcomes: the distinct outcomes, in :data:`OUTCOME_ORDER`
    :param total: orders counted over all outcomes
    """

    model: RaceModel
    states: int
    transitions: int
    outcomes: tuple[OutcomeReport, ...]
    total: int
    _graph: statespace.Graph[RaceState] = field(repr=False, compare=False)

    @property
    def outcome_names(self) -> tuple[str, ...]:
        return tuple(report.name for report in self.outcomes)

    @property
    def outcome_set(self) -> frozenset[str]:
        return frozenset(self.outcome_names)

    @property
    def counts(self) -> dict[str, int]:
        """``{outcome name: interleavings}``."""
        return {report.name: report.interleavings for report in self.outcomes}

    @property
    def harmful(self) -> bool:
        return any(report.outcome.harmful for report in self.outcomes)

    @property
    def state_space(self) -> tuple[RaceState, ...]:
        """Every distinct state reached, in breadth-first order (state 0 is the start)."""
        return self._graph.states

    def report(self, outcome: str | RunOutcome | RaceOutcome) -> OutcomeReport:
        """The report for one outcome (by name, ``RunOutcome`` or single ``RaceOutcome``)."""
        name = outcome.name if isinstance(outcome, (RunOutcome, RaceOutcome)) else outcome
        for report in self.outcomes:
            if report.name == name:
                return report
        have = ", ".join(self.outcome_names)
        raise RaceInputError(f"outcome {name!r} is not reached by {self.model.describe()}; its outcomes are: {have}")

    def replay(self, outcome: str | RunOutcome | RaceOutcome | None = None) -> Replay:
        """One shortest interleaving that ends in ``outcome`` (default: the first), as a scenario to step through."""
        report = self.outcomes[0] if outcome is None else self.report(outcome)
        return _replay(self.model, report)

    def __repr__(self) -> str:
        counts = ", ".join(f"{r.name}:{r.interleavings}" for r in self.outcomes)
        return f"Exploration({self.model.variant!r}, states={self.states}, {counts})"


@cache
def explore(model: RaceModel, max_states: int = MAX_STATES) -> Exploration:
    """Explore every interleaving of ``model``'s threads, merging identical states.

    Breadth-first from :func:`initial_state`; a state where the run has ended has no successors.
    Then: which states can still finish (reverse reachability from the ends); orders counted along
    the acyclic part of the graph (Kahn's order); a livelock where an order enters a state that can
    never finish. The search itself is generic (:mod:`folioviz.kernel.statespace`). The same model
    always gives the same result (it is cached).

    :raises FolioVizError: more than ``max_states`` states, or a cycle among states that can still
        finish (an order that could loop and still end; no modelled variant has one)
    """
    if not isinstance(model, RaceModel):
        raise RaceInputError(f"explore() takes a RaceModel (for example RaceModel(variant='no-check')), not {model!r}")

    def moves(state: RaceState) -> list[tuple[int, RaceState]]:
        return [(move.thread, new) for move, new in successors(model, state)]

    graph = statespace.search(initial_state(model), moves, max_states, what=model.describe())
    return _summarise(model, graph)


def _summarise(model: RaceModel, g: statespace.Graph[RaceState]) -> Exploration:
    finish = statespace.can_finish(g)
    counts = statespace.count_orders(g, finish, what=model.describe())
    by_outcome: dict[RunOutcome, list[int]] = {}
    for i in g.ends:
        by_outcome.setdefault(run_outcome(model, g.states[i]), []).append(i)
    reports = []
    for outcome, members in by_outcome.items():
        best = min(members, key=lambda i: (g.depth[i], i))
        reports.append(OutcomeReport(outcome, sum(counts.paths[i] for i in members), statespace.path_to(g, best)))
    if counts.entries:
        entry = min(counts.entries, key=lambda i: (g.depth[i], i))
        trapped = {i for i, ok in enumerate(finish) if not ok}
        order = statespace.path_to(g, entry) + statespace.lasso(g, entry, trapped)
        reports.append(OutcomeReport(RunOutcome((RaceOutcome.LIVELOCK,)), counts.stuck, order))
    reports.sort(key=lambda r: r.outcome.sort_key)
    if len(reports) == 1:
        reports = [replace(reports[0], certain=True)]
    total = counts.stuck + sum(r.interleavings for r in reports if r.outcome.kinds != (RaceOutcome.LIVELOCK,))
    return Exploration(model, len(g.states), g.transitions, tuple(reports), total, g)


# --------------------------------------------------------------------------- replay


@dataclass(frozen=True)
class Replay:
    """One interleaving, ready for the stepper: ``scenario.steps[0]`` is the start, step *k* follows move *k*.

    :param moves: the moves, one per step after the first
    :param decided_at: the step after which the outcome is certain (a livelock's point of no return)
        or at which the run ended (the last step); None when the run finishes normally
    :param loops_to: for a livelock, the earlier step whose state the last step repeats
    """

    model: RaceModel
    report: OutcomeReport
    scenario: Scenario[RaceState]
    moves: tuple[Move, ...]
    decided_at: int | None = None
    loops_to: int | None = None

    @property
    def outcome(self) -> RunOutcome:
        return self.report.outcome

    @property
    def lanes(self) -> tuple[str, ...]:
        return self.model.lanes

    def __len__(self) -> int:
        return len(self.scenario)

    def mover(self, index: int) -> int | None:
        """The lane that moved to reach step ``index`` (None for step 0)."""
        return None if index == 0 else self.moves[index - 1].thread

    def waiting(self, index: int) -> dict[int, str]:
        """At step ``index``: lane -> the lock holder it is waiting for."""
        state = self.scenario.steps[index].state
        out = {}
        for lane in range(len(self.model.threads)):
            holder = waiting_for(self.model, state, lane)
            if holder is not None:
                out[lane] = holder
        return out

    def __iter__(self) -> Iterator[Step[RaceState]]:
        return iter(self.scenario)

    def __repr__(self) -> str:
        return f"Replay({self.model.variant!r}, {self.outcome.name}, steps={len(self.scenario)})"


def _start_caption(model: RaceModel, state: RaceState) -> str:
    if model.folio == "file":
        what = "A file folio sits in the page cache, unlocked and unmapped; only the page cache holds it (count 1)."
    else:
        word = format_word(model.word)
        what = f"An old driver's page, mapped to user space; its word is {word} (tag 0b10, movable), count 1."
    lanes = ", ".join(model.lanes)
    return f"Start: {what} The threads ({lanes}) have not moved yet."


@cache
def _replay(model: RaceModel, report: OutcomeReport) -> Replay:
    state = initial_state(model)
    plan = thread_plan(model)
    steps = [
        Step(state, "start", _start_caption(model, state), "R8", plan.src.get("fault")),
    ]
    moves = []
    seen: dict[RaceState, int] = {state: 0}
    loops_to = None
    for thread in report.shortest:
        state, move = step(model, state, thread)
        moves.append(move)
        caption = f"{move.lane}: {move.caption}"
        if state in seen and loops_to is None:
            loops_to = seen[state]
            caption += (
                f" This is exactly the state of step {loops_to}: from here the run can only go round again, for ever."
            )
        seen.setdefault(state, len(steps))
        steps.append(Step(state, move.function, caption, move.rule, move.source))
    decided = None
    if report.outcome.kinds == (RaceOutcome.LIVELOCK,):
        decided = _prefix_len(model, report)
    elif state.broken is not None:
        decided = len(steps) - 1
    title = f"{report.outcome.label}: {model.variant_info.label}"
    scenario = Scenario(
        name=f"race:{model.variant}:{model.handler}:{model.folio}:{model.kernel}:{report.name}",
        title=title,
        era=get_era(model.kernel).id,
        steps=tuple(steps),
        description=report.outcome.summary,
    )
    return Replay(model, report, scenario, tuple(moves), decided, loops_to)


def _prefix_len(model: RaceModel, report: OutcomeReport) -> int:
    """How many moves of a livelock's shortest order come before its point of no return."""
    graph = explore(model)._graph
    ids = {s: i for i, s in enumerate(graph.states)}
    state = initial_state(model)
    if statespace.doomed(graph, ids[state]):
        return 0
    for k, thread in enumerate(report.shortest, start=1):
        state, _ = step(model, state, thread)
        if statespace.doomed(graph, ids[state]):
            return k
    return len(report.shortest)  # pragma: no cover


# --------------------------------------------------------------------------- comparisons


@dataclass(frozen=True, eq=False)
class Comparison:
    """Every variant explored with the same handler, folio, kernel and threads, in :data:`VARIANTS` order."""

    base: RaceModel
    explorations: tuple[Exploration, ...]

    def __getitem__(self, variant: str) -> Exploration:
        key = choose(variant, "variant", VARIANTS, VARIANT_ALIASES)
        return self.explorations[list(VARIANTS).index(key)]

    def __iter__(self) -> Iterator[Exploration]:
        return iter(self.explorations)

    @property
    def title(self) -> str:
        folio = "a file's folio" if self.base.folio == "file" else "an old driver's movable-tagged page"
        extra = ""
        if self.base.faults > 1 or self.base.readers:
            extra = f", {len(self.base.threads)} threads"
        return f"{self.base.handler} handler, {folio}, v{self.base.kernel}{extra}"

    @property
    def outcome_names(self) -> tuple[str, ...]:
        """Every outcome some variant reaches, in the canonical order."""
        reports = {r.name: r.outcome for e in self.explorations for r in e.outcomes}
        return tuple(sorted(reports, key=lambda name: reports[name].sort_key))

    def __repr__(self) -> str:
        rows = "; ".join(f"{e.model.variant}: {'/'.join(e.outcome_names)}" for e in self.explorations)
        return f"Comparison({self.title}: {rows})"


def compare_variants(
    handler: str = "old-school",
    folio: str = "file",
    kernel: str = "default",
    *,
    faults: int = 1,
    readers: int = 0,
) -> Comparison:
    """Explore all five variants with the same inputs (side by side in the views)."""
    base = RaceModel(handler=handler, folio=folio, kernel=kernel, faults=faults, readers=readers)
    return Comparison(base, tuple(explore(base.replace(variant=v)) for v in VARIANTS))


def unsafe_variants(handler: str = "old-school", folio: str = "file", kernel: str = "default") -> tuple[str, ...]:
    """The variants under which some order writes to a truncated folio (``WRITE_ON_TRUNCATED`` or
    ``WRITE_DURING_TRUNCATION``): the exercises' answer, computed by the explorer."""
    bad = {RaceOutcome.WRITE_ON_TRUNCATED, RaceOutcome.WRITE_DURING_TRUNCATION}
    comparison = compare_variants(handler, folio, kernel)
    return tuple(e.model.variant for e in comparison if any(bad & set(r.outcome.kinds) for r in e.outcomes))
