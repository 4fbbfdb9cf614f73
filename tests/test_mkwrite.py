"""The do_page_mkwrite() model: flags, pseudo-code, the branch table, the livelock, bad inputs, properties.

Expected values come from reading mm/memory.c (do_page_mkwrite, wp_page_shared, do_shared_fault,
finish_mkwrite_fault), include/linux/mm_types.h and include/linux/mmdebug.h in the release tarballs
v5.10.223, v6.1.4, v6.12.8 and v7.2.8, and from shared/reference/kernel-verification.md (items 1, 4, 5).
"""

from __future__ import annotations

import dataclasses
import doctest
import os
import re
import tomllib
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import folioviz.kernel as kernel
from folioviz.kernel import (
    BRANCH_TABLE,
    CALLERS,
    FAULT_FLAG_MKWRITE,
    FAULT_FLAG_WRITE,
    FOLIO_STATES,
    HANDLERS,
    VM_FAULT_ERROR,
    VM_FAULT_HWPOISON,
    VM_FAULT_LOCKED,
    VM_FAULT_MAJOR,
    VM_FAULT_NOPAGE,
    VM_FAULT_OOM,
    VM_FAULT_SIGBUS,
    VM_FAULT_SIGSEGV,
    BranchCase,
    CodeForm,
    ContradictoryFolioError,
    FaultFlag,
    FolioVizError,
    MkwriteInputError,
    MkwriteInputs,
    Outcome,
    UnknownEraError,
    VMFault,
    all_branches,
    code_form,
    decode_fault_flags,
    decode_folio,
    decode_vm_fault,
    do_page_mkwrite_scenario,
    fault_loop_scenario,
    format_word,
    get_era,
    is_the_window,
    make_folio,
    mkwrite_history,
    mkwrite_outcome,
    parse_kernel,
    pinned_release,
    pseudo_code,
    render_pseudo_code,
)
from folioviz.kernel import mkwrite as mk

ROOT = Path(__file__).resolve().parents[1]
ALL_LINES = frozenset(range(1, 18))
KNOWN_PATHS = {mk.P_SWAPFILE, mk.P_EARLY, mk.P_OLD_RETRY, mk.P_OLD_OK, mk.P_MODERN, mk.P_BUG}
RELEASES = ("v5.10.223", "v6.1.4", "v6.12.8", "v7.2.8")


# --------------------------------------------------------------------------- flags and return codes


def test_vm_fault_values_match_the_release_headers():
    expected = {
        "VM_FAULT_OOM": 0x1,
        "VM_FAULT_SIGBUS": 0x2,
        "VM_FAULT_MAJOR": 0x4,
        "VM_FAULT_WRITE": 0x8,  # v5.10.223 and v6.1.4 only
        "VM_FAULT_HWPOISON": 0x10,
        "VM_FAULT_HWPOISON_LARGE": 0x20,
        "VM_FAULT_SIGSEGV": 0x40,
        "VM_FAULT_NOPAGE": 0x100,
        "VM_FAULT_LOCKED": 0x200,
        "VM_FAULT_RETRY": 0x400,
        "VM_FAULT_FALLBACK": 0x800,
        "VM_FAULT_DONE_COW": 0x1000,
        "VM_FAULT_NEEDDSYNC": 0x2000,
        "VM_FAULT_COMPLETED": 0x4000,
    }
    assert {flag.name: flag.value for flag in VMFault} == expected
    for name, value in expected.items():
        assert getattr(mk, name) == value
    assert mk.VM_FAULT_HINDEX_MASK == 0x0F0000


def test_vm_fault_error_is_the_kernels_mask():
    assert VM_FAULT_ERROR == 0x873
    assert VM_FAULT_ERROR | VM_FAULT_NOPAGE == 0x973  # do_page_mkwrite()'s early-return mask
    assert not VM_FAULT_ERROR & VM_FAULT_LOCKED
    assert not VM_FAULT_ERROR & VM_FAULT_NOPAGE


