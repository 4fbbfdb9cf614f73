"""The kernel's wheels: fetched (tools.pinned), slimmed, folioviz's own built, and the pyodide-lock.json that lists
exactly the shipped ones."""

from __future__ import annotations

import base64
import email.parser
import hashlib
import io
import json
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from tools import pinned
from tools.lite.config import (
    PYODIDE_PLATFORM,
    PYTHON_VERSION,
    ROOT,
    LiteAssetsUnavailableError,
    LiteBuildError,
    sha256_of,
)
from tools.pinned import Wheel

# ------------------------------------------------------------------------------------------------ wheels


def fetch_wheels(wheels: Sequence[Wheel], cache_dir: Path, pip: Sequence[str]) -> dict[str, Path]:
    """The pinned wheels in ``cache_dir/wheels``, downloaded with pip when missing or bad (tools.pinned's policy)."""
    platform = ["--python-version", PYTHON_VERSION, "--implementation", "cp", "--abi", "cp314"]
    platform += ["--platform", PYODIDE_PLATFORM, "--platform", "any"]
    return pinned.fetch_wheels(
        wheels, cache_dir / "wheels", pip, platform, error=LiteBuildError, unavailable=LiteAssetsUnavailableError
    )


def zip_bytes(entries: Iterable[tuple[str, bytes]]) -> bytes:
    """A wheel (zip) with fixed timestamps and order, so the same input gives the same sha256."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=(2020, 2, 2, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            out.writestr(info, data)
    return buf.getvalue()


def record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def slim_wheel(
    source: Path,
    target: Path,
    patterns: Sequence[str],
    rewrite: Mapping[str, Callable[[bytes], bytes]] | None = None,
    add: Mapping[str, bytes] | None = None,
) -> int:
    """Copy ``source`` to ``target`` without the members matching ``patterns``, with the members named in
    ``rewrite`` passed through their function and the new members ``add`` (RECORD updated to match); returns the
    number of files cut."""
    cut = [re.compile(p) for p in patterns]
    rewrite = rewrite or {}
    add = add or {}
    entries: list[tuple[str, bytes]] = []
    removed: set[str] = set()
    rewritten: dict[str, bytes] = {}
    record_name = None
    with zipfile.ZipFile(source) as whl:
        for info in whl.infolist():
            if info.is_dir():
                continue
            if any(p.fullmatch(info.filename) for p in cut):
                removed.add(info.filename)
                continue
            if info.filename.endswith(".dist-info/RECORD"):
                record_name = info.filename
                continue
            data = whl.read(info)
            if info.filename in rewrite:
                data = rewritten[info.filename] = rewrite[info.filename](data)
            entries.append((info.filename, data))
        record = whl.read(record_name).decode() if record_name else ""
    missing = set(rewrite) - set(rewritten)
    if missing:
        raise LiteBuildError(f"{source.name} has no {', '.join(sorted(missing))} to rewrite")
    clash = sorted(set(add) & {name for name, _ in entries})
    if clash:
        raise LiteBuildError(f"{source.name} already has {', '.join(clash)}")
    entries += sorted(add.items())
    if record_name:
        kept = []
        for line in record.splitlines():
            name = line.split(",", 1)[0]
            if line and name not in removed:
                kept.append(record_line(name, rewritten[name]) if name in rewritten else line)
        kept += [record_line(name, data) for name, data in sorted(add.items())]
        entries.append((record_name, ("\n".join(kept) + "\n").encode()))
    target.write_bytes(zip_bytes(entries))
    return len(removed)


_LEXER_IMPORT = re.compile(r"^\s*(?:from\s+pygments\.lexers\.(\w+)\s+import|import\s+pygments\.lexers\.(\w+))", re.M)
_LEXER_ENTRY = re.compile(r"^\s*'\w+': \('pygments\.lexers\.(\w+)',")


def pygments_lexers_kept(source: Path, seed: Sequence[str]) -> set[str]:
    """The lexer modules of pygments' wheel ``source`` that ``seed`` names, with every lexer module they import."""
    with zipfile.ZipFile(source) as whl:
        modules = {
            m.group(1): whl.read(n).decode()
            for n in whl.namelist()
            if (m := re.fullmatch(r"pygments/lexers/(\w+)\.py", n)) and not m.group(1).startswith("__")
        }
    unknown = sorted(set(seed) - set(modules))
    if unknown:
        raise LiteBuildError(f"pygments {source.name} has no lexer module {', '.join(unknown)}")
    kept: set[str] = set()
    todo = list(seed)
    while todo:
        name = todo.pop()
        if name in kept:
            continue
        kept.add(name)
        todo += [a or b for a, b in _LEXER_IMPORT.findall(modules[name]) if (a or b) in modules]
    return kept | {"_mapping"}


def _pygments_mapping(kept: set[str]) -> Callable[[bytes], bytes]:
    """pygments' lexer table (pygments/lexers/_mapping.py) without the lexers of the modules not ``kept``."""

    def rewrite(data: bytes) -> bytes:
        lines = data.decode().splitlines(keepends=True)
        out = [line for line in lines if not (m := _LEXER_ENTRY.match(line)) or m.group(1) in kept]
        if len(out) == len(lines):
            raise LiteBuildError("pygments/lexers/_mapping.py: no lexer entry recognised; is the pin a new layout?")
        text = "".join(out)
        compile(text, "_mapping.py", "exec")  # still Python
        return text.encode()

    return rewrite


