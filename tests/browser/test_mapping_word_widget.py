"""Notebook 01's mapping-word widget, in a real browser: flipping bit 0 changes the kind badge.

Contract with the widget: each bit is a focusable button with classes ``fv-bit fv-bit-<n>``; the kind
badge has class ``fv-kind``.
"""

from __future__ import annotations

from playwright.sync_api import expect

NOTEBOOK = "01_the_mapping_word.ipynb"


def _bit0_and_kind(page):
    """The first .fv-bit-0 button, and the .fv-kind badge of the same output (not just any badge)."""
    bit = page.locator(".fv-bit-0").first
    expect(bit, "no .fv-bit-0 button rendered by the widget").to_be_visible()
    output = page.locator(".jp-OutputArea-output").filter(has=page.locator(".fv-bit-0")).first
    kind = output.locator(".fv-kind").first
    expect(kind, "no .fv-kind badge next to the first .fv-bit-0").to_be_attached()
    # text_content, not inner_text: after Run All, Lab has scrolled to the last cell, and the cells out of
    # view are skipped by CSS content-visibility, where innerText is "".
    before = (kind.text_content() or "").strip()
    assert before, "the .fv-kind badge is empty before any click"
    return bit, kind, before


def test_clicking_bit0_changes_the_kind(page, page_log, run_all):
    run_all(page, NOTEBOOK)
    bit, kind, before = _bit0_and_kind(page)

    assert before == "file", f"notebook 01's first widget should start on a file word, shows {before!r}"

    bit.click()

    expect(kind, f"the kind badge still says {before!r} after clicking bit 0").to_have_text("anon")
    page_log.assert_no_errors()


def test_bit0_with_the_keyboard_only(page, page_log, run_all):
    run_all(page, NOTEBOOK)
    bit, kind, before = _bit0_and_kind(page)

    bit.focus()
    expect(bit).to_be_focused()
    # It is in the tab order: leaving it backwards and tabbing forward lands on it again.
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    expect(bit, "Tab does not reach bit 0 again after Shift+Tab").to_be_focused()

    page.keyboard.press("Space")

    expect(kind, f"the kind badge still says {before!r} after Space on bit 0").to_have_text("anon")
    page_log.assert_no_errors()


def _first_widget(page):
    widget = page.locator(".folioviz-mapping-word").first
    expect(widget).to_be_attached()
    return widget


def test_bad_paste_shows_an_error_and_keeps_the_kind(page, page_log, run_all):
    run_all(page, NOTEBOOK)
    widget = _first_widget(page)
    widget.scroll_into_view_if_needed()
    box = widget.locator("input[type=text]").first
    box.fill("0xnot-a-word")
    box.press("Enter")
    expect(widget.locator(".fv-error"), "no inline error after a bad paste").to_contain_text("not a hexadecimal word")
    expect(widget.locator(".fv-kind").first).to_have_text("file")
    box.fill("ffff888003a1c003")
    box.press("Enter")
    expect(widget.locator(".fv-kind").first).to_have_text("KSM")
    expect(widget.locator(".fv-error")).to_have_count(0)
    page_log.assert_no_errors()


def test_era_switch_makes_the_movable_tag_invalid_in_v6_17(page, page_log, run_all):
    run_all(page, NOTEBOOK)
    widget = _first_widget(page)
    widget.scroll_into_view_if_needed()
    widget.locator(".fv-bit-1").first.click()
    kind = widget.locator(".fv-kind").first
    expect(kind).to_have_text("movable")
    widget.locator("select").first.select_option(label="v6.17 and later")
    expect(kind, "the movable tag should be no encoding in v6.17+").to_have_text("invalid")
    expect(widget.locator(".fv-kindrow").first).to_contain_text("FOLIO_MAPPING_ANON_KSM")
    widget.locator("select").first.select_option(label="before v6.0")
    expect(kind).to_have_text("movable")
    expect(widget.locator(".fv-helpers").first).to_contain_text("page_mapping(page)")
    page_log.assert_no_errors()
