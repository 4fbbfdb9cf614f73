"""folioviz benchmarks: medians printed, nothing asserted (``make bench``).

* decode per call (the model alone);
* a bit click to a fully updated MappingWordWidget (Python side: model, SVG, tables, the bit field's state);
* ``import folioviz`` and ``import folioviz.widgets.mapping_word`` in a fresh interpreter.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1]))


def _median_us(fn: Callable[[], object], *, rounds: int = 7, number: int = 200) -> tuple[float, float]:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        samples.append((time.perf_counter() - start) / number * 1e6)
    return statistics.median(samples), min(samples)


def _import_ms(statement: str, rounds: int = 7) -> float:
    samples = []
    for _ in range(rounds):
        code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
        samples.append(float(out.stdout) * 1e3)
    return statistics.median(samples)


def main() -> None:
    from folioviz.kernel import decode
    from folioviz.widgets.mapping_word import MappingWordWidget

    words = ["0xffff888003a1c000", 0xFFFF888003A1C001, "ffff888003a1c002", "0"]
    i = iter(range(10**9))
    med, best = _median_us(lambda: decode(words[next(i) % 4], "6.4"))
    print(f"decode()                         median {med:8.1f} us   best {best:8.1f} us")

    widget = MappingWordWidget()

    def click_bit0() -> None:  # what the browser sends when bit 0 is clicked
        widget._bits.word = f"0x{widget.word ^ 1:016x}"

    med, best = _median_us(click_bit0, number=100)
    print(f"bit click -> widget updated      median {med / 1000:8.3f} ms   best {best / 1000:8.3f} ms")
    med, best = _median_us(
        lambda: widget._era_picker.__setattr__("value", "v6.17+" if widget.era != "v6.17+" else "v6.0-v6.16"),
        number=50,
    )
    print(f"era switch -> widget updated     median {med / 1000:8.3f} ms   best {best / 1000:8.3f} ms")
    med, best = _median_us(lambda: MappingWordWidget(), rounds=5, number=10)
    print(f"MappingWordWidget()              median {med / 1000:8.3f} ms   best {best / 1000:8.3f} ms")

    from folioviz.kernel.pagecache import PAGECACHE_SCENARIOS
    from folioviz.render.pagecache import build_scenario
    from folioviz.render.pagecache_figure import refcount_figure
    from folioviz.widgets.pagecache import PageCacheWidget

    for name in PAGECACHE_SCENARIOS:
        scenario = build_scenario(name)
        med, _ = _median_us(lambda scenario=scenario: refcount_figure(scenario), rounds=5, number=5)
        size = len(refcount_figure(scenario).to_json())
        frames = len(scenario)
        kib = size / 1024
        print(f"refcount_figure({name:<12})  median {med / 1000:8.1f} ms   {frames:2d} frames  JSON {kib:5.1f} KiB")
    med, _ = _median_us(lambda: build_scenario("truncation"), rounds=5, number=50)
    print(f"truncation scenario (model)      median {med / 1000:8.3f} ms")
    pc = PageCacheWidget("truncation")
    med, _ = _median_us(lambda: pc.stepper.go((pc.stepper.index + 1) % len(pc.scenario)), number=100)
    print(f"page-cache step -> redraw        median {med / 1000:8.3f} ms")

    print(f"import folioviz                  median {_import_ms('import folioviz'):8.1f} ms (fresh interpreter)")
    print(
        f"import folioviz.widgets.mapping_word median "
        f"{_import_ms('import folioviz.widgets.mapping_word'):5.1f} ms (fresh interpreter; loads ipywidgets)"
    )


if __name__ == "__main__":
    main()
