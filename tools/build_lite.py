"""Build the workbook as an offline JupyterLite site: JupyterLab and a Python kernel running in the browser.

Usage: python tools/build_lite.py [--out lite] [--cache-dir DIR] [--jupyter PATH]

Output (``lite/`` by default, git-ignored): a folder of static files. Serve it on any static HTTP server
(``make lite-serve``; it does not work from file://) and open ``lab/index.html``. It holds

    lab/, build/, extensions/ ...   JupyterLab-in-the-browser (the ``lab`` app only) and four extensions:
                                    the Pyodide kernel, ipywidgets' manager, anywidget, plotly's renderer
    files/                          every notebook of notebooks/, with its stored outputs
    static/pyodide/                 Pyodide's runtime (npm ``pyodide``) and every wheel the kernel may load,
                                    with a pyodide-lock.json that lists exactly those wheels
    jupyter-lite.json               the kernel points at static/pyodide/; the PyPI fallback is off
    NOTICE-folioviz.txt             where every shipped file came from, with versions and hashes
    serve.py                        ``python3 serve.py`` serves the folder it is in on 127.0.0.1 (a USB stick)

Where each piece comes from, all by pinned version and hash (a mismatch stops the build):

* Pyodide's runtime: the npm tarball ``pyodide@PYODIDE_VERSION`` (sha512 integrity pinned), via ``npm pack``.
  It holds no package wheels, so:
* the wheels (``tools/lite-wheels.txt``): from PyPI with ``pip download``, each checked against its pinned sha256.
  bitstring is pinned to 4.4 because bitstring 5 needs ``tibs``, which has no WebAssembly wheel; bitarray is
  PyPI's own build for Pyodide's ABI. Three wheels are slimmed after the check (files the browser kernel never
  uses: plotly.js and FigureWidget's bundle, the labextensions that the site serves anyway, sample data sets,
  tests); the lock lists the slimmed wheel's own sha256. No nbformat is shipped: folioviz's figures display their
  own mime bundle (``FolioFigure``), so nothing in the kernel imports it.
* the kernel's own wheels (piplite, pyodide-kernel and the ipykernel/widgetsnbextension shims) from the
  ``jupyterlite-pyodide-kernel`` package of the build environment, checked against pinned sha256 too;
* folioviz: a wheel built from this checkout.

Downloads are cached in ``~/.cache/folioviz/lite`` (like ``make site``'s assets); later builds need no network.

The lock. Pyodide's own pyodide-lock.json names 356 packages on a CDN with Pyodide's rebuilt wheels, whose
hashes differ from PyPI's. It is rewritten to list exactly the wheels shipped in ``static/pyodide/``, each with
its real sha256, its top-level imports and its dependencies (from the wheel's metadata, evaluated for
Emscripten and Python 3.14, restricted to shipped packages). With it, ``import folioviz`` in a cell makes the
kernel load folioviz and everything it needs, from the site, by itself.

Start-up. The notebook shows as soon as JupyterLab has loaded; the kernel boots behind it. The kernel's own
packages (ipykernel, comm, pyodide-kernel, jedi, IPython, piplite, micropip) are fetched in parallel while Pyodide
starts (``loadPyodideOptions.packages``), instead of one after another; folioviz and its dependencies load when a
cell first imports them (prefetching them too made the kernel ready later and the first widget no sooner).

Cut from JupyterLab: the features no notebook uses, each of which one plugin loads on demand: mermaid diagrams
(with their layout engines), Vega outputs and the terminal. Their plugins are disabled in jupyter-lite.json
(``disabledExtensions``) and the chunks that only they load are left out (``prune_lazy_chunks``, about 5.8 MB).
A mermaid block in a Markdown cell then shows as code.

Exit status: 0 built; 1 build error; 3 a pinned download is neither cached nor downloadable (offline).
"""

from __future__ import annotations

import argparse
import email.parser
import hashlib
import io
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import pinned  # tools/pinned.py: the check of every pinned download and the policy for a bad file
from build_site import (  # tools/ is not a package
    AssetsUnavailableError,
    NpmAsset,
    SiteBuildError,
    fetch_npm_asset,
)

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
DEFAULT_OUT = ROOT / "lite"
DEFAULT_CACHE = pinned.cache_home() / "lite"
MARKER = ".folioviz-lite"  # written into the output; only a dir holding it (or an empty one) is replaced

