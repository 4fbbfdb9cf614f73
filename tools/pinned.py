"""Pinned downloads: where folioviz caches them, how they are fetched and checked, and what happens to a bad one.

Every download folioviz makes is pinned by a hash: npm tarballs (``make site``'s assets, ``make lite``'s
Pyodide: sha512, written the way npm writes it, ``sha512-<base64>``), PyPI wheels (``make lite``) and Debian
packages (``make provenance``'s kernel sources, ``make kernels``' images: sha256, 64 hex digits). This module is
the one place that fetches them (:func:`fetch_npm`, :func:`fetch_wheels`; the Debian fetchers hand their
``apt-get`` call to :func:`fetch`), checks a file against its pin, and holds the ONE policy for a bad file:

    delete it, fetch it once more, then fail.

A file that does not match its pin (a cached file cut short or changed by hand, or a fresh download) is
deleted, with its name and both hashes printed, and fetched once more in the same run. If that copy does not
match either, it is deleted too and the build stops with an error naming the file, the hash pinned
(expected) and the hash it has (actual). A file that is neither cached nor downloadable raises the caller's
"unavailable" error (the builders exit 3 on it).

Caches live under ``$XDG_CACHE_HOME/folioviz`` (``~/.cache/folioviz`` when that is unset, empty or not an
absolute path, as the XDG spec says). :func:`cache_dir` creates a cache folder and says in words when a regular
file stands where a folder should be.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

SHA256_HEX = re.compile(r"[0-9a-f]{64}")
SRI_SHA512 = re.compile(r"sha512-[A-Za-z0-9+/]{86}==")


class BuildError(RuntimeError):
    """A build stops (exit status 1); the builders' own errors derive from it."""

    exit_code = 1


class DownloadUnavailableError(BuildError):
    """A pinned file is neither cached nor downloadable (offline): exit status 3."""

    exit_code = 3


class PinnedFileError(BuildError):
    """A downloaded file does not match its pin (it has been removed), or a cache folder cannot be made."""


def verify(path: Path, pin: str, what: str = "", error: type[Exception] = PinnedFileError) -> Path:
    """``path`` when it matches ``pin``; else ``error``. For a file that is not a download (one an installed
    package ships): nothing is deleted or fetched."""
    got = digest(path, pin)
    if got != pin:
        raise error(_bad(Pin(path, pin, what), got))
    return path


def cache_home(environ: dict[str, str] | None = None) -> Path:
    """``$XDG_CACHE_HOME/folioviz``, or ``~/.cache/folioviz`` when XDG_CACHE_HOME is unset or relative."""
    env = os.environ if environ is None else environ
    xdg = env.get("XDG_CACHE_HOME", "")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return base / "folioviz"


