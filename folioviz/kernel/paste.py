"""Read what mentors paste: crash and drgn struct dumps, dmesg ``dump_page()`` reports, bare words.

:func:`parse_paste` takes a line or a whole block, finds the ``mapping`` word in it, and, where the
paste has them, the page flags, the page type, the refcount and the mapcount. It says which flag
bits it read and what they mean in the era. Formats, as the tools document or print them:

* **crash** ``struct page``/``struct folio`` (and ``*page``): one ``member = value,`` per line,
  nested unions and structs in braces; pointers print as ``0x...`` and other integers in decimal
  unless crash's radix is 16 (crash ``help struct``: https://crash-utility.github.io/help_pages/struct.html).
  ``kmem -p`` / ``kmem <address>`` print a ``PAGE PHYSICAL MAPPING INDEX CNT FLAGS`` table in hex,
  with the flag names crash decoded (https://crash-utility.github.io/help_pages/kmem.html).
* **drgn** object output: ``*(struct page *)0x... = { .flags = (unsigned long)..., .mapping =
  (struct address_space *)0x..., ... }``, C designated-initializer style, integers in decimal,
  and a single member as ``(struct address_space *)0x...`` (https://drgn.readthedocs.io/en/latest/
  user_guide.html). folioviz's tests feed this parser drgn's own formatting of real kernel types.
* **dump_page()** (``mm/debug.c``): ``page:<%p> refcount:N mapcount:N mapping:<%p> index:0x...
  pfn:0x...`` (newer kernels, whose ``__dump_folio()`` does the work, print ``page: refcount:...``
  without the page pointer), then ``head: ... order:N ...`` for a large folio, ``aops:<symbol>
  ino:...`` for a file, ``anon flags:`` or ``ksm flags:`` or ``flags:`` with
  ``0x...(name|name|...)``, from v6.4 a ``page_type:`` line printed with ``%pGt``
  (https://elixir.bootlin.com/linux/v6.4/source/mm/debug.c, a release inferred [I]). Since Linux
  kernel commit 4ffca5a96678 ("mm: support only one page_type per page") (in v6.12), a release
  inferred [I], that line prints the top byte and one name instead. Then come ``raw:``/``head:`` hex
  dumps of ``struct page``. Before v5.7 ``mapping:`` is the raw ``page->mapping`` printed with
  ``%px``. Since Linux kernel commit 6197ab984b41 ("mm: improve dump_page() for compound pages")
  (in v5.7), a release inferred [I], it is ``page_mapping()``'s result printed with ``%p``, hashed
  unless the kernel booted with ``no_hash_pointers``. Since Linux kernel commit 5ead723a20e0
  ("lib/vsprintf: no_hash_pointers prints all addresses as unhashed") (in v5.12) that boot option
  exists. A hashed ``mapping:`` says
  nothing about tag bits; the ``raw:`` lines are printed unhashed and their fourth word is the real
  ``mapping`` word. ``data/report_facts.toml`` holds these facts by release, with their sources.
  https://elixir.bootlin.com/linux/v6.1.4/source/mm/debug.c
* bare words: ``0xffff888003a1c001``, ``ffff888003a1c001``, ``0x...UL``/``ULL``, ``0b101`` (binary).

Before reading, :mod:`folioviz.kernel.pastetext` repairs mail damage (quoted-printable, wrapped
lines, ``> `` quoting, log prefixes) and finds where each report starts: a paste of two reports is
never read as one (the first is decoded and the count said). The work is bounded on any input.

Evidence is never invented: a hashed ``mapping:`` with no ``raw:`` line and no ``anon``/``ksm``/
``aops:`` label decodes to kind *unknown*, with the reason; poison values (``TAIL_MAPPING``,
``LIST_POISON1/2`` per architecture, ``data/report_facts.toml``) are named as poison.

Pure Python and no Jupyter: the CLI, the widget's paste box and :mod:`folioviz.drgn` share it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from .errors import BadWordError, UnknownEraError, quote
from .flagfields import FieldsReading, printed_fields, read_fields
from .flags import FlagTable, TableChoice, table_choice
from .pastetext import MAX_PASTE_CHARS, check_size, clean_paste, parse_number, split_reports, to_int
from .poison import poison_name
from .versions import Era, get_era, parse_release, report_feature, report_feature_texts, report_version

__all__ = [
    "MAX_PASTE_CHARS",
    "FlagTable",
    "Paste",
    "flag_table",
    "is_paste",
    "parse_number",
    "parse_paste",
    "poison_name",
]

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


# --------------------------------------------------------------------------- detection

_CAST_ONLY = re.compile(r"\(\s?(?:const\s)?(?:struct\s)?[A-Za-z_][A-Za-z0-9_]{0,80}\s?\*\s?\)\s?\S+")


def is_paste(text: str) -> bool:
    """True when ``text`` is more than one bare word: a struct dump, a report, or ``name = value``."""
    stripped = " ".join(text.split()) if len(text) <= MAX_PASTE_CHARS else text
    return bool(re.search(r"[\s=:{]", stripped)) and not _CAST_ONLY.fullmatch(stripped)


# On a cleaned paste (blanks collapsed to one), so no quantifier here can run over a long blank run.
_DUMP_HEAD = re.compile(
    r"page:\s?(?:(?P<page>[0-9a-fA-Fx]{1,18}|\(_{0,8}ptrval_{0,8}\))\s{1,2})?refcount:(?P<ref>-?[0-9]+)\s{1,2}"
    r"mapcount:(?P<map>-?[0-9]+)\s{1,2}mapping:(?P<mapping>[^\s]{1,40})\s{1,2}index:(?P<index>0x[0-9a-fA-F]+|[0-9]+)"
)
_KMEM_HEADER = re.compile(r"^\s?PAGE\s{1,2}PHYSICAL\s{1,2}MAPPING\s{1,2}INDEX\s{1,2}CNT\s{1,2}FLAGS", re.M)
_MEMBER = re.compile(r"(?:^|[\s{,])\.?[A-Za-z_][A-Za-z0-9_]{0,80}\s?=")
_CAST = re.compile(r"^\(\s?(?:const\s)?(?:struct\s)?[A-Za-z_][A-Za-z0-9_]{0,80}\s?\*\s?\)\s?")


#: How far from a report's first line its own lines (and the release a log states near it) are looked for:
#: a dump_page() report is a dozen lines and a crash struct dump a few hundred; an oops prints its
#: "Not tainted" line within a few screens of the page report.
_AFTER_START = 256 * 1024
_BEFORE_START = 64 * 1024


def parse_paste(text: str, era: Era | str | None = None, word_bits: int = 64, *, kernel: str | None = None) -> Paste:
    """Read a paste (see the module docstring for the formats) in ``era``.

    ``kernel`` is the version or release the reader named (``"5.4"``, ``"6.1.0-57-amd64"``), when there is
    one; a report that names its own release (an oops's ``Not tainted 5.4.0 ...`` line) is read by that.
    A flags word is read with the page-flag table of the release the paste states (a report's
    ``Not tainted 6.7.0-...`` or ``Linux version ...``), else of ``kernel``, else of ``era`` (see
    :func:`folioviz.kernel.flags.table_choice`).

    :raises BadWordError: when no mapping word can be found, with what was expected.
    """
    if not isinstance(text, str):
        raise BadWordError(f"a paste must be text, not {type(text).__name__}")
    asked = era
    era = get_era(era)
    check_size(text)
    if not text.strip():
        raise BadWordError(
            "the paste is empty: paste a mapping word, a crash or drgn struct dump, or a dump_page() report"
        )
    cleaned = clean_paste(text)
    text = cleaned.text
    starts = split_reports(text)
    notes = list(cleaned.notes)
    told = cleaned.text
    if starts:
        # Read the first report from where it starts, and look for the release it states near it: a
        # long log around a report then costs one pass to find the report, not one per field.
        first = starts[0]
        end = min(starts[1].start if len(starts) > 1 else len(text), first.start + _AFTER_START)
        text = text[first.start : end]
        told = cleaned.text[max(0, first.start - _BEFORE_START) : end]
    if len(starts) > 1:
        first = starts[0]
        notes.append(
            f"The paste holds {len(starts)} reports (starting on lines "
            + ", ".join(str(s.line) for s in starts[:8])
            + (", ..." if len(starts) > 8 else "")
            + f"); folioviz read only the first ({first.kind}, line {first.line}) and mixed nothing from the "
            "others. Paste each one on its own to read it."
        )
    version = kernel if kernel and report_feature("dump_page_mapping", kernel) else report_version(told)
    paste = _read_one(text, era, version)
    choice = _table_for(told, asked, kernel)
    return _finish(
        replace(paste, notes=tuple(notes) + paste.notes, reports=max(1, len(starts))), era, word_bits, choice
    )


def _read_one(text: str, era: Era, version: str | None) -> Paste:
    if _DUMP_HEAD.search(text):
        return _dump_page(text, era, version)
    if _KMEM_HEADER.search(text):
        return _crash_kmem(text, era)
    if _MEMBER.search(text):
        return _struct_dump(text, era, version)
    word = text.strip()
    cast = _CAST.match(word)
    source = "drgn" if cast else "word"
    if cast:
        word = word[cast.end() :]
    if word.lower() in ("null", "(null)", "(nil)"):
        return Paste(source, 0, "the pasted word")
    if "\n" in word or " " in word:
        raise BadWordError(
            f"folioviz cannot read this paste: it found no dump_page() report, no crash or drgn dump and no "
            f"member line such as 'mapping = 0x...', and it is not one word. It starts {quote(word)}."
        )
    return Paste(source, parse_number(word), "the pasted word")


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


def _struct_dump(text: str, era: Era, version: str | None) -> Paste:
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
    # The PGTY_* value of page_type's top byte; read with a table in _finish, once the release is known.
    return replace(paste, page_type=f"{page_type:#x}")


# --------------------------------------------------------------------------- crash kmem


def _crash_kmem(text: str, era: Era) -> Paste:
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if _KMEM_HEADER.match(line):
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


# --------------------------------------------------------------------------- dump_page()


def _printed_mapping(mapping_text: str) -> tuple[int, bool]:
    """dump_page()'s ``mapping:`` value and whether it is hashed (-1 when it is no number at all)."""
    if mapping_text.lower() in ("0000000000000000", "00000000", "(null)"):
        return 0, False
    if "ptrval" in mapping_text:
        # Before the hash key is ready, %p prints "(____ptrval____)" instead of a hash.
        return -1, True
    value = parse_number(mapping_text)
    # %p hashes to 32 bits on 64-bit kernels (printed as 00000000xxxxxxxx); a kernel pointer
    # printed with no_hash_pointers starts with the kernel's high bits.
    return value, value >> 32 == 0


def _feature_note(name: str, version: str | None) -> str:
    """The words for a report feature: the version's when it is known, every span's otherwise."""
    known = report_feature(name, version)
    if known:
        return f"v{version}: {known[1]}"
    return " ".join(f"from v{start}: {text}." for start, _value, text in report_feature_texts(name))


def _mapping_notes(printed: int, hashed: bool, version: str | None) -> list[str]:
    """What dump_page()'s 'mapping:' field is in this release, and why it is (un)hashed."""
    what = report_feature("dump_page_mapping", version)
    notes = []
    if what is None:
        notes.append(
            "What dump_page() prints as 'mapping:' depends on the release, and this report does not say its "
            "release (no 'Not tainted <version>' line; give one with --kernel 5.4 or decode(..., '5.4')): "
            + _feature_note("dump_page_mapping", None)
        )
    else:
        notes.append(f"'mapping:' in this report ({_feature_note('dump_page_mapping', version)}).")
    if hashed:
        option = report_feature("no_hash_pointers", version)
        unless = (
            "unless booted with no_hash_pointers"
            if option is None or option[0]
            else "and this release has no no_hash_pointers option to turn that off"
        )
        notes.append(
            f"dump_page() printed the pointers hashed (printk %p), as kernels do {unless} "
            "(a boot option from v5.12): the printed mapping's low bits are not the tag, so folioviz does not "
            "decode them."
        )
    elif printed > 0:
        option = report_feature("no_hash_pointers", version)
        if what is not None and what[0] == "raw":
            notes.append("The 'mapping:' value is the raw word (printed with %px), so folioviz reads its tag.")
        elif option is not None and option[0]:
            notes.append(
                f"The 'mapping:' value is a real pointer: the kernel booted with no_hash_pointers ({option[1]})."
            )
        elif option is not None:
            notes.append(
                "The 'mapping:' value looks unhashed, yet this release prints %p hashed and has no "
                f"no_hash_pointers option ({option[1]}): folioviz does not know why, so it reads it as printed."
            )
        else:
            notes.append(
                "The 'mapping:' value is unhashed: either a kernel before v5.7 printed the raw word with %px, or "
                "the kernel booted with no_hash_pointers (a boot option from v5.12)."
            )
    return notes


def _aops_text(known: tuple[Any, str] | None) -> str:
    return known[1] if known else report_feature_texts("aops_means_file")[0][2]


def _label_word(
    era: Era, report_kind: str, flag_names: tuple[str, ...], version: str | None
) -> tuple[int, str, str, str]:
    """(word, where from, note, why unknown) from the report's anon/ksm/aops: labels alone."""
    if report_kind in ("anon", "ksm"):
        tag = era.ANON if report_kind == "anon" else era.KSM
        return (
            PLACEHOLDER_POINTER | tag,
            f"the report's '{report_kind}' label",
            f"The report says '{report_kind}', so the tag is {tag:#04b}; the pointer part of the word is a "
            f"placeholder ({PLACEHOLDER_POINTER:#x}), since the report hides the real one.",
            "",
        )
    if report_kind == "file":
        known = report_feature("aops_means_file", version)
        proof = known[0] if known else era.movable_tag != "address_space"
        if proof or "lru" in flag_names:
            because = (
                ""
                if proof
                else " Before v6.0 a driver's non-LRU movable page has an aops: line too, but this "
                "page has PG_lru, which no such page has."
            )
            return (
                PLACEHOLDER_POINTER,
                "the report's 'aops:' line",
                "The report names the file's address_space operations (aops:), so this is a page-cache folio "
                f"with tag 0b00; the pointer is a placeholder ({PLACEHOLDER_POINTER:#x}) for the hashed one.{because}",
                "",
            )
        return (
            PLACEHOLDER_POINTER,
            "nothing in the report (its 'aops:' line is no proof here)",
            "",
            "the 'mapping:' pointer is hashed and there is no raw: line; the aops: line does not settle it "
            f"in {era.label}: {_aops_text(known)} (and no PG_lru flag shows it is an LRU page)",
        )
    return (
        PLACEHOLDER_POINTER,
        "nothing in the report (the 'mapping:' pointer is hashed)",
        "",
        "the report prints 'mapping:' hashed, has no raw: line with the real word, and no anon, ksm or aops: "
        "label to say what the word is",
    )


def _dump_page(text: str, era: Era, version: str | None) -> Paste:
    head = _DUMP_HEAD.search(text)
    assert head is not None
    printed, hashed = _printed_mapping(head.group("mapping"))
    if report_feature("dump_page_mapping", version) and report_feature("dump_page_mapping", version)[0] == "raw":  # type: ignore[index]
        hashed = hashed and printed < 0
    # No line anchors: a browser's one-line text box drops the newlines of a pasted block. The names'
    # class stops at anything no flag name has, so a run of "flags: 0x1(" never scans far.
    flag_line = re.search(
        r"(anon |ksm )?(?<![A-Za-z_])flags:\s?(0x[0-9a-fA-F]{1,16})\(([A-Za-z0-9_|=]{0,2000})\)", text
    )
    report_kind = ""
    if flag_line and flag_line.group(1):
        report_kind = flag_line.group(1).strip()
    elif "aops:" in text:
        report_kind = "file"
    flag_names = tuple(n for n in flag_line.group(3).split("|") if n and "=" not in n) if flag_line else ()
    notes = _mapping_notes(printed, hashed, version)
    raw = _raw_words(text)
    unknown = ""
    if raw is not None:
        words, where = raw
        word, word_from, placeholder = words[RAW_MAPPING_WORD], f"{where}, word {RAW_MAPPING_WORD + 1}", False
        notes.append(
            f"The raw word comes from the report's hex dump of struct page ({word_from}), which is not hashed."
        )
    elif printed == 0:
        word, word_from, placeholder = 0, "the report's 'mapping:' (NULL, and no anon/ksm label)", False
        if report_kind in ("anon", "ksm"):
            word, word_from, note, _ = _label_word(era, report_kind, flag_names, version)
            placeholder = True
            notes.append(note)
    elif not hashed and printed > 0:
        word, word_from, placeholder = printed, "the report's 'mapping:' (printed unhashed)", False
    else:
        word, word_from, note, unknown = _label_word(era, report_kind, flag_names, version)
        placeholder = True
        if note:
            notes.append(note)
    if flag_line is None and "flags:" in text:
        at = text.index("flags:")
        notes.append(
            f"folioviz could not read the report's flags: line, so it reads no flags from it: {quote(text[at:])}"
        )
    flags = parse_number(flag_line.group(2)) if flag_line else None
    flags_from = "the report's flags: line" if flag_line else ""
    if flag_line is None and raw is not None:
        flags, flags_from = raw[0][0], f"{raw[1]}, word 1 (the report has no flags: line)"
        notes.append(f"The report has no flags: line; folioviz read the flags word from {raw[1]}, word 1.")
    order_match = re.search(r"\border:([0-9]{1,3})\b", text)
    page_type = re.search(r"page_type:\s?(?:0x)?[0-9a-fA-F]{1,8}\s?\(([A-Za-z0-9_|]{0,200})\)", text)
    return Paste(
        "dump_page",
        word,
        word_from,
        placeholder=placeholder,
        hashed=hashed,
        flags=flags,
        flag_names=flag_names,
        flag_names_from="the report's flags: line" if flag_line else flags_from,
        # %pGt joins every type it names with '|' and prints bits it has no name for in hex
        # (before v6.12 a page could carry several types): keep the names.
        page_type="|".join(n for n in page_type.group(1).split("|") if n and not n.startswith("0x"))
        if page_type
        else "",
        refcount=to_int(head.group("ref").lstrip("-"), 10, head.group("ref"), "refcount")
        * (-1 if head.group("ref").startswith("-") else 1),
        mapcount=to_int(head.group("map").lstrip("-"), 10, head.group("map"), "mapcount")
        * (-1 if head.group("map").startswith("-") else 1),
        index=parse_number(head.group("index")),
        order=int(order_match.group(1)) if order_match else None,
        report_kind=report_kind,
        notes=tuple(notes),
        kind_unknown=unknown,
        printed_fields=tuple(printed_fields(flag_line.group(3)).items()) if flag_line else (),
    )


_RAW = {
    prefix: re.compile(rf"(?<![A-Za-z_]){prefix}:\s{{1,2}}((?:[0-9a-fA-F]{{16}}\s{{1,2}}){{3}}[0-9a-fA-F]{{16}})")
    for prefix in ("head", "raw")
}


def _raw_words(text: str) -> tuple[tuple[int, ...], str] | None:
    """The first four words of the folio's struct page from dump_page()'s hex dump, when present."""
    for prefix in ("head", "raw"):
        match = _RAW[prefix].search(text)
        if match:
            where = "the first 'head:' line" if prefix == "head" else "the first 'raw:' line"
            return tuple(int(w, 16) for w in match.group(1).split()), where
    return None


# --------------------------------------------------------------------------- flags


#: Where a report states its release: the "CPU: ... Not tainted 6.7.0-rc1-syzkaller-... #0" line of an oops
#: or warning (or "Tainted: G W  6.12.0 #1"), and the boot line "Linux version 6.1.0-57-amd64 (...)".
_STATED_RELEASE = re.compile(
    r"(?:\bNot tainted|\bTainted: [A-Z ]{0,40}?|\bLinux version)[ \t]{1,40}(v?[0-9][0-9A-Za-z._+~-]{2,120})"
)


def _table_for(text: str, era: Era | str | None, kernel: str | None) -> TableChoice:
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
    from .flags import build_table

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


def _finish(paste: Paste, era: Era, word_bits: int, choice: TableChoice) -> Paste:
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
