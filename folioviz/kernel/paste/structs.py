"""crash and drgn struct dumps (``struct page``/``struct folio``, one member per line or C designated
initialisers) and crash ``kmem -p`` rows: the members folioviz reads from them."""

from __future__ import annotations

import re
from dataclasses import replace

from ..errors import BadWordError
from ..pastetext import parse_number
from ..versions import Era, report_feature, report_feature_texts
from .record import Paste

__all__ = ["KMEM_HEADER", "read_kmem_row", "read_struct_dump"]


KMEM_HEADER = re.compile(r"^\s?PAGE\s{1,2}PHYSICAL\s{1,2}MAPPING\s{1,2}INDEX\s{1,2}CNT\s{1,2}FLAGS", re.M)


# --------------------------------------------------------------------------- crash / drgn struct dumps

_OPENED = re.compile(r"^\*?(?:\([^)]{0,120}\))?\s?(?:0x[0-9a-fA-F]{1,16}\s?)?=?\s?\{$")


_HEADER = re.compile(r"^(?:struct|union)\s[A-Za-z0-9_]{1,80}\s?\{$")


_NAME = re.compile(r"^\.?([A-Za-z_][A-Za-z0-9_]{0,80})$")


def _member_line(line: str) -> tuple[str, bool, str] | None:
    """``(name, opens a brace, value)`` of one ``name = value,`` line, or ``None`` (no regex over the value)."""
    name_part, sep, value = line.partition("=")
    if not sep:
        return None
    match = _NAME.match(name_part.strip())
    if match is None:
        return None
    value = value.strip()
    if value.startswith("("):  # drgn's cast: (struct address_space *)0x..., (unsigned long)123
        close = value.find(")")
        if close >= 0:
            value = value[close + 1 :].strip()
    if value.startswith("{"):
        return match.group(1), True, ""
    return match.group(1), False, value.rstrip(",").strip()


def _struct_members(text: str) -> list[tuple[str, str]]:
    """``(dotted.path, value text)`` for each ``name = value`` in a crash or drgn struct dump."""
    # One token per line: drgn prints short nested structs inline ("(atomic_t){ .counter = (int)2, }").
    flat = text.replace("{", "{\n").replace("}", "\n}")
    flat = re.sub(r",\s?(?=\.?[A-Za-z_][A-Za-z0-9_]{0,80}\s?=)", ",\n", flat)
    stack: list[str] = []
    members: list[tuple[str, str]] = []
    for line in flat.split("\n"):
        line = line.strip()
        if not line:
            continue
        if line.startswith("}"):
            if stack:
                stack.pop()
            continue
        if line in ("{", "struct {", "union {") or _OPENED.match(line):
            stack.append("")
            continue
        member = _member_line(line)
        if member is None:
            if _HEADER.match(line):
                stack.append("")
            continue
        name, brace, value = member
        if brace:
            stack.append(name)
            continue
        members.append((".".join([p for p in stack if p] + [name]), value))
    return members


def _member(members: list[tuple[str, str]], *suffixes: str) -> str | None:
    for suffix in suffixes:
        for path, value in members:
            if path == suffix or path.endswith("." + suffix):
                return value
    return None


def _first_token(value: str) -> str:
    return value.split()[0] if value.split() else value


def read_struct_dump(text: str, era: Era, version: str | None) -> Paste:
    """Read a crash or drgn struct dump (``struct page``/``struct folio``, or one member) in ``era``."""
    members = _struct_members(text)
    source = "drgn" if re.search(r"^\s?\.[A-Za-z_]|\(\s?(?:struct\s)?[A-Za-z_]", text, re.M) else "crash"
    mapping_text = _member(members, "mapping")
    pointed = re.match(
        r"^\s?\*\(\s?(?:const\s)?struct\s([A-Za-z0-9_]{1,80})\s?\*\)\s?(0x[0-9a-fA-F]{1,16})\s?=\s?\{", text
    )
    if mapping_text is None and pointed and pointed.group(1) not in ("page", "folio"):
        # drgn prints a pointer member (page->mapping) by dereferencing it: the header holds the word.
        return Paste(
            "drgn", parse_number(pointed.group(2)), f"the pointer drgn dereferenced (struct {pointed.group(1)} *)"
        )
    if mapping_text is None:
        raise BadWordError(
            "this looks like a crash or drgn struct dump but it has no 'mapping' member. Paste the "
            "dump of a struct page or struct folio, a line such as '  mapping = 0xffff8881036d7a69,' "
            "(crash) or '.mapping = (struct address_space *)0xffff8881036d7a68,' (drgn)."
        )
    mapping_text = _first_token(mapping_text)
    if mapping_text.lower() in ("0x0", "null", "(nil)"):
        word = 0
    else:
        word = parse_number(mapping_text, default_base=16 if mapping_text[:2].lower() == "0x" else 10)
    flags = None
    flags_text = _member(members, "flags.f", "flags")
    if flags_text is not None and flags_text[:1].isascii() and (flags_text[:1].isdigit() or flags_text[:1] == "-"):
        flags = parse_number(_first_token(flags_text), default_base=10, what="flags value")
    notes: list[str] = []
    refcount = _int_member(members, notes, "_refcount.counter", "_refcount")
    mapcount = _int_member(members, notes, "_mapcount.counter", "_mapcount")
    page_type = _int_member(members, [], "page_type")
    notes += _tail_page_notes(members, version)
    paste = Paste(
        source, word, "the mapping member", flags=flags, refcount=refcount, mapcount=mapcount, notes=tuple(notes)
    )
    if page_type is not None:
        paste = _with_page_type_value(paste, page_type & 0xFFFFFFFF, era)
    return paste


