"""The facts issue 12 found wrong or doubtful, held where the data states them.

Each was re-read in the release trees of data/kernel_releases.toml (``make provenance`` re-checks the
lines); these tests keep the data and the prose from drifting back to the old claims.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from folioviz.kernel.mkwrite import history_event, mkwrite_history
from folioviz.kernel.pagecache import email_scenario, truncation_scenario
from folioviz.kernel.survey import find_handler, old_school
from folioviz.kernel.versions import get_era

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "notebooks" / "src"
ROWS = tomllib.loads((ROOT / "data" / "sources.toml").read_text())["source"]


def _recorded(identifier: str) -> set[str]:
    """The releases in which data/sources.toml records a line for ``identifier``."""
    return {row["release"] for row in ROWS if row["identifier"] == identifier}


def _prose(name: str) -> str:
    text = (SRC / f"{name}.py").read_text()
    return re.sub(r"\s+", " ", re.sub(r"^# ?", "", text, flags=re.M))


# 1. fb_defio: its ->page_mkwrite was modern all along; its ->fault stopped storing the file's mapping.
def test_fb_defio_handler_was_modern_in_every_release_read():
    for release in ("v6.1.4", "v7.2.8"):
        row = find_handler("fb_deferred_io_mkwrite", release)
        assert (row.convention, row.success) == ("modern", "VM_FAULT_LOCKED"), release
    assert "v5.10.223" in _recorded("fb_deferred_io_mkwrite#returns-vm-fault-locked")


def test_fb_defio_fault_stored_the_mapping_until_after_v6_12():
    assert find_handler("fb_deferred_io_mkwrite", "v6.1.4").fault_sets_mapping is True
    assert find_handler("fb_deferred_io_mkwrite", "v7.2.8").fault_sets_mapping is False
    assert _recorded("fb_deferred_io_fault#sets-page-mapping") == {"v5.10.223", "v6.1.4", "v6.12.8"}
    assert "v7.2.8" in _recorded("fb_deferred_io_fault")


def test_notebook_05_does_not_say_fb_defio_changed_its_handler():
    text = _prose("05_how_the_rules_changed")
    assert "changed their ways" not in text
    assert "did not change convention" in text and "fb_deferred_io_fault" in text


# 2. DAX: the marker is verified present in v6.12.8 and gone by v7.2.8; no release is claimed for its removal.
def test_dax_marker_claims_only_what_was_read():
    note = get_era("email").bare_words[0x1]
    assert "v6.18" not in note
    assert "v6.12.8" in note and "v7.2.8" in note and "not verified" in note
    assert "v6.12.8" in _recorded("PAGE_MAPPING_DAX_SHARED")


# 3. The 2019 swap-file commit: full id, v5.4, and the write() refusal still holds in every tree read.
def test_swapfile_commit_is_complete_and_the_write_refusal_is_not_said_to_be_gone():
    event = next(e for e in mkwrite_history() if e.id == "swapfile-2019")
    assert event.commit == "dc617f29dbe5ef0c8ced65ce62c464af1daaab3d"
    assert (event.version, event.date, event.date_is) == ("v5.4", "2019-08-20", "committed")
    assert "version" not in event.uncertain and "commit" not in event.uncertain
    assert not re.search(r"revert", event.what, re.I)
    assert "v5.10.223 to v7.2.8" in event.what
    assert _recorded("generic_write_checks#swapfile-etxtbsy") == {"v5.10.223"}
    assert _recorded("generic_write_checks_count#swapfile-etxtbsy") >= {"v6.1.4", "v7.2.8"}
    for release in ("v5.10.223", "v6.1.4", "v6.12.8", "v7.2.8"):
        assert release in _recorded("do_page_mkwrite#is-swapfile-check")


def test_the_2007_and_2009_events_say_different_things():
    events = {e.id: e for e in mkwrite_history()}
    first, second = events["recheck-2007"].what, events["locked-return-2009"].what
    assert "VM_FAULT_LOCKED" in second and "fallback" in second
    assert "no way yet to return it locked" in first
    words = lambda text: set(re.findall(r"[a-z_>-]+", text.lower()))  # noqa: E731
    overlap = len(words(first) & words(second)) / len(words(first) | words(second))
    assert overlap < 0.4, overlap


# 4. Truncation's first pass only try-locks; the second pass waits in folio_lock().
def test_truncation_trylock_is_stated_and_recorded():
    assert "v6.1.4" in _recorded("find_lock_entries#trylock")
    assert "v6.1.4" in _recorded("truncate_inode_pages_range#second-pass-folio-lock")
    text = _prose("02_page_cache_refcounts")
    assert "takes **its own** reference and the folio lock" not in text
    assert "only *tries* the folio lock" in text and "second pass" in text


# 5. perf and kernfs are old-school only under a condition, and the workbook says which.
def test_perf_is_old_school_for_page_0_only_and_its_fault_stores_a_mapping():
    perf = find_handler("perf_mmap_fault", "v6.1.4")
    assert perf.convention == "old-school" and perf.fault_sets_mapping is True
    assert "page 0" in perf.notes and "SIGBUS" in perf.notes
    assert "v6.1.4" in _recorded("perf_mmap_fault#mkwrite-page-0-returns-0")
    assert "**only for page 0**" in _prose("04_page_mkwrite_in_the_wild")


def test_kernfs_is_old_school_only_without_a_wrapped_handler():
    for release in ("v6.1.4", "v7.2.8"):
        kernfs = find_handler("kernfs_vma_page_mkwrite", release)
        assert kernfs in old_school(release)
        assert "forwards" in kernfs.notes or "Same logic" in kernfs.notes
    assert "**only when those wrapped ops have no `->page_mkwrite`**" in _prose("04_page_mkwrite_in_the_wild")


# 6. "The newest full source the archive served" was true on the survey's day: every use is dated.
@pytest.mark.parametrize(
    "path",
    ["data/kernel_releases.toml", "data/page_mkwrite_survey.toml", "data/eras.toml", "docs/provenance.md",
     "notebooks/src/04_page_mkwrite_in_the_wild.py"],
)  # fmt: skip
def test_newest_release_claims_are_dated(path):
    text = re.sub(r"\s+#?\s*", " ", (ROOT / path).read_text())
    for match in re.finditer(r"newest (?:full source|release)", text):
        assert "2026" in text[match.start() : match.start() + 160], text[match.start() : match.start() + 160]


# One story: page_cache_delete() clears mapping, filemap_free_folio() drops the cache's references.
def test_the_model_names_both_functions_where_the_mapping_is_cleared():
    remove = next(step for step in email_scenario().steps if step.function == "filemap_remove_folio")
    assert "page_cache_delete()" in remove.caption and "filemap_free_folio()" in remove.caption
    steps = {step.function: step.caption for step in truncation_scenario().steps}
    assert "page_cache_delete()" in steps["page_cache_delete_batch"] and "NULL" in steps["page_cache_delete_batch"]
    assert "filemap_free_folio()" in steps["filemap_free_folio"]


@pytest.mark.parametrize("name", ["02_page_cache_refcounts", "06_races"])
def test_the_notebooks_tell_it_the_same_way(name):
    text = _prose(name)
    assert re.search(r"`page_cache_delete\(\)` clears `(->)?mapping`", text)
    assert re.search(r"`filemap_free_folio\(\)`:? drops? the cache's reference", text)


# ------------------------------------------------------------------ the review of the merge


def _term(term_id: str):
    from tools.notebooks.glossary import terms

    return next(t for t in terms() if t.id == term_id)


def _glossary_entry(term_id: str) -> str:
    from tools.notebooks.glossary import glossary_cells

    return dict(glossary_cells())[f"glossary-{term_id}"]


# Non-LRU movable pages: tag 0b10 up to v6.16 (a driver's address_space before v6.0, its
# movable_operations from v6.0), a page flag from v6.17 -- each release named is also linked.
def test_non_lru_movable_glossary_entry_tells_all_three_eras():
    text = _term("non-lru-movable-page").definition
    assert "From v6.0 to v6.16" not in text, "the tag did not start in v6.0"
    assert re.search(r"before v6\.0 \(v5\.10\.223\).*`address_space`", text)
    assert re.search(r"from v6\.0 \(v6\.1\.4\).*`struct movable_operations`", text)
    assert "Up to v6.16" in text and "From v6.17 (v7.2.8)" in text and "`PG_movable_ops`" in text
    assert get_era("pre-v6.0").movable_tag == "address_space"
    entry = _glossary_entry("non-lru-movable-page")
    for release in ("v5.10.223", "v6.1.4", "v7.2.8"):
        assert re.search(rf"\]\(https://elixir\.bootlin\.com/linux/{re.escape(release)}/source/[^)]+\)", entry), release


# A folio's struct is not only the head page's: in v6.1.4 it also overlays the second struct page.
def test_the_folio_is_said_to_span_more_than_the_head_page_descriptor():
    from folioviz.render.primer import folio_map_svg

    assert "v6.1.4" in _recorded("_flags_1")  # a field of the second page's descriptor
    primer = _prose("00_the_primer")
    assert "the folio's fields are that page's fields" not in primer
    assert "head" in primer and "{{src:_flags_1@v6.1.4}}" in primer and "next page's descriptor" in primer
    folio = _term("folio").definition
    assert "head" in folio and "`_flags_1`" in folio and "v6.1.4" in folio
    svg = folio_map_svg()
    assert "holds its fields" not in svg and "head (first) page" in svg


# vma_set_page_prot() sets the protection (vm_page_prot) that faults later give the entries; it builds none.
def test_vma_set_page_prot_is_said_to_set_the_protection_not_to_build_entries():
    primer = _prose("00_the_primer")
    assert "builds the VMA's page-table entries" not in primer
    assert "`vma_set_page_prot()` leaves write permission out of `vm_page_prot`" in primer
    assert "It builds no entry itself" in primer
    assert "v6.1.4" in _recorded("vma_set_page_prot#write-notify-drops-shared") & _recorded("do_set_pte")


# __filemap_get_folio()'s ERR_PTR: v6.1.4 returns NULL, v6.12.8 ERR_PTR(-ENOENT); "v6.4" is inferred.
def test_the_err_ptr_release_is_bounded_by_the_trees_and_called_inferred():
    from folioviz.kernel.pagecache.captions import cap_lookup

    assert {"v6.1.4", "v6.12.8"} <= _recorded("__filemap_get_folio")
    state = email_scenario().steps[0].state
    for text in (cap_lookup(state, state, "B", get_era("email")),):
        assert "ERR_PTR(-ENOENT) from v6.4" not in text and "in v6.12.8" in text and "inference" in text


# The hibernation exception in blkdev_write_iter(): two steps found in the list archives, each named.
def test_the_hibernation_exception_names_its_commits_as_far_as_they_were_found():
    note = history_event("swapfile-2019").note
    assert "the commit that added the exception was not identified" not in note
    assert "56939e014a6c212b317414faa307029e2e80c3b9" in note and "5.7" in note and "[V-mirror]" in note
    assert "Restrict writes to the resume device" in note and "5.8" in note and "is_hibernate_resume_dev()" in note


# ------------------------------------------------------------------ issue 19: the audit against the release trees

BUILD = tomllib.loads((ROOT / "data" / "build_config.toml").read_text())


def _kernel_lines():
    import importlib.util

    spec = importlib.util.spec_from_file_location("kernel_lines", ROOT / "tools" / "kernel_lines.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# A row's line is the definition the build uses, never a stub that another configuration selects.
def test_no_source_row_points_at_a_stub_the_build_turns_off():
    stubs = {(s["release"], s["path"], s["line"]): s for s in BUILD["stub"]}
    bad = [r for r in ROWS if "#" not in r["identifier"] and (r["release"], r["path"], r["line"]) in stubs]
    assert not bad, bad
    stubbed = {(s["release"], s["identifier"]) for s in BUILD["stub"]}
    assert {("v6.1.4", "handle_mm_fault"), ("v6.12.8", "handle_mm_fault"), ("v7.2.8", "handle_mm_fault")} <= stubbed


def test_handle_mm_fault_links_to_mm_memory_c_in_every_release():
    rows = [r for r in ROWS if r["identifier"] == "handle_mm_fault"]
    assert {r["release"] for r in rows} >= {"v6.1.4", "v6.12.8", "v7.2.8"}
    assert {r["path"] for r in rows} == {"mm/memory.c"}


def test_the_stub_check_reads_if_else_branches_under_the_build_config():
    kl = _kernel_lines()
    lines = [
        "#ifndef _LINUX_MM_H",
        "#ifdef CONFIG_MMU",
        "extern int handle_mm_fault(int x);",
        "#else",
        "static inline int handle_mm_fault(int x)",
        "{",
        "#if defined(CONFIG_SWAP) && !IS_ENABLED(CONFIG_MMU)",
        "\treturn 1;",
        "#endif",
        "}",
        "#endif",
        "#endif",
    ]
    assert kl.built(lines, 3) is not False  # the include guard is neither on nor off
    assert kl.built(lines, 5) is False  # the !CONFIG_MMU stub
    assert kl.built(lines, 8) is False
    assert kl.evaluate("defined(CONFIG_NO_SUCH_OPTION)", frozenset({"CONFIG_MMU"}), frozenset()) is None
    assert "CONFIG_MMU" in BUILD["config"]["on"]


# VM_FAULT_RETRY from a ->page_mkwrite: do_page_mkwrite() sets no FAULT_FLAG_ALLOW_RETRY and never tests RETRY.
def test_the_primer_does_not_say_a_retry_answer_restarts_the_fault():
    primer = _prose("00_the_primer")
    assert "the whole fault starts again" not in primer
    assert "{{src:do_page_mkwrite#sets-fault-flags@v6.1.4}}" in primer and "FAULT_FLAG_ALLOW_RETRY" in primer
    assert "v6.1.4" in _recorded("do_page_mkwrite#sets-fault-flags")
    codes = _term("vm_fault-codes").definition
    assert "(for `do_page_mkwrite()`: retry the fault)" not in codes and "FAULT_FLAG_ALLOW_RETRY" in codes


def test_both_paths_call_do_page_mkwrite_only_with_a_page_mkwrite():
    primer = _prose("00_the_primer")
    assert "both of which call `do_page_mkwrite()`:" not in primer
    assert "or the file is written back at all" not in primer
    assert "only when the file has a `->page_mkwrite`" in primer and "mapping_can_writeback()" in primer


# The swap cache: per-device spaces up to v6.17 (read in v6.17.8), one global swap_space from v6.18 (v6.18.15).
def test_swap_cache_entry_dates_the_global_swap_space():
    text = _term("swap-cache").definition
    assert "v6.17.8" in text and "v6.18.15" in text and "`swap_space`" in text and "`swapper_spaces`" in text
    assert "v6.17.8" in _recorded("swapper_spaces") and "v6.18.15" in _recorded("swap_space")
    assert "v6.17.8" not in _recorded("swap_space")


def test_pfn_map_entry_agrees_with_the_survey_of_vmw_bo_vm_mkwrite():
    text = _term("pfn-map").definition
    assert "vmw_bo_vm_mkwrite()" in text and "pfn-map" in text
    assert find_handler("vmw_bo_vm_mkwrite", "v7.2.8").convention == "pfn-map"


def test_the_folio_unlock_note_names_the_debug_check_that_fires_first():
    import tomllib as _t

    spans = _t.loads((ROOT / "data" / "kernels.toml").read_text())["feature"]["folio_unlock_unlocked"]["spans"]
    for span in spans:
        assert "CONFIG_DEBUG_VM" in span["text"] and "VM_BUG_ON_" in span["text"], span["from"]
    assert {"v6.1.4", "v6.12.8", "v7.2.8"} <= _recorded("folio_unlock#vm-bug-on-folio")


# Tightened with the v6.17.8 and v6.18.15 trees.
def test_v6_17_facts_are_read_in_v6_17_8():
    note = get_era("email").bare_words[0x1]
    assert "v6.17.8" in note
    assert "v6.17.8" in _recorded("FOLIO_MAPPING_FLAGS") and "v6.17.8" in _recorded("fb_deferred_io_fault")
    assert "v6.17.8" not in _recorded("fb_deferred_io_fault#sets-page-mapping")
    text = _prose("05_how_the_rules_changed")
    assert "{{src:fb_deferred_io_fault@v6.17.8}}" in text and "{{src:swap_space@v6.18.15}}" in text


def test_the_drgn_bridge_shows_only_the_flag_meaning_that_fits_the_page():
    from folioviz.kernel.flags import build_table, fitting_flag_names

    table = build_table("6.17.8+deb13-amd64")
    names = ("PG_uptodate", "PG_reported", "PG_movable_ops", "PG_dirty", "PG_savepinned", "PG_lru")
    plain = fitting_flag_names(names, table, page_type="", movable_ops=False)
    assert plain == ("PG_uptodate", "PG_dirty", "PG_lru")
    offline = fitting_flag_names(("PG_uptodate", "PG_reported", "PG_movable_ops"), table, "offline", True)
    assert offline == ("PG_movable_ops",)
    free = fitting_flag_names(("PG_uptodate", "PG_reported"), table, page_type="buddy", movable_ops=False)
    assert free == ("PG_reported",)


# ------------------------------------------------------------------ issue 19: one place for each shared fact

#: Facts more than one notebook links: each has one anchor, and no notebook links the same fact elsewhere.
SHARED_ANCHORS = {
    "truncation's first pass only tries the lock": ("find_lock_entries", "{{src:find_lock_entries#trylock@v6.1.4}}"),
    "truncation's second pass waits for the lock": (
        "truncate_inode_pages_range",
        "{{src:truncate_inode_pages_range#second-pass-folio-lock@v6.1.4}}",
    ),
    "fb_defio's handler in v6.1.4": (
        "fb_deferred_io_(?:mkwrite|track_page)",
        "{{survey:fb_deferred_io_mkwrite@v6.1.4}}",
    ),
    "fb_defio's handler in v7.2.8": (
        "fb_deferred_io_(?:mkwrite|track_page)",
        "{{survey:fb_deferred_io_mkwrite@v7.2.8}}",
    ),
}


@pytest.mark.parametrize("fact", SHARED_ANCHORS)
def test_each_shared_fact_has_one_anchor_in_every_notebook(fact):
    ident, anchor = SHARED_ANCHORS[fact]
    release = anchor.rpartition("@")[2].rstrip("}")
    pattern = re.compile(rf"\{{\{{(?:src|survey):{ident}(?:#[\w-]+)?@{re.escape(release)}\}}\}}")
    users = 0
    for path in sorted(SRC.glob("*.py")):
        found = set(pattern.findall(path.read_text()))
        assert found <= {anchor}, f"{path.name} links {fact!r} as {found - {anchor}}, the anchor is {anchor}"
        users += bool(found)
    assert users >= 2, f"{fact!r} is linked from fewer than two notebooks"


# The steppers' caller and the prose that names it come from one place: the model's default caller.
def test_the_stepper_caller_the_prose_names_is_the_models():
    from folioviz.kernel.mkwrite import MkwriteInputs
    from folioviz.widgets import MkwriteWidget

    caller = MkwriteInputs().caller
    assert f"**This notebook's steppers follow `{caller}()`**" in _prose("03_do_page_mkwrite")
    assert f"caller <code>{caller}</code>" in MkwriteWidget(handler="old-school", folio="truncated")._snapshot_html()
    assert "notebook 06's races follow `do_shared_fault()`" in _prose("03_do_page_mkwrite")
    assert "The model follows `do_shared_fault()`" in _prose("06_races")


def test_the_side_by_side_titles_spell_the_test_of_the_kernel_shown():
    from folioviz.render.mkwrite import side_title

    assert "!page-&gt;mapping" in side_title("6.4", "folio->mapping")
    assert "!folio-&gt;mapping" in side_title("6.12", "folio->mapping")
    assert "as merged" not in side_title("6.4", "folio->mapping")


def test_the_two_spans_of_the_hazard_are_set_out_in_one_checklist():
    text = _prose("03_do_page_mkwrite")
    assert "* [ ] **v6.0 – v6.16: where `folio_mapping()` says NULL" in text
    assert "* [ ] **v6.6 – v6.16: where that check could have sat in `do_page_mkwrite()`.**" in text


def test_the_keyboard_hint_says_the_bit_field_is_one_tab_stop():
    text = _prose("01_the_mapping_word")
    assert "moves between bits and controls" not in text and "one <kbd>Tab</kbd> stop" in text
    js = (ROOT / "folioviz" / "widgets" / "static" / "bitfield.js").read_text()
    assert "ArrowLeft" in js and "Home" in js and "End" in js