PYODIDE_DIR = "static/pyodide"
PYODIDE_VERSION = "314.0.6"
PYODIDE = NpmAsset(
    name="pyodide",
    version=PYODIDE_VERSION,
    integrity="sha512-BKDTJyIqFxC4BExLqeRS3f5xvXZIjOt8C3zGLN/Cc7tFxSwvKVhVkchQQ2AGLOtR4YrVOIFxbV8poyDOOmWwxQ==",
    licence="MPL-2.0",
    # The ES module entry point, the runtime and the standard library; pyodide-lock.json only for its "info".
    # Left out: pyodide.js (the classic-script twin of pyodide.mjs), source maps, type declarations, consoles.
    files=(
        (r"package/pyodide\.mjs", PYODIDE_DIR),
        (r"package/pyodide\.asm\.mjs", PYODIDE_DIR),
        (r"package/pyodide\.asm\.wasm", PYODIDE_DIR),
        (r"package/python_stdlib\.zip", PYODIDE_DIR),
        (r"package/pyodide-lock\.json", PYODIDE_DIR),
    ),
)
# Pyodide 314's ABI, as its lock's "info" names it and PyPI's wasm wheel tags spell it.
PYODIDE_PLATFORM = "pyemscripten_2026_0_wasm32"
PYTHON_VERSION = "3.14"


@dataclass(frozen=True)
class Wheel:
    """One wheel from PyPI, pinned by version and sha256."""

    name: str
    version: str
    sha256: str
    filename: str


# The wheels' pins live in tools/lite-wheels.txt (pip's hash-checking format; see the comments there).
WHEELS_FILE = Path(__file__).resolve().parent / "lite-wheels.txt"
_PIN = re.compile(
    r"^(?P<name>[A-Za-z0-9._-]+)==(?P<version>\S+)\s+--hash=sha256:(?P<sha>[0-9a-f]{64})\s+#\s*(?P<file>\S+\.whl)"
)


def read_wheels(path: Path = WHEELS_FILE) -> tuple[Wheel, ...]:
    """The pinned wheels of ``path``: one ``name==version --hash=sha256:HEX  # FILE.whl`` per line."""
    wheels = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _PIN.match(line.strip())
        if not match:
            raise LiteBuildError(f"{path.name}:{number}: expected 'name==version --hash=sha256:HEX  # file.whl'")
        wheels.append(Wheel(match["name"], match["version"], match["sha"], match["file"]))
    return tuple(wheels)


# The kernel's own wheels, as jupyterlite-pyodide-kernel (pinned in tools/lite-build-requirements.txt) ships them.
KERNEL_EXTENSION = "@jupyterlite/pyodide-kernel-extension"
KERNEL_WHEELS = {
    "piplite-0.8.6-py3-none-any.whl": "9628f2b38154d960c12e4844b4f1aaf496156e19ba7081f0a300971fadc80f60",
    "pyodide_kernel-0.8.6-py3-none-any.whl": "edee0de1587d27f02e3c612f0de9ea84e30febb2eafd1d87e958ba8f3cdd8348",
    "ipykernel-6.9.2-py3-none-any.whl": "8447aa1ccb644458ce5a9af98745155fdfa693f68dd71cee1d721c6278583391",
    "widgetsnbextension-4.0.999-py3-none-any.whl": "039c50f98888362a78424addc7eef90e2051f9736c4c800b2cca11686af925fc",
}

# Files cut from wheels after their hash is checked (the lock carries the slimmed wheel's sha256):
# the front-end halves (the site serves each labextension once, from extensions/), FigureWidget's bundle
# (folioviz uses plain figures) and plotly's sample data sets.
SLIM = {
    "plotly": (
        r"plotly-[^/]+\.data/data/share/.*",
        r"plotly/labextension/.*",
        # plotly.js itself: the site's plotly labextension draws the figures; folioviz's figures display their
        # own mime bundle (FolioFigure), so the kernel never builds plotly's HTML repr, which embeds this file.
        r"plotly/package_data/plotly\.min\.js",
        r"plotly/package_data/widgetbundle\.js",
        r"plotly/package_data/datasets/.*",
    ),
    "anywidget": (r"anywidget-[^/]+\.data/data/share/.*", r"anywidget/(nbextension|labextension)/.*"),
    "ipywidgets": (r"ipywidgets/tests/.*", r"ipywidgets/widgets/tests/.*"),
}

# Packages the kernel needs before its first cell: fetched in parallel while Pyodide boots.
# (The kernel installs each of ipykernel, comm, pyodide-kernel, jedi and ipython one after another unless listed.)
PREFETCH = ("micropip", "piplite", "ipykernel", "comm", "pyodide-kernel", "jedi", "ipython", "widgetsnbextension")

