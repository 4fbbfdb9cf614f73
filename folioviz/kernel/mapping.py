"""The mapping word: what ``folio->mapping`` holds and what each kernel helper makes of it.

``folio->mapping`` is one machine word with several jobs (rule R1). Unless the folio belongs to
the slab allocator (R2), its two low bits are a type tag (R3) and the rest is a pointer:

====  ==========================  ===============================================
tag   v6.0 – v6.16 name           the pointer, with the tag stripped
====  ==========================  ===============================================
0b00  (none)                      ``struct address_space`` of a file, or NULL (R4)
0b01  ``PAGE_MAPPING_ANON``       ``struct anon_vma`` (R5)
0b10  ``PAGE_MAPPING_MOVABLE``    ``struct movable_operations`` (R6)
0b11  ``PAGE_MAPPING_KSM``        ``struct ksm_stable_node`` (R7)
====  ==========================  ===============================================

The helpers below mirror the kernel's, one function each, per era (see
:mod:`folioviz.kernel.versions`): ``folio_mapping()`` (``mm/util.c``), ``folio_test_anon()``,
``folio_test_ksm()`` and the movable test (``include/linux/page-flags.h``), ``folio_anon_vma()``
(``mm/util.c``) and ``folio_raw_mapping()`` (``mm/internal.h``). They are written from the
kernel's logic in our own words; each result links to the exact source line of the era's
pinned release.

>>> d = decode("0xffff888003a1c001")
>>> d.kind.value, d.target
('anon', 'struct anon_vma')
>>> d.helper("folio_mapping").text
'NULL'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any

from .errors import BadWordError, ContradictoryFolioError, expect_type, quote
from .paste import Paste, is_paste, parse_number, parse_paste, poison_name
from .sources import SourceRef, source_ref
from .versions import Era, get_era

__all__ = [
    "WORD_SIZES",
    "Folio",
    "HelperResult",
    "MappingDecode",
    "MappingKind",
    "Pointer",
    "check_folio",
    "decode",
    "decode_folio",
    "folio_anon_vma",
    "folio_mapping",
    "folio_raw_mapping",
    "folio_test_anon",
    "folio_test_ksm",
    "folio_test_movable",
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
KIND_RULE = {
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


@dataclass(frozen=True)
class HelperResult:
    """What one kernel helper returns for a folio in an era."""

    name: str
    """The C expression, in the era's spelling (``folio_mapping(folio)``)."""
    value: Pointer | bool | None
    """``None`` when the input cannot say (a poison word, a paste that hides the word)."""
    rule: str
    source: SourceRef
    note: str = ""

    @property
    def text(self) -> str:
        if self.value is None:
            return "unknown"
        if isinstance(self.value, Pointer):
            return self.value.text
        return "true" if self.value else "false"