def slim_pygments(source: Path, target: Path, seed: Sequence[str]) -> int:
    """pygments with only the lexer modules of ``seed`` (and those they import), and a lexer table to match."""
    kept = pygments_lexers_kept(source, seed)
    pattern = r"pygments/lexers/(?!(?:__init__|" + "|".join(sorted(kept)) + r")\.py$).*"
    return slim_wheel(source, target, [pattern], {"pygments/lexers/_mapping.py": _pygments_mapping(kept)})


def build_folioviz_wheel(target_dir: Path) -> Path:
    """folioviz as a wheel, built from this checkout (hatchling, no network)."""
    with tempfile.TemporaryDirectory(prefix="folioviz-wheel-") as scratch:
        cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet", "-w", scratch]
        done = subprocess.run([*cmd, str(ROOT)], capture_output=True, text=True, check=False, timeout=300)
        if done.returncode != 0:
            raise LiteBuildError(f"building the folioviz wheel failed:\n{done.stderr or done.stdout}")
        (built,) = Path(scratch).glob("folioviz-*.whl")
        return Path(shutil.copy2(built, target_dir / built.name))


# -------------------------------------------------------------------------------------------------- lock


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def wheel_metadata(path: Path) -> tuple[str, str, list[str], list[str]]:
    """(name, version, Requires-Dist lines, top-level import names) of a wheel."""
    with zipfile.ZipFile(path) as whl:
        names = whl.namelist()
        (meta_name,) = [n for n in names if re.fullmatch(r"[^/]+\.dist-info/METADATA", n)]
        meta = email.parser.Parser().parsestr(whl.read(meta_name).decode())
        top_level = [n for n in names if re.fullmatch(r"[^/]+\.dist-info/top_level\.txt", n)]
        if top_level:
            imports = [line.strip() for line in whl.read(top_level[0]).decode().splitlines() if line.strip()]
        else:
            imports = sorted(
                {
                    n.split("/", 1)[0].removesuffix(".py")
                    for n in names
                    if not n.split("/", 1)[0].endswith((".dist-info", ".data"))
                    and (n.endswith(".py") or "/" in n)
                    and not n.split("/", 1)[0].endswith((".pth", ".so"))
                }
            )
    imports = [i for i in imports if i.isidentifier() and not i.startswith("_")]
    return meta["Name"], meta["Version"], meta.get_all("Requires-Dist") or [], imports


def _depends(requires: Sequence[str], shipped: set[str]) -> tuple[list[str], list[str]]:
    """(shipped dependencies, dropped ones) of Requires-Dist lines, for Emscripten and Python 3.14, no extras."""
    from packaging.requirements import Requirement

    env = {
        "python_version": PYTHON_VERSION,
        "python_full_version": f"{PYTHON_VERSION}.2",
        "sys_platform": "emscripten",
        "platform_system": "Emscripten",
        "platform_machine": "wasm32",
        "os_name": "posix",
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
        "extra": "",
    }
    keep, drop = [], []
    for line in requires:
        req = Requirement(line)
        if req.marker is not None and not req.marker.evaluate(env):
            continue
        (keep if canonical(req.name) in shipped else drop).append(canonical(req.name))
    return sorted(set(keep)), sorted(set(drop))


def write_lock(
    pyodide_dir: Path, wheel_files: Sequence[Path], deferred: Mapping[str, Sequence[str]] | None = None
) -> dict[str, Any]:
    """Rewrite ``pyodide_dir/pyodide-lock.json`` to list exactly ``wheel_files``; returns the lock.
    ``deferred`` ({package: [dependencies]}) leaves those dependencies out of the package's ``depends`` (they stay in
    the lock; see config.DEFERRED): a dependency not declared by the package stops the build.

    Written here, not by JupyterLite's lock tooling (tried 2026-12-07 against this build's 30 wheels):
    jupyterlite-pyodide-lock 0.1.1's PyodideLockAddon needs jupyterlite-core < 0.6 and jupyterlite-pyodide-kernel
    < 0.6 (this build pins 0.8.6) and solves the lock in a browser; pyodide-lock 0.1.2, the newest the package
    index serves, cannot read Pyodide 314's lock (its ``info`` has no ``version``) and, given one, refuses the
    ``pyemscripten_2026_0_wasm32`` wheel tags. This function is 25 lines, needs only ``packaging``, and
    tests/lite checks its output (every shipped wheel, hash and dependency; Run All of every notebook).
    """
    original = json.loads((pyodide_dir / "pyodide-lock.json").read_text())
    metas = {path: wheel_metadata(path) for path in wheel_files}
    shipped = {canonical(name) for name, *_ in metas.values()}
    packages: dict[str, Any] = {}
    dropped: dict[str, list[str]] = {}
    for path, (name, version, requires, imports) in sorted(metas.items(), key=lambda kv: canonical(kv[1][0])):
        depends, drop = _depends(requires, shipped)
        later = set((deferred or {}).get(canonical(name), ()))
        if later - set(depends):
            raise LiteBuildError(f"{name} does not depend on {', '.join(sorted(later - set(depends)))} (DEFERRED)")
        depends = [d for d in depends if d not in later]
        if drop:
            dropped[canonical(name)] = drop
        packages[canonical(name)] = {
            "name": canonical(name),
            "version": version,
            "file_name": path.name,
            "install_dir": "site",
            "sha256": sha256_of(path),
            "package_type": "package",
            "imports": imports,
            "depends": depends,
            "unvendored_tests": False,
        }
    lock = {"info": original["info"], "packages": packages}
    (pyodide_dir / "pyodide-lock.json").write_text(json.dumps(lock, indent=1, sort_keys=True) + "\n")
    lock["_dropped"] = dropped
    return lock
