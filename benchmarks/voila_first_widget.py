"""The speaker's view: time from the page request to the first widget in ``make app`` (Voilà), in chromium.

Usage: python benchmarks/voila_first_widget.py [--runs N] [--modes plain,progressive,app-cold,app] [--nb NAME]

Each run starts its own Voilà server on 127.0.0.1 in single-notebook mode (as ``make app`` does), with
per-run Jupyter dirs, then opens the page in a new chromium page. Modes:

* ``plain``: ``make app`` as it was before issue 10 (the ``folioviz-offline`` template, Voilà's
  defaults): Voilà runs the whole notebook in a new kernel, then shows the page.
* ``progressive``: the same plus ``--VoilaConfiguration.progressive_rendering=True``: the page comes at
  once and each cell's outputs appear as the kernel runs it.
* ``app-cold``: ``make app`` now (its ``APP_FLAGS``, read from the Makefile: a pre-heated kernel, no
  jupyterlab-plotly extension, figures drawn by the template), the page asked for as soon as the
  server answers, as when Voilà opens the browser itself at start.
* ``app``: the same, once the pre-heated kernel has run the notebook (``--preheat-wait`` seconds after
  the server answers), as on a reload or a tab opened during the talk.

The clock starts just before ``page.goto`` and stops when the first live folioviz widget view is
visible (``.jp-OutputArea-output > .jupyter-widgets.folioviz``; a static snapshot does not count), then
when every widget output shows a widget. Reported: the median of ``--runs`` runs per mode (default 3,
or ``FOLIOVIZ_FIGURES_RUNS``) and each run; written to ``test-artifacts/voila_first_widget.json``.
Nothing is asserted: speed is measured here, never in a test.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import platform
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from makefile_vars import app_flags  # noqa: E402

ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
OLD_APP = ["--template=folioviz-offline", "--VoilaConfiguration.extension_denylist=@jupyter-notebook/lab-extension"]


MODES = {
    "plain": lambda: OLD_APP,  # make app before issue 10: run the whole notebook, then show the page
    "progressive": lambda: [*OLD_APP, "--VoilaConfiguration.progressive_rendering=True"],
    "app-cold": app_flags,  # make app now, the page asked for as soon as the server answers
    "app": app_flags,  # make app now, its pre-heated kernel warm (as on a reload, or a tab opened later)
}
# How many widget views the page shows when complete: one per widget output of the committed notebook.
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def widget_outputs(name: str) -> int:
    nb = json.loads((ROOT / "notebooks" / f"{name}.ipynb").read_text())
    return sum(WIDGET_VIEW in o.get("data", {}) for c in nb["cells"] for o in c.get("outputs", []))


def start_voila(name: str, flags: list[str], scratch: Path) -> tuple[subprocess.Popen[bytes], str, Path]:
    """Voilà as ``make app`` runs it, with per-run Jupyter dirs; returns (process, page URL, log)."""
    port, token = _free_port(), secrets.token_hex(8)
    env = os.environ.copy()
    for var, sub in {"JUPYTER_CONFIG_DIR": "config", "JUPYTER_RUNTIME_DIR": "runtime", "IPYTHONDIR": "ipython"}.items():
        (scratch / sub).mkdir(parents=True, exist_ok=True)
        env[var] = str(scratch / sub)
    env["JUPYTER_PATH"] = str(ROOT / "folioviz" / "_jupyter")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.pop("FOLIOVIZ_ERA", None)
    env["JUPYTER_DATA_DIR"] = str(scratch / "data")
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        from app_assets import install
    finally:
        sys.path.pop(0)
    install(scratch / "data")  # plotly.js for the template, as `make app` puts it in .venv/share/jupyter
    # `make app` runs Voila through tools/voila_app.py (127.0.0.1 only, token, Host check, kernel cap, culler);
    # the modes from before it run Voila itself.
    own_voila = ["-m", "voila", "--Voila.ip=127.0.0.1"]
    launcher = [str(ROOT / "tools" / "voila_app.py")] if flags == app_flags() else own_voila
    cmd = [
        sys.executable,
        *launcher,
        str(ROOT / "notebooks" / f"{name}.ipynb"),
        "--no-browser",
        f"--port={port}",
        "--Voila.port_retries=0",
        f"--Voila.token={token}",
        *flags,
    ]
    log = scratch / "voila.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    url = f"http://127.0.0.1:{port}/?token={token}"
    return proc, url, log


def wait_ready(proc: subprocess.Popen[bytes], port_url: str, log: Path, timeout: float = 60) -> float:
    base = port_url.split("/?")[0]
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"voila exited ({proc.returncode}):\n{log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{base}/api/status", timeout=2):
                return time.monotonic() - started
        except urllib.error.HTTPError:  # 403 without the token: the server answers
            return time.monotonic() - started
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise RuntimeError(f"voila did not answer in {timeout} s:\n{log.read_text()[-2000:]}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


def time_page(browser, url: str, expected: int) -> tuple[float, float]:
    """Seconds from the request to the first visible widget, and to every widget view."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    try:
        t0 = time.monotonic()
        page.goto(url, wait_until="commit", timeout=120_000)
        page.locator(".jp-OutputArea-output > .jupyter-widgets.folioviz").first.wait_for(
            state="visible", timeout=120_000
        )
        first = time.monotonic() - t0
        page.wait_for_function(
            "n => document.querySelectorAll('.jp-OutputArea-output > .jupyter-widgets').length >= n",
            arg=expected,
            timeout=120_000,
        )
        every = time.monotonic() - t0
    finally:
        page.close()
    return first, every


