"""folioviz on a real kernel, through drgn (``pip install 'folioviz[drgn]'``; drgn runs on Linux only).

Give it a drgn ``Object`` that is a ``struct folio *`` or a ``struct page *`` (a tail page goes to its
head) and it reads that kernel's own memory and types, then returns folioviz's usual
:class:`~folioviz.kernel.MappingDecode`::

    $ sudo drgn                              # the running kernel (needs /proc/kcore)
    $ drgn -c vmcore -s vmlinux              # a crash dump
    >>> from folioviz.drgn import explain, explain_pagecache
    >>> explain(page)                        # any struct page * / struct folio *
    >>> explain_pagecache("/etc/passwd")     # a file's page cache: each entry, decoded

or in one line: ``sudo drgn -e 'from folioviz.drgn import explain; explain(prog["some_page"])'``.

What it reads, and with which helper. drgn's own helpers are used wherever drgn has one:
``compound_head()``, ``compound_order()``, ``PageSlab()``, ``PageSwapBacked()``, ``page_flags()``,
``decode_page_flags()``, ``page_index()``, ``xa_for_each()``, ``xa_is_value()``, ``xa_to_value()``,
``path_lookup()``. What drgn lacks is computed here, each from the kernel's definition:

* the swap-cache test, ``folio_test_swapcache()``: PG_swapbacked and PG_swapcache both set
  (``include/linux/page-flags.h``,
  https://elixir.bootlin.com/linux/v6.1.4/source/include/linux/page-flags.h);
* the refcount, ``folio_ref_count()``: ``_refcount.counter``
  (https://elixir.bootlin.com/linux/v6.1.4/source/include/linux/page_ref.h);
* page types from v6.12 on, ``folio_test_<type>()``: the top byte of ``page_type`` equals
  ``PGTY_<type>`` (https://elixir.bootlin.com/linux/v6.18/source/include/linux/page-flags.h);
* ``page_has_movable_ops()`` (v6.17+): PG_movable_ops, which aliases PG_uptodate, counts only
  on an offline or zsmalloc page; the kernel's comment on the flag says other pages use the bit
  for something else (https://elixir.bootlin.com/linux/v6.18/source/include/linux/page-flags.h);
* ``folio_mapping()`` and the other mapping-word helpers: folioviz's model of them, per era
  (:mod:`folioviz.kernel.mapping`, https://elixir.bootlin.com/linux/v6.1.4/source/mm/util.c).

The era comes from the kernel itself: ``UTS_RELEASE`` (such as ``6.18.44-...``).

folioviz imports and works without drgn; only this module needs it.

What may live here: the bridge between drgn and the model (reading a kernel's memory and types, and the
reading's text). It sits beside the layers. What it may import: drgn (lazily, as it is optional), the model
and :mod:`folioviz.render` (the text it prints), never :mod:`folioviz.widgets`. It returns readings (model
objects: :class:`~folioviz.kernel.MappingDecode`, :class:`CacheEntry`); the widgets take them
(:meth:`folioviz.widgets.MappingWordWidget.from_reading`, :class:`folioviz.widgets.PageCacheWalkWidget`), and
:mod:`folioviz.widgets.from_drgn` joins the two in a notebook.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, replace
from typing import Any

from ..kernel import MappingDecode, UnknownEraError, decode_folio, get_era, make_folio
from ..kernel.flags import fitting_flag_names
from ..kernel.paste import Paste, flag_table
from ..kernel.versions import Era
from ..render.text import decode_text

_drgn: Any
try:  # drgn is an optional extra
    _drgn = importlib.import_module("drgn")
except ImportError:  # pragma: no cover - exercised where drgn is absent
    _drgn = None

__all__ = [
    "CacheEntry",
    "FolioReading",
    "decode",
    "era_of",
    "explain",
    "explain_pagecache",
    "folio_of",
    "pagecache",
    "pagecache_table",
    "read_folio",
]


def _need_drgn() -> Any:
    if _drgn is None:
        raise ImportError(
            "folioviz.drgn needs drgn: pip install 'folioviz[drgn]' (drgn runs on Linux). "
            "The rest of folioviz works without it."
        )
    return _drgn


def _mm() -> Any:
    _need_drgn()
    import drgn.helpers.linux.mm as mm

    return mm


# --------------------------------------------------------------------------- era and folio


def era_of(prog: Any) -> Era:
    """The folioviz era of the kernel ``prog`` debugs, from its ``UTS_RELEASE`` string."""
    release = prog["UTS_RELEASE"].string_().decode(errors="replace")
    try:
        return get_era(release)
    except UnknownEraError as error:
        raise ValueError(f"UTS_RELEASE {release!r} does not start with a kernel version: {error}") from None


def _as_pointer(obj: Any) -> Any:
    drgn = _need_drgn()
    if isinstance(obj, int) and not isinstance(obj, bool):
        # An address typed at the drgn prompt (say, from a crash or dmesg line): a struct page *
        # in drgn's default program (the one the drgn command line opened).
        try:
            prog = drgn.get_default_prog()
        except drgn.NoDefaultProgramError:
            raise TypeError(
                f"{obj:#x} is a bare address and drgn has no default program: pass "
                "Object(prog, 'struct page *', address) instead"
            ) from None
        obj = drgn.Object(prog, "struct page *", obj)
    if not isinstance(obj, drgn.Object):
        raise TypeError(
            f"expected a drgn Object (struct folio * or struct page *) or a page address, not {type(obj).__name__}"
        )
    kind = obj.type_.unaliased_kind()
    if kind == drgn.TypeKind.STRUCT:
        obj = obj.address_of_()
    elif kind != drgn.TypeKind.POINTER:
        raise TypeError(f"expected a struct folio * or struct page *, not {obj.type_}")
    target = obj.type_.type.unqualified().type_name()
    if target not in ("struct folio", "struct page"):
        raise TypeError(f"expected a struct folio * or struct page *, not {obj.type_}")
    return obj


def folio_of(obj: Any) -> Any:
    """``struct folio *`` for a folio, a page or a tail page (drgn's ``compound_head()``).

    Kernels before struct folio existed (it arrived in v5.16) get the head ``struct page *``, which
    has the same members folioviz reads (``flags``, ``mapping``, ``_refcount``).
    """
    drgn = _need_drgn()
    obj = _as_pointer(obj)
    is_folio = obj.type_.type.unqualified().type_name() == "struct folio"
    page = drgn.cast("struct page *", obj) if is_folio else obj
    head = _mm().compound_head(page)
    return drgn.cast(_folio_type(obj.prog_), head)


def _folio_type(prog: Any) -> str:
    try:
        prog.type("struct folio")
    except LookupError:
        return "struct page *"
    return "struct folio *"


@dataclass(frozen=True)
class FolioReading:
    """What folioviz read from one folio in a kernel's memory (plain values, no drgn objects)."""

    page: int
    """Address of the struct page/folio given."""
    folio: int
    """Address of its folio (the head page)."""
    era: Era
    release: str
    word: int
    flags: int
    flag_names: str
    slab: bool
    swapcache: bool
    movable_ops: bool
    page_type: str
    refcount: int
    order: int
    index: int
    read: tuple[str, ...]
    """One line per fact: what was read and with which helper."""

    @property
    def tail(self) -> bool:
        return self.page != self.folio


def _page_type_name(prog: Any, page: Any) -> str:
    """``folio_test_<type>()`` from v6.12: the top byte of page_type is a PGTY_ value."""
    try:
        enum = prog.type("enum pagetype")
    except LookupError:
        return ""
    if not page.type_.type.has_member("page_type"):
        return ""
    top = (page.page_type.value_() >> 24) & 0xFF
    for enumerator in enum.enumerators:
        if enumerator.value == top and enumerator.name.startswith("PGTY_"):
            name = enumerator.name[len("PGTY_") :]
            return "" if name == "mapcount_underflow" else name
    return ""


def _constant(prog: Any, name: str) -> int | None:
    try:
        return int(prog[name].value_())
    except (KeyError, LookupError):
        return None


def read_folio(obj: Any) -> FolioReading:
    """Read the mapping word, flags, page type, refcount and order of the folio of ``obj``."""
    drgn = _need_drgn()
    obj = _as_pointer(obj)
    try:
        return _read_folio(drgn, obj)
    except drgn.FaultError as error:
        raise ValueError(
            f"cannot read the struct page/folio at {obj.value_():#x} in this program's memory ({error}); "
            "is it the address of a struct page (for example, from crash's kmem or dump_page()'s %px)?"
        ) from error


def _read_folio(drgn: Any, obj: Any) -> FolioReading:
    mm = _mm()
    prog = obj.prog_
    folio = folio_of(obj)
    page = drgn.cast("struct page *", folio)
    era = era_of(prog)
    release = prog["UTS_RELEASE"].string_().decode(errors="replace")
    read: list[str] = []
    if obj.value_() != folio.value_():
        read.append(f"tail page {obj.value_():#x} → folio {folio.value_():#x} (drgn compound_head())")
    word = drgn.cast("unsigned long", folio.mapping).value_()
    read.append(f"folio->mapping = {word:#018x} (read from memory)")
    flags = mm.page_flags(page).value_()
    all_names = str(mm.decode_page_flags(page))
    flags_at = len(read)
    slab = bool(mm.PageSlab(page))
    read.append(f"slab: {'yes' if slab else 'no'} (drgn PageSlab())")
    page_type = _page_type_name(prog, page)
    if page_type:
        read.append(f"page type: {page_type} (page_type >> 24, enum pagetype)")
    swapcache = False
    pg_swapcache = _constant(prog, "PG_swapcache")
    if not slab and pg_swapcache is not None:
        swapcache = bool(mm.PageSwapBacked(page)) and bool(flags >> pg_swapcache & 1)
        read.append(
            f"swap cache: {'yes' if swapcache else 'no'} (PG_swapbacked and PG_swapcache, bit {pg_swapcache}; "
            "folio_test_swapcache())"
        )
    movable_ops = False
    pg_movable_ops = _constant(prog, "PG_movable_ops")
    if era.movable_ops_flag and pg_movable_ops is not None:
        flag_set = bool(flags >> pg_movable_ops & 1)
        typed = page_type in flag_table(release).movable_ops_types
        movable_ops = flag_set and typed
        read.append(
            f"movable_ops: {'yes' if movable_ops else 'no'} (PG_movable_ops, bit {pg_movable_ops}, is "
            f"{'set' if flag_set else 'clear'}; it counts only on an offline or zsmalloc page, and this "
            f"page's type is {page_type or 'none'}: page_has_movable_ops())"
        )
    names = _fitting_names(all_names, release, page_type, movable_ops)
    left_out = [n for n in all_names.split("|") if n and n not in names.split("|")]
    read.insert(
        flags_at,
        f"flags = {flags:#x}: {names or 'none'} (drgn page_flags(), decode_page_flags()"
        + (
            f"; second names of the same bits that do not fit this page left out: {', '.join(left_out)})"
            if left_out
            else ")"
        ),
    )
    refcount = int(folio._refcount.counter.value_())
    read.append(f"refcount = {refcount} (_refcount.counter, folio_ref_count())")
    order = int(mm.compound_order(page).value_())
    read.append(f"order = {order} (drgn compound_order())")
    index = int(mm.page_index(page).value_())
    return FolioReading(
        page=obj.value_(),
        folio=folio.value_(),
        era=era,
        release=release,
        word=word,
        flags=flags,
        flag_names=names,
        slab=slab,
        swapcache=swapcache,
        movable_ops=movable_ops,
        page_type=page_type,
        refcount=refcount,
        order=order,
        index=index,
        read=tuple(read),
    )


def _fitting_names(names: str, release: str, page_type: str, movable_ops: bool) -> str:
    """drgn's flag names with only the meaning of each bit that fits this page (aliases: kernel/flags.py)."""
    try:
        table = flag_table(release)
    except Exception:  # a build with no table in data/page_flags: drgn's names as they are
        return names
    split = tuple(n for n in names.split("|") if n)
    return "|".join(fitting_flag_names(split, table, page_type or "", movable_ops))


def _decode_reading(reading: FolioReading, era: Era | str | None = None) -> MappingDecode:
    chosen = reading.era if era is None else get_era(era)
    folio = make_folio(
        reading.word,
        chosen,
        slab=reading.slab,
        swapcache=reading.swapcache,
        movable_ops=reading.movable_ops and chosen.movable_ops_flag,
    )
    record = Paste(
        "drgn (kernel memory)",
        reading.word,
        f"folio->mapping of the folio at {reading.folio:#x}, read by drgn from kernel {reading.release}",
        flags=reading.flags,
        flag_names=tuple(n.removeprefix("PG_") for n in reading.flag_names.split("|") if n),
        flag_names_from="drgn decode_page_flags()",
        page_type=reading.page_type,
        slab=reading.slab,
        swapcache=reading.swapcache,
        movable_ops=reading.movable_ops,
        refcount=reading.refcount,
        index=reading.index,
        order=reading.order,
        bits_read=reading.read,
    )
    return decode_folio(replace(folio, paste=record), chosen)


def decode(obj: Any, era: Era | str | None = None) -> MappingDecode:
    """folioviz's decode of the folio of ``obj`` (a ``struct folio *`` or ``struct page *``, or the
    address of a struct page in drgn's default program).

    The era is the kernel's own (from ``UTS_RELEASE``) unless ``era`` is given.
    """
    return _decode_reading(read_folio(obj), era)


def explain(obj: Any, era: Era | str | None = None, *, file: Any = None) -> MappingDecode:
    """Print what ``obj``'s folio is and what every helper returns for it; return the decode.

    For the drgn prompt: ``explain(page)``, or ``drgn -e 'from folioviz.drgn import explain; explain(...)'``.
    """
    result = decode(obj, era)
    print(decode_text(result), file=file)
    return result


# --------------------------------------------------------------------------- the page cache


@dataclass(frozen=True)
class CacheEntry:
    """One entry of a file's page cache (``address_space->i_pages``)."""

    index: int
    entry: int
    """The raw xarray entry."""
    kind: str
    """``"folio"`` or ``"value"`` (a shadow of an evicted folio, or a swap entry in shmem/tmpfs)."""
    refcount: int | None = None
    order: int | None = None
    decode: MappingDecode | None = None
    value: int | None = None
    note: str = ""

    @property
    def summary(self) -> str:
        if self.decode is None:
            return self.note
        return f"{self.decode.kind.value}: {self.decode.target or self.decode.word_text}"


VALUE_NOTE = (
    "a value entry, not a folio: a shadow entry left when the folio was evicted (workingset), or, in a "
    "shmem/tmpfs file, the swap entry of a folio that was swapped out"
)


def _address_space(prog: Any, target: Any) -> Any:
    drgn = _need_drgn()
    if isinstance(target, str | bytes):
        from drgn.helpers.linux.fs import path_lookup

        target = path_lookup(prog, target).dentry.d_inode
    if not isinstance(target, drgn.Object):
        raise TypeError("give a struct address_space *, a struct inode *, a struct file * or a path")
    if target.type_.unaliased_kind() == drgn.TypeKind.STRUCT:
        target = target.address_of_()
    name = target.type_.type.unqualified().type_name()
    if name == "struct file":
        target = target.f_mapping
    elif name == "struct inode":
        target = target.i_mapping
    elif name != "struct address_space":
        raise TypeError(f"expected an address_space, inode, file or path, not {target.type_}")
    return target


def pagecache(target: Any, prog: Any = None, era: Era | str | None = None) -> tuple[CacheEntry, ...]:
    """Walk a file's page cache: ``target`` is a ``struct address_space *``, ``struct inode *``,
    ``struct file *`` or a path (looked up in the dcache with drgn's ``path_lookup()``).

    Each folio is listed once, at its first index (drgn's ``xa_for_each()`` skips a large folio's
    sibling slots), with its refcount, order and decoded word.
    """
    drgn = _need_drgn()
    from drgn.helpers.linux.xarray import xa_for_each, xa_is_value, xa_to_value

    if prog is None:
        prog = target.prog_ if isinstance(target, drgn.Object) else drgn.get_default_prog()
    mapping = _address_space(prog, target)
    entries = []
    for index, entry in xa_for_each(mapping.i_pages.address_of_()):
        if xa_is_value(entry):
            entries.append(
                CacheEntry(index, entry.value_(), "value", value=int(xa_to_value(entry).value_()), note=VALUE_NOTE)
            )
            continue
        reading = read_folio(drgn.cast(_folio_type(prog), entry))
        entries.append(
            CacheEntry(
                index,
                entry.value_(),
                "folio",
                refcount=reading.refcount,
                order=reading.order,
                decode=_decode_reading(reading, era),
            )
        )
    return tuple(entries)


def pagecache_table(entries: tuple[CacheEntry, ...]) -> str:
    """A plain-text table of a page-cache walk (what :func:`explain_pagecache` prints)."""
    rows = [("index", "entry", "refcount", "order", "what")]
    for e in entries:
        rows.append(
            (
                str(e.index),
                f"{e.entry:#x}",
                "" if e.refcount is None else str(e.refcount),
                "" if e.order is None else str(e.order),
                e.summary if e.kind == "folio" else f"value {e.value:#x}: {e.note}",
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    return "\n".join("  ".join(r[i].ljust(widths[i]) for i in range(4)) + "  " + r[4] for r in rows)


def explain_pagecache(target: Any, prog: Any = None, era: Era | str | None = None, *, file: Any = None) -> tuple:
    """Print a file's page cache as a table (see :func:`pagecache`) and return the entries."""
    entries = pagecache(target, prog, era)
    print(pagecache_table(entries), file=file)
    return entries
