"""One call of ``do_page_mkwrite()``, line by line: what the handler returns, what the check says.

:func:`call_mkwrite` runs the pseudo-code of :mod:`.forms` on a folio whose ``->mapping`` is a given
word. Whether the truncation check fires is asked of :mod:`folioviz.kernel.mapping`, per kernel era.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ..mapping import decode_folio, folio_mapping, format_word, make_folio
from .faults import (
    MKWRITE_FLAGS,
    USER_WRITE_FLAGS,
    VM_FAULT_ERROR,
    VM_FAULT_LOCKED,
    VM_FAULT_NOPAGE,
    VM_FAULT_SIGBUS,
    decode_vm_fault,
)
from .forms import (
    HELPER,
    L_BUG,
    L_CALL,
    L_CHECK,
    L_ENTRY,
    L_ERR_RET,
    L_ERR_TEST,
    L_LOCK,
    L_LOCKED_TEST,
    L_RESTORE,
    L_RET,
    L_RET0,
    L_SAVE,
    L_SET_FLAGS,
    L_SET_LOCKED,
    L_SWAPFILE,
    L_SWAPFILE_RET,
    L_UNLOCK,
    RAW,
    CodeForm,
)
from .inputs import BY_HANDLER, BY_MKWRITE, MkwriteInputs, MkwriteState

__all__ = ["Call", "call_mkwrite"]


@dataclass(frozen=True)
class Call:
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


def call_mkwrite(inputs: MkwriteInputs, word: int) -> Call:
    """Run ``do_page_mkwrite()`` on a folio whose word is ``word``, line by line."""
    form = inputs.form
    decoded = decode_folio(make_folio(word, inputs.era), inputs.era)
    word_text, kind = format_word(word), decoded.kind.value
    steps: list[tuple[MkwriteState, str, str]] = []
    state = MkwriteState(L_ENTRY, int(USER_WRITE_FLAGS), None, None, word_text, kind)

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
        vmf_flags=int(MKWRITE_FLAGS),
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
        return Call(tuple(steps), int(VM_FAULT_SIGBUS), None)
    emit(L_SWAPFILE, "The file is not an active swapfile.", branch="not taken: not a swapfile")

    ret, holder, caption = _handler_result(inputs, word)
    emit(L_CALL, caption, "R10", ret=ret, lock_holder=holder)
    emit(L_RESTORE, "The caller's flags are put back.", vmf_flags=int(USER_WRITE_FLAGS))
    if ret & (VM_FAULT_ERROR | VM_FAULT_NOPAGE):
        emit(L_ERR_TEST, f"{decode_vm_fault(ret)} is an error or NOPAGE.", branch="taken: error or NOPAGE")
        emit(L_ERR_RET, "It is returned to the caller unchanged.", "R10", returned=True)
        return Call(tuple(steps), ret, holder)
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
            return Call(tuple(steps), 0, None)
        state = replace(state, line=L_CHECK, check=check, branch="not taken: still has its mapping")
        steps.append((state, f"The test: {check}.", rule))
        emit(
            L_SET_LOCKED,
            "It sets VM_FAULT_LOCKED, as if the handler had locked the folio itself.",
            "R10",
            ret=ret | int(VM_FAULT_LOCKED),
        )
        emit(L_RET, f"It returns {decode_vm_fault(ret | int(VM_FAULT_LOCKED))} with the {unit} locked.", returned=True)
        return Call(tuple(steps), ret | int(VM_FAULT_LOCKED), BY_MKWRITE)

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
        return Call(tuple(steps), None, None)
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
    return Call(tuple(steps), ret, holder)
