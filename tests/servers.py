"""The server plumbing every test and benchmark that starts Jupyter shares: a free port, the server's kernels,
stopping it all, and JupyterLab's command line as the browser suite runs it.

Kernels run in sessions of their own, so a kill of the server's process group misses them: they are found
as the server's children (by pid, so only our own) before the server stops, and killed after it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

__all__ = ["child_pids", "free_port", "jupyterlab_command", "stop_process"]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def child_pids(pid: int) -> list[int]:
    """Direct children of ``pid``, read from /proc."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return children


def stop_process(
    proc: subprocess.Popen[bytes], children: Sequence[int] = (), *, wait_s: float = 20.0, note: str = ""
) -> None:
    """SIGTERM ``proc``; if it has not exited after ``wait_s``, SIGKILL its process group; then SIGKILL ``children``
    (its kernels, listed by the caller before the stop, while they were still its children).

    :param note: printed when the kill is needed (a server that ignores SIGTERM is worth a line in the log)
    """
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(wait_s)
        except subprocess.TimeoutExpired:
            if note:
                print(f"[{note}] no exit {wait_s:.0f} s after SIGTERM; killing")
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
    for pid in children:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def jupyterlab_command(
    *, port: int, token: str, root: Path, settings_dir: Path, workspaces_dir: Path, extra: tuple[str, ...] = ()
) -> list[str]:
    """JupyterLab on 127.0.0.1:``port`` with ``token``, serving ``root``, with its own settings and workspaces,
    no terminals (and ``--allow-root`` when run as root, which the server otherwise refuses)."""
    cmd = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        "--ServerApp.ip=127.0.0.1",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        f"--LabApp.user_settings_dir={settings_dir}",
        f"--LabApp.workspaces_dir={workspaces_dir}",
        *extra,
        "--ServerApp.terminals_enabled=False",
    ]
    if os.geteuid() == 0:
        cmd.insert(3, "--allow-root")
    return cmd