# Front-end extensions copied into the site (from the build environment's share/jupyter/labextensions).
LABEXTENSIONS = (KERNEL_EXTENSION, "@jupyter-widgets/jupyterlab-manager", "anywidget", "jupyterlab-plotly")

# JupyterLab features no notebook of the workbook uses, each loaded lazily (webpack chunks) by one plugin: the
# plugins are disabled in jupyter-lite.json and the chunks only they load are left out of build/
# (prune_lazy_chunks). A feature's loading code is found by a marker: text within LAZY_WINDOW characters of the
# chunk load, or the name of the shared package (module federation) that the load provides.
DISABLED_EXTENSIONS = (
    "@jupyterlab/mermaid-extension",  # mermaid diagrams in Markdown cells, with their layout engines
    "@jupyterlab/vega5-extension",  # Vega / Vega-Lite outputs
    "@jupyterlab/terminal-extension",  # terminals (xterm.js): the browser kernel has no terminal to offer
)
LAZY_FEATURES: dict[str, re.Pattern[str]] = {
    "mermaid": re.compile(r"ensureMermaid"),
    "terminal": re.compile(r"FitAddon"),
}
LAZY_SHARED: dict[str, frozenset[str]] = {"vega": frozenset({"vega", "vega-embed", "vega-lite"})}
LAZY_WINDOW = 400

# A URL with a host (http://, https:// or protocol-relative //) unless that host is exactly 127.0.0.1, localhost or
# [::1]: localhost.evil.example, 127.0.0.1.nip.io and localhost@evil.example are other sites.
CDN_PATTERN = re.compile(
    r"(?:https?:)?//(?!(?:127\.0\.0\.1|localhost|\[::1\])(?:[:/\"'\s]|$))[A-Za-z0-9\[][^\s\"'<>]*", re.I
)


class LiteBuildError(SiteBuildError):
    pass


# ------------------------------------------------------------------------------------------------ wheels


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fetch_wheels(wheels: Sequence[Wheel], cache_dir: Path, pip: Sequence[str]) -> dict[str, Path]:
    """The pinned wheels in ``cache_dir/wheels``, downloaded with pip when missing, each checked by sha256."""
    wheel_dir = pinned.cache_dir(cache_dir / "wheels", LiteBuildError)
    # a cached wheel that does not match its pin (cut short, changed) is removed here and fetched again below
    missing = [wheel for wheel in wheels if not pinned.reuse(wheel_dir / wheel.filename, wheel.sha256)]
    if missing:
        with tempfile.TemporaryDirectory(dir=wheel_dir, prefix=".pip-download-") as scratch:
            reqs = Path(scratch) / "requirements.txt"
            reqs.write_text("".join(f"{w.name}=={w.version} --hash=sha256:{w.sha256}\n" for w in missing))
            cmd = [*pip, "download", "--no-deps", "--only-binary=:all:", "--require-hashes", "--quiet"]
            cmd += ["--python-version", PYTHON_VERSION, "--implementation", "cp", "--abi", "cp314"]
            cmd += ["--platform", PYODIDE_PLATFORM, "--platform", "any", "-d", scratch, "-r", str(reqs)]
            try:
                done = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)
            except subprocess.TimeoutExpired:
                raise AssetsUnavailableError("pip download timed out after 600 s (offline?)") from None
            if done.returncode != 0:
                tail = "\n    ".join((done.stderr or done.stdout).strip().splitlines()[-6:])
                raise AssetsUnavailableError(
                    f"pip download of {len(missing)} pinned wheel(s) failed (exit {done.returncode}); "
                    f"is the package index reachable?\n    {tail}\n"
                    f"Or place the wheels in {wheel_dir}."
                )
            for wheel in missing:
                got = Path(scratch) / wheel.filename
                if not got.is_file():
                    raise LiteBuildError(f"pip download did not produce {wheel.filename}")
                pinned.check(got, wheel.sha256, "just downloaded", LiteBuildError)
                os.replace(got, wheel_dir / wheel.filename)
        print(f"fetched {len(missing)} wheel(s) into {wheel_dir} (sha256 verified)")
    return {w.name: wheel_dir / w.filename for w in wheels}


