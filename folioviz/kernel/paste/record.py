"""What folioviz read from a paste (:class:`Paste`), and the page-flag table a flags word is read with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..flagfields import FieldsReading
from ..flags import FlagTable, table_choice
from ..versions import Era

__all__ = ["PLACEHOLDER_POINTER", "RAW_MAPPING_WORD", "Paste", "flag_table"]


#: Where ``mapping`` sits in ``struct page`` on 64-bit kernels: the fourth word (after ``flags``
#: and the two words of ``lru``/``compound_head``), in every era folioviz models.
RAW_MAPPING_WORD = 3


#: A stand-in pointer for a report that hides the real one (x86-64's direct-map base).
PLACEHOLDER_POINTER = 0xFFFF888000000000


def flag_table(kernel: Era | str | None = None) -> FlagTable:
    """The page-flag table a flags word from ``kernel`` is read with (see :func:`table_choice`)."""
    return table_choice(kernel).table


@dataclass(frozen=True)
class Paste:
    """What folioviz read from a paste. ``None`` means the paste did not say."""

    source: str
    """``"word"``, ``"crash"``, ``"crash kmem"``, ``"drgn"`` or ``"dump_page"``."""
    word: int
    word_from: str
    """Where the word came from, in words (``"the mapping member"``, ``"raw: line 1, word 4"``...)."""
    placeholder: bool = False
    """True when the paste hid the real word and :attr:`word` only carries the tag the report names."""
    hashed: bool = False
    flags: int | None = None
    flag_names: tuple[str, ...] = ()
    flag_names_from: str = ""
    page_type: str = ""
    slab: bool | None = None
    swapcache: bool | None = None
    movable_ops: bool | None = None
    refcount: int | None = None
    mapcount: int | None = None
    index: int | None = None
    order: int | None = None
    report_kind: str = ""
    """What a dump_page() report says the folio is: ``"anon"``, ``"ksm"``, ``"file"`` or ``""``."""
    bits_read: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    kind_unknown: str = ""
    """Why the paste cannot say what the word is (``""`` when it can): the decode's kind is then unknown."""
    reports: int = 1
    """How many reports the paste held (only the first is read)."""
    flag_table: str = ""
    """The "which table" line: the build whose bit numbers were used, and what they cannot vouch for."""
    printed_fields: tuple[tuple[str, int], ...] = ()
    """The upper fields the report printed after the flag names (``node=0|zone=1|...``), in its order."""
    upper_fields: FieldsReading | None = None
    """The flags word's upper fields (node, zone...) with the chosen build's layout, checked against the printed."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "word_from": self.word_from,
            "placeholder": self.placeholder,
            "hashed_pointers": self.hashed,
            "flags": None if self.flags is None else hex(self.flags),
            "flag_names": list(self.flag_names),
            "page_type": self.page_type,
            "slab": self.slab,
            "swapcache": self.swapcache,
            "movable_ops": self.movable_ops,
            "refcount": self.refcount,
            "mapcount": self.mapcount,
            "index": self.index,
            "order": self.order,
            "bits_read": list(self.bits_read),
            "flag_table": self.flag_table,
            "upper_fields": {f.name: f.value for f in self.upper_fields.fields} if self.upper_fields else {},
            "upper_fields_agree": self.upper_fields.check.agree
            if self.upper_fields and self.upper_fields.check
            else None,
            "notes": list(self.notes),
            "kind_unknown": self.kind_unknown,
            "reports": self.reports,
        }
