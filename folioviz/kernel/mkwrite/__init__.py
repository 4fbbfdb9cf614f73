"""``do_page_mkwrite()``: a write fault meets a folio it holds no lock on (rules R9–R12, B1, B2, B5, B6).

A store to a shared, writable file mapping whose page-table entry is read-only (or empty) faults.
The fault path (``wp_page_shared()`` or ``do_shared_fault()`` in ``mm/memory.c``) holds a reference
to the folio but not its lock, and calls ``do_page_mkwrite()``, which asks the file's
``->page_mkwrite`` handler to get ready for the write:

* a **modern** handler locks the folio itself and returns ``VM_FAULT_LOCKED``. Since Linux kernel
  commit b827e496c893 ("mm: close page_mkwrite races") (in v2.6.30) that is the protocol;
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

The package, one job per module:

* :mod:`.faults`: ``VM_FAULT_*`` and ``FAULT_FLAG_*``, and their decoders;
* :mod:`.forms`: the code forms, the pseudo-code and its links;
* :mod:`.inputs`: :class:`MkwriteInputs`, the outcomes and the snapshots;
* :mod:`.call`: one call of the function, line by line; :mod:`.explain`: the outcomes in words;
* :mod:`.loop`: the caller's loop, one method per phase, and the public scenarios;
* :mod:`.branches`: the hand-written branch table (``data/mkwrite_branches.toml``);
* :mod:`.history`: the dated history (``data/mkwrite_history.toml``).
"""

from __future__ import annotations

from ..errors import MkwriteInputError
from ..versions import NEWEST_KERNEL, OLDEST_KERNEL, parse_kernel
from .branches import BRANCH_TABLE, PATHS, BranchCase, all_branches
from .faults import (
    FAULT_FLAG_MKWRITE,
    FAULT_FLAG_WRITE,
    VM_FAULT_COMPLETED,
    VM_FAULT_DONE_COW,
    VM_FAULT_ERROR,
    VM_FAULT_FALLBACK,
    VM_FAULT_HINDEX_MASK,
    VM_FAULT_HWPOISON,
    VM_FAULT_HWPOISON_LARGE,
    VM_FAULT_LOCKED,
    VM_FAULT_MAJOR,
    VM_FAULT_NEEDDSYNC,
    VM_FAULT_NOPAGE,
    VM_FAULT_OOM,
    VM_FAULT_RETRY,
    VM_FAULT_SIGBUS,
    VM_FAULT_SIGSEGV,
    VM_FAULT_WRITE,
    FaultFlag,
    VMFault,
    decode_fault_flags,
    decode_vm_fault,
)
from .forms import (
    CHECKS,
    CodeForm,
    PseudoLine,
    code_form,
    pinned_release,
    pseudo_code,
    render_pseudo_code,
)
from .history import HistoryEvent, history_event, mkwrite_history
from .inputs import CALLERS, FOLIO_STATES, HANDLERS, FaultLoopState, MkwriteInputs, MkwriteState, Outcome
from .runs import MkwriteRun, do_page_mkwrite_scenario, fault_loop_scenario, mkwrite_outcome

# The paths of the branch table by their old names (tests and notebooks use them).
P_SWAPFILE = PATHS["swapfile"]
P_EARLY = PATHS["early"]
P_OLD_RETRY = PATHS["old_retry"]
P_OLD_OK = PATHS["old_ok"]
P_MODERN = PATHS["modern"]
P_BUG = PATHS["bug"]

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
    "history_event",
    "mkwrite_history",
    "mkwrite_outcome",
    "parse_kernel",
    "pinned_release",
    "pseudo_code",
    "render_pseudo_code",
]
