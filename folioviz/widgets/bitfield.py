"""``BitField``: the mapping word as one row of real buttons, drawn in the browser (anywidget).

One widget model holds the whole field: the word, its width and each bit's role in the current
era (from :func:`folioviz.kernel.bitroles.bit_roles`; the browser computes no kernel rule). Its
front-end is ``static/bitfield.js`` and ``static/bitfield.css`` inside the package: nothing comes
from a CDN. A click flips the bit in the browser at once and syncs the new word back here.
"""

from __future__ import annotations

from pathlib import Path

import anywidget
from traitlets import Int, List, Unicode

__all__ = ["BitField"]

_STATIC = Path(__file__).parent / "static"


class BitField(anywidget.AnyWidget):
    """The bits of a word, grouped by byte with each byte's hex; the tag bits set apart.

    Each bit is a ``<button>`` named for screen readers ("bit 5, pointer, 1"). Keyboard: the field
    is one Tab stop; ←/→ (or ↑/↓) move between bits, Home/End jump to the first/last, Space or
    Enter flips the focused bit.
    """

    _esm = _STATIC / "bitfield.js"
    _css = _STATIC / "bitfield.css"

    word = Unicode("0x0000000000000000", help="the word as 0x-prefixed hex, zero-padded to the width").tag(sync=True)
    width = Int(64, help="the word size in bits: 64 or 32").tag(sync=True)
    roles = List(Unicode(), help="each bit's role, indexed by bit number: 'pointer', 'tag' or 'slab data'").tag(
        sync=True
    )
