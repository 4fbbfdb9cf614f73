"""The upper fields of page->flags (section, node, zone, lastcpupid, kasantag) against what real kernels said.

Truth comes from the kernel lab's own guests (data/real_kernels/): every dump_page() report they printed
carries the raw flags word (first word of the ``raw:`` line) and, from %pGp, the node, zone and lastcpupid
the kernel itself decoded from it. Each build's layout must give exactly those. v5.10's %pGp prints no
fields and its guest printed no dump_page() report, so every build is also checked on its whole memory
(``<release>.pages.tsv.xz``): each page's zone field must be the zone its pfn lies in on x86-64
(ZONE_DMA below 16 MiB, ZONE_DMA32 below 4 GiB; the pages recorded all lie in DMA32), its node 0 (the
guests have one node), and its lastcpupid all ones: with one node no NUMA-balancing fault ever records a
CPU, so every page keeps the value page_cpupid_reset_last() gave it.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest

from folioviz.kernel.flagfields import check_printed, decode_fields, printed_fields
from folioviz.kernel.flags import build_releases, build_table
from folioviz.kernel.observed import memory_rows, record
from folioviz.kernel.paste import parse_paste

ROOT = Path(__file__).resolve().parents[1]
BUILDS = sorted(build_releases())
CORPUS = ROOT / "tests" / "fixtures" / "reports"

_FLAGS = re.compile(r"flags: (0x[0-9a-f]+)\(([^)]*)\)")
_RAW = re.compile(r"raw: ([0-9a-f]{16}) ")


def _lab_reports(release: str) -> list[str]:
    return list(json.loads((ROOT / "data" / "real_kernels" / f"{release}.json").read_text())["dump_page_reports"])


def test_every_build_has_a_layout():
    for release in BUILDS:
        layout = build_table(release).layout
        assert layout is not None, release
        assert [name for name, *_ in layout.present()][:3] == ["node", "zone", "lastcpupid"], release
        assert layout.zone_names[:3] == ("DMA", "DMA32", "NORMAL")


@pytest.mark.parametrize("release", BUILDS)
def test_the_lab_s_dump_page_reports_print_what_the_layout_decodes(release, capsys):
    layout = build_table(release).layout
    assert layout is not None
    checked = 0
    for text in _lab_reports(release):
        flags_line, raw = _FLAGS.search(text), _RAW.search(text)
        assert flags_line and raw
        printed = printed_fields(flags_line.group(2))
        assert set(printed) == {"node", "zone", "lastcpupid"}
        word = int(raw.group(1), 16)  # the raw word, not the number %pGp printed
        decoded = {f.name: f.value for f in decode_fields(word, layout) if f.printed_by_pgp}
        assert decoded == printed, (release, text)
        check = check_printed(word, printed, layout)
        assert check.agree
        paste = parse_paste(text, kernel=release)
        assert paste.upper_fields is not None and paste.upper_fields.check is not None
        assert paste.upper_fields.check.agree
        checked += 1
    with capsys.disabled():
        print(f"\n{release}: {checked} lab dump_page() reports, node/zone/lastcpupid exact {checked}")
    # 5.10's guest printed none (and v5.10's %pGp prints no fields): the whole-memory test covers it.
    assert checked >= (0 if release.startswith("5.10.") else 1)


@pytest.mark.parametrize("release", BUILDS)
def test_every_page_s_zone_field_is_the_zone_of_its_pfn(release, capsys):
    layout = build_table(release).layout
    assert layout is not None
    rows = 0
    for row in memory_rows(record(release)):
        fields = {f.name: f.value for f in decode_fields(row.flags, layout)}
        expected = "DMA" if row.pfn < (16 << 20) >> 12 else "DMA32" if row.pfn < (4 << 30) >> 12 else "NORMAL"
        assert layout.zone_names[fields["zone"]] == expected, (release, hex(row.pfn), hex(row.flags))
        assert fields["node"] == 0, (release, hex(row.pfn))
        assert fields["lastcpupid"] == (1 << 21) - 1, (release, hex(row.pfn))
        rows += 1
    with capsys.disabled():
        print(f"\n{release}: {rows} pages of the guest's memory, zone, node and lastcpupid exact {rows}")
    assert rows > 1000


def test_the_layout_is_the_same_at_both_ends_of_the_builds_read():
    """Debian's amd64 config (NODES_SHIFT 10, NR_CPUS 8192, vmemmap, no tag KASAN) puts node, zone and
    lastcpupid in the same bits from 5.10.223 to 7.3.4; only the multi-gen LRU fields come and go."""
    first, last = build_table(BUILDS[0]).layout, build_table(BUILDS[-1]).layout
    assert first is not None and last is not None
    top = {"node": (10, 54), "zone": (3, 51), "lastcpupid": (21, 30)}
    for layout in (first, last):
        assert {name: (w, s) for name, w, s in layout.present() if name in top} == top
    assert "lru_gen" in first.absent() and "lru_gen" not in last.absent()


def test_a_wrong_build_s_layout_is_a_finding_the_learner_sees():
    """A syzbot kernel (NR_CPUS 8, few nodes) read with a Debian build's layout: the fields disagree."""
    text = (CORPUS / "019-kasan-buddy-v6.10.txt").read_text()
    paste = parse_paste(text)
    assert paste.upper_fields is not None and paste.upper_fields.check is not None
    assert not paste.upper_fields.check.agree
    assert any(note.startswith("Upper fields:") and "do not match" in note for note in paste.notes)
    assert paste.to_dict()["upper_fields_agree"] is False


