"""The kernel's helpers that read ``folio->mapping``, one function each, per era: ``folio_mapping()``
(``mm/util.c``), ``folio_test_anon()``, ``folio_test_ksm()``, the movable test, ``folio_anon_vma()`` and
``folio_raw_mapping()``."""

from __future__ import annotations

from ..sources import SourceRef, source_ref
from ..versions import Era, get_era
from .word import Folio, Pointer

__all__ = [
    "folio_anon_vma",
    "folio_mapping",
    "folio_raw_mapping",
    "folio_test_anon",
    "folio_test_ksm",
    "folio_test_movable",
    "helper_call",
    "helper_source",
]


# --------------------------------------------------------------------------- the kernel's helpers


def helper_source(era: Era, model_name: str) -> SourceRef:
    """Where the helper ``model_name`` (by its later name) is defined in the era's pinned release."""
    return source_ref(era.kernel_name(model_name), era.release)


def helper_call(era: Era, model_name: str) -> str:
    """The call as the era's kernel writes it: ``folio_mapping(folio)``, or ``page_mapping(page)`` before v5.16."""
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
