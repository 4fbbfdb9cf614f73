"""Page-flag tables per kernel build (data/page_flags/), and the table a paste's flags word is read with.

The tables are committed data, written by tools/flag_tables.py from each build's BTF; the first test
re-derives every table whose build the kernel lab has extracted (~/.cache/folioviz/kernels), and skips the
others. The rest use only the committed tables.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from folioviz.kernel import MappingKind, decode
from folioviz.kernel.flags import build_releases, build_table, table_choice
from folioviz.kernel.paste import parse_paste

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT))

NODE_ZONE = 0x17FFFFC0000000  # node/zone/last_cpupid above the flags, as Debian's amd64 builds print them


def _crash(flags: int, mapping: int) -> str:
    return f"crash> struct page ffffea0004000000\nstruct page {{\n  flags = {flags:#x},\n  mapping = {mapping:#x},\n}}"


@pytest.mark.parametrize("release", sorted(build_releases()))
def test_each_table_is_what_its_build_s_btf_gives(release):
    import flag_tables

    from lab import kernels

    (image,) = [i for i in kernels.images() if i.release == release]
    if not (image.dir / "btf").exists():
        pytest.skip(f"{release} is not in the cache (python -m lab kernels)")
    text = flag_tables.table_text(image, image.dir / "btf", image.dir / "config")
    assert (ROOT / "data" / "page_flags" / f"{release}.toml").read_text() == text


def test_every_lab_build_has_a_table_with_aliases_and_its_packages():
    from lab import kernels

    assert {i.release for i in kernels.images()} <= set(build_releases())
    for release in build_releases():
        table = build_table(release)
        assert table.aliases["swapcache"] == "owner_priv_1" and "=" in table.packages
        assert sorted(table.bits.values()) == list(range(len(table.bits)))


def test_the_numbers_the_issue_names():
    """v6.12 reordered enum pageflags; Debian's 6.17 has CONFIG_MEMORY_FAILURE; slab became a page type."""
    t612, t617, t61 = (build_table(r) for r in ("6.12.117+deb13-amd64", "6.17.8+deb13-amd64", "6.1.0-57-amd64"))
    assert (t612.bits["workingset"], t612.bits["swapbacked"], t612.slab) == (9, 17, "type")
    assert [t617.bits[n] for n in ("hwpoison", "young", "idle", "arch_2")] == [21, 22, 23, 24]
    assert t617.config["CONFIG_MEMORY_FAILURE"] == "y" and t617.aliases["movable_ops"] == "uptodate"
    assert (t61.bits["slab"], t61.slab) == (9, "flag")
    # Debian's 5.10 has no young/idle (CONFIG_IDLE_PAGE_TRACKING unset): arch_2 is 24, not 26.
    assert build_table("5.10.0-32-amd64").bits["arch_2"] == 24


def test_a_v6_12_swap_cache_folio_decodes_as_swap_cache():
    flags = NODE_ZONE | 1 << 3 | 1 << 5 | 1 << 10 | 1 << 17  # uptodate, lru, owner_priv_1 (swapcache), swapbacked
    d = decode(_crash(flags, 0xFFFF8881036D7A69), "6.12.117+deb13-amd64")
    assert d.folio.swapcache and d.kind is MappingKind.ANON
    assert "build 6.12.117+deb13-amd64 itself" in d.folio.paste.flag_table


def test_a_workingset_file_folio_is_not_slab():
    flags = NODE_ZONE | 1 << 3 | 1 << 5 | 1 << 9  # uptodate, lru, workingset
    d = decode(_crash(flags, 0xFFFF8881036D7A68), "6.12.117+deb13-amd64")
    assert d.kind is MappingKind.FILE and not d.folio.slab
    assert "workingset" in d.folio.paste.flag_names


def test_a_v6_17_hwpoison_bit_is_not_young():
    p = parse_paste(f"  flags = {1 << 21 | 1 << 3},\n  mapping = 0x0,", kernel="6.17.8+deb13-amd64")
    assert "hwpoison" in p.flag_names and "young" not in p.flag_names


