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
  ``0x...(name|name|...)``, in newer kernels a ``page_type:`` line (Since Linux kernel commit
  4ffca5a96678 ("mm: support only one page_type per page") (in v6.12), a release inferred [I]: the
  PGTY_* types are in v6.12.8's headers, not in v6.1.4's; one type in the top byte), and
  ``raw:``/``head:`` hex dumps of ``struct page``. ``%p`` prints a hashed value unless the kernel
  booted with ``no_hash_pointers`` (Documentation/core-api/printk-formats.rst), so a hashed
  ``mapping:`` says nothing about tag bits; the ``raw:`` lines are printed unhashed and their
  fourth word is the real ``mapping`` word. https://elixir.bootlin.com/linux/v6.1.4/source/mm/debug.c
* bare words: ``0xffff888003a1c001``, ``ffff888003a1c001``, ``0x...UL``/``ULL``, ``0b101`` (binary).

Pure Python and no Jupyter: the CLI, the widget's paste box and :mod:`folioviz.drgn` share it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from .errors import BadWordError, UnknownEraError
from .flags import FlagTable, TableChoice, table_choice
from .versions import Era, get_era, parse_release

__all__ = ["FlagTable", "Paste", "flag_table", "is_paste", "parse_number", "parse_paste"]

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
    flag_table: str = ""
    """The "which table" line: the build whose bit numbers were used, and what they cannot vouch for."""

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
            "notes": list(self.notes),
        }


# --------------------------------------------------------------------------- numbers

_C_SUFFIX = re.compile(r"(?i)(?<=[0-9a-f])(?:u|ul|ull|l|ll|lu|llu)$")
_HEXWORD = re.compile(r"^(?:0[xX])?([0-9a-fA-F][0-9a-fA-F_]*)$")


def parse_number(text: str, *, default_base: int = 16, what: str = "word") -> int:
    """One number as the tools print it.

    ``0x`` means hex and ``0b`` binary whatever ``default_base`` says; the C suffixes ``U``, ``UL``,
    ``ULL`` are dropped (no hex digit is a ``u`` or an ``l``, so this is never ambiguous). Without a
    prefix the number is read in ``default_base``: 16 for a bare word, which crash and printk print
    in hex; 10 for a struct member that crash or drgn printed in decimal.

    :raises BadWordError: when ``text`` is no such number.
    """
    raw = text.strip()
    text = _C_SUFFIX.sub("", raw.rstrip(","))
    if text[:2].lower() == "0b":
        digits = text[2:].replace("_", "")
        if digits and set(digits) <= {"0", "1"}:
            return int(digits, 2)
        raise BadWordError(
            f"{raw!r} starts with 0b, which folioviz reads as binary, but has digits other than 0 and 1. "
            "For a hexadecimal word put 0x in front (0x0b...)."
        )
    if text[:2].lower() == "0x":
        digits = text[2:].replace("_", "")
        if digits and re.fullmatch(r"[0-9a-fA-F]+", digits):
            return int(digits, 16)
    elif default_base == 10:
        if re.fullmatch(r"-?\d+", text):
            return int(text)
    else:
        match = _HEXWORD.match(text)
        if match:
            return int(match.group(1).replace("_", ""), 16)
    raise BadWordError(
        f"{raw!r} is not a {'hexadecimal word' if what == 'word' else what} folioviz can read. Allowed: hex "
        "digits with or without 0x "
        "(0xffff888003a1c001, ffff888003a1c001, 0xffff888003a1c001UL), or binary after 0b (0b101)."
    )


# --------------------------------------------------------------------------- detection


def is_paste(text: str) -> bool:
    """True when ``text`` is more than one bare word: a struct dump, a report, or ``name = value``."""
    stripped = text.strip()
    return bool(re.search(r"[\s=:{]", stripped)) and not re.fullmatch(
        r"\(\s*(?:const\s+)?(?:struct\s+)?[A-Za-z_]\w*\s*\*\s*\)\s*\S+", stripped
    )