def _corpus() -> list[dict[str, str]]:
    return list(tomllib.loads((CORPUS / "index.toml").read_text())["report"])


def _printed(report: dict[str, str]) -> dict[str, int]:
    found = _FLAGS.search((CORPUS / report["file"]).read_text())
    return printed_fields(found.group(2)) if found else {}


def _series(version: str) -> str:
    return ".".join(version.split(".")[:2])


def test_public_reports_that_match_a_build(capsys):
    """Public reports can be checked only where a build of their series and architecture was read."""
    series = {_series(build_table(r).version): r for r in BUILDS}
    reports = _corpus()
    with_fields = [r for r in reports if _printed(r)]
    matching = [r for r in reports if r["arch"] == "x86-64" and r["kernel"] in series]
    checkable = [r for r in matching if r in with_fields]
    agree = 0
    for r in checkable:
        text = (CORPUS / r["file"]).read_text()
        found = _FLAGS.search(text)
        assert found is not None
        layout = build_table(series[r["kernel"]]).layout
        assert layout is not None
        agree += check_printed(int(found.group(1), 16), printed_fields(found.group(2)), layout).agree
    with capsys.disabled():
        print(
            f"\ncorpus: {len(reports)} reports, {len(with_fields)} print upper fields; {len(matching)} are "
            f"x86-64 of a build's series ({', '.join(sorted({r['kernel'] for r in matching}))}), "
            f"{len(checkable)} of those print fields, agreeing {agree}"
        )
    assert agree == len(checkable)


def test_fields_are_printed_from_v5_13_and_not_before():
    """Both ends of the claim (data/commits.toml, c244297acbe5), in the corpus: dump_page() reports up to
    v5.11 print no fields, from v5.14 (the first release after v5.12 the corpus holds) they do."""
    old, new = [], []
    for r in _corpus():
        found = _FLAGS.search((CORPUS / r["file"]).read_text())
        if r["tool"] != "dump_page" or not r["kernel"] or found is None or not found.group(2):
            continue
        major, minor = (int(n) for n in r["kernel"].split("."))
        (old if (major, minor) < (5, 13) else new).append(bool(printed_fields(found.group(2))))
    assert old and not any(old)
    assert new and sum(new) >= len(new) - 2  # mail damage can cut the names off a line
