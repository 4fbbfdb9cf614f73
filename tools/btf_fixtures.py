"""Make the BTF fixtures that folioviz's drgn tests use (``make drgn-fixtures``; opt-in, downloads).

Each fixture is the ``.BTF`` section of a real kernel build, xz-compressed, in tests/fixtures/btf/:

* ``vmlinux-6.1.192-amd64.btf.xz`` (era v6.0 – v6.16): from Debian bookworm's
  ``linux-image-6.1.0-56-amd64-unsigned`` package, fetched with ``apt-get download``. The BTF sits in
  the vmlinux that is xz-compressed inside the package's bzImage ``/boot/vmlinuz-*``.
* ``vmlinux-5.10.223-amd64.btf.xz`` (era before v6.0): the kernel lab's 5.10 build (Debian bullseye's
  ``linux-image-5.10.0-32-amd64-unsigned``), fetched and extracted by ``lab/kernels.py``.
* ``vmlinux-6.18.44.btf.xz`` (era v6.17+): ``/sys/kernel/btf/vmlinux`` of the machine the fixtures
  were made on (6.18.44); run on another machine, it copies that machine's running kernel instead
  and names the file after ``uname -r``.

    python tools/btf_fixtures.py            # (re)make the fixtures
    python tools/btf_fixtures.py --print-flags   # print enum pageflags/pagetype of each fixture
"""

from __future__ import annotations

import argparse
import glob
import lzma
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "fixtures" / "btf"
DEBIAN_PACKAGE = "linux-image-6.1.0-56-amd64-unsigned"
DEBIAN_NAME = "vmlinux-6.1.192-amd64.btf.xz"


def btf_from_vmlinuz(vmlinuz: bytes) -> bytes:
    """The .BTF section of the ELF vmlinux inside an x86 bzImage (the kernel lab's reader)."""
    sys.path.insert(0, str(ROOT))
    from lab.kernels import elf_section, vmlinux_of

    return elf_section(vmlinux_of(vmlinuz), ".BTF")


def debian_fixture() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["apt-get", "download", DEBIAN_PACKAGE], cwd=tmp, check=True, timeout=900)
        deb = glob.glob(os.path.join(tmp, "*.deb"))[0]
        subprocess.run(["dpkg-deb", "-x", deb, os.path.join(tmp, "x")], check=True, timeout=300)
        vmlinuz = glob.glob(os.path.join(tmp, "x", "boot", "vmlinuz-*"))[0]
        btf = btf_from_vmlinuz(Path(vmlinuz).read_bytes())
    (OUT / DEBIAN_NAME).write_bytes(lzma.compress(btf, preset=9))
    print(f"wrote {OUT / DEBIAN_NAME} ({len(btf)} bytes of BTF)")


def lab_fixture() -> None:
    sys.path.insert(0, str(ROOT))
    from lab import kernels

    image = kernels.find_image("5.10")
    btf = (kernels.extract(image) / "btf").read_bytes()
    target = OUT / f"vmlinux-{image.version}-amd64.btf.xz"
    target.write_bytes(lzma.compress(btf, preset=9))
    print(f"wrote {target} ({len(btf)} bytes of BTF)")


def running_kernel_fixture() -> None:
    source = Path("/sys/kernel/btf/vmlinux")
    if not source.exists():
        print("no /sys/kernel/btf/vmlinux here: keeping the committed v6.17+ fixture", file=sys.stderr)
        return
    release = platform.release().split("-")[0]
    target = OUT / f"vmlinux-{release}.btf.xz"
    target.write_bytes(lzma.compress(source.read_bytes(), preset=9))
    print(f"wrote {target}")


def print_flags() -> None:
    sys.path.insert(0, str(ROOT))
    from folioviz.drgn.btf import Btf

    for path in sorted(OUT.glob("*.btf.xz")):
        btf = Btf.from_file(path)
        print(f"# {path.name}: {len(btf)} types")
        for name, value in sorted(btf.enum_values("pageflags").items(), key=lambda kv: kv[1]):
            print(f"  {name} = {value}")
        try:
            for name, value in btf.enum_values("pagetype").items():
                print(f"  {name} = {value:#x}")
        except KeyError:
            print("  (no enum pagetype)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--print-flags", action="store_true")
    args = parser.parse_args()
    if args.print_flags:
        print_flags()
        return
    OUT.mkdir(parents=True, exist_ok=True)
    if shutil.which("apt-get") and shutil.which("dpkg-deb"):
        debian_fixture()
        lab_fixture()
    else:
        print("apt-get/dpkg-deb not found: cannot fetch the Debian kernel package", file=sys.stderr)
    running_kernel_fixture()


if __name__ == "__main__":
    main()
