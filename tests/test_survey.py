"""The ->page_mkwrite survey (data/page_mkwrite_survey.toml) and its loader, folioviz.kernel.survey.

The last tests re-check every row against real kernel trees when FOLIOVIZ_KSRC names a folder holding
``7.2.8-full/`` and ``6.1.4-full/`` (unpacked upstream tarballs); without it they are skipped.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from pathlib import Path

import pytest

from folioviz.kernel import FolioVizError
from folioviz.kernel import survey as sv
from folioviz.kernel.datafiles import data_root, load_toml

ROWS = load_toml(sv.SURVEY_FILE)["handler"]
REQUIRED = ("release", "path", "handler", "line", "success", "convention", "helper", "truncation_check", "evidence")
REQUIRED += ("notes", "ops")

# Counts found by reading the two trees; a change here means the data changed, so re-check it.
CONVENTION_COUNTS = {
    "v7.2.8": {"modern": 20, "old-school": 1, "dax": 2, "pfn-map": 1, "refuses": 1, "helper": 7},
    "v6.1.4": {"modern": 17, "old-school": 2, "dax": 3, "pfn-map": 1, "refuses": 1, "helper": 7},
}
HELPER_COUNTS = {
    "v7.2.8": {"filemap": 1, "iomap": 5, "block": 4, "netfs": 4, "dax": 3, "none": 15},
    "v6.1.4": {"filemap": 1, "iomap": 3, "block": 4, "netfs": 0, "dax": 4, "none": 19},
}
IMPLEMENTATIONS = {"v7.2.8": 26, "v6.1.4": 25}


# --------------------------------------------------------------------------- data shape


def test_every_row_has_the_required_fields():
    for row in ROWS:
        missing = [key for key in REQUIRED if key not in row]
        assert not missing, (row.get("handler"), missing)
        for key in REQUIRED:
            if key not in ("line", "ops"):
                assert isinstance(row[key], str) and row[key].strip(), (row["handler"], key)


def test_values_are_from_the_documented_vocabularies():
    for row in ROWS:
        assert row["release"] in sv.RELEASES
        assert row["convention"] in sv.CONVENTIONS, row["handler"]
        assert row["success"] in sv.SUCCESS_VALUES, row["handler"]
        assert row["helper"] in sv.HELPERS, row["handler"]
        assert row["evidence"] in sv.EVIDENCE, row["handler"]
        assert isinstance(row.get("also_pfn_mkwrite", False), bool)
        assert isinstance(row.get("fault_sets_mapping", False), bool)


def test_every_row_has_its_source_and_read_rows_have_a_line():
    for row in ROWS:
        assert row["path"] and not row["path"].startswith("/") and ".." not in row["path"]
        assert row["path"].endswith((".c", ".h")), row["path"]
        if row["evidence"] == "V":
            assert isinstance(row["line"], int) and row["line"] > 0, row["handler"]
    for handler in sv.survey():
        assert (
            handler.url == f"https://elixir.bootlin.com/linux/{handler.release}/source/{handler.path}#L{handler.line}"
        )


def test_no_duplicate_rows():
    keys = Counter((row["release"], row["handler"], row["path"]) for row in ROWS)
    assert [key for key, n in keys.items() if n > 1] == []
    # a function appears once per release
    names = Counter((row["release"], row["handler"]) for row in ROWS)
    assert [key for key, n in names.items() if n > 1] == []


def test_ops_entries_point_at_a_struct_and_its_initialiser():
    for row in ROWS:
        for ops in row["ops"]:
            assert set(ops) == {"name", "path", "line", "mkwrite_line"}, row["handler"]
            assert re.fullmatch(r"\w+", ops["name"])
            assert 0 < ops["line"] < ops["mkwrite_line"] < ops["line"] + 40


def test_handlers_are_registered_and_only_filemap_is_both():
    for row in sv.survey():
        if row.convention != "helper":
            assert row.registered, row.handler
    both = {(row.release, row.handler) for row in sv.survey() if row.is_helper and row.registered}
    assert both == {("v7.2.8", "filemap_page_mkwrite"), ("v6.1.4", "filemap_page_mkwrite")}


def test_no_kernel_source_lines_are_quoted():
    statement = re.compile(r"\w+\([^()]*\);|\)\s*\{|^\s*(static|return|if)\b|\b(if|while) \(", re.M)
    for row in ROWS:
        for key in ("truncation_check", "notes", "success"):
            assert not statement.search(row[key]), (row["handler"], key)


def test_header_names_the_releases_and_the_stand_in():
    text = (data_root() / sv.SURVEY_FILE).read_text()
    header = text.split("[[handler]]")[0]
    for needle in ("7.2.8-1", "6.1.4-1", "orig", "v6.4", "STANDS IN FOR"):
        assert needle in header, needle


# --------------------------------------------------------------------------- loader and counts


@pytest.mark.parametrize("release", sv.RELEASES)
def test_counts_per_convention_are_stable(release):
    counts = {name: len(rows) for name, rows in sv.by_convention(release).items()}
    assert counts == CONVENTION_COUNTS[release]
    assert list(counts) == list(sv.CONVENTIONS)


@pytest.mark.parametrize("release", sv.RELEASES)
def test_counts_per_helper_are_stable(release):
    counts = {name: len(rows) for name, rows in sv.by_helper(release).items()}
    assert counts == HELPER_COUNTS[release]


@pytest.mark.parametrize("release", sv.RELEASES)
def test_about_thirty_implementations(release):
    assert len(sv.implementations(release)) == IMPLEMENTATIONS[release]
    assert 20 <= IMPLEMENTATIONS[release] <= 35  # the email's "~30"


def test_survey_without_release_is_both_releases():
    assert len(sv.survey()) == len(ROWS) == len(sv.survey("v7.2.8")) + len(sv.survey("v6.1.4"))
    assert sv.survey("7.2.8") == sv.survey("v7.2.8")


def test_rows_are_frozen():
    row = sv.survey("v7.2.8")[0]
    with pytest.raises(AttributeError):
        row.line = 1  # type: ignore[misc]


@pytest.mark.parametrize("bad", ["v6.4", "v6.12.8", "latest", "", None, 7])
def test_unknown_release_is_a_clear_error(bad):
    if bad is None:
        with pytest.raises(FolioVizError, match="covers releases"):
            sv.by_convention(bad)  # type: ignore[arg-type]
        return
    with pytest.raises(FolioVizError, match=r"v6\.1\.4 stands in for v6\.4"):
        sv.survey(bad)  # type: ignore[arg-type]
    with pytest.raises(FolioVizError):
        sv.old_school(bad)  # type: ignore[arg-type]


def test_find_handler():
    row = sv.find_handler("kernfs_vma_page_mkwrite", "v7.2.8")
    assert (row.path, row.line, row.success) == ("fs/kernfs/file.c", 400, "0")
    assert row.source.label == "fs/kernfs/file.c:400 (v7.2.8)"
    with pytest.raises(FolioVizError, match="not a page_mkwrite handler"):
        sv.find_handler("perf_mmap_fault", "v7.2.8")


# --------------------------------------------------------------------------- what the survey found


def test_kernfs_is_old_school_in_both_releases():
    for release in sv.RELEASES:
        row = sv.find_handler("kernfs_vma_page_mkwrite", release)
        assert (row.convention, row.success, row.path) == ("old-school", "0", "fs/kernfs/file.c")


def test_perf_is_old_school_in_v6_1_4_and_gone_in_v7_2_8():
    perf = sv.find_handler("perf_mmap_fault", "v6.1.4")
    assert (perf.convention, perf.success, perf.fault_sets_mapping) == ("old-school", "0", True)
    assert [ops.name for ops in perf.ops] == ["perf_mmap_vmops"]
    assert "perf_mmap_fault" not in {row.handler for row in sv.survey("v7.2.8")}


def test_the_old_school_lists():
    assert [row.handler for row in sv.old_school("v7.2.8")] == ["kernfs_vma_page_mkwrite"]
    assert {row.handler for row in sv.old_school("v6.1.4")} == {"perf_mmap_fault", "kernfs_vma_page_mkwrite"}


def test_only_v6_1_4_drivers_store_a_mapping_in_page_mapping():
    setters = {(row.release, row.handler) for row in sv.survey() if row.fault_sets_mapping}
    assert setters == {("v6.1.4", "perf_mmap_fault"), ("v6.1.4", "fb_deferred_io_mkwrite")}


def test_returns_zero_only_where_explained():
    zero = {(row.release, row.handler, row.convention) for row in sv.survey() if row.success == "0"}
    assert {c for _, _, c in zero} == {"old-school", "pfn-map"}
    assert all(sv.find_handler(h, r).also_pfn_mkwrite for r, h, c in zero if c == "pfn-map")


def test_dax_handlers_rely_on_the_dax_helper():
    for row in sv.survey():
        if row.convention == "dax":
            assert (row.success, row.helper) == ("dax", "dax"), row.handler


def test_differences_between_the_releases():
    diff = {d.handler: d for d in sv.differences()}
    assert {h for h, d in diff.items() if d.change == "removed"} == {
        "perf_mmap_fault",
        "ext2_dax_fault",
        "block_page_mkwrite_return",
        "page_mkwrite_check_truncate",
    }
    assert {h for h, d in diff.items() if d.change == "added"} == {
        "exfat_page_mkwrite",
        "udf_page_mkwrite",
        "ntfs_filemap_page_mkwrite",
        "netfs_page_mkwrite",
        "vmf_fs_error",
    }
    assert diff["cifs_page_mkwrite"].before.path == "fs/cifs/file.c"
    assert diff["cifs_page_mkwrite"].after.path == "fs/smb/client/file.c"
    assert {"path", "helper"} <= set(diff["cifs_page_mkwrite"].fields)
    for name in ("afs_page_mkwrite", "v9fs_vm_page_mkwrite"):
        assert diff[name].before.helper == "none" and diff[name].after.helper == "netfs"
    assert diff["fb_deferred_io_mkwrite"].fields == ("fault_sets_mapping",)
    # a handler whose only change is its line numbers is not a difference
    assert "kernfs_vma_page_mkwrite" not in diff
    assert sv.find_handler("kernfs_vma_page_mkwrite", "v6.1.4").line != sv.find_handler("kernfs_vma_page_mkwrite").line


# --------------------------------------------------------------------------- against real trees (optional)

KSRC = os.environ.get("FOLIOVIZ_KSRC", "")


def _tree(release: str) -> Path:
    if not KSRC:
        pytest.skip("set FOLIOVIZ_KSRC to a folder holding <release>-full/ kernel trees")
    tree = Path(KSRC) / f"{release.removeprefix('v')}-full"
    if not (tree / "Makefile").is_file():
        pytest.skip(f"no unpacked tree at {tree}")
    return tree


def _lines(tree: Path, path: str) -> list[str]:
    return (tree / path).read_text(errors="replace").splitlines()


def _defines(lines: list[str], line: int, name: str) -> bool:
    text = lines[line - 1]
    if not re.search(rf"(^|[\s*]){re.escape(name)}\(", text) or text.rstrip().endswith(";"):
        return False
    for following in lines[line - 1 : line + 6]:  # the body opens before any ';'
        if following.startswith("{"):
            return True
        if following.rstrip().endswith(";"):
            return False
    return False


@pytest.mark.parametrize("release", sv.RELEASES)
def test_each_line_defines_its_handler_in_the_real_tree(release):
    tree = _tree(release)
    makefile = "\n".join(_lines(tree, "Makefile")[:6])
    major, minor, sub = release.removeprefix("v").split(".")
    assert f"VERSION = {major}" in makefile and f"PATCHLEVEL = {minor}" in makefile and f"SUBLEVEL = {sub}" in makefile
    wrong = [
        f"{r.path}:{r.line} {r.handler}"
        for r in sv.survey(release)
        if not _defines(_lines(tree, r.path), r.line, r.handler)
    ]
    assert wrong == []


@pytest.mark.parametrize("release", sv.RELEASES)
def test_each_ops_line_registers_its_handler_in_the_real_tree(release):
    tree = _tree(release)
    wrong = []
    for row in sv.survey(release):
        for ops in row.ops:
            lines = _lines(tree, ops.path)
            if not re.search(rf"vm_operations_struct\s+{ops.name}\s*=", lines[ops.line - 1]):
                wrong.append(f"{ops.label}: no struct")
            if not re.search(rf"\.page_mkwrite\s*=\s*{row.handler}\b", lines[ops.mkwrite_line - 1]):
                wrong.append(f"{ops.path}:{ops.mkwrite_line}: no .page_mkwrite = {row.handler}")
    assert wrong == []


@pytest.mark.parametrize("release", sv.RELEASES)
def test_the_survey_is_complete_for_the_real_tree(release):
    tree = _tree(release)
    found = set()
    assign = re.compile(r"(?:\.|->)\s*page_mkwrite\s*=\s*(\w+)")
    for top in ("arch", "block", "drivers", "fs", "ipc", "kernel", "mm", "net", "security", "sound", "virt", "include"):
        for path in (tree / top).rglob("*.[ch]"):
            text = path.read_text(errors="replace")
            if "page_mkwrite" in text:
                found.update(assign.findall(text))
    assert found == {row.handler for row in sv.implementations(release)}
