"""Before a paste is read: its size, its numbers, mail damage, and how many reports it holds.

Everything here does bounded work on any input: one pass over the text per step, no regular
expression that can backtrack over a run of blanks (runs are collapsed to one blank first), and
no ``int()`` of more digits than a kernel value has (Python refuses more than 4300 anyway, with a
``ValueError`` that says nothing about the paste).

What it repairs, and says so:

* **quoted-printable** text (a mail's ``Content-Transfer-Encoding``): soft line breaks (a line ending
  in ``=``) and ``=3D`` escapes are decoded;
* **mail quoting and log prefixes**: ``> `` markers, dmesg timestamps (``[ 1022.118403]``), syzbot's
  thread tags (``[ T1234]``), syslog's ``... kernel:`` heads;
* **wrapped lines**: a ``flags:`` list whose ``(...)`` was broken over lines by a mail client, and a
  crash or drgn member line broken in the middle of a token (a line that ends without the ``,``,
  ``{`` or ``}`` every member line of those tools ends with).

:func:`split_reports` finds where each report starts (a ``dump_page()`` head line, a crash ``kmem``
header, a ``struct page {`` / ``*(struct folio *)0x... = {`` dump), so two reports pasted together are
never read as one.
"""

from __future__ import annotations

import quopri
import re
from dataclasses import dataclass

from .errors import BadWordError, PasteTooLargeError, quote

__all__ = [
    "MAX_DIGITS",
    "MAX_PASTE_CHARS",
    "Cleaned",
    "ReportStart",
    "check_size",
    "clean_paste",
    "parse_number",
    "split_reports",
    "to_int",
]

#: The longest paste folioviz reads: 8 MiB of text, room for a whole day's dmesg around a report.
MAX_PASTE_CHARS = 8 * 1024 * 1024

#: The most digits a number may have: a 64-bit value needs at most 64 binary digits (16 hex, 20 decimal).
MAX_DIGITS = 64

_DIGITS = {2: re.compile(r"[01]+"), 10: re.compile(r"[0-9]+"), 16: re.compile(r"[0-9a-fA-F]+")}


def check_size(text: str) -> None:
    """:raises PasteTooLargeError: for a paste over :data:`MAX_PASTE_CHARS`."""
    if len(text) > MAX_PASTE_CHARS:
        raise PasteTooLargeError(
            f"the paste is {len(text):,} characters long; folioviz reads at most {MAX_PASTE_CHARS:,} "
            "(8 MiB). Paste the report itself: from its 'page:' line (or the crash/drgn dump) to "
            "'page dumped because:' (or the dump's closing brace)."
        )


def to_int(digits: str, base: int, raw: str, what: str = "number") -> int:
    """``int(digits, base)`` for ASCII digits of at most :data:`MAX_DIGITS`, else a clear error.

    ``raw`` is the text as pasted, quoted in the message.
    """
    digits = digits.replace("_", "")
    if not _DIGITS[base].fullmatch(digits):
        allowed = {2: "0 and 1", 10: "0 to 9", 16: "0 to 9 and a to f"}[base]
        raise BadWordError(f"{quote(raw)} is not a {what} folioviz can read: its digits must be ASCII {allowed}")
    if len(digits) > MAX_DIGITS:
        raise BadWordError(
            f"{quote(raw, 60)} is a {what} of {len(digits):,} digits, longer than any kernel value: a 64-bit "
            "word has at most 16 hexadecimal, 20 decimal or 64 binary digits"
        )
    return int(digits, base)


# --------------------------------------------------------------------------- cleaning


@dataclass(frozen=True)
class Cleaned:
    """A paste after repair: one report per line structure, one blank between words."""

    text: str
    notes: tuple[str, ...] = ()


# Leading pieces a log or a mail puts before the kernel's own text (after blanks are collapsed).
_PREFIX = re.compile(
    r"^(?:> ?|\[ ?[0-9]{1,10}\.[0-9]{1,9}\] ?|\[ ?[TCU][0-9]{1,7}\] ?|<[0-9]{1,2}> ?"
    r"|[A-Z][a-z]{2} [0-9]{1,2} [0-9:]{8} [^ ]{1,64} kernel: ?)+"
)
_QUOTE_MARKS = re.compile(r"^(?:[ \t]{0,8}>)+[ \t]?", re.M)


def _looks_quoted_printable(text: str) -> bool:
    # A soft line break (a line ending in a single '=') or an encoded '=' (=3D): crash, drgn and
    # dump_page() never end a line with '=' and never print '=3D'.
    return "=3D" in text or re.search(r"[^=]=\r?\n", text) is not None


def _join_flag_lists(lines: list[str]) -> tuple[list[str], bool]:
    """Join a ``flags: 0x...(a|b|`` line with the lines that finish its list (a mail client's wrap)."""
    out: list[str] = []
    joined = False
    i = 0
    while i < len(lines):
        line = lines[i]
        at = line.find("flags:")
        if at >= 0 and "(" in line[at:] and ")" not in line[line.index("(", at) :]:
            j = i + 1
            while j < len(lines) and j <= i + 8 and ")" not in line[line.index("(", at) :]:
                line += lines[j]
                j += 1
            joined = joined or j > i + 1
            i = j
        else:
            i += 1
        out.append(line)
    return out, joined


_MEMBER_START = re.compile(r"^(?:\.?[A-Za-z_][A-Za-z0-9_]{0,80} ?=|[{}]|struct |union |crash>|>>>|\*\(|\()")


