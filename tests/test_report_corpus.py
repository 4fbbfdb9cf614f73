"""The project's corpus of real reports: every one is read, with the flags and kind the report states.

``tests/fixtures/reports/`` holds struct page / folio reports copied verbatim from public sources
(syzbot, LKML mail, a CVE text, crash sessions); ``index.toml`` says where each came from and what the
report itself prints: the flags word and the kernel's own flag names, the kind it states (``anon``,
``ksm``, ``aops:`` = file, slab by flag or page type, a NULL mapping, or ``unknown`` when the report
does not say), and the refcount and mapcount. Nothing there was derived from folioviz's output.

A report that states no kind (a hashed ``mapping:`` with no evidence) expects
``decode(...).kind.value == "unknown"``: folioviz must say it cannot tell, not guess; a TAIL_MAPPING word
is ``"poison"``. The kernel lab's own guests add the ``dump_page()`` reports they printed
(``data/real_kernels/``).

Where folioviz is wrong today the report's test is ``xfail(strict=True)`` with what it gets wrong, so
every fix flips one. ``test_corpus_summary`` prints ``corpus: N reports, accepted ..., flags exact
..., kinds right ...`` to the terminal, with or without ``-s``.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from folioviz.kernel import FolioVizError, MappingDecode, decode
from folioviz.kernel.versions import get_era

CORPUS = Path(__file__).parent / "fixtures" / "reports"
LAB = Path(__file__).resolve().parents[1] / "data" / "real_kernels"
REPORTS: list[dict[str, Any]] = tomllib.loads((CORPUS / "index.toml").read_text(encoding="utf-8"))["report"]

#: What folioviz gets wrong today, per report file. Each entry is a target for the decoder's fixes.
XFAIL: dict[str, str] = {}

#: Reports whose release string, as printed, folioviz does not take yet (issue 18, item 2).
RELEASE_XFAIL: dict[str, str] = {}


@dataclass(frozen=True)
class Outcome:
    """What folioviz made of one report, against what the report states."""

    accepted: bool
    flags_exact: bool
    kind_right: bool
    counts_right: bool
    problems: tuple[str, ...]


def _era(report: dict[str, Any]) -> str | None:
    """The kernel the report states, as folioviz takes it: the release string when accepted, else major.minor."""
    for candidate in (report["release"], report["kernel"]):
        if candidate:
            try:
                get_era(candidate)
            except FolioVizError:
                continue
            return str(candidate)
    return None


def _read(report: dict[str, Any]) -> Outcome:
    text = (CORPUS / report["file"]).read_text(encoding="utf-8")
    try:
        result: MappingDecode = decode(text, _era(report))
    except FolioVizError as error:
        return Outcome(False, False, False, False, (f"refused: {str(error)[:200]}",))
    paste = result.folio.paste
    problems = []
    flags_exact = paste is not None and paste.flags == int(report["flags"], 16)
    if paste is not None and not flags_exact:
        problems.append(f"flags word {paste.flags!r}, report prints {report['flags']}")
    names = report.get("flag_names")
    if names is not None and paste is not None and set(paste.flag_names) != set(names):
        flags_exact = False
        problems.append(f"flag names {sorted(paste.flag_names)}, report prints {sorted(names)}")
    kind = result.kind.value.lower()
    kind_right = kind == report["kind"]
    if not kind_right:
        problems.append(f"kind {kind!r}, report states {report['kind']!r}")
    counts_right = True
    for field in ("refcount", "mapcount"):
        if field in report and getattr(paste, field, None) != report[field]:
            counts_right = False
            problems.append(f"{field} {getattr(paste, field, None)!r}, report prints {report[field]}")
    return Outcome(True, flags_exact, kind_right, counts_right, tuple(problems))


def _param(report: dict[str, Any]) -> Any:
    reason = XFAIL.get(report["file"])
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
    return pytest.param(report, id=report["file"].removesuffix(".txt"), marks=marks)


def test_the_corpus_is_what_the_index_says():
    files = sorted(p.name for p in CORPUS.glob("*.txt"))
    assert files == sorted(r["file"] for r in REPORTS)
    assert len(REPORTS) >= 45
    for report in REPORTS:
        assert report["source"] and report["tool"] and report["kind"], report["file"]
        assert report["kind"] in {"anon", "ksm", "file", "slab", "null", "movable", "unknown", "poison"}, report["file"]
        text = (CORPUS / report["file"]).read_text(encoding="utf-8")
        assert report["flags"].removeprefix("0x").lstrip("0") in text.lower(), report["file"]
    assert len({r["arch"] for r in REPORTS if r["arch"]}) >= 3


@pytest.mark.parametrize("report", [_param(r) for r in REPORTS])
def test_report(report: dict[str, Any]) -> None:
    outcome = _read(report)
    assert outcome.accepted and outcome.flags_exact and outcome.kind_right and outcome.counts_right, "; ".join(
        outcome.problems
    )


def _release_param(report: dict[str, Any]) -> Any:
    reason = RELEASE_XFAIL.get(report["file"])
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
    return pytest.param(report["release"], id=report["file"].removesuffix(".txt"), marks=marks)


#: Reports that print a release with a version in it ("syzkaller" alone, as newer syzbot kernels print, has none).
_WITH_RELEASE = [r for r in REPORTS if any(c.isdigit() for c in r["release"])]


@pytest.mark.parametrize("release", [_release_param(r) for r in _WITH_RELEASE])
def test_release_string_as_the_report_prints_it(release: str) -> None:
    """``--kernel``, ``decode()`` and the widget take the release as ``uname -r`` or syzbot print it."""
    get_era(release)


#: The dump_page() reports the kernel lab's guests printed (data/real_kernels/, `make real-kernels`), each
#: with the release that printed it: (release, report).
GUEST_REPORTS = [
    (record["kernel"]["release"], text)
    for record in (json.loads(path.read_text()) for path in sorted(LAB.glob("*.json")))
    for text in record.get("dump_page_reports", [])
]


def _guest_expected(text: str) -> tuple[set[str], str]:
    """What a guest's report states: its flag names, and its kind (the kernel's own label, else a NULL
    fourth raw word)."""
    names = text.split("flags: ")[1].split("(", 1)[1].split(")")[0].split("|")
    raw = [w for line in text.splitlines() if "raw:" in line for w in line.split("raw:")[1].split()]
    label = "anon" if "anon flags:" in text else "ksm" if "ksm flags:" in text else "file" if "aops:" in text else ""
    return {n for n in names if "=" not in n}, label or ("null" if int(raw[3], 16) == 0 else "unknown")


def _read_guest(release: str, text: str) -> Outcome:
    names, kind = _guest_expected(text)
    result = decode(text, release)
    paste = result.folio.paste
    flags_exact = paste is not None and set(paste.flag_names) == names
    kind_right = result.kind.value.lower() == kind
    problems = (
        [] if flags_exact and kind_right else [f"{release}: {result.kind.value}, flags {paste and paste.flag_names}"]
    )
    return Outcome(True, flags_exact, kind_right, True, tuple(problems))


@pytest.mark.parametrize("release, text", GUEST_REPORTS, ids=[r for r, _ in GUEST_REPORTS])
def test_a_report_from_the_kernel_labs_own_guests(release: str, text: str) -> None:
    outcome = _read_guest(release, text)
    assert outcome.flags_exact and outcome.kind_right, outcome.problems


def test_corpus_summary(capsys: pytest.CaptureFixture[str]) -> None:
    outcomes = [_read(r) for r in REPORTS]
    guests = [_read_guest(release, text) for release, text in GUEST_REPORTS]
    line = (
        f"corpus: {len(outcomes)} reports, accepted {sum(o.accepted for o in outcomes)}, "
        f"flags exact {sum(o.flags_exact for o in outcomes)}, kinds right {sum(o.kind_right for o in outcomes)}, "
        f"counts right {sum(o.counts_right for o in outcomes)}; the lab's guests: {len(guests)} dump_page() "
        f"reports, flags exact {sum(o.flags_exact for o in guests)}, kinds right {sum(o.kind_right for o in guests)}"
    )
    with capsys.disabled():  # shown on the terminal with or without -s
        print(f"\n{line}")
    wrong = {r["file"] for r, o in zip(REPORTS, outcomes, strict=True) if o.problems}
    assert wrong == set(XFAIL), "the xfail list is out of date: " + ", ".join(sorted(wrong ^ set(XFAIL)))
