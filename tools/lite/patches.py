"""Patches of the shipped wheels' sources, applied at build time for the kernel's start-up.

Each patch is a function from a member's bytes to its new bytes, listed in ``PATCHES`` by project and member; the
build passes them to ``slim_wheel`` (the RECORD and the lock's sha256 follow) before the bytecode step compiles the
result. A patch finds the exact text it replaces and stops the build if the text is not there once (a new pin's
layout), and its output must still compile.

``IPython/__init__.py`` (IPython 9.12) imports ``IPython.terminal.embed`` for one name, ``embed``: a terminal shell
that pulls prompt_toolkit, IPython's terminal debugger and its key bindings, about a quarter of ``import
pyodide_kernel`` in the browser, where no terminal exists and the kernel never embeds one. The patch resolves
``IPython.embed`` on first use instead (a module ``__getattr__``, PEP 562), so ``from IPython import embed`` and
``IPython.embed`` still import ``IPython.terminal.embed``, only then. (The site ships no prompt_toolkit: that module
is a stand-in saying the browser kernel has no terminal, config.STAND_INS.)

``ipywidgets/widgets/widget.py`` (ipywidgets 8.1) keeps four deprecated class attributes (``Widget.widgets``...)
that warn unless read by traitlets' own class set-up, which it recognises by comparing the reading frame's file,
``co_filename``, with ``inspect.getfile(HasTraits)``. The site ships traitlets as bytecode only: its module file is
``traitlets.pyc`` while its code objects say ``traitlets.py``, so the test never matches and every widget class
(111 at ``import ipywidgets``) raises four DeprecationWarnings, each walking the stack through ``pathlib``: a fifth
of notebook 01's first cell in the kernel. The patch takes the file name from a code object of traitlets
(``HasTraits.__init__.__code__.co_filename``), which is what the frames carry however traitlets is shipped; the
warnings for a reader's own use of the attributes are unchanged.

``IPython/core/completer.py`` imports jedi (and parso) at the top, a quarter of what is left of ``import
pyodide_kernel``; jedi is used by a completion (Tab) only. The patch imports it, with the same setting, on the first
completion that asks jedi, and sets ``JEDI_INSTALLED`` from whether jedi can be found, as the import did. (The site
no longer ships jedi (pyodide-kernel's patch below): ``JEDI_INSTALLED`` is false and no completion asks it; this keeps
the kernel's start light should jedi come back.)

``piplite/piplite.py`` (piplite 0.8.6, the kernel's ``%pip``) imports micropip, its vendored ``packaging`` and
``unittest.mock`` at the top, and the kernel imports piplite at start to set two options; micropip itself is used
only when a reader installs a package. The patch imports those three on the first ``piplite.install`` (``%pip
install``) instead: what that call does is unchanged.

``pyodide_kernel/interpreter.py`` (pyodide-kernel 0.8.6) sets ``Completer.use_jedi = True`` on its shell, and the
kernel's worker (``@jupyterlite/pyodide-kernel-extension`` 0.8.6) installs jedi before it imports the kernel. The site
ships no jedi (nor parso, its parser: 1.2 MB of wheels, and ``import jedi`` in IPython's completer as the kernel
started): the patch leaves the choice to IPython, whose ``use_jedi`` defaults to whether jedi imports, so Tab offers
IPython's own completions (names, attributes and keys of live objects, modules, paths, a call's arguments), and
:func:`worker_without_jedi` takes jedi out of the worker's list of packages to install (it would fail on a package
the lock does not name).

``pyodide_kernel/__init__.py`` (pyodide-kernel 0.8.6): Pyodide puts ``''`` (the working folder) first on ``sys.path``
and the kernel works in the notebook's folder on JupyterLite's drive (``/drive``, mounted by the kernel's worker), so
Python's path finder asked that folder first for every module not yet imported: one ``stat`` of the folder per
import, each a synchronous request from the kernel's worker through the service worker to the page's main thread (93
drive requests while notebook 01's first cells ran, 77 of them that ``stat``; 1-145 ms each while JupyterLab starts).
The drive gives its folders no modification time (always 0), so the ``stat`` never told the finder that a folder had
changed either: a ``.py`` file made after the kernel's first import was not importable until
``importlib.invalidate_caches()``. The patch gives the drive's folders their own finder (``DRIVE_FINDER``, a
``FileFinder`` subclass, first in ``sys.path_hooks``): it lists its folder on its first use in each cell (IPython's
``pre_execute`` event) and after ``importlib.invalidate_caches()``, answers "not here" from that listing for any
other module without asking the drive, and leaves a name the folder holds to ``FileFinder`` itself. ``sys.path`` is
unchanged (a learner's module shadows a library's as before); a file the kernel writes is importable from the next
cell on (in the same cell after ``importlib.invalidate_caches()``, as Python's documentation asks for a module made
while the program runs).

folioviz's own wheel gets a JSON twin of each of its data files (``folioviz/_data/eras.toml.json``...;
:func:`add_toml_twins`), which ``folioviz.kernel.datafiles.load_toml`` reads in place of the TOML when it was made
from the same bytes: Pyodide parses TOML in pure Python (tomllib), about 50 times slower than JSON, and notebook
01's first widget reads five of these files.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from pathlib import Path

from folioviz.kernel.datafiles import DataFileError, toml_twin
from tools.lite.config import LiteBuildError
from tools.lite.wheels import record_line, zip_bytes


def _patched(
    data: bytes,
    member: str,
    expected: str,
    pin: str,
    *,
    once: tuple[str, ...],
    absent: str = "",
    counts: tuple[tuple[str, int], ...] = (),
    replace: tuple[tuple[str, str], ...] = (),
    append: str = "",
) -> bytes:
    """``member``'s text with each ``(old, new)`` of ``replace`` made (every occurrence) and ``append`` added.

    Stops the build, saying ``expected`` and to update this file for the new ``pin``, unless each text of ``once`` is
    there exactly once, ``absent`` is not there (the patch is not applied twice) and each ``(text, n)`` of ``counts``
    is there ``n`` times; the result must compile.
    """
    text = data.decode()
    if (
        any(text.count(part) != 1 for part in once)
        or (absent and absent in text)
        or any(text.count(part) != n for part, n in counts)
    ):
        raise LiteBuildError(f"{member}: expected {expected}; update tools/lite/patches.py for the new {pin}")
    for old, new in replace:
        text = text.replace(old, new)
    text += append
    compile(text, member, "exec")
    return text.encode()


_EMBED_IMPORT = "from .terminal.embed import embed\n"
_LAZY_EMBED = """