@pytest.mark.parametrize(
    ("ret", "text"),
    [
        (0, "0"),
        (VM_FAULT_LOCKED | VM_FAULT_MAJOR, "VM_FAULT_LOCKED|VM_FAULT_MAJOR"),
        (0x204, "VM_FAULT_LOCKED|VM_FAULT_MAJOR"),
        (VM_FAULT_SIGBUS, "VM_FAULT_SIGBUS"),
        (VM_FAULT_NOPAGE, "VM_FAULT_NOPAGE"),
        (
            0x873,
            "VM_FAULT_FALLBACK|VM_FAULT_SIGSEGV|VM_FAULT_HWPOISON_LARGE|VM_FAULT_HWPOISON|VM_FAULT_SIGBUS|VM_FAULT_OOM",
        ),
        (0x20 | (3 << 16), "VM_FAULT_HWPOISON_LARGE|VM_FAULT_SET_HINDEX(3)"),
        (0x200 | 0x100000, "VM_FAULT_LOCKED|0x100000"),
    ],
)
def test_decode_vm_fault(ret, text):
    assert decode_vm_fault(ret) == text


@pytest.mark.parametrize("bad", [-1, 1 << 32, "0x200", 2.0, None, True])
def test_decode_vm_fault_rejects_non_masks(bad):
    with pytest.raises(MkwriteInputError, match="vm_fault_t"):
        decode_vm_fault(bad)


def test_fault_flags():
    assert FAULT_FLAG_WRITE == 1 and FAULT_FLAG_MKWRITE == 2
    assert FaultFlag.FAULT_FLAG_USER == 1 << 6 and FaultFlag.FAULT_FLAG_VMA_LOCK == 1 << 12
    assert decode_fault_flags(FAULT_FLAG_WRITE | FAULT_FLAG_MKWRITE) == "FAULT_FLAG_WRITE|FAULT_FLAG_MKWRITE"
    assert decode_fault_flags(0) == "0"
    assert decode_fault_flags(1 << 20) == "0x100000"


# --------------------------------------------------------------------------- kernels, forms, pseudo-code


@pytest.mark.parametrize(
    ("kernel_version", "check", "form", "release"),
    [
        ("5.10", "folio->mapping", CodeForm.PAGE, "v5.10.223"),
        ("5.10", "folio_mapping()", CodeForm.PAGE_HELPER, "v5.10.223"),
        ("5.19", "folio_mapping()", CodeForm.PAGE_HELPER, "v5.10.223"),
        ("6.0", "folio_mapping()", CodeForm.FOLIO_V1, "v6.1.4"),
        ("6.4", "folio->mapping", CodeForm.PAGE, "v6.1.4"),
        ("6.5", "folio->mapping", CodeForm.PAGE, "v6.1.4"),
        ("6.4", "folio_mapping()", CodeForm.FOLIO_V1, "v6.1.4"),
        ("6.6", "folio->mapping", CodeForm.FOLIO, "v6.12.8"),
        ("v6.12.8", "folio->mapping", CodeForm.FOLIO, "v6.12.8"),
        ("6.16", "folio_mapping()", CodeForm.FOLIO_V1, "v6.12.8"),
        ("6.17", "folio->mapping", CodeForm.FOLIO, "v7.2.8"),
        ("latest", "folio->mapping", CodeForm.FOLIO, "v7.2.8"),
        ("email", "folio->mapping", CodeForm.PAGE, "v6.1.4"),
    ],
)
def test_code_form_and_pinned_release(kernel_version, check, form, release):
    assert code_form(kernel_version, check) is form
    assert pinned_release(kernel_version) == release


def test_only_page_and_folio_forms_were_merged():
    assert {form for form in CodeForm if form.merged} == {CodeForm.PAGE, CodeForm.FOLIO}


@pytest.mark.parametrize(
    ("kernel_version", "check"),
    [
        ("6.4", "folio->mapping"),
        ("6.12", "folio->mapping"),
        ("6.4", "folio_mapping()"),
        ("5.10", "folio_mapping()"),
        ("6.17", "folio->mapping"),
        ("5.10", "folio->mapping"),
    ],
)
def test_pseudo_code_has_17_numbered_lines_linked_in_order(kernel_version, check):
    lines = pseudo_code(kernel_version, check)
    assert [line.number for line in lines] == list(range(1, 18))
    release = pinned_release(kernel_version)
    numbers = [line.source.line for line in lines]
    assert all(line.source.release == release and line.source.path == "mm/memory.c" for line in lines)
    assert numbers == sorted(numbers) and len(set(numbers)) == 17
    assert numbers[-1] - numbers[0] < 30  # all inside the one function
    assert all(
        line.source.url.startswith(f"https://elixir.bootlin.com/linux/{release}/source/mm/memory.c#L") for line in lines
    )


