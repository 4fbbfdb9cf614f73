"""The measurements behind each row of `make bench`'s table, by the benchmarks that already measure them.

* Run All and clicks: the profile package (benchmarks/profile) in this process: one JupyterLab server (the browser
  suite's set-up, folioviz.server_extension loaded) and one chromium. Run All: ``run_all_once`` untraced, three
  times per ready notebook, from the menu click to the frame in which every widget output shows its view and every
  plotly output its SVG. Clicks: ``profile_clicks`` on notebook 01 (in-page, click to word box), untraced.
* Voila: benchmarks/voila_first_widget.py ``--modes app-cold`` (``make app``'s flags, the page asked for as soon as
  the server answers), read back from test-artifacts/voila_first_widget.json.
* Browser build: benchmarks/lite.py, its printed medians (it needs ``lite/``: `make lite`).
* CI: a fresh clone of HEAD in a scratch directory, ``CI=true bash .ci/run`` timed (opt-in: about 15 minutes).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .table import TARGETS, Row

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ["run.py", "races.py", "lean.py", "real_kernel.py", "kernel_times.py", "lab.py"]
SCRIPT_TIMEOUT_S = 3600  # benchmarks/lab.py boots every kernel of the lab (about 2 minutes each on a busy machine)
RUN_ALL_RUNS = 3
CLICKS = 30
CLICKS_NOTEBOOK = "01_the_mapping_word.ipynb"


def child_env() -> dict[str, str]:
    """Subprocesses (servers, their kernels) import folioviz from this checkout."""
    env = os.environ.copy()
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def run_scripts() -> list[str]:
    """The older benchmark scripts, one after the other, their output shown as it comes. Returns the failures."""
    failed = []
    for script in SCRIPTS:
        print(f"\n[bench] benchmarks/{script}", flush=True)
        try:
            done = subprocess.run(
                [sys.executable, str(ROOT / "benchmarks" / script)], cwd=ROOT, env=child_env(), timeout=SCRIPT_TIMEOUT_S
            )
        except subprocess.TimeoutExpired:
            failed.append(f"{script} (over {SCRIPT_TIMEOUT_S} s)")
            continue
        if done.returncode:
            failed.append(f"{script} (exit {done.returncode})")
    return failed


def lab_rows(run_all: bool, clicks: bool) -> list[Row]:
    """Run All per ready notebook (median of 3 untraced) and the click p90, on one server and one chromium."""
    from benchmarks.profile.clicks import profile_clicks
    from benchmarks.profile.server import lab_server
    from benchmarks.profile.session import Session, run_all_once

    # isort: split
    # on sys.path once benchmarks.profile is imported (the browser suite's harness)
    from conftest import ready_notebooks
    from playwright_harness import launch_chromium

    rows = []
    with lab_server() as lab, launch_chromium("bench") as browser:
        session = Session(browser, lab, None)
        for name in ready_notebooks() if run_all else []:
            stem = name.removesuffix(".ipynb")
            walls = [
                run_all_once(session, name, traced=False, label=f"{stem}-bench{i + 1}")["wall_s"]
                for i in range(RUN_ALL_RUNS)
            ]
            wall = statistics.median(walls)
            print(f"[bench] Run All {stem}: {wall:.2f} s (runs {', '.join(f'{w:.2f}' for w in walls)})", flush=True)
            rows.append(Row(TARGETS["runall"], wall, subject=stem))
        if clicks:
            found = profile_clicks(session, CLICKS, traced=False)
            rows.append(Row(TARGETS["clicks"], found["p90_ms"], detail=f"median {found['median_ms']:.0f} ms"))
    return rows


def voila_row() -> Row:
    target = TARGETS["voila"]
    out = ROOT / "test-artifacts" / "voila_first_widget.json"
    out.unlink(missing_ok=True)
    cmd = [sys.executable, str(ROOT / "benchmarks" / "voila_first_widget.py"), "--modes", "app-cold", "--runs", "3"]
    done = subprocess.run(cmd, cwd=ROOT, env=child_env(), timeout=1800)
    if done.returncode or not out.exists():
        return Row(target, missing=f"failed (voila_first_widget.py exit {done.returncode})")
    mode = json.loads(out.read_text())["modes"]["app-cold"]
    return Row(target, mode["first_widget_median_s"], detail=f"every widget {mode['every_widget_median_s']:.1f} s")


def lite_figures(printed: str) -> dict[str, float]:
    """The site size (MB) and the cold first widget (s) from benchmarks/lite.py's printed medians."""
    found = {}
    size = re.search(r"^\s*site size\s+([\d.]+) MB", printed, flags=re.MULTILINE)
    widget = re.search(r"page load -> first widget\s+([\d.]+) s", printed)
    if size:
        found["lite-size"] = float(size.group(1))
    if widget:
        found["lite-widget"] = float(widget.group(1))
    return found


def lite_rows(site: Path = ROOT / "lite") -> list[Row]:
    size, widget = TARGETS["lite-size"], TARGETS["lite-widget"]
    if not (site / "lab" / "index.html").exists():
        why = "not built: run make lite"
        return [Row(size, missing=why), Row(widget, missing=why)]
    cmd = [sys.executable, str(ROOT / "benchmarks" / "lite.py"), "--dir", str(site)]
    done = subprocess.run(cmd, cwd=ROOT, env=child_env(), capture_output=True, text=True, timeout=1800)
    print(done.stdout, done.stderr, sep="", flush=True)
    found = lite_figures(done.stdout)
    why = f"failed (lite.py exit {done.returncode})"
    return [Row(t, found.get(t.key), missing=why) for t in (size, widget)]


def ci_row(run: bool) -> Row:
    target = TARGETS["ci"]
    if not run:
        return Row(target, missing="not run (make bench CI=1)")
    with tempfile.TemporaryDirectory(prefix="fv-bench-ci-") as tmp:
        clone = Path(tmp) / "folioviz"
        subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(ROOT), str(clone)], check=True, timeout=600)
        started = time.monotonic()
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")} | {"CI": "true"}
        done = subprocess.run(["bash", ".ci/run"], cwd=clone, env=env, timeout=3 * 3600)
        minutes = (time.monotonic() - started) / 60
        shutil.rmtree(clone, ignore_errors=True)
    if done.returncode:
        return Row(target, missing=f"failed after {minutes:.1f} min (exit {done.returncode})")
    return Row(target, minutes, detail="HEAD, committed changes only")
