"""`make app` (tools/voila_app.py) under hostile use: the token it prints is needed, a foreign Host header gets 403,
many requests leave at most the capped number of kernels, idle kernels are culled, and the page names no CDN.

One server for the module, started as the Makefile starts it (its APP_FLAGS, read from the Makefile) on a small
scratch notebook, with a cap of 2 kernels and a culler that runs every 2 s for kernels idle 6 s. A page asked for
the moment a fresh server listens is served by its pre-heated kernel, with no second kernel started.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from event_loop import run_fresh
from kernel_socket import kernel_websocket_nodelay
from servers import free_port, stop_process

from tools.makefile_vars import app_flags

ROOT = Path(__file__).resolve().parents[1]
MAX_KERNELS = 2
CULL_IDLE_S = 6
NOTEBOOK = {
    "cells": [
        {"cell_type": "markdown", "metadata": {}, "source": "# demo\n\n```mermaid\ngraph LR\n  a --> b\n```\n"},
        {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": "print('ready')"},
    ],
    "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    "nbformat": 4,
    "nbformat_minor": 5,
}

pytestmark = pytest.mark.skipif(shutil.which("voila", path=str(Path(sys.executable).parent)) is None, reason="no voila")


@dataclass
class App:
    port: int
    token: str
    proc: subprocess.Popen[bytes]
    log: Path

    def url(self, path: str = "/", token: bool = True) -> str:
        return f"http://127.0.0.1:{self.port}{path}" + (f"?token={self.token}" if token else "")

    def kernels(self) -> list[int]:
        """The kernel processes the server started (its children running ipykernel)."""
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
                cmdline = (stat.parent / "cmdline").read_bytes()
            except (OSError, IndexError, ValueError):
                continue
            if ppid == self.proc.pid and b"ipykernel" in cmdline:
                found.append(int(stat.parent.name))
        return found


def get(url: str, host: str | None = None, timeout: float = 90) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=timeout) as response:
            return response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def app_env(base: Path) -> dict[str, str]:
    """The environment `make app` runs in, with Jupyter's dirs under ``base``."""
    env = os.environ.copy()
    for var, sub in {"JUPYTER_CONFIG_DIR": "config", "JUPYTER_RUNTIME_DIR": "runtime", "IPYTHONDIR": "ipython"}.items():
        (base / sub).mkdir()
        env[var] = str(base / sub)
    env["JUPYTER_DATA_DIR"] = str(base / "data")
    env["JUPYTER_PATH"] = str(ROOT / "folioviz" / "_jupyter")
    env.pop("JUPYTER_TOKEN", None)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))  # folioviz.server_extension
    return env


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    base = tmp_path_factory.mktemp("app")
    (base / "demo.ipynb").write_text(json.dumps(NOTEBOOK))
    env = app_env(base)
    port = free_port()
    cmd = [sys.executable, str(ROOT / "tools" / "voila_app.py"), "--no-browser", f"--port={port}"]
    flags = [f for f in app_flags() if not f.startswith("--VoilaKernelManager.fill_delay=")]
    cmd += ["--Voila.port_retries=0", *flags, "--VoilaKernelManager.fill_delay=0"]
    cmd += [f"--CappedKernelManager.max_kernels={MAX_KERNELS}"]
    cmd += [f"--MappingKernelManager.cull_idle_timeout={CULL_IDLE_S}"]
    cmd += ["--MappingKernelManager.cull_interval=2", str(base / "demo.ipynb")]
    log = base / "voila.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=base, start_new_session=True)
    try:
        token = ""
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not token:
            assert proc.poll() is None, log.read_text()
            found = re.search(rf"http://127\.0\.0\.1:{port}/\?token=([\w-]+)", log.read_text(errors="replace"))
            token = found.group(1) if found else ""
            time.sleep(0.2)
        assert token, "the server printed no URL with a token:\n" + log.read_text()
        server = App(port, token, proc, log)
        while time.monotonic() < deadline and not server.kernels():  # the pre-heated kernel
            time.sleep(0.2)
        yield server
    finally:
        stop_process(proc, App(port, "", proc, log).kernels())


def test_prints_a_fresh_token_and_binds_loopback(app):
    assert len(app.token) >= 32
    assert get(app.url())[0] == 200
    with pytest.raises(OSError), socket.create_connection(("::1", app.port), timeout=2):
        pass


def test_no_token_no_notebook(app):
    status, body = get(app.url(token=False))
    assert status in (302, 403), status
    assert "ready" not in body
    assert get(app.url("/api/kernels/00000000-0000-0000-0000-000000000000", token=False))[0] == 403
    assert get(app.url("/?token=wrong" + "0" * 30, token=False))[0] in (302, 403)


@pytest.mark.parametrize("host", ["attacker.example", f"attacker.example:{8866}", "localhost.evil.example", "10.0.0.1"])
def test_foreign_host_is_refused(app, host):
    assert get(app.url(), host=host)[0] == 403


def test_page_names_no_cdn(app):
    status, body = get(app.url())
    assert status == 200
    assert "mermaid" not in body.lower() or "cdnjs" not in body, "the page keeps the mermaid loader"
    remote = re.findall(r"""(?:src|href|import\()\s*=?\s*["'](https?:)?//(?!127\.0\.0\.1|localhost)[^"']+""", body)
    assert not remote, remote
    assert "cdnjs.cloudflare.com" not in body and "cdn.jsdelivr.net" not in body


