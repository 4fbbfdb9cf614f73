"""folioviz.drgn with real drgn, real kernel types (BTF of two real builds) and memory we lay out.

No live kernel or vmcore is available to test against: see tests/drgnkit. Skipped, with the reason,
only where drgn is not installed (it is in the dev extra on Linux x86-64).
"""

from __future__ import annotations

import io

import pytest

drgn = pytest.importorskip("drgn", reason="drgn is not installed (pip install 'folioviz[drgn]'; Linux only)")

from drgnkit import DIRECT_MAP, Kernel  # noqa: E402

from folioviz.drgn import (  # noqa: E402
    decode,
    era_of,
    explain,
    explain_pagecache,
    pagecache,
    pagecache_table,
    read_folio,
)
from folioviz.kernel import MappingKind  # noqa: E402
from folioviz.widgets import MappingWordWidget  # noqa: E402
from folioviz.widgets.from_drgn import mapping_word_widget, pagecache_widget  # noqa: E402

ERAS = ("pre-v6.0", "v6.0-v6.16", "v6.17+")
AS = DIRECT_MAP + 0x80000  # where "the file's address_space" sits (any aligned address will do)
ANON_VMA = DIRECT_MAP + 0x90000
STABLE_NODE = DIRECT_MAP + 0x98000
MOVABLE_OPS = DIRECT_MAP + 0x9C000


@pytest.fixture(scope="module", params=ERAS)
def kernel(request):
    return Kernel(request.param)


def test_the_era_comes_from_uts_release(kernel):
    assert era_of(kernel.prog).id == kernel.era
    assert decode(kernel.page_ptr(kernel.folio(mapping=AS)[0])).era.id == kernel.era


def test_file_folio(kernel):
    page = kernel.folio(mapping=AS, flags=("PG_uptodate", "PG_lru"), refcount=3, index=7)[0]
    reading = read_folio(kernel.page_ptr(page))
    assert (reading.word, reading.refcount, reading.order, reading.index) == (AS, 3, 0, 7)
    d = decode(kernel.page_ptr(page))
    assert d.kind is MappingKind.FILE
    assert d.helper("folio_mapping").value.address == AS
    assert not d.helper("folio_test_movable").value


def test_anon_folio_uptodate_is_not_movable(kernel):
    # PG_uptodate is the bit PG_movable_ops aliases in v6.17+: an ordinary anon folio has it set.
    page = kernel.folio(mapping=ANON_VMA | 1, flags=("PG_uptodate", "PG_lru", "PG_swapbacked"))[0]
    reading = read_folio(kernel.page_ptr(page))
    assert reading.flags >> kernel.flag("PG_uptodate") & 1
    assert not reading.movable_ops
    d = decode(kernel.page_ptr(page))
    assert d.kind is MappingKind.ANON
    assert d.helper("folio_anon_vma").value.address == ANON_VMA
    assert not d.folio.movable_ops and not d.helper("folio_test_movable").value


def test_ksm_folio(kernel):
    page = kernel.folio(mapping=STABLE_NODE | 3, flags=("PG_uptodate", "PG_swapbacked"))[0]
    d = decode(kernel.page_ptr(page))
    assert d.kind is MappingKind.KSM
    assert d.helper("folio_test_ksm").value and d.helper("folio_test_anon").value


def test_swap_cache_folio(kernel):
    page = kernel.folio(mapping=ANON_VMA | 1, flags=("PG_uptodate", "PG_swapbacked", "PG_swapcache"))[0]
    d = decode(kernel.page_ptr(page))
    assert d.folio.swapcache and d.kind is MappingKind.ANON
    assert "swap_address_space" in d.helper("folio_mapping").text


def test_swapcache_bit_without_swapbacked_is_not_swap_cache(kernel):
    # PG_swapcache is PG_owner_priv_1: a filesystem's PG_checked on a file folio is the same bit.
    page = kernel.folio(mapping=AS, flags=("PG_uptodate", "PG_checked"))[0]
    assert not decode(kernel.page_ptr(page)).folio.swapcache


