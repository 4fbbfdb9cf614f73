"""Read a lab guest's dump with drgn and record the kernel's own answers beside the raw words.

What is recorded comes from the kernel, never from folioviz:

* ``kpageflags``: the kernel's classification of each page, as the guest read ``/proc/kpageflags``;
* ``pgp``: the page flags named with the kernel's own table (``pageflag_names``, read from the dump's
  memory), the way ``%pGp`` names them in ``dump_page()``;
* ``page_type``: the name ``pagetype_names`` (``%pGt``, where the build has it) or ``enum pagetype``
  gives the page-type field;
* ``trace``: the page-cache add/delete events ftrace saw;
* ``words``: the ``struct page`` words as the dump holds them (and the head page's, for a tail page).

The committed record (``data/real_kernels/<release>.json`` and ``<release>.pages.tsv.xz``) is what the
ordinary tests and notebook 07 read; folioviz's answers are computed from it each time, so a change to the
model is checked against the kernel without booting it.
"""

from __future__ import annotations

import json
import lzma
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from folioviz.kernel.observed import KPF_BITS
from folioviz.kernel.observed import kpf_names as observed_kpf_names

from .kernels import ROOT, Image, config_value

DATA = ROOT / "data" / "real_kernels"

#: /proc/kpageflags bits (include/uapi/linux/kernel-page-flags.h), by name: the model's table.
KPF = dict(KPF_BITS)

#: Configuration options whose value the record keeps: they change what a page's words mean.
CONFIG_OPTIONS = (
    "MEMORY_FAILURE", "IDLE_PAGE_TRACKING", "PAGE_IDLE_FLAG", "TRANSPARENT_HUGEPAGE", "KSM", "ZSMALLOC",
    "HUGETLB_PAGE_OPTIMIZE_VMEMMAP", "SLUB", "SLAB", "MEMCG", "DEBUG_VM",
)  # fmt: skip


def kpf_names(value: int) -> list[str]:
    return list(observed_kpf_names(value))