_DUMP_HEAD = re.compile(
    r"page:\s*(?P<page>[0-9a-fA-Fx]+|\(_*ptrval_*\))?\s*refcount:(?P<ref>-?\d+)\s+mapcount:(?P<map>-?\d+)\s+"
    r"mapping:(?P<mapping>\S+)\s+index:(?P<index>0x[0-9a-fA-F]+|\d+)"
)
_KMEM_HEADER = re.compile(r"^\s*PAGE\s+PHYSICAL\s+MAPPING\s+INDEX\s+CNT\s+FLAGS", re.M)


def parse_paste(text: str, era: Era | str | None = None, word_bits: int = 64, *, kernel: str | None = None) -> Paste:
    """Read a paste (see the module docstring for the formats) in ``era``.

    A flags word is read with the page-flag table of the release the paste states (a report's
    ``Not tainted 6.7.0-...`` or ``Linux version ...``), else of ``kernel`` (a release or version, as
    ``--kernel`` takes it), else of ``era`` (see :func:`folioviz.kernel.flags.table_choice`).

    :raises BadWordError: when no mapping word can be found, with what was expected.
    """
    if not isinstance(text, str):
        raise BadWordError(f"a paste must be text, not {type(text).__name__}")
    choice = _table_for(text, era, kernel)
    era = get_era(era)
    if not text.strip():
        raise BadWordError(
            "the paste is empty: paste a mapping word, a crash or drgn struct dump, or a dump_page() report"
        )
    if _DUMP_HEAD.search(text):
        return _finish(_dump_page(text, era), era, word_bits, choice)
    if _KMEM_HEADER.search(text):
        return _finish(_crash_kmem(text, era), era, word_bits, choice)
    if re.search(r"(?:^|[\s{,])\.?[A-Za-z_]\w*\s*=", text):
        return _finish(_struct_dump(text, era), era, word_bits, choice)
    word = text.strip()
    cast = re.match(r"^\(\s*(?:const\s+)?(?:struct\s+)?[A-Za-z_]\w*\s*\*\s*\)\s*", word)
    source = "drgn" if cast else "word"
    if cast:
        word = word[cast.end() :]
    if word.lower() in ("null", "(null)", "(nil)"):
        return _finish(Paste(source, 0, "the pasted word"), era, word_bits, choice)
    return _finish(Paste(source, parse_number(word), "the pasted word"), era, word_bits, choice)


# --------------------------------------------------------------------------- crash / drgn struct dumps


def _struct_members(text: str) -> list[tuple[str, str]]:
    """``(dotted.path, value text)`` for each ``name = value`` in a crash or drgn struct dump."""
    # One token per line: drgn prints short nested structs inline ("(atomic_t){ .counter = (int)2, }").
    flat = re.sub(r"\{", "{\n", text)
    flat = re.sub(r"\}", "\n}", flat)
    flat = re.sub(r",\s*(?=\.?[A-Za-z_]\w*\s*=)", ",\n", flat)
    stack: list[str] = []
    members: list[tuple[str, str]] = []
    for line in flat.splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("}"):
            if stack:
                stack.pop()
            continue
        opened = re.match(r"^\*?(?:\([^)]*\))?\s*(?:0x[0-9a-fA-F]+\s*)?=?\s*\{$", line)
        if opened or line in ("{", "struct {", "union {"):
            stack.append("")
            continue
        match = re.match(r"^\.?([A-Za-z_]\w*)\s*=\s*(?:\([^)]*\))?\s*(\{)?\s*(.*?)\s*,?$", line)
        if match is None:
            header = re.match(r"^(?:struct|union)\s+\w+\s*\{$", line)
            if header:
                stack.append("")
            continue
        name, brace, value = match.groups()
        if brace:
            stack.append(name)
            continue
        path = ".".join([p for p in stack if p] + [name])
        members.append((path, value))
    return members


def _member(members: list[tuple[str, str]], *suffixes: str) -> str | None:
    for suffix in suffixes:
        for path, value in members:
            if path == suffix or path.endswith("." + suffix):
                return value
    return None


