"""folioviz held against real kernels: the kernel lab's records (data/real_kernels/), no QEMU needed.

Each record is what a Debian kernel booted under QEMU showed about its own pages (``make real-kernels``
regenerates them). For every recorded kernel and scenario, folioviz's decode must agree with the kernel's own
class; where it does not, that is a finding about folioviz (fixed in the model, or marked xfail with the exact
reason when it is the flag table another branch replaces with per-build tables from BTF).
"""

from __future__ import annotations

import dataclasses
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from folioviz.kernel.observed import (
    KernelRecord,
    ObservedPage,
    check_memory,
    compare,
    comparisons,
    dump_page_text,
    folioviz_says,
    head_page,
    kernel_says,
    record,
    records,
    rules_seen,
)
from folioviz.kernel.paste import parse_paste

RECORDS = records()
IDS = [r.kernel.version for r in RECORDS]
PAIRS = [(r, o) for r in RECORDS for o in r.observations]
PAIR_IDS = [f"{r.kernel.version}-{o.name}" for r, o in PAIRS]

#: Every scenario of the lab's guest (lab/guest/scenarios.c) and the pages the lab finds by kpageflags.
SCENARIOS = ("file", "truncated", "anon", "ksm", "thp", "shmem-thp", "swapcache", "slab", "zsmalloc")

#: The builds on which /proc/kpageflags sets KPF_KSM on plain anonymous pages (B7), as the records show.
B7_BUILDS = {"6.12.117", "6.16.12", "6.17.8"}


# --------------------------------------------------------------------------- the matrix


def test_the_matrix_covers_every_era_and_both_sides_of_the_movable_change():
    assert len(RECORDS) >= 6
    assert {r.era.id for r in RECORDS} == {"pre-v6.0", "v6.0-v6.16", "v6.17+"}
    versions = [r.kernel.version for r in RECORDS]
    assert any(v.startswith("6.16.") for v in versions) and any(v.startswith("6.17.") for v in versions)
    for rec in RECORDS:
        assert rec.kernel.packages and all(len(p.sha256) == 64 for p in rec.kernel.packages), rec.release
        assert rec.kernel.struct_page_size == 64 and rec.pageflag_names


@pytest.mark.parametrize("rec", RECORDS, ids=IDS)
def test_every_scenario_is_recorded_or_a_note_says_why(rec: KernelRecord):
    missing = [s for s in SCENARIOS if s not in rec.scenarios()]
    unexplained = [s for s in missing if not any(s in note for note in rec.notes)]
    assert not unexplained, f"{rec.release}: no page and no note for {unexplained}"


def test_records_are_found_by_release_version_or_its_first_numbers():
    rec = RECORDS[-1]
    assert record(rec.release) is rec and record(rec.kernel.version) is rec
    assert record("v" + rec.kernel.version) is rec
    assert record("6.17").kernel.version.startswith("6.17.")
    with pytest.raises(Exception, match="recorded:"):
        record("2.6.11")


# --------------------------------------------------------------------------- scenario by scenario


@pytest.mark.parametrize(("rec", "obs"), PAIRS, ids=PAIR_IDS)
def test_folioviz_agrees_with_the_kernel(rec, obs):
    result = compare(obs, rec)
    assert result.kernel.kind, f"the kernel's answers do not classify {obs.name}"
    assert result.agree or result.b7, result.why
    if result.b7:
        assert rec.kernel.version in B7_BUILDS and result.folioviz.kind == "anon"


@pytest.mark.parametrize(("rec", "obs"), PAIRS, ids=PAIR_IDS)
def test_the_flag_names_folioviz_reads_are_the_kernels_own(rec, obs):
    """The paste route: the names a dump_page() report would print (the kernel's %pGp table) come through."""
    ours = folioviz_says(obs, rec)
    folio = head_page(obs, rec) or obs.page
    assert set(ours.names) == set(folio.pgp)


# The table route: folioviz's own bit numbers for the build (data/page_flags/<release>.toml, read from its BTF)
# on the bare flags word. Before those tables, one hand table per era got 6.12.117, 6.16.12, 6.17.8 and 7.3.4
# wrong; a build whose table disagrees with its kernel again goes here, with the reason.
_TABLE_WRONG: dict[str, str] = {}
_TABLE_KIND_WRONG: dict[str, str] = {}


