"""``vm_fault_t`` and ``vmf->flags``: the bits a fault handler returns and the flags it is called with.

``VM_FAULT_*`` (``enum vm_fault_reason``) and ``FAULT_FLAG_*`` (``enum fault_flag``), and decoders that
print a value with the kernel's names, as drgn's ``decode_page_flags()`` does.

>>> decode_vm_fault(VM_FAULT_LOCKED | VM_FAULT_MAJOR)
'VM_FAULT_LOCKED|VM_FAULT_MAJOR'
>>> decode_fault_flags(FAULT_FLAG_WRITE | FAULT_FLAG_MKWRITE)
'FAULT_FLAG_WRITE|FAULT_FLAG_MKWRITE'
"""

from __future__ import annotations

from enum import IntFlag

from ..errors import MkwriteInputError

__all__ = [
    "FAULT_FLAG_MKWRITE",
    "FAULT_FLAG_WRITE",
    "MKWRITE_FLAGS",
    "USER_WRITE_FLAGS",
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
    "FaultFlag",
    "VMFault",
    "check_u32",
    "decode_fault_flags",
    "decode_vm_fault",
]


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


def check_u32(value: object, what: str) -> int:
    """``value`` as an int when it fits ``vm_fault_t`` / ``vmf->flags`` (32 unsigned bits); else
    :class:`~folioviz.kernel.errors.MkwriteInputError` naming ``what``."""
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
    ret = check_u32(ret, "a vm_fault_t")
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
USER_WRITE_FLAGS = (
    FaultFlag.FAULT_FLAG_WRITE
    | FaultFlag.FAULT_FLAG_ALLOW_RETRY
    | FaultFlag.FAULT_FLAG_KILLABLE
    | FaultFlag.FAULT_FLAG_INTERRUPTIBLE
    | FaultFlag.FAULT_FLAG_USER
)
#: What ``do_page_mkwrite()`` sets ``vmf->flags`` to while ``->page_mkwrite()`` runs.
MKWRITE_FLAGS = FAULT_FLAG_WRITE | FAULT_FLAG_MKWRITE


def decode_fault_flags(flags: int) -> str:
    """``vmf->flags`` as the kernel's names, lowest bit first: ``"FAULT_FLAG_WRITE|FAULT_FLAG_MKWRITE"``."""
    flags = check_u32(flags, "vmf->flags")
    if flags == 0:
        return "0"
    names = [flag.name for flag in FaultFlag if flags & flag.value and flag.name]
    unknown = flags & ~sum(flag.value for flag in FaultFlag)
    if unknown:
        names.append(f"{unknown:#x}")
    return "|".join(names)
