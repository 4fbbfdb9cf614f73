"""The parser says what a report shows and no more (issue 18, "wrong answers").

Each test is one defect of the issue: poison words read as file pointers, "file" claimed with no
evidence, two reports merged, mail damage, crash's radix 16, and the release-dependent meaning of
dump_page()'s fields (data/report_facts.toml).
"""

from __future__ import annotations

import quopri

import pytest

from folioviz.kernel import MappingKind, decode
from folioviz.kernel.paste import flag_table, parse_paste, poison_name
from tests.test_paste import DUMP_PAGE_61_FILE, DUMP_PAGE_REAL_ANON

# A real s390 crash session (radix 16): the head page and its first tail page of a HugeTLB folio, from
# Gerald Schaefer's mail of 23 February 2021, https://lore.kernel.org/all/20210223174540.5526d843@thinkpad/
# (cut to the members that matter here; crash's layout kept).
S390_TAIL = """crash> struct -x page 0000037203dec040
struct page {
  flags = 0x3ffff00000000000,
  {
    {
      lru = {
        next = 0x37203dec001,
        prev = 0x2080372ffffffff
      },
      mapping = 0x10000000400,
      index = 0x2,
      private = 0x0
    },
    {
      compound_head = 0x37203dec001,
      compound_dtor = 0x2,
      compound_order = 0x8,
      compound_mapcount = {
        counter = 0xffffffff
      },
      compound_nr = 0x100
    }
  },
  {
    _mapcount = {
      counter = 0xffffffff
    },
    page_type = 0xffffffff
  },
  _refcount = {
    counter = 0x0
  },
  memcg_data = 0x0
}
"""
S390_HEAD = (
    S390_TAIL.replace("0000037203dec040", "0000037203dec000")
    .replace("mapping = 0x10000000400", "mapping = 0x0")
    .replace("compound_head = 0x37203dec001", "compound_head = 0x37203dec008")
)


def test_a_tail_page_s_poison_is_poison_not_a_file():
    d = decode(S390_TAIL, "5.10")
    assert d.kind is MappingKind.POISON and d.word == 0x10000000400
    assert d.helper("folio_mapping").text == "unknown"  # never "returns the poison"
    assert "TAIL_MAPPING" in d.target_note
    assert any("TAIL page" in n and "0x37203dec000" in n for n in d.notes)


@pytest.mark.parametrize(
    ("word", "name"),
    [
        (0xDEAD000000000400, "TAIL_MAPPING"),
        (0xDEAD000000000100, "LIST_POISON1"),
        (0xDEAD000000000122, "LIST_POISON2"),
        (0x5DEADBEEF0000400, "TAIL_MAPPING"),
        (0x10000000400, "TAIL_MAPPING"),
    ],
)
def test_poison_values_per_architecture(word, name):
    assert poison_name(word).startswith(name)
    d = decode(word, "6.1")
    assert d.kind is MappingKind.POISON and d.helper("folio_mapping").value is None


def test_a_crash_kmem_row_of_a_tail_page():
    text = """crash> kmem -p ffffea0004285040
      PAGE        PHYSICAL      MAPPING       INDEX CNT FLAGS
ffffea0004285040 10a141000 dead000000000400        0  0 17ffffc0000000
"""
    d = decode(text, "6.1")
    assert d.kind is MappingKind.POISON and d.kind is not MappingKind.FILE


def test_crash_radix_16_mapcount_is_minus_one():
    d = decode(S390_TAIL, "5.10")
    assert d.folio.paste.mapcount == -1 and d.folio.paste.refcount == 0
    assert any("0xffffffff" in n and "-1" in n for n in d.notes)


def test_two_reports_are_never_merged():
    second = DUMP_PAGE_REAL_ANON
    d = decode(DUMP_PAGE_61_FILE + second, "6.1")
    p = d.folio.paste
    assert p.reports == 2
    assert d.word == 0xFFFF8881036D7A68 and p.report_kind == "file"  # all from the first
    assert "referenced" in p.flag_names and "hwpoison" not in p.flag_names
    assert any("2 reports" in n for n in d.notes)
    both = decode(S390_HEAD + S390_TAIL, "5.10")
    assert both.folio.paste.reports == 2 and both.word == 0


