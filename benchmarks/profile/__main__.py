"""``python -m benchmarks.profile`` (``make profile``): the command line; see the package's docstring."""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
from collections import defaultdict
from pathlib import Path
from typing import Any

from conftest import ready_notebooks
from playwright_harness import launch_chromium

from . import DESCRIPTION, ROOT
from .clicks import profile_clicks
from .report import click_table, flow_table, table
from .server import git_commit, lab_server, load_average
from .session import Session, profile_notebook

RESULTS = ROOT / "benchmarks" / "results"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile", description=DESCRIPTION)
    parser.add_argument("--runs", type=int, default=3, help="traced Run All runs per notebook (default 3)")
    parser.add_argument("--nb", nargs="*", help="notebook names (default: every ready one)")
    parser.add_argument("--untraced", type=int, default=1, help="untraced runs per notebook (default 1)")
    parser.add_argument("--clicks", type=int, default=30)
    parser.add_argument("--no-clicks", action="store_true")
    parser.add_argument("--no-run-all", action="store_true")
    parser.add_argument("--dump-trace", type=Path, help="write each raw trace here (not committed)")
    parser.add_argument(
        "--no-nodelay",
        dest="nodelay",
        action="store_false",
        help="as upstream: switch off folioviz.server_extension (TCP_NODELAY on kernel websockets), for comparison",
    )
    parser.add_argument(
        "--eager-figures",
        action="store_true",
        help="experiment: without folioviz-lazy-figures (every plotly figure drawn as it arrives, in view or not)",
    )
    parser.add_argument("--tag", default="", help="suffix of the result files (e.g. -upstream)")
    parser.add_argument(
        "--setting",
        nargs=3,
        action="append",
        default=[],
        metavar=("PLUGIN", "KEY", "JSON"),
        help="experiment: a JupyterLab user setting (JSON value), e.g. PLUGIN=@jupyterlab/notebook-extension:tracker "
        "KEY=windowingMode JSON='\"none\"'",
    )
    args = parser.parse_args()
    names = [n if n.endswith(".ipynb") else f"{n}.ipynb" for n in args.nb] if args.nb else ready_notebooks()
    machine: dict[str, Any] = {"cpus": os.cpu_count(), "platform": platform.platform(), "load_at_start": load_average()}
    header = {"commit": git_commit(), "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")}
    print(f"[profile] commit {header['commit']}, {header['date']}, {machine}", flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    machine["nodelay"] = args.nodelay
    machine["eager_figures_experiment"] = args.eager_figures
    settings: dict[str, dict[str, Any]] = defaultdict(dict)
    for plugin, key, value in args.setting:
        settings[plugin][key] = json.loads(value)
    machine["settings_experiment"] = dict(settings)
    with (
        lab_server(nodelay=args.nodelay, settings=settings, eager_figures=args.eager_figures) as lab,
        launch_chromium("profile") as browser,
    ):
        session = Session(browser, lab, args.dump_trace)
        notebooks = (
            [] if args.no_run_all else [profile_notebook(session, name, args.runs, args.untraced) for name in names]
        )
        clicks = None if args.no_clicks else profile_clicks(session, args.clicks)
    machine["load_at_end"] = load_average()
    if notebooks:
        (RESULTS / f"profile-run-all{args.tag}.json").write_text(
            json.dumps({**header, "machine": machine, "runs": args.runs, "notebooks": notebooks}, separators=(",", ":"))
            + "\n"
        )
        print(f"\nRun All, JupyterLab, median of {args.runs} traced runs, seconds (load {machine['load_at_end']}):")
        print(table(notebooks))
        print("\nCPU seconds during Run All (untraced) and an IOPub message's trip to the page (ms, median):")
        print(flow_table(notebooks))
        print("\nFigures: Run All until every figure is drawn (in view or not), and scroll to a figure -> drawn (ms):")
        for nb in notebooks:
            print(f"  {nb['notebook']}: all drawn {nb['all_drawn_s_median']:.2f} s; {nb['scroll_to_drawn_ms']}")
    if clicks:
        (RESULTS / f"profile-clicks{args.tag}.json").write_text(
            json.dumps({**header, "machine": machine, **clicks}, separators=(",", ":")) + "\n"
        )
        print("\nBit clicks, notebook 01, in-page:")
        print(click_table(clicks))


if __name__ == "__main__":
    main()
