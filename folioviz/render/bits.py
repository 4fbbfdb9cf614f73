"""The word as bits, for display. bitstring does the slicing; plain ints do the rule arithmetic.

Only the API common to bitstring 4.4 and 5.x is used (``_bit_array(u=..., length=...)``, slicing,
``.bin``, ``.hex``, ``.uint``), so the views can one day run under Pyodide, which ships bitstring 4.4.

Two words are read here: ``folio->mapping`` (the bit field's bytes) and ``page->flags``, whose upper
fields (section, node, zone, lastcpupid, kasantag, as ``%pGp`` names them, then the multi-gen LRU's two)
:func:`flags_field_groups` cuts out beside the flag bits, with the layout of the build the model chose
(:class:`folioviz.kernel.flagfields.FlagsLayout`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..kernel.flagfields import PGP_FIELDS, FlagsLayout
from .markup import Markup, tag
from .theme import OKABE_ITO

if TYPE_CHECKING:
    from bitstring import BitArray

__all__ = [
    "FIELD_COLOURS",
    "ByteGroup",
    "FieldGroup",
    "byte_groups",
    "flags_field_groups",
    "flags_fields_html",
    "flags_fields_text",
    "word_bits",
    "word_hex",
]


@dataclass(frozen=True)
class ByteGroup:
    """One byte of the word: its index (0 = least significant), the bit numbers it shows, its hex."""

    index: int
    bits: tuple[int, ...]
    hex: str


def _bit_array(*, u: int, length: int) -> BitArray:
    """``bitstring.BitArray(u=..., length=...)``; bitstring is imported on first use (a first cell that only
    imports the renderers does not load it)."""
    from bitstring import BitArray

    return BitArray(u=u, length=length)


def word_bits(word: int, nbits: int = 64) -> tuple[bool, ...]:
    """The word's bits, indexed by bit number (``[0]`` is the least significant bit)."""
    msb_first = _bit_array(u=word, length=nbits).bin
    return tuple(ch == "1" for ch in reversed(msb_first))


def word_hex(word: int, nbits: int = 64) -> str:
    """The word as the bit field's front-end takes it: ``0x`` and every nibble (``0x0000000000000001``)."""
    return "0x" + _bit_array(u=word, length=nbits).hex


