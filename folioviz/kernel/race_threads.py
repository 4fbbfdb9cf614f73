"""The threads of the race explorer as step programs: one atomic step of a write fault, of truncation or
of a reader, each a transition of :mod:`folioviz.kernel.pagecache` on the shared folio.

:func:`step` moves one thread; :func:`successors` gives every move from a state; :func:`run_outcome` says
how an ended run ended. See :mod:`folioviz.kernel.races` for the threads' steps in words.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cache, partial

from . import pagecache as pc
from .errors import FolioVizError, IllegalTransitionError
from .mapping import decode_folio, format_word, make_folio
from .mkwrite import pseudo_code
from .mkwrite.forms import RAW
from .race_model import (
    DONE,
    DRIVER,
    DRIVER_PTE,
    FAULT,
    READER,
    SECOND_PASS,
    TRUNCATE_KIND,
    Broken,
    FolioView,
    Move,
    RaceInputError,
    RaceModel,
    RaceOutcome,
    RaceState,
    RunOutcome,
    ThreadSpec,
)
from .sources import SourceRef, source_ref
from .versions import get_era

__all__ = [
    "ThreadPlan",
    "enabled_threads",
    "folio_view",
    "initial_state",
    "is_final",
    "run_outcome",
    "step",
    "successors",
    "thread_plan",
    "waiting_for",
]


# --------------------------------------------------------------------------- the plan (per model)
@dataclass(frozen=True)
class ThreadPlan:
    """A race model's threads, worked out once: their steps, source links, and what each check reads of a word."""

    model: RaceModel
    threads: tuple[ThreadSpec, ...]
    src: dict[str, SourceRef] = field(compare=False, hash=False)
    verdicts: dict[tuple[int, str], tuple[bool, str]] = field(compare=False, hash=False)

    def verdict(self, word: int, check: str) -> tuple[bool, str]:
        """(looks truncated?, the value the check reads), asked of :mod:`folioviz.kernel.mapping`."""
        key = (word, check)
        if key not in self.verdicts:
            era = get_era(self.model.kernel)
            decoded = decode_folio(make_folio(word, era), era)
            if check == RAW:
                self.verdicts[key] = (decoded.raw_check_truncated, "NULL" if word == 0 else format_word(word))
            else:
                self.verdicts[key] = (decoded.folio_mapping_check_truncated, decoded.helper("folio_mapping").text)
        return self.verdicts[key]


@cache
def thread_plan(model: RaceModel) -> ThreadPlan:
    """The :class:`ThreadPlan` of ``model`` (cached: a model is immutable)."""
    rel, prel = model.release, model.pagecache_release
    raw_lines = {line.number: line.source for line in pseudo_code(model.kernel, RAW)}
    check = model.variant_info.check or RAW
    lines = {line.number: line.source for line in pseudo_code(model.kernel, check)}
    src = {
        "fault": source_ref("filemap_fault", rel) if model.folio == "file" else source_ref("do_shared_fault", rel),
        "mkwrite-call": raw_lines[6],
        "lock": raw_lines[11],
        "check": lines[12],
        "unlock-retry": raw_lines[13],
        "return-0": raw_lines[14],
        "set-locked": raw_lines[15],
        "put-retry": source_ref("do_shared_fault#call-of-do-page-mkwrite", rel),
        "write": source_ref("do_shared_fault", rel),
        "dirty": source_ref("fault_dirty_shared_page", rel),
        "h-lock": source_ref("filemap_page_mkwrite#lock-line", rel),
        "h-check": source_ref("filemap_page_mkwrite#mapping-recheck", rel),
        "h-nopage": source_ref("filemap_page_mkwrite#returns-vm-fault-nopage-on-mismatch", rel),
        "find": source_ref("find_lock_entries", prel),
        "find-get": source_ref("find_get_entries", prel),
        "lock2": source_ref("truncate_inode_pages_range", prel),
        "cleanup": source_ref("truncate_cleanup_folio#unmap-from-page-tables", prel),
        "delete": source_ref("page_cache_delete_batch", prel),
        "delete-2": source_ref("page_cache_delete#sets-mapping-null", prel),
        "free": source_ref("filemap_free_folio#put-line", prel),
        "unlock": source_ref("folio_unlock", prel),
        "release": source_ref("folio_batch_release", prel),
        "lookup": source_ref("filemap_get_folio", prel),
        "put": source_ref("folio_put", prel),
    }
    return ThreadPlan(model, model.threads, src, {})