def cache_dir(path: Path, error: type[Exception] = PinnedFileError) -> Path:
    """Create the cache folder ``path`` (and its parents); a regular file in the way is an ``error`` in words."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        blocker = next((p for p in (path, *path.parents) if p.exists() and not p.is_dir()), path)
        raise error(
            f"cannot use {path} as a cache folder: {blocker} is a regular file, not a folder. "
            "Move that file away, or set XDG_CACHE_HOME to another folder."
        ) from None
    return path


def digest(path: Path, pin: str) -> str:
    """The hash of ``path``, written as ``pin`` is: 64 hex digits (sha256) or ``sha512-<base64>``."""
    algorithm = _algorithm(pin)
    hasher = hashlib.new(algorithm)
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            hasher.update(block)
    if algorithm == "sha512":
        return "sha512-" + base64.b64encode(hasher.digest()).decode()
    return hasher.hexdigest()


def _algorithm(pin: str) -> str:
    if SHA256_HEX.fullmatch(pin):
        return "sha256"
    if SRI_SHA512.fullmatch(pin):
        return "sha512"
    raise ValueError(f"{pin!r} is not a pin: expected 64 hex digits (sha256) or sha512-<base64>")


def _mismatch(path: Path, got: str, pin: str, what: str | None) -> str:
    name = f"{path} ({what})" if what else str(path)
    return f"{name} has {_algorithm(pin)} {got}, but {pin} is pinned"


@dataclass(frozen=True)
class Pin:
    """One pinned file: where it goes, its pin (sha256 hex or ``sha512-<base64>``), and what it is (for messages)."""

    path: Path
    pin: str
    what: str = ""


def _name(item: Pin) -> str:
    return f"{item.path} ({item.what})" if item.what else str(item.path)


def _bad(item: Pin, got: str) -> str:
    kind = "" if _algorithm(item.pin) == "sha512" else "sha256 "  # npm's pins name their algorithm already
    return f"{_name(item)} does not match its pin: expected {kind}{item.pin}, actual {kind}{got}"


def ensure(
    items: Sequence[Pin],
    download: Callable[[list[Pin]], None],
    error: type[Exception] = PinnedFileError,
) -> list[Path]:
    """Every file of ``items``, checked against its pin; missing or bad ones fetched with ``download``.

    ``download(todo)`` must write each ``todo`` item's file at its ``path`` (or raise). The policy for a bad file
    (cached or just downloaded): delete it, fetch it once more, then fail (``error``, naming the file, the expected
    and the actual hash). A cached file counts: when it is bad, the one more fetch is its replacement.
    """
    refetched: set[Path] = set()
    todo: list[Pin] = []
    for item in items:
        if item.path.is_file():
            got = digest(item.path, item.pin)
            if got == item.pin:
                continue
            item.path.unlink()
            refetched.add(item.path)
            print(f"{_bad(item, got)}; deleted it, fetching it once more", file=sys.stderr)
        todo.append(item)
    while todo:
        download(todo)
        again = []
        for item in todo:
            if not item.path.is_file():
                raise error(f"the download of {_name(item)} wrote no {item.path.name}")
            got = digest(item.path, item.pin)
            if got == item.pin:
                continue
            item.path.unlink()
            if item.path in refetched:
                raise error(f"{_bad(item, got)}; deleted it after fetching it once more. Refusing to use it.")
            refetched.add(item.path)
            print(f"{_bad(item, got)}; deleted it, fetching it once more", file=sys.stderr)
            again.append(item)
        todo = again
    return [item.path for item in items]


def fetch(
    path: Path, pin: str, download: Callable[[Path], None], what: str = "", error: type[Exception] = PinnedFileError
) -> Path:
    """One pinned file (see :func:`ensure`): ``download(path)`` writes it when it is missing or bad."""

    def each(todo: list[Pin]) -> None:
        for item in todo:
            download(item.path)

    ensure([Pin(path, pin, what)], each, error)
    return path


# ------------------------------------------------------------------------------------------------ npm


@dataclass(frozen=True)
class NpmAsset:
    """One npm tarball, pinned by version and sha512 integrity, and the files a site takes from it."""

    name: str
    version: str
    integrity: str  # as `npm pack --json` / `npm view NAME@VERSION dist.integrity` print it
    licence: str
    files: tuple[tuple[str, str], ...]  # (regex on the tar member name, site dir to copy matches into)

    @property
    def spec(self) -> str:
        return f"{self.name}@{self.version}"

    @property
    def tarball(self) -> str:
        return f"{self.name.lstrip('@').replace('/', '-')}-{self.version}.tgz"


def integrity_of(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def fetch_npm(
    asset: NpmAsset,
    cache: Path,
    npm: str | None = None,
    *,
    error: type[Exception] = PinnedFileError,
    unavailable: type[Exception] = PinnedFileError,
) -> Path:
    """The pinned tarball of ``asset`` in ``cache``: reused when it verifies, else ``npm pack``-ed (:func:`ensure`)."""
    cache_dir(cache, error)
    target = cache / asset.tarball
    hint = f"Build once where the npm registry is reachable, or place {asset.tarball} ({asset.integrity}) in {cache}."

    def pack(path: Path) -> None:
        found = npm or shutil.which("npm")
        if found is None:
            raise unavailable(f"{asset.spec} is not cached in {cache} and npm is not installed. {hint}")
        with tempfile.TemporaryDirectory(dir=cache, prefix=".npm-pack-") as scratch:
            cmd = [found, "pack", asset.spec, "--json", "--pack-destination", scratch, "--prefer-offline"]
            cmd += ["--ignore-scripts", "--fund=false", "--audit=false", "--loglevel=error"]
            try:
                done = subprocess.run(cmd, capture_output=True, text=True, timeout=180, check=False)
            except subprocess.TimeoutExpired:
                raise unavailable(f"`npm pack {asset.spec}` timed out after 180 s (offline?). {hint}") from None
            if done.returncode != 0:
                lines = (done.stderr or done.stdout).strip().splitlines()
                telling = [line for line in lines if re.search(r"\b(code|errno|network|request to|404)\b", line)]
                tail = "\n    ".join(telling[:4] or lines[-6:])
                raise unavailable(
                    f"`npm pack {asset.spec}` failed (exit {done.returncode}); is the npm registry reachable?\n"
                    f"    {tail}\n{hint}"
                )
            try:
                reported = json.loads(done.stdout)[0]
            except (ValueError, IndexError, KeyError):
                reported = {}
            packed = Path(scratch) / reported.get("filename", asset.tarball)
            if not packed.is_file():
                raise error(f"`npm pack {asset.spec}` reported success but wrote no {packed.name}")
            os.replace(packed, path)  # checked by ensure(): a bad one is deleted and packed once more
        print(f"fetched {asset.spec} into {path} ({path.stat().st_size / 1e6:.1f} MB)")

    return fetch(target, asset.integrity, pack, asset.spec, error)


def extract_npm_asset(
    asset: NpmAsset, tarball: Path, out: Path, error: type[Exception] = PinnedFileError
) -> list[Path]:
    """Copy the members of ``tarball`` that ``asset.files`` selects into ``out`` (no other path is written)."""
    written = []
    matched: set[str] = set()
    with tarfile.open(tarball, "r:gz") as tar:
        for member in tar.getmembers():
            if not member.isfile():
                continue
            for pattern, site_dir in asset.files:
                if re.fullmatch(pattern, member.name):
                    source = tar.extractfile(member)
                    assert source is not None
                    target = out / site_dir / Path(member.name).name
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(source.read())
                    written.append(target)
                    matched.add(pattern)
                    break
    missing = [pattern for pattern, _ in asset.files if pattern not in matched]
    if missing:
        raise error(f"{tarball.name} has no member matching {', '.join(missing)}")
    return written


# ----------------------------------------------------------------------------------------------- PyPI


@dataclass(frozen=True)
class Wheel:
    """One wheel from PyPI, pinned by version and sha256."""

    name: str
    version: str
    sha256: str
    filename: str


def fetch_wheels(
    wheels: Sequence[Wheel],
    cache: Path,
    pip: Sequence[str],
    platform_args: Sequence[str],
    *,
    error: type[Exception] = PinnedFileError,
    unavailable: type[Exception] = PinnedFileError,
) -> dict[str, Path]:
    """The pinned wheels in ``cache``, downloaded with ``pip download --require-hashes`` when missing or bad."""
    wheel_dir = cache_dir(cache, error)

    def download(todo: list[Pin]) -> None:
        want = [w for w in wheels if wheel_dir / w.filename in {item.path for item in todo}]
        with tempfile.TemporaryDirectory(dir=wheel_dir, prefix=".pip-download-") as scratch:
            reqs = Path(scratch) / "requirements.txt"
            # No --hash here: ensure() checks every file against its pin, with the one policy for a bad one.
            reqs.write_text("".join(f"{w.name}=={w.version}\n" for w in want))
            cmd = [*pip, "download", "--no-deps", "--only-binary=:all:", "--quiet"]
            cmd += [*platform_args, "-d", scratch, "-r", str(reqs)]
            try:
                done = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)
            except subprocess.TimeoutExpired:
                raise unavailable("pip download timed out after 600 s (offline?)") from None
            if done.returncode != 0:
                tail = "\n    ".join((done.stderr or done.stdout).strip().splitlines()[-6:])
                raise unavailable(
                    f"pip download of {len(want)} pinned wheel(s) failed (exit {done.returncode}); "
                    f"is the package index reachable?\n    {tail}\nOr place the wheels in {wheel_dir}."
                )
            for wheel in want:
                got = Path(scratch) / wheel.filename
                if got.is_file():
                    os.replace(got, wheel_dir / wheel.filename)
        print(f"fetched {len(want)} wheel(s) into {wheel_dir}")

    ensure([Pin(wheel_dir / w.filename, w.sha256, f"{w.name}=={w.version}") for w in wheels], download, error)
    return {w.name: wheel_dir / w.filename for w in wheels}
