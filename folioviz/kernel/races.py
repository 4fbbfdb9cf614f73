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

>>> e = explore(RaceModel())
>>> e.outcome_names
('WRITE_OK', 'RETRY', 'MISSED')
>>> explore(RaceModel(variant="no-check")).outcome_names
('WRITE_OK', 'MISSED', 'WRITE_ON_TRUNCATED')
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from enum import Enum
from functools import cache, partial
from typing import Any

from . import pagecache as pc
from .errors import ContradictoryFolioError, FolioVizError, IllegalTransitionError
from .mapping import decode_folio, format_word, make_folio
from .mkwrite import MkwriteInputs, code_form, pinned_release, pseudo_code
from .mkwrite.forms import HELPER, RAW
from .scenario import Scenario, Step
from .sources import SourceRef, source_ref
from .versions import get_era, get_kernel

__all__ = [
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


class RaceInputError(FolioVizError):
    """An input to the race explorer that is not one of the allowed values."""


# --------------------------------------------------------------------------- variants


@dataclass(frozen=True)
class Variant:
    """One way ``do_page_mkwrite()``'s old-school path could be written.

    :param id: the short name (``"kernel"``, ``"no-lock"`` ...)
    :param label: what the chart and the menus show
    :param merged: True only for code that a released kernel has
    :param locks: it takes the folio lock at all
    :param check: the truncation test: ``"folio->mapping"`` (raw), ``"folio_mapping()"`` or None
    :param check_first: the test runs before the lock is taken (or with no lock at all)
    """

    id: str
    label: str
    merged: bool
    locks: bool
    check: str | None
    check_first: bool
    description: str


#: The variants, in the order views show them. Only ``kernel`` is real code.
VARIANTS: dict[str, Variant] = {
    v.id: v
    for v in (
        Variant(
            "kernel",
            "the kernel's code",
            True,
            True,
            RAW,
            False,
            "Take the folio lock, then test the raw folio->mapping (!page->mapping before v6.6); NULL means "
            "truncated: unlock and return 0.",
        ),
        Variant(
            "no-lock",
            "no lock before the check",
            False,
            False,
            RAW,
            True,
            "Hypothetical: test folio->mapping without taking the lock, and carry on without it (the caller "
            "is assumed to skip its unlock too).",
        ),
        Variant(
            "check-before-lock",
            "the check before the lock",
            False,
            True,
            RAW,
            True,
            "Hypothetical: test folio->mapping first, then take the lock; the answer can be stale by the "
            "time the lock is held.",
        ),
        Variant(
            "no-check",
            "no check",
            False,
            True,
            None,
            False,
            "Hypothetical: take the lock and carry on, never asking whether truncation came first.",
        ),
        Variant(
            "folio_mapping",
            "folio_mapping() instead of folio->mapping",
            False,
            True,
            HELPER,
            False,
            "The v1 patch of 2 July 2023 (never merged): lock, then test folio_mapping(), which is NULL for "
            "any tag bit in v6.0 - v6.16.",
        ),
    )
}

_VARIANT_ALIASES = {
    "kernel's": "kernel",
    "merged": "kernel",
    "the kernel's code": "kernel",
    "nolock": "no-lock",
    "no lock": "no-lock",
    "no lock before the check": "no-lock",
    "check before lock": "check-before-lock",
    "check-first": "check-before-lock",
    "the check before the lock": "check-before-lock",
    "nocheck": "no-check",
    "no check": "no-check",
    "folio_mapping()": "folio_mapping",
    "folio-mapping": "folio_mapping",
    "v1": "folio_mapping",
    "folio_mapping() instead of folio->mapping": "folio_mapping",
}

#: The ``->page_mkwrite`` handlers the explorer runs.
HANDLERS: dict[str, str] = {
    "old-school": "returns 0 without locking; do_page_mkwrite() takes the lock and checks for truncation",
    "modern": "locks the folio itself, checks ->mapping and returns VM_FAULT_LOCKED (or unlocks and returns "
    "VM_FAULT_NOPAGE if truncated), as filemap_page_mkwrite() does",
}

#: The folio the fault writes to.
FOLIOS: dict[str, str] = {
    "file": "a page-cache folio of the file being truncated",
    "driver": "an old driver's own page, mapped to user space, whose word carries the movable tag 0b10 "
    "(never in a page cache, so truncation of the file finds nothing)",
}

#: Limits on the model's size: extra write faults, readers, and explored states.
MAX_FAULTS = 3
MAX_READERS = 2
MAX_STATES = 200_000

FAULT, TRUNCATE_KIND, READER = "fault", "truncate", "reader"
DRIVER = "driver"
#: Who holds the driver page's page-table reference once the fault has mapped it (the page-cache model
#: counts page-table references only for page-cache folios).
DRIVER_PTE = "driver page's PTE"
DONE = "done"
#: Truncation's result once its first pass has skipped the locked folio (its removal is then
#: ``truncate_inode_folio()`` -> ``filemap_remove_folio()`` instead of the batch functions).
SECOND_PASS = "second pass"


def _choice(value: object, what: str, allowed: dict[str, Any], aliases: dict[str, str] | None = None) -> str:
    if isinstance(value, str):
        key = value.strip()
        key = (aliases or {}).get(key.lower(), key)
        key = {"oldschool": "old-school", "legacy": "old-school", "movable": "driver"}.get(key.lower(), key)
        if key in allowed:
            return key
        if key.lower() in allowed:
            return key.lower()
    names = ", ".join(repr(name) for name in allowed)
    raise RaceInputError(f"{what} must be one of {names}, not {value!r}")


def _count(value: object, what: str, low: int, high: int, meaning: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise RaceInputError(f"{what} must be a whole number from {low} to {high} ({meaning}), not {value!r}")
    return value


# --------------------------------------------------------------------------- the model


@dataclass(frozen=True)
class ThreadSpec:
    """One thread: its kind (``fault``, ``truncate``, ``reader``) and its name (also its holder name)."""

    kind: str
    name: str


@dataclass(frozen=True)
class RaceModel:
    """What to explore: validated and normalised on creation.

    :param variant: how ``do_page_mkwrite()``'s old-school path is written, one of :data:`VARIANTS`
    :param handler: ``"old-school"`` (default) or ``"modern"``; with a modern handler the variants do
        not matter, because the handler takes the lock and checks itself
    :param folio: ``"file"`` (a page-cache folio, default) or ``"driver"`` (an old driver's
        movable-tagged page: the livelock's case)
    :param kernel: a kernel version (``"6.4"``, ``"v6.12.8"``, ``"5.10"``...); decides what ``folio_mapping()``
        returns (:mod:`folioviz.kernel.mapping`) and which release the links point to. ``"default"``
        (the default; ``None`` is taken as it) takes the workbook's default era
        (:func:`~folioviz.kernel.versions.default_era`; the email's, v6.4, unless changed)
    :param faults: concurrent write faults on the folio, 1 to :data:`MAX_FAULTS`
    :param readers: threads that look the folio up and put it (a second lookup), 0 to :data:`MAX_READERS`
    :raises FolioVizError: a value not allowed (:class:`RaceInputError`), a kernel outside v5.10 - v7.2,
        or a driver page in v6.17+ where no word carries the movable tag (``ContradictoryFolioError``)
    """

    variant: str = "kernel"
    handler: str = "old-school"
    folio: str = "file"
    kernel: str = "default"
    faults: int = 1
    readers: int = 0
    _threads: tuple[ThreadSpec, ...] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "variant", _choice(self.variant, "variant", VARIANTS, _VARIANT_ALIASES))
        set_(self, "handler", _choice(self.handler, "handler", HANDLERS))
        set_(self, "folio", _choice(self.folio, "folio", FOLIOS))
        set_(self, "kernel", get_kernel(self.kernel).text)
        _count(self.faults, "faults", 1, MAX_FAULTS, "concurrent write faults on the folio")
        _count(self.readers, "readers", 0, MAX_READERS, "threads that look the folio up and put it")
        faults = [ThreadSpec(FAULT, FAULT if i == 0 else f"fault {i + 1}") for i in range(self.faults)]
        readers = [ThreadSpec(READER, READER if i == 0 else f"reader {i + 1}") for i in range(self.readers)]
        set_(self, "_threads", (faults[0], ThreadSpec(TRUNCATE_KIND, pc.TRUNCATE), *faults[1:], *readers))
        if self.folio == "driver":
            try:
                MkwriteInputs(handler="old-school", folio="movable-tagged", kernel=self.kernel)
            except ContradictoryFolioError as err:
                raise ContradictoryFolioError(f"folio='driver' needs a movable-tagged word: {err}") from None

    # ---- derived

    @property
    def threads(self) -> tuple[ThreadSpec, ...]:
        """The threads in lane order: the fault(s), truncation, then any readers."""
        return self._threads

    @property
    def lanes(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.threads)

    @property
    def variant_info(self) -> Variant:
        return VARIANTS[self.variant]

    @property
    def release(self) -> str:
        """The release ``mm/memory.c`` links point to (:func:`~folioviz.kernel.mkwrite.pinned_release`)."""
        return pinned_release(self.kernel)

    @property
    def pagecache_release(self) -> str:
        """The release page-cache links point to: v6.1.4 for kernels before v6.0, whose page-based
        truncation (``truncate_cleanup_page()``, ``pagevec_release()`` ...) has the same two passes."""
        return str(get_kernel(self.kernel).feature("pagecache_release"))

    @property
    def word(self) -> int:
        """``folio->mapping`` at the start: the file's ``address_space``, or the driver's movable-tagged word."""
        if self.folio == "driver":
            return MkwriteInputs(handler="old-school", folio="movable-tagged", kernel=self.kernel).word
        return pc.DEFAULT_ADDRESS_SPACE

    @property
    def check_expr(self) -> str:
        """The variant's truncation test as this kernel spells it (``!page->mapping``, ``!folio_mapping(folio)``)."""
        check = self.variant_info.check
        if check is None:
            return "(no check)"
        return code_form(self.kernel, check).check_expr

    @property
    def lock_call(self) -> str:
        return code_form(self.kernel, RAW).lock_call

    def replace(self, **changes: Any) -> RaceModel:
        return replace(self, **changes)

    def describe(self) -> str:
        extra = []
        if self.faults > 1:
            extra.append(f"{self.faults} faults")
        if self.readers:
            extra.append(f"{self.readers} reader{'s' if self.readers > 1 else ''}")
        more = f", {', '.join(extra)}" if extra else ""
        return f"{self.variant_info.label}; {self.handler} handler; {self.folio} folio; v{self.kernel}{more}"


# --------------------------------------------------------------------------- outcomes


class RaceOutcome(Enum):
    """How one write fault (or the whole run) ends."""

    WRITE_OK = "write proceeds"
    RETRY = "retry"
    MISSED = "no folio found"
    WRITE_ON_TRUNCATED = "write on a truncated folio"
    WRITE_DURING_TRUNCATION = "write during truncation"
    LIVELOCK = "livelock"
    DEADLOCK = "deadlock"
    BROKEN_RULE = "broken page-cache rule"

    @property
    def summary(self) -> str:
        return _OUTCOME_INFO[self][0]

    @property
    def harmful(self) -> bool:
        """True for outcomes the kernel's code must never allow."""
        return _OUTCOME_INFO[self][1]

    @property
    def rule(self) -> str:
        return _OUTCOME_INFO[self][2]


_OUTCOME_INFO: dict[RaceOutcome, tuple[str, bool, str]] = {
    RaceOutcome.WRITE_OK: (
        "The write proceeds on a folio still in the page cache (for a driver page: still the driver's). If "
        "truncation comes later it unmaps the folio again: the write simply came first.",
        False,
        "R10",
    ),
    RaceOutcome.RETRY: (
        "The fault saw the truncation (->mapping NULL under the lock), dropped the folio and returned 0; the "
        "store runs again and the new fault finds no folio: SIGBUS beyond the new end of file, or a new folio "
        "after a hole punch.",
        False,
        "R9",
    ),
    RaceOutcome.MISSED: (
        "Truncation deleted the folio before the fault found it: ->fault finds nothing, so the fault never "
        "meets the truncated folio (beyond the new end of file, filemap_fault() returns VM_FAULT_SIGBUS).",
        False,
        "B5",
    ),
    RaceOutcome.WRITE_ON_TRUNCATED: (
        "The fault maps and dirties a folio that truncation has already removed from the page cache: the "
        "store lands in memory no file will ever write back. No kernel check catches this.",
        True,
        "R9",
    ),
    RaceOutcome.WRITE_DURING_TRUNCATION: (
        "The fault maps the folio after truncation has unmapped it and before truncation deletes it; the "
        "deletion then finds the folio mapped (VM_BUG_ON_FOLIO with CONFIG_DEBUG_VM; a 'Bad page cache' "
        "report without it).",
        True,
        "R9",
    ),
    RaceOutcome.LIVELOCK: (
        "No order of steps can ever finish: the check calls a page that was never truncated 'truncated', the "
        "fault retries, and every retry meets the same state (R11).",
        True,
        "R11",
    ),
    RaceOutcome.DEADLOCK: ("No thread can move, but not all are done.", True, ""),
    RaceOutcome.BROKEN_RULE: ("A step broke a rule of the page-cache model.", True, ""),
}

#: The order in which outcomes are listed everywhere.
OUTCOME_ORDER: tuple[RaceOutcome, ...] = tuple(RaceOutcome)
_RANK = {outcome: i for i, outcome in enumerate(OUTCOME_ORDER)}


@dataclass(frozen=True)
class RunOutcome:
    """How a whole run ends: one :class:`RaceOutcome` per write fault, or one for the run (a bug, a livelock).

    With one fault (the two-thread model) it is that fault's outcome.
    """

    kinds: tuple[RaceOutcome, ...]

    @property
    def name(self) -> str:
        """``WRITE_OK``; with several faults ``WRITE_OK+RETRY`` (in fault order)."""
        return "+".join(kind.name for kind in self.kinds)

    @property
    def label(self) -> str:
        return " + ".join(kind.value for kind in self.kinds)

    @property
    def harmful(self) -> bool:
        return any(kind.harmful for kind in self.kinds)

    @property
    def sort_key(self) -> tuple[int, ...]:
        return (max(_RANK[k] for k in self.kinds), *(_RANK[k] for k in self.kinds))

    @property
    def summary(self) -> str:
        return " ".join(kind.summary for kind in dict.fromkeys(self.kinds))

    def __str__(self) -> str:
        return self.name


# --------------------------------------------------------------------------- states and moves


@dataclass(frozen=True)
class FolioView:
    """The folio as the views print it (the driver page's tagged word included).

    :param where: ``in page cache``, ``removed from page cache``, ``freed`` or ``driver's page``
    """

    refcount: int
    holders: str
    locked_by: str | None
    mapping: str
    where: str
    mapcount: int

    @property
    def lock(self) -> str:
        return f"locked by {self.locked_by}" if self.locked_by else "unlocked"

    @property
    def mapping_is_null(self) -> bool:
        return self.mapping == "NULL"

    def line(self) -> str:
        """``ref 2 · locked by fault · mapping NULL · removed from page cache``."""
        parts = [f"ref {self.refcount}", self.lock, f"mapping {self.mapping}", self.where]
        if self.mapcount:
            parts.append(f"mapped {self.mapcount}x")
        return " · ".join(parts)


@dataclass(frozen=True)
class Broken:
    """A step the page-cache model refused: the run ends there.

    :param thread: the lane whose step it was
    :param function: the kernel function of that step
    :param outcome: which outcome this bug is
    :param message: the page-cache model's explanation
    :param check: the kernel's debug check that would catch it, or "" when none would
    """

    thread: int
    function: str
    outcome: RaceOutcome
    message: str = field(compare=False)
    check: str = ""


@dataclass(frozen=True)
class RaceState:
    """One state of the run (immutable, hashable): identical states are merged by the explorer.

    :param folio: the folio, as the page-cache model holds it (holders are the thread names)
    :param pcs: each thread's next step (``"done"`` when finished), in lane order
    :param results: each thread's result so far: for a fault ``""``, ``"retried"`` (it saw a truncation
        and is running again) or its final :class:`RaceOutcome` name; ``""`` for other threads
    :param broken: set when a step broke a page-cache rule (the run ends)
    """

    folio: pc.PageCacheFolio
    pcs: tuple[str, ...]
    results: tuple[str, ...]
    broken: Broken | None = None

    def describe(self) -> str:
        return self.folio.describe()


@dataclass(frozen=True)
class Move:
    """One atomic step of one thread, as the replay shows it.

    :param thread: the lane index (see :attr:`RaceModel.lanes`)
    :param lane: the thread's name
    :param function: the kernel function the step mirrors
    :param label: a few words for the timeline
    :param caption: one sentence, in our words
    :param rule: the email rule (``R9``) or beyond-the-email fact it illustrates
    :param source: where the function is, in the model's pinned release
    """

    thread: int
    lane: str
    function: str
    label: str
    caption: str
    rule: str = ""
    source: SourceRef | None = None


# --------------------------------------------------------------------------- the plan (per model)


@dataclass(frozen=True)
class _Plan:
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
def _plan(model: RaceModel) -> _Plan:
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
    return _Plan(model, model.threads, src, {})


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
    plan = _plan(model)
    kind = model.threads[thread].kind
    if kind == FAULT:
        return _fault_step(plan, state, thread, name)
    if kind == TRUNCATE_KIND:
        return _truncate_step(plan, state, thread, name)
    return _reader_step(plan, state, thread, name)


def _move(plan: _Plan, i: int, name: str, function: str, label: str, caption: str, rule: str, src: str) -> Move:
    return Move(i, name, function, label, caption, rule, plan.src.get(src))


def _word(model: RaceModel, folio: pc.PageCacheFolio) -> int:
    return folio.mapping if model.folio == "file" else model.word


def _fault_step(plan: _Plan, state: RaceState, i: int, me: str) -> tuple[RaceState, Move]:
    model = plan.model
    variant = model.variant_info
    f = state.folio
    at = state.pcs[i]
    retried = state.results[i] == "retried"
    mv = partial(_move, plan, i, me)

    if at == "fault":
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
        return _set(state, i, new, "mkwrite"), mv(
            "filemap_fault", f"->fault {again}finds it, +1 ref", cap, "R8", "fault"
        )

    if at == "mkwrite":
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

    if at == "h-check":
        gone = model.folio == "file" and not f.in_xarray
        if gone:
            cap = (
                "filemap_page_mkwrite() sees ->mapping is no longer the file's: the folio was truncated. It "
                "will unlock and return VM_FAULT_NOPAGE."
            )
            return _set(state, i, at="h-unlock"), mv(
                "filemap_page_mkwrite", "handler: truncated!", cap, "R9", "h-check"
            )
        cap = (
            "filemap_page_mkwrite() sees ->mapping is still the file's and returns VM_FAULT_LOCKED with the "
            "lock held: truncation cannot remove the folio now."
        )
        return _set(state, i, at="write"), mv("filemap_page_mkwrite", "handler: VM_FAULT_LOCKED", cap, "R10", "h-check")

    if at == "h-unlock":
        new = pc.folio_unlock(f, me)
        cap = "filemap_page_mkwrite() unlocks the truncated folio and returns VM_FAULT_NOPAGE."
        return _set(state, i, new, "put-retry"), mv(
            "filemap_page_mkwrite", "handler unlocks: NOPAGE", cap, "R10", "h-nopage"
        )

    if at == "lock":
        new = pc.folio_lock(f, me)
        nxt = "write" if (variant.check is None or variant.check_first) else "check"
        extra = {
            "check-before-lock": " (hypothetical: it checked before taking it, so it will not look again)",
            "no-check": " (hypothetical: it will not check at all)",
        }.get(variant.id, ": from now on truncation cannot delete the folio")
        cap = f"do_page_mkwrite() takes the folio lock for the old-school handler ({model.lock_call}){extra}."
        return _set(state, i, new, nxt), mv("do_page_mkwrite", "takes the folio lock", cap, "R10", "lock")

    if at == "check":
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

    if at == "unlock-retry":
        new = pc.folio_unlock(f, me)
        cap = "do_page_mkwrite() unlocks the folio and returns 0: 'retry the fault', not an error (B5)."
        return _set(state, i, new, "put-retry"), mv("do_page_mkwrite", "unlocks, returns 0", cap, "B5", "unlock-retry")

    if at == "put-retry":
        new = pc.folio_put(f, me)
        tail = "the folio is freed" if new.freed else f"count {new.refcount}"
        cap = (
            f"do_shared_fault() sees the retry verdict, drops its reference ({tail}) and returns. The store runs "
            "again and faults again."
        )
        return _set(state, i, new, "fault", "retried"), mv(
            "do_shared_fault", "puts its ref; store retried", cap, "B5", "put-retry"
        )

    if at == "write":
        return _fault_write(plan, state, i, me)

    if at == "unlock":
        new = pc.folio_unlock(f, me)
        cap = "fault_dirty_shared_page() has dirtied the folio and unlocks it; the store completes."
        return _set(state, i, new, DONE), mv("fault_dirty_shared_page", "dirties, unlocks", cap, "R10", "dirty")

    raise FolioVizError(f"internal: unknown step {at!r} of {me}")  # pragma: no cover


def _fault_write(plan: _Plan, state: RaceState, i: int, me: str) -> tuple[RaceState, Move]:
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


def _truncate_step(plan: _Plan, state: RaceState, i: int, me: str) -> tuple[RaceState, Move]:
    f = state.folio
    at = state.pcs[i]
    mv = partial(_move, plan, i, me)

    if at == "find":
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


def _reader_step(plan: _Plan, state: RaceState, i: int, me: str) -> tuple[RaceState, Move]:
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


# --------------------------------------------------------------------------- exploration


@dataclass(frozen=True)
class OutcomeReport:
    """One distinct outcome of an exploration.

    :param outcome: the outcome
    :param interleavings: how many orders of steps end in it (for a livelock: orders up to their
        point of no return; 1 when no step can avoid it, the empty order)
    :param shortest: the lane of each move of one shortest such order (for a livelock, continued until
        the run comes back to a state it was in, so the loop shows)
    :param end_states: how many distinct states end in it
    :param certain: the outcome is reached whatever the order (every order ends in it)
    """

    outcome: RunOutcome
    interleavings: int
    shortest: tuple[int, ...]
    end_states: int
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
    _graph: Any = field(repr=False, compare=False)

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


@dataclass(frozen=True)
class _Graph:
    states: tuple[RaceState, ...]
    edges: tuple[tuple[tuple[int, int], ...], ...]  # per state: (thread, successor id)
    depth: tuple[int, ...]
    parent: tuple[tuple[int, int] | None, ...]


@cache
def explore(model: RaceModel, max_states: int = MAX_STATES) -> Exploration:
    """Explore every interleaving of ``model``'s threads, merging identical states.

    Breadth-first from :func:`initial_state`; a state where the run has ended has no successors.
    Then: which states can still finish (reverse reachability from the ends); orders counted along
    the acyclic part of the graph (Kahn's order); a livelock where an order enters a state that can
    never finish. The same model always gives the same result (it is cached).

    :raises FolioVizError: more than ``max_states`` states, or a cycle among states that can still
        finish (an order that could loop and still end; no modelled variant has one)
    """
    if not isinstance(model, RaceModel):
        raise RaceInputError(f"explore() takes a RaceModel (for example RaceModel(variant='no-check')), not {model!r}")
    init = initial_state(model)
    index: dict[RaceState, int] = {init: 0}
    states: list[RaceState] = [init]
    edges: list[tuple[tuple[int, int], ...]] = []
    depth = [0]
    parent: list[tuple[int, int] | None] = [None]
    queue = deque([0])
    while queue:
        u = queue.popleft()
        out = []
        for move, new in successors(model, states[u]):
            v = index.get(new)
            if v is None:
                v = len(states)
                if v >= max_states:
                    raise FolioVizError(
                        f"{model.describe()} has more than max_states={max_states} states; explore fewer threads"
                    )
                index[new] = v
                states.append(new)
                depth.append(depth[u] + 1)
                parent.append((u, move.thread))
                queue.append(v)
            out.append((move.thread, v))
        edges.append(tuple(out))
    graph = _Graph(tuple(states), tuple(edges), tuple(depth), tuple(parent))
    return _summarise(model, graph)


def _summarise(model: RaceModel, g: _Graph) -> Exploration:
    n = len(g.states)
    ends = [i for i in range(n) if not g.edges[i]]
    reverse: list[list[int]] = [[] for _ in range(n)]
    for u, out in enumerate(g.edges):
        for _, v in out:
            reverse[v].append(u)
    can_finish = [False] * n
    stack = list(ends)
    for i in ends:
        can_finish[i] = True
    while stack:
        v = stack.pop()
        for u in reverse[v]:
            if not can_finish[u]:
                can_finish[u] = True
                stack.append(u)

    # orders, counted along the states that can finish (they must form a DAG)
    paths = [0] * n
    indegree = [0] * n
    for u in range(n):
        if can_finish[u]:
            for _, v in g.edges[u]:
                if can_finish[v]:
                    indegree[v] += 1
    livelock_orders = 0
    livelock_entries: list[int] = []
    if can_finish[0]:
        paths[0] = 1
        ready = deque(i for i in range(n) if can_finish[i] and indegree[i] == 0)
        seen = 0
        while ready:
            u = ready.popleft()
            seen += 1
            for _, v in g.edges[u]:
                if can_finish[v]:
                    paths[v] += paths[u]
                    indegree[v] -= 1
                    if indegree[v] == 0:
                        ready.append(v)
                else:
                    livelock_orders += paths[u]
                    livelock_entries.append(v)
        if seen != sum(can_finish):
            raise FolioVizError(
                f"{model.describe()}: a cycle among states that can still finish; orders cannot be counted"
            )
    else:
        livelock_orders = 1
        livelock_entries.append(0)

    by_outcome: dict[RunOutcome, list[int]] = {}
    for i in ends:
        by_outcome.setdefault(run_outcome(model, g.states[i]), []).append(i)
    reports = []
    total = livelock_orders
    for outcome, members in by_outcome.items():
        count = sum(paths[i] for i in members)
        total += count
        best = min(members, key=lambda i: (g.depth[i], i))
        reports.append(OutcomeReport(outcome, count, _path_to(g, best), len(members)))
    if livelock_entries:
        entry = min(livelock_entries, key=lambda i: (g.depth[i], i))
        doomed = [i for i in range(n) if not can_finish[i]]
        lasso = _lasso(g, entry, set(doomed))
        reports.append(
            OutcomeReport(RunOutcome((RaceOutcome.LIVELOCK,)), livelock_orders, _path_to(g, entry) + lasso, len(doomed))
        )
    reports.sort(key=lambda r: r.outcome.sort_key)
    if len(reports) == 1:
        reports = [replace(reports[0], certain=True)]
    return Exploration(model, n, sum(len(out) for out in g.edges), tuple(reports), total, g)


def _path_to(g: _Graph, target: int) -> tuple[int, ...]:
    threads = []
    at = target
    while g.parent[at] is not None:
        prev, thread = g.parent[at]  # type: ignore[misc]
        threads.append(thread)
        at = prev
    return tuple(reversed(threads))


def _bfs(g: _Graph, start: int, allowed: set[int]) -> dict[int, tuple[int, int] | None]:
    """Shortest-path tree from ``start`` inside ``allowed``: node -> (parent, thread)."""
    tree: dict[int, tuple[int, int] | None] = {start: None}
    queue = deque([start])
    while queue:
        u = queue.popleft()
        for thread, v in g.edges[u]:
            if v in allowed and v not in tree:
                tree[v] = (u, thread)
                queue.append(v)
    return tree


def _walk(tree: dict[int, tuple[int, int] | None], target: int) -> list[int]:
    threads = []
    while tree[target] is not None:
        prev, thread = tree[target]  # type: ignore[misc]
        threads.append(thread)
        target = prev
    return list(reversed(threads))


def _lasso(g: _Graph, entry: int, doomed: set[int]) -> tuple[int, ...]:
    """From the point of no return, the shortest walk that comes back to a state it has visited."""
    tree = _bfs(g, entry, doomed)
    order = sorted(tree, key=lambda s: (len(_walk(tree, s)), s))
    best: tuple[int, ...] | None = None
    for s in order:
        lead = _walk(tree, s)
        if best is not None and len(lead) >= len(best):
            break
        # shortest cycle through s: an edge back into s from the tree rooted at s
        back = _bfs(g, s, doomed)
        cycle: list[int] | None = None
        for u in sorted(back, key=lambda x: (len(_walk(back, x)), x)):
            for thread, v in g.edges[u]:
                if v == s:
                    cycle = [*_walk(back, u), thread]
                    break
            if cycle is not None:
                break
        if cycle is not None and (best is None or len(lead) + len(cycle) < len(best)):
            best = tuple(lead + cycle)
    if best is None:  # pragma: no cover - every doomed state leads into a cycle
        raise FolioVizError("internal: a state that cannot finish but leads into no cycle")
    return best


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
    plan = _plan(model)
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
    graph: _Graph = explore(model)._graph
    ids = {s: i for i, s in enumerate(graph.states)}
    state = initial_state(model)
    if _doomed(model, graph, ids[state]):
        return 0
    for k, thread in enumerate(report.shortest, start=1):
        state, _ = step(model, state, thread)
        if _doomed(model, graph, ids[state]):
            return k
    return len(report.shortest)  # pragma: no cover


def _doomed(model: RaceModel, g: _Graph, start: int) -> bool:
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


# --------------------------------------------------------------------------- comparisons


@dataclass(frozen=True, eq=False)
class Comparison:
    """Every variant explored with the same handler, folio, kernel and threads, in :data:`VARIANTS` order."""

    base: RaceModel
    explorations: tuple[Exploration, ...]

    def __getitem__(self, variant: str) -> Exploration:
        key = _choice(variant, "variant", VARIANTS, _VARIANT_ALIASES)
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
    kernel: str | None = None,
    *,
    faults: int = 1,
    readers: int = 0,
) -> Comparison:
    """Explore all five variants with the same inputs (side by side in the views)."""
    base = RaceModel(handler=handler, folio=folio, kernel=kernel, faults=faults, readers=readers)
    return Comparison(base, tuple(explore(base.replace(variant=v)) for v in VARIANTS))


def unsafe_variants(handler: str = "old-school", folio: str = "file", kernel: str | None = None) -> tuple[str, ...]:
    """The variants under which some order writes to a truncated folio (``WRITE_ON_TRUNCATED`` or
    ``WRITE_DURING_TRUNCATION``): the exercises' answer, computed by the explorer."""
    bad = {RaceOutcome.WRITE_ON_TRUNCATED, RaceOutcome.WRITE_DURING_TRUNCATION}
    comparison = compare_variants(handler, folio, kernel)
    return tuple(e.model.variant for e in comparison if any(bad & set(r.outcome.kinds) for r in e.outcomes))