# --------------------------------------------------------------------------- the start


def initial_state(model: RaceModel) -> RaceState:
    """The folio before any thread moves, and every thread at its first step.

    A file folio is in the page cache, unlocked, unmapped, referenced only by the cache (count 1),
    built with the page-cache model's own transitions. A driver page holds the driver's reference
    and is in no page cache; its movable-tagged word is :attr:`RaceModel.word` (the page-cache model
    only holds page-cache words).
    """
    if model.folio == "file":
        folio = pc.filemap_add_folio(pc.filemap_alloc_folio(1))
        folio = pc.folio_unlock(pc.folio_put(folio, pc.READAHEAD), pc.READAHEAD)
    else:
        folio = pc.filemap_alloc_folio(1, actor=DRIVER)
    first = {FAULT: "fault", TRUNCATE_KIND: "find", READER: "lookup"}
    pcs = tuple(first[t.kind] for t in model.threads)
    return RaceState(folio=folio, pcs=pcs, results=("",) * len(pcs))


# --------------------------------------------------------------------------- one step


def waiting_for(model: RaceModel, state: RaceState, thread: int) -> str | None:
    """Who holds the folio lock that ``thread`` is waiting for at its next step, or None if it can move."""
    spec = model.threads[thread]
    at = state.pcs[thread]
    holder = state.folio.locked_by
    if holder is None or holder == spec.name or at == DONE:
        return None
    if spec.kind == FAULT:
        if at == "fault":
            found = state.folio.in_xarray if model.folio == "file" else True
            return holder if found else None
        if at == "lock" or (at == "mkwrite" and model.handler == "modern"):
            return holder
    if spec.kind == TRUNCATE_KIND and at == "lock2":
        return holder
    return None


def is_final(state: RaceState) -> bool:
    """True when every thread is done or a step broke a page-cache rule."""
    return state.broken is not None or all(at == DONE for at in state.pcs)


def enabled_threads(model: RaceModel, state: RaceState) -> tuple[int, ...]:
    """The lanes that can take a step now (not done, not waiting for the lock)."""
    if state.broken is not None:
        return ()
    return tuple(i for i, at in enumerate(state.pcs) if at != DONE and waiting_for(model, state, i) is None)


def _hand_over(folio: pc.PageCacheFolio, holder: str, to: str) -> pc.PageCacheFolio:
    """Move one of ``holder``'s references to ``to`` (the count stays; the page-cache model re-validates)."""
    holders: list[tuple[str, int]] = []
    for name, count in folio.holders:
        count -= name == holder
        if count:
            holders.append((name, count))
    if any(name == to for name, _ in holders):
        holders = [(name, count + (name == to)) for name, count in holders]
    else:
        holders.append((to, 1))
    return replace(folio, holders=tuple(holders))


def _set(
    state: RaceState, i: int, folio: pc.PageCacheFolio | None = None, at: str | None = None, result: str | None = None
) -> RaceState:
    pcs = state.pcs if at is None else (*state.pcs[:i], at, *state.pcs[i + 1 :])
    results = state.results if result is None else (*state.results[:i], result, *state.results[i + 1 :])
    return RaceState(folio=state.folio if folio is None else folio, pcs=pcs, results=results, broken=state.broken)


def _broken(state: RaceState, i: int, function: str, outcome: RaceOutcome, err: IllegalTransitionError) -> RaceState:
    return RaceState(
        folio=state.folio,
        pcs=state.pcs,
        results=state.results,
        broken=Broken(i, function, outcome, str(err), err.check),
    )