@pytest.mark.parametrize(
    ("release", "first"), [("v5.10.223", 2738), ("v6.1.4", 2965), ("v6.12.8", 3151), ("v7.2.8", 3673)]
)
def test_line_one_is_the_signature_line_of_each_release(release, first):
    kernel_version = {"v5.10.223": "5.10", "v6.1.4": "6.4", "v6.12.8": "6.12", "v7.2.8": "7.2"}[release]
    lines = pseudo_code(kernel_version)
    assert lines[0].source.line == first
    # kernel-verification.md item 4: the truncation check is at L2984 in v6.1.4 and L3169 in v6.12.8
    if release in ("v6.1.4", "v6.12.8"):
        assert lines[11].source.line == {"v6.1.4": 2984, "v6.12.8": 3169}[release]


@pytest.mark.parametrize(
    ("kernel_version", "check", "expr", "lock", "bug"),
    [
        ("6.4", "folio->mapping", "if !page->mapping:", "lock_page(page)", "VM_BUG_ON_PAGE"),
        ("6.12", "folio->mapping", "if !folio->mapping:", "folio_lock(folio)", "VM_BUG_ON_FOLIO"),
        ("6.4", "folio_mapping()", "if !folio_mapping(folio):", "folio_lock(folio)", "VM_BUG_ON_FOLIO"),
        ("5.10", "folio_mapping()", "if !page_mapping(page):", "lock_page(page)", "VM_BUG_ON_PAGE"),
    ],
)
def test_each_form_spells_its_check(kernel_version, check, expr, lock, bug):
    lines = {line.number: line.text.strip() for line in pseudo_code(kernel_version, check)}
    assert lines[12] == expr
    assert lines[11] == lock
    assert bug in lines[16]


def test_pseudo_code_is_a_paraphrase_not_kernel_source():
    for form_kernel, check in (("6.4", "folio->mapping"), ("6.12", "folio->mapping"), ("6.4", "folio_mapping()")):
        for line in pseudo_code(form_kernel, check):
            assert not re.search(r"unlikely\(|vm_fault_t |[{}]|/\*|\bstruct\b", line.text), line.text


def test_render_pseudo_code_marks_a_line():
    text = render_pseudo_code(pseudo_code("6.4"), mark=12)
    assert len(text.splitlines()) == 17
    assert text.splitlines()[11].startswith(">12          if !page->mapping:")
    assert "# was it truncated while unlocked?" in text


@pytest.mark.parametrize("release", RELEASES)
def test_every_anchor_the_pseudo_code_uses_is_recorded_for_every_release(release):
    rows = tomllib.loads((ROOT / "data" / "sources.toml").read_text())["source"]
    recorded = {(row["release"], row["identifier"]) for row in rows if row.get("line")}
    for anchor, _, _ in mk.forms._ANCHORS.values():
        assert (release, anchor) in recorded, anchor


KSRC = os.environ.get("FOLIOVIZ_KSRC", "")

#: What each pseudo line's real line must contain (checked only against a local tree of sources).
_TOKENS = {
    1: "do_page_mkwrite(",
    3: "FAULT_FLAG_WRITE|FAULT_FLAG_MKWRITE",
    4: "IS_SWAPFILE",
    5: "return VM_FAULT_SIGBUS",
    6: "page_mkwrite(vmf)",
    7: "vmf->flags = old_flags",
    8: "VM_FAULT_ERROR | VM_FAULT_NOPAGE",
    9: "return ret",
    10: "VM_FAULT_LOCKED",
    11: "lock",
    12: "->mapping",
    13: "unlock",
    14: "return 0",
    15: "ret |= VM_FAULT_LOCKED",
    16: "VM_BUG_ON",
    17: "return ret",
}


@pytest.mark.skipif(not KSRC, reason="set FOLIOVIZ_KSRC to a folder of release trees (5.10.223/, 6.1.4/ ...)")
@pytest.mark.parametrize(
    ("release", "kernel_version"), [("v5.10.223", "5.10"), ("v6.1.4", "6.4"), ("v6.12.8", "6.12"), ("v7.2.8", "7.2")]
)
def test_pseudo_lines_point_at_the_right_real_lines(release, kernel_version):
    memory_c = Path(KSRC) / release.lstrip("v") / "mm" / "memory.c"
    text = memory_c.read_text().split("\n")
    for line in pseudo_code(kernel_version):
        if line.number in _TOKENS:
            assert _TOKENS[line.number] in text[line.source.line - 1], (line.number, text[line.source.line - 1])


