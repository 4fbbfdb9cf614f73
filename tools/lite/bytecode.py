"""Bytecode at build time: the site's Python modules compiled to .pyc by the Pyodide the site ships.

Pyodide's CPython never writes bytecode (``sys.dont_write_bytecode``; its file system is in memory anyway), so a
module shipped as source is compiled in the reader's browser on every page load: about half of ``import IPython``
in the kernel. The builder compiles every module of every shipped wheel once, here, with the very Python of the
site (``pycompile.mjs``: Pyodide under Node, the machine's ``node``), and writes each as an *unchecked*
hash-based pyc (PEP 552): Python takes it as it is, whatever the files' times after the kernel unpacks the wheel.

Library wheels are shipped bytecode only, as Pyodide ships its own packages: ``mod.py`` becomes ``mod.pyc`` in
the same folder (loaded by Python's sourceless loader), which is smaller than source and bytecode together. What a
reader loses there: a traceback through library code shows the file, line and function but not the line's text,
and ``??`` on a library function shows no source. folioviz keeps its sources, with its bytecode beside them in
``__pycache__/``, so its tracebacks and ``??`` read as on a desktop. The standard library's modules that the same
cells import (Pyodide's python_stdlib.zip ships source only) are compiled too and replace their sources in the
zip (``json/__init__.pyc``), which Python's zipimport loads the same way.

The modules shipped as bytecode alone (the libraries' and the standard library's) are compiled with ``-X
no_debug_ranges``: their code keeps its line numbers but not the column ranges that a traceback uses to mark the
failing part of a line of source under it, which these modules never show (no source): a fifth less bytecode
(1.1 MB of the site, 2026-12-07). folioviz's, shipped with its sources, keeps them, so its tracebacks mark the
failing call.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

from tools.lite.config import PYC_CACHE_TAG, PYC_MAGIC, PYTHON_VERSION, LiteBuildError
from tools.lite.wheels import canonical, record_line, zip_bytes

PYCOMPILE = Path(__file__).with_name("pycompile.mjs")
STDLIB_ZIP = "python_stdlib.zip"
SITE_PACKAGES = f"/lib/python{PYTHON_VERSION}/site-packages"
# The flags word of an unchecked hash-based pyc (PEP 552): bit 0 hash-based, bit 1 (check the source) clear.
UNCHECKED_HASH = 0b01


def compile_in_pyodide(
    pyodide_dir: Path,
    packages: Sequence[str],
    imports: Sequence[str],
    cells: Sequence[str],
    node: str = "node",
    keep_ranges: Sequence[str] = (),
) -> tuple[dict[str, Any], dict[str, bytes]]:
    """Install ``packages`` from the site in ``pyodide_dir`` into Pyodide (under Node), import ``imports``, run
    ``cells`` in an IPython shell and compile every module of site-packages they imported, with column ranges only
    under the folders ``keep_ranges`` (module docstring). Returns (what Pyodide says of itself: magic, cache_tag,
    version, failed_cells, ranged; {path in site-packages: its pyc})."""
    node_path = shutil.which(node)
    if node_path is None:
        raise LiteBuildError(f"{node} not found: the lite build compiles its bytecode with Pyodide under Node")
    with tempfile.TemporaryDirectory(prefix="folioviz-pyc-") as scratch:
        work = Path(scratch)
        (work / "job.json").write_text(
            json.dumps(
                {
                    "packages": list(packages),
                    "imports": list(imports),
                    "cells": list(cells),
                    "keep_ranges": list(keep_ranges),
                }
            )
        )
        done = subprocess.run(
            [node_path, str(PYCOMPILE), str(pyodide_dir), str(work)],
            capture_output=True,
            text=True,
            check=False,
            timeout=1800,
        )
        if done.returncode != 0:
            raise LiteBuildError(f"compiling bytecode in Pyodide failed:\n{(done.stderr or done.stdout)[-4000:]}")
        info = json.loads(done.stdout.strip().splitlines()[-1])
        pycs = {member: (work / "pyc" / (member + "c")).read_bytes() for member in info.pop("compiled")}
        info["stdlib"] = {member: (work / "stdlib" / (member + "c")).read_bytes() for member in info["stdlib"]}
    return info, pycs


def _compiled_members(names: Sequence[str]) -> list[str]:
    """The modules of a wheel that Python imports from site-packages (not its .dist-info or .data)."""
    return [n for n in names if n.endswith(".py") and not re.match(r"[^/]+\.(dist-info|data)/", n)]


def cached_name(member: str, cache_tag: str) -> str:
    """Where Python looks for the bytecode of ``member`` (PEP 3147): ``a/__pycache__/b.<tag>.pyc`` for ``a/b.py``."""
    folder, _, file = member.rpartition("/")
    return f"{folder}/__pycache__/{file[:-3]}.{cache_tag}.pyc" if folder else f"__pycache__/{file[:-3]}.{cache_tag}.pyc"


def compile_wheels(
    pyodide_dir: Path,
    wheels: Sequence[Path],
    imports: Sequence[str],
    cells: Sequence[str],
    keep_source: Collection[str],
    node: str = "node",
) -> dict[str, Any]:
    """Rewrite ``wheels`` (the site's, in ``pyodide_dir`` with its pyodide-lock.json) in place with the bytecode of
    the modules that ``imports`` and ``cells`` import: source and ``__pycache__`` pyc for the projects named in
    ``keep_source``, the pyc alone (``mod.pyc`` where ``mod.py`` was) for the others. Returns what
    Pyodide said of itself, the number of modules compiled and the bytes each wheel grew by."""
    keep = {canonical(name) for name in keep_source}
    packages = sorted(json.loads((pyodide_dir / "pyodide-lock.json").read_text())["packages"])
    ranged = set()
    for wheel in wheels:
        if canonical(wheel.name.split("-", 1)[0]) in keep:
            with zipfile.ZipFile(wheel) as whl:
                ranged |= {m.split("/", 1)[0] + "/" for m in _compiled_members(whl.namelist()) if "/" in m}
    info, pycs = compile_in_pyodide(pyodide_dir, packages, imports, cells, node, sorted(ranged))
    if (info["magic"], info["cache_tag"]) != (PYC_MAGIC.hex(), PYC_CACHE_TAG):
        raise LiteBuildError(
            f"Pyodide's Python writes pyc magic {info['magic']} ({info['cache_tag']}), not {PYC_MAGIC.hex()} "
            f"({PYC_CACHE_TAG}): update PYC_MAGIC and PYC_CACHE_TAG in tools/lite/config.py"
        )
    grown: dict[str, int] = {}
    placed: set[str] = set()
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as whl:
            mine = {m: pycs[m] for m in _compiled_members(whl.namelist()) if m in pycs}
        if not mine:
            continue
        before = wheel.stat().st_size
        project = canonical(wheel.name.split("-", 1)[0])
        _write_bytecode(wheel, mine, info["cache_tag"], project in keep)
        grown[wheel.name] = wheel.stat().st_size - before
        placed |= set(mine)
    if set(pycs) - placed:
        raise LiteBuildError(f"compiled modules in no wheel: {', '.join(sorted(set(pycs) - placed)[:5])}")
    stdlib = pyodide_dir / STDLIB_ZIP
    before = stdlib.stat().st_size
    _write_stdlib(stdlib, info.pop("stdlib"))
    grown[STDLIB_ZIP] = stdlib.stat().st_size - before
    info["modules"] = len(pycs)
    info["grown"] = grown
    return info


def _write_stdlib(path: Path, pycs: dict[str, bytes]) -> None:
    """Put each pyc of ``pycs`` in the standard library's zip in place of its source (``json/__init__.pyc`` for
    ``json/__init__.py``), as the libraries' (keeping both would add 1.2 MB more)."""
    with zipfile.ZipFile(path) as archive:
        entries = [(info.filename, archive.read(info)) for info in archive.infolist() if not info.is_dir()]
    names = {name for name, _ in entries}
    missing = sorted(name for name in pycs if name not in names)
    if missing:
        raise LiteBuildError(f"{path.name} has no {', '.join(missing[:5])}")
    entries = [(name + "c", pycs[name]) if name in pycs else (name, data) for name, data in entries]
    path.write_bytes(zip_bytes(entries))


