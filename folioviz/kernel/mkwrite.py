"""``do_page_mkwrite()``: a write fault meets a folio it holds no lock on (rules R9–R12, B1, B2, B5, B6).

A store to a shared, writable file mapping whose page-table entry is read-only (or empty) faults.
The fault path (``wp_page_shared()`` or ``do_shared_fault()`` in ``mm/memory.c``) holds a reference
to the folio but not its lock, and calls ``do_page_mkwrite()``, which asks the file's
``->page_mkwrite`` handler to get ready for the write:

* a **modern** handler (the protocol since 2009, ``b827e496c893``) locks the folio itself and
  returns ``VM_FAULT_LOCKED``;
* an **old-school** handler returns 0; ``do_page_mkwrite()`` then locks the folio and checks that it
  was not truncated meanwhile. If ``->mapping`` is NULL it unlocks and returns 0, which means
  "retry the fault", not "error" (R9, R10, B5).

The email's point (R11): if that check used ``folio_mapping()`` instead of the raw
``folio->mapping``, an old driver page whose word is tagged movable (``0b10``) would look truncated
in v6.0 – v6.16 (any tag bit makes ``folio_mapping()`` return NULL), nothing would ever change, and
the fault would be retried for ever: a livelock. The merged code (v6.6) tests the raw field (B6).

This module models one call of the function line by line (:func:`do_page_mkwrite_scenario`) and the
caller's loop around it (:func:`fault_loop_scenario`), for every code form the kernel had:

=============  ==========================================  =====================  ==============
form           the check                                    kernels                pinned release
=============  ==========================================  =====================  ==============
page           ``lock_page(page)``, ``!page->mapping``      v5.10 – v6.5           v5.10.223 /
                                                                                   v6.1.4
folio          ``folio_lock(folio)``, ``!folio->mapping``   v6.6 and later          v6.12.8 /
                                                                                   v7.2.8
folio-v1       ``!folio_mapping(folio)``                    the v1 patch (never    as the kernel
                                                            merged), v6.0 and on
page-helper    ``!page_mapping(page)``                      what-if, before v6.0   v5.10.223
=============  ==========================================  =====================  ==============

The pseudo-code is our paraphrase. Each line links to the real line of the pinned release
(``v5.10.223`` before v6.0, ``v6.1.4`` for v6.0 – v6.5, ``v6.12.8`` for v6.6 – v6.16, ``v7.2.8``
from v6.17); the function reads the same in all four (checked in the release tarballs). Whether
the truncation check fires is not decided here: it is asked of :mod:`folioviz.kernel.mapping`
(``decode_folio()``'s ``raw_check_truncated`` / ``folio_mapping_check_truncated``), per kernel era.

Evidence tags in explanations: [V] read in the pinned release's source, [I] inferred from code that
was read, [U] not verified.

>>> run = mkwrite_outcome(MkwriteInputs(handler="old-school", folio="movable-tagged", check="folio_mapping()"))
>>> run.outcome.name, run.retries, run.path
('LIVELOCK', 1, (1, 2, 3, 4, 6, 7, 8, 10, 11, 12, 13, 14))
>>> decode_vm_fault(VM_FAULT_LOCKED | VM_FAULT_MAJOR)
'VM_FAULT_LOCKED|VM_FAULT_MAJOR'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from enum import Enum, IntFlag
from functools import cache
from typing import Any

from . import pagecache as _pc
from ._data import load_toml
from .errors import ContradictoryFolioError, FolioVizError, UnknownEraError
from .mapping import decode_folio, folio_mapping, format_word, make_folio
from .scenario import Scenario, Step
from .sources import SourceRef, lore_url, source_ref
from .versions import Era, get_era

__all__ = [
    "BRANCH_TABLE",
    "CALLERS",
    "CHECKS",
    "FAULT_FLAG_MKWRITE",
    "FAULT_FLAG_WRITE",
    "FOLIO_STATES",
    "HANDLERS",
    "NEWEST_KERNEL",
    "OLDEST_KERNEL",
    "VM_FAULT_COMPLETED",
    "VM_FAULT_DONE_COW",
    "VM_FAULT_ERROR",
    "VM_FAULT_FALLBACK",
    "VM_FAULT_HINDEX_MASK",
    "VM_FAULT_HWPOISON",
    "VM_FAULT_HWPOISON_LARGE",
    "VM_FAULT_LOCKED",
    "VM_FAULT_MAJOR",
    "VM_FAULT_NEEDDSYNC",
    "VM_FAULT_NOPAGE",
    "VM_FAULT_OOM",
    "VM_FAULT_RETRY",
    "VM_FAULT_SIGBUS",
    "VM_FAULT_SIGSEGV",
    "VM_FAULT_WRITE",
    "BranchCase",
    "CodeForm",
    "FaultFlag",
    "FaultLoopState",
    "HistoryEvent",
    "MkwriteInputError",
    "MkwriteInputs",
    "MkwriteRun",
    "MkwriteState",
    "Outcome",
    "PseudoLine",
    "VMFault",
    "all_branches",
    "code_form",
    "decode_fault_flags",
    "decode_vm_fault",
    "do_page_mkwrite_scenario",
    "fault_loop_scenario",
    "mkwrite_history",
    "mkwrite_outcome",
    "parse_kernel",
    "pinned_release",
    "pseudo_code",
    "render_pseudo_code",
]


class MkwriteInputError(FolioVizError):
    """An input to the ``do_page_mkwrite()`` model that is not one of the allowed values."""


# --------------------------------------------------------------------------- return codes and flags


class VMFault(IntFlag):
    """``enum vm_fault_reason`` (``include/linux/mm_types.h``): what a fault handler returns.

    Values as in the release headers read for v5.10.223, v6.1.4, v6.12.8 and v7.2.8 (identical where
    present). ``VM_FAULT_WRITE`` (0x8) exists in v5.10.223 and v6.1.4 and is gone by v6.12.8 (removed
    by "mm: remove VM_FAULT_WRITE", about v6.2 [U]); ``VM_FAULT_COMPLETED`` (0x4000) is absent in
    v5.10.223 and present from v6.1.4 on.
    """

    VM_FAULT_OOM = 0x000001
    VM_FAULT_SIGBUS = 0x000002
    VM_FAULT_MAJOR = 0x000004
    VM_FAULT_WRITE = 0x000008
    VM_FAULT_HWPOISON = 0x000010
    VM_FAULT_HWPOISON_LARGE = 0x000020
    VM_FAULT_SIGSEGV = 0x000040
    VM_FAULT_NOPAGE = 0x000100
    VM_FAULT_LOCKED = 0x000200
    VM_FAULT_RETRY = 0x000400
    VM_FAULT_FALLBACK = 0x000800
    VM_FAULT_DONE_COW = 0x001000
    VM_FAULT_NEEDDSYNC = 0x002000
    VM_FAULT_COMPLETED = 0x004000


VM_FAULT_OOM = VMFault.VM_FAULT_OOM
VM_FAULT_SIGBUS = VMFault.VM_FAULT_SIGBUS
VM_FAULT_MAJOR = VMFault.VM_FAULT_MAJOR
VM_FAULT_WRITE = VMFault.VM_FAULT_WRITE
VM_FAULT_HWPOISON = VMFault.VM_FAULT_HWPOISON
VM_FAULT_HWPOISON_LARGE = VMFault.VM_FAULT_HWPOISON_LARGE
VM_FAULT_SIGSEGV = VMFault.VM_FAULT_SIGSEGV
VM_FAULT_NOPAGE = VMFault.VM_FAULT_NOPAGE
VM_FAULT_LOCKED = VMFault.VM_FAULT_LOCKED
VM_FAULT_RETRY = VMFault.VM_FAULT_RETRY
VM_FAULT_FALLBACK = VMFault.VM_FAULT_FALLBACK
VM_FAULT_DONE_COW = VMFault.VM_FAULT_DONE_COW
VM_FAULT_NEEDDSYNC = VMFault.VM_FAULT_NEEDDSYNC
VM_FAULT_COMPLETED = VMFault.VM_FAULT_COMPLETED
#: The hstate index of a huge-page poison fault sits in these bits (``VM_FAULT_SET_HINDEX(x)`` is ``x << 16``).
VM_FAULT_HINDEX_MASK = 0x0F0000
#: ``#define VM_FAULT_ERROR``: OOM | SIGBUS | SIGSEGV | HWPOISON | HWPOISON_LARGE | FALLBACK = 0x873.
VM_FAULT_ERROR = (
    VM_FAULT_OOM | VM_FAULT_SIGBUS | VM_FAULT_SIGSEGV | VM_FAULT_HWPOISON | VM_FAULT_HWPOISON_LARGE | VM_FAULT_FALLBACK
)

_VM_FAULT_BITS = tuple(sorted(VMFault, key=lambda flag: flag.value, reverse=True))
_KNOWN_VM_FAULT = sum(flag.value for flag in VMFault) | VM_FAULT_HINDEX_MASK


def _check_u32(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise MkwriteInputError(f"{what} must be an int (a vm_fault_t bit mask), not {type(value).__name__} {value!r}")
    if not 0 <= value < 1 << 32:
        raise MkwriteInputError(f"{what} must fit in 32 unsigned bits (vm_fault_t is an unsigned int), not {value!r}")
    return int(value)


def decode_vm_fault(ret: int) -> str:
    """A ``vm_fault_t`` as the kernel's names, highest bit first: ``"VM_FAULT_LOCKED|VM_FAULT_MAJOR"``, or ``"0"``.

    A huge-page poison index is shown as ``VM_FAULT_SET_HINDEX(n)``; bits no release names are
    shown in hex. ``VM_FAULT_ERROR`` is a mask, never a name in the result.
    """
    ret = _check_u32(ret, "a vm_fault_t")
    if ret == 0:
        return "0"
    names = [flag.name for flag in _VM_FAULT_BITS if ret & flag.value and flag.name]
    hindex = (ret & VM_FAULT_HINDEX_MASK) >> 16
    if hindex:
        names.append(f"VM_FAULT_SET_HINDEX({hindex})")
    unknown = ret & ~_KNOWN_VM_FAULT
    if unknown:
        names.append(f"{unknown:#x}")
    return "|".join(names)


class FaultFlag(IntFlag):
    """``enum fault_flag`` (``include/linux/mm_types.h``; ``#define``\\ s in ``include/linux/mm.h`` in v5.10).

    Values read in v6.12.8; the first ten have the same values in v5.10.223. ``ORIG_PTE_VALID`` and
    ``VMA_LOCK`` are newer (absent in v5.10.223).
    """

    FAULT_FLAG_WRITE = 1 << 0
    FAULT_FLAG_MKWRITE = 1 << 1
    FAULT_FLAG_ALLOW_RETRY = 1 << 2
    FAULT_FLAG_RETRY_NOWAIT = 1 << 3
    FAULT_FLAG_KILLABLE = 1 << 4
    FAULT_FLAG_TRIED = 1 << 5
    FAULT_FLAG_USER = 1 << 6
    FAULT_FLAG_REMOTE = 1 << 7
    FAULT_FLAG_INSTRUCTION = 1 << 8
    FAULT_FLAG_INTERRUPTIBLE = 1 << 9
    FAULT_FLAG_UNSHARE = 1 << 10
    FAULT_FLAG_ORIG_PTE_VALID = 1 << 11
    FAULT_FLAG_VMA_LOCK = 1 << 12


FAULT_FLAG_WRITE = FaultFlag.FAULT_FLAG_WRITE
FAULT_FLAG_MKWRITE = FaultFlag.FAULT_FLAG_MKWRITE

#: What ``vmf->flags`` holds when a user-space store faults on x86: ``FAULT_FLAG_DEFAULT``
#: (ALLOW_RETRY | KILLABLE | INTERRUPTIBLE), USER and WRITE, as ``do_user_addr_fault()`` builds it
#: (v5.10.223 and v6.12.8 read). Other bits (``ORIG_PTE_VALID``, ``VMA_LOCK``, ``TRIED``) may be
#: added on the way, depending on path and release; the model leaves them out.
_USER_WRITE_FLAGS = (
    FaultFlag.FAULT_FLAG_WRITE
    | FaultFlag.FAULT_FLAG_ALLOW_RETRY
    | FaultFlag.FAULT_FLAG_KILLABLE
    | FaultFlag.FAULT_FLAG_INTERRUPTIBLE
    | FaultFlag.FAULT_FLAG_USER
)
_MKWRITE_FLAGS = FAULT_FLAG_WRITE | FAULT_FLAG_MKWRITE


def decode_fault_flags(flags: int) -> str:
    """``vmf->flags`` as the kernel's names, lowest bit first: ``"FAULT_FLAG_WRITE|FAULT_FLAG_MKWRITE"``."""
    flags = _check_u32(flags, "vmf->flags")
    if flags == 0:
        return "0"
    names = [flag.name for flag in FaultFlag if flags & flag.value and flag.name]
    unknown = flags & ~sum(flag.value for flag in FaultFlag)
    if unknown:
        names.append(f"{unknown:#x}")
    return "|".join(names)


# --------------------------------------------------------------------------- kernels, forms, releases

#: The oldest and newest kernels whose ``do_page_mkwrite()`` was read (v5.10.223 and v7.2.8).
OLDEST_KERNEL = (5, 10)
NEWEST_KERNEL = (7, 2)
_KERNEL_RE = re.compile(r"v?(\d+)\.(\d+)(?:\.\d+)?(?:-rc\d+)?")
_KERNEL_ALIASES = {"email": "6.4", "default": "6.4", "latest": f"{NEWEST_KERNEL[0]}.{NEWEST_KERNEL[1]}"}
_ALLOWED_KERNELS = (
    f"a version string from {OLDEST_KERNEL[0]}.{OLDEST_KERNEL[1]} to {NEWEST_KERNEL[0]}.{NEWEST_KERNEL[1]} "
    "such as '6.4', '6.6', '6.12', 'v6.12.8', '5.10' or '6.17', or 'email' (6.4) or 'latest'"
)


def parse_kernel(kernel: str) -> tuple[int, int]:
    """``"6.4"``, ``"v6.12.8"``, ``"email"`` or ``"latest"`` -> ``(major, minor)``, within the kernels read.

    :raises UnknownEraError: not a version string, or outside v5.10 – v7.2
    """
    if isinstance(kernel, bool) or not isinstance(kernel, str):
        raise UnknownEraError(
            f"kernel must be a version string, not {type(kernel).__name__} {kernel!r} (as a number 6.10 "
            f"would read as 6.1). Allowed: {_ALLOWED_KERNELS}."
        )
    text = _KERNEL_ALIASES.get(kernel.strip().lower(), kernel.strip())
    match = _KERNEL_RE.fullmatch(text)
    if not match:
        raise UnknownEraError(f"kernel {kernel!r} is not a version. Allowed: {_ALLOWED_KERNELS}.")
    version = (int(match.group(1)), int(match.group(2)))
    if version < OLDEST_KERNEL:
        raise UnknownEraError(
            f"kernel {kernel!r} is older than the oldest do_page_mkwrite() folioviz has read (v5.10.223); "
            "earlier kernels differ (the swapfile check only arrived in 2019, and before 2009 the function "
            f"had no VM_FAULT_LOCKED protocol). Allowed: {_ALLOWED_KERNELS}."
        )
    if version > NEWEST_KERNEL:
        raise UnknownEraError(
            f"kernel {kernel!r} is newer than the newest do_page_mkwrite() folioviz has read (v7.2.8). "
            f"Allowed: {_ALLOWED_KERNELS}."
        )
    return version


def pinned_release(kernel: str) -> str:
    """The release whose ``mm/memory.c`` the links for ``kernel`` point to.

    v5.10.223 before v6.0, v6.1.4 for v6.0 – v6.5 (the page form, the email's era), v6.12.8 for
    v6.6 – v6.16 (the folio form), v7.2.8 from v6.17.
    """
    version = parse_kernel(kernel)
    if version < (6, 0):
        return "v5.10.223"
    if version < (6, 6):
        return "v6.1.4"
    if version < (6, 17):
        return "v6.12.8"
    return "v7.2.8"


#: Releases whose ``do_page_mkwrite()`` still takes a page (``struct page *page = vmf->page``).
_PAGE_SHAPED = ("v5.10.223", "v6.1.4")

RAW = "folio->mapping"
HELPER = "folio_mapping()"
#: The two truncation checks: the raw field (merged) and the helper (the v1 patch of July 2023).
CHECKS: dict[str, str] = {
    RAW: "test the raw word, as merged in v6.6 (and as !page->mapping before)",
    HELPER: "test folio_mapping(), as the v1 patch of 2 July 2023 did (page_mapping() before v5.16)",
}
_CHECK_ALIASES = {
    "folio->mapping": RAW,
    "!folio->mapping": RAW,
    "page->mapping": RAW,
    "!page->mapping": RAW,
    "raw": RAW,
    "folio_mapping()": HELPER,
    "folio_mapping": HELPER,
    "folio_mapping(folio)": HELPER,
    "!folio_mapping(folio)": HELPER,
    "page_mapping()": HELPER,
    "page_mapping": HELPER,
    "page_mapping(page)": HELPER,
    "v1": HELPER,
}


class CodeForm(Enum):
    """One shape of ``do_page_mkwrite()``'s code (see the table in the module docstring)."""

    PAGE = "page"
    FOLIO = "folio"
    FOLIO_V1 = "folio-v1"
    PAGE_HELPER = "page-helper"

    @property
    def label(self) -> str:
        return _FORM_INFO[self]["label"]

    @property
    def description(self) -> str:
        return _FORM_INFO[self]["description"]

    @property
    def merged(self) -> bool:
        """True for code some released kernel had; False for the v1 patch and the pre-v6.0 what-if."""
        return self in (CodeForm.PAGE, CodeForm.FOLIO)

    @property
    def lock_call(self) -> str:
        return "lock_page(page)" if self._page_based else "folio_lock(folio)"

    @property
    def unlock_call(self) -> str:
        return "unlock_page(page)" if self._page_based else "folio_unlock(folio)"

    @property
    def check_expr(self) -> str:
        """The truncation test as this form spells it: ``!folio->mapping``, ``!folio_mapping(folio)``..."""
        return {
            CodeForm.PAGE: "!page->mapping",
            CodeForm.FOLIO: "!folio->mapping",
            CodeForm.FOLIO_V1: "!folio_mapping(folio)",
            CodeForm.PAGE_HELPER: "!page_mapping(page)",
        }[self]

    @property
    def bug_check(self) -> str:
        if self._page_based:
            return "VM_BUG_ON_PAGE(!PageLocked(page), page)"
        return "VM_BUG_ON_FOLIO(!folio_test_locked(folio), folio)"

    @property
    def get_call(self) -> str:
        return "get_page(page)" if self._page_based else "folio_get(folio)"

    @property
    def put_call(self) -> str:
        return "put_page(page)" if self._page_based else "folio_put(folio)"

    @property
    def _page_based(self) -> bool:
        return self in (CodeForm.PAGE, CodeForm.PAGE_HELPER)


_FORM_INFO: dict[CodeForm, dict[str, str]] = {
    CodeForm.PAGE: {
        "label": "page form (v5.10 – v6.5)",
        "description": "The code of the email's time: lock_page(), !page->mapping, VM_BUG_ON_PAGE(). "
        "Read in v5.10.223 and v6.1.4; the July 2023 patches show the same code after v6.4.",
    },
    CodeForm.FOLIO: {
        "label": "folio form (v6.6 and later)",
        "description": "Sidhartha Kumar's conversion as merged in v6.6 (v3 of the patch): folio_lock(), "
        "!folio->mapping, VM_BUG_ON_FOLIO(), and the folio passed in by the caller. Read in v6.12.8 and "
        "v7.2.8.",
    },
    CodeForm.FOLIO_V1: {
        "label": "v1 patch: !folio_mapping(folio) (never merged)",
        "description": "The first version of the conversion (2 July 2023) tested folio_mapping(folio). "
        "Matthew Wilcox objected (the email): for an old driver page tagged movable it returns NULL in "
        "v6.0 – v6.16 and the fault would retry for ever. For kernels from v6.6 this shows what would have "
        "happened had v1 been merged.",
    },
    CodeForm.PAGE_HELPER: {
        "label": "what-if before v6.0: !page_mapping(page)",
        "description": "No kernel had this: the page form with the v1 patch's idea, spelled with the helper "
        "of the time (page_mapping(); folio_mapping() from v5.16). Before v6.0 the helper returned the "
        "masked, non-NULL pointer for a movable page, so even this would not have looped (B2).",
    },
}


def _normalise_check(check: object) -> str:
    if not isinstance(check, str) or check.strip() not in _CHECK_ALIASES:
        raise MkwriteInputError(
            f"check must be {RAW!r} (the raw word, as merged) or {HELPER!r} (as the v1 patch had it), not {check!r}"
        )
    return _CHECK_ALIASES[check.strip()]


def code_form(kernel: str = "6.4", check: str = RAW) -> CodeForm:
    """The form of ``do_page_mkwrite()`` for a kernel and a truncation check."""
    version = parse_kernel(kernel)
    if _normalise_check(check) == RAW:
        return CodeForm.PAGE if version < (6, 6) else CodeForm.FOLIO
    return CodeForm.PAGE_HELPER if version < (6, 0) else CodeForm.FOLIO_V1


# --------------------------------------------------------------------------- the pseudo-code


@dataclass(frozen=True)
class PseudoLine:
    """One numbered line of our pseudo-code, with the real line it stands for.

    :param number: 1-based; the same number means the same step in every form
    :param text: our paraphrase, indented four spaces per level
    :param comment: a short gloss (views may show it dimmed)
    :param source: the real line in the pinned release (``mm/memory.c``)
    """

    number: int
    text: str
    comment: str
    source: SourceRef


#: For each pseudo line: the sources.toml anchor, and the offset from it in a page-shaped release
#: (v5.10.223, v6.1.4) and in a folio-shaped one (v6.12.8, v7.2.8). Checked against all four
#: release tarballs; the anchors are the lines recorded in ``data/sources.toml``.
_ANCHORS: dict[int, tuple[str, int, int]] = {
    1: ("do_page_mkwrite", 0, 0),
    2: ("do_page_mkwrite", 3, 3),
    3: ("do_page_mkwrite", 6, 5),
    4: ("do_page_mkwrite#is-swapfile-check", 0, 0),
    5: ("do_page_mkwrite#is-swapfile-check", 1, 1),
    6: ("do_page_mkwrite#call-of-page-mkwrite", 0, 0),
    7: ("do_page_mkwrite#call-of-page-mkwrite", 2, 2),
    8: ("do_page_mkwrite#vm-fault-error-vm-fault-nopage-test", 0, 0),
    9: ("do_page_mkwrite#vm-fault-error-vm-fault-nopage-test", 1, 1),
    10: ("do_page_mkwrite#vm-fault-locked-test", 0, 0),
    11: ("do_page_mkwrite#lock-line", 0, 0),
    12: ("do_page_mkwrite#mapping-check", 0, 0),
    13: ("do_page_mkwrite#mapping-check", 1, 1),
    14: ("do_page_mkwrite#return-0", 0, 0),
    15: ("do_page_mkwrite#return-0", 2, 2),
    16: ("do_page_mkwrite#vm-bug-on-line", 0, 0),
    17: ("do_page_mkwrite#vm-bug-on-line", 1, 1),
}
LINE_COUNT = len(_ANCHORS)

# Line numbers of the pseudo-code, by role (the same in every form).
L_ENTRY, L_SAVE, L_SET_FLAGS, L_SWAPFILE, L_SWAPFILE_RET = 1, 2, 3, 4, 5
L_CALL, L_RESTORE, L_ERR_TEST, L_ERR_RET, L_LOCKED_TEST = 6, 7, 8, 9, 10
L_LOCK, L_CHECK, L_UNLOCK, L_RET0, L_SET_LOCKED, L_BUG, L_RET = 11, 12, 13, 14, 15, 16, 17


def _line_texts(form: CodeForm) -> dict[int, tuple[str, str]]:
    page = form in (CodeForm.PAGE, CodeForm.PAGE_HELPER)
    entry = {
        CodeForm.PAGE: ("do_page_mkwrite(vmf):", "the caller holds a page reference, not the page lock"),
        CodeForm.PAGE_HELPER: ("do_page_mkwrite(vmf):", "the caller holds a page reference, not the page lock"),
        CodeForm.FOLIO: ("do_page_mkwrite(vmf, folio):", "the caller holds a folio reference, not the lock"),
        CodeForm.FOLIO_V1: ("do_page_mkwrite(vmf):", "v1 still took only vmf; the folio came from vmf->page"),
    }[form]
    save = {
        CodeForm.PAGE: "page = vmf->page; saved = vmf->flags",
        CodeForm.PAGE_HELPER: "page = vmf->page; saved = vmf->flags",
        CodeForm.FOLIO: "saved = vmf->flags",
        CodeForm.FOLIO_V1: "folio = page_folio(vmf->page); saved = vmf->flags",
    }[form]
    check_comment = "was it truncated while unlocked?"
    if form is CodeForm.FOLIO_V1:
        check_comment = "v1: NULL for ANY tag bit in v6.0 – v6.16 (R11)"
    elif form is CodeForm.PAGE_HELPER:
        check_comment = "what-if: masked pointer before v6.0, not NULL (B2)"
    return {
        1: entry,
        2: ("    " + save, "remember the caller's flags"),
        3: ("    vmf->flags = FAULT_FLAG_WRITE | FAULT_FLAG_MKWRITE", "what ->page_mkwrite sees"),
        4: ("    if the VMA's file is an active swapfile (IS_SWAPFILE):", "checked before the handler runs"),
        5: ("        return VM_FAULT_SIGBUS", "never dirty a swapfile; flags are not restored here"),
        6: ("    ret = vma->vm_ops->page_mkwrite(vmf)", "the file's or driver's handler"),
        7: ("    vmf->flags = saved", "restore, so the caller is not surprised"),
        8: ("    if ret has a VM_FAULT_ERROR or VM_FAULT_NOPAGE bit:", "error, or 'nothing to do, retry'"),
        9: ("        return ret", "passed up unchanged"),
        10: ("    if ret lacks VM_FAULT_LOCKED:", "an old-school handler returned 0"),
        11: ("        " + ("lock_page(page)" if page else "folio_lock(folio)"), "do it for the handler"),
        12: ("        if " + form.check_expr + ":", check_comment),
        13: ("            " + ("unlock_page(page)" if page else "folio_unlock(folio)"), "give the lock back"),
        14: ("            return 0", "'retry the fault', not an error (B5)"),
        15: ("        ret |= VM_FAULT_LOCKED", "as if the handler had locked it"),
        16: ("    else: " + form.bug_check, "a runtime check only with CONFIG_DEBUG_VM"),
        17: ("    return ret", "locked on every non-zero, non-error return"),
    }


def _line_ref(number: int, release: str) -> SourceRef:
    anchor, page_offset, folio_offset = _ANCHORS[number]
    ref = source_ref(anchor, release)
    if ref.line is None:  # no recorded line: keep Elixir's identifier search at the release
        return source_ref("do_page_mkwrite", release)
    offset = page_offset if release in _PAGE_SHAPED else folio_offset
    return SourceRef(identifier="do_page_mkwrite", release=release, path=ref.path, line=ref.line + offset)


@cache
def _pseudo_code(form: CodeForm, release: str) -> tuple[PseudoLine, ...]:
    texts = _line_texts(form)
    return tuple(
        PseudoLine(number, texts[number][0], texts[number][1], _line_ref(number, release)) for number in sorted(texts)
    )


def pseudo_code(kernel: str = "6.4", check: str = RAW) -> tuple[PseudoLine, ...]:
    """Our numbered pseudo-code of ``do_page_mkwrite()`` for a kernel and a check, linked to the pinned release.

    The 17 lines are numbered alike in every form, so a view can keep a line highlighted while the
    learner switches kernel or check. For the ``folio-v1`` form at a page-era kernel (v6.0 – v6.5),
    the links point to the v6.1.4 lines the v1 patch rewrote.
    """
    return _pseudo_code(code_form(kernel, check), pinned_release(kernel))


def render_pseudo_code(lines: tuple[PseudoLine, ...], *, comments: bool = True, mark: int | None = None) -> str:
    """The listing as plain text: ``NN  text   # comment``; ``mark`` puts ``>`` before one line number."""
    width = max(len(line.text) for line in lines)
    out = []
    for line in lines:
        prefix = ">" if mark == line.number else " "
        text = f"{prefix}{line.number:2d}  {line.text}"
        if comments and line.comment:
            text = f"{text.ljust(width + 5)}  # {line.comment}"
        out.append(text.rstrip())
    return "\n".join(out)


# --------------------------------------------------------------------------- inputs

#: The ``->page_mkwrite`` handlers modelled, and what each returns.
HANDLERS: dict[str, str] = {
    "modern": "locks the folio itself and returns VM_FAULT_LOCKED; if it finds the folio truncated it "
    "unlocks and returns VM_FAULT_NOPAGE, as filemap_page_mkwrite() does",
    "old-school": "returns 0 without locking (the convention before 2009); do_page_mkwrite() takes the "
    "lock and checks for truncation itself",
    "error": "returns an error: VM_FAULT_SIGBUS, or the value given as `error`",
    "nopage": "returns VM_FAULT_NOPAGE: 'nothing to install, retry the access'",
    "forgets-lock": "a buggy modern handler: returns VM_FAULT_LOCKED without locking the folio",
}

#: The folio the fault holds a reference to.
FOLIO_STATES: dict[str, str] = {
    "present": "a page-cache folio, still in its file (the word points to the file's address_space)",
    "truncated": "removed from its file while the fault held only a reference: the word is NULL, and the "
    "fault path's reference is the last one (as the page-cache model's truncation leaves it)",
    "movable-tagged": "an old driver's page whose word carries the movable tag 0b10 (v6.0 – v6.16: "
    "struct movable_operations | 0x2; before v6.0: the driver's address_space | 0x2)",
}

#: The callers of ``do_page_mkwrite()``.
CALLERS: dict[str, str] = {
    "wp_page_shared": "a store to a present, read-only PTE of a shared mapping (do_wp_page() -> wp_page_shared())",
    "do_shared_fault": "a store to an empty PTE of a shared mapping: ->fault first, then do_page_mkwrite()",
}

#: Errors a handler may return in the model (those the arch fault handler turns into a signal).
_HANDLER_ERRORS = (VM_FAULT_OOM, VM_FAULT_SIGBUS, VM_FAULT_SIGSEGV, VM_FAULT_HWPOISON)

# Example words: a file's address_space (the page-cache model's), and a driver's pointers + 0b10.
_PRESENT_WORD = _pc.DEFAULT_ADDRESS_SPACE
_MOVABLE_OPS = 0xFFFFFFFFC0A04040  # a struct movable_operations in a module (example address)
_DRIVER_AS = 0xFFFF888005B1E0C0  # a driver's own struct address_space (example address)


def _normalise_choice(value: object, what: str, allowed: dict[str, str]) -> str:
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
    :param kernel: a kernel version (``"6.4"``, ``"6.12"``, ``"5.10"``, ``"6.17"`` ...): picks the code form
        and the ``folio->mapping`` era; kept as ``"major.minor"``
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
    kernel: str = "6.4"
    truncated_beyond_eof: bool | None = None
    debug_vm: bool = False
    caller: str = "wp_page_shared"
    error: int | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "handler", _normalise_choice(self.handler, "handler", HANDLERS))
        set_(self, "folio", _normalise_choice(self.folio, "folio", FOLIO_STATES))
        set_(self, "caller", _normalise_choice(self.caller, "caller", CALLERS))
        set_(self, "check", _normalise_check(self.check))
        _check_bool(self.swapfile, "swapfile", "is the VMA's file an active swapfile?")
        _check_bool(self.debug_vm, "debug_vm", "is the kernel built with CONFIG_DEBUG_VM?")
        version = parse_kernel(self.kernel)
        set_(self, "kernel", f"{version[0]}.{version[1]}")
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
            error = _check_u32(error, "error")
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
            return _PRESENT_WORD
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