# --------------------------------------------------------------------------- the branch table


def _row_id(row: BranchCase) -> str:
    return f"{row.form.value}:{row.inputs.kernel}:{row.label}"


@pytest.mark.parametrize("row", BRANCH_TABLE, ids=_row_id)
def test_branch_table_row(row):
    run = mkwrite_outcome(row.inputs)
    assert run.path == row.path
    assert run.ret == row.ret
    assert run.outcome is row.outcome
    scenario = do_page_mkwrite_scenario(row.inputs)
    assert tuple(step.line for step in scenario) == row.path
    assert scenario.steps[-1].state.outcome is row.outcome
    assert fault_loop_scenario(row.inputs).steps[-1].state.outcome is row.outcome


@pytest.mark.parametrize("form", list(CodeForm), ids=lambda f: f.value)
def test_every_line_of_every_form_is_visited(form):
    rows = all_branches(form)
    assert rows, form
    visited = {step.line for row in rows for step in do_page_mkwrite_scenario(row.inputs)}
    assert visited == ALL_LINES
    # both sides of every decision
    branches = {
        (step.line, step.state.branch.split(":")[0]) for row in rows for step in do_page_mkwrite_scenario(row.inputs)
    }
    for line in (4, 8, 10, 12):
        assert {(line, "taken"), (line, "not taken")} <= branches, line
    assert {(16, "VM_BUG_ON fires"), (16, "compiled out (CONFIG_DEBUG_VM off)"), (16, "check passes")} <= branches


def test_every_outcome_is_reachable():
    assert {row.outcome for row in BRANCH_TABLE} == set(Outcome)


def test_the_table_covers_each_form_with_its_representative_kernels():
    assert {row.form for row in BRANCH_TABLE} == set(CodeForm)
    assert all_branches("folio-v1") == all_branches(CodeForm.FOLIO_V1)
    assert len(all_branches()) == len(BRANCH_TABLE)


# --------------------------------------------------------------------------- the livelock (R11, B2)


def _movable(kernel_version: str, check: str, **kw) -> MkwriteInputs:
    return MkwriteInputs(handler="old-school", folio="movable-tagged", kernel=kernel_version, check=check, **kw)


@pytest.mark.parametrize("kernel_version", ["6.0", "6.1", "6.4", "6.5", "6.6", "6.12", "6.16"])
@pytest.mark.parametrize("caller", sorted(CALLERS))
def test_folio_mapping_check_livelocks_in_v6_0_to_v6_16(kernel_version, caller):
    inputs = _movable(kernel_version, "folio_mapping()", caller=caller)
    run = mkwrite_outcome(inputs)
    assert run.outcome is Outcome.LIVELOCK
    assert run.retries == 1
    assert run.ret == 0 and run.path == mk.P_OLD_RETRY
    loop = fault_loop_scenario(inputs)
    last = loop.steps[-1].state
    assert last.outcome is Outcome.LIVELOCK and last.retries == 1 and last.attempt == 2
    # the retry really starts where the first fault started
    assert loop.steps[0].state.key == replace_key(last)
    assert "retry 1" in run.explanation
    # only the last step carries the verdict
    assert [step.state.outcome for step in loop.steps[:-1]] == [None] * (len(loop) - 1)


def replace_key(state):
    return dataclasses.replace(state, attempt=1, retries=0, where="user space").key


@pytest.mark.parametrize("kernel_version", ["6.0", "6.4", "6.6", "6.12", "6.16"])
def test_raw_check_lets_the_same_page_through(kernel_version):
    run = mkwrite_outcome(_movable(kernel_version, "folio->mapping"))
    assert run.outcome is Outcome.WRITE_PROCEEDS and run.retries == 0 and run.ret == VM_FAULT_LOCKED


@pytest.mark.parametrize("kernel_version", ["5.10", "5.15", "5.19"])
def test_before_v6_0_folio_mapping_masks_the_tag_so_no_livelock(kernel_version):
    run = mkwrite_outcome(_movable(kernel_version, "folio_mapping()"))
    assert run.outcome is Outcome.WRITE_PROCEEDS
    assert run.form is CodeForm.PAGE_HELPER
    scenario = do_page_mkwrite_scenario(_movable(kernel_version, "folio_mapping()"))
    step = next(step for step in scenario if step.line == 12)
    assert (
        step.state.branch == "not taken: still has its mapping"
        and "page_mapping(page) returns 0xffff888005b1e0c0" in step.state.check
    )


