"""What real kernels showed: the kernel lab's records (``data/real_kernels/``), and folioviz held against them.

The lab (``lab/``, ``make real-kernels``) booted Debian's own amd64 kernels under QEMU, ran the guest's
scenarios (``lab/guest/scenarios.c``), dumped the guest's memory and recorded, per build, the kernel's own
answers beside the raw ``struct page`` words. This module reads those records (no QEMU, no drgn, no Jupyter:
it runs from the wheel and in the browser build) and asks two questions of every recorded page:

* :func:`kernel_says`: the kernel's own class of the page. It comes from what the kernel printed or
  exported, never from folioviz: ``/proc/kpageflags`` (``stable_page_flags()`` in ``fs/proc/page.c``),
  the page type the kernel's ``enum pagetype`` names, the kernel's own symbols (zsmalloc's
  ``zsmalloc_mops`` or ``zsmalloc_aops``), and the ``filemap`` trace events.
* :func:`folioviz_says`: folioviz's decode of the recorded words, by two routes. The *paste* route builds
  the text a ``dump_page()`` report of that page would print (``flags: 0x…(names)`` with the names the
  kernel's own ``%pGp`` table gives, a ``page_type:`` line, ``raw:``/``head:`` hex lines) and reads it with
  :func:`folioviz.kernel.parse_paste` and :func:`folioviz.kernel.decode`. The *table* route decodes the
  bare flags word with folioviz's own bit numbers for that build (``data/page_flags/<release>.toml``).
  Both are reported.

The kernel functions mirrored, per recorded version (Elixir):

* ``stable_page_flags()``: the kpageflags classes.
  https://elixir.bootlin.com/linux/v5.10/source/fs/proc/page.c,
  https://elixir.bootlin.com/linux/v6.1/source/fs/proc/page.c,
  https://elixir.bootlin.com/linux/v6.12/source/fs/proc/page.c,
  https://elixir.bootlin.com/linux/v6.16/source/fs/proc/page.c,
  https://elixir.bootlin.com/linux/v6.17/source/fs/proc/page.c,
  https://elixir.bootlin.com/linux/v7.3/source/fs/proc/page.c
* ``format_page_flags()`` (``%pGp``), walking the ``pageflag_names`` table that ``mm/debug.c`` builds:
  https://elixir.bootlin.com/linux/v5.10/source/lib/vsprintf.c and
  https://elixir.bootlin.com/linux/v5.10/source/mm/debug.c,
  https://elixir.bootlin.com/linux/v6.1/source/lib/vsprintf.c,
  https://elixir.bootlin.com/linux/v6.12/source/lib/vsprintf.c,
  https://elixir.bootlin.com/linux/v6.17/source/lib/vsprintf.c and
  https://elixir.bootlin.com/linux/v6.17/source/mm/debug.c,
  https://elixir.bootlin.com/linux/v7.3/source/lib/vsprintf.c
* ``dump_page()`` / ``__dump_folio()``, whose report the paste route imitates:
  https://elixir.bootlin.com/linux/v6.1/source/mm/debug.c, https://elixir.bootlin.com/linux/v6.17/source/mm/debug.c

What is *observed* is the record; what folioviz *says* is computed from it each time, so a change to the
model is checked against real kernels by the ordinary tests (``tests/test_real_kernels.py``).

>>> rec = record("6.17")
>>> rec.kernel.version.startswith("6.17"), rec.era.id
(True, 'v6.17+')
>>> obs = rec.observation("zsmalloc")
>>> kernel_says(obs, rec).kind, folioviz_says(obs, rec).kind
('movable', 'movable')
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from .datafiles import data_root, load_toml
from .errors import FolioVizError
from .mapping import MappingDecode, decode, make_folio
from .paste import flag_table
from .versions import Era, get_era, report_feature

__all__ = [
    "Comparison",
    "FoliovizSays",
    "KernelBuild",
    "KernelRecord",
    "KernelSays",
    "MemoryRow",
    "Observation",
    "ObservedPage",
    "Package",
    "TraceEvent",
    "WholeMemory",
    "check_memory",
    "compare",
    "comparisons",
    "dump_page_text",
    "folioviz_says",
    "head_page",
    "kernel_says",
    "memory_rows",
    "record",
    "record_era",
    "records",
    "rules_seen",
]

#: The folder of ``data/`` (``folioviz/_data`` in the wheel) that holds the records.
RECORDS_DIR = "real_kernels"


# --------------------------------------------------------------------------- the records


@dataclass(frozen=True)
class ObservedPage:
    """One ``struct page`` as the lab recorded it from a dump.

    :param words: the page's eight 64-bit words, as the dump holds them (``flags`` first; the mapping word
        is the fourth, ``words[3]``)
    :param mapcount_word: the 32-bit ``_mapcount`` / ``page_type`` field; from v6.12 a page type sits in
        its top byte (see :attr:`page_type`)
    :param pgp: the flag names the kernel's own ``%pGp`` table gives the flags word
    :param kpageflags: the ``KPF_*`` names ``/proc/kpageflags`` gave the page in the guest
    :param page_type: the name the kernel's ``enum pagetype`` gives the top byte, ``""`` when none
    """

    pfn: int
    address: int
    words: tuple[int, ...]
    refcount: int
    mapcount_word: int
    pgp: tuple[str, ...]
    kpageflags: tuple[str, ...]
    page_type: str = ""

    @property
    def flags(self) -> int:
        """``page->flags``."""
        return self.words[0]

    @property
    def compound_word(self) -> int:
        """The word a tail page marks with bit 0 (``compound_head``, ``compound_info`` later)."""
        return self.words[1]

    @property
    def mapping(self) -> int:
        """``page->mapping``, the word the email is about."""
        return self.words[3]

    @property
    def is_tail(self) -> bool:
        return bool(self.compound_word & 1)

    @classmethod
    def from_json(cls, row: dict[str, Any]) -> ObservedPage:
        return cls(
            pfn=int(row["pfn"], 16),
            address=int(row["address"], 16),
            words=tuple(int(w, 16) for w in row["words"]),
            refcount=int(row["refcount"]),
            mapcount_word=int(row["mapcount_word"], 16),
            pgp=tuple(row["pgp"]),
            kpageflags=tuple(row.get("kpageflags", ())),
            page_type=row.get("page_type", ""),
        )


@dataclass(frozen=True)
class Observation:
    """One scenario's page: ``scenario`` (``file``, ``anon``, ``thp``...), ``role`` (``head``, ``tail``,
    ``found-by-kpageflags``...), the page, and its head page when the lab recorded it."""

    scenario: str
    role: str
    page: ObservedPage
    head: ObservedPage | None = None

    @property
    def name(self) -> str:
        """``scenario/role``: unique within a record."""
        return f"{self.scenario}/{self.role}"


@dataclass(frozen=True)
class TraceEvent:
    """One ``filemap`` trace event (``mm_filemap_add_to_page_cache``, ``mm_filemap_delete_from_page_cache``)."""

    event: str
    dev: str
    ino: str
    pfn: int
    offset: int


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    sha256: str


@dataclass(frozen=True)
class KernelBuild:
    """The build that was booted: ``release`` is its ``uname -r``, ``version`` the upstream version."""

    release: str
    version: str
    suite: str
    packages: tuple[Package, ...]
    config: tuple[tuple[str, str], ...]
    """``(option, value)``: ``"y"``, ``"m"`` or ``""`` when the option is not set."""
    struct_page_size: int
    nr_pageflags: int

    def config_value(self, option: str) -> str:
        for name, value in self.config:
            if name == option:
                return value
        raise KeyError(f"the record keeps no CONFIG_{option}; it keeps {[n for n, _ in self.config]}")


@dataclass(frozen=True)
class WholeMemory:
    """The lab's comparison over every page kpageflags classifies (``first_disagreements`` as text)."""

    compared: int
    agree: int
    kpf_ksm_on_plain_anon: int
    first_disagreements: tuple[str, ...]