def _zip_bytes(entries: Iterable[tuple[str, bytes]]) -> bytes:
    """A wheel (zip) with fixed timestamps and order, so the same input gives the same sha256."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=(2020, 2, 2, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            out.writestr(info, data)
    return buf.getvalue()


def slim_wheel(source: Path, target: Path, patterns: Sequence[str]) -> int:
    """Copy ``source`` to ``target`` without the members matching ``patterns`` (RECORD updated); files cut."""
    cut = [re.compile(p) for p in patterns]
    entries: list[tuple[str, bytes]] = []
    removed: set[str] = set()
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
            entries.append((info.filename, whl.read(info)))
        record = whl.read(record_name).decode() if record_name else ""
    if record_name:
        kept = [line for line in record.splitlines() if line and line.split(",", 1)[0] not in removed]
        entries.append((record_name, ("\n".join(kept) + "\n").encode()))
    target.write_bytes(_zip_bytes(entries))
    return len(removed)


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


def write_lock(pyodide_dir: Path, wheel_files: Sequence[Path]) -> dict[str, Any]:
    """Rewrite ``pyodide_dir/pyodide-lock.json`` to list exactly ``wheel_files``; returns the lock."""
    original = json.loads((pyodide_dir / "pyodide-lock.json").read_text())
    metas = {path: wheel_metadata(path) for path in wheel_files}
    shipped = {canonical(name) for name, *_ in metas.values()}
    packages: dict[str, Any] = {}
    dropped: dict[str, list[str]] = {}
    for path, (name, version, requires, imports) in sorted(metas.items(), key=lambda kv: canonical(kv[1][0])):
        depends, drop = _depends(requires, shipped)
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


# ------------------------------------------------------------------------------------------------- build


def lite_config(prefetch: Sequence[str]) -> dict[str, Any]:
    """jupyter-lite.json for the lite dir: local Pyodide, no PyPI fallback, the kernel's packages prefetched."""
    pyodide_url = f"./{PYODIDE_DIR}/pyodide.mjs"
    return {
        "jupyter-lite-schema-version": 0,
        "jupyter-config-data": {
            "appName": "folioviz (in the browser)",
            "defaultKernelName": "python",
            "disabledExtensions": list(DISABLED_EXTENSIONS),
            "litePluginSettings": {
                f"{KERNEL_EXTENSION}:kernel": {
                    "pyodideUrl": pyodide_url,
                    "disablePyPIFallback": True,
                    "loadPyodideOptions": {
                        "lockFileURL": f"./{PYODIDE_DIR}/pyodide-lock.json",
                        "packages": list(prefetch),
                        # plotly's renderer: the mime bundle JupyterLab's plotly extension draws (its automatic
                        # choice in this kernel would also embed plotly.js as HTML).
                        "env": {"HOME": "/home/pyodide", "PLOTLY_RENDERER": "plotly_mimetype"},
                    },
                }
            },
        },
    }


def prune_font_twins(build: Path) -> int:
    """Remove the .eot/.ttf/.svg/.woff copies of every font that also ships as .woff2; returns bytes cut."""
    cut = 0
    for woff2 in build.rglob("*.woff2"):
        for ext in (".eot", ".ttf", ".svg", ".woff"):
            twin = woff2.with_suffix(ext)
            if twin.is_file():
                cut += twin.stat().st_size
                twin.unlink()
    return cut


_CHUNK_LOAD = re.compile(r"\b[\w$]+\.e\((\d+)\)")  # webpack's __webpack_require__.e(id), minified or not
_CHUNK_FILE = re.compile(r"(\d+)\.[0-9a-f]+\.js")
_SHARED_NAME = re.compile(r'(?:name|shareKey):"([^"]+)"')


def _lazy_feature(text: str, at: int) -> str | None:
    """The LAZY_FEATURES / LAZY_SHARED feature whose code loads a chunk at ``text[at]``, if any."""
    names = _SHARED_NAME.findall(text, max(0, at - LAZY_WINDOW), at)
    if names:
        for feature, packages in LAZY_SHARED.items():
            if names[-1] in packages:
                return feature
    window = text[max(0, at - LAZY_WINDOW) : at + LAZY_WINDOW]
    for feature, marker in LAZY_FEATURES.items():
        if marker.search(window):
            return feature
    return None


