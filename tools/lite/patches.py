"""Patches of the shipped wheels' sources, applied at build time for the kernel's start-up.

Each patch is a function from a member's bytes to its new bytes, listed in ``PATCHES`` by project and member; the
build passes them to ``slim_wheel`` (the RECORD and the lock's sha256 follow) before the bytecode step compiles the
result. A patch finds the exact text it replaces and stops the build if the text is not there once (a new pin's
layout), and its output must still compile.

``IPython/__init__.py`` (IPython 9.12) imports ``IPython.terminal.embed`` for one name, ``embed``: a terminal shell
that pulls prompt_toolkit, IPython's terminal debugger and its key bindings, about a quarter of ``import
pyodide_kernel`` in the browser, where no terminal exists and the kernel never embeds one. The patch resolves
``IPython.embed`` on first use instead (a module ``__getattr__``, PEP 562), so ``from IPython import embed`` and
``IPython.embed`` still give the same function, and ``IPython.terminal`` is imported only then.
"""

from __future__ import annotations

from collections.abc import Callable

from tools.lite.config import LiteBuildError

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
    text = data.decode()
    if text.count(_EMBED_IMPORT) != 1 or "def __getattr__" in text:
        raise LiteBuildError(
            f"IPython/__init__.py: expected one {_EMBED_IMPORT.strip()!r} and no module __getattr__; "
            "update tools/lite/patches.py for the new IPython pin"
        )
    text = text.replace(_EMBED_IMPORT, "") + _LAZY_EMBED
    compile(text, "IPython/__init__.py", "exec")
    return text.encode()


# {project (canonical name): {member of its wheel: patch}}
PATCHES: dict[str, dict[str, Callable[[bytes], bytes]]] = {
    "ipython": {"IPython/__init__.py": lazy_ipython_embed},
}
