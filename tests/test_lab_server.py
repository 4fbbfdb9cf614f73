"""`make lab` under hostile use: without its token nothing is served, and a foreign Host header gets 403.

The server is started with the very command `make -n lab` prints (the Makefile's flags, whatever they become),
plus ``--ServerApp.open_browser=False`` and ``--ServerApp.port_retries=0``, with Jupyter's config, data and runtime
folders in a scratch directory. Its token is the one it prints in its URL, as a user would copy it.

What Jupyter Server answers without the token, exactly:
  * the REST API (``/api/...``): 403 Forbidden;
  * a page (``/lab``, ``/tree``): 302, a redirect to ``/login?next=...``, and the login page asks for the token.
With any Host header other than 127.0.0.1 / localhost (DNS rebinding): 403, token or not.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from servers import free_port, stop_process

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT_S = 90


def lab_command(port: int) -> list[str]:
    """The command `make lab LAB_PORT=port` runs (its last line: the venv set-up lines come before it)."""
    done = subprocess.run(
        ["make", "-n", "-s", "lab", f"LAB_PORT={port}", f"VENV={Path(sys.executable).parents[1]}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    joined = done.stdout.replace("\\\n", " ")
    (line,) = [line for line in joined.splitlines() if re.search(r"/jupyter lab\b", line)]
    return shlex.split(line)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def get(url: str, host: str | None = None) -> tuple[int, str, str]:
    """(status, Location header, body) of a GET, redirects not followed."""
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with urllib.request.build_opener(NoRedirect).open(request, timeout=30) as response:
            return response.status, response.headers.get("Location", ""), response.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Location", ""), error.read().decode(errors="replace")


@dataclass
class Lab:
    port: int
    token: str

    def url(self, path: str, token: str | None = None) -> str:
        return f"http://127.0.0.1:{self.port}{path}" + (f"?token={token}" if token is not None else "")


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    base = tmp_path_factory.mktemp("lab")
    env = os.environ.copy()
    for var, sub in {
        "JUPYTER_CONFIG_DIR": "config",
        "JUPYTER_RUNTIME_DIR": "runtime",
        "JUPYTER_DATA_DIR": "data",
        "IPYTHONDIR": "ipython",
    }.items():
        (base / sub).mkdir()
        env[var] = str(base / sub)
    env.pop("JUPYTER_TOKEN", None)
    env.pop("FOLIOVIZ_ERA", None)
    port = free_port()
    cmd = [*lab_command(port), "--ServerApp.open_browser=False", "--ServerApp.port_retries=0"]
    log = base / "lab.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=base, start_new_session=True)
    try:
        token = ""
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline and not token:
            assert proc.poll() is None, log.read_text(errors="replace")
            found = re.search(rf"http://127\.0\.0\.1:{port}/\S*\?token=(\w+)", log.read_text(errors="replace"))
            token = found.group(1) if found else ""
            time.sleep(0.2)
        assert token, "make lab printed no URL with a token:\n" + log.read_text(errors="replace")
        yield Lab(port, token)
    finally:
        stop_process(proc)


def test_the_command_is_make_labs(lab: Lab) -> None:
    cmd = lab_command(lab.port)
    assert "--ServerApp.ip=127.0.0.1" in cmd and f"--ServerApp.port={lab.port}" in cmd
    assert not any("token=" in arg or "allow_remote_access" in arg or "disable_check_xsrf" in arg for arg in cmd)
    assert len(lab.token) >= 32


def test_with_the_token_it_serves(lab: Lab) -> None:
    assert get(lab.url("/api/status", lab.token))[0] == 200
    assert get(lab.url("/lab", lab.token))[0] == 200


@pytest.mark.parametrize("path", ["/api/status", "/api/contents", "/api/kernels", "/api/sessions", "/api/terminals"])
def test_the_api_without_the_token_is_403(lab: Lab, path: str) -> None:
    assert get(lab.url(path))[0] == 403
    assert get(lab.url(path, "0" * 48))[0] == 403  # a wrong token too


@pytest.mark.parametrize("path", ["/lab", "/lab/tree/00_start_here.ipynb", "/tree"])
def test_a_page_without_the_token_redirects_to_login(lab: Lab, path: str) -> None:
    status, location, body = get(lab.url(path))
    assert status == 302, (status, body[:200])
    assert location.startswith("/login?next="), location
    assert "00_start_here" not in body
    status, _, body = get(lab.url("/login"))
    assert status == 200 and 'name="password"' in body  # it asks for the token


@pytest.mark.parametrize("host", ["attacker.example", "attacker.example:8888", "localhost.evil.example", "10.0.0.1"])
@pytest.mark.parametrize("path", ["/api/status", "/lab", "/api/contents"])
def test_a_foreign_host_is_403_even_with_the_token(lab: Lab, host: str, path: str) -> None:
    assert get(lab.url(path, lab.token), host=host)[0] == 403
    assert get(lab.url(path), host=host)[0] == 403


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_a_loopback_host_is_served(lab: Lab, host: str) -> None:
    assert get(lab.url("/api/status", lab.token), host=f"{host}:{lab.port}")[0] == 200
