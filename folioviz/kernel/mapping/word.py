"""The mapping word and the folio around it: :class:`Folio`, :class:`Pointer`, :class:`MappingKind`, and
reading (:func:`parse_word`), printing (:func:`format_word`) and checking (:func:`make_folio`,
:func:`check_folio`) a folio state a kernel of an era could hold."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import Enum
from types import MappingProxyType
from typing import TYPE_CHECKING

from ..errors import BadWordError, ContradictoryFolioError, expect_type, quote
from ..pastetext import parse_number
from ..versions import Era, get_era

if TYPE_CHECKING:
    from ..paste import Paste


def _is_paste(text: str) -> bool:
    """:func:`folioviz.kernel.paste.is_paste`, imported on first use: the paste readers load only for a paste."""
    from ..paste import is_paste

    return is_paste(text)


__all__ = [
    "KIND_RULE",
    "WORD_SIZES",
    "Folio",
    "MappingKind",
    "Pointer",
    "check_folio",
    "format_word",
    "make_folio",
    "parse_word",
]


WORD_SIZES = (64, 32)


class MappingKind(Enum):
    """What a folio's mapping word says the folio is."""

    NULL = "NULL"
    FILE = "file"
    ANON = "anon"
    MOVABLE = "movable"
    KSM = "KSM"
    SLAB = "slab"
    INVALID = "invalid"
    POISON = "poison"
    """A poison value (``TAIL_MAPPING``, ``LIST_POISON1/2``): a tail page's or a freed node's word, no pointer."""
    UNKNOWN = "unknown"
    """What the word means is not known: a paste hides the word and says nothing else about it (see
    ``Paste.kind_unknown``), or a pasted flags word cannot say whether the folio is slab (no build of
    that release was read), and a slab folio's word is no tagged pointer."""


#: The rule of the email (see ``data/rules.toml``) that each kind illustrates.
KIND_RULE: Mapping[MappingKind, str] = MappingProxyType(
    {
        MappingKind.NULL: "R4",
        MappingKind.FILE: "R4",
        MappingKind.ANON: "R5",
        MappingKind.MOVABLE: "R6",
        MappingKind.KSM: "R7",
        MappingKind.SLAB: "R2",
        MappingKind.INVALID: "B2",
        MappingKind.POISON: "R1",
        MappingKind.UNKNOWN: "R1",
    }
)


@dataclass(frozen=True)
class Pointer:
    """A pointer value as a helper returns it.

    ``address`` is the numeric value (0 for NULL). ``symbol`` names a pointer that does not come
    from the word at all, such as the swap cache's address_space.
    """

    address: int
    struct: str = ""
    symbol: str = ""
    word_bits: int = 64

    @property
    def is_null(self) -> bool:
        return self.address == 0 and not self.symbol

    @property
    def text(self) -> str:
        if self.symbol:
            return self.symbol
        if self.address == 0:
            return "NULL"
        return format_word(self.address, self.word_bits)

    def __bool__(self) -> bool:  # mirrors C: a NULL pointer is false
        return not self.is_null


@dataclass(frozen=True)
class Folio:
    """The parts of ``struct folio`` that decide what ``folio->mapping`` means.

    :param mapping: the raw word ``folio->mapping`` (an unsigned integer of ``word_bits`` bits)
    :param slab: the folio belongs to the slab allocator (``PG_slab``; a page type from v6.10)
    :param swapcache: the folio is in the swap cache (``PG_swapcache``)
    :param movable_ops: v6.17+ only: the ``PG_movable_ops`` page flag of a driver page
        (balloon/offline or zsmalloc) that the migration code may move
    :param word_bits: 64 (default) or 32
    :param era: the id of the era whose rules the state was checked against (``""``: not checked yet).
        :func:`make_folio` sets it; :func:`decode_folio` checks the folio again in any other era.
    """

    mapping: int
    slab: bool = False
    swapcache: bool = False
    movable_ops: bool = False
    word_bits: int = 64
    paste: Paste | None = field(default=None, compare=False, repr=False)
    """What a pasted dump said (see :mod:`folioviz.kernel.paste`), when the folio came from one."""
    era: str = field(default="", compare=False)


# --------------------------------------------------------------------------- input


_CAST = re.compile(r"^\(\s*(?:const\s+)?(?:struct\s+)?[A-Za-z_][A-Za-z0-9_]*\s*\*\s*\)\s*")