def measure(name: str, modes: list[str], runs: int, preheat_wait: float) -> dict:
    from playwright.sync_api import sync_playwright

    expected = widget_outputs(name)
    results: dict[str, dict] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            for mode in modes:
                firsts, everys, ready = [], [], []
                for _ in range(runs):
                    with tempfile.TemporaryDirectory(prefix="fv-voila-") as scratch:
                        proc, url, log = start_voila(name, MODES[mode](), Path(scratch))
                        try:
                            ready.append(wait_ready(proc, url, log))
                            if mode == "app":
                                time.sleep(preheat_wait)  # the pool's kernel runs the notebook meanwhile
                            first, every = time_page(browser, url, expected)
                        finally:
                            stop(proc)
                    firsts.append(first)
                    everys.append(every)
                    print(f"  {mode:12s} first widget {first:5.2f} s, every widget {every:5.2f} s", flush=True)
                results[mode] = {
                    "first_widget_median_s": round(statistics.median(firsts), 2),
                    "every_widget_median_s": round(statistics.median(everys), 2),
                    "first_widget_s": [round(x, 2) for x in firsts],
                    "every_widget_s": [round(x, 2) for x in everys],
                    "server_ready_median_s": round(statistics.median(ready), 2),
                }
        finally:
            browser.close()
    return {"notebook": name, "widget_outputs": expected, "runs": runs, "modes": results}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nb", default="demo_10_minutes")
    parser.add_argument("--runs", type=int, default=int(os.environ.get("FOLIOVIZ_FIGURES_RUNS", "3")))
    parser.add_argument("--modes", default="plain,progressive,app-cold,app")
    parser.add_argument("--preheat-wait", type=float, default=20.0)
    args = parser.parse_args(argv)
    modes = [m for m in args.modes.split(",") if m]
    unknown = set(modes) - set(MODES)
    if unknown:
        parser.error(f"unknown mode(s) {sorted(unknown)}; choose from {list(MODES)}")
    print(f"Voilà, {args.nb}: page request -> first widget (median of {args.runs})")
    data = measure(args.nb, modes, args.runs, args.preheat_wait)
    data["generated"] = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    data["machine"] = {"cpus": os.cpu_count(), "platform": platform.platform()}
    for mode, r in data["modes"].items():
        print(
            f"{mode:12s} first widget {r['first_widget_median_s']:5.2f} s   every widget "
            f"{r['every_widget_median_s']:5.2f} s   (runs: {', '.join(map(str, r['first_widget_s']))})"
        )
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "voila_first_widget.json").write_text(json.dumps(data, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