HASHED_NO_EVIDENCE = """\
page:00000000b2b6e3a4 refcount:3 mapcount:1 mapping:000000005d3d2b1c index:0x7f4c pfn:0x10a4d2
flags: 0x17ffffc0080436(referenced|uptodate|lru|owner_priv_1|swapbacked|node=0|zone=2)
page dumped because: folioviz test
"""


def test_a_hashed_mapping_with_no_evidence_is_kind_unknown():
    d = decode(HASHED_NO_EVIDENCE, "6.1")
    assert d.kind is MappingKind.UNKNOWN
    assert "hashed" in d.target_note and "raw:" in d.target_note
    assert all(h.text == "unknown" for h in d.helpers)
    assert d.to_dict()["kind"] == "unknown" and d.to_dict()["paste"]["kind_unknown"]


def test_slab_in_the_raw_words_without_a_flags_line_is_not_file():
    slab = 1 << flag_table("6.1").bits["slab"]
    text = f"""page:00000000d9b1b0a6 refcount:1 mapcount:0 mapping:0000000000000000 index:0x0 pfn:0x104c0c
raw: {0x17FFFFC0000000 | slab:016x} dead000000000100 dead000000000122 ffff888100042a00
raw: 0000000000000000 0000000000100010 00000001ffffffff 0000000000000000
page dumped because: folioviz test"""
    d = decode(text, "6.1")
    assert d.kind is MappingKind.SLAB and d.folio.slab
    assert any("no flags: line" in n for n in d.notes)


def test_a_flags_list_wrapped_by_a_mail_client():
    wrapped = DUMP_PAGE_61_FILE.replace("(referenced|uptodate|", "(referenced|uptodate|\n   ")
    p = decode(wrapped, "6.1").folio.paste
    assert set(p.flag_names) == {"referenced", "uptodate", "lru", "active", "private"}
    assert not any("\n" in n or " " in n for n in p.flag_names)


def test_a_quoted_printable_mail():
    encoded = quopri.encodestring(DUMP_PAGE_61_FILE.replace("\n", " " * 30 + "\n").encode()).decode()
    assert "=\n" in encoded or "=3D" in encoded or "=20" in encoded
    mail = encoded.replace("(referenced|uptodate|lru", "(referenced|uptodate|l=\nru")
    d = decode(mail, "6.1")
    assert "lru" in d.folio.paste.flag_names and d.word == 0xFFFF8881036D7A68
    assert any("quoted-printable" in n for n in d.notes)


DRGN = """*(struct page *)0xffffea000428b340 = {
\t.flags = (unsigned long)6755398441271308,
\t.lru = (struct list_head){
\t\t.next = (struct list_head *)0xffffea000428b308,
\t\t.prev = (struct list_head *)0xffffea000428b388,
\t},
\t.mapping = (struct address_space *)0xffff8881036d7a69,
\t.index = (unsigned long)34359738367,
\t._mapcount = (atomic_t){
\t\t.counter = (int)0,
\t},
\t._refcount = (atomic_t){
\t\t.counter = (int)2,
\t},
}"""


def test_a_drgn_dump_wrapped_mid_token():
    whole = decode(DRGN, "6.1").folio.paste
    wrapped = DRGN.replace("(unsigned long)675539844", "(unsigned long)675539\n844").replace("(int)2,", "(i\nnt)2,")
    p = decode(wrapped, "6.1").folio.paste
    assert p.flags == whole.flags == 6755398441271308 and p.refcount == 2
    assert any("broken in the middle" in n for n in p.notes)


def test_a_line_that_cannot_be_read_is_quoted():
    broken = DRGN.replace(".mapping = (struct address_space *)0xffff8881036d7a69", ".mapping = 0xffzz8881036d7a69")
    with pytest.raises(ValueError, match="ffzz"):
        decode(broken, "6.1")