def _struct_dump(text: str, era: Era) -> Paste:
    members = _struct_members(text)
    source = "drgn" if re.search(r"^\s*\.\w+\s*=|\(\s*(?:struct\s+)?\w+\s*\*?\s*\)", text, re.M) else "crash"
    mapping_text = _member(members, "mapping")
    pointed = re.match(r"^\s*\*\(\s*(?:const\s+)?struct\s+(\w+)\s*\*\)\s*(0x[0-9a-fA-F]+)\s*=\s*\{", text)
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
    mapping_text = mapping_text.split()[0] if mapping_text else mapping_text
    if mapping_text.lower() in ("0x0", "null", "(nil)"):
        word = 0
    else:
        word = parse_number(mapping_text, default_base=10 if not mapping_text.startswith("0x") else 16)
    flags = None
    flags_text = _member(members, "flags.f", "flags")
    if flags_text is not None and re.match(r"^-?(0x[0-9a-fA-F]+|\d+)", flags_text):
        flags = parse_number(flags_text.split()[0], default_base=10, what="flags value")
    refcount = _int_member(members, "_refcount.counter", "_refcount")
    mapcount = _int_member(members, "_mapcount.counter", "_mapcount")
    page_type = _int_member(members, "page_type")
    notes: tuple[str, ...] = ()
    compound = _int_member(members, "compound_head", "compound_info")
    if compound is not None and compound & 1:
        # compound_head() (include/linux/page-flags.h): bit 0 of this word marks a tail page.
        notes = (
            f"This is a TAIL page: bit 0 of compound_head is set, so the folio is the head page at "
            f"{compound - 1:#x}. A tail page's own mapping word is not the folio's; dump the head "
            f"(crash: struct page {compound - 1:x}) and paste that.",
        )
    paste = Paste(source, word, "the mapping member", flags=flags, refcount=refcount, mapcount=mapcount, notes=notes)
    if page_type is not None:
        paste = _with_page_type_value(paste, page_type & 0xFFFFFFFF, era)
    return paste


def _int_member(members: list[tuple[str, str]], *suffixes: str) -> int | None:
    value = _member(members, *suffixes)
    if value is None:
        return None
    match = re.match(r"^(-?(?:0x[0-9a-fA-F]+|\d+))", value)
    return parse_number(match.group(1), default_base=10, what="number") if match else None


def _with_page_type_value(paste: Paste, page_type: int, era: Era) -> Paste:
    # The PGTY_* value of page_type's top byte; read with a table in _finish, once the release is known.
    return replace(paste, page_type=f"{page_type:#x}")


# --------------------------------------------------------------------------- crash kmem