def _tail_page_notes(members: list[tuple[str, str]], version: str | None) -> list[str]:
    """What a tail page's compound word says (bit 0 marks a tail page: compound_head() in page-flags.h)."""
    for name in ("compound_head", "compound_info"):
        value = _member(members, name)
        if value is None:
            continue
        token = _first_token(value)
        number = parse_number(token, default_base=16 if token[:2].lower() == "0x" else 10, what="number")
        if not number & 1:
            return []
        if name == "compound_head":
            return [
                f"This is a TAIL page: bit 0 of compound_head is set, so the folio is the head page at "
                f"{number - 1:#x}. A tail page's own mapping word is not the folio's; dump the head "
                f"(crash: struct page {number - 1:x}) and paste that."
            ]
        mask = report_feature("compound_info_mask", version)
        why = mask[1] if mask else next(text for _, value, text in report_feature_texts("compound_info_mask") if value)
        return [
            "This is a TAIL page: bit 0 of compound_info is set. folioviz does not compute the head page from "
            f"this word: {why}. A tail page's own mapping word is not the folio's; dump the head page and "
            "paste that."
        ]
    return []


def _int_member(members: list[tuple[str, str]], notes: list[str], *suffixes: str) -> int | None:
    """A 32-bit counter (``atomic_t``): crash with radix 16 prints -1 as ``0xffffffff``."""
    value = _member(members, *suffixes)
    if value is None:
        return None
    token = _first_token(value)
    if not token or not (token[0].isascii() and (token[0].isdigit() or token[0] == "-")):
        return None
    hexed = token[:2].lower() == "0x"
    number = parse_number(token, default_base=16 if hexed else 10, what="number")
    if hexed and suffixes[0] != "page_type" and 1 << 31 <= number < 1 << 32:
        signed = number - (1 << 32)
        notes.append(
            f"{suffixes[-1]} was printed in hex ({token}: crash with radix 16); as the 32-bit signed counter it "
            f"is, that is {signed}."
        )
        return signed
    return number


def _with_page_type_value(paste: Paste, page_type: int, era: Era) -> Paste:
    # The PGTY_* value of page_type's top byte; read with a table in finish, once the release is known.
    return replace(paste, page_type=f"{page_type:#x}")


# --------------------------------------------------------------------------- crash kmem


def read_kmem_row(text: str, era: Era) -> Paste:
    """Read a crash ``kmem -p`` / ``kmem <address>`` table row (hex, with crash's flag names)."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if KMEM_HEADER.match(line):
            for row in lines[i + 1 : i + 50]:
                cols = row.split()
                if len(cols) >= 6 and re.fullmatch(r"[0-9a-fA-F]{1,16}", cols[0]):
                    word = parse_number(cols[2])
                    names = tuple(n for n in " ".join(cols[6:]).replace(",", " ").split() if n)
                    return Paste(
                        "crash kmem",
                        word,
                        "the MAPPING column",
                        flags=parse_number(cols[5], what="flags value"),
                        flag_names=names,
                        flag_names_from="crash's FLAGS column" if names else "",
                        refcount=parse_number(cols[4], default_base=10, what="count") if cols[4].isascii() else None,
                        index=parse_number(cols[3], what="index"),
                    )
    raise BadWordError("found crash's kmem header but no page row under it")