@dataclass
class GuestReport:
    """The ``FV`` lines of one boot's serial log."""

    uname: str = ""
    scenarios: list[tuple[str, int, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    kpf_runs: list[tuple[int, int, int]] = field(default_factory=list)
    max_pfn: int = 0
    trace: list[str] = field(default_factory=list)
    ksyms: dict[str, int] = field(default_factory=dict)
    dump_page: list[list[str]] = field(default_factory=list)
    """The kernel's own dump_page() reports (a memory block refusing to go offline), line by line."""

    def kpageflags(self) -> dict[int, int]:
        flags: dict[int, int] = {}
        for start, count, value in self.kpf_runs:
            for pfn in range(start, start + count):
                flags[pfn] = value
        return flags


def _on_scenario(report: GuestReport, rest: str) -> None:
    name, pfn, role = rest.split()
    report.scenarios.append((name, int(pfn, 16), role))


def _on_kpf(report: GuestReport, rest: str) -> None:
    start, count, value = (int(v, 16) for v in rest.split())
    report.kpf_runs.append((start, count, value))


def _on_dmesg(report: GuestReport, rest: str) -> None:
    number, _, text = rest.partition(" ")
    while len(report.dump_page) <= int(number):
        report.dump_page.append([])
    report.dump_page[int(number)].append(text)


def _on_ksym(report: GuestReport, rest: str) -> None:
    address, name = rest.split()
    report.ksyms[name] = int(address, 16)


_LINES = {
    "uname": lambda report, rest: setattr(report, "uname", rest.strip()),
    "scenario": _on_scenario,
    "note": lambda report, rest: report.notes.append(rest.strip()),
    "kpf": _on_kpf,
    "kpf-end": lambda report, rest: setattr(report, "max_pfn", int(rest, 16)),
    "trace": lambda report, rest: report.trace.append(rest.strip()),
    "dmesg": _on_dmesg,
    "ksym": _on_ksym,
}


def parse_serial(text: str) -> GuestReport:
    """The guest's report lines (``FV <kind> ...``, see lab/guest/scenarios.c) out of a boot log."""
    report = GuestReport()
    for line in text.splitlines():
        # The firmware's terminal escapes can share the first report line: start at the marker.
        if not line.startswith("FV ") and "\x1b" in line and "FV " in line:
            line = line[line.index("FV ") :]
        if line.startswith("FV "):
            kind, _, rest = line[3:].partition(" ")
            handler = _LINES.get(kind)
            if handler is not None:
                handler(report, rest)
    return report


# --------------------------------------------------------------------------- drgn on the dump


def open_dump(vmcore: Path, image: Image, ksyms: dict[str, int] | None = None) -> Any:
    """A drgn Program on a lab dump: the build's BTF for types, kallsyms for symbols.

    From v6.0 the dump's VMCOREINFO carries kallsyms; before that the guest's ``/proc/kallsyms`` lines
    (``ksyms``) give the few symbols needed. ``vmemmap`` is read from ``vmemmap_base`` (KASLR moves it).
    """
    import drgn

    from folioviz.drgn.btf import Btf

    prog = drgn.Program()
    prog.set_core_dump(str(vmcore))
    Btf.from_file(image.dir / "btf").register(prog)
    try:
        from drgn.helpers.linux.kallsyms import load_vmlinux_kallsyms

        prog.register_symbol_finder("vmlinux-kallsyms", load_vmlinux_kallsyms(prog), enable_index=0)
    except (LookupError, ValueError, drgn.FaultError, drgn.MissingDebugInfoError):
        index = drgn.SymbolIndex(
            [
                drgn.Symbol(name, address, 8, drgn.SymbolBinding.GLOBAL, drgn.SymbolKind.OBJECT)
                for name, address in (ksyms or {}).items()
            ]
        )
        prog.register_symbol_finder("guest-kallsyms", index, enable_index=0)

    def find(prog: Any, name: str, flags: Any, filename: str | None) -> Any:
        if name == "vmemmap":
            base = prog.read_u64(prog.symbol("vmemmap_base").address)
            return drgn.Object(prog, "struct page *", base)
        if name == "max_pfn":
            return drgn.Object(prog, "unsigned long", address=prog.symbol("max_pfn").address)
        return None

    prog.register_object_finder("folioviz-lab", find, enable_index=-1)
    return prog


def _c_string(prog: Any, address: int, limit: int = 64) -> str:
    data = prog.read(address, limit)
    return data.split(b"\0", 1)[0].decode(errors="replace")


def kernel_flag_table(prog: Any, symbol: str = "pageflag_names") -> list[tuple[int, str]]:
    """The kernel's own ``{mask, name}`` table behind ``%pGp`` (``pageflag_names`` in mm/debug.c)."""
    table = []
    address = prog.symbol(symbol).address
    while True:
        mask = prog.read_u64(address)
        name_ptr = prog.read_u64(address + 8)
        if not name_ptr:
            break
        table.append((mask, _c_string(prog, name_ptr)))
        address += 16
    return table


def pgp(flags: int, table: list[tuple[int, str]], nr_pageflags: int) -> list[str]:
    """Names for a flags word as ``%pGp`` gives them: the flag bits only (the zone, node and section
    fields above them are cut off), each table entry whose mask is fully set, in table order."""
    rest = flags & ((1 << nr_pageflags) - 1)
    names = []
    for mask, name in table:
        if mask and rest & mask == mask:
            names.append(name)
            rest &= ~mask
    if rest:
        names.append(f"{rest:#x}")
    return names


def _page_words(prog: Any, page: int, size: int) -> list[int]:
    data = prog.read(page, size)
    return [int.from_bytes(data[i : i + 8], "little") for i in range(0, size, 8)]


@dataclass(frozen=True)
class Layout:
    """Where the record's fields sit in this build's ``struct page`` (from its BTF)."""

    size: int
    mapping: int
    page_types: dict[int, str]
    """``enum pagetype`` (v6.12+): the top byte of the page-type field, by value."""
    refcount: int
    mapcount: int
    nr_pageflags: int
    vmemmap: int


def layout(prog: Any) -> Layout:
    from drgn import offsetof, sizeof

    page = prog.type("struct page")
    enum = {e.name: e.value for e in prog.type("enum pageflags").enumerators}
    try:
        types = {
            e.value: e.name
            for e in prog.type("enum pagetype").enumerators
            # 0xff is a _mapcount of -1 (an untyped page), not a type
            if e.name.startswith("PGTY_") and e.name != "PGTY_mapcount_underflow"
        }
    except LookupError:
        types = {}
    return Layout(
        size=sizeof(page),
        mapping=offsetof(page, "mapping"),
        page_types=types,
        refcount=offsetof(page, "_refcount"),
        mapcount=offsetof(page, "_mapcount"),
        nr_pageflags=enum["__NR_PAGEFLAGS"],
        vmemmap=prog["vmemmap"].value_(),
    )


def _int32(value: int) -> int:
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value >= 1 << 31 else value


def page_record(prog: Any, lay: Layout, pfn: int, table: list[tuple[int, str]], kpf: int | None) -> dict[str, Any]:
    address = lay.vmemmap + pfn * lay.size
    words = _page_words(prog, address, lay.size)
    raw = b"".join(w.to_bytes(8, "little") for w in words)
    record: dict[str, Any] = {
        "pfn": f"{pfn:#x}",
        "address": f"{address:#x}",
        "words": [f"{w:016x}" for w in words],
        "refcount": _int32(int.from_bytes(raw[lay.refcount : lay.refcount + 4], "little")),
        "mapcount_word": f"{int.from_bytes(raw[lay.mapcount : lay.mapcount + 4], 'little'):08x}",
        "pgp": pgp(words[0], table, lay.nr_pageflags),
    }
    type_field = int(record["mapcount_word"], 16)
    if lay.page_types and type_field >> 24 in lay.page_types:
        record["page_type"] = lay.page_types[type_field >> 24].removeprefix("PGTY_")
    if kpf is not None:
        record["kpageflags"] = kpf_names(kpf)
    return record


# --------------------------------------------------------------------------- the comparison


def folioviz_reading(prog: Any, lay: Layout, pfn: int) -> dict[str, Any]:
    """folioviz's decode of one page through :mod:`folioviz.drgn` (the route a mentor uses)."""
    import drgn

    import folioviz.drgn as fd

    result = fd.decode(drgn.Object(prog, "struct page *", lay.vmemmap + pfn * lay.size))
    return {
        "kind": result.kind.value,
        "slab": result.folio.slab,
        "swapcache": result.folio.swapcache,
        "word": f"{result.word:#x}",
    }


def kernel_class(kpf: int) -> str | None:
    """The kernel's own class of a page, from /proc/kpageflags, named as folioviz's kinds are.

    ``slab``; ``KSM`` (KPF_KSM with KPF_ANON); ``anon``; ``swapcache`` (in the swap cache and not
    anonymous: read ahead, never mapped); ``file`` (on an LRU list and not anonymous: page cache, tmpfs
    included). Other pages (free, kernel, driver pages; zsmalloc's pages, which kpageflags may report as
    KPF_MMAP) are not classified by kpageflags and are left out."""
    names = set(kpf_names(kpf))
    if "SLAB" in names:
        return "slab"
    if "ANON" in names:
        return "KSM" if "KSM" in names else "anon"
    if "SWAPCACHE" in names:
        return "swapcache"
    if "LRU" in names:
        return "file"
    return None


def folioviz_class(reading: dict[str, Any]) -> str:
    """folioviz's reading in the same words as :func:`kernel_class`."""
    if reading["slab"]:
        return "slab"
    if reading["swapcache"] and reading["kind"] == "NULL":
        return "swapcache"
    return str(reading["kind"])


def compare_memory(prog: Any, lay: Layout, report: GuestReport) -> Iterator[tuple[int, int, str, dict[str, Any]]]:
    """Every page the kernel classifies, with folioviz's reading of it.

    A page the trace saw leave the page cache (and not come back) is expected to read as NULL: the
    kernel cleared its mapping, though kpageflags still shows it on an LRU list."""
    removed = removed_pfns(_trace_events(report))
    for pfn, kpf in sorted(report.kpageflags().items()):
        want = kernel_class(kpf)
        if want is None:
            continue
        if want == "file" and pfn in removed:
            want = "NULL"
        if kpf >> KPF["COMPOUND_TAIL"] & 1:
            continue  # a tail page is classified with its head
        yield pfn, kpf, want, folioviz_reading(prog, lay, pfn)


def _qemu_version() -> str:
    try:
        out = subprocess.run(["qemu-system-x86_64", "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return out.splitlines()[0] if out else "unknown"


def record(image: Image, vmcore: Path, serial: Path) -> dict[str, Any]:
    """Read one boot's dump and serial log into the record committed in ``data/real_kernels/``."""
    report = parse_serial(serial.read_text(errors="replace"))
    prog = open_dump(vmcore, image, report.ksyms)
    lay = layout(prog)
    table = kernel_flag_table(prog)
    kpf = report.kpageflags()
    scenarios = []
    for name, pfn, role in report.scenarios:
        entry: dict[str, Any] = {
            "scenario": name,
            "role": role,
            "page": page_record(prog, lay, pfn, table, kpf.get(pfn, 0)),
        }
        if int(entry["page"]["words"][1], 16) & 1:  # a tail page: its head, where the folio's fields live
            head_pfn = _head_pfn(prog, lay, pfn)
            entry["head"] = page_record(prog, lay, head_pfn, table, kpf.get(head_pfn, 0))
        scenarios.append(entry)
    scenarios += _kernel_found_pages(prog, lay, table, report, kpf)
    rows = []
    agree = ksm_on_anon = 0
    disagreements: list[dict[str, Any]] = []
    for pfn, value, want, reading in compare_memory(prog, lay, report):
        got = folioviz_class(reading)
        same = got == want
        agree += same
        if want == "KSM" and got == "anon":
            ksm_on_anon += 1  # the kpageflags KSM bug (B7), where the build has it
            same = True
        words = _page_words(prog, lay.vmemmap + pfn * lay.size, lay.size)
        mapcount = words[lay.mapcount // 8] >> (8 * (lay.mapcount % 8)) & 0xFFFFFFFF
        rows.append(f"{pfn:x}\t{value:x}\t{words[0]:x}\t{words[1]:x}\t{words[lay.mapping // 8]:x}\t{mapcount:x}")
        if not same and len(disagreements) < 20:
            disagreements.append({"pfn": f"{pfn:#x}", "kpageflags": kpf_names(value), "kernel": want, "folioviz": got})
    return {
        "schema": 1,
        "kernel": {
            "release": report.uname,
            "version": image.version,
            "suite": image.suite,
            "packages": [{"name": p.name, "version": p.version, "sha256": p.sha256} for p in image.packages],
            "config": {opt: config_value(image, opt) for opt in CONFIG_OPTIONS},
            "struct_page_size": lay.size,
            "nr_pageflags": lay.nr_pageflags,
        },
        "lab": {"qemu": _qemu_version(), "memory_mb": _memory_mb(), "accel": "tcg"},
        "pageflag_names": [[f"{mask:#x}", name] for mask, name in table],
        "scenarios": scenarios,
        "notes": report.notes,
        "dump_page_reports": ["\n".join(lines) + "\n" for lines in report.dump_page],
        "trace": _trace_events(report),
        "whole_memory": {
            "compared": len(rows),
            "agree": agree,
            "kpf_ksm_on_plain_anon": ksm_on_anon,
            "first_disagreements": disagreements,
        },
        "_rows": rows,
    }


def _head_pfn(prog: Any, lay: Layout, pfn: int) -> int:
    """The head of a tail page, by drgn's ``compound_head()``: the tail's word holds the head's address
    with bit 0 set, or (v7.x with the HugeTLB vmemmap optimisation) a mask that drgn applies."""
    import drgn
    from drgn.helpers.linux.mm import compound_head

    head = compound_head(drgn.Object(prog, "struct page *", lay.vmemmap + pfn * lay.size))
    return int((head.value_() - lay.vmemmap) // lay.size)


def _memory_mb() -> int:
    from .vm import MEMORY_MB

    return MEMORY_MB


def _kernel_found_pages(
    prog: Any, lay: Layout, table: list[tuple[int, str]], report: GuestReport, kpf: dict[int, int]
) -> list[dict[str, Any]]:
    """Pages no scenario can point at, found by the kernel's own classification: a slab page and a
    swap-cache page that is not mapped; and zsmalloc's pages (zram's compressed store), found by the
    kernel's own pointer to its movable operations or address space."""
    found = []
    wanted = {
        "slab": lambda v: v >> KPF["SLAB"] & 1,
        "swapcache": lambda v: v >> KPF["SWAPCACHE"] & 1 and not v >> KPF["MMAP"] & 1,
    }
    for name, test in wanted.items():
        for pfn, value in sorted(kpf.items()):
            if test(value) and not value >> KPF["COMPOUND_TAIL"] & 1:
                found.append(
                    {"scenario": name, "role": "found-by-kpageflags", "page": page_record(prog, lay, pfn, table, value)}
                )
                break
    zs = _zsmalloc_page(prog, lay, report)
    if zs is not None:
        found.append(
            {"scenario": "zsmalloc", "role": zs[1], "page": page_record(prog, lay, zs[0], table, kpf.get(zs[0], 0))}
        )
    return found


def _zsmalloc_page(prog: Any, lay: Layout, report: GuestReport) -> tuple[int, str] | None:
    """A page zsmalloc owns: its mapping word points at ``zsmalloc_mops`` (v6.0-v6.16), at an
    address_space whose ``a_ops`` is ``zsmalloc_aops`` (before v6.0), or its page type is zsmalloc
    (v6.12+; from v6.17 the only mark). The symbols come from the kernel's own kallsyms."""
    owns = _zsmalloc_test(prog, report)
    step = 64
    for start in range(0, report.max_pfn, step):
        count = min(step, report.max_pfn - start)
        try:
            data = prog.read(lay.vmemmap + start * lay.size, count * lay.size)
        except Exception:  # a hole in the memory map
            continue
        for i in range(count):
            raw = data[i * lay.size : (i + 1) * lay.size]
            word = int.from_bytes(raw[lay.mapping : lay.mapping + 8], "little")
            type_field = int.from_bytes(raw[lay.mapcount : lay.mapcount + 4], "little")
            role = owns(word, type_field)
            if role:
                return start + i, role
    return None


def _zsmalloc_test(prog: Any, report: GuestReport) -> Any:
    """A test of one page's mapping word and page-type field: the role that shows zsmalloc owns it."""
    targets = {}
    for name in ("zsmalloc_mops", "zsmalloc_aops"):
        try:
            targets[name] = prog.symbol(name).address
        except LookupError:
            if name in report.ksyms:
                targets[name] = report.ksyms[name]
    try:
        pgty = {e.name: e.value for e in prog.type("enum pagetype").enumerators}.get("PGTY_zsmalloc")
    except LookupError:
        pgty = None
    a_ops = _a_ops_offset(prog)

    def owns(word: int, type_field: int) -> str:
        if word & 3 == 2 and word - 2 == targets.get("zsmalloc_mops"):
            return "mapping-is-zsmalloc_mops"
        if pgty is not None and type_field >> 24 == pgty:
            return "page-type-zsmalloc"
        if word & 3 == 2 and "zsmalloc_aops" in targets:
            try:
                if prog.read_u64(word - 2 + a_ops) == targets["zsmalloc_aops"]:
                    return "mapping-a_ops-is-zsmalloc_aops"
            except Exception:  # not an address_space in memory
                return ""
        return ""

    return owns


def _a_ops_offset(prog: Any) -> int:
    from drgn import offsetof

    return offsetof(prog.type("struct address_space"), "a_ops")


_TRACE = re.compile(r"(mm_filemap_\w+): dev (\S+) ino (\w+) (?:page=\S+ )?pfn=(0x[0-9a-f]+|\d+) ofs=(\d+)")


def _trace_events(report: GuestReport) -> list[dict[str, Any]]:
    events = []
    for line in report.trace:
        m = _TRACE.search(line)
        if m:
            pfn = int(m.group(4), 0) if m.group(4).startswith("0x") else int(m.group(4))
            events.append(
                {
                    "event": m.group(1).removeprefix("mm_filemap_"),
                    "dev": m.group(2),
                    "ino": m.group(3),
                    "pfn": f"{pfn:#x}",
                    "offset": int(m.group(5)),
                }
            )
    return events


def removed_pfns(events: list[dict[str, Any]]) -> set[int]:
    """Frame numbers whose last page-cache event in the trace is a delete."""
    last: dict[int, str] = {}
    for event in events:
        last[int(event["pfn"], 16)] = event["event"]
    return {pfn for pfn, kind in last.items() if kind == "delete_from_page_cache"}


def save(record_: dict[str, Any], release: str) -> tuple[Path, Path]:
    DATA.mkdir(parents=True, exist_ok=True)
    rows = record_.pop("_rows")
    out = DATA / f"{release}.json"
    out.write_text(json.dumps(record_, indent=1) + "\n")
    table = DATA / f"{release}.pages.tsv.xz"
    header = "# pfn\tkpageflags\tflags\tword1 (compound_head)\tmapping\tmapcount/page_type (hex)\n"
    table.write_bytes(lzma.compress((header + "\n".join(rows) + "\n").encode(), preset=9))
    return out, table