def prune_lazy_chunks(build: Path) -> dict[str, int]:
    """Remove the chunks of ``build`` that only the LAZY_FEATURES / LAZY_SHARED code loads; bytes cut by feature.

    The chunk graph: every ``X.e(<id>)`` in a file is an edge to chunk ``<id>`` (``<id>.<hash>.js``, or the
    ``jlab_core`` chunk that the runtime names). A chunk is removed when build/lab/bundle.js reaches it only
    through a feature's edges. Any chunk reached some other way, or not reached at all (loaded some way this
    does not model), stays. Every feature must be found: a JupyterLab that changed fails the build here.
    """
    entry = build / "lab" / "bundle.js"
    if not entry.is_file():
        raise LiteBuildError(f"{entry} missing: not a JupyterLab build")
    files = {path: path.read_text(errors="replace") for path in [entry, *build.glob("*.js")]}
    chunk_file: dict[int, Path] = {}
    for path in files:
        match = _CHUNK_FILE.fullmatch(path.name)
        if match:
            chunk_file[int(match[1])] = path
    core = re.search(r"(\d+)===e\?\"jlab_core\"", files[entry])
    cores = sorted(build.glob("jlab_core.*.js"))
    if core and cores:
        chunk_file[int(core[1])] = cores[0]
    edges: dict[Path, list[tuple[int, str | None]]] = {
        path: [(int(m[1]), _lazy_feature(text, m.start())) for m in _CHUNK_LOAD.finditer(text)]
        for path, text in files.items()
    }

    def reached(skip: frozenset[str]) -> set[Path]:
        seen: set[Path] = set()
        todo = [entry]
        while todo:
            path = todo.pop()
            if path in seen:
                continue
            seen.add(path)
            todo += [chunk_file[c] for c, feature in edges.get(path, []) if feature not in skip and c in chunk_file]
        return seen

    features = frozenset(LAZY_FEATURES) | frozenset(LAZY_SHARED)
    found = {feature for targets in edges.values() for _, feature in targets if feature}
    if found != features:
        raise LiteBuildError(
            f"JupyterLab's build changed: no chunk load found for {', '.join(sorted(features - found))}; "
            "update LAZY_FEATURES / LAZY_SHARED in tools/build_lite.py"
        )
    everything = reached(frozenset())
    kept = reached(features)
    cut: dict[str, int] = {}
    for feature in sorted(features):
        only = everything - reached(frozenset({feature}))
        cut[feature] = sum(p.stat().st_size for p in only - kept)
    for path in everything - kept:
        path.unlink()
    return cut


def drop_unreferenced_bundles(extensions: Path) -> int:
    """Remove an extension's ``<name>.<hash>.js`` that no other file of it names (by its hash); bytes cut.

    JupyterLab loads an extension from its remoteEntry, which loads its chunks by their hashes; a bundle whose
    hash appears nowhere (anywidget ships its standalone ``main`` bundle too) is never fetched.
    """
    cut = 0
    for static in sorted(extensions.glob("**/static")):
        bundles = [p for p in static.glob("*.js") if re.fullmatch(r"[\w-]+\.[0-9a-f]{8,}\.js", p.name)]
        texts = {p: p.read_text(errors="replace") for p in static.rglob("*") if p.is_file() and p.suffix == ".js"}
        meta = static.parent / "package.json"
        texts[meta] = meta.read_text() if meta.is_file() else ""
        for bundle in bundles:
            digest = bundle.name.split(".")[-2]
            if bundle.name.startswith("remoteEntry.") or any(digest in t for p, t in texts.items() if p != bundle):
                continue
            cut += bundle.stat().st_size
            bundle.unlink()
    return cut


def slim_favicon(path: Path, largest: int = 48) -> int:
    """Keep only the images of an .ico up to ``largest`` pixels (a tab shows 16-32); returns bytes cut."""
    data = path.read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", data)
    if reserved != 0 or kind != 1:
        return 0
    entries = [struct.unpack_from("<BBBBHHII", data, 6 + 16 * i) for i in range(count)]
    keep = [e for e in entries if 0 < e[0] <= largest and 0 < e[1] <= largest]
    if not keep or len(keep) == count:
        return 0
    head = struct.pack("<HHH", 0, 1, len(keep))
    offset = 6 + 16 * len(keep)
    table, images = b"", b""
    for w, h, colours, res, planes, bits, size, at in keep:
        table += struct.pack("<BBBBHHII", w, h, colours, res, planes, bits, size, offset + len(images))
        images += data[at : at + size]
    path.write_bytes(head + table + images)
    return len(data) - path.stat().st_size


