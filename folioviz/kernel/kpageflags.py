"""What ``/proc/kpageflags`` reports for a folio's mapping word: the part of ``stable_page_flags()``
(``fs/proc/page.c``) that reads the tag, with its KSM bug (rule B7).

``stable_page_flags()`` turns a page into the stable ``KPF_*`` bits that ``/proc/kpageflags`` shows
(https://elixir.bootlin.com/linux/v6.1.4/source/fs/proc/page.c). ``KPF_ANON`` follows the anon bit of the
mapping word. ``KPF_KSM`` should follow the whole tag (``0b11``), and it does in the releases folioviz
booted before v6.2; the rewritten function tested the KSM constant as a bit mask, and since that constant
includes the anon bit, every anonymous page was reported as KSM. The kernel lab saw the bug on Debian's
6.12.117, 6.16.12 and 6.17.8 and not on 5.10.223, 6.1.192 or 7.3.4 (``data/real_kernels/``); which
releases have it is in ``data/kernels.toml`` (feature ``kpageflags_ksm_on_anon``).

>>> kpf_anon_ksm(0xffff888003a1c001, "6.1")
(True, False)
>>> kpf_anon_ksm(0xffff888003a1c001, "6.17")
(True, True)
>>> kpf_anon_ksm(0xffff888003a1c001, "6.9")
(True, None)
"""

from __future__ import annotations

from .versions import Kernel, get_kernel

__all__ = ["kpf_anon_ksm"]

ANON_BIT = 0b01
TAG_MASK = 0b11
KSM_TAG = 0b11


def kpf_anon_ksm(word: int, kernel: Kernel | str) -> tuple[bool, bool | None]:
    """``(KPF_ANON, KPF_KSM)`` as ``/proc/kpageflags`` of ``kernel`` reports them for a folio whose mapping
    word is ``word`` (a page the slab allocator does not own). ``KPF_KSM`` is ``None`` where folioviz does
    not know whether that release has the bug (no build of it was booted, no tree read)."""
    anon = bool(word & ANON_BIT)
    really_ksm = word & TAG_MASK == KSM_TAG
    bug = get_kernel(kernel).feature("kpageflags_ksm_on_anon")
    if really_ksm or not anon or bug == "no":
        return anon, really_ksm
    return anon, True if bug == "yes" else None
