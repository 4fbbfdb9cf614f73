"""The page-cache walk widget in a real browser, fed by real drgn over a kernel laid out by tests/drgnkit."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from playwright.sync_api import expect

pytest.importorskip("drgn", reason="drgn is not installed (pip install 'folioviz[drgn]'; Linux only)")

TESTS = Path(__file__).resolve().parents[1]

CELL = f"""\
import sys
sys.path.insert(0, {str(TESTS)!r})
from drgnkit import Kernel
import folioviz.drgn

k = Kernel("v6.17+")
mapping = k.address_space()
small = k.folio(mapping=mapping, flags=("PG_uptodate", "PG_lru"), refcount=2)[0]
large = k.folio(mapping=mapping, flags=("PG_uptodate", "PG_lru"), refcount=4, order=2, index=4)[0]
k.page_cache(mapping, {{0: ("folio", small, 0), 1: ("value", 0x1234, 0), 4: ("folio", large, 2)}})
folioviz.drgn.pagecache_widget(k.obj(mapping, "struct address_space").address_of_())
"""


def _notebook() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(CELL)]
    return nb


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
    page.keyboard.press("Enter")  # keyboard-operable
    expect(widget).to_contain_text("holds a value entry")
    expect(widget.locator(".folioviz-mapping-word")).to_have_count(0)
    page_log.assert_no_errors()
    page_log.assert_no_external_requests()
