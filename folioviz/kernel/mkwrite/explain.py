"""How each outcome is explained to a learner, for the inputs at hand, with evidence tags."""

from __future__ import annotations

from .faults import VM_FAULT_OOM, VM_FAULT_SIGBUS, VM_FAULT_SIGSEGV, VMFault, decode_vm_fault
from .forms import HELPER, CodeForm
from .inputs import MkwriteInputs, Outcome

__all__ = ["explain"]


def explain(inputs: MkwriteInputs, outcome: Outcome, retries: int) -> str:
    """The outcome's explanation for these inputs, with evidence tags."""
    unit = "page" if inputs.form in (CodeForm.PAGE, CodeForm.PAGE_HELPER) else "folio"
    if outcome is Outcome.WRITE_PROCEEDS:
        return _write_proceeds(inputs, unit)
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
            f"{inputs.release} for mm/, {inputs.kernel_info.feature('signal_release')} for arch/x86]."
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
    return _lock_not_held(inputs, unit)


def _write_proceeds(inputs: MkwriteInputs, unit: str) -> str:
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


def _lock_not_held(inputs: MkwriteInputs, unit: str) -> str:
    """LOCK_NOT_HELD: what the code says, since the kernel's behaviour cannot be verified here."""
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
        f"fault_dirty_shared_page()) [V code].{tail} "
        + inputs.kernel_info.feature_text("folio_unlock_unlocked")
        + " Whether "
        "a truncation races the write, and who else holds the lock, is timing the model does not simulate."
    )
