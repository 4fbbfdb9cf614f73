"""Notebook 04 in a real browser: filtering the survey changes the table."""

from __future__ import annotations

from playwright.sync_api import expect

NOTEBOOK = "04_page_mkwrite_in_the_wild.ipynb"


def test_filter_to_old_school(page, page_log, run_all):
    run_all(page, NOTEBOOK)
    explorer = page.locator(".folioviz-survey").first
    explorer.scroll_into_view_if_needed()
    count = explorer.locator(".fv-survey-count").first
    expect(count).to_contain_text("32 of 32 rows in v7.2.8")
    explorer.locator("select").first.select_option(label="old-school")
    expect(count).to_contain_text("1 of 32")
    expect(explorer.locator(".fv-survey").first).to_contain_text("kernfs_vma_page_mkwrite")
    explorer.locator(".widget-toggle-buttons button", has_text="v6.1.4").click()
    expect(count).to_contain_text("2 of")
    expect(explorer.locator(".fv-survey").first).to_contain_text("perf_mmap_fault")
    page_log.assert_no_errors()