# --------------------------------------------------------------------------- one call, line by line


@dataclass(frozen=True)
class _Call:
    """The result of one ``do_page_mkwrite()`` call: its steps and where it ended."""

    steps: tuple[tuple[MkwriteState, str, str], ...]  # (state, caption, rule)
    ret: int | None  # None when VM_BUG_ON fired
    lock_holder: str | None

    @property
    def path(self) -> tuple[int, ...]:
        return tuple(state.line for state, _, _ in self.steps)


def _check_says_truncated(inputs: MkwriteInputs, word: int) -> tuple[bool, str]:
    """Ask mapping.py what the form's truncation test makes of ``word`` in the kernel's era."""
    era = inputs.era
    folio = make_folio(word, era)
    decoded = decode_folio(folio, era)
    form = inputs.form
    if inputs.check == RAW:
        truncated = decoded.raw_check_truncated
        name = "page->mapping" if form is CodeForm.PAGE else "folio->mapping"
        value = "NULL" if word == 0 else format_word(word)
        how = f"{name} is {value}"
    else:
        truncated = decoded.folio_mapping_check_truncated
        name = f"{era.kernel_name('folio_mapping')}({'page' if form is CodeForm.PAGE_HELPER else 'folio'})"
        how = f"{name} returns {folio_mapping(folio, era).text}"
        note = decoded.helper("folio_mapping").note
        if note and word:
            how += f" ({note})"
    verdict = "looks truncated" if truncated else "still has its mapping"
    return truncated, f"{how}: {verdict}"


