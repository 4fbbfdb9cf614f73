"""Pinned downloads: where folioviz caches them, how a file is checked, and what happens to a bad one.

Every download folioviz makes is pinned by a hash: ``make site``'s npm tarballs (sha512, written the way npm
writes it, ``sha512-<base64>``), ``make lite``'s Pyodide and wheels, ``make provenance``'s kernel source
tarballs and ``make kernels``' Debian packages (sha256, 64 hex digits). This module is the one place that
checks a file against its pin and the one policy for a file that does not match:

* a file already in the cache that does not match (a download cut short, a file changed by hand) is removed,
  with its name and both hashes printed, and the caller downloads it again, once, in the same run
  (:func:`reuse` returns False);
* a file just downloaded that does not match is removed, and the build stops with an error naming the file,
  the hash it has and the hash pinned (:func:`check`): a second download from the same place would get the same
  bytes, so it is not retried.

The fetchers stay where they are (``npm pack``, ``pip download``, ``apt-get``): only the check and the
policy live here.

Caches live under ``$XDG_CACHE_HOME/folioviz`` (``~/.cache/folioviz`` when that is unset, empty or not an
absolute path, as the XDG spec says). :func:`cache_dir` creates a cache folder and says in words when a regular
file stands where a folder should be.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import sys
from pathlib import Path

SHA256_HEX = re.compile(r"[0-9a-f]{64}")
SRI_SHA512 = re.compile(r"sha512-[A-Za-z0-9+/]{86}==")


class PinnedFileError(RuntimeError):
    """A downloaded file does not match its pin (it has been removed), or a cache folder cannot be made."""


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


def reuse(path: Path, pin: str, what: str | None = None) -> bool:
    """True when the cached ``path`` matches ``pin``. False when it is absent, or did not match: then it has been
    removed (the message says which file and which hashes) and the caller fetches it again."""
    if not path.is_file():
        return False
    got = digest(path, pin)
    if got == pin:
        return True
    path.unlink()
    print(f"{_mismatch(path, got, pin, what)}; removed it from the cache, fetching it again", file=sys.stderr)
    return False


def check(path: Path, pin: str, what: str | None = None, error: type[Exception] = PinnedFileError) -> Path:
    """``path`` (just downloaded) when it matches ``pin``; otherwise remove it and raise ``error``."""
    got = digest(path, pin)
    if got != pin:
        path.unlink()
        raise error(f"{_mismatch(path, got, pin, what)}; removed it. Refusing to use it.")
    return path