def test_the_livelock_decision_is_mapping_py_s():
    for kernel_version in ("5.10", "6.4", "6.12", "6.16"):
        inputs = _movable(kernel_version, "folio_mapping()")
        era = get_era(kernel_version)
        decoded = decode_folio(make_folio(inputs.word, era), era)
        assert (mkwrite_outcome(inputs).outcome is Outcome.LIVELOCK) == decoded.folio_mapping_check_truncated
        assert not decoded.raw_check_truncated
        assert inputs.word & 0x3 == 0x2


def test_v6_17_has_no_movable_tag_to_meet():
    with pytest.raises(ContradictoryFolioError, match="PG_movable_ops"):
        _movable("6.17", "folio_mapping()")
    # folio_mapping() there still agrees with the raw test for a file folio and a truncated one
    for folio in ("present", "truncated"):
        a = mkwrite_outcome(MkwriteInputs(handler="old-school", folio=folio, kernel="6.17", check="folio_mapping()"))
        b = mkwrite_outcome(MkwriteInputs(handler="old-school", folio=folio, kernel="6.17"))
        assert a.outcome is b.outcome is not Outcome.LIVELOCK


# --------------------------------------------------------------------------- the other outcomes in detail


def test_truncated_folio_matches_the_page_cache_model():
    inputs = MkwriteInputs(handler="old-school", folio="truncated")
    loop = fault_loop_scenario(inputs)
    at_call = next(step.state for step in loop if step.function == "do_page_mkwrite")
    assert at_call.mapping_word == format_word(0)
    assert at_call.refs == "fault path 1"  # every other reference is gone: the fault's is the last
    assert at_call.pte == "none"  # truncation unmapped it
    truncation = next(step for step in loop if step.function == "truncate_inode_pages_range")
    assert truncation.rule == "R8"
    # and the page-cache model agrees that this is "the window" of R9
    refs = mk.loop._pagecache_refs("wp_page_shared")
    assert refs["truncated"] == "fault path 1" and refs["truncated put"] == "freed"
    assert is_the_window  # public name used by the model


def test_beyond_eof_refault_gets_sigbus_from_filemap_fault():
    loop = fault_loop_scenario(MkwriteInputs(handler="old-school", folio="truncated", truncated_beyond_eof=True))
    functions = [step.function for step in loop]
    assert "filemap_fault" in functions
    fault = loop.steps[functions.index("filemap_fault")]
    assert fault.state.ret == VM_FAULT_SIGBUS
    assert fault.source is not None and "filemap.c" in fault.source.path
    assert "page-granular" in loop.description and "SIGBUS" in loop.description


def test_inside_eof_refault_gets_a_new_folio():
    loop = fault_loop_scenario(MkwriteInputs(handler="old-school", folio="truncated", truncated_beyond_eof=False))
    last = loop.steps[-1].state
    assert last.folio == "B" and last.pte == "writable" and last.outcome is Outcome.RETRY_THEN_NEW_PAGE
    calls = [step.state for step in loop if step.function == "do_page_mkwrite"]
    assert [c.ret for c in calls] == [0, VM_FAULT_LOCKED]
    assert any(step.state.ret == VM_FAULT_LOCKED | VM_FAULT_MAJOR for step in loop)


def test_swapfile_return_leaves_the_mkwrite_flags_set():
    scenario = do_page_mkwrite_scenario(MkwriteInputs(swapfile=True))
    last = scenario.steps[-1]
    assert last.line == 5 and last.state.vmf_flags == FAULT_FLAG_WRITE | FAULT_FLAG_MKWRITE
    assert last.state.outcome is Outcome.SIGBUS_SWAPFILE


@pytest.mark.parametrize("error", [VM_FAULT_SIGBUS, VM_FAULT_OOM, VM_FAULT_SIGSEGV, VM_FAULT_HWPOISON])
def test_handler_errors_pass_up_unchanged(error):
    run = mkwrite_outcome(MkwriteInputs(handler="error", error=error))
    assert run.ret == error and run.outcome is Outcome.HANDLER_ERROR and run.path == mk.P_EARLY


