"""The printed tables: Run All's columns, CPU and IOPub trips, and the bit clicks."""

from __future__ import annotations

from typing import Any

from .clicks import SLOW_CLICK_MS
from .trace import CATEGORIES

# ---------------------------------------------------------------------------------------------- report


SHORT = {
    "00_start_here": "00",
    "00_the_primer": "primer",
    "01_the_mapping_word": "01",
    "02_page_cache_refcounts": "02",
    "03_do_page_mkwrite": "03",
    "04_page_mkwrite_in_the_wild": "04",
    "05_how_the_rules_changed": "05",
    "06_races": "06",
    "07_on_a_real_kernel": "07",
    "demo_10_minutes": "demo",
}


def table(notebooks: list[dict[str, Any]]) -> str:
    head = ["notebook", "wall", "untraced", *CATEGORIES, "kernel exec", "frames in", "kB in", "load 1 min"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for nb in notebooks:
        stem = nb["notebook"].removesuffix(".ipynb")
        cells = [SHORT.get(stem, stem), f"{nb['wall_s_median']:.2f}", f"{nb['untraced_wall_s'] or float('nan'):.2f}"]
        cells += [f"{nb['seconds_median'][c]:.2f}" for c in CATEGORIES]
        cells += [
            f"{nb['kernel_exec_s_median']:.2f}",
            f"{nb['frames_received_median']:.0f}",
            f"{nb['bytes_received_median'] / 1e3:.0f}",
            _load_range(nb["runs"] + nb["untraced"]),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _load_range(runs: list[dict[str, Any]]) -> str:
    """The 1-minute load average at the start of the runs: lowest-highest."""
    loads = sorted(float(r["load"].split(",")[0]) for r in runs)
    return f"{loads[0]:.1f}-{loads[-1]:.1f}"


def flow_table(notebooks: list[dict[str, Any]]) -> str:
    """Who kept the two cores busy (CPU seconds during Run All, untraced) and how long an IOPub message took to
    reach the page (median ms, traced runs)."""
    head = ["notebook", "wall", "CPU server", "CPU kernel", "CPU browser", "comm_open", "trip", "to zmq", "zmq->page"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for nb in notebooks:
        stem = nb["notebook"].removesuffix(".ipynb")
        cpu, trip = nb["cpu_s_median"], nb["trip_ms_median"]
        wall = nb["untraced_wall_s"] or nb["wall_s_median"]
        cells = [SHORT.get(stem, stem), f"{wall:.2f}", *(f"{cpu[k]:.2f}" for k in ("server", "kernel", "browser"))]
        cells.append(f"{nb['comm_open_median']:.0f}")
        cells += [f"{trip[k]:.0f}" if trip[k] is not None else "-" for k in trip]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def click_table(clicks: dict[str, Any]) -> str:
    lines = [
        f"{clicks['clicks']} clicks: median {clicks['median_ms']} ms, p90 {clicks['p90_ms']} ms, "
        f"over {SLOW_CLICK_MS:.0f} ms: {len(clicks['slow'])} (load {clicks['load']})"
    ]
    for key in ("fast", "slow_group"):
        group = clicks[key]
        lines.append(
            f"  {key.removesuffix('_group')} clicks ({group['clicks']}): median {group['ms']} ms; main thread "
            f"{group['main_thread_ms']}; path {group['path_ms']}; longest task {group['longest_task_ms']} ms"
        )
    for row in clicks["rows"]:
        if row["ms"] <= SLOW_CLICK_MS:
            continue
        parts = ", ".join(f"{k} {v}" for k, v in sorted(row["main_thread_ms"].items(), key=lambda kv: -kv[1]))
        received = row["frames_received"]
        lines.append(
            f"  click {row['click']}: {row['ms']} ms = {parts}; kernel busy {row['kernel_busy_ms']} ms; "
            f"{received['count']} frames in ({received['bytes']} B, {received['comms']} models); "
            f"longest task {row['longest_task_ms']} ms; path {row['path_ms']}"
        )
    return "\n".join(lines)
