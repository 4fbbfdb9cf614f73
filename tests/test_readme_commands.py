"""The README's first promise: `make lab` opens the workbook in JupyterLab on 127.0.0.1 with a token."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from servers import free_port

ROOT = Path(__file__).resolve().parents[1]


def _status(url: str, wait: float = 30.0) -> int:
    """The HTTP status of ``url``, retrying while the server is still coming up."""
    deadline = time.monotonic() + wait
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code
        except urllib.error.URLError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def test_readme_names_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    assert "make lab" in readme and "make test" in readme
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci


def _ready_venv(tmp_path: Path) -> Path:
    """A stand-in for .venv whose install stamp is fresh, so `make lab` only starts the server.

    Its bin/ is the running interpreter's, which already has everything installed: the fast suite must
    never reach `pip install` (and the network) because a worktree's stamp is missing or stale.
    """
    venv = tmp_path / "venv"
    venv.mkdir()
    (venv / "bin").symlink_to(Path(sys.executable).parent, target_is_directory=True)
    (venv / ".folioviz-installed").touch()
    return venv


def _make_lab(venv: Path, port: int) -> list[str]:
    return ["make", "--no-print-directory", "lab", f"LAB_PORT={port}", f"VENV={venv}"]


def test_make_lab_installs_nothing_when_the_venv_is_ready(tmp_path):
    plan = subprocess.run(
        [*_make_lab(_ready_venv(tmp_path), 1), "--dry-run"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert "pip install" not in plan.stdout and "-m venv" not in plan.stdout, plan.stdout
    assert "jupyter lab" in plan.stdout


def test_make_lab_serves_the_workbook_on_loopback_with_a_token(tmp_path):
    port = free_port()
    env = {**os.environ, "BROWSER": "true", "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")}
    proc = subprocess.Popen(
        _make_lab(_ready_venv(tmp_path), port),
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    log: list[str] = []
    try:
        token = None
        deadline = time.monotonic() + 90
        while token is None and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            log.append(line)
            match = re.search(rf"http://127\.0\.0\.1:{port}/lab\?token=([0-9a-f]+)", line)
            token = match.group(1) if match else None
        assert token, "make lab did not print a 127.0.0.1 URL with a token:\n" + "".join(log[-20:])
        base = f"http://127.0.0.1:{port}"
        assert _status(f"{base}/api/contents") == 403, "the server answers without a token"
        assert _status(f"{base}/api/contents/00_start_here.ipynb?token={token}") == 200
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
