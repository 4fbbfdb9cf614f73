"""What real kernels showed: the kernel lab's records (``data/real_kernels/``), and folioviz held against them.

The lab (``lab/``, ``make real-kernels``) booted Debian's own amd64 kernels under QEMU, ran the guest's
scenarios (``lab/guest/scenarios.c``), dumped the guest's memory and recorded, per build, the kernel's own
answers beside the raw ``struct page`` words. This module reads those records (no QEMU, no drgn, no Jupyter:
it runs from the wheel and in the browser build) and asks two questions of every recorded page:

* :func:`kernel_says`: the kernel's own class of the page. It comes from what the kernel printed or
  exported, never from folioviz: ``/proc/kpageflags`` (``stable_page_flags()`` in ``fs/proc/page.c``),
  the page type the kernel's ``enum pagetype`` names, the kernel's own symbols (zsmalloc's
  ``zsmalloc_mops`` or ``zsmalloc_aops``), and the ``filemap`` trace events.
* :func:`folioviz_says`: folioviz's decode of the recorded words, by two routes. The *paste* route builds
  the text a ``dump_page()`` report of that page would print (``flags: 0x…(names)`` with the names the
  kernel's own ``%pGp`` table gives, a ``page_type:`` line, ``raw:``/``head:`` hex lines) and reads it with
  :func:`folioviz.kernel.parse_paste` and :func:`folioviz.kernel.decode`. The *table* route decodes the
  bare flags word with folioviz's own bit numbers for that build (``data/page_flags/<release>.toml``).
  Both are reported.

The kernel functions mirrored, per recorded version (Elixir):

* ``stable_page_flags()``: the kpageflags classes.
  https://elixir.bootlin.com/linux/v5.10/source/fs/proc/page.c,
  https://elixir.bootlin.com/linux/v6.1/source/fs/proc/page.c,
  https://elixir.bootlin.com/linux/v6.12/source/fs/proc/page.c,
  https://elixir.bootlin.com/linux/v6.16/source/fs/proc/page.c,
  https://elixir.bootlin.com/linux/v6.17/source/fs/proc/page.c,
  https://elixir.bootlin.com/linux/v7.3/source/fs/proc/page.c
* ``format_page_flags()`` (``%pGp``), walking the ``pageflag_names`` table that ``mm/debug.c`` builds:
  https://elixir.bootlin.com/linux/v5.10/source/lib/vsprintf.c and
  https://elixir.bootlin.com/linux/v5.10/source/mm/debug.c,
  https://elixir.bootlin.com/linux/v6.1/source/lib/vsprintf.c,
  https://elixir.bootlin.com/linux/v6.12/source/lib/vsprintf.c,
  https://elixir.bootlin.com/linux/v6.17/source/lib/vsprintf.c and
  https://elixir.bootlin.com/linux/v6.17/source/mm/debug.c,
  https://elixir.bootlin.com/linux/v7.3/source/lib/vsprintf.c
* ``dump_page()`` / ``__dump_folio()``, whose report the paste route imitates:
  https://elixir.bootlin.com/linux/v6.1/source/mm/debug.c, https://elixir.bootlin.com/linux/v6.17/source/mm/debug.c

What is *observed* is the record; what folioviz *says* is computed from it each time, so a change to the
model is checked against real kernels by the ordinary tests (``tests/test_real_kernels.py``).

>>> rec = record("6.17")
>>> rec.kernel.version.startswith("6.17"), rec.era.id
(True, 'v6.17+')
>>> obs = rec.observation("zsmalloc")
>>> kernel_says(obs, rec).kind, folioviz_says(obs, rec).kind
('movable', 'movable')
"""

from __future__ import annotations

from .memory import KPF_BITS, MemoryRow, check_memory, kpf_names, memory_rows
from .recordfiles import (
    RECORDS_DIR,
    KernelBuild,
    KernelRecord,
    Observation,
    ObservedPage,
    Package,
    TraceEvent,
    WholeMemory,
    record,
    record_era,
    records,
)
from .says import (
    Comparison,
    FoliovizSays,
    KernelSays,
    compare,
    comparisons,
    decode_kind,
    dump_page_text,
    folioviz_says,
    head_page,
    kernel_says,
)
from .seen import rules_seen

__all__ = [
    "KPF_BITS",
    "RECORDS_DIR",
    "Comparison",
    "FoliovizSays",
    "KernelBuild",
    "KernelRecord",
    "KernelSays",
    "MemoryRow",
    "Observation",
    "ObservedPage",
    "Package",
    "TraceEvent",
    "WholeMemory",
    "check_memory",
    "compare",
    "comparisons",
    "decode_kind",
    "dump_page_text",
    "folioviz_says",
    "head_page",
    "kernel_says",
    "kpf_names",
    "memory_rows",
    "record",
    "record_era",
    "records",
    "rules_seen",
]
