"""The fields above the flag bits of ``page->flags``: section, node, zone, lastcpupid, kasantag.

The flag bits (``enum pageflags``) fill ``page->flags`` from bit 0 up. From bit 63 down the kernel keeps
numbers: the memory section (only with ``CONFIG_SPARSEMEM`` and no vmemmap), the NUMA node, the zone,
the CPU and PID that last touched the page for NUMA balancing (``lastcpupid``, when it fits), the
KASAN tag (with tag-based KASAN), then the multi-gen LRU's generation and reference count. Their
widths come from the build's configuration, so each build's table (``data/page_flags/<release>.toml``,
``[layout]``) records them, computed by ``tools/flag_tables.py`` as
https://elixir.bootlin.com/linux/v6.12.117/source/include/linux/page-flags-layout.h and the
``*_PGOFF``/``*_PGSHIFT`` macros of
https://elixir.bootlin.com/linux/v6.12.117/source/include/linux/mmzone.h do.

``%pGp`` (``format_page_flags()``,
https://elixir.bootlin.com/linux/v6.12.117/source/lib/vsprintf.c) prints the first five after the flag
names: ``flags: 0xfffffc0002000(reserved|node=0|zone=1|lastcpupid=0x1fffff)``, section, node and zone in
decimal, lastcpupid and kasantag in hex.
Since Linux kernel commit c244297acbe5 ("vsprintf: dump full information of page flags in pGp") (in v5.13),
a release inferred [I], the fields are printed; v5.10's ``%pGp`` prints the names only (its
https://elixir.bootlin.com/linux/v5.10.223/source/lib/vsprintf.c has no ``format_page_flags()``).
:func:`check_printed` decodes them from the raw word and says whether they agree with what was printed.

Plain ints only; the display adapter shows them bit by bit.

>>> from folioviz.kernel.flags import build_table
>>> layout = build_table("6.12.117+deb13-amd64").layout
>>> [f.text for f in decode_fields(0xFFFFFC0002000, layout) if f.printed_by_pgp]
['node=0', 'zone=1', 'lastcpupid=0x1fffff']
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

__all__ = [
    "PGP_FIELDS",
    "FieldCheck",
    "FieldValue",
    "FieldsReading",
    "FlagsLayout",
    "check_printed",
    "decode_fields",
    "layout_from_row",
    "printed_fields",
    "read_fields",
]

#: The fields ``%pGp`` prints, in its order (``pff[]`` in lib/vsprintf.c), and how: decimal or hex.
PGP_FIELDS: Mapping[str, str] = MappingProxyType(
    {"section": "dec", "node": "dec", "zone": "dec", "lastcpupid": "hex", "kasantag": "hex"}
)

#: The fields in page->flags from the top down (the *_PGOFF chain): %pGp's five, then the multi-gen LRU's two.
FIELD_ORDER = (*PGP_FIELDS, "lru_gen", "lru_refs")


@dataclass(frozen=True)
class FlagsLayout:
    """Where one build keeps each upper field: ``{name: (width, shift)}``; width 0 = not in page->flags."""

    release: str
    nr_pageflags: int
    fields: tuple[tuple[str, int, int], ...]
    """``(name, width, shift)`` for every field of :data:`FIELD_ORDER`, absent ones with width 0."""
    zone_names: tuple[str, ...] = ()
    """``enum zone_type`` (``ZONE_`` dropped) in value order: ``zone=1`` is ``zone_names[1]``."""
    source: str = ""

    def present(self) -> tuple[tuple[str, int, int], ...]:
        """The fields this build keeps in page->flags, from the top down."""
        return tuple(f for f in self.fields if f[1])

    def absent(self) -> tuple[str, ...]:
        return tuple(name for name, width, _ in self.fields if not width)


def layout_from_row(release: str, nr_pageflags: int, row: dict[str, Any]) -> FlagsLayout:
    """A :class:`FlagsLayout` from a table's ``[layout]`` (see ``tools/flag_tables.py``'s schema)."""
    fields = tuple((name, int(row[name]["width"]), int(row[name]["shift"])) for name in FIELD_ORDER)
    return FlagsLayout(release, nr_pageflags, fields, tuple(row.get("zone_names", ())), row.get("source", ""))


@dataclass(frozen=True)
class FieldValue:
    """One upper field of a flags word, decoded with a build's layout."""

    name: str
    value: int
    width: int
    shift: int

    @property
    def high(self) -> int:
        """The field's top bit number."""
        return self.shift + self.width - 1

    @property
    def printed_by_pgp(self) -> bool:
        return self.name in PGP_FIELDS

    @property
    def text(self) -> str:
        """As ``%pGp`` prints it (``node=0``, ``lastcpupid=0x1fffff``); the LRU fields in the same form."""
        return f"{self.name}={self.value:#x}" if PGP_FIELDS.get(self.name) == "hex" else f"{self.name}={self.value}"