def _write_bytecode(wheel: Path, pycs: dict[str, bytes], cache_tag: str, keep_source: bool) -> None:
    entries: list[tuple[str, bytes]] = []
    record_name, record = None, ""
    renamed: dict[str, tuple[str, bytes]] = {}
    with zipfile.ZipFile(wheel) as whl:
        for info in whl.infolist():
            if info.is_dir():
                continue
            if info.filename.endswith(".dist-info/RECORD"):
                record_name, record = info.filename, whl.read(info).decode()
                continue
            name, data = info.filename, whl.read(info)
            if name in pycs:
                pyc_name = cached_name(name, cache_tag) if keep_source else name + "c"
                renamed[name] = (pyc_name, pycs[name])
                if keep_source:
                    entries.append((name, data))
                entries.append((pyc_name, pycs[name]))
            else:
                entries.append((name, data))
    if record_name is None:
        raise LiteBuildError(f"{wheel.name} has no RECORD")
    lines = []
    for line in record.splitlines():
        name = line.split(",", 1)[0]
        if not line:
            continue
        if name in renamed:
            if keep_source:
                lines.append(line)
            lines.append(record_line(*renamed[name]))
        else:
            lines.append(line)
    entries.append((record_name, ("\n".join(lines) + "\n").encode()))
    wheel.write_bytes(zip_bytes(entries))
