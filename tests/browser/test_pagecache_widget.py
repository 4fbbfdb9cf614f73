"""Notebook 02 in a real browser: step forward and back, play the stepper, play the plotly animation."""

from __future__ import annotations

from playwright.sync_api import expect
from playwright_harness import PLOTLY_IDLE, press_plotly_slider_start  # PLOTLY_IDLE: no animation frame pending

NOTEBOOK = "02_page_cache_refcounts.ipynb"


def test_step_forward_and_back(page, page_log, run_all):
    run_all(page, NOTEBOOK)
    widget = page.locator(".folioviz-pagecache").first
    widget.scroll_into_view_if_needed()
    count = widget.locator(".fv-refcount").first
    caption = widget.locator(".fv-step-count").first
    expect(caption).to_have_text("step 0 of 4")
    expect(count).to_have_text("1")  # the email's start: the page cache's reference only
    widget.locator("button.fv-next").first.click()
    expect(caption).to_have_text("step 1 of 4")
    expect(count).to_have_text("2")  # the lookup took a reference
    widget.locator("button.fv-next").first.click()
    expect(count).to_have_text("1")  # removal dropped the cache's
    expect(widget.locator(".fv-pagecache").first).to_contain_text("mapping = NULL")
    widget.locator("button.fv-back").first.click()
    expect(caption).to_have_text("step 1 of 4")
    expect(count).to_have_text("2")
    expect(widget.locator(".fv-pagecache").first).not_to_contain_text("mapping = NULL")
    widget.locator("button.fv-last").first.click()
    expect(widget.locator(".fv-pagecache").first).to_contain_text("freed")
    page_log.assert_no_errors()


def test_stepper_play_button_advances(page, page_log, run_all):
    run_all(page, NOTEBOOK)
    widget = page.locator(".folioviz-pagecache").first
    widget.scroll_into_view_if_needed()
    widget.locator(".fv-play button").first.click()  # the first button of the Play widget starts it
    expect(widget.locator(".fv-step-count").first).to_have_text("step 4 of 4", timeout=20_000)
    page_log.assert_no_errors()


def test_plotly_animation_plays_to_the_end(page, page_log, run_all):
    run_all(page, NOTEBOOK)
    plot = page.locator(".jp-RenderedPlotly").first
    plot.scroll_into_view_if_needed()
    # drawn once in view (folioviz-lazy-figures): plotly's first draw may come after the scroll, on a busy machine late
    expect(plot.locator(".main-svg").first).to_be_visible(timeout=30_000)
    slider_label = plot.locator(".slider-container .slider-label").first  # "step N", the current value
    # The figure plays itself once when it appears; a rewind clicked while that autoplay still runs is
    # overtaken by it. So wait for the state that matters, plotly's animation queue being empty, not for time.
    expect(slider_label).to_have_text("step 10", timeout=30_000)
    graph = plot.element_handle()
    page.wait_for_function(PLOTLY_IDLE, arg=graph, timeout=30_000)
    # rewind with the figure's own slider (click its first step label), then press the figure's play button
    press_plotly_slider_start(page, plot)  # rewind with the figure's own slider
    expect(slider_label, "clicking the slider's first step did not rewind the figure").to_have_text("step 0")
    page.wait_for_function(PLOTLY_IDLE, arg=graph, timeout=30_000)
    plot.locator(".updatemenu-button").first.click()
    expect(slider_label, "the plotly animation did not reach the last step").to_have_text("step 10", timeout=20_000)
    page_log.assert_no_errors()


def test_keyboard_steps_with_the_slider(page, page_log, run_all):
    run_all(page, NOTEBOOK)
    widget = page.locator(".folioviz-pagecache").first
    widget.scroll_into_view_if_needed()
    handle = widget.locator(".fv-step-slider .noUi-handle").first
    handle.focus()
    expect(handle).to_be_focused()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    caption = widget.locator(".fv-step-count").first
    expect(caption).to_have_text("step 2 of 4")
    page.keyboard.press("ArrowLeft")
    expect(caption).to_have_text("step 1 of 4")
    page.keyboard.press("End")
    expect(caption).to_have_text("step 4 of 4")
    page.keyboard.press("Home")
    expect(caption).to_have_text("step 0 of 4")
    # the buttons work from the keyboard too
    next_button = widget.locator("button.fv-next").first
    next_button.focus()
    page.keyboard.press("Enter")
    expect(caption).to_have_text("step 1 of 4")
    page_log.assert_no_errors()
