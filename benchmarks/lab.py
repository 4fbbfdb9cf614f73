"""The kernel lab's figures, printed, never asserted (``make bench``; ``python benchmarks/lab.py --ci``).

Per kernel of data/kernel_images.toml (images already fetched): seconds from QEMU's start to the guest's
``FV ready`` (boot, modules, scenarios), to the end of ``dump-guest-memory``, to the record read from the
dump with drgn; and the median time of one ``folioviz.drgn.decode()`` of a recorded page.

``--ci`` times what the booted-kernel tests add to ``make test``: ``pytest tests/real_kernels`` with the
images cached, and with an empty cache (a new ``FOLIOVIZ_CACHE``: every package downloaded and extracted
first; about 700 MB).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def per_kernel() -> None:
    import drgn

    import folioviz.drgn as fd
    from lab import kernels, observe, vm

    print(f"{'kernel':24} {'ready s':>8} {'dumped s':>9} {'read s':>7} {'decode ms':>10}")
    for image in kernels.images():
        if not image.ready:
            print(f"{image.release:24} not fetched (make kernels)")
            continue
        with tempfile.TemporaryDirectory() as tmp:
            run = vm.boot_and_dump(image, Path(tmp))
            assert run.vmcore is not None
            start = time.perf_counter()
            record = observe.record(image, run.vmcore, run.serial)
            read = time.perf_counter() - start
            report = observe.parse_serial(run.serial.read_text(errors="replace"))
            prog = observe.open_dump(run.vmcore, image, report.ksyms)
            pages = [drgn.Object(prog, "struct page *", int(s["page"]["address"], 16)) for s in record["scenarios"]]
            samples = []
            for _ in range(5):
                begin = time.perf_counter()
                for page in pages:
                    fd.decode(page)
                samples.append((time.perf_counter() - begin) / len(pages) * 1e3)
        print(
            f"{image.release:24} {run.seconds_to_ready:8.1f} {run.seconds_to_dump:9.1f} {read:7.1f} "
            f"{statistics.median(samples):10.2f}"
        )


def ci_time() -> None:
    command = [sys.executable, "-m", "pytest", "tests/real_kernels", "-q", "-p", "no:cacheprovider"]
    start = time.monotonic()
    subprocess.run(command, cwd=ROOT, check=False, stdout=subprocess.DEVNULL, timeout=3600)
    cached = time.monotonic() - start
    print(f"pytest tests/real_kernels, images cached: {cached:6.1f} s")
    with tempfile.TemporaryDirectory(dir=Path.home() / ".cache") as cold:
        env = {**os.environ, "FOLIOVIZ_CACHE": cold}
        start = time.monotonic()
        fetch = [sys.executable, "-m", "lab", "kernels"]
        subprocess.run(fetch, cwd=ROOT, env=env, check=False, stdout=subprocess.DEVNULL, timeout=3600)
        fetched = time.monotonic() - start
        subprocess.run(command, cwd=ROOT, env=env, check=False, stdout=subprocess.DEVNULL, timeout=3600)
        cold_total = time.monotonic() - start
    print(f"empty cache: fetch and extract {fetched:6.1f} s; with the tests {cold_total:6.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ci", action="store_true", help="time the booted-kernel tests, cached and cold")
    args = parser.parse_args()
    if args.ci:
        ci_time()
    else:
        per_kernel()


if __name__ == "__main__":
    main()