def _handler_result(inputs: MkwriteInputs, word: int) -> tuple[int, str | None, str]:
    """What ``->page_mkwrite`` returns, who holds the lock after it, and a caption."""
    handler = inputs.handler
    if handler == "modern":
        if word == 0:
            return (
                int(VM_FAULT_NOPAGE),
                None,
                "The modern handler locks the folio, finds ->mapping NULL (truncated), unlocks it and returns "
                "VM_FAULT_NOPAGE, as filemap_page_mkwrite() does.",
            )
        return (
            int(VM_FAULT_LOCKED),
            BY_HANDLER,
            "The modern handler locks the folio, finds it still in place, and returns VM_FAULT_LOCKED with the "
            "lock held (the protocol since 2009).",
        )
    if handler == "old-school":
        return (
            0,
            None,
            "The old-school handler does its work and returns 0: success, but it did not lock the folio.",
        )
    if handler == "error":
        assert inputs.error is not None
        return (
            int(inputs.error),
            None,
            f"The handler fails and returns {decode_vm_fault(inputs.error)}.",
        )
    if handler == "nopage":
        return (
            int(VM_FAULT_NOPAGE),
            None,
            "The handler returns VM_FAULT_NOPAGE: nothing to install, retry the access.",
        )
    return (
        int(VM_FAULT_LOCKED),
        None,
        "The buggy handler returns VM_FAULT_LOCKED but never locked the folio.",
    )


