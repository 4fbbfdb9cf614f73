"""`make app`: one notebook as a standalone page (Voilà), safe to leave running on a speaker's laptop.

Usage: python tools/voila_app.py [voila options] notebooks/NAME.ipynb

Voilà run as it is answers anyone who can reach the port, whatever Host header the request carries, and starts
a kernel (about 80 MB) for every page request. This launcher runs the same Voilà with four guards:

* **127.0.0.1 only**: the address is set here and cannot be changed on the command line.
* **A token**: a new random one per run, printed in the URL (and put in the URL the browser is opened with).
  A request without it gets no notebook: the page redirects to a login form, the API answers 403.
* **A Host check**: a request whose Host header is not a loopback address or ``localhost`` gets 403, so a web
  page on another site cannot reach the server through DNS rebinding (Voilà's own app turns the check off).
* **A cap on kernels, and a culler**: at most ``--CappedKernelManager.max_kernels`` (default 4) kernels at once,
  the pre-heated one included; a page request past the cap gets 503 and starts nothing. A kernel idle for
  ``--MappingKernelManager.cull_idle_timeout`` seconds (default 600) with no page connected is shut down.

The kernel Voilà keeps pre-heated for the next page (``--VoilaConfiguration.preheat_kernel=True``, in the
Makefile's APP_FLAGS) is never culled (Voilà skips pooled kernels) and its refill is never refused (it waits for
room under the cap), so the first widget is as fast as before.
Every other Voilà option passes through unchanged.

Two speed-ups for the page asked for as the server starts (Voilà opens the browser as soon as it listens):
the page waits for the pre-heated kernel that is already starting instead of starting a second kernel beside
it (``first_heat``), and ``rfc3987_syntax``'s grammar, built when jupyter_server is imported and most of the
server's start, is built only if an IRI is ever checked (``defer_rfc3987_syntax``).

Its kernel websockets send each frame at once (TCP_NODELAY), as in every Jupyter server of the environment: Voilà
run standalone loads no server extension, so it is given folioviz.server_extension's connection class here.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import secrets
import sys
import types
import webbrowser
from collections.abc import AsyncIterator, Callable
from typing import Any

LAZY_MODULE = "rfc3987_syntax"


def defer_rfc3987_syntax() -> None:
    """Put off building ``rfc3987_syntax``'s IRI grammar until an IRI is first checked, if one ever is.

    jupyter_server imports jupyter_events, which imports jsonschema, whose format checkers import
    ``rfc3987_syntax`` when it is installed (jupyter-events asks for ``jsonschema[format-nongpl]``). Its import
    compiles a Lark grammar: 1.5-5 s of the server's start, most of it. A stand-in module is put where the
    import finds it; its ``is_valid_syntax`` imports the real module on its first call and hands over to it,
    so an IRI is checked exactly as before, just never at start.
    """
    if LAZY_MODULE in sys.modules or importlib.util.find_spec(LAZY_MODULE) is None:
        return
    stand_in = types.ModuleType(LAZY_MODULE, "Stand-in until the first IRI is checked (tools/voila_app.py).")
    real: list[Callable[[str, str], bool]] = []

    def is_valid_syntax(term: str, value: str) -> bool:
        if not real:
            if sys.modules.get(LAZY_MODULE) is stand_in:
                del sys.modules[LAZY_MODULE]
            real.append(importlib.import_module(LAZY_MODULE).is_valid_syntax)
        return real[0](term, value)

    stand_in.is_valid_syntax = is_valid_syntax  # type: ignore[attr-defined]
    sys.modules[LAZY_MODULE] = stand_in


defer_rfc3987_syntax()  # before jupyter_server is imported

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager  # noqa: E402
from tornado import web  # noqa: E402
from traitlets import Integer  # noqa: E402
from traitlets.config import Config  # noqa: E402
from voila.app import Voila  # noqa: E402
from voila.tornado.handler import TornadoVoilaHandler  # noqa: E402

DEFAULT_MAX_KERNELS = 4
DEFAULT_CULL_IDLE_S = 600
NODELAY_CONNECTION = "folioviz.server_extension.NodelayConnection"  # imported by Voila when it starts
PREHEAT_ENV = "VOILA_PREHEAT"  # Voilà sets it to "True" in the environment of a pool (pre-heated) kernel


class CappedKernelManager(AsyncMappingKernelManager):  # type: ignore[misc]
    """Voilà's kernel manager with a cap on the kernels running at once, the pre-heated one included.

    A page request past the cap gets 503 and starts nothing. Refilling the pre-heated pool is never refused: it
    waits until a kernel has gone (its page closed, or culled), so the cap holds and the pool comes back by itself.
    """

    max_kernels = Integer(
        DEFAULT_MAX_KERNELS,
        config=True,
        help="Most kernels running at once, the pre-heated one included.",
    )

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._starting = 0

    def running(self) -> int:
        """Kernels running or being started (one being started may count twice for a moment: never fewer)."""
        return len(self._kernels) + self._starting

    async def start_kernel(self, *args: Any, **kwargs: Any) -> str:
        preheat = (kwargs.get("env") or {}).get(PREHEAT_ENV) == "True"
        while self.running() >= self.max_kernels:
            if not preheat:
                self.log.warning("Refusing a kernel: %s are running (the cap)", self.max_kernels)
                raise web.HTTPError(503, f"the demo is busy ({self.max_kernels} kernels are running); try again later")
            await asyncio.sleep(2)
        self._starting += 1  # before the first await: the check and the count are one step for the event loop
        try:
            return await super().start_kernel(*args, **kwargs)  # type: ignore[no-any-return]
        finally:
            self._starting -= 1


async def first_heat(manager: Any, notebook: str) -> None:
    """Wait, if the pre-heated kernel for ``notebook`` is still being started at the server's start.

    Voilà hands a page the pooled kernel only once that kernel has started (``notebook_data`` then names the
    notebook); a page asked for sooner, as when Voilà opens the browser itself, got a second kernel started
    for it, and the two raced for the CPU while the pooled one went unused. Waiting for the pool's first
    kernel instead gives that page the kernel that is already starting, and running the notebook.
    """
    if notebook in getattr(manager, "notebook_data", {notebook: None}):
        return
    pool = getattr(manager, "_pools", {}).get(notebook) or []
    if pool:
        await asyncio.wait([pool[0]])  # does not take it from the pool, nor raise: Voilà does both next


class PoolFirstVoilaHandler(TornadoVoilaHandler):  # type: ignore[misc]
    """Voilà's page handler, which waits for the first pre-heated kernel rather than starting a second."""

    async def get_generator(self, path: str | None = None) -> AsyncIterator[str]:
        await first_heat(self.kernel_manager, self.notebook_path or path)
        async for html in super().get_generator(path=path):
            yield html


