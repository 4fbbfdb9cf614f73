"""The issue-22 targets, the table of measured figures against them, and its record in docs/performance.md.

Pure functions: measurements in, text out. Nothing here times anything (tests/test_bench_table.py checks it).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

HISTORY = "## History (`make bench BENCH=--record`)"
HISTORY_INTRO = (
    "What `make bench` printed, newest first: each issue-22 target, the figure measured, and whether it passed, with\n"
    "the commit and the machine's load average at the start and the end of the run.\n"
)


@dataclass(frozen=True)
class Target:
    """A line of issue 22's "Done when": the figure must be at most ``limit`` (in ``unit``)."""

    key: str  # what --only/--skip name
    label: str
    limit: float
    unit: str
    short: str = ""  # the label of a row that names its subject (a notebook): "Run All: 01_the_mapping_word"


TARGETS = {
    t.key: t
    for t in [
        Target(
            "runall",
            "Run All in JupyterLab until every widget and every figure in view shows (median of 3)",
            1.0,
            "s",
            "Run All",
        ),
        Target("clicks", "In-page bit click to word box, notebook 01, p90 (median)", 30.0, "ms"),
        Target("voila", "Voila: first widget, page asked for as the server starts (median of 3)", 3.0, "s"),
        Target("lite-size", "Browser build (JupyterLite): site size", 30.0, "MB"),
        Target("lite-widget", "Browser build: first widget, cold (median of 3)", 6.0, "s"),
        Target("ci", "Fresh-clone `CI=true bash .ci/run`", 12.0, "min"),
    ]
}
#: The measurement groups --only/--skip choose from (a group may fill several targets' rows).
GROUPS = {
    "scripts": (),  # the older benchmark scripts (benchmarks/run.py ...): printed above the table, no row
    "runall": ("runall",),
    "clicks": ("clicks",),
    "voila": ("voila",),
    "lite": ("lite-size", "lite-widget"),
    "ci": ("ci",),
}


@dataclass(frozen=True)
class Row:
    """One line of the table: a target, with a figure or the reason there is none."""

    target: Target
    value: float | None = None
    detail: str = ""  # e.g. "median 18.2 ms", or the notebook's name
    subject: str = ""  # what this row measured when a target has several (a notebook)
    missing: str = ""  # why there is no figure ("not run (make bench CI=1)")

    @property
    def verdict(self) -> str:
        if self.value is None or math.isnan(self.value):
            return "-"
        return "pass" if self.value <= self.target.limit else "over"


@dataclass
class Run:
    """One `make bench`: where and when it ran, and its rows."""

    commit: str
    date: str  # "2026-12-07 05:40 UTC"
    load_start: str
    load_end: str
    cpus: int | None = None
    rows: list[Row] = field(default_factory=list)


def _figure(value: float, unit: str) -> str:
    digits = 0 if unit == "ms" else 1 if unit in ("MB", "min") else 2
    return f"{value:.{digits}f} {unit}"


def _cells(row: Row) -> list[str]:
    label = f"{row.target.short or row.target.label}: {row.subject}" if row.subject else row.target.label
    if row.value is None:
        measured = row.missing or "not measured"
    else:
        measured = _figure(row.value, row.target.unit) + (f" ({row.detail})" if row.detail else "")
    return [label, measured, f"≤ {_figure(row.target.limit, row.target.unit)}", row.verdict]


def markdown_table(rows: list[Row]) -> str:
    head = ["target", "measured", "goal", "verdict"]
    body = [_cells(r) for r in rows]
    widths = [max(len(line[i]) for line in [head, *body]) for i in range(len(head))]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    return "\n".join([line(head), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, body)])


def section(run: Run) -> str:
    """The run as a markdown section: a dated heading, the commit and load average, the table."""
    cpus = f", {run.cpus} CPUs" if run.cpus else ""
    named = {r.target for r in run.rows if r.subject and r.target.short}
    legend = "".join(f"{t.short} rows: {t.label}. " for t in sorted(named, key=lambda t: t.key))
    passed = sum(r.verdict == "pass" for r in run.rows)
    over = sum(r.verdict == "over" for r in run.rows)
    return (
        f"### {run.date}, commit `{run.commit}`\n\n"
        f"Load average {run.load_start} at the start, {run.load_end} at the end{cpus}. "
        f"{passed} pass, {over} over, {len(run.rows) - passed - over} not measured. {legend}".rstrip()
        + "\n\n"
        f"{markdown_table(run.rows)}\n"
    )


def record(document: str, new_section: str) -> str:
    """``document`` (docs/performance.md) with ``new_section`` first in its History part; older sections kept.

    With no History part yet, one is made before the document's first ``## `` section (after the introduction).
    """
    if HISTORY not in document:
        first = re.search(r"^## ", document, flags=re.MULTILINE)
        at = first.start() if first else len(document)
        head = document[:at].rstrip("\n") + "\n\n" if document[:at].strip() else ""
        document = head + f"{HISTORY}\n\n{HISTORY_INTRO}" + document[at:]
    start = document.index(HISTORY)
    intro = document.find(HISTORY_INTRO, start)
    at = intro + len(HISTORY_INTRO) if intro >= 0 else document.index("\n", start) + 1
    rest = document[at:].lstrip("\n")
    return document[:at] + "\n" + new_section.rstrip("\n") + "\n\n" + rest
