"""Fetch the lab's real kernels from Debian's archive and lay out what a guest needs.

``make kernels`` (``python -m lab kernels``) reads the pins in ``data/kernel_images.toml``, downloads each
package with apt through a *private* sources list (the machine's own apt configuration is never touched),
checks every file against its pinned SHA-256, and extracts into ``~/.cache/folioviz/kernels/<release>/``:

* ``vmlinuz``: the bootable image;
* ``config``: the build's configuration (``/boot/config-<release>``);
* ``btf``: the raw ``.BTF`` section of the vmlinux inside ``vmlinuz`` (the build's own types);
* ``modules/``: the few modules a guest loads, decompressed, with their load order (``modules/order``).

Everything is cached: a second run, and every run after the first fetch, works offline.
"""

from __future__ import annotations

import lzma
import os
import re
import shutil
import struct
import subprocess
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

from folioviz.kernel.observed import Package  # a pinned .deb: name, version, sha256 (as a record keeps it)
from tools import pinned  # the one check of a pinned download and the one policy for a bad file

ROOT = Path(__file__).resolve().parents[1]
PINS = ROOT / "data" / "kernel_images.toml"
CACHE = Path(os.environ.get("FOLIOVIZ_CACHE") or pinned.cache_home())
KERNELS = CACHE / "kernels"
APT = CACHE / "apt"
DOWNLOAD_TIMEOUT_S = 900  # one kernel package from Debian's archive (about 70 MB) on a slow line

#: The suites whose package lists the private apt configuration reads.
KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"
SUITES = (
    ("debian", "bullseye"), ("debian-security", "bullseye-security"),
    ("debian", "bookworm"), ("debian-security", "bookworm-security"),
    ("debian", "trixie"), ("debian-security", "trixie-security"), ("debian", "trixie-backports"),
)  # fmt: skip
SOURCES = "".join(
    f"deb [signed-by={KEYRING}] http://deb.debian.org/{archive} {suite} main\n" for archive, suite in SUITES
)

#: Modules the guest loads (with whatever they depend on): the dump device, zram swap (zsmalloc pages),
#: and its default compressors.
GUEST_MODULES = ("qemu_fw_cfg", "zram", "lzo_rle", "lzo")

XZ_MAGIC = b"\xfd7zXZ\x00"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


class LabError(RuntimeError):
    """Something the lab needs is missing or wrong; the message says what to do."""


@dataclass(frozen=True)
class Image:
    """One pinned kernel build of ``data/kernel_images.toml``."""

    release: str
    version: str
    suite: str
    why: str
    packages: tuple[Package, ...]
    table_only: bool = False
    """Pinned for its page-flag table only (vmlinuz and config, no modules): not a lab guest."""

    @property
    def short(self) -> str:
        """``major.minor`` (what ``KERNEL=`` takes)."""
        return ".".join(self.version.split(".")[:2])

    @property
    def dir(self) -> Path:
        return KERNELS / self.release

    @property
    def ready(self) -> bool:
        return (self.dir / ".extracted").exists()


def images() -> tuple[Image, ...]:
    data = tomllib.loads(PINS.read_text())
    return tuple(
        Image(
            release=i["release"],
            version=i["version"],
            suite=i["suite"],
            why=i["why"],
            packages=tuple(Package(**p) for p in i["packages"]),
            table_only=i.get("table_only", False),
        )
        for i in data["image"]
    )


def find_image(name: str) -> Image:
    """The pinned image named by ``name``: a release (``6.17.8+deb13-amd64``), a version (``6.17.8``) or
    ``major.minor`` (``6.17``)."""
    all_images = images()
    for image in all_images:
        if name in (image.release, image.version, image.short):
            return image
    known = ", ".join(i.short for i in all_images)
    raise LabError(f"no pinned kernel {name!r}: the lab has {known} (data/kernel_images.toml)")


def _apt_options() -> list[str]:
    return [
        "-o", f"Dir::Etc::SourceList={APT / 'sources.list'}",
        "-o", "Dir::Etc::SourceParts=/dev/null",
        "-o", f"Dir::State::Lists={APT / 'lists'}",
        "-o", f"Dir::Cache={APT / 'cache'}",
        "-o", "APT::Sandbox::User=root",
        "-q",
    ]  # fmt: skip


