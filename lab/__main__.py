"""The kernel lab's commands (``python -m lab <command>``; the Makefile's ``kernels``, ``vm`` and
``real-kernels`` targets call them).

    python -m lab kernels [KERNEL ...]        fetch and extract the pinned images (all by default)
    python -m lab vm KERNEL [--shell]         boot one, run the scenarios, open drgn on its dump
    python -m lab real-kernels [KERNEL ...]   boot each, record the kernel's answers in data/real_kernels/
    python -m lab pins                        what Debian serves now for each pinned package

KERNEL is a version (``6.17``, ``6.17.8``) or a release (``6.17.8+deb13-amd64``) from
data/kernel_images.toml. What needs root: nothing here, once QEMU, busybox-static, zstd and gcc are
installed (``make kernels`` installs them with apt-get when run as root).
"""

from __future__ import annotations

import argparse
import code
import sys
import time
from pathlib import Path

from . import kernels, observe, vm
from .kernels import CACHE, LabError


def _images(names: list[str]) -> list[kernels.Image]:
    return [kernels.find_image(n) for n in names] if names else list(kernels.images())


def cmd_kernels(args: argparse.Namespace) -> None:
    for image in _images(args.kernel):
        start = time.monotonic()
        was_ready = image.ready
        path = kernels.extract(image)
        how = "cached" if was_ready else f"fetched and extracted in {time.monotonic() - start:.1f} s"
        print(f"{image.release:24} {how}: {path}")


def workdir(image: kernels.Image) -> Path:
    return CACHE / "lab" / "runs" / image.release


def cmd_real_kernels(args: argparse.Namespace) -> None:
    for image in _images(args.kernel):
        run = vm.boot_and_dump(image, workdir(image))
        assert run.vmcore is not None
        start = time.monotonic()
        data = observe.record(image, run.vmcore, run.serial)
        read = time.monotonic() - start
        json_path, _rows = observe.save(data, image.release)
        whole = data["whole_memory"]
        print(
            f"{image.release:24} ready {run.seconds_to_ready:5.1f} s, dumped {run.seconds_to_dump:5.1f} s, "
            f"read {read:5.1f} s; {len(data['scenarios'])} pages recorded; whole memory: folioviz agrees with "
            f"kpageflags on {whole['agree']} of {whole['compared']} pages"
            + (
                f" (+{whole['kpf_ksm_on_plain_anon']} plain anon pages the kernel calls KSM: B7)"
                if whole["kpf_ksm_on_plain_anon"]
                else ""
            )
            + f" -> {json_path.relative_to(kernels.ROOT)}"
        )
        if not args.keep:
            run.vmcore.unlink()


def cmd_vm(args: argparse.Namespace) -> None:
    image = kernels.find_image(args.kernel)
    if args.shell:
        sys.exit(vm.interactive(image, shell=True))
    run = vm.boot_and_dump(image, workdir(image))
    assert run.vmcore is not None
    report = observe.parse_serial(run.serial.read_text(errors="replace"))
    prog = observe.open_dump(run.vmcore, image, report.ksyms)
    import drgn
    from drgn.helpers.linux.mm import pfn_to_page

    import folioviz.drgn as fd

    recorded = observe.record(image, run.vmcore, run.serial)
    pages = {
        f"{s['scenario']}_{s['role']}".replace("-", "_"): pfn_to_page(prog, int(s["page"]["pfn"], 16))
        for s in recorded["scenarios"]
    }
    banner = [
        f"folioviz kernel lab: {image.release} booted, scenarios run, memory dumped to {run.vmcore}",
        f"(ready after {run.seconds_to_ready:.1f} s). drgn's `prog` is that dump, with the build's BTF.",
        "The scenarios' pages, as struct page * objects in `pages`:",
        *(f"  pages[{k!r}]" for k in pages),
        *(f"  note: {n}" for n in report.notes),
        "Try: explain(pages['anon_anon']); explain(pages['thp_tail']);",
        "     explain_pagecache(pages['file_page_cache'].mapping)",
    ]

    def explain(obj: object, era: str | None = None) -> None:
        """Print folioviz's reading of a page (``decode()`` returns it as an object instead)."""
        fd.explain(obj, era)

    namespace = {
        "prog": prog,
        "drgn": drgn,
        "pages": pages,
        "explain": explain,
        "decode": fd.decode,
        "explain_pagecache": fd.explain_pagecache,
        "report": report,
    }
    drgn.set_default_prog(prog)
    if args.command:
        exec(args.command, namespace)
        return
    code.interact(banner="\n".join(banner), local=namespace)


def cmd_pins(args: argparse.Namespace) -> None:
    print(kernels.pins_report())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lab", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    p = sub.add_parser("kernels", help="fetch and extract the pinned kernel images")
    p.add_argument("kernel", nargs="*")
    p.set_defaults(fn=cmd_kernels)
    p = sub.add_parser("real-kernels", help="boot each kernel and record what it shows in data/real_kernels/")
    p.add_argument("kernel", nargs="*")
    p.add_argument("--keep", action="store_true", help="keep each vmcore in the cache")
    p.set_defaults(fn=cmd_real_kernels)
    p = sub.add_parser("vm", help="boot one kernel, run the scenarios, and open drgn on the dump")
    p.add_argument("kernel")
    p.add_argument("--shell", action="store_true", help="a shell in the guest instead of drgn on the dump")
    p.add_argument("-c", "--command", help="run this Python in the drgn namespace instead of a prompt")
    p.set_defaults(fn=cmd_vm)
    p = sub.add_parser("pins", help="what Debian serves now for each pinned package")
    p.set_defaults(fn=cmd_pins)
    args = parser.parse_args(argv)
    try:
        args.fn(args)
    except LabError as error:
        print(f"lab: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