def test_debug_vm_decides_between_bug_and_no_lock():
    bug = mkwrite_outcome(MkwriteInputs(handler="forgets-lock", debug_vm=True))
    assert bug.outcome is Outcome.VM_BUG_ON and bug.ret is None and bug.ret_text == "(never returns)"
    quiet = mkwrite_outcome(MkwriteInputs(handler="forgets-lock", debug_vm=False))
    assert quiet.outcome is Outcome.LOCK_NOT_HELD and quiet.ret == VM_FAULT_LOCKED
    assert Outcome.LOCK_NOT_HELD.evidence == "U"
    assert quiet.explanation.startswith("NOT VERIFIABLE")
    # the release decides what the stray unlock does; between the two reads it is marked unverified
    assert "clears PG_locked" in quiet.explanation  # v6.4 -> as read in v6.1.4
    assert "XOR" in mkwrite_outcome(MkwriteInputs(handler="forgets-lock", kernel="6.12")).explanation
    assert "[U]" in mkwrite_outcome(MkwriteInputs(handler="forgets-lock", kernel="6.8")).explanation


def test_modern_handler_debug_check_passes():
    scenario = do_page_mkwrite_scenario(MkwriteInputs(handler="modern", debug_vm=True))
    assert scenario.steps[-2].state.branch == "check passes"
    assert scenario.steps[-1].state.lock_holder == "->page_mkwrite"


def test_every_outcome_has_an_explanation_and_evidence():
    for outcome in Outcome:
        assert outcome.summary and outcome.evidence in ("V", "I", "U") and re.fullmatch(r"([RB]\d+)?", outcome.rule)
    for row in BRANCH_TABLE:
        assert mkwrite_outcome(row.inputs).explanation


# --------------------------------------------------------------------------- bad inputs


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"handler": "fancy"}, MkwriteInputError, ["handler", "'modern'", "'old-school'", "'forgets-lock'"]),
        ({"folio": "gone"}, MkwriteInputError, ["folio", "'present'", "'truncated'", "'movable-tagged'"]),
        ({"check": "mapping"}, MkwriteInputError, ["check", "folio->mapping", "folio_mapping()"]),
        ({"caller": "do_fault"}, MkwriteInputError, ["caller", "'wp_page_shared'", "'do_shared_fault'"]),
        ({"kernel": "4.19"}, UnknownEraError, ["older", "5.10"]),
        ({"kernel": "8.1"}, UnknownEraError, ["newer", "7.2.8"]),
        ({"kernel": 6.4}, UnknownEraError, ["version string", "6.10"]),
        ({"kernel": "six"}, UnknownEraError, ["not a version", "'6.4'"]),
        ({"swapfile": "yes"}, MkwriteInputError, ["swapfile", "True or False"]),
        ({"debug_vm": 1}, MkwriteInputError, ["debug_vm", "CONFIG_DEBUG_VM"]),
        ({"truncated_beyond_eof": True}, ContradictoryFolioError, ["not truncated", "None"]),
        ({"folio": "truncated", "truncated_beyond_eof": "yes"}, MkwriteInputError, ["True, False or None"]),
        ({"handler": "modern", "error": VM_FAULT_SIGBUS}, ContradictoryFolioError, ["handler='error'"]),
        ({"handler": "error", "error": 0x800}, MkwriteInputError, ["VM_FAULT_FALLBACK", "VM_FAULT_SIGBUS"]),
        ({"handler": "error", "error": 0}, MkwriteInputError, ["error must be one of"]),
        ({"handler": "error", "error": "SIGBUS"}, MkwriteInputError, ["int"]),
        ({"folio": "movable-tagged", "kernel": "6.17"}, ContradictoryFolioError, ["PG_movable_ops", "6.16"]),
        ({"folio": "movable-tagged", "swapfile": True}, ContradictoryFolioError, ["swapfile", "page-cache"]),
    ],
)
def test_bad_inputs_are_rejected_clearly(kwargs, error, words):
    with pytest.raises(error) as caught:
        MkwriteInputs(**kwargs)
    assert isinstance(caught.value, FolioVizError) and isinstance(caught.value, ValueError)
    for word in words:
        assert word in str(caught.value), (word, str(caught.value))


@pytest.mark.parametrize("bad", [0, -1, 1001, 2.5, True, "3"])
def test_max_retries_must_be_a_sensible_count(bad):
    with pytest.raises(MkwriteInputError, match="max_retries"):
        fault_loop_scenario(MkwriteInputs(), max_retries=bad)