@dataclass(frozen=True)
class KernelRecord:
    """Everything recorded from one booted kernel (``data/real_kernels/<release>.json``)."""

    kernel: KernelBuild
    lab: tuple[tuple[str, str], ...]
    pageflag_names: tuple[tuple[int, str], ...]
    """The kernel's own ``{mask, name}`` table behind ``%pGp``, read from its memory, in its order."""
    observations: tuple[Observation, ...]
    notes: tuple[str, ...]
    trace: tuple[TraceEvent, ...]
    whole_memory: WholeMemory

    @property
    def release(self) -> str:
        return self.kernel.release

    @property
    def era(self) -> Era:
        return record_era(self)

    @property
    def elixir(self) -> str:
        """Elixir's tree of this build's upstream version (Debian's patches are not in it)."""
        return f"https://elixir.bootlin.com/linux/v{self.kernel.version}/source"

    def observation(self, scenario: str, role: str | None = None) -> Observation:
        """The first observation of ``scenario`` (with ``role``, when given)."""
        for obs in self.observations:
            if obs.scenario == scenario and (role is None or obs.role == role):
                return obs
        have = sorted({o.name for o in self.observations})
        raise FolioVizError(f"{self.release} has no observation {scenario}/{role or '*'}; it has {have}")

    def scenarios(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(o.scenario for o in self.observations))

    def page_type_names(self) -> tuple[tuple[int, str], ...]:
        """``(top byte, name)`` of the page types the kernel named on recorded pages."""
        seen = {o.page.mapcount_word >> 24: o.page.page_type for o in self.observations if o.page.page_type}
        return tuple(sorted(seen.items()))

    def removed_pfns(self) -> frozenset[int]:
        """Frames whose last page-cache event in the trace is a delete: the kernel took them out of a file."""
        last: dict[int, str] = {}
        for event in self.trace:
            last[event.pfn] = event.event
        return frozenset(pfn for pfn, kind in last.items() if kind.startswith("delete"))

    def ksm_bug_seen(self) -> bool:
        """B7 on this build: kpageflags calls the plain anonymous page of the ``anon`` scenario KSM.

        The scenario never asked KSM to merge that page (``lab/guest/scenarios.c``), so a ``KPF_KSM`` there is
        the kernel's mistake, not folioviz's reading."""
        anon = self.observation("anon")
        return "KSM" in anon.page.kpageflags and "ANON" in anon.page.kpageflags


