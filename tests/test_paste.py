"""Real pastes: crash struct dumps and kmem rows, drgn output, dmesg dump_page() reports, C literals.

The formats follow the tools' own source and documentation (see folioviz/kernel/paste.py): crash's
help pages for ``struct`` and ``kmem``, drgn's object formatting (test_drgn.py feeds drgn's own
output back), and ``__dump_page()``/``__dump_folio()`` in mm/debug.c of v5.10, v6.1 and v6.18.

No crash binary or crash dump was at hand: the crash examples are written out in crash's documented
layout (its help pages), not captured from crash. One dump_page() report is real (see
DUMP_PAGE_REAL_ANON); the others follow mm/debug.c's format strings.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from folioviz.cli import main
from folioviz.kernel import BadWordError, MappingKind, decode
from folioviz.kernel.paste import flag_table, parse_number, parse_paste

# v6.1 bit numbers (data/page_flags/6.1.0-57-amd64.toml): uptodate 2, lru 4, active 5, owner_priv_1 10, swapbacked 19;
# 0x17ffffc0000000 is the node/zone/last_cpupid part above the flags.
FLAGS_61_SWAPCACHE = 0x17FFFFC0000000 | 1 << 2 | 1 << 4 | 1 << 10 | 1 << 19

CRASH_STRUCT_PAGE_61 = f"""crash> struct page ffffea000428b340
struct page {{
  flags = {FLAGS_61_SWAPCACHE},
  {{
    {{
      {{
        lru = {{
          next = 0xffffea000428b308,
          prev = 0xffffea000428b388
        }},
        {{
          __filler = 0xffffea000428b308,
          mlock_count = 70824840
        }}
      }},
      mapping = 0xffff8881036d7a69,
      index = 34359738367,
      private = 4198
    }},
    {{
      pp_magic = 18446719884523844360,
      pp = 0xffffea000428b388,
      _pp_mapping_pad = 18446612686443739753,
      dma_addr = 34359738367,
      {{
        dma_addr_upper = 4198,
        pp_frag_count = {{
          counter = 4198
        }}
      }}
    }}
  }},
  {{
    _mapcount = {{
      counter = 0
    }},
    page_type = 0
  }},
  _refcount = {{
    counter = 2
  }},
  memcg_data = 18446612686448717824
}}
"""


def test_crash_struct_page_dump_gives_word_flags_and_counts():
    d = decode(CRASH_STRUCT_PAGE_61, "6.1")
    assert d.word == 0xFFFF8881036D7A69 and d.kind is MappingKind.ANON
    p = d.folio.paste
    assert p.source == "crash" and p.flags == FLAGS_61_SWAPCACHE
    assert (p.refcount, p.mapcount) == (2, 0)
    assert d.folio.swapcache and "swap_address_space" in d.helper("folio_mapping").text
    assert any("bit 10 owner_priv_1: set" in line for line in p.bits_read)
    assert any("6.1.0-57-amd64" in line for line in p.bits_read)  # which build's numbering was used


def test_the_same_flags_word_means_other_bits_in_another_era():
    # Bit 10 is owner_priv_1 in both, but swapbacked is bit 19 in v6.1 and bit 17 in v6.18.
    assert flag_table("6.1").bits["swapbacked"] == 19 and flag_table("6.18").bits["swapbacked"] == 17
    d = decode(CRASH_STRUCT_PAGE_61, "6.18")
    assert not d.folio.swapcache


def test_crash_member_lines():
    assert decode("  mapping = 0xffff8881036d7a69,").word == 0xFFFF8881036D7A69
    assert decode("mapping = 0x0,").kind is MappingKind.NULL


def test_crash_radix_16_flags():
    d = decode(f"  flags = {FLAGS_61_SWAPCACHE:#x},\n  mapping = 0xffff8881036d7a69,", "6.1")
    assert d.folio.paste.flags == FLAGS_61_SWAPCACHE and d.folio.swapcache


def test_crash_kmem_row_with_its_flag_names():
    text = """crash> kmem ffffea000428b340
      PAGE        PHYSICAL      MAPPING       INDEX CNT FLAGS