def _call_mkwrite(inputs: MkwriteInputs, word: int) -> _Call:
    """Run ``do_page_mkwrite()`` on a folio whose word is ``word``, line by line."""
    form = inputs.form
    decoded = decode_folio(make_folio(word, inputs.era), inputs.era)
    word_text, kind = format_word(word), decoded.kind.value
    steps: list[tuple[MkwriteState, str, str]] = []
    state = MkwriteState(L_ENTRY, int(_USER_WRITE_FLAGS), None, None, word_text, kind)

    def emit(line: int, caption: str, rule: str = "", **changes: Any) -> None:
        nonlocal state
        state = replace(state, **{"line": line, "check": "", "branch": "", **changes})
        steps.append((state, caption, rule))

    unit = "page" if form in (CodeForm.PAGE, CodeForm.PAGE_HELPER) else "folio"
    if inputs.folio == "truncated":
        entry = (
            f"The caller holds a reference to the {unit}, not its lock. While it was unlocked, truncation "
            "removed it from the file: ->mapping is NULL, and the fault's reference is the last one (R9)."
        )
    elif inputs.folio == "movable-tagged":
        entry = (
            f"The caller holds a reference to an old driver's {unit}, not its lock. Its word carries the "
            "movable tag 0b10; it was never in a page cache and was never truncated."
        )
    else:
        entry = f"The caller holds a reference to the {unit}, not its lock; the {unit} is in its file."
    emit(L_ENTRY, entry, "R9")
    emit(L_SAVE, "The caller's fault flags are saved.")
    emit(
        L_SET_FLAGS,
        "->page_mkwrite is told this is a write that makes an existing page writable.",
        vmf_flags=int(_MKWRITE_FLAGS),
    )
    if inputs.swapfile:
        emit(L_SWAPFILE, "The VMA's file is an active swapfile.", branch="taken: active swapfile")
        emit(
            L_SWAPFILE_RET,
            "Writing to an active swapfile through a mapping is refused before the handler runs. This early "
            "return leaves vmf->flags as set on line 3; it does not restore them.",
            "",
            ret=int(VM_FAULT_SIGBUS),
            returned=True,
        )
        return _Call(tuple(steps), int(VM_FAULT_SIGBUS), None)
    emit(L_SWAPFILE, "The file is not an active swapfile.", branch="not taken: not a swapfile")

    ret, holder, caption = _handler_result(inputs, word)
    emit(L_CALL, caption, "R10", ret=ret, lock_holder=holder)
    emit(L_RESTORE, "The caller's flags are put back.", vmf_flags=int(_USER_WRITE_FLAGS))
    if ret & (VM_FAULT_ERROR | VM_FAULT_NOPAGE):
        emit(L_ERR_TEST, f"{decode_vm_fault(ret)} is an error or NOPAGE.", branch="taken: error or NOPAGE")
        emit(L_ERR_RET, "It is returned to the caller unchanged.", "R10", returned=True)
        return _Call(tuple(steps), ret, holder)
    emit(L_ERR_TEST, "Neither an error nor NOPAGE.", branch="not taken")

    if not ret & VM_FAULT_LOCKED:
        emit(
            L_LOCKED_TEST,
            "No VM_FAULT_LOCKED: an old-school handler. do_page_mkwrite() must lock and check itself.",
            "R10",
            branch="taken: old-school handler",
        )
        emit(
            L_LOCK,
            f"do_page_mkwrite() takes the {unit} lock (it may sleep). Under the lock, truncation cannot clear "
            "->mapping any more.",
            "R10",
            lock_holder=BY_MKWRITE,
        )
        truncated, check = _check_says_truncated(inputs, word)
        rule = "R11" if inputs.check == HELPER else "R9"
        if truncated:
            state = replace(state, line=L_CHECK, check=check, branch="taken: looks truncated")
            steps.append((state, f"The test: {check}.", rule))
            emit(L_UNLOCK, f"It unlocks the {unit}.", lock_holder=None)
            emit(
                L_RET0,
                "It returns 0: 'retry the fault'. That is not an error, and no signal is sent (B5).",
                "B5",
                ret=0,
                returned=True,
            )
            return _Call(tuple(steps), 0, None)
        state = replace(state, line=L_CHECK, check=check, branch="not taken: still has its mapping")
        steps.append((state, f"The test: {check}.", rule))
        emit(
            L_SET_LOCKED,
            "It sets VM_FAULT_LOCKED, as if the handler had locked the folio itself.",
            "R10",
            ret=ret | int(VM_FAULT_LOCKED),
        )
        emit(L_RET, f"It returns {decode_vm_fault(ret | int(VM_FAULT_LOCKED))} with the {unit} locked.", returned=True)
        return _Call(tuple(steps), ret | int(VM_FAULT_LOCKED), BY_MKWRITE)

    emit(L_LOCKED_TEST, "VM_FAULT_LOCKED is set: a modern handler.", "R10", branch="not taken: modern handler")
    if holder is None and inputs.debug_vm:
        emit(
            L_BUG,
            f"CONFIG_DEBUG_VM is on and the {unit} is not locked: {form.bug_check} fires. BUG(): the kernel "
            "oopses here and the function never returns.",
            "R10",
            branch="VM_BUG_ON fires",
            returned=True,
        )
        return _Call(tuple(steps), None, None)
    if holder is None:
        emit(
            L_BUG,
            f"The {unit} is not locked, but with CONFIG_DEBUG_VM off {form.bug_check} compiles to nothing: "
            "no check runs.",
            "R10",
            branch="compiled out (CONFIG_DEBUG_VM off)",
        )
    elif inputs.debug_vm:
        emit(L_BUG, f"The {unit} is locked: the debug check passes.", "R10", branch="check passes")
    else:
        emit(
            L_BUG,
            f"With CONFIG_DEBUG_VM off the check compiles to nothing; the {unit} is locked anyway.",
            "R10",
            branch="compiled out (CONFIG_DEBUG_VM off)",
        )
    locked = f"with the {unit} locked" if holder else f"though nobody holds the {unit} lock"
    emit(L_RET, f"It returns {decode_vm_fault(ret)} {locked}.", returned=True)
    return _Call(tuple(steps), ret, holder)