# Patched by folioviz's lite build (tools/lite/patches.py): IPython.terminal (prompt_toolkit) is imported when
# IPython.embed is first asked for, not with IPython; the browser kernel never embeds a terminal shell.
def __getattr__(name):
    if name == "embed":
        from .terminal.embed import embed

        return embed
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
"""


def lazy_ipython_embed(data: bytes) -> bytes:
    """IPython's ``__init__`` with ``embed`` imported on first use (module docstring)."""
    return _patched(
        data,
        "IPython/__init__.py",
        f"one {_EMBED_IMPORT.strip()!r} and no module __getattr__",
        "IPython pin",
        once=(_EMBED_IMPORT,),
        absent="def __getattr__",
        replace=((_EMBED_IMPORT, ""),),
        append=_LAZY_EMBED,
    )


_JEDI_IMPORT = """try:
    import jedi
    jedi.settings.case_insensitive_completion = False
    import jedi.api.helpers
    import jedi.api.classes
    JEDI_INSTALLED = True
except ImportError:
    JEDI_INSTALLED = False
"""
_JEDI_LAZY = """# Patched by folioviz's lite build (tools/lite/patches.py): jedi is imported by the first
# completion that asks it.
import importlib.util as _jedi_util

JEDI_INSTALLED = _jedi_util.find_spec("jedi") is not None
jedi = None


def _import_jedi():
    global jedi
    if jedi is None:
        import jedi as _jedi

        _jedi.settings.case_insensitive_completion = False
        import jedi.api.helpers
        import jedi.api.classes

        jedi = _jedi
    return jedi
"""
_JEDI_USE = "interpreter = jedi.Interpreter(text[:offset], namespaces)"