def apt_update(*, force: bool = False) -> None:
    """Fetch the package lists of :data:`SOURCES` into the private cache (once, unless ``force``)."""
    if shutil.which("apt-get") is None:
        raise LabError("apt-get not found: the kernel lab fetches Debian's kernel packages with apt")
    pinned.cache_dir(APT / "lists" / "partial", LabError)
    pinned.cache_dir(APT / "cache" / "archives" / "partial", LabError)
    (APT / "sources.list").write_text(SOURCES)
    if force or not any((APT / "lists").glob("*Packages*")):
        subprocess.run(["apt-get", *_apt_options(), "update"], check=True, stdout=subprocess.DEVNULL, timeout=600)


def _deb(package: Package) -> Path:
    """The package's .deb in the cache, downloaded and checked if it is not there yet.

    apt fetches; tools/pinned.py checks, with its one policy for a bad file (cached or just downloaded): delete it,
    fetch it once more, then stop the lab naming the file, the expected and the actual sha256."""
    debs = pinned.cache_dir(KERNELS / "debs", LabError)
    spec = f"{package.name}={package.version}"
    # apt names a download NAME_VERSION_ARCH.deb, with the epoch's ':' written %3a
    stem = f"{package.name}_{package.version.replace(':', '%3a')}_"
    cached = sorted(debs.glob(f"{stem}*.deb"))
    if not cached:
        for path in debs.glob(f"{package.name}_*.deb"):  # another version, cached under an older pin: keep, skip
            if pinned.digest(path, package.sha256) == package.sha256:
                return path

    def download(target: Path) -> None:
        apt_update()
        with tempfile.TemporaryDirectory(dir=debs) as tmp:
            fetch = ["apt-get", *_apt_options(), "download", spec]
            done = subprocess.run(fetch, cwd=tmp, capture_output=True, text=True, timeout=DOWNLOAD_TIMEOUT_S)
            if done.returncode != 0:
                apt_update(force=True)
                done = subprocess.run(fetch, cwd=tmp, capture_output=True, text=True, timeout=DOWNLOAD_TIMEOUT_S)
            if done.returncode != 0:
                raise LabError(
                    f"apt could not download {spec}: {done.stderr.strip()[-300:]}\n"
                    "Debian may have dropped that version: `python -m lab pins` shows what is served now."
                )
            (path,) = Path(tmp).glob("*.deb")
            path.rename(target)

    return pinned.fetch(cached[0] if cached else debs / f"{stem}amd64.deb", package.sha256, download, spec, LabError)


def vmlinux_of(vmlinuz: bytes) -> bytes:
    """The ELF vmlinux compressed inside an x86 bzImage (xz up to v6.1, zstd in Debian's later builds)."""
    xz = vmlinuz.find(XZ_MAGIC)
    zst = vmlinuz.find(ZSTD_MAGIC)
    if xz >= 0 and (zst < 0 or xz < zst):
        elf = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(vmlinuz[xz:])
    elif zst >= 0:
        if shutil.which("zstd") is None:
            raise LabError("this kernel is zstd-compressed: install Debian's zstd package")
        done = subprocess.run(["zstd", "-dc", "--no-progress"], input=vmlinuz[zst:], capture_output=True, timeout=120)
        elf = done.stdout  # zstd complains about the bytes after the frame; the frame itself is whole
    else:
        raise LabError("no xz or zstd stream in this vmlinuz")
    if elf[:4] != b"\x7fELF":
        raise LabError("the decompressed kernel is not an ELF file")
    return elf


