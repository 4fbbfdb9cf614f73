"""folioviz against real kernels, booted: each pinned Debian build runs the lab's scenarios under QEMU, and
folioviz's readings of its memory are held against what the kernel itself says.

`make test` runs these (marker ``real_kernel``) on every kernel of data/kernel_images.toml; the first run
downloads the images (about 700 MB, cached in ~/.cache/folioviz/kernels). ``FOLIOVIZ_REAL_KERNELS=6.1,6.17``
narrows the matrix; ``=0`` skips them (say why when you do). The recorded observations that the other tests
and notebook 07 read are made by `make real-kernels`, not here: these tests record into the cache and
compare with the kernel afresh.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from folioviz.kernel.errors import FolioVizError
from folioviz.kernel.versions import get_era, get_kernel

drgn = pytest.importorskip("drgn")

from lab import kernels, observe, vm  # noqa: E402

pytestmark = pytest.mark.real_kernel

SCENARIOS = {
    "file", "truncated", "anon", "ksm", "thp", "shmem-thp", "swapcache", "shmem-swapped", "slab", "zsmalloc",
}  # fmt: skip


def _matrix() -> list[kernels.Image]:
    wanted = os.environ.get("FOLIOVIZ_REAL_KERNELS", "")
    if wanted == "0":
        return []
    images = list(kernels.images())
    if wanted:
        return [kernels.find_image(name.strip()) for name in wanted.split(",")]
    return images


IMAGES = _matrix()


class Booted:
    """One boot of one kernel: its guest report, a drgn Program on its dump, and the record."""

    def __init__(self, image: kernels.Image, workdir: Path) -> None:
        self.image = image
        self.run = vm.boot_and_dump(image, workdir)
        assert self.run.vmcore is not None
        self.report = observe.parse_serial(self.run.serial.read_text(errors="replace"))
        self.prog = observe.open_dump(self.run.vmcore, image, self.report.ksyms)
        self.layout = observe.layout(self.prog)
        self.record: dict[str, Any] = observe.record(image, self.run.vmcore, self.run.serial)

    def pages(self, scenario: str) -> list[dict[str, Any]]:
        return [s for s in self.record["scenarios"] if s["scenario"] == scenario]

    def page_object(self, pfn: int) -> Any:
        return drgn.Object(self.prog, "struct page *", self.layout.vmemmap + pfn * self.layout.size)

    def committed(self) -> dict[str, Any]:
        path = observe.DATA / f"{self.image.release}.json"
        return json.loads(path.read_text())


@pytest.fixture(scope="module", params=IMAGES, ids=[i.short for i in IMAGES])
def booted(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Booted]:
    image: kernels.Image = request.param
    workdir = tmp_path_factory.mktemp(image.release.replace("+", "_"))
    boot = Booted(image, workdir)
    yield boot
    if boot.run.vmcore is not None:
        boot.run.vmcore.unlink(missing_ok=True)  # 512 MiB each


def test_the_matrix_spans_every_era_and_both_sides_of_each_boundary() -> None:
    shorts = [i.short for i in kernels.images()]
    eras = {get_era(s).id for s in shorts}
    assert {"pre-v6.0", "v6.0-v6.16", "v6.17+"} <= eras
    assert {"5.10", "6.1", "6.12", "6.16", "6.17"} <= set(shorts)


def test_every_scenario_left_its_page(booted: Booted) -> None:
    assert booted.report.uname == booted.image.release
    notes = [n for n in booted.report.notes if not n.startswith("dump_page ")]
    assert notes == [], "a scenario could not run: " + "; ".join(notes)
    assert {s["scenario"] for s in booted.record["scenarios"]} == SCENARIOS


def test_folioviz_reads_every_classified_page_as_the_kernel_does(booted: Booted) -> None:
    """Every page /proc/kpageflags classifies (slab, anon, KSM, swap cache, page cache) gets the same
    answer from folioviz.drgn, except the plain anonymous pages that a build with the kpageflags KSM bug
    (B7) calls KSM: there the kernel is wrong, and folioviz says anon."""
    whole = booted.record["whole_memory"]
    assert whole["compared"] > 1000
    assert whole["first_disagreements"] == []
    assert whole["agree"] + whole["kpf_ksm_on_plain_anon"] == whole["compared"]
    try:
        kernel = get_kernel(booted.image.short)
    except FolioVizError:  # newer than any tree folioviz read: the last span holds from there on
        kernel = get_kernel("latest")
    expected = kernel.feature("kpageflags_ksm_on_anon")
    if expected == "yes":
        assert whole["kpf_ksm_on_plain_anon"] > 0
    elif expected == "no":
        assert whole["kpf_ksm_on_plain_anon"] == 0


def test_the_recorded_observations_still_hold(booted: Booted) -> None:
    """data/real_kernels/ (what notebook 07 shows) says what this kernel shows today: the same scenarios,
    the same kernel classification and flag names per page (the PFNs differ from boot to boot)."""
    committed = booted.committed()

    def facts(record: dict[str, Any]) -> set[tuple[str, str, tuple[str, ...], str]]:
        keep = {"MMAP", "ANON", "KSM", "SLAB", "SWAPCACHE", "SWAPBACKED", "COMPOUND_HEAD", "COMPOUND_TAIL", "THP"}
        return {
            (s["scenario"], s["role"], tuple(n for n in s["page"].get("kpageflags", ()) if n in keep),
             s["page"].get("page_type", ""))
            for s in record["scenarios"]
        }  # fmt: skip

    assert facts(booted.record) == facts(committed)
    assert committed["kernel"]["packages"] == booted.record["kernel"]["packages"]
    assert committed["pageflag_names"] == booted.record["pageflag_names"]


@pytest.mark.parametrize("scenario, kind", [("thp", "anon"), ("shmem-thp", "file")])
def test_a_tail_page_is_read_through_its_head(booted: Booted, scenario: str, kind: str) -> None:
    import folioviz.drgn as fd

    tail = next(s for s in booted.pages(scenario) if s["role"] == "tail")
    head = next(s for s in booted.pages(scenario) if s["role"] == "head")
    reading = fd.read_folio(booted.page_object(int(tail["page"]["pfn"], 16)))
    assert reading.tail
    assert reading.folio == int(head["page"]["address"], 16)
    assert reading.order == 9  # a PMD-sized folio: 512 pages of 4 KiB
    assert fd.decode(booted.page_object(int(tail["page"]["pfn"], 16))).kind.value == kind
    assert "COMPOUND_TAIL" in tail["page"]["kpageflags"] and "COMPOUND_HEAD" in head["page"]["kpageflags"]


def test_the_page_cache_walk_of_a_real_file_follows_the_trace(booted: Booted) -> None:
    """folioviz.drgn.pagecache() on the ramfs file finds, at each index, the folio that ftrace saw the
    kernel add there."""
    import folioviz.drgn as fd

    page = booted.pages("file")[0]["page"]
    mapping = int(page["words"][3], 16)
    entries = fd.pagecache(drgn.Object(booted.prog, "struct address_space *", mapping), booted.prog)
    first = next(e for e in booted.record["trace"] if e["pfn"] == page["pfn"])
    added = {
        e["offset"] // 4096: int(e["pfn"], 16)
        for e in booted.record["trace"]
        if e["event"] == "add_to_page_cache" and e["ino"] == first["ino"]
    }
    assert len(entries) == 4 and sorted(added) == [0, 1, 2, 3]
    for entry in entries:
        assert entry.kind == "folio"
        assert (entry.entry - booted.layout.vmemmap) // booted.layout.size == added[entry.index]


def test_a_partly_swapped_tmpfs_file_keeps_value_entries(booted: Booted) -> None:
    import folioviz.drgn as fd

    page = booted.pages("shmem-swapped")[0]["page"]
    mapping = int(page["words"][3], 16)
    entries = {e.index: e for e in fd.pagecache(drgn.Object(booted.prog, "struct address_space *", mapping))}
    assert entries[0].kind == "folio"
    assert {entries[i].kind for i in (1, 2, 3)} == {"value"}


def test_the_truncated_folio_is_out_of_the_page_cache_but_still_referenced(booted: Booted) -> None:
    import folioviz.drgn as fd

    page = booted.pages("truncated")[0]["page"]
    events = [e["event"] for e in booted.record["trace"] if e["pfn"] == page["pfn"]]
    assert events[-2:] == ["add_to_page_cache", "delete_from_page_cache"]
    reading = fd.read_folio(booted.page_object(int(page["pfn"], 16)))
    assert reading.word == 0 and reading.refcount >= 1
    assert fd.decode(booted.page_object(int(page["pfn"], 16))).kind.value == "NULL"


def test_zsmalloc_pages_are_movable_as_each_era_marks_them(booted: Booted) -> None:
    """Before v6.17 a zsmalloc page's mapping word carries the movable tag 0b10; from v6.17 the word is
    NULL and PG_movable_ops (an alias of PG_uptodate) with the zsmalloc page type says it instead."""
    import folioviz.drgn as fd

    entry = booted.pages("zsmalloc")[0]
    result = fd.decode(booted.page_object(int(entry["page"]["pfn"], 16)))
    if result.era.movable_ops_flag:
        assert entry["role"] == "page-type-zsmalloc"
        assert result.word == 0 and result.folio.movable_ops
    else:
        assert entry["role"] in ("mapping-is-zsmalloc_mops", "mapping-a_ops-is-zsmalloc_aops")
        assert result.word & 3 == 2 and result.kind.value == "movable"


def test_the_kernels_own_dump_page_report_reads_as_its_memory_says(booted: Booted) -> None:
    """A memory block that cannot go offline makes the kernel dump_page() its first unmovable page. The
    paste decoder reads that report (with the build's release) and its raw: words are the struct page's
    words as drgn reads them from the dump; its flag names are the kernel's own."""
    from folioviz.kernel import decode

    reports = booted.record["dump_page_reports"]
    # Whether a block refuses depends on what the kernel placed in it on this boot: when none did, the
    # guest says so (and there is no report to read).
    assert reports or any(n.startswith("dump_page ") for n in booted.report.notes)
    for report in reports:
        result = decode(report, booted.image.release)
        paste = result.folio.paste
        assert paste is not None and paste.source == "dump_page"
        pfn = int(report.split("pfn:")[1].split()[0], 16)
        words = observe._page_words(booted.prog, booted.layout.vmemmap + pfn * booted.layout.size, 64)
        raw = [int(w, 16) for line in report.splitlines() if "raw:" in line for w in line.split("raw:")[1].split()]
        assert raw[0] == words[0] and raw[3] == words[3] == result.word
        printed = report.split("flags: ")[1].split("(")[1].split(")")[0].split("|")
        assert set(paste.flag_names) == {n for n in printed if "=" not in n}
        assert set(paste.flag_names) == set(
            observe.pgp(words[0], observe.kernel_flag_table(booted.prog), booted.layout.nr_pageflags)
        )
