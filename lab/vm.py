"""Boot one of the lab's kernels under QEMU, run the scenarios, and dump the guest's memory.

The guest is an initramfs: Debian's ``busybox-static``, the lab's init script, the scenario program
(``lab/guest/scenarios.c``, built with ``gcc -static``) and the build's own modules. QEMU runs under TCG
(software emulation; KVM hung at boot on this kind of machine), with ``-device vmcoreinfo`` so that the
dump carries the kernel's VMCOREINFO note. The guest reports on the serial console (lines starting with
``FV``, see ``scenarios.c``); when it says ``FV ready`` the host stops it and writes an ELF vmcore with the
monitor's ``dump-guest-memory``.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from .kernels import CACHE, Image, LabError, extract

GUEST = Path(__file__).resolve().parent / "guest"
#: Memory of a guest: 512 MiB, the smallest size at which the kernel enables transparent huge pages by
#: itself (below it, hugepage_init() turns THP off).
MEMORY_MB = 512
BOOT_TIMEOUT = 240.0


@dataclass(frozen=True)
class Run:
    """One boot: its serial log, its vmcore (if dumped) and how long each part took."""

    image: Image
    serial: Path
    vmcore: Path | None
    seconds_to_ready: float
    seconds_to_dump: float


def _need(tool: str, package: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise LabError(f"{tool} not found: install Debian's {package} (`make kernels` does, as root)")
    return path


def scenario_binary() -> Path:
    """The scenario program, built once per source version into the cache."""
    source = GUEST / "scenarios.c"
    digest = hashlib.sha256(source.read_bytes()).hexdigest()[:16]
    out = CACHE / "lab" / f"scenarios-{digest}"
    if not out.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
        gcc = _need("gcc", "gcc")
        tmp = out.with_suffix(".tmp")
        subprocess.run([gcc, "-static", "-O2", "-o", str(tmp), str(source)], check=True, timeout=300)
        tmp.rename(out)
    return out


def _cpio_newc(entries: list[tuple[str, int, bytes]]) -> bytes:
    """A cpio archive in the "newc" format the kernel unpacks as an initramfs."""
    out = io.BytesIO()
    for ino, (name, mode, data) in enumerate([*entries, ("TRAILER!!!", 0, b"")], start=1):
        encoded = name.encode() + b"\0"
        fields = (ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(encoded), 0)
        out.write(b"070701" + b"".join(f"{v:08x}".encode() for v in fields) + encoded)
        out.write(b"\0" * (-out.tell() % 4))
        out.write(data)
        out.write(b"\0" * (-out.tell() % 4))
    return out.getvalue()


def initramfs(image: Image) -> Path:
    """The guest's initramfs for ``image`` (rebuilt when the init or the scenario program changes)."""
    busybox = Path("/bin/busybox")
    if not busybox.exists():
        raise LabError("/bin/busybox not found: install Debian's busybox-static (`make kernels` does, as root)")
    scenarios = scenario_binary()
    init = (GUEST / "init").read_bytes()
    modules = image.dir / "modules"
    directory, regular, executable = 0o040755, 0o100644, 0o100755
    entries: list[tuple[str, int, bytes]] = [
        (d, directory, b"") for d in ("bin", "dev", "proc", "sys", "mnt", "tmp", "modules")
    ]
    entries += [
        ("bin/busybox", executable, busybox.read_bytes()),
        ("init", executable, init),
        ("scenarios", executable, scenarios.read_bytes()),
    ]
    entries += [(f"modules/{p.name}", regular, p.read_bytes()) for p in sorted(modules.iterdir())]
    digest = hashlib.sha256(repr([(n, hashlib.sha256(d).hexdigest()) for n, _, d in entries]).encode()).hexdigest()
    out = image.dir / f"initramfs-{digest[:16]}.cpio.gz"
    if not out.exists():
        for old in image.dir.glob("initramfs-*.cpio.gz"):
            old.unlink()
        out.write_bytes(gzip.compress(_cpio_newc(entries), compresslevel=1, mtime=0))
    return out