def test_slab_folio(kernel):
    if kernel.era == "v6.17+":  # a page type; drgn's PageSlab() needs PAGE_SLAB_MAPCOUNT_VALUE
        page = kernel.folio(mapping=DIRECT_MAP + 0x1234, page_type=0xF5000000)[0]
    else:  # the PG_slab page flag
        page = kernel.folio(mapping=DIRECT_MAP + 0x1234, flags=("PG_slab",))[0]
    d = decode(kernel.page_ptr(page))
    assert d.folio.slab and d.kind is MappingKind.SLAB
    assert d.helper("folio_mapping").value.is_null


def test_driver_movable_page(kernel):
    if kernel.era == "v6.17+":
        # A balloon page: page type offline, PG_movable_ops set; the word plays no part.
        page = kernel.folio(mapping=0, flags=("PG_movable_ops",), page_type=0xF1000000)[0]
        reading = read_folio(kernel.page_ptr(page))
        assert reading.page_type == "offline" and reading.movable_ops
        zs = kernel.folio(mapping=0, flags=("PG_movable_ops",), page_type=0xF6000000)[0]
        assert read_folio(kernel.page_ptr(zs)).movable_ops
    else:
        # Tag 0b10: the word points to the driver's struct movable_operations.
        page = kernel.folio(mapping=MOVABLE_OPS | 2)[0]
    d = decode(kernel.page_ptr(page))
    assert d.kind is MappingKind.MOVABLE
    assert d.helper("folio_test_movable").value


def test_tail_page_goes_to_its_folio(kernel):
    pages = kernel.folio(mapping=AS, flags=("PG_uptodate", "PG_lru"), order=2, refcount=5)
    reading = read_folio(kernel.page_ptr(pages[3]))
    assert reading.tail and reading.folio == pages[0] and reading.page == pages[3]
    assert (reading.order, reading.refcount, reading.word) == (2, 5, AS)
    head_type = "struct folio" if kernel.has("struct folio", "") else "struct page"  # no folios before v5.16
    assert decode(kernel.page_ptr(pages[0], head_type)).word == decode(kernel.page_ptr(pages[2])).word == AS


def test_page_cache_walk_with_a_value_entry_and_a_large_folio(kernel):
    mapping = kernel.address_space()
    small = kernel.folio(mapping=mapping, flags=("PG_uptodate", "PG_lru"), refcount=2, index=0)[0]
    large = kernel.folio(mapping=mapping, flags=("PG_uptodate", "PG_lru"), refcount=4, order=2, index=4)[0]
    kernel.page_cache(mapping, {0: ("folio", small, 0), 1: ("value", 0x1234, 0), 4: ("folio", large, 2)})
    inode = kernel.alloc("struct inode")
    kernel.write(inode, "struct inode", "i_mapping", mapping)
    for target in (kernel.obj(mapping, "struct address_space").address_of_(), kernel.page_ptr(inode, "struct inode")):
        entries = pagecache(target)
        assert [(e.index, e.kind) for e in entries] == [(0, "folio"), (1, "value"), (4, "folio")]
    first, value, big = entries
    assert (first.refcount, first.order, first.decode.kind) == (2, 0, MappingKind.FILE)
    assert first.decode.word == mapping
    assert value.value == 0x1234 and value.decode is None and "shadow" in value.note
    assert (big.refcount, big.order) == (4, 2) and big.entry == large
    table = pagecache_table(entries)
    assert "value 0x1234" in table and "file" in table
    out = io.StringIO()
    explain_pagecache(target, file=out)
    assert out.getvalue() == table + "\n"

    from folioviz.widgets.pagecache_walk import PageCacheWalkWidget

    widget = PageCacheWalkWidget(entries)
    opened = widget.open_row(2)
    assert isinstance(opened, MappingWordWidget) and opened.word == mapping
    assert widget.open_row(1) is None and "value entry" in widget._message.value
    assert pagecache_widget(target).entries == entries  # the bridge's walk, opened in one call


