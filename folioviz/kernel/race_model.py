"""The race explorer's inputs and results: the variants, :class:`RaceModel`, the outcomes, the states.

See :mod:`folioviz.kernel.races` for what is explored and how.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import Enum
from types import MappingProxyType
from typing import Any

from . import pagecache as pc
from .errors import ContradictoryFolioError, FolioVizError
from .mkwrite import MkwriteInputs, code_form, pinned_release
from .mkwrite.forms import HELPER, RAW
from .sources import SourceRef
from .versions import get_kernel

__all__ = [
    "FOLIOS",
    "HANDLERS",
    "MAX_FAULTS",
    "MAX_READERS",
    "MAX_STATES",
    "OUTCOME_ORDER",
    "VARIANTS",
    "VARIANT_ALIASES",
    "Broken",
    "FolioView",
    "Move",
    "RaceInputError",
    "RaceModel",
    "RaceOutcome",
    "RaceState",
    "RunOutcome",
    "ThreadSpec",
    "Variant",
    "choose",
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
VARIANTS: Mapping[str, Variant] = MappingProxyType(
    {
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
)

#: Other names a learner may give a variant.
VARIANT_ALIASES: Mapping[str, str] = MappingProxyType(
    {
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
)

#: The ``->page_mkwrite`` handlers the explorer runs.
HANDLERS: Mapping[str, str] = MappingProxyType(
    {
        "old-school": "returns 0 without locking; do_page_mkwrite() takes the lock and checks for truncation",
        "modern": "locks the folio itself, checks ->mapping and returns VM_FAULT_LOCKED (or unlocks and returns "
        "VM_FAULT_NOPAGE if truncated), as filemap_page_mkwrite() does",
    }
)

#: The folio the fault writes to.
FOLIOS: Mapping[str, str] = MappingProxyType(
    {
        "file": "a page-cache folio of the file being truncated",
        "driver": "an old driver's own page, mapped to user space, whose word carries the movable tag 0b10 "
        "(never in a page cache, so truncation of the file finds nothing)",
    }
)

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


def choose(value: object, what: str, allowed: Mapping[str, Any], aliases: Mapping[str, str] | None = None) -> str:
    """The key of ``allowed`` that ``value`` names (exactly, by an alias, or in other case).

    :raises RaceInputError: naming ``what`` and the allowed keys, for any other value
    """
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
        set_(self, "variant", choose(self.variant, "variant", VARIANTS, VARIANT_ALIASES))
        set_(self, "handler", choose(self.handler, "handler", HANDLERS))
        set_(self, "folio", choose(self.folio, "folio", FOLIOS))
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
