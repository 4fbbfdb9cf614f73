"""The word as bits, for display. bitstring does the slicing; plain ints do the rule arithmetic.

Only the API common to bitstring 4.4 and 5.x is used (``BitArray(u=..., length=...)``, slicing,
``.bin``, ``.hex``), so the views can one day run under Pyodide, which ships bitstring 4.4.
"""

from __future__ import annotations

from dataclasses import dataclass

from bitstring import BitArray

__all__ = ["ByteGroup", "byte_groups", "word_bits", "word_hex"]


@dataclass(frozen=True)
class ByteGroup:
    """One byte of the word: its index (0 = least significant), the bit numbers it shows, its hex."""

    index: int
    bits: tuple[int, ...]
    hex: str


def word_bits(word: int, nbits: int = 64) -> tuple[bool, ...]:
    """The word's bits, indexed by bit number (``[0]`` is the least significant bit)."""
    msb_first = BitArray(u=word, length=nbits).bin
    return tuple(ch == "1" for ch in reversed(msb_first))


def word_hex(word: int, nbits: int = 64) -> str:
    """The word as the bit field's front-end takes it: ``0x`` and every nibble (``0x0000000000000001``)."""
    return "0x" + BitArray(u=word, length=nbits).hex


def byte_groups(word: int, nbits: int = 64) -> tuple[ByteGroup, ...]:
    """Bytes from the most significant down, each with its bit numbers (MSB first) and hex value."""
    bits = BitArray(u=word, length=nbits)
    groups = []
    for index in range(nbits // 8 - 1, -1, -1):
        start = nbits - 8 * (index + 1)  # bitstring indexes MSB first
        groups.append(
            ByteGroup(index=index, bits=tuple(range(index * 8 + 7, index * 8 - 1, -1)), hex=bits[start : start + 8].hex)
        )
    return tuple(groups)