def test_scenario_functions_want_inputs():
    with pytest.raises(MkwriteInputError, match="MkwriteInputs"):
        do_page_mkwrite_scenario({"handler": "modern"})
    with pytest.raises(MkwriteInputError, match="form must be one of"):
        all_branches("pages")
    with pytest.raises(UnknownEraError):
        pseudo_code("3.0")


def test_inputs_are_normalised():
    assert MkwriteInputs(handler="old_school") == MkwriteInputs(handler="old-school")
    assert MkwriteInputs(handler="Legacy").handler == "old-school"
    assert MkwriteInputs(check="!folio_mapping(folio)").check == "folio_mapping()"
    assert MkwriteInputs(check="page->mapping").check == "folio->mapping"
    assert MkwriteInputs(kernel="v6.12.8").kernel == "6.12"
    assert MkwriteInputs(kernel="email").kernel == "6.4"
    assert MkwriteInputs(handler="error") == MkwriteInputs(handler="error", error=VM_FAULT_SIGBUS)
    assert MkwriteInputs(folio="truncated").truncated_beyond_eof is True
    # replace() resets the fields that belong to the old choice
    assert MkwriteInputs(folio="truncated").replace(folio="present").truncated_beyond_eof is None
    assert MkwriteInputs(handler="error").replace(handler="modern").error is None


# --------------------------------------------------------------------------- properties

_VERSIONS = ["5.10", "5.15", "5.19", "6.0", "6.1", "6.4", "6.5", "6.6", "6.8", "6.12", "6.16", "6.17", "7.0", "7.2"]


@st.composite
def inputs_strategy(draw):
    handler = draw(st.sampled_from(sorted(HANDLERS)))
    folio = draw(st.sampled_from(sorted(FOLIO_STATES)))
    kw = {
        "handler": handler,
        "folio": folio,
        "swapfile": draw(st.booleans()),
        "check": draw(st.sampled_from(["folio->mapping", "folio_mapping()"])),
        "kernel": draw(st.sampled_from(_VERSIONS)),
        "debug_vm": draw(st.booleans()),
        "caller": draw(st.sampled_from(sorted(CALLERS))),
    }
    if folio == "truncated":
        kw["truncated_beyond_eof"] = draw(st.booleans())
    if handler == "error":
        kw["error"] = draw(st.sampled_from([VM_FAULT_SIGBUS, VM_FAULT_OOM, VM_FAULT_SIGSEGV, VM_FAULT_HWPOISON]))
    try:
        return MkwriteInputs(**kw)
    except ContradictoryFolioError:
        assume(False)


@settings(max_examples=300, deadline=None)
@given(inputs_strategy())
def test_raw_check_never_livelocks(inputs):
    run = mkwrite_outcome(inputs)
    if inputs.check == "folio->mapping":
        assert run.outcome is not Outcome.LIVELOCK
    livelock_expected = (
        inputs.handler == "old-school"
        and inputs.folio == "movable-tagged"
        and inputs.check == "folio_mapping()"
        and not inputs.swapfile
        and (6, 0) <= inputs.version <= (6, 16)
    )
    assert (run.outcome is Outcome.LIVELOCK) == livelock_expected


@settings(max_examples=300, deadline=None)
@given(inputs_strategy())
def test_locked_on_every_non_zero_non_error_return(inputs):
    scenario = do_page_mkwrite_scenario(inputs)
    last = scenario.steps[-1].state
    assert last.returned
    if mkwrite_outcome(inputs).ret is None:  # VM_BUG_ON fired: only a lying handler on a debug kernel
        assert inputs.handler == "forgets-lock" and inputs.debug_vm
        assert last.line == 16 and last.branch == "VM_BUG_ON fires" and last.lock_holder is None
        return
    assert last.ret == mkwrite_outcome(inputs).ret
    if last.ret and not last.ret & (VM_FAULT_ERROR | VM_FAULT_NOPAGE):
        assert last.ret & VM_FAULT_LOCKED
        if inputs.handler == "forgets-lock":  # the kernel's guarantee needs an honest handler
            assert not inputs.debug_vm and last.lock_holder is None
        else:
            assert last.lock_holder is not None
    else:
        assert last.lock_holder is None  # 0, an error or NOPAGE: nobody left holding the lock
    if last.ret == 0:
        assert scenario.steps[-3].state.branch == "taken: looks truncated"