def lazy_completer_jedi(data: bytes) -> bytes:
    """IPython's completer with jedi imported by its first jedi completion (module docstring)."""
    return _patched(
        data,
        "IPython/core/completer.py",
        "its jedi import block and one jedi.Interpreter call",
        "IPython pin",
        once=(_JEDI_IMPORT, _JEDI_USE),
        absent="_import_jedi",
        replace=((_JEDI_IMPORT, _JEDI_LAZY), (_JEDI_USE, _JEDI_USE.replace("jedi.", "_import_jedi().", 1))),
    )


_TRAITLETS_FILE = "TRAITLETS_FILE = inspect.getfile(HasTraits)\n"
_TRAITLETS_CODE_FILE = (
    "# Patched by folioviz's lite build (tools/lite/patches.py): the file name the frames of traitlets' code carry,\n"
    "# also when traitlets ships as bytecode only (its module file is then traitlets.pyc).\n"
    "TRAITLETS_FILE = HasTraits.__init__.__code__.co_filename\n"
)


def traitlets_file_from_code(data: bytes) -> bytes:
    """ipywidgets' ``widget.py`` recognising traitlets' frames by their code's file name (module docstring)."""
    return _patched(
        data,
        "ipywidgets/widgets/widget.py",
        f"one {_TRAITLETS_FILE.strip()!r} used four times",
        "ipywidgets pin",
        once=(_TRAITLETS_FILE,),
        counts=(("== TRAITLETS_FILE", 4),),
        replace=((_TRAITLETS_FILE, _TRAITLETS_CODE_FILE),),
    )


_PIPLITE_IMPORTS = (
    "from unittest.mock import patch\n\n"
    "import micropip\n"
    "from micropip.package_index import CompatibilityLayer, ProjectInfo\n"
    "from micropip.package_index import query_package as _MP_QUERY_PACKAGE\n"
)
_PIPLITE_LAZY_IMPORTS = '''

def _import_micropip():
    """Patched by folioviz's lite build (tools/lite/patches.py): micropip is imported on the first install, not
    when the kernel starts."""
    global patch, micropip, CompatibilityLayer, ProjectInfo, _MP_QUERY_PACKAGE
    from unittest.mock import patch

    import micropip
    from micropip.package_index import CompatibilityLayer, ProjectInfo
    from micropip.package_index import query_package as _MP_QUERY_PACKAGE

'''
_PIPLITE_INSTALL = '    """Invoke micropip.install with a patch to get data from local indexes"""\n'


def lazy_piplite_micropip(data: bytes) -> bytes:
    """piplite's module with micropip imported by its first install (module docstring)."""
    return _patched(
        data,
        "piplite/piplite.py",
        "its micropip imports and _install's docstring once each",
        "piplite",
        once=(_PIPLITE_IMPORTS, _PIPLITE_INSTALL),
        absent="_import_micropip",
        replace=(
            (_PIPLITE_IMPORTS, _PIPLITE_LAZY_IMPORTS),
            (_PIPLITE_INSTALL, _PIPLITE_INSTALL + "    _import_micropip()\n"),
        ),
    )


_USE_JEDI = "        self.Completer.use_jedi = True\n"
_USE_JEDI_DEFAULT = (
    "        # Patched by folioviz's lite build (tools/lite/patches.py): the browser build ships no jedi; IPython's\n"
    "        # Completer.use_jedi defaults to whether jedi imports, so completion is IPython's own.\n"
)


