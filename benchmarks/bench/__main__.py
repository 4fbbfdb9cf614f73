"""``python -m benchmarks.bench`` (``make bench``): the command line; see the package's docstring."""

from __future__ import annotations

import argparse
import datetime
import os
import subprocess
import sys

from . import DESCRIPTION
from .measure import ROOT, ci_row, lab_rows, lite_rows, run_scripts, voila_row
from .table import GROUPS, HISTORY, Row, Run, record, section

DOC = ROOT / "docs" / "performance.md"


def load_average() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def git_commit() -> str:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=60).stdout.strip()

    dirty = git("status", "--porcelain", "--untracked-files=no")  # tracked changes, as the profile counts them
    return git("rev-parse", "--short", "HEAD") + ("+dirty" if dirty else "")


def chosen(only: list[str], skip: list[str]) -> list[str]:
    """The groups to measure, in the table's order: ``only`` (all when empty) less ``skip``."""
    unknown = sorted(set(only + skip) - set(GROUPS))
    if unknown:
        raise SystemExit(f"unknown group(s) {unknown}: choose from {', '.join(GROUPS)}")
    return [g for g in GROUPS if (not only or g in only) and g not in skip]


def measure(groups: list[str], ci: bool) -> tuple[list[Row], list[str]]:
    rows: list[Row] = []
    failed: list[str] = []
    if "scripts" in groups:
        failed += run_scripts()
    if "runall" in groups or "clicks" in groups:
        rows += lab_rows(run_all="runall" in groups, clicks="clicks" in groups)
    if "voila" in groups:
        rows.append(voila_row())
    if "lite" in groups:
        rows += lite_rows()
    if "ci" in groups:
        rows.append(ci_row(ci))
    return rows, failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench", description=DESCRIPTION)
    names = ", ".join(GROUPS)
    parser.add_argument("--only", nargs="+", default=[], metavar="GROUP", help=f"measure these groups only ({names})")
    parser.add_argument("--skip", nargs="+", default=[], metavar="GROUP", help="measure every group but these")
    parser.add_argument("--ci", action="store_true", help="time a fresh clone's `CI=true bash .ci/run` (~15 min)")
    parser.add_argument("--record", action="store_true", help=f"add the table to {DOC.name}, {HISTORY!r}")
    args = parser.parse_args(argv)
    groups = chosen(args.only, args.skip)
    start = Run(
        commit=git_commit(),
        date=datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        load_start=load_average(),
        load_end="",
        cpus=os.cpu_count(),
    )
    print(f"[bench] commit {start.commit}, {start.date}, load {start.load_start}; groups {', '.join(groups)}")
    rows, failed = measure(groups, args.ci)
    start.load_end = load_average()
    start.rows = rows
    text = section(start)
    print("\n" + text)
    if failed:
        print(f"[bench] scripts that failed: {', '.join(failed)}")
    if args.record:
        DOC.write_text(record(DOC.read_text(), text))
        print(f"[bench] recorded in {DOC.relative_to(ROOT)}")
    return 1 if failed or any(r.missing.startswith("failed") for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
