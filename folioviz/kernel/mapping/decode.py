"""A mapping word decoded in an era: its kind and target, every helper's answer, and what the two truncation
checks of ``do_page_mkwrite()`` make of it (:func:`decode`, :func:`decode_folio`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..poison import poison_name
from ..sources import SourceRef, source_ref
from ..versions import Era, get_era
from .helpers import (
    folio_anon_vma,
    folio_mapping,
    folio_raw_mapping,
    folio_test_anon,
    folio_test_ksm,
    folio_test_movable,
    helper_call,
    helper_source,
)
from .word import KIND_RULE, Folio, MappingKind, Pointer, check_folio, format_word, make_folio

__all__ = ["HelperResult", "MappingDecode", "decode", "decode_folio"]


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
            helper_call(era, "folio_mapping"),
            fm,
            "R2" if folio.slab else ("B3" if folio.swapcache else "R11"),
            helper_source(era, "folio_mapping"),
            fm_note,
        ),
        HelperResult(
            helper_call(era, "folio_test_anon"),
            folio_test_anon(folio, era),
            "R5",
            helper_source(era, "folio_test_anon"),
            slab_note or ("KSM folios count as anon" if tag == era.KSM else ""),
        ),
        HelperResult(
            helper_call(era, "folio_test_ksm"),
            folio_test_ksm(folio, era),
            "R7",
            helper_source(era, "folio_test_ksm"),
            ksm_note,
        ),
        HelperResult(
            helper_call(era, "folio_test_movable"),
            folio_test_movable(folio, era),
            "R6",
            helper_source(era, "folio_test_movable"),
            movable_note,
        ),
        HelperResult(
            helper_call(era, "folio_anon_vma"),
            folio_anon_vma(folio, era),
            "R5",
            helper_source(era, "folio_anon_vma"),
            slab_note or ("NULL for KSM: only tag 0b01 counts" if tag == era.KSM else ""),
        ),
        HelperResult(
            helper_call(era, "folio_raw_mapping"),
            folio_raw_mapping(folio, era),
            "R3",
            helper_source(era, "folio_raw_mapping"),
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