@pytest.mark.skipif(not hasattr(os, "pidfd_open"), reason="reads the server's socket with pidfd_getfd")
def test_the_kernel_websocket_sets_tcp_nodelay(app):
    """Voilà loads no server extension; tools/voila_app.py gives it folioviz.server_extension's connection class."""
    status, body = get(app.url())
    assert status == 200, body[-2000:]
    kernel_id = re.search(r'"kernelId":\s*"([0-9a-f-]{36})"', body)
    assert kernel_id, "the page names no kernel"
    ws_url = f"ws://127.0.0.1:{app.port}/api/kernels/{kernel_id.group(1)}/channels?token={app.token}"
    assert kernel_websocket_nodelay(app.proc.pid, ws_url) is True


def test_kernels_are_capped_and_culled(app):
    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        statuses = list(pool.map(lambda _: get(app.url())[0], range(6)))
    assert statuses.count(200) >= 1 and set(statuses) <= {200, 503}, statuses
    assert 503 in statuses, statuses
    assert len(app.kernels()) <= MAX_KERNELS, app.kernels()
    for _ in range(3):  # more requests later: still within the cap
        get(app.url())
        assert len(app.kernels()) <= MAX_KERNELS
    # Nothing is connected to those kernels: after CULL_IDLE_S they are shut down, and only the refilled
    # pre-heated kernel stays. The count can pass through 0: when the last page took the pre-heated kernel, the
    # refill waits for room under the cap, and room comes only with the culling. So wait for exactly one.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(app.kernels()) != 1:
        time.sleep(1)
    assert len(app.kernels()) == 1, f"kernels left: {app.kernels()}\n{app.log.read_text()[-3000:]}"
    assert "Culling kernel" in app.log.read_text() or "culling" in app.log.read_text().lower()
    assert get(app.url())[0] == 200  # the pool still serves a page


# ------------------------------------------------------------------------------ a page asked for as the server starts


def test_page_asked_for_at_start_gets_the_preheated_kernel(tmp_path: Path) -> None:
    """Voilà opens the browser as soon as it listens: that page is served by the pre-heated kernel, the one
    already starting, and no second kernel is started for it (Voilà alone starts one when the pool's kernel has
    not finished starting)."""
    (tmp_path / "demo.ipynb").write_text(json.dumps(NOTEBOOK))
    env = app_env(tmp_path)
    port, token = free_port(), "t" * 40
    cmd = [sys.executable, str(ROOT / "tools" / "voila_app.py"), "--no-browser", f"--port={port}", f"--token={token}"]
    flags = [f for f in app_flags() if not f.startswith("--VoilaKernelManager.fill_delay=")]
    cmd += ["--Voila.port_retries=0", *flags, "--VoilaKernelManager.fill_delay=60", str(tmp_path / "demo.ipynb")]
    log = tmp_path / "voila.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=tmp_path, start_new_session=True
        )
    server = App(port, token, proc, log)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:  # ask the moment the port answers, as the browser Voilà opens does
            assert proc.poll() is None, log.read_text()
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                break
            time.sleep(0.02)
        status, body = get(server.url())
        assert status == 200 and "ready" in body, body[-2000:]
        text = log.read_text(errors="replace")
        assert "Using pre-heated kernel" in text, text
        assert text.count("Kernel started") == 1, text
        assert len(server.kernels()) == 1, server.kernels()
    finally:
        stop_process(proc, server.kernels())


def test_first_heat_waits_for_the_pool_kernel_without_taking_it() -> None:
    import asyncio

    from tools.voila_app import first_heat

    class Manager:
        def __init__(self) -> None:
            self.notebook_data: dict[str, object] = {}
            self._pools: dict[str, list[asyncio.Task[None]]] = {}

    async def scenario() -> list[str]:
        manager, seen = Manager(), []

        async def heat() -> None:
            await asyncio.sleep(0.2)
            manager.notebook_data["demo.ipynb"] = {"kernel_ids": {"k"}}
            seen.append("heated")

        manager._pools["demo.ipynb"] = [asyncio.create_task(heat())]
        await first_heat(manager, "demo.ipynb")
        seen.append("page")
        assert len(manager._pools["demo.ipynb"]) == 1  # still in the pool, for Voilà to hand to the page
        await first_heat(manager, "demo.ipynb")  # heated: returns at once
        await first_heat(Manager(), "other.ipynb")  # no pool (pre-heating off): returns at once
        return seen

    assert run_fresh(scenario) == ["heated", "page"]  # a loop of its own (a browser test may have run here)


def test_iri_grammar_is_built_only_when_an_iri_is_checked() -> None:
    """The launcher defers rfc3987_syntax (most of the server's start) and IRIs are still checked as before."""
    pytest.importorskip("rfc3987_syntax")
    code = (
        "import sys; sys.path.insert(0, 'tools'); import voila_app, jsonschema\n"
        "print('syntax_helpers' in str(sorted(sys.modules)))\n"
        "check = jsonschema.FormatChecker()\n"
        "print(check.conforms('https://example.org/a', 'iri'), check.conforms('no iri at all', 'iri'))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True, timeout=120
    ).stdout
    assert out.split() == ["False", "True", "False"], out
