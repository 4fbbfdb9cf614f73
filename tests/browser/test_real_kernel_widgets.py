"""Issue 14 in a real browser: the page-cache walk widget (fed by real drgn over a kernel laid out by
tests/drgnkit) and a multi-line crash dump pasted into the mapping-word widget's one-line box."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import nbformat
import pytest
from playwright.sync_api import expect

HAVE_DRGN = importlib.util.find_spec("drgn") is not None

TESTS = Path(__file__).resolve().parents[1]

CELL = f"""\
import sys
sys.path.insert(0, {str(TESTS)!r})
from drgnkit import Kernel
from folioviz.widgets.from_drgn import pagecache_widget

k = Kernel("v6.17+")
mapping = k.address_space()
small = k.folio(mapping=mapping, flags=("PG_uptodate", "PG_lru"), refcount=2)[0]
large = k.folio(mapping=mapping, flags=("PG_uptodate", "PG_lru"), refcount=4, order=2, index=4)[0]
k.page_cache(mapping, {{0: ("folio", small, 0), 1: ("value", 0x1234, 0), 4: ("folio", large, 2)}})
pagecache_widget(k.obj(mapping, "struct address_space").address_of_())
"""


def _notebook() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(CELL)]
    return nb


@pytest.mark.skipif(not HAVE_DRGN, reason="drgn is not installed (pip install 'folioviz[drgn]'; Linux only)")
def test_open_a_folio_row_and_a_value_row(lab_server, page, page_log, run_all):
    lab_server.write_notebook("pagecache_walk.ipynb", _notebook())
    run_all(page, "pagecache_walk.ipynb")
    widget = page.locator(".folioviz-pagecache-walk").first
    widget.scroll_into_view_if_needed()
    expect(widget.locator("table.fv-pagecache-walk tbody tr")).to_have_count(3)
    picker = widget.locator(".widget-dropdown select").first
    button = widget.locator("button.fv-open-row").first

    picker.select_option(index=2)  # the large folio at index 4
    button.click()
    opened = widget.locator(".folioviz-mapping-word").first
    expect(opened).to_be_visible()
    expect(opened.locator(".fv-kind").first).to_have_attribute("data-kind", "file")
    expect(widget).to_contain_text("Index 4: refcount 4, order 2.")

    picker.select_option(index=1)  # the value entry
    button.focus()
    expect(button).to_be_focused()
    page.keyboard.press("Enter")  # keyboard-operable
    expect(widget).to_contain_text("holds a value entry")
    expect(widget.locator(".folioviz-mapping-word")).to_have_count(0)
    page_log.assert_no_errors()
    page_log.assert_no_external_requests()


PASTE_CELL = """\
from folioviz import MappingWordWidget
MappingWordWidget(era="6.1")
"""


def test_a_multi_line_crash_dump_in_the_paste_box(lab_server, page, page_log, run_all):
    # A text input drops the newlines of a pasted block; the parser still reads it.
    import sys

    sys.path.insert(0, str(TESTS))
    from test_paste import CRASH_STRUCT_PAGE_61

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(PASTE_CELL)]
    lab_server.write_notebook("paste_box.ipynb", nb)
    run_all(page, "paste_box.ipynb")
    widget = page.locator(".folioviz-mapping-word").first
    widget.scroll_into_view_if_needed()
    box = widget.locator("input[type=text]").first
    box.fill(CRASH_STRUCT_PAGE_61)
    box.press("Enter")
    expect(widget.locator(".fv-kind").first).to_have_text("anon")
    expect(widget.locator(".fv-error")).to_have_count(0)
    expect(widget.get_by_label("in swap cache")).to_be_checked()
    expect(widget.locator(".fv-paste").first).to_contain_text("bit 10 owner_priv_1: set")
    page_log.assert_no_errors()