def record_era(rec: KernelRecord) -> Era:
    """The ``folio->mapping`` era of a record: the one place a record's version meets :mod:`versions`.

    The ``version`` field (an upstream version, not Debian's release string) goes to
    :func:`~folioviz.kernel.versions.get_era`, which reads its major and minor number."""
    return get_era(rec.kernel.version)


def _text_pairs(data: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    return tuple((k, "" if v is None else str(v)) for k, v in data.items())


def _parse(data: dict[str, Any], file_release: str) -> KernelRecord:
    """A record from its JSON. ``file_release`` (the file's name) stands in for an empty ``release``: the lab's
    first records missed the guest's ``uname`` line (their ``kernel.release`` is ``""``)."""
    k = data["kernel"]
    observations = []
    for row in data["scenarios"]:
        head = ObservedPage.from_json(row["head"]) if "head" in row else None
        observations.append(Observation(row["scenario"], row["role"], ObservedPage.from_json(row["page"]), head))
    whole = data["whole_memory"]
    return KernelRecord(
        kernel=KernelBuild(
            release=k["release"] or file_release,
            version=k["version"],
            suite=k["suite"],
            packages=tuple(Package(p["name"], p["version"], p["sha256"]) for p in k["packages"]),
            config=_text_pairs(k["config"]),
            struct_page_size=int(k["struct_page_size"]),
            nr_pageflags=int(k["nr_pageflags"]),
        ),
        lab=_text_pairs(data["lab"]),
        pageflag_names=tuple((int(mask, 16), name) for mask, name in data["pageflag_names"]),
        observations=tuple(observations),
        notes=tuple(data.get("notes", ())),
        trace=tuple(
            TraceEvent(e["event"], e["dev"], e["ino"], int(e["pfn"], 16), int(e["offset"])) for e in data["trace"]
        ),
        whole_memory=WholeMemory(
            compared=int(whole["compared"]),
            agree=int(whole["agree"]),
            kpf_ksm_on_plain_anon=int(whole["kpf_ksm_on_plain_anon"]),
            first_disagreements=tuple(json.dumps(d, sort_keys=True) for d in whole["first_disagreements"]),
        ),
    )


def _records_dir() -> Any:
    return data_root() / RECORDS_DIR


@cache
def records() -> tuple[KernelRecord, ...]:
    """Every recorded kernel, in the order of the lab's matrix (``data/kernel_images.toml``: oldest first);
    a record of a build no longer in the matrix comes last."""
    found = []
    for entry in _records_dir().iterdir():
        if entry.name.endswith(".json"):
            found.append(_parse(json.loads(entry.read_text(encoding="utf-8")), entry.name.removesuffix(".json")))
    matrix = [image["release"] for image in load_toml("kernel_images.toml")["image"]]
    return tuple(
        sorted(found, key=lambda r: (matrix.index(r.release) if r.release in matrix else len(matrix), r.release))
    )


def record(release_or_version: str) -> KernelRecord:
    """The record of one booted kernel: by release (``uname -r``), by version, or by its first numbers
    (the first record whose version starts with them).

    :raises FolioVizError: when no record matches, with the ones there are
    """
    wanted = release_or_version.strip().removeprefix("v")
    for rec in records():
        if wanted in (rec.release, rec.kernel.version) or rec.kernel.version.startswith(wanted + "."):
            return rec
    have = ", ".join(f"{r.kernel.version} ({r.release})" for r in records())
    raise FolioVizError(f"no real-kernel record for {release_or_version!r}; recorded: {have}")


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
    from .mapping import decode_folio

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

    raw = (_records_dir() / f"{rec.release}.pages.tsv.xz").read_bytes()
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


# --------------------------------------------------------------------------- rules seen


#: What a record must show for a rule to count as seen on that build (the scenarios' pages).
_RULE_EVIDENCE = {
    "R1": ("file", "anon", "ksm", "slab", "zsmalloc"),
    "R2": ("slab",),
    "R3": ("anon", "ksm"),
    "R4": ("file",),
    "R5": ("anon",),
    "R6": ("zsmalloc",),
    "R7": ("ksm",),
    "R8": ("truncated",),
    "B2": ("zsmalloc",),
    "B3": ("swapcache",),
}


def _rule_seen(rule: str, rec: KernelRecord) -> bool:
    if rule == "B7":
        return rec.ksm_bug_seen()
    if rule == "R6":
        return not rec.era.movable_ops_flag and _scenarios_agree(rec, ("zsmalloc",))
    if rule == "B2":
        return _scenarios_agree(rec, ("zsmalloc",))
    if rule == "R8":
        return _truncation_seen(rec)
    wanted = _RULE_EVIDENCE.get(rule)
    return bool(wanted) and _scenarios_agree(rec, wanted)  # type: ignore[arg-type]


def _scenarios_agree(rec: KernelRecord, scenarios: tuple[str, ...]) -> bool:
    present = set(rec.scenarios())
    if not set(scenarios) <= present:
        return False
    # a B7 page counts: its word was read right, the kernel's KPF_KSM is the build's bug (seen as B7)
    return all(c.agree or c.b7 for c in comparisons(rec) if c.observation.scenario in scenarios)


def _truncation_seen(rec: KernelRecord) -> bool:
    page = rec.observation("truncated").page
    return page.mapping == 0 and page.refcount >= 1 and page.pfn in rec.removed_pfns()


@cache
def rules_seen() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """For each rule (R1–R12, B1–B7): the recorded builds (versions) on which a real kernel showed it.

    A rule counts as seen on a build when the scenarios that show it are recorded there and folioviz agrees
    with the kernel on all of them, or differs only by the kernel's own B7 bug. B7: when the build has the
    kpageflags bug; R6: the 0b10 tag itself, so only before v6.17; R8: the truncated page's word is NULL, it is
    still referenced, and the trace saw it deleted. The other rules (do_page_mkwrite()'s branches, the history)
    were read in source only; an empty tuple says so."""
    from .rules import rules

    return tuple(
        (rule.id, tuple(rec.kernel.version for rec in records() if _rule_seen(rule.id, rec))) for rule in rules()
    )