def _crash_kmem(text: str, era: Era) -> Paste:
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if _KMEM_HEADER.match(line):
            for row in lines[i + 1 :]:
                cols = row.split()
                if len(cols) >= 6 and re.fullmatch(r"[0-9a-fA-F]+", cols[0]):
                    word = parse_number(cols[2])
                    names = tuple(n for n in " ".join(cols[6:]).replace(",", " ").split() if n)
                    return Paste(
                        "crash kmem",
                        word,
                        "the MAPPING column",
                        flags=parse_number(cols[5], what="flags value"),
                        flag_names=names,
                        flag_names_from="crash's FLAGS column" if names else "",
                        refcount=int(cols[4]) if cols[4].isdigit() else None,
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


def _dump_page_word(text: str, era: Era, printed: int, hashed: bool, report_kind: str) -> tuple[int, str, bool, str]:
    """(word, where it came from, whether it is a placeholder, a note) for a dump_page() report."""
    raw_word = _raw_mapping_word(text)
    if raw_word is not None:
        word, word_from = raw_word
        return (
            word,
            word_from,
            False,
            (f"The raw word comes from the report's hex dump of struct page ({word_from}), which is not hashed."),
        )
    if report_kind in ("anon", "ksm"):
        tag = era.ANON if report_kind == "anon" else era.KSM
        return (
            PLACEHOLDER_POINTER | tag,
            f"the report's '{report_kind}' label",
            True,
            (
                f"The report says '{report_kind}', so the tag is {tag:#04b}; the pointer part of the word is a "
                f"placeholder ({PLACEHOLDER_POINTER:#x}), since the report hides the real one."
            ),
        )
    if report_kind == "file":
        return (
            PLACEHOLDER_POINTER,
            "the report's 'aops:' line",
            True,
            (
                "The report names the file's address_space operations (aops:), so this is a page-cache folio "
                f"with tag 0b00; the pointer is a placeholder ({PLACEHOLDER_POINTER:#x}) for the hashed one."
            ),
        )
    if printed == 0:
        return 0, "the report's 'mapping:' (NULL, and no anon/ksm label)", False, ""
    if not hashed:
        return printed, "the report's 'mapping:' (printed unhashed, no_hash_pointers)", False, ""
    return PLACEHOLDER_POINTER, "the report's 'mapping:' (hashed)", True, ""


def _dump_page(text: str, era: Era) -> Paste:
    head = _DUMP_HEAD.search(text)
    assert head is not None
    printed, hashed = _printed_mapping(head.group("mapping"))
    # No line anchors: a browser's one-line text box drops the newlines of a pasted block.
    flag_line = re.search(r"(anon |ksm )?(?<![A-Za-z_])flags:\s*(0x[0-9a-fA-F]+)\(([^)]*)\)", text)
    report_kind = ""
    if flag_line and flag_line.group(1):
        report_kind = flag_line.group(1).strip()
    elif re.search(r"\baops:", text):
        report_kind = "file"
    notes = []
    if hashed:
        notes.append(
            "dump_page() printed the pointers hashed (printk %p), as every kernel does unless booted "
            "with no_hash_pointers: the printed mapping's low bits are not the tag, so folioviz does "
            "not decode them."
        )
    notes.append(
        "dump_page()'s 'mapping:' is what folio_mapping() returned (NULL for anon and KSM), not the "
        "raw folio->mapping word."
    )
    word, word_from, placeholder, note = _dump_page_word(text, era, printed, hashed, report_kind)
    if note:
        notes.append(note)
    order_match = re.search(r"\border:(\d+)", text)
    page_type = re.search(r"page_type:\s*(?:0x)?([0-9a-fA-F]+)\s*\(([^)]*)\)", text)
    return Paste(
        "dump_page",
        word,
        word_from,
        placeholder=placeholder,
        hashed=hashed,
        flags=parse_number(flag_line.group(2)) if flag_line else None,
        flag_names=tuple(n for n in flag_line.group(3).split("|") if n and "=" not in n) if flag_line else (),
        flag_names_from="the report's flags: line" if flag_line else "",
        page_type=page_type.group(2).strip() if page_type else "",
        refcount=int(head.group("ref")),
        mapcount=int(head.group("map")),
        index=parse_number(head.group("index")),
        order=int(order_match.group(1)) if order_match else None,
        report_kind=report_kind,
        notes=tuple(notes),
    )


def _raw_mapping_word(text: str) -> tuple[int, str] | None:
    """The fourth word of the folio's struct page from dump_page()'s hex dump, when present."""
    for prefix in ("head", "raw"):
        match = re.search(rf"(?<![A-Za-z_]){prefix}:\s+((?:[0-9a-fA-F]{{16}}\s+){{3}}[0-9a-fA-F]{{16}})", text)
        if match:
            words = match.group(1).split()
            where = "the first 'head:' line" if prefix == "head" else "the first 'raw:' line"
            return int(words[RAW_MAPPING_WORD], 16), f"{where}, word {RAW_MAPPING_WORD + 1}"
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
    if "slab" in names or page_type == "slab":
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
        typed = page_type in table.movable_ops_types
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
    return replace(
        paste,
        flag_names=tuple(sorted(names, key=lambda n: table.bits.get(n, 99))) if names else paste.flag_names,
        page_type=page_type,
        slab=slab,
        swapcache=swapcache,
        movable_ops=movable_ops,
        bits_read=tuple(bits_read),
        notes=tuple([*paste.notes, *notes]),
        flag_table=choice.message if numeric else "",
    )
