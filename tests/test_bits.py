"""The bitstring adapter that feeds the bit buttons."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from folioviz.render.bits import byte_groups, word_bits, word_hex


@given(st.integers(0, (1 << 64) - 1))
def test_word_bits_are_indexed_by_bit_number(word):
    bits = word_bits(word, 64)
    assert len(bits) == 64
    assert sum(b << n for n, b in enumerate(bits)) == word


@given(st.integers(0, (1 << 32) - 1))
def test_byte_groups_cover_the_word_most_significant_first(word):
    groups = byte_groups(word, 32)
    assert [g.index for g in groups] == [3, 2, 1, 0]
    assert "".join(g.hex for g in groups) == f"{word:08x}"
    assert [n for g in groups for n in g.bits] == list(range(31, -1, -1))


def test_known_word():
    groups = byte_groups(0xFFFF888003A1C002, 64)
    assert groups[0].hex == "ff" and groups[-1].hex == "02"
    assert word_bits(0b10, 64)[:2] == (False, True)


@given(st.integers(0, 2**64 - 1))
def test_word_hex_is_the_word_zero_padded(word):
    assert word_hex(word, 64) == f"0x{word:016x}"
    assert int(word_hex(word & 0xFFFFFFFF, 32), 16) == word & 0xFFFFFFFF and len(word_hex(0, 32)) == 10


# --------------------------------------------------------------------------- page->flags field by field

LAB_6_12 = "6.12.117+deb13-amd64"


def _layout(release: str = LAB_6_12):
    from folioviz.kernel.flags import build_table

    layout = build_table(release).layout
    assert layout is not None
    return layout


@given(st.integers(0, 2**64 - 1))
def test_flag_groups_cover_the_word_from_bit_63_down(word):
    from folioviz.render.bits import flags_field_groups

    groups = flags_field_groups(word, _layout())
    assert groups[0].high == 63 and groups[-1].low == 0
    assert all(a.low == b.high + 1 for a, b in itertools.pairwise(groups))
    assert int("".join(g.bin for g in groups), 2) == word
    assert all(int(g.bin, 2) == g.value for g in groups)


def test_the_lab_s_reserved_page_field_by_field():
    """The word a 6.12.117 guest printed as flags: 0xfffffc0002000(reserved|node=0|zone=1|lastcpupid=0x1fffff)."""
    from folioviz.render.bits import flags_fields_text

    text = flags_fields_text(0x000FFFFFC0002000, _layout(), ("reserved",))
    assert text.splitlines() == [
        "page->flags 0x000fffffc0002000, field by field (layout of build 6.12.117+deb13-amd64):",
        "  bits 63-54  node        0000000000                node=0",
        "  bits 53-51  zone        001                       zone=1 (DMA32)",
        "  bits 50-30  lastcpupid  111111111111111111111     lastcpupid=0x1fffff",
        "  bits 29-27  lru_gen     000                       lru_gen=0 (not printed by %pGp)",
        "  bits 26-25  lru_refs    00                        lru_refs=0 (not printed by %pGp)",
        "  bit 24      unused      0                         unused",
        "  bits 23-0   flags       000000000010000000000000  reserved",
    ]


def test_a_5_10_word_has_no_lru_fields_and_a_gen_is_stored_plus_one():
    from folioviz.render.bits import flags_field_groups

    old = [g.label for g in flags_field_groups(0x000FFFFFC0100016, _layout("5.10.0-32-amd64"))]
    assert old == ["node", "zone", "lastcpupid", "unused", "flags"]
    gen = {g.label: g for g in flags_field_groups(0x000FFFFFE0020828, _layout())}["lru_gen"]
    assert gen.value == 4 and "generation 3" in gen.text


def test_the_html_form_labels_every_colour():
    from folioviz.render.bits import FIELD_COLOURS, flags_fields_html

    html = flags_fields_html(0x000FFFFFC0002000, _layout(), ("reserved",))
    for label in ("node", "zone", "lastcpupid", "lru_gen", "lru_refs", "unused", "flags"):
        assert f"<b>{label}</b>" in html and FIELD_COLOURS[label] in html
    assert "node=0" in html and "zone=1 (DMA32)" in html and "<script" not in html
