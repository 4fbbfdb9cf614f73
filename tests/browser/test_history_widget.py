"""Notebook 05 in a real browser: picking a moment switches the mapping-word widget's era in place."""

from __future__ import annotations

from playwright.sync_api import expect

NOTEBOOK = "05_how_the_rules_changed.ipynb"


def test_picking_v6_17_switches_the_widget_era(page, page_log, run_all):
    run_all(page, NOTEBOOK)
    explorer = page.locator(".folioviz-history").first
    explorer.scroll_into_view_if_needed()
    kind = explorer.locator(".folioviz-mapping-word .fv-kind").first
    expect(kind).to_have_text("movable")
    expect(explorer.locator(".fv-history-livelock").first).to_contain_text("LIVELOCK")
    explorer.locator("select").first.select_option(index=8)  # 2025-07 · v6.17
    expect(explorer.locator(".fv-event").first).to_contain_text("page flag")
    expect(explorer.locator(".fv-kindrow").first).to_contain_text("v6.17 and later")
    expect(explorer.locator(".fv-history-livelock").first).not_to_contain_text("LIVELOCK")
    page_log.assert_no_errors()