def step(model: RaceModel, state: RaceState, thread: int) -> tuple[RaceState, Move]:
    """Let ``thread`` take its next atomic step: the new state and the move that got there.

    :raises FolioVizError: if the thread is done, waiting for the lock, or the run has ended
    """
    if not isinstance(thread, int) or isinstance(thread, bool) or not 0 <= thread < len(model.threads):
        raise RaceInputError(f"thread must be a lane index from 0 to {len(model.threads) - 1}, not {thread!r}")
    name = model.threads[thread].name
    if state.broken is not None:
        raise FolioVizError(f"the run has ended: {state.broken.outcome.name}; no thread can move")
    if state.pcs[thread] == DONE:
        raise FolioVizError(f"{name} is done; it has no next step")
    holder = waiting_for(model, state, thread)
    if holder is not None:
        raise FolioVizError(f"{name} is waiting for the folio lock, which {holder} holds; let {holder} unlock first")
    plan = thread_plan(model)
    kind = model.threads[thread].kind
    if kind == FAULT:
        return _fault_step(plan, state, thread, name)
    if kind == TRUNCATE_KIND:
        return _truncate_step(plan, state, thread, name)
    return _reader_step(plan, state, thread, name)


def _move(plan: ThreadPlan, i: int, name: str, function: str, label: str, caption: str, rule: str, src: str) -> Move:
    return Move(i, name, function, label, caption, rule, plan.src.get(src))


def _word(model: RaceModel, folio: pc.PageCacheFolio) -> int:
    return folio.mapping if model.folio == "file" else model.word


def _fault_fault(plan: ThreadPlan, state: RaceState, i: int, me: str) -> tuple[RaceState, Move]:
    model = plan.model
    f = state.folio
    retried = state.results[i] == "retried"
    mv = partial(_move, plan, i, me)
    again = "again " if retried else ""
    if model.folio == "driver":
        new = pc.folio_get(f, me)
        cap = (
            f"The store faults {again}(do_shared_fault()): the driver's ->fault returns its page with a "
            f"reference (count {new.refcount}); __do_fault() locks it and do_shared_fault() unlocks it before "
            "do_page_mkwrite()."
        )
        return _set(state, i, new, "mkwrite"), mv("->fault", f"->fault {again}finds the page", cap, "R10", "fault")
    if not f.in_xarray:
        result = RaceOutcome.RETRY if retried else RaceOutcome.MISSED
        cap = (
            f"The store faults {again}: filemap_fault() finds no folio at this index, because truncation has "
            "deleted it. Beyond the new end of file it returns VM_FAULT_SIGBUS; after a hole punch it would "
            "read a new folio. This fault never touches the truncated folio."
        )
        label = "finds no folio" if not retried else "refault finds no folio"
        return _set(state, i, at=DONE, result=result.name), mv("filemap_fault", label, cap, "B5", "fault")
    new = pc.filemap_get_folio(f, me)
    cap = (
        f"The store faults {again}(do_shared_fault()): filemap_fault() finds the folio, takes a reference "
        f"(count {new.refcount}), locks it, sees ->mapping is still the file's, and returns it locked; "
        "do_shared_fault() unlocks it before do_page_mkwrite(). From here the fault holds a reference but no "
        "lock: truncation can run."
    )
    return _set(state, i, new, "mkwrite"), mv("filemap_fault", f"->fault {again}finds it, +1 ref", cap, "R8", "fault")


def _fault_mkwrite(plan: ThreadPlan, state: RaceState, i: int, me: str) -> tuple[RaceState, Move]:
    model = plan.model
    variant = model.variant_info
    f = state.folio
    mv = partial(_move, plan, i, me)
    if model.handler == "old-school":
        nxt = "check" if variant.check_first else "lock"
        cap = (
            "The old-school ->page_mkwrite does its work and returns 0: success, but it did not lock the "
            "folio. Anything may have happened to the folio meanwhile."
        )
        return _set(state, i, at=nxt), mv("->page_mkwrite", "->page_mkwrite returns 0", cap, "R10", "mkwrite-call")
    new = pc.folio_lock(f, me)
    cap = "The modern ->page_mkwrite (filemap_page_mkwrite()) takes the folio lock itself."
    return _set(state, i, new, "h-check"), mv("filemap_page_mkwrite", "handler locks", cap, "R10", "h-lock")