def elf_section(elf: bytes, wanted: str) -> bytes:
    """One section of a 64-bit little-endian ELF file, by name."""
    (shoff,) = struct.unpack_from("<Q", elf, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", elf, 0x3A)

    def header(i: int) -> tuple[int, ...]:
        return struct.unpack_from("<IIQQQQIIQQ", elf, shoff + i * shentsize)

    names = header(shstrndx)[4]
    for i in range(shnum):
        h = header(i)
        name = elf[names + h[0] : elf.index(b"\0", names + h[0])].decode()
        if name == wanted:
            return elf[h[4] : h[4] + h[5]]
    raise LabError(f"this vmlinux has no {wanted} section")


def _decompress_module(path: Path) -> bytes:
    data = path.read_bytes()
    if path.suffix == ".xz":
        return lzma.decompress(data)
    if path.suffix == ".zst":
        return subprocess.run(["zstd", "-dc"], input=data, capture_output=True, check=True, timeout=120).stdout
    return data


def _module_depends(ko: bytes) -> list[str]:
    found = re.search(rb"(?:^|\0)depends=([^\0]*)\0", ko)
    return [d.decode() for d in found.group(1).split(b",") if d] if found else []


def _module_files(tree: Path) -> dict[str, Path]:
    files = {}
    for path in tree.rglob("*.ko*"):
        name = path.name.split(".ko")[0].replace("-", "_")
        files[name] = path
    return files


def _copy_modules(tree: Path, out: Path) -> list[str]:
    """Decompress :data:`GUEST_MODULES` and their dependencies into ``out``; returns the load order.

    A module that the build has built in (no file) is skipped."""
    files = _module_files(tree)
    order: list[str] = []

    def add(name: str) -> None:
        name = name.replace("-", "_")
        if name in order or name not in files:
            return
        ko = _decompress_module(files[name])
        for dep in _module_depends(ko):
            add(dep)
        (out / f"{name}.ko").write_bytes(ko)
        order.append(name)

    for name in GUEST_MODULES:
        add(name)
    (out / "order").write_text("".join(f"{n}\n" for n in order))
    return order


def extract(image: Image) -> Path:
    """Fetch and lay out ``image`` in the cache (a no-op when it is there already)."""
    if image.ready:
        return image.dir
    work = pinned.cache_dir(KERNELS, LabError) / (image.release + ".tmp")
    shutil.rmtree(work, ignore_errors=True)
    tree = work / "tree"
    tree.mkdir(parents=True)
    for package in image.packages:
        subprocess.run(["dpkg-deb", "-x", str(_deb(package)), str(tree)], check=True, timeout=300)
    # /boot/vmlinuz-<release> up to 6.x; 7.x packages keep both in /usr/lib/modules/<release>/.
    boot = [*tree.rglob(f"vmlinuz-{image.release}"), *tree.rglob(f"modules/{image.release}/vmlinuz")]
    configs = [*tree.rglob(f"config-{image.release}"), *tree.rglob(f"modules/{image.release}/config")]
    if not boot or not configs:
        raise LabError(f"{image.release}: the packages hold no vmlinuz-{image.release} or config-{image.release}")
    shutil.copy(boot[0], work / "vmlinuz")
    shutil.copy(configs[0], work / "config")
    elf = vmlinux_of(boot[0].read_bytes())
    (work / "btf").write_bytes(elf_section(elf, ".BTF"))
    (work / "modules").mkdir()
    _copy_modules(tree, work / "modules")
    shutil.rmtree(tree)
    (work / ".extracted").write_text(" ".join(f"{p.name}={p.version}" for p in image.packages) + "\n")
    shutil.rmtree(image.dir, ignore_errors=True)
    work.rename(image.dir)
    return image.dir


def config_value(image: Image, option: str) -> str | None:
    """``CONFIG_<option>``'s value in the build (``"y"``, ``"m"``, a string), or None when unset."""
    for line in (image.dir / "config").read_text().splitlines():
        if line.startswith(f"CONFIG_{option}="):
            return line.split("=", 1)[1].strip('"')
    return None


def pins_report() -> str:
    """What the archive serves now for each pinned package name's family (to renew a pin)."""
    apt_update(force=True)
    lines = []
    for image in images():
        for package in image.packages:
            show = ["apt-cache", *_apt_options(), "show", package.name]
            done = subprocess.run(show, capture_output=True, text=True, timeout=60)
            served = re.findall(r"^Version: (\S+)", done.stdout, re.M)
            sums = re.findall(r"^SHA256: (\S+)", done.stdout, re.M)
            state = "ok" if package.sha256 in sums else "NOT SERVED"
            lines.append(f"{package.name} {package.version}: {state} (served: {', '.join(served) or 'none'})")
    return "\n".join(lines)
