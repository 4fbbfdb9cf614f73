"""Pastes and folioviz.drgn: medians printed, nothing asserted (``make bench``).

* decode() of a pasted crash struct dump and of a dmesg dump_page() report;
* loading a BTF fixture (parse only) and setting up a laid-out kernel (tests/drgnkit);
* folioviz.drgn.decode() of one folio, and a page-cache walk of 64 entries (drgn is needed for these).
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def _median_ms(fn: Callable[[], object], *, rounds: int = 5, number: int = 20) -> float:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        samples.append((time.perf_counter() - start) / number * 1e3)
    return statistics.median(samples)


def main() -> None:
    from test_paste import CRASH_STRUCT_PAGE_61, DUMP_PAGE_REAL_ANON

    from folioviz.drgn.btf import Btf
    from folioviz.kernel import decode

    print(f"decode(crash struct page dump)   median {_median_ms(lambda: decode(CRASH_STRUCT_PAGE_61, '6.1')):8.3f} ms")
    print(f"decode(dump_page() report)       median {_median_ms(lambda: decode(DUMP_PAGE_REAL_ANON, '6.6')):8.3f} ms")
    fixture = ROOT / "tests" / "fixtures" / "btf" / "vmlinux-6.18.44.btf.xz"
    load = _median_ms(lambda: Btf.from_file(fixture), rounds=3, number=1)
    print(f"Btf.from_file(6.18.44 fixture)   median {load:8.1f} ms")
    try:
        import drgn  # noqa: F401
    except ImportError:
        print("drgn is not installed: folioviz.drgn not measured")
        return
    from drgnkit import Kernel

    import folioviz.drgn as fd

    print(f"Kernel('v6.17+'), BTF cached    median {_median_ms(lambda: Kernel('v6.17+'), rounds=3, number=1):8.1f} ms")
    k = Kernel("v6.17+")
    page = k.folio(mapping=0xFFFF888100080000, flags=("PG_uptodate", "PG_lru"))[0]
    ptr = k.page_ptr(page)
    print(f"folioviz.drgn.decode(folio)      median {_median_ms(lambda: fd.decode(ptr)):8.3f} ms")
    mapping = k.address_space()
    entries = {i: ("folio", k.folio(mapping=mapping, index=i)[0], 0) for i in range(64)}
    k.page_cache(mapping, entries)
    target = k.obj(mapping, "struct address_space").address_of_()
    print(f"pagecache() of 64 folios         median {_median_ms(lambda: fd.pagecache(target), number=3):8.1f} ms")


if __name__ == "__main__":
    main()
