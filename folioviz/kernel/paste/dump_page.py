"""dmesg ``dump_page()`` reports (``mm/debug.c``): the ``page:``/``head:``/``aops:``/``flags:``/``page_type:``
lines and the ``raw:`` words, read as each release prints them (``data/report_facts.toml``)."""

from __future__ import annotations

import re
from typing import Any

from ..errors import quote
from ..flagfields import printed_fields
from ..pastetext import parse_number, to_int
from ..versions import Era, report_feature, report_feature_texts
from .record import PLACEHOLDER_POINTER, RAW_MAPPING_WORD, Paste

__all__ = ["DUMP_HEAD", "read_dump_page"]


# On a cleaned paste (blanks collapsed to one), so no quantifier here can run over a long blank run.
DUMP_HEAD = re.compile(
    r"page:\s?(?:(?P<page>[0-9a-fA-Fx]{1,18}|\(_{0,8}ptrval_{0,8}\))\s{1,2})?refcount:(?P<ref>-?[0-9]+)\s{1,2}"
    r"mapcount:(?P<map>-?[0-9]+)\s{1,2}mapping:(?P<mapping>[^\s]{1,40})\s{1,2}index:(?P<index>0x[0-9a-fA-F]+|[0-9]+)"
)


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


def read_dump_page(text: str, era: Era, version: str | None) -> Paste:
    """Read a dmesg ``dump_page()`` report (``mm/debug.c``) as the release it states prints it."""
    head = DUMP_HEAD.search(text)
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