def parse_word(value: int | str, word_bits: int = 64) -> int:
    """Turn a mapping word as typed or pasted into an unsigned integer.

    Accepts a Python ``int``, or a string as crash, drgn or printk print it: ``0xffff888003a1c001``,
    ``ffff888003a1c001``, upper or lower case, with ``_`` separators, and optionally behind a C cast
    such as drgn's ``(struct address_space *)0xffff888003a1c001``. ``NULL``, ``(null)`` and ``0``
    mean 0. Strings are read as hexadecimal, as those tools print them; C suffixes (``UL``) are
    dropped and a ``0b`` prefix means binary. A whole paste (a crash or drgn struct dump, a
    ``dump_page()`` report) gives its mapping word: see :func:`folioviz.kernel.paste.parse_paste`.

    :raises BadWordError: not a number, negative, or wider than ``word_bits``.
    """
    if word_bits not in WORD_SIZES:
        raise BadWordError(f"word size must be 64 or 32 bits, not {word_bits!r}")
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise BadWordError(
            f"a mapping word must be an int or a hex string such as '0xffff888003a1c001', "
            f"not {type(value).__name__} {quote(value)}"
        )
    if isinstance(value, str):
        text = value.strip()
        text = _CAST.sub("", text).strip()
        if text.lower() in ("null", "(null)", "(nil)"):
            return 0
        if "ptrval" in text:
            raise BadWordError(
                f"{quote(value)} is a hashed pointer (printk's %p); it carries no bits to decode. "
                "Print the word with %px, crash or drgn instead."
            )
        if text.startswith("-"):
            raise BadWordError(f"{quote(value)} is negative; a mapping word is an unsigned {word_bits}-bit value")
        if _is_paste(text):
            from ..paste import parse_paste  # the paste readers load on first use (issue 22)

            number = parse_paste(text, word_bits=word_bits).word
        else:
            number = parse_number(text)
    else:
        number = value
    if number < 0:
        raise BadWordError(f"{quote(value)} is negative; a mapping word is an unsigned {word_bits}-bit value")
    if number >= 1 << word_bits:
        raise BadWordError(
            f"{quote(value)} does not fit in a {word_bits}-bit word (the largest is "
            f"{format_word((1 << word_bits) - 1, word_bits)})"
            + ("; pass word_bits=64 for a 64-bit kernel" if word_bits == 32 else "")
        )
    return number


def format_word(word: int, word_bits: int = 64) -> str:
    """``0x``-prefixed, zero-padded to the word size: ``format_word(1)`` -> ``0x0000000000000001``."""
    expect_type(word, int, "the word", "an int")
    expect_type(word_bits, int, "word_bits", "32 or 64")
    if (word_bits != 32 and word_bits != 64) or not 0 <= word < 1 << word_bits:
        raise BadWordError(f"{word} is not an unsigned {word_bits}-bit word (word_bits: 32 or 64)")
    return f"0x{word:0{word_bits // 4}x}"


def make_folio(
    word: int | str,
    era: Era | str | None = None,
    *,
    slab: bool = False,
    swapcache: bool = False,
    movable_ops: bool = False,
    word_bits: int = 64,
    kernel: str | None = None,
) -> Folio:
    """Build a :class:`Folio`, rejecting states that no kernel of ``era`` could produce.

    ``kernel``: the version the reader named, when ``era`` was given as one (a paste is read by it).
    A pasted flags word is read with the page-flag table of the release the paste states, else of
    ``kernel``, else of ``era`` when it is given as text (``"6.12.117+deb13-amd64"``, ``"6.7"``).
    """
    if kernel is None and isinstance(era, str):
        kernel = era
    era = get_era(era)
    paste = None
    if isinstance(word, str) and _is_paste(word):
        from ..paste import parse_paste

        paste = parse_paste(word, era, word_bits, kernel=kernel)
        slab = slab or bool(paste.slab)
        swapcache = swapcache or bool(paste.swapcache)
        movable_ops = movable_ops or bool(paste.movable_ops)
        word = paste.word
    mapping = parse_word(word, word_bits)
    for name, flag in (("slab", slab), ("swapcache", swapcache), ("movable_ops", movable_ops)):
        if not isinstance(flag, bool):
            raise ContradictoryFolioError(f"{name} must be True or False, not {flag!r}")
    folio = Folio(mapping, slab=slab, swapcache=swapcache, movable_ops=movable_ops, word_bits=word_bits, paste=paste)
    check_folio(folio, era)
    return replace(folio, era=era.id)


def check_folio(folio: Folio, era: Era) -> None:
    """Raise :class:`ContradictoryFolioError` when no kernel of ``era`` could hold ``folio``'s state.

    The checks :func:`make_folio` makes: slab and swap cache exclude each other; ``PG_movable_ops``
    exists only from v6.17 (``page_has_movable_ops()``) and marks a driver page, never slab, swap cache
    or anonymous memory; a driver's movable page (tag 0b10, before v6.17) is never in the swap cache.
    A folio already checked in ``era`` (``folio.era``) passes at once.
    """
    if folio.era == era.id:
        return
    mapping, slab, swapcache, movable_ops = folio.mapping, folio.slab, folio.swapcache, folio.movable_ops
    tag = mapping & era.FLAGS
    if slab and swapcache:
        raise ContradictoryFolioError("a folio cannot be both slab and in the swap cache: slab memory is never swapped")
    if movable_ops and not era.movable_ops_flag:
        raise ContradictoryFolioError(
            f"the PG_movable_ops page flag exists only from v6.17; in {era.label} a movable page "
            f"is marked by tag 0b10 ({era.const_name('MOVABLE')}) in the word instead"
        )
    if movable_ops and slab:
        raise ContradictoryFolioError("a slab folio is not a movable-ops driver page; pick one")
    if movable_ops and swapcache:
        raise ContradictoryFolioError("a movable-ops driver page (balloon or zsmalloc) is never in the swap cache")
    if movable_ops and tag & era.ANON:
        raise ContradictoryFolioError(
            "a movable-ops driver page is not anonymous memory, but this word has the anon bit set"
        )
    if swapcache and not slab and era.movable_tag and tag == era.constants[era.const_name("MOVABLE")]:
        raise ContradictoryFolioError(
            "a driver's movable page (tag 0b10) is never in the swap cache; swap cache folios "
            "are anonymous (tag 0b01), KSM (0b11) or shmem"
        )
