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

from ..flags import FlagTable
from ..pastetext import MAX_PASTE_CHARS, parse_number
from ..poison import poison_name
from .detect import is_paste, parse_paste
from .flagword import build_table_name
from .record import PLACEHOLDER_POINTER, RAW_MAPPING_WORD, Paste, flag_table

__all__ = [
    "MAX_PASTE_CHARS",
    "PLACEHOLDER_POINTER",
    "RAW_MAPPING_WORD",
    "FlagTable",
    "Paste",
    "build_table_name",
    "flag_table",
    "is_paste",
    "parse_number",
    "parse_paste",
    "poison_name",
]
