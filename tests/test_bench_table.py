"""`make bench`'s table and its record in docs/performance.md (benchmarks/bench/table.py): text from given figures.

Nothing is timed here: the rows are made up, and the record step works on a string.
"""

from __future__ import annotations

import pytest

from benchmarks.bench.__main__ import chosen
from benchmarks.bench.measure import lite_figures
from benchmarks.bench.table import GROUPS, HISTORY, TARGETS, Row, Run, markdown_table, record, section


def a_run(**changes: object) -> Run:
    rows = [
        Row(TARGETS["runall"], 0.84, subject="01_the_mapping_word"),
        Row(TARGETS["runall"], 1.31, subject="03_lifecycle"),
        Row(TARGETS["clicks"], 27.6, detail="median 19 ms"),
        Row(TARGETS["voila"], 3.0),
        Row(TARGETS["lite-size"], missing="not built: run make lite"),
        Row(TARGETS["ci"], missing="not run (make bench CI=1)"),
    ]
    fields = {"commit": "abc1234+dirty", "date": "2026-12-07 05:40 UTC", "load_start": "1.00, 2.00, 3.00"}
    return Run(**(fields | {"load_end": "4.00, 5.00, 6.00", "cpus": 2, "rows": rows} | changes))  # type: ignore[arg-type]


def test_every_issue_target_has_a_row_and_a_group() -> None:
    assert set(TARGETS) == {"runall", "clicks", "voila", "lite-size", "lite-widget", "ci"}
    assert sorted(k for keys in GROUPS.values() for k in keys) == sorted(TARGETS)
    limits = {k: (t.limit, t.unit) for k, t in TARGETS.items()}
    assert limits == {
        "runall": (1.0, "s"),
        "clicks": (30.0, "ms"),
        "voila": (3.0, "s"),
        "lite-size": (30.0, "MB"),
        "lite-widget": (6.0, "s"),
        "ci": (12.0, "min"),
    }


def test_verdicts_pass_at_the_limit_and_over_past_it() -> None:
    assert Row(TARGETS["voila"], 3.0).verdict == "pass"
    assert Row(TARGETS["voila"], 3.01).verdict == "over"
    assert Row(TARGETS["voila"], missing="failed").verdict == "-"
    assert Row(TARGETS["voila"], float("nan")).verdict == "-"


def test_the_table_holds_each_row_with_figure_goal_and_verdict() -> None:
    lines = markdown_table(a_run().rows).splitlines()
    assert [c.strip() for c in lines[0].strip("|").split("|")] == ["target", "measured", "goal", "verdict"]
    assert set(lines[1]) <= {"|", "-"}
    body = [[c.strip() for c in line.strip("|").split("|")] for line in lines[2:]]
    assert body[0] == ["Run All: 01_the_mapping_word", "0.84 s", "≤ 1.00 s", "pass"]
    assert body[1][1:] == ["1.31 s", "≤ 1.00 s", "over"]
    assert body[2][1:] == ["28 ms (median 19 ms)", "≤ 30 ms", "pass"]
    assert body[4][1:] == ["not built: run make lite", "≤ 30.0 MB", "-"]
    assert body[5][1:] == ["not run (make bench CI=1)", "≤ 12.0 min", "-"]
    assert len({len(line) for line in lines}) == 1, "the columns line up"


def test_the_section_names_commit_date_load_and_counts() -> None:
    text = section(a_run())
    assert text.startswith("### 2026-12-07 05:40 UTC, commit `abc1234+dirty`\n")
    assert "Load average 1.00, 2.00, 3.00 at the start, 4.00, 5.00, 6.00 at the end, 2 CPUs." in text
    assert "3 pass, 1 over, 2 not measured. Run All rows: Run All in JupyterLab until every widget" in text
    assert markdown_table(a_run().rows) in text


DOC = """# Performance

Intro paragraph.

## Profile (issue 22 item 1)

Old figures.
"""


def test_record_makes_the_history_part_before_the_first_section() -> None:
    first = section(a_run())
    out = record(DOC, first)
    assert out.startswith("# Performance\n\nIntro paragraph.\n\n" + HISTORY + "\n")
    assert out.index(HISTORY) < out.index(first) < out.index("## Profile (issue 22 item 1)\n\nOld figures.\n")
    assert out.endswith("## Profile (issue 22 item 1)\n\nOld figures.\n")


def test_record_puts_the_newest_first_and_keeps_the_older_sections() -> None:
    older, newer = section(a_run()), section(a_run(date="2026-12-08 09:00 UTC", commit="def5678"))
    once = record(DOC, older)
    twice = record(once, newer)
    assert twice.index(HISTORY) < twice.index(newer) < twice.index(older) < twice.index("## Profile")
    assert twice.count(HISTORY) == 1
    assert twice.replace(newer.rstrip("\n") + "\n\n", "", 1) == once  # nothing else changed
    assert "\n\n\n" not in twice


def test_record_in_an_empty_document() -> None:
    out = record("", section(a_run()))
    assert out.startswith(HISTORY) and section(a_run()) in out


PRINTED = """site size: 27.9 MB on disk, 812 files; 9.1 MB gzip-compressed
medians of 3 cold loads (notebook 01):
  page load -> notebook shown          2.1 s
  page load -> kernel ready            5.0 s   (target <= 10 s)
  page load -> first widget            6.4 s   (target <= 12 s; Run All asked at once)
  bit click round trip                  21 ms  (target <= 50 ms)
  site size                           27.9 MB   (target <= 30 MB)
"""


def test_the_lite_figures_are_read_from_its_printed_medians() -> None:
    assert lite_figures(PRINTED) == {"lite-size": 27.9, "lite-widget": 6.4}
    assert lite_figures("no JupyterLite site in lite: run `make lite`") == {}


def test_only_and_skip_choose_groups_in_table_order() -> None:
    assert chosen([], []) == list(GROUPS)
    assert chosen(["clicks"], []) == ["clicks"]
    assert chosen(["ci", "runall"], []) == ["runall", "ci"]
    assert chosen([], ["scripts", "ci"]) == ["runall", "clicks", "voila", "lite"]
    with pytest.raises(SystemExit, match="unknown group"):
        chosen(["click"], [])