ffffea000428b340 10a2cd000 ffff8881036d7a69 7f1c2a01d  2 17ffffc008040c uptodate,lru,owner_priv_1,swapbacked
"""
    d = decode(text, "6.1")
    p = d.folio.paste
    assert p.source == "crash kmem" and p.refcount == 2 and p.index == 0x7F1C2A01D
    assert d.word == 0xFFFF8881036D7A69 and d.folio.swapcache
    assert "owner_priv_1" in p.flag_names


def test_drgn_member_line():
    d = decode(".mapping = (struct address_space *)0xffff8881036d7a68,")
    assert d.word == 0xFFFF8881036D7A68 and d.kind is MappingKind.FILE
    assert d.folio.paste.source == "drgn"


DUMP_PAGE_61_FILE = """\
[ 1022.118403] page:00000000b2b6e3a4 refcount:2 mapcount:1 mapping:000000005d3d2b1c index:0x7f4c pfn:0x10a4d2
[ 1022.118412] memcg:ffff888101a3c000
[ 1022.118415] aops:ext4_da_aops ino:1e0a3 dentry name:"libc.so.6"
[ 1022.118420] flags: 0x17ffffc0002036(referenced|uptodate|lru|active|private|node=0|zone=2|lastcpupid=0x1fffff)
[ 1022.118425] raw: 0017ffffc0002036 ffffea000429a4c8 ffffea0004293408 ffff8881036d7a68
[ 1022.118428] raw: 0000000000007f4c ffff888104c1f5b0 0000000200000000 ffff888101a3c000
[ 1022.118430] page dumped because: folioviz test
"""


def test_dump_page_with_raw_lines_gives_the_real_word():
    d = decode(DUMP_PAGE_61_FILE, "6.1")
    p = d.folio.paste
    assert d.word == 0xFFFF8881036D7A68 and d.kind is MappingKind.FILE
    assert p.hashed and not p.placeholder and p.report_kind == "file"
    assert (p.refcount, p.mapcount, p.index) == (2, 1, 0x7F4C)
    assert any("hashed" in n and "no_hash_pointers" in n for n in d.notes)


@pytest.mark.parametrize("joiner", ["", " "])
def test_a_block_pasted_into_a_one_line_box(joiner):
    # An <input type=text> drops (or, in some browsers, blanks) the newlines of a pasted block.
    d = decode(DUMP_PAGE_REAL_ANON.replace("\n", joiner), "6.6")
    assert d.word == 0xFFFF0000E232A7C9 and d.folio.paste.report_kind == "anon"
    assert "swapbacked" in d.folio.paste.flag_names
    d = decode(CRASH_STRUCT_PAGE_61.replace("\n", joiner), "6.1")
    assert d.word == 0xFFFF8881036D7A69 and d.folio.swapcache and d.folio.paste.refcount == 2


def test_dump_page_without_raw_lines_teaches_from_the_labels():
    head, *_ = DUMP_PAGE_61_FILE.split("[ 1022.118425]")
    d = decode(head, "6.1")
    assert d.kind is MappingKind.FILE and d.folio.paste.placeholder
    anon = """page:000000007e43f3b8 refcount:3 mapcount:1 mapping:0000000000000000 index:0x7f1c2a01d pfn:0x11b2c0
memcg:ffff888102d0e000
anon flags: 0x17ffffc0080034(uptodate|lru|active|swapbacked|node=0|zone=2|lastcpupid=0x1fffff)
page dumped because: folioviz test"""
    d = decode(anon, "6.1")
    assert d.kind is MappingKind.ANON and d.folio.paste.placeholder and not d.folio.swapcache
    ksm = anon.replace("anon flags:", "ksm flags:")
    assert decode(ksm, "6.1").kind is MappingKind.KSM


def test_dump_page_early_in_boot_prints_ptrval():
    text = (
        "page:(____ptrval____) refcount:1 mapcount:0 mapping:(____ptrval____) index:0x0 pfn:0x1000\n"
        "aops:def_blk_aops ino:0\nflags: 0x0()"
    )
    d = decode(text, "6.1")
    assert d.folio.paste.hashed and d.folio.paste.placeholder and d.kind is MappingKind.FILE


def test_dump_page_no_hash_pointers_prints_the_pointer():
    text = DUMP_PAGE_61_FILE.split("[ 1022.118425]")[0].replace("mapping:000000005d3d2b1c", "mapping:ffff8881036d7a68")
    p = parse_paste(text, "6.1")
    assert not p.hashed


# A real report, quoted in the message of commit 1b0449544c64 ("mm/vmscan: don't try to reclaim
# hwpoison folio", v6.15-rc1), from an arm64 6.6 kernel; line breaks put back where each pr_warn()
# ends. https://git.kernel.org/torvalds/c/1b0449544c6482179ac84530b61fc192a6527bfd
DUMP_PAGE_REAL_ANON = """\
page: refcount:2 mapcount:0 mapping:0000000000000000 index:0x20ffd pfn:0x18b00e
memcg:ffff0000dd6d9000
anon flags: 0x5ffffe00482011(locked|dirty|arch_1|swapbacked|hwpoison|node=0|zone=2|lastcpupid=0xfffff)
raw: 005ffffe00482011 dead000000000100 dead000000000122 ffff0000e232a7c9
raw: 0000000000020ffd 0000000000000000 00000002ffffffff ffff0000dd6d9000
page dumped because: VM_BUG_ON_FOLIO(!folio_test_uptodate(folio))
"""


def test_a_real_dump_page_report():
    d = decode(DUMP_PAGE_REAL_ANON, "6.6")
    p = d.folio.paste
    assert d.word == 0xFFFF0000E232A7C9 and d.kind is MappingKind.ANON
    assert p.report_kind == "anon" and (p.refcount, p.mapcount, p.index) == (2, 0, 0x20FFD)
    assert "swapbacked" in p.flag_names and not d.folio.swapcache  # no owner_priv_1: not yet in the swap cache
    assert d.helper("folio_anon_vma").value.address == 0xFFFF0000E232A7C8


def test_dump_page_newer_format_with_a_page_type():
    # Newer kernels drop the page pointer ("page: refcount:"); v6.12+ print "page_type: <byte>(<name>)".
    balloon = """page: refcount:1 mapcount:0 mapping:0000000000000000 index:0x0 pfn:0x1a2b3