# --------------------------------------------------------------------------- the caller's loop


_FAULT_PATH = "fault path"


@cache
def _pagecache_refs(caller: str) -> dict[str, str]:
    """Who holds references at each moment, from the page-cache model (one-page folio)."""
    s = _pc.filemap_add_folio(_pc.filemap_alloc_folio())
    s = _pc.folio_unlock(_pc.folio_put(s, _pc.READAHEAD), _pc.READAHEAD)
    refs = {}
    if caller == "wp_page_shared":
        s = _pc.filemap_lock_folio(s, _FAULT_PATH)  # an earlier read fault mapped it ...
        s = _pc.folio_unlock(_pc.do_set_pte(s, _FAULT_PATH), _FAULT_PATH)  # ... read-only
        refs["before"] = s.holders_text
        s = _pc.folio_get(s, _FAULT_PATH)  # wp_page_shared() takes its own reference
        refs["in fault"] = s.holders_text
    else:
        refs["before"] = s.holders_text
        s = _pc.filemap_lock_folio(s, _FAULT_PATH)  # ->fault returns it locked, with a reference
        refs["in fault"] = s.holders_text
        s = _pc.folio_unlock(s, _FAULT_PATH)  # do_shared_fault() unlocks before do_page_mkwrite()
    t = _pc.find_lock_entries(s)
    t = _pc.truncate_cleanup_folio(t)
    t = _pc.filemap_remove_folio(t)
    t = _pc.folio_batch_release(_pc.folio_unlock(t, _pc.TRUNCATE))
    assert _pc.is_the_window(t) and t.holders == ((_FAULT_PATH, 1),)
    refs["truncated"] = t.holders_text
    refs["truncated put"] = "freed" if _pc.folio_put(t, _FAULT_PATH).freed else "?"
    if caller == "wp_page_shared":
        refs["after write"] = refs["before"]
    else:
        mapped = _pc.do_set_pte(_pc.folio_lock(s, _FAULT_PATH), _FAULT_PATH)  # finish_fault() maps it
        refs["after write"] = mapped.holders_text
    # A new folio read by the refault (inside EOF): ->fault allocates, adds and returns it locked.
    b = _pc.filemap_add_folio(_pc.filemap_alloc_folio(actor=_FAULT_PATH), _FAULT_PATH, index=0)
    refs["new in fault"] = b.holders_text
    refs["new after write"] = _pc.do_set_pte(b, _FAULT_PATH).holders_text
    return refs


def _driver_refs(moment: str, wp: bool) -> str:
    """An old driver's page: the driver's own references (its business), plus the page tables' and the fault's."""
    mapped = " + page tables 1" if wp else ""
    return {
        "before": "driver" + mapped,
        "in fault": "driver" + mapped + " + fault path 1",
        "after write": "driver + page tables 1",
    }.get(moment, "driver" + mapped + " + fault path 1")


@dataclass
class _LoopBuilder:
    inputs: MkwriteInputs
    steps: list[Step[FaultLoopState]]
    state: FaultLoopState

    def emit(
        self, function: str, caption: str, rule: str = "", source: SourceRef | None = None, **changes: Any
    ) -> None:
        changes.setdefault("note", "")
        self.state = replace(self.state, **changes)
        self.steps.append(Step(self.state, function, caption, rule, source))


def _src(identifier: str, release: str) -> SourceRef:
    return source_ref(identifier, release)


#: x86's user fault handler, ``do_user_addr_fault()`` (``arch/x86/mm/fault.c``), per release read.
_X86_FAULT_LINE = {"v5.10.223": 1186, "v6.1.4": 1251, "v6.12.8": 1211, "v7.2.8": 1216}


def _arch_ref(release: str) -> SourceRef:
    return SourceRef("do_user_addr_fault", release, "arch/x86/mm/fault.c", _X86_FAULT_LINE[release])


def _folio_unlock_behaviour(version: tuple[int, int]) -> str:
    if version <= (6, 1):
        return (
            "In this kernel (as read in v5.10.223 and v6.1.4) that unlock clears PG_locked "
            "(clear_bit_unlock_is_negative_byte): if nobody held the lock nothing visible happens, but if "
            "another task held it, say a truncation, its lock is silently released under it [V code, I "
            "consequence]."
        )
    if version >= (6, 12):
        return (
            "In this kernel (as read in v6.12.8 and v7.2.8) folio_unlock() flips PG_locked with an XOR "
            "(folio_xor_flags_has_waiters(), whose comment says the bits given 'will be changed'): on a folio "
            "nobody locked it would set the bit, leaving the folio locked with no owner, so the next "
            "folio_lock() would wait for ever [V code and comment; I consequence; the architecture's XOR "
            "helper was not read: U]."
        )
    return (
        "What that unlock does in this kernel is not verified: v6.1.4 clears PG_locked (harmless unless "
        "someone else held the lock, whose lock it would release), while v6.12.8 flips it with an XOR (which "
        "would leave an unlocked folio locked with no owner); the switch came between the two [U]."
    )


def _explain(inputs: MkwriteInputs, outcome: Outcome, retries: int) -> str:
    """The outcome's explanation for these inputs, with evidence tags."""
    unit = "page" if inputs.form in (CodeForm.PAGE, CodeForm.PAGE_HELPER) else "folio"
    if outcome is Outcome.WRITE_PROCEEDS:
        extra = ""
        if inputs.folio == "movable-tagged":
            extra = (
                f" The old driver's {unit} is not a page-cache {unit}, but its word is not NULL, so the check "
                "lets it through, as it should."
            )
            if inputs.check == HELPER:
                extra += (
                    f" Here even {inputs.era.kernel_name('folio_mapping')}() is safe: before v6.0 it masked the "
                    "tag off and returned the driver's pointer, not NULL (B2)."
                )
        return (
            f"do_page_mkwrite() returned with the {unit} locked and VM_FAULT_LOCKED set. The caller makes the "
            "PTE writable (finish_mkwrite_fault(), or finish_fault() in do_shared_fault()), marks the "
            f"{unit} dirty and unlocks it (fault_dirty_shared_page()); back in user space the store completes "
            f"[V: the callers in {inputs.release}].{extra}"
        )
    if outcome is Outcome.SIGBUS_SWAPFILE:
        return (
            "The VMA maps a file that has become an active swapfile. do_page_mkwrite() returns VM_FAULT_SIGBUS "
            "before calling the handler (added by dc617f29dbe5, 'vfs: don't allow writes to swap files', "
            "2019), the caller passes it up and the x86 fault handler sends SIGBUS [V]. The early return skips "
            "the restore of vmf->flags [V, in all four releases read]; the caller does not use them again [I]."
        )
    if outcome is Outcome.HANDLER_ERROR:
        error = inputs.error or VM_FAULT_SIGBUS
        signal = {
            VM_FAULT_OOM: "the OOM path (pagefault_out_of_memory()); the task retries or is killed",
            VM_FAULT_SIGSEGV: "SIGSEGV",
        }.get(VMFault(error), "SIGBUS")
        return (
            f"The handler returned {decode_vm_fault(error)}. do_page_mkwrite() passes it up unchanged, the "
            f"caller drops its reference, and the x86 fault handler turns it into {signal} [V in "
            f"{inputs.release} for mm/, v6.12.8 for arch/x86]."
        )
    if outcome is Outcome.NOPAGE:
        return (
            "The handler returned VM_FAULT_NOPAGE. do_page_mkwrite() passes it up, the caller drops its "
            "reference and returns it; NOPAGE is not an error, so the fault ends quietly and the store runs "
            "again [V]. What the next fault meets depends on what made the handler say NOPAGE (for example "
            "filemap_page_mkwrite() says it for a truncated folio). A handler that said it without changing "
            "anything would loop like R11; the model stops here."
        )
    if outcome in (Outcome.RETRY_THEN_SIGBUS, Outcome.RETRY_THEN_NEW_PAGE):
        how = (
            "do_page_mkwrite() found it truncated and returned 0"
            if inputs.handler == "old-school"
            else "the handler found it truncated and returned VM_FAULT_NOPAGE"
        )
        start = (
            f"Truncation removed the {unit} from the file while the fault held only a reference, and unmapped "
            f"it from the page tables; {how} [V]. No signal: the fault returns to user space and the store runs "
            "again [V, x86]. The PTE is gone, so the new fault goes through do_shared_fault() and ->fault "
            "(filemap_fault() here; filesystems with their own ->fault may differ [U])."
        )
        if outcome is Outcome.RETRY_THEN_SIGBUS:
            return (
                start + " filemap_fault() sees the page index at or beyond the new end of the file and returns "
                "VM_FAULT_SIGBUS; the process gets SIGBUS, not the segfault the email expected [V]. The test is "
                "page-granular: only a page wholly beyond EOF; a store into the page holding the new EOF does "
                "not fault this way."
            )
        return (
            start + " The page index is still inside the file (a hole punch, or the file grew again), so "
            "filemap_fault() reads a new folio and returns it locked (VM_FAULT_LOCKED|VM_FAULT_MAJOR); "
            "do_page_mkwrite() runs again on it and the write succeeds [I]. The retry is finite. (The read may "
            "first drop the mmap lock and return VM_FAULT_RETRY, retried inside the kernel; left out.)"
        )
    if outcome is Outcome.LIVELOCK:
        return (
            f"The {unit} was never truncated, but {inputs.form.check_expr.lstrip('!')} is NULL for a word tagged "
            f"0b10 in {inputs.era.label}: do_page_mkwrite() unlocks and returns 0. Nothing unmaps or replaces "
            "the page, so the store faults again into the same state: detected at retry "
            f"{retries}, when the retry started from a state already seen. In the kernel the task would spin "
            "between user space and the fault at full CPU for ever; it returns to user mode each time, so it "
            "stays killable [I, R11]. With the raw folio->mapping test (as merged in v6.6) the write proceeds."
        )
    if outcome is Outcome.VM_BUG_ON:
        return (
            f"The handler returned VM_FAULT_LOCKED without locking. With CONFIG_DEBUG_VM, {inputs.form.bug_check} "
            "dumps the page and calls BUG() [V: include/linux/mmdebug.h]: a kernel oops in the faulting task, "
            "which dies (the machine panics if panic_on_oops is set) [I]. That is the check's purpose: to "
            "catch such a handler in testing."
        )
    # LOCK_NOT_HELD
    tail = ""
    if inputs.folio == "truncated" and inputs.caller == "wp_page_shared":
        tail = (
            " Here truncation had already zapped the PTE, so finish_mkwrite_fault() finds it changed and returns "
            "VM_FAULT_NOPAGE, and wp_page_shared() unlocks the folio it never locked and retries [V code, I path]."
        )
    elif inputs.folio == "truncated":
        tail = (
            " Here the folio was already truncated, and finish_fault() does not look at ->mapping: it would map "
            "the orphaned folio writable, and the store would land in a page no file holds any more [I]."
        )
    return (
        "NOT VERIFIABLE as kernel behaviour; what the code says: with CONFIG_DEBUG_VM off, "
        f"{inputs.form.bug_check} compiles to nothing [V: include/linux/mmdebug.h in all four releases], so "
        "do_page_mkwrite() returns VM_FAULT_LOCKED although nobody holds the lock. The caller trusts it: it "
        f"makes the PTE writable and marks the {unit} dirty without the lock that keeps truncation out (the race "
        "b827e496c893 closed in 2009), then calls folio_unlock() on a folio it never locked (in "
        f"fault_dirty_shared_page()) [V code].{tail} " + _folio_unlock_behaviour(inputs.version) + " Whether "
        "a truncation races the write, and who else holds the lock, is timing the model does not simulate."
    )