def qemu_command(image: Image, ramdisk: Path, serial: Path | None, monitor: Path, *, shell: bool = False) -> list[str]:
    # no_timer_check: under TCG on a loaded host the guest's IO-APIC timer test can miss its window and panic
    # ("IO-APIC + timer doesn't work", seen with 5.10 at host load 27); the check guards real hardware, not QEMU.
    append = "console=ttyS0 panic=-1 loglevel=4 no_timer_check" + (" fv.shell=1" if shell else " quiet")
    command = [
        _need("qemu-system-x86_64", "qemu-system-x86"),
        "-accel", "tcg",
        "-cpu", "qemu64,+ssse3,+sse4.1,+sse4.2,+popcnt",
        "-m", str(MEMORY_MB),
        "-smp", "1",
        "-nographic",
        "-no-reboot",
        "-device", "vmcoreinfo",
        "-kernel", str(image.dir / "vmlinuz"),
        "-initrd", str(ramdisk),
        "-append", append,
        "-monitor", f"unix:{monitor},server,nowait",
    ]  # fmt: skip
    command += ["-serial", f"file:{serial}"] if serial else ["-serial", "mon:stdio"]
    return command


class Monitor:
    """QEMU's human monitor over its Unix socket."""

    def __init__(self, path: Path, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(str(path))
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > deadline:
                    raise LabError(f"QEMU's monitor did not open at {path}") from None
                time.sleep(0.1)
        self.sock.settimeout(120)
        self._read_prompt()

    def _read_prompt(self) -> str:
        data = b""
        while not data.endswith(b"(qemu) "):
            chunk = self.sock.recv(4096)
            if not chunk:
                break
            data += chunk
        return data.decode(errors="replace")

    def command(self, text: str) -> str:
        self.sock.sendall(text.encode() + b"\n")
        return self._read_prompt()

    def close(self) -> None:
        self.sock.close()


def boot_and_dump(image: Image, workdir: Path, *, dump: bool = True) -> Run:
    """Boot ``image``, wait for ``FV ready``, and (with ``dump``) write ``workdir/vmcore``."""
    extract(image)
    workdir.mkdir(parents=True, exist_ok=True)
    serial = workdir / "serial.log"
    monitor_path = workdir / "monitor.sock"
    for stale in (serial, monitor_path, workdir / "vmcore"):
        stale.unlink(missing_ok=True)
    ramdisk = initramfs(image)
    start = time.monotonic()
    qemu = subprocess.Popen(
        qemu_command(image, ramdisk, serial, monitor_path),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        monitor = Monitor(monitor_path)
        while True:
            text = serial.read_text(errors="replace") if serial.exists() else ""
            if "FV ready" in text:
                break
            if qemu.poll() is not None:
                raise LabError(f"{image.release}: QEMU ended before the guest was ready; see {serial}")
            if time.monotonic() - start > BOOT_TIMEOUT:
                raise LabError(f"{image.release}: no 'FV ready' within {BOOT_TIMEOUT:.0f} s; see {serial}")
            time.sleep(0.2)
        ready = time.monotonic() - start
        vmcore = None
        if dump:
            monitor.command("stop")
            vmcore = workdir / "vmcore"
            reply = monitor.command(f"dump-guest-memory {vmcore}")
            if not vmcore.exists() or vmcore.stat().st_size == 0:
                raise LabError(f"{image.release}: dump-guest-memory wrote nothing: {reply.strip()}")
        dumped = time.monotonic() - start
        with contextlib.suppress(OSError):
            monitor.command("quit")
        monitor.close()
    finally:
        try:
            qemu.wait(timeout=10)
        except subprocess.TimeoutExpired:
            qemu.kill()
            qemu.wait(timeout=10)
    return Run(image, serial, vmcore, ready, dumped)


def interactive(image: Image, *, shell: bool) -> int:
    """Boot with the serial console on this terminal (``make vm SHELL=1``): the guest's shell."""
    extract(image)
    workdir = CACHE / "lab" / "vm" / image.release
    workdir.mkdir(parents=True, exist_ok=True)
    command = qemu_command(image, initramfs(image), None, workdir / "monitor.sock", shell=shell)
    print("QEMU: Ctrl-a x quits; Ctrl-a c switches to its monitor.", flush=True)
    # timeout=None on purpose: the session lasts until the user quits QEMU (Ctrl-a x).
    return subprocess.call(command, env={**os.environ}, timeout=None)