flags: 0x4000000000000008(uptodate|zone=1)
page_type: f1(offline)
raw: 4000000000000008 dead000000000100 dead000000000122 0000000000000000
raw: 0000000000000000 0000000000000000 00000000f1000000 0000000000000000
page dumped because: folioviz test"""
    d = decode(balloon, "6.18")
    assert d.folio.movable_ops and d.kind is MappingKind.MOVABLE
    # The same bit on an ordinary anon folio is PG_uptodate, not movable_ops.
    anon = """page: refcount:1 mapcount:1 mapping:0000000000000000 index:0x7f00 pfn:0x1a2b4
anon flags: 0x4000000000020028(uptodate|lru|swapbacked|zone=1)
raw: 4000000000020028 ffffea0000000008 ffffea0000000008 ffff888103c8d6e1
raw: 0000000000007f00 0000000000000000 0000000100000000 0000000000000000
page dumped because: folioviz test"""
    d = decode(anon, "6.18")
    assert d.kind is MappingKind.ANON and not d.folio.movable_ops
    assert any("not movable_ops" in line for line in d.folio.paste.bits_read)
    slab = balloon.replace("f1(offline)", "f5(slab)").replace("(uptodate|zone=1)", "(zone=1)")
    assert decode(slab, "6.18").kind is MappingKind.SLAB


def test_dump_page_v5_10_slab_flag():
    text = """page:00000000d9b1b0a6 refcount:1 mapcount:0 mapping:0000000000000000 index:0x0 pfn:0x104c0c