def _outcome_after_call(inputs: MkwriteInputs, call: _Call) -> Outcome | None:
    """The outcome decided by the first call, or None when the fault must be retried to know."""
    if call.ret is None:
        return Outcome.VM_BUG_ON
    if inputs.swapfile:
        return Outcome.SIGBUS_SWAPFILE
    if call.ret & VM_FAULT_ERROR:
        return Outcome.HANDLER_ERROR
    if inputs.handler == "forgets-lock":
        return Outcome.LOCK_NOT_HELD
    if inputs.handler == "nopage":
        return Outcome.NOPAGE
    if call.ret & VM_FAULT_LOCKED:
        return Outcome.WRITE_PROCEEDS
    return None  # 0 or NOPAGE after a truncation or a false "truncated": retry


def _success_ret(inputs: MkwriteInputs, from_fault: int) -> tuple[int, str]:
    """What the caller returns when the write went through (no dirty throttling modelled)."""
    if inputs.caller == "do_shared_fault":
        return (
            from_fault,
            "do_shared_fault() returns what ->fault returned (VM_FAULT_LOCKED from filemap_fault(), and "
            "MAJOR if it had to read).",
        )
    if inputs.version <= (6, 1):
        return int(VM_FAULT_WRITE), "In this kernel wp_page_shared() starts from VM_FAULT_WRITE [V v6.1.4]."
    if inputs.version >= (6, 12):
        return 0, "wp_page_shared() returns 0 (VM_FAULT_WRITE no longer exists) [V v6.12.8]."
    return 0, "wp_page_shared() returns 0 here; VM_FAULT_WRITE was removed around v6.2 [U]."


def _run_loop(inputs: MkwriteInputs, max_retries: int) -> tuple[tuple[Step[FaultLoopState], ...], _Call, int]:
    """Build the caller's loop; return its steps, the first do_page_mkwrite() call, and the retries."""
    release, form = inputs.release, inputs.form
    unit = "page" if form in (CodeForm.PAGE, CodeForm.PAGE_HELPER) else "folio"
    driver = inputs.folio == "movable-tagged"
    refs = _pagecache_refs(inputs.caller)
    moments = {k: (_driver_refs(k, inputs.caller == "wp_page_shared") if driver else v) for k, v in refs.items()}
    start_word = inputs.word if inputs.folio != "truncated" else _PRESENT_WORD
    wp = inputs.caller == "wp_page_shared"
    start = FaultLoopState(
        attempt=1,
        retries=0,
        where="user space",
        pte="read-only" if wp else "none",
        folio="A",
        mapping_word=format_word(start_word),
        lock_holder=None,
        refs=moments["before"],
    )
    b = _LoopBuilder(inputs, [], start)
    seen = {start.key: 0}
    first_call: _Call | None = None
    caller_src = _src(inputs.caller, release)
    arch = _arch_ref(release)
    b.emit(
        "user space",
        "A store to the shared mapping: "
        + ("the PTE maps the page read-only, so the CPU faults." if wp else "no PTE maps the page yet, so it faults."),
        "R9",
        note=CALLERS[inputs.caller],
    )
    retries = 0
    folio_id = "A"
    while True:
        attempt = retries + 1
        fresh = folio_id == "B" or (attempt > 1 and inputs.folio == "truncated")
        if attempt == 1 and wp:
            vma_lock = (
                " (From about v6.7 a fault under the per-VMA lock whose vm_ops lack ->map_pages is first sent "
                "back to retry under the mmap lock, vmf_can_call_fault(); not shown.)"
                if inputs.version >= (6, 12)
                else ""
            )
            b.emit(
                "wp_page_shared",
                f"do_wp_page() sees a shared mapping with ->page_mkwrite and calls wp_page_shared(), which takes "
                f"its own reference ({form.get_call}) and drops the page-table lock.{vma_lock}",
                "R9",
                caller_src,
                attempt=attempt,
                where="kernel",
                refs=moments["in fault"],
            )
            word = inputs.word
        elif not fresh:
            b.emit(
                "do_shared_fault",
                f"do_shared_fault() calls ->fault through __do_fault(), which returns the {unit} locked "
                + (
                    "(the driver's ->fault returned 0 and __do_fault() took the lock) "
                    if driver
                    else "(filemap_fault() found it cached: VM_FAULT_LOCKED) "
                )
                + f"with a reference; it unlocks it ({form.unlock_call}) before asking ->page_mkwrite.",
                "R9",
                caller_src,
                attempt=attempt,
                where="kernel",
                refs=moments["in fault"],
                ret=0 if driver else int(VM_FAULT_LOCKED),
            )
            word = inputs.word
        else:
            # The refault after a real truncation: the PTE is gone, so do_shared_fault() -> filemap_fault().
            eof = "eof-check-1-return-vm-fault-sigbus"
            if inputs.truncated_beyond_eof:
                b.emit(
                    "filemap_fault",
                    "The new fault is a not-present fault: do_shared_fault() calls ->fault, filemap_fault(). "
                    "The page index is at or beyond the new end of the file: VM_FAULT_SIGBUS.",
                    "B5",
                    _src(f"filemap_fault#{eof}", release),
                    attempt=attempt,
                    where="kernel",
                    pte="none",
                    ret=int(VM_FAULT_SIGBUS),
                )
                b.emit(
                    "do_user_addr_fault",
                    "The error goes up through do_shared_fault() and handle_mm_fault(); the x86 fault handler "
                    "sends SIGBUS.",
                    "B5",
                    arch,
                    where="user space",
                    outcome=Outcome.RETRY_THEN_SIGBUS,
                    note=_explain(inputs, Outcome.RETRY_THEN_SIGBUS, retries),
                )
                break
            folio_id = "B"
            b.emit(
                "filemap_fault",
                "The new fault is a not-present fault: do_shared_fault() calls ->fault, filemap_fault(). The "
                "index is inside the file but no folio is cached there: it allocates a new folio B, reads it and "
                "returns it locked.",
                "B5",
                _src("filemap_fault", release),
                attempt=attempt,
                where="kernel",
                pte="none",
                folio="B",
                mapping_word=format_word(_PRESENT_WORD),
                lock_holder=BY_FAULT,
                refs=moments["new in fault"],
                ret=int(VM_FAULT_LOCKED | VM_FAULT_MAJOR),
            )
            b.emit(
                "do_shared_fault",
                f"do_shared_fault() unlocks folio B ({form.unlock_call}) and asks ->page_mkwrite about it.",
                "R10",
                _src("do_shared_fault#call-of-do-page-mkwrite", release),
                lock_holder=None,
            )
            word = _PRESENT_WORD

        if attempt == 1 and inputs.folio == "truncated":
            b.emit(
                "truncate_inode_pages_range",
                f"Meanwhile another task truncates the file. It locks the {unit}, unmaps it from the page tables, "
                "removes it from the page cache (->mapping = NULL), drops the cache's reference and unlocks. "
                "The fault's reference keeps the folio alive (R8).",
                "R8",
                _src("truncate_inode_pages_range", release),
                pte="none",
                mapping_word=format_word(0),
                refs=moments["truncated"],
                ret=None,
            )
            word = 0

        call = _call_mkwrite(inputs, word)
        if first_call is None:
            first_call = call
        ret = call.ret
        b.emit(
            "do_page_mkwrite",
            (
                f"do_page_mkwrite() ran lines {', '.join(map(str, call.path))}"
                + (" and stopped in VM_BUG_ON: BUG()." if ret is None else f" and returned {decode_vm_fault(ret)}.")
            ),
            "R10",
            _src("do_page_mkwrite", release),
            lock_holder=call.lock_holder,
            ret=ret,
            mkwrite_path=call.path,
        )
        outcome = _outcome_after_call(inputs, call) if folio_id == "A" else Outcome.RETRY_THEN_NEW_PAGE
        if outcome is Outcome.RETRY_THEN_NEW_PAGE and folio_id == "B":
            from_fault = int(VM_FAULT_LOCKED | VM_FAULT_MAJOR)
            value, why = _success_ret(inputs.replace(caller="do_shared_fault"), from_fault)
            b.emit(
                "do_shared_fault",
                "finish_fault() maps folio B writable; fault_dirty_shared_page() marks it dirty and unlocks it. " + why,
                "B5",
                _src("do_shared_fault", release),
                pte="writable",
                lock_holder=None,
                refs=moments["new after write"],
                ret=value,
            )
            b.emit(
                "do_user_addr_fault",
                "No error bit: back to user space, where the store now completes on folio B.",
                "B5",
                arch,
                where="user space",
                outcome=outcome,
                note=_explain(inputs, outcome, retries),
            )
            break
        if outcome is Outcome.VM_BUG_ON:
            b.emit(
                "do_page_mkwrite",
                "BUG(): a kernel oops. The faulting task dies in the kernel; the fault never completes.",
                "R10",
                _src("do_page_mkwrite#vm-bug-on-line", release),
                outcome=outcome,
                note=_explain(inputs, outcome, retries),
            )
            break
        if outcome in (Outcome.SIGBUS_SWAPFILE, Outcome.HANDLER_ERROR, Outcome.NOPAGE):
            b.emit(
                inputs.caller,
                f"{inputs.caller}() drops its reference ({form.put_call}) and returns {decode_vm_fault(ret or 0)}.",
                "R10",
                caller_src,
                refs=moments["truncated put"] if inputs.folio == "truncated" else moments["before"],
            )
            final = (
                "No error bit: the fault ends and the store will run again; the model stops here."
                if outcome is Outcome.NOPAGE
                else "The x86 fault handler turns the error into a signal (VM_FAULT_OOM: into the OOM path)."
            )
            b.emit(
                "do_user_addr_fault",
                final,
                outcome.rule,
                arch,
                where="user space",
                outcome=outcome,
                note=_explain(inputs, outcome, retries),
            )
            break
        if outcome is Outcome.LOCK_NOT_HELD and wp and inputs.folio == "truncated":
            b.emit(
                "finish_mkwrite_fault",
                "finish_mkwrite_fault() finds the PTE changed (truncation zapped it) and returns "
                f"VM_FAULT_NOPAGE; wp_page_shared() then unlocks a {unit} it never locked ({form.unlock_call}) "
                "and drops its reference.",
                "R10",
                _src("finish_mkwrite_fault", release),
                ret=int(VM_FAULT_NOPAGE),
                outcome=outcome,
                note=_explain(inputs, outcome, retries),
            )
            break
        if outcome in (Outcome.WRITE_PROCEEDS, Outcome.LOCK_NOT_HELD):
            if wp:
                b.emit(
                    "finish_mkwrite_fault",
                    "finish_mkwrite_fault() retakes the page-table lock, finds the PTE unchanged and makes it "
                    "writable (wp_page_reuse()).",
                    "R10",
                    _src("finish_mkwrite_fault", release),
                    pte="writable",
                )
            else:
                orphan = (
                    " (it does not look at ->mapping, so even this truncated one)"
                    if inputs.folio == "truncated"
                    else ""
                )
                b.emit(
                    "do_shared_fault",
                    f"finish_fault() installs a writable PTE for the {unit}{orphan}.",
                    "R10",
                    _src("do_shared_fault", release),
                    pte="writable",
                )
            if outcome is Outcome.LOCK_NOT_HELD:
                b.emit(
                    "fault_dirty_shared_page",
                    f"fault_dirty_shared_page() marks the {unit} dirty and calls folio_unlock() on a {unit} the "
                    "fault never locked.",
                    "R10",
                    _src("fault_dirty_shared_page", release),
                    outcome=outcome,
                    note=_explain(inputs, outcome, retries),
                )
                break
            value, why = _success_ret(inputs, 0 if driver else int(VM_FAULT_LOCKED))
            b.emit(
                "fault_dirty_shared_page",
                f"fault_dirty_shared_page() marks the {unit} dirty and unlocks it; "
                + (
                    "wp_page_shared() drops its reference. "
                    if wp
                    else "the fault's reference now belongs to the page table. "
                )
                + why,
                "R10",
                _src("fault_dirty_shared_page", release),
                lock_holder=None,
                refs=moments["after write"],
                ret=value,
            )
            b.emit(
                "do_user_addr_fault",
                "No error bit: back to user space, where the store completes.",
                "R10",
                arch,
                where="user space",
                outcome=outcome,
                note=_explain(inputs, outcome, retries),
            )
            break

        # 0 (old-school, "truncated") or NOPAGE (modern, truncated): the caller drops its reference.
        gone = inputs.folio == "truncated"
        b.emit(
            inputs.caller,
            f"{decode_vm_fault(ret or 0)} is 'retry': {inputs.caller}() drops its reference ({form.put_call})"
            + (", the last one: the truncated folio is freed." if gone else ".")
            + f" It returns {decode_vm_fault(ret or 0)}.",
            "B5",
            caller_src,
            refs=moments["truncated put"] if gone else moments["before"],
            mapping_word=format_word(0) if gone else b.state.mapping_word,
            lock_holder=None,
        )
        b.emit(
            "do_user_addr_fault",
            "No error bit, so no signal: the fault handler returns to user space, and the store runs again.",
            "B5",
            arch,
            where="user space",
            ret=None,
            mkwrite_path=(),
        )
        retries += 1
        if retries > max_retries:
            raise FolioVizError(
                f"the fault was still retrying after max_retries={max_retries} without a verdict; "
                "raise max_retries (every modelled loop is decided by the first retry)"
            )
        if gone:  # the folio is freed; the next fault starts from an empty PTE
            b.state = replace(b.state, folio="A (freed)", refs="freed")
        key = replace(b.state, attempt=attempt + 1, retries=retries).key
        if key in seen:
            b.emit(
                "do_user_addr_fault",
                f"Retry {retries} starts from exactly the state fault {seen[key] + 1} started from: same page, "
                "same word, same PTE, same handler. It will return 0 again, and again: a livelock.",
                "R11",
                arch,
                attempt=attempt + 1,
                retries=retries,
                outcome=Outcome.LIVELOCK,
                note=_explain(inputs, Outcome.LIVELOCK, retries),
            )
            break
        seen[key] = attempt
        b.state = replace(b.state, attempt=attempt + 1, retries=retries)
    assert first_call is not None
    return tuple(b.steps), first_call, retries