PRE_57 = """\
page:ffffea0004a1b2c0 refcount:2 mapcount:1 mapping:ffff888103c8d6e1 index:0x7f00
anon flags: 0x17ffffc0080034(uptodate|lru|active|swapbacked)
raw: 0017ffffc0080034 ffffea0004a1b308 ffffea0004a1b288 ffff888103c8d6e1
page dumped because: folioviz test
CPU: 1 PID: 4242 Comm: repro Not tainted 5.4.0-rc3+ #1
"""


def test_before_v5_7_mapping_is_the_raw_word_and_no_hash_pointers_is_not_credited():
    d = decode(PRE_57.replace("raw: 0017ffffc0080034 ffffea0004a1b308 ffffea0004a1b288 ffff888103c8d6e1\n", ""))
    assert d.word == 0xFFFF888103C8D6E1 and d.kind is MappingKind.ANON
    text = " ".join(d.notes)
    assert "v5.4" in text and "%px" in text and "6197ab984b41" in text
    assert "folio_mapping() returned" not in text
    assert "booted with no_hash_pointers" not in text


def test_a_release_named_by_the_reader_is_used():
    text = PRE_57.replace("CPU: 1 PID: 4242 Comm: repro Not tainted 5.4.0-rc3+ #1\n", "")
    d = decode(text.replace("raw: 0017ffffc0080034 ffffea0004a1b308 ffffea0004a1b288 ffff888103c8d6e1\n", ""), "5.4")
    assert d.word == 0xFFFF888103C8D6E1 and any("%px" in n for n in d.notes)


def test_no_hash_pointers_is_credited_only_from_v5_12():
    unhashed = DUMP_PAGE_61_FILE.split("[ 1022.118425]")[0].replace(
        "mapping:000000005d3d2b1c", "mapping:ffff8881036d7a68"
    )
    d = decode(unhashed + "CPU: 0 PID: 1 Comm: x Not tainted 6.1.0-13-amd64 #1\n", "6.1")
    assert any("no_hash_pointers" in n and "5ead723a20e0" in n for n in d.notes)
    d = decode(unhashed + "CPU: 0 PID: 1 Comm: x Not tainted 5.10.223 #1\n", "5.10")
    assert not any("booted with no_hash_pointers" in n for n in d.notes)


AOPS_PRE_60 = """\
page:00000000b2b6e3a4 refcount:1 mapcount:0 mapping:000000005d3d2b1c index:0x0
aops:balloon_aops
flags: 0x17ffffc0000000()
page dumped because: folioviz test
"""


def test_aops_before_v6_0_is_no_proof_of_a_file_page():
    d = decode(AOPS_PRE_60, "5.10")
    assert d.kind is MappingKind.UNKNOWN and "non-LRU movable" in d.target_note
    lru = AOPS_PRE_60.replace("aops:balloon_aops", "aops:ext4_da_aops ino:1e0a3").replace("()", "(uptodate|lru)")
    assert decode(lru, "5.10").kind is MappingKind.FILE
    assert decode(AOPS_PRE_60, "6.1").kind is MappingKind.FILE  # from v6.0 aops: is proof


def test_compound_info_is_not_turned_into_a_head_address():
    text = "struct page {\n  flags = 0,\n  compound_info = 0xffffffffffffc001,\n  mapping = 0x0,\n}"
    d = decode(text, "latest")
    assert not any("head page at" in n for n in d.notes)
    assert any("TAIL page" in n and "mask" in n for n in d.notes)


def test_the_page_type_line_in_both_formats():
    old = """page: refcount:1 mapcount:0 mapping:0000000000000000 index:0x0 pfn:0x1a2b3
flags: 0x4000000000000000(zone=1)
page_type: 0xffffff7f(buddy)
page dumped because: folioviz test"""
    assert parse_paste(old, "6.6").page_type == "buddy"
    assert parse_paste(old.replace("0xffffff7f(buddy)", "f0(buddy)"), "6.12").page_type == "buddy"
    import folioviz.kernel.paste as paste

    assert "v6.4" in paste.__doc__ and "%pGt" in paste.__doc__