def _fault_h_check(plan: ThreadPlan, state: RaceState, i: int, me: str) -> tuple[RaceState, Move]:
    model = plan.model
    f = state.folio
    mv = partial(_move, plan, i, me)
    gone = model.folio == "file" and not f.in_xarray
    if gone:
        cap = (
            "filemap_page_mkwrite() sees ->mapping is no longer the file's: the folio was truncated. It "
            "will unlock and return VM_FAULT_NOPAGE."
        )
        return _set(state, i, at="h-unlock"), mv("filemap_page_mkwrite", "handler: truncated!", cap, "R9", "h-check")
    cap = (
        "filemap_page_mkwrite() sees ->mapping is still the file's and returns VM_FAULT_LOCKED with the "
        "lock held: truncation cannot remove the folio now."
    )
    return _set(state, i, at="write"), mv("filemap_page_mkwrite", "handler: VM_FAULT_LOCKED", cap, "R10", "h-check")


def _fault_h_unlock(plan: ThreadPlan, state: RaceState, i: int, me: str) -> tuple[RaceState, Move]:
    f = state.folio
    mv = partial(_move, plan, i, me)
    new = pc.folio_unlock(f, me)
    cap = "filemap_page_mkwrite() unlocks the truncated folio and returns VM_FAULT_NOPAGE."
    return _set(state, i, new, "put-retry"), mv(
        "filemap_page_mkwrite", "handler unlocks: NOPAGE", cap, "R10", "h-nopage"
    )


def _fault_lock(plan: ThreadPlan, state: RaceState, i: int, me: str) -> tuple[RaceState, Move]:
    model = plan.model
    variant = model.variant_info
    f = state.folio
    mv = partial(_move, plan, i, me)
    new = pc.folio_lock(f, me)
    nxt = "write" if (variant.check is None or variant.check_first) else "check"
    extra = {
        "check-before-lock": " (hypothetical: it checked before taking it, so it will not look again)",
        "no-check": " (hypothetical: it will not check at all)",
    }.get(variant.id, ": from now on truncation cannot delete the folio")
    cap = f"do_page_mkwrite() takes the folio lock for the old-school handler ({model.lock_call}){extra}."
    return _set(state, i, new, nxt), mv("do_page_mkwrite", "takes the folio lock", cap, "R10", "lock")


def _fault_check(plan: ThreadPlan, state: RaceState, i: int, me: str) -> tuple[RaceState, Move]:
    model = plan.model
    variant = model.variant_info
    f = state.folio
    mv = partial(_move, plan, i, me)
    check = variant.check or RAW
    truncated, seen = plan.verdict(_word(model, f), check)
    expr = model.check_expr
    locked = f.locked_by == me
    how = "under the lock" if locked else "without the lock (hypothetical)"
    if truncated:
        nxt = "unlock-retry" if locked else "put-retry"
        why = ""
        if model.folio == "driver":
            why = " But this page was never truncated: folio_mapping() is NULL for any tag bit in this era (R11)."
        cap = f"do_page_mkwrite() tests {expr} {how}: it reads {seen}, so the folio looks truncated.{why}"
        rule = "R11" if model.folio == "driver" else "R9"
        return _set(state, i, at=nxt), mv("do_page_mkwrite", f"{expr}: {seen} → retry", cap, rule, "check")
    nxt = "lock" if (variant.check_first and variant.locks) else "write"
    after = {
        "no-lock": " It carries on without the lock: nothing stops truncation now.",
        "check-before-lock": " It will now take the lock; the answer may be stale by then.",
    }.get(variant.id, "")
    cap = f"do_page_mkwrite() tests {expr} {how}: it reads {seen}, so the folio is still in place.{after}"
    short = "present" if len(seen) > 12 else seen
    return _set(state, i, at=nxt), mv("do_page_mkwrite", f"{expr}: {short} → go on", cap, "R10", "check")