# --------------------------------------------------------------------------- public scenarios


@dataclass(frozen=True)
class MkwriteRun:
    """What the model says for one input: the first call's path and return, and how the fault ends.

    :param path: the pseudo-code lines ``do_page_mkwrite()`` ran (the first call)
    :param ret: what it returned; ``None`` when ``VM_BUG_ON`` fired and it never returned
    :param outcome: how the write fault ends
    :param retries: the store's re-executions before the outcome (for ``LIVELOCK``: the retry at
        which the repeated state was detected)
    :param explanation: the outcome for these inputs, in words, with evidence tags
    """

    inputs: MkwriteInputs
    form: CodeForm
    path: tuple[int, ...]
    ret: int | None
    outcome: Outcome
    retries: int
    explanation: str

    @property
    def ret_text(self) -> str:
        return "(never returns)" if self.ret is None else decode_vm_fault(self.ret)


def _check_inputs(inputs: object) -> MkwriteInputs:
    if not isinstance(inputs, MkwriteInputs):
        raise MkwriteInputError(
            f"expected MkwriteInputs (for example MkwriteInputs(handler='old-school')), not {type(inputs).__name__}"
        )
    return inputs


def _check_max_retries(max_retries: object) -> int:
    if isinstance(max_retries, bool) or not isinstance(max_retries, int) or not 1 <= max_retries <= 1000:
        raise MkwriteInputError(f"max_retries must be a whole number from 1 to 1000, not {max_retries!r}")
    return max_retries


@cache
def _run(inputs: MkwriteInputs, max_retries: int = 8) -> tuple[tuple[Step[FaultLoopState], ...], MkwriteRun]:
    steps, call, retries = _run_loop(inputs, max_retries)
    final = steps[-1].state
    assert final.outcome is not None
    run = MkwriteRun(
        inputs=inputs,
        form=inputs.form,
        path=call.path,
        ret=call.ret,
        outcome=final.outcome,
        retries=retries,
        explanation=final.note,
    )
    return steps, run


def mkwrite_outcome(inputs: MkwriteInputs) -> MkwriteRun:
    """The path, return value and outcome the model gives for ``inputs`` (see :class:`MkwriteRun`)."""
    return _run(_check_inputs(inputs))[1]


def _scenario_name(inputs: MkwriteInputs) -> str:
    parts = [inputs.form.value, inputs.kernel, inputs.handler, inputs.folio, inputs.caller]
    if inputs.swapfile:
        parts.append("swapfile")
    if inputs.debug_vm:
        parts.append("debug-vm")
    if inputs.folio == "truncated":
        parts.append("beyond-eof" if inputs.truncated_beyond_eof else "inside-eof")
    return "mkwrite:" + ":".join(parts)


def do_page_mkwrite_scenario(inputs: MkwriteInputs) -> Scenario[MkwriteState]:
    """One call of ``do_page_mkwrite()``, line by line (``Step.line`` is the pseudo-code line).

    Each step's state is an immutable :class:`MkwriteState`. The last step carries the outcome of the
    whole write fault (what :func:`fault_loop_scenario` ends with) and ``Step.source`` links the real
    line in the pinned release. Computed once; the same inputs give an equal scenario.
    """
    inputs = _check_inputs(inputs)
    run = mkwrite_outcome(inputs)
    call = _call_mkwrite(inputs, inputs.word)
    lines = {line.number: line for line in pseudo_code(inputs.kernel, inputs.check)}
    steps = []
    for index, (state, caption, rule) in enumerate(call.steps):
        if index == len(call.steps) - 1:
            state = replace(state, outcome=run.outcome)
            caption = f"{caption} Outcome: {run.outcome.value}."
        steps.append(Step(state, "do_page_mkwrite", caption, rule, lines[state.line].source, state.line))
    return Scenario(
        name=_scenario_name(inputs),
        title=f"do_page_mkwrite(), {inputs.form.label}: {inputs.handler} handler, {inputs.folio} folio",
        era=inputs.era.id,
        steps=tuple(steps),
        description=run.explanation,
    )


