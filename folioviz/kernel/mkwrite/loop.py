"""The write fault around ``do_page_mkwrite()``: its caller and the retries (the public scenarios built from
it are in :mod:`.runs`).

``wp_page_shared()`` (or ``do_shared_fault()``) calls ``do_page_mkwrite()``; a 0 goes up through
``handle_mm_fault()`` to the architecture's fault handler, which returns to user space; the store
runs again and faults again. :class:`FaultLoop` builds that loop one phase at a time: enter the
fault, let truncation race it (on the first attempt), call ``do_page_mkwrite()``, then either end
the fault or retry, and report a livelock as soon as a retry starts from a state already seen.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from functools import cache
from types import MappingProxyType
from typing import Any

from .. import pagecache as _pc
from ..errors import FolioVizError
from ..mapping import format_word
from ..scenario import Step
from ..sources import SourceRef, source_ref
from .call import Call, call_mkwrite
from .explain import explain
from .faults import (
    VM_FAULT_ERROR,
    VM_FAULT_LOCKED,
    VM_FAULT_MAJOR,
    VM_FAULT_NOPAGE,
    VM_FAULT_SIGBUS,
    VMFault,
    decode_vm_fault,
)
from .forms import CodeForm
from .inputs import BY_FAULT, CALLERS, PRESENT_WORD, FaultLoopState, MkwriteInputs, Outcome

__all__ = ["FaultLoop"]


_FAULT_PATH = "fault path"


@cache
def _pagecache_refs(caller: str) -> Mapping[str, str]:
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
    return MappingProxyType(refs)


def _driver_refs(moment: str, wp: bool) -> str:
    """An old driver's page: the driver's own references (its business), plus the page tables' and the fault's."""
    mapped = " + page tables 1" if wp else ""
    return {
        "before": "driver" + mapped,
        "in fault": "driver" + mapped + " + fault path 1",
        "after write": "driver + page tables 1",
    }.get(moment, "driver" + mapped + " + fault path 1")


def _outcome_after_call(inputs: MkwriteInputs, call: Call) -> Outcome | None:
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
    kernel = inputs.kernel_info
    value = kernel.feature("wp_page_shared_ret")
    ret = int(VMFault[value]) if value.startswith("VM_FAULT_") else int(value)
    return ret, kernel.feature_text("wp_page_shared_ret")


#: Outcomes the fault reports as soon as the first call returns, without a write.
_EARLY_ENDS = (Outcome.SIGBUS_SWAPFILE, Outcome.HANDLER_ERROR, Outcome.NOPAGE)


class FaultLoop:
    """Builds the caller's loop, one phase per method; :meth:`run` returns steps, first call and retries."""

    def __init__(self, inputs: MkwriteInputs, max_retries: int) -> None:
        self.inputs = inputs
        self.max_retries = max_retries
        self.release = inputs.release
        self.form = inputs.form
        self.unit = "page" if self.form in (CodeForm.PAGE, CodeForm.PAGE_HELPER) else "folio"
        self.driver = inputs.folio == "movable-tagged"
        self.wp = inputs.caller == "wp_page_shared"
        refs = _pagecache_refs(inputs.caller)
        self.moments = {k: (_driver_refs(k, self.wp) if self.driver else v) for k, v in refs.items()}
        self.caller_src = source_ref(inputs.caller, self.release)
        self.arch = source_ref("do_user_addr_fault", self.release)  # x86's user fault handler
        start_word = inputs.word if inputs.folio != "truncated" else PRESENT_WORD
        self.state = FaultLoopState(
            attempt=1,
            retries=0,
            where="user space",
            pte="read-only" if self.wp else "none",
            folio="A",
            mapping_word=format_word(start_word),
            lock_holder=None,
            refs=self.moments["before"],
        )
        self.steps: list[Step[FaultLoopState]] = []
        self.seen = {self.state.key: 0}
        self.retries = 0
        self.folio_id = "A"
        self.first_call: Call | None = None

    # ---- helpers

    def emit(
        self, function: str, caption: str, rule: str = "", source: SourceRef | None = None, **changes: Any
    ) -> None:
        changes.setdefault("note", "")
        self.state = replace(self.state, **changes)
        self.steps.append(Step(self.state, function, caption, rule, source))

    def src(self, identifier: str) -> SourceRef:
        return source_ref(identifier, self.release)

    def end(self, function: str, caption: str, rule: str, source: SourceRef, outcome: Outcome, **changes: Any) -> None:
        """The step that decides how the fault ends, with the outcome's explanation."""
        self.emit(
            function,
            caption,
            rule,
            source,
            outcome=outcome,
            note=explain(self.inputs, outcome, self.retries),
            **changes,
        )

    # ---- the loop

    def run(self) -> tuple[tuple[Step[FaultLoopState], ...], Call, int]:
        self.emit(
            "user space",
            "A store to the shared mapping: "
            + (
                "the PTE maps the page read-only, so the CPU faults."
                if self.wp
                else "no PTE maps the page yet, so it faults."
            ),
            "R9",
            note=CALLERS[self.inputs.caller],
        )
        while True:
            attempt = self.retries + 1
            word = self.enter(attempt)
            if word is None:
                break
            if attempt == 1 and self.inputs.folio == "truncated":
                word = self.truncate_meanwhile()
            call = self.call(word)
            if self.finish(call) or self.retry(call, attempt):
                break
        assert self.first_call is not None
        return tuple(self.steps), self.first_call, self.retries

    # ---- phase 1: enter the fault

    def enter(self, attempt: int) -> int | None:
        """Get to the ``do_page_mkwrite()`` call; the word it will see, or None when the fault ended first."""
        fresh = self.folio_id == "B" or (attempt > 1 and self.inputs.folio == "truncated")
        if attempt == 1 and self.wp:
            self.emit(
                "wp_page_shared",
                f"do_wp_page() sees a shared mapping with ->page_mkwrite and calls wp_page_shared(), which takes "
                f"its own reference ({self.form.get_call}) and drops the page-table lock."
                f"{self.inputs.kernel_info.feature('vma_lock_retry')}",
                "R9",
                self.caller_src,
                attempt=attempt,
                where="kernel",
                refs=self.moments["in fault"],
            )
            return self.inputs.word
        if not fresh:
            self.enter_shared_fault(attempt)
            return self.inputs.word
        return self.refault(attempt)

    def enter_shared_fault(self, attempt: int) -> None:
        how = (
            "(the driver's ->fault returned 0 and __do_fault() took the lock) "
            if self.driver
            else "(filemap_fault() found it cached: VM_FAULT_LOCKED) "
        )
        self.emit(
            "do_shared_fault",
            f"do_shared_fault() calls ->fault through __do_fault(), which returns the {self.unit} locked {how}"
            f"with a reference; it unlocks it ({self.form.unlock_call}) before asking ->page_mkwrite.",
            "R9",
            self.caller_src,
            attempt=attempt,
            where="kernel",
            refs=self.moments["in fault"],
            ret=0 if self.driver else int(VM_FAULT_LOCKED),
        )

    def refault(self, attempt: int) -> int | None:
        """The refault after a real truncation: the PTE is gone, so do_shared_fault() -> filemap_fault()."""
        if self.inputs.truncated_beyond_eof:
            self.emit(
                "filemap_fault",
                "The new fault is a not-present fault: do_shared_fault() calls ->fault, filemap_fault(). "
                "The page index is at or beyond the new end of the file: VM_FAULT_SIGBUS.",
                "B5",
                self.src("filemap_fault#eof-check-1-return-vm-fault-sigbus"),
                attempt=attempt,
                where="kernel",
                pte="none",
                ret=int(VM_FAULT_SIGBUS),
            )
            self.end(
                "do_user_addr_fault",
                "The error goes up through do_shared_fault() and handle_mm_fault(); the x86 fault handler "
                "sends SIGBUS.",
                "B5",
                self.arch,
                Outcome.RETRY_THEN_SIGBUS,
                where="user space",
            )
            return None
        self.folio_id = "B"
        self.emit(
            "filemap_fault",
            "The new fault is a not-present fault: do_shared_fault() calls ->fault, filemap_fault(). The "
            "index is inside the file but no folio is cached there: it allocates a new folio B, reads it and "
            "returns it locked.",
            "B5",
            self.src("filemap_fault"),
            attempt=attempt,
            where="kernel",
            pte="none",
            folio="B",
            mapping_word=format_word(PRESENT_WORD),
            lock_holder=BY_FAULT,
            refs=self.moments["new in fault"],
            ret=int(VM_FAULT_LOCKED | VM_FAULT_MAJOR),
        )
        self.emit(
            "do_shared_fault",
            f"do_shared_fault() unlocks folio B ({self.form.unlock_call}) and asks ->page_mkwrite about it.",
            "R10",
            self.src("do_shared_fault#call-of-do-page-mkwrite"),
            lock_holder=None,
        )
        return PRESENT_WORD

    # ---- phase 2: truncation races the unlocked fault

    def truncate_meanwhile(self) -> int:
        self.emit(
            "truncate_inode_pages_range",
            f"Meanwhile another task truncates the file. It locks the {self.unit}, unmaps it from the page "
            "tables, removes it from the page cache (->mapping = NULL), drops the cache's reference and unlocks. "
            "The fault's reference keeps the folio alive (R8).",
            "R8",
            self.src("truncate_inode_pages_range"),
            pte="none",
            mapping_word=format_word(0),
            refs=self.moments["truncated"],
            ret=None,
        )
        return 0

    # ---- phase 3: the call

    def call(self, word: int) -> Call:
        call = call_mkwrite(self.inputs, word)
        if self.first_call is None:
            self.first_call = call
        ret = call.ret
        self.emit(
            "do_page_mkwrite",
            (
                f"do_page_mkwrite() ran lines {', '.join(map(str, call.path))}"
                + (" and stopped in VM_BUG_ON: BUG()." if ret is None else f" and returned {decode_vm_fault(ret)}.")
            ),
            "R10",
            self.src("do_page_mkwrite"),
            lock_holder=call.lock_holder,
            ret=ret,
            mkwrite_path=call.path,
        )
        return call

    # ---- phase 4: end the fault, if the call decided it

    def finish(self, call: Call) -> bool:
        """End the fault if this call decided how; True when it ended."""
        if self.folio_id == "B":
            self.end_on_new_folio()
            return True
        outcome = _outcome_after_call(self.inputs, call)
        if outcome is Outcome.VM_BUG_ON:
            self.end(
                "do_page_mkwrite",
                "BUG(): a kernel oops. The faulting task dies in the kernel; the fault never completes.",
                "R10",
                self.src("do_page_mkwrite#vm-bug-on-line"),
                outcome,
            )
        elif outcome in _EARLY_ENDS:
            self.end_early(call, outcome)
        elif outcome is Outcome.LOCK_NOT_HELD and self.wp and self.inputs.folio == "truncated":
            self.end(
                "finish_mkwrite_fault",
                "finish_mkwrite_fault() finds the PTE changed (truncation zapped it) and returns VM_FAULT_NOPAGE; "
                f"wp_page_shared() then unlocks a {self.unit} it never locked ({self.form.unlock_call}) and drops "
                "its reference.",
                "R10",
                self.src("finish_mkwrite_fault"),
                outcome,
                ret=int(VM_FAULT_NOPAGE),
            )
        elif outcome in (Outcome.WRITE_PROCEEDS, Outcome.LOCK_NOT_HELD):
            self.end_after_write(outcome)
        else:
            return False
        return True

    def end_on_new_folio(self) -> None:
        value, why = _success_ret(self.inputs.replace(caller="do_shared_fault"), int(VM_FAULT_LOCKED | VM_FAULT_MAJOR))
        self.emit(
            "do_shared_fault",
            "finish_fault() maps folio B writable; fault_dirty_shared_page() marks it dirty and unlocks it. " + why,
            "B5",
            self.src("do_shared_fault"),
            pte="writable",
            lock_holder=None,
            refs=self.moments["new after write"],
            ret=value,
        )
        self.end(
            "do_user_addr_fault",
            "No error bit: back to user space, where the store now completes on folio B.",
            "B5",
            self.arch,
            Outcome.RETRY_THEN_NEW_PAGE,
            where="user space",
        )

    def end_early(self, call: Call, outcome: Outcome) -> None:
        caller = self.inputs.caller
        self.emit(
            caller,
            f"{caller}() drops its reference ({self.form.put_call}) and returns {decode_vm_fault(call.ret or 0)}.",
            "R10",
            self.caller_src,
            refs=self.moments["truncated put"] if self.inputs.folio == "truncated" else self.moments["before"],
        )
        final = (
            "No error bit: the fault ends and the store will run again; the model stops here."
            if outcome is Outcome.NOPAGE
            else "The x86 fault handler turns the error into a signal (VM_FAULT_OOM: into the OOM path)."
        )
        self.end("do_user_addr_fault", final, outcome.rule, self.arch, outcome, where="user space")

    def end_after_write(self, outcome: Outcome) -> None:
        if self.wp:
            self.emit(
                "finish_mkwrite_fault",
                "finish_mkwrite_fault() retakes the page-table lock, finds the PTE unchanged and makes it "
                "writable (wp_page_reuse()).",
                "R10",
                self.src("finish_mkwrite_fault"),
                pte="writable",
            )
        else:
            orphan = (
                " (it does not look at ->mapping, so even this truncated one)"
                if self.inputs.folio == "truncated"
                else ""
            )
            self.emit(
                "do_shared_fault",
                f"finish_fault() installs a writable PTE for the {self.unit}{orphan}.",
                "R10",
                self.src("do_shared_fault"),
                pte="writable",
            )
        if outcome is Outcome.LOCK_NOT_HELD:
            self.end(
                "fault_dirty_shared_page",
                f"fault_dirty_shared_page() marks the {self.unit} dirty and calls folio_unlock() on a {self.unit} "
                "the fault never locked.",
                "R10",
                self.src("fault_dirty_shared_page"),
                outcome,
            )
            return
        value, why = _success_ret(self.inputs, 0 if self.driver else int(VM_FAULT_LOCKED))
        dropped = (
            "wp_page_shared() drops its reference. "
            if self.wp
            else "the fault's reference now belongs to the page table. "
        )
        self.emit(
            "fault_dirty_shared_page",
            f"fault_dirty_shared_page() marks the {self.unit} dirty and unlocks it; " + dropped + why,
            "R10",
            self.src("fault_dirty_shared_page"),
            lock_holder=None,
            refs=self.moments["after write"],
            ret=value,
        )
        self.end(
            "do_user_addr_fault",
            "No error bit: back to user space, where the store completes.",
            "R10",
            self.arch,
            outcome,
            where="user space",
        )

    # ---- phase 5: retry, or see that the retry changes nothing

    def retry(self, call: Call, attempt: int) -> bool:
        """0 (old-school, "truncated") or NOPAGE (modern, truncated): drop the reference and run the store
        again. True when the retry starts from a state already seen: a livelock."""
        ret, caller = call.ret or 0, self.inputs.caller
        gone = self.inputs.folio == "truncated"
        self.emit(
            caller,
            f"{decode_vm_fault(ret)} is 'retry': {caller}() drops its reference ({self.form.put_call})"
            + (", the last one: the truncated folio is freed." if gone else ".")
            + f" It returns {decode_vm_fault(ret)}.",
            "B5",
            self.caller_src,
            refs=self.moments["truncated put"] if gone else self.moments["before"],
            mapping_word=format_word(0) if gone else self.state.mapping_word,
            lock_holder=None,
        )
        self.emit(
            "do_user_addr_fault",
            "No error bit, so no signal: the fault handler returns to user space, and the store runs again.",
            "B5",
            self.arch,
            where="user space",
            ret=None,
            mkwrite_path=(),
        )
        self.retries += 1
        if self.retries > self.max_retries:
            raise FolioVizError(
                f"the fault was still retrying after max_retries={self.max_retries} without a verdict; "
                "raise max_retries (every modelled loop is decided by the first retry)"
            )
        if gone:  # the folio is freed; the next fault starts from an empty PTE
            self.state = replace(self.state, folio="A (freed)", refs="freed")
        key = replace(self.state, attempt=attempt + 1, retries=self.retries).key
        if key in self.seen:
            self.end(
                "do_user_addr_fault",
                f"Retry {self.retries} starts from exactly the state fault {self.seen[key] + 1} started from: same "
                "page, same word, same PTE, same handler. It will return 0 again, and again: a livelock.",
                "R11",
                self.arch,
                Outcome.LIVELOCK,
                attempt=attempt + 1,
                retries=self.retries,
            )
            return True
        self.seen[key] = attempt
        self.state = replace(self.state, attempt=attempt + 1, retries=self.retries)
        return False