@dataclass(frozen=True)
class MappingDecode:
    """Everything folioviz knows about one mapping word in one era (immutable)."""

    era: Era
    folio: Folio
    tag: int
    tag_name: str
    kind: MappingKind
    pointer: int
    target: str
    target_note: str
    rule: str
    explanation: str
    helpers: tuple[HelperResult, ...]
    raw_check_truncated: bool
    """``!folio->mapping``: what do_page_mkwrite() tests since v6.6 (and ``!page->mapping`` before)."""
    folio_mapping_check_truncated: bool
    """``!folio_mapping(folio)``: what the first version of the 2023 patch tested."""
    notes: tuple[str, ...] = field(default=())

    @property
    def word(self) -> int:
        return self.folio.mapping

    @property
    def word_bits(self) -> int:
        return self.folio.word_bits

    @property
    def word_text(self) -> str:
        return format_word(self.word, self.word_bits)

    @property
    def checks_disagree(self) -> bool:
        """True when the two truncation checks give different answers: the email's point."""
        return self.raw_check_truncated != self.folio_mapping_check_truncated

    def helper(self, model_name: str) -> HelperResult:
        """The result of one helper, by its model name (``"folio_mapping"``, ``"folio_test_anon"``...)."""
        for result in self.helpers:
            if result.name.split("(")[0] in (model_name, self.era.kernel_name(model_name)):
                return result
        raise KeyError(f"no helper named {model_name!r}; have {[h.name for h in self.helpers]}")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description (what ``folioviz decode --json`` prints)."""
        return {
            "word": self.word_text,
            "word_bits": self.word_bits,
            "era": self.era.id,
            "era_label": self.era.label,
            "release": self.era.release,
            "folio": {
                "slab": self.folio.slab,
                "swapcache": self.folio.swapcache,
                "movable_ops": self.folio.movable_ops,
            },
            "tag": self.tag,
            "tag_bits": format(self.tag, "02b"),
            "tag_name": self.tag_name,
            "kind": self.kind.value,
            "pointer": format_word(self.pointer, self.word_bits),
            "target": self.target,
            "target_note": self.target_note,
            "rule": self.rule,
            "explanation": self.explanation,
            "helpers": [
                {
                    "name": h.name,
                    "returns": h.text,
                    "rule": h.rule,
                    "source": h.source.url,
                    **({"note": h.note} if h.note else {}),
                }
                for h in self.helpers
            ],
            "truncation_checks": {
                "!folio->mapping": self.raw_check_truncated,
                "!folio_mapping(folio)": self.folio_mapping_check_truncated,
                "disagree": self.checks_disagree,
            },
            "notes": list(self.notes),
            **({"paste": self.folio.paste.to_dict()} if self.folio.paste is not None else {}),
        }


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
        number = parse_paste(text, word_bits=word_bits).word if is_paste(text) else parse_number(text)
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
    if isinstance(word, str) and is_paste(word):
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


# --------------------------------------------------------------------------- the kernel's helpers


def _src(era: Era, model_name: str) -> SourceRef:
    return source_ref(era.kernel_name(model_name), era.release)


def _call(era: Era, model_name: str) -> str:
    name = era.kernel_name(model_name)
    arg = "page" if name.lstrip("_").lower().startswith("page") else "folio"
    return f"{name}({arg})"


def _swap_space(era: Era) -> str:
    entry = "folio->swap" if era.folio_mapping_nulls_all_tags else "entry"
    return f"swap_address_space({entry})"


def folio_mapping(folio: Folio, era: Era | str | None = None) -> Pointer:
    """``folio_mapping()`` (``mm/util.c``; ``page_mapping()`` before v5.16), per era.

    Slab folios give NULL; swap-cache folios give the swap cache's address_space whatever the
    word says (B3). Otherwise, from v6.0 any tag bit gives NULL; before v6.0 only the anon bit
    did, and the pointer was returned with the tag masked off (B2).
    """
    era = get_era(era)
    if folio.slab:
        return Pointer(0, "address_space", word_bits=folio.word_bits)
    if folio.swapcache:
        return Pointer(0, "address_space", symbol=_swap_space(era), word_bits=folio.word_bits)
    word = folio.mapping
    if era.folio_mapping_nulls_all_tags:
        if word & era.FLAGS:
            return Pointer(0, "address_space", word_bits=folio.word_bits)
        return Pointer(word, "address_space", word_bits=folio.word_bits)
    if word & era.ANON:
        return Pointer(0, "address_space", word_bits=folio.word_bits)
    return Pointer(word & ~era.FLAGS, "address_space", word_bits=folio.word_bits)


def folio_test_anon(folio: Folio, era: Era | str | None = None) -> bool:
    """``folio_test_anon()``: the anon bit is set. True for KSM folios too (0b11 has bit 0)."""
    era = get_era(era)
    return bool(folio.mapping & era.ANON)


def folio_test_ksm(folio: Folio, era: Era | str | None = None) -> bool:
    """``folio_test_ksm()`` (with ``CONFIG_KSM``): both tag bits, compared as a whole (B7)."""
    era = get_era(era)
    return (folio.mapping & era.FLAGS) == era.KSM


def folio_test_movable(folio: Folio, era: Era | str | None = None) -> bool:
    """The era's movable test: the 0b10 tag before v6.17 (``__PageMovable()`` /
    ``__folio_test_movable()``), the ``PG_movable_ops`` page flag from v6.17
    (``page_has_movable_ops()``)."""
    era = get_era(era)
    if era.movable_ops_flag:
        return folio.movable_ops
    return (folio.mapping & era.FLAGS) == era.constants[era.const_name("MOVABLE")]


def folio_anon_vma(folio: Folio, era: Era | str | None = None) -> Pointer:
    """``folio_anon_vma()``: the anon_vma of a plain anon folio (tag exactly 0b01), else NULL."""
    era = get_era(era)
    if (folio.mapping & era.FLAGS) != era.ANON:
        return Pointer(0, "anon_vma", word_bits=folio.word_bits)
    return Pointer(folio.mapping - era.ANON, "anon_vma", word_bits=folio.word_bits)


def folio_raw_mapping(folio: Folio, era: Era | str | None = None) -> Pointer:
    """``folio_raw_mapping()`` (``mm/internal.h``): the word with the tag bits cleared, no type check."""
    era = get_era(era)
    return Pointer(folio.mapping & ~era.FLAGS, "", word_bits=folio.word_bits)


# --------------------------------------------------------------------------- decode


def _kind_and_target(folio: Folio, era: Era) -> tuple[MappingKind, str, str]:
    return _kind_before_the_tag(folio, era) or _kind_of_the_tag(folio, era)


def _kind_before_the_tag(folio: Folio, era: Era) -> tuple[MappingKind, str, str] | None:
    """What the word is when its tag does not say: a poison value, slab data, unknown, movable_ops."""
    tag = folio.mapping & era.FLAGS
    paste = folio.paste
    poison = poison_name(folio.mapping)
    if poison.startswith("TAIL_MAPPING") and not folio.slab:
        # Never slab data either: a slab page keeps a kmem_cache or list pointer in this slot, and a list
        # pointer's poison is LIST_POISON1/2, not TAIL_MAPPING. So an unknown slab state cannot hide it.
        return (
            MappingKind.POISON,
            "",
            f"{poison}: a poison value, no pointer; it marks a tail page, whose folio's word is in the head page",
        )
    if not folio.slab and folio.mapping and paste is not None and paste.slab is None and paste.flags is not None:
        return (
            MappingKind.UNKNOWN,
            "",
            f"slab data if this is a slab folio, else tag {tag:#04b}: the flags word cannot say which",
        )
    if folio.slab:
        return (
            MappingKind.SLAB,
            "slab internals",
            "struct slab is laid over the page; this word is slab-allocator data, not a tagged pointer",
        )
    if folio.paste is not None and folio.paste.kind_unknown:
        return (MappingKind.UNKNOWN, "", f"the paste cannot say: {folio.paste.kind_unknown}")
    if poison:
        return (
            MappingKind.POISON,
            "",
            f"{poison}: a poison value, no pointer; in mapping it marks a tail page, whose folio's word is in "
            "the head page",
        )
    if folio.movable_ops:
        return (
            MappingKind.MOVABLE,
            "struct movable_operations",
            "chosen by the page type (offline/balloon or zsmalloc), not by the word",
        )
    return None


def _kind_of_the_tag(folio: Folio, era: Era) -> tuple[MappingKind, str, str]:
    tag = folio.mapping & era.FLAGS
    if tag == 0:
        if folio.mapping == 0:
            return (MappingKind.NULL, "", "no address_space: never in the page cache, or removed from it")
        return (MappingKind.FILE, "struct address_space", "the file's page cache (the inode's i_mapping)")
    if tag == era.ANON:
        return (
            MappingKind.ANON,
            "struct anon_vma",
            "the reverse-map root for anonymous memory; not a VMA (struct vm_area_struct)",
        )
    if tag == era.KSM:
        return (MappingKind.KSM, "struct ksm_stable_node", "KSM's node for this merged page")
    if era.movable_tag == "movable_operations":
        return (
            MappingKind.MOVABLE,
            "struct movable_operations",
            "the driver's isolate/migrate/putback callbacks (balloon, zsmalloc, ...)",
        )
    if era.movable_tag == "address_space":
        return (
            MappingKind.MOVABLE,
            "struct address_space",
            "the driver's own address_space, whose a_ops hold the migration callbacks",
        )
    return (
        MappingKind.INVALID,
        "",
        f"0b10 alone is no encoding in {era.label}: {era.const_name('ANON_KSM')} only appears with the "
        "anon bit (as KSM)",
    )


_EXPLAIN = {
    MappingKind.NULL: "The word is NULL: the folio is in no file. Either it never was, or it was removed "
    "from the page cache (truncation sets the word to NULL while others may still hold references).",
    MappingKind.FILE: "Tag 0b00 with a pointer: a page-cache folio. The word points to the file's "
    "struct address_space.",
    MappingKind.ANON: "Tag 0b01: an anonymous folio. Strip the tag to get its struct anon_vma, which is not a VMA.",
    MappingKind.MOVABLE: "Tag 0b10: a driver's non-LRU movable page (balloon, zsmalloc and the like), which "
    "is not the same as ordinary anon or file memory that can also migrate.",
    MappingKind.KSM: "Tag 0b11: a KSM folio. Strip the tag to get its struct ksm_stable_node.",
    MappingKind.SLAB: "A slab folio: the slab allocator owns this word. Do not decode it; "
    "folio_mapping() returns NULL for slab.",
    MappingKind.INVALID: "Tag 0b10 alone is not a valid encoding in this era.",
    MappingKind.POISON: "A poison value, not a pointer: the kernel stores TAIL_MAPPING in a tail page's mapping "
    "(and LIST_POISON1/2 in freed list nodes). The folio's own word is in its head page; no helper is asked "
    "about a tail page's word.",
    MappingKind.UNKNOWN: "What the word means is not known, and folioviz will not guess: the paste does not show "
    "the word or say what it holds (paste the report's raw: lines, or boot with no_hash_pointers), or it cannot "
    "tell whether this is a slab folio (a slab folio's word is slab-allocator data, any other folio's a tagged "
    "pointer). The notes say which.",
}


def decode(
    word: int | str,
    era: Era | str | None = None,
    *,
    slab: bool = False,
    swapcache: bool = False,
    movable_ops: bool = False,
    word_bits: int = 64,
) -> MappingDecode:
    """Decode a mapping word in a kernel era, with every helper's answer.

    :param word: ``folio->mapping`` as an int or a hex string (see :func:`parse_word`)
    :param era: an era id, a kernel version such as ``"6.4"``, a release as ``uname -r`` prints it
        (``"6.12.117+deb13-amd64"``; a pasted flags word is then read with that build's page-flag
        table), or ``None`` for the email's era
    :param slab: the folio is a slab folio (R2)
    :param swapcache: the folio is in the swap cache (B3)
    :param movable_ops: the v6.17+ ``PG_movable_ops`` page flag (B2)
    :param word_bits: 64 or 32
    :raises FolioVizError: for a bad word, an unknown era or a contradictory folio state
    """
    kernel = era if isinstance(era, str) else None
    era = get_era(era)
    folio = make_folio(
        word, era, slab=slab, swapcache=swapcache, movable_ops=movable_ops, word_bits=word_bits, kernel=kernel
    )
    return decode_folio(folio, era)


def _folio_mapping_note(folio: Folio, era: Era, tag: int) -> str:
    """Why ``folio_mapping()`` gives what it gives for this folio, in a few words."""
    if folio.slab:
        return "slab folios give NULL (R2)"
    if folio.swapcache:
        return "swap-cache folios give the swap cache's address_space, whatever the word says (B3)"
    if not era.folio_mapping_nulls_all_tags and tag and not tag & era.ANON:
        return "before v6.0 only the anon bit gave NULL; other tags were masked off (B2)"
    if era.folio_mapping_nulls_all_tags and tag:
        return "any tag bit gives NULL"
    return ""


_UNSAID = (MappingKind.POISON, MappingKind.UNKNOWN)

#: Why do_page_mkwrite() never meets a folio whose two truncation checks disagree (one reason per kind).
_WHY_NEVER_MET = {
    MappingKind.ANON: "it serves shared file mappings whose ->page_mkwrite exists, not anonymous memory.",
    MappingKind.KSM: "it serves shared file mappings whose ->page_mkwrite exists, not KSM memory.",
    MappingKind.SLAB: "a slab page is never mapped into user space.",
    MappingKind.INVALID: "no code path in this era stores such a word, so no check ever reads one.",
}


def _unknown_helpers(helpers: tuple[HelperResult, ...], kind: MappingKind) -> tuple[HelperResult, ...]:
    """The helpers of a word that is poison or hidden: what they would return cannot be said."""
    if kind not in _UNSAID:
        return helpers
    keep = (
        ("folio->mapping", "folio_raw_mapping", "page_rmapping", "__page_rmapping")
        if kind is MappingKind.POISON
        else ()
    )
    why = (
        "a tail page's poison: the kernel's helpers take the folio (its head page), never this word"
        if kind is MappingKind.POISON
        else "the paste hides the word"
    )
    return tuple(
        h if h.name.split("(")[0] in keep else HelperResult(h.name, None, h.rule, h.source, why) for h in helpers
    )


def decode_folio(folio: Folio, era: Era | str | None = None) -> MappingDecode:
    """Decode a :class:`Folio` in ``era`` (see :func:`decode`).

    A folio checked in another era (or never: ``Folio(...)`` built by hand) is checked again first, so
    decode_folio() refuses what :func:`decode` refuses.

    :raises ContradictoryFolioError: for a state no kernel of ``era`` could produce
    """
    era = get_era(era)
    check_folio(folio, era)
    tag = folio.mapping & era.FLAGS
    kind, target, target_note = _kind_and_target(folio, era)
    slab_note = "meaningless for a slab folio: the kernel would test slab data (R2)" if folio.slab else ""
    fm = folio_mapping(folio, era)
    fm_note = _folio_mapping_note(folio, era, tag)
    movable_note = slab_note
    if era.movable_ops_flag:
        movable_note = movable_note or "v6.17+: a page flag (PG_movable_ops), not the word (B2)"
    ksm_note = slab_note
    if not slab_note and tag == era.ANON:
        ksm_note = (
            f"mapping & {era.const_name('KSM')} is non-zero here (the mask holds the anon bit), yet this is "
            "not KSM: compare the masked tag, do not test bits (B7)"
        )
    helpers: tuple[HelperResult, ...] = (
        HelperResult(
            "folio->mapping",
            Pointer(folio.mapping, "", word_bits=folio.word_bits),
            "R1",
            source_ref(era.const_name("FLAGS"), era.release),
            "the raw field, as stored" + ("; slab data here (R2)" if folio.slab else ""),
        ),
        HelperResult(
            _call(era, "folio_mapping"),
            fm,
            "R2" if folio.slab else ("B3" if folio.swapcache else "R11"),
            _src(era, "folio_mapping"),
            fm_note,
        ),
        HelperResult(
            _call(era, "folio_test_anon"),
            folio_test_anon(folio, era),
            "R5",
            _src(era, "folio_test_anon"),
            slab_note or ("KSM folios count as anon" if tag == era.KSM else ""),
        ),
        HelperResult(
            _call(era, "folio_test_ksm"), folio_test_ksm(folio, era), "R7", _src(era, "folio_test_ksm"), ksm_note
        ),
        HelperResult(
            _call(era, "folio_test_movable"),
            folio_test_movable(folio, era),
            "R6",
            _src(era, "folio_test_movable"),
            movable_note,
        ),
        HelperResult(
            _call(era, "folio_anon_vma"),
            folio_anon_vma(folio, era),
            "R5",
            _src(era, "folio_anon_vma"),
            slab_note or ("NULL for KSM: only tag 0b01 counts" if tag == era.KSM else ""),
        ),
        HelperResult(
            _call(era, "folio_raw_mapping"),
            folio_raw_mapping(folio, era),
            "R3",
            _src(era, "folio_raw_mapping"),
            slab_note or "tag cleared, no type check",
        ),
    )
    helpers = _unknown_helpers(helpers, kind)
    notes: list[str] = []
    if folio.paste is not None:
        notes.append(f"Source: {folio.paste.source}; the word is {folio.paste.word_from}.")
        notes.extend(folio.paste.notes)
        notes.extend(f"Read: {line}" for line in folio.paste.bits_read)
    if not folio.slab and folio.mapping in era.bare_words and not (folio.paste and folio.paste.placeholder):
        notes.append(era.bare_words[folio.mapping])
    if folio.swapcache:
        notes.append(
            "In the swap cache, folio_mapping() does not read the word: it returns the swap cache's "
            "address_space. A truncation check through folio_mapping() would say 'still there' (B3)."
        )
    if kind is MappingKind.INVALID:
        notes.append(f"No code path in {era.label} stores a bare 0b10: movable pages moved to a page flag (B2).")
    raw_truncated = folio.mapping == 0
    fm_truncated = raw_truncated if kind in _UNSAID else fm.is_null
    if raw_truncated != fm_truncated:
        if fm_truncated and kind is MappingKind.MOVABLE:
            notes.append(
                "The two truncation checks disagree: folio->mapping is not NULL, but folio_mapping() "
                "is. If an old driver's page like this reached do_page_mkwrite() and the check used "
                "folio_mapping(), the fault would be retried for ever (R11)."
            )
        elif fm_truncated:
            notes.append(
                "The two truncation checks disagree, though do_page_mkwrite() never meets this folio: "
                + _WHY_NEVER_MET.get(kind, "it serves shared file mappings whose ->page_mkwrite exists.")
            )
        else:
            notes.append(
                "The two truncation checks disagree: folio->mapping is NULL, yet folio_mapping() "
                "returns the swap cache's address_space, so a check through it would miss that the "
                "folio left its file (B3)."
            )
    explanation = _EXPLAIN[kind]
    if kind is MappingKind.MOVABLE and era.movable_tag == "address_space":
        explanation += " Before v6.0 the word pointed to the driver's struct address_space."
    if kind is MappingKind.MOVABLE and folio.movable_ops:
        explanation = (
            "A driver's movable page in v6.17+: the PG_movable_ops page flag marks it, and the page "
            "type picks its movable_operations. The word plays no part in that."
        )
    return MappingDecode(
        era=era,
        folio=folio,
        tag=tag,
        tag_name=era.tag_names[tag] if not folio.slab else "",
        kind=kind,
        pointer=folio.mapping & ~era.FLAGS,
        target=target,
        target_note=target_note,
        rule=KIND_RULE[kind],
        explanation=explanation,
        helpers=helpers,
        raw_check_truncated=raw_truncated,
        folio_mapping_check_truncated=fm_truncated,
        notes=tuple(notes),
    )