@settings(max_examples=200, deadline=None)
@given(inputs_strategy())
def test_scenarios_are_immutable_and_replayable(inputs):
    first, again = do_page_mkwrite_scenario(inputs), do_page_mkwrite_scenario(inputs)
    assert first == again
    loop = fault_loop_scenario(inputs)
    assert loop == fault_loop_scenario(inputs)
    assert isinstance(first.steps, tuple) and isinstance(loop.steps, tuple)
    for step in (*first, *loop):
        hash(step.state)
        with pytest.raises(dataclasses.FrozenInstanceError):
            step.state.ret = 1  # type: ignore[misc]
        with pytest.raises(dataclasses.FrozenInstanceError):
            step.caption = ""  # type: ignore[misc]


@settings(max_examples=200, deadline=None)
@given(inputs_strategy())
def test_paths_lines_and_sources_agree(inputs):
    run = mkwrite_outcome(inputs)
    assert run.path in KNOWN_PATHS
    scenario = do_page_mkwrite_scenario(inputs)
    lines = {line.number: line for line in pseudo_code(inputs.kernel, inputs.check)}
    assert tuple(step.line for step in scenario) == run.path
    for step in scenario:
        assert step.source == lines[step.line].source and step.function == "do_page_mkwrite"
    # vmf->flags are back to the caller's on every return except the swapfile one
    last = scenario.steps[-1].state
    if run.path == mk.P_SWAPFILE:
        assert last.vmf_flags == FAULT_FLAG_WRITE | FAULT_FLAG_MKWRITE
    elif run.ret is not None:
        assert last.vmf_flags & FaultFlag.FAULT_FLAG_USER
    # the mapping word shown is the one mapping.py formats, for the kernel's era
    assert scenario.steps[0].state.mapping_word == format_word(inputs.word)
    assert scenario.era == get_era(inputs.kernel).id


@settings(max_examples=200, deadline=None)
@given(inputs_strategy())
def test_fault_loop_ends_once_with_the_runs_outcome(inputs):
    loop = fault_loop_scenario(inputs)
    run = mkwrite_outcome(inputs)
    outcomes = [step.state.outcome for step in loop]
    assert (
        outcomes[-1] is run.outcome and outcomes.count(run.outcome) == 1 and outcomes[:-1] == [None] * (len(loop) - 1)
    )
    assert loop.steps[-1].state.retries == run.retries <= 1
    assert loop.steps[-1].state.note == run.explanation == loop.description
    assert run.outcome is not Outcome.RETRY_THEN_NEW_PAGE or inputs.folio == "truncated"
    assert run.outcome is not Outcome.RETRY_THEN_SIGBUS or inputs.truncated_beyond_eof


# --------------------------------------------------------------------------- history, registration, docs


def test_history_has_the_four_milestones_with_provenance():
    events = {event.id: event for event in mkwrite_history()}
    assert events["recheck-2007"].commit.startswith("d0217ac04ca6") and events["recheck-2007"].year == 2007
    assert events["locked-return-2009"].commit.startswith("b827e496c893")
    assert events["locked-return-2009"].title == "mm: close page_mkwrite races"
    assert events["swapfile-2019"].year == 2019 and events["swapfile-2019"].commit.startswith("dc617f29dbe5")
    assert events["folio-conversion-6.6"].version == "v6.6" and "B6" in events["folio-conversion-6.6"].rules
    assert not events["folio-conversion-6.6"].is_certain("commit")
    assert events["email-2023"].lore == "https://lore.kernel.org/all/ZKR0n%2BlkqICOrWgr@casper.infradead.org/"
    dates = [event.date for event in mkwrite_history()]
    assert dates == sorted(dates)
    fields = {f.name for f in dataclasses.fields(events["email-2023"])}
    for event in events.values():
        assert event.evidence in ("V", "V-diff", "V-mirror", "I", "U")
        assert set(event.uncertain) <= fields, event.id
        assert event.date_is in ("committed", "posted", "released")
        assert all(re.fullmatch(r"[RB]\d+", rule) for rule in event.rules)
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", event.date)


def test_public_names_are_registered():
    for name in mk.__all__:
        assert name in kernel.__all__, name
        assert getattr(kernel, name) is getattr(mk, name)


def test_module_doctest():
    failures, tried = doctest.testmod(mk, verbose=False)
    assert tried >= 2 and failures == 0


def test_parse_kernel():
    assert parse_kernel("6.4") == (6, 4) and parse_kernel("v6.12.8") == (6, 12) and parse_kernel("6.6-rc1") == (6, 6)
