r"""What decides a write fault's fate: :class:`MkwriteInputs`, the :class:`Outcome`\ s, and the snapshots.

:class:`MkwriteState` is ``do_page_mkwrite()`` after one pseudo-code line; :class:`FaultLoopState` is
the fault as its caller sees it. Both are immutable and hashable.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import Enum
from types import MappingProxyType
from typing import Any

from .. import pagecache as _pc
from ..errors import ContradictoryFolioError, MkwriteInputError
from ..versions import Era, Kernel, get_era, get_kernel, parse_kernel
from .faults import (
    VM_FAULT_HWPOISON,
    VM_FAULT_OOM,
    VM_FAULT_SIGBUS,
    VM_FAULT_SIGSEGV,
    VMFault,
    check_u32,
    decode_fault_flags,
    decode_vm_fault,
)
from .forms import RAW, CodeForm, code_form, normalise_check, pinned_release

__all__ = [
    "BY_FAULT",
    "BY_HANDLER",
    "BY_MKWRITE",
    "CALLERS",
    "FOLIO_STATES",
    "HANDLERS",
    "PRESENT_WORD",
    "FaultLoopState",
    "MkwriteInputs",
    "MkwriteState",
    "Outcome",
]


#: The ``->page_mkwrite`` handlers modelled, and what each returns.
HANDLERS: Mapping[str, str] = MappingProxyType(
    {
        "modern": "locks the folio itself and returns VM_FAULT_LOCKED; if it finds the folio truncated it "
        "unlocks and returns VM_FAULT_NOPAGE, as filemap_page_mkwrite() does",
        "old-school": "returns 0 without locking (the convention before 2009); do_page_mkwrite() takes the "
        "lock and checks for truncation itself",
        "error": "returns an error: VM_FAULT_SIGBUS, or the value given as `error`",
        "nopage": "returns VM_FAULT_NOPAGE: 'nothing to install, retry the access'",
        "forgets-lock": "a buggy modern handler: returns VM_FAULT_LOCKED without locking the folio",
    }
)

#: The folio the fault holds a reference to.
FOLIO_STATES: Mapping[str, str] = MappingProxyType(
    {
        "present": "a page-cache folio, still in its file (the word points to the file's address_space)",
        "truncated": "removed from its file while the fault held only a reference: the word is NULL, and the "
        "fault path's reference is the last one (as the page-cache model's truncation leaves it)",
        "movable-tagged": "an old driver's page whose word carries the movable tag 0b10 (v6.0 – v6.16: "
        "struct movable_operations | 0x2; before v6.0: the driver's address_space | 0x2)",
    }
)

#: The callers of ``do_page_mkwrite()``.
CALLERS: Mapping[str, str] = MappingProxyType(
    {
        "wp_page_shared": "a store to a present, read-only PTE of a shared mapping (do_wp_page() -> wp_page_shared())",
        "do_shared_fault": "a store to an empty PTE of a shared mapping: ->fault first, then do_page_mkwrite()",
    }
)

#: Errors a handler may return in the model (those the arch fault handler turns into a signal).
_HANDLER_ERRORS = (VM_FAULT_OOM, VM_FAULT_SIGBUS, VM_FAULT_SIGSEGV, VM_FAULT_HWPOISON)

# Example words: a file's address_space (the page-cache model's), and a driver's pointers + 0b10.
#: The word of a folio still in the page cache: a file's address_space (the page-cache model's).
PRESENT_WORD = _pc.DEFAULT_ADDRESS_SPACE
_MOVABLE_OPS = 0xFFFFFFFFC0A04040  # a struct movable_operations in a module (example address)
_DRIVER_AS = 0xFFFF888005B1E0C0  # a driver's own struct address_space (example address)


def _normalise_choice(value: object, what: str, allowed: Mapping[str, str]) -> str:
    if isinstance(value, str):
        key = value.strip().lower().replace("_", "-").replace(" ", "-")
        key = {"oldschool": "old-school", "legacy": "old-school", "movable": "movable-tagged"}.get(key, key)
        for name in allowed:
            if name.replace("_", "-") == key:
                return name
    choices = ", ".join(repr(name) for name in allowed)
    raise MkwriteInputError(f"{what} must be one of {choices}, not {value!r}")


def _check_bool(value: object, what: str, meaning: str) -> bool:
    if not isinstance(value, bool):
        raise MkwriteInputError(f"{what} must be True or False ({meaning}), not {value!r}")
    return value


@dataclass(frozen=True)
class MkwriteInputs:
    """Everything that decides what ``do_page_mkwrite()`` does: validated and normalised on creation.

    :param handler: the ``->page_mkwrite`` handler, one of :data:`HANDLERS`
    :param swapfile: the VMA's file has become an active swapfile (``IS_SWAPFILE``)
    :param folio: the folio the fault holds, one of :data:`FOLIO_STATES`
    :param check: the truncation test, ``"folio->mapping"`` (merged) or ``"folio_mapping()"`` (v1)
    :param kernel: a kernel version (``"6.4"``, ``"6.12"``, ``"5.10"``, ``"6.17"`` ...) or an alias
        (``"default"``, the default: the kernel standing for the workbook's default era; ``"email"``;
        ``"latest"``): picks the code form and the ``folio->mapping`` era; kept as ``"major.minor"``
    :param truncated_beyond_eof: only for ``folio="truncated"``: the page now lies wholly beyond the
        end of the file (True, the default for a truncated folio: the refault gets SIGBUS from
        ``filemap_fault()``) or inside it (False: a hole punch; the refault reads a new page and the
        write succeeds). Must be left ``None`` for a folio that was not truncated.
    :param debug_vm: ``CONFIG_DEBUG_VM``: ``VM_BUG_ON_*()`` is a runtime check only when on
    :param caller: ``"wp_page_shared"`` (default) or ``"do_shared_fault"``
    :param error: only for ``handler="error"``: the error returned (default ``VM_FAULT_SIGBUS``)
    :raises FolioVizError: a value not allowed (:class:`MkwriteInputError`), an unknown kernel
        (:class:`UnknownEraError`) or a combination no kernel could meet (:class:`ContradictoryFolioError`)
    """

    handler: str = "modern"
    swapfile: bool = False
    folio: str = "present"
    check: str = RAW
    kernel: str = "default"
    truncated_beyond_eof: bool | None = None
    debug_vm: bool = False
    caller: str = "wp_page_shared"
    error: int | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "handler", _normalise_choice(self.handler, "handler", HANDLERS))
        set_(self, "folio", _normalise_choice(self.folio, "folio", FOLIO_STATES))
        set_(self, "caller", _normalise_choice(self.caller, "caller", CALLERS))
        set_(self, "check", normalise_check(self.check))
        _check_bool(self.swapfile, "swapfile", "is the VMA's file an active swapfile?")
        _check_bool(self.debug_vm, "debug_vm", "is the kernel built with CONFIG_DEBUG_VM?")
        set_(self, "kernel", get_kernel(self.kernel).text)
        era = get_era(self.kernel)

        beyond = self.truncated_beyond_eof
        if beyond is not None and not isinstance(beyond, bool):
            raise MkwriteInputError(
                f"truncated_beyond_eof must be True, False or None, not {beyond!r}: True when the truncated "
                "page now lies wholly beyond the end of the file, False for a hole punch inside it"
            )
        if self.folio == "truncated":
            set_(self, "truncated_beyond_eof", True if beyond is None else beyond)
        elif beyond is not None:
            raise ContradictoryFolioError(
                f"truncated_beyond_eof={beyond} says where a truncation cut the file, but folio={self.folio!r} "
                "was not truncated. Leave truncated_beyond_eof as None, or use folio='truncated'."
            )

        if self.handler == "error":
            error = VM_FAULT_SIGBUS if self.error is None else self.error
            error = check_u32(error, "error")
            if error not in _HANDLER_ERRORS:
                names = ", ".join(flag.name or "" for flag in _HANDLER_ERRORS)
                raise MkwriteInputError(
                    f"error must be one of {names} (an error the fault handler turns into a signal), not "
                    f"{decode_vm_fault(error)}. VM_FAULT_FALLBACK and VM_FAULT_HWPOISON_LARGE belong to "
                    "huge-page faults, not to ->page_mkwrite."
                )
            set_(self, "error", VMFault(error))
        elif self.error is not None:
            raise ContradictoryFolioError(
                f"error={self.error!r} is what an 'error' handler returns, but handler={self.handler!r}. "
                "Leave error as None, or use handler='error'."
            )

        if self.folio == "movable-tagged" and not era.movable_tag:
            raise ContradictoryFolioError(
                f"kernel {self.kernel} is in {era.label}: the movable tag is gone from ->mapping there. Driver "
                "pages that can move carry the PG_movable_ops page flag instead, 0x2 is renamed "
                f"{era.const_name('ANON_KSM')} and only ever appears together with the anon bit (as KSM), so "
                "no kernel of this era stores a word tagged 0b10. Pick a kernel up to 6.16, or folio='present' "
                "or 'truncated'."
            )
        if self.swapfile and self.folio == "movable-tagged":
            raise ContradictoryFolioError(
                "an active swapfile is a file on a filesystem (or a block device): its pages are page-cache "
                "folios, not an old driver's movable pages. Use swapfile=True with folio='present' or "
                "'truncated', or swapfile=False with folio='movable-tagged'."
            )

    # ---- derived

    @property
    def version(self) -> tuple[int, int]:
        return parse_kernel(self.kernel)

    @property
    def kernel_info(self) -> Kernel:
        """The kernel, to ask about what differs per version (see :func:`~folioviz.kernel.versions.get_kernel`)."""
        return get_kernel(self.kernel)

    @property
    def era(self) -> Era:
        """The ``folio->mapping`` era of the kernel (see :mod:`folioviz.kernel.versions`)."""
        return get_era(self.kernel)

    @property
    def form(self) -> CodeForm:
        return code_form(self.kernel, self.check)

    @property
    def release(self) -> str:
        return pinned_release(self.kernel)

    @property
    def word(self) -> int:
        """``folio->mapping`` when ``do_page_mkwrite()`` runs (after any truncation)."""
        if self.folio == "truncated":
            return 0
        if self.folio == "present":
            return PRESENT_WORD
        era = self.era
        base = _DRIVER_AS if era.movable_tag == "address_space" else _MOVABLE_OPS
        return base | era.constants[era.const_name("MOVABLE")]

    def replace(self, **changes: Any) -> MkwriteInputs:
        """A copy with some fields changed; ``truncated_beyond_eof`` is reset when the folio changes."""
        if "folio" in changes and "truncated_beyond_eof" not in changes:
            changes["truncated_beyond_eof"] = None
        if "handler" in changes and "error" not in changes:
            changes["error"] = None
        return replace(self, **changes)


# --------------------------------------------------------------------------- outcomes


class Outcome(Enum):
    """How the write fault ends, as the model states it (``summary``; ``evidence`` tags the claim)."""

    WRITE_PROCEEDS = "write proceeds"
    RETRY_THEN_SIGBUS = "retry, then SIGBUS"
    RETRY_THEN_NEW_PAGE = "retry, then a new page"
    SIGBUS_SWAPFILE = "SIGBUS: swapfile"
    HANDLER_ERROR = "handler error"
    NOPAGE = "VM_FAULT_NOPAGE"
    VM_BUG_ON = "VM_BUG_ON"
    LIVELOCK = "livelock"
    LOCK_NOT_HELD = "proceeds without the lock"

    @property
    def summary(self) -> str:
        return _OUTCOME_INFO[self][0]

    @property
    def evidence(self) -> str:
        """``V`` (read in the pinned releases), ``I`` (inferred from code read) or ``U`` (not verifiable here)."""
        return _OUTCOME_INFO[self][1]

    @property
    def rule(self) -> str:
        return _OUTCOME_INFO[self][2]


_OUTCOME_INFO: dict[Outcome, tuple[str, str, str]] = {
    Outcome.WRITE_PROCEEDS: (
        "The folio is locked and still in its file (or not a file page at all); the caller makes the PTE "
        "writable, marks the folio dirty, unlocks it, and the store completes.",
        "V",
        "R10",
    ),
    Outcome.RETRY_THEN_SIGBUS: (
        "The folio was truncated; the fault returns 'retry' and the store runs again. The new fault finds "
        "the page beyond the end of the file and the process gets SIGBUS.",
        "V",
        "B5",
    ),
    Outcome.RETRY_THEN_NEW_PAGE: (
        "The folio was removed (a hole punch inside the file); the fault returns 'retry', the store runs "
        "again, the new fault reads a new folio and the write succeeds on it.",
        "I",
        "B5",
    ),
    Outcome.SIGBUS_SWAPFILE: (
        "The VMA's file is an active swapfile: do_page_mkwrite() refuses before asking the handler.",
        "V",
        "",
    ),
    Outcome.HANDLER_ERROR: (
        "The handler returned an error; it is passed up unchanged and becomes a signal.",
        "V",
        "R10",
    ),
    Outcome.NOPAGE: (
        "The handler returned VM_FAULT_NOPAGE; it is passed up, and the store runs again. What that retry "
        "meets depends on why the handler said so; the model stops here.",
        "V",
        "R10",
    ),
    Outcome.VM_BUG_ON: (
        "A handler claimed VM_FAULT_LOCKED without locking; with CONFIG_DEBUG_VM the check fires: BUG(), "
        "a kernel oops.",
        "V",
        "R10",
    ),
    Outcome.LIVELOCK: (
        "The check says 'truncated' for a page that was not: do_page_mkwrite() returns 0, nothing changes, "
        "and every retry meets the same state. The task spins in the fault for ever.",
        "I",
        "R11",
    ),
    Outcome.LOCK_NOT_HELD: (
        "A handler claimed VM_FAULT_LOCKED without locking and CONFIG_DEBUG_VM is off: the check is compiled "
        "out and the caller goes on as if it held the folio lock. What follows depends on release and "
        "timing and is not verifiable in this model.",
        "U",
        "R10",
    ),
}


# --------------------------------------------------------------------------- snapshots

#: Lock holders, as the snapshots name them.
BY_HANDLER = "->page_mkwrite"
BY_MKWRITE = "do_page_mkwrite"
BY_FAULT = "->fault"


@dataclass(frozen=True)
class MkwriteState:
    """``do_page_mkwrite()`` after one pseudo-code line (immutable, hashable).

    :param line: the pseudo-code line that just ran
    :param vmf_flags: ``vmf->flags`` (decode with :func:`decode_fault_flags`; see ``vmf_flags_text``)
    :param ret: the local ``ret``; ``None`` until the handler has returned
    :param lock_holder: who holds the folio lock (``"->page_mkwrite"``, ``"do_page_mkwrite"``), or None
    :param mapping_word: ``folio->mapping``, as :func:`~folioviz.kernel.mapping.format_word` prints it
    :param mapping_kind: what the word is (``"file"``, ``"NULL"``, ``"movable"``)
    :param check: what the truncation test evaluated to, when line 12 ran; else ""
    :param branch: the branch this line took ("" for straight-line code)
    :param returned: the function has returned (or, at a fired ``VM_BUG_ON``, will never return)
    :param outcome: the outcome of the whole write fault, once this call has decided it; else None
    """

    line: int
    vmf_flags: int
    ret: int | None
    lock_holder: str | None
    mapping_word: str
    mapping_kind: str
    check: str = ""
    branch: str = ""
    returned: bool = False
    outcome: Outcome | None = None

    @property
    def vmf_flags_text(self) -> str:
        return decode_fault_flags(self.vmf_flags)

    @property
    def ret_text(self) -> str:
        return "(not set)" if self.ret is None else decode_vm_fault(self.ret)

    @property
    def locked(self) -> bool:
        return self.lock_holder is not None


@dataclass(frozen=True)
class FaultLoopState:
    """The write fault, seen from its caller, after one step (immutable, hashable).

    :param attempt: which fault this is (1 = the first; each retry adds one)
    :param retries: how many times the store has been re-executed so far
    :param where: ``"user space"`` or ``"kernel"``
    :param pte: the page-table entry for the address: ``"read-only"``, ``"writable"`` or ``"none"``
    :param folio: which folio: ``"A"`` (the one the fault started with) or ``"B"`` (a new one)
    :param mapping_word: that folio's ``->mapping`` (``format_word``)
    :param lock_holder: who holds its lock, or None
    :param refs: who holds references to it (from the page-cache model for file folios), "freed" at 0
    :param ret: the value the current function returned, or None
    :param mkwrite_path: the pseudo-code lines the last ``do_page_mkwrite()`` call ran
    :param outcome: set on the step that decides how the fault ends
    :param note: extra detail for that step
    """

    attempt: int
    retries: int
    where: str
    pte: str
    folio: str
    mapping_word: str
    lock_holder: str | None
    refs: str
    ret: int | None = None
    mkwrite_path: tuple[int, ...] = ()
    outcome: Outcome | None = None
    note: str = field(default="", compare=False)

    @property
    def ret_text(self) -> str:
        return "(none)" if self.ret is None else decode_vm_fault(self.ret)

    @property
    def key(self) -> tuple[object, ...]:
        """What decides the next fault: if a retry starts from a key already seen, nothing can change."""
        return (self.folio, self.pte, self.mapping_word, self.lock_holder, self.refs)