def _table_param(rec: KernelRecord, wrong: dict[str, str]):
    reason = wrong.get(rec.kernel.version)
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
    return pytest.param(rec, id=rec.kernel.version, marks=marks)


@pytest.mark.parametrize("rec", [_table_param(r, _TABLE_WRONG) for r in RECORDS])
def test_folioviz_s_own_flag_table_names_the_bare_flags_word_as_the_kernel_does(rec: KernelRecord):
    for obs in rec.observations:
        folio = head_page(obs, rec) or obs.page
        assert set(folioviz_says(obs, rec).table_names) == set(folio.pgp), obs.name


@pytest.mark.parametrize("rec", [_table_param(r, _TABLE_KIND_WRONG) for r in RECORDS])
def test_folioviz_s_own_flag_table_gives_the_kernel_s_kind(rec: KernelRecord):
    for result in comparisons(rec):
        if not result.b7:
            assert result.folioviz.table_kind == result.kernel.kind, result.observation.name


# --------------------------------------------------------------------------- the email's cases


@pytest.mark.parametrize("rec", RECORDS, ids=IDS)
def test_a_tail_page_is_decoded_through_its_head(rec: KernelRecord):
    tails = [o for o in rec.observations if o.role == "tail"]
    assert {o.scenario for o in tails} == {"thp", "shmem-thp"}
    for obs in tails:
        head = head_page(obs, rec)
        assert head is not None and not head.is_tail and head.pfn < obs.page.pfn, obs.name
        assert head.pfn == rec.observation(obs.scenario, "head").page.pfn
        ours = folioviz_says(obs, rec)
        assert ours.via_head and ours.word == head.mapping != obs.page.mapping
        assert "COMPOUND_TAIL" in obs.page.kpageflags and "COMPOUND_HEAD" in head.kpageflags


def test_the_head_of_a_v7_tail_page_is_found_through_the_mask():
    """On 7.3.4 the tail's compound word is a mask, not the head's address (the records show it). The lab
    recorded the head drgn's compound_head() found; folioviz, given the tail alone, finds the same page."""
    rec = RECORDS[-1]
    tail = rec.observation("thp", "tail")
    assert tail.page.compound_word >> 48 == 0xFFFF
    assert tail.head is not None and tail.head == rec.observation("thp", "head").page
    assert head_page(dataclasses.replace(tail, head=None), rec) == tail.head


@pytest.mark.parametrize("rec", RECORDS, ids=IDS)
def test_the_swap_cache_pages(rec: KernelRecord):
    found = rec.observation("swapcache", "found-by-kpageflags")
    ours = folioviz_says(found, rec)
    assert "SWAPCACHE" in found.page.kpageflags and found.page.mapping == 0
    assert ours.swapcache and ours.kind == "NULL"
    assert ours.decode.helper("folio_mapping").text.startswith("swap_address_space")
    mapped = rec.observation("swapcache", "swapcache-mapped")
    assert folioviz_says(mapped, rec).swapcache == ("SWAPCACHE" in mapped.page.kpageflags)


@pytest.mark.parametrize("rec", RECORDS, ids=IDS)
def test_the_slab_page(rec: KernelRecord):
    slab = rec.observation("slab")
    ours = folioviz_says(slab, rec)
    assert ours.slab and ours.kind == "slab"
    if rec.era.flags_prefix == "FOLIO_MAPPING" or slab.page.page_type:
        # a page type from v6.10 (the records: 6.12 on), named by the kernel, no PG_slab flag
        assert slab.page.page_type == "slab" and "slab" not in slab.page.pgp
        assert slab.page.mapcount_word >> 24 == 0xF5
    else:
        assert "slab" in slab.page.pgp


