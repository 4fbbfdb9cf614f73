"""Whether a text is a paste, and which reader takes it (:func:`parse_paste`, the entry point): a struct dump,
a crash ``kmem`` row, a ``dump_page()`` report or a bare word."""

from __future__ import annotations

import re
from dataclasses import replace

from ..errors import BadWordError, quote
from ..pastetext import MAX_PASTE_CHARS, check_size, clean_paste, parse_number, split_reports
from ..versions import Era, get_era, report_feature, report_version
from .dump_page import DUMP_HEAD, read_dump_page
from .flagword import finish, table_for
from .record import Paste
from .structs import KMEM_HEADER, read_kmem_row, read_struct_dump

__all__ = ["is_paste", "parse_paste"]


# --------------------------------------------------------------------------- detection

_CAST_ONLY = re.compile(r"\(\s?(?:const\s)?(?:struct\s)?[A-Za-z_][A-Za-z0-9_]{0,80}\s?\*\s?\)\s?\S+")


def is_paste(text: str) -> bool:
    """True when ``text`` is more than one bare word: a struct dump, a report, or ``name = value``."""
    stripped = " ".join(text.split()) if len(text) <= MAX_PASTE_CHARS else text
    return bool(re.search(r"[\s=:{]", stripped)) and not _CAST_ONLY.fullmatch(stripped)


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
    choice = table_for(told, asked, kernel)
    return finish(replace(paste, notes=tuple(notes) + paste.notes, reports=max(1, len(starts))), era, word_bits, choice)


def _read_one(text: str, era: Era, version: str | None) -> Paste:
    if DUMP_HEAD.search(text):
        return read_dump_page(text, era, version)
    if KMEM_HEADER.search(text):
        return read_kmem_row(text, era)
    if _MEMBER.search(text):
        return read_struct_dump(text, era, version)
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
