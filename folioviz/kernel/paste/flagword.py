"""The flags word of a paste read with a build's page-flag table: which bits are set, what they say about
slab, swap cache and movable_ops, and the "which table" line."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from ..errors import BadWordError, UnknownEraError
from ..flagfields import read_fields
from ..flags import TableChoice, table_choice
from ..versions import Era, parse_release
from .record import Paste

__all__ = ["build_table_name", "finish", "table_for"]


# --------------------------------------------------------------------------- flags


#: Where a report states its release: the "CPU: ... Not tainted 6.7.0-rc1-syzkaller-... #0" line of an oops
#: or warning (or "Tainted: G W  6.12.0 #1"), and the boot line "Linux version 6.1.0-57-amd64 (...)".
_STATED_RELEASE = re.compile(
    r"(?:\bNot tainted|\bTainted: [A-Z ]{0,40}?|\bLinux version)[ \t]{1,40}(v?[0-9][0-9A-Za-z._+~-]{2,120})"
)


def table_for(text: str, era: Era | str | None, kernel: str | None) -> TableChoice:
    """The table choice for a paste: the release it states, else ``kernel``, else ``era``."""
    stated = _STATED_RELEASE.search(text[:1_000_000])
    if stated:
        try:
            parse_release(stated.group(1))
            return table_choice(stated.group(1))
        except UnknownEraError:
            pass
    return table_choice(kernel if kernel is not None else era)


def _flag_names(paste: Paste, choice: TableChoice) -> tuple[set[str], list[str], list[str]]:
    """(the flag names to trust, the bits_read lines, notes) for the paste's flags."""
    table = choice.table
    if paste.flag_names:
        return set(paste.flag_names), [f"flag names as printed ({paste.flag_names_from}); no bit numbers needed"], []
    if paste.flags is None:
        return set(), [], []
    flags = paste.flags
    lines = [f"flags {flags:#x} read with the {choice.message}"]
    names = {n for n in table.names(flags) if table.bits[n] not in choice.uncertain_bits}
    doubtful = sorted(b for b in choice.uncertain_bits if flags >> b & 1)
    notes = []
    if doubtful:
        others = {r: build_table_name(r) for r in (choice.older, choice.newer) if r}
        said = [
            f"bit {b} ({table.name(b) or 'no flag'} in {table.release}"
            + "".join(f"; {name(b) or 'no flag'} in {r}" for r, name in others.items() if r != table.release)
            + ")"
            for b in doubtful
        ]
        notes.append(
            f"Set bits whose name is uncertain for {choice.asked}, not named here: {', '.join(said)}. "
            "Paste the dump_page() report (its flags: line names every flag) or give the build's own release."
        )
    return names, lines, notes


def build_table_name(release: str) -> Any:
    """``bit -> name`` of one build's table (for naming a bit in each build)."""
    from ..flags import build_table

    return build_table(release).name


def _slab_state(paste: Paste, choice: TableChoice, names: set[str], page_type: str) -> tuple[bool | None, list[str]]:
    table, numeric = choice.table, paste.flags is not None and not paste.flag_names
    if "slab" in names or "slab" in page_type.split("|"):
        return True, ["slab: yes (" + ("PG_slab" if "slab" in names else "page type slab") + ")"]
    if paste.flag_names:
        return False, [
            "slab: no (no PG_slab among the printed names" + (", page type " + page_type if page_type else "") + ")"
        ]
    if numeric and (not choice.slab_certain or (table.slab == "flag" and choice.uncertain("slab"))):
        return None, [
            f"slab: unknown — where {choice.asked} keeps slab (a page flag, and which bit, or a page type) "
            "is not known from the builds read"
        ]
    if table.slab == "flag":
        return False, [f"bit {table.bits['slab']} slab: clear — PG_slab"]
    if page_type:
        return False, [f"page type: {page_type}"]
    return False, ["page type: not in the paste, so slab is read as 'no'"]


def _state(name: str, names: set[str], choice: TableChoice, numeric: bool) -> bool | None:
    if name in names:
        return True
    return None if numeric and choice.uncertain(name) else False


def finish(paste: Paste, era: Era, word_bits: int, choice: TableChoice) -> Paste:
    """``paste`` completed from its flags word: the flag names, slab, swap cache and movable_ops they say,
    the notes, and the "which table" line."""
    if paste.word >= 1 << word_bits or paste.word < 0:
        raise BadWordError(f"{paste.word:#x} does not fit in a {word_bits}-bit word")
    if paste.flags is None and not paste.flag_names and not paste.page_type:
        return paste
    table = choice.table
    numeric = paste.flags is not None and not paste.flag_names
    page_type = paste.page_type
    if page_type.startswith("0x"):
        page_type = table.page_type_name(int(page_type, 16)) if choice.slab_certain else ""
    names, bits_read, notes = _flag_names(paste, choice)
    slab, slab_lines = _slab_state(paste, choice, names, page_type)
    bits_read += slab_lines
    if page_type and not slab_lines[0].startswith("page type"):
        bits_read.append(f"page type: {page_type}")

    def bit_line(name: str, meaning: str) -> str:
        bit = table.bits.get(name)
        where = f"bit {bit} " if bit is not None and numeric else ""
        state = {True: "set", False: "clear", None: "uncertain"}[_state(name, names, choice, numeric)]
        return f"{where}{name}: {state} — {meaning}"

    backed = _state("swapbacked", names, choice, numeric)
    owner = True if "swapcache" in names else _state("owner_priv_1", names, choice, numeric)
    swapcache: bool | None = False
    if backed is False or owner is False or slab:
        swapcache = False
    elif backed is None or owner is None or slab is None:
        swapcache = None
    else:
        swapcache = True
    bits_read.append(bit_line("swapbacked", "PG_swapbacked, backed by RAM or swap"))
    bits_read.append(
        bit_line("owner_priv_1", "PG_owner_priv_1, which is PG_swapcache when PG_swapbacked is set")
        + {True: " → in the swap cache", False: "", None: " → swap cache: unknown"}[swapcache]
    )
    movable_ops: bool | None = None
    if era.movable_ops_flag and table.movable_ops_alias:
        alias = _state(table.movable_ops_alias, names, choice, numeric)
        typed = any(t in table.movable_ops_types for t in page_type.split("|"))
        movable_ops = None if alias is None and typed else bool(alias) and typed
        line = bit_line(
            table.movable_ops_alias,
            f"PG_{table.movable_ops_alias}, which is PG_movable_ops only on "
            + " or ".join(table.movable_ops_types)
            + " pages",
        )
        if alias and not typed:
            line += f" → not movable_ops: the page type is {page_type or 'not given'}"
        bits_read.append(line + (" → movable_ops" if movable_ops else ""))
    fields = (
        None
        if paste.flags is None or not table.layout
        else read_fields(paste.flags, paste.printed_fields, table.layout)
    )
    bits_read += fields.lines if fields else ()
    notes += fields.notes if fields else ()
    return replace(
        paste,
        upper_fields=fields,
        flag_names=tuple(sorted(names, key=lambda n: table.bits.get(n, 99))) if names else paste.flag_names,
        page_type=page_type,
        slab=slab,
        swapcache=swapcache,
        movable_ops=movable_ops,
        bits_read=tuple(bits_read),
        notes=tuple([*paste.notes, *notes]),
        flag_table=choice.message if numeric else "",
    )
