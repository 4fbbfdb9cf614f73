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

One module per job: :mod:`.word` (the word and the folio: parsing, printing, the states a kernel can hold),
:mod:`.helpers` (the kernel's helpers) and :mod:`.decode` (a word read in an era, with every helper's answer).
Every public name is importable from here.

The helpers mirror the kernel's, one function each, per era (see
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

from .decode import HelperResult, MappingDecode, decode, decode_folio
from .helpers import (
    folio_anon_vma,
    folio_mapping,
    folio_raw_mapping,
    folio_test_anon,
    folio_test_ksm,
    folio_test_movable,
)
from .word import KIND_RULE, WORD_SIZES, Folio, MappingKind, Pointer, check_folio, format_word, make_folio, parse_word

__all__ = [
    "KIND_RULE",
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
