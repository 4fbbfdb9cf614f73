"""One observed page, said twice: what the booted kernel said about it (:func:`kernel_says`: its words,
``/proc/kpageflags``, ``dump_page()``) and what folioviz says from the same words (:func:`folioviz_says`),
and the two compared (:func:`compare`)."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import FolioVizError
from ..mapping import MappingDecode, decode, make_folio
from ..paste import flag_table
from ..versions import Era, report_feature
from .recordfiles import KernelRecord, Observation, ObservedPage

__all__ = [
    "Comparison",
    "FoliovizSays",
    "KernelSays",
    "compare",
    "comparisons",
    "decode_kind",
    "dump_page_text",
    "folioviz_says",
    "head_page",
    "kernel_says",
]


# --------------------------------------------------------------------------- what the kernel says


@dataclass(frozen=True)
class KernelSays:
    """The kernel's own class of a page, named with folioviz's kinds (``MappingKind`` values).

    :param kind: ``file``, ``anon``, ``KSM``, ``slab``, ``NULL`` or ``movable``; ``""`` when the kernel's
        answers do not classify the page
    :param swapcache: ``KPF_SWAPCACHE``
    :param evidence: what the kernel showed, in words
    """

    kind: str
    swapcache: bool
    evidence: str


_ZSMALLOC_EVIDENCE = {
    "mapping-is-zsmalloc_mops": "its mapping word is the address of the kernel's zsmalloc_mops (kallsyms) "
    "with bit 1 set",
    "mapping-a_ops-is-zsmalloc_aops": "its mapping word, bit 1 cleared, points at an address_space whose a_ops "
    "is the kernel's zsmalloc_aops (kallsyms)",
    "page-type-zsmalloc": "its page type is PGTY_zsmalloc (the kernel's enum pagetype)",
}


def _kpf_class(kpf: frozenset[str]) -> str:
    if "SLAB" in kpf:
        return "slab"
    if "ANON" in kpf:
        return "KSM" if "KSM" in kpf else "anon"
    if "SWAPCACHE" in kpf:
        return "NULL"  # in the swap cache and not anonymous: read ahead, never mapped
    if kpf & {"LRU", "MMAP"}:
        return "file"
    return ""


def kernel_says(obs: Observation, rec: KernelRecord) -> KernelSays:
    """The kernel's class of an observed page, from the kernel's own answers only (see the module doc).

    Order: the slab (``KPF_SLAB`` or the slab page type), zsmalloc's pages (the kernel's own symbol or page
    type: kpageflags has no class for them), a page the trace saw deleted from the page cache (``NULL``), then
    ``stable_page_flags()``'s classes (``KPF_ANON`` with or without ``KPF_KSM``, ``KPF_SWAPCACHE``, and an LRU
    or mapped page that is not anonymous: ``file``). A tail page is classified with its folio: from v6.12
    ``stable_page_flags()`` reports the folio's flags on every page of it; before, ``KPF_ANON`` and
    ``KPF_MMAP`` already come from the head.
    """
    page = obs.page
    kpf = frozenset(page.kpageflags)
    swapcache = "SWAPCACHE" in kpf
    if "SLAB" in kpf or page.page_type == "slab":
        what = "KPF_SLAB" if "SLAB" in kpf else ""
        what += (" and " if what else "") + ("the slab page type" if page.page_type == "slab" else "")
        return KernelSays("slab", False, f"kpageflags: {what}" if "SLAB" in kpf else what)
    if obs.scenario == "zsmalloc":
        return KernelSays("movable", False, _ZSMALLOC_EVIDENCE.get(obs.role, obs.role))
    if page.pfn in rec.removed_pfns():
        return KernelSays(
            "NULL",
            swapcache,
            f"the filemap trace shows pfn {page.pfn:#x} deleted from the page cache (and not added back)",
        )
    kind = _kpf_class(kpf)
    shown = "|".join(n for n in page.kpageflags if n in ("ANON", "KSM", "SWAPCACHE", "LRU", "MMAP", "SLAB"))
    return KernelSays(kind, swapcache, f"kpageflags: {shown or 'no class'}")


# --------------------------------------------------------------------------- what folioviz says


@dataclass(frozen=True)
class FoliovizSays:
    """folioviz's decode of an observed page (of its head, for a tail page).

    :param kind: the paste route's kind (``MappingKind`` value)
    :param table_kind: the kind when slab, swap cache and movable_ops come from the bare flags word read
        with folioviz's own bit numbers
    :param names: the flag names the paste route read (the kernel's ``%pGp`` names, as a report prints them)
    :param table_names: the bare flags word named with folioviz's own table for the build (``data/page_flags/``)
    :param via_head: a tail page, decoded through its head
    """

    kind: str
    swapcache: bool
    slab: bool
    movable_ops: bool
    names: tuple[str, ...]
    table_names: tuple[str, ...]
    table_kind: str
    via_head: bool
    decode: MappingDecode

    @property
    def word(self) -> int:
        return self.decode.word


def head_page(obs: Observation, rec: KernelRecord) -> ObservedPage | None:
    """The head of a tail page: as the lab recorded it, else found among the record's pages.

    A tail page's compound word holds its head's address with bit 0 set; on kernels where it may hold a
    mask instead (``compound_info``, ``data/report_facts.toml``: ``compound_info_mask``), the head's
    address is the tail's own address under that mask."""
    page = obs.page
    if not page.is_tail:
        return None
    if obs.head is not None:
        return obs.head
    word = page.compound_word - 1
    mask = report_feature("compound_info_mask", rec.kernel.version)
    address = page.address & word if mask and mask[0] and word >> 63 else word
    pfn = page.pfn - (page.address - address) // rec.kernel.struct_page_size
    for other in rec.observations:
        if other.page.pfn == pfn:
            return other.page
    return None


def _hex(word: int) -> str:
    return f"{word:016x}"


def dump_page_text(page: ObservedPage, rec: KernelRecord, head: ObservedPage | None = None) -> str:
    """The ``dump_page()`` report a kernel would print for ``page``, assembled from the record.

    The lines are the report's (``mm/debug.c``: ``page: refcount:… mapcount:… mapping:… index:… pfn:…``, the
    folio's ``flags: 0x…(names)`` with the kernel's own ``%pGp`` names, ``page_type:`` where the kernel names
    a page type, and the hex dump of ``struct page``: ``raw:`` lines, then ``head:`` lines for a tail page's
    folio). The ``mapping:`` pointer is printed hashed, as Debian's kernels print it, so only the hex dump
    carries the word; the ``Not tainted <release>`` line names the build.
    """
    folio = head or page
    mapcount = folio.mapcount_word - (1 << 32) if folio.mapcount_word >> 31 else folio.mapcount_word
    lines = [
        f"CPU: 0 PID: 1 Comm: scenarios Not tainted {rec.release} #1",
        f"page: refcount:{folio.refcount} mapcount:{0 if folio.page_type else mapcount + 1} "
        f"mapping:00000000{folio.mapping & 0xFFFFFFFF ^ 0x5A5A5A5A:08x} index:0x0 pfn:{page.pfn:#x}",
        f"flags: {folio.flags:#x}({'|'.join(folio.pgp)})",
    ]
    if folio.page_type:
        lines.append(f"page_type: {folio.mapcount_word >> 24:x}({folio.page_type})")
    lines += [f"raw: {' '.join(_hex(w) for w in page.words[i : i + 4])}" for i in (0, 4)]
    if head is not None:
        lines += [f"head: {' '.join(_hex(w) for w in head.words[i : i + 4])}" for i in (0, 4)]
    return "\n".join(lines) + "\n"


def _table_folio_inputs(page: ObservedPage, rec: KernelRecord) -> tuple[tuple[str, ...], bool, bool, bool]:
    """The bare flags word named with folioviz's table for this build (``data/page_flags/<release>.toml``),
    and slab / swap cache / movable_ops read from it."""
    era = rec.era
    table = flag_table(rec.release)
    names = table.names(page.flags)
    page_type = table.page_type_name(page.mapcount_word) if table.page_types else ""
    slab = "slab" in names or page_type == "slab"
    swapcache = "owner_priv_1" in names and "swapbacked" in names and not slab
    movable_ops = bool(
        era.movable_ops_flag and table.movable_ops_alias in names and page_type in table.movable_ops_types
    )
    return names, slab, swapcache, movable_ops


def folioviz_says(obs: Observation, rec: KernelRecord) -> FoliovizSays:
    """folioviz's reading of an observed page (see :class:`FoliovizSays`): the paste route's decode of the
    assembled ``dump_page()`` report (:func:`dump_page_text`), and the table route's names and kind."""
    era = rec.era
    head = head_page(obs, rec)
    folio_page = head or obs.page
    result = decode(dump_page_text(obs.page, rec, head), era)
    paste = result.folio.paste
    assert paste is not None
    names, slab, swapcache, movable_ops = _table_folio_inputs(folio_page, rec)
    try:
        table_kind = decode_kind(folio_page.mapping, era, slab=slab, swapcache=swapcache, movable_ops=movable_ops)
    except FolioVizError as error:
        table_kind = f"refused: {error}"
    return FoliovizSays(
        kind=result.kind.value,
        swapcache=result.folio.swapcache,
        slab=result.folio.slab,
        movable_ops=result.folio.movable_ops,
        names=paste.flag_names,
        table_names=names,
        table_kind=table_kind,
        via_head=head is not None,
        decode=result,
    )


def decode_kind(word: int, era: Era, *, slab: bool, swapcache: bool, movable_ops: bool) -> str:
    """The kind folioviz gives ``word`` with the folio's flags (``MappingKind`` value)."""
    from ..mapping import decode_folio

    folio = make_folio(word, era, slab=slab, swapcache=swapcache, movable_ops=movable_ops)
    return decode_folio(folio, era).kind.value


# --------------------------------------------------------------------------- the comparison


@dataclass(frozen=True)
class Comparison:
    """One observed page: what the kernel says, what folioviz says, and whether they agree.

    ``b7`` marks the one disagreement the workbook predicts: kpageflags calls a plain anonymous page KSM on a
    build with the bug (rule B7), while folioviz, comparing the masked tag, says anon."""

    observation: Observation
    kernel: KernelSays
    folioviz: FoliovizSays
    agree: bool
    b7: bool
    why: str


def compare(obs: Observation, rec: KernelRecord) -> Comparison:
    """Hold folioviz's reading of one observed page against the kernel's."""
    kernel = kernel_says(obs, rec)
    ours = folioviz_says(obs, rec)
    same = kernel.kind == ours.kind and (kernel.kind == "slab" or kernel.swapcache == ours.swapcache)
    b7 = kernel.kind == "KSM" and ours.kind == "anon" and rec.ksm_bug_seen()
    if same:
        why = "agree"
    elif b7:
        why = "B7: kpageflags sets KPF_KSM on a plain anonymous page on this build; the word's tag is 0b01"
    else:
        why = (
            f"kernel: {kernel.kind} (swap cache {kernel.swapcache}); "
            f"folioviz: {ours.kind} (swap cache {ours.swapcache})"
        )
    return Comparison(obs, kernel, ours, same, b7, why)


def comparisons(rec: KernelRecord) -> tuple[Comparison, ...]:
    """:func:`compare` for every observation of a record, in the record's order."""
    return tuple(compare(obs, rec) for obs in rec.observations)