def stage_labextensions(jupyter: Path, target: Path) -> list[str]:
    """Copy the wanted labextensions from the build environment into ``target`` (so nothing else is taken)."""
    share = jupyter.absolute().parent.parent / "share" / "jupyter" / "labextensions"
    found = []
    for name in LABEXTENSIONS:
        source = share / name
        if not (source / "package.json").is_file():
            raise LiteBuildError(f"labextension {name} is not installed in {share}; run `make lite` to set it up")
        shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("*.map"))
        version = json.loads((source / "package.json").read_text())["version"]
        found.append(f"{name} {version}")
    return found


def kernel_wheels(staged_ext: Path, target_dir: Path) -> list[Path]:
    pypi = staged_ext / KERNEL_EXTENSION / "static" / "pypi"
    out = []
    for filename, pin in KERNEL_WHEELS.items():
        path = pypi / filename
        if not path.is_file():
            raise LiteBuildError(f"{path} missing: is jupyterlite-pyodide-kernel the pinned version?")
        pinned.check(path, pin, "jupyterlite-pyodide-kernel's own wheel", LiteBuildError)
        out.append(Path(shutil.copy2(path, target_dir / filename)))
    return out


def external_urls(text: str) -> list[str]:
    return CDN_PATTERN.findall(text)


def schema_defaults(node: Any) -> list[Any]:
    """Every ``default`` value in a JSON schema (the settings a kernel gets when the config says nothing)."""
    found = []
    if isinstance(node, dict):
        if "default" in node:
            found.append(node["default"])
        for value in node.values():
            found += schema_defaults(value)
    elif isinstance(node, list):
        for value in node:
            found += schema_defaults(value)
    return found


def _config_urls(out: Path) -> list[str]:
    """URLs off the site in any jupyter-lite.json, or in a default of the kernel's settings schemas."""
    problems = []
    configs = sorted(out.rglob("jupyter-lite.json"))
    if not configs:
        problems.append("no jupyter-lite.json")
    for config in configs:
        problems += [
            f"{config.relative_to(out).as_posix()} refers to {url}" for url in external_urls(config.read_text())
        ]
    for schema in sorted((out / "extensions" / KERNEL_EXTENSION).rglob("*.schema.json")):
        defaults = json.dumps(schema_defaults(json.loads(schema.read_text())))
        problems += [
            f"{schema.relative_to(out).as_posix()} has a default setting {url}" for url in external_urls(defaults)
        ]
    return problems


def _kernel_settings(out: Path) -> list[str]:
    """The kernel's settings: PyPI fallback off, Pyodide and the piplite index served by the site."""
    root = json.loads((out / "jupyter-lite.json").read_text())["jupyter-config-data"]
    settings = root.get("litePluginSettings", {}).get(f"{KERNEL_EXTENSION}:kernel", {})
    problems = [] if settings.get("disablePyPIFallback") is True else ["disablePyPIFallback is not true"]
    local = [*settings.get("pipliteUrls", []), settings.get("pyodideUrl", "")]
    for url in local:
        if not url.startswith("./") or not (out / url.split("?", 1)[0]).is_file():
            problems.append(f"{url!r} (kernel settings) is not a file in the site")
    return problems


def _lock_matches_wheels(out: Path) -> list[str]:
    problems = []
    lock = out / PYODIDE_DIR / "pyodide-lock.json"
    for name, pkg in json.loads(lock.read_text())["packages"].items():
        wheel = out / PYODIDE_DIR / pkg["file_name"]
        if "/" in pkg["file_name"] or not wheel.is_file():
            problems.append(f"lock entry {name}: {pkg['file_name']} is not a file in {PYODIDE_DIR}/")
        elif sha256_of(wheel) != pkg["sha256"]:
            problems.append(f"lock entry {name}: sha256 does not match {pkg['file_name']}")
    return problems


def check_config(out: Path) -> list[str]:
    """Problems with the site's configuration: any URL off the site, a CDN pyodideUrl, PyPI fallback on,
    a lock entry without its wheel."""
    return _config_urls(out) + _kernel_settings(out) + _lock_matches_wheels(out)


def _check_out(out: Path) -> None:
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MARKER).exists())):
        raise LiteBuildError(f"{out} is not empty and was not made by this builder ({MARKER} missing); not touching it")


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e5 else f"{n / 1e3:.0f} kB"


