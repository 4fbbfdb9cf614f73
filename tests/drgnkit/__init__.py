"""A kernel we lay out ourselves, for testing folioviz.drgn with real drgn and real kernel types.

There is no live kernel (/proc/kcore) or vmcore to test against, so each test builds a drgn
``Program`` that drgn treats as a Linux kernel (``set_linux_kernel_custom()`` with a small
VMCOREINFO), gives it the real types of a real kernel build through folioviz's BTF type finder
(tests/fixtures/btf/, see tools/btf_fixtures.py), and lays out struct pages, an address_space and an
xarray byte by byte with ``add_memory_segment()``. drgn's own helpers then run on that memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "btf"

#: (fixture, UTS release, VMCOREINFO extras) per era folioviz tests with real types.
KERNELS = {
    # Debian bullseye's linux-image-5.10.0-32-amd64-unsigned (5.10.223-1), the kernel lab's pre-v6.0 build.
    "pre-v6.0": ("vmlinux-5.10.223-amd64.btf.xz", "5.10.0-32-amd64", ""),
    "v6.0-v6.16": ("vmlinux-6.1.192-amd64.btf.xz", "6.1.0-56-amd64", ""),
    # v6.12+: slab is a page type; PAGE_SLAB_MAPCOUNT_VALUE is PGTY_slab << 24, as a signed int.
    "v6.17+": (
        "vmlinux-6.18.44.btf.xz",
        "6.18.44-fc-v509",
        f"NUMBER(PAGE_SLAB_MAPCOUNT_VALUE)={0xF5000000 - (1 << 32)}\n",
    ),
}

VMEMMAP = 0xFFFFEA0000000000
DIRECT_MAP = 0xFFFF888100000000
REGION = 1 << 20

_BTF_CACHE: dict[str, Any] = {}


def _btf(name: str) -> Any:
    from folioviz.drgn.btf import Btf

    if name not in _BTF_CACHE:
        _BTF_CACHE[name] = Btf.from_file(FIXTURES / name)
    return _BTF_CACHE[name]


@dataclass
class Kernel:
    """A drgn Program over memory we write, with one kernel build's real types."""

    era: str
    prog: Any = None
    memory: dict[int, bytearray] = field(default_factory=dict)
    _next: dict[int, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        import drgn

        fixture, release, extra = KERNELS[self.era]
        platform = drgn.Platform(
            drgn.Architecture.X86_64, drgn.PlatformFlags.IS_64_BIT | drgn.PlatformFlags.IS_LITTLE_ENDIAN
        )
        self.prog = drgn.Program(platform)
        vmcoreinfo = (
            f"OSRELEASE={release}\nPAGESIZE=4096\nSYMBOL(swapper_pg_dir)=ffffffff82a0b000\nKERNELOFFSET=0\n{extra}"
        )
        self.prog.set_linux_kernel_custom(vmcoreinfo, False)
        _btf(fixture).register(self.prog)
        for base in (VMEMMAP, DIRECT_MAP):
            buf = bytearray(REGION)
            self.memory[base] = buf
            self._next[base] = base
            self.prog.add_memory_segment(base, REGION, self._reader(buf, base))
        self.page_size = self.sizeof("struct page")

    @staticmethod
    def _reader(buf: bytearray, base: int) -> Any:
        def read(address: int, count: int, offset: int, physical: bool) -> bytes:
            return bytes(buf[offset : offset + count])

        return read

    # ------------------------------------------------------------------ layout

    def sizeof(self, type_name: str) -> int:
        import drgn

        return drgn.sizeof(self.prog.type(type_name))

    def alloc(self, type_name: str, count: int = 1, *, region: int = DIRECT_MAP, align: int = 64) -> int:
        size = self.sizeof(type_name) * count
        address = (self._next[region] + align - 1) // align * align
        self._next[region] = address + size
        return address

    def pages(self, count: int) -> list[int]:
        """``count`` consecutive struct pages (zeroed) in the vmemmap region."""
        first = self.alloc("struct page", count, region=VMEMMAP, align=self.page_size)
        return [first + i * self.page_size for i in range(count)]

    def has(self, type_name: str, member: str) -> bool:
        try:
            self.obj(0, type_name, member)
        except (LookupError, AttributeError, TypeError):
            return False
        return True

    def obj(self, address: int, type_name: str, member: str = "") -> Any:
        import drgn

        obj = drgn.Object(self.prog, type_name, address=address)
        for part in filter(None, member.split(".")):
            if part.endswith("]"):
                name, index = part[:-1].split("[")
                obj = obj.member_(name)[int(index)]
            else:
                obj = obj.member_(part)
        return obj

    def write(self, address: int, type_name: str, member: str, value: int) -> None:
        import drgn

        target = self.obj(address, type_name, member)
        size = drgn.sizeof(target.type_)
        where = target.address_
        for base, buf in self.memory.items():
            if base <= where < base + REGION:
                signed = value < 0
                buf[where - base : where - base + size] = value.to_bytes(size, "little", signed=signed)
                return
        raise ValueError(f"{where:#x} is outside the laid-out memory")

    def page_ptr(self, address: int, type_name: str = "struct page") -> Any:
        import drgn

        return drgn.Object(self.prog, f"{type_name} *", address)

    # ------------------------------------------------------------------ pages and folios

    def flag(self, name: str) -> int:
        return int(self.prog[name].value_())

    def flags_member(self) -> str:
        return "flags.f" if self.has("struct page", "flags.f") else "flags"

    def folio(
        self,
        *,
        mapping: int = 0,
        flags: tuple[str, ...] = (),
        refcount: int = 1,
        order: int = 0,
        page_type: int | None = None,
        index: int = 0,
    ) -> list[int]:
        """Lay out a folio of ``1 << order`` pages; returns the addresses of its pages (head first)."""
        pages = self.pages(1 << order)
        head = pages[0]
        bits = 0
        for name in flags:
            bits |= 1 << self.flag(name)
        if order:
            bits |= 1 << self.flag("PG_head")
        self.write(head, "struct page", self.flags_member(), bits)
        self.write(head, "struct page", "mapping", mapping)
        self.write(head, "struct page", "_refcount.counter", refcount)
        index_member = "__folio_index" if self.has("struct page", "__folio_index") else "index"
        self.write(head, "struct page", index_member, index)
        if page_type is not None:
            self.write(head, "struct page", "page_type", page_type)
        else:
            self.write(head, "struct page", "_mapcount.counter", -1)
        for tail in pages[1:]:
            self.write(tail, "struct page", "compound_head", head | 1)
        if order:
            # v6.1-v6.5: folio->_folio_order; from v6.6 the low byte of folio->_flags_1
            # (the first tail page's flags word); drgn's compound_order() reads the same places.
            # Before struct folio (v5.16): the first tail page's compound_order.
            if not self.has("struct folio", ""):
                self.write(pages[1], "struct page", "compound_order", order)
            elif self.has("struct folio", "_folio_order"):
                self.write(head, "struct folio", "_folio_order", order)
            else:
                self.write(head, "struct folio", "_flags_1", order)
        return pages

    def address_space(self) -> int:
        return self.alloc("struct address_space")

    def page_cache(self, mapping: int, entries: dict[int, tuple[str, int, int]]) -> None:
        """Fill ``mapping->i_pages`` with one xa_node (indices 0-63).

        ``entries``: index -> ("folio", folio address, order) or ("value", value, 0).
        """
        node = self.alloc("struct xa_node")
        xa = self.obj(mapping, "struct address_space", "i_pages").address_
        self.write(node, "struct xa_node", "shift", 0)
        self.write(node, "struct xa_node", "array", xa)
        count = 0
        for index, (kind, value, order) in entries.items():
            if kind == "value":
                self.write(node, "struct xa_node", f"slots[{index}]", (value << 1) | 1)
                count += 1
                continue
            self.write(node, "struct xa_node", f"slots[{index}]", value)
            for sibling in range(index + 1, index + (1 << order)):
                self.write(node, "struct xa_node", f"slots[{sibling}]", (index << 2) | 2)
            count += 1 << order
        self.write(node, "struct xa_node", "count", count)
        self.write(mapping, "struct address_space", "i_pages.xa_head", node | 2)