@pytest.mark.parametrize("rec", RECORDS, ids=IDS)
def test_zsmalloc_is_tagged_movable_before_v6_17_and_flagged_movable_ops_after(rec: KernelRecord):
    obs = rec.observation("zsmalloc")
    ours = folioviz_says(obs, rec)
    assert ours.kind == "movable" and ours.decode.helper("folio_test_movable").value is True
    if rec.era.movable_ops_flag:
        assert obs.page.mapping == 0 and obs.page.page_type == "zsmalloc" and "uptodate" in obs.page.pgp
        assert ours.movable_ops
    else:
        assert obs.page.mapping & 3 == 0b10 and not ours.movable_ops
        assert ours.decode.helper("folio_mapping").text == (
            "NULL" if rec.era.folio_mapping_nulls_all_tags else (f"{obs.page.mapping - 2:#018x}")
        )


@pytest.mark.parametrize("rec", RECORDS, ids=IDS)
def test_a_truncated_page_is_null_still_referenced_and_traced(rec: KernelRecord):
    page = rec.observation("truncated").page
    assert page.mapping == 0 and page.refcount >= 1
    events = [e.event for e in rec.trace if e.pfn == page.pfn]
    assert events == ["add_to_page_cache", "delete_from_page_cache"]
    ours = folioviz_says(rec.observation("truncated"), rec)
    assert ours.kind == "NULL" and ours.decode.raw_check_truncated


@pytest.mark.parametrize("rec", RECORDS, ids=IDS)
def test_kpageflags_calls_plain_anon_ksm_exactly_on_the_builds_with_b7(rec: KernelRecord):
    assert rec.ksm_bug_seen() == (rec.kernel.version in B7_BUILDS)
    assert kernel_says(rec.observation("anon"), rec).kind == ("KSM" if rec.ksm_bug_seen() else "anon")
    assert folioviz_says(rec.observation("anon"), rec).kind == "anon"
    assert (rec.whole_memory.kpf_ksm_on_plain_anon > 0) == rec.ksm_bug_seen()


# --------------------------------------------------------------------------- whole memory


@pytest.mark.parametrize("rec", RECORDS, ids=IDS)
def test_whole_memory_agrees_but_for_b7(rec: KernelRecord):
    check = check_memory(rec)
    assert not check.disagreements, check.disagreements[:5]
    assert check.compared == rec.whole_memory.compared > 1000
    assert check.b7 == rec.whole_memory.kpf_ksm_on_plain_anon
    assert check.agree + check.b7 == check.compared
    assert (check.b7 > 0) == (rec.kernel.version in B7_BUILDS)


def test_rules_seen_name_the_builds_from_the_records():
    seen = dict(rules_seen())
    assert set(seen["B7"]) == B7_BUILDS
    assert set(seen["R6"]) == {r.kernel.version for r in RECORDS if not r.era.movable_ops_flag}
    assert set(seen["R8"]) == set(IDS) and set(seen["R2"]) == set(IDS)
    assert seen["R12"] == () and seen["B1"] == ()


# --------------------------------------------------------------------------- the loaders


_hex64 = st.integers(min_value=0, max_value=(1 << 64) - 1)


@given(words=st.lists(_hex64, min_size=8, max_size=8), refcount=st.integers(-(1 << 31), (1 << 31) - 1))
def test_an_observed_page_reads_back_what_the_json_holds(words, refcount):
    row = {
        "pfn": "0x1ff",
        "address": "0xffffea0000007fc0",
        "words": [f"{w:016x}" for w in words],
        "refcount": refcount,
        "mapcount_word": "ffffffff",
        "pgp": ["uptodate"],
    }
    page = ObservedPage.from_json(json.loads(json.dumps(row)))
    assert page.words == tuple(words) and page.mapping == words[3] and page.flags == words[0]
    assert page.is_tail == bool(words[1] & 1) and page.kpageflags == () and page.page_type == ""


@given(mapping=_hex64, flags=st.integers(0, (1 << 25) - 1))
def test_the_assembled_report_carries_the_word_through_the_paste_decoder(mapping, flags):
    rec = RECORDS[1]
    base = rec.observation("file").page
    page = ObservedPage(base.pfn, base.address, (flags, 0, 0, mapping, 0, 0, 0, 0), 1, 0, base.pgp, ())
    paste = parse_paste(dump_page_text(page, rec), rec.era)
    assert paste.word == mapping and paste.flags == flags and set(paste.flag_names) == set(base.pgp)