def _fault_unlock_retry(plan: ThreadPlan, state: RaceState, i: int, me: str) -> tuple[RaceState, Move]:
    f = state.folio
    mv = partial(_move, plan, i, me)
    new = pc.folio_unlock(f, me)
    cap = "do_page_mkwrite() unlocks the folio and returns 0: 'retry the fault', not an error (B5)."
    return _set(state, i, new, "put-retry"), mv("do_page_mkwrite", "unlocks, returns 0", cap, "B5", "unlock-retry")


def _fault_put_retry(plan: ThreadPlan, state: RaceState, i: int, me: str) -> tuple[RaceState, Move]:
    f = state.folio
    mv = partial(_move, plan, i, me)
    new = pc.folio_put(f, me)
    tail = "the folio is freed" if new.freed else f"count {new.refcount}"
    cap = (
        f"do_shared_fault() sees the retry verdict, drops its reference ({tail}) and returns. The store runs "
        "again and faults again."
    )
    return _set(state, i, new, "fault", "retried"), mv(
        "do_shared_fault", "puts its ref; store retried", cap, "B5", "put-retry"
    )


def _fault_unlock(plan: ThreadPlan, state: RaceState, i: int, me: str) -> tuple[RaceState, Move]:
    f = state.folio
    mv = partial(_move, plan, i, me)
    new = pc.folio_unlock(f, me)
    cap = "fault_dirty_shared_page() has dirtied the folio and unlocks it; the store completes."
    return _set(state, i, new, DONE), mv("fault_dirty_shared_page", "dirties, unlocks", cap, "R10", "dirty")


def _fault_write(plan: ThreadPlan, state: RaceState, i: int, me: str) -> tuple[RaceState, Move]:
    """``finish_fault()`` maps the folio; the fault's reference becomes the page table's."""
    model = plan.model
    f = state.folio
    locked = f.locked_by == me
    nxt = "unlock" if locked else DONE
    if model.folio == "driver":
        new = _hand_over(f, me, DRIVER_PTE)
        cap = (
            "finish_fault() maps the driver's page writable; the fault's reference becomes the page table's. "
            "The store will complete on the driver's page."
        )
        return _set(state, i, new, nxt, RaceOutcome.WRITE_OK.name), _move(
            plan, i, me, "finish_fault", "maps it: write proceeds", cap, "R10", "write"
        )
    try:
        if locked:
            new = pc.do_set_pte(f, me)
        else:
            # The no-lock variant maps without the lock: ask the page-cache model everything but the lock rule.
            new = replace(pc.do_set_pte(replace(f, locked_by=me), me), locked_by=f.locked_by)
    except IllegalTransitionError as err:
        cap = (
            "finish_fault() would map a folio that truncation has already removed from the page cache: the "
            f"page-cache model refuses ({err}) No kernel check catches this: the store lands in a folio no file "
            "will write back."
        )
        return _broken(state, i, "finish_fault", RaceOutcome.WRITE_ON_TRUNCATED, err), _move(
            plan, i, me, "finish_fault", "maps a truncated folio!", cap, "R9", "write"
        )
    note = ""
    if not locked and f.locked_by is not None:
        note = f" It does so while {f.locked_by} holds the lock (hypothetical variant)."
    cap = (
        f"finish_fault() maps the folio writable while it is still in the page cache; the fault's reference "
        f"becomes the page table's (mapped {new.mapcount}x, count {new.refcount}).{note}"
    )
    return _set(state, i, new, nxt, RaceOutcome.WRITE_OK.name), _move(
        plan, i, me, "finish_fault", "maps it: write proceeds", cap, "R10", "write"
    )


#: The write fault's program: each step's name -> the function that takes it.
_FAULT_STEPS: dict[str, Callable[[ThreadPlan, RaceState, int, str], tuple[RaceState, Move]]] = {
    "fault": _fault_fault,
    "mkwrite": _fault_mkwrite,
    "h-check": _fault_h_check,
    "h-unlock": _fault_h_unlock,
    "lock": _fault_lock,
    "check": _fault_check,
    "unlock-retry": _fault_unlock_retry,
    "put-retry": _fault_put_retry,
    "write": _fault_write,
    "unlock": _fault_unlock,
}


