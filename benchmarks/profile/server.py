"""The Lab server as the browser suite starts it, the processes' CPU seconds, the commit and the load average."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from conftest import (
    LIGHT,
    QUIET_SETTINGS,
    THEMES_PLUGIN,
    LabServer,
    hermetic_jupyter_env,
    stop_server,
    wait_until_ready,
    write_settings,
)
from servers import free_port, jupyterlab_command

from . import ROOT

# ------------------------------------------------------------------------------------------ the machine


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f}"


def _proc_table() -> dict[int, tuple[int, float]]:
    """pid -> (parent pid, CPU seconds used so far: user + system) of every process readable in /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    table = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        table[int(stat.parent.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / ticks)
    return table


def _descendants(table: dict[int, tuple[int, float]], root: int) -> set[int]:
    found, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, (ppid, _) in table.items() if ppid == parent]
        found.update(children)
        frontier.extend(children)
    return found


def cpu_seconds(server_pid: int) -> dict[str, float]:
    """CPU seconds used so far by the Lab server itself, its kernels, and this script's browser (the Playwright
    driver and chromium: this process's other descendants). Differences over a run say who kept the cores busy."""
    table = _proc_table()
    server_tree = _descendants(table, server_pid)
    browser = _descendants(table, os.getpid()) - server_tree - {os.getpid()}
    kernels = server_tree - {server_pid}
    return {
        "server": table.get(server_pid, (0, 0.0))[1],
        "kernel": sum(table[p][1] for p in kernels if p in table),
        "browser": sum(table[p][1] for p in browser if p in table),
    }


def git_commit() -> str:
    out = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False, timeout=30
    )
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
    return out.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")


# ------------------------------------------------------------------------------------ server and browser


# The server loads folioviz.server_extension (TCP_NODELAY on kernel websockets; hermetic_jupyter_env puts the checkout's
# jupyter-config/ on the config path). --no-nodelay switches it off: the server as jupyter_server ships it, whose
# small kernel frames wait for the browser's delayed ACK (docs/performance.md, "Bit clicks").
NODELAY_LOG = "folioviz: TCP_NODELAY on kernel websockets"
NODELAY_OFF = "--ServerApp.jpserver_extensions=folioviz.server_extension=False"


@contextlib.contextmanager
def lab_server(
    *, nodelay: bool = True, settings: dict[str, dict[str, Any]] | None = None, eager_figures: bool = False
) -> Iterator[LabServer]:
    """JupyterLab as the browser suite starts it (tests/browser/conftest.py ``lab_server``), for this script."""
    with tempfile.TemporaryDirectory(prefix="fv-profile-") as tmp:
        base = Path(tmp)
        root = base / "notebooks"
        shutil.copytree(ROOT / "notebooks", root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        settings_dir, workspaces_dir = base / "user-settings", base / "workspaces"
        workspaces_dir.mkdir()
        for plugin_id, values in {**QUIET_SETTINGS, **(settings or {})}.items():
            write_settings(settings_dir, plugin_id, values)
        write_settings(settings_dir, THEMES_PLUGIN, {"theme": LIGHT})
        token, port = secrets.token_hex(16), free_port()
        cmd = jupyterlab_command(
            port=port,
            token=token,
            root=root,
            settings_dir=settings_dir,
            workspaces_dir=workspaces_dir,
            extra=() if nodelay else (NODELAY_OFF,),
        )
        log_path = base / "server.log"
        env = hermetic_jupyter_env(base)
        if eager_figures:  # the experiment: without folioviz's lab extension, jupyterlab-plotly draws every figure
            env["JUPYTER_PATH"] = os.pathsep.join(
                p for p in env["JUPYTER_PATH"].split(os.pathsep) if "_jupyter" not in p
            )
        with log_path.open("wb") as log:
            proc = subprocess.Popen(
                cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=base, start_new_session=True
            )
        lab = LabServer(f"http://127.0.0.1:{port}", token, root, settings_dir, log_path, proc)
        try:
            wait_until_ready(lab)
            if nodelay != (NODELAY_LOG in lab.log_tail(400)):
                raise RuntimeError(
                    f"the server should {'' if nodelay else 'not '}load folioviz.server_extension:\n{lab.log_tail()}"
                )
            yield lab
        finally:
            stop_server(lab)
