"""Race explorer benchmarks: medians printed, nothing asserted (``python benchmarks/races.py``).

* every variant of the two-thread model (write fault + truncation): distinct states, moves, orders,
  and the median time of one uncached exploration;
* the same with a third thread (a second write fault; a reader, i.e. a second lookup);
* growth of the kernel's code from two to four threads;
* the widget: building a ``RaceExplorer`` (five explorations) and switching its variant.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _median_ms(fn: Callable[[], object], *, rounds: int) -> tuple[float, float]:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1e3)
    return statistics.median(samples), min(samples)


def _cold_explore(model: object) -> object:
    from folioviz.kernel import races

    races._plan.cache_clear()
    return races.explore.__wrapped__(model)


def _row(label: str, model: object, rounds: int) -> None:
    from folioviz.kernel.races import explore

    e = explore(model)
    med, best = _median_ms(lambda: _cold_explore(model), rounds=rounds)
    print(
        f"  {label:<44} {len(e.model.threads)} threads {e.states:>7,} states {e.transitions:>8,} moves "
        f"{e.total:>15,} {'order ' if e.total == 1 else 'orders'}   median {med:9.2f} ms  best {best:9.2f} ms"
    )


def main() -> None:
    from folioviz.kernel.races import VARIANTS, RaceModel

    print("two threads (old-school handler, a file's folio, v6.4), per variant:")
    for variant in VARIANTS:
        _row(variant, RaceModel(variant=variant), rounds=15)
    _row("folio_mapping, driver page (livelock)", RaceModel(variant="folio_mapping", folio="driver"), rounds=15)
    _row("kernel, modern handler", RaceModel(handler="modern"), rounds=15)

    for label, extra in (
        ("a third thread: a second write fault", {"faults": 2}),
        ("a third thread: a reader", {"readers": 1}),
    ):
        print(f"{label}, per variant:")
        for variant in VARIANTS:
            _row(variant, RaceModel(variant=variant, **extra), rounds=5)

    print("growth of the kernel's code:")
    for label, extra in (
        ("fault + truncate", {}),
        ("+ a reader", {"readers": 1}),
        ("+ a second fault", {"faults": 2}),
        ("+ a second fault and a reader", {"faults": 2, "readers": 1}),
        ("+ two readers", {"readers": 2}),
        ("+ two more faults (four threads)", {"faults": 3}),
    ):
        _row(label, RaceModel(**extra), rounds=3 if extra.get("faults", 1) > 2 or len(extra) > 1 else 5)

    from folioviz.kernel import races
    from folioviz.widgets.races import RaceExplorer

    def build() -> None:
        races.explore.cache_clear()
        races._replay.cache_clear()
        RaceExplorer()

    med, best = _median_ms(build, rounds=7)
    print(f"RaceExplorer() with five fresh explorations   median {med:8.1f} ms   best {best:8.1f} ms")
    widget = RaceExplorer()
    variants = list(VARIANTS)
    i = iter(range(10**9))
    med, best = _median_ms(lambda: widget.update(variant=variants[next(i) % len(variants)]), rounds=25)
    print(f"variant switch -> replay redrawn (cached)      median {med:8.1f} ms   best {best:8.1f} ms")
    med, best = _median_ms(lambda: widget.stepper.go((widget.stepper.index + 1) % len(widget.replay)), rounds=50)
    print(f"one step -> timeline redrawn                  median {med:8.2f} ms   best {best:8.2f} ms")


if __name__ == "__main__":
    main()