def test_a_v6_7_slab_word_in_crash_s_form_is_not_ksm_nor_arch_1():
    # v6.7 has PG_slab at bit 11 (v6.6-rc1 and v6.5-next syzbot reports print slab|head as 0x840); no
    # build between 6.1.192 and 6.12.117 was read, so bit 11 is uncertain and so is slab.
    d = decode(_crash(NODE_ZONE | 1 << 11, 0x3), "6.7.0-rc1-syzkaller-00012-gabcdef")
    assert d.kind is not MappingKind.KSM and d.kind is MappingKind.UNKNOWN
    assert "arch_1" not in d.folio.paste.flag_names and d.folio.paste.slab is None
    assert any("bit 11 (owner_2 in 6.12.117+deb13-amd64; arch_1 in 6.1.0-57-amd64)" in n for n in d.notes)


def test_printed_names_are_preferred_to_any_table():
    report = """page:00000000d9b1b0a6 refcount:1 mapcount:0 mapping:0000000000000000 index:0x0 pfn:0x104c0c
flags: 0xfff00000000840(slab|head|node=0|zone=1|lastcpupid=0x7ff)
raw: 00fff00000000840 dead000000000100 dead000000000122 ffff888100042a03
raw: 0000000000000000 0000000000100010 00000001ffffffff 0000000000000000
page dumped because: folioviz test"""
    d = decode(report, "6.7")
    assert d.kind is MappingKind.SLAB and d.folio.paste.flag_table == ""
    assert any("flag names as printed" in line for line in d.folio.paste.bits_read)


def test_the_release_a_report_states_picks_the_table():
    text = (
        "CPU: 1 PID: 5080 Comm: syz-executor Not tainted 6.12.117+deb13-amd64 #0\n"
        + _crash(NODE_ZONE | 1 << 10 | 1 << 17, 0xFFFF8881036D7A69).split("\n", 1)[1]
    )
    p = parse_paste(text, "v6.0-v6.16")
    assert p.swapcache and "6.12.117+deb13-amd64 itself" in p.flag_table


@pytest.mark.parametrize(
    ("release", "build", "exact", "said"),
    [
        ("6.1.0-57-amd64", "6.1.0-57-amd64", True, "build 6.1.0-57-amd64 itself"),
        ("6.12.117+deb13-amd64", "6.12.117+deb13-amd64", True, "build 6.12.117+deb13-amd64 itself"),
        ("6.10.0-rc7-syzkaller-00012-gabcdef", "6.12.117+deb13-amd64", False, "between builds 6.1.0-57-amd64 and"),
        ("5.15.0-91-generic", "5.10.0-32-amd64", False, "between builds 5.10.0-32-amd64 and 6.1.0-57-amd64"),
        ("v6.4", "6.1.0-57-amd64", False, "Uncertain: bits 1-6, 8-9, 11-24"),
        ("6.4", "6.1.0-57-amd64", False, "the nearest build read"),
        ("6.1.0-56-amd64", "6.1.0-57-amd64", False, "the build read of the same series; bits 21-24 depend"),
        ("6.18", "6.17.8+deb13-amd64", False, "which number every bit alike; bits 20-24 depend"),
    ],
)
def test_each_release_string_maps_to_its_table_and_says_which(release, build, exact, said):
    choice = table_choice(release)
    assert (choice.table.release, choice.exact) == (build, exact)
    assert said in choice.message
    p = parse_paste(f"  flags = {1 << 4},\n  mapping = 0x0,", kernel=release)
    assert p.flag_table == choice.message


def test_a_bad_release_is_refused_clearly():
    from folioviz.kernel import UnknownEraError

    with pytest.raises(UnknownEraError, match=r"not a kernel release\. Allowed: "):
        table_choice("six.four")
    with pytest.raises(UnknownEraError):
        table_choice("6." + "9" * 5000)


def test_cli_kernel_takes_a_release_string(capsys):
    from folioviz.cli import main

    text = f"  flags = {NODE_ZONE | 1 << 10 | 1 << 17},\n  mapping = 0xffff8881036d7a69,"
    assert main(["decode", text, "--kernel", "6.12.117+deb13-amd64", "--json"]) == 0
    out = capsys.readouterr().out
    assert '"swapcache": true' in out and "6.12.117+deb13-amd64 itself" in out


def test_the_widget_takes_a_release_string():
    from folioviz.widgets import MappingWordWidget

    widget = MappingWordWidget(era="6.12.117+deb13-amd64")
    assert widget.paste(_crash(NODE_ZONE | 1 << 10 | 1 << 17, 0xFFFF8881036D7A69))
    assert widget.result.folio.swapcache and widget.era == "v6.0-v6.16"
