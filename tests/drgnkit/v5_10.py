"""Hand-built kernel types for the era before v6.0, whose BTF folioviz could not get.

Why hand-built: the era's pinned release is v5.10 (Debian bullseye's kernel line), and this
machine's package sources (Debian bookworm) carry no 5.x kernel image to take BTF from. So the
types below are written out from v5.10.223's headers (read in the release tarball that
``make provenance`` caches) for x86-64: ``struct page`` from include/linux/mm_types.h (64 bytes;
only the members folioviz and drgn's helpers touch, at their real offsets), ``struct xarray`` and
``struct xa_node`` from include/linux/xarray.h, ``address_space.host``/``i_pages`` and
``inode.i_mapping`` from include/linux/fs.h (with CONFIG_FS_POSIX_ACL, as Debian builds it), and
``enum pageflags`` from include/linux/page-flags.h (x86-64 with CONFIG_MMU,
CONFIG_ARCH_USES_PG_UNCACHED, CONFIG_MEMORY_FAILURE, CONFIG_IDLE_PAGE_TRACKING). v5.10 has no
``struct folio`` (it arrived in v5.16), which is part of what this era tests.
"""

from __future__ import annotations

from typing import Any

PAGEFLAGS = [
    "PG_locked", "PG_referenced", "PG_uptodate", "PG_dirty", "PG_lru", "PG_active", "PG_workingset",
    "PG_waiters", "PG_error", "PG_slab", "PG_owner_priv_1", "PG_arch_1", "PG_reserved", "PG_private",
    "PG_private_2", "PG_writeback", "PG_head", "PG_mappedtodisk", "PG_reclaim", "PG_swapbacked",
    "PG_unevictable", "PG_mlocked", "PG_uncached", "PG_hwpoison", "PG_young", "PG_idle", "PG_arch_2",
    "__NR_PAGEFLAGS",
]  # fmt: skip
ALIASES = {
    "PG_checked": "PG_owner_priv_1",
    "PG_swapcache": "PG_owner_priv_1",
    "PG_fscache": "PG_private_2",
    "PG_pinned": "PG_owner_priv_1",
    "PG_savepinned": "PG_dirty",
    "PG_foreign": "PG_owner_priv_1",
    "PG_xen_remapped": "PG_owner_priv_1",
    "PG_slob_free": "PG_private",
    "PG_double_map": "PG_workingset",
    "PG_isolated": "PG_reclaim",
    "PG_reported": "PG_uptodate",
}


def register(prog: Any) -> None:
    import drgn

    def m(type_: Any, name: str | None, byte_offset: int) -> Any:
        return drgn.TypeMember(type_, name, byte_offset * 8)

    ulong = prog.int_type("unsigned long", 8, False)
    uint = prog.int_type("unsigned int", 4, False)
    sint = prog.int_type("int", 4, True)
    uchar = prog.int_type("unsigned char", 1, False)
    void_p = prog.pointer_type(prog.void_type())
    atomic_t = prog.typedef_type("atomic_t", prog.struct_type(None, 4, [m(sint, "counter", 0)]))
    pgoff_t = prog.typedef_type("pgoff_t", ulong)
    gfp_t = prog.typedef_type("gfp_t", uint)
    spinlock_t = prog.typedef_type("spinlock_t", prog.struct_type(None, 4, [m(uint, "raw_lock", 0)]))
    list_head = prog.struct_type(
        "list_head", 16, [m(lambda: prog.pointer_type(types["list_head"]), "next", 0),
                          m(lambda: prog.pointer_type(types["list_head"]), "prev", 8)]
    )  # fmt: skip
    types: dict[str, Any] = {"list_head": list_head}
    xarray = prog.struct_type(
        "xarray", 16, [m(spinlock_t, "xa_lock", 0), m(gfp_t, "xa_flags", 4), m(void_p, "xa_head", 8)]
    )
    types["xarray"] = xarray
    xa_node = prog.struct_type(
        "xa_node",
        576,
        [
            m(uchar, "shift", 0),
            m(uchar, "offset", 1),
            m(uchar, "count", 2),
            m(uchar, "nr_values", 3),
            m(lambda: prog.pointer_type(types["xa_node"]), "parent", 8),
            m(prog.pointer_type(xarray), "array", 16),
            m(list_head, "private_list", 24),
            m(prog.array_type(void_p, 64), "slots", 40),
            m(prog.array_type(prog.array_type(ulong, 1), 3), "marks", 552),
        ],
    )
    types["xa_node"] = xa_node
    address_space = prog.struct_type(
        "address_space", 208, [m(lambda: prog.pointer_type(types["inode"]), "host", 0), m(xarray, "i_pages", 8)]
    )
    types["address_space"] = address_space
    types["inode"] = prog.struct_type("inode", 600, [m(prog.pointer_type(address_space), "i_mapping", 48)])
    mapped = prog.struct_type(
        None,
        40,
        [m(list_head, "lru", 0), m(prog.pointer_type(address_space), "mapping", 16), m(pgoff_t, "index", 24),
         m(ulong, "private", 32)],
    )  # fmt: skip
    tail = prog.struct_type(
        None,
        20,
        [m(ulong, "compound_head", 0), m(uchar, "compound_dtor", 8), m(uchar, "compound_order", 9),
         m(atomic_t, "compound_mapcount", 12), m(uint, "compound_nr", 16)],
    )  # fmt: skip
    first = prog.union_type(None, 40, [m(mapped, None, 0), m(tail, None, 0)])
    second = prog.union_type(None, 4, [m(atomic_t, "_mapcount", 0), m(uint, "page_type", 0)])
    types["page"] = prog.struct_type(
        "page",
        64,
        [m(ulong, "flags", 0), m(first, None, 8), m(second, None, 48), m(atomic_t, "_refcount", 52),
         m(void_p, "mem_cgroup", 56)],
    )  # fmt: skip
    values = {name: i for i, name in enumerate(PAGEFLAGS)}
    values.update({alias: values[target] for alias, target in ALIASES.items()})
    pageflags = prog.enum_type("pageflags", uint, [drgn.TypeEnumerator(n, v) for n, v in values.items()])
    types["pageflags"] = pageflags
    by_kind = {
        drgn.TypeKind.STRUCT: {"list_head", "xarray", "xa_node", "address_space", "inode", "page"},
        drgn.TypeKind.ENUM: {"pageflags"},
    }
    typedefs = {"atomic_t": atomic_t, "pgoff_t": pgoff_t, "gfp_t": gfp_t, "spinlock_t": spinlock_t}

    def find_type(prog: Any, kinds: Any, name: str, filename: str | None) -> Any:
        for kind in kinds:
            if name in by_kind.get(kind, ()):
                return types[name]
            if kind == drgn.TypeKind.TYPEDEF and name in typedefs:
                return typedefs[name]
        return None

    def find_object(prog: Any, name: str, flags: Any, filename: str | None) -> Any:
        if flags & drgn.FindObjectFlags.CONSTANT and name in values:
            return drgn.Object(prog, pageflags, values[name])
        return None

    prog.register_type_finder("folioviz-v5.10-hand-built", find_type, enable_index=0)
    prog.register_object_finder("folioviz-v5.10-hand-built", find_object, enable_index=0)