flags: 0x17ffffc0000200(slab)
raw: 0017ffffc0000200 dead000000000100 dead000000000122 ffff888100042a00
raw: 0000000000000000 0000000000100010 00000001ffffffff 0000000000000000
page dumped because: folioviz test"""
    d = decode(text, "5.10")
    assert d.folio.slab and d.kind is MappingKind.SLAB


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("0xffff8881036d7a68UL", 0xFFFF8881036D7A68),
        ("0xffff8881036d7a68ULL", 0xFFFF8881036D7A68),
        ("ffff8881036d7a68ul", 0xFFFF8881036D7A68),
        ("0b101", 0b101),
        ("0B11", 0b11),
    ],
)
def test_c_literals(text, word):
    assert decode(text).word == word


def test_0b_with_hex_digits_is_refused_not_read_as_hex():
    with pytest.raises(BadWordError, match="binary"):
        decode("0b1f")
    assert parse_number("0x0b1f") == 0x0B1F


def test_a_dump_without_mapping_says_what_is_wanted():
    with pytest.raises(BadWordError, match="no 'mapping' member"):
        decode("struct page {\n  flags = 1,\n}")


def test_cli_reads_a_report_from_stdin(monkeypatch, capsys):
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO(DUMP_PAGE_61_FILE))
    assert main(["decode", "-", "--kernel", "6.1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["kind"] == "file" and out["paste"]["source"] == "dump_page"
    assert out["paste"]["hashed_pointers"] is True
    assert main(["decode", ".mapping = (struct address_space *)0xffff8881036d7a69,"]) == 0
    assert "anon" in capsys.readouterr().out


def test_widget_paste_box_takes_a_crash_dump():
    from folioviz.widgets import MappingWordWidget

    widget = MappingWordWidget(era="6.1")
    assert widget.paste(CRASH_STRUCT_PAGE_61)
    assert widget.word == 0xFFFF8881036D7A69 and widget.result.folio.swapcache
    from folioviz.render.tables import helpers_table_html

    shown = helpers_table_html(widget.result)
    assert "Read from a crash paste" in shown and "bit 10 owner_priv_1: set" in shown
    assert not widget.paste("0b12") and "binary" in widget.error
    assert widget.word == 0xFFFF8881036D7A69  # the last good state is kept


def test_folioviz_imports_and_the_drgn_module_explains_without_drgn():
    code = (
        "import sys; sys.modules['drgn'] = None\n"
        "import folioviz, folioviz.drgn\n"
        "try:\n    folioviz.drgn.decode(object())\n"
        "except ImportError as e:\n    print('ok', 'folioviz[drgn]' in str(e))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60).stdout
    assert out.strip() == "ok True"


def test_page_cache_walk_widget_without_drgn():
    from folioviz.drgn import VALUE_NOTE, CacheEntry
    from folioviz.widgets.pagecache_walk import PageCacheWalkWidget

    entries = (
        CacheEntry(0, 0xFFFFEA0000000040, "folio", refcount=2, order=0, decode=decode(0xFFFF888100080000)),
        CacheEntry(1, 0x2469, "value", value=0x1234, note=VALUE_NOTE),
    )
    widget = PageCacheWalkWidget(entries)
    assert widget.open_row(0).word == 0xFFFF888100080000
    assert widget.open_row(1) is None
    assert widget.open_row(7) is None and "row must be" in widget.error
    assert "value entry" in widget._table.value


WORDS = st.integers(min_value=0, max_value=(1 << 64) - 1)


@given(WORDS)
def test_every_word_survives_each_tool_s_spelling(word):
    spellings = [
        f"{word:#x}UL",
        f"0b{word:b}",
        f"  mapping = {word:#x},",
        f".mapping = (struct address_space *){word:#x},",
        f"struct page {{\n  flags = 0,\n  mapping = {word:#x},\n  _refcount = {{\n    counter = 1\n  }}\n}}",
    ]
    for text in spellings:
        assert parse_paste(text).word == word, text


@given(WORDS, st.sampled_from(["5.10.0-32-amd64", "6.1.0-57-amd64", "6.12.117+deb13-amd64", "6.17.8+deb13-amd64"]))
def test_flag_bits_read_back_by_name(flags, release):
    # A build's own release: every bit is named from its table (data/page_flags/<release>.toml).
    table = flag_table(release)
    names = set(table.names(flags))
    assert names == {n for n, b in table.bits.items() if flags >> b & 1}
    p = parse_paste(f"  flags = {flags},\n  mapping = 0x0,", kernel=release)
    assert set(p.flag_names) == names
    assert p.swapcache == ("owner_priv_1" in names and "swapbacked" in names and not p.slab)


@pytest.mark.parametrize(
    ("release", "fixture"),
    [("6.1.0-57-amd64", "vmlinux-6.1.192-amd64.btf.xz"), ("7.3.4+deb13-amd64", "vmlinux-6.18.44.btf.xz")],
)
def test_the_btf_fixtures_of_the_drgn_tests_number_flags_as_the_build_tables(release, fixture):
    """tests/fixtures/btf (the drgn tests' types) against data/page_flags/ of a build of the same numbering."""
    from pathlib import Path

    from folioviz.drgn.btf import Btf

    btf = Btf.from_file(Path(__file__).parent / "fixtures" / "btf" / fixture)
    kernel = {name[3:]: bit for name, bit in btf.enum_values("pageflags").items() if not name.startswith("__")}
    table = flag_table(release)
    fixed = {n: b for n, b in table.bits.items() if b < table.config_dependent_from}
    assert {n: kernel[n] for n in fixed} == fixed
    assert kernel["swapcache"] == kernel["owner_priv_1"]
    if release.startswith("7."):
        # The 6.18.44 fixture was built without CONFIG_MEMORY_FAILURE, Debian's builds with it: the
        # configuration-dependent tail differs (hwpoison 21, young 22 in Debian's; young 21 in the fixture's).
        assert "hwpoison" not in kernel and table.bits["hwpoison"] == 21 and kernel["young"] == 21