def _fault_step(plan: ThreadPlan, state: RaceState, i: int, me: str) -> tuple[RaceState, Move]:
    at = state.pcs[i]
    if at not in _FAULT_STEPS:  # pragma: no cover
        raise FolioVizError(f"internal: unknown step {at!r} of {me}")
    return _FAULT_STEPS[at](plan, state, i, me)


def _truncate_find(plan: ThreadPlan, state: RaceState, i: int, me: str) -> tuple[RaceState, Move]:
    f = state.folio
    mv = partial(_move, plan, i, me)
    if not f.in_xarray:
        what = (
            "the driver's page was never in the file's page cache"
            if plan.model.folio == "driver"
            else "the folio is no longer in the page cache"
        )
        cap = f"Truncation's first pass (find_lock_entries()) finds nothing at this index: {what}."
        return _set(state, i, at=DONE), mv("find_lock_entries", "finds nothing", cap, "R8", "find")
    if f.locked_by is not None:
        cap = (
            f"Truncation's first pass takes a reference and trylocks the folio, but {f.locked_by} holds the "
            "lock: folio_trylock() fails, the pass drops its reference and skips the folio. The second pass "
            "will wait for the lock."
        )
        return _set(state, i, at="find-get", result=SECOND_PASS), mv(
            "find_lock_entries", "trylock fails: skip", cap, "B4", "find"
        )
    new = pc.find_lock_entries(f)
    cap = (
        f"Truncation's first pass (find_lock_entries()) takes its own reference (count {new.refcount}) and "
        "trylocks the folio: truncation holds the lock from here to its unlock."
    )
    return _set(state, i, new, "cleanup"), mv("find_lock_entries", "+1 ref, trylock", cap, "B4", "find")


def _truncate_delete(plan: ThreadPlan, state: RaceState, i: int, me: str) -> tuple[RaceState, Move]:
    f = state.folio
    mv = partial(_move, plan, i, me)
    function = "page_cache_delete" if state.results[i] == SECOND_PASS else "page_cache_delete_batch"
    src = "delete-2" if function == "page_cache_delete" else "delete"
    try:
        new = pc.page_cache_delete(f, me)
    except IllegalTransitionError as err:
        cap = (
            "Truncation deletes the folio from the page cache, but a fault has mapped it again since the "
            f"unmap: the page-cache model refuses ({err})"
        )
        return _broken(state, i, function, RaceOutcome.WRITE_DURING_TRUNCATION, err), mv(
            function, "deletes a mapped folio!", cap, "R9", src
        )
    cap = (
        f"Truncation deletes the folio from the page cache: ->mapping becomes NULL, but the count is still "
        f"{new.refcount} (R8). Whoever still holds a reference now holds a truncated folio."
    )
    return _set(state, i, new, "free"), mv(function, "deletes: mapping NULL", cap, "R8", src)