def stage_pyodide(
    tarball: Path, pyodide_dir: Path, pinned_wheels: Sequence[Wheel], fetched: dict[str, Path], exts: Path
) -> tuple[dict[str, Any], dict[str, int]]:
    """Pyodide's runtime, every wheel and the rewritten lock in ``pyodide_dir``; returns (lock, files slimmed)."""
    pyodide_dir.mkdir(parents=True)
    with tarfile.open(tarball) as tar:
        for member in tar.getmembers():
            if any(re.fullmatch(p, member.name) for p, _ in PYODIDE.files):
                data = tar.extractfile(member)
                assert data is not None
                (pyodide_dir / Path(member.name).name).write_bytes(data.read())
    wheels: list[Path] = []
    slimmed: dict[str, int] = {}
    for wheel in pinned_wheels:
        target = pyodide_dir / wheel.filename
        if wheel.name in SLIM:
            slimmed[wheel.name] = slim_wheel(fetched[wheel.name], target, SLIM[wheel.name])
        else:
            shutil.copy2(fetched[wheel.name], target)
        wheels.append(target)
    wheels += kernel_wheels(exts, pyodide_dir)
    wheels.append(build_folioviz_wheel(pyodide_dir))
    return write_lock(pyodide_dir, wheels), slimmed


def finish_site(site: Path) -> tuple[int, dict[str, int]]:
    """Trim and patch the built site in place; returns the bytes of fonts cut, and of chunks cut by feature."""
    # Fonts: every @font-face that lists a .woff2 lists it before its .eot/.ttf/.svg/.woff twins, and every
    # browser that runs JupyterLab takes the woff2; the twins are never fetched.
    fonts_cut = prune_font_twins(site / "build")
    # The code of the features whose plugins jupyter-lite.json disables (DISABLED_EXTENSIONS).
    chunks_cut = prune_lazy_chunks(site / "build")
    chunks_cut["unreferenced extension bundles"] = drop_unreferenced_bundles(site / "extensions")
    favicon = site / "lab" / "favicon.ico"
    if favicon.is_file():
        chunks_cut["favicon sizes over 48 px"] = slim_favicon(favicon)
    # The kernel's settings schema names Pyodide's CDN as the default pyodideUrl (jupyter-lite.json overrides
    # it); point the default at the site's own copy too, so no setting anywhere names a CDN.
    schema = site / "extensions" / KERNEL_EXTENSION / "static" / "schema" / "kernel.v0.schema.json"
    if schema.is_file():
        doc = json.loads(schema.read_text())
        doc["properties"]["pyodideUrl"]["default"] = f"./{PYODIDE_DIR}/pyodide.mjs"
        schema.write_text(json.dumps(doc, indent=2) + "\n")
    shutil.copy2(Path(__file__).with_name("serve_lite.py"), site / "serve.py")  # python3 serve.py
    (site / MARKER).write_text("made by tools/build_lite.py; the whole directory is replaced on every build\n")
    return fonts_cut, chunks_cut


def notice_text(
    pinned_wheels: Sequence[Wheel],
    slimmed: dict[str, int],
    extensions: Sequence[str],
    fonts_cut: int,
    chunks_cut: dict[str, int],
) -> str:
    notice = [
        "folioviz in the browser: where the shipped files came from.",
        f"static/pyodide/: npm {PYODIDE.spec} ({PYODIDE.licence}), integrity {PYODIDE.integrity}",
    ]
    for wheel in pinned_wheels:
        how = f", slimmed ({slimmed[wheel.name]} files cut)" if wheel.name in slimmed else ""
        notice.append(f"  {wheel.filename}: PyPI, sha256 {wheel.sha256}{how}")
    notice += [f"  {name}: jupyterlite-pyodide-kernel, sha256 {sha}" for name, sha in KERNEL_WHEELS.items()]
    notice.append("  folioviz-*.whl: built from this repository")
    notice.append("extensions/: " + ", ".join(extensions))
    notice.append(f"build/: JupyterLab (the lab app); {fonts_cut / 1e6:.1f} MB of non-woff2 font copies left out")
    notice.append(
        "  left out (the code of the features disabled in jupyter-lite.json; files never fetched): "
        + ", ".join(f"{feature} ({_size(size)})" for feature, size in sorted(chunks_cut.items()))
    )
    return "\n".join(notice) + "\n"


def run_jupyter_lite(jupyter: Path, work: Path, lite_dir: Path, contents: Path, exts: Path, site: Path) -> None:
    cmd = [str(jupyter), "lite", "build", "--lite-dir", str(lite_dir), "--output-dir", str(site)]
    cmd += ["--contents", str(contents), "--apps", "lab", "--no-sourcemaps", "--no-unused-shared-packages"]
    cmd += ["--ignore-sys-prefix", f"--FederatedExtensionAddon.extra_labextensions_path={exts}"]
    done = subprocess.run(cmd, cwd=work, capture_output=True, text=True, check=False, timeout=900)
    if done.returncode != 0:
        raise LiteBuildError(f"jupyter lite build failed:\n{(done.stderr or done.stdout)[-4000:]}")