def test_explain_prints_the_decode_and_what_was_read(kernel):
    page = kernel.folio(mapping=ANON_VMA | 1, flags=("PG_uptodate", "PG_swapbacked", "PG_swapcache"))[0]
    out = io.StringIO()
    result = explain(kernel.page_ptr(page), file=out)
    text = out.getvalue()
    assert result.folio.swapcache
    assert "anon" in text and "drgn PageSlab()" in text and "PG_swapbacked and PG_swapcache" in text


def test_mapping_word_widget_from_drgn(kernel):
    page = kernel.folio(mapping=STABLE_NODE | 3)[0]
    widget = MappingWordWidget.from_reading(decode(kernel.page_ptr(page)))
    assert widget.result.kind is MappingKind.KSM and widget.result.era.id == kernel.era
    assert mapping_word_widget(kernel.page_ptr(page)).word == STABLE_NODE | 3
    read = widget.children[-1].value
    assert "Read by drgn from the kernel memory" in read
    assert "drgn PageSlab()" in read and "drgn compound_order()" in read


def test_drgn_object_output_pastes_back(kernel):
    """drgn's own formatting of a real struct page/folio is a paste folioviz reads."""
    from drgnkit import KERNELS

    from folioviz.kernel import decode as decode_word

    # The flags word is a number here: it is read with the table of the kernel's release (its UTS release),
    # not with the era's example kernel, whose bit numbers are uncertain between builds.
    release = KERNELS[kernel.era][1]
    for type_name in ("struct page", "struct folio")[: 2 if kernel.has("struct folio", "") else 1]:
        page = kernel.folio(mapping=ANON_VMA | 1, flags=("PG_uptodate", "PG_swapbacked", "PG_swapcache"), refcount=2)[0]
        text = str(kernel.page_ptr(page, type_name)[0])
        for pasted in (text, text.replace("\n", "")):  # whole, or through a one-line text box
            d = decode_word(pasted, release)
            assert d.word == ANON_VMA | 1 and d.folio.swapcache, text[:400]
            assert d.folio.paste.refcount == 2 and d.folio.paste.source == "drgn"
    tail = kernel.folio(mapping=ANON_VMA | 1, order=1)[1]
    d = decode_word(str(kernel.page_ptr(tail)[0]), kernel.era)
    assert any(f"head page at {tail - kernel.page_size:#x}" in note for note in d.notes)
    member = str(kernel.page_ptr(page).mapping)
    assert decode_word(member, kernel.era).word == ANON_VMA | 1


def test_an_address_outside_memory_is_refused_clearly(kernel):
    with pytest.raises(ValueError, match="cannot read the struct page/folio at 0xffffea00ffff0000"):
        decode(kernel.page_ptr(0xFFFFEA00FFFF0000))


def test_bad_objects_are_refused_clearly(kernel):
    with pytest.raises(TypeError, match="struct folio \\* or struct page \\*"):
        decode(drgn.Object(kernel.prog, "int", 3))
    with pytest.raises(TypeError, match="drgn Object"):
        decode("0xffffea0000000000")


def test_a_bare_address_uses_drgns_default_program(kernel):
    page = kernel.folio(mapping=ANON_VMA | 1)[0]
    drgn.set_default_prog(None)
    with pytest.raises(TypeError, match="no default program"):
        decode(page)
    drgn.set_default_prog(kernel.prog)
    try:
        assert decode(page).kind is MappingKind.ANON
    finally:
        drgn.set_default_prog(None)


def test_the_readme_one_liner_as_drgn_e_runs_it(kernel, capsys):
    """``drgn -e CODE`` runs CODE with drgn's default program set (no kernel here to run drgn itself on)."""
    page = kernel.folio(mapping=STABLE_NODE | 3)[0]
    drgn.set_default_prog(kernel.prog)
    try:
        exec(f"from folioviz.drgn import explain; explain({page:#x})", {"prog": kernel.prog})
    finally:
        drgn.set_default_prog(None)
    assert "KSM" in capsys.readouterr().out
