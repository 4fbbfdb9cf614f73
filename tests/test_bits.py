"""The bitstring adapter that feeds the bit buttons."""

from __future__ import annotations

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