def build_lite(out: Path, cache_dir: Path, jupyter: Path) -> dict[str, Any]:
    started = time.monotonic()
    _check_out(out)
    tarball = fetch_npm_asset(PYODIDE, cache_dir)
    pinned_wheels = read_wheels()
    fetched = fetch_wheels(pinned_wheels, cache_dir, [sys.executable, "-m", "pip"])
    notebooks = sorted(NOTEBOOKS.glob("*.ipynb"))
    if not notebooks:
        raise LiteBuildError(f"no notebooks in {NOTEBOOKS}")

    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}-building-"))
    try:
        lite_dir, contents, exts, site = work / "lite-dir", work / "contents", work / "labextensions", work / "out"
        for d in (lite_dir, contents, exts):
            d.mkdir()
        extensions = stage_labextensions(jupyter, exts)
        for nb in notebooks:
            shutil.copy2(nb, contents / nb.name)
        # Pyodide's runtime and the wheels go in the lite dir's static/ (copied to the site as they are).
        lock, slimmed = stage_pyodide(tarball, lite_dir / PYODIDE_DIR, pinned_wheels, fetched, exts)
        prefetch = [p for p in PREFETCH if p in lock["packages"]]
        (lite_dir / "jupyter-lite.json").write_text(json.dumps(lite_config(prefetch), indent=2) + "\n")
        run_jupyter_lite(jupyter, work, lite_dir, contents, exts, site)
        fonts_cut, chunks_cut = finish_site(site)
        notice = notice_text(pinned_wheels, slimmed, extensions, fonts_cut, chunks_cut)
        (site / "NOTICE-folioviz.txt").write_text(notice)
        problems = check_config(site)
        if problems:
            raise LiteBuildError("the built site is not self-contained:\n  " + "\n  ".join(problems))
        _check_out(out)
        if out.exists():
            shutil.rmtree(out)
        os.replace(site, out)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    files = [p for p in out.rglob("*") if p.is_file()]
    by_dir: dict[str, int] = {}
    for p in files:
        top = p.relative_to(out).parts[0]
        by_dir[top] = by_dir.get(top, 0) + p.stat().st_size
    return {
        "out": out,
        "files": len(files),
        "bytes": sum(by_dir.values()),
        "by_dir": by_dir,
        "notebooks": [nb.name for nb in notebooks],
        "packages": sorted(lock["packages"]),
        "dropped": lock["_dropped"],
        "extensions": extensions,
        "chunks_cut": chunks_cut,
        "seconds": time.monotonic() - started,
    }


def report(summary: dict[str, Any]) -> str:
    lines = [
        f"built {summary['out']}/ in {summary['seconds']:.1f} s: {_size(summary['bytes'])}, {summary['files']} files"
    ]
    for top, size in sorted(summary["by_dir"].items(), key=lambda kv: -kv[1]):
        lines.append(f"  {top:28} {_size(size):>9}")
    lines.append(f"  notebooks: {', '.join(summary['notebooks'])}")
    lines.append(f"  wheels in the lock ({len(summary['packages'])}): {', '.join(summary['packages'])}")
    if summary["dropped"]:
        dropped = "; ".join(f"{k}: {', '.join(v)}" for k, v in sorted(summary["dropped"].items()))
        lines.append(f"  declared dependencies not shipped (not needed in the browser): {dropped}")
    lines.append(f"  extensions: {', '.join(summary['extensions'])}")
    cut = ", ".join(f"{feature} {_size(size)}" for feature, size in sorted(summary["chunks_cut"].items()))
    lines.append(f"  left out (disabled features' code; files never fetched): {cut}")
    lines.append("serve it: make lite-serve")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory (default: lite/)")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE, help=f"download cache ({DEFAULT_CACHE})")
    parser.add_argument(
        "--jupyter", type=Path, default=ROOT / ".venv-lite" / "bin" / "jupyter", help="the build env's jupyter"
    )
    args = parser.parse_args(argv)
    try:
        summary = build_lite(args.out.resolve(), args.cache_dir, args.jupyter.absolute())
    except SiteBuildError as exc:
        print(f"build_lite: error: {exc}", file=sys.stderr)
        return exc.exit_code
    print(report(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