def _join_wrapped_members(lines: list[str]) -> tuple[list[str], bool]:
    """In a crash or drgn dump every member line ends with ',', '{' or '}': a line that does not was
    broken by a mail client, and the next line (which starts no member) is the rest of its token."""
    out: list[str] = []
    joined = False
    for line in lines:
        if (
            out
            and line
            and out[-1]
            and out[-1][-1] not in ",{}"
            and "=" in out[-1]
            and not out[-1].startswith(("crash>", ">>>"))
            and not _MEMBER_START.match(line)
        ):
            out[-1] += line
            joined = True
        else:
            out.append(line)
    return out, joined


def clean_paste(text: str) -> Cleaned:
    """Repair what mail and logs did to a paste (see the module docstring); say what was repaired."""
    check_size(text)
    notes: list[str] = []
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if ">" in text:
        text = _QUOTE_MARKS.sub("", text)
    if _looks_quoted_printable(text):
        data = quopri.decodestring(text.encode("utf-8", "surrogatepass"))
        text = data.decode("utf-8", "replace")
        notes.append(
            "The paste was quoted-printable (a mail's transfer encoding): folioviz decoded it first "
            "(soft line breaks joined, =3D read as '=')."
        )
    lines = []
    for raw_line in text.split("\n"):
        line = " ".join(raw_line.split())
        if line[:1] in ">[<" or (line[:1].isupper() and " kernel:" in line[:120]):
            line = _PREFIX.sub("", line)
        lines.append(line)
    lines, flags_joined = _join_flag_lists(lines)
    if flags_joined:
        notes.append("A flags: list was broken over lines (a mail client's wrapping): folioviz joined it.")
    if not _DUMP_HEAD_START.search(text):
        lines, members_joined = _join_wrapped_members(lines)
        if members_joined:
            notes.append(
                "A member line of the dump was broken in the middle (a mail client's wrapping): folioviz "
                "joined it with the line after it."
            )
    return Cleaned("\n".join(lines), tuple(notes))


# --------------------------------------------------------------------------- reports

_DUMP_HEAD_START = re.compile(r"page:\s{0,2}(?:[0-9a-fA-Fx]{1,18}\s{1,2}|\(_{0,8}ptrval_{0,8}\)\s{1,2})?refcount:")
_KMEM_HEADER = re.compile(r"PAGE\s{1,2}PHYSICAL\s{1,2}MAPPING\s{1,2}INDEX\s{1,2}CNT\s{1,2}FLAGS")
_STRUCT_HEAD = re.compile(
    r"(?:\*\(\s?(?:const\s)?struct\s(?:page|folio)\s?\*\)\s?(?:0x)?[0-9a-fA-F]{1,16}\s?=\s?\{"
    r"|(?<![A-Za-z0-9_)(])struct\s(?:page|folio)\s?\{)"
)


@dataclass(frozen=True)
class ReportStart:
    """Where one report starts in a cleaned paste, and what kind it is."""

    kind: str
    """``"dump_page"``, ``"crash kmem"`` or ``"struct"`` (a crash or drgn dump)."""
    start: int
    line: int
    """1-based line number in the cleaned paste."""


def split_reports(text: str) -> list[ReportStart]:
    """Every report start in ``text``, in order. A paste of member lines with no header has none."""
    starts = [(m.start(), "dump_page") for m in _DUMP_HEAD_START.finditer(text)]
    starts += [(m.start(), "crash kmem") for m in _KMEM_HEADER.finditer(text)]
    starts += [(m.start(), "struct") for m in _STRUCT_HEAD.finditer(text)]
    starts.sort()
    return [ReportStart(kind, at, text.count("\n", 0, at) + 1) for at, kind in starts]


# --------------------------------------------------------------------------- numbers

_C_SUFFIX = re.compile(r"(?i)(?<=[0-9a-f])(?:u|ul|ull|l|ll|lu|llu)$")


def parse_number(text: str, *, default_base: int = 16, what: str = "word") -> int:
    """One number as the tools print it.

    ``0x`` means hex and ``0b`` binary whatever ``default_base`` says; the C suffixes ``U``, ``UL``,
    ``ULL`` are dropped (no hex digit is a ``u`` or an ``l``, so this is never ambiguous). Without a
    prefix the number is read in ``default_base``: 16 for a bare word, which crash and printk print
    in hex; 10 for a struct member that crash or drgn printed in decimal. Only ASCII digits count
    (``١٢٣`` is no number here), and no more of them than a 64-bit value has.

    :raises BadWordError: when ``text`` is no such number.
    """
    raw = text.strip()
    text = _C_SUFFIX.sub("", raw.rstrip(","))
    if text[:2].lower() == "0b":
        digits = text[2:]
        if digits and not digits.strip("01_"):
            return to_int(digits, 2, raw, "binary number")
        raise BadWordError(
            f"{quote(raw)} starts with 0b, which folioviz reads as binary, but has digits other than 0 and 1. "
            "For a hexadecimal word put 0x in front (0x0b...)."
        )
    negative = default_base == 10 and text.startswith("-")
    digits = text[2:] if text[:2].lower() == "0x" else text[1:] if negative else text
    base = 16 if text[:2].lower() == "0x" or default_base == 16 else 10
    if digits and digits[0] != "_" and digits.isascii() and digits.replace("_", "").isalnum():
        value = to_int(digits, base, raw, "hexadecimal word" if what == "word" else what)
        return -value if negative else value
    raise BadWordError(
        f"{quote(raw)} is not a {'hexadecimal word' if what == 'word' else what} folioviz can read. Allowed: "
        "hex digits with or without 0x "
        "(0xffff888003a1c001, ffff888003a1c001, 0xffff888003a1c001UL), or binary after 0b (0b101)."
    )