def _truncate_step(plan: ThreadPlan, state: RaceState, i: int, me: str) -> tuple[RaceState, Move]:
    f = state.folio
    at = state.pcs[i]
    mv = partial(_move, plan, i, me)

    if at == "find":
        return _truncate_find(plan, state, i, me)

    if at == "find-get":
        new = pc.find_get_entries(f)
        cap = f"Truncation's second pass (find_get_entries()) takes a reference (count {new.refcount}), no lock."
        return _set(state, i, new, "lock2"), mv("find_get_entries", "2nd pass: +1 ref", cap, "B4", "find-get")

    if at == "lock2":
        new = pc.folio_lock(f, me)
        cap = (
            "The second pass takes the folio lock (folio_lock() in truncate_inode_pages_range()); "
            "truncate_inode_folio() then finds ->mapping still the file's and goes on."
        )
        return _set(state, i, new, "cleanup"), mv("folio_lock", "2nd pass: locks", cap, "B4", "lock2")

    if at == "cleanup":
        new = pc.truncate_cleanup_folio(f, me)
        if f.mapcount:
            cap = (
                f"truncate_cleanup_folio() unmaps the folio from every page table (the page tables' "
                f"reference{'s' if f.mapcount > 1 else ''} dropped, count {new.refcount}) and cancels its dirty "
                "state."
            )
        else:
            cap = "truncate_cleanup_folio(): no page table maps the folio, so there is nothing to unmap."
        return _set(state, i, new, "delete"), mv("truncate_cleanup_folio", "unmaps it", cap, "B4", "cleanup")

    if at == "delete":
        return _truncate_delete(plan, state, i, me)

    if at == "free":
        new = pc.filemap_free_folio(f)
        cap = f"filemap_free_folio() drops the page cache's reference (count {new.refcount})."
        return _set(state, i, new, "unlock"), mv("filemap_free_folio", "drops the cache's ref", cap, "B4", "free")

    if at == "unlock":
        new = pc.folio_unlock(f, me)
        cap = "Truncation unlocks the folio; anyone waiting for the lock can take it now."
        return _set(state, i, new, "release"), mv("folio_unlock", "unlocks", cap, "B4", "unlock")

    if at == "release":
        new = pc.folio_batch_release(f)
        tail = "that was the last: the folio is freed" if new.freed else f"count {new.refcount}"
        cap = f"Truncation releases its own reference (folio_batch_release()): {tail}."
        return _set(state, i, new, DONE), mv("folio_batch_release", "puts its ref", cap, "B4", "release")

    raise FolioVizError(f"internal: unknown step {at!r} of truncation")  # pragma: no cover


def _reader_step(plan: ThreadPlan, state: RaceState, i: int, me: str) -> tuple[RaceState, Move]:
    f = state.folio
    at = state.pcs[i]
    mv = partial(_move, plan, i, me)
    if at == "lookup":
        if not f.in_xarray:
            cap = f"The {me} looks the folio up (filemap_get_folio()) and finds nothing: it is not in the page cache."
            return _set(state, i, at=DONE), mv("filemap_get_folio", "lookup finds nothing", cap, "R8", "lookup")
        new = pc.filemap_get_folio(f, me)
        cap = f"The {me} looks the folio up and takes a reference (count {new.refcount}), as read() does."
        return _set(state, i, new, "put"), mv("filemap_get_folio", "lookup: +1 ref", cap, "R8", "lookup")
    new = pc.folio_put(f, me)
    tail = "the last one: the folio is freed" if new.freed else f"count {new.refcount}"
    cap = f"The {me} is done with the folio and puts its reference ({tail})."
    return _set(state, i, new, DONE), mv("folio_put", "puts its ref", cap, "R8", "put")


def folio_view(model: RaceModel, state: RaceState) -> FolioView:
    """What the views show of the folio in ``state``: for a driver page, its movable-tagged word."""
    f = state.folio
    if model.folio == "driver":
        mapping = f"{format_word(model.word)} (movable)"
        where = "freed" if f.freed else "driver's page"
    else:
        mapping, where = f.mapping_text, f.where
    return FolioView(f.refcount, f.holders_text, f.locked_by, mapping, where, f.mapcount)


def successors(model: RaceModel, state: RaceState) -> tuple[tuple[Move, RaceState], ...]:
    """Every move that can be taken from ``state``, one per enabled thread, in lane order."""
    out = []
    for thread in enabled_threads(model, state):
        new, move = step(model, state, thread)
        out.append((move, new))
    return tuple(out)


def run_outcome(model: RaceModel, state: RaceState) -> RunOutcome:
    """The outcome of a state where the run has ended (see :func:`is_final`); a stuck state is a deadlock.

    :raises FolioVizError: if some thread can still move
    """
    if state.broken is not None:
        return RunOutcome((state.broken.outcome,))
    if all(at == DONE for at in state.pcs):
        kinds = tuple(RaceOutcome[state.results[i]] for i, t in enumerate(model.threads) if t.kind == FAULT)
        return RunOutcome(kinds)
    if enabled_threads(model, state):
        raise FolioVizError("the run has not ended: some thread can still move")
    return RunOutcome((RaceOutcome.DEADLOCK,))
