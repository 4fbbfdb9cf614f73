"""The standard library's cuts, and the check in the site's Pyodide of everything cut from the kernel's Python.

Pyodide's ``python_stdlib.zip`` (3.9 MB) still holds modules that cannot work in a browser or that nothing here
reads: ``slim_stdlib`` leaves out, after the bytecode step, the codecs not in ``STDLIB_KEPT_CODECS`` (a cut codec
gives Python's own ``LookupError: unknown encoding``) and cuts the modules of ``STDLIB_CUT`` to a stand-in whose
import raises ModuleNotFoundError saying the module is not in the browser build, and why (tools/lite/config.py). It
refuses to cut a module the kernel or a notebook imported (those are the zip's .pyc).

``check_in_pyodide`` runs ``smoke_cuts.py`` in the site's own Pyodide under Node, every shipped wheel installed
(``pysmoke.mjs``): the build stops on any problem it prints, and tests/lite runs it on a built site.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from tools.lite.config import LiteBuildError
from tools.lite.wheels import zip_bytes

SMOKE = Path(__file__).with_name("smoke_cuts.py")
PYSMOKE = Path(__file__).with_name("pysmoke.mjs")


def stdlib_stand_in(module: str, why: str) -> bytes:
    """The source of a cut standard-library module's stand-in: importing it says what is missing and why."""
    text = (
        f"{module} is not in this browser build of folioviz: {why}. "
        "Run the workbook in JupyterLab (`make lab`) for the whole standard library."
    )
    return f"raise ModuleNotFoundError({text!r}, name={module!r})\n".encode()


def slim_stdlib(path: Path, codecs: Sequence[str], modules: Mapping[str, str]) -> int:
    """Rewrite the standard library's zip ``path`` without the codecs of ``encodings/`` not named in ``codecs``
    and with ``modules`` (a module or package: why it cannot work here) cut to a stand-in that says so; returns
    the bytes saved. Stops if a module is not in the zip (a new Python's layout) or if the kernel or a notebook
    imports what would be cut (the zip's .pyc are those)."""
    with zipfile.ZipFile(path) as archive:
        entries = {info.filename: archive.read(info) for info in archive.infolist() if not info.is_dir()}
    cut = {n for n in entries if (m := re.fullmatch(r"encodings/(\w+)\.pyc?", n)) and m.group(1) not in codecs}
    missing = sorted(set(codecs) - {n.split("/")[1].split(".")[0] for n in entries if n.startswith("encodings/")})
    if missing:
        raise LiteBuildError(f"{path.name} has no codec {', '.join(missing)}")
    stand_ins: dict[str, bytes] = {}
    for module, why in modules.items():
        base = module.replace(".", "/")
        if {f"{base}/__init__.py", f"{base}/__init__.pyc"} & set(entries):
            cut |= {n for n in entries if n.startswith(f"{base}/")}
            stand_ins[f"{base}/__init__.py"] = stdlib_stand_in(module, why)
        elif {f"{base}.py", f"{base}.pyc"} & set(entries):
            cut |= {f"{base}.py", f"{base}.pyc"} & set(entries)
            stand_ins[f"{base}.py"] = stdlib_stand_in(module, why)
        else:
            raise LiteBuildError(f"{path.name} has no module {module}")
    imported = sorted(n for n in cut if n.endswith(".pyc"))
    if imported:
        raise LiteBuildError(f"{path.name}: the kernel or a notebook imports {', '.join(imported[:5])}; not cutting it")
    before = path.stat().st_size
    kept = [(name, data) for name, data in entries.items() if name not in cut]
    path.write_bytes(zip_bytes(kept + sorted(stand_ins.items())))
    return before - path.stat().st_size


def check_in_pyodide(pyodide_dir: Path, node: str = "node") -> list[str]:
    """Run ``smoke_cuts.py`` in the site's Pyodide under Node (every shipped wheel installed); returns its
    problems: a kept trace type or template that no longer builds, a folioviz figure that fails, a cut part of
    plotly that does not say it is cut, a kept part of the standard library that is missing."""
    node_path = shutil.which(node)
    if node_path is None:
        raise LiteBuildError(f"{node} not found: the lite build checks its cuts with Pyodide under Node")
    cmd = [node_path, str(PYSMOKE), str(pyodide_dir), str(SMOKE)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=900)
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        return [f"the check in Pyodide did not run:\n{(done.stderr or done.stdout)[-4000:]}"]
    return list(json.loads(lines[-1])["problems"])
