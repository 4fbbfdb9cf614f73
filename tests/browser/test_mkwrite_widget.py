"""Notebook 03 in a real browser: step forward and back, flip the check, watch the livelock appear."""

from __future__ import annotations

from playwright.sync_api import expect

NOTEBOOK = "03_do_page_mkwrite.ipynb"


def test_step_and_flip_the_check_to_see_the_livelock(page, page_log, run_all):
    run_all(page, NOTEBOOK)
    # the fourth mkwrite widget is the loop view of the movable-tagged driver page under folio_mapping()
    widget = page.locator(".folioviz-mkwrite").nth(1)  # old-school handler, truncated folio
    widget.scroll_into_view_if_needed()
    current = widget.locator(".fv-line-current").first
    expect(current).to_have_attribute("data-line", "1")
    widget.locator("button.fv-next").first.click()
    widget.locator("button.fv-next").first.click()
    expect(current).to_have_attribute("data-line", "3")
    widget.locator("button.fv-back").first.click()
    expect(current).to_have_attribute("data-line", "2")

    # make it the email's case: a movable-tagged driver page, checked with folio_mapping()
    widget.locator("select").nth(2).select_option(label="movable-tagged")  # kernel, handler, folio
    widget.locator(".fv-mkwrite-controls .widget-toggle-buttons button", has_text="folio_mapping()").click()
    widget.locator("button.fv-last").first.click()
    outcome = widget.locator(".fv-outcome").first
    expect(outcome).to_have_attribute("data-outcome", "LIVELOCK")
    expect(widget.locator(".fv-line-current").first).to_have_attribute("data-line", "14")

    # flip back to the raw word: the write proceeds
    widget.locator(".fv-mkwrite-controls .widget-toggle-buttons button", has_text="folio->mapping").click()
    widget.locator("button.fv-last").first.click()
    expect(outcome).to_have_attribute("data-outcome", "WRITE_PROCEEDS")
    page_log.assert_no_errors()


def test_side_by_side_in_v5_10_has_no_livelock(page, page_log, run_all):
    run_all(page, NOTEBOOK)
    pair = page.locator(".folioviz-mkwrite-compare").first
    pair.scroll_into_view_if_needed()
    pair.locator("button.fv-last").first.click()
    outcomes = pair.locator(".fv-outcome")
    expect(outcomes.nth(0)).to_have_attribute("data-outcome", "WRITE_PROCEEDS")
    expect(outcomes.nth(1)).to_have_attribute("data-outcome", "LIVELOCK")
    pair.locator("select").first.select_option(label="v5.10 (before v6.0; page form)")
    pair.locator("button.fv-last").first.click()
    expect(outcomes.nth(1)).to_have_attribute("data-outcome", "WRITE_PROCEEDS")
    page_log.assert_no_errors()