def completer_without_jedi(data: bytes) -> bytes:
    """pyodide-kernel's shell leaving ``Completer.use_jedi`` to IPython (module docstring)."""
    return _patched(
        data,
        "pyodide_kernel/interpreter.py",
        f"one {_USE_JEDI.strip()!r}",
        "pyodide-kernel",
        once=(_USE_JEDI,),
        replace=((_USE_JEDI, _USE_JEDI_DEFAULT),),
    )


# The kernel's worker mounts JupyterLite's drive here and works in the notebook's folder on it.
DRIVE_MOUNT = "/drive"
_KERNEL_STEP_0 = "# 0. do early mocks that change `sys.modules`\n"
_KERNEL_INSTANCE = "kernel_instance = ipython_shell.kernel\n"
DRIVE_FINDER = f'''# Patched by folioviz's lite build (tools/lite/patches.py): each drive folder listed once a cell.
def _install_drive_finder(mount):
    """Give the folders of JupyterLite's drive (``mount``) a finder that lists its folder on its first use in a cell
    and answers "not here" from that listing: each request to the drive is a round trip through the page."""
    import os
    from importlib import machinery
    from importlib.machinery import FileFinder

    class DriveFileFinder(FileFinder):
        """FileFinder for a folder of JupyterLite's drive, listed once per cell (``cell``) and after
        ``importlib.invalidate_caches()``; a name the folder holds is left to FileFinder itself."""

        cell = 0

        def __init__(self, path, *loader_details):
            super().__init__(path, *loader_details)
            self._stems = frozenset()
            self._listed = None

        def find_spec(self, fullname, target=None):
            if self._listed != DriveFileFinder.cell:
                try:
                    names = os.listdir(self.path)
                except OSError:
                    names = ()
                # a module, package or extension module N is the folder's entry N or N.<suffix>
                self._stems = frozenset(name.partition(".")[0] for name in names)
                self._listed = DriveFileFinder.cell
                super().invalidate_caches()
            if fullname.rpartition(".")[2] not in self._stems:
                return None
            return super().find_spec(fullname, target)

        def invalidate_caches(self):
            self._listed = None
            super().invalidate_caches()

    # Python's own FileFinder's loaders (importlib._bootstrap_external._get_supported_file_loaders)
    loaders = [
        (machinery.ExtensionFileLoader, machinery.EXTENSION_SUFFIXES),
        (machinery.SourceFileLoader, machinery.SOURCE_SUFFIXES),
        (machinery.SourcelessFileLoader, machinery.BYTECODE_SUFFIXES),
    ]

    def drive_path_hook(path):
        if path == mount or path.startswith(mount + "/"):
            return DriveFileFinder(path, *loaders)
        raise ImportError("not a folder of JupyterLite's drive")

    sys.path_hooks.insert(0, drive_path_hook)
    for path in [p for p in sys.path_importer_cache if p == mount or p.startswith(mount + "/")]:
        del sys.path_importer_cache[path]
    return DriveFileFinder


_DriveFileFinder = _install_drive_finder({DRIVE_MOUNT!r})
del _install_drive_finder

'''
_NEW_CELL = (
    "# Patched by folioviz's lite build (tools/lite/patches.py): each cell lists the drive's folders anew.\n"
    "def _new_cell():\n"
    "    _DriveFileFinder.cell += 1\n\n\n"
    'ipython_shell.events.register("pre_execute", _new_cell)\n'
)


def drive_listed_once_per_cell(data: bytes) -> bytes:
    """pyodide-kernel's ``__init__`` giving the drive's folders a finder that lists each once per cell (module
    docstring)."""
    return _patched(
        data,
        "pyodide_kernel/__init__.py",
        f"one {_KERNEL_STEP_0.strip()!r}, one {_KERNEL_INSTANCE.strip()!r} and one 'import sys'",
        "pyodide-kernel",
        once=(_KERNEL_STEP_0, _KERNEL_INSTANCE, "\nimport sys\n"),
        absent="_install_drive_finder",
        replace=((_KERNEL_STEP_0, DRIVE_FINDER + _KERNEL_STEP_0), (_KERNEL_INSTANCE, _KERNEL_INSTANCE + _NEW_CELL)),
    )


