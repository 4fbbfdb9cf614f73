"""The whole-memory walk: every page of a recorded boot (``<release>.pages.tsv.xz``), ``/proc/kpageflags``
read bit by bit (:data:`KPF_BITS`), and folioviz checked against each page (:func:`check_memory`)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from .recordfiles import KernelRecord, Observation, ObservedPage, records_dir
from .says import compare, kernel_says

__all__ = ["KPF_BITS", "MemoryRow", "check_memory", "kpf_names", "memory_rows"]


# --------------------------------------------------------------------------- whole memory


@dataclass(frozen=True)
class MemoryRow:
    """One row of ``<release>.pages.tsv.xz``: a page kpageflags classifies, with its words."""

    pfn: int
    kpageflags: int
    flags: int
    compound_word: int
    mapping: int
    mapcount_word: int


#: /proc/kpageflags bit numbers (include/uapi/linux/kernel-page-flags.h), the ones the lab keeps.
KPF_BITS = (
    ("LOCKED", 0), ("ERROR", 1), ("REFERENCED", 2), ("UPTODATE", 3), ("DIRTY", 4), ("LRU", 5), ("ACTIVE", 6),
    ("SLAB", 7), ("WRITEBACK", 8), ("RECLAIM", 9), ("BUDDY", 10), ("MMAP", 11), ("ANON", 12), ("SWAPCACHE", 13),
    ("SWAPBACKED", 14), ("COMPOUND_HEAD", 15), ("COMPOUND_TAIL", 16), ("HUGE", 17), ("UNEVICTABLE", 18),
    ("HWPOISON", 19), ("NOPAGE", 20), ("KSM", 21), ("THP", 22), ("OFFLINE", 23), ("ZERO_PAGE", 24), ("IDLE", 25),
    ("PGTABLE", 26),
)  # fmt: skip


def kpf_names(value: int) -> tuple[str, ...]:
    return tuple(name for name, bit in KPF_BITS if value >> bit & 1)


def memory_rows(rec: KernelRecord) -> Iterator[MemoryRow]:
    """The whole-memory table of a record (read on demand: it is the larger file, xz-compressed).

    ``lzma`` is imported here, not at the top: in the browser build (Pyodide) it is a separate package that
    the notebooks never need, since they show the record's own whole-memory summary."""
    import lzma

    raw = (records_dir() / f"{rec.release}.pages.tsv.xz").read_bytes()
    for line in lzma.decompress(raw).decode().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        pfn, kpf, flags, word1, mapping, mapcount = (int(v, 16) for v in line.split("\t"))
        yield MemoryRow(pfn, kpf, flags, word1, mapping, mapcount)


def row_page(row: MemoryRow, rec: KernelRecord) -> ObservedPage:
    """A table row as an :class:`ObservedPage`: the ``%pGp`` names from the kernel's own table, the page
    type from the names the kernel gave recorded pages (words the table does not keep are 0)."""
    rest = row.flags & ((1 << rec.kernel.nr_pageflags) - 1)
    names = []
    for mask, name in rec.pageflag_names:
        if mask and rest & mask == mask:
            names.append(name)
            rest &= ~mask
    if rest:
        names.append(f"{rest:#x}")
    types = dict(rec.page_type_names())
    return ObservedPage(
        pfn=row.pfn,
        address=0,
        words=(row.flags, row.compound_word, 0, row.mapping, 0, 0, 0, 0),
        refcount=1,
        mapcount_word=row.mapcount_word,
        pgp=tuple(names),
        kpageflags=kpf_names(row.kpageflags),
        page_type=types.get(row.mapcount_word >> 24, ""),
    )


@dataclass(frozen=True)
class MemoryCheck:
    """Whole memory: rows compared, rows that agree, the B7 rows, and the other disagreements (pfn, why)."""

    compared: int
    agree: int
    b7: int
    disagreements: tuple[tuple[int, str], ...]


def check_memory(rec: KernelRecord) -> MemoryCheck:
    """Every head or small page kpageflags classifies, decoded by folioviz's paste route and compared."""
    compared = agree = b7 = 0
    bad = []
    for row in memory_rows(rec):
        page = row_page(row, rec)
        if "COMPOUND_TAIL" in page.kpageflags:
            continue
        obs = Observation("memory", "row", page)
        kernel = kernel_says(obs, rec)
        if not kernel.kind:
            continue
        compared += 1
        result = compare(obs, rec)
        agree += result.agree
        b7 += result.b7
        if not result.agree and not result.b7:
            bad.append((row.pfn, result.why))
    return MemoryCheck(compared, agree, b7, tuple(bad))