def fault_loop_scenario(inputs: MkwriteInputs, max_retries: int = 8) -> Scenario[FaultLoopState]:
    """The write fault as its caller sees it: fault, ``do_page_mkwrite()``, return, and any retries.

    ``wp_page_shared()`` (or ``do_shared_fault()``) calls ``do_page_mkwrite()``; a 0 goes up through
    ``handle_mm_fault()`` to the architecture's fault handler, which returns to user space; the store
    runs again and faults again. The loop stops at an outcome, or reports ``LIVELOCK`` as soon as a
    retry starts from a state it has already seen (``FaultLoopState.retries`` at that step is the
    retry count at detection).

    :param max_retries: a guard on the number of retries simulated (1–1000); every modelled loop is
        decided by the first retry, so it only matters if the model itself goes wrong
    """
    inputs = _check_inputs(inputs)
    max_retries = _check_max_retries(max_retries)
    steps, run = _run(inputs, max_retries)
    return Scenario(
        name=_scenario_name(inputs).replace("mkwrite:", "fault-loop:", 1),
        title=f"The write fault around do_page_mkwrite(): {run.outcome.value}",
        era=inputs.era.id,
        steps=steps,
        description=run.explanation,
    )


# --------------------------------------------------------------------------- the branch table

P_SWAPFILE = (1, 2, 3, 4, 5)
P_EARLY = (1, 2, 3, 4, 6, 7, 8, 9)
P_OLD_RETRY = (1, 2, 3, 4, 6, 7, 8, 10, 11, 12, 13, 14)
P_OLD_OK = (1, 2, 3, 4, 6, 7, 8, 10, 11, 12, 15, 17)
P_MODERN = (1, 2, 3, 4, 6, 7, 8, 10, 16, 17)
P_BUG = (1, 2, 3, 4, 6, 7, 8, 10, 16)


@dataclass(frozen=True)
class BranchCase:
    """One row of the branch table: inputs, and the path, return value and outcome expected of them.

    The expectations are written by hand (from reading the function in the pinned releases), not
    computed: tests check the model against them.
    """

    label: str
    inputs: MkwriteInputs
    path: tuple[int, ...]
    ret: int | None
    outcome: Outcome

    @property
    def form(self) -> CodeForm:
        return self.inputs.form


def _rows(kernel: str, check: str) -> tuple[BranchCase, ...]:
    def i(**kw: Any) -> MkwriteInputs:
        return MkwriteInputs(kernel=kernel, check=check, **kw)

    locked, nopage, sigbus = int(VM_FAULT_LOCKED), int(VM_FAULT_NOPAGE), int(VM_FAULT_SIGBUS)
    rows = [
        BranchCase("swapfile", i(swapfile=True), P_SWAPFILE, sigbus, Outcome.SIGBUS_SWAPFILE),
        BranchCase("handler error", i(handler="error"), P_EARLY, sigbus, Outcome.HANDLER_ERROR),
        BranchCase("handler NOPAGE", i(handler="nopage"), P_EARLY, nopage, Outcome.NOPAGE),
        BranchCase("modern, present", i(handler="modern"), P_MODERN, locked, Outcome.WRITE_PROCEEDS),
        BranchCase(
            "modern, present, CONFIG_DEBUG_VM on",
            i(handler="modern", debug_vm=True),
            P_MODERN,
            locked,
            Outcome.WRITE_PROCEEDS,
        ),
        BranchCase(
            "modern, truncated beyond EOF",
            i(handler="modern", folio="truncated"),
            P_EARLY,
            nopage,
            Outcome.RETRY_THEN_SIGBUS,
        ),
        BranchCase("old-school, present", i(handler="old-school"), P_OLD_OK, locked, Outcome.WRITE_PROCEEDS),
        BranchCase(
            "old-school, truncated beyond EOF",
            i(handler="old-school", folio="truncated", truncated_beyond_eof=True),
            P_OLD_RETRY,
            0,
            Outcome.RETRY_THEN_SIGBUS,
        ),
        BranchCase(
            "old-school, truncated inside EOF (hole punch)",
            i(handler="old-school", folio="truncated", truncated_beyond_eof=False),
            P_OLD_RETRY,
            0,
            Outcome.RETRY_THEN_NEW_PAGE,
        ),
        BranchCase(
            "forgets lock, CONFIG_DEBUG_VM on", i(handler="forgets-lock", debug_vm=True), P_BUG, None, Outcome.VM_BUG_ON
        ),
        BranchCase(
            "forgets lock, CONFIG_DEBUG_VM off",
            i(handler="forgets-lock", debug_vm=False),
            P_MODERN,
            locked,
            Outcome.LOCK_NOT_HELD,
        ),
    ]
    return tuple(rows)


def _movable_row(kernel: str, check: str, loops: bool) -> BranchCase:
    inputs = MkwriteInputs(handler="old-school", folio="movable-tagged", kernel=kernel, check=check)
    label = f"old-school, movable-tagged word, {inputs.form.check_expr}, v{kernel}"
    if loops:
        return BranchCase(label, inputs, P_OLD_RETRY, 0, Outcome.LIVELOCK)
    return BranchCase(label, inputs, P_OLD_OK, int(VM_FAULT_LOCKED), Outcome.WRITE_PROCEEDS)


#: The table: every branch of every form, plus the livelock's era boundaries (B2) and both callers.
BRANCH_TABLE: tuple[BranchCase, ...] = (
    # page form (v6.4, the email's kernel; pinned v6.1.4)
    *_rows("6.4", RAW),
    _movable_row("6.4", RAW, loops=False),
    # folio form (v6.12; pinned v6.12.8)
    *_rows("6.12", RAW),
    _movable_row("6.12", RAW, loops=False),
    # the v1 patch: folio_mapping() (at the email's kernel)
    *_rows("6.4", HELPER),
    _movable_row("6.4", HELPER, loops=True),
    # the what-if before v6.0: page_mapping() masks the tag
    *_rows("5.10", HELPER),
    _movable_row("5.10", HELPER, loops=False),
    # era boundaries of the livelock (B2) and the other forms' kernels
    _movable_row("6.0", HELPER, loops=True),
    _movable_row("6.6", HELPER, loops=True),
    _movable_row("6.16", HELPER, loops=True),
    _movable_row("5.19", HELPER, loops=False),
    _movable_row("6.6", RAW, loops=False),
    _movable_row("5.10", RAW, loops=False),
    BranchCase(
        "old-school, present, folio_mapping(), v6.17 (no movable tag any more)",
        MkwriteInputs(handler="old-school", kernel="6.17", check=HELPER),
        P_OLD_OK,
        int(VM_FAULT_LOCKED),
        Outcome.WRITE_PROCEEDS,
    ),
    BranchCase(
        "old-school, truncated, v7.2 (folio form)",
        MkwriteInputs(handler="old-school", folio="truncated", kernel="7.2"),
        P_OLD_RETRY,
        0,
        Outcome.RETRY_THEN_SIGBUS,
    ),
    # the other caller
    BranchCase(
        "do_shared_fault: old-school, movable-tagged, folio_mapping(), v6.4",
        MkwriteInputs(handler="old-school", folio="movable-tagged", check=HELPER, caller="do_shared_fault"),
        P_OLD_RETRY,
        0,
        Outcome.LIVELOCK,
    ),
    BranchCase(
        "do_shared_fault: modern, truncated inside EOF, v6.12",
        MkwriteInputs(folio="truncated", truncated_beyond_eof=False, kernel="6.12", caller="do_shared_fault"),
        P_EARLY,
        int(VM_FAULT_NOPAGE),
        Outcome.RETRY_THEN_NEW_PAGE,
    ),
    BranchCase(
        "do_shared_fault: old-school, present, v6.12",
        MkwriteInputs(handler="old-school", kernel="6.12", caller="do_shared_fault"),
        P_OLD_OK,
        int(VM_FAULT_LOCKED),
        Outcome.WRITE_PROCEEDS,
    ),
)


def all_branches(form: CodeForm | str | None = None) -> tuple[BranchCase, ...]:
    """The rows of :data:`BRANCH_TABLE`, all or those of one code form (a :class:`CodeForm` or its value)."""
    if form is None:
        return BRANCH_TABLE
    if isinstance(form, str):
        try:
            form = CodeForm(form)
        except ValueError:
            allowed = ", ".join(repr(f.value) for f in CodeForm)
            raise MkwriteInputError(f"form must be one of {allowed}, not {form!r}") from None
    if not isinstance(form, CodeForm):
        raise MkwriteInputError(f"form must be a CodeForm or its value, not {form!r}")
    return tuple(row for row in BRANCH_TABLE if row.form is form)


# --------------------------------------------------------------------------- history


@dataclass(frozen=True)
class HistoryEvent:
    """One dated change to ``do_page_mkwrite()`` or to what it relies on (``data/mkwrite_history.toml``).

    ``evidence`` tags the event as a whole; ``uncertain`` names the fields that are [U] (not verified),
    which a view must not present as certain.
    """

    id: str
    date: str
    date_is: str
    title: str
    what: str
    evidence: str
    rules: tuple[str, ...]
    commit: str = ""
    author: str = ""
    version: str = ""
    message_id: str = ""
    uncertain: tuple[str, ...] = ()
    note: str = ""

    @property
    def year(self) -> int:
        return int(self.date[:4])

    @property
    def lore(self) -> str:
        """A lore.kernel.org link for the mail, or ""."""
        return lore_url(self.message_id) if self.message_id else ""

    @property
    def commit_url(self) -> str:
        if not self.commit:
            return ""
        return f"https://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git/commit/?id={self.commit}"

    def is_certain(self, field_name: str) -> bool:
        return field_name not in self.uncertain


_EVIDENCE = ("V", "V-diff", "V-mirror", "I", "U")


@cache
def mkwrite_history() -> tuple[HistoryEvent, ...]:
    """The history of ``do_page_mkwrite()``'s old-school path, oldest first (from ``data/mkwrite_history.toml``)."""
    events = []
    for row in load_toml("mkwrite_history.toml")["event"]:
        row = dict(row)
        row["rules"] = tuple(row.get("rules", ()))
        row["uncertain"] = tuple(row.get("uncertain", ()))
        event = HistoryEvent(**row)
        if event.evidence not in _EVIDENCE:
            raise FolioVizError(f"history event {event.id!r} has evidence {event.evidence!r}; allowed: {_EVIDENCE}")
        events.append(event)
    return tuple(sorted(events, key=lambda e: e.date))