class SafeVoila(Voila):  # type: ignore[misc]
    """Voilà with the Host check on and the token shown in the URL it prints and opens.

    A page asked for while the pre-heated kernel is being started waits for that kernel (PoolFirstVoilaHandler).
    """

    def init_handlers(self) -> list[Any]:
        handlers: list[Any] = super().init_handlers()
        return [(h[0], PoolFirstVoilaHandler, *h[2:]) if h[1] is TornadoVoilaHandler else h for h in handlers]

    def init_settings(self) -> dict[str, Any]:
        settings: dict[str, Any] = super().init_settings()
        settings["allow_remote_access"] = False  # Voilà sets True: the Host header is then never checked
        settings["local_hostnames"] = ["localhost"]
        return settings

    @property
    def display_url(self) -> str:
        url: str = self._url(self.ip)
        token = self.identity_provider.token
        return f"{url}?token={token}" if token else url

    def launch_browser(self) -> None:
        try:
            webbrowser.open(self.display_url, new=self.webbrowser_open_new)
        except webbrowser.Error as error:
            self.log.warning("No web browser found: %s.", error)


def config(token: str) -> Config:
    c = Config()
    c.Voila.ip = "127.0.0.1"
    c.Voila.token = token
    c.VoilaConfiguration.multi_kernel_manager_class = CappedKernelManager
    # Standalone Voila loads no Jupyter server extension: folioviz.server_extension's TCP_NODELAY comes in through the
    # connection class each kernel websocket (Voila's VoilaKernelWebsocketHandler) is served by.
    c.Voila.kernel_websocket_connection_class = NODELAY_CONNECTION
    c.MappingKernelManager.cull_idle_timeout = DEFAULT_CULL_IDLE_S
    c.MappingKernelManager.cull_interval = 60
    return c


def refused(argv: list[str]) -> str | None:
    """A reason to refuse the command line, if it tries to undo a guard."""
    for arg in argv:
        name = arg.split("=", 1)[0].lower()
        if name in {"--ip", "--voila.ip", "--no-token"} or name.endswith(("allow_remote_access", "local_hostnames")):
            return f"{arg}: the demo server listens on 127.0.0.1 only and checks the Host header (see the README)"
        if name in {"--token", "--voila.token"} and not arg.split("=", 1)[1:]:
            return f"{arg}: give the token a value, or leave it out for a new random one"
        if name in {"--token", "--voila.token"} and arg.split("=", 1)[1] == "":
            return f"{arg}: an empty token turns authentication off; leave it out for a new random one"
    return None


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    why = refused(args)
    if why:
        print(f"voila_app: {why}", file=sys.stderr)
        return 2
    SafeVoila.launch_instance(argv=args, config=config(secrets.token_urlsafe(24)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