def byte_groups(word: int, nbits: int = 64) -> tuple[ByteGroup, ...]:
    """Bytes from the most significant down, each with its bit numbers (MSB first) and hex value."""
    bits = _bit_array(u=word, length=nbits)
    groups = []
    for index in range(nbits // 8 - 1, -1, -1):
        start = nbits - 8 * (index + 1)  # bitstring indexes MSB first
        groups.append(
            ByteGroup(index=index, bits=tuple(range(index * 8 + 7, index * 8 - 1, -1)), hex=bits[start : start + 8].hex)
        )
    return tuple(groups)


# --------------------------------------------------------------------------- page->flags, field by field

#: One Okabe–Ito colour per group, always shown with its label (never colour alone).
FIELD_COLOURS = {
    "section": OKABE_ITO["vermillion"],
    "node": OKABE_ITO["blue"],
    "zone": OKABE_ITO["bluish_green"],
    "lastcpupid": OKABE_ITO["orange"],
    "kasantag": OKABE_ITO["reddish_purple"],
    "lru_gen": OKABE_ITO["sky_blue"],
    "lru_refs": OKABE_ITO["yellow"],
    "unused": OKABE_ITO["grey"],
    "flags": OKABE_ITO["black"],
}


@dataclass(frozen=True)
class FieldGroup:
    """A run of bits of ``page->flags``: a field, the flag bits, or bits no one uses."""

    label: str
    """``node``, ``zone``... as ``%pGp`` names them; ``lru_gen``/``lru_refs``; ``unused``; ``flags``."""
    high: int
    low: int
    bin: str
    """The bits, most significant first."""
    value: int
    text: str
    """What the group says: ``node=0``, ``zone=1 (DMA32)``, the set flags' names."""
    colour: str

    @property
    def bits(self) -> str:
        return f"bit {self.low}" if self.high == self.low else f"bits {self.high}-{self.low}"


def flags_field_groups(flags: int, layout: FlagsLayout, flag_names: tuple[str, ...] = ()) -> tuple[FieldGroup, ...]:
    """The flags word cut at ``layout``'s fields, from bit 63 down to the flag bits at bit 0.

    ``flag_names`` (the set flags, as the report or the table named them) label the flag-bit group."""
    word = _bit_array(u=flags, length=64)
    runs: list[tuple[str, int, int]] = []
    top = 63
    for name, width, shift in layout.present():
        if shift + width - 1 < top:
            runs.append(("unused", top, shift + width))
        runs.append((name, shift + width - 1, shift))
        top = shift - 1
    if top >= layout.nr_pageflags:
        runs.append(("unused", top, layout.nr_pageflags))
    runs.append(("flags", layout.nr_pageflags - 1, 0))
    groups = []
    for label, high, low in runs:
        piece = word[63 - high : 64 - low]  # bitstring counts from the most significant bit
        value = piece.uint
        if label == "flags":
            text = "|".join(flag_names) if flag_names else ("no flag set" if not value else f"{value:#x}")
        elif label == "unused":
            text = "unused" if not value else f"unused, yet {value:#x}"
        else:
            text = f"{label}={value:#x}" if PGP_FIELDS.get(label) == "hex" else f"{label}={value}"
            if label == "zone" and value < len(layout.zone_names):
                text += f" ({layout.zone_names[value]})"
            if label == "lru_gen" and value:
                text += f" (generation {value - 1}, stored plus one)"
            if label not in PGP_FIELDS:
                text += " (not printed by %pGp)"
        groups.append(FieldGroup(label, high, low, piece.bin, value, text, FIELD_COLOURS[label]))
    return tuple(groups)


def flags_fields_text(flags: int, layout: FlagsLayout, flag_names: tuple[str, ...] = ()) -> str:
    """The flags word field by field, one line per group (the CLI's and the paste box's text form)."""
    groups = flags_field_groups(flags, layout, flag_names)
    width, digits = max(len(g.label) for g in groups), max(len(g.bin) for g in groups)
    lines = [f"page->flags {flags:#018x}, field by field (layout of build {layout.release}):"]
    lines += [f"  {g.bits:<11} {g.label:<{width}}  {g.bin:<{digits}}  {g.text}" for g in groups]
    return "\n".join(lines)


def flags_fields_html(
    flags: int, layout: FlagsLayout, flag_names: tuple[str, ...] = (), *, static: bool = False
) -> Markup:
    """The same groups as labelled, coloured boxes in one row (bit 63 on the left).

    :param static: the form of a static snapshot: no classes or ARIA (the colours and labels stay)
    """
    cells = []
    for g in flags_field_groups(flags, layout, flag_names):
        dark = g.label in ("node", "flags", "unused")  # white text only where it keeps 4.5:1
        head = tag(
            "div",
            tag("b", g.label),
            " ",
            tag("small", g.bits),
            style=f"background:{g.colour};color:{'#FFFFFF' if dark else '#000000'};padding:0 3px",
        )
        box = (
            "display:inline-block;vertical-align:top;"
            f"margin:0 2px 2px 0;padding:2px 4px;border:2px solid {g.colour};border-radius:3px;"
            "max-width:100%;overflow-wrap:anywhere"
        )
        attrs = {} if static else {"class_": f"fv-flagfield fv-flagfield-{g.label}", "role": "group"}
        if not static:
            attrs["aria_label"] = f"{g.bits}: {g.text}"
        cells.append(tag("div", head, tag("code", g.bin), tag("div", tag("small", g.text)), **attrs, style=box))
    caption = Markup(
        "<figcaption>page-&gt;flags <code>{:#018x}</code>, field by field (layout of build {})</figcaption>"
    )
    figure = {} if static else {"class_": "fv-flagfields", "aria_label": "page->flags field by field"}
    return tag("figure", caption.format(flags, layout.release), *cells, **figure)