def decode_fields(flags: int, layout: FlagsLayout) -> tuple[FieldValue, ...]:
    """The upper fields of ``flags``, top down: ``(flags >> shift) & mask`` as ``page_zonenum()``,
    ``page_to_nid()``, ``folio_last_cpupid()`` and ``page_kasan_tag()`` read them."""
    return tuple(
        FieldValue(name, (flags >> shift) & ((1 << width) - 1), width, shift) for name, width, shift in layout.present()
    )


_PRINTED = re.compile(r"(?<![A-Za-z_])(section|node|zone|lastcpupid|kasantag)=(0x[0-9a-fA-F]{1,16}|[0-9]{1,20})")


def printed_fields(names: str) -> dict[str, int]:
    """The fields a ``%pGp`` output prints: ``"reserved|node=0|zone=1"`` -> ``{"node": 0, "zone": 1}``."""
    return {m.group(1): int(m.group(2), 0) for m in _PRINTED.finditer(names)}


@dataclass(frozen=True)
class FieldCheck:
    """Printed fields against the same fields decoded from the word with one build's layout."""

    release: str
    agree: bool
    lines: tuple[str, ...]
    """One line per printed field: printed, decoded, and whether they agree."""
    summary: str


def check_printed(flags: int, printed: dict[str, int], layout: FlagsLayout) -> FieldCheck:
    """Whether the fields a report printed are what ``layout`` decodes from its flags word.

    A disagreement means the word was read with another build's layout than the one that printed it
    (another configuration: ``NR_CPUS``, ``NODES_SHIFT``, KASAN), or the report was altered."""
    decoded = {f.name: f for f in decode_fields(flags, layout)}
    lines, agree = [], True
    for name, value in printed.items():
        field = decoded.get(name)
        if field is None:
            agree = False
            lines.append(f"{name}: printed {value}, but build {layout.release} keeps no {name} in page->flags")
            continue
        same = field.value == value
        agree &= same
        said = FieldValue(name, value, field.width, field.shift).text
        lines.append(
            f"{field.text} from bits {field.high}-{field.shift}: "
            + ("the report printed the same" if same else f"but the report printed {said}")
        )
    if agree:
        summary = (
            f"the upper fields the report printed ({', '.join(printed)}) agree with the flags word "
            f"read with build {layout.release}'s layout"
        )
    else:
        summary = (
            f"the upper fields the report printed do not match the flags word read with build "
            f"{layout.release}'s layout: the report's kernel keeps them elsewhere (another configuration, "
            "such as NR_CPUS or NODES_SHIFT), so that build's layout, and maybe its flag table, is not this kernel's"
        )
    return FieldCheck(layout.release, agree, tuple(lines), summary)


@dataclass(frozen=True)
class FieldsReading:
    """What a paste's flags word says above its flag bits, read with one build's layout."""

    layout: FlagsLayout
    fields: tuple[FieldValue, ...]
    check: FieldCheck | None
    """Printed against decoded (``None`` when the report printed no fields)."""
    lines: tuple[str, ...]
    """The "read:" lines: the decoded fields, and the check's summary."""
    notes: tuple[str, ...]
    """A note for the learner when the printed fields disagree."""


def read_fields(flags: int, printed: tuple[tuple[str, int], ...], layout: FlagsLayout) -> FieldsReading:
    """The upper fields of a paste's ``flags`` word, checked against the ones its report ``printed``."""
    fields = decode_fields(flags, layout)
    lines = [
        f"upper fields of flags, with build {layout.release}'s layout: " + " | ".join(f.text for f in fields)
        if fields
        else f"upper fields: build {layout.release} keeps none in page->flags"
    ]
    check = check_printed(flags, dict(printed), layout) if printed else None
    notes = []
    if check is not None:
        lines.append(check.summary)
        if not check.agree:
            notes.append(f"Upper fields: {check.summary}. " + "; ".join(check.lines) + ".")
    return FieldsReading(layout, fields, check, tuple(lines), tuple(notes))
