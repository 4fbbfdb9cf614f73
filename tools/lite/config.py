"""What the lite site is made of (Pyodide, the wheels' pins, the extensions kept and disabled), its
JupyterLite config, and the checks of a built site's config."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tools import pinned
from tools.pinned import BuildError, DownloadUnavailableError, NpmAsset, Wheel

ROOT = Path(__file__).resolve().parents[2]
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
# The first four bytes of every pyc this Python writes (importlib.util.MAGIC_NUMBER of Pyodide 314.0.6's CPython
# 3.14.2) and its cache tag: the bytecode step stops the build if the Pyodide it runs says otherwise.
PYC_MAGIC = bytes.fromhex("2b0e0d0a")
PYC_CACHE_TAG = "cpython-314"


# The wheels' pins live in tools/lite-wheels.txt (pip's hash-checking format; see the comments there).
WHEELS_FILE = ROOT / "tools" / "lite-wheels.txt"
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
        # plotly.js itself: the site's own renderer (PLOTLY_EXTENSION) draws the figures; folioviz's figures display
        # their own mime bundle (FolioFigure), so the kernel never builds plotly's HTML repr, which embeds this file.
        r"plotly/package_data/plotly\.min\.js",
        r"plotly/package_data/widgetbundle\.js",
        r"plotly/package_data/datasets/.*",
    ),
    "anywidget": (r"anywidget-[^/]+\.data/data/share/.*", r"anywidget/(nbextension|labextension)/.*"),
    "ipywidgets": (r"ipywidgets/tests/.*", r"ipywidgets/widgets/tests/.*"),
    # Parts of IPython for other places than a browser kernel (none is imported by the kernel or a notebook: the
    # bytecode step would fail on a missing one): IPython's Sphinx extension and the plugins of its own test suite, the
    # terminal's event-loop hooks for desktop GUI toolkits (Qt, GTK, Tk, wx, macOS, GLUT, pyglet; the kernel has its
    # own), and its terminal shell (prompt_toolkit's: the site ships neither prompt_toolkit nor wcwidth), whose modules
    # are stand-ins that say so (STAND_INS). The kernel imports IPython.terminal's package and its pt_inputhooks' list.
    "ipython": (
        r"IPython/sphinxext/.*",
        r"IPython/testing/plugin/.*",
        r"IPython/terminal/pt_inputhooks/(?:glut|gtk\d?|osx|pyglet|qt|tk|wx)\.py",
        r"IPython/terminal/(?!__init__\.py$|pt_inputhooks/).*",
    ),
}

# Modules cut from a wheel and replaced by a stand-in whose import raises ModuleNotFoundError saying the module is not
# in the browser build, and why (tools/lite/cuts.py module_stand_in): {project: {member: why}}. IPython's terminal
# shell (IPython.embed, the terminal debugger, TerminalInteractiveShell...) needs a terminal, which a browser kernel
# does not have, and prompt_toolkit; IPython's __init__ imports it only when IPython.embed is asked for
# (tools/lite/patches.py), and the kernel's own debugger (%debug) is IPython.core.debugger's.
_NO_TERMINAL = "the browser kernel has no terminal, and IPython's terminal shell (prompt_toolkit) is not shipped"
STAND_INS = {
    "ipython": {
        **{
            f"IPython/terminal/{module}.py": _NO_TERMINAL
            for module in ("embed", "interactiveshell", "ipapp", "debugger", "magics", "prompts", "ptutils")
        },
        "IPython/terminal/shortcuts/__init__.py": _NO_TERMINAL,
    }
}

# narwhals (plotly's validators import it to read data frames): the code for each data-frame library (pandas,
# polars, pyarrow, dask, duckdb, ibis, PySpark/SQLFrame) loads only when an object of that library is passed, and the
# site ships none of them (nor can a cell install one: the PyPI fallback is off); its testing helpers too.
SLIM["narwhals"] = (
    r"narwhals/_(?:pandas_like|arrow|polars|spark_like|dask|duckdb|ibis|sql)/.*",
    r"narwhals/testing/.*",
)

# plotly's Python package in the browser build keeps only the trace types of PLOTLY_TRACES, the ones the site's
# plotly.js draws (tools/lite/plotly_slim.py). The others, and the layout's subplot kinds only they use, are cut to
# stand-ins that say so when used.
PLOTLY_SUBPLOTS_CUT = ("scene", "geo", "map", "polar", "smith")

# Pyodide's standard library zip, cut (tools/lite/cuts.py; the build refuses to cut a module the kernel or a notebook
# imports). The codecs kept: UTF-8/16/32, ASCII, Latin-1, cp437 (zip file names), cp1252 (IPython's fallback) and the
# binary ones; the ~90 of legacy code pages and East Asian encodings go (``"x".encode("koi8_r")`` then says
# ``unknown encoding``). And the modules that cannot run in a browser, each cut to a stand-in that says so.
STDLIB_KEPT_CODECS = (
    *("__init__", "aliases", "ascii", "latin_1", "charmap", "undefined", "idna", "punycode"),
    *("utf_8", "utf_8_sig", "utf_7", "utf_16", "utf_16_be", "utf_16_le", "utf_32", "utf_32_be", "utf_32_le"),
    *("unicode_escape", "raw_unicode_escape", "base64_codec", "hex_codec", "zlib_codec", "bz2_codec"),
    *("quopri_codec", "uu_codec", "rot_13", "cp437", "cp1252"),
)
_NO_PROCESSES = "a browser gives Python no processes"
_NO_SOCKETS = "a browser gives Python no sockets to talk to a server or serve one"
# Python's interactive prompt (_pyrepl): the parts pydoc's pager and pdb's colouring import stay (the build refuses to
# cut an imported module), the prompt itself goes. The pure-Python twins of io and datetime, which Python uses only
# where their C modules are missing (Pyodide has them), and the pickle disassembler go too (0.13 MB together).
_NO_PROMPT = "a browser kernel has no terminal for Python's own interactive prompt"
_PYREPL_PROMPT = (
    *("__main__", "_module_completer", "_threading_handler", "base_eventqueue", "commands", "completing_reader"),
    *("console", "fancy_termios", "historical_reader", "input", "keymap", "main", "reader", "readline"),
    *("simple_interact", "terminfo", "unix_console", "unix_eventqueue", "windows_console", "windows_eventqueue"),
)
STDLIB_CUT = {
    "multiprocessing": _NO_PROCESSES,
    "concurrent.futures.process": _NO_PROCESSES,
    **dict.fromkeys(("wsgiref", "xmlrpc", "imaplib", "smtplib", "ftplib", "poplib"), _NO_SOCKETS),
    **{f"_pyrepl.{module}": _NO_PROMPT for module in _PYREPL_PROMPT},
    "_pyio": "Python uses io's C implementation, which this build has",
    "_pydatetime": "Python uses datetime's C implementation, which this build has",
    "pickletools": "pickle works, but its disassembler is left out to keep the site small",
}

# pygments' lexers the kernel keeps (with every lexer module they import, found when the wheel is slimmed): the
# ones IPython and ipython-pygments-lexers import (Python, IPython's own, shell, HTML, JavaScript, Ruby, Perl, TeX)
# and the languages of the workbook's text (C, diffs, plain text, JSON). The other ~240 lexer modules (three
# quarters of the wheel) are left out and dropped from pygments' lexer table too, so asking for one of their
# languages raises pygments' own ClassNotFound, as for any unknown language. JupyterLab highlights cells and
# Markdown with its own (CodeMirror) modes, not with pygments.
PYGMENTS_LEXERS = (
    *("python", "shell", "html", "javascript", "ruby", "perl", "markup"),  # IPython's
    *("c_cpp", "diff", "special", "data"),  # C, diffs, plain text, JSON
)

# The size budget of the built site: every file on disk, uncompressed (the site is served as it is; a server that
# compresses sends about half). tests/lite holds the build to it, so that a change that adds megabytes (an unslimmed
# wheel, a new extension, source maps) fails a test instead of passing unseen. Issue 22 asks for 30 MB; the site
# weighed 28.6 MB on 2026-12-07 (from 42.0 MB: plotly.js's cartesian bundle in its own renderer, plotly, narwhals,
# the standard library and IPython slimmed, no jedi or prompt_toolkit, bytecode without column ranges, JupyterLab's
# unused plugins and languages cut, the notebooks without stored outputs); this leaves 0.9 MB for the workbook's own
# growth and stays under the 30 MB. Lower it as the site gets smaller.
SITE_BUDGET_BYTES = 29_500_000

# Bytecode at build time (tools/lite/bytecode.py): the modules the kernel imports (these, then its IPython shell)
# and those every code cell of the workbook's notebooks imports are shipped compiled (782 of the wheels' 2527
# modules on 2026-12-07; the others, never imported by the workbook, stay source: compiling them all would add
# 5.6 MB to the site).
BYTECODE_IMPORTS = (
    *("pyodide_kernel", "ipykernel", "comm", "piplite", "micropip", "IPython"),
    *("ipywidgets", "anywidget", "plotly.graph_objects"),
)
# Projects whose sources ship beside their bytecode (tracebacks and ?? show their lines); the others ship .pyc only.
BYTECODE_KEEP_SOURCE = ("folioviz",)

# Dependencies left out of a package's ``depends`` in the site's lock (they stay in the lock): Pyodide then does not
# install them with the package when a cell imports it, and folioviz's SiteWheelFinder (folioviz/browser.py) installs
# them when a module first imports them. plotly, with narwhals and packaging (4.7 MB of wheels, 21 MB unpacked; a
# quarter of the kernel's work before notebook 01's first widget), is needed by the figures only: notebooks 00 and
# 01 draw none, and a notebook with figures installs it at its first figure's import instead of its first cell.
DEFERRED = {"folioviz": ("plotly",)}

# Packages the kernel needs before its first cell: fetched in parallel while Pyodide boots.
# (The kernel installs each of ipykernel, comm, pyodide-kernel and ipython one after another unless listed; it listed
# jedi too, which the site does not ship: tools/lite/patches.py worker_without_jedi.)
PREFETCH = ("micropip", "piplite", "ipykernel", "comm", "pyodide-kernel", "ipython", "widgetsnbextension")

# Front-end extensions copied into the site (from the build environment's share/jupyter/labextensions).
# jupyterlab-plotly is not among them: its one chunk bundles the full plotly.js (4.8 MB); the site's own renderer
# (PLOTLY_EXTENSION) draws the figures instead.
LABEXTENSIONS = (KERNEL_EXTENSION, "@jupyter-widgets/jupyterlab-manager", "anywidget")
# Extensions this repository writes for the site, copied from tools/lite/labextensions/ (no build step).
OWN_LABEXTENSIONS = ROOT / "tools" / "lite" / "labextensions"
LEFT_OUT_LABEXTENSIONS = ("jupyterlab-plotly",)  # check_config fails if one is in the site
# The site's early start of the kernel of the notebook the URL names (tools/lite/labextensions/folioviz-early-kernel):
# its worker boots while JupyterLab starts, and the notebook's session adopts it (chunks.adopt_early_kernels).
EARLY_KERNEL_EXTENSION = "folioviz-early-kernel"

# The site's renderer of plotly figures (application/vnd.plotly.v1+json): tools/lite/labextensions/folioviz-plotly,
# with Plotly's official partial bundle of 2-D traces beside it (1.5 MB instead of the full plotly.js's 4.8 MB):
# PLOTLY_TRACES. A figure with another trace type (3-D, maps, polar, WebGL...) shows a message naming it.
# JupyterLab proper (make lab) keeps jupyterlab-plotly and the full plotly.js.
PLOTLY_EXTENSION = "folioviz-plotly"
PLOTLY_BUNDLE = "plotly-cartesian.min.js"
PLOTLY_JS = NpmAsset(
    name="plotly.js-cartesian-dist-min",
    version="4.1.1",  # the plotly.js of jupyterlab-plotly 7.1.0 (plotly==7.1.0 in tools/lite-wheels.txt)
    integrity="sha512-o8GrFeusncwBIxbBynRJpY4pkgVB6caM+JLpwrLYbbsO7dZ8FJ+SVN2Fr+L7kiG/Z6w4P5O0Jus/Qr5EefHVeg==",
    licence="MIT",
    files=((rf"package/{re.escape(PLOTLY_BUNDLE)}", f"{PLOTLY_EXTENSION}/static"),),
)
# The bundle's own sha256 (inside the pinned tarball): checked when it is staged and in the built site (check_config).
PLOTLY_BUNDLE_SHA256 = "79542150855a52c567260e3137095dbe2b744e6d702a5cabe67da246942fba7a"
# The trace types that bundle draws (its registry; tests/lite checks the site's Plotly registers exactly these), and
# the only ones the site's Python plotly keeps (PLOTLY_SUBPLOTS_CUT above).
PLOTLY_TRACES = (
    *("bar", "box", "contour", "heatmap", "histogram", "histogram2d", "histogram2dcontour"),
    *("image", "pie", "scatter", "scatterternary", "violin"),
)

# JupyterLab's plugins the site disables in jupyter-lite.json (a package name disables all its plugins): features no
# notebook of the workbook uses and a learner of it has no use for in the browser. The code JupyterLab loads on demand
# for some of them (webpack chunks) is left out of build/ (prune_lazy_chunks): a feature's loading code is found by a
# marker (a pattern; a chunk load within LAZY_WINDOW characters of a match belongs to the feature) or by the name of
# the shared package (module federation) that the load provides. The other plugins' code is part of the chunks
# JupyterLab loads at start and stays; disabled, they are not activated and their settings are not loaded.
DISABLED_EXTENSIONS = (
    "@jupyterlab/mermaid-extension",  # mermaid diagrams in Markdown cells, with their layout engines
    "@jupyterlab/vega5-extension",  # Vega / Vega-Lite outputs
    "@jupyterlab/terminal-extension",  # terminals (xterm.js): the browser kernel has no terminal to offer
    # LaTeX in Markdown ($...$): no notebook writes any, yet MathJax (1 MB of code) was loaded as each notebook
    # showed; math now shows as the text typed
    "@jupyterlab/mathjax-extension",
    "@jupyterlab/csvviewer-extension",  # CSV/TSV files as a grid: the site ships notebooks only
    "@jupyterlab/json-extension",  # application/json outputs and .json files as a tree (they show as text)
    "@jupyterlab/json-lines-extension",  # .jsonl files
    "@jupyterlab/javascript-extension",  # application/javascript outputs (nothing here displays any)
    "@jupyterlab/pdf-extension",  # PDF files and outputs
    "@jupyterlab/audio-extension",  # audio files
    "@jupyterlab/video-extension",  # video files
    "@jupyterlab/imageviewer-extension",  # image files (images in notebooks are drawn by the notebook itself)
    "@jupyterlab/htmlviewer-extension",  # .html files
    "@jupyterlab/inspector-extension",  # the contextual help panel (Shift+Tab's tooltip shows the same docstrings)
    # Language servers (code intelligence of a Jupyter server's LSP): the browser has none to connect to
    "@jupyterlab/lsp-extension",
    "@jupyterlab/notebook-extension:language-server",
    "@jupyterlab/fileeditor-extension:language-server",
    "@jupyterlite/application-extension:lsp-connection-manager",
)
LAZY_FEATURES: dict[str, re.Pattern[str]] = {
    "mermaid": re.compile(r"ensureMermaid"),
    "terminal": re.compile(r"FitAddon"),
    # MathJax's loader: one function that loads its 16 chunks, from its name to the typeset document it builds
    "mathjax": re.compile(r"ensureMathDocument=async function\(\)\{.{0,4000}?\.document\(window\.document", re.S),
}
LAZY_SHARED: dict[str, frozenset[str]] = {
    "vega": frozenset({"vega", "vega-embed", "vega-lite"}),
    "csv": frozenset({"@jupyterlab/csvviewer", "@lumino/datagrid"}),
    "json": frozenset({"react-json-tree"}),
}
LAZY_WINDOW = 400
# CodeMirror's languages (JupyterLab's language registry, EditorLanguageRegistry.getDefaultLanguages) the site keeps,
# by name: the code cells' Python, the Markdown cells' own language (ipythongfm, added beside this list) and the
# Markdown files', C and C++ (this workbook is about kernel C: a learner's ```c fence is highlighted; one parser,
# 0.1 MB, serves both), the JSON of settings and notebooks opened as text, the shell of a learner's ```bash fence,
# and a few of a few kB (LaTeX's code is part of the Markdown cells' anyway). Languages whose code ships anyway stay
# too (Markdown's own code loads HTML, CSS and JavaScript/TypeScript). The registry forgets the other 122 (Rust,
# PHP, Java, SQL, XML and the legacy modes: 0.7 MB of lazily loaded chunks; tools/lite/chunks.py prune_languages):
# a fence or a file in one of them shows as plain text, with nothing fetched. The notebooks' own fences are
# ```console and ```text (plain text either way).
KEPT_LANGUAGES = frozenset(
    {"Python", "ipython", "Markdown", "C", "C++", "JSON", "Shell", "diff", "YAML", "TOML", "sTeX", "LaTeX"}
)
# Files of build/ only a disabled feature asks for, by feature: MathJax's fonts (its @font-face rules stay in
# JupyterLab's style sheet, but a browser fetches a font only for text set in it, and only MathJax sets any).
FEATURE_ASSETS: dict[str, re.Pattern[str]] = {"mathjax": re.compile(r"MathJax_[\w-]+\.(?:woff2?|ttf|otf|eot|svg)")}

# A URL with a host (http://, https:// or protocol-relative //) unless that host is exactly 127.0.0.1, localhost or
# [::1]: localhost.evil.example, 127.0.0.1.nip.io and localhost@evil.example are other sites.
CDN_PATTERN = re.compile(
    r"(?:https?:)?//(?!(?:127\.0\.0\.1|localhost|\[::1\])(?:[:/\"'\s]|$))[A-Za-z0-9\[][^\s\"'<>]*", re.I
)


class LiteBuildError(BuildError):
    pass


class LiteAssetsUnavailableError(LiteBuildError, DownloadUnavailableError):
    """A pinned download is neither cached nor downloadable (offline): exit status 3."""


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


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


def _plotly_renderer(out: Path) -> list[str]:
    """The site's plotly renderer: folioviz-plotly loaded as a mime extension, with the pinned cartesian bundle
    and its licence beside it; jupyterlab-plotly (the full plotly.js) neither shipped nor loaded."""
    problems = []
    extensions = out / "extensions"
    root = json.loads((out / "jupyter-lite.json").read_text())["jupyter-config-data"]
    loaded = {ext.get("name"): ext for ext in root.get("federated_extensions", [])}
    for name in LEFT_OUT_LABEXTENSIONS:
        if name in loaded or (extensions / name).exists():
            problems.append(f"{name} is in the site; the site's own {PLOTLY_EXTENSION} draws its figures")
    if loaded.get(PLOTLY_EXTENSION, {}).get("mimeExtension") != "./mimeExtension":
        problems.append(f"jupyter-lite.json does not load {PLOTLY_EXTENSION} as a mime extension")
    static = extensions / PLOTLY_EXTENSION / "static"
    bundle = static / PLOTLY_BUNDLE
    if not bundle.is_file():
        problems.append(f"extensions/{PLOTLY_EXTENSION}/static/{PLOTLY_BUNDLE} is missing")
    elif sha256_of(bundle) != PLOTLY_BUNDLE_SHA256:
        problems.append(f"{bundle.relative_to(out).as_posix()} is not the pinned {PLOTLY_JS.spec} (sha256)")
    licences = static / "third-party-licenses.json"
    listed = json.loads(licences.read_text()).get("packages", []) if licences.is_file() else []
    if not any(p.get("name") == PLOTLY_JS.name and p.get("licenseId") == PLOTLY_JS.licence for p in listed):
        problems.append(f"{licences.relative_to(out).as_posix()} does not list {PLOTLY_JS.name}")
    return problems


def _early_kernel(out: Path) -> list[str]:
    """The early kernel start: folioviz-early-kernel loaded as an extension."""
    root = json.loads((out / "jupyter-lite.json").read_text())["jupyter-config-data"]
    loaded = {ext.get("name"): ext for ext in root.get("federated_extensions", [])}
    if loaded.get(EARLY_KERNEL_EXTENSION, {}).get("extension") != "./extension":
        return [f"jupyter-lite.json does not load {EARLY_KERNEL_EXTENSION} as an extension"]
    return []


def check_config(out: Path) -> list[str]:
    """Problems with the site's configuration: any URL off the site, a CDN pyodideUrl, PyPI fallback on,
    a lock entry without its wheel, the plotly renderer not the site's own with its pinned bundle, the early kernel
    start not loaded."""
    problems = _config_urls(out) + _kernel_settings(out) + _lock_matches_wheels(out) + _plotly_renderer(out)
    return problems + _early_kernel(out)
