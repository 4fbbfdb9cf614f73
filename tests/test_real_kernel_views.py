"""The real-kernel views: every fact they show comes from the records, escaped, with labels beside colours."""

from __future__ import annotations

import re
from html import unescape

import pytest

from folioviz.kernel.observed import comparisons, record, records, rules_seen
from folioviz.render.real_kernels import (
    AGREE_STYLE,
    ksm_bug_html,
    movable_change_html,
    observed_table_html,
    records_summary_html,
    rules_seen_html,
    truncation_html,
)
from folioviz.render.workbook import rules_map_html

IDS = [r.kernel.version for r in records()]


def _text(html: str) -> str:
    html = re.sub(r"<style>.*?</style>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


@pytest.mark.parametrize("version", IDS)
def test_the_kernel_table_has_a_row_per_page_and_marks_each_answer(version):
    rec = record(version)
    html = observed_table_html(version)
    results = comparisons(rec)
    assert html.count("<tr>") == len(results) + 1
    text = _text(html)
    assert rec.release in text and rec.kernel.version in text and f"v{rec.kernel.version}/source" in html
    for result in results:
        key = "agree" if result.agree else "b7" if result.b7 else "disagree"
        assert AGREE_STYLE[key][2] in text
    assert ("the kernel's B7 bug" in text) == rec.ksm_bug_seen()
    assert "✘" not in text


def test_the_summary_lists_every_kernel_with_its_whole_memory_figures():
    text = _text(records_summary_html())
    for rec in records():
        assert rec.kernel.version in text and f"{rec.whole_memory.agree} of {rec.whole_memory.compared}" in text


def test_the_movable_change_shows_the_zsmalloc_words_of_both_builds():
    html = movable_change_html()
    text = _text(html)
    before, after = record("6.16"), record("6.17")
    for rec in (before, after):
        page = rec.observation("zsmalloc").page
        assert f"{page.mapping:#018x}" in text and f"{page.flags:#018x}" in text
    assert "movable_ops yes" in text and "movable_ops no" in text
    assert text.count("PGTY_zsmalloc") == 1 and "zsmalloc_mops" in text
    assert 'title="bit 1"' in html and 'title="bit 3"' in html


def test_the_ksm_bug_view_counts_the_pages_of_each_build():
    text = _text(ksm_bug_html())
    assert text.count("bug seen") == sum(r.ksm_bug_seen() for r in records())
    assert text.count("no bug") == sum(not r.ksm_bug_seen() for r in records())
    for rec in records():
        assert f"{rec.whole_memory.kpf_ksm_on_plain_anon} pages" in ksm_bug_html()


@pytest.mark.parametrize("version", IDS)
def test_the_truncation_view_shows_add_then_delete_then_null_with_references(version):
    text = _text(truncation_html(version))
    page = record(version).observation("truncated").page
    add, delete = text.index("mm_filemap_add_to_page_cache"), text.rindex("mm_filemap_delete_from_page_cache")
    assert add < delete < text.index("in the dump")
    assert f"mapping = 0x0 · refcount {page.refcount}" in text and "!folio->mapping is true" in text


def test_the_rules_views_mark_what_was_seen_and_what_was_read():
    seen = dict(rules_seen())
    for html in (rules_seen_html(), rules_map_html()):
        text = _text(html)
        assert text.count("○ read in source only") == sum(not builds for builds in seen.values())
        assert "seen on " + ", ".join(seen["B7"]) in text


def test_record_text_is_escaped():
    assert "<script" not in observed_table_html(IDS[0]) + ksm_bug_html() + movable_change_html()