# The packages the kernel's worker installs one by one before ``import pyodide_kernel`` (unless prefetched).
WORKER_PACKAGES = '["ipykernel","comm","pyodide-kernel","jedi","ipython"]'
WORKER_PACKAGES_NO_JEDI = '["ipykernel","comm","pyodide-kernel","ipython"]'


def worker_without_jedi(static: Path) -> int:
    """Take jedi out of the packages the kernel's worker installs at start, in each script of the kernel extension's
    ``static`` folder that names it (its two workers and its in-page fallback); returns the number of files patched.
    Stops the build unless every script naming ``"jedi"`` holds the list exactly once."""
    patched = 0
    for script in sorted(static.glob("*.js")):
        text = script.read_text()
        if '"jedi"' not in text:
            continue
        if text.count(WORKER_PACKAGES) != 1 or text.count('"jedi"') != 1:
            raise LiteBuildError(
                f"{script.name}: expected jedi named once, in {WORKER_PACKAGES}; update tools/lite/patches.py "
                "(worker_without_jedi) for the new @jupyterlite/pyodide-kernel-extension"
            )
        script.write_text(text.replace(WORKER_PACKAGES, WORKER_PACKAGES_NO_JEDI))
        patched += 1
    if not patched:
        raise LiteBuildError(
            f"no script of {static} names {WORKER_PACKAGES}: update tools/lite/patches.py (worker_without_jedi)"
        )
    return patched


# {project (canonical name): {member of its wheel: patch}}
PATCHES: dict[str, dict[str, Callable[[bytes], bytes]]] = {
    "ipython": {"IPython/__init__.py": lazy_ipython_embed, "IPython/core/completer.py": lazy_completer_jedi},
    "ipywidgets": {"ipywidgets/widgets/widget.py": traitlets_file_from_code},
    "piplite": {"piplite/piplite.py": lazy_piplite_micropip},
    "pyodide-kernel": {
        "pyodide_kernel/interpreter.py": completer_without_jedi,
        "pyodide_kernel/__init__.py": drive_listed_once_per_cell,
    },
}


TOML_DATA = re.compile(r"folioviz/_data/.+\.toml")


def add_toml_twins(wheel: Path) -> int:
    """Add to folioviz's ``wheel``, in place, the JSON twin of each of its data files (``<file>.toml.json``, made by
    ``folioviz.kernel.datafiles.toml_twin``), with RECORD to match; returns how many were added."""
    entries: list[tuple[str, bytes]] = []
    twins: list[tuple[str, bytes]] = []
    record_name, record = None, ""
    with zipfile.ZipFile(wheel) as whl:
        for info in whl.infolist():
            if info.is_dir():
                continue
            data = whl.read(info)
            if info.filename.endswith(".dist-info/RECORD"):
                record_name, record = info.filename, data.decode()
                continue
            entries.append((info.filename, data))
            if TOML_DATA.fullmatch(info.filename):
                try:
                    twins.append((info.filename + ".json", toml_twin(data)))
                except DataFileError as exc:
                    raise LiteBuildError(f"{wheel.name} {info.filename}: {exc}") from exc
    if record_name is None or not twins:
        raise LiteBuildError(f"{wheel.name}: no RECORD or no folioviz/_data/*.toml to give a JSON twin")
    lines = [line for line in record.splitlines() if line] + [record_line(name, data) for name, data in twins]
    wheel.write_bytes(zip_bytes([*entries, *twins, (record_name, ("\n".join(lines) + "\n").encode())]))
    return len(twins)
