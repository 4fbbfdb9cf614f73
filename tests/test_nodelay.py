"""Every Jupyter server started from the environment sets TCP_NODELAY on its kernel websockets.

The package ships ``etc/jupyter/jupyter_server_config.d/folioviz.json`` (``jupyter-config/`` here) that enables
the server extension ``folioviz.server_extension``. The servers here find that file on ``JUPYTER_CONFIG_PATH`` (the
repository's copy, as the browser suite's servers do), with their own Jupyter dirs in a scratch directory, and
import folioviz from this checkout. The socket option is read on the server's end of a real kernel websocket
(tests/kernel_socket.py); the same server with the extension switched off is the control: it leaves the option
off, as jupyter_server does by itself.

Voila (``make app``, tools/voila_app.py) loads no server extension: tests/test_app_server.py checks its sockets.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from kernel_socket import kernel_websocket_nodelay

from folioviz import server_extension

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "jupyter-config" / "jupyter_server_config.d" / "folioviz.json"
OFF = "--ServerApp.jpserver_extensions=folioviz.server_extension=False"

pytestmark = pytest.mark.skipif(not hasattr(os, "pidfd_open"), reason="reads the server's socket with pidfd_getfd")


def server_env(base: Path) -> dict[str, str]:
    env = os.environ.copy()
    for var in ("JUPYTER_CONFIG_DIR", "JUPYTER_RUNTIME_DIR", "JUPYTER_DATA_DIR", "IPYTHONDIR"):
        (base / var).mkdir(exist_ok=True)
        env[var] = str(base / var)
    env["JUPYTER_CONFIG_PATH"] = str(ROOT / "jupyter-config")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.pop("JUPYTER_TOKEN", None)
    return env


SERVERS = {  # id: (the module run, the extension left on)
    "jupyterlab": ("jupyterlab", True),
    "notebook7": ("notebook", True),
    "jupyterlab-switched-off": ("jupyterlab", False),
}


@pytest.fixture(params=list(SERVERS))
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SimpleNamespace]:
    """``jupyter lab`` (`make lab`) and ``jupyter notebook`` (Notebook 7): each one ServerApp with its extensions."""
    module, on = SERVERS[request.param]
    token = secrets.token_hex(16)
    cmd = [sys.executable, "-m", module, "--no-browser", "--port=0", "--ServerApp.ip=127.0.0.1"]
    cmd += [f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={tmp_path}", "--ServerApp.port_retries=0"]
    cmd += ["--allow-root"] * (os.geteuid() == 0) + [OFF] * (not on)
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=server_env(tmp_path), cwd=tmp_path)
    try:
        deadline = time.monotonic() + 120
        port = None
        while not port and time.monotonic() < deadline:
            assert proc.poll() is None, log.read_text()
            port = re.search(r"http://127\.0\.0\.1:(\d+)/", log.read_text(errors="replace"))
            time.sleep(0.2)
        assert port, log.read_text()
        url = f"http://127.0.0.1:{port.group(1)}"
        yield SimpleNamespace(url=url, token=token, proc=proc, log=log, on=on)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def api(server: SimpleNamespace, path: str, method: str = "GET") -> Any:
    request = urllib.request.Request(
        f"{server.url}{path}", method=method, headers={"Authorization": f"token {server.token}"}
    )
    with urllib.request.urlopen(request, data=b"{}" if method == "POST" else None, timeout=120) as response:
        return json.loads(response.read() or b"null")


@pytest.mark.timeout(300)
def test_the_kernel_websocket_sets_tcp_nodelay(server: SimpleNamespace) -> None:
    kernel = api(server, "/api/kernels", "POST")
    try:
        ws_url = f"ws{server.url[4:]}/api/kernels/{kernel['id']}/channels?token={server.token}"
        assert kernel_websocket_nodelay(server.proc.pid, ws_url) is server.on
    finally:
        api(server, f"/api/kernels/{kernel['id']}", "DELETE")
    said = server.log.read_text(errors="replace").count("folioviz: TCP_NODELAY on kernel websockets")
    assert said == (1 if server.on else 0), server.log.read_text()


def test_extension_list_shows_it_enabled_and_ok(tmp_path: Path) -> None:
    """What a user sees once the package is installed: the shipped file in a config dir enables the extension."""
    env = server_env(tmp_path)
    env.pop("JUPYTER_CONFIG_PATH")
    config_d = Path(env["JUPYTER_CONFIG_DIR"]) / "jupyter_server_config.d"
    config_d.mkdir()
    shutil.copy(SHIPPED, config_d)
    out = subprocess.run(
        [sys.executable, "-m", "jupyter_server", "extension", "list"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    listing = re.sub(r"\x1b\[[0-9;]*m", "", out.stdout + out.stderr)  # it colours "enabled" and "OK" regardless
    section = listing.split(f"Config dir: {config_d.parent}")[1].split("Config dir:")[0]
    assert "folioviz.server_extension" in section and "enabled" in section, listing
    assert re.search(r"^\s*folioviz\.server_extension\s.*\bOK\b", section, flags=re.MULTILINE), listing  # it imports


def test_the_shipped_file_enables_the_extension() -> None:
    config = json.loads(SHIPPED.read_text())
    assert config == {"ServerApp": {"jpserver_extensions": {"folioviz.server_extension": True}}}
    assert server_extension._jupyter_server_extension_points() == [{"module": "folioviz.server_extension"}]


class _ServerApp(SimpleNamespace):
    pass


def test_loading_twice_wraps_once() -> None:
    """Loaded twice (two config files, or a user's own list), the class is wrapped once and logged once."""
    from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection

    logged: list[str] = []
    log = SimpleNamespace(info=lambda message, *args: logged.append(message % args))
    app = _ServerApp(
        web_app=SimpleNamespace(settings={server_extension.SETTING: ZMQChannelsWebsocketConnection}),
        kernel_websocket_connection_class=ZMQChannelsWebsocketConnection,
        log=log,
    )
    server_extension._load_jupyter_server_extension(app)
    server_extension._load_jupyter_server_extension(app)
    assert app.web_app.settings[server_extension.SETTING] is server_extension.NodelayConnection
    assert app.kernel_websocket_connection_class is server_extension.NodelayConnection
    assert len(logged) == 1, logged


def test_any_configured_connection_class_keeps_its_behaviour() -> None:
    """A gateway's (or any other) connection class is subclassed, not replaced."""

    class Other:
        def __init__(self, handler: Any) -> None:
            self.websocket_handler = handler

        def connect(self) -> str:
            return "connected"

    wrapped = server_extension.with_nodelay(Other)
    assert issubclass(wrapped, Other) and server_extension.with_nodelay(wrapped) is wrapped
    calls: list[bool] = []
    handler = SimpleNamespace(set_nodelay=calls.append)
    assert wrapped(handler).connect() == "connected"
    assert calls == [True]
