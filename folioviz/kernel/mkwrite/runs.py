"""What the model says for one input of ``do_page_mkwrite()``: the run (:func:`mkwrite_outcome`), the function's
own steps (:func:`do_page_mkwrite_scenario`) and the whole write fault with its retries
(:func:`fault_loop_scenario`), built by :class:`~.loop.FaultLoop`."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache

from ..errors import MkwriteInputError
from ..scenario import Scenario, Step
from .call import call_mkwrite
from .faults import decode_vm_fault
from .forms import CodeForm, pseudo_code
from .inputs import FaultLoopState, MkwriteInputs, MkwriteState, Outcome
from .loop import FaultLoop

__all__ = ["MkwriteRun", "do_page_mkwrite_scenario", "fault_loop_scenario", "mkwrite_outcome"]


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
    steps, call, retries = FaultLoop(inputs, max_retries).run()
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
    call = call_mkwrite(inputs, inputs.word)
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
