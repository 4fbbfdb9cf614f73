"""What each bit of ``folio->mapping`` is, in one era: the views draw bits by these roles.

Unless the folio is a slab folio (rule R2: then the word is slab data and no tag is read), the
bits under the era's ``PAGE_MAPPING_FLAGS`` / ``FOLIO_MAPPING_FLAGS`` mask are the type tag (R3)
and every other bit belongs to the pointer.
"""

from __future__ import annotations

from .mapping import Folio
from .versions import Era, get_era

__all__ = ["BIT_ROLES", "bit_roles"]

#: Every role a bit can have, in the order a legend lists them.
BIT_ROLES = ("pointer", "tag", "slab data")


def bit_roles(folio: Folio, era: Era | str | None = None) -> tuple[str, ...]:
    """Each bit's role, indexed by bit number (``[0]`` is the least significant bit).

    >>> from folioviz.kernel import make_folio
    >>> roles = bit_roles(make_folio(0, "6.4"), "6.4")
    >>> roles[:3], len(roles)
    (('tag', 'tag', 'pointer'), 64)
    """
    era = get_era(era)
    if folio.slab:
        return ("slab data",) * folio.word_bits
    return tuple("tag" if era.FLAGS >> n & 1 else "pointer" for n in range(folio.word_bits))
